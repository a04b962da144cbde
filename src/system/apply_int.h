/* Shared by apply.c and confirm.c: what one apply changed, so it can be
 * undone right away (a failed step) or later (the confirm timer, which is
 * a fork of the applying process and so holds this in memory). */
#ifndef NFTROUTER_SYSTEM_APPLY_INT_H
#define NFTROUTER_SYSTEM_APPLY_INT_H

#include "system/apply.h"
#include "system/journal.h"
#include "system/link.h"
#include "system/nft.h"
#include "system/offload.h"
#include "system/ports.h"
#include "system/shaping.h"
#include "system/sysctl.h"
#include "system/wg.h"

#define NFT_TABLE "inet nftrouter"

/* One step of apply. run changes the system (0 or -errno, d filled) and
 * sets done[cur] in the context once there is something to undo; undo
 * (NULL: nothing is ever undone, as for bans) reverses exactly that. The
 * steps are a table so that their order and the undo's are one thing,
 * unit-tested with steps of a test's own (tests/unit/system/test_apply.c). */
struct apply_ctx;
struct apply_step {
	const char *name;       /* "apply failed at step 'NAME'" */
	const char *kill_point; /* journal_kill_point after it ran */
	int (*run)(struct apply_ctx *c);
	int (*undo)(struct apply_ctx *c);
};
#define APPLY_MAX_STEPS 8

struct apply_ctx {
	const struct router *r;
	const struct apply_opts *o;
	struct diags *d;
	struct nft *nft;
	struct link_sock *ls;
	char *nft_plain;     /* render_nft(r): saved as applied.nft */
	char *nft_text;      /* render_nft_counters(r, kernel values): what is loaded */
	char *old_table;     /* `list table inet nftrouter` before, NULL if absent */
	struct sysctl_set sys;
	struct port_plan *plan;
	struct wg_plan *wg;  /* the WireGuard ports' devices */
	struct shaping_plan *shape; /* interfaces.X.shaping: the qdiscs to change */
	struct ipv6_live v6; /* the ULA (and delegations) the plan numbers ports from */
	struct cidr *pd;     /* v6.pd: r->n_ifaces entries */
	bool skip_nft;       /* the kernel already holds exactly this table */
	struct link_names links; /* the links at prepare: the flowtable's devices */
	const struct apply_step *steps; /* what apply_run_steps runs, in order */
	size_t n_steps, cur;            /* cur: the step running or being undone */
	bool done[APPLY_MAX_STEPS];     /* step i changed something to undo */
	bool state_started;  /* save_state began writing the state dir */
	bool unchanged;      /* nothing to change: no journal, no writes */
	struct journal *j;   /* &own, or the journal being recovered */
	struct journal own;
};

/* `list table` text with counter values blanked (0), for "the kernel
 * still holds what was applied" (STATE/applied.list); malloc'd or NULL. */
char *apply_listing_normalize(const char *s);

/* Undo what ctx records as done, in reverse order. 0 if everything was
 * restored; d lists what could not be. */
int apply_undo(struct apply_ctx *c);

/* Run c->steps in order. On the first failure: nothing changed yet, the
 * journal removed, EXIT_SYSTEM; else the done steps undone in reverse,
 * the state dir and the journal brought back to the old config (or the
 * journal kept for the next command if the undo was incomplete),
 * EXIT_ROLLEDBACK. c->o->state_dir, c->j and c->d must be set. */
enum exit_status apply_run_steps(struct apply_ctx *c);

/* Check the state and run dirs (file_dir_check, the dir named in d),
 * take RUN_DIR/apply.lock, remove stale temporaries, and finish or undo
 * an apply that was interrupted (STATE/apply.journal). The lock's fd, or
 * -errno with d filled. */
int apply_begin(const struct apply_opts *o, struct diags *d);

/* apply_router with apply.lock held. j: NULL for an apply of its own
 * (it writes its journal); else the journal being recovered, whose end
 * state this apply makes true (and then removes). */
enum exit_status apply_locked(const struct router *r, const struct apply_opts *o,
			       const struct journal *j, struct diags *d);

/* Start the detached confirm timer; the pending config is already saved. */
int confirm_timer_start(struct apply_ctx *c, unsigned secs);
/* 1 if a confirm is pending with a live timer; stale markers are removed. */
int confirm_pending(const char *state_dir, const char *run_dir);

#endif
