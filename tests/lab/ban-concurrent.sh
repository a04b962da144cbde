#!/usr/bin/env bash
# Concurrent writers never lose a ban: 30 `ban` and 10 `unban` commands
# started at once (as a CLI user and the daemon might) leave exactly the
# expected bans, in the kernel and in the state file (flock around each
# read-modify-write, atomic replace).
. "$(dirname "$0")/lib.sh"
R=$(netns r)
STATE=$T_DIR/state
nb() { ip netns exec "$R" "$NFTROUTER" "$1" --state-dir "$STATE" "${@:2}"; }

for i in $(seq 1 10); do nb ban "198.51.100.$i" --for 1h >/dev/null || fail "setup ban $i exited $?"; done
pids=()
for i in $(seq 11 40); do nb ban "198.51.100.$i" --for 1h >/dev/null & pids+=($!); done
for i in $(seq 1 10); do nb unban "198.51.100.$i" >/dev/null & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent ban/unban failed"; done

want=$(seq 11 40 | sed 's/^/198.51.100./; s/$/\/32/' | sort)
got_kernel=$(nb bans --json | jq -r '.[].prefix' | sort)
got_state=$(grep -v '^#' "$STATE/bans" | cut -d' ' -f1 | sort)
[ "$got_kernel" = "$want" ] || fail "kernel has $(echo "$got_kernel" | wc -l) bans, want 30: $(diff <(echo "$want") <(echo "$got_kernel") | tr '\n' ' ')"
[ "$got_state" = "$want" ] || fail "state file has $(echo "$got_state" | wc -l) bans, want 30: $(diff <(echo "$want") <(echo "$got_state") | tr '\n' ' ')"
pass "40 concurrent ban/unban commands: exactly the 30 expected bans, in the kernel and the state file"
