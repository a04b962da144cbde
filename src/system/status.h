/* What `nftrouter status` and `leases` show, built the same way by the
 * daemon (over the control socket, with its children) and by the
 * commands alone (kernel state and state dir, no children). */
#ifndef NFTROUTER_SYSTEM_STATUS_H
#define NFTROUTER_SYSTEM_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/model.h"
#include "util/buf.h"

struct status_child {
	const char *name;
	pid_t pid;          /* 0: not running (waiting to restart) */
	int64_t uptime;     /* seconds */
	unsigned restarts;
	int last_status;    /* wait status of the last exit, -1 none */
	const char *error;  /* why it cannot do its job, or NULL */
};

/* A port's IPv6 as the daemon runs it: the prefix delegated to an
 * `ipv6: dhcp` port, the /64s a LAN port was numbered with. */
struct status_ipv6 {
	bool has_pd;
	struct cidr pd;
	uint32_t valid, preferred; /* as of `time` */
	int64_t time;              /* UNIX time of the last DHCPv6 event, 0: none */
	const char *event;         /* dhclient's reason */
	struct cidr lan[2];        /* delegated and ULA /64 */
	size_t n_lan;
	const char *note;          /* "" or why a delegated /64 is missing */
};

/* What the daemon knows of a WAN: its health checks (interfaces.X.health)
 * and its DHCP client's last event as the hook reported it. */
struct status_health {
	const char *name;   /* the port */
	bool checked;       /* health.on */
	bool down;
	int64_t since;      /* UNIX time of the last transition, 0 none */
	unsigned fails, oks, transitions;
	int64_t dhcp_time;  /* 0: no DHCP event (yet, or not a DHCP port) */
	const char *dhcp_event;
	bool dhcp_ok;
	const char *dhcp_error; /* "" when ok */
	/* An `ipv4: pppoe` port's session (daemon/pppoe.c), NULL otherwise:
	 * "up", "connecting" (pppd runs, no session yet or it went down),
	 * "not running" (between pppd's restarts), or "not started" with
	 * ppp_error saying why. */
	const char *ppp_state;
	int64_t ppp_time;       /* of the last ip-up/ip-down, 0 none */
	const char *ppp_local, *ppp_remote;
	unsigned ppp_sessions;
	const char *ppp_error;  /* "" none */
	/* The session's IPv6 (IPV6CP up: link-local addresses), NULL when
	 * it has none (down, or a port without ipv6: dhcp). */
	const char *ppp_local6, *ppp_remote6;
};

/* The daemon's view of an `ha:` pair (daemon/ha.c). */
struct status_ha {
	const char *role;       /* "init", "master", "backup", "fault", "stop" */
	int64_t since;          /* UNIX time of the last transition, 0: none */
	unsigned transitions;
	bool peer_reachable;    /* the peer's sync messages seen lately */
	int64_t peer_seen;      /* UNIX time they last grew, 0: never */
	bool stats_ok;          /* conntrackd answered the last sample */
	uint64_t bytes_sent, bytes_recv, pkts_sent, pkts_recv, errors;
	const char *error;      /* the last conntrackd step that failed, "" none */
};

struct status_daemon {
	const struct status_ha *ha; /* NULL without ha: */
	const struct status_health *health;
	size_t n_health;
	pid_t pid;
	int64_t uptime;
	uint32_t reloads;
	const struct status_child *children;
	size_t n_children;
	const struct status_ipv6 *v6; /* r->n_ifaces entries, or NULL */
	/* Why the config given last was not applied (at start or on
	 * reload), NULL when it was; at error_time (UNIX time). */
	const char *error;
	int64_t error_time;
	/* The first apply failed: no config runs. */
	bool fail_closed;
	/* What the nftrouter table is: "config" (the daemon's config),
	 * "kept" (what was loaded when the first apply failed: the last
	 * applied ruleset) or "fail-closed" (nothing forwarded). */
	const char *ruleset;
	/* dnsmasq's query counters as the daemon last read them (only while
	 * the metrics endpoint is open: docs/metrics.md, "DNS queries"). */
	bool has_dns;
	uint64_t dns_local, dns_forwarded;
	int64_t dns_time;
};

struct status_in {
	const struct router *r;  /* NULL: no config runs (a fail-closed daemon) */
	const char *config;     /* path the model came from */
	const char *hash;       /* sha256 of the applied config, or NULL: read STATE_DIR/applied.yaml */
	const char *state_dir, *run_dir;
	const struct status_daemon *daemon; /* NULL: no daemon runs */
};

/* The "wans" part (system/status_wan.c): each port with a default route,
 * its metric, the kernel's default routes through it, its health, and
 * which one carries new connections (the lowest metric in the kernel). */
void status_wans(const struct status_in *in, bool json, struct buf *b);

/* The "ha" part (system/status_ha.c): role, peer, last transition, sync
 * counters, and which virtual addresses this router's kernel holds. */
struct link_addr;
void status_ha(const struct status_in *in, const struct link_addr *addrs, size_t n_addrs,
	       bool json, struct buf *b);

/* "shaping" (system/status_shaping.c): each port with shaping, per
 * direction its qdisc (cake, or the htb fallback) and the kernel's
 * counters; CAKE's per tin. Nothing in text when no port is shaped. */
void status_shaping(const struct status_in *in, bool json, struct buf *b);

/* One JSON document / the human text. 0 or -errno. */
int status_format(const struct status_in *in, bool json, struct buf *out);

struct lease {
	int64_t expires;    /* UNIX time; 0 = never */
	char mac[64];       /* hardware address as dnsmasq wrote it */
	char ip[ADDR_STRLEN];
	char name[64];      /* "" = none */
	char client_id[256];/* "" = none */
};

/* STATE_DIR/dnsmasq.leases, in file order. A missing file is no leases. */
int leases_read(const char *state_dir, struct lease **out, size_t *n);
int leases_format(const struct lease *l, size_t n, bool json, struct buf *out);

#endif
