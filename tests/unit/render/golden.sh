#!/bin/sh
# Golden tests for every renderer: for each tests/golden/CASE/router.yaml,
# `nftrouter render WHAT` must print exactly CASE/expected.WHAT. A missing
# expected file is a failure, not a skip (a new case or target must be
# generated on purpose). Warnings the model prints go to expected.stderr.
#
#   UPDATE=1 tests/unit/render/golden.sh            rewrite every expected file
#   UPDATE=nft,sysctl tests/unit/render/golden.sh   rewrite only these targets
#   GOLDEN_CASE=seed ...                            one case only
#
# Renders run from the source root with the config given as
# tests/golden/CASE/router.yaml and the default state and run directories,
# so outputs that name paths (systemd, dnsmasq) are the same on every
# machine. Needs NFTROUTER_BIN and NFTROUTER_SRCDIR (meson test sets both).
set -u
: "${NFTROUTER_BIN:?set NFTROUTER_BIN to the nftrouter binary}"
: "${NFTROUTER_SRCDIR:?set NFTROUTER_SRCDIR to the source root}"
cd "$NFTROUTER_SRCDIR" || exit 1
unset NFTROUTER_CONFIG NFTROUTER_STATE_DIR NFTROUTER_RUN_DIR
export LC_ALL=C

# Every render target, as `render --help` lists them: a new renderer is
# covered (and needs its expected files) as soon as it is in the table.
# "proxmox" renders only configs with a proxmox: section, "keepalived" and
# "conntrackd" only those with ha:, "pppd" only those with an `ipv4: pppoe`
# port; for the others the expected file must
# be absent.
targets=$("$NFTROUTER_BIN" render --help | sed -n '/^WHAT is one of:/,/^$/s/^  \([a-z0-9-]*\) .*/\1/p')
case "
$targets
" in
*"
nft
"*) ;;
*) echo "FAIL: cannot read the render targets from '$NFTROUTER_BIN render --help'"; exit 1 ;;
esac
update=${UPDATE:-}

wants_update() {
    case ",$update," in
    ,1,|,all,) return 0 ;;
    *",$1,"*) return 0 ;;
    esac
    return 1
}

tmp=$(mktemp -d /tmp/nftr-golden.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0 checked=0 cases=0

compare() { # compare CASE WHAT GOT
    exp="tests/golden/$1/expected.$2"
    if wants_update "$2"; then
        if ! cmp -s "$3" "$exp" 2>/dev/null; then
            cp "$3" "$exp" && echo "updated $exp"
        fi
        return 0
    fi
    checked=$((checked + 1))
    if [ ! -f "$exp" ]; then
        echo "FAIL $1/$2: $exp is missing (generate it with UPDATE=$2 and review it)"
        failed=$((failed + 1))
    elif ! cmp -s "$3" "$exp"; then
        echo "FAIL $1/$2: output differs from $exp:"
        diff -u "$exp" "$3" | head -40
        failed=$((failed + 1))
    fi
}

for dir in tests/golden/*/; do
    case=$(basename "$dir")
    [ -f "$dir/router.yaml" ] || continue
    [ -n "${GOLDEN_CASE:-}" ] && [ "$case" != "$GOLDEN_CASE" ] && continue
    cases=$((cases + 1))
    cfg="tests/golden/$case/router.yaml"
    for what in $targets; do
        out="$tmp/$case.$what"
        "$NFTROUTER_BIN" render -c "$cfg" --state-dir /var/lib/nftrouter \
            --run-dir /run/nftrouter "$what" >"$out" 2>"$tmp/err"
        rc=$?
        # render makes the relative -c absolute (tests/examples/render-abs);
        # the expected files stay independent of where the checkout is.
        sed -i "s|$(pwd)/tests/golden/|tests/golden/|g" "$out"
        # Targets that need a section (proxmox:, ha:) refuse a config
        # without it; their expected file must then be absent.
        case $what in
        proxmox) section=proxmox ;;
        keepalived|conntrackd) section=ha ;;
        pppd) section=pppoe ;;
        *) section="" ;;
        esac
        # (pppd: an `ipv4: pppoe` port, not a section)
        if [ "$section" = pppoe ]; then has='ipv4: pppoe'; else has="^$section:"; fi
        if [ -n "$section" ] && [ $rc -eq 1 ] && ! grep -q "$has" "$cfg"; then
            if [ -f "$dir/expected.$what" ] && ! wants_update "$what"; then
                echo "FAIL $case/$what: no $section: section, but expected.$what exists"
                failed=$((failed + 1))
            fi
            continue
        fi
        if [ $rc -ne 0 ]; then
            echo "FAIL $case/$what: render exited $rc:"
            head -20 "$tmp/err"
            failed=$((failed + 1))
            continue
        fi
        [ "$what" = nft ] && cp "$tmp/err" "$tmp/$case.stderr"
        # A name made from a config name (reflect_ZONE, pf_FORWARD, ...)
        # must never equal another chain's or set's: nft merges two
        # `chain X { }` blocks into one chain without a word.
        if [ "$what" = nft ]; then
            dup=$(grep -oE '^	(chain|set|map|counter|flowtable) [A-Za-z0-9_.-]+ \{' "$out" | sort | uniq -d)
            if [ -n "$dup" ]; then
                echo "FAIL $case/nft: defined twice: $dup"
                failed=$((failed + 1))
            fi
        fi
        compare "$case" "$what" "$out"
    done
    [ -f "$tmp/$case.stderr" ] && compare "$case" stderr "$tmp/$case.stderr"
done

if [ $cases -eq 0 ]; then
    echo "FAIL: no golden case found under tests/golden"
    exit 1
fi
echo "$cases cases, $checked outputs compared, $failed failed"
[ $failed -eq 0 ]
