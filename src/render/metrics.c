/* Prometheus text exposition: `# HELP`, `# TYPE`, then the samples of
 * each family together (the format requires a family's samples to be
 * contiguous). Names follow the conventions: the nftrouter_ prefix,
 * _total on counters, base units (bytes, seconds), and labels only of
 * bounded sets (zones, ports, ranges, children of the config). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "render/metrics.h"

/* A label value: backslash, double quote and newline escaped. */
static void label_value(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_putc(b, '\\');
		if (*s == '\n') {
			buf_puts(b, "\\n");
			continue;
		}
		buf_putc(b, *s);
	}
}

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* NAME{LABEL="VALUE"} V, or NAME V when label is NULL. */
static void sample(struct buf *b, const char *name, const char *label, const char *value,
		   uint64_t v)
{
	buf_puts(b, name);
	if (label) {
		buf_printf(b, "{%s=\"", label);
		label_value(b, value);
		buf_puts(b, "\"}");
	}
	buf_printf(b, " %" PRIu64 "\n", v);
}

static void zones(struct buf *b, const struct metrics_in *in)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} f[] = {
	    {"nftrouter_zone_packets_total",
	     "Packets through the zone's interfaces (zones with counters: true).",
	     offsetof(struct metrics_zone, packets)},
	    {"nftrouter_zone_bytes_total",
	     "Bytes through the zone's interfaces (zones with counters: true).",
	     offsetof(struct metrics_zone, bytes)},
	};
	for (size_t k = 0; k < 2 && in->n_zones; k++) {
		family(b, f[k].name, "counter", f[k].help);
		for (size_t i = 0; i < in->n_zones; i++) {
			const struct metrics_zone *z = &in->zones[i];
			buf_printf(b, "%s{zone=\"", f[k].name);
			label_value(b, z->zone);
			buf_puts(b, "\",direction=\"");
			label_value(b, z->direction);
			buf_printf(b, "\"} %" PRIu64 "\n",
				   *(const uint64_t *)(const void *)((const char *)z + f[k].off));
		}
	}
}

static void ports(struct buf *b, const struct metrics_in *in)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} f[] = {
	    {"nftrouter_port_receive_packets_total", "Packets the port received.",
	     offsetof(struct metrics_port, rx_packets)},
	    {"nftrouter_port_receive_bytes_total", "Bytes the port received.",
	     offsetof(struct metrics_port, rx_bytes)},
	    {"nftrouter_port_transmit_packets_total", "Packets the port sent.",
	     offsetof(struct metrics_port, tx_packets)},
	    {"nftrouter_port_transmit_bytes_total", "Bytes the port sent.",
	     offsetof(struct metrics_port, tx_bytes)},
	    {"nftrouter_port_receive_dropped_total", "Received packets the kernel dropped.",
	     offsetof(struct metrics_port, rx_dropped)},
	    {"nftrouter_port_transmit_dropped_total", "Packets to send the kernel dropped.",
	     offsetof(struct metrics_port, tx_dropped)},
	};
	if (!in->n_ports)
		return;
	family(b, "nftrouter_port_present", "gauge", "1 if a link matches the configured port.");
	for (size_t i = 0; i < in->n_ports; i++)
		sample(b, "nftrouter_port_present", "port", in->ports[i].port, in->ports[i].present);
	family(b, "nftrouter_port_carrier", "gauge", "1 if the port's link has carrier.");
	for (size_t i = 0; i < in->n_ports; i++)
		if (in->ports[i].present)
			sample(b, "nftrouter_port_carrier", "port", in->ports[i].port,
			       in->ports[i].carrier);
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		family(b, f[k].name, "counter", f[k].help);
		for (size_t i = 0; i < in->n_ports; i++) {
			const struct metrics_port *p = &in->ports[i];
			if (p->present)
				sample(b, f[k].name, "port", p->port,
				       *(const uint64_t *)(const void *)((const char *)p + f[k].off));
		}
	}
}

static void wan_dhcp(struct buf *b, const struct metrics_in *in)
{
	bool any = false;
	for (size_t i = 0; i < in->n_ports; i++)
		any |= in->ports[i].dhcp;
	if (!any)
		return;
	family(b, "nftrouter_dhcp_client_bound", "gauge",
	       "1 if the port's DHCP client holds an applied lease (ipv4: dhcp ports).");
	for (size_t i = 0; i < in->n_ports; i++)
		if (in->ports[i].dhcp)
			sample(b, "nftrouter_dhcp_client_bound", "port", in->ports[i].port,
			       in->ports[i].dhcp_bound);
	family(b, "nftrouter_dhcp_client_event_timestamp_seconds", "gauge",
	       "UNIX time of the DHCP client's last event (0: none yet).");
	for (size_t i = 0; i < in->n_ports; i++)
		if (in->ports[i].dhcp)
			sample(b, "nftrouter_dhcp_client_event_timestamp_seconds", "port",
			       in->ports[i].port, (uint64_t)in->ports[i].dhcp_event_time);
	/* The end, not the time left: a gauge that does not move between
	 * scrapes (time left is `- time()` in the query). */
	family(b, "nftrouter_dhcp_client_lease_expiry_timestamp_seconds", "gauge",
	       "UNIX time the applied lease ends (0: no lease applied).");
	for (size_t i = 0; i < in->n_ports; i++)
		if (in->ports[i].dhcp)
			sample(b, "nftrouter_dhcp_client_lease_expiry_timestamp_seconds", "port",
			       in->ports[i].port, (uint64_t)in->ports[i].dhcp_lease_expiry);
}

static void dhcp_ranges(struct buf *b, const struct metrics_in *in)
{
	if (!in->n_ranges)
		return;
	family(b, "nftrouter_dhcp_leases", "gauge", "Leases in the lease file inside the range.");
	for (size_t i = 0; i < in->n_ranges; i++)
		sample(b, "nftrouter_dhcp_leases", "range", in->ranges[i].port, in->ranges[i].leases);
	family(b, "nftrouter_dhcp_range_addresses", "gauge", "Addresses in the range.");
	for (size_t i = 0; i < in->n_ranges; i++)
		sample(b, "nftrouter_dhcp_range_addresses", "range", in->ranges[i].port,
		       in->ranges[i].size);
}

static void children(struct buf *b, const struct metrics_in *in)
{
	if (!in->n_children)
		return;
	family(b, "nftrouter_child_up", "gauge", "1 if the supervised process runs.");
	for (size_t i = 0; i < in->n_children; i++)
		sample(b, "nftrouter_child_up", "child", in->children[i].name, in->children[i].up);
	family(b, "nftrouter_child_restarts_total", "counter",
	       "Times the daemon restarted the process after it exited.");
	for (size_t i = 0; i < in->n_children; i++)
		sample(b, "nftrouter_child_restarts_total", "child", in->children[i].name,
		       in->children[i].restarts);
}

static void gauge(struct buf *b, const char *name, const char *type, const char *help, uint64_t v)
{
	family(b, name, type, help);
	sample(b, name, NULL, NULL, v);
}

static void filter(struct buf *b, const struct metrics_in *in)
{
	if (in->has_conntrack) {
		gauge(b, "nftrouter_conntrack_entries", "gauge", "Connections the kernel tracks.",
		      in->conntrack_entries);
		gauge(b, "nftrouter_conntrack_entries_limit", "gauge",
		      "The most connections the kernel tracks (nf_conntrack_max).",
		      in->conntrack_limit);
	}
	if (in->has_bans)
		gauge(b, "nftrouter_bans", "gauge", "Bans in force (the state file's).", in->bans);
	if (in->has_blocklist) {
		family(b, "nftrouter_blocklist_ranges", "gauge",
		       "Address ranges loaded from blackhole.lists, after merging.");
		buf_printf(b, "nftrouter_blocklist_ranges{family=\"ipv4\"} %" PRIu64 "\n",
			   in->blocklist4);
		buf_printf(b, "nftrouter_blocklist_ranges{family=\"ipv6\"} %" PRIu64 "\n",
			   in->blocklist6);
	}
	if (in->has_dns_blocklist)
		gauge(b, "nftrouter_dns_blocklist_names", "gauge",
		      "Names (with all under them) dnsmasq answers NXDOMAIN, from dns.blocklists.",
		      in->dns_blocklist_names);
	gauge(b, "nftrouter_log_events_total", "counter",
	      "Firewall log events the daemon read from its NFLOG group.", in->log_events);
}

static void dns(struct buf *b, const struct metrics_dns *d)
{
	const char *up_q = "nftrouter_dns_upstream_queries_total",
		   *up_f = "nftrouter_dns_upstream_failed_queries_total";
	if (!d)
		return;
	family(b, "nftrouter_dns_queries_total", "counter",
	       "DNS queries over UDP dnsmasq answered itself (result=local: cache, local names, "
	       "blocked names) or forwarded upstream (result=forwarded).");
	buf_printf(b, "nftrouter_dns_queries_total{result=\"local\"} %" PRIu64 "\n", d->local);
	buf_printf(b, "nftrouter_dns_queries_total{result=\"forwarded\"} %" PRIu64 "\n",
		   d->forwarded);
	if (d->n_upstreams) {
		family(b, up_q, "counter", "Queries dnsmasq sent to the upstream (retries included).");
		for (size_t i = 0; i < d->n_upstreams; i++)
			sample(b, up_q, "upstream", d->upstreams[i].server, d->upstreams[i].queries);
		family(b, up_f, "counter",
		       "Queries dnsmasq gave up on with the upstream and retried elsewhere.");
		for (size_t i = 0; i < d->n_upstreams; i++)
			sample(b, up_f, "upstream", d->upstreams[i].server, d->upstreams[i].failed);
	}
	gauge(b, "nftrouter_dns_cache_entries_limit", "gauge", "dnsmasq's cache size, in entries.",
	      d->cache_size);
	gauge(b, "nftrouter_dns_cache_insertions_total", "counter",
	      "Names dnsmasq put in its cache.", d->cache_insertions);
	gauge(b, "nftrouter_dns_cache_evictions_total", "counter",
	      "Cache entries dnsmasq dropped, still live, to make room.", d->cache_evictions);
	gauge(b, "nftrouter_dns_stats_timestamp_seconds", "gauge",
	      "UNIX time the DNS counters above were read from dnsmasq.", (uint64_t)d->time);
}

static void daemon_state(struct buf *b, const struct metrics_in *in)
{
	gauge(b, "nftrouter_start_time_seconds", "gauge", "UNIX time the daemon started.",
	      (uint64_t)in->start_time);
	gauge(b, "nftrouter_reloads_total", "counter", "Successful reloads since the start.",
	      in->reloads);
	gauge(b, "nftrouter_last_apply_timestamp_seconds", "gauge",
	      "UNIX time of the last apply or reload attempt.", (uint64_t)in->apply_time);
	gauge(b, "nftrouter_last_apply_success", "gauge",
	      "1 if the last apply or reload succeeded.", in->applied);
	gauge(b, "nftrouter_fail_closed", "gauge",
	      "1 if no config runs: the first apply failed and the router is closed.",
	      in->fail_closed);
	if (in->hash) {
		family(b, "nftrouter_config_info", "gauge",
		       "Always 1; hash is the SHA-256 of the applied config.");
		sample(b, "nftrouter_config_info", "hash", in->hash, 1);
	}
}

static void ha(struct buf *b, const struct metrics_in *in)
{
	static const char *const roles[] = {"init", "master", "backup", "fault", "stop"};
	if (!in->ha)
		return;
	family(b, "nftrouter_ha_role", "gauge",
	       "1 for the role this router has in its ha: pair (keepalived's last report).");
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		sample(b, "nftrouter_ha_role", "role", roles[i],
		       in->ha_role && strcmp(in->ha_role, roles[i]) == 0);
	gauge(b, "nftrouter_ha_transitions_total", "counter",
	      "Changes of ha: role since the daemon started.", in->ha_transitions);
	gauge(b, "nftrouter_ha_last_transition_timestamp_seconds", "gauge",
	      "UNIX time of the last change of ha: role (0: none yet).",
	      (uint64_t)in->ha_last_transition);
	gauge(b, "nftrouter_ha_peer_reachable", "gauge",
	      "1 if the peer's connection-sync messages arrived lately.", in->ha_peer_reachable);
	if (!in->ha_stats)
		return;
	family(b, "nftrouter_ha_sync_packets_total", "counter",
	       "conntrackd's sync packets on the sync port.");
	sample(b, "nftrouter_ha_sync_packets_total", "direction", "sent", in->ha_sync_packets_sent);
	sample(b, "nftrouter_ha_sync_packets_total", "direction", "received",
	       in->ha_sync_packets_recv);
	gauge(b, "nftrouter_ha_sync_errors_total", "counter",
	      "conntrackd's send and receive errors on the sync port.", in->ha_sync_errors);
}

int render_metrics(const struct metrics_in *in, struct buf *out)
{
	daemon_state(out, in);
	zones(out, in);
	ports(out, in);
	wan_dhcp(out, in);
	dhcp_ranges(out, in);
	children(out, in);
	filter(out, in);
	dns(out, in->dns);
	ha(out, in);
	return out->oom ? -ENOMEM : 0;
}
