# Shared set-up for the WAN lease tests (tests/lab/run-wan-*.sh): the
# daemon's real udhcpc against a hostile DHCP server of our own
# (fixtures/dhcp-hostile.py) whose answers the test rewrites between
# events. Source after lib.sh and run-common.bash.

HOSTILE="$NFTROUTER_SRCDIR/tests/lab/fixtures/dhcp-hostile.py"
command -v python3 >/dev/null || skip "python3 not installed"
command -v busybox >/dev/null || skip "busybox (udhcpc) not installed"

# hostile_start NS IFACE SERVER_IP NAME: the server in NS on IFACE; its
# scenario is $T_DIR/NAME.json, its log $T_DIR/NAME.log.
hostile_start() {
    : >"$T_DIR/$4.log"
    bg ip netns exec "$1" python3 "$HOSTILE" "$2" "$3" "$T_DIR/$4.json" "$T_DIR/$4.log"
    wait_for 10 grep -q '^listening' "$T_DIR/$4.log" || fail "hostile DHCP server $4 did not start"
}

# scenario NAME JSON: what server NAME answers from now on.
scenario() { printf '%s\n' "$2" >"$T_DIR/$1.json.tmp" && mv "$T_DIR/$1.json.tmp" "$T_DIR/$1.json"; }

# count PATTERN: lines of the daemon's log matching PATTERN (grep -c).
count() { grep -c -- "$1" "$T_DIR/daemon.log" || true; }

# wait_more SECS PATTERN N: until more than N lines match PATTERN.
wait_more() {
    wait_for "$1" sh -c "[ \$(grep -c -- '$2' '$T_DIR/daemon.log') -gt $3 ]"
}

# udhcpc_signal PORT SIG: signal the daemon's DHCP client of PORT.
udhcpc_signal() {
    local pid
    pid=$(child_pid "udhcpc-$1")
    [ -n "$pid" ] && [ "$pid" != null ] || fail "no udhcpc-$1 pid in status"
    kill -"$2" "$pid"
}

# state: the router's IPv4 addresses and routes, every table.
state() {
    ip -n "$R" -4 -o addr show | sed 's/valid_lft.*//'
    ip -n "$R" -4 route show table all
}

# rebind PORT PATTERN: release and lease again (the scenario in force
# answers), until PATTERN (a bound line) is logged once more.
rebind() {
    local n d
    d=$(count "dhcp-hook: $1: deconfig")
    udhcpc_signal "$1" USR2
    wait_more 10 "dhcp-hook: $1: deconfig" "$d" || { tail -20 "$T_DIR/daemon.log"; fail "$1: no deconfig after USR2"; }
    n=$(count "$2")
    udhcpc_signal "$1" USR1
    wait_more 20 "$2" "$n" || { tail -20 "$T_DIR/daemon.log"; fail "$1: no new lease ($2)"; }
}

# two_isps_start: the router (ports wan1, wan2 by MAC1/MAC2, lan) between
# two ISPs of our own DHCP server (i1: 203.0.113.0/26, i2: 198.51.100.0/26)
# and a LAN client c (192.168.100.20); both ISPs serve 198.51.100.200:8080,
# each answering its name (isp1, isp2), so a connection tells which WAN
# carried it. Sets R, I1, I2, C; starts the daemon on $T_DIR/router.yaml.
two_isps_start() {
    R=$(netns r); I1=$(netns i1); I2=$(netns i2); C=$(netns c)
    veth "$R" eth1 "$I1" up0 "$MAC1"
    veth "$R" eth3 "$I2" up0 "$MAC2"
    veth "$R" eth2 "$C" eth0 "$R_MAC_LAN"
    ip -n "$I1" addr add 203.0.113.1/26 dev up0
    ip -n "$I2" addr add 198.51.100.1/26 dev up0
    ip -n "$C" addr add 192.168.100.20/24 dev eth0
    ip -n "$C" route add default via 192.168.100.1
    for n in 1 2; do
        ns=I$n
        ip -n "${!ns}" addr add 198.51.100.200/32 dev lo
        bg ip netns exec "${!ns}" socat TCP-LISTEN:8080,bind=198.51.100.200,fork,reuseaddr SYSTEM:"echo isp$n"
    done
    scenario isp1 '{"ip": "203.0.113.10", "mask": "255.255.255.192", "router": ["203.0.113.1"]}'
    scenario isp2 '{"ip": "198.51.100.10", "mask": "255.255.255.192", "router": ["198.51.100.1"]}'
    hostile_start "$I1" up0 203.0.113.1 isp1
    hostile_start "$I2" up0 198.51.100.1 isp2
    run_start
}
