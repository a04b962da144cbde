#!/usr/bin/env bash
# Every golden ruleset and every example's rendered ruleset loads in the
# guest kernel too (Debian 12's 6.1, what a router VM runs), not only in
# this host's newer one: the body is golden-nft-load.sh, run through
# scripts/vm-run. A construct the host's kernel takes and 6.1 refuses (a
# lookup in a verdict map used as a set: EINVAL) once reached main this
# way. In the guest the offload cases load too (it has flowtables).
. "$(dirname "$0")/lib.sh"
guest_run "golden ruleset" golden-nft-load.sh
pass "every golden ruleset and example loads in the guest kernel"
