# The body of tests/lab/vm-bridge.sh, run as root in the Debian guest
# kernel by scripts/vm-run: tests/lab/run-bridge.sh twice in one boot,
# first without br_netfilter (Debian's kernel has it as a module, loaded
# on demand only: no net.bridge keys), then with it loaded (the keys are
# 1 in every namespace, as where Docker runs). Each run must say which
# case it saw, so both are really covered. The first run stops after the
# checks br_netfilter can change (RUN_BRIDGE_PARTS=basic: leases,
# neighbours, the forward chain, the WAN); the second runs them all.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp /tmp/nftr-bridge-guest.XXXXXX)
trap 'rm -f "$out"' EXIT
if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
    echo "FAIL: br_netfilter is loaded before the first run" >&2
    exit 1
fi
echo "== run-bridge without br_netfilter"
RUN_BRIDGE_PARTS=basic bash "$here/run-bridge.sh" 2>&1 | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
grep -q '^ok: br_netfilter not loaded' "$out" || { echo "FAIL: the first run did not see br_netfilter absent" >&2; exit 1; }
modprobe br_netfilter
v=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)
[ "$v" = 1 ] || { echo "FAIL: after modprobe br_netfilter, bridge-nf-call-iptables is $v, not 1" >&2; exit 1; }
echo "== run-bridge with br_netfilter loaded (bridge-nf-call-iptables 1)"
bash "$here/run-bridge.sh" 2>&1 | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
grep -q '^ok: br_netfilter loaded' "$out" || { echo "FAIL: the second run did not see br_netfilter loaded" >&2; exit 1; }
[ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)" = 1 ] ||
    { echo "FAIL: the router's apply changed the guest's own bridge-nf-call-iptables" >&2; exit 1; }
echo "ok: bridges in the guest kernel, without and with br_netfilter"
