# Figure 6 — new TCP connections per second through NAT: a bounded client
# (bench/connloop.c: connect, wait for the server's close, close; repeat)
# on the LAN host against a server on the WAN host, nftrouter's seed
# ruleset (b) vs the limit (a: one masquerade rule). Metric: connections
# per client CPU-second (the router's per-connection work runs in the
# client's softirq context on veth) and per wall second.
cmd="bench/run 6"
topo a
ruleset a "$B_SRC/bench/rulesets/limit.nft"
if [ -z "$NFTROUTER" ] || ! bench_config "$B_TMP/b.yaml" ||
	! "$NFTROUTER" render -c "$B_TMP/b.yaml" nft >/dev/null 2>&1; then
	not_measured 6 "new connections" "nftrouter render nft not available"
	return 0
fi
topo b
load_nftrouter b "$B_TMP/b.yaml"
reachable a && reachable b || die "no path"
s=$(paired m_conn a b)
ratio_row 6 "new TCP connections per CPU-second: b/a (nftrouter / limit)" "$s" 0.97 "$cmd"
ratio_row 6 "new TCP connections, wall rate: b/a" "$(paired2)" "" "$cmd"
