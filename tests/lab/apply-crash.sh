#!/usr/bin/env bash
# Crash-consistent apply (docs/apply.md, "Crash safety"). Applies
# alternating two configs, each killed with SIGKILL: at a random moment
# (0-90 ms after it starts) or at a point injected through
# NFTROUTER_TEST_KILL_AT. After each kill:
#   - the ruleset, the LAN address and applied.yaml name one config, or an
#     apply journal says an apply was interrupted (never silently mixed);
# then the next command (apply of the same config, of the other one,
# rollback, or `nftrouter run`) must leave
#   - ruleset, addresses, applied.{yaml,nft,path} all one config, and
#     previous.{yaml,nft,path} one config;
#   - no journal and no stale temporary (*.tmpPID) in the state or run dir.
# CRASH_N iterations (default 24); SLOW=1: 200. CRASH_INJECT=0: random
# kills only (what an nftrouter without kill points can be tested with).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

N=${CRASH_N:-24}
[ -n "${SLOW:-}" ] && N=200
INJECT=${CRASH_INJECT:-1}
POINTS=(journal firewall bans ports sysctls state-previous state undoing)

# a.yaml and b.yaml: another LAN address, another rule, another MTU.
sed 's/name: admin-ssh/name: cfg-a/' "$T_DIR/base.yaml" >"$T_DIR/a.yaml"
sed 's/name: admin-ssh/name: cfg-b/; s/192.168.100.1\/24/192.168.101.1\/24/; s/mtu: 1400/mtu: 1300/;
     s/to: 192.168.100.20:80/to: 192.168.101.20:80/; s/tcp: \[22\]/tcp: [22, 2222]/' \
    "$T_DIR/base.yaml" >"$T_DIR/b.yaml"
for c in a b; do
    "$NFTROUTER" render nft -c "$T_DIR/$c.yaml" >"$T_DIR/$c.nft" || fail "render $c"
done

# Which config each part of the router says: a, b, none or mixed.
of_ruleset() {
    local t
    t=$(nsx "$R" nft list table inet nftrouter 2>/dev/null) || { echo none; return; }
    case "$t" in
    *cfg-a*cfg-b* | *cfg-b*cfg-a*) echo mixed ;;
    *cfg-a*) echo a ;;
    *cfg-b*) echo b ;;
    *) echo none ;;
    esac
}
of_addrs() {
    local t
    t=$(ip -n "$R" -4 -o addr)
    case "$t" in
    *192.168.100.1/*192.168.101.1/* | *192.168.101.1/*192.168.100.1/*) echo mixed ;;
    *192.168.100.1/*) echo a ;;
    *192.168.101.1/*) echo b ;;
    *) echo none ;;
    esac
}
# of_state PREFIX: the config PREFIX.{yaml,nft,path} name, if all agree.
of_state() {
    local c
    [ -f "$STATE/$1.yaml" ] || { echo none; return; }
    for c in a b; do
        if cmp -s "$STATE/$1.yaml" "$T_DIR/$c.yaml"; then
            cmp -s "$STATE/$1.nft" "$T_DIR/$c.nft" &&
                [ "$(cat "$STATE/$1.path")" = "$T_DIR/$c.yaml" ] && { echo "$c"; return; }
        fi
    done
    echo mixed
}
whole() { echo "ruleset=$(of_ruleset) addrs=$(of_addrs) applied=$(of_state applied)"; }

# consistent WHEN: one config everywhere, nothing left over.
consistent() {
    local w r
    w=$(whole)
    r=$(of_ruleset)
    [ "$w" = "ruleset=$r addrs=$r applied=$r" ] && [ "$r" != none ] ||
        fail "$1: not one config: $w"
    case $(of_state previous) in a | b | none) ;; *) fail "$1: previous.* mixed" ;; esac
    [ ! -e "$STATE/apply.journal" ] || fail "$1: the journal is still there"
    local tmp
    tmp=$(find "$STATE" "$RUN" -name '*.tmp[0-9]*' | head -3)
    [ -z "$tmp" ] || fail "$1: stale temporaries: $tmp"
}

# The daemon as the next command: started, its first apply done (the
# socket answers), stopped.
run_once() {
    local pid
    ip netns exec "$R" "$NFTROUTER" run -c "$1" --state-dir "$STATE" --run-dir "$RUN" \
        >>"$T_DIR/run.log" 2>&1 &
    pid=$!
    wait_for 30 sh -c "ip netns exec $R $NFTROUTER status --state-dir $STATE --run-dir $RUN \
        2>/dev/null | grep -q '^daemon: pid'" || {
        kill "$pid" 2>/dev/null
        fail "run did not come up: $(tail -5 "$T_DIR/run.log")"
    }
    kill -TERM "$pid"
    wait "$pid" || fail "run exited $?: $(tail -5 "$T_DIR/run.log")"
}

napply apply -c "$T_DIR/b.yaml" >/dev/null || fail "first apply"
napply apply -c "$T_DIR/a.yaml" >/dev/null || fail "second apply"
consistent "start"

killed=0 mixed_seen=0 journal_seen=0
for i in $(seq 1 "$N"); do
    # Always the config that is not running (a rollback may have
    # brought back either).
    other=$(of_ruleset)
    cfg=$([ "$other" = a ] && echo b || echo a)
    if [ "$INJECT" = 1 ] && [ $((i % 3)) -eq 0 ]; then
        point=${POINTS[$(((i / 3) % ${#POINTS[@]}))]}
        how="killed at $point"
        # 'undoing': the kill comes while undoing a failed step, here a
        # sysctl refused by a read-only /proc/sys file.
        set +e
        if [ "$point" = undoing ]; then
            rp=/proc/sys/net/ipv4/conf/all/rp_filter
            nsx "$R" sysctl -qw net.ipv4.conf.all.rp_filter=0
            nsx "$R" unshare -m sh -c "mount --bind $rp $rp && mount -o remount,bind,ro $rp &&
                NFTROUTER_TEST_KILL_AT=undoing exec \"\$0\" apply -c \"\$1\" --state-dir \"\$2\" \
                --run-dir \"\$3\"" "$NFTROUTER" "$T_DIR/$cfg.yaml" "$STATE" "$RUN" \
                >/dev/null 2>&1
        else
            NFTROUTER_TEST_KILL_AT=$point napply apply -c "$T_DIR/$cfg.yaml" >/dev/null 2>&1
        fi
        rc=$?
        set -e
        [ $rc -eq 137 ] || fail "iteration $i: not killed at '$point' (exit $rc)"
        killed=$((killed + 1))
    else
        ms=$((RANDOM % 91))
        how="killed after $ms ms"
        # Not through napply: $! must be the pid that becomes nftrouter
        # (ip netns exec execs it), not a subshell running a function.
        ip netns exec "$R" "$NFTROUTER" apply -c "$T_DIR/$cfg.yaml" --state-dir "$STATE" \
            --run-dir "$RUN" >/dev/null 2>&1 &
        pid=$!
        sleep "$(printf '0.%03d' "$ms")"
        kill -9 "$pid" 2>/dev/null || true
        rc=0
        wait "$pid" 2>/dev/null || rc=$?
        [ $rc -ne 137 ] || killed=$((killed + 1))
    fi
    # Never silently mixed: whatever disagrees, the journal says so.
    w=$(whole)
    if [ -e "$STATE/apply.journal" ]; then
        journal_seen=$((journal_seen + 1))
        # status says so (and changes nothing).
        napply status 2>/dev/null | grep -q '^INTERRUPTED APPLY' ||
            fail "iteration $i: status does not say the apply was interrupted"
        [ -e "$STATE/apply.journal" ] || fail "iteration $i: status removed the journal"
    else
        r=$(of_ruleset)
        [ "$w" = "ruleset=$r addrs=$r applied=$r" ] ||
            fail "iteration $i ($cfg, $how): mixed and no journal: $w"
    fi
    case "$w" in *mixed* | *=a*=b* | *=b*=a*) mixed_seen=$((mixed_seen + 1)) ;; esac
    [ -z "${CRASH_VERBOSE:-}" ] || echo "$i $cfg $how: $w"
    next=$((i % 4))
    case $next in
    0) napply apply -c "$T_DIR/$cfg.yaml" >/dev/null 2>"$T_DIR/err" || fail "iteration $i: apply again: $(cat "$T_DIR/err")" ;;
    1) napply apply -c "$T_DIR/$other.yaml" >/dev/null 2>"$T_DIR/err" || fail "iteration $i: apply other: $(cat "$T_DIR/err")" ;;
    2) napply rollback >/dev/null 2>"$T_DIR/err" || fail "iteration $i: rollback: $(cat "$T_DIR/err")" ;;
    3) run_once "$T_DIR/$cfg.yaml" ;;
    esac
    consistent "iteration $i ($cfg, $how, next command $next)"
done
[ "$killed" -ge $((N / 3)) ] || fail "only $killed of $N applies were killed mid-way"
pass "$N applies killed ($killed mid-way; $mixed_seen left the system mixed, $journal_seen with a journal): the next apply, rollback or run always left one config"

# The confirm timer killed while it undoes at its deadline (it inherits
# the kill point): the journal it wrote takes the next command back to
# the config that was applied before the `apply --confirm`.
cur=$(of_ruleset)
cfg=$([ "$cur" = a ] && echo b || echo a)
NFTROUTER_TEST_KILL_AT=undoing napply apply -c "$T_DIR/$cfg.yaml" --confirm 1 >/dev/null ||
    fail "apply --confirm exited $?"
[ "$(of_ruleset)" = "$cfg" ] || fail "apply --confirm did not apply $cfg"
pid=$(cut -d' ' -f1 "$RUN/confirm.pid")
wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "the confirm timer did not end"
[ -e "$STATE/apply.journal" ] || fail "the timer was killed undoing, and left no journal: $(whole)"
napply status 2>/dev/null | grep -q '^INTERRUPTED APPLY' || fail "status does not say so"
napply apply -c "$T_DIR/$cur.yaml" >/dev/null 2>"$T_DIR/err" || fail "apply after the timer: $(cat "$T_DIR/err")"
grep -q "interrupted" "$T_DIR/err" || fail "the recovery is not reported: $(cat "$T_DIR/err")"
consistent "after the confirm timer was killed undoing"
[ "$(of_ruleset)" = "$cur" ] || fail "not back to $cur"
pass "the confirm timer killed while undoing: the next apply finishes the undo"
