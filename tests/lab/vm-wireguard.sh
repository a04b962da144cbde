#!/usr/bin/env bash
# interfaces.X.wireguard in the guest kernel (this host's has no
# WireGuard): the real daemon makes wg0 with a key of its own; a peer
# namespace configured from `nftrouter wg peer` (wireguard-tools on the
# peer's side) connects through the WAN, reaches the LAN as zone policy
# allows (and the LAN does not reach it), `wg show` reports the handshake
# and the transfer, and once the peer is removed from router.yaml and the
# daemon reloads, the kernel drops it and the peer is refused. The body is
# tests/lab/wg-guest.bash, run through scripts/vm-run (SKIP, exit 77,
# without QEMU).
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
start=$(date +%s)
rc=0
(cd "$NFTROUTER_SRCDIR" && "$NFTROUTER_SRCDIR/scripts/vm-run" \
    env NFTROUTER="$NFTROUTER" bash "$NFTROUTER_SRCDIR/tests/lab/wg-guest.bash") || rc=$?
echo "vm-run took $(( $(date +%s) - start ))s"
[ "$rc" -ne 77 ] || skip "the guest could not run"
[ "$rc" -eq 0 ] || fail "the guest's WireGuard test failed (exit $rc)"
pass "WireGuard in the guest kernel"
