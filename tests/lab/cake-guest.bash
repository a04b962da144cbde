# The body of tests/lab/vm-cake.sh, run as root in the guest kernel (which
# has CAKE) by scripts/vm-run. A LAN client C uploads with iperf3 through
# the router R to an internet host I; between R and I a "modem" namespace
# M bridges the line and holds it to LINE Mbit/s with a deep FIFO (tbf,
# 500 ms), as a cable or DSL modem does:
#
#   C ── lan  R  wan ── M (bridge; tbf LINE, 500 ms of buffer toward I) ── I
#
# Shaping off, the upload fills the modem's buffer and a ping from C to I
# waits behind it; shaping on (`egress: RATE`, a little under the line),
# the queue is CAKE's on R and the ping stays low. Both measured here, in
# one run, with the same commands. Also: check says CAKE, apply makes CAKE
# on wan and (ingress) on ifb-wan, status shows CAKE's tins, the download
# is held to the ingress rate, and the key gone removes everything.
. "$(dirname "$0")/lib.sh"
# Rates in Mbit/s: the issue's 20 on a 24 Mbit/s line, 30 down (vm-cake.sh
# runs this alone: docs/performance.md figure 12 says why).
RATE=${CAKE_RATE:-20} LINE=${CAKE_LINE:-24} IN=${CAKE_IN:-30}
modprobe sch_cake 2>/dev/null || true

R=$(netns r); C=$(netns c); M=$(netns m); I=$(netns i)
veth "$R" eth1 "$M" m0 52:54:00:70:00:01
veth "$M" m1 "$I" up0
veth "$R" eth2 "$C" eth0 52:54:00:70:00:02
ip -n "$M" link add br0 type bridge
ip -n "$M" link set m0 master br0
ip -n "$M" link set m1 master br0
ip -n "$M" link set br0 up
ip -n "$M" link set m0 up
ip -n "$M" link set m1 up
# The modem's uplink: LINE Mbit/s and a buffer of 500 ms (bufferbloat).
tc -n "$M" qdisc add dev m1 root tbf rate "${LINE}mbit" burst 16k latency 500ms
ip -n "$I" addr add 203.0.113.1/24 dev up0
ip -n "$C" link set eth0 up
ip -n "$C" addr add 192.168.100.10/24 dev eth0
ip -n "$C" route add default via 192.168.100.1

conf() { # conf FILE SHAPING: the router's config, with wan's shaping (or none)
    cat >"$1" <<YAML
hostname: router
interfaces:
  wan: { match: { mac: "52:54:00:70:00:01" }, ipv4: 203.0.113.2/24, gateway: 203.0.113.1${2:+, shaping: $2} }
  lan: { match: { mac: "52:54:00:70:00:02" }, ipv4: 192.168.100.1/24 }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: accept, forward: [wan] }
YAML
}
conf "$T_DIR/off.yaml" ""
conf "$T_DIR/on.yaml" "{ egress: ${RATE}mbit, ingress: ${IN}mbit }"
SECS=${CAKE_SECS:-8}
rapply() { ip netns exec "$R" "$NFTROUTER" apply -c "$1" --state-dir "$T_DIR/state" --run-dir "$T_DIR/run"; }

ip netns exec "$R" "$NFTROUTER" check -c "$T_DIR/on.yaml" >"$T_DIR/check" 2>&1 || { cat "$T_DIR/check"; fail "check failed"; }
grep -q "interface 'wan' (.*on.yaml:3): shaping with cake" "$T_DIR/check" || { cat "$T_DIR/check"; fail "check does not say cake"; }
if grep -q warning "$T_DIR/check"; then cat "$T_DIR/check"; fail "check warns on a kernel with CAKE"; fi
pass "check: $(grep 'shaping with' "$T_DIR/check")"

bg ip netns exec "$I" iperf3 -s -p 5201
wait_for 10 sh -c "ip netns exec $I ss -ltn | grep -q ':5201 '" || fail "iperf3 server not up"

# run NAME SECS ARGS: an iperf3 run from C with a ping to I beside it;
# prints the receiver's Mbit/s, and the pings' median and 90th percentile
# (ms) in T_DIR/NAME.rtt.
run() {
    local name=$1 secs=$2; shift 2
    ip netns exec "$C" ping -i 0.2 -c $((secs * 5)) 203.0.113.1 >"$T_DIR/$name.ping" 2>&1 &
    local pp=$!
    ip netns exec "$C" iperf3 -c 203.0.113.1 -p 5201 -f m -t "$secs" "$@" >"$T_DIR/$name.iperf" 2>&1 ||
        { cat "$T_DIR/$name.iperf" >&2; wait "$pp" || true; return 1; }
    wait "$pp" || true
    sed -n 's/.*time=\([0-9.]*\) ms/\1/p' "$T_DIR/$name.ping" | sort -n |
        awk '{v[NR]=$1} END {if (NR < 10) {print "0 0"; exit} print v[int((NR+1)/2)], v[int(NR*0.9)]}' >"$T_DIR/$name.rtt"
    awk '/receiver/ {print $(NF-2)}' "$T_DIR/$name.iperf"
}
idle() { ip netns exec "$C" ping -i 0.2 -c 10 -q 203.0.113.1 | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p'; }

# Shaping off: the modem's buffer fills.
rapply "$T_DIR/off.yaml" || fail "apply (off) failed"
idle_off=$(idle)
up_off=$(run off "$SECS") || fail "iperf3 (shaping off) failed"
read -r med_off p90_off <"$T_DIR/off.rtt"
echo "shaping off: upload $up_off Mbit/s (line $LINE), ping idle $idle_off ms, under load median $med_off ms, p90 $p90_off ms"

# Shaping on: CAKE on R's wan at RATE.
rapply "$T_DIR/on.yaml" 2>"$T_DIR/apply.err" || { cat "$T_DIR/apply.err"; fail "apply (on) failed"; }
if [ -s "$T_DIR/apply.err" ]; then cat "$T_DIR/apply.err"; fail "apply warned on a kernel with CAKE"; fi
tc -n "$R" qdisc show dev wan | grep -q "^qdisc cake 4e46: root .*bandwidth ${RATE}Mbit" ||
    fail "no CAKE at ${RATE}mbit on wan: $(tc -n "$R" qdisc show dev wan)"
tc -n "$R" qdisc show dev ifb-wan | grep -q "^qdisc cake 4e46: root .*bandwidth ${IN}Mbit.* ingress" ||
    fail "no ingress CAKE on ifb-wan: $(tc -n "$R" qdisc show dev ifb-wan)"
tc -n "$R" filter show dev wan ingress | grep -q "Egress Redirect to device ifb-wan" || fail "no redirect to ifb-wan"
pass "apply made CAKE on wan (${RATE}mbit, nat) and on ifb-wan (${IN}mbit, ingress mode)"
idle_on=$(idle)
# The emulated CPU of a loaded host stalls now and then (6 s runs at
# 10mbit gave 7.5 to 9.2 Mbit/s with CAKE, 7.9 with HTB, and 6.4 through
# the modem's own 10 Mbit/s tbf): up to three runs, each held under the
# rate + 10 %, the best at least FLOOR of it: 0.9 (within 10 %).
FLOOR=${CAKE_FLOOR:-0.9}
best=0
for attempt in 1 2 3; do
    up=$(run "on$attempt" "$SECS") || fail "iperf3 (shaping on) failed"
    [ "$attempt" -gt 1 ] || read -r med_on p90_on <"$T_DIR/on1.rtt"
    echo "shaping on:  upload $up Mbit/s (egress $RATE), run $attempt; ping median/p90 $(cat "$T_DIR/on$attempt.rtt") ms"
    awk -v u="$up" -v r="$RATE" 'BEGIN {exit !(u <= r * 1.1)}' || fail "upload $up Mbit/s above $RATE + 10 %"
    best=$(awk -v u="$up" -v b="$best" 'BEGIN {print (u > b ? u : b)}')
    awk -v u="$best" -v r="$RATE" -v f="$FLOOR" 'BEGIN {exit !(u >= r * f)}' && break
done
up_on=$best
echo "shaping on:  upload $up_on Mbit/s (best of $attempt), ping idle $idle_on ms, under load median $med_on ms, p90 $p90_on ms"
down_on=$(run down 5 -R) || fail "iperf3 download failed"
echo "shaping on:  download $down_on Mbit/s (ingress $IN)"

ip netns exec "$R" "$NFTROUTER" status -c "$T_DIR/on.yaml" --state-dir "$T_DIR/state" --run-dir "$T_DIR/run" >"$T_DIR/status"
sed -n '/^shaping:/,/^daemon/p' "$T_DIR/status"
grep -qE "^  wan +egress +${RATE}mbit cake wan: sent [1-9][0-9]* bytes" "$T_DIR/status" || fail "status: no CAKE egress line"
grep -qE "^ +tin 0: sent [1-9]" "$T_DIR/status" || fail "status: no CAKE tin statistics"
ip netns exec "$R" "$NFTROUTER" status --json -c "$T_DIR/on.yaml" --state-dir "$T_DIR/state" --run-dir "$T_DIR/run" |
    grep -q '"qdisc":"cake","fallback":false' || fail "status --json: no cake"
pass "status shows CAKE's counters and tins"

rapply "$T_DIR/off.yaml" || fail "apply (key gone) failed"
tc -n "$R" qdisc show dev wan | grep -q 4e46: && fail "CAKE stays on wan without the key"
ip -n "$R" link show ifb-wan >/dev/null 2>&1 && fail "ifb-wan stays without the key"
pass "the key gone: CAKE and ifb-wan removed"

# Upload at most 10 % over the rate, and at least FLOOR of it (goodput:
# TCP/IP headers take ~4 %).
awk -v u="$up_on" -v r="$RATE" -v f="$FLOOR" 'BEGIN {exit !(u >= r * f && u <= r * 1.1)}' ||
    fail "upload $up_on Mbit/s (best of 3) is not within ${FLOOR}..1.1 x ${RATE} Mbit/s"
awk -v u="$down_on" -v r="$IN" 'BEGIN {exit !(u <= r * 1.1)}' || fail "download $down_on Mbit/s above ${IN} Mbit/s"
pass "upload held at $up_on Mbit/s (${FLOOR}..1.1 x ${RATE}), download $down_on Mbit/s (<= ${IN})"
# The latency bound (docs/performance.md): under load the median ping with
# CAKE stays below BOUND ms, and without shaping it is several times that.
BOUND=${CAKE_BOUND:-30}
awk -v a="$med_on" -v b="$BOUND" 'BEGIN {exit !(a < b)}' ||
    fail "ping under load with CAKE: median $med_on ms, bound $BOUND ms"
awk -v a="$med_on" -v o="$med_off" 'BEGIN {exit !(o > 3 * a && o > 50)}' ||
    fail "without shaping the ping did not grow (median $med_off ms vs $med_on ms with CAKE)"
pass "ping under load: median $med_on ms with CAKE (bound $BOUND ms), $med_off ms without shaping"
echo "RESULT floor=$FLOOR rate=$RATE line=$LINE up_off=$up_off med_off=$med_off p90_off=$p90_off idle_off=$idle_off up_on=$up_on med_on=$med_on p90_on=$p90_on idle_on=$idle_on down_on=$down_on"
