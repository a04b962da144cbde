#!/usr/bin/env bash
# blackhole.lists: a list with comments, blank lines, Spamhaus-style
# "; SBL" comments, IPv4 and IPv6, overlapping and adjacent prefixes is
# loaded (merged) and enforced; an unchanged re-apply does not reload it,
# a changed file does; a malformed line is an error naming FILE:LINE and
# nothing changes (exit 1: the lists are checked before anything is done).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

cat >"$T_DIR/drop.txt" <<'LIST'
# a hand-made blocklist
203.0.113.2          # the WAN test host
198.51.100.0/25 ; SBL0001
198.51.100.64/26 ; SBL0002 (inside the /25 above)
198.51.100.128/25    # adjacent to the first: merged into one /24

2001:db8:100::20
2001:db8:bad::/48
2001:db8:bad:1::/64  # inside the /48
10.9.8.7/16          # host bits set: refused (skipped) as ban refuses it
127.0.0.0/8          # loopback: skipped, as ban refuses it
::ffff:203.0.113.9   # IPv4-mapped: loaded as 203.0.113.9
192.168.0.0/16       # FireHOL level1 carries this: it holds the router's LAN address
LIST
{ cat "$T_DIR/base.yaml"; printf 'blackhole:\n  timeout: 1h\n  lists: [drop.txt]\n'; } >"$T_DIR/bl.yaml"
napply apply -c "$T_DIR/bl.yaml" 2>"$T_DIR/warn" || fail "apply with a blocklist exited $?"
grep -q "blocklist range 192.168.0.0-192.168.255.255 holds an address of this router: not loaded" "$T_DIR/warn" ||
    fail "no warning for a range holding the router's address: $(cat "$T_DIR/warn")"
grep -q "drop.txt:10:1: warning: skipped: '10.9.8.7/16' has host bits set; did you mean 10.9.0.0/16?" "$T_DIR/warn" ||
    fail "no FILE:LINE warning for the host-bits line: $(cat "$T_DIR/warn")"
grep -q "drop.txt:11:1: warning: skipped: '127.0.0.0/8' is loopback" "$T_DIR/warn" ||
    fail "no FILE:LINE warning for the loopback line: $(cat "$T_DIR/warn")"
ip -n "$W" addr add 203.0.113.70/24 dev eth0
ip -n "$R" addr add 2001:db8:100::1/64 dev lan nodad
ip -n "$L" addr add 2001:db8:100::20/64 dev eth0 nodad
ip -n "$L" addr add 2001:db8:100::40/64 dev eth0 nodad
# Static neighbours: L's neighbour discovery may use the listed ::20 as
# its source, which the list (rightly) drops.
ip -n "$L" neigh replace 2001:db8:100::1 lladdr "$(ip -n "$R" -j link show lan | jq -r '.[0].address')" dev eth0 nud permanent
ip -n "$R" neigh replace 2001:db8:100::40 lladdr "$(ip -n "$L" -j link show eth0 | jq -r '.[0].address')" dev lan nud permanent

elems() { nsx "$R" nft -j list set inet nftrouter_bans "$1" | jq -c '[.nftables[].set.elem // empty | .[] | if type == "object" then (.prefix.addr + "/" + (.prefix.len|tostring)) // .range else . end]'; }
[ "$(elems blocklist4)" = '["203.0.113.2","203.0.113.9"]' ] || fail "blocklist4 is $(elems blocklist4)"
[ "$(elems blocklist4_nets)" = '["198.51.100.0/24"]' ] || fail "blocklist4_nets is $(elems blocklist4_nets)"
[ "$(elems blocklist6)" = '["2001:db8:100::20"]' ] || fail "blocklist6 is $(elems blocklist6)"
[ "$(elems blocklist6_nets)" = '["2001:db8:bad::/48"]' ] || fail "blocklist6_nets is $(elems blocklist6_nets)"
pass "loaded and merged: $(elems blocklist4) $(elems blocklist4_nets) $(elems blocklist6) $(elems blocklist6_nets)"

bg nsx "$R" socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo hi'
bg nsx "$R" socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only SYSTEM:'echo hi'
wait_for 5 nsx "$R" sh -c "ss -Hltn 'sport = :22' | grep -q LISTEN" || fail "listener did not start"
reach() { [ "$(nsx "$1" timeout 3 socat -T2 - "$2,connect-timeout=2" </dev/null 2>/dev/null)" = hi ]; }
! reach "$W" TCP:203.0.113.1:22,bind=203.0.113.2 || fail "a listed IPv4 host reached the router"
reach "$W" TCP:203.0.113.1:22,bind=203.0.113.70 || fail "an unlisted IPv4 host was blocked"
! reach "$L" "TCP6:[2001:db8:100::1]:22,bind=[2001:db8:100::20]" || fail "a listed IPv6 host reached the router"
reach "$L" "TCP6:[2001:db8:100::1]:22,bind=[2001:db8:100::40]" || fail "an unlisted IPv6 host was blocked"
nsx "$L" ping -c1 -W2 192.168.100.1 >/dev/null || fail "the LAN lost the router (192.168.0.0/16 was loaded)"
pass "enforced: listed hosts dropped, others pass (IPv4 and IPv6); 192.168.0.0/16 left out, the LAN works"

# Unchanged files: no reload (an element removed by hand stays removed);
# a changed file: reloaded.
nsx "$R" nft delete element inet nftrouter_bans blocklist4 '{ 203.0.113.2 }'
napply apply -c "$T_DIR/bl.yaml" >/dev/null || fail "re-apply exited $?"
[ "$(elems blocklist4)" = '["203.0.113.9"]' ] || fail "an unchanged list was reloaded"
echo 192.0.2.99 >>"$T_DIR/drop.txt"
napply apply -c "$T_DIR/bl.yaml" >/dev/null || fail "apply of a changed list exited $?"
[ "$(elems blocklist4)" = '["192.0.2.99","203.0.113.2","203.0.113.9"]' ] || fail "changed list not reloaded: $(elems blocklist4)"
pass "unchanged list: not reloaded; changed list: reloaded"

# A malformed line: an error at FILE:LINE, and the loaded lists stay.
cp "$T_DIR/drop.txt" "$T_DIR/bad.txt"
printf '192.0.2.1\n198.51.100.300\n' >>"$T_DIR/bad.txt"
line=$(wc -l <"$T_DIR/bad.txt")
# The config also changes the firewall and the LAN's MTU: the list is
# checked before any of that is done, so nothing changes (exit 1).
sed 's/drop.txt/bad.txt/; s/mtu: 1400/mtu: 1300/; s/tcp: \[22\]/tcp: [22, 2222]/' "$T_DIR/bl.yaml" >"$T_DIR/bad.yaml"
grep -q 'mtu: 1300' "$T_DIR/bad.yaml" || fail "bad.yaml: no MTU change"
grep -q '2222' "$T_DIR/bad.yaml" || fail "bad.yaml: no firewall change"
snapn() { snap "$1"; sed -i 's/packets [0-9]* bytes [0-9]*//' "$1"; }
snapn "$T_DIR/before"
rc=0
napply apply -c "$T_DIR/bad.yaml" >"$T_DIR/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "apply with a malformed list exited $rc, not 1: $(cat "$T_DIR/out")"
snapn "$T_DIR/after"
same "$T_DIR/before" "$T_DIR/after" "the router (links, addresses, ruleset) after a refused apply"
grep -q "bad.txt:$line:1: error: not an address or prefix: '198.51.100.300'" "$T_DIR/out" ||
    fail "no FILE:LINE error: $(cat "$T_DIR/out")"
[ "$(elems blocklist4)" = '["192.0.2.99","203.0.113.2","203.0.113.9"]' ] || fail "a failed load changed blocklist4: $(elems blocklist4)"
[ "$(elems blocklist4_nets)" = '["198.51.100.0/24"]' ] || fail "a failed load changed blocklist4_nets"
pass "malformed line: '$(grep -m1 bad.txt "$T_DIR/out")' (exit $rc), previous lists kept"

# No lists any more: the sets are emptied.
napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "apply without lists exited $?"
[ "$(elems blocklist4)$(elems blocklist6_nets)" = '[][]' ] || fail "lists not emptied when the config drops them"
pass "config without lists: blocklist sets emptied"
