#!/usr/bin/env bash
# nftrouter lab under bad input and faults:
#  1. a config that fails `check`: lab up refuses with the config's errors
#     (FILE:LINE:COL), exit 1, and creates nothing;
#  2. a namespace name already in use: lab up refuses, exit 1, changes
#     nothing (a running lab keeps running, an unrelated namespace stays);
#     a lab with another name coexists with it;
#  3. lab up killed with SIGKILL midway (early: some namespaces made; late:
#     peers running), then lab down: no namespace, /etc/netns entry, lab
#     dir or process of the lab remains;
#  4. lab up stopped with SIGTERM (as Ctrl-C) midway removes what it made
#     by itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
min="$LAB_CONF_DIR/minimal.yaml"

# 1. invalid config
cat >"$T_DIR/bad.yaml" <<'YAML'
hostname: bad
interfaces:
  wan: { match: { mac: "52:54:00:70:00:01" }, ipv4: dhcp }
zones:
  wan:
    interfaces: [wan, eth9]
    masquerade: true
    input: drop
YAML
set +e
"$NFTROUTER" lab up -c "$T_DIR/bad.yaml" --name "$LAB_ID" >"$T_DIR/bad.out" 2>&1
rc=$?
set -e
cat "$T_DIR/bad.out"
[ "$rc" -eq 1 ] || fail "lab up on an invalid config: exit $rc, expected 1"
grep -qE "bad.yaml:[0-9]+:[0-9]+: error: .*eth9" "$T_DIR/bad.out" || fail "the config's error is not shown"
lab_assert_clean "$LAB_ID"
pass "invalid config refused with its errors, nothing created"

# 2a. a foreign namespace that carries the lab's name
ip netns add "nftr-$LAB_ID-router"
T_NETNS+=("nftr-$LAB_ID-router")
set +e
"$NFTROUTER" lab up -c "$min" --name "$LAB_ID" >"$T_DIR/taken.out" 2>&1
rc=$?
set -e
cat "$T_DIR/taken.out"
[ "$rc" -eq 1 ] || fail "lab up with its namespace name taken: exit $rc, expected 1"
[ -e "/run/netns/nftr-$LAB_ID-router" ] || fail "the existing namespace was removed"
[ ! -e "/run/nftrouter-lab/$LAB_ID" ] || fail "a lab dir was created"
[ "$(lab_namespaces "$LAB_ID" | wc -l)" -eq 1 ] || fail "namespaces were created"
ip netns del "nftr-$LAB_ID-router"
pass "namespace name in use: refused, nothing changed"

# 2b. a running lab's name
"$NFTROUTER" lab up -c "$min" --name "$LAB_ID" >/dev/null 2>&1 || fail "lab up"
before=$(lab_namespaces "$LAB_ID"; md5sum "/run/nftrouter-lab/$LAB_ID/manifest")
daemon=$(awk '$1 == "pid" && $3 == "nftrouter" {print $2}' "/run/nftrouter-lab/$LAB_ID/manifest")
set +e
"$NFTROUTER" lab up -c "$min" --name "$LAB_ID" >"$T_DIR/dup.out" 2>&1
rc=$?
set -e
cat "$T_DIR/dup.out"
[ "$rc" -eq 1 ] || fail "second lab up with the same name: exit $rc, expected 1"
after=$(lab_namespaces "$LAB_ID"; md5sum "/run/nftrouter-lab/$LAB_ID/manifest")
[ "$before" = "$after" ] || fail "the running lab changed: $before / $after"
kill -0 "$daemon" || fail "the running lab's daemon died"
# Another name coexists.
LAB_ID2="u$T_ID"
"$NFTROUTER" lab up -c "$min" --name "$LAB_ID2" >/dev/null 2>&1 || fail "a second lab beside the first"
"$NFTROUTER" lab exec --name "$LAB_ID" lan curl -s --max-time 5 http://203.0.113.1/ | grep -q '^203\.0\.113\.' ||
    fail "first lab does not work beside the second"
"$NFTROUTER" lab exec --name "$LAB_ID2" lan curl -s --max-time 5 http://203.0.113.1/ | grep -q '^203\.0\.113\.' ||
    fail "second lab does not work beside the first"
"$NFTROUTER" lab down --name "$LAB_ID2"
lab_assert_clean "$LAB_ID2"
[ -e "/run/netns/nftr-$LAB_ID-router" ] || fail "lab down of the second lab touched the first"
"$NFTROUTER" lab down --name "$LAB_ID"
lab_assert_clean "$LAB_ID"
pass "a running lab's name refused and the lab untouched; two labs coexist"

# 3. SIGKILL midway, at two points.
kill_midway() { # WHAT CONDITION...
    local what=$1; shift
    "$NFTROUTER" lab up -c "$LAB_CONF_DIR/seed.yaml" --name "$LAB_ID" >"$T_DIR/kill.out" 2>&1 &
    local pid=$!
    wait_for 30 "$@" || { kill -9 "$pid"; fail "$what: condition never met"; }
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    local n; n=$(lab_namespaces "$LAB_ID" | wc -l)
    "$NFTROUTER" lab down --name "$LAB_ID" || fail "$what: lab down"
    lab_assert_clean "$LAB_ID"
    pass "$what: killed with $n namespaces made; lab down left nothing"
}
ns_made() { [ "$(lab_namespaces "$LAB_ID" | wc -l)" -ge 3 ]; }
peers_up() { grep -q ' dnsmasq$' "/run/nftrouter-lab/$LAB_ID/manifest" && grep -q ' socat$' "/run/nftrouter-lab/$LAB_ID/manifest"; }
kill_midway "early kill" ns_made
kill_midway "late kill" peers_up

# 4. SIGTERM (Ctrl-C is the same path; a background job ignores SIGINT).
"$NFTROUTER" lab up -c "$LAB_CONF_DIR/seed.yaml" --name "$LAB_ID" >"$T_DIR/term.out" 2>&1 &
pid=$!
wait_for 30 peers_up || { kill -9 "$pid"; fail "SIGTERM: peers never started"; }
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
cat "$T_DIR/term.out"
[ "$rc" -eq 3 ] || fail "lab up after SIGTERM: exit $rc, expected 3"
grep -q "interrupted" "$T_DIR/term.out" || fail "lab up did not say it was interrupted"
lab_assert_clean "$LAB_ID"
pass "SIGTERM midway: lab up removed what it made by itself"
