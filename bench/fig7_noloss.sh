# Figure 7 — no loss during apply: a TCP stream (iperf3, LAN -> WAN, paced
# at 200 Mbit/s so that the stream itself does not overflow the veth
# queues and drop pings) and a bounded ping flood (LAN -> WAN, one every
# 2 ms) through the router while
# `nftrouter apply` alternates between two configs (examples/seed.yaml and
# the same with one more port forward and one more rule, so the table
# really is replaced) ten times. Baseline: the same stream and pings with
# no apply. Trials alternate (baseline, applies, baseline, applies, ...;
# 3 of each, 12 s each; quick: 1 of each, 8 s). Target: 0 connections reset, 0 pings lost
# beyond the baseline.
cmd="bench/run 7"
if [ -z "$NFTROUTER" ] || ! bench_config "$B_TMP/a.yaml" ||
	! "$NFTROUTER" apply --help >/dev/null 2>&1; then
	not_measured 7 "no loss during apply" "nftrouter apply not available"
	return 0
fi
cat >"$B_TMP/fw.yaml" <<'EOF2'
  - { name: bench-extra, from: wan, tcp: 2222, to: 192.168.100.20:22 }
EOF2
bench_config "$B_TMP/b.yaml" "$B_TMP/fw.yaml"
cmp -s <("$NFTROUTER" render -c "$B_TMP/a.yaml" nft) <("$NFTROUTER" render -c "$B_TMP/b.yaml" nft) &&
	die "the two configs render the same ruleset"
topo y
seed_ports y
mkdir -p "$B_TMP/state" "$B_TMP/run"
apply() {
	nx y-rtr "$NFTROUTER" apply -c "$1" --state-dir "$B_TMP/state" --run-dir "$B_TMP/run" \
		>>"$B_TMP/apply.log" 2>&1
}
apply "$B_TMP/a.yaml" || { cat "$B_TMP/apply.log" >&2; die "apply failed"; }
reachable y || die "no path after apply"
secs=12
[ -z "${B_QUICK:-}" ] || secs=8
pings=$((secs * 400))

# trial APPLIES: stream + pings for ~secs while APPLIES applies run; prints
# "ping_lost iperf_ok applies_ok applies_ms_median".
trial() {
	local k=$1 i ok=0 ms=""
	nx y-lan iperf3 -c 203.0.113.2 -p 5201 -b 200M -t "$secs" -J >"$B_TMP/iperf.json" 2>&1 &
	local ip=$!
	nx y-lan ping -q -i 0.002 -c "$pings" -W 1 203.0.113.2 >"$B_TMP/ping.out" 2>&1 &
	local pp=$!
	sleep 1
	for i in $(seq 1 "$k"); do
		local t0 t1 cfg
		cfg=$([ $((i % 2)) -eq 1 ] && echo b || echo a)
		t0=$(date +%s%N)
		apply "$B_TMP/$cfg.yaml" && ok=$((ok + 1))
		t1=$(date +%s%N)
		ms="$ms $(((t1 - t0) / 1000000))"
		sleep 0.5
	done
	local irc=0
	wait "$ip" || irc=$?
	wait "$pp" || true
	local tx rx
	tx=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1/p' "$B_TMP/ping.out")
	rx=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\2/p' "$B_TMP/ping.out")
	local iok=0
	[ "$irc" -eq 0 ] && ! jq -e '.error' "$B_TMP/iperf.json" >/dev/null 2>&1 && iok=1
	echo "$((tx - rx)) $iok $ok $(echo "$ms" | tr ' ' '\n' | grep . | pstats | cut -d' ' -f1)"
}
ntr=3
[ -z "${B_QUICK:-}" ] || ntr=1
lost0=0; lost1=0; rs0=0; rs1=0; okn=0; mss=""
for j in $(seq 1 "$ntr"); do
	read -r l0 i0 _ _ <<<"$(trial 0)"
	read -r l1 i1 o1 m1 <<<"$(trial 10)"
	log "  trial $j: baseline $l0 pings lost, stream ok=$i0; 10 applies: $l1 lost, stream ok=$i1, $o1 applies ok (median $m1 ms)"
	lost0=$((lost0 + l0)); lost1=$((lost1 + l1))
	rs0=$((rs0 + 1 - i0)); rs1=$((rs1 + 1 - i1))
	okn=$((okn + o1)); mss="$mss $m1"
done
msmed=$(echo "$mss" | tr ' ' '\n' | grep . | pstats | cut -d' ' -f1)
[ "$okn" -eq $((10 * ntr)) ] || { cat "$B_TMP/apply.log" >&2; die "only $okn of $((10 * ntr)) applies succeeded"; }
extra=$((lost1 - lost0))
[ "$extra" -ge 0 ] || extra=0
verdict=$([ "$rs1" -eq 0 ] && [ "$extra" -eq 0 ] && echo met || echo missed)
row 7 "$ntr × 10 applies (median $msmed ms each) under a TCP stream + $pings pings at 2 ms, vs $ntr baselines" \
	"**$rs1** streams reset, **$extra** pings lost beyond baseline (lost: baselines $lost0, during applies $lost1, of $((ntr * pings)) each; baseline streams reset: $rs0)" \
	"0 and 0" "$verdict" "$cmd"
