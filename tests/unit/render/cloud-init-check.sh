#!/bin/sh
# `nftrouter render cloud-init`: the user-data starts with #cloud-config,
# is valid YAML whose write_files carry router.yaml byte for byte and the
# udev/sysctl/systemd outputs, and passes `cloud-init schema` (Debian's
# cloud-init package; scripts/deps installs it).
set -eu
BIN=${NFTROUTER_BIN:?}
SRC=${NFTROUTER_SRCDIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

for cfg in "$SRC/examples/proxmox.yaml" "$SRC/examples/minimal.yaml" "$SRC/tests/golden/proxmox/router.yaml"; do
	name=$(basename "$(dirname "$cfg")")/$(basename "$cfg")
	ud=$tmp/user-data.yaml
	"$BIN" render -c "$cfg" cloud-init >"$ud" || { fail "$name: render exited $?"; continue; }
	[ "$(head -n 1 "$ud")" = "#cloud-config" ] || fail "$name: first line is not #cloud-config"
	for what in udev sysctl; do
		"$BIN" render -c "$cfg" "$what" >"$tmp/$what"
	done
	python3 - "$ud" "$cfg" "$tmp/udev" "$tmp/sysctl" <<'PY' || fail "$name: YAML content"
import sys, yaml
ud, cfg, udev, sysctl = sys.argv[1:]
d = yaml.safe_load(open(ud))
files = {f["path"]: f["content"] for f in d["write_files"]}
assert files["/etc/nftrouter/router.yaml"] == open(cfg).read(), "router.yaml differs"
assert files["/etc/udev/rules.d/10-nftrouter.rules"] == open(udev).read(), "udev differs"
assert files["/etc/sysctl.d/90-nftrouter.conf"] == open(sysctl).read(), "sysctl differs"
unit = files["/etc/systemd/system/nftrouter.service"]
assert "ExecStart=/usr/sbin/nftrouter run -c /etc/nftrouter/router.yaml " in unit, "unit paths"
assert "dnsmasq-base" in d["packages"] and "nftables" in d["packages"]
assert d["power_state"]["mode"] == "reboot"
PY
	if command -v cloud-init >/dev/null; then
		cloud-init schema --config-file "$ud" >"$tmp/schema.out" 2>&1 ||
			{ fail "$name: cloud-init schema"; cat "$tmp/schema.out" >&2; }
	else
		fail "cloud-init is not installed (scripts/deps installs it)"
	fi
done

# The schema check itself must reject a wrong user-data.
printf '#cloud-config\npackages: 7\npower_state: {mode: sideways}\n' >"$tmp/bad.yaml"
if cloud-init schema --config-file "$tmp/bad.yaml" >/dev/null 2>&1; then
	fail "cloud-init schema accepted a bad user-data"
fi

[ "$fails" = 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "cloud-init user-data: all checks passed"
