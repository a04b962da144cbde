#!/usr/bin/env bash
# interfaces.wan.shaping on this host's kernel, which has HTB, the ingress
# qdisc, IFB, u32 and mirred but neither CAKE nor fq_codel: check names the
# fallback at the shaping line; apply makes HTB (+ pfifo) on wan's egress
# and, through ifb-wan (ingress qdisc + u32 mirred redirect), on its
# ingress; real TCP traffic through the router is held to the rates both
# ways; diff lists shaping changes per direction; status shows the qdiscs and their counters; an unchanged re-apply
# leaves them (counters keep counting); a failed apply puts the old
# shaping back; removing the key removes everything, and the same traffic
# then runs far above the rates; the daemon shapes, reshapes and removes on
# reload. (vm-cake.sh does CAKE in the guest.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"
command -v iperf3 >/dev/null || skip "iperf3 not installed (scripts/deps installs it)"
command -v jq >/dev/null || skip "jq not installed (scripts/deps installs it)"

EG=8 IN=12 # Mbit/s: well within what a loaded 2-core host forwards
shaped() { sed "s|ipv4: 203.0.113.1/24, mtu: 1500 }|ipv4: 203.0.113.1/24, mtu: 1500, shaping: $1 }|" \
    "$T_DIR/base.yaml" >"$2"; }
shaped "{ egress: ${EG}mbit, ingress: ${IN}mbit, overhead: ethernet }" "$T_DIR/shaped.yaml"
shaped "{ egress: 4mbit }" "$T_DIR/other.yaml"

# check: valid, and the fallback named with the line (CAKE found: say so).
nsx "$R" "$NFTROUTER" check -c "$T_DIR/shaped.yaml" >"$T_DIR/check.out" 2>&1 || { cat "$T_DIR/check.out"; fail "check failed"; }
cat "$T_DIR/check.out"
if grep -q "shaping with cake" "$T_DIR/check.out"; then
    backend=cake
else
    grep -qE "shaped.yaml:3:[0-9]+: warning: interface 'wan': shaping: this kernel has no CAKE \(sch_cake\)" \
        "$T_DIR/check.out" || fail "check does not name the missing CAKE at the shaping line"
    backend=htb
fi
pass "check: $(grep -o "shaping with [a-z_+]*" "$T_DIR/check.out" | tail -1)"

napply apply -c "$T_DIR/shaped.yaml" 2>"$T_DIR/apply.err" || { cat "$T_DIR/apply.err"; fail "apply exited $?"; }
[ "$backend" = cake ] || grep -q "no CAKE" "$T_DIR/apply.err" || fail "apply does not say it falls back"
tc -n "$R" qdisc show dev wan | grep -q "^qdisc $backend 4e46: root" || fail "no $backend root on wan: $(tc -n "$R" qdisc show dev wan)"
tc -n "$R" qdisc show dev wan | grep -q "^qdisc ingress ffff:" || fail "no ingress qdisc on wan"
tc -n "$R" filter show dev wan ingress | grep -q "mirred (Egress Redirect to device ifb-wan)" ||
    fail "no redirect to ifb-wan: $(tc -n "$R" filter show dev wan ingress)"
tc -n "$R" qdisc show dev ifb-wan | grep -q "^qdisc $backend 4e46: root" || fail "no $backend root on ifb-wan"
if [ "$backend" = htb ]; then
    tc -n "$R" class show dev wan | grep -q "rate ${EG}Mbit" || fail "wan class: $(tc -n "$R" class show dev wan)"
    tc -n "$R" class show dev ifb-wan | grep -q "rate ${IN}Mbit" || fail "ifb-wan class"
fi
pass "apply made $backend on wan's egress and, via ifb-wan, its ingress"

# Real traffic, each way, through the router (LAN host <-> WAN host).
bg ip netns exec "$W" iperf3 -s -p 5201
wait_for 10 sh -c "ip netns exec $W ss -ltn | grep -q ':5201 '" || fail "iperf3 server not up"
mbit() { # mbit ARGS...: iperf3 from the LAN host, the receiver's Mbit/s
    local j
    j=$(ip netns exec "$L" iperf3 -c 203.0.113.2 -p 5201 -J "$@") || { echo "$j" >&2; return 1; }
    echo "$j" | jq -r '.end.sum_received.bits_per_second / 1000000 | floor'
}
up=$(mbit -t 5 -O 1) || fail "upload failed"
down=$(mbit -t 5 -O 1 -R) || fail "download failed"
echo "upload $up Mbit/s (egress $EG), download $down Mbit/s (ingress $IN)"
# Held to the rate (10 % over at most: the receiver's count of a 5 s run);
# not far under it either (the shaper, not the machine, is the limit).
[ "$up" -le $((EG * 11 / 10)) ] && [ "$up" -ge $((EG * 6 / 10)) ] || fail "upload $up Mbit/s, shaped to $EG"
[ "$down" -le $((IN * 11 / 10)) ] && [ "$down" -ge $((IN * 6 / 10)) ] || fail "download $down Mbit/s, shaped to $IN"
pass "traffic held to the rates: up $up/$EG, down $down/$IN Mbit/s"

napply status --json -c "$T_DIR/shaped.yaml" >"$T_DIR/status.json"
sent=$(jq '.shaping[0].egress.sent_bytes' "$T_DIR/status.json")
[ "$(jq -r '.shaping[0].egress.qdisc' "$T_DIR/status.json")" != "" ] || fail "status: no egress qdisc"
[ "$sent" -gt 1000000 ] || fail "status: egress sent only $sent bytes after an upload"
[ "$(jq '.shaping[0].ingress.sent_bytes' "$T_DIR/status.json")" -gt 1000000 ] || fail "status: ingress counters"
[ "$(jq -r '.shaping[0].ingress.device' "$T_DIR/status.json")" = ifb-wan ] || fail "status: ingress device"
[ "$backend" = cake ] || [ "$(jq '.shaping[0].egress.fallback' "$T_DIR/status.json")" = true ] || fail "status: fallback not said"
napply status -c "$T_DIR/shaped.yaml" | sed -n '/^shaping:/,/^daemon/p'
napply status -c "$T_DIR/shaped.yaml" | grep -qE "^  wan +egress +${EG}mbit $backend" || fail "status text: no egress line"
pass "status shows both directions' qdiscs and counters (egress sent $sent bytes)"

# Unchanged re-apply: nothing remade, so the counters go on.
napply apply -c "$T_DIR/shaped.yaml" 2>/dev/null || fail "re-apply exited $?"
again=$(napply status --json -c "$T_DIR/shaped.yaml" | jq '.shaping[0].egress.sent_bytes')
[ "$again" -ge "$sent" ] || fail "re-apply remade the qdisc (sent $sent -> $again)"
pass "unchanged re-apply leaves the qdiscs (counter $sent -> $again)"

# diff: nothing for the applied config; per direction for another.
napply diff -c "$T_DIR/shaped.yaml" >"$T_DIR/diff0" 2>&1 || { cat "$T_DIR/diff0"; fail "diff of the applied config: exit $?"; }
set +e
napply diff -c "$T_DIR/other.yaml" >"$T_DIR/diff1" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$T_DIR/diff1"; fail "diff of another rate: exit $rc, want 1"; }
grep -qE "^  ~ wan: egress shaping: $backend.* ${EG}mbit -> $backend.* 4mbit" "$T_DIR/diff1" || { cat "$T_DIR/diff1"; fail "diff: no egress change"; }
grep -qE "^  - wan: ingress shaping via ifb-wan: $backend.* ${IN}mbit -> none" "$T_DIR/diff1" || { cat "$T_DIR/diff1"; fail "diff: no ingress removal"; }
pass "diff: $(grep -cE "^  [~+-] wan: (egress|ingress) shaping" "$T_DIR/diff1") shaping lines for another config, none for the applied one"

# A failed apply (the sysctl step after shaping refused) puts it back.
tcsnap() {
    for d in wan ifb-wan; do
        tc -n "$R" qdisc show dev "$d" 2>&1 | sed 's/direct_packets_stat [0-9]*//'
        tc -n "$R" class show dev "$d" 2>&1
        tc -n "$R" filter show dev "$d" ingress 2>&1 | sed 's/ index [0-9]* ref [0-9]* bind [0-9]*//'
    done
}
tcsnap >"$T_DIR/tc.before"
rp=/proc/sys/net/ipv4/conf/all/rp_filter
nsx "$R" sysctl -qw net.ipv4.conf.all.rp_filter=0
set +e
nsx "$R" unshare -m sh -c "mount --bind $rp $rp && mount -o remount,bind,ro $rp &&
    exec \"\$0\" apply -c \"\$1\" --state-dir \"\$2\" --run-dir \"\$3\"" \
    "$NFTROUTER" "$T_DIR/other.yaml" "$STATE" "$RUN" 2>"$T_DIR/err"
rc=$?
set -e
[ $rc -eq 4 ] || { cat "$T_DIR/err"; fail "refused sysctl: exit $rc, want 4"; }
tcsnap | diff -u "$T_DIR/tc.before" - || fail "shaping not restored after the rollback"
pass "a failed apply (exit 4) restored the egress and ingress shaping exactly"

# Another rate: only that changes.
napply apply -c "$T_DIR/other.yaml" 2>/dev/null || fail "apply other exited $?"
[ "$backend" = cake ] || tc -n "$R" class show dev wan | grep -q "rate 4Mbit" || fail "egress not 4mbit"
if ip -n "$R" link show ifb-wan >/dev/null 2>&1; then fail "ifb-wan stays without ingress"; fi
tc -n "$R" qdisc show dev wan | grep -q "^qdisc ingress" && fail "ingress qdisc stays without ingress"
pass "egress changed to 4mbit, ingress (ifb-wan and the ingress qdisc) removed"

# Someone's own IFB named ifb-wan with a qdisc of theirs: refused, kept.
ip -n "$R" link add ifb-wan type ifb
tc -n "$R" qdisc add dev ifb-wan root handle 1: tbf rate 1mbit burst 10k latency 50ms
set +e
napply apply -c "$T_DIR/shaped.yaml" 2>"$T_DIR/err"
rc=$?
set -e
[ $rc -eq 3 ] || { cat "$T_DIR/err"; fail "a foreign ifb-wan: exit $rc, want 3"; }
grep -q "qdisc nftrouter did not make" "$T_DIR/err" || { cat "$T_DIR/err"; fail "the refusal is not explained"; }
tc -n "$R" qdisc show dev ifb-wan | grep -q "^qdisc tbf 1: root" || fail "the foreign ifb-wan's qdisc was touched"
ip -n "$R" link del ifb-wan
pass "an ifb-wan of someone else's is refused (exit 3) and left alone"

# The key gone: the kernel's defaults back, and traffic unshaped.
napply apply -c "$T_DIR/base.yaml" || fail "apply without shaping exited $?"
tc -n "$R" qdisc show dev wan | grep -q 4e46: && fail "root qdisc stays: $(tc -n "$R" qdisc show dev wan)"
free=$(mbit -t 2) || fail "unshaped upload failed"
echo "unshaped upload: $free Mbit/s"
[ "$free" -gt $((EG * 3)) ] || fail "unshaped upload only $free Mbit/s: the limit above may not have been the shaper's"
pass "shaping removed with the key; unshaped upload $free Mbit/s"

# The daemon: its apply shapes, a reload reshapes (and adds ingress), a
# reload without the key removes it all; the fallback is in its log.
cp "$T_DIR/other.yaml" "$T_DIR/live.yaml"
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/live.yaml" --state-dir "$STATE" --run-dir "$RUN" \
    >"$T_DIR/daemon.log" 2>&1 &
T_PIDS+=($!)
wait_for 20 sh -c "tc -n $R qdisc show dev wan | grep -q '^qdisc $backend 4e46:'" ||
    { cat "$T_DIR/daemon.log"; fail "the daemon did not shape wan"; }
cp "$T_DIR/shaped.yaml" "$T_DIR/live.yaml"
nsx "$R" "$NFTROUTER" reload --run-dir "$RUN" >/dev/null || fail "reload failed"
wait_for 20 sh -c "tc -n $R qdisc show dev ifb-wan 2>/dev/null | grep -q '^qdisc $backend 4e46:'" ||
    { cat "$T_DIR/daemon.log"; fail "the reload did not add ingress shaping"; }
[ "$backend" = cake ] || tc -n "$R" class show dev wan | grep -q "rate ${EG}Mbit" || fail "the reload did not change the egress rate"
cp "$T_DIR/base.yaml" "$T_DIR/live.yaml"
nsx "$R" "$NFTROUTER" reload --run-dir "$RUN" >/dev/null || fail "reload failed"
wait_for 20 sh -c "! tc -n $R qdisc show dev wan | grep -q 4e46:" || fail "the reload without the key left the root qdisc"
if ip -n "$R" link show ifb-wan >/dev/null 2>&1; then fail "the reload without the key left ifb-wan"; fi
[ "$backend" = cake ] || grep -q "shaping: this kernel has no CAKE" "$T_DIR/daemon.log" || fail "the daemon's log does not say it falls back"
pass "the daemon shapes, a reload reshapes and one without the key removes it (fallback in its log)"
