#!/usr/bin/env bash
# nftrouter run hot-plug: the optional port `opt` is absent at start; a
# link with its MAC appears after READY and is renamed, addressed, brought
# up and served (a client on it gets a lease). Carrier loss and return on
# it are logged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"

run_config
run_net
run_start
ip -n "$R" link show opt >/dev/null 2>&1 && fail "opt exists before it was plugged"
C2=$(netns c2)
# Created with another MAC; the MAC that matches is set afterwards, so the
# daemon must follow the change event, not only the creation.
veth "$R" ethx "$C2" eth0 "$R_MAC_OPT"
wait_for 10 sh -c "ip -n $R -4 addr show dev opt | grep -q 'inet 192\.168\.101\.1/24'" ||
    { cat "$T_DIR/daemon.log"; fail "opt not renamed and addressed"; }
ip -n "$R" link show opt | grep -q 'state UP' || fail "opt not up"
grep -q "port opt appeared" "$T_DIR/daemon.log" || fail "hot-plug not logged"
pass "optional port plugged after READY: renamed to opt, 192.168.101.1/24, up"

client_lease "$C2" eth0 client2 || { cat "$T_DIR/daemon.log"; fail "client on opt got no lease"; }
ip=$(lease_val "$C2" ip); router=$(lease_val "$C2" router)
case $ip in 192.168.101.*) ;; *) fail "lease $ip not in opt's range" ;; esac
[ "$router" = 192.168.101.1 ] || fail "gateway $router"
pass "client on the hot-plugged port: lease $ip via $router"
rctl status --json | jq -e '.ports[] | select(.name == "opt" and .present)' >/dev/null || fail "status: opt absent"

# Carrier: the peer going down takes the carrier away.
ip -n "$C2" link set eth0 down
wait_for 5 grep -q "port opt: carrier lost" "$T_DIR/daemon.log" || fail "carrier loss not seen"
ip -n "$C2" link set eth0 up
wait_for 5 grep -q "port opt: carrier back" "$T_DIR/daemon.log" || fail "carrier return not seen"
pass "carrier lost and back, logged"
