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
guest_run WireGuard wg-guest.bash
pass "WireGuard in the guest kernel"
