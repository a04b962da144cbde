#!/usr/bin/env bash
# The lockout guard, with a real client: an SSH-like TCP session from the
# WAN host to the router's port 22 gives the SSH_CONNECTION an sshd would
# set. A config that would refuse new connections on that path is refused
# (exit 1, the rule or policy named, nothing changed); --force applies it
# and the kernel then really refuses new connections; a config that keeps
# the path open applies. The same from the LAN side through a service.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

napply apply -c "$T_DIR/base.yaml" || fail "first apply exited $?"
bg ip netns exec "$R" socat TCP-LISTEN:22,fork,reuseaddr EXEC:cat
wait_for 5 nsx "$R" sh -c "ss -Hltn 'sport = :22' | grep -q LISTEN" || fail "no listener"
bg ip netns exec "$W" socat TCP:203.0.113.1:22 EXEC:'sleep 60'
wait_for 5 nsx "$R" sh -c "ss -Htn state established '( sport = :22 )' | grep -q 203.0.113.2" ||
    fail "the client did not connect"
# What sshd would put in SSH_CONNECTION, from the kernel's own socket.
read -r local peer < <(nsx "$R" ss -Htn state established '( sport = :22 )' | awk '{print $3, $4}')
ssh_wan="${peer%:*} ${peer##*:} ${local%:*} ${local##*:}"
echo "SSH_CONNECTION=$ssh_wan"
guarded() { SSH_CONNECTION="$1" ip netns exec "$R" "$NFTROUTER" apply -c "$2" --state-dir "$STATE" --run-dir "$RUN" "${@:3}"; }
new_conn() { nsx "$1" timeout 4 socat -T2 /dev/null "TCP:$2:22,connect-timeout=3" 2>/dev/null; }

# 1. No rule for 22 from the WAN: the zone's policy closes it.
sed '/^rules:/,/^port-forwards:/{/^port-forwards:/!d}' "$T_DIR/base.yaml" >"$T_DIR/norule.yaml"
snap "$T_DIR/before"
set +e
guarded "$ssh_wan" "$T_DIR/norule.yaml" 2>"$T_DIR/err"
rc=$?
set -e
cat "$T_DIR/err"
[ $rc -eq 1 ] || fail "closing config: exit $rc, want 1"
grep -q "zone 'wan' input policy drop (norule.yaml:6)" "$T_DIR/err" || fail "the policy is not named"
snap "$T_DIR/after"
same "$T_DIR/before" "$T_DIR/after" "state after a refused apply"
pass "refused: closing 22 on wan names \"zone 'wan' input policy drop (norule.yaml:6)\""

# 2. A rule that drops the client's network before the accept.
sed 's/^rules:$/rules:\n  - name: no-ssh-from-test\n    from: wan\n    source: 203.0.113.0\/24\n    tcp: [22]\n    action: drop/' \
    "$T_DIR/base.yaml" >"$T_DIR/droprule.yaml"
set +e
guarded "$ssh_wan" "$T_DIR/droprule.yaml" 2>"$T_DIR/err"
rc=$?
set -e
cat "$T_DIR/err"
[ $rc -eq 1 ] && grep -q "rule 'no-ssh-from-test' action drop (droprule.yaml:" "$T_DIR/err" ||
    fail "drop rule: exit $rc or rule not named"
pass "refused: a drop rule before the accept is named"

# 3. --force applies it, and the kernel agrees with the guard.
guarded "$ssh_wan" "$T_DIR/norule.yaml" --force || fail "--force exited $?"
! new_conn "$W" 203.0.113.1 || fail "a new connection got through after --force (guard and ruleset disagree)"
pass "--force applies; new connections from the WAN are then really refused"

# 4. A config that keeps the path open (rule by another name, narrower
#    source) applies under the guard, and a new connection works.
sed 's/^rules:$/rules:\n  - name: ops\n    from: wan\n    interface: wan\n    source: 203.0.113.0\/28\n    tcp: [22, 2222]\n    action: accept/' \
    "$T_DIR/norule.yaml" >"$T_DIR/keep.yaml"
grep -q '^rules:' "$T_DIR/keep.yaml" || printf 'rules:\n  - name: ops\n    from: wan\n    interface: wan\n    source: 203.0.113.0/28\n    tcp: [22, 2222]\n    action: accept\n' >>"$T_DIR/keep.yaml"
guarded "$ssh_wan" "$T_DIR/keep.yaml" || fail "keep-open config refused ($?)"
new_conn "$W" 203.0.113.1 || fail "a new connection failed though the guard allowed it"
pass "a config that keeps 22 open applies, and new connections work"

# 5. From the LAN, through the zone's ssh service: removing it is refused.
ssh_lan="192.168.100.20 40000 192.168.100.1 22"
new_conn "$L" 192.168.100.1 || fail "LAN → router:22 does not work to begin with"
sed 's/    services: \[ssh\]/    services: [dns]/' "$T_DIR/keep.yaml" |
    sed 's/^hostname: rt$/hostname: rt\ndns: { upstream: ["203.0.113.53"] }/' >"$T_DIR/nossh.yaml"
set +e
guarded "$ssh_lan" "$T_DIR/nossh.yaml" 2>"$T_DIR/err"
rc=$?
set -e
cat "$T_DIR/err"
[ $rc -eq 1 ] && grep -q "zone 'lan' input policy reject" "$T_DIR/err" || fail "LAN ssh removal: exit $rc"
guarded "$ssh_lan" "$T_DIR/keep.yaml" || fail "LAN guard refused a config that keeps ssh ($?)"
pass "LAN: removing the ssh service is refused; keeping it applies"
