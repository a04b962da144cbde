#!/usr/bin/env bash
# Every golden ruleset (tests/golden/*/expected.nft, and expected.nft-bans
# where present) and every example's rendered ruleset loads into a real
# kernel, in a fresh network namespace where none of the router's ports
# exist (the point of matching interfaces by name). In each namespace:
#   - a table of someone else's (ip user) is there first and is untouched;
#   - the script loads, and `nft list table inet nftrouter` works;
#   - loading it again replaces the table (atomic replace works), and an
#     element added to the ban table survives that replace.
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || skip "nft not installed"
cd "$NFTROUTER_SRCDIR" || fail "no source dir"

user_table='table ip user {
	set keep {
		type ipv4_addr
		elements = { 192.0.2.1 }
	}

	chain c {
		type filter hook input priority 10; policy accept;
		ip saddr @keep drop
	}
}'

# Does this kernel have nftables flowtables (`offload`)? A dry run.
flowtables_ok() {
    printf 'table inet nftr_probe {\n flowtable f {\n hook ingress priority filter\n }\n}\n' |
        nft -c -f - >/dev/null 2>&1
}

n=0
# load_case NAME MAIN [BANS]: all checks for one ruleset in its own namespace.
load_case() {
    local name=$1 main=$2 bans=${3:-} ns before after
    # A flowtable may name only links that exist: with every port absent,
    # apply renders it without devices (render_nft_live), so load that.
    if grep -q 'flowtable ft {' "$main"; then
        if ! flowtables_ok; then
            echo "note: $name: not loaded: this kernel has no flowtables (vm-flowtable loads it in the guest)"
            return 0
        fi
        sed '/^\t\tdevices = /d' "$main" >"$T_DIR/noports-$n.nft"
        main=$T_DIR/noports-$n.nft
    fi
    ns=$(netns "g$n")
    n=$((n + 1))
    # Only lo: every port the ruleset names is missing.
    [ "$(nsx "$ns" ip -o link show | wc -l)" -eq 1 ] || fail "$name: $ns has more than lo"
    echo "$user_table" | nsx "$ns" nft -f - || fail "$name: cannot create the user table"
    before=$(nsx "$ns" nft list table ip user)
    if [ -n "$bans" ]; then
        nsx "$ns" nft -f "$bans" || fail "$name: ban table does not load"
    fi
    nsx "$ns" nft -f "$main" || fail "$name: ruleset does not load with the ports absent"
    nsx "$ns" nft list table inet nftrouter >/dev/null || fail "$name: table not listable"
    nsx "$ns" nft list chain inet nftrouter input | grep -q 'hook input' ||
        fail "$name: no input hook"
    nsx "$ns" nft list chain inet nftrouter forward | grep -q 'hook forward' ||
        fail "$name: no forward hook"
    if [ -n "$bans" ] && nsx "$ns" nft list set inet nftrouter_bans blackhole4 >/dev/null 2>&1; then
        nsx "$ns" nft add element inet nftrouter_bans blackhole4 '{ 192.0.2.99 }' ||
            fail "$name: cannot add a ban"
    fi
    nsx "$ns" nft -f "$main" || fail "$name: second load (replace) fails"
    nsx "$ns" nft list table inet nftrouter >/dev/null || fail "$name: table gone after replace"
    [ "$(nsx "$ns" nft list tables | grep -c 'inet nftrouter$')" -eq 1 ] ||
        fail "$name: not exactly one nftrouter table"
    after=$(nsx "$ns" nft list table ip user)
    [ "$before" = "$after" ] || fail "$name: the user table changed"
    if [ -n "$bans" ] && nsx "$ns" nft list set inet nftrouter_bans blackhole4 >/dev/null 2>&1; then
        nsx "$ns" nft list set inet nftrouter_bans blackhole4 | grep -q '192\.0\.2\.99' ||
            fail "$name: a ban did not survive the replace of the main table"
    fi
    ip netns del "$ns"
    pass "$name"
}

found=0
for main in tests/golden/*/expected.nft; do
    [ -f "$main" ] || continue
    dir=$(dirname "$main")
    bans=""
    [ -f "$dir/expected.nft-bans" ] && bans="$dir/expected.nft-bans"
    load_case "golden $(basename "$dir")" "$main" "$bans"
    found=$((found + 1))
done
[ $found -gt 0 ] || fail "no tests/golden/*/expected.nft found"

for cfg in examples/*.yaml; do
    [ -f "$cfg" ] || continue
    name=$(basename "$cfg" .yaml)
    "$NFTROUTER" render -c "$cfg" nft >"$T_DIR/$name.nft" || fail "example $name: render nft failed"
    "$NFTROUTER" render -c "$cfg" nft-bans >"$T_DIR/$name.bans" ||
        fail "example $name: render nft-bans failed"
    load_case "example $name" "$T_DIR/$name.nft" "$T_DIR/$name.bans"
done
echo "all rulesets loaded"
