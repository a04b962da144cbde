#!/usr/bin/env bash
# The firewall log: with `log: true` on the wan zone (input: drop), a TCP
# SYN from the lab's ISP to the router's WAN address is dropped and shows
# in `nftrouter log --json` with rule zone:wan:input, the line of the
# zone's `log` key, in=wan/zone wan, the ISP's address and the port,
# within a second; a `rules` entry with `log` shows under its own name
# and line; the text form and the daemon's own log have the line;
# `log --follow` prints an event sent after it started; the metrics'
# nftrouter_log_events_total counts at least the events the ring shows;
# a flood of 100 logged packets in a second (a rule whose own limit lets
# them all through) is all in the ring, but the daemon's log has at most
# 20 lines a second of it and says how many it left out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v curl >/dev/null || skip "curl not installed"

run_config
# The wan zone logs its drops; a rule drops and logs tcp/2223 from wan.
sed -i 's/^  wan: { interfaces: \[wan\], masquerade: true, input: drop, counters: true }$/  wan: { interfaces: [wan], masquerade: true, input: drop, counters: true,\n         log: true }/' "$T_DIR/router.yaml"
cat >>"$T_DIR/router.yaml" <<'YAML'
rules:
  - name: knock
    from: wan
    tcp: 2223
    log: "knock: "
    action: drop
  - name: flood
    from: wan
    udp: 2225
    log: "flood: "
    log-rate: 10000/second
    log-burst: 10000
    action: drop
metrics: { listen: "127.0.0.1:9631" }
YAML
zone_line=$(grep -n '^         log: true }$' "$T_DIR/router.yaml" | cut -d: -f1)
rule_line=$(grep -n '^  - name: knock$' "$T_DIR/router.yaml" | cut -d: -f1)
[ -n "$zone_line" ] && [ -n "$rule_line" ] || fail "could not make the test config"
run_net
ip -n "$R" link set lo up
run_start
wait_for 20 sh -c "ip -n $R -4 addr show dev wan | grep -q 'inet 203\.0\.113\.'" ||
    fail "WAN got no address from DHCP"
wan=$(ip -n "$R" -4 -o addr show dev wan | awk '{print $4}' | cut -d/ -f1)

# syn PORT: one connection attempt from the ISP to the router's WAN address.
syn() { ip netns exec "$I" timeout 2 bash -c "exec 3<>/dev/tcp/$wan/$1" 2>/dev/null || true; }
# found JQ-FILTER: true when an event matches.
found() { rctl log --json -n 0 | jq -se "any(.[]; $1)" >/dev/null 2>&1; }

t0=$(date +%s%N)
syn 2222 &
sp=$!
T_PIDS+=("$sp")
sel=".rule == \"zone:wan:input\" and .dport == 2222 and .src == \"203.0.113.1\""
arrived=
for _ in $(seq 1 50); do
    if found "$sel"; then arrived=$(date +%s%N); break; fi
    sleep 0.05
done
[ -n "$arrived" ] || { cat "$T_DIR/daemon.log"; fail "the blocked SYN never showed in nftrouter log"; }
rctl log --json -n 0 | jq -se "[.[] | select($sel)][0]" >"$T_DIR/ev.json"
# From the kernel's timestamp of the dropped packet to the poll that saw
# it (the poll's own cost included; the spawn of the sender is not).
ev_ns=$(date -d "$(jq -r .time "$T_DIR/ev.json")" +%s%N)
ms=$(((arrived - ev_ns) / 1000000))
echo "  sender spawned → seen: $(((arrived - t0) / 1000000)) ms; packet dropped → seen: $ms ms"
[ "$ms" -le 1000 ] || fail "the event showed ${ms} ms after the packet was dropped, not within a second"
jq -e --argjson l "$zone_line" --arg w "$wan" \
    '.line == $l and .in == "wan" and .in_zone == "wan" and .out == "" and .proto == "tcp" and .dst == $w' \
    "$T_DIR/ev.json" >/dev/null || fail "event fields: $(cat "$T_DIR/ev.json") (want line $zone_line)"
pass "SYN from the ISP to $wan:2222 logged in ${ms} ms: rule zone:wan:input line $zone_line, in wan/wan"

syn 2223
wait_for 10 found ".rule == \"knock\" and .dport == 2223" || fail "the knock rule's drop is not logged"
rctl log --json -n 0 | jq -se "[.[] | select(.rule == \"knock\")][0]" >"$T_DIR/ev2.json"
jq -e --argjson l "$rule_line" '.line == $l' "$T_DIR/ev2.json" >/dev/null ||
    fail "knock event: $(cat "$T_DIR/ev2.json") (want line $rule_line)"
# Other packets the zone drops (the ISP's router solicitations) may come
# in between: pick the knock line.
rctl log -n 0 >"$T_DIR/all" || fail "log (text) exited $?"
grep ' rule=knock ' "$T_DIR/all" | tail -1 >"$T_DIR/text"
grep -Eq "^[0-9T:.-]+Z rule=knock line=$rule_line in=wan/wan out=- proto=tcp src=203\.0\.113\.1:[0-9]+ dst=$wan:2223 len=[0-9]+$" "$T_DIR/text" ||
    fail "text line: $(cat "$T_DIR/text")"
grep -q "nftrouter: fw: .* rule=knock line=$rule_line " "$T_DIR/daemon.log" || fail "not in the daemon's log"
pass "rule knock (line $rule_line): $(cat "$T_DIR/text")"

rctl log --follow -n 0 >"$T_DIR/follow" 2>&1 &
fp=$!
T_PIDS+=("$fp")
wait_for 10 grep -q 'rule=knock' "$T_DIR/follow" || fail "--follow printed nothing of the ring"
syn 2224
wait_for 10 grep -q 'dst=[0-9.]*:2224 ' "$T_DIR/follow" || fail "--follow did not print the new event: $(cat "$T_DIR/follow")"
kill "$fp"
pass "log --follow printed an event that came after it started"

[ "$(rctl log -n 0 | wc -l)" -ge 3 ] || fail "fewer than 3 events"
expect_fail rctl log -n 9999 2>/dev/null || fail "-n 9999 accepted"
pass "-n over the ring's size refused"

# The flood: 100 datagrams from one bash (no process per packet), then
# one more after the second is over, which makes the daemon write the
# count of what it left out of that second.
ip netns exec "$I" bash -c "for i in \$(seq 100); do echo \$i >/dev/udp/$wan/2225; done"
flood_n() { rctl log --json -n 0 | jq -s '[.[] | select(.rule == "flood")] | length'; }
all_flooded() { [ "$(flood_n)" -ge 100 ]; }
wait_for 10 all_flooded || fail "the ring has $(flood_n) of the 100 flood events"
sleep 1.1
syn 2226
wait_for 10 grep -q 'more event(s) in that second not logged' "$T_DIR/daemon.log" ||
    fail "no 'not logged' line after the flood: $(grep -c 'rule=flood' "$T_DIR/daemon.log") flood lines logged"
logged=$(grep -c 'nftrouter: fw: .* rule=flood ' "$T_DIR/daemon.log")
left=$(sed -n 's/.*fw: \([0-9]*\) more event(s) in that second not logged.*/\1/p' "$T_DIR/daemon.log" | awk '{ s += $1 } END { print s + 0 }')
[ "$logged" -ge 1 ] && [ "$logged" -le 40 ] || fail "$logged flood lines in the daemon's log (at most 20 a second, the flood spans at most 2)"
[ $((logged + left)) -ge 100 ] || fail "logged $logged + left out $left < 100 flood events"
pass "flood of 100: all 100 in the ring; the daemon's log has $logged lines and says $left left out"

n=$(rctl log -n 0 | wc -l)
m=$(ip netns exec "$R" curl -s --max-time 5 http://127.0.0.1:9631/metrics | awk '$1 == "nftrouter_log_events_total" { print $2 }')
[ -n "$m" ] && [ "$m" -ge "$n" ] || fail "nftrouter_log_events_total '$m' < $n events in the ring"
pass "metrics: nftrouter_log_events_total $m >= $n events shown"
