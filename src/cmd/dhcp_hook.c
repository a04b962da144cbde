/* nftrouter dhcp-hook: run by udhcpc (which `nftrouter run` gives the
 * nftrouter binary itself as its script; cmd/hook_event.c turns the EVENT
 * argument into this command) on each DHCP event of a WAN port. It checks the
 * lease whole before anything changes (model/lease.c), sets the address
 * and the lease's routes with the port's own metric over netlink (undone
 * if the kernel refuses half way), records the lease in
 * RUN_DIR/dhcp-IFACE.env and tells the daemon; it never writes
 * /etc/resolv.conf (the stock udhcpc script would). */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/lease.h"
#include "system/ctl.h"
#include "system/lease_apply.h"
#include "util/buf.h"
#include "util/file.h"

/* Subnets held by the other ports: configured ones and the kernel's. */
#define LEASE_MAX_OTHERS 256

static void dhcp_hook_usage(FILE *f)
{
	fputs("Usage: nftrouter dhcp-hook [--state-dir DIR] [--run-dir DIR] EVENT\n\n"
	      "Internal: the DHCP client hook of `nftrouter run` (udhcpc -s). EVENT is\n"
	      "udhcpc's: deconfig, bound, renew, leasefail or nak; the lease comes in\n"
	      "udhcpc's environment (interface, ip, mask, router, staticroutes,\n"
	      "msstaticroutes, dns, domain, lease).\n\n"
	      "bound/renew first check the lease against the config in force\n"
	      "(STATE_DIR/pending.yaml while an `apply --confirm` waits, else\n"
	      "STATE_DIR/applied.yaml) and the kernel's other addresses, and refuse it\n"
	      "whole when it is unusable (docs/refuses.md, \"WAN leases\"). A usable lease\n"
	      "sets the port's address and its routes (option 121/249 classless routes,\n"
	      "else the first router) with the port's metric (interfaces.X.metric);\n"
	      "unusable DNS servers are left out. deconfig removes the port's IPv4\n"
	      "addresses and the routes this hook set through it, no other port's.\n"
	      "The lease goes to RUN_DIR/dhcp-IFACE.env and the daemon is told over the\n"
	      "control socket. /etc/resolv.conf is never touched.\n\n"
	      "Exit status: 0 done; 1 the lease was refused (nothing changed); 2 usage;\n"
	      "3 the system refused (the port was restored as it was, unless the\n"
	      "message says otherwise).\n",
	      f);
}

/* The config the daemon applied: which port this is, its metric, and the
 * other ports' subnets. Read through the one way in for a config (owner
 * and mode checked). NULL (d says why) if it cannot be read. */
static struct router *dhcp_hook_config(const char *state_dir, struct diags *d)
{
	char path[4096];
	/* While an `apply --confirm` waits, the config in force is the
	 * pending one (applied.yaml is what a timeout rolls back to). */
	snprintf(path, sizeof(path), "%s/pending.yaml", state_dir);
	if (access(path, F_OK) < 0)
		snprintf(path, sizeof(path), "%s/applied.yaml", state_dir);
	return router_file_steal(router_file_load(path, d));
}

/* The port's metric, demoted while its health checks say it is down
 * (the daemon writes RUN_DIR/health-PORT, docs/multi-wan.md). */
static uint32_t dhcp_hook_metric(const char *run_dir, const struct iface *p)
{
	char path[4096], *text = NULL;
	snprintf(path, sizeof(path), "%s/health-%s", run_dir, p->name);
	bool down = file_read(path, 64, &text, NULL) == 0 && strncmp(text, "down", 4) == 0;
	free(text);
	return p->metric + (down ? HEALTH_DEMOTE : 0);
}

static void dhcp_hook_print_lease(const char *ifname, const char *event, uint32_t metric,
				  const struct lease *l)
{
	char a[ADDR_STRLEN + 4], g[ADDR_STRLEN];
	struct buf b = BUF_INIT;
	cidr_format(&l->addr, a, sizeof(a));
	for (size_t i = 0; i < l->n_routes; i++) {
		cidr_format(&l->routes[i].dst, g, sizeof(g));
		buf_printf(&b, "%s%s", i ? ", " : "", l->routes[i].dst.len ? g : "default");
		if (l->routes[i].gw.family) {
			addr_format(&l->routes[i].gw, g, sizeof(g));
			buf_printf(&b, " via %s", g);
		} else {
			buf_puts(&b, " on-link");
		}
	}
	fprintf(stderr, "dhcp-hook: %s: %s %s, routes: %s, metric %u%s (lease %ss)\n", ifname,
		event, a, b.len ? b.s : "none", (unsigned)metric,
		l->classless ? ", from classless static routes" : "", cmd_getenv("lease", "?"));
	if (l->dns_refused[0])
		fprintf(stderr, "dhcp-hook: %s: DNS servers not used: %s\n", ifname, l->dns_refused);
	buf_free(&b);
}

/* bound/renew: check the lease whole, then put it on the port. Returns
 * an exit status; on failure d says what happened. */
static int dhcp_hook_bound(const struct cmd_paths *paths, const char *ifname, int ifindex,
			   const char *event, struct lease *l, struct diags *d)
{
	struct lease_env e = {getenv("ip"),	    getenv("mask"),	      getenv("router"),
			      getenv("staticroutes"), getenv("msstaticroutes"), getenv("dns")};
	struct lease_other others[LEASE_MAX_OTHERS];
	struct diags why = DIAGS_INIT;
	char from[80];
	int rc = EXIT_OK, k;
	bool restored;
	size_t n;
	uint32_t metric = 0;
	struct router *r = dhcp_hook_config(paths->state_dir, &why);
	const struct iface *p = r ? router_iface(r, ifname) : NULL;
	if (!r) {
		diags_move(d, &why, DIAG_ERROR, nopos, "lease not applied: cannot read the applied config: ");
		diag_error(d, nopos, "nothing changed");
		return EXIT_SYSTEM;
	}
	snprintf(from, sizeof(from), "lease refused (from server %.40s): ", cmd_getenv("serverid", "?"));
	if (!p || p->ipv4 != IPV4_DHCP) {
		diag_error(d, nopos, "lease refused: not an `ipv4: dhcp` port of the applied config");
		diag_error(d, nopos, "nothing changed");
		rc = EXIT_INVALID;
	} else if ((n = lease_others_from_model(r, ifname, others, LEASE_MAX_OTHERS)),
		   (k = lease_others_from_kernel(ifindex, others, LEASE_MAX_OTHERS, &n)) < 0) {
		diag_error(d, nopos, "lease not applied: reading the router's addresses: %s",
			   strerror(-k));
		diag_error(d, nopos, "nothing changed");
		rc = EXIT_SYSTEM;
	} else if (lease_build(&e, others, n, l, &why) < 0) {
		diags_move(d, &why, DIAG_ERROR, nopos, from);
		diag_error(d, nopos, "nothing changed");
		rc = EXIT_INVALID;
	} else if (lease_apply(ifindex, metric = dhcp_hook_metric(paths->run_dir, p), l, &why,
			       &restored) < 0) {
		diag_error(d, nopos, "lease not applied");
		diags_move(d, &why, DIAG_ERROR, nopos, "");
		if (restored)
			diag_error(d, nopos, "the port is as it was");
		rc = EXIT_SYSTEM;
	} else {
		dhcp_hook_print_lease(ifname, event, metric, l);
	}
	router_free(r);
	return rc;
}

static void record_value(struct buf *b, const char *key, const char *v)
{
	buf_printf(b, "%s=", key);
	/* One line per key, whatever the server sent. */
	for (; v && *v; v++)
		buf_putc(b, (*v == '\n' || *v == '\r') ? ' ' : *v);
	buf_putc(b, '\n');
}

/* RUN_DIR/dhcp-IFACE.env: the lease as applied (dns: the usable servers
 * only), for the daemon and for people. */
static int dhcp_hook_record(const char *run_dir, const char *ifname, const char *event,
			    const struct lease *l, struct diags *d)
{
	struct buf b = BUF_INIT;
	char path[4096], a[ADDR_STRLEN];
	static const char *const keys[] = {"ip",     "mask",	 "router",	   "staticroutes",
					   "domain", "lease", "serverid"};
	buf_printf(&b, "event=%s\ntime=%lld\n", event, (long long)time(NULL));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		record_value(&b, keys[i], l ? cmd_getenv(keys[i], "") : "");
	buf_puts(&b, "dns=");
	for (size_t i = 0; l && i < l->n_dns; i++) {
		addr_format(&l->dns[i], a, sizeof(a));
		buf_printf(&b, "%s%s", i ? " " : "", a);
	}
	buf_putc(&b, '\n');
	record_value(&b, "dns_refused", l ? l->dns_refused : "");
	char *text = buf_steal(&b);
	int rc = file_dir_check(run_dir, "run dir", d);
	if (rc < 0) {
		free(text);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/dhcp-%s.env", run_dir, ifname);
	rc = text ? file_write_atomic(path, text, strlen(text), 0600, 0) : -ENOMEM;
	if (rc < 0)
		diag_error(d, nopos, "%s: %s", path, strerror(-rc));
	free(text);
	return rc;
}

/* The daemon records the event as the port's last (`status` shows it)
 * and, after a good one, reads the record again (learned DNS). */
static void dhcp_hook_tell(const char *run_dir, const char *ifname, const char *event,
			   const char *error)
{
	char req[1200], *reply = NULL, ev[32];
	/* One word, as the request's grammar wants it. */
	snprintf(ev, sizeof(ev), "%s", event);
	for (char *c = ev; *c; c++)
		if (*c == ' ' || *c == '\n')
			*c = '_';
	if (error)
		snprintf(req, sizeof(req), "dhcp-event %s %s error %s", ifname, ev, error);
	else
		snprintf(req, sizeof(req), "dhcp-event %s %s ok", ifname, ev);
	/* A server's text inside the message never ends the request line. */
	for (char *c = req; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	int rc = ctl_request(run_dir, req, 10000, &reply);
	if (rc < 0)
		cmd_err("dhcp-hook: daemon not told (%s)", strerror(-rc));
	else if (reply && !strstr(reply, "\"ok\":true"))
		cmd_err("dhcp-hook: the daemon refused the event: %.300s", reply);
	free(reply);
}

int dhcp_hook_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_STATE_DIR,
					     CMD_OPTION_RUN_DIR,
					     CMD_OPTION_HELP,
					     CMD_OPTION_END};
	struct cmd_paths paths;
	int c, st, rc = 0;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "h", opts, &paths, dhcp_hook_usage, &st)) != CMD_OPT_END)
		if (c == CMD_OPT_EXIT)
			return st;
	const char *ifname = getenv("interface");
	if (optind + 1 != argc || !ifname || !ifname_valid(ifname)) {
		dhcp_hook_usage(stderr);
		return EXIT_USAGE;
	}
	const char *event = argv[optind];
	struct diags d = DIAGS_INIT;
	struct lease l;
	bool bound = strcmp(event, "bound") == 0 || strcmp(event, "renew") == 0;
	int ifindex = (int)if_nametoindex(ifname);
	/* The lease is recorded in the run dir: a dir others may write is
	 * refused (named) before the lease changes anything, not after. */
	if (file_dir_check(paths.run_dir, "run dir", &d) < 0) {
		rc = EXIT_SYSTEM;
	} else if (!ifindex) {
		diag_error(&d, nopos, "no such link: %s", strerror(errno));
		rc = EXIT_SYSTEM;
	} else if (bound) {
		rc = dhcp_hook_bound(&paths, ifname, ifindex, event, &l, &d);
	} else if (strcmp(event, "deconfig") == 0) {
		if ((rc = lease_remove(ifindex)) < 0)
			diag_error(&d, nopos, "removing the lease: %s", strerror(-rc));
		else
			fprintf(stderr,
				"dhcp-hook: %s: deconfig (IPv4 addresses and DHCP routes removed)\n",
				ifname);
		rc = rc < 0 ? EXIT_SYSTEM : EXIT_OK;
	} else {
		fprintf(stderr, "dhcp-hook: %s: %s\n", ifname, event);
	}
	if (rc == EXIT_OK && dhcp_hook_record(paths.run_dir, ifname, event, bound ? &l : NULL, &d) < 0)
		rc = EXIT_SYSTEM;
	/* One line for the log and for the daemon (status shows it). */
	char *msg = rc == EXIT_OK ? NULL : diags_join(&d, "; ");
	if (rc != EXIT_OK)
		cmd_err("dhcp-hook: %s: %s %s", ifname, event, msg ? msg : "failed");
	dhcp_hook_tell(paths.run_dir, ifname, event, rc == EXIT_OK ? NULL : msg ? msg : "failed");
	free(msg);
	diags_free(&d);
	return rc;
}
