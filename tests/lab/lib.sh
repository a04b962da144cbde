# Shared helpers for tests/lab/*.sh. Source it first:
#   . "$(dirname "$0")/lib.sh"
# A test exits 0 on pass, non-zero on failure, 77 when it cannot run here
# (say why on the last line). Every namespace, process and file a test
# makes is named after the test and removed by the EXIT trap; processes are
# ended by the PIDs the test recorded, never by name.
set -eu
: "${NFTROUTER:?run through tests/run, or set NFTROUTER to the binary}"
: "${NFTROUTER_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

T_NAME=$(basename "$0" .sh)
# A short per-run id: namespaces of two concurrent runs never collide.
T_ID=${T_ID:-$(printf '%04x' $(( $$ % 65536 )))}
T_DIR=$(mktemp -d "/tmp/nftr-$T_NAME.XXXXXX")
T_NETNS=()
T_PIDS=()

t_cleanup() {
    local rc=$?
    set +e
    for pid in "${T_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 0.1
    for pid in "${T_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    # netns() runs in $(...), a subshell: its names come back through a file.
    [ -f "$T_DIR/.netns" ] && mapfile -t -O "${#T_NETNS[@]}" T_NETNS <"$T_DIR/.netns"
    # Whatever still runs inside the test's own namespaces was started by
    # the test (a listener forked through a shell function, whose $! was
    # the function's subshell): end it by its PID before the namespace
    # goes, or it outlives the test in a namespace nobody can name.
    local left=()
    for ns in "${T_NETNS[@]}"; do
        left+=($(ip netns pids "$ns" 2>/dev/null))
    done
    if [ ${#left[@]} -gt 0 ]; then
        kill "${left[@]}" 2>/dev/null
        sleep 0.2
        kill -9 "${left[@]}" 2>/dev/null
    fi
    for ns in "${T_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    [ -n "${T_KEEP:-}" ] || rm -rf "$T_DIR"
    [ -n "${T_KEEP:-}" ] && echo "kept $T_DIR"
    exit $rc
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"

# netns NAME: create namespace "nrt-$T_ID-NAME", with lo up; prints its name.
netns() {
    local ns="nrt-$T_ID-$1"
    ip netns add "$ns"
    T_NETNS+=("$ns")
    echo "$ns" >>"$T_DIR/.netns"
    ip -n "$ns" link set lo up
    echo "$ns"
}

# veth NS1 IF1 NS2 IF2 [MAC1]: a veth pair between two namespaces.
veth() {
    local tmp="v$T_ID$RANDOM"
    ip link add "$tmp" type veth peer name "${tmp}p"
    ip link set "$tmp" netns "$1"
    ip link set "${tmp}p" netns "$3"
    ip -n "$1" link set "$tmp" name "$2"
    ip -n "$3" link set "${tmp}p" name "$4"
    [ -n "${5:-}" ] && ip -n "$1" link set "$2" address "$5"
    ip -n "$3" link set "$4" up
}

# bg CMD...: start a background process and remember its PID for cleanup.
bg() {
    "$@" &
    T_PIDS+=($!)
}

# wait_for SECS CMD...: retry CMD every 0.1 s until it succeeds or SECS pass.
wait_for() {
    local secs=$1; shift
    local n=$((secs * 10))
    while [ $n -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# expect_fail CMD...: succeed if CMD fails.
expect_fail() { if "$@"; then return 1; else return 0; fi; }

# nsx NS CMD...: run in a namespace. (Not "in": a bash reserved word.)
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# guest_run WHAT BODY [VAR=VALUE...]: runs tests/lab/BODY with bash in a
# fresh Debian guest (scripts/vm-run: the guest kernel has what this
# host's lacks), with this test's nftrouter and the given variables in its
# environment; fails the test naming WHAT if the body fails, skips it when
# no guest can run here (no QEMU, or vm-run's 77).
guest_run() {
    local what=$1 body=$2 start rc=0
    shift 2
    command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
    start=$(date +%s)
    (cd "$NFTROUTER_SRCDIR" && "$NFTROUTER_SRCDIR/scripts/vm-run" \
        env NFTROUTER="$NFTROUTER" "$@" bash "$NFTROUTER_SRCDIR/tests/lab/$body") || rc=$?
    echo "vm-run took $(( $(date +%s) - start ))s"
    [ "$rc" -ne 77 ] || skip "the guest could not run"
    [ "$rc" -eq 0 ] || fail "the guest's $what test failed (exit $rc)"
}
