#!/usr/bin/env bash
# interfaces.X.shaping with CAKE in the guest kernel (this host's has no
# CAKE): an iperf3 upload through the router held within 10 % of
# `egress: 20mbit` (the best of up to three 8 s runs), and a ping beside
# it stays low, compared with shaping off (where the "modem's" deep
# buffer makes it grow) in the same run; the download held to `ingress`;
# check, status and removal. The body is tests/lab/cake-guest.bash, run
# through scripts/vm-run (SKIP, exit 77, without QEMU). Figures:
# docs/performance.md. An emulated CPU (TCG) that shares the host with
# other guests loses shaper throughput (docs/performance.md figure 12),
# so tests/run runs this test alone, after the other guest tests
# (the marker line below).
# vm-solo
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
accel=$("$NFTROUTER_SRCDIR/scripts/vm-image" --accel 2>/dev/null || echo tcg)
rates=(CAKE_RATE=20 CAKE_LINE=24 CAKE_IN=30)
echo "accelerator: $accel (${rates[*]})"
guest_run CAKE cake-guest.bash "${rates[@]}"
pass "CAKE in the guest kernel"
