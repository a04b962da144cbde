/* The status page (docs/metrics.md, "Status page"): one HTML document,
 * no script, the traffic graphs as inline SVG. Pure: the daemon gathers
 * a struct page_in; tests/unit/render/test_status_page.c checks it. */
#ifndef NFTROUTER_RENDER_STATUS_PAGE_H
#define NFTROUTER_RENDER_STATUS_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct page_port {
	const char *name, *zone;
	bool present, carrier;
	const char *addrs;      /* "192.168.1.1/24 fd00::1/64", "" none */
	bool wan;               /* has the default route */
	const char *wan_state;  /* "dhcp bound", "health down", ... (wan only) */
};

/* One zone's traffic: bytes per second in and out, oldest first, one
 * point every `step` seconds. */
struct page_zone {
	const char *name;
	const double *in, *out;
	size_t n;
};

struct page_lease {
	const char *ip, *mac, *name;
	int64_t left;           /* seconds, -1 never expires */
};

struct page_in {
	const char *hostname, *hash;
	int64_t now;            /* UNIX time */
	unsigned step;          /* seconds between traffic points */
	const struct page_port *ports;
	size_t n_ports;
	const struct page_zone *zones;
	size_t n_zones;
	const struct page_lease *leases;
	size_t n_leases;
	const char *const *bans; /* "PREFIX (left)" */
	size_t n_bans;
	const char *log;         /* recent firewall log lines, newline-separated */
	bool has_dns;            /* dnsmasq's query counters (docs/metrics.md) */
	uint64_t dns_local, dns_forwarded;
	int64_t dns_time;        /* UNIX time they were read */
	const char *ha_role;     /* ha: "master", "backup", ...; NULL without ha: */
	bool ha_peer;            /* the peer's sync messages seen lately */
};

/* 0 or -ENOMEM. */
int render_status_page(const struct page_in *in, struct buf *out);

#endif
