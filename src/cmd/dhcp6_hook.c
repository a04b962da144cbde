/* nftrouter dhcp6-hook: run by ISC dhclient -6 (through RUN_DIR/dhcp6.hook,
 * which `nftrouter run` writes) for each DHCPv6 event of a WAN port with
 * `ipv6: dhcp`. dhclient calls it once per lease element: an address
 * (IA_NA) or a delegated prefix (IA_PD).
 *
 * - An address is set on the port with the lease's lifetimes (so the
 *   kernel drops it by itself if nobody renews it) or removed.
 * - A prefix is only recorded in RUN_DIR/dhcp6-PORT.env and the daemon is
 *   told (`dhcp6-event PORT`): the daemon owns the LAN addresses it
 *   derives from it, so they follow the delegation whatever the client
 *   does. Nothing else is touched (no resolv.conf, no shell editing).
 *
 * On a PPPoE session's link the client is dhcpcd (render/pppd.c says
 * why), which runs this the same way with its own variable names; its
 * IA_NA address it sets itself. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "system/ctl.h"
#include "system/link.h"
#include "util/buf.h"
#include "util/file.h"

static void dhcp6_hook_usage(FILE *f)
{
	fputs("Usage: nftrouter dhcp6-hook [--state-dir DIR] [--run-dir DIR]\n\n"
	      "Internal: the DHCPv6 client hook of `nftrouter run` (dhclient -6 -sf). The\n"
	      "event comes in dhclient's environment: reason (BOUND6, RENEW6, REBIND6,\n"
	      "DEPREF6, EXPIRE6, RELEASE6, STOP6), interface, and new_/old_/cur_\n"
	      "ip6_address, ip6_prefixlen, ip6_prefix, max_life, preferred_life.\n"
	      "An address is set on the port with its lifetimes, or removed; a\n"
	      "delegated prefix is written to RUN_DIR/dhcp6-IFACE.env and the daemon is\n"
	      "told over the control socket, which numbers the LAN ports from it.\n"
	      "On a PPPoE session's link the client is dhcpcd (script): the same\n"
	      "reasons (and REBOOT6), the prefix in new_/old_dhcp6_ia_pd1_prefix1,\n"
	      "_length, _vltime, _pltime; dhcpcd sets its address itself.\n\n"
	      "Exit status: 0 done; 2 usage; 3 the kernel refused.\n",
	      f);
}

static uint32_t env_u32(const char *name, uint32_t dflt)
{
	const char *v = getenv(name);
	char *end;
	if (!v || !*v)
		return dflt;
	unsigned long long x = strtoull(v, &end, 10);
	return *end || x > 0xffffffffULL ? dflt : (uint32_t)x;
}

static bool reason_is(const char *reason, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(reason, *set) == 0)
			return true;
	return false;
}

/* REBOOT6 is dhcpcd's (a stored lease confirmed). */
static const char *const GAINED[] = {"BOUND6", "RENEW6", "REBIND6", "REBOOT6", NULL};
static const char *const LOST[] = {"EXPIRE6", "RELEASE6", "STOP6", NULL};

static int addr_of(const char *pre, struct cidr *out)
{
	char a[80], l[80], spec[96];
	snprintf(a, sizeof(a), "%sip6_address", pre);
	snprintf(l, sizeof(l), "%sip6_prefixlen", pre);
	snprintf(spec, sizeof(spec), "%s/%s", cmd_getenv(a, ""), cmd_getenv(l, "128"));
	return cidr_parse(spec, out) == 0 && out->addr.family == AF_INET6 ? 0 : -EINVAL;
}

/* IA_NA: the address on the WAN port, with the lease's lifetimes. */
static int dhcp6_hook_addr(const char *ifname, int ifindex, const char *reason)
{
	struct link_sock *s = link_sock_open();
	struct cidr n, o;
	int rc = s ? 0 : -errno;
	bool has_old = addr_of("old_", &o) == 0, has_new = addr_of("new_", &n) == 0;
	if (rc == 0 && has_old && (reason_is(reason, LOST) || (has_new && !addr_equal(&o.addr, &n.addr))))
		if ((rc = link_addr_del(s, ifindex, &o)) == -EADDRNOTAVAIL)
			rc = 0;
	if (rc == 0 && has_new && reason_is(reason, GAINED))
		rc = link_addr_set_life(s, ifindex, &n, env_u32("new_max_life", 0xffffffffu),
					env_u32("new_preferred_life", 0xffffffffu));
	link_sock_close(s);
	fprintf(stderr, "dhcp6-hook: %s: %s address %s\n", ifname, reason,
		cmd_getenv(has_new ? "new_ip6_address" : "old_ip6_address", "-"));
	return rc;
}

/* dhcpcd's first delegated prefix (a PPPoE session's client): PRE is
 * "new_" or "old_"; into buf as PREFIX/LEN, or NULL. */
static const char *dhcpcd_prefix(const char *pre, char *buf, size_t size)
{
	char v[64], l[64];
	snprintf(v, sizeof(v), "%sdhcp6_ia_pd1_prefix1", pre);
	snprintf(l, sizeof(l), "%sdhcp6_ia_pd1_prefix1_length", pre);
	if (!getenv(v))
		return NULL;
	snprintf(buf, size, "%s/%s", getenv(v), cmd_getenv(l, "128"));
	return buf;
}

/* IA_PD: recorded for the daemon, one prefix per event (dhclient reports
 * an old prefix with lifetime 0 and the new one as two events). A lost
 * prefix is recorded with valid=0. dhclient's variables, else dhcpcd's. */
static int dhcp6_hook_prefix(const char *run_dir, const char *ifname, const char *reason)
{
	struct buf b = BUF_INIT;
	char path[4096], pd[160];
	const char *prefix = "", *got;
	uint32_t valid = 0, preferred = 0;
	if (reason_is(reason, GAINED) && (got = dhcpcd_prefix("new_", pd, sizeof(pd)))) {
		prefix = got;
		valid = env_u32("new_dhcp6_ia_pd1_prefix1_vltime", 0);
		preferred = env_u32("new_dhcp6_ia_pd1_prefix1_pltime", 0);
	} else if (reason_is(reason, LOST) && (got = dhcpcd_prefix("old_", pd, sizeof(pd)))) {
		prefix = got;
	} else if (reason_is(reason, GAINED)) {
		prefix = cmd_getenv("new_ip6_prefix", "");
		valid = env_u32("new_max_life", 0);
		preferred = env_u32("new_preferred_life", 0);
	} else if (strcmp(reason, "DEPREF6") == 0) {
		prefix = cmd_getenv("cur_ip6_prefix", "");
		valid = env_u32("cur_max_life", env_u32("new_max_life", 0));
	} else if (reason_is(reason, LOST)) {
		prefix = cmd_getenv("old_ip6_prefix", "");
	}
	struct cidr c;
	if (*prefix && (cidr_parse(prefix, &c) < 0 || c.addr.family != AF_INET6 || c.len > 64)) {
		cmd_err("dhcp6-hook: %s: unusable delegated prefix '%s'", ifname, prefix);
		prefix = "";
	}
	buf_printf(&b, "event=%s\ntime=%lld\nprefix=%s\nvalid=%u\npreferred=%u\ndns=", reason,
		   (long long)time(NULL), prefix, (unsigned)valid, (unsigned)preferred);
	/* The DNS servers of the lease, one line whatever the server sent. */
	for (const char *v = reason_is(reason, GAINED) ? cmd_getenv("new_dhcp6_name_servers", "") : "";
	     *v; v++)
		buf_putc(&b, (*v == '\n' || *v == '\r') ? ' ' : *v);
	buf_putc(&b, '\n');
	char *text = buf_steal(&b);
	snprintf(path, sizeof(path), "%s/dhcp6-%s.env", run_dir, ifname);
	int rc = text ? file_write_atomic(path, text, strlen(text), 0600, 0) : -ENOMEM;
	free(text);
	fprintf(stderr, "dhcp6-hook: %s: %s prefix %s (valid %us, preferred %us)\n", ifname,
		reason, *prefix ? prefix : "none", (unsigned)valid, (unsigned)preferred);
	return rc;
}

int dhcp6_hook_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_STATE_DIR, CMD_OPTION_RUN_DIR,
					     CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	int c, st, rc = 0;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "h", opts, &paths, dhcp6_hook_usage, &st)) != CMD_OPT_END)
		if (c == CMD_OPT_EXIT)
			return st;
	const char *ifname = getenv("interface"), *reason = getenv("reason");
	if (optind != argc || !ifname || !ifname_valid(ifname) || !reason) {
		dhcp6_hook_usage(stderr);
		return EXIT_USAGE;
	}
	bool prefix = getenv("new_ip6_prefix") || getenv("old_ip6_prefix") ||
		      getenv("cur_ip6_prefix") || getenv("new_dhcp6_ia_pd1_prefix1") ||
		      getenv("old_dhcp6_ia_pd1_prefix1");
	bool address = getenv("new_ip6_address") || getenv("old_ip6_address");
	if (!prefix && !address)
		return EXIT_OK; /* PREINIT6 and the like: nothing to do */
	int ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		cmd_err("dhcp6-hook: %s: %s", ifname, strerror(errno));
		return EXIT_SYSTEM;
	}
	if (address && (rc = dhcp6_hook_addr(ifname, ifindex, reason)) < 0) {
		cmd_err("dhcp6-hook: %s: %s: %s", ifname, reason, strerror(-rc));
		return EXIT_SYSTEM;
	}
	if (!prefix)
		return EXIT_OK;
	if ((rc = dhcp6_hook_prefix(paths.run_dir, ifname, reason)) < 0) {
		cmd_err("dhcp6-hook: %s/dhcp6-%s.env: %s", paths.run_dir, ifname, strerror(-rc));
		return EXIT_SYSTEM;
	}
	char req[64], *reply = NULL;
	snprintf(req, sizeof(req), "dhcp6-event %s", ifname);
	if ((rc = ctl_request(paths.run_dir, req, 10000, &reply)) < 0)
		cmd_err("dhcp6-hook: daemon not told (%s)", strerror(-rc));
	free(reply);
	return EXIT_OK;
}
