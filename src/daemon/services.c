/* Which children the model asks for, and with which configs: dnsmasq
 * (DHCP and DNS), unbound (DNS over TLS), one udhcpc per `ipv4: dhcp`
 * port that is present, one pppd per `ipv4: pppoe` port. A child is restarted only when its command line
 * or its rendered config changed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/internal.h"
#include "model/lease.h"
#include "render/render.h"
#include "system/dnsblock.h"
#include "system/pppoe.h"
#include "system/proc.h"
#include "util/file.h"

#define DNSMASQ_BIN "/usr/sbin/dnsmasq"
#define UNBOUND_BIN "/usr/sbin/unbound"
#define UDHCPC_BIN "/sbin/udhcpc"
#define DHCLIENT_BIN "/sbin/dhclient"

char *services_run_path(struct daemon *d, const char *file)
{
	return services_path(d, file);
}

static bool argv_equal(char **a, char **b)
{
	size_t i;
	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return !a[i] && !b[i];
}

static bool str_equal(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The DNS servers the WAN DHCP clients learned, deduplicated, as
 * upstreams: used only when dns.upstream is empty. */
static size_t services_learned(struct daemon *d, struct upstream *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		const struct port_state *ps = &d->ports[i];
		/* DHCP's servers, then DHCPv6's (dhcp6.c). */
		for (size_t j = 0; j < ps->n_dns + ps->pd.n_dns; j++) {
			const struct ipaddr *a = j < ps->n_dns ? &ps->dns[j] : &ps->pd.dns[j - ps->n_dns];
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				dup |= addr_equal(&out[k].addr, a);
			if (dup || n == max)
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			out[n].addr = *a;
			out[n].port = 53;
			out[n].pos.file = d->r->file;
			n++;
		}
	}
	return n;
}

static bool services_need_dnsmasq(const struct router *r)
{
	if (r->n_dhcps)
		return true;
	for (size_t i = 0; i < r->n_ifaces; i++)
		if (iface_ra(&r->ifaces[i]))
			return true;
	for (size_t i = 0; i < r->n_zones; i++)
		if (zone_has_service(&r->zones[i], "dns"))
			return true;
	return false;
}

static int services_dnsmasq(struct daemon *d, const struct render_paths *rp, struct wants *ws)
{
	struct upstream learned[MAX_LEARNED_DNS];
	struct router *r = d->r;
	struct upstream *saved = r->dns.upstream;
	size_t n_saved = r->dns.n_upstream;
	/* With ha:, DHCP and DNS are served by the primary alone: one DHCP
	 * server at a time hands out no address twice (docs/ha.md). */
	if (!services_need_dnsmasq(r) || !ha_serving(d))
		return 0;
	struct want *w = wants_add(ws, "dnsmasq");
	if (!w)
		return -ENOMEM;
	if (n_saved == 0) {
		/* Rendered with the learned servers in place of the empty list;
		 * the model is restored at once and never owns them. */
		r->dns.n_upstream = services_learned(d, learned, MAX_LEARNED_DNS);
		r->dns.upstream = learned;
	}
	w->conf = render_dnsmasq(r, rp);
	r->dns.upstream = saved;
	r->dns.n_upstream = n_saved;
	w->conf_path = services_path(d, "dnsmasq.conf");
	if (!w->conf || !w->conf_path)
		return -ENOMEM;
	size_t len = strlen(w->conf_path) + 16;
	char *arg = malloc(len);
	if (!arg)
		return -ENOMEM;
	snprintf(arg, len, "--conf-file=%s", w->conf_path);
	w->argv = services_argv(4, DNSMASQ_BIN, "--keep-in-foreground", arg, "--log-facility=-");
	free(arg);
	return w->argv ? 0 : -ENOMEM;
}

static int services_unbound(struct daemon *d, const struct render_paths *rp, struct wants *ws)
{
	char *conf = render_unbound(d->r, rp);
	if (!conf)
		return -ENOMEM;
	if (!conf[0]) {
		free(conf);
		return 0;
	}
	struct want *w = wants_add(ws, "unbound");
	if (!w) {
		free(conf);
		return -ENOMEM;
	}
	w->conf = conf;
	w->conf_path = services_path(d, "unbound.conf");
	if (!w->conf_path)
		return -ENOMEM;
	w->argv = services_argv(4, UNBOUND_BIN, "-d", "-c", w->conf_path);
	return w->argv ? 0 : -ENOMEM;
}

/* udhcpc runs this very binary as its script (main.c turns its EVENT
 * argument into `dhcp-hook`), which sets the address and default route
 * over netlink and nothing else (no resolv.conf). No script file: RUN_DIR
 * is on /run, mounted noexec on a stock Debian system, where udhcpc could
 * not execute one and the lease would be taken but never applied. The
 * dirs travel in the environment udhcpc inherits. 0, or -EACCES with why
 * in dg when the binary cannot be executed from where it lies. */
static int services_hook(struct daemon *d, struct diags *dg)
{
	struct statvfs sv;
	if (setenv(HOOK_ENV_STATE_DIR, d->o->state_dir, 1) < 0 || setenv(HOOK_ENV_RUN_DIR, d->o->run_dir, 1) < 0)
		return -errno;
	if (access(d->o->self, X_OK) < 0)
		diag_error(dg, nopos, "its hook %s cannot be executed: %s", d->o->self, strerror(errno));
	else if (statvfs(d->o->self, &sv) == 0 && (sv.f_flag & ST_NOEXEC))
		diag_error(dg, nopos, "its hook %s is on a noexec mount", d->o->self);
	else
		return 0;
	return -EACCES;
}

/* One udhcpc per `ipv4: dhcp` port that is present. */
static int services_udhcpc(struct daemon *d, const struct render_paths *rp, struct wants *ws)
{
	char name[32], host[80];
	int rc;
	(void)rp;
	snprintf(host, sizeof(host), "hostname:%s", d->r->hostname[0] ? d->r->hostname : "router");
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		const struct iface *p = &d->r->ifaces[i];
		if (p->ipv4 != IPV4_DHCP || !d->ports[i].ifindex)
			continue;
		struct diags why = DIAGS_INIT;
		if ((rc = services_hook(d, &why)) < 0 && rc != -EACCES) {
			diags_free(&why);
			return rc;
		}
		snprintf(name, sizeof(name), "udhcpc-%s", p->name);
		struct want *w = wants_add(ws, name);
		/* -O: ask for classless static routes (RFC 3442, and Microsoft's
		 * 249); servers send them only when asked. */
		if (w)
			w->argv = services_argv(12, UDHCPC_BIN, "-f", "-i", p->name, "-s", d->o->self,
						"-x", host, "-O", "staticroutes", "-O",
						"msstaticroutes");
		if (rc == -EACCES && w && w->argv) {
			/* Started anyway, so the port shows in status with the error. */
			char *msg = diags_join(&why, "; ");
			daemon_log(d, "nftrouter: %s: ERROR: %s; its leases would never be applied", name,
				   msg ? msg : "its hook cannot run");
			snprintf(w->error, sizeof(w->error), "%s", msg ? msg : "its hook cannot run");
			free(msg);
		}
		diags_free(&why);
		if (!w || !w->argv)
			return -ENOMEM;
	}
	return 0;
}

/* One ISC dhclient -6 per `ipv6: dhcp` port that is present (not a PPPoE
 * port: services_dhcpcd6): an address
 * (IA_NA, -N) and a prefix (IA_PD, -P) of the configured length. Like
 * udhcpc it runs this binary as its script; dhclient passes its script no
 * environment of its own, so the dirs go in with -e (main.c turns the
 * call into `dhcp6-hook`). Its config is our own empty file (the host's
 * dhclient.conf could ask for anything); its lease file, which holds the
 * DUID an ISP keys its delegation on, lives in the state dir. */
static int services_dhclient6(struct daemon *d, const struct render_paths *rp, struct wants *ws)
{
	char name[32], len[8], lf[4096], pf[32], e_state[4200], e_run[4200];
	(void)rp;
	snprintf(e_state, sizeof(e_state), "%s=%s", HOOK_ENV_STATE_DIR, d->o->state_dir);
	snprintf(e_run, sizeof(e_run), "%s=%s", HOOK_ENV_RUN_DIR, d->o->run_dir);
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		const struct iface *p = &d->r->ifaces[i];
		if (p->ipv6 != IPV6_DHCP || !d->ports[i].ifindex)
			continue;
		if (p->pppoe) /* services_dhcpcd6 */
			continue;
		snprintf(name, sizeof(name), "dhclient6-%s", p->name);
		snprintf(len, sizeof(len), "%d", p->pd_len);
		snprintf(lf, sizeof(lf), "%s/dhclient6-%s.leases", d->o->state_dir, p->name);
		snprintf(pf, sizeof(pf), "dhclient6-%s.pid", p->name);
		struct want *w = wants_add(ws, name);
		char *pid = services_path(d, pf);
		if (w && (w->conf_path = services_path(d, "dhclient6.conf")))
			w->conf = strdup("# generated by nftrouter run: nothing beyond the "
					 "command line\n");
		if (w && pid && w->conf)
			w->argv = services_argv(20, DHCLIENT_BIN, "-6", "-d", "-N", "-P",
						"--prefix-len-hint", len, "-cf", w->conf_path,
						"-sf", d->o->self, "-e", e_state, "-e", e_run, "-lf",
						lf, "-pf", pid, p->name);
		free(pid);
		if (!w || !w->argv)
			return -ENOMEM;
	}
	return 0;
}

/* One dhcpcd per PPPoE port with `ipv6: dhcp` whose session has IPv6
 * (IPV6CP up: daemon/pppoe.c), on the session's link, in the foreground
 * (-B), IPv6 only; render_dhcpcd_session says why dhcpcd and what it is
 * told. Its events reach dhcp6-hook as dhclient's do. */
static int services_dhcpcd6(struct daemon *d, const struct render_paths *rp, struct wants *ws)
{
	char name[32], file[48];
	uint8_t mac[6];
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		const struct iface *p = &d->r->ifaces[i];
		if (!p->pppoe || p->ipv6 != IPV6_DHCP || !d->ports[i].ifindex ||
		    !d->ports[i].ppp.up6)
			continue;
		if (pppoe_mac(d, i, mac) < 0)
			continue;
		pppoe_client_name(p, name, sizeof(name));
		snprintf(file, sizeof(file), "%s.conf", name);
		struct want *w = wants_add(ws, name);
		if (w && (w->conf_path = services_path(d, file)))
			w->conf = render_dhcpcd_session(p, rp, mac);
		if (w && w->conf)
			w->argv = services_argv(6, DHCPCD_BIN, "-B", "-6", "-f", w->conf_path,
						p->pppoe->ifname);
		if (!w || !w->argv)
			return -ENOMEM;
	}
	return 0;
}

/* One pppd per `ipv4: pppoe` port that is present: `pppd file CONF`,
 * CONF the rendered options and the password (pppoe.c), so the password
 * is in no argv. No password file it trusts: not started, status says
 * why, and the next reload tries again. pppd exits when the session ends
 * (no `persist`) and is started again with the children's backoff. */
static int services_pppd(struct daemon *d, const struct render_paths *rp, struct wants *ws)
{
	char name[32], file[48], hook_error[200];
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		const struct iface *p = &d->r->ifaces[i];
		char *conf = NULL;
		if (!p->pppoe || !d->ports[i].ifindex)
			continue;
		int rc = pppoe_conf(d, i, rp, &conf, hook_error, sizeof(hook_error));
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0) {
			daemon_log(d, "nftrouter: pppd-%s: ERROR: %s", p->name, d->ports[i].ppp.error);
			continue;
		}
		snprintf(name, sizeof(name), "pppd-%s", p->name);
		snprintf(file, sizeof(file), "pppd-%s.conf", p->name);
		struct want *w = wants_add(ws, name);
		if (w && (w->conf_path = services_path(d, file)))
			w->argv = services_argv(3, PPPD_BIN, "file", w->conf_path);
		if (!w || !w->argv) {
			free(conf);
			return -ENOMEM;
		}
		w->conf = conf;
		if (hook_error[0]) {
			daemon_log(d, "nftrouter: %s: ERROR: %s", name, hook_error);
			snprintf(w->error, sizeof(w->error), "%s", hook_error);
		}
	}
	return 0;
}

static void services_child_line(struct child *c, const char *line, size_t len);

/* Adopt what is wanted into a running child of the same name (restarted
 * only if its command line or config changed), or start a new child. */
static void services_adopt(struct daemon *d, struct want *w)
{
	struct child *c = child_find(d, w->name);
	if (c) {
		c->wanted = true;
		if (w->error[0])
			memcpy(c->error, w->error, sizeof(c->error));
		if (argv_equal(c->argv, w->argv) && str_equal(c->conf, w->conf))
			return;
		daemon_log(d, "nftrouter: %s: config changed, restarting", c->name);
		for (size_t i = 0; c->argv[i]; i++)
			free(c->argv[i]);
		free(c->argv);
		free(c->conf_path);
		free(c->conf);
		c->argv = w->argv;
		c->conf_path = w->conf_path;
		c->conf = w->conf;
		memset(w, 0, sizeof(*w));
		if (c->pid > 0) {
			c->replacing = true;
			child_stop(c);
		}
		return;
	}
	c = child_new(d, w->name, w->argv, w->conf_path, w->conf);
	if (!c) {
		daemon_log(d, "nftrouter: %s: error: out of memory, not started", w->name);
		return;
	}
	memcpy(c->error, w->error, sizeof(c->error));
	c->on_line = services_child_line;
	c->before_spawn = services_before_spawn(c->name);
	memset(w, 0, sizeof(*w));
	child_start(c);
}

void services_stop_stale(struct daemon *d)
{
	static const struct {
		const char *pidfile, *conf;
	} stale[] = {{"dnsmasq.pid", "dnsmasq.conf"},
			{"unbound.pid", "unbound.conf"},
			{"keepalived.pid", "keepalived.conf"}};
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
		char *pf = services_path(d, stale[i].pidfile), *conf = services_path(d, stale[i].conf);
		if (pf && conf && proc_stop_stale(pf, conf, 2000) == 1)
			daemon_log(d, "nftrouter: stopped a %.*s left by an earlier daemon (%s)",
				   (int)strcspn(stale[i].pidfile, "."), stale[i].pidfile, pf);
		free(pf);
		free(conf);
	}
}

/* The children of the model, in start order (unbound first: dnsmasq
 * forwards to it). Each adds 0 or more wants to the list; to add a kind
 * of child, write one such function and list it here. */
static services_fn *const services[] = {services_unbound,     services_dnsmasq,
					services_udhcpc,      services_dhclient6,
					services_conntrackd, services_keepalived,
					services_pppd,	      services_dhcpcd6};

int services_dnsblock(struct daemon *d)
{
	struct diags dg = DIAGS_INIT;
	struct timespec t0, t1;
	bool changed = false;
	size_t count = 0;
	char *path = services_path(d, RENDER_DNSBLOCK_FILE);
	int rc = -ENOMEM;
	if (!path)
		goto out;
	if (!d->r->dns.n_blocklists) {
		rc = unlink(path) < 0 && errno != ENOENT ? -errno : 0;
		d->dnsblock_known = false;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = dnsblock_write(d->r, path, &changed, &count, &dg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	daemon_log_diags(d, &dg, NULL);
	if (rc == 0) {
		d->dnsblock_changed = changed;
		d->dnsblock_known = true;
		d->dnsblock_names = count;
		daemon_log(d, "nftrouter: dns blocklists: %zu names%s (%ld ms)", count,
			   changed ? "" : ", unchanged",
			   (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	}
out:
	if (rc < 0)
		daemon_log(d, "nftrouter: dns blocklists: not written (%s); dnsmasq keeps the last ones",
			   strerror(-rc));
	diags_free(&dg);
	free(path);
	return rc;
}

int services_sync(struct daemon *d)
{
	struct wants w = {0};
	int rc = 0;
	struct render_paths rp;
	render_paths_default(&rp);
	rp.state_dir = d->o->state_dir;
	rp.run_dir = d->o->run_dir;
	rp.config = d->o->config;
	rp.bin = d->o->self;
	if (d->o->tls_ca)
		rp.tls_ca = d->o->tls_ca;
	/* Fail-closed (no config runs): no child is wanted. */
	for (size_t i = 0; d->r && i < sizeof(services) / sizeof(services[0]); i++)
		if ((rc = services[i](d, &rp, &w)) < 0)
			goto out;
	for (struct child *c = d->children, *next; c; c = next) {
		bool keep = false;
		next = c->next;
		for (size_t j = 0; j < w.n; j++)
			keep |= strcmp(c->name, w.v[j].name) == 0;
		if (keep || !c->wanted)
			continue;
		daemon_log(d, "nftrouter: %s: no longer needed, stopping", c->name);
		c->wanted = false;
		if (c->pid > 0)
			child_stop(c);
		else
			child_release(c);
	}
	/* A changed blocklist file restarts a dnsmasq that runs already (one
	 * started now reads it anyway): it reads the file as root at start
	 * only; what it re-reads on SIGHUP (a servers-file) it reads after it
	 * dropped privileges, and RUN_DIR is 0700. */
	struct child *dm = d->dnsblock_changed ? child_find(d, "dnsmasq") : NULL;
	d->dnsblock_changed = false;
	for (size_t j = 0; j < w.n; j++)
		services_adopt(d, &w.v[j]);
	if (dm && dm->wanted && dm->pid > 0 && !dm->replacing) {
		daemon_log(d, "nftrouter: dnsmasq: dns blocklists changed, restarting");
		dm->replacing = true;
		child_stop(dm);
	}
	rc = 0;
out:
	if (rc < 0)
		daemon_log(d, "nftrouter: cannot render the children's configs: %s", strerror(-rc));
	wants_free(&w);
	return rc;
}

/* The learned DNS servers from RUN_DIR/dhcp-PORT.env, which the hook
 * wrote for the lease it applied. */
static int services_dhcp_dns(struct daemon *d, size_t i, struct diags *dg)
{
	char *text = NULL, *path = NULL, file[64];
	struct port_state *ps = &d->ports[i];
	size_t dropped = 0;
	int rc;
	snprintf(file, sizeof(file), "dhcp-%s.env", d->r->ifaces[i].name);
	if (!(path = services_path(d, file)))
		return -ENOMEM;
	if ((rc = file_read(path, 65536, &text, NULL)) < 0) {
		diag_error(dg, nopos, "%s: %s", path, strerror(-rc));
		goto out;
	}
	ps->n_dns = 0;
	ps->lease_expiry = 0;
	/* time= and lease= come before dns= (dhcp_hook_record): the lease's
	 * end, for metrics. An empty lease= (deconfig, a refusal) leaves 0. */
	long long at = 0, secs = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, "dns=", 4) == 0)
			break;
		if (sscanf(l, "time=%lld", &at) != 1 && sscanf(l, "lease=%lld", &secs) == 1 &&
		    at > 0 && secs > 0 && secs <= UINT32_MAX)
			ps->lease_expiry = (int64_t)(at + secs);
	}
	/* The hook writes only usable servers; checked again, as the lease
	 * was (a stale or planted record; an address of another port would
	 * make dnsmasq forward to itself). */
	struct lease_other others[64];
	size_t n_others = lease_others_from_model(d->r, d->r->ifaces[i].name, others, 64);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "dns=", 4) != 0)
			continue;
		for (char *a = strtok(line + 4, " "); a; a = strtok(NULL, " ")) {
			struct ipaddr *x = &ps->dns[ps->n_dns];
			if (ps->n_dns == MAX_LEARNED_DNS)
				dropped++;
			else if (addr_parse(a, x) == 0 && !lease_dns_refusal(x, NULL, others, n_others))
				ps->n_dns++;
		}
		break;
	}
	if (dropped)
		daemon_log(d, "nftrouter: %s: %zu learned DNS server(s) beyond the first %d ignored",
			   d->r->ifaces[i].name, dropped, MAX_LEARNED_DNS);
out:
	free(text);
	free(path);
	return rc;
}

/* Record the event; "PORT" alone (an older hook) means ok. */
static int services_dhcp_record(struct dhcp_event *ev, char *arg, struct diags *dg)
{
	char *event = strchr(arg, ' '), *result = NULL, *msg = NULL;
	if (event) {
		*event++ = '\0';
		result = strchr(event, ' ');
	}
	if (result) {
		*result++ = '\0';
		msg = strchr(result, ' ');
		if (msg)
			*msg++ = '\0';
	}
	bool ok = !result || strcmp(result, "ok") == 0;
	if ((event && (!result || !*event || strlen(event) >= sizeof(ev->event))) ||
	    (result && !ok && strcmp(result, "error") != 0) || (ok && msg)) {
		diag_error(dg, nopos, "usage: dhcp-event PORT [EVENT ok|EVENT error MESSAGE]");
		return -EINVAL;
	}
	ev->time = (int64_t)time(NULL);
	ev->ok = ok;
	snprintf(ev->event, sizeof(ev->event), "%s", event ? event : "bound");
	snprintf(ev->error, sizeof(ev->error), "%s", ok ? "" : msg && *msg ? msg : "failed");
	return 0;
}

int services_dhcp_event(struct daemon *d, char *arg, struct diags *dg)
{
	struct dhcp_event ev;
	size_t i;
	int rc = services_dhcp_record(&ev, arg, dg);
	if (rc < 0)
		return rc;
	if (!d->r) {
		diag_error(dg, nopos, "no config is applied (fail-closed)");
		return -EINVAL;
	}
	for (i = 0; i < d->r->n_ifaces; i++)
		if (strcmp(d->r->ifaces[i].name, arg) == 0 && d->r->ifaces[i].ipv4 == IPV4_DHCP)
			break;
	if (i == d->r->n_ifaces) {
		diag_error(dg, nopos, "no DHCP-configured port '%s'", arg);
		return -EINVAL;
	}
	struct port_state *ps = &d->ports[i];
	ps->dhcp = ev;
	/* The hook ran: the lease is applied, or refused (said below). */
	char cname[48];
	snprintf(cname, sizeof(cname), "udhcpc-%s", d->r->ifaces[i].name);
	struct child *hc = child_find(d, cname);
	if (hc) {
		hc->lease_unapplied = false;
		hc->error[0] = '\0';
	}
	if (!ev.ok) {
		/* The hook changed nothing: the old lease and its DNS stay. */
		daemon_log(d, "nftrouter: %s: DHCP %s failed: %s", arg, ev.event, ev.error);
		return 0;
	}
	if ((rc = services_dhcp_dns(d, i, dg)) < 0)
		return rc;
	daemon_log(d, "nftrouter: %s: DHCP %s, %zu DNS server(s) learned%s", arg, ev.event, ps->n_dns,
		   d->r->dns.n_upstream ? " (unused: dns.upstream is set)" : "");
	return d->r->dns.n_upstream ? 0 : services_sync(d);
}

/* A line of a DHCP client's output: one whose hook cannot run is an
 * error of that child (status, log), never silent. */
static void services_child_line(struct child *c, const char *line, size_t len)
{
	struct daemon *d = c->d;
	char text[sizeof(c->line) + 1];
	if (strncmp(c->name, "udhcpc-", 7) != 0)
		return;
	snprintf(text, sizeof(text), "%.*s", (int)len, line);
	/* busybox udhcpc: "lease of A obtained from S, lease time T", then
	 * it runs the script; "can't execute 'S': ERR" when it cannot. */
	if (strstr(text, "can't execute")) {
		snprintf(c->error, sizeof(c->error), "its DHCP hook cannot run: %.150s", text);
		daemon_log(d, "nftrouter: %s: ERROR: the DHCP hook cannot run; leases are taken but never applied",
			   c->name);
	} else if (strstr(text, "lease of ") && strstr(text, " obtained")) {
		c->lease_unapplied = true;
		clock_gettime(CLOCK_MONOTONIC, &c->lease_at);
	}
}

/* A hook applies a lease within a second; ten is surely lost. */
#define LEASE_UNAPPLIED_S 10

const char *services_child_error(struct child *c)
{
	int64_t age = c->lease_unapplied ? daemon_uptime(&c->lease_at) : 0;
	if (age > LEASE_UNAPPLIED_S)
		snprintf(c->error, sizeof(c->error), "took a DHCP lease %llds ago that its hook never applied",
			 (long long)age);
	return c->error[0] ? c->error : NULL;
}
