#!/usr/bin/env bash
# ipv6: slaac on a WAN, by `nftrouter apply` alone: the router sets
# accept_ra 2 on that port (a forwarding port ignores RAs otherwise) and
# the kernel takes a SLAAC address and the default route from the ISP's
# router advertisement; a port with ipv6: none keeps accept_ra 1. A
# rollback to a config without it puts accept_ra back.
. "$(dirname "$0")/lib.sh"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
R=$(netns r); I=$(netns i); C=$(netns c)
veth "$R" eth0 "$I" up0 52:54:00:cc:00:01
veth "$R" eth1 "$C" eth0 52:54:00:cc:00:02
ip -n "$I" addr add 2001:db8:ffff::1/64 dev up0 nodad
bg ip netns exec "$I" dnsmasq --keep-in-foreground --log-facility=- --user=root --port=0 \
    --no-resolv --no-hosts --interface=up0 --bind-interfaces --pid-file= \
    --enable-ra --dhcp-range=::,constructor:up0,ra-only,64,1h --ra-param=up0,5,1800 \
    2>"$T_DIR/isp.log"
cfg() {
    cat >"$T_DIR/$1.yaml" <<YAML
interfaces:
  wan: { match: { mac: "52:54:00:cc:00:01" }, ipv6: $2 }
  lan: { match: { mac: "52:54:00:cc:00:02" }, ipv4: 192.168.7.1/24 }
zones:
  wan: { interfaces: [wan], masquerade: true }
  lan: { interfaces: [lan], forward: [wan] }
YAML
}
cfg none none
cfg slaac slaac
apply() { ip netns exec "$R" "$NFTROUTER" apply -c "$T_DIR/$1.yaml" --state-dir "$T_DIR/state" --run-dir "$T_DIR/run"; }
apply none || fail "apply none"
[ "$(ip netns exec "$R" cat /proc/sys/net/ipv6/conf/wan/accept_ra)" = 1 ] || fail "ipv6: none: accept_ra is not 1"
apply slaac || fail "apply slaac"
[ "$(ip netns exec "$R" cat /proc/sys/net/ipv6/conf/wan/accept_ra)" = 2 ] || fail "ipv6: slaac: accept_ra is not 2"
[ "$(ip netns exec "$R" cat /proc/sys/net/ipv6/conf/lan/accept_ra)" = 1 ] || fail "lan's accept_ra changed"
wait_for 30 sh -c "ip -n $R -6 -o addr show dev wan scope global | grep -q 'inet6 2001:db8:ffff:0:5054:ff:fecc:1/64'" ||
    { ip -n "$R" -6 addr; cat "$T_DIR/isp.log"; fail "wan took no SLAAC address"; }
wait_for 20 sh -c "ip -n $R -6 route show default | grep -q 'dev wan proto ra'" || fail "no default route from the RA"
pass "ipv6: slaac: accept_ra 2, SLAAC 2001:db8:ffff::5054:ff:fecc:1, default route from the RA"
ip netns exec "$R" "$NFTROUTER" rollback --state-dir "$T_DIR/state" --run-dir "$T_DIR/run" >/dev/null ||
    fail "rollback"
[ "$(ip netns exec "$R" cat /proc/sys/net/ipv6/conf/wan/accept_ra)" = 1 ] || fail "rollback left accept_ra 2"
pass "rollback to ipv6: none: accept_ra 1 again"
