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
#include "system/ipv6.h"
#include "system/state.h"

static const struct pos nopos = {NULL, 0, 0};

/* --- counters and the kernel table --------------------------------- */

/* The table's text with counter values blanked, for "still the same". */
static char *listing_normalize(const char *s)
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
	c->nft_text = render_nft_counters(c->r, cv, cl.n);
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
	now = listing_normalize(c->old_table);
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

int apply_undo(struct apply_ctx *c)
{
	int rc = 0, e;
	if (c->sys_done && (e = sysctl_restore(&c->sys, c->d)) < 0)
		rc = rc ? rc : e;
	c->sys_done = false;
	if (c->ports_done && (e = port_plan_undo(c->ls, c->plan, c->d)) < 0)
		rc = rc ? rc : e;
	c->ports_done = false;
	if (c->nft_done) {
		char *err = NULL, *script = NULL;
		const char *pre = "table " NFT_TABLE "\ndelete table " NFT_TABLE "\n";
		size_t len = strlen(pre) + (c->old_table ? strlen(c->old_table) : 0) + 1;
		if (!(script = malloc(len))) {
			e = -ENOMEM;
		} else {
			snprintf(script, len, "%s%s", pre, c->old_table ? c->old_table : "");
			e = nft_run(c->nft, script, false, &err);
		}
		if (e < 0) {
			diag_error(c->d, nopos, "rollback: restoring table %s: %s", NFT_TABLE,
				   err ? err : strerror(-e));
			rc = rc ? rc : e;
		}
		free(script);
		free(err);
		c->nft_done = false;
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
		c->nft_done = true;
	free(err);
	return rc;
}

static int step_ports(struct apply_ctx *c)
{
	/* Marked done before it runs: a half-done plan records its own steps. */
	c->ports_done = true;
	return port_plan_apply(c->ls, c->plan, c->d);
}

static int step_sysctl(struct apply_ctx *c)
{
	int rc = sysctl_apply(&c->sys, c->d);
	c->sys_done = rc == 0;
	return rc;
}

static int step_bans(struct apply_ctx *c)
{
	int rc = bans_apply(c->nft, c->r, c->o->state_dir, c->d);
	if (rc < 0)
		diag_error(c->d, nopos, "bans: %s", strerror(-rc));
	return rc;
}

/* --- state ----------------------------------------------------------- */

static bool same_as_applied(const char *dir, const struct state_config *sc)
{
	struct state_config cur;
	if (state_config_read(dir, "applied", &cur) < 0)
		return false;
	bool same = cur.nft && cur.path && strcmp(cur.yaml, sc->yaml) == 0 &&
		    strcmp(cur.nft, sc->nft) == 0 && strcmp(cur.path, sc->path) == 0;
	state_config_free(&cur);
	return same;
}

static int save_state(struct apply_ctx *c)
{
	const char *dir = c->o->state_dir;
	struct state_config sc = {(char *)(c->o->config_text ? c->o->config_text : ""),
				  c->nft_plain, (char *)(c->o->config_path ? c->o->config_path : "")};
	char *list = NULL, *norm = NULL;
	int rc;
	if ((rc = state_mkdir(dir)) < 0)
		goto out;
	if (!c->o->confirm_secs && same_as_applied(dir, &sc)) {
		/* Re-applying the applied config must not make it its own
		 * previous one: rollback would lose its target. */
		if (c->skip_nft)
			goto out;
	} else if (c->o->confirm_secs) {
		if ((rc = state_config_write(dir, "pending", &sc)) < 0)
			goto out;
	} else if ((rc = state_config_write(dir, "incoming", &sc)) < 0 ||
		   (rc = state_config_move(dir, "applied", "previous")) < 0 ||
		   (rc = state_config_move(dir, "incoming", "applied")) < 0) {
		goto out;
	}
	/* What the kernel shows for this table, to notice later changes. */
	if (nft_query(c->nft, "list table " NFT_TABLE, false, &list, NULL) == 0 &&
	    (norm = listing_normalize(list)))
		rc = state_write(dir, c->o->confirm_secs ? "pending.list" : "applied.list", norm,
				 strlen(norm));
out:
	if (rc < 0)
		diag_error(c->d, nopos, "state dir %s: %s", dir, strerror(-rc));
	free(list);
	free(norm);
	return rc;
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
	if ((rc = bans_check(c->r, c->o->state_dir, c->d)) < 0) {
		st = rc == -ENOMEM ? EXIT_SYSTEM : EXIT_INVALID;
		goto out;
	}
	c->nft = nft_open();
	c->ls = link_sock_open();
	if (!c->nft || !c->ls) {
		diag_error(c->d, nopos, "cannot open netlink/libnftables: %s", strerror(errno));
		goto out;
	}
	if ((rc = nft_snapshot(c)) < 0)
		goto out;
	if (ipv6_ula_load(c->o->state_dir, c->r, &c->v6, c->d) < 0)
		goto out;
	c->plan = port_plan_new(c->ls, c->r, &c->v6, c->d, &rc);
	if (!c->plan)
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
	free(c->nft_plain);
	free(c->nft_text);
	free(c->old_table);
	sysctl_set_free(&c->sys);
	port_plan_free(c->plan);
	link_sock_close(c->ls);
	nft_close(c->nft);
}

enum exit_status apply_router(const struct router *r, const struct apply_opts *o, struct diags *d)
{
	struct apply_ctx c = {.r = r, .o = o, .d = d};
	static int (*const steps[])(struct apply_ctx *) = {step_nft, step_bans, step_ports,
							    step_sysctl, save_state};
	static const char *const step_names[] = {"firewall", "bans", "ports", "sysctls",
						 "saving state"};
	enum exit_status st = EXIT_SYSTEM;
	int lock = apply_lock(o->run_dir);
	if (lock < 0) {
		diag_error(d, nopos, "run dir %s: %s", o->run_dir, strerror(-lock));
		return EXIT_SYSTEM;
	}
	if (!o->ignore_pending && confirm_pending(o->state_dir, o->run_dir) > 0) {
		diag_error(d, nopos,
			   "an `apply --confirm` is pending: run `nftrouter confirm` or "
			   "`nftrouter rollback` first (nothing changed)");
		st = EXIT_INVALID;
		goto out;
	}
	if ((st = prepare(&c)) != EXIT_OK)
		goto out;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i](&c) == 0)
			continue;
		bool changed = c.nft_done || c.ports_done || c.sys_done;
		if (!changed) {
			/* The first change was refused: nothing to undo. */
			diag_error(d, nopos, "apply failed at step '%s'; nothing was changed",
				   step_names[i]);
			st = EXIT_SYSTEM;
			goto out;
		}
		int u = apply_undo(&c);
		diag_error(d, nopos, "apply failed at step '%s'; %s", step_names[i],
			   u == 0 ? "everything done before it was rolled back"
				  : "rolling back was incomplete (see above)");
		st = EXIT_ROLLEDBACK;
		goto out;
	}
	if (o->confirm_secs && confirm_timer_start(&c, o->confirm_secs) < 0) {
		apply_undo(&c);
		state_config_remove(o->state_dir, "pending");
		diag_error(d, nopos, "could not start the confirm timer; the apply was rolled back");
		st = EXIT_ROLLEDBACK;
	}
out:
	ctx_free(&c);
	close(lock);
	return st;
}
