#!/usr/bin/env bash
# Files and dirs as OpenSSH's StrictModes would have them (docs/refuses.md,
# "Files and directories"): a state or run dir writable by others or owned
# by another user is refused by apply, rollback and run, the dir named,
# nothing changed; a symlink planted at a temporary's name or at the lock
# is never followed; stale temporaries of killed writers are removed, a
# live writer's are not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

# refused WHAT DIR: the last command exited 3, named DIR, changed nothing.
refused() {
    [ "$rc" -eq 3 ] || fail "$1: exit $rc, want 3"
    grep -q "$2" "$T_DIR/err" || fail "$1: the error does not name $2: $(cat "$T_DIR/err")"
    if nsx "$R" nft list table inet nftrouter >/dev/null 2>&1; then fail "$1: a table was loaded"; fi
    ip -n "$R" -4 -o addr | grep -q 192.168.100.1 && fail "$1: an address was set"
    return 0
}
try() { set +e; "$@" >/dev/null 2>"$T_DIR/err"; rc=$?; set -e; }

mkdir -m 0700 "$STATE" "$RUN"
for mode in 0777 0770 1777; do
    chmod "$mode" "$STATE"
    try napply apply -c "$T_DIR/base.yaml"
    refused "state dir mode $mode" "state dir $STATE: writable by"
done
chmod 0700 "$STATE"
chown 65534:65534 "$RUN"
try napply apply -c "$T_DIR/base.yaml"
refused "run dir owned by nobody" "run dir $RUN: owned by uid 65534"
try napply rollback
refused "rollback, run dir owned by nobody" "run dir $RUN: owned by uid 65534"
try napply run -c "$T_DIR/base.yaml"
[ "$rc" -eq 3 ] || fail "run with a run dir owned by nobody: exit $rc, want 3"
grep -q "run dir $RUN: owned by uid 65534" "$T_DIR/err" || fail "run: the dir is not named: $(cat "$T_DIR/err")"
chown 0:0 "$RUN"
cat "$T_DIR/err"
# The DHCP hook: refused before the lease changes the WAN port.
chmod 0777 "$RUN"
set +e
ip netns exec "$R" env interface=eth2 ip=203.0.113.77 mask=24 router=203.0.113.2 \
    "$NFTROUTER" dhcp-hook --state-dir "$STATE" --run-dir "$RUN" bound >/dev/null 2>"$T_DIR/err"
rc=$?
set -e
cat "$T_DIR/err"
[ "$rc" -eq 3 ] || fail "dhcp-hook with a world-writable run dir: exit $rc, want 3"
grep -q "run dir $RUN: writable by everyone" "$T_DIR/err" || fail "dhcp-hook: the dir is not named"
ip -n "$R" -4 -o addr | grep -q 203.0.113.77 && fail "dhcp-hook changed the WAN port"
chmod 0700 "$RUN"
pass "state/run dirs writable by others or owned by another user: refused, named, nothing changed"

# ban, unban and confirm write there too: refused the same way.
chmod 0777 "$STATE"
for cmd in "ban 198.51.100.9 --for 1h" "unban 198.51.100.9" confirm; do
    # shellcheck disable=SC2086
    try napply $cmd
    [ "$rc" -eq 3 ] || fail "$cmd with a world-writable state dir: exit $rc, want 3"
    grep -q "state dir $STATE: writable by everyone" "$T_DIR/err" ||
        fail "$cmd: the dir is not named: $(cat "$T_DIR/err")"
done
chmod 0700 "$STATE"
pass "ban, unban and confirm refuse it too, naming it"

# A symlink at the lock's name: refused (not followed to create a file).
ln -s "$T_DIR/lock-victim" "$RUN/apply.lock"
try napply apply -c "$T_DIR/base.yaml"
[ "$rc" -eq 3 ] || fail "symlinked lock: exit $rc"
[ ! -e "$T_DIR/lock-victim" ] || fail "the lock's symlink was followed"
rm "$RUN/apply.lock"
pass "a symlink at apply.lock is refused, not followed"

# Symlinks planted at every temporary name this apply's pid will use (the
# shell execs ip, which execs nftrouter: one pid). The victim keeps its
# bytes and mode; the state is written all the same.
printf 'precious\n' >"$T_DIR/victim"
chmod 0644 "$T_DIR/victim"
sh -c 'for f in apply.journal applied.yaml applied.nft applied.path applied.list \
        previous.yaml previous.nft previous.path blocklists bans; do
        ln -s "$1" "$2/$f.tmp$$"
    done
    exec ip netns exec "$3" "$4" apply -c "$5" --state-dir "$2" --run-dir "$6"' \
    sh "$T_DIR/victim" "$STATE" "$R" "$NFTROUTER" "$T_DIR/base.yaml" "$RUN" ||
    fail "apply with planted symlinks exited $?"
[ "$(cat "$T_DIR/victim")" = precious ] || fail "a planted symlink was written through"
[ "$(stat -c %a "$T_DIR/victim")" = 644 ] || fail "a planted symlink's target was chmod'ed"
cmp -s "$STATE/applied.yaml" "$T_DIR/base.yaml" || fail "applied.yaml not written"
pass "symlinks planted at the temporaries' names are not followed"

# Stale temporaries: a dead pid's go, a live one's stay.
dead=4194000
while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 1)); done
sleep 1000 &
live=$!
T_PIDS+=("$live")
touch "$STATE/applied.yaml.tmp$dead" "$STATE/bans.tmp$dead" "$RUN/confirm.pid.tmp$dead" \
    "$STATE/applied.yaml.tmp$live"
napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "apply exited $?"
[ ! -e "$STATE/applied.yaml.tmp$dead" ] && [ ! -e "$STATE/bans.tmp$dead" ] &&
    [ ! -e "$RUN/confirm.pid.tmp$dead" ] || fail "stale temporaries left: $(ls "$STATE" "$RUN")"
[ -e "$STATE/applied.yaml.tmp$live" ] || fail "a live writer's temporary was removed"
pass "stale temporaries removed, a live writer's kept"
