#!/usr/bin/env bash
# diff beside the running daemon: with dns.upstream empty (the servers are
# learned from the WAN's DHCP) the running router's diff is empty (exit
# 0); a changed DHCP range is an exit-1 unified diff of dnsmasq.conf (the
# one in the run dir against the one a reload would write) naming the
# range, with no ruleset section; after `nftrouter reload` the diff is
# empty again. diff writes nothing to the run dir or the state dir.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"

run_config '[]'
run_net
run_start
wait_for 20 sh -c "ip -n $R -4 addr show dev wan | grep -q 'inet 203\.0\.113\.'" || fail "WAN not up"
wait_for 20 grep -q '^server=203.0.113.1' "$T_DIR/run/dnsmasq.conf" ||
    fail "the daemon did not write the learned server: $(cat "$T_DIR/run/dnsmasq.conf")"

# rdiff: `nftrouter diff` on the router with the daemon's dirs; sets $rc.
rdiff() {
    set +e
    ip netns exec "$R" "$NFTROUTER" diff -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
        --run-dir "$T_DIR/run" >"$T_DIR/out" 2>"$T_DIR/err"
    rc=$?
    set -e
    cat "$T_DIR/out" "$T_DIR/err"
}
dirs() { (cd "$T_DIR" && find state run -type f ! -name '*.leases' | sort | xargs sha256sum); }

rdiff
[ $rc -eq 0 ] || fail "diff of the running config: exit $rc, want 0"
[ ! -s "$T_DIR/out" ] || fail "diff of the running config printed something"
pass "running router, learned DNS servers: diff empty, exit 0"

sed -i 's/192.168.100.10-192.168.100.50/192.168.100.10-192.168.100.90/' "$T_DIR/router.yaml"
dirs >"$T_DIR/dirs.before"
rdiff
[ $rc -eq 1 ] || fail "changed DHCP range: exit $rc, want 1"
grep -q "^dnsmasq.conf ($T_DIR/run/dnsmasq.conf, rewritten by \`nftrouter reload\`):" "$T_DIR/out" ||
    fail "no dnsmasq.conf section"
grep -q '^-dhcp-range=set:lan,192.168.100.10,192.168.100.50,' "$T_DIR/out" || fail "old range not a removed line"
grep -q '^+dhcp-range=set:lan,192.168.100.10,192.168.100.90,' "$T_DIR/out" || fail "new range not an added line"
! grep -q '^ruleset' "$T_DIR/out" || fail "a ruleset section for a DHCP change"
! grep -q 'server=' "$T_DIR/out" || fail "the learned servers showed up in the diff"
dirs >"$T_DIR/dirs.after"
diff -u "$T_DIR/dirs.before" "$T_DIR/dirs.after" || fail "diff changed the run or state dir"
pass "changed DHCP range: exit 1, a dnsmasq.conf hunk, no ruleset section, nothing written"

rctl reload >/dev/null || fail "reload exited $?"
wait_for 10 grep -q '192.168.100.90' "$T_DIR/run/dnsmasq.conf" || fail "reload did not rewrite dnsmasq.conf"
rdiff
[ $rc -eq 0 ] || fail "after the reload: exit $rc, want 0"
pass "after nftrouter reload: diff empty again"
