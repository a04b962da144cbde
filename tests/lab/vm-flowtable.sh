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
guest_run flowtable flowtable-guest.bash
pass "flowtable offload in the guest kernel"
