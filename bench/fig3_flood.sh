# Figure 3 — banned flood: a banned WAN source (203.0.113.66, spoofed by a
# raw socket on the WAN host, 1,024 source ports) floods the router's WAN
# address with 64-byte UDP. n: nftrouter's ruleset with the source banned
# by `nftrouter ban` (dropped in raw prerouting, before conntrack); e: the
# seed's ruleset with the source in its blackhole set (dropped in the input
# chain, after conntrack has built an entry for each packet's flow).
# Metric: packets the router receives (all of them dropped) per CPU-second
# of the flooding process, which on veth is charged the router's receive
# and drop work too (no IRQ time accounting on this kernel): the inverse of
# the CPU each dropped packet costs. Ratio n/e > 1: nftrouter's drop is
# cheaper. Target: n/e >= 1.
cmd="bench/run 3"
if [ -z "$NFTROUTER" ] || ! bench_config "$B_TMP/n.yaml" ||
	! "$NFTROUTER" ban --help >/dev/null 2>&1; then
	not_measured 3 "banned flood" "nftrouter render / ban not available"
	return 0
fi
topo n
topo e
load_nftrouter n "$B_TMP/n.yaml"
mkdir -p "$B_TMP/state" "$B_TMP/run"
nx n-rtr "$NFTROUTER" ban -c "$B_TMP/n.yaml" --state-dir "$B_TMP/state" --run-dir "$B_TMP/run" \
	203.0.113.66 --for 1h >&2
ruleset e "$B_SRC/bench/rulesets/seed.nft"
nx e-rtr nft add element inet filter blackhole '{ 203.0.113.66 }'

# m_flood T: the router's received packets per flooder CPU-second, and per
# wall second.
m_flood() {
	local r0 r1 out
	r0=$(rx_packets "$1-rtr" wan)
	out=$(nx "$1-wan" "$B_BIN/udpflood" -s 203.0.113.66 -d 203.0.113.1 -p 9 -f 1024 -t "$(dur udp)")
	sleep 0.1
	r1=$(rx_packets "$1-rtr" wan)
	echo "$out" | awk -v a="$r0" -v b="$r1" '{
		split($2, s, "="); split($3, c, "=");
		printf "%.0f %.0f\n", (b - a) / c[2], (b - a) / s[2] }'
}
# Both must drop everything: nothing may reach a socket or be answered.
s=$(paired m_flood e n)
read -r _ _ _ _ _ ma mb _ <<<"$s"
ratio_row 3 "banned flood, dropped packets per CPU-second: n/e (nftrouter raw drop / seed input drop)" "$s" 1.00 "$cmd"
row 3 "CPU per dropped packet (from the medians)" \
	"nftrouter $(awk -v v="$mb" 'BEGIN { printf "%.0f", 1e9 / v }') ns, seed $(awk -v v="$ma" 'BEGIN { printf "%.0f", 1e9 / v }') ns" "—" "—" "$cmd"
ratio_row 3 "banned flood, dropped packets per wall second: n/e" "$(paired2)" "" "$cmd"
ct_n=$(nx n-rtr conntrack -C 2>/dev/null || echo "?")
ct_e=$(nx e-rtr conntrack -C 2>/dev/null || echo "?")
row 3 "conntrack entries after the flood" "nftrouter $ct_n, seed $ct_e" "—" "—" "$cmd"
