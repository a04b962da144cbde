# Figure 7 — no loss during apply: a TCP stream (iperf3, LAN -> WAN) and a
# bounded ping flood (LAN -> WAN, one every 2 ms) through the router while
# `nftrouter apply` alternates between two configs (examples/seed.yaml and
# the same with one more port forward and one more rule, so the table
# really is replaced) ten times. Baseline: the same stream and pings with
# no apply. Target: 0 connections reset, 0 pings lost beyond the baseline.
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
pings=$((secs * 400))

# trial APPLIES: stream + pings for ~secs while APPLIES applies run; prints
# "ping_lost iperf_ok applies_ok applies_ms_median".
trial() {
	local k=$1 i ok=0 ms=""
	nx y-lan iperf3 -c 203.0.113.2 -p 5201 -t "$secs" -J >"$B_TMP/iperf.json" 2>&1 &
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
read -r lost0 iok0 _ _ <<<"$(trial 0)"
read -r lost1 iok1 okn msmed <<<"$(trial 10)"
log "baseline: $lost0 pings lost, iperf ok=$iok0; with 10 applies: $lost1 lost, iperf ok=$iok1, $okn applies ok (median $msmed ms)"
[ "$okn" -eq 10 ] || { cat "$B_TMP/apply.log" >&2; die "only $okn of 10 applies succeeded"; }
resets=$((iok1 == 1 ? 0 : 1))
extra=$((lost1 - lost0))
[ "$extra" -ge 0 ] || extra=0
verdict=$([ "$resets" -eq 0 ] && [ "$extra" -eq 0 ] && echo met || echo missed)
row 7 "10 applies (median $msmed ms each) under a TCP stream + $pings pings at 2 ms" \
	"**$resets** connections reset, **$extra** pings lost beyond baseline (baseline lost $lost0, during applies lost $lost1; baseline stream ok=$iok0)" \
	"0 and 0" "$verdict" "$cmd"
