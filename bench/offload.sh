#!/usr/bin/env bash
# bench/offload.sh — paired TCP throughput through nftrouter with and
# without flowtable offload (`offload: software`), in one kernel run.
#
# usage: bench/offload.sh [-n PAIRS] [-t SECS] [-u]
#
# Builds its own namespaces (client L, router R, server W; nrf-PID-*),
# applies the same router.yaml with `offload: software` and with
# `offload: none` by turns (the real `nftrouter apply`; $NFTROUTER, else
# build/src/nftrouter), and runs one iperf3 TCP stream L -> W of SECS
# seconds (default 3, the first second left out as slow start) for each.
# With -u, a UDP stream of 64-byte datagrams as fast as the sender can
# (iperf3 -u -b 0 -l 64), the receiver's rate: per-packet cost, where a
# TCP stream's 64 KB GSO segments spread the forward path's cost thin.
# PAIRS pairs (default 5), the order inside a pair alternating (AB, BA,
# ...) so that a drift of the machine's speed does not favour one side.
# Prints each pair, then one line:
#   offload/plain PROTO MEDIAN (min MIN, max MAX, q1 Q1, q3 Q3; N pairs) ...
# the per-pair ratios of the offloaded rate to the plain one. Ratios only:
# under emulation (TCG) the absolute rates say little. Needs root, a
# kernel with flowtables (the VM guest: tests/lab/vm-flowtable.sh runs
# this there), and iperf3.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
pairs=5 secs=3 udp=""
while [ $# -gt 0 ]; do
	case $1 in
	-n) pairs=${2:?-n needs a number}; shift ;;
	-t) secs=${2:?-t needs seconds}; shift ;;
	-u) udp="-u -b 0 -l 64" ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "usage: bench/offload.sh [-n PAIRS] [-t SECS] [-u]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench/offload.sh: needs root (network namespaces)" >&2; exit 1; }
bin=${NFTROUTER:-$src/build/src/nftrouter}
[ -x "$bin" ] || { echo "bench/offload.sh: no nftrouter at $bin (set NFTROUTER)" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench/offload.sh: iperf3 not installed" >&2; exit 1; }

id=nrf-$$
L=$id-l R=$id-r W=$id-w
dir=$(mktemp -d /tmp/nftr-bench-offload.XXXXXX)
srv=
cleanup() {
	set +e
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	for ns in "$L" "$R" "$W"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in "$L" "$R" "$W"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
# veth NS1 IF1 NS2 IF2 MAC1
veth() {
	ip link add "$id-a" type veth peer name "$id-b"
	ip link set "$id-a" netns "$1"
	ip link set "$id-b" netns "$3"
	ip -n "$1" link set "$id-a" name "$2"
	ip -n "$1" link set "$2" address "$5"
	ip -n "$3" link set "$id-b" name "$4"
	ip -n "$3" link set "$4" up
}
veth "$R" eth1 "$W" eth0 52:54:00:f2:00:01
veth "$R" eth2 "$L" eth0 52:54:00:f2:00:02
ip -n "$W" addr add 203.0.113.1/24 dev eth0
ip -n "$L" addr add 192.168.100.10/24 dev eth0
ip -n "$L" route add default via 192.168.100.1
for mode in software none; do
	cat >"$dir/$mode.yaml" <<YAML
offload: $mode
interfaces:
  wan: { match: { mac: "52:54:00:f2:00:01" }, ipv4: 203.0.113.2/24 }
  lan: { match: { mac: "52:54:00:f2:00:02" }, ipv4: 192.168.100.1/24 }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: accept, forward: [wan] }
YAML
done
apply() {
	ip netns exec "$R" "$bin" apply -c "$dir/$1.yaml" --state-dir "$dir/state" \
		--run-dir "$dir/run" >"$dir/apply.out" 2>&1 ||
		{ cat "$dir/apply.out" >&2; echo "bench/offload.sh: apply ($1) failed" >&2; exit 1; }
}
ip netns exec "$W" iperf3 -s -B 203.0.113.1 >/dev/null 2>&1 &
srv=$!
for _ in $(seq 50); do
	ip netns exec "$W" ss -ltn | grep -q ':5201 ' && break
	sleep 0.1
done

# One stream; prints the receiver's Mbit/s.
rate() {
	apply "$1"
	# shellcheck disable=SC2086 # $udp is a list of options
	timeout $((secs + 30)) ip netns exec "$L" iperf3 -c 203.0.113.1 -t "$secs" -O 1 -f m $udp \
		>"$dir/iperf.out" 2>&1 || { cat "$dir/iperf.out" >&2; exit 1; }
	awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i } END { print r }' \
		"$dir/iperf.out"
}

load0=$(cut -d' ' -f1 /proc/loadavg)
: >"$dir/ratios"
for i in $(seq "$pairs"); do
	if [ $((i % 2)) -eq 1 ]; then
		a=$(rate software); b=$(rate none)
	else
		b=$(rate none); a=$(rate software)
	fi
	r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
	echo "pair $i: offload $a Mbit/s, plain $b Mbit/s, ratio $r"
	echo "$r $a $b" >>"$dir/ratios"
done
load1=$(cut -d' ' -f1 /proc/loadavg)
sort -n "$dir/ratios" | awk -v l0="$load0" -v l1="$load1" -v proto="$([ -n "$udp" ] && echo UDP-64 || echo TCP)" '
	{ r[NR] = $1; a[NR] = $2; b[NR] = $3 }
	function med(v, n,   t, i, j, x) {
		for (i = 1; i <= n; i++) t[i] = v[i]
		for (i = 2; i <= n; i++) { x = t[i]; for (j = i - 1; j >= 1 && t[j] > x; j--) t[j + 1] = t[j]; t[j + 1] = x }
		return n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
	}
	END {
		n = NR
		printf "offload/plain %s %.3f (min %.3f, max %.3f, q1 %.3f, q3 %.3f; %d pairs) ", proto, med(r, n), r[1], r[n], r[int((n + 3) / 4)], r[n + 1 - int((n + 3) / 4)], n
		printf "median offload %.3g Mbit/s, plain %.3g Mbit/s; guest load %s -> %s\n", med(a, n), med(b, n), l0, l1
	}'
