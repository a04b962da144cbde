#!/bin/sh
# Every example and golden config's dnsmasq and unbound outputs, checked by
# the services' own checkers: `dnsmasq --test` and `unbound-checkconf`
# (the run dir exists, as the daemon makes it). The checkers must also
# reject a broken file, or this test would prove nothing.
set -eu
BIN=${NFTROUTER_BIN:?}
SRC=${NFTROUTER_SRCDIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/state" "$tmp/run"
# dns.blocklists: the file the daemon writes (render_dnsmasq_blocked lines)
printf 'server=/ads.example.com/\n' >"$tmp/run/dns-blocklist.conf"
fails=0 n=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

for cfg in "$SRC"/examples/*.yaml "$SRC"/tests/golden/*/router.yaml; do
	[ -e "$cfg" ] || continue
	n=$((n + 1))
	name=${cfg#"$SRC"/}
	"$BIN" render -c "$cfg" --state-dir "$tmp/state" --run-dir "$tmp/run" dnsmasq >"$tmp/dnsmasq.conf" ||
		{ fail "$name: render dnsmasq"; continue; }
	dnsmasq --test -C "$tmp/dnsmasq.conf" >"$tmp/out" 2>&1 || { fail "$name: dnsmasq --test"; cat "$tmp/out" >&2; }
	"$BIN" render -c "$cfg" --state-dir "$tmp/state" --run-dir "$tmp/run" dns >"$tmp/unbound.conf" ||
		{ fail "$name: render dns"; continue; }
	if [ -s "$tmp/unbound.conf" ]; then
		unbound-checkconf "$tmp/unbound.conf" >"$tmp/out" 2>&1 ||
			{ fail "$name: unbound-checkconf"; cat "$tmp/out" >&2; }
	fi
done
[ "$n" -ge 5 ] || fail "only $n configs found"

printf 'dhcp-range=set:x,10.0.0.300,10.0.0.9\n' >"$tmp/bad.conf"
dnsmasq --test -C "$tmp/bad.conf" >/dev/null 2>&1 && fail "dnsmasq --test accepted a bad file"
printf 'server:\n\tport: many\n' >"$tmp/bad.conf"
unbound-checkconf "$tmp/bad.conf" >/dev/null 2>&1 && fail "unbound-checkconf accepted a bad file"

[ "$fails" = 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "$n configs: dnsmasq and unbound accept them"
