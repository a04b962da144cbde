#!/usr/bin/env bash
# nftrouter run with `dns: { upstream: [] }`: the DNS servers the WAN's
# DHCP client learns become dnsmasq's upstreams (dnsmasq is restarted with
# them; nothing else is), and a LAN client resolves through them. The
# host's /etc/resolv.conf is never written. status shows the WAN's last
# DHCP event as the hook reported it, a failure included.
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

# The daemon keeps each DHCP port's last event as its hook reported it:
# a success from the real hook above, then a failure (what the hook sends
# when it refuses a lease) is shown by status and changes nothing else.
wan_dhcp() { rctl status --json | jq -c '.wans[] | select(.name == "wan") | .dhcp'; }
wan_dhcp | jq -e '.ok == true and (.event | test("^(bound|renew)$")) and .error == null and .time > 0' >/dev/null ||
    fail "status after a good lease: wan dhcp = $(wan_dhcp)"
conf_before=$(sha256sum <"$T_DIR/run/dnsmasq.conf")
sock="$T_DIR/run/nftrouter.sock"
r=$(printf 'dhcp-event wan renew error lease refused (from server 203.0.113.1): router 0.0.0.0 is not usable\n' |
    ip netns exec "$R" socat -t 5 - "UNIX-CONNECT:$sock")
[ "$r" = '{"ok":true}' ] || fail "dhcp-event error: '$r'"
wan_dhcp | jq -e '.ok == false and .event == "renew" and (.error | test("router 0.0.0.0 is not usable"))' >/dev/null ||
    fail "status after a failed event: $(wan_dhcp)"
rctl status | grep -q "last DHCP event: renew FAILED .*router 0.0.0.0 is not usable" || fail "status text: $(rctl status)"
grep -q "wan: DHCP renew failed: lease refused" "$T_DIR/daemon.log" || fail "failure not logged"
[ "$(sha256sum <"$T_DIR/run/dnsmasq.conf")" = "$conf_before" ] || fail "a failed event changed dnsmasq's config"
r=$(printf 'dhcp-event wan renew maybe\n' | ip netns exec "$R" socat -t 5 - "UNIX-CONNECT:$sock")
echo "$r" | grep -q '"ok":false,"error":"usage: dhcp-event' || fail "bad dhcp-event accepted: '$r'"
pass "status shows the WAN's last DHCP event: ok from the hook, then a reported failure: $(wan_dhcp | jq -r .error)"
