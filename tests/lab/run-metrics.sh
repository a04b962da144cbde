#!/usr/bin/env bash
# The daemon's metrics endpoint (metrics: { listen }): curl scrapes it in
# the router's namespace, `promtool check metrics` (Debian's prometheus)
# validates the exposition, and the values follow real traffic: N pings
# LAN → ISP move the wan zone's egress counter and the lan port's receive
# counter by at least N; the LAN client's lease is counted in its range;
# a reload that drops `metrics` closes the port, one that adds it back
# opens it again; other paths get 404. dnsmasq's query counters: N new
# names through the router move `forwarded` and the upstream's count by
# at least N, N local names move `local` by at least N, and the daemon's
# own questions to dnsmasq are not counted as the clients'.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v curl >/dev/null || skip "curl not installed"
command -v promtool >/dev/null || skip "promtool not installed (Debian package prometheus)"

run_config
cp "$T_DIR/router.yaml" "$T_DIR/plain.yaml"
printf 'metrics: { listen: "127.0.0.1:9630" }\n' >>"$T_DIR/router.yaml"
cp "$T_DIR/router.yaml" "$T_DIR/with.yaml"
run_net
ip -n "$R" link set lo up
run_start
scrape() { ip netns exec "$R" curl -sS --max-time 5 -o "$1" -w '%{http_code} %{content_type}' http://127.0.0.1:9630/metrics; }

out=$(scrape "$T_DIR/m0") || fail "curl: $out; $(tail -5 "$T_DIR/daemon.log")"
case $out in "200 text/plain; version=0.0.4"*) ;; *) fail "reply: $out" ;; esac
promtool check metrics <"$T_DIR/m0" >"$T_DIR/promtool.out" 2>&1 ||
    fail "promtool check metrics: $(cat "$T_DIR/promtool.out")"
pass "GET /metrics: $out; promtool check metrics: clean ($(grep -c '^nftrouter_' "$T_DIR/m0") samples)"
hash=$(rctl status --json | jq -r .applied_hash)
grep -qx "nftrouter_config_info{hash=\"$hash\"} 1" "$T_DIR/m0" || fail "no config_info with hash $hash"
[ "$(metric "$T_DIR/m0" nftrouter_last_apply_success)" = 1 ] || fail "last_apply_success not 1"
[ -n "$(metric "$T_DIR/m0" nftrouter_conntrack_entries_limit)" ] || fail "no conntrack limit"
[ "$(metric "$T_DIR/m0" 'nftrouter_child_up{child="dnsmasq"}')" = 1 ] || fail "dnsmasq not up in metrics"
pass "config hash, last apply, conntrack limit and dnsmasq up are shown"

wait_for 20 sh -c "ip -n $R -4 addr show dev wan | grep -q 'inet 203\.0\.113\.'" ||
    fail "WAN got no address from DHCP"
client_lease "$C" eth0 client1 || fail "LAN client got no lease"
N=25
scrape "$T_DIR/m1" >/dev/null || fail "second scrape"
nsx "$C" ping -c "$N" -i 0.05 -q -s 500 203.0.113.1 >/dev/null || fail "LAN → ISP ping failed"
scrape "$T_DIR/m2" >/dev/null || fail "third scrape"
promtool check metrics <"$T_DIR/m2" >"$T_DIR/promtool.out" 2>&1 ||
    fail "promtool check metrics after traffic: $(cat "$T_DIR/promtool.out")"
for s in 'nftrouter_zone_packets_total{zone="wan",direction="egress"}' \
    'nftrouter_zone_packets_total{zone="wan",direction="ingress"}' \
    'nftrouter_port_receive_packets_total{port="lan"}' \
    'nftrouter_port_transmit_packets_total{port="wan"}'; do
    a=$(metric "$T_DIR/m1" "$s"); b=$(metric "$T_DIR/m2" "$s")
    [ -n "$a" ] && [ -n "$b" ] || fail "no sample $s"
    [ $((b - a)) -ge "$N" ] || fail "$s moved $a → $b for $N pings"
    echo "  $s: $a → $b"
done
pass "$N pings LAN → ISP: the wan zone counters and the lan/wan port counters each moved by >= $N"
[ "$(metric "$T_DIR/m2" 'nftrouter_dhcp_leases{range="lan"}')" = 1 ] || fail "lan range leases: $(grep dhcp_leases "$T_DIR/m2")"
[ "$(metric "$T_DIR/m2" 'nftrouter_dhcp_range_addresses{range="lan"}')" = 41 ] || fail "lan range size"
[ "$(metric "$T_DIR/m2" 'nftrouter_dhcp_client_bound{port="wan"}')" = 1 ] || fail "WAN DHCP not bound in metrics"
pass "lan range: 1 lease of 41 addresses; WAN DHCP client bound"
# The ISP leases for 1h: the lease ends within the hour after it was bound.
end=$(metric "$T_DIR/m2" 'nftrouter_dhcp_client_lease_expiry_timestamp_seconds{port="wan"}')
now=$(date +%s)
[ -n "$end" ] && [ "$end" -gt "$now" ] && [ "$end" -le $((now + 3600)) ] ||
    fail "WAN lease expiry '$end' is not within the hour after now ($now)"
pass "WAN lease ends in $((end - now)) s (the ISP leases for 1h)"

# DNS: dnsmasq's own counters, which the daemon asks it for (CHAOS TXT
# on 127.0.0.153) every 10 s and after each scrape; a scrape shows the
# last answers, so dns_fresh polls until a read newer than the queries.
local_q='nftrouter_dns_queries_total{result="local"}'
fwd_q='nftrouter_dns_queries_total{result="forwarded"}'
up_q='nftrouter_dns_upstream_queries_total{upstream="203.0.113.1#53"}'
dns_fresh "$T_DIR/d0" || fail "no fresh DNS counters: $(grep nftrouter_dns "$T_DIR/d0"; tail -5 "$T_DIR/daemon.log")"
# The ISP answers every name under example.test with TTL 0 (nothing to
# cache): N new names are N forwarded queries. Names under the local
# domain (lan) and the router's own name are answered by dnsmasq itself.
for i in $(seq "$N"); do
    a=$(nsx "$C" dig +short +time=3 +tries=2 "@192.168.100.1" "n$i.example.test") || a=""
    [ "$a" = 203.0.113.80 ] || fail "dig n$i.example.test through the router: '$a'"
    nsx "$C" dig +short +time=3 +tries=2 "@192.168.100.1" router.lan >/dev/null || fail "dig router.lan"
done
dns_fresh "$T_DIR/d1" || fail "no fresh DNS counters after the queries"
for s in "$local_q" "$fwd_q" "$up_q"; do
    a=$(metric "$T_DIR/d0" "$s"); b=$(metric "$T_DIR/d1" "$s")
    [ -n "$a" ] && [ -n "$b" ] || fail "no sample $s: $(grep nftrouter_dns "$T_DIR/d1")"
    [ $((b - a)) -ge "$N" ] || fail "$s moved $a → $b for $N queries"
    echo "  $s: $a → $b"
done
promtool check metrics <"$T_DIR/d1" >"$T_DIR/promtool.out" 2>&1 ||
    fail "promtool check metrics with DNS counters: $(cat "$T_DIR/promtool.out")"
pass "$N new names: forwarded and upstream 203.0.113.1 moved by >= $N; $N local names: local moved by >= $N"
# status shows the same counters (the daemon's last read).
st=$(rctl status --json) || fail "status --json"
jq -e --argjson n "$N" '.daemon.dns.local >= $n and .daemon.dns.forwarded >= $n and .daemon.dns.time > 0' \
    <<<"$st" >/dev/null || fail "status --json: daemon.dns $(jq -c .daemon.dns <<<"$st")"
rctl status | grep -q '^dns: [0-9]* queries answered locally, [0-9]* forwarded upstream' ||
    fail "status text: no dns line: $(rctl status)"
pass "status: $(rctl status | grep '^dns: ')"
# The daemon's own questions (6 each round) are not the clients': with no
# client asking, local stays exactly where it was over more rounds.
dns_fresh "$T_DIR/d2" || fail "no fresh DNS counters (third)"
for s in "$local_q" "$fwd_q"; do
    [ "$(metric "$T_DIR/d1" "$s")" = "$(metric "$T_DIR/d2" "$s")" ] ||
        fail "$s moved with no client asking: $(metric "$T_DIR/d1" "$s") → $(metric "$T_DIR/d2" "$s")"
done
pass "no client queries: local and forwarded unchanged across the daemon's own rounds"
# dnsmasq answers on its statistics address only, not on 127.0.0.1 (except-interface=lo).
expect_fail nsx "$R" dig +short +time=1 +tries=1 @127.0.0.1 chaos txt hits.bind >/dev/null ||
    fail "dnsmasq answers on 127.0.0.1"
pass "dnsmasq does not answer on 127.0.0.1"

code=$(ip netns exec "$R" curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:9630/nope)
[ "$code" = 404 ] || fail "GET /nope: $code"
code=$(ip netns exec "$R" curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:9630/metrics)
[ "$code" = 405 ] || fail "POST /metrics: $code"
pass "GET /nope: 404, POST /metrics: 405"

cp "$T_DIR/plain.yaml" "$T_DIR/router.yaml"
rctl reload >/dev/null || fail "reload without metrics"
expect_fail ip netns exec "$R" curl -s --max-time 3 -o /dev/null http://127.0.0.1:9630/metrics ||
    fail "the endpoint still answers after metrics was dropped"
cp "$T_DIR/with.yaml" "$T_DIR/router.yaml"
rctl reload >/dev/null || fail "reload with metrics"
scrape "$T_DIR/m3" >/dev/null || fail "no endpoint after metrics came back"
[ "$(metric "$T_DIR/m3" nftrouter_reloads_total)" = 2 ] || fail "reloads_total: $(metric "$T_DIR/m3" nftrouter_reloads_total)"
pass "reload without metrics closes the endpoint, with it opens it again (reloads_total 2)"
