#!/usr/bin/env bash
# scripts/vm-run: a command runs as root in a fresh Debian guest with the
# checkout at the same path, its output comes back and vm-run exits with
# its status. The feature check is an 802.1Q VLAN, which this host's
# kernel lacks (no 8021q module): created inside the guest. Without QEMU,
# vm-run says SKIP and exits 77.
. "$(dirname "$0")/lib.sh"
vmrun=$NFTROUTER_SRCDIR/scripts/vm-run

out=$(NFTROUTER_VM_QEMU=/nonexistent/qemu "$vmrun" true) && rc=0 || rc=$?
[ "$rc" -eq 77 ] || fail "vm-run without QEMU exited $rc, not 77 (SKIP): $out"
grep -q '^SKIP: .*not installed' <<<"$out" || fail "vm-run without QEMU said: $out"
pass "without QEMU: exit 77, '$out'"

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
# Why a guest: the host kernel cannot make a VLAN (tried in a namespace of
# the test's own, on a veth).
ns=$(netns h)
ip -n "$ns" link add a0 type veth peer name b0
if host=$(ip -n "$ns" link add link a0 name a0.10 type vlan id 10 2>&1); then host="a VLAN could be made here"; fi
echo "on this host: $host"

# One boot: the VLAN, the checkout's own binary, and a status of 42.
# shellcheck disable=SC2016 # expanded in the guest
script='set -e
modprobe 8021q
ip link add d0 type dummy
ip link add link d0 name d0.10 type vlan id 10
ip -d link show d0.10
"$1" --version
echo "cwd=$(pwd) uname=$(uname -r)"
exit 42'
start=$(date +%s)
out=$(cd "$NFTROUTER_SRCDIR/tests" && "$vmrun" sh -c "$script" guest "$NFTROUTER" 2>&1) && rc=0 || rc=$?
echo "$out"
echo "vm-run took $(( $(date +%s) - start ))s"
[ "$rc" -eq 42 ] || fail "vm-run exited $rc, not the command's 42"
grep -q 'vlan protocol 802.1Q id 10' <<<"$out" || fail "no 802.1Q VLAN in the guest"
grep -q '^nftrouter ' <<<"$out" || fail "the checkout's nftrouter did not run in the guest"
grep -q "^cwd=$NFTROUTER_SRCDIR/tests " <<<"$out" || fail "the command did not start in the same directory"
pass "in the guest: 8021q loaded, VLAN d0.10 made, $NFTROUTER ran at the same path; status 42 came back"
