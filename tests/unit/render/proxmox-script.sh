#!/bin/sh
# `nftrouter render proxmox` against a qm test double.
#
# What this proves: the generated script is valid POSIX sh (sh -n and
# the shellcheck linter), issues exactly the expected qm commands in order, skips on
# a second run what the first did, prints only (changes nothing) with
# --dry-run, and refuses a foreign VM with the same id.
# What it does not prove: that Proxmox accepts these commands. The double
# (qm-double, next to this file) checks only our output's syntax and
# order; it is not Proxmox.
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

# expect NAME FILE: FILE equals the text on stdin.
expect() {
	if ! diff -u - "$2" >"$tmp/diff"; then
		fail "$1"
		cat "$tmp/diff" >&2
	fi
}

mkdir "$tmp/bin" "$tmp/state"
cp "$SRC/tests/unit/render/qm-double" "$tmp/bin/qm"
chmod +x "$tmp/bin/qm"
"$BIN" render -c "$SRC/examples/proxmox.yaml" proxmox >"$tmp/router-proxmox.sh"
"$BIN" render -c "$SRC/examples/proxmox.yaml" cloud-init >"$tmp/user-data.yaml"

sh -n "$tmp/router-proxmox.sh" || fail "sh -n"
if command -v shellcheck >/dev/null; then
	shellcheck -s sh "$tmp/router-proxmox.sh" || fail "shellcheck"
else
	fail "shellcheck is not installed (scripts/deps installs it)"
fi

export PATH="$tmp/bin:$PATH" QM_STATE="$tmp/state" NFTROUTER_SNIPPETS_DIR="$tmp/snippets"
export NFTROUTER_AGENT_TRIES=3 NFTROUTER_AGENT_WAIT=0
cd "$tmp"

# --dry-run: every changing command printed, nothing changed.
sh router-proxmox.sh --dry-run >dry.out || fail "dry run exited $?"
grep '^+ ' dry.out | sed "s|$tmp/snippets|SNIPPETS|" >dry.cmds
expect "dry run prints the commands" dry.cmds <<'OUT'
+ qm clone 9000 100 --name router --full 1 --storage local-lvm
+ qm set 100 --memory 2048 --cores 2 --agent enabled=1
+ qm set 100 --net0 virtio,bridge=vmbr0 --net1 virtio,bridge=vmbr1
+ qm set 100 --ipconfig0 ip=dhcp
+ qm set 100 --machine q35 --hostpci0 01:00,pcie=1
+ mkdir -p SNIPPETS
+ cp user-data.yaml SNIPPETS/nftrouter-100.yaml
+ qm set 100 --cicustom user=local:snippets/nftrouter-100.yaml
+ qm snapshot 100 init
+ qm start 100
OUT
[ ! -e state/100.conf ] || fail "dry run created the VM"
[ ! -e snippets ] || fail "dry run wrote the snippet"
rm state/log

# First run: the whole sequence, in order.
sh router-proxmox.sh user-data.yaml >run1.out || fail "first run exited $?"
expect "first run: qm calls" state/log <<'LOG'
qm status 100
qm clone 9000 100 --name router --full 1 --storage local-lvm
qm listsnapshot 100
qm set 100 --memory 2048 --cores 2 --agent enabled=1
qm set 100 --net0 virtio,bridge=vmbr0 --net1 virtio,bridge=vmbr1
qm set 100 --ipconfig0 ip=dhcp
qm set 100 --machine q35 --hostpci0 01:00,pcie=1
qm set 100 --cicustom user=local:snippets/nftrouter-100.yaml
qm snapshot 100 init
qm status 100
qm start 100
qm guest cmd 100 ping
qm config 100
qm guest cmd 100 network-get-interfaces
LOG
tail -n 1 run1.out >run1.last
expect "first run: the admin address" run1.last <<'OUT'
admin port vm0 (bc:24:11:00:00:01): 198.51.100.57
OUT
cmp -s user-data.yaml snippets/nftrouter-100.yaml || fail "the snippet is not the user-data"

# Second run: only looks; clones, configures, snapshots and starts nothing.
rm state/log
sh router-proxmox.sh user-data.yaml >run2.out || fail "second run exited $?"
expect "second run: qm calls" state/log <<'LOG'
qm status 100
qm config 100
qm listsnapshot 100
qm status 100
qm guest cmd 100 ping
qm config 100
qm guest cmd 100 network-get-interfaces
LOG
grep -q '^+ ' run2.out && fail "second run changed something: $(grep '^+ ' run2.out)"

# No guest agent: gives up after NFTROUTER_AGENT_TRIES, exit 1.
rc=0
QM_AGENT_DOWN=1 sh router-proxmox.sh user-data.yaml >/dev/null 2>agent.err || rc=$?
[ "$rc" = 1 ] || fail "no agent: exit $rc, want 1"
grep -q "no guest agent" agent.err || fail "no agent: message missing"

# A VM with our id but another name is not ours: refuse, change nothing.
rm -rf state/*
printf 'name: somebody-else\n' >state/100.conf
rc=0
sh router-proxmox.sh user-data.yaml >foreign.out 2>foreign.err || rc=$?
[ "$rc" = 1 ] || fail "foreign VM: exit $rc, want 1"
grep -q "not named router" foreign.err || fail "foreign VM: message missing"
expect "foreign VM: only looked" state/log <<'LOG'
qm status 100
qm config 100
LOG

# Usage: a missing user-data file, or too many arguments.
rc=0
sh router-proxmox.sh nonexistent.yaml >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "missing user-data: exit $rc, want 1"
rc=0
sh router-proxmox.sh a b >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "two arguments: exit $rc, want 2"

# Rendering proxmox without a proxmox: section is refused (exit 1).
rc=0
"$BIN" render -c "$SRC/examples/minimal.yaml" proxmox >none.out 2>none.err || rc=$?
[ "$rc" = 1 ] || fail "no proxmox: section: exit $rc, want 1"
[ ! -s none.out ] || fail "no proxmox: section: printed something"
grep -q "no proxmox: section" none.err || fail "no proxmox: section: message missing"

[ "$fails" = 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "proxmox script: all checks passed"
