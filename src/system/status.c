#include "system/status.h"

#include <errno.h>
#include <limits.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "system/apply.h"
#include "system/journal.h"
#include "system/link.h"
#include "system/proc.h"
#include "util/json.h"
#include "util/file.h"
#include "util/sha256.h"

struct kernel {
	struct link_info *links;
	size_t n_links;
	struct link_addr *addrs;
	size_t n_addrs;
};

static void status_match(const struct iface *p, char *out, size_t size)
{
	char mac[18];
	switch (p->match) {
	case MATCH_MAC:
		mac_format(p->match_mac, mac);
		snprintf(out, size, "mac %s", mac);
		break;
	case MATCH_NAME: snprintf(out, size, "name %s", p->match_name); break;
	case MATCH_PCI: snprintf(out, size, "pci %s", p->match_pci); break;
	}
}

static const char *status_ipv4(const struct iface *p)
{
	return p->ipv4 == IPV4_DHCP     ? "dhcp"
	       : p->ipv4 == IPV4_STATIC ? "static"
	       : p->ipv4 == IPV4_PPPOE  ? "pppoe"
					: "none";
}

static const struct link_info *status_link(const struct router *r, const struct kernel *k,
					   const struct iface *p)
{
	for (size_t j = 0; j < k->n_links; j++)
		if (link_find_port(r, &k->links[j]) == p)
			return &k->links[j];
	return NULL;
}

static void status_ipv6_json(const struct status_ipv6 *v, const struct iface *p, struct buf *b)
{
	char a[ADDR_STRLEN];
	int64_t age = v && v->time ? (int64_t)time(NULL) - v->time : 0;
	if (p->ipv6 == IPV6_DHCP && v) {
		buf_puts(b, ",\"delegated\":");
		if (v->has_pd) {
			cidr_format(&v->pd, a, sizeof(a));
			buf_puts(b, "{\"prefix\":");
			json_puts(b, a);
			buf_printf(b, ",\"valid\":%u,\"preferred\":%u,\"valid_left\":%lld,"
				      "\"preferred_left\":%lld,\"event\":",
				   (unsigned)v->valid, (unsigned)v->preferred,
				   (long long)(v->valid > age ? v->valid - age : 0),
				   (long long)(v->preferred > age ? v->preferred - age : 0));
			json_puts(b, v->event);
			buf_puts(b, "}");
		} else {
			buf_puts(b, "null");
		}
	}
	if (p->ipv6 == IPV6_LAN && v) {
		buf_puts(b, ",\"lan64\":[");
		for (size_t i = 0; i < v->n_lan; i++) {
			cidr_format(&v->lan[i], a, sizeof(a));
			buf_puts(b, i ? "," : "");
			json_puts(b, a);
		}
		buf_puts(b, "],\"ipv6_problem\":");
		json_puts(b, v->note);
	}
}

static void status_ipv6_text(const struct status_ipv6 *v, const struct iface *p, struct buf *b)
{
	char a[ADDR_STRLEN];
	if (p->ipv6 == IPV6_DHCP && v) {
		int64_t age = v->time ? (int64_t)time(NULL) - v->time : 0;
		if (!v->has_pd) {
			buf_puts(b, "           ipv6 dhcp: no delegated prefix");
			if (v->time)
				buf_printf(b, " (last event %s)", v->event);
			buf_putc(b, '\n');
			return;
		}
		cidr_format(&v->pd, a, sizeof(a));
		buf_printf(b, "           ipv6 dhcp: delegated %s, valid %llds, preferred %llds left (%s)\n",
			   a, (long long)(v->valid > age ? v->valid - age : 0),
			   (long long)(v->preferred > age ? v->preferred - age : 0), v->event);
	}
	if (p->ipv6 == IPV6_LAN && v) {
		buf_puts(b, "           ipv6 lan:");
		for (size_t i = 0; i < v->n_lan; i++) {
			cidr_format(&v->lan[i], a, sizeof(a));
			buf_printf(b, " %s", a);
		}
		buf_printf(b, "%s%s\n", v->note[0] ? "; " : "", v->note);
	}
}

/* A bridge member's link is a port of its bridge's link. */
static bool status_joined(const struct status_in *in, const struct kernel *k, const struct iface *p,
			  const struct link_info *l)
{
	const struct link_info *br = status_link(in->r, k, p->bridge);
	return l && br && l->master == br->ifindex;
}

static void status_port(const struct status_in *in, const struct kernel *k, const struct iface *p,
			bool json, struct buf *b)
{
	const struct status_ipv6 *v6 =
	    in->daemon && in->daemon->v6 ? &in->daemon->v6[p - in->r->ifaces] : NULL;
	char match[64], a[ADDR_STRLEN];
	const struct link_info *l = status_link(in->r, k, p);
	status_match(p, match, sizeof(match));
	if (json) {
		buf_puts(b, "{\"name\":");
		json_puts(b, p->name);
		buf_puts(b, ",\"match\":");
		json_puts(b, match);
		buf_printf(b, ",\"ipv4\":\"%s\",\"ipv6\":\"%s\",\"optional\":%s,\"zone\":",
			   status_ipv4(p), ipv6_mode_name(p->ipv6), p->optional ? "true" : "false");
		json_puts(b, p->zone ? p->zone->name : "");
		status_ipv6_json(v6, p, b);
		buf_printf(b, ",\"present\":%s", l ? "true" : "false");
		if (l) {
			buf_puts(b, ",\"kernel_name\":");
			json_puts(b, l->name);
			buf_printf(b, ",\"ifindex\":%d,\"up\":%s,\"carrier\":%s,\"mtu\":%d", l->ifindex,
				   (l->flags & IFF_UP) ? "true" : "false", l->carrier ? "true" : "false",
				   l->mtu);
		}
		if (p->bridge) {
			buf_puts(b, ",\"bridge\":");
			json_puts(b, p->bridge->name);
			buf_printf(b, ",\"joined\":%s", status_joined(in, k, p, l) ? "true" : "false");
		}
		buf_puts(b, ",\"addresses\":[");
	} else {
		buf_printf(b, "  %-8s %-26s ipv4 %-6s zone %-8s ", p->name, match, status_ipv4(p),
			   p->zone ? p->zone->name : "-");
		if (l)
			buf_printf(b, "%s%s, %s, %s,", l->name, strcmp(l->name, p->name) ? " (not renamed)" : "",
				   (l->flags & IFF_UP) ? "up" : "down", l->carrier ? "carrier" : "no carrier");
		else
			buf_printf(b, "absent%s", p->optional ? " (optional)" : " (REQUIRED)");
		if (l && p->bridge)
			buf_printf(b, " %sa port of %s,", status_joined(in, k, p, l) ? "" : "NOT ",
				   p->bridge->name);
	}
	bool first = true;
	for (size_t j = 0; l && j < k->n_addrs; j++) {
		if (k->addrs[j].ifindex != l->ifindex)
			continue;
		cidr_format(&k->addrs[j].addr, a, sizeof(a));
		if (json) {
			buf_puts(b, first ? "" : ",");
			json_puts(b, a);
		} else {
			buf_printf(b, " %s", a);
		}
		first = false;
	}
	if (!json && l && first)
		buf_puts(b, " no address");
	buf_puts(b, json ? "]}" : "\n");
	if (!json)
		status_ipv6_text(v6, p, b);
}

static void status_zone(const struct zone *z, bool json, struct buf *b)
{
	if (json) {
		buf_puts(b, "{\"name\":");
		json_puts(b, z->name);
		buf_printf(b, ",\"input\":\"%s\",\"masquerade\":%s,\"interfaces\":[",
			   verdict_name(z->input), z->masquerade ? "true" : "false");
	} else {
		buf_printf(b, "  %-8s input %-6s%s interfaces:", z->name, verdict_name(z->input),
			   z->masquerade ? " masquerade" : "");
	}
	for (size_t i = 0; i < z->n_ifaces; i++) {
		if (json) {
			buf_puts(b, i ? "," : "");
			json_puts(b, z->ifaces[i]->name);
		} else {
			buf_printf(b, " %s", z->ifaces[i]->name);
			/* The zone holds a PPPoE port's session link too. */
			if (z->ifaces[i]->pppoe)
				buf_printf(b, " (session %s)", z->ifaces[i]->pppoe->ifname);
		}
	}
	buf_puts(b, json ? "]}" : "\n");
}

static void status_children(const struct status_daemon *dm, bool json, struct buf *b)
{
	if (json) {
		buf_printf(b, ",\"daemon\":{\"pid\":%d,\"uptime\":%lld,\"reloads\":%u,\"fail_closed\":%s,"
			      "\"ruleset\":\"%s\",\"error\":",
			   (int)dm->pid, (long long)dm->uptime, dm->reloads, dm->fail_closed ? "true" : "false",
			   dm->ruleset ? dm->ruleset : "config");
		if (dm->error) {
			buf_printf(b, "{\"time\":%lld,\"message\":", (long long)dm->error_time);
			json_puts(b, dm->error);
			buf_putc(b, '}');
		} else {
			buf_puts(b, "null");
		}
		if (dm->has_dns)
			buf_printf(b, ",\"dns\":{\"local\":%llu,\"forwarded\":%llu,\"time\":%lld}",
				   (unsigned long long)dm->dns_local,
				   (unsigned long long)dm->dns_forwarded, (long long)dm->dns_time);
		else
			buf_puts(b, ",\"dns\":null");
		buf_puts(b, "},\"children\":[");
	} else {
		buf_printf(b, "daemon: pid %d, up %llds, %u reload(s)\n", (int)dm->pid,
			   (long long)dm->uptime, dm->reloads);
		if (dm->has_dns)
			buf_printf(b,
				   "dns: %llu queries answered locally, %llu forwarded upstream "
				   "(dnsmasq, read %llds ago)\n",
				   (unsigned long long)dm->dns_local,
				   (unsigned long long)dm->dns_forwarded,
				   (long long)((int64_t)time(NULL) - dm->dns_time));
		if (dm->error) {
			buf_printf(b, "last config NOT APPLIED (%llds ago):\n  ",
				   (long long)((int64_t)time(NULL) - dm->error_time));
			for (const char *c = dm->error; *c; c++)
				buf_puts(b, *c == '\n' ? "\n  " : (char[]){*c, 0});
			buf_putc(b, '\n');
		}
		buf_puts(b, "children:\n");
	}
	for (size_t i = 0; i < dm->n_children; i++) {
		const struct status_child *c = &dm->children[i];
		if (json) {
			buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
			json_puts(b, c->name);
			buf_printf(b, ",\"pid\":%d,\"running\":%s,\"uptime\":%lld,\"restarts\":%u,\"error\":",
				   (int)c->pid, c->pid ? "true" : "false", (long long)c->uptime,
				   c->restarts);
			if (c->error)
				json_puts(b, c->error);
			else
				buf_puts(b, "null");
			buf_putc(b, '}');
			continue;
		} else if (c->pid) {
			buf_printf(b, "  %-14s pid %-7d up %llds, %u restart(s)\n", c->name, (int)c->pid,
				   (long long)c->uptime, c->restarts);
		} else {
			buf_printf(b, "  %-14s not running (restarting), %u restart(s)\n", c->name,
				   c->restarts);
		}
		if (c->error)
			buf_printf(b, "  %-14s ERROR: %s\n", "", c->error);
	}
	if (json)
		buf_putc(b, ']');
}

static void status_head(const struct status_in *in, const char *hash, bool json, struct buf *b)
{
	struct apply_pending pend;
	int pending = apply_pending_get(in->run_dir, &pend);
	int64_t left = pending == 1 ? pend.deadline - (int64_t)time(NULL) : 0;
	/* An apply killed halfway (docs/apply.md, "Crash safety"): said, not
	 * repaired, here; status changes nothing. */
	char jpath[PATH_MAX];
	snprintf(jpath, sizeof(jpath), "%s/%s", in->state_dir, JOURNAL_NAME);
	bool interrupted = access(jpath, F_OK) == 0;
	if (json) {
		buf_puts(b, "{\"ok\":true,\"config\":");
		json_puts(b, in->config ? in->config : "");
		buf_puts(b, ",\"hostname\":");
		json_puts(b, in->r ? in->r->hostname : "");
		buf_puts(b, ",\"applied_hash\":");
		if (hash)
			json_puts(b, hash);
		else
			buf_puts(b, "null");
		if (pending == 1)
			buf_printf(b, ",\"pending_confirm\":{\"pid\":%d,\"deadline\":%lld,\"left\":%lld}",
				   (int)pend.pid, (long long)pend.deadline, (long long)left);
		else
			buf_puts(b, ",\"pending_confirm\":null");
		buf_printf(b, ",\"interrupted_apply\":%s", interrupted ? "true" : "false");
		return;
	}
	buf_printf(b, "router %s, config %s\napplied config: %s\n", in->r ? in->r->hostname : "-",
		   in->config ? in->config : "?", hash ? hash : "none (never applied)");
	if (in->daemon && in->daemon->fail_closed)
		buf_printf(b, "FAIL-CLOSED: the config could not be applied at start; %s until a "
			      "reload succeeds (the error is below)\n",
			   in->daemon->ruleset && strcmp(in->daemon->ruleset, "kept") == 0
			       ? "the ruleset loaded before is kept"
			       : "nothing is forwarded");
	if (pending == 1)
		buf_printf(b, "PENDING CONFIRM: rolls back in %llds unless `nftrouter confirm` runs\n",
			   (long long)left);
	if (interrupted)
		buf_printf(b, "INTERRUPTED APPLY: %s is there; the next apply, rollback or run "
			      "finishes or undoes it\n",
			   jpath);
}

int status_format(const struct status_in *in, bool json, struct buf *b)
{
	struct kernel k = {0};
	char hash[65], *applied = NULL;
	const char *h = in->hash;
	struct link_sock *s = link_sock_open();
	int rc = 0;
	if (!s || link_dump(s, &k.links, &k.n_links) < 0 ||
	    link_addr_dump(s, AF_INET, &k.addrs, &k.n_addrs) < 0) {
		rc = errno ? -errno : -EIO;
		goto out;
	}
	if (!h) {
		size_t len = strlen(in->state_dir) + 16;
		char *path = malloc(len);
		if (!path) {
			rc = -ENOMEM;
			goto out;
		}
		snprintf(path, len, "%s/applied.yaml", in->state_dir);
		if (file_read(path, 16 << 20, &applied, NULL) == 0) {
			sha256_hex(applied, strlen(applied), hash);
			h = hash;
		}
		free(path);
	}
	status_head(in, h, json, b);
	buf_puts(b, json ? ",\"ports\":[" : "ports:\n");
	for (size_t i = 0; in->r && i < in->r->n_ifaces; i++) {
		buf_puts(b, json && i ? "," : "");
		status_port(in, &k, &in->r->ifaces[i], json, b);
	}
	buf_puts(b, json ? "],\"zones\":[" : "zones:\n");
	for (size_t i = 0; in->r && i < in->r->n_zones; i++) {
		buf_puts(b, json && i ? "," : "");
		status_zone(&in->r->zones[i], json, b);
	}
	buf_puts(b, json ? "]" : "");
	status_wans(in, json, b);
	status_ha(in, k.addrs, k.n_addrs, json, b);
	status_shaping(in, json, b);
	if (in->daemon)
		status_children(in->daemon, json, b);
	else
		buf_puts(b, json ? ",\"daemon\":null,\"children\":[]" : "daemon: not running\n");
	buf_puts(b, json ? "}\n" : "");
	if (b->oom)
		rc = -ENOMEM;
out:
	free(applied);
	free(k.links);
	free(k.addrs);
	link_sock_close(s);
	return rc;
}

static void leases_field(char **p, char *out, size_t size)
{
	char *s = *p;
	while (*s == ' ')
		s++;
	size_t n = strcspn(s, " \n");
	snprintf(out, size, "%.*s", (int)n, s);
	if (strcmp(out, "*") == 0)
		out[0] = '\0';
	*p = s + n;
}

int leases_read(const char *state_dir, struct lease **out, size_t *n)
{
	size_t len = strlen(state_dir) + 20, cap = 0;
	char *path = malloc(len), *text = NULL;
	struct lease *v = NULL;
	int rc = 0;
	*out = NULL;
	*n = 0;
	if (!path)
		return -ENOMEM;
	snprintf(path, len, "%s/dnsmasq.leases", state_dir);
	rc = file_read(path, 64 << 20, &text, NULL);
	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, "duid ", 5) == 0 || !*line)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct lease *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		struct lease *l = &v[*n];
		char exp[32], *p = line;
		leases_field(&p, exp, sizeof(exp));
		l->expires = strtoll(exp, NULL, 10);
		leases_field(&p, l->mac, sizeof(l->mac));
		leases_field(&p, l->ip, sizeof(l->ip));
		leases_field(&p, l->name, sizeof(l->name));
		leases_field(&p, l->client_id, sizeof(l->client_id));
		(*n)++;
	}
	*out = v;
	v = NULL;
out:
	free(v);
	free(text);
	free(path);
	return rc;
}

int leases_format(const struct lease *l, size_t n, bool json, struct buf *b)
{
	int64_t now = (int64_t)time(NULL);
	if (json)
		buf_puts(b, "{\"ok\":true,\"leases\":[");
	else if (n)
		buf_printf(b, "%-17s %-15s %-20s %s\n", "MAC", "IP", "NAME", "EXPIRES IN");
	for (size_t i = 0; i < n; i++) {
		int64_t left = l[i].expires ? l[i].expires - now : 0;
		if (json) {
			buf_puts(b, i ? ",{\"mac\":" : "{\"mac\":");
			json_puts(b, l[i].mac);
			buf_puts(b, ",\"ip\":");
			json_puts(b, l[i].ip);
			buf_puts(b, ",\"name\":");
			json_puts(b, l[i].name);
			buf_puts(b, ",\"client_id\":");
			json_puts(b, l[i].client_id);
			buf_printf(b, ",\"expires\":%lld,\"left\":%lld}", (long long)l[i].expires,
				   (long long)(left < 0 ? 0 : left));
		} else if (l[i].expires) {
			buf_printf(b, "%-17s %-15s %-20s %llds\n", l[i].mac, l[i].ip,
				   l[i].name[0] ? l[i].name : "-", (long long)(left < 0 ? 0 : left));
		} else {
			buf_printf(b, "%-17s %-15s %-20s never\n", l[i].mac, l[i].ip,
				   l[i].name[0] ? l[i].name : "-");
		}
	}
	buf_puts(b, json ? "]}\n" : "");
	return b->oom ? -ENOMEM : 0;
}
