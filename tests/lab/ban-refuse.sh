#!/usr/bin/env bash
# ban refuses what it must never do, with a clear message and exit 1, and
# changes nothing: garbage, 0.0.0.0/0, ::/0, too-broad prefixes, host bits,
# loopback, the router's own addresses (kernel and config, IPv4-mapped
# too), a prefix overlapping an existing ban, multicast, broadcast,
# link-local (the router's own too), the unspecified addresses.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

napply apply -c "$T_DIR/base.yaml" || fail "apply exited $?"
napply ban -c "$T_DIR/base.yaml" 203.0.113.99 --for 1h >/dev/null || fail "a valid ban failed"
ip -n "$R" addr add 198.51.100.1/24 dev wan  # in the kernel only, not in the config

# (minus the running "expires" times)
before() { nsx "$R" nft list table inet nftrouter_bans | sed "s/ expires [0-9a-z]*//g"; cat "$STATE/bans"; }
before >"$T_DIR/before"

# refuse ARG WANT: ban ARG exits 1, its message contains WANT, nothing changed.
refuse() {
    local rc=0
    napply ban -c "$T_DIR/base.yaml" "$1" --for 1h >"$T_DIR/out" 2>"$T_DIR/err" || rc=$?
    [ "$rc" -eq 1 ] || fail "ban $1: exit $rc, want 1 ($(cat "$T_DIR/err"))"
    grep -q -- "$2" "$T_DIR/err" || fail "ban $1: message '$(cat "$T_DIR/err")' lacks '$2'"
    before >"$T_DIR/after"
    cmp -s "$T_DIR/before" "$T_DIR/after" || fail "ban $1 changed the ban table or state"
    pass "ban $1 refused: $(head -1 "$T_DIR/err")"
}
refuse garbage "not an IPv4 or IPv6 address"
refuse 300.1.2.3 "not an IPv4 or IPv6 address"
refuse 0.0.0.0/0 "too broad"
refuse ::/0 "too broad"
refuse 10.0.0.0/7 "too broad"
refuse 203.0.113.5/24 "host bits set; did you mean 203.0.113.0/24"
refuse 127.0.0.1 "loopback"
refuse ::1 "loopback"
refuse 203.0.113.1 "this router's address"      # the config's static address
refuse 203.0.113.0/24 "203.0.113.1"              # a prefix holding it
refuse 198.51.100.1 "an address of this router" # only in the kernel
refuse 192.168.100.1 "this router's address"
refuse 203.0.113.96/28 "already banned by 203.0.113.99/32"
# every form of what must never be banned (one path for every ban)
refuse ::ffff:203.0.113.1 "this router's address on 'wan'"   # the own address, IPv4-mapped
refuse ::ffff:127.0.0.1 "loopback"
refuse 10.4.4.5/24 "did you mean 10.4.4.0/24"
refuse 224.0.0.5 "multicast"
refuse ff02::1 "multicast"
refuse ff00::/16 "multicast"
refuse 255.255.255.255 "limited broadcast"
refuse 192.168.100.255 "broadcast address of one of this router's subnets"
refuse 169.254.1.1 "link-local"
refuse "$(ip -n "$R" -6 -o addr show dev lan scope link | awk 'NR==1 {print $4}' | cut -d/ -f1)" "link-local"
refuse 0.0.0.0 "this network"
refuse :: "unspecified"

rc=0
napply ban -c "$T_DIR/base.yaml" 203.0.113.7 --for nonsense 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "--for nonsense: exit $rc, want 2 (usage)"
rc=0
napply unban 203.0.113.77 2>"$T_DIR/err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "not banned" "$T_DIR/err" || fail "unban of a non-ban: exit $rc"
pass "bad duration is a usage error; unban of what is not banned exits 1"

# Banning the same prefix again sets its new duration (one ban, not two).
napply ban 203.0.113.99 --for 2h >/dev/null || fail "re-ban with a new duration exited $?"
left=$(napply bans --json | jq '[.[] | select(.prefix == "203.0.113.99/32")] | if length == 1 then .[0].left else -1 end')
[ "$left" -gt 7000 ] || fail "re-ban: time left $left, want about 7200 (and one entry)"
[ "$(grep -c '^203.0.113.99/32 ' "$STATE/bans")" -eq 1 ] || fail "re-ban: the state file holds it twice"
pass "re-ban of the same prefix: new duration ($left s left), one entry"

# An IPv4-mapped address is banned as the IPv4 address.
napply ban ::ffff:198.51.100.9 --for 1h >"$T_DIR/out" || fail "ban ::ffff:198.51.100.9 exited $?"
grep -q "banned 198.51.100.9/32" "$T_DIR/out" || fail "mapped ban printed '$(cat "$T_DIR/out")'"
nsx "$R" nft list set inet nftrouter_bans blackhole4 | grep -q '198\.51\.100\.9 ' || fail "not in blackhole4"
pass "::ffff:198.51.100.9 banned as 198.51.100.9/32"
