/* The Prometheus text exposition (format 0.0.4) of what the daemon knows
 * (docs/metrics.md). Pure: the daemon gathers a struct metrics_in, this
 * writes the text; tests/unit/render/test_metrics.c checks it. */
#ifndef NFTROUTER_RENDER_METRICS_H
#define NFTROUTER_RENDER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* A zone counter (`counters: true`): ZONE-ingress / ZONE-egress. */
struct metrics_zone {
	const char *zone;
	const char *direction; /* "ingress" or "egress" */
	uint64_t packets, bytes;
};

/* A configured port as the kernel counts it (rtnetlink link stats). */
struct metrics_port {
	const char *port;      /* the config's name */
	bool present;          /* a link matched: the rest is set */
	bool carrier;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped, tx_dropped;
	/* ipv4: dhcp ports: the last event of its client's hook. */
	bool dhcp;
	bool dhcp_bound;       /* the last event was bound/renew and was applied */
	int64_t dhcp_event_time; /* UNIX time, 0 none */
	int64_t dhcp_lease_expiry; /* UNIX time the applied lease ends, 0 unknown */
};

/* A DHCP range: leases in the lease file inside it, and its size. */
struct metrics_range {
	const char *port;
	uint64_t leases, size;
};

struct metrics_child {
	const char *name;
	bool up;
	unsigned restarts;
};

/* dnsmasq's own counters (CHAOS TXT *.bind), as the daemon last read
 * them. */
struct metrics_dns_upstream {
	const char *server;    /* "ADDR#PORT", as dnsmasq names it */
	uint64_t queries, failed;
};

struct metrics_dns {
	int64_t time;          /* UNIX time they were read */
	uint64_t local;        /* queries answered by dnsmasq itself (without the daemon's own) */
	uint64_t forwarded;    /* queries sent on to an upstream */
	uint64_t cache_size, cache_insertions, cache_evictions;
	const struct metrics_dns_upstream *upstreams;
	size_t n_upstreams;
};

struct metrics_in {
	const char *hash;        /* the applied config's SHA-256, NULL none */
	bool applied;            /* the last apply or reload succeeded */
	bool fail_closed;
	int64_t apply_time;      /* UNIX time of the last apply attempt */
	int64_t start_time;      /* the daemon's, UNIX time */
	uint64_t reloads;
	const struct metrics_zone *zones;
	size_t n_zones;
	const struct metrics_port *ports;
	size_t n_ports;
	const struct metrics_range *ranges;
	size_t n_ranges;
	const struct metrics_child *children;
	size_t n_children;
	bool has_conntrack;      /* the values below were readable */
	uint64_t conntrack_entries, conntrack_limit;
	bool has_bans;
	uint64_t bans;
	bool has_blocklist;
	uint64_t blocklist4, blocklist6; /* ranges loaded, after merging */
	bool has_dns_blocklist;
	uint64_t dns_blocklist_names; /* dns.blocklists: names dnsmasq answers NXDOMAIN */
	uint64_t log_events;     /* firewall log events read (NFLOG) */
	const struct metrics_dns *dns; /* NULL: not known (no DNS, dnsmasq down, no answer yet) */
	/* ha: (docs/ha.md): the role keepalived last reported ("init",
	 * "master", "backup", "fault", "stop"), transitions since the start,
	 * the peer's sync messages seen lately, conntrackd's sync counters. */
	bool ha;
	const char *ha_role;
	uint64_t ha_transitions;
	int64_t ha_last_transition; /* UNIX time, 0 none */
	bool ha_peer_reachable;
	bool ha_stats;           /* the counters below were read */
	uint64_t ha_sync_packets_sent, ha_sync_packets_recv, ha_sync_errors;
};

/* Append the exposition to out. 0, or -ENOMEM (out's oom). */
int render_metrics(const struct metrics_in *in, struct buf *out);

#endif
