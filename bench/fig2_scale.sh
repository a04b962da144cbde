# Figure 2 — scale: nftrouter's seed ruleset (p, plain) against the same
# with 1,000,000 banned addresses and prefixes in the live ban set
# (inet nftrouter_bans blackhole4, checked in raw prerouting for every
# packet) and 1,000 more port forwards (s, scale). Contrast: the plain
# ruleset plus 1,000 linear `ip saddr X drop` rules in a forward chain
# (l) — the linear equivalent of the 1,000 forwards; a million linear rules
# cannot be loaded in useful time. Without --quick, also each half alone
# (b: the bans only, f: the forwards only). The bans are stored as
# `nftrouter ban` stores them: the 900,000 single addresses in blackhole4
# (a hash set), the 100,000 /30 prefixes in blackhole4_30 (the hash set
# of the /30 bans, looked up as ip saddr & 255.255.255.252).
# Metrics: 64-byte UDP per CPU-second (per-packet cost; each such packet is
# conntrack state "new" until a reply is seen, so it walks the forward
# chain each time) and new TCP connections per client CPU-second (each
# walks the NAT chains once). Target: s >= 0.97 p. And a new connection
# from the WAN to the 1,000th forward against one to the first, on s (the
# ratio of rates: >= 0.952 = 1/1.05, i.e. the 1,000th costs <= 1.05x the first).
# p has no ban, so its ban chains are not hooked (docs/bans.md); s and b
# are hooked by a real first ban (ban_hook), and h (full run) is p with
# one ban: the hook's own share.
cmd="bench/run 2"
n=1000000
if [ -z "$NFTROUTER" ] || ! bench_config "$B_TMP/p.yaml" ||
	! "$NFTROUTER" render -c "$B_TMP/p.yaml" nft-bans >/dev/null 2>&1; then
	not_measured 2 "scale" "nftrouter render nft / nft-bans not available"
	return 0
fi
forwards_yaml "$B_TMP/fw.yaml" 1000
bench_config "$B_TMP/s.yaml" "$B_TMP/fw.yaml"
ban_elements "$B_TMP/bans.nft" "$n"
{
	echo "table inet linear {"
	echo "	chain forward {"
	echo "		type filter hook forward priority filter - 1; policy accept;"
	for i in $(seq 0 999); do echo "		ip saddr 10.$((i / 250)).$((i % 250)).1 drop"; done
	echo "	}"
	echo "}"
} >"$B_TMP/linear.nft"
topos="p s l"
[ -n "${B_QUICK:-}" ] || topos="p s l b f h"
for t in $topos; do
	topo "$t"
	case $t in
	p|l|b|h) load_nftrouter "$t" "$B_TMP/p.yaml" ;;
	s|f) load_nftrouter "$t" "$B_TMP/s.yaml" ;;
	esac
	case $t in
	l) nx l-rtr nft -f "$B_TMP/linear.nft" ;;
	h) ban_hook h "$B_TMP/p.yaml" ;; # one ban: the hook, nearly empty sets
	s|b)
		ban_hook "$t" "$B_TMP/p.yaml"
		t0=$(date +%s.%N)
		nx "$t-rtr" nft -f "$B_TMP/bans.nft"
		log "$t: loaded $n ban elements in $(echo "$(date +%s.%N) - $t0" | bc) s" ;;
	esac
	reachable "$t" || die "topology $t: no path"
done
[ "$(grep -c 'dnat ip to' "$B_TMP/s.nft")" -ge 1001 ] || die "scale config: 1,001 DNAT rules expected"

s=$(paired m_udp64 p s)
ratio_row 2 "64-byte UDP, pps per CPU-second: s/p (1M bans + 1,000 forwards / plain)" "$s" 0.97 "$cmd"
ratio_row 2 "64-byte UDP, wall pps: s/p" "$(paired2)" "" "$cmd"
s=$(paired m_udp64e p s)
ratio_row 2 "64-byte UDP, established flow, pps per CPU-second: s/p" "$s" 0.97 "$cmd"
s=$(paired m_conn p s)
ratio_row 2 "new TCP connections per CPU-second: s/p" "$s" 0.97 "$cmd"
ratio_row 2 "new TCP connections, wall rate: s/p" "$(paired2)" "" "$cmd"
# Issue 17 point 3: a new connection from the WAN to the 1,000th forward
# (port 20999) against one to the first (20000), alternating, on s.
fwd_server s 20000 20999
s=$(paired m_fwdconn s:20000 s:20999)
ratio_row 2 "new TCP connections from the WAN per CPU-second: to the 1,000th / to the 1st of 1,000 forwards (s)" "$s" 0.952 "$cmd"
s=$(paired m_udp64 p l)
ratio_row 2 "64-byte UDP, pps per CPU-second: l/p (1,000 linear rules / plain)" "$s" "" "$cmd"
if [ -z "${B_QUICK:-}" ]; then
	ratio_row 2 "64-byte UDP, pps per CPU-second: b/p (1M bans only)" "$(paired m_udp64 p b)" "" "$cmd"
	ratio_row 2 "64-byte UDP, pps per CPU-second: f/p (1,000 forwards only)" "$(paired m_udp64 p f)" "" "$cmd"
	ratio_row 2 "new TCP connections per CPU-second: b/p (1M bans only)" "$(paired m_conn p b)" "" "$cmd"
	ratio_row 2 "new TCP connections per CPU-second: f/p (1,000 forwards only)" "$(paired m_conn p f)" "" "$cmd"
	# h: plain with one ban, so the ban chains are hooked: what the hook
	# itself costs, apart from the million entries behind it.
	ratio_row 2 "64-byte UDP, pps per CPU-second: h/p (one ban: the ban chains hooked)" "$(paired m_udp64 p h)" "" "$cmd"
	ratio_row 2 "new TCP connections per CPU-second: h/p (one ban: the ban chains hooked)" "$(paired m_conn p h)" "" "$cmd"
fi
