#!/usr/bin/env bash
# ipv4: pppoe in the guest kernel (this host's has no PPP): an ISP
# namespace runs pppoe-server with CHAP, the real daemon's pppd logs in
# (refused with a wrong password, up after the right one and a reload), a
# LAN client reaches the ISP's web server masqueraded, forwarded SYNs are
# clamped to the session's MTU, and killing the ISP's pppd (by its PID)
# makes the router reconnect. The body is tests/lab/pppoe-guest.bash, run
# through scripts/vm-run (SKIP, exit 77, without QEMU).
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
start=$(date +%s)
rc=0
(cd "$NFTROUTER_SRCDIR" && "$NFTROUTER_SRCDIR/scripts/vm-run" \
    env NFTROUTER="$NFTROUTER" bash "$NFTROUTER_SRCDIR/tests/lab/pppoe-guest.bash") || rc=$?
echo "vm-run took $(( $(date +%s) - start ))s"
[ "$rc" -ne 77 ] || skip "the guest could not run"
[ "$rc" -eq 0 ] || fail "the guest's PPPoE test failed (exit $rc)"
pass "PPPoE WAN in the guest kernel"
