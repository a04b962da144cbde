/* status: the WANs (ports with an IPv4 default route), their routes in
 * the kernel, their health and which one carries new connections. */
#include <stdlib.h>
#include <string.h>

#include "system/link.h"
#include "system/route.h"
#include "system/status.h"
#include "util/json.h"

static const struct status_health *wan_health(const struct status_in *in, const char *name)
{
	for (size_t i = 0; in->daemon && i < in->daemon->n_health; i++)
		if (strcmp(in->daemon->health[i].name, name) == 0)
			return &in->daemon->health[i];
	return NULL;
}

/* A PPPoE port's session: its link, state and addresses. */
static void wan_ppp(const struct iface *p, const struct status_health *h, bool json, struct buf *b)
{
	const char *state = h && h->ppp_state ? h->ppp_state : "unknown (no daemon)";
	if (!json) {
		buf_printf(b, "  %-10s pppoe %s: %s", "", p->pppoe->ifname, state);
		if (h && h->ppp_state && strcmp(h->ppp_state, "up") == 0)
			buf_printf(b, " since %lld, %s peer %s", (long long)h->ppp_time, h->ppp_local,
				   h->ppp_remote);
		if (h && h->ppp_state)
			buf_printf(b, " (sessions: %u)", h->ppp_sessions);
		if (h && h->ppp_local6 && h->ppp_remote6)
			buf_printf(b, ", ipv6 %s peer %s", h->ppp_local6, h->ppp_remote6);
		if (h && h->ppp_error && h->ppp_error[0])
			buf_printf(b, ": %s", h->ppp_error);
		buf_putc(b, '\n');
		return;
	}
	buf_puts(b, ",\"pppoe\":{\"link\":");
	json_puts(b, p->pppoe->ifname);
	buf_puts(b, ",\"state\":");
	json_puts(b, state);
	bool up = h && h->ppp_state && strcmp(h->ppp_state, "up") == 0;
	buf_puts(b, ",\"local\":");
	if (up)
		json_puts(b, h->ppp_local);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"remote\":");
	if (up)
		json_puts(b, h->ppp_remote);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"ipv6\":");
	if (h && h->ppp_local6 && h->ppp_remote6) {
		buf_puts(b, "{\"local\":");
		json_puts(b, h->ppp_local6);
		buf_puts(b, ",\"remote\":");
		json_puts(b, h->ppp_remote6);
		buf_putc(b, '}');
	} else {
		buf_puts(b, "null");
	}
	buf_printf(b, ",\"time\":%lld,\"sessions\":%u,\"error\":", h ? (long long)h->ppp_time : 0LL,
		   h ? h->ppp_sessions : 0);
	if (h && h->ppp_error && h->ppp_error[0])
		json_puts(b, h->ppp_error);
	else
		buf_puts(b, "null");
	buf_putc(b, '}');
}

static void wan_one(const struct status_in *in, const struct iface *p, const struct route_default *v,
		    size_t n, int ifindex, bool carrying, bool json, struct buf *b)
{
	const struct status_health *h = wan_health(in, p->name);
	const char *state = !p->health.on ? "unchecked"
			    : !in->daemon ? "unknown (no daemon)"
			    : !h	  ? "unknown"
			    : h->down	  ? "down"
					  : "up";
	if (json) {
		buf_puts(b, "{\"name\":");
		json_puts(b, p->name);
		buf_printf(b, ",\"metric\":%u,\"present\":%s,\"carrying\":%s,\"routes\":[",
			   (unsigned)p->metric, ifindex ? "true" : "false", carrying ? "true" : "false");
	} else {
		buf_printf(b, "  %-10s metric %-5u health %-9s%s routes:", p->name, (unsigned)p->metric,
			   state, carrying ? " CARRYING NEW CONNECTIONS," : "");
	}
	size_t shown = 0;
	for (size_t k = 0; ifindex && k < n; k++) {
		char gw[ADDR_STRLEN];
		if (v[k].ifindex != ifindex)
			continue;
		addr_format(&v[k].gw, gw, sizeof(gw));
		if (json) {
			buf_puts(b, shown ? ",{\"via\":" : "{\"via\":");
			json_puts(b, v[k].gw.family ? gw : "");
			buf_printf(b, ",\"metric\":%u}", (unsigned)v[k].metric);
		} else {
			buf_printf(b, " default via %s metric %u", v[k].gw.family ? gw : "-",
				   (unsigned)v[k].metric);
		}
		shown++;
	}
	if (!json) {
		buf_puts(b, shown ? "\n" : " none\n");
		if (p->pppoe)
			wan_ppp(p, h, false, b);
		if (h && p->health.on)
			buf_printf(b, "  %-10s %u transition(s), last at %lld\n", "",
				   h->transitions, (long long)h->since);
		if (h && h->dhcp_time)
			buf_printf(b, "  %-10s last DHCP event: %s %s at %lld%s%s\n", "",
				   h->dhcp_event, h->dhcp_ok ? "ok" : "FAILED",
				   (long long)h->dhcp_time, h->dhcp_ok ? "" : ": ",
				   h->dhcp_ok ? "" : h->dhcp_error);
		return;
	}
	buf_puts(b, "],\"dhcp\":");
	if (h && h->dhcp_time) {
		buf_puts(b, "{\"event\":");
		json_puts(b, h->dhcp_event);
		buf_printf(b, ",\"ok\":%s,\"time\":%lld,\"error\":", h->dhcp_ok ? "true" : "false",
			   (long long)h->dhcp_time);
		if (h->dhcp_ok)
			buf_puts(b, "null");
		else
			json_puts(b, h->dhcp_error);
		buf_putc(b, '}');
	} else {
		buf_puts(b, "null");
	}
	if (p->pppoe)
		wan_ppp(p, h, true, b);
	buf_puts(b, ",\"health\":");
	if (!p->health.on) {
		buf_puts(b, "null}");
		return;
	}
	buf_puts(b, "{\"state\":");
	json_puts(b, state);
	if (h)
		buf_printf(b, ",\"since\":%lld,\"transitions\":%u,\"fails\":%u,\"oks\":%u",
			   (long long)h->since, h->transitions, h->fails, h->oks);
	buf_puts(b, "}}");
}

void status_wans(const struct status_in *in, bool json, struct buf *b)
{
	struct route_default *v = NULL;
	struct link_info *links = NULL;
	size_t n = 0, n_links = 0, first = 1;
	struct link_sock *s = link_sock_open();
	if (s)
		link_dump(s, &links, &n_links);
	link_sock_close(s);
	if (route_default_dump(&v, &n) < 0)
		n = 0;
	/* New connections take the default route with the lowest metric. */
	const struct route_default *best = NULL;
	for (size_t k = 0; k < n; k++)
		if (!best || v[k].metric < best->metric)
			best = &v[k];
	buf_puts(b, json ? ",\"wans\":[" : "wans:\n");
	/* in->r NULL: a fail-closed daemon runs no config, so no WAN. */
	for (size_t i = 0; in->r && i < in->r->n_ifaces; i++) {
		const struct iface *p = &in->r->ifaces[i];
		int ifindex = 0;
		if (!iface_has_default_route(p))
			continue;
		/* A PPPoE port's routes are on its session's link. */
		const char *name = p->pppoe ? p->pppoe->ifname : p->name;
		for (size_t k = 0; k < n_links; k++)
			if (strcmp(links[k].name, name) == 0)
				ifindex = links[k].ifindex;
		buf_puts(b, json && !first ? "," : "");
		first = 0;
		wan_one(in, p, v, n, ifindex, best && ifindex && best->ifindex == ifindex, json, b);
	}
	buf_puts(b, json ? "]" : "");
	free(v);
	free(links);
}
