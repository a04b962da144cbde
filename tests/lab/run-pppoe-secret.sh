#!/usr/bin/env bash
# ipv4: pppoe on this host's kernel, which has no PPP (the session itself
# is tested in the guest: vm-pppoe.sh): `check` names the missing feature
# and the port's line (exit 3) and refuses a password file others can read
# (exit 1); the daemon applies the ruleset with the session's link ppp0 in
# the WAN zone and the MSS clamp, does not start pppd while the password
# file is untrusted (status says why), and after chmod 600 and a reload
# wants pppd with its options in a 0600 file that holds the password,
# which is in no process's argv.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"

R=$(netns r); I=$(netns i)
veth "$R" eth1 "$I" up0 "$R_MAC_WAN"
veth "$R" eth2 "$I" lan0 "$R_MAC_LAN"
secret="$T_DIR/pppoe.secret"
install -m 600 /dev/null "$secret"
echo 'pa"ss\word' >"$secret"
cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan:
    match: { mac: "$R_MAC_WAN" }
    ipv4: pppoe
    pppoe: { user: "testuser@isp.example", password-file: $secret }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24 }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, forward: [wan] }
dns:
  upstream: ["198.51.100.53"]
YAML

# check: the kernel's PPP/PPPoE (or pppd) named at the port's line.
rc=0
"$NFTROUTER" check -c "$T_DIR/router.yaml" >"$T_DIR/check.out" 2>"$T_DIR/check.err" || rc=$?
if [ ! -e /sys/module/pppoe ] && ! modinfo pppoe >/dev/null 2>&1; then
    [ "$rc" -eq 3 ] || fail "check exited $rc on a kernel without PPPoE, want 3: $(cat "$T_DIR/check.err")"
    grep -qE "^$T_DIR/router.yaml:3:3: error: interface 'wan': ipv4: pppoe: this kernel has no PPP" "$T_DIR/check.err" ||
        fail "check did not name the feature and line: $(cat "$T_DIR/check.err")"
    pass "check: $(cut -c1-110 "$T_DIR/check.err")... (exit 3)"
else
    [ "$rc" -eq 0 ] || grep -q "no /usr/sbin/pppd" "$T_DIR/check.err" || fail "check exited $rc: $(cat "$T_DIR/check.err")"
    pass "check: this kernel has PPPoE (exit $rc)"
fi
chmod 644 "$secret"
rc=0
"$NFTROUTER" check -c "$T_DIR/router.yaml" >/dev/null 2>"$T_DIR/check.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "router.yaml:6:.*password-file $secret: readable or writable by group or others" "$T_DIR/check.err" ||
    fail "check accepted a 0644 password file (exit $rc): $(cat "$T_DIR/check.err")"
pass "check refuses a password file others can read (exit 1)"

# pppd's hook links: the daemon makes them where ppp is installed; a test
# run must not leave them behind.
links_before=$(ls /etc/ppp/ip-up.d/nftrouter /etc/ppp/ip-down.d/nftrouter 2>/dev/null || true)
drop_links() {
    [ -z "$links_before" ] || return 0
    local l
    for l in /etc/ppp/ip-up.d/nftrouter /etc/ppp/ip-down.d/nftrouter; do
        [ "$(readlink "$l" 2>/dev/null)" = "$NFTROUTER" ] && rm -f "$l"
    done
    return 0
}
mkdir -p "$T_DIR/state"
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" >>"$T_DIR/daemon.log" 2>&1 &
T_PIDS+=($!)
rctl() { local sub=$1; shift; ip netns exec "$R" "$NFTROUTER" "$sub" --run-dir "$T_DIR/run" "$@"; }
wait_for 20 grep -q "pppd-wan: ERROR: pppd not started: .*readable or writable by group or others" "$T_DIR/daemon.log" ||
    { cat "$T_DIR/daemon.log"; fail "the daemon did not refuse the 0644 password file"; }
st=$(rctl status) || st=""
case $st in *"pppoe ppp0: not started (sessions: 0): pppd not started: "*"by group or others"*) ;;
    *) fail "status does not say why pppd is not started: $st" ;; esac
case $st in *"pppd-wan"*) fail "a pppd child with an untrusted password file: $st" ;; esac
pass "daemon: pppd not started, status says why"

set_has=$(ip netns exec "$R" nft list set inet nftrouter zone_wan | tr -s ' \t\n' ' ') || set_has=""
case $set_has in *'elements = { "wan", "ppp0" }'*) ;; *) fail "zone_wan lacks the session's link: $set_has" ;; esac
ip netns exec "$R" nft list chain inet nftrouter forward | grep -q 'oifname "ppp0" tcp flags syn / syn,rst tcp option maxseg size set rt mtu' ||
    fail "no MSS clamp in the loaded forward chain"
pass "the kernel's ruleset: zone wan holds wan and ppp0; SYNs out of ppp0 are clamped"

chmod 600 "$secret"
rctl reload >/dev/null || { cat "$T_DIR/daemon.log"; fail "reload failed"; }
wait_for 20 sh -c "ip netns exec $R $NFTROUTER status --run-dir $T_DIR/run | grep -q '^  pppd-wan'" ||
    { drop_links; cat "$T_DIR/daemon.log"; fail "no pppd child after the password file was fixed"; }
drop_links
conf="$T_DIR/run/pppd-wan.conf"
wait_for 10 test -f "$conf" || fail "no $conf"
[ "$(stat -c %a "$conf")" = 600 ] || fail "$conf has mode $(stat -c %a "$conf")"
grep -qx 'password "pa\\"ss\\\\word"' "$conf" || fail "the password line is not in $conf: $(grep -c password "$conf")"
grep -qx 'user "testuser@isp.example"' "$conf" || fail "no user line in $conf"
diff <(grep -v '^password ' "$conf") <(ip netns exec "$R" "$NFTROUTER" render -c "$T_DIR/router.yaml" \
    --state-dir "$T_DIR/state" --run-dir "$T_DIR/run" pppd) >/dev/null ||
    fail "pppd's options differ from render pppd's"
# The pattern from a file: grep's own argv must not hold it.
printf 'pa"ss\n' >"$T_DIR/needle"
for p in /proc/[0-9]*; do
    if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qFf "$T_DIR/needle"; then
        fail "the password is in the argv of ${p#/proc/}"
    fi
done
pass "password fixed, reload: pppd wanted with $conf (0600, the password quoted, render pppd's options), the password in no argv"
