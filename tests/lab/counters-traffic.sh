#!/usr/bin/env bash
# nftrouter counters: the zone counters move with real traffic (LAN → WAN
# through the router), in both the table and --json (parsed by jq), and
# a zone without `counters: true` has none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

sed 's/^    masquerade: true$/    masquerade: true\n    counters: true/' "$T_DIR/base.yaml" >"$T_DIR/cnt.yaml"
grep -q 'counters: true' "$T_DIR/cnt.yaml" || fail "could not make the test config"
napply apply -c "$T_DIR/cnt.yaml" >/dev/null || fail "apply exited $?"

napply counters --json >"$T_DIR/c0.json" || fail "counters --json exited $?"
jq -e 'type == "array"' "$T_DIR/c0.json" >/dev/null || fail "counters --json is not a JSON array: $(cat "$T_DIR/c0.json")"
names=$(jq -r '[.[].name] | sort | join(",")' "$T_DIR/c0.json")
[ "$names" = "wan-egress,wan-ingress" ] || fail "counters are '$names', want wan-egress,wan-ingress"
jq -e 'all(.[]; .zone == "wan" and (.direction == "ingress" or .direction == "egress"))' "$T_DIR/c0.json" >/dev/null ||
    fail "zone/direction fields wrong: $(cat "$T_DIR/c0.json")"

# get FIELD NAME FILE
get() { jq -r --arg n "$2" ".[] | select(.name == \$n) | .$1" "$3"; }
nsx "$L" ping -c 20 -i 0.05 -q -s 1000 203.0.113.2 >/dev/null || fail "LAN → WAN ping failed"
napply counters --json >"$T_DIR/c1.json" || fail "counters --json exited $?"
for dir in egress ingress; do
    p0=$(get packets "wan-$dir" "$T_DIR/c0.json"); p1=$(get packets "wan-$dir" "$T_DIR/c1.json")
    b0=$(get bytes "wan-$dir" "$T_DIR/c0.json"); b1=$(get bytes "wan-$dir" "$T_DIR/c1.json")
    [ $((p1 - p0)) -ge 20 ] || fail "wan-$dir packets moved $p0 → $p1 for 20 pings"
    [ $((b1 - b0)) -ge 20000 ] || fail "wan-$dir bytes moved $b0 → $b1 for 20 × 1000-byte pings"
done
pass "20 pings LAN → WAN: wan-egress and wan-ingress each +20 packets, +20 kB or more"

# The values are the wan link's own statistics (nothing else moves on
# this quiet link between the two reads but a stray neighbour probe), and
# the forward chain counts nothing itself.
napply counters --json >"$T_DIR/c2.json" || fail "counters --json exited $?"
rx=$(nsx "$R" cat /sys/class/net/wan/statistics/rx_packets)
tx=$(nsx "$R" cat /sys/class/net/wan/statistics/tx_packets)
pi=$(get packets wan-ingress "$T_DIR/c2.json"); pe=$(get packets wan-egress "$T_DIR/c2.json")
[ "$pi" -le "$rx" ] && [ $((rx - pi)) -le 3 ] || fail "wan-ingress $pi packets, the wan link received $rx"
[ "$pe" -le "$tx" ] && [ $((tx - pe)) -le 3 ] || fail "wan-egress $pe packets, the wan link sent $tx"
nsx "$R" nft list chain inet nftrouter forward >"$T_DIR/fwd.nft" || fail "no forward chain"
! grep -q counter "$T_DIR/fwd.nft" || fail "a counter in the forward chain: $(grep counter "$T_DIR/fwd.nft")"
pass "wan-ingress/egress are the wan link's rx/tx ($pi/$rx, $pe/$tx); no counter rule in forward"

napply counters >"$T_DIR/table" || fail "counters exited $?"
grep -Eq '^wan +egress +[0-9]+ +[0-9]+$' "$T_DIR/table" || fail "table output: $(cat "$T_DIR/table")"
grep -q '^ZONE' "$T_DIR/table" || fail "no header in the table output"
pass "plain output: $(tr '\n' '|' <"$T_DIR/table")"

napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "apply without counters exited $?"
[ "$(napply counters --json | jq length)" -eq 0 ] || fail "counters left after the config dropped them"
pass "a config without counters: none listed"
