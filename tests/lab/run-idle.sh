#!/usr/bin/env bash
# nftrouter run when idle: the loop sleeps in epoll_wait (no polling), so
# an idle daemon with dnsmasq and udhcpc running does not wake up at all
# over the measured window. Prints the numbers docs/performance.md
# records: time from `run` to READY=1, RSS, context switches per minute.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
secs=${IDLE_SECS:-20}

run_config
run_net
run_start
wait_for 20 sh -c "ip -n $R -4 addr show dev wan | grep -q 'inet 203\.0\.113\.'" || fail "WAN not up"
# The daemon proper: ip netns exec execs into it, so $DAEMON is its pid.
pid=$DAEMON
[ "$(cat /proc/$pid/comm)" = nftrouter ] || fail "pid $pid is $(cat /proc/$pid/comm)"
sleep 1 # let the DHCP event and its dnsmasq restart settle
ctx() { awk '/^(non)?voluntary_ctxt_switches/ {n += $2} END {print n}' "/proc/$pid/status"; }
c0=$(ctx)
sleep "$secs"
c1=$(ctx)
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
per_min=$(( (c1 - c0) * 60 / secs ))
echo "measure: ready_after=${READY_AFTER}s rss=${rss}kB wakeups_per_min=$per_min (over ${secs}s)"
[ $((c1 - c0)) -le 1 ] || fail "$((c1 - c0)) wakeups in ${secs}s while idle"
[ "$rss" -lt 20000 ] || fail "RSS ${rss} kB"
pass "idle: $((c1 - c0)) wakeups in ${secs}s, RSS ${rss} kB, READY after ${READY_AFTER}s"
