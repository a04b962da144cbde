#!/usr/bin/env bash
# Multi-WAN failover and failback (issue 14, point 2): two DHCP WANs with
# health checks (interfaces.X.health: ICMP echo through each port to
# 198.51.100.200, which both ISPs serve). ISP1's upstream is black-holed
# (its link stays up, DHCP still answers, the probes go nowhere): within
# a few seconds wan1 is DOWN, its default route demoted, new connections
# leave through ISP2 and wan1's NATed connections are cut from conntrack;
# `status --json` shows it. ISP1 restored: wan1 is UP again and new
# connections fail back. No default route is ever missing meanwhile.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
. "$(dirname "$0")/wan-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v socat >/dev/null || skip "socat not installed"
command -v jq >/dev/null || skip "jq not installed"

MAC1=52:54:00:aa:01:02 MAC2=52:54:00:aa:02:02
cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan1: { match: { mac: "$MAC1" }, ipv4: dhcp,
          health: { targets: [198.51.100.200], interval: 1s, down: 3, up: 3 } }
  wan2: { match: { mac: "$MAC2" }, ipv4: dhcp, health: { targets: [198.51.100.200] } }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24 }
zones:
  wan: { interfaces: [wan1, wan2], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, services: [dns], forward: [wan] }
dns:
  upstream: ["203.0.113.1"]
YAML
two_isps_start

which() { nsx "$C" socat -T 3 - TCP:198.51.100.200:8080,connect-timeout=3 2>/dev/null || echo none; }
wan() { rctl status --json | jq -r --arg n "$1" ".wans[] | select(.name == \$n) | $2"; }
now() { date +%s.%N; }

wait_for 20 sh -c "[ \$(ip -n $R route show default | wc -l) -ge 2 ]" ||
    { tail -20 "$T_DIR/daemon.log"; fail "not two default routes"; }
wait_for 20 sh -c "[ \"\$(ip netns exec $R $NFTROUTER status --run-dir $T_DIR/run --json | jq -r '.wans[0].health.oks')\" -ge 3 ]" ||
    { rctl status --json | jq .wans; fail "wan1's probes do not succeed"; }
[ "$(wan wan1 .health.state)" = up ] && [ "$(wan wan2 .health.state)" = up ] || fail "not both up"
[ "$(wan wan1 .carrying)" = true ] || { rctl status --json | jq .wans; fail "wan1 (metric 0) not carrying"; }
[ "$(which)" = isp1 ] || fail "new connections do not leave through wan1"
pass "both WANs up (health checked), wan1 carries new connections"
conntrack_wan1() { ip netns exec "$R" conntrack -L -p tcp 2>/dev/null | grep -c 'dst=203.0.113.10 ' || true; }
[ "$(conntrack_wan1)" -gt 0 ] || fail "no conntrack entry NATed to wan1 to be cut later"

# Default routes sampled every 0.1 s for at most 60 s: never none.
( for _ in $(seq 600); do
      [ "$(ip -n "$R" route show default | wc -l)" -gt 0 ] || echo "missing at $(date +%T.%N)" >>"$T_DIR/route-missing"
      echo . >>"$T_DIR/route-samples"
      sleep 0.1
  done ) &
T_PIDS+=($!)

# Black-hole ISP1's upstream: its link, its DHCP, its router all stay.
t0=$(now)
ip -n "$I1" addr del 198.51.100.200/32 dev lo
ip -n "$I1" route add blackhole 198.51.100.200/32
wait_for 20 sh -c "[ \"\$(ip netns exec $C socat -T 2 - TCP:198.51.100.200:8080,connect-timeout=2 2>/dev/null)\" = isp2 ]" ||
    { tail -20 "$T_DIR/daemon.log"; ip -n "$R" route; fail "new connections never left through ISP2"; }
t1=$(now)
failover=$(echo "$t1 - $t0" | bc)
grep -q "wan1: health: DOWN after 3 failed round(s)" "$T_DIR/daemon.log" || fail "the transition is not logged"
[ "$(wan wan1 .health.state)" = down ] || fail "status does not say wan1 is down"
[ "$(wan wan2 .carrying)" = true ] || fail "status does not say wan2 carries"
rctl status | grep -E '^  wan1 +metric 0 +health down' >/dev/null || { rctl status; fail "status text does not say wan1 is down"; }
rctl status | grep -E '^  wan2 .*CARRYING NEW CONNECTIONS' >/dev/null || { rctl status; fail "status text does not say wan2 carries"; }
ip -n "$R" route show default | grep -q "via 203.0.113.1 dev wan1 proto dhcp metric 10000" ||
    { ip -n "$R" route; fail "wan1's route is not demoted (kept, metric 10000)"; }
wait_for 5 sh -c "[ \$(ip netns exec $R conntrack -L -p tcp 2>/dev/null | grep -c 'dst=203.0.113.10 ') -eq 0 ]" ||
    fail "connections NATed to wan1 are still in conntrack"
pass "ISP1 black-holed: new connections leave through ISP2 after ${failover}s; wan1 DOWN in status and log, its route demoted, its connections cut"

# A renewal on the down WAN keeps its route demoted (the hook reads RUN_DIR/health-wan1).
n=$(count "dhcp-hook: wan1: renew")
udhcpc_signal wan1 USR1
wait_more 20 "dhcp-hook: wan1: renew" "$n" || fail "wan1: no renewal"
ip -n "$R" route show default | grep -q "dev wan1 proto dhcp metric 10000" ||
    { ip -n "$R" route; fail "a renewal on the down WAN promoted its route"; }
[ "$(which)" = isp2 ] || fail "after wan1's renewal, new connections left ISP2"
pass "a DHCP renewal on the down WAN keeps its route demoted"

# ISP1 back: failback.
t0=$(now)
ip -n "$I1" route del blackhole 198.51.100.200/32
ip -n "$I1" addr add 198.51.100.200/32 dev lo
wait_for 20 sh -c "[ \"\$(ip netns exec $C socat -T 2 - TCP:198.51.100.200:8080,connect-timeout=2 2>/dev/null)\" = isp1 ]" ||
    { tail -20 "$T_DIR/daemon.log"; ip -n "$R" route; fail "new connections did not fail back to ISP1"; }
failback=$(echo "$(now) - $t0" | bc)
grep -q "wan1: health: UP after 3 good round(s)" "$T_DIR/daemon.log" || fail "the failback is not logged"
[ "$(wan wan1 .health.state)" = up ] && [ "$(wan wan1 .carrying)" = true ] || fail "status after the failback"
[ "$(wan wan1 .health.transitions)" = 2 ] || fail "status: wan1 transitions $(wan wan1 .health.transitions), want 2"
pass "ISP1 restored: wan1 UP, new connections back on ISP1 after ${failback}s"

[ ! -s "$T_DIR/route-missing" ] || { cat "$T_DIR/route-missing"; fail "a moment with no default route"; }
pass "no default route missing in any of $(wc -l <"$T_DIR/route-samples") samples taken every 0.1 s through failover and failback"
echo "measured: failover ${failover}s, failback ${failback}s (interval 1s, down 3, up 3)"
