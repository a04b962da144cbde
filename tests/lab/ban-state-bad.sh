#!/usr/bin/env bash
# A bad bans state file never stops apply, and is never believed blindly
# (issue 11, findings 1 and 2): garbage, a line truncated mid-way, and
# lines `ban` would refuse (0.0.0.0/0, 127.0.0.0/8, ::1/128, 10.4.4.5/24,
# multicast, the router's own address) are each skipped with a warning at
# STATE/bans:LINE; the valid bans are restored (an IPv4-mapped one as
# IPv4); the file as it was is kept aside (bans.bad-*, mode 0600) and the
# state file holds the valid lines only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

napply apply -c "$T_DIR/base.yaml" >/dev/null || fail "first apply exited $?"

# 1. Garbage: apply goes on (it used to stop at step 'bans', exit 3).
printf 'hello world\n' >"$STATE/bans"
rc=0
napply apply -c "$T_DIR/base.yaml" >"$T_DIR/out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "apply with a garbage bans file exited $rc: $(cat "$T_DIR/out")"
grep -q "$STATE/bans:1:1: warning: skipped: expected 'PREFIX EXPIRES ADDED', got 'hello world'" "$T_DIR/out" ||
    fail "no warning naming FILE:LINE: $(cat "$T_DIR/out")"
bad=$(ls "$STATE"/bans.bad-* 2>/dev/null | head -1)
[ -n "$bad" ] || fail "the bad file was not kept aside: $(ls "$STATE")"
[ "$(cat "$bad")" = "hello world" ] || fail "$bad holds '$(cat "$bad")', not the bad file"
[ "$(stat -c '%a %u' "$bad")" = "600 0" ] || fail "$bad is $(stat -c '%a %u' "$bad"), want root-only 600"
grep -vq '^hello' "$STATE/bans" || fail "the state file still holds the garbage"
nsx "$R" nft list table inet nftrouter >/dev/null || fail "no firewall after the apply"
pass "garbage state file: apply exit 0, warning at bans:1, kept as $(basename "$bad") (0600)"

# 2. Bad lines among good ones, as after a reboot (the ban table gone).
rm -f "$STATE"/bans.bad-*
nsx "$R" nft delete table inet nftrouter_bans
printf '%s\n' \
    '# nftrouter bans: PREFIX EXPIRES ADDED' \
    '198.51.100.7/32 0 1700000000' \
    '0.0.0.0/0 0 0' \
    '127.0.0.0/8 0 0' \
    '::1/128 0 0' \
    '10.4.4.5/24 0 0' \
    '::ffff:198.51.100.50/128 0 1700000001' \
    '224.0.0.5/32 0 0' \
    '203.0.113.1/32 0 0' \
    '2001:db8:bad::/48 0 1700000002' >"$STATE/bans"
printf '198.51.100.64/2' >>"$STATE/bans" # truncated mid-line, no newline
cp "$STATE/bans" "$T_DIR/orig"
rc=0
napply apply -c "$T_DIR/base.yaml" >"$T_DIR/out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "apply with bad ban lines exited $rc: $(cat "$T_DIR/out")"
for w in "3:1: warning: skipped: '0.0.0.0/0' is too broad" \
         "4:1: warning: skipped: '127.0.0.0/8' is loopback" \
         "5:1: warning: skipped: '::1/128' is loopback" \
         "6:1: warning: skipped: '10.4.4.5/24' has host bits set; did you mean 10.4.4.0/24?" \
         "8:1: warning: skipped: '224.0.0.5/32' is multicast" \
         "9:1: warning: skipped: refusing to ban 203.0.113.1/32: it holds 203.0.113.1, this router's address on 'wan'" \
         "11:1: warning: skipped: expected 'PREFIX EXPIRES ADDED', got '198.51.100.64/2'"; do
    grep -qF "$STATE/bans:$w" "$T_DIR/out" || fail "no warning '$STATE/bans:$w' in: $(cat "$T_DIR/out")"
done
kernel=$(napply bans --json | jq -r '.[].prefix' | sort | tr '\n' ' ')
[ "$kernel" = "198.51.100.50/32 198.51.100.7/32 2001:db8:bad::/48 " ] ||
    fail "restored bans are '$kernel', want the three valid ones"
state=$(grep -v '^#' "$STATE/bans" | cut -d' ' -f1 | sort | tr '\n' ' ')
[ "$state" = "$kernel" ] || fail "the state file holds '$state', the kernel '$kernel'"
bad=$(ls "$STATE"/bans.bad-* 2>/dev/null | head -1)
[ -n "$bad" ] && cmp -s "$bad" "$T_DIR/orig" || fail "the bad file was not kept aside as it was"
# 0.0.0.0/0 and 127.0.0.0/8 were not restored: the LAN still reaches the router.
nsx "$L" ping -c1 -W2 192.168.100.1 >/dev/null || fail "the LAN lost the router"
! nsx "$R" nft list table inet nftrouter_bans | grep -q 'set blackhole4_' ||
    fail "an IPv4 prefix set was made for a refused line: $(nsx "$R" nft list table inet nftrouter_bans)"
pass "bad lines skipped with FILE:LINE warnings; $kernel restored; file kept as $(basename "$bad")"

# 3. Re-apply: the state file is clean now, no new warnings.
napply apply -c "$T_DIR/base.yaml" >"$T_DIR/out" 2>&1 || fail "re-apply exited $?"
! grep -q "bans:" "$T_DIR/out" || fail "re-apply warned again: $(cat "$T_DIR/out")"
pass "re-apply: no warnings"

# 4. A ban is appended to the state file; a valid last line without its
# newline (a hand edit) is not glued to it: the file is rewritten instead.
printf '# hand-edited\n198.51.100.7/32 0 1700000000' >"$STATE/bans"
napply ban 198.51.100.8 --for 1h >/dev/null || fail "ban after a hand edit exited $?"
[ "$(grep -v '^#' "$STATE/bans" | cut -d' ' -f1 | sort | tr '\n' ' ')" = "198.51.100.7/32 198.51.100.8/32 " ] ||
    fail "state file after the ban: $(cat "$STATE/bans")"
napply ban 198.51.100.9 --for 1h >/dev/null || fail "second ban exited $?"
[ "$(grep -c '^198\.51\.100\.' "$STATE/bans")" = 3 ] && [ "$(tail -c1 "$STATE/bans" | od -An -c | tr -d ' ')" = '\n' ] ||
    fail "state file after an appended ban: $(cat "$STATE/bans")"
pass "bans appended line by line; a last line without newline is never glued to"
