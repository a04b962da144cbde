/* Before every apply, rollback and confirm: the dirs checked, the lock
 * taken, and an apply that was killed halfway finished or undone, so the
 * ruleset, the ports and applied.yaml describe one config again.
 * docs/apply.md, "Crash safety". */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system/apply_int.h"
#include "system/state.h"
#include "util/file.h"

/* Both dirs made if absent, and refused (named, with the fix) unless
 * owned by root and writable by nobody else, as OpenSSH's StrictModes. */
static int dirs_check(const struct apply_opts *o, struct diags *d)
{
	int rc = state_dir_ready(o->state_dir, "state", d);
	return rc < 0 ? rc : state_dir_ready(o->run_dir, "run", d);
}

/* Apply the journal's next config to make j's end state true. Its errors
 * name the journal; relative paths in it resolve against its original
 * path, as they did. */
static enum exit_status recover_apply(const struct apply_opts *o, const struct journal *j,
				      struct diags *d)
{
	char file[PATH_MAX];
	snprintf(file, sizeof(file), "%s/%s", o->state_dir, JOURNAL_NAME);
	const char *origin = j->next.path && *j->next.path ? j->next.path : NULL;
	struct router_file *f = router_file_parse(file, origin, j->next.yaml, strlen(j->next.yaml), d);
	enum exit_status st = EXIT_INVALID;
	if (f) {
		struct apply_opts po = *o;
		po.config_text = j->next.yaml;
		po.config_path = origin ? origin : file;
		po.confirm_secs = 0;
		po.force = true;          /* it passed the guard, or was forced, once */
		po.ignore_pending = true; /* its own confirm never started */
		st = apply_locked(f->r, &po, j, d);
	}
	router_file_free(f);
	return st;
}

/* Finish the interrupted apply (apply it again: every step converges),
 * or, for an unconfirmed `apply --confirm` or when finishing fails, undo
 * it (apply the config before it). The journal goes once one holds. */
static void journal_recover(const struct apply_opts *o, struct diags *d)
{
	struct journal j, back = {0};
	enum exit_status st = EXIT_SYSTEM;
	int rc = journal_read(o->state_dir, &j);
	if (rc == -ENOENT)
		return;
	if (rc < 0) {
		/* Not one whole journal (our writes are atomic: someone else's
		 * doing). Kept aside for inspection; nothing known to redo. */
		(void)state_rename(o->state_dir, JOURNAL_NAME, JOURNAL_NAME ".bad");
		diag_warn(d, nopos, "%s/" JOURNAL_NAME ": not a journal (%s); moved to %s.bad",
			  o->state_dir, strerror(-rc), JOURNAL_NAME);
		return;
	}
	struct apply_pending p;
	if (j.confirm && apply_pending_get(o->run_dir, &p) > 0) {
		/* Killed after its timer started: the timer holds the undo
		 * record and pending.* is whole (it was written before). */
		(void)journal_remove(o->state_dir);
		journal_free(&j);
		return;
	}
	if (!j.confirm) {
		diag_warn(d, nopos, "an apply of %s was interrupted; finishing it first",
			  j.next.path && *j.next.path ? j.next.path : "a config");
		st = recover_apply(o, &j, d);
	}
	if (st != EXIT_OK && j.old.yaml) {
		diag_warn(d, nopos, "undoing the interrupted apply: back to %s",
			  j.old.path && *j.old.path ? j.old.path : "the config before it");
		back.next = j.old;
		back.old = j.old;
		back.prev = j.prev;
		if (j.confirm) {
			state_config_remove(o->state_dir, "pending");
			(void)state_remove(o->state_dir, "pending.list");
		}
		if (journal_write(o->state_dir, &back) == 0)
			st = recover_apply(o, &back, d);
	}
	if (st != EXIT_OK)
		/* Not a reason to refuse this command: an apply replaces the
		 * journal with its own, and may be what repairs the system. */
		diag_warn(d, nopos,
			  "an interrupted apply could not be finished or undone; %s/" JOURNAL_NAME
			  " stays until an apply succeeds",
			  o->state_dir);
	journal_free(&j);
}

int apply_begin(const struct apply_opts *o, struct diags *d)
{
	int rc = dirs_check(o, d);
	if (rc < 0)
		return rc;
	int lock = apply_lock(o->run_dir);
	if (lock < 0) {
		diag_error(d, nopos, "run dir %s: %s", o->run_dir, strerror(-lock));
		return lock;
	}
	/* Temporaries of writers that were killed; never our own or a live
	 * writer's (the daemon's, a hook's). */
	(void)state_tmp_sweep(o->state_dir);
	(void)state_tmp_sweep(o->run_dir);
	journal_recover(o, d);
	return lock;
}
