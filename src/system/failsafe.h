/* Fail closed: when `nftrouter run` cannot apply its config at start,
 * the router must still never forward unfiltered. docs/run.md. */
#ifndef NFTROUTER_SYSTEM_FAILSAFE_H
#define NFTROUTER_SYSTEM_FAILSAFE_H

#include <stdbool.h>

#include "model/model.h"
#include "util/diag.h"

enum failsafe_result {
	FAILSAFE_KEPT = 1,   /* an nftrouter table was loaded: left as it is */
	FAILSAFE_LOADED = 0, /* none was: the fail-closed ruleset is loaded */
};

/* Keep the loaded `inet nftrouter` table (the last applied ruleset, or an
 * earlier fail-closed one), or load render_nft_failsafe(r) (r may be
 * NULL: no admin access). Holds the apply lock in run_dir meanwhile
 * (run_dir NULL: the run dir is unusable, no lock; nor can an apply run).
 * FAILSAFE_KEPT, FAILSAFE_LOADED, or -errno with the reason in d. */
int failsafe_ensure(const struct router *r, const char *run_dir, struct diags *d);

#endif
