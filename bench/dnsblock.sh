#!/usr/bin/env bash
# DNS blocklists (docs/performance.md, figure 10): what 1,000,000 names in
# dns.blocklists cost dnsmasq 2.90, measured against the same dnsmasq
# without them, in network namespaces made here (removed on exit).
#   (a) the time of a query for an unlisted name (forwarded to an upstream
#       dnsmasq in another namespace; every name distinct, so none is
#       cached): Q queries by one UDP client, median and 99th percentile,
#       without and with the list, alternating rounds;
#   (b) the load: `nftrouter dns-check` reading and validating the 1M
#       list (what apply, check and the daemon's write cost), and dnsmasq's
#       start until the last listed name answers NXDOMAIN.
# The list file holds exactly the lines the daemon writes
# (render_dnsmasq_blocked: `server=/NAME/`, tests/unit/system/test_dnsblock.c).
#   sudo bench/dnsblock.sh [-b BUILDDIR] [-q QUERIES] [-r ROUNDS]
set -eu
build=build q=2000 rounds=3
while getopts b:q:r: o; do
    case $o in b) build=$OPTARG ;; q) q=$OPTARG ;; r) rounds=$OPTARG ;; *) exit 2 ;; esac
done
cd "$(dirname "$0")/.."
NFTROUTER=$PWD/$build/src/nftrouter
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 77; }
tmp=$(mktemp -d /tmp/nrb-dnsblock.XXXXXX)
R=nrb-dnsb-$$-r U=nrb-dnsb-$$-u pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    ip netns del "$R" 2>/dev/null || true; ip netns del "$U" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$R"; ip netns add "$U"
ip -n "$R" link set lo up; ip -n "$U" link set lo up
ip link add nrbd$$ type veth peer name nrbd$$p
ip link set nrbd$$ netns "$R"; ip link set nrbd$$p netns "$U"
ip -n "$R" addr add 198.51.100.1/24 dev nrbd$$; ip -n "$R" link set nrbd$$ up
ip -n "$U" addr add 198.51.100.53/24 dev nrbd$$p; ip -n "$U" link set nrbd$$p up
ip netns exec "$U" dnsmasq --keep-in-foreground --no-resolv --no-hosts --user=root --pid-file= \
    --listen-address=198.51.100.53 --bind-interfaces --address=/example.test/203.0.113.80 \
    --log-facility=/dev/null & pids+=($!)

awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "ad%07d.t%d.blocked.test\n", i, i % 97 }' >"$tmp/list.txt"
awk '{ printf "server=/%s/\n", $1 }' "$tmp/list.txt" >"$tmp/dns-blocklist.conf"
: >"$tmp/empty.conf"
printf 'hostname: b\ninterfaces:\n  lan: { match: { name: lan }, ipv4: 192.168.9.1/24 }\nzones:\n  lan: { interfaces: [lan], services: [dns] }\ndns:\n  upstream: ["198.51.100.53"]\n  blocklists: [list.txt]\n' >"$tmp/router.yaml"
chmod 600 "$tmp/router.yaml"

start() { # LISTFILE: a dnsmasq as nftrouter renders its DNS part, with LISTFILE included
    cat >"$tmp/d.conf" <<EOF
no-resolv
no-hosts
listen-address=127.0.0.1
bind-interfaces
cache-size=1000
domain-needed
bogus-priv
server=198.51.100.53#53
conf-file=$1
EOF
    T0=$(date +%s%N)
    ip netns exec "$R" dnsmasq --keep-in-foreground --conf-file="$tmp/d.conf" --pid-file= \
        --log-facility=/dev/null & D=$!
    pids+=("$D")
    local n=0
    until ip netns exec "$R" dig +time=1 +tries=1 @127.0.0.1 ad0999999.t$((999999 % 97)).blocked.test |
        grep -q 'status: '; do
        n=$((n + 1)); [ $n -lt 600 ] || { echo "dnsmasq did not answer" >&2; exit 1; }
        sleep 0.05
    done
    T1=$(date +%s%N)
}
stop() { kill "$D"; wait "$D" 2>/dev/null || true; }

# One UDP client, distinct unlisted names; prints "median_us p99_us".
measure() { # ROUND TAG
    ip netns exec "$R" python3 - "$q" "$1$2" <<'PY'
import socket, struct, sys, time
n, tag = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("127.0.0.1", 53))
t = []
for i in range(n):
    name = "u%d-%s.example.test" % (i, tag)
    q = struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    a = time.perf_counter()
    s.send(q)
    r = s.recv(512)
    t.append(time.perf_counter() - a)
    assert r[3] & 0xf == 0, "rcode %d for %s" % (r[3] & 0xf, name)
t.sort()
print("%.0f %.0f" % (t[len(t) // 2] * 1e6, t[int(len(t) * 0.99)] * 1e6))
PY
}

echo "# $(date -u +%FT%TZ) nproc $(nproc) load $(cut -d' ' -f1-3 /proc/loadavg) $(dnsmasq --version | head -1 | cut -d' ' -f1-3) q=$q rounds=$rounds"
t0=$(date +%s%N)
"$NFTROUTER" dns-check -c "$tmp/router.yaml" ad0999999.t$((999999 % 97)).blocked.test >/dev/null || [ $? = 1 ]
t1=$(date +%s%N)
echo "dns-check over 1,000,000 names (read + validate): $(( (t1 - t0) / 1000000 )) ms"
for r in $(seq "$rounds"); do
    start "$tmp/empty.conf"; a=$(measure "$r" e); stop
    start "$tmp/dns-blocklist.conf"; load=$(( (T1 - T0) / 1000000 )); b=$(measure "$r" l); stop
    echo "round $r: unlisted query median/p99 us: without $a | with 1M $b | dnsmasq start to answering with 1M: $load ms"
done
