/* status: each shaped port's qdiscs as the kernel counts them (read over
 * rtnetlink): egress on the port, ingress on its IFB; CAKE per tin. */
#include <linux/pkt_sched.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/status.h"
#include "system/tc.h"
#include "util/json.h"

/* The root of ifindex and its leaf (HTB's), from the dump q. */
static void roots(const struct tc_qdisc *q, size_t n, int ifindex, const struct tc_qdisc **root,
		  const struct tc_qdisc **leaf)
{
	*root = *leaf = NULL;
	for (size_t k = 0; k < n; k++) {
		if (q[k].ifindex != ifindex)
			continue;
		if (q[k].parent == TC_H_ROOT)
			*root = &q[k];
		else if (q[k].parent == TC_HANDLE(TC_MAJOR, 1))
			*leaf = &q[k];
	}
}

static void tins_json(const struct tc_qdisc *q, struct buf *b)
{
	buf_puts(b, ",\"tins\":[");
	for (size_t t = 0; t < q->n_tins; t++) {
		const struct tc_tin *x = &q->tins[t];
		buf_printf(b,
			   "%s{\"sent_bytes\":%llu,\"sent_packets\":%u,\"dropped\":%u,\"ecn_marked\":%u,"
			   "\"backlog_bytes\":%u,\"delay_peak_us\":%u,\"delay_avg_us\":%u,"
			   "\"delay_base_us\":%u,\"sparse_flows\":%u,\"bulk_flows\":%u}",
			   t ? "," : "", (unsigned long long)x->bytes, x->packets, x->drops, x->marks,
			   x->backlog, x->peak_us, x->avg_us, x->base_us, x->sparse, x->bulk);
	}
	buf_putc(b, ']');
}

static void tins_text(const struct tc_qdisc *q, struct buf *b)
{
	for (size_t t = 0; t < q->n_tins; t++) {
		const struct tc_tin *x = &q->tins[t];
		buf_printf(b,
			   "  %-10s   tin %zu: sent %llu bytes %u pkts, dropped %u, marked %u, backlog "
			   "%ub, delay avg %u us peak %u us\n",
			   "", t, (unsigned long long)x->bytes, x->packets, x->drops, x->marks,
			   x->backlog, x->avg_us, x->peak_us);
	}
}

static void side(const char *port, const char *dir, const char *dev, uint64_t want,
		 const struct tc_qdisc *root, const struct tc_qdisc *leaf, bool json, struct buf *b)
{
	bool ours = root && TC_H_MAJ(root->handle) == TC_HANDLE(TC_MAJOR, 0);
	char kind[40] = "none";
	if (ours)
		snprintf(kind, sizeof(kind), "%s%s%s", root->kind, leaf ? "+" : "",
			 leaf ? leaf->kind : "");
	if (json) {
		buf_printf(b, "\"%s\":{\"device\":", dir);
		json_puts(b, dev);
		buf_printf(b, ",\"rate_bps\":%llu,\"qdisc\":", (unsigned long long)want);
		json_puts(b, ours ? kind : "");
		if (ours)
			buf_printf(b, ",\"fallback\":%s", strcmp(root->kind, "cake") ? "true" : "false");
		if (ours)
			buf_printf(b,
				   ",\"sent_bytes\":%llu,\"sent_packets\":%u,\"dropped\":%u,"
				   "\"overlimits\":%u,\"backlog_bytes\":%u,\"backlog_packets\":%u",
				   (unsigned long long)root->bytes, root->packets,
				   root->drops + (leaf ? leaf->drops : 0), root->overlimits,
				   root->backlog, root->qlen);
		if (ours && strcmp(root->kind, "cake") == 0) {
			buf_printf(b, ",\"capacity_estimate_bps\":%llu",
				   (unsigned long long)root->capacity * 8);
			tins_json(root, b);
		}
		buf_putc(b, '}');
		return;
	}
	char rate[32];
	shaping_rate_format(want, rate, sizeof(rate));
	if (!ours) {
		buf_printf(b, "  %-10s %-7s %s %s: NOT SHAPED (no nftrouter qdisc on %s)\n", port, dir,
			   rate, dev, dev);
		return;
	}
	buf_printf(b,
		   "  %-10s %-7s %s %s %s: sent %llu bytes %u pkts, dropped %u, overlimits %u, "
		   "backlog %ub %up\n",
		   port, dir, rate, kind, dev, (unsigned long long)root->bytes, root->packets,
		   root->drops + (leaf ? leaf->drops : 0), root->overlimits, root->backlog, root->qlen);
	if (strcmp(root->kind, "cake") != 0)
		buf_printf(b, "  %-10s   (fallback: this kernel has no CAKE)\n", "");
	tins_text(root, b);
}

void status_shaping(const struct status_in *in, bool json, struct buf *b)
{
	struct tc_qdisc *q = NULL;
	size_t n = 0;
	bool first = true;
	struct tc_sock *t = tc_sock_open();
	if (!t || tc_qdisc_dump(t, 0, &q, &n) < 0)
		n = 0;
	tc_sock_close(t);
	buf_puts(b, json ? ",\"shaping\":[" : "");
	for (size_t i = 0; in->r && i < in->r->n_ifaces; i++) {
		const struct iface *p = &in->r->ifaces[i];
		const struct tc_qdisc *root, *leaf;
		char ifb[IFNAMSIZ];
		if (!p->shaping.on)
			continue;
		if (!json && first)
			buf_puts(b, "shaping:\n");
		if (json)
			buf_puts(b, first ? "{\"name\":" : ",{\"name\":");
		first = false;
		if (json)
			json_puts(b, p->name);
		if (p->shaping.egress) {
			roots(q, n, (int)if_nametoindex(p->name), &root, &leaf);
			buf_puts(b, json ? "," : "");
			side(p->name, "egress", p->name, p->shaping.egress, root, leaf, json, b);
		}
		if (p->shaping.ingress) {
			shaping_ifb_name(p->name, ifb);
			int x = (int)if_nametoindex(ifb);
			roots(q, x ? n : 0, x, &root, &leaf);
			buf_puts(b, json ? "," : "");
			side(p->name, "ingress", ifb, p->shaping.ingress, root, leaf, json, b);
		}
		buf_puts(b, json ? "}" : "");
	}
	buf_puts(b, json ? "]" : "");
	free(q);
}
