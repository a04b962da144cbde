/* The lab's identity and topology: which hosts a config gets, and how each
 * router port is simulated. Pure (no kernel, no processes). */
#include "lab/lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* The simulated ISPs' networks, one per WAN port taking DHCP. */
static const char *const inet_nets[] = {"203.0.113.0", "198.51.100.0", "192.0.2.0"};

bool lab_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > LAB_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
			return false;
	return true;
}

void lab_error(struct lab *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_verror(&l->diags, nopos, fmt, ap);
	va_end(ap);
}

void lab_error_lines(struct lab *l, const char *text)
{
	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n");
		if (n)
			diag_error(&l->diags, nopos, "| %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

int lab_init(struct lab *l, const char *id)
{
	ssize_t n;
	memset(l, 0, sizeof(*l));
	if (!lab_id_valid(id)) {
		lab_error(l, "lab name '%s': use 1-%d characters of [a-z0-9]", id, LAB_ID_MAX);
		return -EINVAL;
	}
	l->stop_fd = -1;
	snprintf(l->id, sizeof(l->id), "%s", id);
	snprintf(l->dir, sizeof(l->dir), "%s/%s", LAB_BASE, id);
	n = readlink("/proc/self/exe", l->bin, sizeof(l->bin) - 1);
	if (n < 0)
		snprintf(l->bin, sizeof(l->bin), "nftrouter");
	else
		l->bin[n] = '\0';
	return 0;
}

static uint32_t ip4_get(const struct ipaddr *a)
{
	uint32_t v;
	memcpy(&v, a->a, 4);
	return ntohl(v);
}

static void ip4_set(struct ipaddr *a, uint32_t v)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	v = htonl(v);
	memcpy(a->a, &v, 4);
}

static bool router_has_addr(const struct iface *p, uint32_t v)
{
	for (size_t i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].addr.family == AF_INET && ip4_get(&p->addrs[i].addr) == v)
			return true;
	return false;
}

static bool in_dhcp_range(const struct iface *p, uint32_t v)
{
	return p->dhcp && v >= ip4_get(&p->dhcp->start) && v <= ip4_get(&p->dhcp->end);
}

/* A host address in the port's first static subnet that is neither the
 * router's nor in its DHCP range (nor any DHCP reservation/forward target
 * we would later add, which sit in the range or are added on top). */
static int pick_static(const struct iface *p, unsigned skip, struct cidr *out)
{
	struct cidr net;
	uint32_t base, size;
	if (p->n_addrs == 0 || p->addrs[0].addr.family != AF_INET || p->addrs[0].len > 30)
		return -ENOENT;
	cidr_network(&p->addrs[0], &net);
	base = ip4_get(&net.addr);
	size = 1u << (32 - net.len);
	for (uint32_t i = 1; i < size - 1 && i < 1024; i++) {
		if (router_has_addr(p, base + i) || in_dhcp_range(p, base + i) || skip-- > 0)
			continue;
		ip4_set(&out->addr, base + i);
		out->len = net.len;
		return 0;
	}
	return -ENOENT;
}

static bool name_used(const struct lab *l, size_t upto, const char *name)
{
	for (size_t i = 0; i < l->r->n_ifaces; i++)
		if (l->r->ifaces[i].match == MATCH_NAME && strcmp(l->r->ifaces[i].match_name, name) == 0)
			return true;
	for (size_t i = 1; i < upto; i++)
		if (strcmp(l->hosts[i].router_ifname, name) == 0)
			return true;
	return false;
}

static void port_kernel_identity(struct lab *l, size_t hi, size_t idx)
{
	struct lab_host *h = &l->hosts[hi];
	const struct iface *p = h->port;
	unsigned hash = 0;
	for (const char *c = l->id; *c; c++)
		hash = hash * 31 + (unsigned char)*c;
	/* Locally administered MACs for ports not matched by MAC. */
	h->mac[0] = 0x02;
	h->mac[1] = 0x6c;
	h->mac[2] = 0x61;
	h->mac[3] = (uint8_t)hash;
	h->mac[4] = (uint8_t)(hash >> 8);
	h->mac[5] = (uint8_t)idx;
	if (p->match == MATCH_NAME) {
		snprintf(h->router_ifname, sizeof(h->router_ifname), "%s", p->match_name);
		return;
	}
	if (p->match == MATCH_MAC)
		memcpy(h->mac, p->match_mac, 6);
	else
		h->pci_unsupported = true;
	/* At most n_ifaces + hi names are taken: that many tries and one
	 * more always find a free one. */
	for (size_t n = idx; n <= idx + l->r->n_ifaces + hi; n++) {
		snprintf(h->router_ifname, sizeof(h->router_ifname), "eth%u", (unsigned)(n % 1000));
		if (!name_used(l, hi, h->router_ifname))
			return;
	}
}

/* Members of one bridge share its subnet: each static client its own
 * address, by the member's place in the bridge. */
static unsigned member_index(const struct lab_host *h)
{
	for (size_t k = 0; h->member && k < h->port->n_bridge_ports; k++)
		if (h->port->bridge_ports[k] == h->member)
			return (unsigned)k;
	return 0;
}

static int host_role(struct lab *l, struct lab_host *h, size_t *n_inet)
{
	const struct iface *p = h->port;
	if (p->ipv4 == IPV4_PPPOE) {
		lab_error(l, "port '%s': the lab does not simulate a PPPoE ISP (tests/lab/vm-pppoe.sh "
			     "runs one in the guest kernel)",
			  p->name);
		return -EINVAL;
	}
	if (p->zone && (p->zone->masquerade || p->ipv4 == IPV4_DHCP)) {
		h->role = LAB_INTERNET;
		if (p->ipv4 != IPV4_DHCP) {
			/* A static WAN: the ISP sits next to it, no DHCP; at the
			 * port's gateway if it has one, so the router's default
			 * route leads to it. */
			pick_static(p, 0, &h->addr);
			for (size_t k = 0; p->has_gateway && k < p->n_addrs; k++) {
				if (cidr_contains(&p->addrs[k], &p->gateway)) {
					h->addr.addr = p->gateway;
					h->addr.len = p->addrs[k].len;
				}
			}
			return 0;
		}
		if (*n_inet >= sizeof(inet_nets) / sizeof(inet_nets[0])) {
			lab_error(l, "port '%s': the lab simulates at most %zu ISPs (ports taking DHCP)",
				  p->name, sizeof(inet_nets) / sizeof(inet_nets[0]));
			return -EINVAL;
		}
		struct ipaddr net;
		addr_parse4(inet_nets[(*n_inet)++], &net);
		ip4_set(&h->addr.addr, ip4_get(&net) + 1);
		h->addr.len = 24;
		h->dhcp_server = true;
		ip4_set(&h->pool_lo, ip4_get(&net) + 100);
		ip4_set(&h->pool_hi, ip4_get(&net) + 199);
		return 0;
	}
	h->role = LAB_CLIENT;
	if (p->dhcp)
		h->dhcp_client = true;
	else if (p->ipv4 == IPV4_STATIC)
		pick_static(p, member_index(h), &h->addr);
	return 0;
}

int lab_topology(struct lab *l)
{
	const struct router *r = l->r;
	size_t n_inet = 0;
	int ret;

	l->hosts = calloc(r->n_ifaces + 1, sizeof(*l->hosts));
	if (!l->hosts)
		return -ENOMEM;
	l->n_hosts = r->n_ifaces + 1;
	snprintf(l->hosts[0].name, sizeof(l->hosts[0].name), "router");
	snprintf(l->hosts[0].ns, sizeof(l->hosts[0].ns), "nftr-%s-router", l->id);
	l->hosts[0].role = LAB_ROUTER;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		struct lab_host *h = &l->hosts[i + 1];
		h->port = &r->ifaces[i];
		if (strcmp(h->port->name, "router") == 0) {
			lab_error(l, "port 'router': the lab calls its router namespace that; rename the port");
			return -EINVAL;
		}
		snprintf(h->name, sizeof(h->name), "%s", h->port->name);
		snprintf(h->ns, sizeof(h->ns), "nftr-%s-%s", l->id, h->port->name);
		h->absent = h->port->optional && !l->with_optional;
		/* A WireGuard port is the router's own link (apply makes it): no
		 * namespace stands behind it, and a veth of its name would be
		 * refused as not WireGuard. */
		if (h->port->wg)
			h->absent = true;
		if (h->port->bridge_node) {
			/* The daemon makes it; its clients sit on the members. */
			h->bridge = h->absent = true;
			snprintf(h->router_ifname, sizeof(h->router_ifname), "%s", h->port->name);
			h->role = LAB_CLIENT;
			continue;
		}
		port_kernel_identity(l, i + 1, i);
		if (h->port->bridge) {
			h->member = h->port;
			h->port = h->port->bridge;
		}
		ret = host_role(l, h, &n_inet);
		if (ret < 0)
			return ret;
	}
	return 0;
}

bool lab_interrupted(struct lab *l)
{
	struct signalfd_siginfo si;
	if (!l->interrupted && l->stop_fd >= 0 && read(l->stop_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		l->interrupted = true;
		lab_error(l, "interrupted by signal %u", si.ssi_signo);
	}
	return l->interrupted;
}

const struct lab_host *lab_host_find(const struct lab *l, const char *name)
{
	for (size_t i = 0; i < l->n_hosts; i++)
		if (strcmp(l->hosts[i].name, name) == 0)
			return &l->hosts[i];
	return NULL;
}

const struct lab_host *lab_router(const struct lab *l)
{
	return &l->hosts[0];
}

void lab_release(struct lab *l)
{
	diags_free(&l->diags);
	free(l->hosts);
	l->hosts = NULL;
	l->n_hosts = 0;
	router_free(l->r);
	l->r = NULL;
	router_free(l->r2);
	l->r2 = NULL;
}

void lab_path(const struct lab *l, const char *file, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", l->dir, file);
}

bool lab_exists(const struct lab *l)
{
	return access(l->dir, F_OK) == 0;
}

int lab_manifest_add(const struct lab *l, const char *kind, const char *value)
{
	char path[PATH_MAX];
	FILE *f;
	int ret = 0;
	lab_path(l, "manifest", path, sizeof(path));
	f = fopen(path, "a");
	if (!f)
		return -errno;
	fprintf(f, "%s %s\n", kind, value);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ret = -errno;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

int lab_manifest_get(const struct lab *l, const char *kind, char *out, size_t n)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	size_t k = strlen(kind);
	FILE *f;
	lab_path(l, "manifest", path, sizeof(path));
	out[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, kind, k) == 0 && line[k] == ' ') {
			snprintf(out, n, "%s", line + k + 1);
			break;
		}
	}
	fclose(f);
	return out[0] ? 0 : -ENOENT;
}
