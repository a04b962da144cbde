# Figure 1 — forwarding LAN -> WAN through the router: TCP 1 stream, TCP 4
# streams, 64-byte UDP packets per second, for
#   a: the limit (bench/rulesets/limit.nft: one masquerade rule),
#   b: nftrouter's ruleset for examples/seed.yaml (bench_config),
#   c: the seed's own nftables.conf (bench/rulesets/seed.nft).
# 64-byte UDP twice: a flow that never sees a reply (every packet is
# conntrack "new" and walks the whole forward path: the worst case) and an
# established one (one reply first: the steady state of real traffic).
# Targets: b >= 0.97 a and b >= c (ratio b/c >= 1.00).
topo a
topo c
ruleset a "$B_SRC/bench/rulesets/limit.nft"
ruleset c "$B_SRC/bench/rulesets/seed.nft"
have_b=
if [ -n "$NFTROUTER" ] && bench_config "$B_TMP/router.yaml" &&
	"$NFTROUTER" render -c "$B_TMP/router.yaml" nft >"$B_TMP/b.nft" 2>"$B_TMP/b.err"; then
	topo b
	nx b-rtr nft flush ruleset
	load_nftrouter b "$B_TMP/router.yaml"
	reachable b && have_b=1 || log "nftrouter ruleset loaded but LAN cannot reach WAN"
	if [ -z "${B_QUICK:-}" ]; then
		# m: the main table alone, without the ban table, to show what the
		# ban chain (raw prerouting, every packet) costs.
		topo m
		nx m-rtr nft -f "$B_TMP/b.nft"
	fi
else
	log "nftrouter render: $(cat "$B_TMP/b.err" 2>/dev/null)"
fi
reachable a || die "limit topology: no path"
reachable c || die "seed topology: no path"

cmd="bench/run 1"
# pair_rows WHAT METRIC A B TARGET: rows for B/A (and the wall-clock
# variant when the metric has one).
pair_rows() {
	local what=$1 m=$2 a=$3 b=$4 target=$5 s
	s=$(paired "$m" "$a" "$b")
	case $m in
	m_udp64)
		ratio_row 1 "64-byte UDP, pps per CPU-second: $what" "$s" "$target" "$cmd"
		ratio_row 1 "64-byte UDP, wall pps: $what" "$(paired2)" "" "$cmd" ;;
	m_udp64e)
		ratio_row 1 "64-byte UDP, established flow, pps per CPU-second: $what" "$s" "$target" "$cmd"
		ratio_row 1 "64-byte UDP, established flow, wall pps: $what" "$(paired2)" "" "$cmd" ;;
	m_tcp1) ratio_row 1 "TCP 1 stream, Gbit/s: $what" "$s" "$target" "$cmd" ;;
	m_tcp4) ratio_row 1 "TCP 4 streams, Gbit/s: $what" "$s" "$target" "$cmd" ;;
	esac
}
for m in m_udp64 m_udp64e m_tcp1 m_tcp4; do
	if [ -n "$have_b" ]; then
		pair_rows "b/a (nftrouter / limit)" "$m" a b 0.97
		pair_rows "b/c (nftrouter / seed)" "$m" c b 1.00
	else
		not_measured 1 "$m: b/a, b/c" "nftrouter render nft not available for examples/seed.yaml"
	fi
	# The contrasts only in the full run (quick stays under 10 min).
	[ -n "${B_QUICK:-}" ] || pair_rows "c/a (seed / limit)" "$m" a c ""
	case $m in m_udp64*)
		[ -n "${B_QUICK:-}" ] || [ -z "$have_b" ] ||
			pair_rows "b/m (nftrouter / its main table without the ban table)" "$m" m b "" ;;
	esac
done
