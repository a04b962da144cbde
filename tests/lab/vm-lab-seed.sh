#!/usr/bin/env bash
# `nftrouter lab up --vm` on examples/seed.yaml: the router is a Debian
# guest booted under QEMU, its five present ports virtio NICs with the
# MACs (and, for vm0/vm1, the kernel names) their matches expect, on taps
# in the peers' namespaces; systemd starts nftrouter.service at boot. The
# guest's /run is mounted noexec (the stock default): both DHCP WANs must
# still get their leases applied (the defect the first VM boot found).
# The IPv6 checks must pass too (ISC dhclient -6 in the guest image).
# `lab test` must be green, and `lab down` must leave no namespace, tap or
# QEMU process of the lab.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
"$NFTROUTER_SRCDIR/scripts/vm-image" --check >/dev/null ||
    skip "no current guest image (tests/run builds it with scripts/vm-image first)"
id="vm$T_ID"
lab=/run/nftrouter-lab/$id
# shellcheck disable=SC2317 # invoked by the EXIT trap
down() { local rc=$?; "$NFTROUTER" lab down --name "$id" >/dev/null 2>&1; (exit $rc); t_cleanup; }
trap down EXIT

start=$(date +%s)
if ! "$NFTROUTER" lab up --vm -c "$NFTROUTER_SRCDIR/examples/seed.yaml" --name "$id" >"$T_DIR/up.out" 2>&1; then
    cat "$T_DIR/up.out"
    tail -n 30 "$lab/console.log" 2>/dev/null
    fail "lab up --vm failed"
fi
up_s=$(( $(date +%s) - start ))
cat "$T_DIR/up.out"
ready_ms=$(sed -n 's/^ready_ms //p' "$lab/manifest")
pass "lab up --vm in ${up_s}s (nftrouter.service active ${ready_ms} ms after the guest started)"

opts=$("$NFTROUTER" lab exec --name "$id" router findmnt -no OPTIONS /run)
grep -q noexec <<<"$opts" || fail "the guest's /run is not noexec ($opts): the test proves nothing"
[ "$("$NFTROUTER" lab exec --name "$id" router systemctl is-enabled nftrouter.service)" = enabled ] ||
    fail "nftrouter.service is not enabled in the guest"
pass "guest: /run is $opts; nftrouter.service enabled and started by systemd"

# As `lab up` prints it: the installed defaults find the daemon and its config.
"$NFTROUTER" lab exec --name "$id" router nftrouter status >"$T_DIR/rstatus" 2>&1 ||
    { cat "$T_DIR/rstatus"; fail "lab exec router nftrouter status"; }
grep -q '^daemon: pid ' "$T_DIR/rstatus" || fail "status in the guest did not reach the daemon: $(cat "$T_DIR/rstatus")"
"$NFTROUTER" lab exec --name "$id" router nftrouter diff >"$T_DIR/rdiff" 2>&1 && rc=0 || rc=$?
[ "$rc" -eq 0 ] || fail "nftrouter diff of the running guest: exit $rc: $(cat "$T_DIR/rdiff")"
pass "guest: nftrouter status reaches the daemon; nftrouter diff is empty"

start=$(date +%s)
"$NFTROUTER" lab test --name "$id" >"$T_DIR/test.out" 2>&1 && rc=0 || rc=$?
cat "$T_DIR/test.out"
[ "$rc" -eq 0 ] || fail "lab test on the VM lab exited $rc"
[ "$(grep -c '^ok *wan-dhcp' "$T_DIR/test.out")" -eq 2 ] || fail "not both DHCP WANs were checked"
[ "$(grep -c '^ok *port ' "$T_DIR/test.out")" -eq 6 ] || fail "not all six ports were checked"
# The seed is dual-stack: dhclient -6 in the guest, the LAN numbered from
# the delegation, and the renumbering (QEMU drops the NIC's carrier).
for c in ipv6-ra ipv6-pd ipv6-slaac ipv6-web ipv6-inbound ipv6-dns ipv6-renumber; do
    grep -qE "^ok +$c " "$T_DIR/test.out" || fail "no passing '$c' check"
done
pass "lab test green in $(( $(date +%s) - start ))s: both WAN leases applied with /run noexec"

errs=$("$NFTROUTER" lab status --name "$id" --json | jq -r '[.daemon.children[] | select(.error != null)] | length')
[ "$errs" = 0 ] || fail "the daemon reports $errs child error(s)"

qemu=$(sed -n 's/^qemu //p' "$lab/manifest")
"$NFTROUTER" lab down --name "$id" || fail "lab down failed"
for _ in $(seq 1 50); do [ -e "/proc/$qemu" ] || break; sleep 0.1; done
[ ! -e "/proc/$qemu/cmdline" ] || ! grep -q "$lab" "/proc/$qemu/cmdline" || fail "QEMU ($qemu) still runs"
! ip netns list | grep -q "^nftr-$id-" || fail "namespaces left: $(ip netns list | grep "^nftr-$id-")"
! ip -o link show | grep -q "nt$id" || fail "taps left"
[ ! -e "$lab" ] || fail "$lab left"
pass "lab down: no namespace, tap, QEMU process or lab dir left"
