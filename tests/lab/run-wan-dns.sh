#!/usr/bin/env bash
# nftrouter run with `dns: { upstream: [] }`: the DNS servers the WAN's
# DHCP client learns become dnsmasq's upstreams (dnsmasq is restarted with
# them; nothing else is), and a LAN client resolves through them. The
# host's /etc/resolv.conf is never written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v dig >/dev/null || skip "dig not installed"

resolv_before=$(sha256sum /etc/resolv.conf 2>/dev/null || echo none)
run_config '[]'
run_net
run_start
wait_for 20 grep -q '^server=203.0.113.1' "$T_DIR/run/dnsmasq.conf" ||
    { cat "$T_DIR/daemon.log"; fail "learned DNS server not in dnsmasq.conf"; }
grep -qE "wan: DHCP (bound|renew), 1 DNS server\(s\) learned" "$T_DIR/daemon.log" || fail "not logged"
pass "DNS server learned on wan is dnsmasq's upstream"
client_lease "$C" eth0 client1 || fail "no lease"
a=$(ip netns exec "$C" dig +short +time=3 +tries=2 @192.168.100.1 www.example.test A)
[ "$a" = 203.0.113.80 ] || { cat "$T_DIR/daemon.log"; fail "www.example.test = '$a'"; }
pass "LAN client resolves through the learned server: www.example.test = $a"
[ "$(sha256sum /etc/resolv.conf 2>/dev/null || echo none)" = "$resolv_before" ] || fail "/etc/resolv.conf changed"
pass "/etc/resolv.conf untouched"

# Carrier lost and back on the WAN: logged, and udhcpc is asked to renew
# (SIGUSR1) at once instead of waiting for its timers.
n0=$(grep -c 'dhcp-hook: wan: \(bound\|renew\)' "$T_DIR/daemon.log" || true)
ip -n "$I" link set up0 down
wait_for 5 grep -q "port wan: carrier lost" "$T_DIR/daemon.log" || fail "WAN carrier loss not seen"
ip -n "$I" link set up0 up
wait_for 5 grep -q "port wan: carrier back" "$T_DIR/daemon.log" || fail "WAN carrier return not seen"
wait_for 15 sh -c "[ \$(grep -c 'dhcp-hook: wan: \(bound\|renew\)' $T_DIR/daemon.log) -gt $n0 ]" ||
    { tail -20 "$T_DIR/daemon.log"; fail "no renew after the carrier came back"; }
pass "WAN carrier lost and back: logged, lease renewed at once"
