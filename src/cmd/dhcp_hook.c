/* nftrouter dhcp-hook: run by udhcpc (which `nftrouter run` gives the
 * nftrouter binary itself as its script; main.c turns the EVENT argument
 * into this command) on each DHCP event of a WAN port. It sets the
 * address and the default route over netlink, records the lease in
 * RUN_DIR/dhcp-IFACE.env and tells the daemon; it never writes
 * /etc/resolv.conf (the stock udhcpc script would). */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "system/ctl.h"
#include "system/link.h"
#include "system/proc.h"
#include "system/route.h"
#include "util/buf.h"
#include "util/file.h"

static void dhcp_hook_usage(FILE *f)
{
	fputs("Usage: nftrouter dhcp-hook [--state-dir DIR] [--run-dir DIR] EVENT\n\n"
	      "Internal: the DHCP client hook of `nftrouter run` (udhcpc -s). EVENT is\n"
	      "udhcpc's: deconfig, bound, renew, leasefail or nak; the lease comes in\n"
	      "udhcpc's environment (interface, ip, mask, router, dns, domain, lease).\n"
	      "bound/renew set the address and the default route; deconfig removes the\n"
	      "port's IPv4 addresses. The lease goes to RUN_DIR/dhcp-IFACE.env and the\n"
	      "daemon is told over the control socket. /etc/resolv.conf is never touched.\n\n"
	      "Exit status: 0 done; 2 usage; 3 the kernel refused.\n",
	      f);
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

/* Remove the port's IPv4 addresses except keep (NULL: all). */
static int dhcp_hook_flush(struct link_sock *s, int ifindex, const struct cidr *keep)
{
	struct link_addr *a = NULL;
	size_t n = 0;
	int rc = link_addr_dump(s, AF_INET, &a, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (a[i].ifindex != ifindex)
			continue;
		if (keep && a[i].addr.len == keep->len && addr_equal(&a[i].addr.addr, &keep->addr))
			continue;
		rc = link_addr_del(s, ifindex, &a[i].addr);
	}
	free(a);
	return rc;
}

static bool dhcp_hook_has(struct link_sock *s, int ifindex, const struct cidr *c)
{
	struct link_addr *a = NULL;
	size_t n = 0;
	bool found = false;
	if (link_addr_dump(s, AF_INET, &a, &n) == 0)
		for (size_t i = 0; i < n; i++)
			found |= a[i].ifindex == ifindex && a[i].addr.len == c->len &&
				 addr_equal(&a[i].addr.addr, &c->addr);
	free(a);
	return found;
}

static int dhcp_hook_bound(struct link_sock *s, const char *ifname, int ifindex)
{
	struct cidr c;
	struct ipaddr gw;
	char spec[80], router[64];
	int rc;
	snprintf(spec, sizeof(spec), "%s/%s", env_or("ip", ""), env_or("mask", "32"));
	if (cidr_parse(spec, &c) < 0) {
		cmd_err("dhcp-hook: %s: bad lease address '%s'", ifname, spec);
		return -EINVAL;
	}
	if ((rc = dhcp_hook_flush(s, ifindex, &c)) < 0)
		return rc;
	if (!dhcp_hook_has(s, ifindex, &c) && (rc = link_addr_add(s, ifindex, &c)) < 0)
		return rc;
	/* The first router of the option list is the gateway. */
	snprintf(router, sizeof(router), "%s", env_or("router", ""));
	router[strcspn(router, " ")] = '\0';
	if (router[0] && addr_parse4(router, &gw) == 0) {
		if ((rc = route_default_replace(ifindex, &gw)) < 0)
			return rc;
	}
	fprintf(stderr, "dhcp-hook: %s: %s %s via %s (dns %s, lease %ss)\n", ifname,
		env_or("1", "bound"), spec, router[0] ? router : "-", env_or("dns", "-"),
		env_or("lease", "?"));
	return 0;
}

static int dhcp_hook_record(const char *run_dir, const char *ifname, const char *event)
{
	struct buf b = BUF_INIT;
	char path[4096];
	static const char *const keys[] = {"ip", "mask", "router", "dns", "domain", "lease", "serverid"};
	buf_printf(&b, "event=%s\ntime=%lld\n", event, (long long)time(NULL));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = env_or(keys[i], "");
		buf_printf(&b, "%s=", keys[i]);
		/* One line per key, whatever the server sent. */
		for (; *v; v++)
			buf_putc(&b, (*v == '\n' || *v == '\r') ? ' ' : *v);
		buf_putc(&b, '\n');
	}
	char *text = buf_steal(&b), why[4096 + 160];
	int rc = file_dir_check(run_dir, why, sizeof(why));
	if (rc < 0) {
		cmd_err("dhcp-hook: run dir %s", why);
		free(text);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/dhcp-%s.env", run_dir, ifname);
	rc = text ? file_write_atomic(path, text, strlen(text), 0600, 0) : -ENOMEM;
	free(text);
	return rc;
}

int dhcp_hook_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_STATE_DIR,
					     CMD_OPTION_RUN_DIR,
					     CMD_OPTION_HELP,
					     CMD_OPTION_END};
	struct cmd_paths paths;
	int c, rc = 0;
	cmd_paths_init(&paths);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cmd_paths_option(&paths, c, optarg))
			continue;
		switch (c) {
		case 'h': dhcp_hook_usage(stdout); return EXIT_OK;
		default: dhcp_hook_usage(stderr); return EXIT_USAGE;
		}
	}
	const char *ifname = getenv("interface");
	if (optind + 1 != argc || !ifname || !ifname_valid(ifname)) {
		dhcp_hook_usage(stderr);
		return EXIT_USAGE;
	}
	const char *event = argv[optind];
	int ifindex = (int)if_nametoindex(ifname);
	struct link_sock *s = link_sock_open();
	if (!ifindex || !s) {
		cmd_err("dhcp-hook: %s: %s", ifname, strerror(errno));
		link_sock_close(s);
		return EXIT_SYSTEM;
	}
	if (strcmp(event, "bound") == 0 || strcmp(event, "renew") == 0) {
		rc = dhcp_hook_bound(s, ifname, ifindex);
	} else if (strcmp(event, "deconfig") == 0) {
		rc = dhcp_hook_flush(s, ifindex, NULL);
		fprintf(stderr, "dhcp-hook: %s: deconfig (IPv4 addresses removed)\n", ifname);
	} else {
		fprintf(stderr, "dhcp-hook: %s: %s\n", ifname, event);
	}
	link_sock_close(s);
	if (rc < 0) {
		cmd_err("dhcp-hook: %s: %s: %s", ifname, event, strerror(-rc));
		return EXIT_SYSTEM;
	}
	if ((rc = dhcp_hook_record(paths.run_dir, ifname, event)) < 0) {
		cmd_err("dhcp-hook: %s/dhcp-%s.env: %s", paths.run_dir, ifname, strerror(-rc));
		return EXIT_SYSTEM;
	}
	char req[64], *reply = NULL;
	snprintf(req, sizeof(req), "dhcp-event %s", ifname);
	rc = ctl_request(paths.run_dir, req, 10000, &reply);
	if (rc < 0)
		cmd_err("dhcp-hook: daemon not told (%s)", strerror(-rc));
	free(reply);
	return EXIT_OK;
}
