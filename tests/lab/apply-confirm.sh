#!/usr/bin/env bash
# Confirm-or-rollback. `apply --confirm 3` without `confirm`: about 3 s
# later the previous ruleset, names, MTUs and addresses are back, even
# though the session that ran apply was killed at once (the timer is
# detached). With `confirm` the new state stays. While a confirm is
# pending another apply is refused; `rollback` rolls the pending apply
# back at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

# A user's table: every snap below lists it, so apply, the timer's undo,
# confirm and rollback must all leave it alone.
nsx "$R" nft -f - <<'NFT'
table ip user {
	set allowed { type ipv4_addr; elements = { 192.0.2.1 } }
	chain c { type filter hook input priority 5; policy accept; ip saddr @allowed accept; }
}
NFT
napply apply -c "$T_DIR/base.yaml" || fail "first apply exited $?"
snap "$T_DIR/base.state"
grep -q 'table ip user' "$T_DIR/base.state" || fail "snap does not show the user table"
sed 's/00:00:02"/00:00:XX"/; s/00:00:03"/00:00:02"/; s/00:00:XX"/00:00:03"/; s/mtu: 1400/mtu: 1300/;
     s/192.168.100.1\/24/[192.168.100.1\/24, 192.168.200.1\/24]/; s/tcp: \[22\]/tcp: [22, 2222]/' \
    "$T_DIR/base.yaml" >"$T_DIR/changed.yaml"

timer_gone() { [ ! -e "$RUN/confirm.pid" ]; }

# The "SSH session": its own session and process group, killed with
# SIGKILL right after apply returns, as a dropped connection would be.
setsid bash -c 'ip netns exec "$0" "$1" apply -c "$2" --state-dir "$3" --run-dir "$4" --confirm 3 \
    >"$5" 2>&1; echo $? >"$5.rc"; sleep 60' \
    "$R" "$NFTROUTER" "$T_DIR/changed.yaml" "$STATE" "$RUN" "$T_DIR/out" &
sess=$!
T_PIDS+=("$sess")
wait_for 10 test -s "$T_DIR/out.rc" || fail "apply --confirm did not finish"
kill -9 -- "-$sess" 2>/dev/null || kill -9 "$sess"
t0=$(date +%s%N)
cat "$T_DIR/out"
[ "$(cat "$T_DIR/out.rc")" = 0 ] || fail "apply --confirm exited $(cat "$T_DIR/out.rc")"
read -r tpid _ <"$RUN/confirm.pid"
kill -0 "$tpid" || fail "the confirm timer died with its session"
ip -n "$R" -o link show lan | grep -q 'link/ether 52:54:00:00:00:02' || fail "changed.yaml not applied"
snap "$T_DIR/changed.state"
pass "apply --confirm applied; the timer (pid $tpid) outlived its killed session"

set +e
napply apply -c "$T_DIR/base.yaml" 2>"$T_DIR/err"
rc=$?
set -e
cat "$T_DIR/err"
[ $rc -eq 1 ] && grep -q "pending" "$T_DIR/err" || fail "apply while a confirm is pending: exit $rc"
pass "a second apply while a confirm is pending: refused (exit 1)"

wait_for 8 timer_gone || fail "no rollback 8 s after a 3 s confirm window"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
snap "$T_DIR/after"
same "$T_DIR/base.state" "$T_DIR/after" "state after the confirm timeout"
cmp -s "$STATE/applied.yaml" "$T_DIR/base.yaml" || fail "applied.yaml is not the base after the timeout"
[ ! -e "$STATE/pending.yaml" ] || fail "pending.yaml left behind"
grep -q "rolled back ok" "$RUN/confirm.result" || fail "timer result: $(cat "$RUN/confirm.result")"
pass "no confirm: rolled back ${ms} ms after apply returned (3 s window); ruleset, names, MTU, addresses as before"

# With confirm, the new state stays.
napply apply -c "$T_DIR/changed.yaml" --confirm 3 || fail "apply --confirm exited $?"
napply confirm || fail "confirm exited $?"
sleep 4
snap "$T_DIR/confirmed"
same "$T_DIR/changed.state" "$T_DIR/confirmed" "state after confirm"
cmp -s "$STATE/applied.yaml" "$T_DIR/changed.yaml" || fail "applied.yaml is not changed.yaml after confirm"
cmp -s "$STATE/previous.yaml" "$T_DIR/base.yaml" || fail "previous.yaml is not base.yaml after confirm"
set +e
napply confirm 2>/dev/null
rc=$?
set -e
[ $rc -eq 1 ] || fail "confirm with nothing pending: exit $rc, want 1"
pass "confirmed: the new state stays; a second confirm exits 1"

# rollback while a confirm is pending: at once, by the timer.
# Through a pipe, as `ssh host nftrouter apply --confirm 60` runs it: the
# pipe must close when apply exits, not when the timer does.
t0=$(date +%s%N)
out=$(napply apply -c "$T_DIR/base.yaml" --confirm 60 2>&1) || fail "apply --confirm 60 exited $?: $out"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 20000 ] || fail "apply --confirm held its output pipe for ${ms} ms"
t0=$(date +%s%N)
napply rollback || fail "rollback of a pending confirm exited $?"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
timer_gone || fail "the timer is still there after rollback"
snap "$T_DIR/rolled"
same "$T_DIR/changed.state" "$T_DIR/rolled" "state after rollback of a pending confirm"
[ "$ms" -lt 5000 ] || fail "rollback of a pending confirm took ${ms} ms"
pass "rollback during a pending confirm restores at once (${ms} ms)"
