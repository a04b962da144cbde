#!/usr/bin/env bash
# Issue 14, point 1: hairpin NAT (reflection), with the rendered ruleset
# alone (nft -f) and real TCP and UDP in namespaces.
#   - a client on another LAN subnet reaches a port forward through the
#     router's WAN address, and the server sees the client's own address;
#   - a client on the server's own subnet does too, and the server sees the
#     router's address there (source NAT, or the reply would bypass the
#     router);
#   - the router's own service on its LAN address is not taken over;
#   - the WAN address changes (a new DHCP lease) and reflection follows
#     without a new ruleset;
#   - `reflection: false` makes the forward unreachable from inside again,
#     while it still works from outside.
. "$(dirname "$0")/lib.sh"

conf() { # REFLECTION-LINE
    cat <<EOF
hostname: r
interfaces:
  wan:  { match: { name: wan }, ipv4: dhcp }
  lan:  { match: { name: lan }, ipv4: 192.168.80.1/24 }
  lan2: { match: { name: lan2 }, ipv4: 192.168.81.1/24 }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan, lan2], input: accept, forward: [wan] }
port-forwards:
  - { name: web, from: wan, tcp: 8080, to: "192.168.80.20:80"$1 }
  - { name: game, from: wan, udp: 9000, to: 192.168.80.20$1 }
EOF
}
conf "" >"$T_DIR/router.yaml"
conf ", reflection: false" >"$T_DIR/off.yaml"
"$NFTROUTER" render -c "$T_DIR/router.yaml" nft >"$T_DIR/r.nft" || fail "render nft"
"$NFTROUTER" render -c "$T_DIR/off.yaml" nft >"$T_DIR/off.nft" || fail "render nft (reflection: false)"

# R: the router. W: the ISP. SW: a switch (a bridge) joining the router's
# lan port, the server S (192.168.80.20) and client C1 (192.168.80.2) on
# one segment. C2 (192.168.81.2) on the router's other LAN port.
R=$(netns r) W=$(netns w) SW=$(netns sw) S=$(netns s) C1=$(netns c1) C2=$(netns c2)
veth "$R" wan "$W" eth0
veth "$R" lan "$SW" p0
veth "$S" eth0 "$SW" p1
veth "$C1" eth0 "$SW" p2
veth "$R" lan2 "$C2" eth0
nsx "$SW" ip link add br0 type bridge
for p in p0 p1 p2; do nsx "$SW" ip link set "$p" master br0; done
nsx "$SW" ip link set br0 up
for i in wan lan lan2; do nsx "$R" ip link set "$i" up; done
nsx "$S" ip link set eth0 up
nsx "$C1" ip link set eth0 up
nsx "$R" sysctl -qw net.ipv4.ip_forward=1
# The WAN address as a DHCP lease would put it (the ruleset does not know it).
nsx "$R" ip addr add 203.0.113.1/24 dev wan
nsx "$R" ip addr add 192.168.80.1/24 dev lan
nsx "$R" ip addr add 192.168.81.1/24 dev lan2
nsx "$R" ip route add default via 203.0.113.2
nsx "$W" ip addr add 203.0.113.2/24 dev eth0
nsx "$S" ip addr add 192.168.80.20/24 dev eth0
nsx "$S" ip route add default via 192.168.80.1
nsx "$C1" ip addr add 192.168.80.2/24 dev eth0
nsx "$C1" ip route add default via 192.168.80.1
nsx "$C2" ip addr add 192.168.81.2/24 dev eth0
nsx "$C2" ip route add default via 192.168.81.1
nsx "$R" nft -f "$T_DIR/r.nft" || fail "ruleset does not load"

# The server answers each connection or datagram with the address it saw.
# shellcheck disable=SC2016 # socat expands $SOCAT_PEERADDR, not this shell
bg nsx "$S" socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo tcp $SOCAT_PEERADDR'
# shellcheck disable=SC2016
bg nsx "$S" socat UDP4-RECVFROM:9000,fork,reuseaddr SYSTEM:'read x; echo udp $SOCAT_PEERADDR'
# The router's own service on 8080, on its LAN addresses only (so that
# "unreachable" through the WAN address means unreachable).
bg nsx "$R" socat TCP-LISTEN:8080,fork,reuseaddr,bind=192.168.80.1 SYSTEM:'echo router-itself'
bg nsx "$R" socat TCP-LISTEN:8080,fork,reuseaddr,bind=192.168.81.1 SYSTEM:'echo router-itself'
wait_for 5 nsx "$S" sh -c "ss -Hltn 'sport = :80' | grep -q LISTEN" || fail "tcp listener"
wait_for 5 nsx "$S" sh -c "ss -Hlun 'sport = :9000' | grep -q ." || fail "udp listener"
wait_for 5 nsx "$R" sh -c "[ \$(ss -Hltn 'sport = :8080' | grep -c LISTEN) -eq 2 ]" || fail "router listeners"

tcp() { nsx "$1" timeout 5 socat -T3 - "TCP:$2:8080,connect-timeout=3" </dev/null 2>/dev/null || true; }
udp() { echo ping | nsx "$1" timeout 5 socat -T2 - "UDP4:$2:9000" 2>/dev/null || true; }

[ "$(tcp "$W" 203.0.113.1)" = "tcp 203.0.113.2" ] || fail "control: the forward does not work from outside"
pass "from outside: the forward works (server sees 203.0.113.2)"

got=$(tcp "$C2" 203.0.113.1)
[ "$got" = "tcp 192.168.81.2" ] || fail "TCP from the other LAN subnet through the WAN address: got '$got', want 'tcp 192.168.81.2'"
got=$(udp "$C2" 203.0.113.1)
[ "$got" = "udp 192.168.81.2" ] || fail "UDP from the other LAN subnet through the WAN address: got '$got', want 'udp 192.168.81.2'"
pass "hairpin from another subnet, TCP and UDP: the server sees the client's address"

got=$(tcp "$C1" 203.0.113.1)
[ "$got" = "tcp 192.168.80.1" ] || fail "TCP from the server's own subnet: got '$got', want 'tcp 192.168.80.1' (the router)"
got=$(udp "$C1" 203.0.113.1)
[ "$got" = "udp 192.168.80.1" ] || fail "UDP from the server's own subnet: got '$got', want 'udp 192.168.80.1' (the router)"
pass "hairpin from the server's own subnet, TCP and UDP: the server sees the router's address"

[ "$(tcp "$C1" 192.168.80.1)" = router-itself ] || fail "the router's own service on its LAN address was taken over by the forward"
[ "$(tcp "$C2" 192.168.80.1)" = router-itself ] || fail "the router's own service on its other LAN address was taken over"
pass "the router's own LAN addresses keep their own service on the forwarded port"

# A new lease: another WAN address, the same ruleset.
nsx "$R" ip addr del 203.0.113.1/24 dev wan
nsx "$R" ip addr add 203.0.113.9/24 dev wan
nsx "$R" ip route replace default via 203.0.113.2
got=$(tcp "$C2" 203.0.113.9)
[ "$got" = "tcp 192.168.81.2" ] || fail "after the WAN address changed, hairpin TCP got '$got'"
got=$(udp "$C1" 203.0.113.9)
[ "$got" = "udp 192.168.80.1" ] || fail "after the WAN address changed, hairpin UDP got '$got'"
pass "the WAN address changed: reflection follows without a new ruleset"

nsx "$R" nft -f "$T_DIR/off.nft" || fail "reflection: false ruleset does not load"
nsx "$R" conntrack -F >/dev/null 2>&1 || true
[ -z "$(tcp "$C2" 203.0.113.9)" ] || fail "reflection: false, yet the forward answered from inside over TCP"
[ -z "$(udp "$C1" 203.0.113.9)" ] || fail "reflection: false, yet the forward answered from inside over UDP"
[ "$(tcp "$W" 203.0.113.9)" = "tcp 203.0.113.2" ] || fail "reflection: false broke the forward from outside"
pass "reflection: false: unreachable from inside again, still forwarded from outside"
