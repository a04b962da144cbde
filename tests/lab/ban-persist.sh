#!/usr/bin/env bash
# Bans expire by themselves (kernel timeout), and survive what must not
# lose them: an apply of a changed config (time left within a second of
# what it was), and the ban table deleted (a reboot) then apply: restored
# from the state dir with their remaining time. Expired bans are not
# restored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

napply apply -c "$T_DIR/base.yaml" || fail "apply exited $?"
# reachable NS: the WAN host gets an answer from the router within 2 s.
bg nsx "$R" socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo hi'
wait_for 5 nsx "$R" sh -c "ss -Hltn 'sport = :22' | grep -q LISTEN" || fail "listener did not start"
reachable() { [ "$(nsx "$W" timeout 3 socat -T2 - TCP:203.0.113.1:22,connect-timeout=2 </dev/null 2>/dev/null)" = hi ]; }
reachable || fail "the WAN host cannot reach the router before any ban"

# --- expiry by the kernel's timeout
napply ban 203.0.113.2 --for 4s >/dev/null || fail "ban --for 4s exited $?"
! reachable || fail "banned host reached the router"
wait_for 8 reachable || fail "the 4 s ban did not expire"
[ "$(napply bans --json | jq length)" -eq 0 ] || fail "an expired ban is still listed"
pass "ban --for 4s: blocked, then expired by itself"

# left PREFIX: seconds left of a ban, from `bans --json`.
left() { napply bans --json | jq -e --arg p "$1" '.[] | select(.prefix == $p) | .left'; }

napply ban 203.0.113.2 --for 1h >/dev/null || fail "ban exited $?"
napply ban 198.51.100.0/24 --for 2h >/dev/null || fail "prefix ban exited $?"
napply ban 2001:db8:66::/48 --for 0 >/dev/null || fail "forever ban exited $?"
napply ban 203.0.113.50 --for 3s >/dev/null || fail "short ban exited $?"
sleep 2
t0=$(date +%s); l0=$(left 203.0.113.2/32); p0=$(left 198.51.100.0/24)

# --- apply of a changed config keeps them with their time
sed 's/mtu: 1400/mtu: 1450/; s/tcp: 8080/tcp: 8081/' "$T_DIR/base.yaml" >"$T_DIR/changed.yaml"
napply apply -c "$T_DIR/changed.yaml" >/dev/null || fail "apply of the changed config exited $?"
t1=$(date +%s); l1=$(left 203.0.113.2/32) || fail "ban lost by apply"
p1=$(left 198.51.100.0/24) || fail "prefix ban lost by apply"
napply bans --json | jq -e '.[] | select(.prefix == "2001:db8:66::/48" and .left == null)' >/dev/null ||
    fail "forever ban lost by apply"
want=$((l0 - (t1 - t0)))
[ $((l1 - want)) -le 1 ] && [ $((want - l1)) -le 1 ] || fail "time left $l1 after apply, want $want ± 1"
wantp=$((p0 - (t1 - t0)))
[ $((p1 - wantp)) -le 1 ] && [ $((wantp - p1)) -le 1 ] || fail "prefix time left $p1 after apply, want $wantp ± 1"
! reachable || fail "banned host reached the router after apply"
pass "apply of a changed config: bans kept, time left $l1 s (want $want ± 1)"

# --- reboot: the ban table is gone; apply restores from the state dir
sleep 2 # the 3 s ban has expired by now
nsx "$R" nft delete table inet nftrouter_bans
reachable || fail "no ban table, but the host is still blocked?"
napply apply -c "$T_DIR/changed.yaml" >/dev/null || fail "apply after the table was deleted exited $?"
t2=$(date +%s); l2=$(left 203.0.113.2/32) || fail "ban not restored after the table was deleted"
p2=$(left 198.51.100.0/24) || fail "prefix ban not restored"
napply bans --json | jq -e '.[] | select(.prefix == "2001:db8:66::/48" and .left == null)' >/dev/null ||
    fail "forever ban not restored"
! left 203.0.113.50/32 >/dev/null || fail "an expired ban was restored"
grep -q 203.0.113.50 "$STATE/bans" && fail "an expired ban is still in the state file"
want=$((l0 - (t2 - t0)))
[ $((l2 - want)) -le 1 ] && [ $((want - l2)) -le 1 ] || fail "time left $l2 after restore, want $want ± 1"
! reachable || fail "banned host reached the router after the restore"
pass "ban table deleted + apply: restored with $l2 s left (want $want ± 1), expired ones dropped"
