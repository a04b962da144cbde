#!/usr/bin/env bash
# A banned host loses its established connections (through the router, by
# a port forward, and to the router itself) and cannot reconnect; unban
# lets it back. IPv4 and IPv6, single addresses and prefixes; the LAN
# cannot reach a banned host; a block list given at apply cuts what is
# live. Real TCP streams: a server writes a line every 0.1 s, the client
# appends what it gets to a file; a connection is alive while its file
# grows. BAN_CHECK=connection (ban-traffic-connection.sh) runs all of it
# with `blackhole: { check: connection }`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

check=${BAN_CHECK:-packet}
if [ "$check" != packet ]; then
    printf 'blackhole:\n  check: %s\n' "$check" >>"$T_DIR/base.yaml"
fi

napply apply -c "$T_DIR/base.yaml" || fail "apply exited $?"
# a second WAN host address, outside the one we ban, inside a prefix
ip -n "$W" addr add 203.0.113.70/24 dev eth0
# IPv6 on the LAN side (the config has no IPv6 yet; the ban table does)
ip -n "$R" addr add 2001:db8:100::1/64 dev lan nodad
ip -n "$L" addr add 2001:db8:100::20/64 dev eth0 nodad
ip -n "$L" addr add 2001:db8:100::40/64 dev eth0 nodad

ticker='i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo $i 2>/dev/null || exit 0; sleep 0.1; done'
bg nsx "$L" socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:"$ticker"      # port forward 8080 → here
bg nsx "$R" socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:"$ticker"      # rule admin-ssh opens 22
bg nsx "$R" socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only SYSTEM:"$ticker"
bg nsx "$W" socat TCP-LISTEN:81,fork,reuseaddr SYSTEM:"$ticker"       # the LAN's way out
for ns_port in "$L:80" "$R:22" "$W:81"; do
    wait_for 5 nsx "${ns_port%:*}" sh -c "ss -Hltn 'sport = :${ns_port#*:}' | grep -q LISTEN" ||
        fail "listener $ns_port did not start"
done

# stream NAME NS ADDRESS: a client connection whose bytes land in $T_DIR/NAME.
stream() {
    : >"$T_DIR/$1"
    bg nsx "$2" socat -u "$3" "OPEN:$T_DIR/$1,append"
}
size() { stat -c %s "$T_DIR/$1"; }
# alive NAME: the file grows within 2 s.
alive() {
    local a; a=$(size "$1")
    wait_for 2 sh -c "[ \$(stat -c %s '$T_DIR/$1') -gt $a ]"
}
# dead NAME: the file does not grow over 1.5 s.
dead() {
    local a; a=$(size "$1")
    sleep 1.5
    [ "$(size "$1")" -eq "$a" ]
}
# connects NS ADDRESS: a new connection gets data within 3 s.
connects() { [ -n "$(nsx "$1" timeout 4 socat -T3 -u "$2,connect-timeout=3" - 2>/dev/null | head -c 2)" ]; }

# The ban chains hook prerouting and output only while a ban exists (an
# empty hooked chain costs every packet; docs/bans.md): `prerouting` and
# `output` themselves with check: packet, `prerouting_ct` and `output_ct`
# with check: connection.
# hooked HOOK: the layout the config chose hooks HOOK (and nothing of the
# other layout is left); unhooked: no chain of the table is a hook.
hooked() {
    local table
    table=$(nsx "$R" nft list table inet nftrouter_bans 2>/dev/null) || return 1
    if [ "$check" = connection ]; then
        nsx "$R" nft list chain inet nftrouter_bans "$1_ct" 2>/dev/null |
            grep -q "type filter hook $1 priority [-a-z0-9 +]*;" &&
            ! grep -q 'priority raw' <<<"$table" && grep -q 'chain check_connection' <<<"$table"
    else
        nsx "$R" nft list chain inet nftrouter_bans "$1" 2>/dev/null |
            grep -q "type filter hook $1 priority raw;" &&
            ! grep -q '_ct {' <<<"$table" && ! grep -q 'chain check_connection' <<<"$table"
    fi
}
unhooked() { ! nsx "$R" nft list table inet nftrouter_bans 2>/dev/null | grep -q "type filter hook"; }
unhooked || fail "ban chains hooked with no ban"
pass "no ban: the ban table has no hook"

# --- IPv4, one address: through the router (port forward) and to the router
stream fwd "$W" TCP:203.0.113.1:8080,bind=203.0.113.2
stream rtr "$W" TCP:203.0.113.1:22,bind=203.0.113.2
stream other "$W" TCP:203.0.113.1:8080,bind=203.0.113.70
alive fwd && alive rtr && alive other || fail "streams did not start"
nsx "$R" conntrack -L -s 203.0.113.2 2>/dev/null | grep -q 203.0.113.2 || fail "no conntrack entries before"
connects "$L" TCP:203.0.113.2:81 || fail "the LAN does not reach the WAN host before any ban"
pass "IPv4 streams through and to the router are up"

napply ban 203.0.113.2 --for 1h || fail "ban exited $?"
hooked prerouting && hooked output || fail "the first ban did not hook the ban chains"
if [ "$check" = connection ]; then
    # the stream of a host not banned is looked up at its next packet
    # (it began before the first ban hooked the chains) and marked
    wait_for 3 sh -c "ip netns exec '$R' conntrack -L -s 203.0.113.70 -m 0x80000000/0x80000000 2>/dev/null |
        grep -q 203.0.113.70" || fail "the connection of 203.0.113.70 is not marked checked"
    nsx "$R" nft list chain inet nftrouter_bans prerouting_ct | grep -q 'hook prerouting priority dstnat + 1;' ||
        fail "check: connection did not hook after conntrack and DNAT"
fi
dead fwd || fail "the port-forward stream of the banned host kept flowing"
dead rtr || fail "the stream of the banned host to the router kept flowing"
alive other || fail "a host that is not banned (203.0.113.70) lost its stream"
[ -z "$(nsx "$R" conntrack -L -s 203.0.113.2 2>/dev/null)" ] || fail "conntrack entries of the banned host remain"
! connects "$W" TCP:203.0.113.1:8080,bind=203.0.113.2 || fail "the banned host reconnected (forward)"
! connects "$W" TCP:203.0.113.1:22,bind=203.0.113.2 || fail "the banned host reconnected (router)"
! connects "$L" TCP:203.0.113.2:81 || fail "the LAN reached the banned host"
pass "ban 203.0.113.2: its streams stopped, no conntrack entries, no reconnect, the LAN cannot reach it; .70 unaffected"

napply unban 203.0.113.2 || fail "unban exited $?"
unhooked || fail "the last unban left the ban chains hooked"
connects "$W" TCP:203.0.113.1:8080,bind=203.0.113.2 || fail "no reconnect after unban (forward)"
connects "$W" TCP:203.0.113.1:22,bind=203.0.113.2 || fail "no reconnect after unban (router)"
pass "unban 203.0.113.2: it reconnects"

# --- IPv4 prefix: 203.0.113.64/26 holds .70, not .2
stream fwd2 "$W" TCP:203.0.113.1:8080,bind=203.0.113.2
alive fwd2 && alive other || fail "streams did not restart"
napply ban 203.0.113.64/26 --for 1h || fail "ban of a prefix exited $?"
dead other || fail "a stream from inside the banned prefix kept flowing"
alive fwd2 || fail "a stream from outside the banned prefix stopped"
! connects "$W" TCP:203.0.113.1:8080,bind=203.0.113.70 || fail "203.0.113.70 reconnected into a banned /26"
napply unban 203.0.113.64/26 || fail "unban of a prefix exited $?"
connects "$W" TCP:203.0.113.1:8080,bind=203.0.113.70 || fail "no reconnect after unban of the /26"
pass "ban 203.0.113.64/26: .70 cut, .2 unaffected; unban lets .70 back"

# --- IPv6, one address and a prefix (from the LAN side to the router)
stream v6a "$L" "TCP6:[2001:db8:100::1]:22,bind=[2001:db8:100::20]"
stream v6b "$L" "TCP6:[2001:db8:100::1]:22,bind=[2001:db8:100::40]"
alive v6a && alive v6b || fail "IPv6 streams did not start"
napply ban 2001:db8:100::20 --for 1h || fail "IPv6 ban exited $?"
dead v6a || fail "the banned IPv6 host's stream kept flowing"
alive v6b || fail "an IPv6 host that is not banned lost its stream"
! connects "$L" "TCP6:[2001:db8:100::1]:22,bind=[2001:db8:100::20]" || fail "banned IPv6 host reconnected"
napply unban 2001:db8:100::20 || fail "IPv6 unban exited $?"
connects "$L" "TCP6:[2001:db8:100::1]:22,bind=[2001:db8:100::20]" || fail "no IPv6 reconnect after unban"
pass "IPv6 address: cut, no reconnect, unban lets it back"

napply ban 2001:db8:100::40/126 --for 1h || fail "IPv6 prefix ban exited $?"
dead v6b || fail "a stream from inside the banned IPv6 prefix kept flowing"
! connects "$L" "TCP6:[2001:db8:100::1]:22,bind=[2001:db8:100::40]" || fail "reconnect into a banned IPv6 prefix"
connects "$L" "TCP6:[2001:db8:100::1]:22,bind=[2001:db8:100::20]" || fail "::20 (outside the /126) blocked"
napply bans --json | jq -e '.[] | select(.prefix == "2001:db8:100::40/126" and .left > 3500)' >/dev/null ||
    fail "bans --json does not list the IPv6 prefix with its time"
napply unban 2001:db8:100::40/126 || fail "IPv6 prefix unban exited $?"
connects "$L" "TCP6:[2001:db8:100::1]:22,bind=[2001:db8:100::40]" || fail "no reconnect after the /126 unban"
pass "IPv6 prefix: cut, listed with its time, unban lets it back"
unhooked || fail "ban chains hooked after every ban was lifted"
# (apply last: it removes the IPv6 addresses added by hand above)
napply ban 203.0.113.2 --for 1h || fail "ban exited $?"
napply apply -c "$T_DIR/base.yaml" || fail "apply with a ban exited $?"
hooked prerouting && hooked output || fail "apply with a ban in the state dir unhooked the ban chains"
! connects "$W" TCP:203.0.113.1:8080,bind=203.0.113.2 || fail "the banned host reconnected after apply"
napply unban 203.0.113.2 || fail "unban exited $?"
napply apply -c "$T_DIR/base.yaml" || fail "apply exited $?"
unhooked || fail "apply with no ban hooked the ban chains"
pass "hooked from the first ban to the last unban; apply keeps them so"

# --- a block list given at apply: live connections of a listed host stop
# (check: connection has every connection looked up again at apply)
stream lst "$W" TCP:203.0.113.1:8080,bind=203.0.113.2
stream lst2 "$W" TCP:203.0.113.1:8080,bind=203.0.113.70
alive lst && alive lst2 || fail "streams did not start before the block list"
printf '# the block list of ban-traffic\n203.0.113.2\n' >"$T_DIR/bad.txt"
if [ "$check" != packet ]; then
    { cat "$T_DIR/base.yaml"; printf '  lists: [bad.txt]\n'; } >"$T_DIR/list.yaml"
else
    { cat "$T_DIR/base.yaml"; printf 'blackhole:\n  lists: [bad.txt]\n'; } >"$T_DIR/list.yaml"
fi
napply apply -c "$T_DIR/list.yaml" || fail "apply with a block list exited $?"
hooked prerouting || fail "a block list did not hook the ban chains"
dead lst || fail "the stream of a host on the block list kept flowing after apply"
alive lst2 || fail "a host not on the block list lost its stream"
! connects "$W" TCP:203.0.113.1:8080,bind=203.0.113.2 || fail "a listed host connected"
! connects "$L" TCP:203.0.113.2:81 || fail "the LAN reached a listed host"
napply apply -c "$T_DIR/base.yaml" || fail "apply without the list exited $?"
connects "$W" TCP:203.0.113.1:8080,bind=203.0.113.2 || fail "no connection once the list is gone"
pass "block list at apply ($check): the listed host's live stream stopped, no new ones either way; another host unaffected"
