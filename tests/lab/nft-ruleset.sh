#!/usr/bin/env bash
# The rendered ruleset alone (nft -f, no apply, no daemon), with real
# packets in namespaces: what the renderer promises beyond what the lab
# checks.
#   - IPv6 neighbour discovery works on a zone that drops input and accepts
#     no ICMPv6 at all, and ping6 to the router works from an inside zone;
#   - a DHCP DISCOVER (0.0.0.0:68 -> 255.255.255.255:67) reaches the router
#     from a zone that opens dhcp, and not from one that doesn't;
#   - input reject answers at once (admin-prohibited), input drop is silent;
#   - a rule with a source narrows: only that source gets through;
#   - an established connection survives a replace of the table;
#   - zone counters count the router's own traffic both directions, the
#     forward chain counts nothing, and a replace keeps no stale table.
. "$(dirname "$0")/lib.sh"

cat >"$T_DIR/router.yaml" <<'EOF'
hostname: r
interfaces:
  wan: { match: { name: wan }, ipv4: 203.0.113.1/24 }
  lan: { match: { name: lan }, ipv4: 192.168.80.1/24 }
  dmz: { match: { name: dmz }, ipv4: 192.168.81.1/24 }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop, icmp: [], counters: true }
  lan: { interfaces: [lan], input: reject, services: [dhcp], forward: [wan, dmz] }
  dmz: { interfaces: [dmz], input: drop, forward: [wan] }
rules:
  - { name: wan-ssh-office, from: wan, source: 203.0.113.2/32, tcp: [2222], action: accept }
dhcp:
  lan: { range: 192.168.80.100-192.168.80.200 }
EOF
"$NFTROUTER" render -c "$T_DIR/router.yaml" nft >"$T_DIR/r.nft" || fail "render nft"

R=$(netns r) W=$(netns w) W2=$(netns w2) L=$(netns l) D=$(netns d)
veth "$R" wan "$W" eth0
veth "$R" lan "$L" eth0
veth "$R" dmz "$D" eth0
# A second outside host, routed through the WAN host: another source.
veth "$W" eth1 "$W2" eth0
nsx "$R" sysctl -qw net.ipv4.ip_forward=1
nsx "$W" sysctl -qw net.ipv4.ip_forward=1
for i in wan lan dmz; do nsx "$R" ip link set "$i" up; done
nsx "$R" ip addr add 203.0.113.1/24 dev wan
nsx "$R" ip addr add 192.168.80.1/24 dev lan
nsx "$R" ip addr add 192.168.81.1/24 dev dmz
nsx "$W" ip link set eth1 up
nsx "$W" ip addr add 203.0.113.2/24 dev eth0
nsx "$W" ip addr add 198.51.100.1/24 dev eth1
nsx "$W2" ip addr add 198.51.100.2/24 dev eth0
nsx "$W2" ip route add default via 198.51.100.1
nsx "$R" ip route add 198.51.100.0/24 via 203.0.113.2
nsx "$L" ip addr add 192.168.80.2/24 dev eth0
nsx "$L" ip route add default via 192.168.80.1
nsx "$D" ip addr add 192.168.81.2/24 dev eth0
nsx "$D" ip route add default via 192.168.81.1

nsx "$R" nft -f "$T_DIR/r.nft" || fail "ruleset does not load"

# IPv6: link-local only, so nothing but ND and ICMPv6 echo is involved.
# The router's own addresses must have finished DAD too: a tentative
# address answers no neighbour solicitation (a race seen under load).
wait_for 5 nsx "$R" sh -c "ip -6 addr show dev lan | grep -q 'scope link' && ip -6 addr show dev wan | grep -q 'scope link' && ! ip -6 addr show | grep -q tentative" ||
    fail "router link-local addresses still tentative"
r_lan6=$(nsx "$R" ip -6 -o addr show dev lan scope link | awk '{print $4}' | cut -d/ -f1)
r_wan6=$(nsx "$R" ip -6 -o addr show dev wan scope link | awk '{print $4}' | cut -d/ -f1)
wait_for 5 nsx "$L" sh -c "ip -6 addr show dev eth0 | grep -q 'scope link' && ! ip -6 addr show dev eth0 | grep -q tentative" ||
    fail "no link-local address on the LAN host"
wait_for 5 nsx "$W" sh -c "! ip -6 addr show dev eth0 | grep -q tentative" || fail "WAN host DAD"
nsx "$L" ping -6 -c1 -W2 "$r_lan6%eth0" >/dev/null || fail "ping6 from lan to the router's link-local"
pass "IPv6 ND and ping6 from an inside zone"
nsx "$W" ping -6 -c1 -W1 "$r_wan6%eth0" >/dev/null && fail "ping6 from wan answered (icmp: [])"
nsx "$W" ip -6 neigh show dev eth0 | grep -q "$r_wan6 .*lladdr" ||
    fail "neighbour discovery to the router failed on a zone with input drop and icmp: []"
pass "IPv6 ND works on wan with input drop and no ICMP; ping6 dropped"

# DHCP DISCOVER: from 0.0.0.0 to the broadcast address, as a client without
# an address sends it. The router listens on udp/67 and writes what it gets.
bg nsx "$R" socat -u UDP4-RECVFROM:67,reuseaddr,fork SYSTEM:"echo \$SOCAT_PEERADDR \$(cat) >>$T_DIR/dhcp.got"
wait_for 5 nsx "$R" sh -c "ss -Hlun 'sport = :67' | grep -q ." || fail "udp/67 listener"
discover() { # NS: send one datagram from 0.0.0.0:68 to 255.255.255.255:67
    nsx "$1" ip addr flush dev eth0
    nsx "$1" ip route add 255.255.255.255 dev eth0 2>/dev/null || true
    nsx "$1" socat -u - UDP4-DATAGRAM:255.255.255.255:67,broadcast,bind=0.0.0.0:68,so-bindtodevice=eth0 <<<"$2"
}
discover "$L" DISCOVER-FROM-LAN
discover "$D" DISCOVER-FROM-DMZ
wait_for 3 grep -q '^0\.0\.0\.0 DISCOVER-FROM-LAN' "$T_DIR/dhcp.got" ||
    fail "DHCP DISCOVER from lan (0.0.0.0) was dropped: $(cat "$T_DIR/dhcp.got" 2>/dev/null)"
sleep 0.5
grep -q DISCOVER-FROM-DMZ "$T_DIR/dhcp.got" && fail "DHCP DISCOVER from dmz (no dhcp service) got through"
pass "DHCP DISCOVER from 0.0.0.0 accepted where dhcp is open, dropped elsewhere"
nsx "$L" ip addr add 192.168.80.2/24 dev eth0
nsx "$L" ip route replace default via 192.168.80.1
nsx "$D" ip addr add 192.168.81.2/24 dev eth0
nsx "$D" ip route replace default via 192.168.81.1

# reject vs drop: a closed, unopened port on the router.
start=$(date +%s%N)
out=$(nsx "$L" timeout 5 socat -T2 - TCP:192.168.80.1:2323,connect-timeout=3 </dev/null 2>&1 || true)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $ms -lt 1500 ] || fail "lan (input reject): connect took ${ms} ms, want an immediate refusal"
echo "$out" | grep -qi 'unreachable\|prohibited\|no route' || fail "lan reject answered: $out"
pass "input reject refuses at once ($out)"
start=$(date +%s%N)
nsx "$W" timeout 5 socat -T2 - TCP:203.0.113.1:2323,connect-timeout=2 </dev/null >/dev/null 2>&1 &&
    fail "wan (input drop) connected"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $ms -ge 1900 ] || fail "wan (input drop): answered after ${ms} ms, want silence"
pass "input drop is silent"

# A rule with a source: 203.0.113.2 may reach tcp/2222, 198.51.100.2 may not.
bg nsx "$R" socat TCP-LISTEN:2222,fork,reuseaddr SYSTEM:'echo ssh-office'
wait_for 5 nsx "$R" sh -c "ss -Hltn 'sport = :2222' | grep -q LISTEN" || fail "listener 2222"
get() { nsx "$1" timeout 4 socat -T3 - "TCP:$2:$3,connect-timeout=3" </dev/null 2>/dev/null || true; }
[ "$(get "$W" 203.0.113.1 2222)" = ssh-office ] || fail "rule with source: the source was refused"
[ -z "$(get "$W2" 203.0.113.1 2222)" ] || fail "rule with source: another source got through"
pass "a rule's source narrows it"

# Forwarding: lan -> dmz and lan -> wan allowed, dmz -> lan not.
bg nsx "$D" socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo dmz-web'
# shellcheck disable=SC2016 # socat expands $SOCAT_PEERADDR, not this shell
bg nsx "$W" socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR'
bg nsx "$L" socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo lan-web'
for ns in "$D" "$W" "$L"; do
    wait_for 5 nsx "$ns" sh -c "ss -Hltn 'sport = :80' | grep -q LISTEN" || fail "listener 80"
done
[ "$(get "$L" 192.168.81.2 80)" = dmz-web ] || fail "lan -> dmz blocked"
[ "$(get "$L" 203.0.113.2 80)" = 203.0.113.1 ] || fail "lan -> wan not masqueraded"
[ -z "$(get "$D" 192.168.80.2 80)" ] || fail "dmz -> lan got through"
pass "forward policy between zones, masquerade on wan"

# An established connection survives a replace of the table.
bg nsx "$W" socat -T20 TCP-LISTEN:7000,reuseaddr EXEC:cat
wait_for 5 nsx "$W" sh -c "ss -Hltn 'sport = :7000' | grep -q LISTEN" || fail "listener 7000"
coproc CONN { nsx "$L" socat -T20 - TCP:203.0.113.2:7000,connect-timeout=3 2>/dev/null; }
T_PIDS+=("$CONN_PID")
echo before >&"${CONN[1]}"
read -r -t 3 line <&"${CONN[0]}" || true
[ "${line:-}" = before ] || fail "echo connection did not start ($line)"
nsx "$R" nft -f "$T_DIR/r.nft" || fail "replace failed"
echo after >&"${CONN[1]}"
read -r -t 3 line <&"${CONN[0]}" || true
[ "${line:-}" = after ] || fail "established connection broken by the replace"
pass "an established connection survives the replace"

# Counters: the named counters count the router's own traffic with the
# zone (input and output; a forwarded packet's zone traffic comes from the
# links' statistics, see counters-traffic). The replace above reset them
# (nft -f, no apply to carry them over): the router pings the WAN host.
nsx "$R" ping -c 3 -i 0.2 -W 1 -q 203.0.113.2 >/dev/null || fail "router → WAN host ping failed"
pk() { nsx "$R" nft list counter inet nftrouter "$1" | awk '/packets/ {print $2}'; }
[ "$(pk wan-ingress)" -gt 0 ] || fail "wan-ingress did not count"
[ "$(pk wan-egress)" -gt 0 ] || fail "wan-egress did not count"
! nsx "$R" nft list chain inet nftrouter forward | grep -q counter || fail "a counter rule in forward"
[ "$(nsx "$R" nft list tables | grep -c nftrouter)" -eq 1 ] || fail "tables left over"
pass "counters count; one table"
