#!/usr/bin/env bash
# The body of tests/lab/vm-flowtable.sh, run as root in the guest kernel
# (which has nftables flowtables) by scripts/vm-run: `offload: software`
# applied by the real nftrouter.
#
#   S (WAN server)  up0 203.0.113.1 ── eth1 wan ┐
#                                           router R (203.0.113.2, masquerade)
#   C (LAN client)  eth0 192.168.100.10 ── eth2 lan ┘ (+ VLAN iot on lan,
#                                               + optional port opt, absent first)
#
# Checks: the flowtable loads although the optional port is missing, and
# names the VLAN the ports step made; a port that appears joins it on the
# next apply and one that goes does not break the next apply; a forwarded
# TCP flow shows [OFFLOAD] in conntrack; zone traffic (nftrouter counters)
# and conntrack's per-flow counters still count it; a ban element alone
# does not stop an offloaded flow (the fast path skips the ban chain),
# `nftrouter ban` does (it cuts conntrack); a port-forward (DNAT) flow is
# offloaded and works; under the daemon, a hot-plugged port joins the
# flowtable. Then bench/offload.sh measures paired throughput with and
# without offload.
. "$(dirname "$0")/lib.sh"
modprobe 8021q
modprobe nf_flow_table_inet 2>/dev/null || true

R=$(netns r); S=$(netns s); C=$(netns c); O=$(netns o)
MAC_WAN=52:54:00:f1:00:01 MAC_LAN=52:54:00:f1:00:02 MAC_OPT=52:54:00:f1:00:03
veth "$R" eth1 "$S" up0 "$MAC_WAN"
veth "$R" eth2 "$C" eth0 "$MAC_LAN"
ip -n "$S" addr add 203.0.113.1/24 dev up0
ip -n "$C" addr add 192.168.100.10/24 dev eth0
ip -n "$C" route add default via 192.168.100.1
STATE=$T_DIR/state RUN=$T_DIR/run
napply() { ip netns exec "$R" "$NFTROUTER" "$1" --state-dir "$STATE" --run-dir "$RUN" "${@:2}"; }

cat >"$T_DIR/router.yaml" <<YAML
hostname: fast
offload: software
interfaces:
  wan: { match: { mac: "$MAC_WAN" }, ipv4: 203.0.113.2/24 }
  lan: { match: { mac: "$MAC_LAN" }, ipv4: 192.168.100.1/24 }
  iot: { vlan: { parent: lan, id: 20 }, ipv4: 192.168.20.1/24 }
  opt: { match: { mac: "$MAC_OPT" }, ipv4: 192.168.30.1/24, optional: true }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop, counters: true }
  lan: { interfaces: [lan, iot, opt], input: accept, forward: [wan] }
port-forwards:
  - { name: iperf, from: wan, tcp: 8080, to: "192.168.100.10:5201" }
YAML

"$NFTROUTER" check -c "$T_DIR/router.yaml" >"$T_DIR/check.out" 2>&1 ||
    { cat "$T_DIR/check.out"; fail "check refused the config in the guest kernel"; }
napply apply -c "$T_DIR/router.yaml" || fail "apply with offload exited $?"
ft() { nsx "$R" nft list flowtable inet nftrouter ft; }
ft_has() { ft | grep -E "devices = \{.*\b$1\b" >/dev/null; }
ft | sed 's/^/  | /'
ft_has wan && ft_has lan || fail "the flowtable lacks wan or lan"
ft_has iot || fail "the VLAN iot (made by the ports step) is not in the flowtable"
if ft_has opt; then fail "the flowtable names opt, which does not exist"; fi
pass "apply: flowtable ft over wan, lan and the new VLAN iot; the missing optional port opt left out"

veth "$R" eth3 "$O" x0 "$MAC_OPT"
napply apply -c "$T_DIR/router.yaml" || fail "apply after opt appeared exited $?"
ft_has opt || fail "opt appeared (renamed by apply) but is not in the flowtable: $(ft)"
pass "port opt appeared: the next apply renamed it and added it to the flowtable"
ip -n "$R" link del opt
if ft_has opt; then fail "opt is gone but the flowtable still names it"; fi
napply apply -c "$T_DIR/router.yaml" || fail "apply after opt went away exited $?"
pass "port opt went away: it left the flowtable, and the next apply still loads"

# --- a forwarded TCP flow, offloaded ------------------------------------
rx() { nsx "$S" cat /sys/class/net/up0/statistics/rx_bytes; }
bg nsx "$S" iperf3 -s -B 203.0.113.1 -p 5201 >"$T_DIR/server.out" 2>&1
wait_for 10 nsx "$S" sh -c 'ss -ltn | grep -q ":5201 "' || fail "iperf3 server did not start"
bg timeout 120 ip netns exec "$C" iperf3 -c 203.0.113.1 -p 5201 -t 100 -b 200M >"$T_DIR/client.out" 2>&1
offloaded() { nsx "$R" conntrack -L -p tcp --dport 5201 2>/dev/null | grep -q "dst=203.0.113.1.*OFFLOAD"; }
wait_for 30 offloaded || { nsx "$R" conntrack -L; fail "the forwarded TCP flow never showed [OFFLOAD]"; }
nsx "$R" conntrack -L -p tcp --dport 5201 2>/dev/null | sed 's/^/  | /'
pass "a forwarded TCP flow (192.168.100.10 -> 203.0.113.1:5201) is [OFFLOAD] in conntrack"

# Zone traffic (`nftrouter counters`) is the links' own statistics: it
# counts the fast path too. The server's receive counter is the reference.
wanout() { napply counters | awk '$1 == "wan" && $2 == "egress" { print $4 }'; }
eg0=$(wanout); r0=$(rx); sleep 2; r1=$(rx); eg1=$(wanout)
[ $((r1 - r0)) -gt 1000000 ] || fail "the offloaded flow carried only $((r1 - r0)) bytes in 2 s"
[ $((eg1 - eg0)) -ge $(((r1 - r0) * 9 / 10)) ] ||
    fail "zone traffic wan-egress grew by $((eg1 - eg0)) bytes while the server received $((r1 - r0))"
pass "2 s of the offloaded flow: $((r1 - r0)) bytes reached the server, zone traffic wan-egress +$((eg1 - eg0)) (nftrouter counters counts the fast path)"

# conntrack's own counters (accounting on: render sysctl) do count it,
# through the flowtable's counter: the data stream is the busiest entry.
ctbytes() {
    nsx "$R" conntrack -L -p tcp --dport 5201 -d 203.0.113.1 2>/dev/null |
        sed -n 's/.* bytes=\([0-9]*\) .*dst=203.0.113.2 .*/\1/p' | sort -n | tail -n 1
}
c0=$(ctbytes); sleep 2; c1=$(ctbytes)
[ -n "$c0" ] && [ -n "$c1" ] || fail "conntrack shows no byte counts (nf_conntrack_acct): $(nsx "$R" conntrack -L)"
[ $((c1 - c0)) -gt 1000000 ] || fail "conntrack's counters grew by $((c1 - c0)) bytes in 2 s of an offloaded flow"
pass "conntrack's per-flow counters keep counting the offloaded flow (+$((c1 - c0)) bytes in 2 s)"

# Why a ban must cut conntrack: the ban set alone is not enough, since
# offloaded packets never reach the ban table's prerouting chain.
nsx "$R" nft add element inet nftrouter_bans blackhole4 '{ 203.0.113.1 }'
sleep 2; r0=$(rx); sleep 2; r1=$(rx)
nsx "$R" nft delete element inet nftrouter_bans blackhole4 '{ 203.0.113.1 }'
[ $((r1 - r0)) -gt 1000000 ] ||
    fail "a ban element alone stopped the offloaded flow ($((r1 - r0)) bytes): the control is void"
pass "control: with 203.0.113.1 in the ban set but conntrack untouched, the offloaded flow went on ($((r1 - r0)) bytes in 2 s)"

napply ban 203.0.113.1 --for 1h || fail "ban exited $?"
gone() { ! offloaded; }
wait_for 10 gone || fail "the banned peer's flow is still offloaded after 10 s"
sleep 2; r0=$(rx); sleep 3; r1=$(rx)
[ $((r1 - r0)) -lt 20000 ] || fail "$((r1 - r0)) bytes reached the banned peer in 3 s after the ban"
pass "nftrouter ban 203.0.113.1: its conntrack entry cut, the flow left the flowtable, $((r1 - r0)) bytes in 3 s after"
napply unban 203.0.113.1 || fail "unban exited $?"

# --- a port forward (DNAT), offloaded -----------------------------------
bg nsx "$C" iperf3 -s -B 192.168.100.10 -p 5201 >"$T_DIR/server2.out" 2>&1
wait_for 10 nsx "$C" sh -c 'ss -ltn | grep -q ":5201 "' || fail "LAN iperf3 server did not start"
timeout 60 ip netns exec "$S" iperf3 -c 203.0.113.2 -p 8080 -t 8 -f m >"$T_DIR/dnat.out" 2>&1 &
dnat=$!
dnat_off() { nsx "$R" conntrack -L -p tcp --dport 8080 2>/dev/null | grep -q "OFFLOAD"; }
wait_for 20 dnat_off || { nsx "$R" conntrack -L; fail "the port-forward flow never showed [OFFLOAD]"; }
wait "$dnat" || { cat "$T_DIR/dnat.out"; fail "iperf3 through the port forward failed"; }
grep receiver "$T_DIR/dnat.out" | sed 's/^/  | /'
pass "port forward wan:8080 -> 192.168.100.10:5201: the DNAT flow is [OFFLOAD] and carries data"

# --- the daemon's hot-plug: a port that appears joins the flowtable ------
ip -n "$R" link del opt 2>/dev/null || true
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/router.yaml" --state-dir "$STATE" --run-dir "$RUN" \
    >>"$T_DIR/daemon.log" 2>&1 &
T_PIDS+=($!)
wait_for 60 grep -q 'nftrouter: ready' "$T_DIR/daemon.log" || { cat "$T_DIR/daemon.log"; fail "the daemon did not start"; }
if ft_has opt; then fail "opt is absent but in the flowtable after the daemon's apply"; fi
veth "$R" eth3 "$O" x1 "$MAC_OPT"
wait_for 30 ft_has opt || { cat "$T_DIR/daemon.log"; fail "hot-plugged opt never joined the flowtable: $(ft)"; }
pass "the daemon's hot-plug: opt appeared as eth3, was renamed and joined the flowtable ($(ft | grep devices | tr -s '\t ' ' '))"

# --- paired throughput, with and without offload ------------------------
NFTROUTER=$NFTROUTER bash "$NFTROUTER_SRCDIR/bench/offload.sh" -n "${FT_PAIRS:-5}" -t "${FT_SECS:-3}" |
    tee "$T_DIR/bench.out"
grep -q '^offload/plain ' "$T_DIR/bench.out" || fail "bench/offload.sh printed no ratio"
pass "bench/offload.sh: $(grep '^offload/plain ' "$T_DIR/bench.out")"
