# Figure 9 — the daemon at rest: `nftrouter run` of examples/seed.yaml
# (bench_config) on the bench router, left idle; then its resident memory
# (VmRSS) and its wakeups: the voluntary + involuntary context switches of
# all its threads over an idle window (60 s, quick 15 s), per minute. Its
# children (dnsmasq, unbound, udhcpc on the DHCP ports) are listed beside
# it, not counted in it.
cmd="bench/run 9"
win=60
[ -z "${B_QUICK:-}" ] || win=15
if [ -z "$NFTROUTER" ] || ! bench_config "$B_TMP/d.yaml" ||
	! "$NFTROUTER" run --help >/dev/null 2>&1; then
	not_measured 9 "daemon" "nftrouter run not available"
	return 0
fi
topo d
seed_ports d
mkdir -p "$B_TMP/state" "$B_TMP/run"
bgnx d-rtr "$NFTROUTER" run -c "$B_TMP/d.yaml" --state-dir "$B_TMP/state" --run-dir "$B_TMP/run" \
	>"$B_TMP/run.log" 2>&1
pid=${B_PIDS[-1]}
# Up when the control socket exists; then let start-up settle.
for _ in $(seq 1 100); do [ -S "$B_TMP/run/nftrouter.sock" ] && break; sleep 0.1; done
[ -S "$B_TMP/run/nftrouter.sock" ] || { cat "$B_TMP/run.log" >&2; die "daemon did not come up"; }
sleep 3
kill -0 "$pid" || { cat "$B_TMP/run.log" >&2; die "daemon exited"; }
switches() { cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ { s += $2 } END { print s }'; }
s0=$(switches)
sleep "$win"
s1=$(switches)
rss=$(awk '/VmRSS/ { print $2 }' /proc/"$pid"/status)
kids=""
for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
	kids="$kids $(cat /proc/"$c"/comm 2>/dev/null) $(awk '/VmRSS/ { print $2 }' /proc/"$c"/status 2>/dev/null) kB;"
	B_PIDS+=("$c")
done
per_min=$(awk -v a="$s0" -v b="$s1" -v w="$win" 'BEGIN { printf "%.1f", (b - a) * 60 / w }')
row 9 "nftrouter run, idle $win s" "RSS **$rss kB**, **$per_min wakeups/min** (context switches of its threads); children:${kids:- none}" \
	"—" "(measured)" "$cmd"
kill "$pid"
wait "$pid" 2>/dev/null || true
