#!/usr/bin/env bash
# interfaces.X.bridge in the Debian guest kernel, whose br_netfilter is a
# module (this host's kernel has it built in, so always loaded): the
# body, tests/lab/bridge-guest.bash, runs tests/lab/run-bridge.sh
# through scripts/vm-run once without br_netfilter and once with it
# loaded, in one boot (SKIP, exit 77, without QEMU).
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
start=$(date +%s)
rc=0
(cd "$NFTROUTER_SRCDIR" && "$NFTROUTER_SRCDIR/scripts/vm-run" \
    env NFTROUTER="$NFTROUTER" bash "$NFTROUTER_SRCDIR/tests/lab/bridge-guest.bash") || rc=$?
echo "vm-run took $(( $(date +%s) - start ))s"
[ "$rc" -ne 77 ] || skip "the guest could not run"
[ "$rc" -eq 0 ] || fail "the guest's bridge test failed (exit $rc)"
pass "bridges in the guest kernel, without and with br_netfilter"
