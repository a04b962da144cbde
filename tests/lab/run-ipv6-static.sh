#!/usr/bin/env bash
# IPv6 without prefix delegation (static WAN + ULA): the router's
# WAN has a static address and gateway, its LAN a static /64 and the
# ULA:1::1/64 nftrouter derives from STATE_DIR/ula-prefix. dnsmasq (the
# daemon's) advertises both; a LAN client takes a SLAAC address in each,
# reaches a web server at the ISP, which sees the client's own address
# (no NAT66); the ISP cannot open a connection to the client; DNS over
# IPv6 to the router answers AAAA for the router's name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v dig >/dev/null || skip "dig not installed"
command -v socat >/dev/null || skip "socat not installed"

cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan: { match: { mac: "$R_MAC_WAN" }, ipv4: dhcp, ipv6: "2001:db8:ffff::2/64", ipv6-gateway: "2001:db8:ffff::1" }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24, ipv6: { address: "2001:db8:1::1/64", subnet: 1 } }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, services: [dns, dhcp], forward: [wan] }
dhcp:
  lan: { range: 192.168.100.10-192.168.100.50, lease: 1h }
dns:
  upstream: ["203.0.113.1"]
  domain: lan
YAML
run_net
ip -n "$I" addr add 2001:db8:ffff::1/64 dev up0 nodad
ip -n "$I" route add 2001:db8:1::/64 via 2001:db8:ffff::2
# The ISP's web server answers with the address it sees.
bg ip netns exec "$I" socat TCP6-LISTEN:80,bind=[2001:db8:ffff::1],reuseaddr,fork \
    SYSTEM:'echo "peer=$SOCAT_PEERADDR"'
# A listener on the client, for the inbound check.
ip -n "$C" link set eth0 up
bg ip netns exec "$C" socat TCP6-LISTEN:8080,reuseaddr,fork SYSTEM:'echo inside'
run_start

ula=$(cat "$T_DIR/state/ula-prefix") || fail "no STATE_DIR/ula-prefix"
case $ula in fd[0-9a-f][0-9a-f]:*::/48) ;; *) fail "ula-prefix '$ula' is not an fd00::/8 /48" ;; esac
ula_net=${ula%::/48}
pass "ULA generated: $ula"
ip -n "$R" -6 addr show dev lan | grep -q "inet6 2001:db8:1::1/64 " || fail "lan lacks 2001:db8:1::1/64"
ip -n "$R" -6 -o addr show dev lan | grep -q "inet6 $ula_net:1::1/64 .*valid_lft forever" ||
    fail "lan lacks $ula_net:1::1/64 with an infinite lifetime: $(ip -n "$R" -6 addr show dev lan)"
ip -n "$R" -6 addr show dev wan | grep -q "inet6 2001:db8:ffff::2/64 " || fail "wan lacks its address"
ip -n "$R" -6 route show default | grep -q "via 2001:db8:ffff::1 dev wan proto 110" ||
    fail "no IPv6 default route via the ISP: $(ip -n "$R" -6 route show default)"
pass "router: lan 2001:db8:1::1/64 + $ula_net:1::1/64, wan 2001:db8:ffff::2/64, default via 2001:db8:ffff::1"

# SLAAC on the client, from the daemon's dnsmasq.
wait_for 40 sh -c "ip -n $C -6 addr show dev eth0 scope global | grep -q 'inet6 2001:db8:1:0:'" ||
    { ip -n "$C" -6 addr; cat "$T_DIR/daemon.log"; fail "client got no SLAAC address in 2001:db8:1::/64"; }
wait_for 20 sh -c "ip -n $C -6 addr show dev eth0 scope global | grep -q 'inet6 $ula_net:1:'" ||
    { ip -n "$C" -6 addr; fail "client got no SLAAC address in $ula_net:1::/64"; }
wait_for 20 sh -c "ip -n $C -6 addr show dev eth0 scope global | grep -v tentative | grep -q 'inet6 2001:db8:1:0:'" ||
    fail "the client's address stays tentative"
gua=$(ip -n "$C" -6 -o addr show dev eth0 scope global | awk '{print $4}' | grep '^2001:db8:1:0:' | head -1)
gua=${gua%/64}
ip -n "$C" -6 route show default | grep -q 'via fe80::' || fail "client: no default route from the RA"
pass "client: SLAAC $gua and a ULA address, default route via the router's link-local address"

# What the router's RA carries: both /64s for SLAAC, itself as DNS server
# (RDNSS), the domain (DNSSL).
ip netns exec "$C" python3 "$NFTROUTER_SRCDIR/tests/lab/fixtures/ra-dump.py" eth0 15 >"$T_DIR/ra.txt" ||
    fail "no router advertisement on the LAN"
grep -q "^prefix 2001:db8:1::/64 onlink=1 auto=1 " "$T_DIR/ra.txt" || fail "RA lacks 2001:db8:1::/64: $(cat "$T_DIR/ra.txt")"
grep -q "^prefix $ula_net:1::/64 onlink=1 auto=1 " "$T_DIR/ra.txt" || fail "RA lacks the ULA /64: $(cat "$T_DIR/ra.txt")"
grep -q "^rdnss " "$T_DIR/ra.txt" || fail "RA has no RDNSS: $(cat "$T_DIR/ra.txt")"
grep -q "^dnssl lan " "$T_DIR/ra.txt" || fail "RA has no DNSSL lan: $(cat "$T_DIR/ra.txt")"
pass "RA: $(tr '\n' ';' <"$T_DIR/ra.txt")"

# Out to the ISP's server, which sees the client's own address.
got=$(ip netns exec "$C" timeout 10 socat -T5 - "TCP6:[2001:db8:ffff::1]:80" </dev/null) ||
    fail "client cannot reach [2001:db8:ffff::1]:80"
seen=${got#peer=[}; seen=${seen%]}
seen=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]))' "$seen") ||
    fail "the ISP's server answered '$got'"
[ "$seen" = "$gua" ] || fail "the ISP saw '$got', want the client's own $gua (no NAT66)"
pass "client -> [2001:db8:ffff::1]:80: the server saw [$gua]"

# Inbound: closed. The listener answers on the client itself.
[ "$(ip netns exec "$C" timeout 5 socat -T3 - "TCP6:[$gua]:8080" </dev/null)" = inside ] ||
    fail "the client's own listener does not answer"
expect_fail ip netns exec "$I" timeout 5 socat -T3 - "TCP6:[$gua]:8080" </dev/null >/dev/null 2>&1 ||
    fail "the ISP opened a connection to the LAN client"
pass "the ISP cannot connect to [$gua]:8080 (the client's own connection to it works)"

# DNS over IPv6 to the router, on both of its LAN addresses.
a=$(ip netns exec "$C" dig +short +time=2 +tries=3 @"$ula_net:1::1" router.lan AAAA | sort | tr '\n' ' ')
case $a in *"2001:db8:1::1"*) ;; *) fail "router.lan AAAA over the ULA: '$a'" ;; esac
a=$(ip netns exec "$C" dig +short +time=2 +tries=3 @2001:db8:1::1 www.example.test A)
[ "$a" = 203.0.113.80 ] || fail "upstream name over IPv6: '$a'"
pass "dig @$ula_net:1::1 router.lan AAAA, @2001:db8:1::1 www.example.test A: answered"
