#!/usr/bin/env bash
# interfaces.X.vlan in the guest kernel (this host's has no 802.1Q): the
# real daemon makes VLANs 20 and 30 on a trunk port; a client namespace on
# each gets a lease from its own range, both reach a WAN namespace, 20 ->
# 30 is blocked by zone policy, and untagged traffic on the trunk still
# works. The body is tests/lab/vlan-guest.bash, run through scripts/vm-run
# (SKIP, exit 77, without QEMU).
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
start=$(date +%s)
rc=0
(cd "$NFTROUTER_SRCDIR" && "$NFTROUTER_SRCDIR/scripts/vm-run" \
    env NFTROUTER="$NFTROUTER" bash "$NFTROUTER_SRCDIR/tests/lab/vlan-guest.bash") || rc=$?
echo "vm-run took $(( $(date +%s) - start ))s"
[ "$rc" -ne 77 ] || skip "the guest could not run"
[ "$rc" -eq 0 ] || fail "the guest's VLAN test failed (exit $rc)"
pass "VLANs in the guest kernel"
