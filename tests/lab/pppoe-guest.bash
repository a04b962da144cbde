# The body of tests/lab/vm-pppoe.sh, run as root in the guest kernel (which
# has PPP and PPPoE) by scripts/vm-run, with the real daemon:
#
#   C (LAN client) -- R (router: pppd on wan, session ppp0) -- I (ISP:
#   pppoe-server, CHAP) -- W (the ISP's web server, 198.51.100.80)
#
# I has no route to the LAN: an answer from W proves the masquerade. W's
# link has MTU 1500, so a connection from C shows MSS 1452 there only if
# the router clamped the SYN to ppp0's 1492.
#
# A second WAN, wan2 (static, to I2, which reaches W over 192.0.2.0/24),
# carries new connections while wan's health probes (to W, through the
# session) fail: the session stays up while the ISP's upstream is cut,
# which pppd's LCP echoes cannot see.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pppoe-isp.inc"
. "$(dirname "$0")/run-common.bash"
# /etc/ppp/chap-secrets is the ISP pppd's, at a path pppd fixes: written
# only in the throwaway guest scripts/vm-run boots (snapshot=on).
[ -d /etc/nftr-vm-run ] || skip "runs only in the guest of scripts/vm-run (it writes /etc/ppp/chap-secrets)"
modprobe ppp_generic
modprobe pppoe

R=$(netns r); I=$(netns i); W=$(netns w); C=$(netns c); I2=$(netns i2)
veth "$R" eth1 "$I" up0 "$R_MAC_WAN"
veth "$R" eth2 "$C" eth0 "$R_MAC_LAN"
veth "$R" eth3 "$I2" up0 "$R_MAC_OPT"
veth "$I" down0 "$W" w0
veth "$I2" down0 "$W" w1
ip -n "$I2" addr add 203.0.113.129/25 dev up0
ip -n "$I2" addr add 192.0.2.1/24 dev down0
ip -n "$I2" link set down0 up
ip netns exec "$I2" sysctl -qw net.ipv4.ip_forward=1
ip -n "$I2" route add 198.51.100.80/32 via 192.0.2.80
ip -n "$W" addr add 192.0.2.80/24 dev w1
ip -n "$W" link set w1 up
ip -n "$W" route add 203.0.113.128/25 via 192.0.2.1
ip -n "$I" addr add 198.51.100.1/24 dev down0
ip -n "$I" link set down0 up
ip netns exec "$I" sysctl -qw net.ipv4.ip_forward=1
ip -n "$W" addr add 198.51.100.80/24 dev w0
ip -n "$W" route add default via 198.51.100.1
# No TCP timestamps at W: its send MSS is then the SYN's MSS option as
# it arrived (with timestamps it is 12 bytes less).
ip netns exec "$W" sysctl -qw net.ipv4.tcp_timestamps=0
ip -n "$C" addr add 192.168.100.10/24 dev eth0
ip -n "$C" route add default via 192.168.100.1

# The ISP: CHAP for testuser, addresses 203.0.113.1 (its end) and
# 203.0.113.10-13 (the router's), service "internet".
isp_chap_options "$T_DIR/isp-options"
# The ISP's pppoe-server and the web server's script (pppoe-isp.inc).
isp_start "$I"
bg ip netns exec "$W" socat TCP-LISTEN:80,bind=198.51.100.80,reuseaddr,fork EXEC:"$T_DIR/web.sh"
bg ip netns exec "$W" socat -u TCP-LISTEN:8080,bind=198.51.100.80,reuseaddr,fork OPEN:/dev/null

install -m 600 /dev/null "$T_DIR/pppoe.secret"
echo wrong-pass >"$T_DIR/pppoe.secret"
cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan:
    match: { mac: "$R_MAC_WAN" }
    ipv4: pppoe
    pppoe: { user: testuser, password-file: $T_DIR/pppoe.secret, service-name: internet }
    health: { targets: [198.51.100.80], interval: 1s, down: 2, up: 2 }
  wan2: { match: { mac: "$R_MAC_OPT" }, ipv4: 203.0.113.130/25, gateway: 203.0.113.129 }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24 }
zones:
  wan: { interfaces: [wan, wan2], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, forward: [wan] }
dns:
  upstream: ["198.51.100.53"]
YAML
"$NFTROUTER" check -c "$T_DIR/router.yaml" || fail "check refused the config in the guest kernel"
pass "check: the guest kernel has PPP and PPPoE, pppd is there"
mkdir -p "$T_DIR/state"
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" >>"$T_DIR/daemon.log" 2>&1 &
T_PIDS+=($!)
rctl() { local sub=$1; shift; ip netns exec "$R" "$NFTROUTER" "$sub" --run-dir "$T_DIR/run" "$@"; }
dump() { cat "$T_DIR/daemon.log"; rctl status || true; }

# A wrong password: the ISP refuses it, no session. Proves the router
# logs in with the password file's password (its CHAP response), not
# with a chap-secrets entry it might share with the ISP in this guest.
wait_for 90 grep -q 'CHAP authentication failed' "$T_DIR/daemon.log" ||
    { dump; fail "no refused CHAP login with the wrong password"; }
ip -n "$R" -4 addr show ppp0 2>/dev/null | grep -q 'inet ' && fail "a session came up with the wrong password"
pass "wrong password: the ISP refused the login, no session"
echo right-pass >"$T_DIR/pppoe.secret"
rctl reload >/dev/null || { dump; fail "reload failed"; }

session_up() { ip -n "$R" -4 addr show ppp0 2>/dev/null | grep -q 'inet 203\.0\.113\.1[0-3] peer 203\.0\.113\.1/32'; }
wait_for 90 session_up || { dump; ip -n "$R" addr; fail "no PPPoE session after the right password"; }
ip -n "$R" link show ppp0 | grep -q 'mtu 1492' || fail "ppp0's MTU is not 1492: $(ip -n "$R" link show ppp0)"
# The route is the daemon's, set when ip-up reports the session.
wait_for 10 sh -c "ip -n $R route show default | grep -q 'dev ppp0'" ||
    { dump; fail "no default route via ppp0: $(ip -n "$R" route)"; }
wait_for 30 sh -c "ip netns exec $R $NFTROUTER status --run-dir $T_DIR/run | grep -q 'pppoe ppp0: up'" ||
    { dump; fail "status does not show the session up"; }
addr=$(ip -n "$R" -4 -o addr show ppp0 | sed -n 's/.* inet \([0-9.]*\) peer .*/\1/p')
pass "session up: ppp0 $addr, mtu 1492, default route via ppp0; status: $(rctl status | grep 'pppoe ppp0')"

# fetch WANT: the LAN client asks the web server; true when the answer
# has WANT (its text in $out).
fetch() {
    out=$(printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$C" timeout 5 socat - TCP:198.51.100.80:80 2>/dev/null) || out=""
    case $out in *"$1"*) return 0 ;; esac
    return 1
}
out=""
# Until wan's health is up (its probes had no session to go through)
# new connections leave by wan2: wait for the PPPoE address.
wait_for 30 fetch "isp-web peer=$addr" || { dump; fail "the web server did not see the router's PPPoE address $addr (got '$out')"; }
pass "LAN client -> ISP web server through ppp0, masqueraded to $addr"

# MSS: a connection held open; W (MTU 1500) would use 1460 unclamped.
ip netns exec "$C" timeout 20 socat -u EXEC:'sleep 15' TCP:198.51.100.80:8080 &
T_PIDS+=($!)
# ' mss:' is the connection's send MSS (not advmss or rcvmss).
mss() { ip netns exec "$W" ss -tin state established '( sport = :8080 )' | grep -oE '[[:space:]]mss:[0-9]+' | head -n 1 | tr -d '[:space:]'; }
wait_for 10 sh -c "ip netns exec $W ss -tn state established '( sport = :8080 )' | grep -q 8080" ||
    fail "no connection to port 8080"
got=$(mss) || got=""
[ "$got" = "mss:1452" ] || fail "the server's MSS is '$got', not 1452: the SYN was not clamped to ppp0's MTU"
pass "forwarded SYN clamped: the server's MSS is 1452 (its own link would allow 1460)"

# The ISP ends the session (its pppd, by PID): the router's pppd exits,
# the daemon starts it again, a new session comes up and traffic flows.
# pppoe-server starts one pppd per session with LOCAL:REMOTE among its
# arguments: the session's is the one with the router's address.
isp_session_pid() {
    local pid
    for pid in $(ip netns pids "$I"); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pppd ] || continue
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE "203\.0\.113\.1:$1( |\$)"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}
isp_pid=$(isp_session_pid "$addr") || isp_pid=""
[ -n "$isp_pid" ] || { ps -eo pid,args | grep pppd; fail "no ISP pppd for the session to $addr"; }
t0=$(date +%s)
kill "$isp_pid"
wait_for 60 sh -c "ip netns exec $R $NFTROUTER status --run-dir $T_DIR/run | grep -q 'pppoe ppp0: up.*(sessions: 2)'" ||
    { dump; fail "the router did not reconnect after the ISP's pppd was killed"; }
addr=$(ip -n "$R" -4 -o addr show ppp0 | sed -n 's/.* inet \([0-9.]*\) peer .*/\1/p')
new_pid=$(isp_session_pid "$addr") || new_pid=""
[ -n "$new_pid" ] && [ "$new_pid" != "$isp_pid" ] || fail "the ISP has no new session (pid '$new_pid')"
wait_for 20 fetch "peer=$addr" || { dump; fail "no traffic after the reconnect (got '$out')"; }
pass "ISP's pppd $isp_pid killed: reconnected in $(( $(date +%s) - t0 ))s (ISP pppd $new_pid, $addr), traffic flows again"

# Health on the PPPoE port: the ISP's upstream is cut (its link to W
# down) while the session stays up. The probes through ppp0 fail, wan is
# marked down, ppp0's default route is demoted and new connections leave
# by wan2; the upstream back, wan is up again and carries them.
status_has() { ip netns exec "$R" "$NFTROUTER" status --run-dir "$T_DIR/run" 2>/dev/null | grep -q "$1"; }
wait_for 30 status_has '^  wan  *metric [0-9]* *health up ' || { dump; fail "wan's health is not up"; }
ip -n "$I" link set down0 down
t0=$(date +%s)
wait_for 30 status_has '^  wan  *metric [0-9]* *health down ' || { dump; fail "wan's health did not go down with the ISP's upstream cut"; }
ip -n "$R" route show default | grep -q 'dev ppp0 .*metric 100[0-9][0-9]' ||
    { dump; ip -n "$R" route; fail "ppp0's default route was not demoted: $(ip -n "$R" route show default)"; }
status_has 'pppoe ppp0: up' || fail "the session went down too (it should stay up)"
wait_for 20 fetch "peer=203.0.113.130" || { dump; fail "new connections did not leave by wan2 (got '$out')"; }
pass "ISP upstream cut, session up: wan health down in $(( $(date +%s) - t0 ))s, ppp0's default route demoted, the LAN client reaches W by wan2"
ip -n "$I" link set down0 up
t0=$(date +%s)
wait_for 30 status_has '^  wan  *metric [0-9]* *health up ' || { dump; fail "wan's health did not come back up"; }
wait_for 20 fetch "peer=$addr" || { dump; fail "new connections did not leave by ppp0 again (got '$out')"; }
pass "upstream back: wan health up in $(( $(date +%s) - t0 ))s, new connections through ppp0 ($addr) again"
