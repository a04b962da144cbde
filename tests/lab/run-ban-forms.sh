#!/usr/bin/env bash
# Bans through the daemon (issue 11, findings 1 and 12):
# - `run` starts with its firewall although the bans state file holds
#   garbage (it used to start without one); the valid ban is restored and
#   the bad line named at STATE/bans:LINE in the daemon's log;
# - the control socket refuses what `ban` refuses, in every form: the
#   router's own address as ::ffff:, its link-local address, multicast
#   (224.0.0.5, ff02::1, ff00::/16, which would drop neighbour
#   discovery), broadcast (255.255.255.255, the LAN's 192.168.100.255),
#   169.254/16, and 10.4.4.5/24 (not widened); ::ffff:198.51.100.9 is
#   banned as the IPv4 198.51.100.9 (it used to go to the IPv6 set, the
#   IPv4 host unbanned). The same through `nftrouter ban` forwarded to the
#   daemon.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v socat >/dev/null || skip "socat not installed"

run_config
run_net
mkdir -p "$T_DIR/state"
printf '# nftrouter bans\nhello world\n198.51.100.66/32 0 1700000000\n' >"$T_DIR/state/bans"
run_start
ip netns exec "$R" nft list table inet nftrouter >/dev/null || fail "run started without its firewall"
grep -q "state/bans:2:1: warning: skipped: expected 'PREFIX EXPIRES ADDED', got 'hello world'" "$T_DIR/daemon.log" ||
    fail "no FILE:LINE warning in the daemon log: $(cat "$T_DIR/daemon.log")"
[ "$(rctl bans --state-dir "$T_DIR/state" --json | jq -r '.[].prefix')" = "198.51.100.66/32" ] ||
    fail "the valid ban was not restored: $(rctl bans --state-dir "$T_DIR/state" --json)"
ls "$T_DIR/state"/bans.bad-* >/dev/null 2>&1 || fail "the bad state file was not kept aside"
pass "run with a garbage bans file: firewall loaded, valid ban restored, bans:2 named"

sock="$T_DIR/run/nftrouter.sock"
ask() { printf '%s\n' "$1" | ip netns exec "$R" socat -t 5 - "UNIX-CONNECT:$sock"; }
lladdr=$(ip -n "$R" -6 -o addr show dev lan scope link | awk '{print $4}' | cut -d/ -f1)
[ -n "$lladdr" ] || lladdr=$(ip -n "$R" -6 -o addr show scope link | awk 'NR==1 {print $4}' | cut -d/ -f1)
[ -n "$lladdr" ] || fail "the router has no link-local address"
sets() { ip netns exec "$R" nft list table inet nftrouter_bans | sed 's/ expires [0-9a-z]*//g'; }
sets >"$T_DIR/before"
for a in ::ffff:192.168.100.1 "$lladdr" 224.0.0.5 ff02::1 ff00::/16 255.255.255.255 \
         192.168.100.255 169.254.7.7 10.4.4.5/24 ::ffff:127.0.0.1 fe80::/64; do
    r=$(ask "ban $a 60")
    [ "$(echo "$r" | jq -r .ok)" = false ] || fail "socket: ban $a accepted: $r"
    rc=0
    rctl ban --state-dir "$T_DIR/state" -c "$T_DIR/router.yaml" "$a" --for 1m >/dev/null 2>"$T_DIR/err" || rc=$?
    [ "$rc" -eq 1 ] || fail "ban $a (through the daemon): exit $rc, want 1 ($(cat "$T_DIR/err"))"
    echo "  $a: $(echo "$r" | jq -r .error)"
done
sets >"$T_DIR/after"
diff -u "$T_DIR/before" "$T_DIR/after" >&2 || fail "refused bans changed the ban table"
pass "socket and CLI refuse own (mapped, link-local), multicast, broadcast, link-local, host bits"

r=$(ask "ban ::ffff:198.51.100.9 60")
[ "$(echo "$r" | jq -r .ok)" = true ] || fail "socket: ban ::ffff:198.51.100.9 refused: $r"
ip netns exec "$R" nft list set inet nftrouter_bans blackhole4 | grep -q '198\.51\.100\.9 ' ||
    fail "::ffff:198.51.100.9 is not in the IPv4 set: $(ip netns exec "$R" nft list set inet nftrouter_bans blackhole4)"
! ip netns exec "$R" nft list set inet nftrouter_bans blackhole6 | grep -q ffff ||
    fail "::ffff:198.51.100.9 went to the IPv6 set"
grep -q '^198\.51\.100\.9/32 ' "$T_DIR/state/bans" || fail "not persisted as 198.51.100.9/32: $(cat "$T_DIR/state/bans")"
rctl unban --state-dir "$T_DIR/state" ::ffff:198.51.100.9 >/dev/null || fail "unban of the mapped form exited $?"
! ip netns exec "$R" nft list set inet nftrouter_bans blackhole4 | grep -q '198\.51\.100\.9 ' ||
    fail "unban ::ffff:198.51.100.9 left 198.51.100.9 banned"
pass "::ffff:198.51.100.9 banned and lifted as the IPv4 198.51.100.9"
