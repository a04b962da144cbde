#!/usr/bin/env bash
# lab down has no fixed caps: a lab whose manifest names 80 namespaces,
# 80 /etc/netns dirs and 300 recorded pids (more than the 64/64/256 a
# fixed table held, whose excess was silently left behind) is removed
# completely, including a process running in the 80th namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
N=80
dir="/run/nftrouter-lab/$LAB_ID"
mkdir -p "$dir"
{
    for i in $(seq 1 $N); do
        ns="nftr-$LAB_ID-n$i"
        ip netns add "$ns"
        mkdir -p "/etc/netns/$ns"
        echo "ns $ns"
        echo "etc /etc/netns/$ns"
    done
    # Pids that are not the lab's (long gone, or never were): ignored.
    for i in $(seq 1 300); do echo "pid $((4000000 + i))"; done
} >"$dir/manifest"
last="nftr-$LAB_ID-n$N"
ip netns exec "$last" sleep 300 &
sleeper=$!
T_PIDS+=("$sleeper")
for _ in $(seq 1 50); do
    [ "$(ip netns identify "$sleeper" 2>/dev/null)" = "$last" ] && break
    sleep 0.1
done
[ "$(ip netns identify "$sleeper")" = "$last" ] || fail "sleep did not enter $last"
[ "$(lab_namespaces "$LAB_ID" | wc -l)" -eq $N ] || fail "setup: $N namespaces expected"
pass "a lab of $N namespaces, $N etc dirs, 300 recorded pids"

"$NFTROUTER" lab down --name "$LAB_ID" || fail "lab down"
left=$(lab_leftovers "$LAB_ID")
[ -z "$left" ] || fail "left behind: $(echo "$left" | head -5) ($(echo "$left" | wc -l) entries)"
for _ in $(seq 1 50); do kill -0 "$sleeper" 2>/dev/null || break; sleep 0.1; done
kill -0 "$sleeper" 2>/dev/null && fail "the process in $last still runs"
pass "lab down removed all $N namespaces and etc dirs and ended the process in the last one"
