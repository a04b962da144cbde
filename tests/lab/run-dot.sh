#!/usr/bin/env bash
# DNS over TLS: an unbound on the "internet" serves DNS over TLS with a
# certificate from a test CA made here; the router (tls:// upstream, the
# test CA through --tls-ca) resolves through it. After a reload naming the
# wrong certificate name (#NAME), resolution fails: verification is real.
# The reload restarts unbound only. (example.net, not .test: unbound
# answers .test itself, RFC 6761.) The DNS counters of the metrics count
# the queries dnsmasq forwarded to the local unbound (127.0.0.1#5353).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v unbound >/dev/null || skip "unbound not installed"
command -v openssl >/dev/null || skip "openssl not installed"
command -v dig >/dev/null || skip "dig not installed"
command -v curl >/dev/null || skip "curl not installed"

# The test CA and the server's certificate for dot.example.net.
cd "$T_DIR"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=nftrouter test CA" \
    -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=dot.example.net" -keyout dot.key -out dot.csr 2>/dev/null
printf 'subjectAltName=DNS:dot.example.net\n' >san.ext
openssl x509 -req -in dot.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile san.ext -out dot.pem 2>/dev/null
cd - >/dev/null

run_config '["tls://203.0.113.1#dot.example.net"]'
printf 'metrics: { listen: "127.0.0.1:9630" }\n' >>"$T_DIR/router.yaml"
run_net
ip -n "$R" link set lo up
cat >"$T_DIR/upstream.conf" <<EOF2
server:
	interface: 203.0.113.1@853
	tls-port: 853
	tls-service-key: "$T_DIR/dot.key"
	tls-service-pem: "$T_DIR/dot.pem"
	do-daemonize: no
	use-syslog: no
	logfile: ""
	username: ""
	chroot: ""
	directory: "$T_DIR"
	pidfile: ""
	access-control: 0.0.0.0/0 allow
	module-config: "iterator"
	local-zone: "example.net." static
	local-data: "www.example.net. A 203.0.113.80"
	local-data: "other.example.net. A 203.0.113.81"
EOF2
bg ip netns exec "$I" unbound -d -c "$T_DIR/upstream.conf"
wait_for 10 sh -c "ip netns exec $I ss -tln | grep -q '203.0.113.1:853'" || fail "upstream DoT server did not start"

RUN_ARGS="--tls-ca $T_DIR/ca.pem" run_start
wait_for 20 sh -c "ip -n $R -4 addr show dev wan | grep -q 'inet 203\.0\.113\.'" || fail "WAN not up"
grep -q "tls-cert-bundle: \"$T_DIR/ca.pem\"" "$T_DIR/run/unbound.conf" || fail "--tls-ca not in unbound.conf"
client_lease "$C" eth0 client1 || fail "no lease"
a=$(ip netns exec "$C" dig +short +time=3 +tries=2 @192.168.100.1 www.example.net A)
[ "$a" = 203.0.113.80 ] || { cat "$T_DIR/daemon.log"; fail "DoT: www.example.net = '$a'"; }
pass "resolved through DNS over TLS (verified by the test CA): www.example.net = $a"
# dnsmasq's counters: the query went to unbound, dnsmasq's only upstream.
up='nftrouter_dns_upstream_queries_total{upstream="127.0.0.1#5353"}'
fwd='nftrouter_dns_queries_total{result="forwarded"}'
dns_seen() {
    ip netns exec "$R" curl -sS --max-time 5 -o "$T_DIR/m" http://127.0.0.1:9630/metrics || return 1
    awk -v u="$up" -v f="$fwd" 'index($0, u" ") == 1 && $NF >= 1 { a = 1 }
        index($0, f" ") == 1 && $NF >= 1 { b = 1 } END { exit !(a && b) }' "$T_DIR/m"
}
wait_for 30 dns_seen || fail "metrics: no forwarded query to 127.0.0.1#5353: $(grep nftrouter_dns "$T_DIR/m")"
pass "metrics: $(grep -F "$up" "$T_DIR/m"), $(grep -F "$fwd" "$T_DIR/m")"

# diff: the daemon's --tls-ca is its option, not the config's: kept out
# of the comparison (no $NFTROUTER_TLS_CA here); a changed #NAME is an
# unbound.conf hunk.
ndiff() { ip netns exec "$R" "$NFTROUTER" diff -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" --run-dir "$T_DIR/run"; }
ndiff >"$T_DIR/diff.out" 2>&1 || { cat "$T_DIR/diff.out"; fail "diff of the running DoT config: exit $?"; }
dpid=$(child_pid dnsmasq); upid=$(child_pid unbound)
sed -i 's/#dot.example.net/#wrong.example.net/' "$T_DIR/router.yaml"
rc=0; ndiff >"$T_DIR/diff.out" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q '^+.*wrong.example.net' "$T_DIR/diff.out" ||
    { cat "$T_DIR/diff.out"; fail "diff of a changed #NAME: exit $rc, or no unbound.conf hunk"; }
pass "diff: the running DoT config empty (its --tls-ca kept), a changed #NAME an unbound.conf hunk"
rctl reload || fail "reload"
[ "$(child_pid dnsmasq)" = "$dpid" ] || fail "dnsmasq restarted, its config did not change"
[ "$(child_pid unbound)" != "$upid" ] || fail "unbound not restarted with its new config"
pass "reload with a new #NAME: unbound restarted, dnsmasq kept"
wait_for 5 sh -c "ip netns exec $R ss -tln | grep -q '127.0.0.1:5353'" || fail "unbound not back"
a=$(ip netns exec "$C" dig +short +time=3 +tries=1 @192.168.100.1 other.example.net A || true)
[ -z "$a" ] || fail "resolved '$a' though the certificate's name does not match"
# And the other name resolves again once the right name is back.
sed -i 's/#wrong.example.net/#dot.example.net/' "$T_DIR/router.yaml"
rctl reload || fail "reload"
wait_for 5 sh -c "ip netns exec $R ss -tln | grep -q '127.0.0.1:5353'" || fail "unbound not back"
a=$(ip netns exec "$C" dig +short +time=3 +tries=2 @192.168.100.1 other.example.net A)
[ "$a" = 203.0.113.81 ] || fail "with the right name again: other.example.net = '$a'"
pass "with #wrong.example.net resolution fails (certificate name checked)"
pass "#dot.example.net again: other.example.net = $a"
