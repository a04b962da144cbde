# Figure 4 — apply with a 1,000,000-entry block list (blackhole.lists:
# 900,000 addresses, 100,000 /30 prefixes): `nftrouter apply` of
# examples/seed.yaml (bench_config + the list) against `nft -f` of the same
# rendered ruleset (render nft-bans + render nft + the list as add element
# statements into blocklist4 / blocklist4_nets, in one file). Each run
# starts from an empty ruleset and an empty state dir; the runs alternate.
# Wall time and peak RSS from /usr/bin/time. Then the unchanged re-apply:
# apply again with nothing changed, timed from a shell inside the
# namespace (each bounded at 120 s). Targets: apply time <= nft -f time (ratio apply/nft <= 1.00),
# apply peak RSS <= 0.25 of nft's, unchanged re-apply <= 50 ms.
cmd="bench/run 4"
n=1000000
np=5; reruns=10
[ -z "${B_QUICK:-}" ] || { np=1; reruns=1; }
if [ -z "$NFTROUTER" ] || ! bench_config "$B_TMP/base.yaml" ||
	! "$NFTROUTER" apply --help >/dev/null 2>&1; then
	not_measured 4 "apply" "nftrouter apply not available"
	return 0
fi
[ -x /usr/bin/time ] || die "/usr/bin/time missing (scripts/deps installs the time package)"
blocklist_file "$B_TMP/block.txt" "$n"
with_lists "$B_TMP/base.yaml" "$B_TMP/x.yaml" "$B_TMP/block.txt"
topo x
seed_ports x
"$NFTROUTER" render -c "$B_TMP/x.yaml" nft-bans >"$B_TMP/ref.nft"
"$NFTROUTER" render -c "$B_TMP/x.yaml" nft >>"$B_TMP/ref.nft"
python3 - "$B_TMP/block.txt" >>"$B_TMP/ref.nft" <<'EOF2'
import sys
a, p = [], []
for l in open(sys.argv[1]):
    l = l.strip()
    if l and not l.startswith("#"):
        (p if "/" in l else a).append(l)
for name, v in (("blocklist4", a), ("blocklist4_nets", p)):
    for i in range(0, len(v), 50000):
        print("add element inet nftrouter_bans %s { %s }" % (name, ", ".join(v[i:i + 50000])))
EOF2

# run_apply / run_nft: one cold run each, prints "SECONDS PEAK_KB".
fresh() {
	nx x-rtr nft flush ruleset
	rm -rf "$B_TMP/state" "$B_TMP/run"
	mkdir -p "$B_TMP/state" "$B_TMP/run"
}
run_apply() {
	fresh
	nx x-rtr /usr/bin/time -f "%e %M" -o "$B_TMP/time.out" "$NFTROUTER" apply -c "$B_TMP/x.yaml" \
		--state-dir "$B_TMP/state" --run-dir "$B_TMP/run" >"$B_TMP/apply.out" 2>&1 ||
		{ cat "$B_TMP/apply.out" >&2; die "nftrouter apply failed"; }
	cat "$B_TMP/time.out"
}
run_nft() {
	fresh
	nx x-rtr /usr/bin/time -f "%e %M" -o "$B_TMP/time.out" nft -f "$B_TMP/ref.nft" ||
		die "nft -f of the rendered ruleset failed"
	cat "$B_TMP/time.out"
}
: >"$B_TMP/t.pairs"; : >"$B_TMP/m.pairs"
for i in $(seq 1 "$np"); do
	read -r ta ma <<<"$(run_apply)"
	nx x-rtr nft get element inet nftrouter_bans blocklist4 '{ 10.0.0.16 }' >/dev/null ||
		die "apply did not load the block list (10.0.0.16 missing)"
	nx x-rtr nft get element inet nftrouter_bans blocklist4_nets '{ 100.64.0.4 }' >/dev/null ||
		die "apply did not load the block list's prefixes (100.64.0.4/30 missing)"
	read -r tn mn <<<"$(run_nft)"
	log "  apply pair $i: apply ${ta}s ${ma}KB, nft -f ${tn}s ${mn}KB"
	echo "$tn $ta" >>"$B_TMP/t.pairs"
	echo "$mn $ma" >>"$B_TMP/m.pairs"
done
s=$(stats <"$B_TMP/t.pairs")
read -r med mn mx _ _ ma mb cnt <<<"$s"
verdict=$(awk -v m="$med" 'BEGIN { print (m <= 1.0) ? "met" : "missed" }')
row 4 "apply of a $n-entry block list, wall time: apply / nft -f" \
	"**$med** (min $mn, max $mx; n=$cnt; medians: apply $mb s, nft -f $ma s)" "≤ 1.00" "$verdict" "$cmd"
s=$(stats <"$B_TMP/m.pairs")
read -r med mn mx _ _ ma mb cnt <<<"$s"
verdict=$(awk -v m="$med" 'BEGIN { print (m <= 0.25) ? "met" : "missed" }')
row 4 "apply of a $n-entry block list, peak RSS: apply / nft -f" \
	"**$med** (min $mn, max $mx; n=$cnt; medians: apply $(awk -v v="$mb" 'BEGIN { printf "%.0f", v / 1024 }') MB, nft -f $(awk -v v="$ma" 'BEGIN { printf "%.0f", v / 1024 }') MB)" "≤ 0.25" "$verdict" "$cmd"

# Unchanged re-apply, after one apply of the same config.
run_apply >/dev/null
nx x-rtr bash -s "$NFTROUTER" "$B_TMP" "$reruns" <<'EOF2' >"$B_TMP/re.ms"
N=$1 D=$2 k=$3
for i in $(seq 1 "$k"); do
	t0=$EPOCHREALTIME
	timeout 120 "$N" apply -c "$D/x.yaml" --state-dir "$D/state" --run-dir "$D/run" >/dev/null 2>&1 || echo "apply failed or timed out (120 s)" >&2
	t1=$EPOCHREALTIME
	echo "(${t1/./} - ${t0/./}) / 1000" | bc -l
done
EOF2
read -r med p99 mn mx cnt <<<"$(pstats <"$B_TMP/re.ms")"
verdict=$(awk -v m="$med" 'BEGIN { print (m <= 50) ? "met" : "missed" }')
row 4 "unchanged re-apply (same config, $n-entry list loaded)" \
	"median **$med ms**, p99 $p99 ms (min $mn, max $mx, n=$cnt)" "≤ 50 ms" "$verdict" "$cmd"
