/* The status page: tables that need no script, and per zone an SVG
 * polyline of its traffic over the last hour. Every string from outside
 * the config (lease names, log lines) is escaped. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "render/status_page.h"

#define GRAPH_W 600
#define GRAPH_H 120

static void esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, *s);
		}
	}
}

static void cell(struct buf *b, const char *s)
{
	buf_puts(b, "<td>");
	esc(b, s);
	buf_puts(b, "</td>");
}

static void ports(struct buf *b, const struct page_in *in)
{
	buf_puts(b, "<h2>Ports</h2>\n<table id=\"ports\"><tr><th>port</th><th>zone</th>"
		    "<th>link</th><th>addresses</th><th>WAN</th></tr>\n");
	for (size_t i = 0; i < in->n_ports; i++) {
		const struct page_port *p = &in->ports[i];
		buf_puts(b, "<tr>");
		cell(b, p->name);
		cell(b, p->zone);
		cell(b, !p->present ? "absent" : p->carrier ? "up" : "no carrier");
		cell(b, p->addrs);
		cell(b, p->wan ? p->wan_state : "");
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</table>\n");
}

static double series_max(const struct page_zone *z)
{
	double m = 1;
	for (size_t i = 0; i < z->n; i++) {
		if (z->in[i] > m)
			m = z->in[i];
		if (z->out[i] > m)
			m = z->out[i];
	}
	return m;
}

static void polyline(struct buf *b, const double *v, size_t n, double max, const char *cls)
{
	buf_printf(b, "<polyline class=\"%s\" fill=\"none\" points=\"", cls);
	for (size_t i = 0; i < n; i++) {
		double x = n > 1 ? (double)i * GRAPH_W / (double)(n - 1) : GRAPH_W;
		double y = GRAPH_H - v[i] / max * (GRAPH_H - 4);
		buf_printf(b, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	buf_puts(b, "\"/>\n");
}

static void traffic(struct buf *b, const struct page_in *in)
{
	buf_printf(b, "<h2>Traffic per zone (last hour, a point every %u s)</h2>\n", in->step);
	for (size_t i = 0; i < in->n_zones; i++) {
		const struct page_zone *z = &in->zones[i];
		double max = series_max(z);
		buf_puts(b, "<figure><figcaption>");
		esc(b, z->name);
		buf_printf(b, ": in (blue) and out (orange), peak %.0f bytes/s</figcaption>\n", max);
		buf_puts(b, "<svg class=\"traffic\" data-zone=\"");
		esc(b, z->name);
		buf_printf(b, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
			      "xmlns=\"http://www.w3.org/2000/svg\">\n"
			      "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f8\"/>\n",
			   GRAPH_W, GRAPH_H, GRAPH_W, GRAPH_H);
		if (z->n) {
			polyline(b, z->in, z->n, max, "in");
			polyline(b, z->out, z->n, max, "out");
		}
		buf_puts(b, "</svg></figure>\n");
	}
}

static void leases(struct buf *b, const struct page_in *in)
{
	buf_printf(b, "<h2>Leases (%zu)</h2>\n<table id=\"leases\"><tr><th>address</th>"
		      "<th>MAC</th><th>name</th><th>expires in</th></tr>\n",
		   in->n_leases);
	for (size_t i = 0; i < in->n_leases; i++) {
		const struct page_lease *l = &in->leases[i];
		char left[32];
		if (l->left < 0)
			snprintf(left, sizeof(left), "never");
		else
			snprintf(left, sizeof(left), "%" PRId64 " s", l->left);
		buf_puts(b, "<tr>");
		cell(b, l->ip);
		cell(b, l->mac);
		cell(b, l->name);
		cell(b, left);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</table>\n");
}

static void dns(struct buf *b, const struct page_in *in)
{
	if (!in->has_dns)
		return;
	buf_printf(b,
		   "<h2>DNS</h2>\n<p id=\"dns\">%" PRIu64 " queries answered locally (cache, "
		   "local names, blocked names), %" PRIu64 " forwarded upstream; dnsmasq's "
		   "counters, read %" PRId64 " s ago.</p>\n",
		   in->dns_local, in->dns_forwarded, in->now - in->dns_time);
}

static void bans_log(struct buf *b, const struct page_in *in)
{
	buf_printf(b, "<h2>Bans (%zu)</h2>\n<ul id=\"bans\">\n", in->n_bans);
	for (size_t i = 0; i < in->n_bans; i++) {
		buf_puts(b, "<li>");
		esc(b, in->bans[i]);
		buf_puts(b, "</li>\n");
	}
	buf_puts(b, "</ul>\n<h2>Firewall log (newest last)</h2>\n<pre id=\"log\">");
	esc(b, in->log);
	buf_puts(b, "</pre>\n");
}

int render_status_page(const struct page_in *in, struct buf *b)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"refresh\" content=\"30\">\n<title>");
	esc(b, in->hostname);
	buf_puts(b, " - nftrouter</title>\n<style>\n"
		    "body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse}\n"
		    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}\n"
		    "polyline{stroke-width:2}.in{stroke:#1f77b4}.out{stroke:#ff7f0e}\n"
		    "pre{background:#f4f4f4;padding:4px;overflow-x:auto}\n</style></head>\n<body>\n<h1>");
	esc(b, in->hostname);
	buf_printf(b, "</h1>\n<p>config <code>%.12s</code>, page made at UNIX time %" PRId64
		      " (it reloads every 30 s). Metrics: <a href=\"/metrics\">/metrics</a>.</p>\n",
		   in->hash ? in->hash : "none", in->now);
	if (in->ha_role) {
		buf_puts(b, "<p>High availability (ha:): this router is <b>");
		esc(b, in->ha_role);
		buf_printf(b, "</b>; the peer is %s.</p>\n",
			   in->ha_peer ? "reachable" : "<b>not reachable</b>");
	}
	ports(b, in);
	traffic(b, in);
	leases(b, in);
	dns(b, in);
	bans_log(b, in);
	buf_puts(b, "</body></html>\n");
	return b->oom ? -ENOMEM : 0;
}
