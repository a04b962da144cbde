#!/usr/bin/env bash
# A generated 1,000,000-line blocklist (900,000 single addresses and
# 100,000 /24 prefixes, with comments) loads through apply and is
# enforced. Reports the apply's time and peak memory, and an unchanged
# re-apply's time (no timed assertion: numbers for docs/bans.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"
[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"

awk 'BEGIN {
    print "# generated: 900000 addresses in 10.0.0.0/8, 100000 /24s in 100.64.0.0/10"
    for (i = 0; i < 900000; i++) { v = i * 3 + 1; printf "10.%d.%d.%d\n", int(v / 65536) % 256, int(v / 256) % 256, v % 256 }
    for (i = 0; i < 100000; i++) { v = i * 2; printf "%d.%d.%d.0/24 ; SBL%d\n", 100 + int((64 + int(v / 65536)) / 256), (64 + int(v / 256 / 256)) % 256, int(v / 1) % 256, i }
    print "203.0.113.2"
}' >"$T_DIR/big.txt"
lines=$(grep -vc '^#' "$T_DIR/big.txt")
{ cat "$T_DIR/base.yaml"; printf 'blackhole:\n  lists: [big.txt]\n'; } >"$T_DIR/big.yaml"

/usr/bin/time -f '%e %M' -o "$T_DIR/time" ip netns exec "$R" "$NFTROUTER" apply -c "$T_DIR/big.yaml" \
    --state-dir "$STATE" --run-dir "$RUN" >/dev/null || fail "apply of a $lines-line list exited $?"
read -r secs kb <"$T_DIR/time"
/usr/bin/time -f '%e %M' -o "$T_DIR/time2" ip netns exec "$R" "$NFTROUTER" apply -c "$T_DIR/big.yaml" \
    --state-dir "$STATE" --run-dir "$RUN" >/dev/null || fail "unchanged re-apply exited $?"
read -r secs2 kb2 <"$T_DIR/time2"

bg nsx "$R" socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo hi'
wait_for 5 nsx "$R" sh -c "ss -Hltn 'sport = :22' | grep -q LISTEN" || fail "listener did not start"
[ -z "$(nsx "$W" timeout 3 socat -T2 - TCP:203.0.113.1:22,connect-timeout=2 </dev/null 2>/dev/null)" ] ||
    fail "the last line of the list (203.0.113.2) is not enforced"
nsx "$R" nft list chain inet nftrouter_bans prerouting | grep -q '@blocklist4_nets drop' || fail "no blocklist rule"
pass "$lines entries: apply ${secs}s, peak RSS $((kb / 1024)) MB; unchanged re-apply ${secs2}s, $((kb2 / 1024)) MB; enforced"
