# Shared set-up for the tests of `nftrouter run` (tests/lab/run-*.sh):
# a router namespace with a WAN towards an "internet" namespace (a dnsmasq
# there serves DNS for example.test and DHCP for the router's WAN) and a
# LAN with one client namespace. Source after lib.sh.

R_MAC_WAN=52:54:00:aa:00:02
R_MAC_LAN=52:54:00:aa:00:03
R_MAC_OPT=52:54:00:aa:00:04

# The router's config; $1 = extra dns upstream line (default: the inet dnsmasq).
# shellcheck disable=SC2120
run_config() {
    local upstream=${1:-'["203.0.113.1"]'}
    cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan: { match: { mac: "$R_MAC_WAN" }, ipv4: dhcp }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24 }
  opt: { match: { mac: "$R_MAC_OPT" }, ipv4: 192.168.101.1/24, optional: true }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop, counters: true }
  lan: { interfaces: [lan, opt], input: reject, services: [dns, dhcp], forward: [wan] }
dhcp:
  lan: { range: 192.168.100.10-192.168.100.50, lease: 1h }
  opt: { range: 192.168.101.10-192.168.101.50, lease: 1h }
dns:
  upstream: $upstream
  domain: lan
YAML
}

# run_net: namespaces R (router), I (internet), C (LAN client) and links.
run_net() {
    R=$(netns r); I=$(netns i); C=$(netns c)
    veth "$R" eth1 "$I" up0 "$R_MAC_WAN"
    veth "$R" eth2 "$C" eth0 "$R_MAC_LAN"
    ip -n "$I" addr add 203.0.113.1/24 dev up0
    # The ISP: DNS with a test zone, DHCP for the router's WAN.
    bg ip netns exec "$I" dnsmasq --keep-in-foreground --log-facility=- --user=root \
        --no-resolv --no-hosts --interface=up0 --bind-interfaces --pid-file= \
        --address=/example.test/203.0.113.80 \
        --dhcp-range=203.0.113.10,203.0.113.50,255.255.255.0,1h \
        --dhcp-option=option:router,203.0.113.1 --dhcp-option=option:dns-server,203.0.113.1 \
        --dhcp-leasefile="$T_DIR/isp.leases" 2>"$T_DIR/isp.log"
}

# A receiver for sd_notify datagrams in the router's namespace (abstract
# sockets belong to a network namespace): the seconds until READY=1.
run_notify_listener() {
    ip netns exec "$R" python3 - "$1" "$2" <<'PY' &
import socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path if not path.startswith('@') else '\0' + path[1:])
s.settimeout(30)
t0 = time.monotonic()
with open(out, 'w') as f:
    f.write('listening\n'); f.flush()
    try:
        while True:
            msg = s.recv(4096).decode()
            f.write(msg + '\n'); f.flush()
            if 'READY=1' in msg.split('\n'):
                f.write('ready_after=%.3f\n' % (time.monotonic() - t0))
                break
    except socket.timeout:
        f.write('timeout\n')
PY
    T_PIDS+=($!)
}

# run_start: the daemon in R, with a notify socket; waits for READY=1.
run_start() {
    mkdir -p "$T_DIR/state"
    local sock="@nftr-h6-$T_ID-$RANDOM"
    run_notify_listener "$sock" "$T_DIR/notify.out"
    wait_for 10 grep -q '^listening' "$T_DIR/notify.out" || fail "notify listener did not start"
    # shellcheck disable=SC2086 # RUN_ARGS: options, split on purpose
    ip netns exec "$R" env NOTIFY_SOCKET="$sock" "$NFTROUTER" run -c "$T_DIR/router.yaml" \
        --state-dir "$T_DIR/state" --run-dir "$T_DIR/run" ${RUN_ARGS:-} >>"$T_DIR/daemon.log" 2>&1 &
    DAEMON=$!
    T_PIDS+=("$DAEMON")
    if ! wait_for 20 grep -q '^ready_after=' "$T_DIR/notify.out"; then
        cat "$T_DIR/daemon.log" >&2
        fail "no READY=1 from the daemon"
    fi
    # shellcheck disable=SC2034 # read by the tests
    READY_AFTER=$(sed -n 's/^ready_after=//p' "$T_DIR/notify.out")
}

# rctl CMD...: nftrouter in the router namespace with the test's paths.
rctl() {
    local sub=$1; shift
    ip netns exec "$R" "$NFTROUTER" "$sub" --run-dir "$T_DIR/run" "$@"
}

# child_pid NAME: the pid the daemon reports for a child.
child_pid() {
    rctl status --json | jq -r --arg n "$1" '.children[] | select(.name == $n) | .pid'
}

# The metrics endpoint at 127.0.0.1:9630 in R (`metrics: { listen:
# "127.0.0.1:9630" }` and lo up). metrics_get FILE: one scrape into FILE.
metrics_get() { ip netns exec "$R" curl -sS --max-time 5 -o "$1" http://127.0.0.1:9630/metrics; }
# metric FILE SAMPLE: the sample's value ("" if none).
metric() { awk -v p="$2" 'index($0, p" ") == 1 { print $NF }' "$1"; }
# dns_after FILE T: scrape into FILE until its DNS counters were read from
# dnsmasq at UNIX time T or later (the daemon asks every 10 s and after a
# scrape; a scrape shows the last answers). Up to 30 s.
dns_after() {
    local i t
    for i in $(seq 60); do
        metrics_get "$1" >/dev/null 2>&1 || true
        t=$(metric "$1" nftrouter_dns_stats_timestamp_seconds)
        [ -n "$t" ] && [ "$t" -ge "$2" ] && return 0
        sleep 0.5
    done
    return 1
}
# dns_fresh FILE: dns_after from a second after now: counters newer than
# anything asked before the call.
dns_fresh() {
    local t
    t=$(($(date +%s) + 1))
    sleep 1.1
    dns_after "$1" "$t"
}

# A DHCP client's hook for the LAN client: sets the lease's address and
# route and records the lease; never touches /etc/resolv.conf.
run_client_hook() {
    cat >"$T_DIR/client.hook" <<'SH'
#!/bin/sh
case "$1" in
bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    ip route replace default via "${router%% *}" dev "$interface"
    printf 'ip=%s\nmask=%s\nrouter=%s\ndns=%s\ndomain=%s\n' "$ip" "$mask" "$router" "$dns" "$domain" \
        >"$LEASE_FILE"
    ;;
esac
exit 0
SH
    chmod 755 "$T_DIR/client.hook"
}

# lease_val NS KEY: a value (ip, mask, router, dns, domain) of NS's last lease.
lease_val() { sed -n "s/^$2=//p" "$T_DIR/lease-$1.env"; }

# client_lease NS IFACE NAME: one DHCP lease for a client namespace.
client_lease() {
    run_client_hook
    ip -n "$1" link set "$2" up
    LEASE_FILE="$T_DIR/lease-$1.env" timeout 30 ip netns exec "$1" env LEASE_FILE="$T_DIR/lease-$1.env" \
        busybox udhcpc -f -q -n -t 10 -T 1 -i "$2" -s "$T_DIR/client.hook" -x "hostname:$3" \
        >>"$T_DIR/client.log" 2>&1
}
