#!/usr/bin/env bash
# kill -9 of `ban` at any point never leaves a ban in the kernel that the
# state file lacks (a reboot would lose it; issue 11, finding 13: 3 of 30
# were). 30 bans (addresses, /24 and /28 prefixes), each killed after a
# random delay spread over a ban's own
# run time; after each, every ban in the kernel is in the state file;
# after all of them, one apply makes kernel and state file equal (the
# state file wins: a ban persisted but not yet in the kernel is restored).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "apply exited $?"
# what the kernel holds, read by nft itself: every ban set of the table
kernel() {
    nsx "$R" nft -j list table inet nftrouter_bans |
        jq -r '.nftables[] | .set // empty | select(.name | startswith("blackhole")) | .name as $n | (.elem // [])[] |
            (.elem.val // .) | if type == "object" then .prefix.addr + "/" + (.prefix.len|tostring)
            elif ($n | test("_[0-9]+$")) then . + "/" + ($n | sub(".*_"; "")) else . + "/32" end' | sort
}
state() { grep -v '^#' "$STATE/bans" 2>/dev/null | cut -d' ' -f1 | sort; }

# How long one ban takes here (µs), over 5 runs: the kills spread over it.
t0=$(date +%s%N)
for i in 1 2 3 4 5; do napply ban "198.51.100.$((200 + i))" --for 1h >/dev/null || fail "ban exited $?"; done
per=$(( ($(date +%s%N) - t0) / 5000 ))
echo "one ban takes about ${per} µs here"

killed=0 done=0 missing=0
for i in $(seq 1 30); do
    # a delay in [0, 1.3 x one ban): before, during and after each step
    d=$(( RANDOM * 13 * per / 327670 ))
    rc=0
    # addresses and prefixes (the first /24 and /28 also add their set and rules)
    case $((i % 3)) in 0) t=198.51.100.$i/32 ;; 1) t=10.20.$i.0/24 ;; 2) t=10.30.$i.16/28 ;; esac
    timeout -s KILL "$(printf '0.%06d' "$d")" ip netns exec "$R" "$NFTROUTER" ban \
        --state-dir "$STATE" --run-dir "$RUN" "$t" --for 1h >/dev/null 2>&1 || rc=$?
    case $rc in 0) done=$((done + 1)) ;; 137) killed=$((killed + 1)) ;; *) fail "ban $i exited $rc" ;; esac
    lost=$(comm -23 <(kernel) <(state))
    [ -z "$lost" ] || fail "after kill $i (delay ${d} µs): in the kernel, not in the state file: $lost"
    [ "$(state | wc -l)" -ge "$(kernel | wc -l)" ] || fail "state shorter than the kernel"
    k=$(kernel | grep -cxF "$t" || true)
    s=$(state | grep -cxF "$t" || true)
    [ "$s" -eq 1 ] && [ "$k" -eq 0 ] && missing=$((missing + 1))
done
echo "30 bans: $done finished, $killed killed; $missing persisted but not yet in the kernel"
napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "apply after the kills exited $?"
[ "$(kernel)" = "$(state)" ] || fail "after apply, kernel and state differ: $(diff <(kernel) <(state) | tr '\n' ' ')"
ls "$STATE"/bans.bad-* >/dev/null 2>&1 && fail "a kill left a bad state file"
pass "kill -9 at random points ($killed of 30 killed): never a ban in the kernel only; after apply both hold the same $(state | wc -l) bans"
