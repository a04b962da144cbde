#!/usr/bin/env bash
# The config is read once, through one entry point, by every command:
# `apply` refuses a router.yaml that anybody may write or that another
# user owns (as `check` does), exit 1, nothing changed; a corrupt
# previous.yaml is reported under its own path, not the config's; an error
# quoting a value with a newline stays one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

snap "$T_DIR/fresh"

# expect_refused WHAT WANT_STATUS PATTERN ARGS...: the command fails with
# WANT_STATUS, says PATTERN, and the router namespace is as it was.
expect_refused() {
    local what=$1 want=$2 pat=$3 rc=0
    shift 3
    napply "$@" 2>"$T_DIR/err" || rc=$?
    cat "$T_DIR/err"
    [ "$rc" -eq "$want" ] || fail "$what: exit $rc, want $want"
    grep -q -- "$pat" "$T_DIR/err" || fail "$what: no '$pat' in the error"
}

cp "$T_DIR/base.yaml" "$T_DIR/open.yaml"
chmod 666 "$T_DIR/open.yaml"
nftr() { ip netns exec "$R" "$NFTROUTER" "$@"; }
rc=0; nftr check -q -c "$T_DIR/open.yaml" 2>"$T_DIR/err" || rc=$?
[ "$rc" -eq 1 ] || fail "check of a mode-666 config: exit $rc, want 1"
expect_refused "apply of a mode-666 config" 1 "open.yaml: error: writable by everyone" apply -c "$T_DIR/open.yaml"
snap "$T_DIR/after"
same "$T_DIR/fresh" "$T_DIR/after" "state after a refused world-writable config"
[ ! -e "$STATE/applied.yaml" ] || fail "a refused config was saved as applied"
pass "apply refuses a world-writable config as check does (exit 1, nothing changed)"

cp "$T_DIR/base.yaml" "$T_DIR/theirs.yaml"
chown 65534 "$T_DIR/theirs.yaml"
expect_refused "apply of another user's config" 1 "owned by uid 65534" apply -c "$T_DIR/theirs.yaml"
snap "$T_DIR/after"
same "$T_DIR/fresh" "$T_DIR/after" "state after a refused foreign-owned config"
pass "apply refuses a config another user owns (exit 1, nothing changed)"

# What is applied is what is saved: the bytes and their hash.
napply apply -c "$T_DIR/base.yaml" || fail "apply base.yaml exited $?"
cmp "$STATE/applied.yaml" "$T_DIR/base.yaml" || fail "applied.yaml is not the applied bytes"
hash=$(sha256sum <"$T_DIR/base.yaml" | cut -d' ' -f1)
napply status --json -c "$T_DIR/base.yaml" | grep -q "\"applied_hash\":\"$hash\"" ||
    fail "status does not show the hash of the applied bytes ($hash)"
# Without -c, status shows applied.yaml itself, hashed as it was read.
napply status --json | grep -q "\"applied_hash\":\"$hash\"" ||
    fail "status of applied.yaml does not show its hash ($hash)"
pass "applied.yaml holds the bytes applied; status shows their hash"

# A corrupt previous.yaml: rollback names previous.yaml, not router.yaml.
sed 's/tcp: \[22\]/tcp: [22, 2222]/' "$T_DIR/base.yaml" >"$T_DIR/changed.yaml"
napply apply -c "$T_DIR/changed.yaml" || fail "apply changed.yaml exited $?"
snap "$T_DIR/changed.state"
printf 'zones: [\n' >"$STATE/previous.yaml"
expect_refused "rollback to a corrupt previous.yaml" 1 "$STATE/previous.yaml:" rollback
grep -q "base.yaml:" "$T_DIR/err" && fail "the error names base.yaml, not previous.yaml"
snap "$T_DIR/after"
same "$T_DIR/changed.state" "$T_DIR/after" "state after a refused rollback"
pass "a corrupt previous.yaml is reported under its own path; nothing changed"

# A value holding a newline is quoted with \n: one error, one line.
sed 's/interfaces: \[lan\]/interfaces: ["lan\\nwan: x"]/' "$T_DIR/base.yaml" >"$T_DIR/nl.yaml"
grep -q 'lan\\nwan' "$T_DIR/nl.yaml" || fail "test config not made"
expect_refused "a value with a newline" 1 'lan\\nwan: x' apply -c "$T_DIR/nl.yaml"
[ "$(wc -l <"$T_DIR/err")" -eq "$(grep -c ': error: ' "$T_DIR/err")" ] ||
    fail "an error spans more than one line"
pass "an error quoting a newline stays on one line"
