#!/usr/bin/env bash
# Leases that need more than "the first router" (issue 11, finding 7),
# with real traffic from a LAN client through the masquerading router:
#  1. option 121 (classless static routes): 198.51.100.0/25 via a second
#     gateway, the default via the first; option 3 (a router nobody has)
#     is ignored, as RFC 3442 says;
#  2. a /32 lease whose gateway is outside it (clouds, some ISPs): the
#     gateway becomes an on-link host route and the default goes via it.
# The "internet": I (203.0.113.1, the DHCP server, 198.51.100.200 behind
# it) and J (203.0.113.2, 198.51.100.5 behind it) on one bridge.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
. "$(dirname "$0")/wan-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"

run_config
R=$(netns r); I=$(netns i); J=$(netns j); C=$(netns c)
veth "$R" eth1 "$I" up0 "$R_MAC_WAN"
veth "$I" j0 "$J" j0
veth "$R" eth2 "$C" eth0 "$R_MAC_LAN"
ip -n "$I" link add br0 type bridge
ip -n "$I" link set up0 master br0
ip -n "$I" link set j0 master br0
ip -n "$I" link set j0 up
ip -n "$I" link set br0 up
ip -n "$I" addr add 203.0.113.1/24 dev br0
ip -n "$I" addr add 198.51.100.200/32 dev lo
ip -n "$J" addr add 203.0.113.2/24 dev j0
ip -n "$J" addr add 198.51.100.5/32 dev lo
ip -n "$C" addr add 192.168.100.20/24 dev eth0
ip -n "$C" route add default via 192.168.100.1

scenario isp '{"ip": "203.0.113.10", "mask": "255.255.255.0", "router": ["203.0.113.99"], "dns": ["203.0.113.1"],
  "routes121": [["198.51.100.0/25", "203.0.113.2"], ["0.0.0.0/0", "203.0.113.1"]]}'
hostile_start "$I" br0 203.0.113.1 isp
run_start
# The hook's summary line is written once every route is in.
wait_for 20 grep -q "dhcp-hook: wan: bound 203.0.113.10/24" "$T_DIR/daemon.log" ||
    { tail -20 "$T_DIR/daemon.log"; fail "no lease"; }
ip -n "$R" route show 198.51.100.0/25 | grep -q 'via 203.0.113.2 dev wan proto dhcp' ||
    { ip -n "$R" route; fail "no option-121 route"; }
ip -n "$R" route show default | grep -q 'via 203.0.113.1 dev wan proto dhcp' ||
    { ip -n "$R" route; fail "default route not from option 121"; }
! ip -n "$R" route | grep -q 203.0.113.99 || fail "option 3 (203.0.113.99) used although option 121 came"
grep -q "from classless static routes" "$T_DIR/daemon.log" || fail "not logged as classless"
pass "option 121: 198.51.100.0/25 via 203.0.113.2, default via 203.0.113.1, option 3 ignored"

nsx "$C" ping -c 2 -W 3 198.51.100.5 >/dev/null || { ip -n "$R" route; fail "LAN client cannot reach 198.51.100.5 (behind J)"; }
nsx "$C" ping -c 2 -W 3 198.51.100.200 >/dev/null || { ip -n "$R" route; fail "LAN client cannot reach 198.51.100.200 (behind I)"; }
pass "LAN client reaches 198.51.100.5 through the option-121 gateway and 198.51.100.200 through the default"

# 2. a /32 lease, its gateway outside it.
scenario isp '{"ip": "203.0.113.10", "mask": "255.255.255.255", "router": ["203.0.113.1"], "dns": ["203.0.113.1"]}'
rebind wan "dhcp-hook: wan: bound 203.0.113.10/32"
ip -n "$R" -4 addr show dev wan | grep -q 'inet 203.0.113.10/32' || { ip -n "$R" addr show dev wan; fail "no /32 address"; }
ip -n "$R" route show 203.0.113.1 dev wan | grep -q 'scope link' || { ip -n "$R" route; fail "no on-link host route to the gateway"; }
ip -n "$R" route show default | grep -q 'via 203.0.113.1 dev wan' || { ip -n "$R" route; fail "no default route via the on-link gateway"; }
! ip -n "$R" route | grep -q '198.51.100.0/25' || { ip -n "$R" route; fail "the old lease's option-121 route is left"; }
pass "/32 lease: 203.0.113.1 on-link host route, default via it, the old classless route gone"
nsx "$C" ping -c 2 -W 3 198.51.100.200 >/dev/null || { ip -n "$R" route; fail "LAN client cannot reach 198.51.100.200 over the /32 lease"; }
pass "LAN client reaches 198.51.100.200 over the /32 lease"
