#!/usr/bin/env bash
# The control socket: root only (the run dir is 0700 and the socket 0600;
# with both opened up, SO_PEERCRED still refuses a non-root peer), random
# bytes and a 1 MiB line get an error reply and the daemon keeps serving,
# a client that sends nothing does not stall others and is dropped after
# its deadline, and ban/bans/unban work through it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v socat >/dev/null || skip "socat not installed"
command -v setpriv >/dev/null || skip "setpriv not installed"

run_config
run_net
run_start
sock="$T_DIR/run/nftrouter.sock"
ask() { printf '%s\n' "$1" | ip netns exec "$R" socat -t 5 - "UNIX-CONNECT:$sock"; }
# raw_ask FILE: send the file's bytes (the daemon may hang up midway),
# then print whatever it answered.
raw_ask() {
    /usr/bin/python3 - "$sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
try:
    s.sendall(open(sys.argv[2], 'rb').read())
    s.shutdown(socket.SHUT_WR)
except OSError:
    pass
out = b''
try:
    while True:
        b = s.recv(4096)
        if not b: break
        out += b
except OSError:
    pass
print(out.decode(errors='replace').strip())
PY
}

[ "$(stat -c %a "$T_DIR/run")" = 700 ] || fail "run dir mode $(stat -c %a "$T_DIR/run")"
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode $(stat -c %a "$sock")"
ask status | jq -e '.ok' >/dev/null || fail "root's status request"
pass "run dir 0700, socket 0600, root is served"

out=$(printf 'status\n' | setpriv --reuid=65534 --regid=65534 --clear-groups \
    socat -t 5 - "UNIX-CONNECT:$sock" 2>&1 || true)
echo "$out" | grep -q '"ok":true' && fail "nobody was served through a 0700 dir"
pass "nobody cannot reach the socket: $(echo "$out" | tail -1 | cut -c1-80)"
chmod 711 "$T_DIR"; chmod 755 "$T_DIR/run"; chmod 666 "$sock"
# The daemon answers a refused peer at once, before reading: read first.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
print(s.recv(4096).decode().strip())' "$sock" 2>&1 || true)
chmod 700 "$T_DIR" "$T_DIR/run"; chmod 600 "$sock"
echo "$out" | grep -q '"ok":false,"error":"permission denied' || fail "non-root peer not refused: $out"
grep -q "refused uid 65534" "$T_DIR/daemon.log" || fail "refusal not logged"
pass "with the modes opened up, SO_PEERCRED refuses uid 65534: $out"

head -c 3000 /dev/urandom | tr -d '\n\000' >"$T_DIR/random"
r=$(raw_ask "$T_DIR/random")
echo "$r" | grep -q '^{"ok":false,"error":"' || fail "random bytes: reply '$r'"
pass "random bytes: $(echo "$r" | cut -c1-80)"
head -c 1048576 /dev/zero | tr '\0' a >"$T_DIR/big"
r=$(raw_ask "$T_DIR/big")
echo "$r" | grep -q 'longer than 4096' || fail "1 MiB line: reply '$r'"
pass "1 MiB line: $(echo "$r" | cut -c1-80)"
# strict_ask FILE: as a careful client does: send, then read to EOF; a
# reset (the daemon closing with the request unread) is a failure.
strict_ask() {
    /usr/bin/python3 - "$sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(open(sys.argv[2], 'rb').read())
out = b''
try:
    while True:
        b = s.recv(4096)
        if not b: break
        out += b
except OSError as e:
    print('ERROR %s after %r' % (e, out)); sys.exit(0)
print(out.decode(errors='replace').strip())
PY
}
# Around the limit (4096 bytes and a newline), without a newline, and
# bytes after the request: one error or reply line each, never a reset.
{ head -c 4096 /dev/zero | tr '\0' a; echo; } >"$T_DIR/l4096"
{ head -c 4097 /dev/zero | tr '\0' a; echo; } >"$T_DIR/l4097"
head -c 4097 /dev/zero | tr '\0' a >"$T_DIR/l4097n"
head -c 8000 /dev/zero | tr '\0' a >"$T_DIR/l8000n"
printf 'status\ntrailing bytes\n' >"$T_DIR/trail"
r=$(strict_ask "$T_DIR/l4096")
[ "$r" = '{"ok":false,"error":"unknown request (see docs/control-socket.md)"}' ] || fail "4096-byte line: '$r'"
for f in l4097 l4097n l8000n; do
    r=$(strict_ask "$T_DIR/$f")
    [ "$r" = '{"ok":false,"error":"request line longer than 4096 bytes"}' ] || fail "$f: '$r'"
done
r=$(strict_ask "$T_DIR/trail")
echo "$r" | jq -e '.ok' >/dev/null || fail "status with trailing bytes: '$(echo "$r" | cut -c1-80)'"
r=$(ip netns exec "$R" socat -t 5 - "UNIX-CONNECT:$sock" <"$T_DIR/l4097" 2>&1) ||
    fail "socat on a 4,097-byte request: '$r'"
[ "$r" = '{"ok":false,"error":"request line longer than 4096 bytes"}' ] || fail "socat: '$r'"
pass "4096-byte line served; 4,097 and 8,000 bytes get the documented error line, no reset"
printf 'sta\0tus\n' >"$T_DIR/nul"
r=$(raw_ask "$T_DIR/nul")
echo "$r" | grep -q '^{"ok":false,"error":"request contains a NUL byte"' || fail "NUL byte: reply '$r'"
kill -0 "$DAEMON" || fail "daemon died"
ask status | jq -e '.ok' >/dev/null || fail "status after malformed requests"
pass "daemon alive and answering after malformed requests"

# A client that connects and says nothing: others are still served at
# once, and it is dropped after its deadline.
bg sh -c "sleep 20 | ip netns exec $R socat - UNIX-CONNECT:$sock"
sleep 0.3
t0=$(date +%s%N)
ask status | jq -e '.ok' >/dev/null || fail "status while a client stalls"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 2000 ] || fail "status took $ms ms while a client stalled"
wait_for 8 grep -q "client timed out" "$T_DIR/daemon.log" || fail "stalled client not dropped"
pass "a stalled client does not block others (${ms} ms) and is dropped after 5 s"

# Eight clients that say nothing fill every slot: a ninth is told "busy"
# at once (not queued forever), and all are served again after the
# deadline frees the slots.
for _ in 1 2 3 4 5 6 7 8; do bg sh -c "sleep 20 | ip netns exec $R socat - UNIX-CONNECT:$sock"; done
sleep 0.5
printf 'status\n' >"$T_DIR/status.req"
r=$(raw_ask "$T_DIR/status.req")
echo "$r" | grep -q '"error":"busy' || fail "ninth client: '$(echo "$r" | cut -c1-80)'"
wait_for 8 sh -c "printf 'status\n' | socat -t 5 - UNIX-CONNECT:$sock | grep -q '\"ok\":true'" ||
    fail "not served again after the stalled clients' deadline"
pass "all slots taken: a ninth client is told busy; served again after the deadline"

# Bans through the socket (the bans library behind it).
ask "ban 198.51.100.7/32 60" | jq -e '.ok' >/dev/null || fail "ban: $(ask 'ban 198.51.100.7/32 60')"
ask bans | jq -e '.bans[] | select(.prefix == "198.51.100.7/32" and .left > 0 and .left <= 60)' >/dev/null ||
    fail "bans: $(ask bans)"
ask "ban 0.0.0.0/0" | jq -e '.ok == false and .errno == 22' >/dev/null || fail "ban 0.0.0.0/0 accepted"
ask "unban 198.51.100.7/32" | jq -e '.ok' >/dev/null || fail "unban"
ask "unban 198.51.100.7/32" | jq -e '.ok == false and .errno == 2' >/dev/null || fail "second unban"
pass "ban, bans, unban over the socket; 0.0.0.0/0 refused"

ask counters | jq -e '.ok and ([.counters[].name] | index("wan-ingress") != null) and (.counters[] | select(.name == "wan-ingress") | .packets > 0)' >/dev/null ||
    fail "counters: $(ask counters)"
pass "counters over the socket: $(ask counters | jq -c '.counters[0]')"

# The commands forward to the daemon when it runs: ban/unban are done by
# it (its log says so), counters come from it.
out=$(rctl ban 198.51.100.9 --for 1m) || fail "nftrouter ban through the daemon"
[ "$out" = "banned 198.51.100.9/32 for 1m" ] || fail "ban printed '$out'"
grep -q "nftrouter: banned 198.51.100.9/32 for 60s" "$T_DIR/daemon.log" || fail "ban not done by the daemon"
rc=0; rctl ban 127.0.0.1 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "ban 127.0.0.1: exit $rc"
rctl unban 198.51.100.9 | grep -q "unbanned 198.51.100.9/32" || fail "unban through the daemon"
grep -q "nftrouter: unbanned 198.51.100.9/32" "$T_DIR/daemon.log" || fail "unban not done by the daemon"
rc=0; rctl unban 198.51.100.9 2>"$T_DIR/unban.err" || rc=$?
[ "$rc" -eq 1 ] || fail "second unban: exit $rc, want 1 ($(cat "$T_DIR/unban.err"))"
rctl counters --json | jq -e '.[] | select(.name == "wan-ingress" and .zone == "wan" and .direction == "ingress")' >/dev/null ||
    fail "counters through the daemon: $(rctl counters --json)"
pass "ban, unban, counters commands go through the daemon; exit statuses as direct"
