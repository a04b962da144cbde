#!/usr/bin/env bash
# IPv6 by prefix delegation: the ISP advertises its link
# (dnsmasq, RA only) and delegates /56s by DHCPv6 (ISC dhcpd -6). The
# router's WAN (`ipv6: dhcp`) takes the default route from the RA and a
# prefix through the daemon's dhclient -6; the daemon numbers the LAN
# PREFIX:1::1/64 (+ ULA:1::1/64); a LAN client takes SLAAC addresses in
# both, reaches the ISP's server with its own address, cannot be reached
# from the ISP; status shows the delegation. Then the ISP renumbers and
# the WAN link flaps: within 30 s the LAN client has an address in the
# new prefix and the old one is deprecated or gone. Last, the ISP
# delegates a /60: lan2's subnet 17 no longer fits (status and log say
# so), lan (subnet 1) is still served.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
for t in dnsmasq dig socat dhcpd jq; do command -v $t >/dev/null || skip "$t not installed"; done
[ -x /sbin/dhclient ] || skip "/sbin/dhclient (isc-dhcp-client) not installed"

cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan: { match: { mac: "$R_MAC_WAN" }, ipv4: dhcp, ipv6: dhcp, ipv6-prefix: 56 }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24, ipv6: { from: wan, subnet: 1 } }
  lan2: { match: { mac: "$R_MAC_OPT" }, ipv6: { from: wan, subnet: 17 } }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan, lan2], input: reject, services: [dns, dhcp], forward: [wan] }
rules:
  - { name: client-8081, from: wan, to: lan, destination: "::5054:ff:febb:20/-64", tcp: 8081, action: accept }
dhcp:
  lan: { range: 192.168.100.10-192.168.100.50, lease: 1h }
dns:
  upstream: []
  domain: lan
YAML
run_net
C2=$(netns c2)
veth "$R" eth3 "$C2" eth0 "$R_MAC_OPT"
ip -n "$I" addr add 2001:db8:ffff::1/64 dev up0 nodad
# The router's WAN link-local address, from its MAC (EUI-64).
r_ll=fe80::5054:ff:feaa:2
# The ISP: router advertisements for its link (no DHCP in this dnsmasq).
bg ip netns exec "$I" dnsmasq --keep-in-foreground --log-facility=- --user=root --port=0 \
    --no-resolv --no-hosts --interface=up0 --bind-interfaces --pid-file= \
    --enable-ra --dhcp-range=::,constructor:up0,ra-only,64,1h --ra-param=up0,10,1800 \
    2>"$T_DIR/isp-ra.log"
# isp_dhcpd N: DHCPv6 delegating /56s out of 2001:db8:N::/48 (and
# addresses on the link), its route towards the router.
isp_dhcpd() {
    local len=${2:-56} last=${3:-ff00}
    cat >"$T_DIR/dhcpd6.conf" <<CONF
default-lease-time 300;
preferred-lifetime 150;
max-lease-time 600;
subnet6 2001:db8:ffff::/64 {
  range6 2001:db8:ffff::100 2001:db8:ffff::1ff;
  prefix6 2001:db8:$1:: 2001:db8:$1:$last:: /$len;
  option dhcp6.name-servers 2001:db8:53::53;
}
CONF
    : >"$T_DIR/dhcpd6.leases"
    ip netns exec "$I" dhcpd -6 -f -d -cf "$T_DIR/dhcpd6.conf" -lf "$T_DIR/dhcpd6.leases" \
        -pf "$T_DIR/dhcpd6.pid" up0 >>"$T_DIR/dhcpd6.log" 2>&1 &
    DHCPD=$!
    T_PIDS+=("$DHCPD")
    ip -n "$I" -6 route replace 2001:db8:$1::/48 via $r_ll dev up0
}
isp_dhcpd 1
# The DNS server DHCPv6 hands out (dns.upstream is empty: the router
# forwards to the servers its WAN learns, DHCP's and DHCPv6's).
# Off the ISP link's prefix: reached through the router's default route.
ip -n "$I" addr add 2001:db8:53::53/128 dev lo
bg ip netns exec "$I" dnsmasq --keep-in-foreground --log-facility=- --user=root --no-resolv \
    --no-hosts --listen-address=2001:db8:53::53 --bind-interfaces --pid-file= \
    --address=/v6only.test/2001:db8:ffff::80 2>"$T_DIR/isp-dns6.log"
bg ip netns exec "$I" socat TCP6-LISTEN:80,bind=[2001:db8:ffff::1],reuseaddr,fork \
    SYSTEM:'echo "peer=$SOCAT_PEERADDR"'
# A fixed MAC: the client's SLAAC interface identifier is ::5054:ff:febb:20,
# which the rule client-8081 names as its destination.
ip -n "$C" link set eth0 address 52:54:00:bb:00:20
ip -n "$C" link set eth0 up
bg ip netns exec "$C" socat TCP6-LISTEN:8080,reuseaddr,fork SYSTEM:'echo inside'
bg ip netns exec "$C" socat TCP6-LISTEN:8081,reuseaddr,fork SYSTEM:'echo opened'
run_start
dump() { ip -n "$R" -6 addr; ip -n "$C" -6 addr; tail -30 "$T_DIR/daemon.log"; tail -20 "$T_DIR/dhcpd6.log"; }

[ "$(ip netns exec "$R" cat /proc/sys/net/ipv6/conf/wan/accept_ra)" = 2 ] || fail "wan: accept_ra is not 2"
wait_for 30 sh -c "ip -n $R -6 route show default dev wan | grep -q 'proto ra'" ||
    { dump; fail "the router took no default route from the ISP's RA"; }
pass "wan: accept_ra 2, default route from the ISP's router advertisement"

# The delegation, as status shows it.
has_pd() { rctl status --json | jq -r '.ports[] | select(.name == "wan") | .delegated.prefix' | grep -q "^2001:db8:$1:"; }
wait_for 40 has_pd 1 ||
    { dump; rctl status --json; fail "no delegated prefix in status"; }
st=$(rctl status --json)
pd=$(echo "$st" | jq -r '.ports[] | select(.name == "wan") | .delegated.prefix')
case $pd in 2001:db8:1:*::/56|2001:db8:1::/56) ;; *) fail "delegated prefix '$pd' is not a /56 of the pool" ;; esac
echo "$st" | jq -e '.ports[] | select(.name == "wan") | .delegated.valid_left > 0 and .delegated.preferred_left > 0' >/dev/null ||
    fail "status: no lifetimes for the delegation"
ula=$(cat "$T_DIR/state/ula-prefix"); ula_net=${ula%::/48}
# PREFIX:1::/64 of the /56.
lan64=$(python3 -c 'import ipaddress, sys; n = ipaddress.ip_network(sys.argv[1]); print(list(n.subnets(new_prefix=64))[1])' "$pd")
echo "$st" | jq -e --arg a "$lan64" '.ports[] | select(.name == "lan") | .lan64 | index($a)' >/dev/null ||
    fail "status: lan64 lacks $lan64: $(echo "$st" | jq -c '.ports[] | select(.name == "lan")')"
lan_addr=${lan64%::/64}::1
ip -n "$R" -6 -o addr show dev lan | grep -q "inet6 $lan_addr/64 .*valid_lft forever" ||
    { dump; fail "lan lacks $lan_addr/64 (infinite lifetime)"; }
pass "delegated $pd (status: lifetimes, lan64 $lan64); lan carries $lan_addr/64 and $ula_net:1::1/64"
# The rest of the delegation is unreachable here, not routed back to the ISP.
unused=$(python3 -c 'import ipaddress, sys; n = ipaddress.ip_network(sys.argv[1]); print(list(n.subnets(new_prefix=64))[5].network_address + 1)' "$pd")
ip -n "$R" -6 route show type unreachable | grep -q "unreachable $pd " || fail "no unreachable route for $pd"
ip -n "$R" -6 route get "$unused" 2>&1 | grep -q "No route to host" ||
    fail "$unused (unnumbered, inside $pd) is routed: $(ip -n "$R" -6 route get "$unused" 2>&1)"
pass "$unused (unused part of $pd): unreachable on the router, no loop to the ISP"

wait_for 40 sh -c "ip -n $C -6 addr show dev eth0 scope global | grep -v tentative | grep -q 'inet6 ${lan64%::/64}:'" ||
    { dump; fail "client got no SLAAC address in $lan64"; }
wait_for 20 sh -c "ip -n $C -6 addr show dev eth0 scope global | grep -q 'inet6 $ula_net:1:'" ||
    fail "client got no ULA address"
gua=$(ip -n "$C" -6 -o addr show dev eth0 scope global | awk '{print $4}' | grep "^${lan64%::/64}:" | head -1)
gua=${gua%/64}
pass "client: SLAAC $gua and a ULA address"

got=$(ip netns exec "$C" timeout 10 socat -T5 - "TCP6:[2001:db8:ffff::1]:80" </dev/null) ||
    { dump; fail "client cannot reach [2001:db8:ffff::1]:80"; }
seen=${got#peer=[}; seen=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]))' "${seen%]}")
[ "$seen" = "$gua" ] || fail "the ISP saw '$got', want $gua"
pass "client -> ISP server: seen as $gua"
[ "$(ip netns exec "$C" timeout 5 socat -T3 - "TCP6:[$gua]:8080" </dev/null)" = inside ] ||
    fail "the client's own listener does not answer"
expect_fail ip netns exec "$I" timeout 5 socat -T3 - "TCP6:[$gua]:8080" </dev/null >/dev/null 2>&1 ||
    fail "the ISP opened a connection to the LAN client"
pass "the ISP cannot connect to [$gua]:8080"
# through() ADDR: the ISP reaches the rule's port on the client.
through() { [ "$(ip netns exec "$I" timeout 5 socat -T3 - "TCP6:[$1]:8081" </dev/null 2>/dev/null)" = opened ]; }
through "$gua" || fail "the rule client-8081 (destination ::5054:ff:febb:20/-64) does not let the ISP in"
pass "the ISP reaches [$gua]:8081, opened by a rule naming the host's suffix"
a=$(ip netns exec "$C" dig +short +time=2 +tries=3 @"$lan_addr" router.lan AAAA | tr '\n' ' ')
case $a in *"$lan_addr"*) ;; *) fail "router.lan AAAA over IPv6: '$a'" ;; esac
pass "dig @$lan_addr router.lan AAAA: $a"
grep -q "^server=2001:db8:53::53#53" "$T_DIR/run/dnsmasq.conf" ||
    fail "the DHCPv6 DNS server is not among dnsmasq's upstreams: $(grep ^server= "$T_DIR/run/dnsmasq.conf")"
# The conf names the server before the restarted dnsmasq runs with it
# (an answer meanwhile is a quick NXDOMAIN): ask until it does, bounded.
a=""
for _ in $(seq 40); do
    a=$(ip netns exec "$C" dig +short +time=2 +tries=1 @"$lan_addr" v6only.test AAAA) || true
    [ -n "$a" ] && break
    sleep 0.5
done
[ "$a" = 2001:db8:ffff::80 ] || fail "v6only.test (known only to the DHCPv6 DNS server): '$a'"
pass "DHCPv6's DNS server 2001:db8:53::53 became an upstream (dns.upstream: []): v6only.test AAAA = $a"

# A daemon that starts again keeps the delegation it finds still valid:
# the LAN's global address is there as soon as it is ready.
kill "$DAEMON"; wait "$DAEMON" 2>/dev/null || true
rm -f "$T_DIR/notify.out" # run_start waits for this file's READY line
run_start
ip -n "$R" -6 -o addr show dev lan | grep -q "inet6 $lan_addr/64 " ||
    { dump; fail "a restarted daemon dropped $lan_addr"; }
grep -qF "wan: keeping $pd from the last daemon" "$T_DIR/daemon.log" || { grep -n keeping "$T_DIR/daemon.log" || true; fail "the restarted daemon did not keep $pd"; }
wait_for 40 has_pd 1 || { dump; fail "no delegation after the daemon's restart"; }
pass "daemon restarted: $lan_addr stayed on lan, $pd kept"

# Renumbering: the ISP now delegates from 2001:db8:2::/48 and forgets the
# old bindings; the WAN link goes down and up (a reconnect).
kill "$DHCPD"; wait "$DHCPD" 2>/dev/null || true
ip -n "$I" -6 route del 2001:db8:1::/48 2>/dev/null || true
t0=$(date +%s)
# Down and up at once: the daemon must see the reconnect even when it
# reads both events together.
ip -n "$I" link set up0 down; ip -n "$I" link set up0 up
# A link going down loses its IPv6 addresses; dhcpd wants one to start.
ip -n "$I" addr replace 2001:db8:ffff::1/64 dev up0 nodad
isp_dhcpd 2
wait_for 30 sh -c "ip -n $C -6 -o addr show dev eth0 scope global | grep -v tentative | grep -q 'inet6 2001:db8:2:'" ||
    { dump; fail "30 s after the renumbering the client has no address in 2001:db8:2::/48"; }
# Deprecated (preferred lifetime 0 from the router's RA), not just left
# to run out: dnsmasq advertises a prefix whose address went away as old.
old_ok() { ip -n "$C" -6 -o addr show dev eth0 | grep "inet6 $gua/" | grep -q deprecated; }
wait_for 30 old_ok || { dump; fail "the old address $gua is not deprecated"; }
t1=$(date +%s)
new=$(rctl status --json | jq -r '.ports[] | select(.name == "wan") | .delegated.prefix')
ip -n "$R" -6 -o addr show dev lan | grep -q "inet6 ${lan64%::/64}::1/" && fail "lan still carries the old $lan_addr"
ip -n "$R" -6 route show type unreachable | grep -q "unreachable $pd " && fail "the old $pd is still an unreachable route"
ip -n "$R" -6 route show type unreachable | grep -q "unreachable $new " || fail "no unreachable route for $new"
new_gua=$(ip -n "$C" -6 -o addr show dev eth0 scope global | awk '{print $4}' | grep '^2001:db8:2:' | head -1)
new_gua=${new_gua%/64}
through "$new_gua" || fail "after the renumbering the rule does not follow the host to $new_gua"
pass "renumbered to $new in $((t1 - t0)) s: client has a 2001:db8:2: address, old $gua deprecated, lan's old address removed"

# A /60 where a /56 was asked for: subnet 17 does not fit, subnet 1 does.
kill "$DHCPD"; wait "$DHCPD" 2>/dev/null || true
ip -n "$I" -6 route del 2001:db8:2::/48 2>/dev/null || true
ip -n "$I" link set up0 down; sleep 1; ip -n "$I" link set up0 up
ip -n "$I" addr replace 2001:db8:ffff::1/64 dev up0 nodad
isp_dhcpd 3 60 fff0
wait_for 30 has_pd 3 || { dump; fail "no /60 from 2001:db8:3::/48"; }
problem() { rctl status --json | jq -r '.ports[] | select(.name == "lan2") | .ipv6_problem' | grep -q "subnet 17 does not fit"; }
wait_for 10 problem || { rctl status --json | jq -c '.ports[]'; fail "status does not say lan2's subnet 17 does not fit"; }
grep -q "port lan2: error: subnet 17 does not fit" "$T_DIR/daemon.log" || fail "the log does not say it"
pd60=$(rctl status --json | jq -r '.ports[] | select(.name == "wan") | .delegated.prefix')
lan60=$(python3 -c 'import ipaddress, sys; n = ipaddress.ip_network(sys.argv[1]); print(list(n.subnets(new_prefix=64))[1].network_address)' "$pd60")
ip -n "$R" -6 -o addr show dev lan | grep -q "inet6 ${lan60}1/64 " || { dump; fail "lan lacks ${lan60}1/64 of $pd60"; }
ip -n "$R" -6 -o addr show dev lan2 | grep -q "inet6 2001:db8:3:" && fail "lan2 got an address of $pd60"
ip -n "$R" -6 -o addr show dev lan2 | grep -q "inet6 $ula_net:11::1/64" || fail "lan2 lost its ULA"
pass "$pd60 delegated: lan serves ${lan60}1/64, lan2 (subnet 17) keeps its ULA only; status and log say why"
