/* status: an `ha:` router's role in the pair, its peer, the last
 * transition, conntrackd's sync counters, and the virtual addresses this
 * router's kernel holds now (docs/ha.md). */
#include <time.h>

#include "system/link.h"
#include "system/status.h"
#include "util/json.h"

static bool status_ha_held(const struct ha_virtual *v, const struct link_addr *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addr_equal(&a[i].addr.addr, &v->addr.addr))
			return true;
	return false;
}

static void status_ha_json(const struct router *r, const struct status_ha *h,
			   const struct link_addr *addrs, size_t n, struct buf *b)
{
	char a[ADDR_STRLEN + 4];
	addr_format(&r->ha.peer, a, sizeof(a));
	buf_puts(b, ",\"ha\":{\"role\":");
	json_puts(b, h ? h->role : "unknown");
	buf_printf(b, ",\"priority\":%u,\"preempt\":%s,\"sync_interface\":", (unsigned)r->ha.priority,
		   r->ha.preempt ? "true" : "false");
	json_puts(b, r->ha.sync->name);
	buf_puts(b, ",\"peer\":");
	json_puts(b, a);
	if (h) {
		buf_printf(b,
			   ",\"peer_reachable\":%s,\"peer_seen\":%lld,\"last_transition\":%lld,"
			   "\"transitions\":%u,\"error\":",
			   h->peer_reachable ? "true" : "false", (long long)h->peer_seen,
			   (long long)h->since, h->transitions);
		if (h->error && h->error[0])
			json_puts(b, h->error);
		else
			buf_puts(b, "null");
		if (h->stats_ok)
			buf_printf(b,
				   ",\"sync\":{\"bytes_sent\":%llu,\"bytes_recv\":%llu,"
				   "\"packets_sent\":%llu,\"packets_recv\":%llu,\"errors\":%llu}",
				   (unsigned long long)h->bytes_sent, (unsigned long long)h->bytes_recv,
				   (unsigned long long)h->pkts_sent, (unsigned long long)h->pkts_recv,
				   (unsigned long long)h->errors);
		else
			buf_puts(b, ",\"sync\":null");
	}
	buf_puts(b, ",\"virtual\":[");
	for (size_t i = 0; i < r->ha.n_virt; i++) {
		const struct ha_virtual *v = &r->ha.virt[i];
		cidr_format(&v->addr, a, sizeof(a));
		buf_puts(b, i ? ",{\"interface\":" : "{\"interface\":");
		json_puts(b, v->iface->name);
		buf_puts(b, ",\"address\":");
		json_puts(b, a);
		buf_printf(b, ",\"held\":%s}", status_ha_held(v, addrs, n) ? "true" : "false");
	}
	buf_puts(b, "]}");
}

static void status_ha_text(const struct router *r, const struct status_ha *h,
			   const struct link_addr *addrs, size_t n, struct buf *b)
{
	char a[ADDR_STRLEN + 4];
	int64_t now = (int64_t)time(NULL);
	addr_format(&r->ha.peer, a, sizeof(a));
	buf_printf(b, "ha: %s, priority %u%s, peer %s on %s", h ? h->role : "unknown (no daemon)",
		   (unsigned)r->ha.priority, r->ha.preempt ? "" : " (no preempt)", a,
		   r->ha.sync->name);
	if (h) {
		buf_printf(b, " %s", h->peer_reachable ? "reachable" : "NOT REACHABLE");
		if (h->since)
			buf_printf(b, "; last transition %llds ago (%u in all)",
				   (long long)(now - h->since), h->transitions);
		else
			buf_puts(b, "; no transition yet");
	}
	buf_putc(b, '\n');
	if (h && h->stats_ok)
		buf_printf(b, "  sync: %llu packets sent, %llu received, %llu errors\n",
			   (unsigned long long)h->pkts_sent, (unsigned long long)h->pkts_recv,
			   (unsigned long long)h->errors);
	if (h && h->error && h->error[0])
		buf_printf(b, "  ERROR: %s\n", h->error);
	for (size_t i = 0; i < r->ha.n_virt; i++) {
		const struct ha_virtual *v = &r->ha.virt[i];
		cidr_format(&v->addr, a, sizeof(a));
		buf_printf(b, "  virtual %-18s on %-8s %s\n", a, v->iface->name,
			   status_ha_held(v, addrs, n) ? "held here" : "not here");
	}
}

void status_ha(const struct status_in *in, const struct link_addr *addrs, size_t n, bool json,
	       struct buf *b)
{
	const struct router *r = in->r;
	const struct status_ha *h = in->daemon ? in->daemon->ha : NULL;
	if (!r || !r->ha.on) {
		buf_puts(b, json ? ",\"ha\":null" : "");
		return;
	}
	if (json)
		status_ha_json(r, h, addrs, n, b);
	else
		status_ha_text(r, h, addrs, n, b);
}
