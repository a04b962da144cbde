# Shared helpers for bench/fig*.sh. Sourced by bench/run (never run alone).
#
# Topology (one "topo" = three namespaces, all named nrb-$B_ID-TOPO-*):
#
#   TOPO-lan: eth0 192.168.100.2/24 ── lan 192.168.100.1/24 :TOPO-rtr: wan 203.0.113.1/24 ── eth0 203.0.113.2/24 :TOPO-wan
#
# The router's ports are named lan and wan, with the MACs examples/seed.yaml
# matches (52:54:00:00:00:03 / :02), so the seed's nftables.conf and
# nftrouter's seed config both find them. The WAN host has no route back
# to 192.168.100.0/24: traffic only comes back through the router's NAT.
#
# Comparisons are made between topologies that exist side by side, each
# with its ruleset loaded once, and the measurements alternate between them
# (A B A B ...): no ruleset is reloaded between the two halves of a pair,
# so a million-element set costs its load time once, not per run.
#
# Every figure prints its rows with row(): one line per measured ratio in
# the table format of docs/performance.md, also appended to $B_RESULTS.
set -eu

B_ID=${B_ID:-$(printf '%04x' $(($$ % 65536)))}
B_NETNS=()
B_PIDS=()
B_TMP=$(mktemp -d "/tmp/nrb-$B_ID.XXXXXX")

b_cleanup() {
	local rc=$?
	set +e
	for pid in "${B_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	sleep 0.2
	for pid in "${B_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
	for ns in "${B_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	[ -n "${B_KEEP:-}" ] || rm -rf "$B_TMP"
	exit $rc
}
trap b_cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

# bgrun CMD...: start an executable in the background, remember its PID
# for cleanup. (Not a shell function: its PID would be a subshell's.)
bgrun() {
	"$@" &
	B_PIDS+=($!)
}
# bgnx NS CMD...: the same inside NS (ip netns exec execs CMD in place).
bgnx() {
	local n=$1; shift
	bgrun ip netns exec "$(ns "$n")" "$@"
}

ns() { echo "nrb-$B_ID-$1"; }
nx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

# pairs N: how many A/B pairs a figure runs (quick: B_QUICK_PAIRS).
pairs() { if [ -n "${B_QUICK:-}" ]; then echo "${B_QUICK_PAIRS:-3}"; else echo "${B_FULL_PAIRS:-10}"; fi; }
# dur [udp]: seconds per throughput sample (UDP samples, 100,000+ packets
# a second, are shorter in the quick run).
dur() {
	if [ -z "${B_QUICK:-}" ]; then echo 3
	elif [ "${1:-}" = udp ]; then echo 1
	else echo 2; fi
}

b_netns() {
	local n
	n=$(ns "$1")
	ip netns add "$n"
	B_NETNS+=("$n")
	ip -n "$n" link set lo up
}

b_veth() { # NS1 IF1 NS2 IF2 [MAC1]
	local tmp="nrb$RANDOM$RANDOM"
	tmp=${tmp:0:13}
	ip link add "$tmp" type veth peer name "${tmp}p"
	ip link set "$tmp" netns "$(ns "$1")"
	ip link set "${tmp}p" netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$tmp" name "$2"
	ip -n "$(ns "$3")" link set "${tmp}p" name "$4"
	[ -z "${5:-}" ] || ip -n "$(ns "$1")" link set "$2" address "$5"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

# topo T: build the lan/router/wan triple T (e.g. "a").
topo() {
	local t=$1
	b_netns "$t-lan"
	b_netns "$t-rtr"
	b_netns "$t-wan"
	b_veth "$t-rtr" lan "$t-lan" eth0 52:54:00:00:00:03
	b_veth "$t-rtr" wan "$t-wan" eth0 52:54:00:00:00:02
	ip -n "$(ns "$t-rtr")" addr add 192.168.100.1/24 dev lan
	ip -n "$(ns "$t-rtr")" addr add 203.0.113.1/24 dev wan
	ip -n "$(ns "$t-lan")" addr add 192.168.100.2/24 dev eth0
	ip -n "$(ns "$t-lan")" route add default via 192.168.100.1
	ip -n "$(ns "$t-wan")" addr add 203.0.113.2/24 dev eth0
	nx "$t-rtr" sysctl -qw net.ipv4.ip_forward=1
	nx "$t-rtr" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	# Many short connections (figure 6) must not fill the conntrack table
	# with TIME_WAIT entries; the same setting holds for every topology.
	nx "$t-rtr" sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=1 2>/dev/null || true
	# The WAN host discards the UDP test traffic after its veth counted it.
	nx "$t-wan" nft -f - <<-'EOF'
	table inet sink {
		chain pre { type filter hook prerouting priority raw; policy accept; udp dport 9 drop; }
	}
	EOF
	# Servers on the WAN host, for the topology's lifetime.
	bgnx "$t-wan" iperf3 -s -p 5201 >/dev/null 2>&1
	bgnx "$t-wan" "$B_BIN/connloop" server -p 8080 -t 3600
	# Warm up ARP/neighbour entries and check the path.
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		nx "$t-lan" ping -c1 -W1 203.0.113.2 >/dev/null 2>&1 && return 0
		sleep 0.3
	done
	return 0
}

# ruleset T FILE: load an nft script into T's router (after flushing).
ruleset() {
	nx "$1-rtr" nft flush ruleset
	nx "$1-rtr" nft -f "$2"
}

# reachable T: the LAN host reaches the WAN host through the router.
reachable() { nx "$1-lan" ping -c1 -W1 203.0.113.2 >/dev/null 2>&1; }

# --- metrics: each prints one number for topology T ---------------------

m_tcp1() { nx "$1-lan" iperf3 -c 203.0.113.2 -p 5201 -t "$(dur)" -J 2>/dev/null |
	jq '.end.sum_received.bits_per_second / 1e9'; }
m_tcp4() { nx "$1-lan" iperf3 -c 203.0.113.2 -p 5201 -t "$(dur)" -P 4 -J 2>/dev/null |
	jq '.end.sum_received.bits_per_second / 1e9'; }

rx_packets() { nx "$1" cat /sys/class/net/"$2"/statistics/rx_packets; }

# m_udp64 T: 64-byte frames through the router per CPU-second, and per
# wall second. The kernel here has no IRQ time accounting, so the softirq
# work of every hop (router forward + NAT, WAN host receive), which veth
# runs in the sending task's context, is charged to the sender: packets /
# sender CPU-seconds is the whole path's per-packet cost, and it does not
# depend on how much of the shared CPUs the sender got. Wall pps does.
m_udp64() {
	local r0 r1 out
	r0=$(rx_packets "$1-wan" eth0)
	out=$(nx "$1-lan" "$B_BIN/udpflood" -d 203.0.113.2 -p 9 -t "$(dur udp)")
	sleep 0.1
	r1=$(rx_packets "$1-wan" eth0)
	echo "$out" | awk -v a="$r0" -v b="$r1" '{
		split($2, s, "="); split($3, c, "=");
		printf "%.0f %.0f\n", (b - a) / c[2], (b - a) / s[2] }'
}

# m_udp64e T: as m_udp64, but the flow is established first: one packet
# out from source port 40000, one reply from the WAN host back to it through
# the NAT, so the flood's packets are conntrack "established" (the steady
# state of real traffic) instead of "new" (no reply yet: every packet walks
# the whole forward path).
m_udp64e() {
	local r0 r1 out
	nx "$1-lan" "$B_BIN/udpflood" -d 203.0.113.2 -p 9 -b 40000 -n 1 >/dev/null
	nx "$1-wan" "$B_BIN/udpflood" -d 203.0.113.1 -p 40000 -b 9 -n 1 >/dev/null
	sleep 0.05
	r0=$(rx_packets "$1-wan" eth0)
	out=$(nx "$1-lan" "$B_BIN/udpflood" -d 203.0.113.2 -p 9 -b 40000 -t "$(dur udp)")
	sleep 0.1
	r1=$(rx_packets "$1-wan" eth0)
	echo "$out" | awk -v a="$r0" -v b="$r1" '{
		split($2, s, "="); split($3, c, "=");
		printf "%.0f %.0f\n", (b - a) / c[2], (b - a) / s[2] }'
}

# m_conn T: TCP connections through the router per client CPU-second, and
# per wall second (see m_udp64 for why per CPU-second).
m_conn() {
	local out
	out=$(nx "$1-lan" "$B_BIN/connloop" client -d 203.0.113.2 -p 8080 -t "$(dur)")
	echo "$out" | awk '{ split($1, n, "="); split($3, s, "="); split($4, c, "=");
		printf "%.0f %.0f\n", n[2] / c[2], n[2] / s[2] }'
}

# m_fwdconn T:PORT: new TCP connections from T's WAN host to the router's
# PORT (a port forward to 192.168.100.20:PORT on T's LAN host, see
# fwd_server), per client CPU-second and per wall second. Comparing two
# ports of one topology compares the cost of finding one forward among
# many (issue 17 point 3).
m_fwdconn() {
	local t=${1%%:*} p=${1#*:} out
	out=$(nx "$t-wan" "$B_BIN/connloop" client -d 203.0.113.1 -p "$p" -t "$(dur)")
	echo "$out" | awk '{ split($1, n, "="); split($3, s, "="); split($4, c, "=");
		printf "%.0f %.0f\n", n[2] / c[2], n[2] / s[2] }'
}

# fwd_server T PORT...: the forwards' target on T's LAN host:
# 192.168.100.20, a connloop server on each PORT. (Two forwards to one
# server port would share conntrack reply tuples and clash in the NAT.)
fwd_server() {
	local t=$1 p
	shift
	ip -n "$(ns "$t-lan")" addr add 192.168.100.20/24 dev eth0
	for p in "$@"; do bgnx "$t-lan" "$B_BIN/connloop" server -p "$p" -t 3600; done
}

# firewalld_up NS DIR: firewalld (nftables backend) in namespace NS with
# its permanent config in DIR/etc (zones/, policies/, ipsets/ as the
# caller wrote them), without systemd: a private dbus-daemon (system-bus
# config of our own, socket DIR/bus) and `firewalld --nofork --nopid
# --system-config DIR/etc`, so the host's /etc/firewalld is untouched.
# Exports DBUS_SYSTEM_BUS_ADDRESS for firewall-cmd. Returns 1 if it does
# not answer within about 30 s (its log: DIR/firewalld.log).
firewalld_up() {
	local n=$1 fw=$2 i
	mkdir -p "$fw/etc"
	cp /etc/firewalld/firewalld.conf "$fw/etc/" 2>/dev/null || true
	cat >"$fw/bus.conf" <<-EOF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=$fw/bus</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <allow own="*"/>
	    <allow send_destination="*"/>
	    <allow receive_sender="*"/>
	  </policy>
	</busconfig>
	EOF
	bgrun dbus-daemon --config-file="$fw/bus.conf" --nofork --nopidfile
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$fw/bus
	for i in $(seq 1 50); do [ -S "$fw/bus" ] && break; sleep 0.1; done
	bgnx "$n" firewalld --nofork --nopid --system-config "$fw/etc" --log-target console \
		>"$fw/firewalld.log" 2>&1
	for i in $(seq 1 100); do
		nx "$n" firewall-cmd --state >/dev/null 2>&1 && return 0
		sleep 0.3
	done
	tail -20 "$fw/firewalld.log" >&2
	return 1
}

# --- paired runner and statistics -----------------------------------------

# paired METRIC A B: N pairs, alternating A B A B; prints "ratio-stats"
# (median min max q1 q3 of B/A, then median A, median B). Raw samples go
# to $B_TMP/samples.log.
paired() {
	local metric=$1 a=$2 b=$3 n i va vb
	n=$(pairs)
	: >"$B_TMP/pair.txt"
	: >"$B_TMP/pair2.txt"
	for i in $(seq 1 "$n"); do
		va=$($metric "$a")
		vb=$($metric "$b")
		echo "${va%% *} ${vb%% *}" >>"$B_TMP/pair.txt"
		[ "${va#* }" = "$va" ] || echo "${va#* } ${vb#* }" >>"$B_TMP/pair2.txt"
		echo "$metric $a=$va $b=$vb" >>"$B_TMP/samples.log"
		log "  $metric pair $i: $a=$va $b=$vb"
	done
	stats <"$B_TMP/pair.txt"
}

# paired2: the stats of the secondary value of the last paired() run.
paired2() { stats <"$B_TMP/pair2.txt"; }

# stats: lines "A B" in, "median min max q1 q3 medA medB n" of B/A out.
stats() {
	python3 -c '
import sys, statistics as st
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
rows = [(a, b) for a, b in rows if a > 0]
if not rows:
    print("nan nan nan nan nan nan nan 0"); sys.exit()
r = sorted(b / a for a, b in rows)
def q(p):
    k = (len(r) - 1) * p; f = int(k); c = min(f + 1, len(r) - 1)
    return r[f] + (r[c] - r[f]) * (k - f)
print("%.3f %.3f %.3f %.3f %.3f %.4g %.4g %d" % (st.median(r), r[0], r[-1], q(.25), q(.75),
      st.median(a for a, _ in rows), st.median(b for _, b in rows), len(rows)))
'
}

# pstats: numbers in (one per line), "median p99 min max n" out.
pstats() {
	python3 -c '
import sys, statistics as st
v = sorted(float(l) for l in sys.stdin if l.strip())
if not v:
    print("nan nan nan nan 0"); sys.exit()
p99 = v[min(len(v) - 1, int(round(0.99 * (len(v) - 1))))]
print("%.4g %.4g %.4g %.4g %d" % (st.median(v), p99, v[0], v[-1], len(v)))
'
}

# row FIGURE WHAT RESULT TARGET VERDICT COMMAND: one table row.
row() {
	local c=$6
	[ -z "${B_QUICK:-}" ] || c=${c/#bench\/run /bench\/run --quick }
	local line="| $1 | $2 | $3 | $4 | $5 | \`$c\` |"
	echo "$line"
	echo "$line" >>"$B_RESULTS"
}

# ratio_row FIG WHAT "STATS" TARGET_MIN CMD UNIT: a row for a paired ratio,
# met if the median ratio >= TARGET_MIN (empty TARGET_MIN: no target).
ratio_row() {
	local fig=$1 what=$2 s=$3 tmin=$4 cmd=$5 unit=${6:-}
	local med mn mx q1 q3 ma mb n verdict target
	read -r med mn mx q1 q3 ma mb n <<<"$s"
	if [ -z "$tmin" ]; then
		target="—"
		verdict="(contrast)"
	else
		target="≥ $tmin"
		verdict=$(awk -v m="$med" -v t="$tmin" 'BEGIN { print (m >= t) ? "met" : "missed" }')
	fi
	row "$fig" "$what" "**$med** (min $mn, max $mx, IQR $q1–$q3; n=$n; medians $ma vs $mb $unit)" \
		"$target" "$verdict" "$cmd"
}

# not_measured FIG WHAT REASON
not_measured() { row "$1" "$2" "not measured: $3" "—" "—" "bench/run $1"; }

# have_cmd SUBCOMMAND: nftrouter has this subcommand (it is in its table).
have_cmd() {
	[ -x "${NFTROUTER:-}" ] || return 1
	"$NFTROUTER" --help 2>&1 | grep -qw -- "$1"
}

# bench_config OUT [FORWARDS_YAML]: examples/seed.yaml made to fit the
# bench router: the WAN port gets the static 203.0.113.1/24 instead of DHCP
# (there is no DHCP server on the bench WAN). Ports not present in the
# namespace stay in the config: nftrouter matches interfaces by name, so the
# ruleset loads without them.
bench_config() {
	local out=$1
	[ -f "$B_SRC/examples/seed.yaml" ] || return 1
	python3 - "$B_SRC/examples/seed.yaml" "$out" "${2:-}" <<-'EOF'
	import re, sys
	src, out, extra = sys.argv[1], sys.argv[2], sys.argv[3]
	t = open(src).read()
	# wan: ipv4 dhcp -> static (only on the line that defines the wan port)
	t = re.sub(r'(?m)^(\s*wan:\s*\{.*?ipv4:\s*)dhcp', r'\g<1>203.0.113.1/24', t)
	if extra:  # more port forwards, after the config's own
	    t = t.replace("\nport-forwards:\n", "\nport-forwards:\n" + open(extra).read(), 1)
	open(out, 'w').write(t)
	EOF
}

# load_nftrouter T CONFIG: put nftrouter's firewall for CONFIG on T's
# router with nft -f: `nftrouter render nft-bans` (the ban table, as apply
# creates it), then `nftrouter render nft` (the main table). This is the
# text apply hands to the kernel; figures 4 and 7 time apply itself.
load_nftrouter() {
	local t=$1 cfg=$2
	"$NFTROUTER" render -c "$cfg" nft-bans >"$B_TMP/$t-bans.nft"
	"$NFTROUTER" render -c "$cfg" nft >"$B_TMP/$t.nft"
	nx "$t-rtr" nft -f "$B_TMP/$t-bans.nft"
	nx "$t-rtr" nft -f "$B_TMP/$t.nft"
}

# ban_hook T CONFIG [PREFIX...]: one real `nftrouter ban` (of 198.18.0.1,
# which no bench host uses; then of each PREFIX) on T's router, as a
# router with bans has it: the ban chains hook prerouting and output only
# once a ban exists (docs/bans.md), so elements loaded with nft -f
# (ban_elements) need this first; a PREFIX ban brings its length's set and
# rules in the layout the config chose.
ban_hook() {
	local t=$1 cfg=$2 p
	shift 2
	mkdir -p "$B_TMP/$t-state" "$B_TMP/$t-run"
	for p in 198.18.0.1 "$@"; do
		nx "$t-rtr" "$NFTROUTER" ban -c "$cfg" --state-dir "$B_TMP/$t-state" --run-dir "$B_TMP/$t-run" \
			"$p" --for 1d >&2 || die "$t: nftrouter ban $p failed"
	done
	nx "$t-rtr" nft list table inet nftrouter_bans | grep -q 'type filter hook prerouting' ||
		die "$t: the first ban did not hook the ban chains"
}

# ban_elements FILE COUNT [ADDRSET [PFXSET [TIMEOUT [NPFX]]]]: an nft
# script adding elements to nftrouter's ban table, as `nftrouter ban`
# stores them: single addresses (every 16th address of 10.0.0.0/8) into
# ADDRSET (default blackhole4, a hash set) and /30 prefixes (in
# 100.64.0.0/10) into PFXSET (default blackhole4_30: the hash set of /30
# bans, keyed by network address, created with its two rules as the
# first `nftrouter ban` of a /30 would; an interval set such as
# blocklist4_nets takes them as prefixes): COUNT in all, NPFX of them
# prefixes (default COUNT/10), each with TIMEOUT (default 1d; "-" for
# none), in statements of 50,000 elements. None of them covers the
# bench's own addresses.
ban_elements() {
	python3 - "$@" <<-'EOF'
	import sys
	a = sys.argv[1:] + [None] * 5
	out, n = a[0], int(a[1])
	aset = a[2] or "blackhole4"
	pset = a[3] or "blackhole4_30"
	to = a[4] or "1d"
	suf = "" if to == "-" else " timeout " + to
	npfx = int(a[5]) if a[5] else n // 10
	assert npfx <= 1 << 20
	nadr = n - npfx
	def q(x):
	    return "%d.%d.%d.%d" % (x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255)
	def write(f, name, it):
	    chunk = []
	    for e in it:
	        chunk.append(e)
	        if len(chunk) == 50000:
	            f.write("add element inet nftrouter_bans %s { %s }\n" % (name, ", ".join(chunk)))
	            chunk = []
	    if chunk:
	        f.write("add element inet nftrouter_bans %s { %s }\n" % (name, ", ".join(chunk)))
	perlen = pset.startswith("blackhole4_") and pset[11:].isdigit()
	with open(out, "w") as f:
	    if perlen and npfx:
	        m = q((0xffffffff << (32 - int(pset[11:]))) & 0xffffffff)
	        f.write("add set inet nftrouter_bans %s { type ipv4_addr; flags timeout; }\n" % pset)
	        for ch, d in (("prerouting", "saddr"), ("output", "daddr")):
	            f.write("add rule inet nftrouter_bans %s ip %s & %s @%s drop\n" % (ch, d, m, pset))
	    write(f, aset, (q((10 << 24) + i * 16) + suf for i in range(nadr)))
	    write(f, pset, (q((100 << 24) + (64 << 16) + i * 4) + ("" if perlen else "/30") + suf
	                    for i in range(npfx)))
	EOF
}

# forwards_yaml OUT COUNT: COUNT extra port forwards (tcp 20000+i ->
# 192.168.100.20, the same port): each its own target, so each has its own
# forward accept, as forwards to different services do.
forwards_yaml() {
	local i
	for i in $(seq 0 $(($2 - 1))); do
		echo "  - { name: bench$i, from: wan, tcp: $((20000 + i)), to: 192.168.100.20 }"
	done >"$1"
}

# seed_ports T: the seed's other ports on T's router, so that `nftrouter
# apply` finds every non-optional port of examples/seed.yaml: eth0 (vm0),
# eth1 (vm1) and the MAC of opt1, each a veth whose peer stays in the
# router namespace. opt2 is optional and stays absent.
seed_ports() {
	local r
	r=$(ns "$1-rtr")
	ip -n "$r" link add eth0 type veth peer name nrbp0
	ip -n "$r" link add eth1 type veth peer name nrbp1
	ip -n "$r" link add nrbo1 address 52:54:00:00:00:04 type veth peer name nrbp2
	ip -n "$r" link set nrbp0 up
	ip -n "$r" link set nrbp1 up
	ip -n "$r" link set nrbp2 up
}

# blocklist_file OUT COUNT: a block list (one address or prefix a line,
# as blackhole.lists reads it): 90% single addresses in 10.0.0.0/8, 10%
# /30 prefixes in 100.64.0.0/10.
blocklist_file() {
	python3 - "$1" "$2" <<-'EOF'
	import sys
	out, n = sys.argv[1], int(sys.argv[2])
	npfx = n // 10
	def q(x):
	    return "%d.%d.%d.%d" % (x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255)
	with open(out, "w") as f:
	    f.write("# bench block list: %d entries\n" % n)
	    for i in range(n - npfx):
	        f.write(q((10 << 24) + i * 16) + "\n")
	    for i in range(npfx):
	        f.write(q((100 << 24) + (64 << 16) + i * 4) + "/30\n")
	EOF
}

# with_lists IN OUT LIST: IN with blackhole.lists = [LIST].
with_lists() {
	python3 - "$1" "$2" "$3" <<-'EOF'
	import sys
	t = open(sys.argv[1]).read()
	assert "\nblackhole:\n" in t
	t = t.replace("\nblackhole:\n", "\nblackhole:\n  lists: [\"%s\"]\n" % sys.argv[3], 1)
	open(sys.argv[2], "w").write(t)
	EOF
}
