#!/usr/bin/env bash
# interfaces.X.shaping with CAKE in the guest kernel (this host's has no
# CAKE): an iperf3 upload through the router held within 10 % of
# `egress: 20mbit`, and a ping beside it stays low, compared with shaping
# off (where the "modem's" deep buffer makes it grow) in the same run;
# the download held to `ingress`; check, status and removal. The body is
# tests/lab/cake-guest.bash, run through scripts/vm-run (SKIP, exit 77,
# without QEMU). Figures: docs/performance.md.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
start=$(date +%s)
rc=0
(cd "$NFTROUTER_SRCDIR" && "$NFTROUTER_SRCDIR/scripts/vm-run" \
    env NFTROUTER="$NFTROUTER" bash "$NFTROUTER_SRCDIR/tests/lab/cake-guest.bash") || rc=$?
echo "vm-run took $(( $(date +%s) - start ))s"
[ "$rc" -ne 77 ] || skip "the guest could not run"
[ "$rc" -eq 0 ] || fail "the guest's CAKE test failed (exit $rc)"
pass "CAKE in the guest kernel"
