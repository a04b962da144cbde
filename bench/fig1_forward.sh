# Figure 1 — forwarding LAN -> WAN through the router: TCP 1 stream, TCP 4
# streams, 64-byte UDP packets per second, for
#   a: the limit (bench/rulesets/limit.nft: one masquerade rule),
#   b: nftrouter's ruleset for examples/seed.yaml (bench_config),
#   c: the seed's own nftables.conf (bench/rulesets/seed.nft),
#   w: firewalld's ruleset for an equivalent zone config (peer; 64-byte
#      UDP only),
#   k: b with 1,000,000 bans loaded (900,000 addresses, 100,000 /30s, as
#      `nftrouter ban` stores them): b has no ban, so its ban chains are
#      not hooked (docs/bans.md); k pays them (64-byte UDP only),
#   n: k with `blackhole: { check: connection }`: the same bans looked up
#      once per connection, after conntrack (docs/bans.md; the opt-in
#      trade of issue 17: 64-byte UDP only).
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
	topo k
	nx k-rtr nft flush ruleset
	load_nftrouter k "$B_TMP/router.yaml"
	ban_hook k "$B_TMP/router.yaml"
	ban_elements "$B_TMP/k-bans.nft" 1000000
	nx k-rtr nft -f "$B_TMP/k-bans.nft"
	reachable k || die "k: LAN cannot reach WAN with 1M bans"
	sed 's/^blackhole:$/blackhole:\n  check: connection/' "$B_TMP/router.yaml" >"$B_TMP/router-n.yaml"
	grep -q '^  check: connection' "$B_TMP/router-n.yaml" || die "n: no blackhole section to set check in"
	topo n
	nx n-rtr nft flush ruleset
	load_nftrouter n "$B_TMP/router-n.yaml"
	# the /30 set and its rules as `nftrouter ban` makes them in this
	# layout (both ends in prerouting), then only the elements of k's
	ban_hook n "$B_TMP/router-n.yaml" 198.18.0.4/30
	grep -v '^add rule' "$B_TMP/k-bans.nft" >"$B_TMP/n-bans.nft"
	nx n-rtr nft -f "$B_TMP/n-bans.nft"
	nx n-rtr nft list chain inet nftrouter_bans prerouting_ct >/dev/null ||
		die "n: check: connection did not hook prerouting_ct"
	reachable n || die "n: LAN cannot reach WAN with 1M bans (check: connection)"
else
	log "nftrouter render: $(cat "$B_TMP/b.err" 2>/dev/null)"
fi
# w: firewalld (peer, issue 17 point 6), running on w's router with a zone
# config equivalent to the seed's on these two ports: wan in "external"
# (masquerade, the seed's forward 8443 -> 192.168.100.20:443), lan in
# "internal" (DNS, DHCP), a policy accepting lan -> wan. Its ruleset is
# what firewalld generates for that; firewalld stays idle during samples.
have_w=
if command -v firewalld >/dev/null && command -v dbus-daemon >/dev/null; then
	fw=$B_TMP/fw
	mkdir -p "$fw/etc/zones" "$fw/etc/policies"
	cat >"$fw/etc/zones/external.xml" <<-'EOF'
	<?xml version="1.0" encoding="utf-8"?>
	<zone>
	  <short>External</short>
	  <interface name="wan"/>
	  <masquerade/>
	  <forward/>
	  <forward-port port="8443" protocol="tcp" to-port="443" to-addr="192.168.100.20"/>
	</zone>
	EOF
	cat >"$fw/etc/zones/internal.xml" <<-'EOF'
	<?xml version="1.0" encoding="utf-8"?>
	<zone>
	  <short>Internal</short>
	  <interface name="lan"/>
	  <service name="dns"/>
	  <service name="dhcp"/>
	  <forward/>
	</zone>
	EOF
	cat >"$fw/etc/policies/lan-wan.xml" <<-'EOF'
	<?xml version="1.0" encoding="utf-8"?>
	<policy target="ACCEPT">
	  <short>lan to wan</short>
	  <ingress-zone name="internal"/>
	  <egress-zone name="external"/>
	</policy>
	EOF
	topo w
	if firewalld_up w-rtr "$fw" && reachable w; then
		have_w=1
		nx w-rtr nft list ruleset >"$B_TMP/w.nft"
		log "firewalld's ruleset: $(grep -c . "$B_TMP/w.nft") lines"
	else
		log "firewalld: not answering or no path: $(tail -1 "$fw/firewalld.log")"
	fi
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
	case $m in m_udp64*)
		if [ -n "$have_w" ]; then
			pair_rows "w/a (firewalld / limit)" "$m" a w ""
			[ -z "$have_b" ] || pair_rows "b/w (nftrouter / firewalld)" "$m" w b ""
		else
			not_measured 1 "$m: firewalld peer" "firewalld not installed or not answering"
		fi ;;
	esac
	# The contrasts only in the full run (quick stays under 10 min).
	[ -n "${B_QUICK:-}" ] || pair_rows "c/a (seed / limit)" "$m" a c ""
	case $m in m_udp64*)
		if [ -n "$have_b" ]; then
			pair_rows "k/a (nftrouter with 1M bans / limit)" "$m" a k 0.97
			pair_rows "k/c (nftrouter with 1M bans / seed)" "$m" c k 1.00
			[ -n "${B_QUICK:-}" ] || pair_rows "k/b (1M bans, chains hooked / no ban)" "$m" b k ""
			pair_rows "n/a (1M bans, check: connection / limit)" "$m" a n 0.97
			pair_rows "n/c (1M bans, check: connection / seed)" "$m" c n 1.00
			[ -n "${B_QUICK:-}" ] || pair_rows "n/k (check: connection / packet, 1M bans)" "$m" k n ""
		fi ;;
	esac
done
