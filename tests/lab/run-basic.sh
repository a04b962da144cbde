#!/usr/bin/env bash
# nftrouter run: readiness over NOTIFY_SOCKET, the WAN gets its address and
# default route from the ISP's DHCP (and /etc/resolv.conf stays as it
# was), a LAN client gets a lease with the router as gateway and DNS, and
# the router resolves an upstream name and the client's name under
# dns.domain. Then SIGTERM: children gone, ruleset still loaded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v dig >/dev/null || skip "dig not installed"

resolv_before=$(sha256sum /etc/resolv.conf 2>/dev/null || echo none)
run_config
run_net
# An invalid config at start: the error with its position, and the router
# fails closed (the daemon keeps running; run-fail-closed tests it in depth).
printf 'hostname: router\nzones: [\n' >"$T_DIR/bad.yaml"
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/bad.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" 2>"$T_DIR/bad.err" &
bad=$!
T_PIDS+=("$bad")
wait_for 10 grep -q "FAIL-CLOSED" "$T_DIR/bad.err" || fail "invalid config: $(cat "$T_DIR/bad.err")"
grep -q 'bad.yaml:[0-9]*:[0-9]*: error' "$T_DIR/bad.err" || fail "no position: $(cat "$T_DIR/bad.err")"
ip netns exec "$R" nft list table inet nftrouter | grep -q "fail-closed" || fail "no fail-closed table"
kill -0 "$bad" || fail "the daemon exited on an invalid config"
kill -TERM "$bad"
rc=0; wait "$bad" || rc=$?
[ "$rc" -eq 0 ] || fail "fail-closed daemon: exit $rc on SIGTERM"
pass "invalid config at start: $(head -1 "$T_DIR/bad.err"), fail-closed table loaded, daemon ran on"
run_start
echo "READY after ${READY_AFTER}s"

# WAN: address from the ISP and the default route through it.
wait_for 20 sh -c "ip -n $R -4 addr show dev wan | grep -q 'inet 203\.0\.113\.'" ||
    { cat "$T_DIR/daemon.log"; fail "WAN got no address from DHCP"; }
ip -n "$R" route show default | grep -q 'via 203.0.113.1 dev wan' || fail "no default route via the ISP"
pass "WAN: $(ip -n "$R" -4 -o addr show dev wan | awk '{print $4}') and default route via 203.0.113.1"
[ "$(sha256sum /etc/resolv.conf 2>/dev/null || echo none)" = "$resolv_before" ] || fail "/etc/resolv.conf changed"
pass "/etc/resolv.conf untouched"
[ -s "$T_DIR/run/dhcp-wan.env" ] || fail "no dhcp-wan.env"

# LAN client.
client_lease "$C" eth0 client1 || { cat "$T_DIR/client.log" "$T_DIR/daemon.log"; fail "LAN client got no lease"; }
ip=$(lease_val "$C" ip); router=$(lease_val "$C" router); dns=$(lease_val "$C" dns)
case $ip in 192.168.100.[1-4][0-9]|192.168.100.50) ;; *) fail "lease $ip outside the range" ;; esac
[ "$router" = 192.168.100.1 ] || fail "gateway $router, not the router"
[ "$dns" = 192.168.100.1 ] || fail "DNS $dns, not the router"
pass "LAN client: lease $ip, gateway $router, DNS $dns"
rctl leases --state-dir "$T_DIR/state" --json | jq -e --arg ip "$ip" '.leases[] | select(.ip == $ip and .name == "client1")' >/dev/null ||
    fail "leases does not show the client"
pass "leases shows client1"

a=$(ip netns exec "$C" dig +short +time=2 +tries=2 @192.168.100.1 www.example.test A)
[ "$a" = 203.0.113.80 ] || { cat "$T_DIR/daemon.log"; fail "upstream name: got '$a'"; }
pass "dig @router www.example.test = $a"
a=$(ip netns exec "$C" dig +short +time=2 +tries=2 @192.168.100.1 client1.lan A)
[ "$a" = "$ip" ] || fail "client1.lan: got '$a', want $ip"
pass "dig @router client1.lan = $a"

# status: ports, children, hash.
st=$(rctl status --json --state-dir "$T_DIR/state")
echo "$st" | jq -e '.ports[] | select(.name == "lan" and .present and .carrier)' >/dev/null || fail "status: lan"
echo "$st" | jq -e '.children[] | select(.name == "dnsmasq" and .pid > 0)' >/dev/null || fail "status: dnsmasq"
echo "$st" | jq -e '.children[] | select(.name == "udhcpc-wan" and .pid > 0)' >/dev/null || fail "status: udhcpc"
want=$(sha256sum "$T_DIR/router.yaml" | cut -d' ' -f1)
[ "$(echo "$st" | jq -r .applied_hash)" = "$want" ] || fail "status: hash is not the config's sha256"
rctl status --state-dir "$T_DIR/state" | grep -q 'dnsmasq' || fail "status text"
pass "status --json: ports, children, applied hash"

# A second daemon on the same run dir refuses before applying anything.
rc=0; ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" 2>"$T_DIR/second.err" || rc=$?
[ "$rc" -eq 3 ] || fail "second daemon: exit $rc, want 3"
grep -q "another nftrouter run" "$T_DIR/second.err" || fail "second daemon: $(cat "$T_DIR/second.err")"
rctl status --json | jq -e '.ok' >/dev/null || fail "first daemon hurt by the second"
pass "a second daemon refuses (exit 3), the first keeps serving"

# SIGTERM: children stop, the firewall stays.
dpid=$(child_pid dnsmasq); upid=$(child_pid udhcpc-wan)
kill -TERM "$DAEMON"
wait_for 10 sh -c "! kill -0 $DAEMON" || fail "daemon did not exit on SIGTERM"
wait "$DAEMON"; rc=$?
[ "$rc" -eq 0 ] || fail "daemon exit status $rc"
! kill -0 "$dpid" 2>/dev/null || fail "dnsmasq still running"
! kill -0 "$upid" 2>/dev/null || fail "udhcpc still running"
ip netns exec "$R" nft list table inet nftrouter >/dev/null || fail "ruleset gone after SIGTERM"
[ ! -e "$T_DIR/run/nftrouter.sock" ] || fail "socket left behind"
pass "SIGTERM: exit 0, children gone, ruleset loaded, socket removed"

# status without a daemon: the kernel and the state dir (applied config).
st=$(rctl status --json --state-dir "$T_DIR/state")
echo "$st" | jq -e '.daemon == null and .children == [] and (.ports[] | select(.name == "lan") | .addresses == ["192.168.100.1/24"])' >/dev/null ||
    fail "status without daemon: $st"
[ "$(echo "$st" | jq -r .applied_hash)" = "$want" ] || fail "status without daemon: hash"
pass "status without the daemon: ports from the kernel, hash from the state dir"
