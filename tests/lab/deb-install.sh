#!/usr/bin/env bash
# The Debian package: scripts/deb builds it from this tree and lintian
# finds no error or warning (bar the justified overrides);
# dpkg installs it into a clean Debian 12 root (the cached guest image's
# root, see scripts/vm-image, extracted with debugfs: no loop mount, no
# debootstrap), where `nftrouter check` passes on the default
# /etc/nftrouter/router.yaml, which is a conffile; the unit is installed,
# not enabled and not started; man pages, examples and the bash completion
# are in place; a purge removes the config. About 60-90 s on 2 cores
# (the package is built with nocheck: the unit tests ran in meson test).
. "$(dirname "$0")/lib.sh"
for p in dpkg-buildpackage dh lintian debugfs unshare; do
    command -v "$p" >/dev/null || skip "$p is missing (bash scripts/deps --deb)"
done
# tests/run names this checkout's image; alone, the current cached one
img_dir=${NFTROUTER_VM_IMAGE:-$(bash "$NFTROUTER_SRCDIR/scripts/vm-image" --check)} ||
    skip "no cached guest image to install into (bash scripts/vm-image builds it)"
[ -f "$img_dir/rootfs.img" ] || skip "no guest image in $img_dir (bash scripts/vm-image builds it)"

start=$(date +%s)
rc=0
DEB_BUILD_OPTIONS="nocheck parallel=2" bash "$NFTROUTER_SRCDIR/scripts/deb" "$T_DIR/deb" \
    >"$T_DIR/deb.out" 2>&1 || rc=$?
[ $rc -eq 0 ] || { tail -n 30 "$T_DIR/deb.out"; fail "scripts/deb exited $rc"; }
# what lintian said, for the record (info tags are not fatal)
grep -E '^[IWE]: ' "$T_DIR/deb.out" || true
deb=$(tail -n1 "$T_DIR/deb.out")
[ -f "$deb" ] || fail "scripts/deb printed no package: $(tail -n3 "$T_DIR/deb.out")"
echo "built and lintian-checked in $(( $(date +%s) - start ))s: $deb"
pass "scripts/deb: dpkg-buildpackage -us -uc -b, lintian clean"

# The clean root: the guest image's /etc, /usr and /var (Debian 12
# minbase, systemd and nftrouter's runtime libraries; never an nftrouter).
root=$T_DIR/root
mkdir -p "$root"
for d in etc usr var; do
    debugfs -R "rdump /$d $root" "$img_dir/rootfs.img" >/dev/null 2>&1 || fail "debugfs rdump /$d"
done
rm -rf "$root/usr/lib/modules"   # the guest's kernel modules: not needed here
for l in bin sbin lib lib64; do ln -s "usr/$l" "$root/$l"; done
mkdir -p "$root/dev" "$root/proc" "$root/tmp" "$root/run" "$root/root"
chmod 1777 "$root/tmp"
mknod -m 666 "$root/dev/null" c 1 3
[ ! -e "$root/usr/sbin/nftrouter" ] || fail "the clean root already has nftrouter"
cp "$deb" "$root/tmp/"
in_root() { unshare -n chroot "$root" "$@"; }   # its own network namespace: nothing of the host's
in_root dpkg -i "/tmp/$(basename "$deb")" >"$T_DIR/dpkg.out" 2>&1 ||
    { cat "$T_DIR/dpkg.out"; fail "dpkg -i exited $?"; }
pass "dpkg -i into a clean Debian 12 root"

in_root nftrouter check >"$T_DIR/check.out" 2>&1 || { cat "$T_DIR/check.out"; fail "nftrouter check (default config) exited $?"; }
cat "$T_DIR/check.out"
grep -q '^/etc/nftrouter/router.yaml: valid' "$T_DIR/check.out" || fail "check did not read the default config"
grep -q 'passed a dry run' "$T_DIR/check.out" || fail "the kernel check did not run"
in_root nftrouter check -q -c /usr/share/doc/nftrouter/examples/seed.yaml || fail "check of the installed seed example"
pass "nftrouter check passes on the installed default config"

in_root dpkg-query -W -f='${Conffiles}\n' nftrouter | grep -q '^ /etc/nftrouter/router.yaml ' ||
    fail "router.yaml is not a conffile"
[ "$(in_root systemctl is-enabled nftrouter.service 2>&1)" = disabled ] ||
    fail "the unit is not installed-and-disabled: $(in_root systemctl is-enabled nftrouter.service 2>&1)"
[ -z "$(find "$root/etc/systemd/system" -name nftrouter.service)" ] || fail "the unit was enabled"
for f in /usr/sbin/nftrouter /lib/systemd/system/nftrouter.service /usr/share/man/man8/nftrouter.8.gz \
         /usr/share/man/man5/router.yaml.5.gz /usr/share/bash-completion/completions/nftrouter \
         /usr/share/doc/nftrouter/examples/minimal.yaml; do
    [ -e "$root$f" ] || fail "$f not installed"
done
grep -q 'ExecStart=/usr/sbin/nftrouter run -c /etc/nftrouter/router.yaml' \
    "$root/lib/systemd/system/nftrouter.service" || fail "the unit does not run the installed binary"
pass "conffile, unit installed but disabled, man pages, examples, completion"

in_root dpkg --purge nftrouter >"$T_DIR/purge.out" 2>&1 || { cat "$T_DIR/purge.out"; fail "purge exited $?"; }
[ ! -e "$root/usr/sbin/nftrouter" ] && [ ! -e "$root/etc/nftrouter/router.yaml" ] ||
    fail "purge left the binary or the config"
pass "purge removes the package and its config"
