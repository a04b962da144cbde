#!/usr/bin/env bash
# Issue 14, point 3 (the firewall part): zone keys force-dns and block-dot,
# with the rendered ruleset alone (nft -f), real dnsmasq on both sides and
# real queries (dig).
#   - without them (the control), a LAN client that asks 9.9.9.9 directly
#     gets the ISP-side resolver's answer, and reaches tcp/853 there;
#   - with force-dns, the same query (UDP and TCP, over IPv4 and IPv6) is
#     answered by the router's resolver, which answers differently, so the
#     test can tell;
#   - with block-dot, tcp/853 out of the zone is refused at once.
. "$(dirname "$0")/lib.sh"
command -v dig >/dev/null || skip "dig (package dnsutils) not installed"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"

conf() { # EXTRA-ZONE-KEYS
    cat <<EOF
hostname: r
interfaces:
  wan: { match: { name: wan }, ipv4: 203.0.113.1/24 }
  lan: { match: { name: lan }, ipv4: 192.168.80.1/24 }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: drop, services: [dns], forward: [wan]$1 }
dns:
  upstream: ["198.51.100.53"]
EOF
}
conf "" >"$T_DIR/plain.yaml"
conf ", force-dns: true, block-dot: true" >"$T_DIR/guard.yaml"
"$NFTROUTER" render -c "$T_DIR/plain.yaml" nft >"$T_DIR/plain.nft" || fail "render nft"
"$NFTROUTER" render -c "$T_DIR/guard.yaml" nft >"$T_DIR/guard.nft" || fail "render nft (force-dns)"

R=$(netns r) W=$(netns w) C=$(netns c)
veth "$R" wan "$W" eth0
veth "$R" lan "$C" eth0
for i in wan lan; do nsx "$R" ip link set "$i" up; done
nsx "$R" sysctl -qw net.ipv4.ip_forward=1
nsx "$R" sysctl -qw net.ipv6.conf.all.forwarding=1
nsx "$R" ip -6 addr add 2001:db8:1::1/64 dev wan nodad
nsx "$R" ip -6 addr add 2001:db8:80::1/64 dev lan nodad
nsx "$R" ip -6 route add default via 2001:db8:1::2
nsx "$W" ip -6 addr add 2001:db8:1::2/64 dev eth0 nodad
nsx "$W" ip -6 addr add 2001:db8:99::9/128 dev lo
nsx "$W" ip -6 route add 2001:db8:80::/64 via 2001:db8:1::1
nsx "$C" ip -6 addr add 2001:db8:80::2/64 dev eth0 nodad
nsx "$C" ip -6 route add default via 2001:db8:80::1
nsx "$R" ip addr add 203.0.113.1/24 dev wan
nsx "$R" ip addr add 192.168.80.1/24 dev lan
nsx "$R" ip route add default via 203.0.113.2
# The "internet" resolver 9.9.9.9, behind the ISP.
nsx "$W" ip addr add 203.0.113.2/24 dev eth0
nsx "$W" ip addr add 9.9.9.9/32 dev lo
nsx "$C" ip addr add 192.168.80.2/24 dev eth0
nsx "$C" ip route add default via 192.168.80.1

# Two resolvers that answer guard.test differently.
resolver() { # NS TAG ANSWER LISTEN-OPTIONS...
    local ns=$1 tag=$2 answer=$3
    shift 3
    bg nsx "$ns" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --user=root "$@" \
        --address=/guard.test/"$answer" --pid-file="$T_DIR/dnsmasq-$tag.pid" --log-facility="$T_DIR/dnsmasq-$tag.log"
}
# The router's as its rendered config has it: every address of the port
# (a redirect picks one of them), nothing else.
resolver "$R" router 192.0.2.53 --interface=lan --bind-dynamic --except-interface=lo
resolver "$W" isp 198.51.100.66 --bind-interfaces --listen-address=9.9.9.9 --listen-address=2001:db8:99::9
bg nsx "$W" socat TCP-LISTEN:853,bind=9.9.9.9,fork,reuseaddr SYSTEM:'echo dot-server'
wait_for 5 nsx "$R" sh -c "ss -Hlun 'sport = :53' | grep -q 192.168.80.1" || fail "router resolver"
wait_for 5 nsx "$W" sh -c "ss -Hlun 'sport = :53' | grep -q 9.9.9.9" || fail "ISP-side resolver"
wait_for 5 nsx "$W" sh -c "ss -Hltn 'sport = :853' | grep -q LISTEN" || fail "853 listener"

wait_for 5 nsx "$W" sh -c "ss -Hlun 'sport = :53' | grep -q 2001:db8:99::9" || fail "ISP-side resolver (IPv6)"
ask() { nsx "$C" dig @9.9.9.9 guard.test +short +time=2 +tries=1 "$@" 2>/dev/null || true; }
ask6() { nsx "$C" dig @2001:db8:99::9 guard.test +short +time=2 +tries=1 "$@" 2>/dev/null || true; }
dot() { nsx "$C" timeout 5 socat -T3 - TCP:9.9.9.9:853,connect-timeout=3 </dev/null 2>&1 || true; }

nsx "$R" nft -f "$T_DIR/plain.nft" || fail "ruleset does not load"
[ "$(ask)" = 198.51.100.66 ] || fail "control: 9.9.9.9 did not answer the LAN client ($(ask))"
# (the first IPv6 query may meet neighbour discovery still under way)
isp6() { [ "$(ask6)" = 198.51.100.66 ]; }
wait_for 5 isp6 || fail "control: 2001:db8:99::9 did not answer the LAN client ($(ask6))"
[ "$(dot)" = dot-server ] || fail "control: tcp/853 to 9.9.9.9 did not connect"
pass "without force-dns: 9.9.9.9 answers the client itself, tcp/853 connects"

nsx "$R" nft -f "$T_DIR/guard.nft" || fail "force-dns ruleset does not load"
got=$(ask)
[ "$got" = 192.0.2.53 ] || fail "force-dns: a query to 9.9.9.9 over UDP got '$got', want the router's 192.0.2.53"
got=$(ask +tcp)
[ "$got" = 192.0.2.53 ] || fail "force-dns: a query to 9.9.9.9 over TCP got '$got', want the router's 192.0.2.53"
got=$(nsx "$C" dig @9.9.9.9 guard.test +time=2 +tries=1 2>/dev/null | sed -n 's/^;; SERVER: \([0-9.]*\)#.*/\1/p')
[ "$got" = 9.9.9.9 ] || fail "force-dns: the answer came from '$got', want it to carry the address asked (9.9.9.9)"
got=$(ask6)
[ "$got" = 192.0.2.53 ] || fail "force-dns: a query to 2001:db8:99::9 over UDP got '$got', want the router's 192.0.2.53"
got=$(ask6 +tcp)
[ "$got" = 192.0.2.53 ] || fail "force-dns: a query to 2001:db8:99::9 over TCP got '$got', want the router's 192.0.2.53"
pass "force-dns: a query to 9.9.9.9 or 2001:db8:99::9 (UDP and TCP) is answered by the router's resolver"
start=$(date +%s%N)
got=$(dot)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$got" | grep -qi refused || fail "block-dot: tcp/853 was not refused: '$got'"
[ "$ms" -lt 2500 ] || fail "block-dot: the refusal took ${ms} ms"
pass "block-dot: tcp/853 out of the zone refused at once ($got)"
