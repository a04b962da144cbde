# Figure 8 — peer: firewalld (Debian 12's 1.3.3, nftables backend) on the
# bench router namespace, against nftrouter on an identical one.
# firewalld runs without systemd: a private dbus-daemon (system-bus config
# of our own, socket in the bench's temp dir) and
# `firewalld --nofork --nopid --system-config DIR`, so its permanent config
# lives in the bench's temp dir and the host's /etc/firewalld is untouched.
# Its drop zone takes an ipset (type hash:net) of N entries (90% addresses,
# 10% /30 prefixes, the same as nftrouter's block list), N = 10,000 and
# 100,000. Measured, alternating:
#   firewalld: `firewall-cmd --reload` (rebuilds its whole ruleset with
#   the ipset); nftrouter: a cold `nftrouter apply` of the seed config with
#   the same entries as blackhole.lists (empty ruleset and state first).
# (--quick: 10,000 only.) Then, with the last set loaded: `firewall-cmd --ipset=bench
# --add-entry=ADDR` against `nftrouter ban ADDR`; `firewall-cmd --state`
# is the floor (firewall-cmd's own start-up, a Python program).
cmd="bench/run 8"
if ! command -v firewalld >/dev/null || ! command -v dbus-daemon >/dev/null; then
	not_measured 8 "firewalld" "firewalld or dbus-daemon not installed (scripts/deps installs firewalld)"
	return 0
fi
if [ -z "$NFTROUTER" ] || ! bench_config "$B_TMP/base.yaml" ||
	! "$NFTROUTER" apply --help >/dev/null 2>&1; then
	not_measured 8 "firewalld vs nftrouter" "nftrouter apply not available"
	return 0
fi
reloads=3; adds=5; sizes="10000 100000"
[ -z "${B_QUICK:-}" ] || { reloads=2; adds=3; sizes=10000; }
topo f
topo g
seed_ports g
fw=$B_TMP/fw
mkdir -p "$fw/etc/ipsets" "$fw/etc/zones" "$B_TMP/state" "$B_TMP/run"
cat >"$fw/etc/zones/drop.xml" <<'EOF2'
<?xml version="1.0" encoding="utf-8"?>
<zone target="DROP">
  <short>Drop</short>
  <source ipset="bench"/>
</zone>
EOF2
fwset() { # N: the ipset file and the same entries as a block list
	python3 - "$1" "$fw/etc/ipsets/bench.xml" "$B_TMP/block.txt" <<-'EOF2'
	import sys
	n = int(sys.argv[1]); npfx = n // 10
	def q(x):
	    return "%d.%d.%d.%d" % (x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255)
	v = [q((10 << 24) + i * 16) for i in range(n - npfx)]
	v += [q((100 << 24) + (64 << 16) + i * 4) + "/30" for i in range(npfx)]
	with open(sys.argv[2], "w") as f:
	    f.write('<?xml version="1.0" encoding="utf-8"?>\n<ipset type="hash:net">\n')
	    f.writelines("  <entry>%s</entry>\n" % e for e in v)
	    f.write("</ipset>\n")
	open(sys.argv[3], "w").write("\n".join(v) + "\n")
	EOF2
}
fwset 10
firewalld_up f-rtr "$fw" || {
	not_measured 8 "firewalld" "firewalld did not answer on the private bus: $(tail -1 "$fw/firewalld.log")"
	return 0
}
sec() { # CMD...: wall seconds of CMD (run from this shell: includes ip netns exec, both sides)
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>>"$B_TMP/fig8.err" || { echo "failed: $*" >>"$B_TMP/fig8.err"; echo nan; return; }
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
nr_apply() {
	nx g-rtr nft flush ruleset
	rm -rf "$B_TMP/state"; mkdir -p "$B_TMP/state"
	sec nx g-rtr "$NFTROUTER" apply -c "$B_TMP/g.yaml" --state-dir "$B_TMP/state" --run-dir "$B_TMP/run"
}
for n in $sizes; do
	fwset $n
	with_lists "$B_TMP/base.yaml" "$B_TMP/g.yaml" "$B_TMP/block.txt"
	: >"$B_TMP/r.pairs"
	for i in $(seq 1 "$reloads"); do
		a=$(nr_apply)
		b=$(sec nx f-rtr firewall-cmd --reload)
		log "  $n entries, pair $i: nftrouter apply $a s, firewall-cmd --reload $b s"
		echo "$a $b" >>"$B_TMP/r.pairs"
	done
	s=$(stats <"$B_TMP/r.pairs")
	read -r med mn mx _ _ ma mb cnt <<<"$s"
	row 8 "$n-entry set: firewall-cmd --reload / cold nftrouter apply (wall time)" \
		"**$med** (min $mn, max $mx; n=$cnt; medians: firewalld $mb s, nftrouter $ma s)" "—" "(peer)" "$cmd"
done
nx f-rtr nft list set inet firewalld bench >/dev/null 2>&1 || log "note: firewalld's set is not named inet firewalld bench"
: >"$B_TMP/add.pairs"; : >"$B_TMP/state.s"
for i in $(seq 1 "$adds"); do
	a=$(sec nx g-rtr "$NFTROUTER" ban -c "$B_TMP/g.yaml" --state-dir "$B_TMP/state" --run-dir "$B_TMP/run" "198.51.100.$i" --for 1h)
	b=$(sec nx f-rtr firewall-cmd --ipset=bench --add-entry="198.51.100.$i")
	sec nx f-rtr firewall-cmd --state >>"$B_TMP/state.s"
	echo "$a $b" >>"$B_TMP/add.pairs"
done
[ ! -s "$B_TMP/fig8.err" ] || cat "$B_TMP/fig8.err" >&2
s=$(stats <"$B_TMP/add.pairs")
read -r med mn mx _ _ ma mb cnt <<<"$s"
read -r smed _ <<<"$(pstats <"$B_TMP/state.s")"
row 8 "one entry into the $n-entry set: firewall-cmd --add-entry / nftrouter ban (wall, incl. ip netns exec)" \
	"**$med** (min $mn, max $mx; n=$cnt; medians: firewall-cmd $mb s, nftrouter ban $ma s; firewall-cmd --state alone $smed s)" "—" "(peer)" "$cmd"
