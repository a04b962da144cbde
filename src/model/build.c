/* The model's entry points: the top-level key table, the build order,
 * the look-ups, and router_free. Each section has its own file; this one
 * only dispatches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"
#include "model/model.h"
#include "model/proxmox.h"

static int hostname_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	if (expect_safe_text(d, n, "hostname") < 0)
		return -EINVAL;
	struct shown sh;
	if (!hostname_valid(n->str) || strchr(n->str, '.') ||
	    strlen(n->str) >= sizeof(r->hostname)) {
		diag_error(d, n->pos,
			   "hostname: invalid name '%s' (one DNS label: 1-63 letters, digits and "
			   "'-', not starting or ending with '-')",
			   node_show(n, &sh));
		return -EINVAL;
	}
	snprintf(r->hostname, sizeof(r->hostname), "%s", n->str);
	return 0;
}

/* Top-level keys, in build order: a section may use what the sections
 * above it built (zones resolve interfaces, dhcp resolves interfaces and
 * their zones). Adding a section is one line here. */
static const struct section {
	const char *key;
	int (*build)(const struct cfg_node *n, struct router *r, struct diags *d);
	bool required;
} sections[] = {
    {"hostname", hostname_build, false},
    {"interfaces", iface_build_all, true},
    {"offload", offload_build, false}, /* before zones: their default */
    {"zones", zone_build_all, true},
    {"rules", rule_build_all, false},
    {"port-forwards", portfwd_build_all, false},
    {"dhcp", dhcp_build_all, false},
    {"dns", dns_build, false},
    {"blackhole", blackhole_build, false},
    {"ipv6", ipv6_build, false},
    {"proxmox", proxmox_build, false},
    {"metrics", metrics_build, false},
    {"ha", ha_build, false},
};

#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static void top_check_keys(const struct cfg_node *root, struct diags *d)
{
	const char *allowed[N_SECTIONS + 1];
	for (size_t i = 0; i < N_SECTIONS; i++)
		allowed[i] = sections[i].key;
	allowed[N_SECTIONS] = NULL;
	check_keys(d, root, allowed, "router.yaml");
}

static struct router *router_new(const char *file, const char *origin)
{
	struct router *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->file = strdup(file);
	r->origin = strdup(origin);
	if (!r->file || !r->origin) {
		free(r->file);
		free(r->origin);
		free(r);
		return NULL;
	}
	const char *slash = strrchr(r->origin, '/');
	r->file_base = slash ? slash + 1 : r->origin;
	snprintf(r->hostname, sizeof(r->hostname), "router");
	r->blackhole.timeout = 86400;
	return r;
}

struct router *model_build(const struct cfg_doc *doc, struct diags *d)
{
	return model_build_from(doc, doc->file, d);
}

struct router *model_build_from(const struct cfg_doc *doc, const char *origin, struct diags *d)
{
	size_t errors = d->n_errors;
	const struct cfg_node *root = doc->root;
	struct pos top = {doc->file, 1, 1};
	struct router *r = NULL;
	if (!root) {
		diag_error(d, top,
			   "the file is empty; router.yaml needs at least 'interfaces' and "
			   "'zones'");
		goto out;
	}
	if (!expect_map(d, root, "router.yaml"))
		goto out;
	r = router_new(doc->file, origin);
	if (!r) {
		diag_error(d, top, "out of memory");
		goto out;
	}
	top_check_keys(root, d);
	for (size_t i = 0; i < N_SECTIONS; i++) {
		const struct cfg_node *n = cfg_map_get(root, sections[i].key);
		if (n)
			sections[i].build(n, r, d);
		else if (sections[i].required)
			diag_error(d, top, "router.yaml: missing '%s'", sections[i].key);
	}
	router_check(root, r, d);
out:
	if (d->n_errors != errors || d->oom) {
		router_free(r);
		return NULL;
	}
	return r;
}

void router_free(struct router *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		free(r->ifaces[i].addrs);
		free(r->ifaces[i].addrs6);
		free(r->ifaces[i].bridge_ports);
		wg_free(r->ifaces[i].wg);
		if (r->ifaces[i].pppoe)
			free(r->ifaces[i].pppoe->password_file);
		free(r->ifaces[i].pppoe);
	}
	free(r->ifaces);
	for (size_t i = 0; i < r->n_zones; i++) {
		free(r->zones[i].ifaces);
		free(r->zones[i].services);
		free(r->zones[i].forward);
		free(r->zones[i].icmp);
		free(r->zones[i].icmpv6);
		free(r->zones[i].offload);
	}
	free(r->zones);
	for (size_t i = 0; i < r->n_rules; i++) {
		free(r->rules[i].tcp.v);
		free(r->rules[i].udp.v);
		free(r->rules[i].log);
	}
	free(r->rules);
	free(r->fwds);
	for (size_t i = 0; i < r->n_dhcps; i++) {
		free(r->dhcps[i].hosts);
		free(r->dhcps[i].dns);
	}
	free(r->dhcps);
	free(r->dns.upstream);
	for (size_t i = 0; i < r->dns.n_blocklists; i++)
		free(r->dns.blocklists[i].path);
	free(r->dns.blocklists);
	for (size_t i = 0; i < r->blackhole.n_lists; i++)
		free(r->blackhole.lists[i].path);
	free(r->blackhole.lists);
	proxmox_free(r->proxmox);
	free(r->file);
	free(r->origin);
	free(r);
}

struct iface *model_iface(struct router *r, const char *name)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		if (r->ifaces[i].name[0] && strcmp(r->ifaces[i].name, name) == 0)
			return &r->ifaces[i];
	return NULL;
}

struct zone *model_zone(struct router *r, const char *name)
{
	for (size_t i = 0; i < r->n_zones; i++)
		if (r->zones[i].name[0] && strcmp(r->zones[i].name, name) == 0)
			return &r->zones[i];
	return NULL;
}

const struct iface *router_iface(const struct router *r, const char *name)
{
	return model_iface((struct router *)r, name);
}

const struct zone *router_zone(const struct router *r, const char *name)
{
	return model_zone((struct router *)r, name);
}

bool zone_has_service(const struct zone *z, const char *name)
{
	for (size_t i = 0; i < z->n_services; i++)
		if (strcmp(z->services[i]->name, name) == 0)
			return true;
	return false;
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_ACCEPT:
		return "accept";
	case VERDICT_DROP:
		return "drop";
	case VERDICT_REJECT:
		return "reject";
	}
	return "?";
}

int cidr_host_kind(const struct cidr *c, const struct ipaddr *a)
{
	if (c->addr.family != AF_INET || a->family != AF_INET || c->len >= 31)
		return 0;
	uint32_t mask = c->len ? 0xffffffffu << (32 - c->len) : 0;
	uint32_t host =
	    ((uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 | a->a[3]) &
	    ~mask;
	return host == 0 || host == ~mask ? -1 : 0;
}

const struct cidr *iface_subnet_of(const struct iface *i, const struct ipaddr *a)
{
	for (size_t k = 0; k < i->n_addrs; k++)
		if (cidr_contains(&i->addrs[k], a))
			return &i->addrs[k];
	return NULL;
}
