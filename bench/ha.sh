#!/usr/bin/env bash
# bench/ha.sh — failover time of the high-availability pair (docs/ha.md).
#
# usage: bench/ha.sh [-n TRIALS] [-b BUILD_DIR]
#
# Builds the pair of tests/lab/run-ha.sh (examples/ha-primary.yaml and
# ha-backup.yaml, the real keepalived and conntrackd, bridges in
# namespaces), then TRIALS times (default 10): the LAN client sends a
# numbered UDP datagram through NAT to the ISP's echo every 10 ms and keeps
# one TCP connection echoing a line every 20 ms; the primary loses power
# (its processes frozen with SIGSTOP, then all its links down: no goodbye
# from keepalived); the outage is the longest gap between two echoes after
# the cut, the loss the datagrams never echoed. Then the primary comes back
# as after a reboot (killed, connection table flushed, virtual addresses
# gone, daemon started again) and takes over again (preempt) before the
# next trial. The TCP connection must live through all of it.
#
# Prints one line per trial and a summary: outage median and max, lost
# datagrams median and max (docs/performance.md, "HA failover", records runs).
# Needs root. Namespaces nrt-ID-*, removed on exit; processes ended by PID.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
trials=10 build=
while [ $# -gt 0 ]; do
    case $1 in
    -n) trials=${2:?-n needs a number}; shift ;;
    -b) build=${2:?-b needs a directory}; shift ;;
    -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: bench/ha.sh [-n TRIALS] [-b BUILD_DIR]" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "${NFTROUTER:-}" ]; then
    for d in ${build:-build build-*}; do
        [ -x "$src/$d/src/nftrouter" ] && { NFTROUTER=$src/$d/src/nftrouter; break; }
    done
fi
: "${NFTROUTER:?no nftrouter binary: build first or pass -b}"
export NFTROUTER NFTROUTER_SRCDIR=$src
# shellcheck source=tests/lab/lib.sh
. "$src/tests/lab/lib.sh"
# shellcheck source=tests/lab/ha-common.bash
. "$src/tests/lab/ha-common.bash"

ha_net
ha_start primary "$A"
ha_start backup "$B"
wait_for 30 ha_role_is "$A" primary master || fail "the primary never became master"
wait_for 30 ha_role_is "$B" backup backup || fail "the backup never reported backup"
ha_client_dhcp
wait_for 20 grep -q bound "$T_DIR/client.events" || fail "the client got no lease"
ha_stream
ha_probe_start
stream_grows 25 || fail "the stream does not flow"
gaps=() losts=()
for t in $(seq 1 "$trials"); do
    # The backup's cache holds the stream before each cut.
    sleep 2
    pids=$(ip netns pids "$A")
    cut=$(date +%s.%N)
    # shellcheck disable=SC2086 # a list of pids
    kill -STOP $pids
    for l in wan lan sync; do ip -n "$A" link set "$l" down; done
    wait_for 20 ha_role_is "$B" backup master || fail "trial $t: the backup did not take over"
    stream_grows 25 || fail "trial $t: the TCP connection did not survive: $(cat "$T_DIR/stream.err" 2>/dev/null)"
    read -r gap lost < <(probe_outage "$cut")
    echo "trial $t: outage ${gap}s, $lost datagrams lost (one every 10 ms), TCP connection alive"
    gaps+=("$gap") losts+=("$lost")
    ha_reboot_primary
    wait_for 40 ha_role_is "$A" primary master || fail "trial $t: the primary did not take over again"
    wait_for 15 ha_role_is "$B" backup backup || fail "trial $t: the backup did not step back"
    stream_grows 25 || fail "trial $t: the connection broke on the failback"
done
stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "median %s max %s", m, v[NR] }'; }
echo "failover over $trials trials: outage $(stats "${gaps[@]}") s; datagrams lost $(stats "${losts[@]}");" \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
