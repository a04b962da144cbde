#!/usr/bin/env bash
# Prefix bans live in one hash set per prefix length (issue 17 point 4):
# the first ban of a length adds its set and one rule per chain, later
# ones only their element; a ban drops the prefix's hosts and no others
# (IPv4 and IPv6), unban lets them back; apply keeps exactly one rule per
# length in use; a ban table of the older layout (interval sets
# blackhole4_nets/blackhole6_nets) is converted by apply, its prefix bans
# restored from the state file into the per-length sets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "apply exited $?"
ip -n "$W" addr add 203.0.113.70/24 dev eth0
ip -n "$R" addr add 2001:db8:100::1/64 dev lan nodad
ip -n "$L" addr add 2001:db8:100::20/64 dev eth0 nodad
ip -n "$L" addr add 2001:db8:100::99/64 dev eth0 nodad
rules() { nsx "$R" nft list chain inet nftrouter_bans "$1" | grep -c "@$2 drop" || true; }
# SSH to the router is open from the WAN (rule admin-ssh) and the LAN.
bg nsx "$R" socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo hi'
bg nsx "$R" socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only SYSTEM:'echo hi'
wait_for 5 nsx "$R" sh -c "ss -Hltn 'sport = :22' | grep -q LISTEN" || fail "listener did not start"
reach() { [ "$(nsx "$1" timeout 3 socat -T2 - "$2,connect-timeout=2" </dev/null 2>/dev/null)" = hi ]; }
reach4() { reach "$W" "TCP:203.0.113.1:22,bind=$1"; }
reach6() { reach "$L" "TCP6:[2001:db8:100::1]:22,bind=[$1]"; }
wait_for 10 reach4 203.0.113.70 || fail "the WAN host cannot reach the router before any ban"
wait_for 10 reach6 2001:db8:100::99 || fail "the LAN host cannot reach the router over IPv6 before any ban"

napply ban 203.0.113.64/26 --for 1h >/dev/null || fail "ban of a /26 exited $?"
napply ban 2001:db8:100::80/121 --for 1h >/dev/null || fail "ban of a /121 exited $?"
[ "$(rules prerouting blackhole4_26)" = 1 ] && [ "$(rules output blackhole4_26)" = 1 ] ||
    fail "no (or not one) rule for blackhole4_26: $(nsx "$R" nft list chain inet nftrouter_bans prerouting)"
nsx "$R" nft list set inet nftrouter_bans blackhole4_26 | grep -q '203\.0\.113\.64 timeout' ||
    fail "203.0.113.64 is not in blackhole4_26: $(nsx "$R" nft list set inet nftrouter_bans blackhole4_26)"
! reach4 203.0.113.70 || fail "a host of the banned /26 reached the router"
reach4 203.0.113.2 || fail "a host outside the banned /26 was dropped"
! reach6 2001:db8:100::99 || fail "a host of the banned /121 reached the router"
reach6 2001:db8:100::20 || fail "a host outside the banned /121 was dropped"
pass "prefix bans: blackhole4_26 and blackhole6_121 with one rule each; their hosts dropped, others pass"

napply ban 198.51.100.0/26 --for 1h >/dev/null || fail "a second /26 exited $?"
napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "re-apply exited $?"
# (apply removes addresses the config does not name: the test's IPv6 one)
ip -n "$R" addr replace 2001:db8:100::1/64 dev lan nodad
[ "$(rules prerouting blackhole4_26)" = 1 ] && [ "$(rules output blackhole4_26)" = 1 ] ||
    fail "after a second /26 and an apply: $(rules prerouting blackhole4_26) rules for blackhole4_26"
[ "$(napply bans --json | jq -r '.[].prefix' | sort | tr '\n' ' ')" = "198.51.100.0/26 2001:db8:100::80/121 203.0.113.64/26 " ] ||
    fail "bans lists $(napply bans --json | jq -c '[.[].prefix]')"
! reach4 203.0.113.70 || fail "after apply, the banned /26 reached the router"
pass "a second ban of the same length and an apply: still one rule per chain; bans lists all three"

napply unban 203.0.113.64/26 >/dev/null || fail "unban exited $?"
napply unban 2001:db8:100::80/121 >/dev/null || fail "unban exited $?"
wait_for 10 reach4 203.0.113.70 || fail "unbanned /26: its host still dropped"
wait_for 10 reach6 2001:db8:100::99 || fail "unbanned /121: its host still dropped"
pass "unban lets the prefixes' hosts back"

# A ban table of the older layout: prefixes in interval sets.
nsx "$R" nft -f - <<'NFT'
add set inet nftrouter_bans blackhole4_nets { type ipv4_addr; flags interval, timeout; }
add rule inet nftrouter_bans prerouting ip saddr @blackhole4_nets drop
add element inet nftrouter_bans blackhole4_nets { 203.0.113.64/26 timeout 1h }
NFT
echo "203.0.113.64/26 $(( $(date +%s) + 3600 )) $(date +%s)" >>"$STATE/bans"
napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "apply over the older layout exited $?"
! nsx "$R" nft list sets inet | grep -q blackhole4_nets || fail "the older interval set is still there"
nsx "$R" nft list set inet nftrouter_bans blackhole4_26 | grep -q '203\.0\.113\.64 timeout' ||
    fail "the older layout's prefix ban was not restored into blackhole4_26"
! reach4 203.0.113.70 || fail "after the conversion, the banned /26 reached the router"
pass "older layout: blackhole4_nets gone, its ban restored into blackhole4_26 and enforced"

# A ban in the state file whose kernel element is gone (as a `ban` killed
# before its kernel step leaves it), banned again: added, and the chains
# (the blocklist rules of the config) are left as they are.
echo 192.0.2.77 >"$T_DIR/drop.txt"
{ cat "$T_DIR/base.yaml"; printf 'blackhole:\n  lists: [drop.txt]\n'; } >"$T_DIR/bl.yaml"
napply apply -c "$T_DIR/bl.yaml" >/dev/null || fail "apply with a list exited $?"
nsx "$R" nft delete element inet nftrouter_bans blackhole4_26 '{ 203.0.113.64 }'
napply ban 203.0.113.64/26 --for 2h >/dev/null 2>&1 || fail "re-ban of a ban missing from the kernel exited $?"
nsx "$R" nft list set inet nftrouter_bans blackhole4_26 | grep -q '203\.0\.113\.64 timeout 2h' ||
    fail "the re-ban is not in the kernel: $(nsx "$R" nft list set inet nftrouter_bans blackhole4_26)"
nsx "$R" nft list chain inet nftrouter_bans prerouting | grep -q '@blocklist4 drop' ||
    fail "the re-ban (without the config) dropped the blocklist rules"
pass "re-ban of a ban missing from the kernel: added; the blocklist rules stay"
