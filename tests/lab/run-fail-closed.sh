#!/usr/bin/env bash
# Fail closed at boot: whatever fails in `run`'s first apply, the router
# never forwards unfiltered, keeps running, shows the error in `status`,
# and a reload with a good config recovers.
#  0. baseline: without any ruleset the namespaces forward (LAN -> WAN and
#     WAN -> LAN), so what follows proves the ruleset, not the topology;
#  1. the kernel refuses the config (rp_filter read-only in the daemon's
#     mount namespace): the fail-closed ruleset is loaded, nothing is
#     forwarded either way, SSH from the LAN (services: [ssh]) reaches
#     the router and nothing else does; status (text and --json) shows the
#     error; the kernel accepts again, `reload` recovers forwarding;
#  2. a corrupt state file (bans: "hello world") at boot: the router is
#     never unfiltered (a table is loaded, WAN -> LAN refused); if the
#     apply failed, nothing is forwarded and status says why, and a reload
#     after the file is removed recovers;
#  3. an invalid config at boot, no ruleset loaded: fail-closed with the
#     admin access of the last applied config (STATE_DIR/applied.yaml);
#  4. an invalid config at a daemon restart, the ruleset still loaded: it
#     is kept (status: ruleset "kept");
#  5. a state dir the daemon refuses (writable by others) at boot: it
#     exits 3 with the reason, but first loads the fail-closed ruleset
#     (SSH as the valid config allows); a second daemon refused because
#     the first one serves the socket touches nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v socat >/dev/null || skip "socat not installed"
command -v nsenter >/dev/null || skip "nsenter not installed"

R=$(netns r); I=$(netns i); C=$(netns c)
veth "$R" eth1 "$I" up0 "$R_MAC_WAN"
veth "$R" eth2 "$C" eth0 "$R_MAC_LAN"
# The ports under their configured names, as the udev rules
# (`nftrouter render udev`) name them at boot.
nsx "$R" ip link set eth1 name wan
nsx "$R" ip link set eth2 name lan
nsx "$R" ip addr add 203.0.113.2/24 dev wan
nsx "$R" ip addr add 192.168.100.1/24 dev lan
nsx "$R" ip link set wan up
nsx "$R" ip link set lan up
nsx "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
nsx "$I" ip addr add 203.0.113.1/24 dev up0
nsx "$I" ip route add 192.168.100.0/24 via 203.0.113.2
nsx "$C" ip addr add 192.168.100.20/24 dev eth0
nsx "$C" ip route add default via 192.168.100.1
# Listeners: a web server on the internet, one on the client, and the
# router's "sshd" (22) next to a port nothing opens (2222).
listen() { bg ip netns exec "$1" socat TCP-LISTEN:"$2",fork,reuseaddr SYSTEM:"echo hi-$1-$2"; }
listen "$I" 8080
listen "$C" 8080
listen "$R" 22
listen "$R" 2222
# reach NS ADDR PORT: a TCP connection from NS gets the listener's line.
reach() {
    ip netns exec "$1" timeout 4 socat -T 2 - "TCP:$2:$3,connect-timeout=2" </dev/null 2>/dev/null |
        grep -q "^hi-"
}
wait_for 10 reach "$C" 203.0.113.1 8080 || fail "baseline: LAN -> WAN does not work without a ruleset"
reach "$I" 192.168.100.20 8080 || fail "baseline: WAN -> LAN does not work without a ruleset"
pass "baseline: with no ruleset the router forwards both ways"

cat >"$T_DIR/router.yaml" <<YAML
hostname: fc
interfaces:
  wan: { match: { mac: "$R_MAC_WAN" }, ipv4: 203.0.113.2/24, gateway: 203.0.113.1 }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24 }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, services: [ssh], forward: [wan] }
YAML
mkdir -p "$T_DIR/state"
rp=/proc/sys/net/ipv4/conf/all/rp_filter

# fc_start [ro]: the daemon in R (with rp_filter read-only in its own
# mount namespace when "ro"), until READY=1.
fc_start() {
    local sock="@nftr-fc-$T_ID-$RANDOM" pre=""
    [ "${1:-}" = ro ] && pre="mount --bind $rp $rp && mount -o remount,bind,ro $rp && "
    : >"$T_DIR/notify.out"
    run_notify_listener "$sock" "$T_DIR/notify.out"
    wait_for 10 grep -q '^listening' "$T_DIR/notify.out" || fail "notify listener did not start"
    ip netns exec "$R" env NOTIFY_SOCKET="$sock" unshare -m sh -c \
        "${pre}exec \"\$0\" run -c \"\$1\" --state-dir \"\$2\" --run-dir \"\$3\"" \
        "$NFTROUTER" "$T_DIR/router.yaml" "$T_DIR/state" "$T_DIR/run" >>"$T_DIR/daemon.log" 2>&1 &
    DAEMON=$!
    T_PIDS+=("$DAEMON")
    wait_for 20 grep -q '^ready_after=' "$T_DIR/notify.out" ||
        { cat "$T_DIR/daemon.log" >&2; fail "no READY=1 from the daemon"; }
}
fc_stop() {
    kill -TERM "$DAEMON"
    wait_for 10 expect_fail kill -0 "$DAEMON" || fail "daemon did not stop"
}
status_json() { rctl status --json; }
closed() {
    expect_fail reach "$C" 203.0.113.1 8080 || fail "$1: LAN -> WAN forwarded"
    expect_fail reach "$I" 192.168.100.20 8080 || fail "$1: WAN -> LAN forwarded"
}

# 1. The kernel refuses the config.
fc_start ro
kill -0 "$DAEMON" || fail "the daemon exited"
grep -q "FAIL-CLOSED" "$T_DIR/daemon.log" || fail "no FAIL-CLOSED in the log"
grep -q '^STATUS=fail-closed' "$T_DIR/notify.out" || fail "systemd status: $(cat "$T_DIR/notify.out")"
nsx "$R" nft list table inet nftrouter | grep -q "fail-closed" || fail "the fail-closed ruleset is not loaded"
closed "kernel refused"
reach "$C" 192.168.100.1 22 || fail "fail-closed: SSH from the LAN (services: [ssh]) refused"
expect_fail reach "$C" 192.168.100.1 2222 || fail "fail-closed: port 2222 open from the LAN"
expect_fail reach "$I" 203.0.113.2 22 || fail "fail-closed: SSH from the WAN (input: drop) open"
status_json >"$T_DIR/s1.json" || fail "status --json failed"
jq -e '.daemon.fail_closed == true and .daemon.ruleset == "fail-closed" and
       (.daemon.error.message | test("rp_filter")) and .daemon.error.time > 0' "$T_DIR/s1.json" >/dev/null ||
    fail "status --json: $(jq -c .daemon "$T_DIR/s1.json")"
rctl status >"$T_DIR/s1.txt" || fail "status failed"
grep -q "^FAIL-CLOSED" "$T_DIR/s1.txt" && grep -q "NOT APPLIED" "$T_DIR/s1.txt" && grep -q rp_filter "$T_DIR/s1.txt" ||
    fail "status text: $(cat "$T_DIR/s1.txt")"
pass "kernel refused: fail-closed (nothing forwarded, SSH from the LAN only), status: $(jq -r '.daemon.error.message' "$T_DIR/s1.json" | head -1 | cut -c1-90)"

# A reload that fails again (the kernel still refuses) stays closed.
rc=0; rctl reload >"$T_DIR/reload.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "reload succeeded while the kernel refuses"
nsx "$R" nft list table inet nftrouter | grep -q "fail-closed" || fail "a failed reload left the fail-closed ruleset"
closed "failed reload"
jq -e '.daemon.fail_closed and (.daemon.error.message | test("rp_filter"))' <(status_json) >/dev/null ||
    fail "status after a failed reload: $(status_json | jq -c .daemon)"
pass "a reload the kernel still refuses (exit $rc): still fail-closed, error shown"
nsenter -t "$DAEMON" -m -n umount "$rp" || fail "cannot make rp_filter writable again"
rctl reload >"$T_DIR/reload.out" 2>&1 || fail "reload after the fix: $(cat "$T_DIR/reload.out")"
status_json >"$T_DIR/s2.json"
jq -e '.daemon.fail_closed == false and .daemon.ruleset == "config" and .daemon.error == null' "$T_DIR/s2.json" >/dev/null ||
    fail "status after recovery: $(jq -c .daemon "$T_DIR/s2.json")"
wait_for 5 reach "$C" 203.0.113.1 8080 || fail "LAN -> WAN not forwarded after the reload"
expect_fail reach "$I" 192.168.100.20 8080 || fail "WAN -> LAN forwarded after the reload"
pass "reload with the kernel accepting again: applied, LAN -> WAN forwarded, error cleared"
fc_stop

# A boot: no ruleset loaded, forwarding on.
reboot_router() {
    nsx "$R" nft delete table inet nftrouter 2>/dev/null || true
    nsx "$R" sysctl -qw net.ipv4.ip_forward=1
    wait_for 5 reach "$C" 203.0.113.1 8080 || fail "reboot: the namespaces do not forward"
}

# 2. A corrupt state file.
reboot_router
printf 'hello world\n' >"$T_DIR/state/bans"
fc_start
nsx "$R" nft list table inet nftrouter >/dev/null || fail "corrupt state: no ruleset loaded"
expect_fail reach "$I" 192.168.100.20 8080 || fail "corrupt state: WAN -> LAN forwarded"
status_json >"$T_DIR/s3.json"
if jq -e '.daemon.fail_closed' "$T_DIR/s3.json" >/dev/null; then
    closed "corrupt state"
    jq -e '.daemon.error.message | test("bans")' "$T_DIR/s3.json" >/dev/null ||
        fail "corrupt state: status: $(jq -c .daemon "$T_DIR/s3.json")"
    rm "$T_DIR/state/bans"
    rctl reload >"$T_DIR/reload.out" 2>&1 || fail "reload: $(cat "$T_DIR/reload.out")"
    wait_for 5 reach "$C" 203.0.113.1 8080 || fail "LAN -> WAN not forwarded after the reload"
    pass "corrupt bans file: fail-closed, status names it; reload after removing it recovers"
else
    jq -e '.daemon.error == null and .daemon.ruleset == "config"' "$T_DIR/s3.json" >/dev/null ||
        fail "corrupt state: $(jq -c .daemon "$T_DIR/s3.json")"
    pass "corrupt bans file: the bad line was set aside and the config applied (filtered)"
fi
fc_stop

# 3. An invalid config at boot: the admin access of the applied config.
reboot_router
cp "$T_DIR/router.yaml" "$T_DIR/good.yaml"
printf 'zones: [\n' >>"$T_DIR/router.yaml"
fc_start
closed "invalid config"
nsx "$R" nft list table inet nftrouter | grep -q "fail-closed" || fail "invalid config: fail-closed ruleset not loaded"
grep -q "FAIL-CLOSED: .*ssh access .*/state/applied.yaml allows" "$T_DIR/daemon.log" || fail "admin access not taken from applied.yaml"
reach "$C" 192.168.100.1 22 || fail "invalid config: SSH from the LAN refused"
status_json >"$T_DIR/s4.json"
jq -e '.daemon.ruleset == "fail-closed" and (.daemon.error.message | test("router.yaml:[0-9]+:[0-9]+"))' \
    "$T_DIR/s4.json" >/dev/null || fail "invalid config: status: $(jq -c .daemon "$T_DIR/s4.json")"
pass "invalid config at boot: fail-closed, SSH as applied.yaml allows, status: $(jq -r .daemon.error.message "$T_DIR/s4.json" | head -1)"

# 4. Restart with the config still invalid: the loaded ruleset is kept.
fc_stop
cp "$T_DIR/good.yaml" "$T_DIR/router.yaml"
fc_start
jq -e '.daemon.ruleset == "config"' <(status_json) >/dev/null || fail "good config not applied"
fc_stop
printf 'zones: [\n' >>"$T_DIR/router.yaml"
fc_start
jq -e '.daemon.fail_closed and .daemon.ruleset == "kept"' <(status_json) >/dev/null ||
    fail "restart: $(status_json | jq -c .daemon)"
nsx "$R" nft list table inet nftrouter | grep -q "fail-closed" && fail "restart: the loaded ruleset was replaced"
reach "$C" 203.0.113.1 8080 || fail "restart: the kept ruleset does not forward LAN -> WAN"
expect_fail reach "$I" 192.168.100.20 8080 || fail "restart: WAN -> LAN forwarded"
cp "$T_DIR/good.yaml" "$T_DIR/router.yaml"
rctl reload >/dev/null || fail "reload of the good config"
jq -e '.daemon.ruleset == "config" and .daemon.error == null' <(status_json) >/dev/null || fail "not recovered"
pass "invalid config at a restart: the last applied ruleset kept (status: kept); reload recovers"
fc_stop

# 5. A refused state dir at boot: exit 3, but closed first.
reboot_router
chmod 0777 "$T_DIR/state"
rc=0
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" 2>"$T_DIR/dir.err" || rc=$?
chmod 0700 "$T_DIR/state"
[ "$rc" -eq 3 ] || fail "refused state dir: exit $rc, want 3 ($(cat "$T_DIR/dir.err"))"
grep -q "state dir" "$T_DIR/dir.err" && grep -q "FAIL-CLOSED" "$T_DIR/dir.err" ||
    fail "refused state dir: $(cat "$T_DIR/dir.err")"
nsx "$R" nft list table inet nftrouter | grep -q "fail-closed" || fail "refused state dir: no fail-closed table"
closed "refused state dir"
reach "$C" 192.168.100.1 22 || fail "refused state dir: SSH from the LAN refused"
pass "refused state dir at boot: exit 3 ($(grep -m1 'state dir' "$T_DIR/dir.err" | cut -c1-80)), fail-closed first"

# The socket served by a daemon: a second one exits 3 and changes nothing.
fc_start
nsx "$R" nft -s list table inet nftrouter >"$T_DIR/t.before"
rc=0
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" 2>"$T_DIR/second.err" || rc=$?
[ "$rc" -eq 3 ] || fail "second daemon: exit $rc"
grep -q "FAIL-CLOSED" "$T_DIR/second.err" && fail "second daemon touched the ruleset"
nsx "$R" nft -s list table inet nftrouter | diff -q - "$T_DIR/t.before" >/dev/null || fail "second daemon changed the ruleset"
reach "$C" 203.0.113.1 8080 || fail "second daemon: forwarding broken"
pass "a second daemon (socket taken) exits 3 and leaves the first one's ruleset alone"
fc_stop
