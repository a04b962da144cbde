#!/usr/bin/env bash
# nftrouter run supervision: dnsmasq killed with SIGKILL is restarted
# within a second (logged with its name and signal), and the leases it
# handed out are kept: the lease file survives, `leases` still lists the
# client, and the client renewing gets the same address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"

run_config
run_net
run_start
client_lease "$C" eth0 client1 || { cat "$T_DIR/daemon.log"; fail "LAN client got no lease"; }
ip=$(lease_val "$C" ip)
first_ip=$ip

old=$(child_pid dnsmasq)
[ "$old" -gt 0 ] || fail "no dnsmasq pid in status"
# Killed and watched from one process (dnsmasq's own pid file tells when
# the new one runs), so the measurement is not the cost of forking tools.
read -r new ms < <(/usr/bin/python3 - "$old" "$T_DIR/run/dnsmasq.pid" <<'PY'
import os, signal, sys, time
old, path = int(sys.argv[1]), sys.argv[2]
t0 = time.monotonic()
os.kill(old, signal.SIGKILL)
new = 0
while time.monotonic() - t0 < 10:
    try:
        p = int(open(path).read().strip() or 0)
        if p and p != old:
            os.kill(p, 0)
            new = p
            break
    except (OSError, ValueError):
        pass
    time.sleep(0.005)
print(new, int((time.monotonic() - t0) * 1000))
PY
)
[ "$(child_pid dnsmasq)" = "$new" ] || fail "status shows $(child_pid dnsmasq), pid file $new"
[ "$new" != 0 ] || { cat "$T_DIR/daemon.log"; fail "dnsmasq not restarted"; }
[ "$ms" -lt 1000 ] || fail "dnsmasq restarted after ${ms} ms (> 1 s)"
pass "dnsmasq $old killed, restarted as $new after ${ms} ms"
grep -q "dnsmasq: killed by signal 9" "$T_DIR/daemon.log" || fail "exit not logged with name and signal"
[ "$(rctl status --json | jq -r '.children[] | select(.name == "dnsmasq") | .restarts')" = 1 ] ||
    fail "status does not count the restart"
pass "logged and counted"

rctl leases --state-dir "$T_DIR/state" --json | jq -e --arg ip "$first_ip" '.leases[] | select(.ip == $ip)' >/dev/null ||
    fail "lease of $first_ip lost"
# The new dnsmasq answers DHCP and keeps the client's address.
wait_for 5 sh -c "ip netns exec $R ss -uln | grep -q ':67 '" || fail "new dnsmasq not listening on 67"
client_lease "$C" eth0 client1 || fail "no lease from the restarted dnsmasq"
ip=$(lease_val "$C" ip)
[ "$ip" = "$first_ip" ] || fail "client got $ip after the restart, had $first_ip"
pass "lease kept: $first_ip"

# Crash loop: the backoff doubles (0.1 s, 0.2 s, ...), it is logged each time.
for _ in 1 2; do
    p=$(child_pid dnsmasq)
    kill -9 "$p"
    wait_for 5 sh -c "[ \"\$(ip netns exec $R $NFTROUTER status --run-dir $T_DIR/run --json | jq -r '.children[] | select(.name == \"dnsmasq\") | .pid')\" -gt 0 ] && [ \"\$(ip netns exec $R $NFTROUTER status --run-dir $T_DIR/run --json | jq -r '.children[] | select(.name == \"dnsmasq\") | .pid')\" != $p ]" ||
        fail "not restarted after a repeated kill"
done
grep -q "dnsmasq: restarting in 400 ms" "$T_DIR/daemon.log" || { grep restarting "$T_DIR/daemon.log"; fail "no backoff"; }
pass "backoff grows on repeated crashes (0.1 s, 0.2 s, 0.4 s)"

# The daemon itself killed with SIGKILL: udhcpc goes with it (parent-death
# signal); dnsmasq, which dropped root and with it that signal, is stopped
# by the next daemon (its pid file and config path), which then serves.
# Wait out the last backoff: dnsmasq must be running again (pid > 0) and
# its pid file written, or there is no orphan to find.
wait_for 5 sh -c "p=\$(ip netns exec $R $NFTROUTER status --run-dir $T_DIR/run --json | jq -r '.children[] | select(.name == \"dnsmasq\") | .pid'); [ \"\$p\" -gt 0 ] && kill -0 \$p" ||
    fail "dnsmasq not back after the repeated kills"
sleep 0.3
dpid=$(child_pid dnsmasq); upid=$(child_pid udhcpc-wan)
[ -n "$dpid" ] && [ "$dpid" -gt 0 ] || fail "no dnsmasq pid ($dpid)"
kill -9 "$DAEMON"
wait_for 5 sh -c "ps -o stat= -p $upid | grep -qv '^Z'; [ \$? -ne 0 ]" || fail "udhcpc outlived a SIGKILLed daemon"
ip netns exec "$R" nft list table inet nftrouter >/dev/null || fail "ruleset gone"
pass "daemon SIGKILLed: udhcpc gone, ruleset stays"
rm -f "$T_DIR/notify.out"
run_start
# Gone, or a zombie its new parent (this machine's init) has not reaped.
case $(ps -o stat= -p "$dpid" || true) in ''|Z*) ;; *) fail "the old dnsmasq $dpid still runs" ;; esac
grep -q "stopped a dnsmasq left by an earlier daemon" "$T_DIR/daemon.log" || fail "not logged"
client_lease "$C" eth0 client1 || fail "no lease from the new daemon's dnsmasq"
[ "$(lease_val "$C" ip)" = "$first_ip" ] || fail "lease changed across the daemon restart"
pass "new daemon stopped the orphan dnsmasq and serves; the client keeps $first_ip"
