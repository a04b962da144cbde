/* The lab ISP's IPv6, for a WAN port with `ipv6: slaac` or `ipv6: dhcp`:
 * an address on its link (2001:db8:ffff:K::1/64, K = the host's index),
 * router advertisements from its dnsmasq (lines added to that config),
 * and for `dhcp` ISC dhcpd -6 delegating prefixes of the port's
 * `ipv6-prefix` out of a /48 of its own (2001:db8:GEN(K)::/48), routed to
 * the router's link-local address. `lab test` renumbers it (generation
 * 0 and 1 alternate) to check that the LAN follows. */
#include "lab/lab.h"
#include "util/file.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool lab_isp6(const struct lab_host *h)
{
	return h->role == LAB_INTERNET && h->port &&
	       (h->port->ipv6 == IPV6_SLAAC || h->port->ipv6 == IPV6_DHCP);
}

static unsigned host_index(const struct lab *l, const struct lab_host *h)
{
	return (unsigned)(h - l->hosts);
}

void lab_isp6_addr(const struct lab *l, const struct lab_host *h, char *out, size_t n)
{
	snprintf(out, n, "2001:db8:ffff:%x::1", host_index(l, h));
}

static unsigned pool_group(const struct lab *l, const struct lab_host *h, unsigned gen)
{
	return 0x1000 + host_index(l, h) * 16 + (gen & 1);
}

void lab_isp6_pool(const struct lab *l, const struct lab_host *h, unsigned gen, char *out, size_t n)
{
	snprintf(out, n, "2001:db8:%x::/48", pool_group(l, h, gen));
}

/* fe80:: + EUI-64 of the router end's MAC: where the delegated /48 goes. */
static void router_ll(const struct lab_host *h, char *out, size_t n)
{
	const uint8_t *m = h->mac;
	snprintf(out, n, "fe80::%x:%x:%x:%x", ((m[0] ^ 2) << 8) | m[1], (m[2] << 8) | 0xff,
		 0xfe00 | m[3], (m[4] << 8) | m[5]);
}

bool lab_isp6_web_addr(const struct lab *l, char *out, size_t n)
{
	for (size_t i = 0; i < l->n_hosts; i++) {
		if (!l->hosts[i].absent && lab_isp6(&l->hosts[i])) {
			lab_isp6_addr(l, &l->hosts[i], out, n);
			return true;
		}
	}
	return false;
}

int lab_isp6_dnsmasq_lines(const struct lab *l, const struct lab_host *h, struct buf *b)
{
	char a[ADDR_STRLEN];
	/* The web name's AAAA at every ISP, as the internet's DNS is the
	 * same whichever WAN a query leaves by: a router with two WANs may
	 * resolve through the one without IPv6. */
	if (lab_isp6_web_addr(l, a, sizeof(a)))
		buf_printf(b, "address=/%s/%s\n", LAB_WEB_NAME, a);
	if (!lab_isp6(h))
		return 0;
	buf_printf(b, "# IPv6: router advertisements for the link (no DHCPv6 here: dhcpd -6)\n"
		      "enable-ra\ndhcp-range=::,constructor:eth0,ra-only,64,1h\n"
		      "ra-param=eth0,10,1800\n");
	return 0;
}

static int ip6(const struct lab *l, const struct lab_host *h, char *const argv[])
{
	struct buf out = BUF_INIT;
	int ret = lab_run_in(l, h, argv, &out, 10000);
	buf_free(&out);
	return ret == 0 ? 0 : ret > 0 ? -EIO : ret;
}

/* The link's address (again: a link that went down lost it). */
int lab_isp6_link(const struct lab *l, const struct lab_host *h)
{
	char a[ADDR_STRLEN + 4];
	if (!lab_isp6(h))
		return 0;
	lab_isp6_addr(l, h, a, sizeof(a));
	strcat(a, "/64");
	return ip6(l, h, (char *[]){"ip", "addr", "replace", a, "dev", "eth0", "nodad", NULL});
}

/* dhcpd -6 for generation gen, and the route of its pool. The pid or
 * -errno; 0 when the port does not use DHCPv6. */
pid_t lab_isp6_dhcpd(struct lab *l, const struct lab_host *h, unsigned gen)
{
	char conf[PATH_MAX], leases[PATH_MAX], pidf[PATH_MAX], log[PATH_MAX], pool[64], ll[64];
	char lo[64], hi[64];
	struct buf b = BUF_INIT;
	if (!lab_isp6(h) || h->port->ipv6 != IPV6_DHCP)
		return 0;
	snprintf(conf, sizeof(conf), "%s/%s.dhcpd6.conf", l->dir, h->name);
	snprintf(leases, sizeof(leases), "%s/%s.dhcpd6.leases", l->dir, h->name);
	snprintf(pidf, sizeof(pidf), "%s/%s.dhcpd6.pid", l->dir, h->name);
	snprintf(log, sizeof(log), "%s/%s.log", l->dir, h->name);
	lab_isp6_pool(l, h, gen, pool, sizeof(pool));
	/* The first and last /LEN of the /48 (dhcpd's prefix6 range). */
	unsigned len = (unsigned)h->port->pd_len, third = pool_group(l, h, gen);
	unsigned last = len > 48 ? (0xffffu << (64 - len)) & 0xffffu : 0;
	snprintf(lo, sizeof(lo), "2001:db8:%x::", third);
	snprintf(hi, sizeof(hi), "2001:db8:%x:%x::", third, last);
	buf_printf(&b,
		   "# nftrouter lab: DHCPv6 at the ISP on port %s (generation %u)\n"
		   "default-lease-time 600;\npreferred-lifetime 300;\nmax-lease-time 1200;\n"
		   "subnet6 2001:db8:ffff:%x::/64 {\n"
		   "  range6 2001:db8:ffff:%x::100 2001:db8:ffff:%x::1ff;\n"
		   "  prefix6 %s %s /%u;\n}\n",
		   h->name, gen, host_index(l, h), host_index(l, h), host_index(l, h), lo, hi, len);
	char *text = buf_steal(&b);
	int ret = text ? file_write(conf, text, 0600) : -ENOMEM;
	free(text);
	if (ret == 0)
		ret = file_write(leases, "", 0600);
	router_ll(h, ll, sizeof(ll));
	if (ret == 0)
		ret = ip6(l, h, (char *[]){"ip", "-6", "route", "replace", pool, "via", ll, "dev", "eth0", NULL});
	if (ret < 0)
		return ret;
	return lab_spawn_in(l, h,
			    (char *[]){"dhcpd", "-6", "-f", "-d", "-cf", conf, "-lf", leases, "-pf", pidf,
				       "eth0", NULL},
			    NULL, log, "dhcpd -6");
}

/* Stop the ISP's dhcpd -6 that `up` (another process) started: the pid
 * from its pid file, checked against its command line (which names this
 * lab's config file), so no other process is ever signalled. */
int lab_isp6_dhcpd_stop(const struct lab *l, const struct lab_host *h)
{
	char pidf[PATH_MAX], conf[PATH_MAX], proc[64], buf[64], cmd[4096];
	snprintf(pidf, sizeof(pidf), "%s/%s.dhcpd6.pid", l->dir, h->name);
	snprintf(conf, sizeof(conf), "%s/%s.dhcpd6.conf", l->dir, h->name);
	if (file_read_into(pidf, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	long pid = strtol(buf, NULL, 10);
	snprintf(proc, sizeof(proc), "/proc/%ld/cmdline", pid);
	ssize_t n = pid > 1 ? file_read_into(proc, cmd, sizeof(cmd)) : -ESRCH;
	for (ssize_t i = 0; i < n; i++)
		cmd[i] = cmd[i] ? cmd[i] : ' ';
	if (n <= 0 || !strstr(cmd, conf))
		return -ESRCH;
	if (kill((pid_t)pid, SIGTERM) < 0)
		return -errno;
	for (int i = 0; i < 40 && kill((pid_t)pid, 0) == 0; i++) {
		struct timespec ts = {0, 50000000L};
		nanosleep(&ts, NULL);
	}
	return 0;
}
