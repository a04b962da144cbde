/* apply: render and plan, guard, snapshot, then change the system step by
 * step, undoing in reverse on the first failure. docs/apply.md. */
#include "system/apply.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/reach.h"
#include "render/render.h"
#include "system/apply_int.h"
#include "system/bans.h"
#include "system/counters.h"
#include "system/dnsblock.h"
#include "system/ipv6.h"
#include "system/journal.h"
#include "system/state.h"


/* --- counters and the kernel table --------------------------------- */

/* The table's text with counter values blanked, for "still the same". */
char *apply_listing_normalize(const char *s)
{
	char *o = malloc(strlen(s) + 1), *q = o;
	if (!o)
		return NULL;
	while (*s) {
		if (strncmp(s, "packets ", 8) == 0 || strncmp(s, "bytes ", 6) == 0) {
			size_t k = s[0] == 'p' ? 8 : 6;
			memcpy(q, s, k);
			q += k;
			s += k;
			/* Only a number is a counter value: "packets " in a
			 * comment stays as it is (and writing a '0' for it
			 * would outgrow the buffer). */
			if (!isdigit((unsigned char)*s))
				continue;
			while (isdigit((unsigned char)*s))
				s++;
			*q++ = '0';
			continue;
		}
		*q++ = *s++;
	}
	*q = '\0';
	return o;
}

/* Read the current table (the snapshot) and its counters. The counters
 * come over netlink (counters_read): `nft list counters` would first fetch
 * every set element of every table, over a minute with a million-entry
 * blocklist in the ban table. */
static int nft_snapshot(struct apply_ctx *c)
{
	char *err = NULL;
	struct counter_list cl = {0};
	struct counter_value *cv = NULL;
	int rc = nft_query(c->nft, "list table " NFT_TABLE, false, &c->old_table, &err);
	if (rc == -ENOENT) {
		c->old_table = NULL;
		rc = 0;
	} else if (rc < 0) {
		diag_error(c->d, nopos, "nft: reading table %s: %s", NFT_TABLE, err ? err : "");
		goto out;
	} else if ((rc = counters_read("nftrouter", &cl)) < 0) {
		diag_error(c->d, nopos, "nft: reading counters: %s", strerror(-rc));
		goto out;
	} else if (cl.n && !(cv = counter_list_values(&cl))) {
		rc = -ENOMEM;
		goto out;
	}
	c->nft_text = render_nft_live(c->r, cv, cl.n, &c->links.l);
	if (!c->nft_text)
		rc = -ENOMEM;
out:
	free(cv);
	counter_list_free(&cl);
	free(err);
	return rc;
}

/* Unchanged since the last apply, in the state dir and in the kernel. */
static bool nft_unchanged(struct apply_ctx *c)
{
	char *saved = NULL, *list = NULL, *now = NULL;
	bool same = false;
	if (!c->old_table || state_read(c->o->state_dir, "applied.nft", &saved, NULL) < 0 ||
	    strcmp(saved, c->nft_plain) != 0 ||
	    state_read(c->o->state_dir, "applied.list", &list, NULL) < 0)
		goto out;
	now = apply_listing_normalize(c->old_table);
	same = now && strcmp(now, list) == 0;
out:
	free(saved);
	free(list);
	free(now);
	return same;
}

/* --- the lockout guard ---------------------------------------------- */

/* SSH_CONNECTION: "CLIENT CPORT SERVER SPORT". */
static int ssh_parse(const char *s, struct ipaddr *client, struct ipaddr *server,
		     uint16_t *port)
{
	char a[128], b[128];
	unsigned cport, sport;
	if (sscanf(s, "%127s %u %127s %u", a, &cport, b, &sport) != 4 || sport == 0 ||
	    sport > 65535)
		return -EINVAL;
	char *v[2] = {a, b};
	struct ipaddr *o[2] = {client, server};
	for (int i = 0; i < 2; i++) {
		char *pct = strchr(v[i], '%'); /* fe80::1%eth0 */
		if (pct)
			*pct = '\0';
		/* sshd on a dual-stack socket reports IPv4 peers as ::ffff:A.B.C.D. */
		if (strncmp(v[i], "::ffff:", 7) == 0 && strchr(v[i], '.'))
			memmove(v[i], v[i] + 7, strlen(v[i] + 7) + 1);
		if (addr_parse(v[i], o[i]) < 0)
			return -EINVAL;
	}
	*port = (uint16_t)sport;
	return 0;
}

static enum exit_status lockout_guard(struct apply_ctx *c)
{
	struct ipaddr client, server;
	uint16_t port;
	const struct iface *in = NULL;
	char name[16] = "";
	if (c->o->force || !c->o->ssh_connection || !*c->o->ssh_connection)
		return EXIT_OK;
	if (ssh_parse(c->o->ssh_connection, &client, &server, &port) < 0) {
		diag_warn(c->d, nopos, "lockout guard: cannot parse SSH_CONNECTION '%s'; not checked",
			  c->o->ssh_connection);
		return EXIT_OK;
	}
	char ctxt[ADDR_STRLEN], stxt[ADDR_STRLEN];
	addr_format(&client, ctxt, sizeof(ctxt));
	addr_format(&server, stxt, sizeof(stxt));
	if (port_plan_ingress(c->plan, c->r, &server, &in, name) < 0) {
		diag_warn(c->d, nopos,
			  "lockout guard: no link holds %s (from SSH_CONNECTION); not checked", stxt);
		return EXIT_OK;
	}
	struct reach_query q = {.iface = name, .client = client, .port = port};
	struct reach_result res;
	reach_tcp_input(c->r, &q, &res);
	if (res.accepted)
		return EXIT_OK;
	diag_error(c->d, nopos,
		   "lockout guard: this config would refuse new SSH connections from %s to %s port "
		   "%u on interface '%s': %s. Nothing changed. Fix the config, or use --force "
		   "(best with --confirm SECS)",
		   ctxt, stxt, port, name, res.why);
	return EXIT_INVALID;
}

/* --- steps and undo -------------------------------------------------- */

/* The firewall back as it was: the old table, or none. */
static int undo_nft(struct apply_ctx *c)
{
	char *err = NULL, *script = NULL;
	const char *pre = "table " NFT_TABLE "\ndelete table " NFT_TABLE "\n";
	size_t len = strlen(pre) + (c->old_table ? strlen(c->old_table) : 0) + 1;
	int e;
	if (!(script = malloc(len))) {
		e = -ENOMEM;
	} else {
		snprintf(script, len, "%s%s", pre, c->old_table ? c->old_table : "");
		e = nft_run(c->nft, script, false, &err);
	}
	if (e < 0)
		diag_error(c->d, nopos, "rollback: restoring table %s: %s", NFT_TABLE,
			   err ? err : strerror(-e));
	free(script);
	free(err);
	return e;
}

static int undo_ports(struct apply_ctx *c)
{
	return port_plan_undo(c->ls, c->plan, c->d);
}

static int undo_wg(struct apply_ctx *c)
{
	return wg_plan_undo(c->wg, c->d);
}

static int undo_shaping(struct apply_ctx *c)
{
	return shaping_plan_undo(c->shape, c->d);
}

static int undo_sysctl(struct apply_ctx *c)
{
	return sysctl_restore(&c->sys, c->d);
}

int apply_undo(struct apply_ctx *c)
{
	int rc = 0, e;
	for (size_t i = c->n_steps; i-- > 0;) {
		if (!c->done[i] || !c->steps[i].undo)
			continue;
		c->cur = i;
		if ((e = c->steps[i].undo(c)) < 0)
			rc = rc ? rc : e;
		c->done[i] = false;
		/* tests/lab/apply-crash.sh: a kill with steps left to undo. */
		if (i > 0)
			journal_kill_point("undoing");
	}
	return rc;
}

static int step_nft(struct apply_ctx *c)
{
	char *err = NULL;
	if (c->skip_nft)
		return 0;
	int rc = nft_run(c->nft, c->nft_text, false, &err);
	if (rc < 0 && err)
		nft_error_condense(err);
	if (rc < 0)
		diag_error(c->d, nopos, "nft: the kernel rejected the ruleset: %s", err ? err : "");
	else
		c->done[c->cur] = true;
	free(err);
	return rc;
}

static int step_ports(struct apply_ctx *c)
{
	/* Marked done before it runs: a half-done plan records its own steps. */
	c->done[c->cur] = true;
	return port_plan_apply(c->ls, c->plan, c->d);
}

static int step_wg(struct apply_ctx *c)
{
	c->done[c->cur] = true;
	return wg_plan_apply(c->wg, c->d);
}

static int step_shaping(struct apply_ctx *c)
{
	/* Marked done before it runs: each port records what it had. */
	c->done[c->cur] = true;
	return shaping_plan_apply(c->shape, c->d);
}

static int step_sysctl(struct apply_ctx *c)
{
	/* On failure sysctl_apply has put back what it wrote. */
	int rc = sysctl_apply(&c->sys, c->d);
	c->done[c->cur] = rc == 0;
	return rc;
}

static int step_bans(struct apply_ctx *c)
{
	int rc = bans_apply(c->nft, c->r, c->o->state_dir, c->d);
	if (rc < 0)
		diag_error(c->d, nopos, "bans: %s", strerror(-rc));
	return rc;
}

/* The ports the ports step made or renamed join the flowtable, which
 * could only name the links present when the table was rendered. No undo
 * of its own: undoing the firewall step reloads the old table whole. */
static int step_offload(struct apply_ctx *c)
{
	struct link_names listed;
	int rc;
	if (!c->skip_nft)
		return offload_add_ports(c->nft, c->r, c->ls, &c->links.l, c->d);
	/* The table was kept: what it holds is what its listing names. */
	if ((rc = offload_listed_ports(c->old_table, &listed)) < 0)
		return rc;
	rc = offload_add_ports(c->nft, c->r, c->ls, &listed.l, c->d);
	link_names_free(&listed);
	return rc;
}

/* --- state ----------------------------------------------------------- */

/* The state dir named by the journal's end state (journal_commit), then
 * the kernel's listing of the table, to notice later changes. */
static int save_state(struct apply_ctx *c)
{
	const char *dir = c->o->state_dir;
	char *list = NULL, *norm = NULL;
	int rc = 0;
	if (c->unchanged)
		return 0; /* nothing changed, nothing to write */
	c->done[c->cur] = c->state_started = true;
	if ((rc = journal_commit(dir, c->j)) < 0)
		goto out;
	if (nft_query(c->nft, "list table " NFT_TABLE, false, &list, NULL) == 0 &&
	    (norm = apply_listing_normalize(list)))
		rc = state_write(dir, c->o->confirm_secs ? "pending.list" : "applied.list", norm,
				 strlen(norm));
out:
	if (rc < 0)
		diag_error(c->d, nopos, "state dir %s: %s", dir, strerror(-rc));
	free(list);
	free(norm);
	return rc;
}

/* The journal of this apply: what it applies, and the state dir's
 * applied.* and previous.* as they are before it. */
static int journal_make(struct apply_ctx *c, struct journal *j)
{
	const char *dir = c->o->state_dir;
	int rc;
	j->confirm = c->o->confirm_secs > 0;
	j->next.yaml = strdup(c->o->config_text ? c->o->config_text : "");
	j->next.nft = strdup(c->nft_plain);
	j->next.path = strdup(c->o->config_path ? c->o->config_path : "");
	if (!j->next.yaml || !j->next.nft || !j->next.path)
		return -ENOMEM;
	if ((rc = state_config_read(dir, "applied", &j->old)) < 0 && rc != -ENOENT)
		return rc;
	if ((rc = state_config_read(dir, "previous", &j->prev)) < 0 && rc != -ENOENT)
		return rc;
	return 0;
}

/* Nothing to change: the table, the ports, the sysctls and the state dir
 * already are this config. Such an apply writes no journal (and makes no
 * kernel change and no state write at all). */
static bool apply_unchanged(struct apply_ctx *c)
{
	return !c->j->confirm && c->skip_nft && port_plan_empty(c->plan) && wg_plan_empty(c->wg) &&
	       shaping_plan_empty(c->shape) &&
	       sysctl_unchanged(&c->sys) && c->j->old.yaml && c->j->old.nft && c->j->old.path &&
	       state_config_same(&c->j->old, &c->j->next);
}

/* --- the whole apply ------------------------------------------------- */

/* Everything that reads: render, snapshot, plan. Nothing changes here. */
static enum exit_status prepare(struct apply_ctx *c)
{
	int rc;
	char *sysctl_text = NULL;
	enum exit_status st = EXIT_SYSTEM;
	c->nft_plain = render_nft(c->r);
	sysctl_text = render_sysctl(c->r);
	if (!c->nft_plain || !sysctl_text) {
		diag_error(c->d, nopos, "rendering failed (out of memory or an unsafe string)");
		goto out;
	}
	if (sysctl_parse(sysctl_text, &c->sys, c->d) < 0)
		goto out;
	/* A malformed blocklist line is the config's fault: refuse it here
	 * (FILE:LINE in d), not halfway through the steps. */
	if ((rc = bans_check(c->r, c->o->state_dir, c->d)) < 0 ||
	    (rc = dnsblock_check(c->r, c->d)) < 0) {
		st = rc == -ENOMEM ? EXIT_SYSTEM : EXIT_INVALID;
		goto out;
	}
	c->nft = nft_open();
	c->ls = link_sock_open();
	if (!c->nft || !c->ls) {
		diag_error(c->d, nopos, "cannot open netlink/libnftables: %s", strerror(errno));
		goto out;
	}
	if ((rc = link_names_load(c->ls, &c->links)) < 0) {
		diag_error(c->d, nopos, "cannot list links: %s", strerror(-rc));
		goto out;
	}
	if ((rc = nft_snapshot(c)) < 0)
		goto out;
	if (ipv6_ula_load(c->o->state_dir, c->r, &c->v6, c->d) < 0)
		goto out;
	if (c->o->n_pd && (c->pd = calloc(c->r->n_ifaces + 1, sizeof(*c->pd)))) {
		for (size_t i = 0; i < c->r->n_ifaces; i++)
			for (size_t k = 0; k < c->o->n_pd; k++)
				if (strcmp(c->o->pd[k].port, c->r->ifaces[i].name) == 0)
					c->pd[i] = c->o->pd[k].prefix;
		c->v6.pd = c->pd;
	}
	c->plan = port_plan_new(c->ls, c->r, &c->v6, c->d, &rc);
	if (!c->plan)
		goto out;
	/* The router's WireGuard keys are made here, on the first apply that
	 * needs one, like the ULA prefix above. */
	if (!(c->wg = wg_plan_new(c->o->state_dir, c->r, true, c->d, &rc)))
		goto out;
	c->shape = shaping_plan_new(c->r, c->d, &rc);
	if (!c->shape)
		goto out;
	if ((st = lockout_guard(c)) != EXIT_OK)
		goto out;
	c->skip_nft = nft_unchanged(c);
	st = EXIT_OK;
out:
	free(sysctl_text);
	return st;
}

static void ctx_free(struct apply_ctx *c)
{
	free(c->pd);
	free(c->nft_plain);
	free(c->nft_text);
	free(c->old_table);
	link_names_free(&c->links);
	sysctl_set_free(&c->sys);
	port_plan_free(c->plan);
	wg_plan_free(c->wg);
	shaping_plan_free(c->shape);
	link_sock_close(c->ls);
	nft_close(c->nft);
}

/* A step failed after the system changed: undo it, and leave the state
 * dir and the journal describing the config that runs again. */
static enum exit_status apply_fail(struct apply_ctx *c, const char *step)
{
	/* Back toward old: the state dir's end state if the undo works, and
	 * the journal for the next command if this process dies undoing. */
	struct journal back = {.next = c->j->old, .old = c->j->old, .prev = c->j->prev};
	bool recovering = c->j != &c->own;
	if (!recovering && back.next.yaml && journal_write(c->o->state_dir, &back) < 0)
		diag_warn(c->d, nopos, "could not update the apply journal");
	int u = apply_undo(c);
	if (!recovering && u == 0) {
		/* The state dir named old all along, unless the step that
		 * failed was the state itself. */
		if (c->state_started)
			u = journal_commit(c->o->state_dir, &back);
		if (u == 0 && c->o->confirm_secs)
			state_config_remove(c->o->state_dir, "pending");
		if (u == 0)
			u = journal_remove(c->o->state_dir);
	}
	diag_error(c->d, nopos, "apply failed at step '%s'; %s", step,
		   u == 0 ? "everything done before it was rolled back"
			  : "rolling back was incomplete (see above); the next apply, rollback or "
			    "run finishes it");
	return EXIT_ROLLEDBACK;
}

/* In order; undone in reverse (apply_undo). Bans have no undo: a ban is
 * never lost by an apply. The state's undo is apply_fail's (the state
 * dir written back to the journal's old config). */
static const struct apply_step real_steps[] = {
	{"firewall", "firewall", step_nft, undo_nft},
	{"bans", "bans", step_bans, NULL},
	{"ports", "ports", step_ports, undo_ports},
	{"offload", "offload", step_offload, NULL},
	{"wireguard", "wireguard", step_wg, undo_wg},
	{"shaping", "shaping", step_shaping, undo_shaping},
	{"sysctls", "sysctls", step_sysctl, undo_sysctl},
	{"saving state", "state", save_state, NULL},
};

enum exit_status apply_run_steps(struct apply_ctx *c)
{
	for (c->cur = 0; c->cur < c->n_steps; c->cur++) {
		const struct apply_step *st = &c->steps[c->cur];
		if (st->run(c) == 0) {
			journal_kill_point(st->kill_point);
			continue;
		}
		bool changed = c->state_started;
		for (size_t i = 0; i <= c->cur; i++)
			changed |= c->done[i];
		if (changed)
			return apply_fail(c, st->name);
		/* The first change was refused: nothing to undo. */
		if (!c->unchanged && c->j == &c->own)
			(void)journal_remove(c->o->state_dir);
		diag_error(c->d, nopos, "apply failed at step '%s'; nothing was changed", st->name);
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

enum exit_status apply_locked(const struct router *r, const struct apply_opts *o,
			       const struct journal *j, struct diags *d)
{
	struct apply_ctx c = {.r = r, .o = o, .d = d};
	enum exit_status st;
	int rc;
	if (!o->ignore_pending && confirm_pending(o->state_dir, o->run_dir) > 0) {
		diag_error(d, nopos,
			   "an `apply --confirm` is pending: run `nftrouter confirm` or "
			   "`nftrouter rollback` first (nothing changed)");
		return EXIT_INVALID;
	}
	if ((st = prepare(&c)) != EXIT_OK)
		goto out;
	/* Recovering: the journal on disk is the caller's, and stays until
	 * this apply has made its end state true. */
	c.j = j ? (struct journal *)j : &c.own;
	st = EXIT_SYSTEM;
	if (!j && (rc = journal_make(&c, &c.own)) < 0) {
		diag_error(d, nopos, "state dir %s: %s (nothing changed)", o->state_dir, strerror(-rc));
		goto out;
	}
	c.unchanged = !j && apply_unchanged(&c);
	if (!c.unchanged && !j && (rc = journal_write(o->state_dir, &c.own)) < 0) {
		diag_error(d, nopos, "state dir %s: writing the apply journal: %s (nothing changed)",
			   o->state_dir, strerror(-rc));
		goto out;
	}
	journal_kill_point("journal");
	c.steps = real_steps;
	c.n_steps = sizeof(real_steps) / sizeof(real_steps[0]);
	if ((st = apply_run_steps(&c)) != EXIT_OK)
		goto out;
	if (o->confirm_secs && confirm_timer_start(&c, o->confirm_secs) < 0) {
		apply_fail(&c, "confirm timer");
		diag_error(d, nopos, "could not start the confirm timer; the apply was rolled back");
		st = EXIT_ROLLEDBACK;
		goto out;
	}
	/* Done: the journal goes last (the confirm timer now holds the undo). */
	if (!c.unchanged && (rc = journal_remove(o->state_dir)) < 0)
		diag_warn(d, nopos, "state dir %s: removing the apply journal: %s", o->state_dir,
			  strerror(-rc));
out:
	journal_free(&c.own);
	ctx_free(&c);
	return st;
}

enum exit_status apply_router(const struct router *r, const struct apply_opts *o, struct diags *d)
{
	int lock = apply_begin(o, d);
	if (lock < 0)
		return EXIT_SYSTEM;
	enum exit_status st = apply_locked(r, o, NULL, d);
	close(lock);
	return st;
}
