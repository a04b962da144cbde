#!/usr/bin/env bash
# dhcp.lan.ipv6: stateful: the router's RA says "managed" (M flag) and
# offers no SLAAC (A flag off); a DHCPv6 client (ISC dhclient -6) gets an
# address in ::1000-::ffff of a LAN /64 from the daemon's dnsmasq, and
# the name it sent resolves to it (AAAA) at the router.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
for t in dnsmasq dig; do command -v $t >/dev/null || skip "$t not installed"; done
[ -x /sbin/dhclient ] || skip "/sbin/dhclient (isc-dhcp-client) not installed"

cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan: { match: { mac: "$R_MAC_WAN" }, ipv4: dhcp }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24, ipv6: { address: "2001:db8:1::1/64", subnet: 1 } }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, services: [dns, dhcp], forward: [wan] }
dhcp:
  lan: { range: 192.168.100.10-192.168.100.50, lease: 1h, ipv6: stateful }
dns:
  upstream: ["203.0.113.1"]
  domain: lan
YAML
run_net
ip -n "$C" link set eth0 up
run_start

ip netns exec "$C" python3 "$NFTROUTER_SRCDIR/tests/lab/fixtures/ra-dump.py" eth0 15 >"$T_DIR/ra.txt" ||
    fail "no router advertisement on the LAN"
grep -q "^flags managed=1 " "$T_DIR/ra.txt" || fail "RA without the M flag: $(cat "$T_DIR/ra.txt")"
grep -q "^prefix 2001:db8:1::/64 .*auto=0" "$T_DIR/ra.txt" || fail "RA offers SLAAC: $(cat "$T_DIR/ra.txt")"
pass "RA: managed, no SLAAC ($(tr '\n' ';' <"$T_DIR/ra.txt"))"

cat >"$T_DIR/client6.conf" <<'CONF'
send fqdn.fqdn "client6";
send fqdn.server-update off;
CONF
cat >"$T_DIR/client6.hook" <<SH
#!/bin/sh
[ -n "\$new_ip6_address" ] && echo "\$new_ip6_address" >"$T_DIR/client6.addr"
exit 0
SH
chmod 755 "$T_DIR/client6.hook"
timeout 40 ip netns exec "$C" /sbin/dhclient -6 -1 -v -cf "$T_DIR/client6.conf" -sf "$T_DIR/client6.hook" \
    -lf "$T_DIR/client6.leases" -pf "$T_DIR/client6.pid" eth0 >"$T_DIR/client6.log" 2>&1 ||
    { tail -20 "$T_DIR/client6.log"; tail -20 "$T_DIR/daemon.log"; fail "the DHCPv6 client got no address"; }
# dhclient -1 stays in the background once bound; its pid file names it.
[ -s "$T_DIR/client6.pid" ] && T_PIDS+=("$(cat "$T_DIR/client6.pid")")
a=$(cat "$T_DIR/client6.addr" 2>/dev/null) || fail "the hook saw no address"
ula=$(cat "$T_DIR/state/ula-prefix"); ula_net=${ula%::/48}
# dnsmasq hands out one address per request, from one of the port's /64s.
python3 - "$a" "2001:db8:1::" "$ula_net:1::" <<'PY' || fail "DHCPv6 address $a outside ::1000-::ffff of the LAN's /64s"
import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
ok = any(ipaddress.ip_address(p + "1000") <= a <= ipaddress.ip_address(p + "ffff") for p in sys.argv[2:])
sys.exit(0 if ok else 1)
PY
pass "DHCPv6 (stateful) address $a"
# dig exits 9 while nothing answers yet (dnsmasq restarting after the
# lease, the address still tentative): under set -e that must not end the
# test, it is what the loop waits out.
got=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
    got=$(ip netns exec "$C" dig +short +time=2 +tries=2 @2001:db8:1::1 client6.lan AAAA) || got=""
    [ -n "$got" ] && break
    sleep 0.5
done
printf '%s\n' "$got" | grep -qx "$a" || fail "client6.lan AAAA: '$got', want $a among them"
pass "client6.lan AAAA: $(echo $got) (the lease's name, answered by the router)"
