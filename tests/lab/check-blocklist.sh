#!/usr/bin/env bash
# `nftrouter check` reads the blocklist files as apply does (issue 11,
# point 14: check passed what apply then refused): a malformed line is an
# error at FILE:LINE (exit 1) from both, a missing file too; an entry ban
# refuses is a FILE:LINE warning from both; a good list passes both.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

printf '203.0.113.7\n198.51.100.300\n' >"$T_DIR/bad.txt"
printf '203.0.113.7\n127.0.0.0/8\n198.51.100.0/24\n' >"$T_DIR/good.txt"
list() { { cat "$T_DIR/base.yaml"; printf 'blackhole:\n  lists: [%s]\n' "$1"; } >"$T_DIR/$2"; }
list bad.txt bad.yaml
list good.txt good.yaml
list missing.txt missing.yaml

for c in bad missing; do
    rc=0
    nsx "$R" "$NFTROUTER" check -c "$T_DIR/$c.yaml" >"$T_DIR/check-$c.out" 2>&1 || rc=$?
    [ "$rc" -eq 1 ] || fail "check of the $c list exited $rc, want 1: $(cat "$T_DIR/check-$c.out")"
    rc=0
    napply apply -c "$T_DIR/$c.yaml" >"$T_DIR/apply.out" 2>&1 || rc=$?
    [ "$rc" -eq 1 ] || fail "apply of the $c list exited $rc, want 1: $(cat "$T_DIR/apply.out")"
    echo "  $c: check: $(grep -m1 error "$T_DIR/check-$c.out")"
done
grep -q "bad.txt:2:1: error: not an address or prefix: '198.51.100.300'" "$T_DIR/check-bad.out" ||
    fail "check does not name bad.txt:2:1: $(cat "$T_DIR/check-bad.out")"
grep -q "missing.txt" "$T_DIR/check-missing.out" || fail "check does not name the missing list: $(cat "$T_DIR/check-missing.out")"
pass "a malformed or missing list: check and apply both exit 1, at FILE:LINE"

nsx "$R" "$NFTROUTER" check -c "$T_DIR/good.yaml" >"$T_DIR/check.out" 2>&1 || fail "check of a good list exited $?: $(cat "$T_DIR/check.out")"
grep -q "good.txt:2:1: warning: skipped: '127.0.0.0/8' is loopback" "$T_DIR/check.out" ||
    fail "check does not warn about the refused entry: $(cat "$T_DIR/check.out")"
napply apply -c "$T_DIR/good.yaml" >"$T_DIR/apply.out" 2>&1 || fail "apply of a good list exited $?: $(cat "$T_DIR/apply.out")"
grep -q "good.txt:2:1: warning: skipped: '127.0.0.0/8' is loopback" "$T_DIR/apply.out" ||
    fail "apply does not warn about the refused entry: $(cat "$T_DIR/apply.out")"
pass "a good list with a refused entry: check and apply both pass, both warn at good.txt:2"

# dns.blocklists (issue 14, point 3): a line that is neither a domain nor a
# blocking hosts line is an error at FILE:LINE from both, and apply changes
# nothing (the ruleset in the namespace is the one loaded before).
printf '0.0.0.0 ads.example.com\n198.51.100.7 bank.example.com\n' >"$T_DIR/dbad.txt"
{ cat "$T_DIR/base.yaml"; printf 'dns:\n  upstream: ["198.51.100.53"]\n  blocklists: [dbad.txt]\n'; } >"$T_DIR/dbad.yaml"
nsx "$R" nft list ruleset >"$T_DIR/before.nft" 2>&1
rc=0
nsx "$R" "$NFTROUTER" check -c "$T_DIR/dbad.yaml" >"$T_DIR/check-dbad.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "check of a bad dns blocklist exited $rc: $(cat "$T_DIR/check-dbad.out")"
rc=0
napply apply -c "$T_DIR/dbad.yaml" >"$T_DIR/apply-dbad.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "apply of a bad dns blocklist exited $rc: $(cat "$T_DIR/apply-dbad.out")"
for o in check-dbad apply-dbad; do
    grep -q "dbad.txt:2:1: error: '198.51.100.7': neither a domain list nor a blocking hosts line" "$T_DIR/$o.out" ||
        fail "$o does not name dbad.txt:2:1: $(cat "$T_DIR/$o.out")"
done
nsx "$R" nft list ruleset >"$T_DIR/after.nft" 2>&1
same "$T_DIR/before.nft" "$T_DIR/after.nft" "the ruleset after a refused apply"
pass "a bad dns blocklist line: check and apply both exit 1 at dbad.txt:2:1, nothing changed"
