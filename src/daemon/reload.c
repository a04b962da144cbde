/* Load and apply the config, at start and on reload. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/internal.h"
#include "system/apply.h"
#include "system/failsafe.h"

const struct daemon_sys daemon_sys_kernel = {.apply = apply_router, .close = failsafe_ensure};

static const struct daemon_sys *daemon_sys(const struct daemon *d)
{
	return d->sys ? d->sys : &daemon_sys_kernel;
}

static struct port_state *daemon_ports_new(const struct router *r, const struct daemon *old)
{
	struct port_state *p = calloc(r->n_ifaces ? r->n_ifaces : 1, sizeof(*p));
	if (!p || !old || !old->r)
		return p;
	/* Learned DNS servers belong to a port name; keep them across a reload. */
	for (size_t i = 0; i < r->n_ifaces; i++)
		for (size_t j = 0; j < old->r->n_ifaces; j++)
			if (strcmp(r->ifaces[i].name, old->r->ifaces[j].name) == 0) {
				p[i] = old->ports[j];
				/* Its health state goes on; its fds are the old
				 * array's (health_stop), new ones come with
				 * health_start. */
				p[i].health.open = false;
				p[i].health.sock = p[i].health.timer = -1;
			}
	return p;
}

/* Why the config given last could not be applied, for status; NULL
 * clears it. */
static void daemon_set_error(struct daemon *d, const char *why)
{
	free(d->error);
	d->error = why ? strdup(why) : NULL;
	d->error_time = d->error ? (int64_t)time(NULL) : 0;
	d->apply_time = (int64_t)time(NULL);
}

/* The model whose admin access the fail-closed ruleset keeps when the
 * config tried is not valid: the last applied one (STATE_DIR/applied.yaml)
 * if the state dir is trusted, else none. */
static struct router_file *daemon_admin_model(struct daemon *d)
{
	struct diags dg = DIAGS_INIT;
	size_t len = strlen(d->o->state_dir) + sizeof("/applied.yaml");
	char *path = d->dirs_ok ? malloc(len) : NULL;
	struct router_file *f = NULL;
	if (path) {
		snprintf(path, len, "%s/applied.yaml", d->o->state_dir);
		f = router_file_load(path, &dg);
	}
	diags_free(&dg);
	free(path);
	return f;
}

/* Keep the loaded nftrouter table, or load the fail-closed one with the
 * admin access of `tried` (may be NULL: that of applied.yaml) and, should
 * the kernel refuse that, without any. Under the apply lock when the run
 * dir is usable. FAILSAFE_KEPT, FAILSAFE_LOADED or -errno, logged. */
static int daemon_close_router(struct daemon *d, const struct router *tried)
{
	struct diags dg = DIAGS_INIT;
	struct router_file *applied = tried ? NULL : daemon_admin_model(d);
	const struct router *admin = tried ? tried : applied ? applied->r : NULL;
	const char *lock_dir = d->dirs_ok ? d->o->run_dir : NULL;
	char from[4096];
	snprintf(from, sizeof(from), "%s", tried ? d->o->config : applied ? applied->path : "");
	int rc = daemon_sys(d)->close(admin, lock_dir, &dg);
	daemon_log_diags(d, &dg, NULL);
	diags_free(&dg);
	if (rc < 0 && admin) {
		admin = NULL;
		rc = daemon_sys(d)->close(NULL, lock_dir, &dg);
		daemon_log_diags(d, &dg, NULL);
		diags_free(&dg);
	}
	router_file_free(applied);
	if (rc == FAILSAFE_KEPT)
		daemon_log(d, "nftrouter: FAIL-CLOSED: the loaded nftrouter ruleset is kept");
	else if (rc == FAILSAFE_LOADED)
		daemon_log(d, "nftrouter: FAIL-CLOSED: nothing is forwarded; input: loopback%s%s%s",
			   admin ? " and the ssh access " : " only (no admin access)", admin ? from : "",
			   admin ? " allows" : "");
	return rc;
}

void daemon_close_at_exit(struct daemon *d)
{
	struct diags dg = DIAGS_INIT;
	/* Only a trusted config gives admin access (its owner and mode
	 * checked); its errors were or will be someone else's to report. */
	struct router_file *f = router_file_load(d->o->config, &dg);
	diags_free(&dg);
	int rc = daemon_close_router(d, f ? f->r : NULL);
	router_file_free(f);
	if (rc < 0)
		daemon_log(d, "nftrouter: error: cannot fail closed either (%s)", strerror(-rc));
}

/* The first apply failed: the router must not forward unfiltered
 * (daemon_close_router). 0: the daemon runs on, fail-closed; else an
 * exit status. */
static int daemon_fail_closed(struct daemon *d, const struct router *tried)
{
	int rc = daemon_close_router(d, tried);
	if (rc < 0) {
		daemon_log(d, "nftrouter: error: cannot fail closed (%s); stopping", strerror(-rc));
		return EXIT_SYSTEM;
	}
	d->fail_closed = true;
	d->kept_ruleset = rc == FAILSAFE_KEPT;
	daemon_log(d, "nftrouter: running fail-closed: fix the config and reload");
	return EXIT_OK;
}

/* Load, validate and apply the config. On success the daemon runs it.
 * On failure nothing of the daemon's state changed, except the error
 * status shows; on the first apply the router then fails closed. */
int daemon_load(struct daemon *d, bool first, struct buf *msg)
{
	struct diags dg = DIAGS_INIT;
	struct port_state *ports = NULL;
	int rc;
	/* Read once: what is applied is what is hashed and saved. */
	struct router_file *f = router_file_load(d->o->config, &dg);
	if (!f) {
		daemon_log_diags(d, &dg, msg);
		rc = EXIT_INVALID;
		goto out;
	}
	if (dg.n)
		daemon_log_diags(d, &dg, NULL);
	diags_free(&dg);
	/* The delegations held now: a reload keeps the LAN addresses numbered
	 * from them (the plan would remove them as unknown otherwise). */
	struct ipv6_pd_known pd[64];
	size_t n_pd = 0;
	for (size_t i = 0; !first && d->r && i < d->r->n_ifaces && n_pd < 64; i++) {
		if (!d->ports[i].pd.has)
			continue;
		snprintf(pd[n_pd].port, sizeof(pd[n_pd].port), "%s", d->r->ifaces[i].name);
		pd[n_pd++].prefix = d->ports[i].pd.prefix;
	}
	/* A daemon that starts again (an upgrade, a crash) keeps what the
	 * last one was delegated while it is valid, instead of taking the
	 * LAN's global addresses away until dhclient has rebound. */
	if (first)
		n_pd = dhcp6_recover(d, f->r, pd, 64);
	struct apply_opts ao = {.state_dir = d->o->state_dir,
				.run_dir = d->o->run_dir,
				.config_path = d->o->config,
				.config_text = f->text,
				.ignore_pending = !first,
				.pd = pd,
				.n_pd = n_pd};
	enum exit_status st = daemon_sys(d)->apply(f->r, &ao, &dg);
	daemon_log_diags(d, &dg, msg);
	if (st != EXIT_OK) {
		daemon_log(d, "nftrouter: %s: not applied (status %d); the router stays as it was",
			   d->o->config, (int)st);
		rc = (int)st;
		goto out;
	}
	ports = daemon_ports_new(f->r, d);
	if (!ports) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	if (first)
		dhcp6_recovered(d, f->r, ports);
	/* A DHCP port whose metric changed renews at once: its routes are
	 * set by its hook, with the metric of the config applied then. */
	for (size_t i = 0; d->r && i < f->r->n_ifaces; i++) {
		const struct iface *n = &f->r->ifaces[i], *o = router_iface(d->r, n->name);
		ports[i].renew = n->ipv4 == IPV4_DHCP && o && o->ipv4 == IPV4_DHCP &&
				 o->metric != n->metric;
	}
	health_stop(d);
	router_free(d->r);
	free(d->config_text);
	free(d->ports);
	d->r = f->r;
	d->config_text = f->text;
	d->ports = ports;
	memcpy(d->hash, f->hash, sizeof(d->hash));
	f->r = NULL;
	f->text = NULL;
	services_dnsblock(d);
	if (health_start(d) < 0)
		daemon_log(d, "nftrouter: WAN health checks could not start: %s", strerror(errno));
	d->fail_closed = false;
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK) {
		char fallback[64];
		snprintf(fallback, sizeof(fallback), "not applied (exit status %d)", rc);
		daemon_set_error(d, msg->len && msg->s ? msg->s : fallback);
		if (first)
			rc = daemon_fail_closed(d, f ? f->r : NULL) == EXIT_OK ? EXIT_OK : rc;
	} else {
		daemon_set_error(d, NULL);
	}
	diags_free(&dg);
	router_file_free(f);
	return rc;
}

int daemon_reload(struct daemon *d, char **msg)
{
	struct buf b = BUF_INIT;
	char old[65];
	memcpy(old, d->hash, sizeof(old));
	daemon_log(d, "nftrouter: reloading %s", d->o->config);
	int rc = daemon_load(d, false, &b);
	if (rc == 0) {
		d->reloads++;
		links_scan(d);
		services_sync(d);
		for (size_t i = 0; i < d->r->n_ifaces; i++)
			if (d->ports[i].renew) {
				d->ports[i].renew = false;
				daemon_log(d, "nftrouter: %s: metric changed, renewing the lease",
					   d->r->ifaces[i].name);
				links_renew(d, &d->r->ifaces[i]);
			}
		metrics_sync(d);
		ha_sync(d);
		daemon_log(d, "nftrouter: reloaded (config %.12s%s)", d->hash,
			   strcmp(old, d->hash) == 0 ? ", unchanged" : "");
		notify_send(d->notify, "STATUS=running (reloaded)");
	}
	*msg = buf_steal(&b);
	return rc;
}

