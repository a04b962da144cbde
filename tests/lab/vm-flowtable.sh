#!/usr/bin/env bash
# offload: software in the guest kernel (this host's has no flowtables):
# the real nftrouter apply loads a flowtable over ports that come and go;
# a forwarded TCP flow shows [OFFLOAD] in conntrack; a ban on its peer
# still cuts it (no more bytes get through); a port-forward flow is
# offloaded; and bench/offload.sh measures the paired throughput ratio
# with and without offload (docs/performance.md). The body is
# tests/lab/flowtable-guest.bash, run through scripts/vm-run (SKIP, exit
# 77, without QEMU).
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
start=$(date +%s)
rc=0
(cd "$NFTROUTER_SRCDIR" && "$NFTROUTER_SRCDIR/scripts/vm-run" \
    env NFTROUTER="$NFTROUTER" bash "$NFTROUTER_SRCDIR/tests/lab/flowtable-guest.bash") || rc=$?
echo "vm-run took $(( $(date +%s) - start ))s"
[ "$rc" -ne 77 ] || skip "the guest could not run"
[ "$rc" -eq 0 ] || fail "the guest's flowtable test failed (exit $rc)"
pass "flowtable offload in the guest kernel"
