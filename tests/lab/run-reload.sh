#!/usr/bin/env bash
# nftrouter run reload: SIGHUP with a broken config logs the error with its
# position and changes nothing (same ruleset, same children); `nftrouter
# reload` of a config that changes only the firewall applies it without
# restarting dnsmasq, and a TCP connection through the router survives.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v socat >/dev/null || skip "socat not installed"

run_config
cp "$T_DIR/router.yaml" "$T_DIR/good.yaml"
run_net
run_start
client_lease "$C" eth0 client1 || { cat "$T_DIR/daemon.log"; fail "LAN client got no lease"; }
wait_for 20 sh -c "ip -n $R -4 addr show dev wan | grep -q 'inet 203\.0\.113\.'" || fail "WAN not up"

# A TCP connection from the LAN client through the router's NAT to an
# echo server on the "internet", held open across the reloads.
bg ip netns exec "$I" socat TCP-LISTEN:7000,reuseaddr,fork EXEC:cat
wait_for 5 sh -c "ip netns exec $I ss -tln | grep -q ':7000 '" || fail "echo server"
ip netns exec "$C" python3 - "$T_DIR" <<'PY' &
import socket, sys, time, os
d = sys.argv[1]
s = socket.create_connection(("203.0.113.1", 7000), timeout=5)
s.sendall(b"one\n"); r1 = s.recv(100)
open(d + "/tcp.1", "w").write(r1.decode())
for _ in range(400):
    if os.path.exists(d + "/tcp.go"): break
    time.sleep(0.05)
s.sendall(b"two\n"); r2 = s.recv(100)
open(d + "/tcp.2", "w").write(r2.decode())
PY
T_PIDS+=($!)
wait_for 10 grep -q one "$T_DIR/tcp.1" || fail "TCP through the router does not work"
pass "TCP connection through the router established"

pids() { echo "$(child_pid dnsmasq) $(child_pid udhcpc-wan)"; }
ruleset() { ip netns exec "$R" nft -s list table inet nftrouter; }
before_pids=$(pids); before_rules=$(ruleset)

# 1. Broken config + SIGHUP: logged with its position, nothing changes.
sed -i 's/interfaces: \[lan, opt\]/interfaces: [lan, opt, nosuch]/' "$T_DIR/router.yaml"
line=$(grep -n nosuch "$T_DIR/router.yaml" | cut -d: -f1)
kill -HUP "$DAEMON"
wait_for 10 grep -q "router.yaml:$line:[0-9]*: error" "$T_DIR/daemon.log" ||
    { tail "$T_DIR/daemon.log"; fail "no error with position router.yaml:$line"; }
pass "SIGHUP, broken config: $(grep -m1 "router.yaml:$line:" "$T_DIR/daemon.log")"
[ "$(ruleset)" = "$before_rules" ] || fail "ruleset changed after a broken reload"
[ "$(pids)" = "$before_pids" ] || fail "children changed after a broken reload: $before_pids -> $(pids)"
pass "ruleset byte-identical, children the same ($before_pids)"

# The same through the control socket: exit 1, positions on stderr.
rc=0; rctl reload 2>"$T_DIR/reload.err" || rc=$?
[ "$rc" -eq 1 ] || fail "nftrouter reload of a broken config: exit $rc, want 1"
grep -q "router.yaml:$line:" "$T_DIR/reload.err" || fail "reload did not print the position"
pass "nftrouter reload, broken config: exit 1, $(head -1 "$T_DIR/reload.err")"

# 2. A valid change that touches only the firewall.
cp "$T_DIR/good.yaml" "$T_DIR/router.yaml"
cat >>"$T_DIR/router.yaml" <<'YAML'
rules:
  - name: admin-ssh
    from: wan
    tcp: [22]
    action: accept
YAML
rctl reload || { tail "$T_DIR/daemon.log"; fail "reload of a valid config failed"; }
ruleset | grep -q admin-ssh || fail "new rule not loaded"
[ "$(pids)" = "$before_pids" ] || fail "children restarted though their configs did not change"
pass "reload: rule admin-ssh loaded, dnsmasq and udhcpc kept ($before_pids)"
touch "$T_DIR/tcp.go"
wait_for 10 grep -q two "$T_DIR/tcp.2" || fail "the TCP connection did not survive the reload"
pass "established TCP connection survived the reload"

# 3. A change to DHCP restarts dnsmasq (and only it).
sed -i 's/lease: 1h }/lease: 2h }/' "$T_DIR/router.yaml"
rctl reload || fail "reload failed"
[ "$(child_pid dnsmasq)" != "$(echo "$before_pids" | cut -d' ' -f1)" ] || fail "dnsmasq kept its old config"
[ "$(child_pid udhcpc-wan)" = "$(echo "$before_pids" | cut -d' ' -f2)" ] || fail "udhcpc restarted needlessly"
grep -q "dhcp-range=.*,2h" "$T_DIR/run/dnsmasq.conf" || fail "dnsmasq.conf not rewritten"
pass "reload with a new lease time: dnsmasq restarted, udhcpc kept"

# 4. The daemon reads the config through the same door as apply: a
# router.yaml anybody may write is refused, and nothing changes.
before_rules=$(ruleset); before_applied=$(cat "$T_DIR/state/applied.yaml")
sed -i 's/lease: 2h }/lease: 3h }/' "$T_DIR/router.yaml"
chmod 666 "$T_DIR/router.yaml"
rc=0; rctl reload 2>"$T_DIR/reload.err" || rc=$?
[ "$rc" -eq 1 ] || fail "reload of a world-writable config: exit $rc, want 1"
grep -q "writable by everyone" "$T_DIR/reload.err" || fail "reload: refusal not explained: $(cat "$T_DIR/reload.err")"
[ "$(ruleset)" = "$before_rules" ] || fail "ruleset changed after a refused reload"
[ "$(cat "$T_DIR/state/applied.yaml")" = "$before_applied" ] || fail "applied.yaml changed after a refused reload"
grep -q "dhcp-range=.*,2h" "$T_DIR/run/dnsmasq.conf" || fail "dnsmasq.conf rewritten by a refused reload"
pass "reload of a world-writable config: exit 1, nothing changed"
