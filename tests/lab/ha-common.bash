# The high-availability pair in namespaces (docs/ha.md), shared by
# tests/lab/run-ha.sh and bench/ha.sh. Source after lib.sh.
#
#   client C ── LAN bridge (namespace L) ── A (primary) ── WAN bridge (W) ── ISP I
#                                      └─── B (backup) ───┘
#                                 A ─── sync link ─── B
#
# A and B run `nftrouter run` with examples/ha-primary.yaml and
# ha-backup.yaml (their MACs, their paths); the ISP is 203.0.113.1 with a
# TCP echo server on port 7000; the client takes its lease from whichever
# router is primary.

HA_SRC=${NFTROUTER_SRCDIR}
HA_PORT=7000

# ha_net: namespaces, bridges and links.
ha_net() {
    A=$(netns ra); B=$(netns rb); L=$(netns lanbr); W=$(netns wanbr)
    I=$(netns isp); C=$(netns client)
    local ns
    for ns in "$L" "$W"; do
        ip -n "$ns" link add br0 type bridge forward_delay 0 stp_state 0
        ip -n "$ns" link set br0 up
    done
    # The routers' ends carry the MACs the example configs match.
    veth "$A" eth1 "$W" pa 52:54:00:18:01:01
    veth "$A" eth2 "$L" pa 52:54:00:18:01:02
    veth "$A" eth3 "$B" eth3 52:54:00:18:01:03
    ip -n "$B" link set eth3 address 52:54:00:18:02:03
    veth "$B" eth1 "$W" pb 52:54:00:18:02:01
    veth "$B" eth2 "$L" pb 52:54:00:18:02:02
    veth "$I" up0 "$W" pi
    veth "$C" eth0 "$L" pc
    for p in pa pb pi; do ip -n "$W" link set "$p" master br0; done
    for p in pa pb pc; do ip -n "$L" link set "$p" master br0; done
    ip -n "$I" link set up0 up
    ip -n "$I" addr add 203.0.113.1/24 dev up0
    # The ISP: DNS for the routers' upstream, and a TCP echo server.
    bg ip netns exec "$I" dnsmasq --keep-in-foreground --log-facility=- --user=root \
        --no-resolv --no-hosts --interface=up0 --bind-interfaces --pid-file= \
        --address=/example.test/203.0.113.80 2>"$T_DIR/isp.log"
    bg ip netns exec "$I" socat TCP-LISTEN:$HA_PORT,fork,reuseaddr EXEC:cat
}

# ha_config WHO [SED]: the example of WHO (primary|backup), edited by the
# sed expression SED when given.
ha_config() {
    sed -e "${2:-}" "$HA_SRC/examples/ha-$1.yaml" >"$T_DIR/$1.yaml"
}

# ha_start WHO NS [SED]: the daemon of one router (its config edited by SED).
ha_start() {
    local who=$1 ns=$2
    mkdir -p "$T_DIR/$who-state"
    ha_config "$who" "${3:-}"
    ip netns exec "$ns" "$NFTROUTER" run -c "$T_DIR/$who.yaml" --state-dir "$T_DIR/$who-state" \
        --run-dir "$T_DIR/$who-run" >>"$T_DIR/$who.log" 2>&1 &
    T_PIDS+=($!)
    eval "PID_$who=$!"
}

# ha_reboot_primary [SED]: the primary as after a power cycle: whatever of
# it runs killed, no connection table, no virtual address, links up, its
# daemon started anew (its config edited by SED).
ha_reboot_primary() {
    local p
    p=$(ip netns pids "$A")
    # shellcheck disable=SC2086 # a list of pids
    [ -z "$p" ] || kill -KILL $p
    ip netns exec "$A" conntrack -F 2>/dev/null || true
    ip -n "$A" addr del 192.168.100.1/24 dev lan 2>/dev/null || true
    ip -n "$A" addr del 203.0.113.10/24 dev wan 2>/dev/null || true
    for p in wan lan sync; do ip -n "$A" link set "$p" up; done
    ha_start primary "$A" "${1:-}"
}

# hactl NS WHO CMD...: nftrouter in a router's namespace with its paths.
hactl() {
    local ns=$1 who=$2 sub=$3; shift 3
    ip netns exec "$ns" "$NFTROUTER" "$sub" --run-dir "$T_DIR/$who-run" "$@"
}

# ha_role NS WHO: the role status --json reports ("" when no answer).
ha_role() {
    local r
    r=$(hactl "$1" "$2" status --json 2>/dev/null | jq -r '.ha.role' 2>/dev/null) || r=""
    echo "$r"
}

ha_role_is() { [ "$(ha_role "$1" "$2")" = "$3" ]; }

# ha_holds NS ADDR: the namespace's kernel holds the address.
ha_holds() { ip -n "$1" -4 addr show | grep -q "inet $2/"; }

# The LAN client's DHCP hook: address, route, and one line per event.
ha_client_hook() {
    cat >"$T_DIR/client.hook" <<'SH'
#!/bin/sh
case "$1" in
bound|renew)
    ip addr replace "$ip/$mask" dev "$interface"
    ip route replace default via "${router%% *}" dev "$interface"
    echo "$(date +%s.%N) $1 $ip $serverid" >>"$EVENTS"
    ;;
esac
exit 0
SH
    chmod 755 "$T_DIR/client.hook"
}

# ha_client_dhcp: a udhcpc that stays (renews on SIGUSR1); its pid in DHCPC.
ha_client_dhcp() {
    ha_client_hook
    ip -n "$C" link set eth0 up
    ip netns exec "$C" env EVENTS="$T_DIR/client.events" busybox udhcpc -f -t 20 -T 1 \
        -i eth0 -s "$T_DIR/client.hook" -x hostname:client >>"$T_DIR/client.log" 2>&1 &
    DHCPC=$!
    T_PIDS+=("$DHCPC")
}

# ha_stream: the client's long-lived TCP connection through NAT to the
# ISP's echo server: a line every 20 ms, each echo timestamped. Writes
# $T_DIR/stream.n (echoes so far), stream.err (why it ended, if it did).
ha_stream() {
    ip netns exec "$C" python3 - 203.0.113.1 "$HA_PORT" "$T_DIR/stream" <<'PY' &
import socket, sys, threading, time
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def put(name, text):
    with open(out + '.' + name + '.tmp', 'w') as f:
        f.write(text)
    import os
    os.replace(out + '.' + name + '.tmp', out + '.' + name)
try:
    s = socket.create_connection((host, port), timeout=10)
except OSError as e:
    put('err', 'connect: %s\n' % e); sys.exit(1)
s.settimeout(None)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
put('port', '%d\n' % s.getsockname()[1])
def send():
    i = 0
    while True:
        try:
            s.sendall(b'%08d\n' % i)
        except OSError as e:
            put('err', 'send: %s\n' % e); return
        i += 1
        time.sleep(0.02)
threading.Thread(target=send, daemon=True).start()
f = s.makefile('rb')
n, last, written = 0, time.time(), 0.0
while True:
    try:
        line = f.readline()
    except OSError as e:
        put('err', 'recv: %s\n' % e); break
    if not line:
        put('err', 'closed by the peer (EOF)\n'); break
    n += 1
    now = time.time()
    if now - last > 0.3:
        with open(out + '.gaps', 'a') as g:
            g.write('%.3f %.3f\n' % (last, now - last))
    last = now
    if now - written > 0.1:
        put('n', '%d\n' % n); written = now
PY
    STREAM=$!
    T_PIDS+=("$STREAM")
}

stream_n() { cat "$T_DIR/stream.n" 2>/dev/null || echo 0; }

# stream_grows N: the stream echoed at least N more lines, without error.
stream_grows() {
    local from; from=$(stream_n)
    wait_for 20 sh -c "[ ! -e '$T_DIR/stream.err' ] && [ \$(cat '$T_DIR/stream.n') -ge $((from + $1)) ]"
}

# ha_probe_start: the client sends a numbered UDP datagram every 10 ms
# through NAT to the ISP's echo (port HA_PORT+1); each echo is logged with
# its arrival time in $T_DIR/probe.log ("SEQ TIME"), each send counted in
# probe.sent. A constant rate (ping slows down while replies are missing).
ha_probe_start() {
    ip netns exec "$I" python3 - "$((HA_PORT + 1))" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', int(sys.argv[1])))
while True:
    d, a = s.recvfrom(64)
    s.sendto(d, a)
PY
    T_PIDS+=($!)
    ip netns exec "$C" python3 - 203.0.113.1 "$((HA_PORT + 1))" "$T_DIR/probe" <<'PY' &
import socket, sys, threading, time
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((host, port))
def send():
    i, t = 0, time.monotonic()
    while True:
        try:
            s.send(b'%d' % i)
        except OSError:
            pass
        i += 1
        with open(out + '.sent', 'w') as f:
            f.write('%d\n' % i)
        t += 0.01
        time.sleep(max(0, t - time.monotonic()))
threading.Thread(target=send, daemon=True).start()
with open(out + '.log', 'a', buffering=1) as log:
    while True:
        try:
            d = s.recv(64)
        except OSError:
            time.sleep(0.01); continue
        log.write('%s %.4f\n' % (d.decode(), time.time()))
PY
    T_PIDS+=($!)
}

# probe_outage SINCE: the longest gap (seconds) between two echoes after
# UNIX time SINCE, and the datagrams sent meanwhile that never came back
# (counted between the last echo before SINCE and the last one now).
probe_outage() {
    awk -v since="$1" '
        { t = $2; s = $1 + 0
          if (t >= since) { if (prev && t - prev > gap) { gap = t - prev }
                            if (!first) { first = ps } ; got++ ; last = s }
          prev = t; ps = s }
        END { lost = (first || got) ? last - first - got : 0; if (lost < 0) lost = 0
              printf "%.3f %d\n", gap, lost }' "$T_DIR/probe.log"
}
