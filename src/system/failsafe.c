#include "system/failsafe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render/render.h"
#include "system/apply.h"
#include "system/apply_int.h"
#include "system/nft.h"

int failsafe_ensure(const struct router *r, const char *run_dir, struct diags *d)
{
	char *list = NULL, *err = NULL, *script = NULL;
	struct nft *n = NULL;
	int lock = run_dir ? apply_lock(run_dir) : -1, rc;
	if (run_dir && lock < 0) {
		diag_error(d, nopos, "run dir %s: %s", run_dir, strerror(-lock));
		return lock;
	}
	if (!(n = nft_open())) {
		rc = -ENOMEM;
		diag_error(d, nopos, "cannot open libnftables: %s", strerror(-rc));
		goto out;
	}
	rc = nft_query(n, "list table " NFT_TABLE, false, &list, &err);
	if (rc == 0) {
		rc = FAILSAFE_KEPT;
		goto out;
	}
	if (rc != -ENOENT) {
		diag_error(d, nopos, "nft: reading table %s: %s", NFT_TABLE, err ? err : strerror(-rc));
		goto out;
	}
	free(err);
	err = NULL;
	if (!(script = render_nft_failsafe(r))) {
		rc = -ENOMEM;
		diag_error(d, nopos, "rendering the fail-closed ruleset failed");
		goto out;
	}
	if ((rc = nft_run(n, script, false, &err)) < 0) {
		if (err)
			nft_error_condense(err);
		diag_error(d, nopos, "nft: the kernel rejected the fail-closed ruleset: %s",
			   err ? err : strerror(-rc));
		goto out;
	}
	rc = FAILSAFE_LOADED;
out:
	free(list);
	free(err);
	free(script);
	nft_close(n);
	if (lock >= 0)
		close(lock);
	return rc;
}
