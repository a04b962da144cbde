/* dnsmasq.conf: DHCP on the configured ports and the local DNS, one
 * dnsmasq instance for the whole router. The file says everything it
 * means: nothing is read from the host (/etc/resolv.conf, /etc/hosts),
 * and every line carries a comment saying why it is there.
 *
 * Which ports dnsmasq serves: those with a DHCP server and those whose
 * zone opens `dns`. dnsmasq cannot serve DHCP on a port without also
 * answering DNS there; on a DHCP port whose zone does not open dns the
 * firewall drops port 53 (the zone's input policy), and the clients are
 * not told to use the router as DNS server. Ports in no such zone (the
 * WAN) are never listed, so dnsmasq does not answer there at all. */
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "util/buf.h"

/* dnsmasq accepts seconds, or minutes/hours/days with a suffix; say it
 * with the largest exact unit, as the config does. */
static void lease_format(uint32_t secs, char *out, size_t size)
{
	static const struct {
		uint32_t secs;
		char unit;
	} units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (secs >= units[i].secs && secs % units[i].secs == 0) {
			snprintf(out, size, "%u%c", (unsigned)(secs / units[i].secs),
				 units[i].unit);
			return;
		}
	}
	snprintf(out, size, "%u", (unsigned)secs);
}

/* The router's own address on a port: the first IPv4 address (with its
 * prefix) whose subnet holds a, or the first one if a is NULL. */
static const struct cidr *iface_addr4(const struct iface *i, const struct ipaddr *a)
{
	for (size_t k = 0; k < i->n_addrs; k++) {
		const struct cidr *c = &i->addrs[k];
		if (c->addr.family != AF_INET)
			continue;
		if (!a || cidr_contains(c, a))
			return c;
	}
	return NULL;
}

static void netmask_format(int len, char *out, size_t size)
{
	uint32_t m = len <= 0 ? 0 : 0xffffffffu << (32 - len);
	snprintf(out, size, "%u.%u.%u.%u", (unsigned)(m >> 24), (unsigned)((m >> 16) & 0xff),
		 (unsigned)((m >> 8) & 0xff), (unsigned)(m & 0xff));
}

static bool dns_served(const struct iface *i)
{
	for (size_t k = 0; i->zone && k < i->zone->n_services; k++)
		if (strcmp(i->zone->services[k]->name, "dns") == 0)
			return true;
	return false;
}

static bool any_dns_served(const struct router *r)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		if (dns_served(&r->ifaces[i]))
			return true;
	return false;
}

static void put_dns(struct buf *b, const struct router *r, const struct render_paths *p)
{
	bool tls = false;

	if (!any_dns_served(r)) {
		buf_puts(b, "\n# No zone opens dns: no DNS service at all, DHCP only.\nport=0\n");
		return;
	}
	buf_puts(b, "\n# DNS: answer from the cache, the leases and the local domain; forward\n"
		    "# the rest to dns.upstream only.\n"
		    "cache-size=1000\n"
		    "# Never forward plain names or private reverse lookups to the internet.\n"
		    "domain-needed\nbogus-priv\n");
	buf_puts(b, "# The daemon asks for the query counters (CHAOS TXT hits.bind, ...) on\n"
		    "# this loopback address of its own; nothing else is served on loopback.\n"
		    "listen-address=" RENDER_DNSMASQ_STATS_ADDR "\n");
	for (size_t i = 0; i < r->dns.n_upstream; i++) {
		const struct upstream *u = &r->dns.upstream[i];
		char a[ADDR_STRLEN];
		if (u->tls) {
			tls = true;
			continue;
		}
		addr_format(&u->addr, a, sizeof(a));
		buf_printf(b, "# %s:%d\nserver=%s#%u\n", r->file_base, u->pos.line, a,
			   (unsigned)u->port);
	}
	if (tls)
		buf_printf(b,
			   "# DNS over TLS upstreams: through the local unbound forwarder\n"
			   "server=127.0.0.1#%d\n",
			   RENDER_UNBOUND_PORT);
	if (r->dns.domain[0])
		buf_printf(b,
			   "# Names under the local domain are answered here (from the leases\n"
			   "# and dhcp hosts: NAME.%s) and never forwarded.\n"
			   "domain=%s\nlocal=/%s/\n",
			   r->dns.domain, r->dns.domain, r->dns.domain);
	if (r->dns.n_blocklists) {
		buf_puts(b, "# dns.blocklists: every name listed, and every name under it, is\n"
			    "# answered NXDOMAIN here and never forwarded. The file is written by\n"
			    "# nftrouter from these lists (names validated), read at start as root\n"
			    "# (a servers-file is read after dnsmasq dropped privileges, and RUN_DIR\n"
			    "# is 0700); dnsmasq restarts when it changes:\n");
		for (size_t i = 0; i < r->dns.n_blocklists; i++)
			buf_printf(b, "#   %s:%d %s\n", r->file_base, r->dns.blocklists[i].pos.line,
				   r->dns.blocklists[i].path);
		buf_printf(b, "conf-file=%s/%s\n", p->run_dir, RENDER_DNSBLOCK_FILE);
	}
	buf_puts(b, "# The router's own name: its address on the port the query came in on.\n"
		    "localise-queries\n");
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *f = &r->ifaces[i];
		if (!dns_served(f))
			continue;
		buf_printf(b, "interface-name=%s,%s\n", r->hostname, f->name);
		if (r->dns.domain[0])
			buf_printf(b, "interface-name=%s.%s,%s\n", r->hostname, r->dns.domain,
				   f->name);
	}
}

static void put_dhcp(struct buf *b, const struct router *r, const struct dhcp *h)
{
	const struct iface *i = h->iface;
	const struct cidr *net = iface_addr4(i, &h->start);
	char s[ADDR_STRLEN], e[ADDR_STRLEN], m[16], l[16];

	if (!net) /* the model guarantees the range lies in a subnet of i */
		return;
	addr_format(&h->start, s, sizeof(s));
	addr_format(&h->end, e, sizeof(e));
	netmask_format(net->len, m, sizeof(m));
	lease_format(h->lease, l, sizeof(l));
	buf_printf(b, "\n# dhcp.%s (%s:%d)\n", i->name, r->file_base, h->pos.line);
	buf_printf(b, "dhcp-range=set:%s,%s,%s,%s,%s\n", i->name, s, e, m, l);
	/* With ha:, clients use the address that moves with the primary. */
	const struct cidr *vip = ha_virtual_of(r, i);
	const struct ipaddr *self = vip ? &vip->addr : &net->addr;
	if (h->has_gateway)
		addr_format(&h->gateway, s, sizeof(s));
	else
		addr_format(self, s, sizeof(s));
	buf_printf(b, "dhcp-option=tag:%s,option:router,%s\n", i->name, s);
	if (h->n_dns) {
		buf_printf(b, "dhcp-option=tag:%s,option:dns-server", i->name);
		for (size_t k = 0; k < h->n_dns; k++) {
			addr_format(&h->dns[k], s, sizeof(s));
			buf_printf(b, ",%s", s);
		}
		buf_putc(b, '\n');
	} else if (dns_served(i)) {
		addr_format(self, s, sizeof(s));
		buf_printf(b, "dhcp-option=tag:%s,option:dns-server,%s\n", i->name, s);
	} else {
		buf_printf(b,
			   "# Zone %s does not open dns: hand out no DNS server (an empty option\n"
			   "# stops dnsmasq from offering itself).\n"
			   "dhcp-option=tag:%s,option:dns-server\n",
			   i->zone ? i->zone->name : "?", i->name);
	}
	for (size_t k = 0; k < h->n_hosts; k++) {
		const struct dhcp_host *host = &h->hosts[k];
		char mac[18];
		mac_format(host->mac, mac);
		addr_format(&host->ip, s, sizeof(s));
		buf_printf(b, "# %s:%d\ndhcp-host=%s,%s%s%s\n", r->file_base, host->pos.line, mac,
			   s, host->name[0] ? "," : "", host->name);
	}
}

static bool any_ra(const struct router *r)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		if (iface_ra(&r->ifaces[i]))
			return true;
	return false;
}

/* Router advertisements (and DHCPv6 if asked) on a LAN port with IPv6.
 * `constructor:` makes dnsmasq advertise every /64 it finds on the port,
 * so the renderer needs no prefix: nftrouter puts PREFIX:N::1/64 and
 * ULA:N::1/64 there, with infinite lifetimes (dnsmasq ignores addresses
 * that carry finite ones), and takes them away when a prefix goes. */
static void put_ra(struct buf *b, const struct router *r, const struct iface *i)
{
	enum dhcp6_mode m = i->dhcp ? i->dhcp->ipv6 : DHCP6_SLAAC;
	char l[16];
	lease_format(i->dhcp ? i->dhcp->lease : 3600, l, sizeof(l));
	buf_printf(b, "\n# IPv6 on %s (%s:%d): %s\n", i->name, r->file_base, i->ipv6_pos.line,
		   m == DHCP6_SLAAC	  ? "SLAAC from router advertisements"
		   : m == DHCP6_STATELESS ? "SLAAC, other settings by stateless DHCPv6"
					  : "addresses by DHCPv6 (stateful), no SLAAC");
	if (m == DHCP6_STATEFUL)
		buf_printf(b, "dhcp-range=set:%s,::1000,::ffff,constructor:%s,64,%s\n", i->name,
			   i->name, l);
	else
		buf_printf(b, "dhcp-range=set:%s,::,constructor:%s,%s,ra-names,64,%s\n", i->name,
			   i->name, m == DHCP6_SLAAC ? "ra-only" : "ra-stateless", l);
	if (!dns_served(i)) {
		buf_printf(b,
			   "# Zone %s does not open dns: advertise no DNS server.\n"
			   "dhcp-option=tag:%s,option6:dns-server\n",
			   i->zone ? i->zone->name : "?", i->name);
		return;
	}
	if (r->dns.domain[0])
		buf_printf(b,
			   "# The search domain, in the RA (DNSSL) and to DHCPv6 clients.\n"
			   "dhcp-option=tag:%s,option6:domain-search,%s\n",
			   i->name, r->dns.domain);
}

/* `server=/NAME/` with no address: local only, so dnsmasq answers
 * NXDOMAIN for NAME and everything under it (there are no local records
 * for them: no-hosts). 1,000,000 of them load in seconds (dnsmasq 2.86+
 * keeps them in a sorted array: the cost of an unlisted query does not
 * grow with the list; docs/performance.md, figure 10). */
void render_dnsmasq_blocked(const char *name, char *out, size_t size)
{
	snprintf(out, size, "server=/%s/\n", name);
}

char *render_dnsmasq(const struct router *r, const struct render_paths *p)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "# generated by nftrouter from %s; do not edit\n", r->file_base);
	buf_puts(&b, "# Read nothing from the host: upstreams and names come from this file.\n"
		     "no-resolv\nno-hosts\n"
		     "# Bind each address of the listed ports, and follow ports and addresses\n"
		     "# that appear later (optional ports, DHCP-configured addresses).\n"
		     "bind-dynamic\n"
		     "# Not on loopback: this instance serves the networks, not the router.\n"
		     "except-interface=lo\n");
	buf_puts(&b, "# Ports with a DHCP server, in a zone that opens dns, or with router\n"
		     "# advertisements.\n");
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *f = &r->ifaces[i];
		if (f->dhcp || dns_served(f) || iface_ra(f))
			buf_printf(&b, "interface=%s\n", f->name);
	}
	put_dns(&b, r, p);
	if (r->n_dhcps || any_ra(r)) {
		buf_printf(&b,
			   "\n# DHCP: the only server on these networks, so answer clients that\n"
			   "# ask for a lease another server gave (after a reinstall, a move).\n"
			   "dhcp-authoritative\n"
			   "dhcp-leasefile=%s/dnsmasq.leases\n",
			   p->state_dir);
		for (size_t i = 0; i < r->n_dhcps; i++)
			put_dhcp(&b, r, &r->dhcps[i]);
	}
	if (any_ra(r)) {
		buf_puts(&b, "\n# Router advertisements on the ports below (RDNSS: the router; DNSSL:\n"
			     "# the local domain).\nenable-ra\n");
		for (size_t i = 0; i < r->n_ifaces; i++)
			if (iface_ra(&r->ifaces[i]))
				put_ra(&b, r, &r->ifaces[i]);
	}
	buf_printf(&b, "\npid-file=%s/dnsmasq.pid\n", p->run_dir);
	return buf_steal(&b);
}
