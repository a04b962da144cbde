/* Apply: bring the running system to a router model, all or nothing.
 *
 * Order: render everything and plan every link change first; check the
 * lockout guard; snapshot what will change; then firewall (one nft
 * transaction on `inet nftrouter` only), bans (bans_apply), ports (names,
 * MTU, addresses, up), shaping (qdiscs, IFB), sysctls. Any failure undoes the steps done, in
 * reverse, and returns EXIT_ROLLEDBACK; the bans step is the exception:
 * what it added to the ban table stays (a ban is never lost by an apply).
 * On success the config text and
 * the ruleset are saved in the state dir (applied.yaml/applied.nft, the
 * former pair kept as previous.yaml/previous.nft). docs/apply.md. */
#ifndef NFTROUTER_SYSTEM_APPLY_H
#define NFTROUTER_SYSTEM_APPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/model.h"
#include "util/diag.h"
#include "util/exit.h"

/* apply_router and apply_rollback return an exit status (util/exit.h):
 * EXIT_OK; EXIT_INVALID, the request refused (lockout guard, pending
 * confirm), nothing changed; EXIT_SYSTEM, the system refused before
 * anything changed (missing port, EPERM); EXIT_ROLLEDBACK, a step failed
 * and what was done was undone. */

/* A prefix delegated to a WAN port (by DHCPv6), known to the daemon: the
 * LAN addresses numbered from it are kept by a reload's apply. */
struct ipv6_pd_known {
	char port[16];
	struct cidr prefix;
};

struct apply_opts {
	const char *state_dir, *run_dir;
	const char *config_path;    /* saved into the state dir with the applied config */
	const char *config_text;    /* exact bytes of the config (saved; hash shown by status) */
	bool force;                 /* skip the lockout guard */
	const char *ssh_connection; /* value of SSH_CONNECTION or NULL */
	/* > 0: apply --confirm SECS. Starts the detached timer that restores
	 * the state before this apply unless apply_confirm() runs in time. */
	unsigned confirm_secs;
	/* The daemon re-applies on reload while its own confirm may be
	 * pending; it sets this to skip the pending-confirm refusal. */
	bool ignore_pending;
	const struct ipv6_pd_known *pd; /* the daemon's delegations, by WAN port name */
	size_t n_pd;
};

enum exit_status apply_router(const struct router *r, const struct apply_opts *o, struct diags *d);

/* Re-apply previous.yaml through apply_router (ports and addresses come
 * back too). With a confirm pending, rolls that back now instead. */
enum exit_status apply_rollback(const struct apply_opts *o, struct diags *d);

/* Keep what the pending `apply --confirm` applied: stop its timer and
 * make the pending config the applied one. -ENOENT when nothing is
 * pending. */
int apply_confirm(const char *state_dir, const char *run_dir, struct diags *d);

/* RUN_DIR/apply.lock, which apply_router and the confirm timer's undo
 * hold while they change the system (blocking until it is free). Returns
 * an fd to close() to release it, or -errno. For the daemon: hold it while
 * configuring a hot-plugged port so that it never interleaves with an
 * apply (apply_router takes it itself: do not call that while holding it). */
int apply_lock(const char *run_dir);

/* For `status`: the pending confirm, if any. */
struct apply_pending {
	pid_t pid;
	int64_t deadline; /* CLOCK_REALTIME seconds */
};
/* 1 and *p filled when a confirm is pending, 0 when not, -errno. */
int apply_pending_get(const char *run_dir, struct apply_pending *p);

#endif
