#!/usr/bin/env bash
# nftrouter lab up -c PRIMARY -c BACKUP (docs/ha.md): the HA pair of
# examples/ha-primary.yaml and ha-backup.yaml built by the lab, its pair
# checks (roles, virtual addresses, sync, the client's lease and NAT
# through the virtual addresses), the backup reached by `lab exec backup`,
# and lab down leaves nothing behind. A config without ha: as BACKUP is
# refused with nothing made.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
command -v keepalived >/dev/null || skip "keepalived is not installed (scripts/deps)"
command -v conntrackd >/dev/null || skip "conntrackd is not installed (scripts/deps)"

set +e
out=$("$NFTROUTER" lab up --name "$LAB_ID" -c "$LAB_CONF_DIR/ha-primary.yaml" -c "$LAB_CONF_DIR/minimal.yaml" 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] || fail "a pair without ha: in BACKUP: exit $rc, want 1: $out"
echo "$out" | grep -q "minimal.yaml has no ha: section" || fail "no reason given: $out"
lab_assert_clean "$LAB_ID"

"$NFTROUTER" lab up --name "$LAB_ID" -c "$LAB_CONF_DIR/ha-primary.yaml" -c "$LAB_CONF_DIR/ha-backup.yaml" >"$T_DIR/up.out" ||
    fail "lab up of the pair: $(cat "$T_DIR/up.out")"
grep -q "nftr-$LAB_ID-backup" "$T_DIR/up.out" || fail "the summary names no backup: $(cat "$T_DIR/up.out")"
"$NFTROUTER" lab exec --name "$LAB_ID" backup "$NFTROUTER" status >"$T_DIR/backup.status" || fail "lab exec backup"
grep -q '^ha: backup, priority 100' "$T_DIR/backup.status" || fail "backup status: $(cat "$T_DIR/backup.status")"
"$NFTROUTER" lab exec --name "$LAB_ID" router "$NFTROUTER" status >"$T_DIR/primary.status" || fail "lab exec router"
grep -q '^ha: master, priority 150' "$T_DIR/primary.status" || fail "primary status: $(cat "$T_DIR/primary.status")"
set +e
"$NFTROUTER" lab test --name "$LAB_ID" >"$T_DIR/test.out" 2>&1
rc=$?
set -e
cat "$T_DIR/test.out"
[ $rc -eq 0 ] || fail "lab test of the pair: exit $rc"
for c in ha-roles ha-virtual ha-sync ha-dhcp ha-nat; do
    grep -qE "^ok +$c " "$T_DIR/test.out" || fail "no passing '$c' check"
done
"$NFTROUTER" lab down --name "$LAB_ID" || fail "lab down"
lab_assert_clean "$LAB_ID"
pass "lab up -c PRIMARY -c BACKUP: the pair passes its checks, nothing left behind"
