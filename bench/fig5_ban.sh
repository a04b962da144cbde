# Figure 5 — ban latency into a live set of 1,000,000 entries
# (inet nftrouter_bans blackhole4: interval + timeout): wall time of one
# `nftrouter ban ADDR --for 1h` and one `nftrouter ban PREFIX --for 1h`
# (process start to exit), N times each, against one
# `nft add element inet nftrouter_bans blackhole4 { ADDR timeout 1h }`.
# Target: median <= 5 ms for both. nft 1.0.6 fetches the whole interval
# set first, so it gets fewer runs.
cmd="bench/run 5"
n=1000000
runs=30; nftruns=5
[ -z "${B_QUICK:-}" ] || { runs=10; nftruns=2; }
if [ -z "$NFTROUTER" ] || ! bench_config "$B_TMP/r.yaml" ||
	! "$NFTROUTER" ban --help >/dev/null 2>&1; then
	not_measured 5 "ban latency" "nftrouter ban not available"
	return 0
fi
topo r
load_nftrouter r "$B_TMP/r.yaml"
ban_elements "$B_TMP/bans.nft" "$n"
t0=$(date +%s.%N)
nx r-rtr nft -f "$B_TMP/bans.nft"
log "loaded $n ban elements in $(echo "$(date +%s.%N) - $t0" | bc) s"
mkdir -p "$B_TMP/state" "$B_TMP/run"

# ms CMD...: run CMD in the router namespace, print its wall time in ms.
ms() {
	local t0 t1
	t0=$(date +%s%N)
	nx r-rtr "$@" >/dev/null 2>>"$B_TMP/ban.err" || { echo "failed: $*" >>"$B_TMP/ban.err"; echo nan; return; }
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) / 1e6 }'
}
ban() { ms "$NFTROUTER" ban -c "$B_TMP/r.yaml" --state-dir "$B_TMP/state" --run-dir "$B_TMP/run" "$@"; }
: >"$B_TMP/a.ms"; : >"$B_TMP/p.ms"; : >"$B_TMP/na.ms"; : >"$B_TMP/np.ms"
# Alternate address and prefix bans, and nft, within one batch.
for i in $(seq 1 "$runs"); do
	ban "198.51.100.$i" --for 1h >>"$B_TMP/a.ms"
	ban "198.18.$i.0/24" --for 1h >>"$B_TMP/p.ms"
	if [ "$i" -le "$nftruns" ]; then
		ms nft add element inet nftrouter_bans blackhole4 "{ 198.51.101.$i timeout 1h }" >>"$B_TMP/na.ms"
		ms nft add element inet nftrouter_bans blackhole4 "{ 198.19.$i.0/24 timeout 1h }" >>"$B_TMP/np.ms"
	fi
done
[ ! -s "$B_TMP/ban.err" ] || { log "errors:"; cat "$B_TMP/ban.err" >&2; }
grep -q nan "$B_TMP/a.ms" "$B_TMP/p.ms" && die "a ban failed (see above)"
# Each ban must really be in the kernel set.
nx r-rtr nft get element inet nftrouter_bans blackhole4 "{ 198.51.100.1 }" >/dev/null 2>&1 ||
	log "warning: 198.51.100.1 not found by nft get element"
for k in a p; do
	read -r med p99 mn mx cnt <<<"$(pstats <"$B_TMP/$k.ms")"
	read -r nmed np99 nmn nmx ncnt <<<"$(pstats <"$B_TMP/n$k.ms")"
	what=$([ $k = a ] && echo "single address" || echo "prefix /24")
	verdict=$(awk -v m="$med" 'BEGIN { print (m <= 5) ? "met" : "missed" }')
	row 5 "ban latency, $what, set of $n: nftrouter ban" \
		"median **$med ms**, p99 $p99 ms (min $mn, max $mx, n=$cnt); nft add element: median $nmed ms (min $nmn, max $nmx, n=$ncnt); ratio nft/nftrouter $(awk -v a="$nmed" -v b="$med" 'BEGIN { printf "%.0f", a / b }')×" \
		"median ≤ 5 ms" "$verdict" "$cmd"
done
