#!/usr/bin/env bash
# interfaces.X.vlan in the guest kernel (this host's has no 802.1Q): the
# real daemon makes VLANs 20 and 30 on a trunk port; a client namespace on
# each gets a lease from its own range, both reach a WAN namespace, 20 ->
# 30 is blocked by zone policy, and untagged traffic on the trunk still
# works. The body is tests/lab/vlan-guest.bash, run through scripts/vm-run
# (SKIP, exit 77, without QEMU).
. "$(dirname "$0")/lib.sh"
guest_run VLAN vlan-guest.bash
pass "VLANs in the guest kernel"
