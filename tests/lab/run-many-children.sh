#!/usr/bin/env bash
# More children than the daemon's old fixed table held (18): a router
# with 24 `ipv4: dhcp` ports gets one udhcpc per port, every one started,
# supervised and listed by status (none silently left out), kept across
# a reload, and all stopped on SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v busybox >/dev/null || skip "busybox (udhcpc) not installed"
N=24
R=$(netns r); P=$(netns p)
{
    echo "hostname: many"
    echo "interfaces:"
    for i in $(seq 1 $N); do
        printf '  w%d: { match: { mac: "52:54:00:bb:00:%02x" }, ipv4: dhcp }\n' "$i" "$i"
    done
    echo "  lan: { match: { mac: \"$R_MAC_LAN\" }, ipv4: 192.168.100.1/24 }"
    echo "zones:"
    printf '  wan: { interfaces: [%s], masquerade: true, input: drop }\n' \
        "$(seq -s, -f 'w%g' 1 $N)"
    echo "  lan: { interfaces: [lan], input: reject, forward: [wan] }"
} >"$T_DIR/router.yaml"
for i in $(seq 1 $N); do
    veth "$R" "eth$i" "$P" "p$i" "$(printf '52:54:00:bb:00:%02x' "$i")"
done
veth "$R" ethl "$P" lan0 "$R_MAC_LAN"
run_start
want=$(seq -f 'udhcpc-w%g' 1 $N | sort)
running() { rctl status --json | jq -r '.children[] | select(.running) | .name' | sort; }
all_running() { [ "$(running | wc -l)" -eq "$N" ]; }
wait_for 20 all_running ||
    fail "running children: $(running | wc -l) of $N: $(running | tr '\n' ' ')"
[ "$(running)" = "$want" ] || fail "children: $(running | tr '\n' ' ')"
grep -q "too many children" "$T_DIR/daemon.log" && fail "a child was refused"
pids=$(rctl status --json | jq -r '[.children[].pid] | sort | join(" ")')
pass "$N DHCP ports: $N udhcpc children started and listed by status"

rctl reload >/dev/null || fail "reload"
[ "$(rctl status --json | jq -r '[.children[].pid] | sort | join(" ")')" = "$pids" ] ||
    fail "reload restarted children"
pass "a reload keeps all $N children (same pids)"

kill -TERM "$DAEMON"
wait_for 15 expect_fail kill -0 "$DAEMON" || fail "daemon did not stop"
left=$(ip netns pids "$R" | wc -l)
[ "$left" -eq 0 ] || fail "$left processes left in the router namespace"
pass "SIGTERM: every child stopped"
