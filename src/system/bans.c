/* Bans: the ban table, its persisted state, and restoring it on apply. */
#include "system/bans.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "system/nft.h"

void ban_list_free(struct ban_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Creates the table, sets and chain if missing; elements are kept. */
static int bans_table_ensure(struct nft *n, const struct router *r, struct diags *d)
{
	char *script = render_nft_bans(r), *err = NULL;
	int rc = -ENOMEM;
	if (!script)
		goto out;
	rc = nft_run(n, script, false, &err);
	if (rc < 0)
		diag_error(d, (struct pos){0}, "cannot create the ban table: %s", err ? err : "?");
out:
	free(err);
	free(script);
	return rc;
}

int bans_apply(struct nft *n, const struct router *r, const char *state_dir, struct diags *d)
{
	(void)state_dir;
	return bans_table_ensure(n, r, d);
}
