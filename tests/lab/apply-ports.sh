#!/usr/bin/env bash
# apply and ports: matched by MAC and renamed, MTU and exactly the configured
# addresses set, brought up; a stray address removed; a re-apply changes
# nothing and is fast; a swap of two names; a missing non-optional port and
# an ambiguous match change nothing (exit 3, the port named).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

ip -n "$R" addr add 10.9.9.9/24 dev eth2   # a stray address on the future wan
napply apply -c "$T_DIR/base.yaml" || fail "apply exited $?"
ip -n "$R" -o link show wan | grep -q 'link/ether 52:54:00:00:00:02' || fail "eth2 not renamed to wan"
ip -n "$R" -o link show lan | grep -q 'mtu 1400' || fail "lan MTU not 1400"
ip -n "$R" -o link show wan | grep -q '[<,]UP[,>]' || fail "wan not up"
[ "$(ip -n "$R" -4 -o addr show dev wan | awk '{print $4}')" = 203.0.113.1/24 ] ||
    fail "wan addresses: $(ip -n "$R" -4 -o addr show dev wan)"
[ "$(ip -n "$R" -4 -o addr show dev lan | awk '{print $4}')" = 192.168.100.1/24 ] || fail "lan address"
[ "$(nsx "$R" sysctl -n net.ipv4.ip_forward)" = 1 ] || fail "ip_forward not 1"
nsx "$R" busybox ping -c1 -W2 203.0.113.2 >/dev/null || fail "router cannot reach the WAN host"
pass "ports renamed, MTU, addresses (stray removed), up, forwarding on"

# Idempotent and fast: nothing changes, and the table is not even replaced.
snap "$T_DIR/a"
h1=$(nsx "$R" nft -a list table inet nftrouter | head -1)
best=999999
for _ in 1 2 3 4 5; do
    t0=$(date +%s%N)
    napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "re-apply exited $?"
    t=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$t" -lt "$best" ] && best=$t
done
snap "$T_DIR/b"
same "$T_DIR/a" "$T_DIR/b" "state after re-apply"
[ "$(nsx "$R" nft -a list table inet nftrouter | head -1)" = "$h1" ] || fail "unchanged re-apply replaced the table"
echo "unchanged re-apply: best of 5 ${best} ms (including ip netns exec)"
[ "$best" -le 200 ] || fail "unchanged re-apply took ${best} ms"
pass "re-apply idempotent (${best} ms)"

# A swap: wan and lan trade links (names taken by each other).
sed 's/00:00:02"/00:00:XX"/; s/00:00:03"/00:00:02"/; s/00:00:XX"/00:00:03"/' \
    "$T_DIR/base.yaml" >"$T_DIR/swap.yaml"
napply apply -c "$T_DIR/swap.yaml" || fail "swap apply exited $?"
ip -n "$R" -o link show lan | grep -q 'link/ether 52:54:00:00:00:02' || fail "swap: lan is not ...:02"
ip -n "$R" -o link show wan | grep -q 'link/ether 52:54:00:00:00:03' || fail "swap: wan is not ...:03"
[ "$(ip -n "$R" -4 -o addr show dev wan | awk '{print $4}')" = 203.0.113.1/24 ] || fail "swap: wan address"
napply apply -c "$T_DIR/base.yaml" || fail "swap back exited $?"
snap "$T_DIR/c"
same "$T_DIR/a" "$T_DIR/c" "state after swap and back"
pass "names swapped through temporary names and back"

# A missing non-optional port: nothing changes, exit 3, the port named.
sed 's/^  lan: .*/&\n  opt: { match: { mac: "52:54:00:00:00:09" }, ipv4: 192.168.9.1\/24 }/; s/interfaces: \[lan\]/interfaces: [lan, opt]/' \
    "$T_DIR/base.yaml" >"$T_DIR/missing.yaml"
sed 's/^  opt: .*/  opt: { match: { mac: "52:54:00:00:00:09" }, ipv4: 192.168.9.1\/24, optional: true }/; s/mtu: 1400/mtu: 1450/' \
    "$T_DIR/missing.yaml" >"$T_DIR/optional.yaml"
set +e
napply apply -c "$T_DIR/missing.yaml" 2>"$T_DIR/err"
rc=$?
set -e
cat "$T_DIR/err"
[ $rc -eq 3 ] || fail "missing port: exit $rc, want 3"
grep -q "interface 'opt'" "$T_DIR/err" || fail "missing port not named"
snap "$T_DIR/d"
same "$T_DIR/a" "$T_DIR/d" "state after a refused apply (missing port)"
napply apply -c "$T_DIR/optional.yaml" || fail "an absent optional port failed the apply"
ip -n "$R" -o link show lan | grep -q 'mtu 1450' || fail "optional.yaml not applied"
pass "missing port: exit 3, named, nothing changed; optional port absent: applied"

# One link matched by two ports (by name and by MAC): nothing changes.
napply apply -c "$T_DIR/base.yaml" >/dev/null
snap "$T_DIR/e"
sed 's/^  wan: .*/  wan: { match: { name: lan }, ipv4: 203.0.113.1\/24 }/' "$T_DIR/base.yaml" >"$T_DIR/twice.yaml"
set +e
napply apply -c "$T_DIR/twice.yaml" 2>"$T_DIR/err"
rc=$?
set -e
cat "$T_DIR/err"
[ $rc -eq 3 ] || fail "ambiguous match: exit $rc, want 3"
grep -q "both match link" "$T_DIR/err" || fail "ambiguous match not explained"
snap "$T_DIR/f"
same "$T_DIR/e" "$T_DIR/f" "state after a refused apply (ambiguous)"
pass "two ports on one link: exit 3, nothing changed"

# ipv4: none removes the port's addresses.
sed 's/^  lan: .*/  lan: { match: { mac: "52:54:00:00:00:03" }, ipv4: none }/; /services: \[ssh\]/d; /^port-forwards:/,$d' \
    "$T_DIR/base.yaml" >"$T_DIR/none.yaml"
napply apply -c "$T_DIR/none.yaml" || fail "ipv4: none apply exited $?"
[ -z "$(ip -n "$R" -4 -o addr show dev lan)" ] || fail "ipv4: none left $(ip -n "$R" -4 -o addr show dev lan)"
pass "ipv4: none removes IPv4 addresses"

# ipv4: dhcp leaves the port's addresses to the DHCP client: a lease's
# address (added here by hand, as udhcpc's hook would) survives apply.
sed 's/^  wan: .*/  wan: { match: { mac: "52:54:00:00:00:02" }, ipv4: dhcp, mtu: 1500 }/' \
    "$T_DIR/base.yaml" >"$T_DIR/dhcp.yaml"
napply apply -c "$T_DIR/dhcp.yaml" || fail "dhcp apply exited $?"
ip -n "$R" -4 -o addr show dev wan | grep -q ' 203.0.113.1/24 ' || fail "dhcp: the address went away"
ip -n "$R" addr add 203.0.113.77/24 dev wan
napply apply -c "$T_DIR/dhcp.yaml" || fail "dhcp re-apply exited $?"
ip -n "$R" -4 -o addr show dev wan | grep -q ' 203.0.113.77/24 ' || fail "dhcp: a lease address was removed"
pass "ipv4: dhcp leaves addresses alone"
