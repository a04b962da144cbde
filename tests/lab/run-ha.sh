#!/usr/bin/env bash
# The high-availability pair (docs/ha.md, issue 18) with the real
# keepalived and conntrackd: two routers on a shared LAN and WAN (bridges),
# a sync link, an ISP, a LAN client. The primary holds the virtual
# addresses and the backup not (diff and reload on the primary keep them).
# A long-lived TCP connection from the client through NAT to the ISP
# survives the primary losing power (processes frozen, links down) and,
# later, crashing (processes frozen with SIGSTOP, then killed with SIGKILL,
# its kernel still holding the addresses): the backup takes over in under
# 3 s (a UDP datagram every 10 ms from the client says so), the same
# connection goes on (no reset), new connections work, DNS answers on the
# virtual address, the client's DHCP renewal works; the returning primary
# takes over again (preempt: true, the default) without breaking the
# connection, or stays backup with preempt: false.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha-common.bash"
command -v keepalived >/dev/null || skip "keepalived is not installed (scripts/deps)"
command -v conntrackd >/dev/null || skip "conntrackd is not installed (scripts/deps)"

VIP_LAN=192.168.100.1 VIP_WAN=203.0.113.10
TAKEOVER_MAX=3.0

dump() {
    for f in primary backup; do
        echo "--- $f.log" >&2; tail -40 "$T_DIR/$f.log" >&2
    done
    echo "--- client.log" >&2; tail -20 "$T_DIR/client.log" >&2
}
die() { dump; fail "$*"; }

ha_net
ha_start primary "$A"
ha_start backup "$B"
wait_for 30 ha_role_is "$A" primary master || die "the primary never became master"
wait_for 30 ha_role_is "$B" backup backup || die "the backup never reported backup"

# The virtual addresses: on the primary, not on the backup.
ha_holds "$A" $VIP_LAN && ha_holds "$A" $VIP_WAN || die "the primary lacks a virtual address"
! ha_holds "$B" $VIP_LAN && ! ha_holds "$B" $VIP_WAN || die "the backup holds a virtual address"
st=$(hactl "$A" primary status --json)
echo "$st" | jq -e '.ha.virtual | all(.held)' >/dev/null || die "status: primary does not hold its virtual addresses"
echo "$st" | jq -e '.ha.last_transition > 0 and .ha.transitions >= 1' >/dev/null || die "status: no transition"
wait_for 15 sh -c "ip netns exec $A $NFTROUTER status --run-dir $T_DIR/primary-run --json | jq -e '.ha.peer_reachable and .ha.sync.packets_recv > 0'" ||
    die "status: the primary never saw the peer's sync messages"
hactl "$B" backup status --json | jq -e '.ha.virtual | all(.held | not)' >/dev/null || die "status: the backup claims an address"
hactl "$A" primary status | grep -q '^ha: master, priority 150' || die "status text: no ha line"
# Metrics and the status page (the examples serve them on loopback).
m=$(ip netns exec "$A" curl -s --max-time 5 http://127.0.0.1:9630/metrics) || m=""
echo "$m" | grep -qx 'nftrouter_ha_role{role="master"} 1' || die "metrics: no master role: $(echo "$m" | grep ha_ | head -5)"
echo "$m" | grep -q '^nftrouter_ha_transitions_total [1-9]' || die "metrics: no transition counted"
m=$(ip netns exec "$B" curl -s --max-time 5 http://127.0.0.1:9630/metrics) || m=""
echo "$m" | grep -qx 'nftrouter_ha_role{role="backup"} 1' || die "metrics: the backup's role"
ip netns exec "$B" curl -s --max-time 5 http://127.0.0.1:9630/ | grep -q 'this router is <b>backup</b>' ||
    die "status page: no ha role"
# DHCP: one server at a time (the primary's dnsmasq only).
hactl "$A" primary status --json | jq -e '.children | any(.name == "dnsmasq")' >/dev/null || die "no dnsmasq on the primary"
hactl "$B" backup status --json | jq -e '.children | any(.name == "dnsmasq") | not' >/dev/null || die "dnsmasq runs on the backup"
pass "primary holds $VIP_LAN and $VIP_WAN, the backup neither; dnsmasq on the primary only"

# An apply on the primary leaves keepalived's virtual addresses alone:
# diff sees nothing to change, a reload keeps them.
set +e
ip netns exec "$A" "$NFTROUTER" diff -c "$T_DIR/primary.yaml" --state-dir "$T_DIR/primary-state" \
    --run-dir "$T_DIR/primary-run" >"$T_DIR/diff.out" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] || die "diff on the primary (exit $rc): $(cat "$T_DIR/diff.out")"
hactl "$A" primary reload >/dev/null || die "reload of the primary"
ha_holds "$A" $VIP_LAN && ha_holds "$A" $VIP_WAN || die "a reload took the primary's virtual addresses"
ha_role_is "$A" primary master || die "the primary is not master after a reload"
pass "diff and reload on the primary leave the virtual addresses alone"

ha_client_dhcp
wait_for 20 grep -q bound "$T_DIR/client.events" || die "the client got no lease"
grep -q "bound 192.168.100" "$T_DIR/client.events" || die "odd lease: $(cat "$T_DIR/client.events")"
ip -n "$C" route | grep -q "default via $VIP_LAN" || die "the client's gateway is not the virtual address"
ha_stream
ha_probe_start
stream_grows 25 || die "the stream does not flow: $(cat "$T_DIR/stream.err" 2>/dev/null)"
# Through NAT, from the virtual WAN address (not the primary's own).
sport=$(cat "$T_DIR/stream.port")
ip netns exec "$A" conntrack -L -p tcp --sport "$sport" 2>/dev/null | grep -q "dst=$VIP_WAN" ||
    die "the connection is not translated to $VIP_WAN: $(ip netns exec "$A" conntrack -L -p tcp 2>&1 | head -3)"
# conntrackd synced it to the backup's external cache.
wait_for 10 sh -c "ip netns exec $B conntrackd -C $T_DIR/backup-run/conntrackd.conf -e 2>/dev/null | grep -q 'sport=$sport'" ||
    die "the connection never reached the backup's conntrackd"
dns_ok() { [ "$(ip netns exec "$C" dig +short +time=1 +tries=1 @$VIP_LAN example.test 2>/dev/null)" = 203.0.113.80 ]; }
wait_for 10 dns_ok || die "no DNS answer from $VIP_LAN"
pass "client lease via $VIP_LAN, DNS there, TCP stream through NAT as $VIP_WAN, synced to the backup"

# --- 1: the primary loses power: its processes frozen (no goodbye from
# keepalived), then all its links down ---
pids=$(ip netns pids "$A")
cut=$(date +%s.%N)
# shellcheck disable=SC2086 # a list of pids
kill -STOP $pids
for l in wan lan sync; do ip -n "$A" link set "$l" down; done
wait_for 20 ha_role_is "$B" backup master || die "the backup did not take over"
stream_grows 25 || die "the TCP connection did not survive: $(cat "$T_DIR/stream.err" 2>/dev/null)"
read -r gap lost < <(probe_outage "$cut")
echo "takeover (power cut): ${gap}s without echoes, $lost datagrams lost"
awk -v g="$gap" -v m=$TAKEOVER_MAX 'BEGIN { exit !(g > 0 && g < m) }' || die "takeover took ${gap}s (limit ${TAKEOVER_MAX}s)"
ha_holds "$B" $VIP_LAN && ha_holds "$B" $VIP_WAN || die "the backup lacks a virtual address"
# New connections work through the new primary.
echo hello | timeout 10 ip netns exec "$C" socat -t 3 - TCP:203.0.113.1:$HA_PORT | grep -q hello ||
    die "no new connection after the failover"
# The client renews its lease from the backup's dnsmasq.
wait_for 15 sh -c "ip netns exec $B $NFTROUTER status --run-dir $T_DIR/backup-run --json | jq -e '.children | any(.name == \"dnsmasq\" and .running)'" ||
    die "dnsmasq did not start on the new primary"
wait_for 10 dns_ok || die "the new primary does not answer DNS on $VIP_LAN"
before=$(wc -l <"$T_DIR/client.events")
kill -USR1 "$DHCPC"
wait_for 30 sh -c "[ \$(wc -l <'$T_DIR/client.events') -gt $before ]" || die "no DHCP renewal after the failover"
tail -1 "$T_DIR/client.events" | grep -q "192.168.100" || die "renewal: $(tail -1 "$T_DIR/client.events")"
pass "power cut: backup took over in ${gap}s ($lost datagrams lost), stream alive, new connection, DNS, lease renewed"

# --- the primary comes back as after a reboot (no processes, no connection
# table, no virtual address): it resyncs from the backup, then takes over
# again after preempt_delay (preempt: true, the default) ---
ha_reboot_primary
wait_for 40 ha_role_is "$A" primary master || die "the returning primary did not take over (preempt)"
wait_for 15 ha_role_is "$B" backup backup || die "the backup did not step back"
stream_grows 25 || die "the TCP connection broke when the primary returned: $(cat "$T_DIR/stream.err" 2>/dev/null)"
! ha_holds "$B" $VIP_LAN || die "the backup kept $VIP_LAN"
hactl "$A" primary status --json | jq -e '.ha.transitions >= 2' >/dev/null || die "status: transitions"
pass "the primary returned, resynced and took over again; the stream goes on"

# --- 2: the primary crashes: frozen first, then killed; its kernel keeps the addresses ---
wait_for 10 sh -c "ip netns exec $B conntrackd -C $T_DIR/backup-run/conntrackd.conf -e 2>/dev/null | grep -q 'sport=$sport'" ||
    die "after the failback the connection is not in the backup's cache"
pids=$(ip netns pids "$A")
cut=$(date +%s.%N)
# shellcheck disable=SC2086 # a list of pids
kill -STOP $pids
sleep 0.5
# shellcheck disable=SC2086
kill -KILL $pids
ha_holds "$A" $VIP_WAN || echo "note: the killed primary's kernel released $VIP_WAN"
wait_for 20 ha_role_is "$B" backup master || die "the backup did not take over from the crashed primary"
stream_grows 25 || die "the TCP connection did not survive the crash: $(cat "$T_DIR/stream.err" 2>/dev/null)"
read -r gap lost < <(probe_outage "$cut")
echo "takeover (crash): ${gap}s without echoes, $lost datagrams lost"
awk -v g="$gap" -v m=$TAKEOVER_MAX 'BEGIN { exit !(g > 0 && g < m) }' || die "takeover took ${gap}s (limit ${TAKEOVER_MAX}s)"
echo hello | timeout 10 ip netns exec "$C" socat -t 3 - TCP:203.0.113.1:$HA_PORT | grep -q hello ||
    die "no new connection after the crash"
pass "crash (SIGSTOP, SIGKILL): backup took over in ${gap}s ($lost datagrams lost), the stream goes on"

# --- 3: preempt: false: the primary comes back and stays backup ---
ha_reboot_primary 's/^  # preempt: true .*/  preempt: false/'
grep -q '^  preempt: false' "$T_DIR/primary.yaml" || die "the config edit did not take"
wait_for 30 ha_role_is "$A" primary backup || die "the returning primary (preempt: false) did not report backup"
# Well past preempt_delay (2 s): the backup is still the primary.
sleep 6
ha_role_is "$A" primary backup && ha_role_is "$B" backup master ||
    die "preempt: false: roles $(ha_role "$A" primary) / $(ha_role "$B" backup)"
ha_holds "$B" $VIP_LAN && ! ha_holds "$A" $VIP_LAN || die "preempt: false: the virtual address moved"
stream_grows 25 || die "the TCP connection broke when the primary returned: $(cat "$T_DIR/stream.err" 2>/dev/null)"
pass "preempt: false: the returning primary stays backup; the stream goes on"
