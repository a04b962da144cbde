/* The daemon's state, shared by its files. Not a contract: only
 * src/daemon includes it.
 *
 * The files call downwards only, never in a circle:
 *
 *   loop.c      start, signals, the loop, stop: wires the others
 *   ctlsrv.c    the control socket and its requests
 *   reload.c    load/apply a config (first apply fails closed), reload
 *   links.c     rtnetlink link events
 *   dhcp6.c     DHCPv6 delegations and the LAN's renumbering
 *   pppoe.c     PPPoE WANs: session events (IPv4 and IPv6), status
 *   services.c  which children the model asks for, DHCP events
 *   pppoe_conf.c  a PPPoE port's children: pppd's options and password,
 *               the DUID address of the session's dhcpcd
 *   child.c     supervision of one child: spawn, log, reap, backoff
 *   metrics.c   the Prometheus endpoint (libmicrohttpd in the loop)
 *   page.c      the status page beside it, and its traffic history
 *   dnsstat.c   dnsmasq's query counters, asked over DNS for the metrics
 *   fwlog.c     the firewall log: NFLOG events into the log and a ring
 *   log.c, poller.c, notify.c   the log, event sources, sd_notify
 *
 * Event sources are callbacks (poller.h): whoever opens an fd watches it
 * with the function to call and that function's data; nothing else
 * needs to know it exists. A file that must hear from one above it takes
 * a callback too (struct child's on_line). tests/docs/check-daemon-calls
 * fails the suite on a circle. */
#ifndef NFTROUTER_DAEMON_INTERNAL_H
#define NFTROUTER_DAEMON_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/poller.h"
#include "model/model.h"
#include "system/apply.h"
#include "system/ctl.h"
#include "util/buf.h"
#include "util/diag.h"

/* A documented limit (docs/control-socket.md): the 9th client is told
 * "busy", not left waiting. */
#define MAX_CLIENTS 8
#define MAX_LEARNED_DNS 8
#define CLIENT_TIMEOUT_MS 5000
#define CLIENT_DRAIN_MAX (4 << 20) /* past this, a peer that keeps sending is cut */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
#define STABLE_SECS 60 /* a child up this long starts again from BACKOFF_MIN_MS */
#define STOP_TIMEOUT_MS 5000
#define DHCP_ERROR_MAX 256

struct daemon;

/* What reload.c asks of the kernel, behind two pointers (as apply's
 * link_backend) so that the unit tests drive daemon_load and
 * daemon_reload without root: the first apply failing into fail-closed,
 * a refused reload keeping the config that runs, a metric change
 * renewing a lease. NULL in struct daemon: daemon_sys_kernel. */
struct daemon_sys {
	enum exit_status (*apply)(const struct router *r, const struct apply_opts *o,
				  struct diags *dg);
	/* failsafe_ensure: FAILSAFE_KEPT, FAILSAFE_LOADED or -errno */
	int (*close)(const struct router *admin, const char *lock_dir, struct diags *dg);
};
extern const struct daemon_sys daemon_sys_kernel;

struct child {
	struct daemon *d;
	struct child *next;  /* d->children */
	bool wanted;         /* restart it when it exits */
	bool replacing;      /* stopped on purpose for a new config: restart at once */
	char name[32];       /* "dnsmasq", "unbound", "udhcpc-wan": the log prefix */
	char **argv;         /* NULL-terminated, owned */
	char *conf_path;     /* where conf is written, or NULL */
	char *conf;          /* the config it runs (or will run) with, owned */
	pid_t pid;           /* 0: not running */
	int out_fd;          /* its stdout+stderr, -1 when none */
	int timer_fd;        /* restart backoff */
	char line[512];      /* partial output line */
	size_t line_len;
	uint32_t backoff_ms;
	struct timespec started; /* CLOCK_MONOTONIC */
	unsigned restarts;
	int last_status;     /* wait status of the last exit, -1 none */
	char error[200];     /* why it cannot do its job (status, log), "" none */
	bool lease_unapplied; /* udhcpc: took a lease its hook has not reported yet */
	struct timespec lease_at; /* CLOCK_MONOTONIC of that lease */
	/* Called with each line of its output (after it is logged), by
	 * whoever wants to read it (services.c for the DHCP clients), so
	 * that child.c needs to know no kind of child. NULL: log only. */
	void (*on_line)(struct child *c, const char *line, size_t len);
	/* Called before each start, by whoever knows what a start of this
	 * kind of child needs (services_ha.c: conntrackd's stale lock file).
	 * NULL: nothing. */
	void (*before_spawn)(struct child *c);
};

struct client {
	struct daemon *d;
	struct client *next; /* d->clients */
	int fd;
	int timer_fd;
	bool unread;         /* replied before the whole request was read */
	bool draining;       /* replied; reading what is left until EOF */
	size_t drained;
	char in[CTL_LINE_MAX + 1]; /* a line and its newline */
	size_t in_len;
	char *out;
	size_t out_len, out_off;
};

/* The last DHCP event of a port, as its client's hook reported it. */
struct dhcp_event {
	int64_t time;        /* UNIX time; 0: none yet */
	char event[16];      /* "bound", "renew", "deconfig", ... */
	bool ok;
	char error[DHCP_ERROR_MAX]; /* why not ok, one line */
};

/* One delegated prefix as the DHCPv6 client's hook reported it
 * (RUN_DIR/dhcp6-PORT.env). */
struct dhcp6_prefix {
	struct cidr prefix;
	uint32_t valid, preferred; /* seconds from `time` */
	int64_t time;         /* UNIX time of the event */
	char event[16];       /* dhclient's reason: BOUND6, RENEW6, EXPIRE6, ... */
};

#define DHCP6_PREFIXES 4

/* The prefixes an `ipv6: dhcp` port holds (during a renumbering the old
 * one with lifetime 0 and the new one), and the one the LAN is numbered
 * from: the newest that is still preferred, else the newest valid one. */
struct dhcp6_state {
	struct dhcp6_prefix v[DHCP6_PREFIXES];
	size_t n;
	bool has;             /* `prefix` below is set */
	struct cidr prefix;
	uint32_t valid, preferred;
	int64_t time;         /* of the last event; 0: none yet */
	char event[16];
	struct ipaddr dns[MAX_LEARNED_DNS]; /* DHCPv6 name servers of the last lease */
	size_t n_dns;
};

/* A WAN's health checks (daemon/health.c): the probe socket and round
 * timer while `open`, and the state a reload keeps. */
struct health_state {
	struct daemon *d;
	size_t idx;           /* of the port */
	bool open;
	int sock, timer;      /* -1: closed */
	uint16_t id, seq;
	bool replied;         /* a target answered this round */
	bool down;
	unsigned fails, oks, rounds, transitions;
	int64_t since;        /* UNIX time of the last transition, 0 none */
};

/* A PPPoE port's session (daemon/pppoe.c), as its pppd's ip-up and
 * ip-down hooks reported it, and why its pppd is not started. With
 * `ipv6: dhcp`, IPV6CP's ipv6-up and ipv6-down the same way. */
struct ppp_state {
	int64_t time;         /* UNIX time of the last event; 0: none yet */
	bool up;              /* ip-up came last */
	char local[ADDR_STRLEN], remote[ADDR_STRLEN]; /* of the last ip-up */
	unsigned sessions;    /* ip-up events since the daemon started */
	char error[200];      /* pppd not started: why ("" when it runs) */
	int64_t time6;        /* UNIX time of the last ipv6-up/down; 0: none */
	bool up6;             /* ipv6-up came last: dhcpcd runs on the link */
	int ifindex6;         /* the session's link at ipv6-up (its default route) */
	char local6[ADDR_STRLEN], remote6[ADDR_STRLEN]; /* link-local, of the last ipv6-up */
};

/* What the daemon knows of one configured port (r->ifaces[i]). */
struct port_state {
	int ifindex;          /* 0: absent */
	bool carrier;
	struct ipaddr dns[MAX_LEARNED_DNS]; /* learned from its DHCP server */
	size_t n_dns;
	struct dhcp_event dhcp;
	int64_t lease_expiry;  /* UNIX time the applied IPv4 lease ends, 0 unknown */
	bool renew;           /* reload changed its metric: renew the lease now */
	struct dhcp6_state pd;    /* `ipv6: dhcp` ports */
	char v6_note[192];        /* a LAN port's IPv6 numbering problem, "" if none */
	struct health_state health;
	struct ppp_state ppp;     /* `ipv4: pppoe` ports */
};

/* ha.c: this router's part in an `ha:` pair, as keepalived's notify
 * hook reports it, and conntrackd's sync counters, sampled on a timer. */
enum ha_role { HA_ROLE_INIT, HA_ROLE_BACKUP, HA_ROLE_MASTER, HA_ROLE_FAULT, HA_ROLE_STOP };
#define HA_STATS_MS 2000    /* sampling conntrackd's counters */
#define HA_PEER_STALE_S 5   /* no sync message from the peer this long: unreachable */
struct ha_state {
	enum ha_role role;    /* INIT until keepalived's first report */
	int64_t since;        /* UNIX time of the last transition, 0: none */
	unsigned transitions;
	char error[200];      /* the last conntrackd step that failed, "" none */
	int timer;            /* -1: not sampling */
	bool stats_ok;
	uint64_t bytes_sent, bytes_recv, pkts_sent, pkts_recv, errors;
	int64_t peer_seen;    /* UNIX time the peer's messages last grew, 0: never */
};

struct daemon {
	const struct daemon_opts *o;
	const struct daemon_sys *sys; /* NULL: daemon_sys_kernel */
	struct poller poll;
	struct router *r;
	char *config_text;
	char hash[65];
	int sig_fd, listen_fd;
	struct link_events *nl; /* links.c */
	struct port_state *ports; /* r->n_ifaces */
	struct child *children;
	struct client *clients;
	size_t n_clients;
	struct timespec started;
	uint32_t reloads;
	bool stop;            /* SIGTERM/SIGINT: leave the loop */
	bool stopping;
	char *notify;         /* $NOTIFY_SOCKET, or NULL */
	/* Why the config last given could not be applied (the first apply or
	 * a reload), "" when it was; shown by status. */
	char *error;
	int64_t error_time;   /* UNIX time of that failure */
	/* The first apply failed: no config runs. The nftrouter table is the
	 * one that was loaded then (kept_ruleset) or the fail-closed one. */
	bool fail_closed;
	bool dnsblock_changed;   /* the dns.blocklists file changed: a running dnsmasq restarts */
	bool dnsblock_known;     /* dnsblock_names is what dnsmasq was given */
	uint64_t dnsblock_names; /* names in the dns.blocklists file last written */
	bool kept_ruleset;
	bool dirs_ok;         /* run and state dir made and trusted */
	int64_t apply_time;   /* UNIX time of the last apply or reload attempt */
	uint64_t log_events;  /* firewall log events read (fwlog.c) */
	struct metrics_srv *metrics; /* metrics.c, NULL when not serving */
	struct fwlog *fwlog;  /* fwlog.c, NULL when the NFLOG group is not read */
	struct page_hist *page; /* page.c, while the metrics endpoint is open */
	struct dnsstat *dnsstat; /* dnsstat.c, while the metrics endpoint is open */
	struct ha_state ha;   /* ha.c; role INIT without `ha:` */
};

/* log.c */
void daemon_log(struct daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Every diagnostic as a log line; the errors also into msg (may be NULL)
 * for the control socket's reply, one per line. */
void daemon_log_diags(struct daemon *d, struct diags *dg, struct buf *msg);
int64_t daemon_uptime(const struct timespec *since);

/* reload.c */
/* Load and apply the config. On the first apply a failure leaves the
 * last applied ruleset or a fail-closed one loaded (the router never
 * forwards unfiltered) and the daemon runs on. 0 or an exit status. */
int daemon_load(struct daemon *d, bool first, struct buf *msg);
/* Re-read the config; a reply for the control socket in *msg (malloc'd). */
int daemon_reload(struct daemon *d, char **msg);
/* The daemon cannot start (a refused dir, netlink, the socket): before it
 * exits, the router is closed as a failed first apply leaves it (the
 * loaded table kept, else the fail-closed one). */
void daemon_close_at_exit(struct daemon *d);

/* child.c: supervision */
/* A new child, in d->children, not started (child_start). Takes argv,
 * conf_path and conf. */
struct child *child_new(struct daemon *d, const char *name, char **argv, char *conf_path,
			char *conf);
int child_spawn(struct child *c);
void child_start(struct child *c); /* spawn, or retry after the backoff */
void child_reap(struct daemon *d);
void child_stop(struct child *c);
void child_stop_all(struct daemon *d);
/* Out of d->children and freed. */
void child_release(struct child *c);
void child_release_all(struct daemon *d);
struct child *child_find(struct daemon *d, const char *name);

/* wants.c: a child as the model asks for it, before services_sync
 * adopts it into a struct child. */
struct render_paths;
struct want {
	char name[32];
	char error[200]; /* udhcpc: its hook cannot run (status, log) */
	char **argv;
	char *conf_path;
	char *conf;
};

/* What the model asks for, grown as needed: no cap on children. */
struct wants {
	struct want *v;
	size_t n, cap;
};

/* Fills 0 or more wants (wants_add) for the model in d->r. 0 or -errno. */
typedef int services_fn(struct daemon *d, const struct render_paths *rp, struct wants *w);

/* RUN_DIR/FILE (malloc'd). */
char *services_path(struct daemon *d, const char *file);
/* A NULL-terminated argv of copies of n strings; NULL without memory. */
char **services_argv(size_t n, ...);
/* A new empty want at the end of the list, named; NULL without memory. */
struct want *wants_add(struct wants *w, const char *name);
void wants_free(struct wants *w);

/* services_ha.c: keepalived and conntrackd of an `ha:` router. */
struct render_paths;
int services_keepalived(struct daemon *d, const struct render_paths *rp, struct wants *ws);
int services_conntrackd(struct daemon *d, const struct render_paths *rp, struct wants *ws);
/* A child's before_spawn for its kind, or NULL. */
void (*services_before_spawn(const char *name))(struct child *c);

/* services.c: which children the model asks for, with which configs */
int services_sync(struct daemon *d);
/* Write RUN_DIR/dns-blocklist.conf from d->r's dns.blocklists (removed
 * when there are none), after a config is applied; services_sync then
 * restarts a running dnsmasq if it changed. 0 or -errno (logged). */
int services_dnsblock(struct daemon *d);
/* Children an earlier daemon left behind (it was SIGKILLed), by pid file. */
void services_stop_stale(struct daemon *d);
/* A DHCP client's hook reports on PORT: arg is "PORT [EVENT ok|EVENT
 * error MESSAGE]" (docs/control-socket.md). */
int services_dhcp_event(struct daemon *d, char *arg, struct diags *dg);
/* The child's error for status, or NULL: its own, or (set now) a lease
 * its hook has left unapplied for more than a few seconds. */
const char *services_child_error(struct child *c);

/* services.c: RUN_DIR/NAME (malloc'd). */
char *services_run_path(struct daemon *d, const char *file);

/* pppoe_conf.c: PPPoE WANs. pppd's options file for port i: the rendered
 * options and the password (*conf, malloc'd), or -errno with why in
 * d->ports[i].ppp.error (not started: no password, no trusted file).
 * hook_error: why its ip-up/ip-down hook cannot reach the daemon, "" if
 * it can (pppd runs anyway: the session works, status cannot follow it). */
struct render_paths;
int pppoe_conf(struct daemon *d, size_t i, const struct render_paths *rp, char **conf,
	       char *hook_error, size_t size);
/* `ppp-event PORT up|up6 LOCAL REMOTE` / `ppp-event PORT down|down6`
 * from the hook. up6: the IPv6 default route over the session's link and
 * dhcpcd on it; down6: that client stopped, the delegation withdrawn. */
int pppoe_event(struct daemon *d, char *arg, struct diags *dg);
/* pppoe_conf.c: port i's Ethernet address (the DUID of its session's
 * DHCPv6 client), or -errno, said in the log (the client is then not
 * started); that client's child name, "dhcpcd6-PORT". */
int pppoe_mac(struct daemon *d, size_t i, uint8_t mac[6]);
void pppoe_client_name(const struct iface *p, char *out, size_t size);
/* Before each start of a pppd (its child's before_spawn): an earlier
 * session's IPv6 is gone even if its pppd died without ipv6-down, so the
 * port's session has no IPv6 until the next ipv6-up, and a DHCPv6 client
 * still running on the vanished link is stopped. */
void pppoe_before_spawn(struct child *c);
/* Port i's session into h's ppp_* fields (pointers into d). */
struct status_health;
void pppoe_status(struct daemon *d, size_t i, struct status_health *h);

/* dhcp6.c: the DHCPv6 clients of `ipv6: dhcp` ports and the LAN
 * addresses derived from their delegations. */
/* `dhcp6-event PORT`: read the port's record, renumber the LAN ports. */
int dhcp6_event(struct daemon *d, const char *port, struct diags *dg);
/* The ULA and the delegations (pd: r->n_ifaces entries) as an ipv6_live. */
void dhcp6_live(struct daemon *d, struct ipv6_live *lv, struct cidr *pd);
/* Every present `{ from, subnet }` port gets exactly its derived addresses. */
void dhcp6_renumber(struct daemon *d);
/* For status: one entry per r->ifaces (malloc'd), or NULL. */
struct status_ipv6;
struct status_ipv6 *dhcp6_status(struct daemon *d);
/* At start: the still-valid delegations RUN_DIR/dhcp6-PORT.env records
 * for r's `ipv6: dhcp` ports (for the first apply), and into ports (for
 * status and the next events). */
struct ipv6_pd_known;
size_t dhcp6_recover(struct daemon *d, const struct router *r, struct ipv6_pd_known *out,
		     size_t max);
void dhcp6_recovered(struct daemon *d, const struct router *r, struct port_state *ports);
/* Carrier back on port i: rebind now (restart its client). */
void dhcp6_carrier_back(struct daemon *d, size_t i);
/* The link port p's DHCPv6 client runs on: the port, or a PPPoE port's
 * session link (its RUN_DIR/dhcp6-LINK.env and `dhcp6-event LINK`). */
const char *dhcp6_link(const struct iface *p);

/* Port i's delegation is gone with its link (a PPPoE session ended):
 * forget it, remove its unreachable route and the record, and number the
 * LAN without it (dnsmasq then advertises it deprecated). why: for the log. */
void dhcp6_withdraw(struct daemon *d, size_t i, const char *why);
/* health.c: WAN health checks (interfaces.X.health) */
int health_start(struct daemon *d);
void health_stop(struct daemon *d);
/* A PPPoE port's session came up: a WAN marked down gets the new
 * session's default route (the daemon's, at the port's metric) demoted too. */
void health_session_up(struct daemon *d, size_t i);

/* links.c: rtnetlink events */
int links_open(struct daemon *d);
void links_scan(struct daemon *d);
/* Ask port p's DHCP client for a new lease now (udhcpc: SIGUSR1). */
void links_renew(struct daemon *d, const struct iface *p);
void links_close(struct daemon *d);

/* ctlsrv.c: the control socket */
int ctlsrv_open(struct daemon *d);
void ctlsrv_close(struct daemon *d);

/* metrics.c: the Prometheus endpoint (metrics.listen). Start, move or
 * stop it to match d->r; a failure is logged, the daemon runs on. */
int metrics_sync(struct daemon *d);
void metrics_close(struct daemon *d);

/* page.c: the status page (GET / beside /metrics) and the traffic
 * history it draws, sampled between page_open and page_close. */
int page_open(struct daemon *d);
void page_close(struct daemon *d);
int page_render(struct daemon *d, struct buf *out);

/* dnsstat.c: dnsmasq's query counters (CHAOS TXT *.bind), read between
 * dnsstat_open and dnsstat_close. */
int dnsstat_open(struct daemon *d);
void dnsstat_close(struct daemon *d);
/* Ask again now unless a round is under way or just was. */
void dnsstat_kick(struct daemon *d);
/* The last complete round of the running dnsmasq, or NULL. Valid until
 * the next call. */
struct metrics_dns;
const struct metrics_dns *dnsstat_get(struct daemon *d);

/* fwlog.c: the firewall log (NFLOG group NFTROUTER_LOG_GROUP). */
int fwlog_open(struct daemon *d);
void fwlog_close(struct daemon *d);
/* The ring's events after seq `since` (at most max, the newest; 0: all
 * it holds), one line each (fwlog_format) into out. Returns the newest
 * seq (0: none yet). */
uint64_t fwlog_format_since(struct daemon *d, uint64_t since, size_t max, bool json,
			    struct buf *out);

/* ha.c: the `ha:` pair. */
/* `ha-event STATE` from the notify hook: keepalived's MASTER, BACKUP,
 * FAULT or STOP. Runs conntrackd's steps for it, then services_sync
 * (dnsmasq serves on the primary only). 0 or -EINVAL (dg). */
int ha_event(struct daemon *d, const char *state, struct diags *dg);
/* Start or stop sampling conntrackd's counters to match d->r. */
void ha_sync(struct daemon *d);
void ha_close(struct daemon *d);
/* Whether this router serves DHCP and DNS now: no `ha:`, or primary. */
static inline bool ha_serving(const struct daemon *d)
{
	return !d->r || !d->r->ha.on || d->ha.role == HA_ROLE_MASTER;
}
const char *ha_role_name(enum ha_role r);
/* Seen from the peer's sync messages within HA_PEER_STALE_S. */
bool ha_peer_reachable(const struct daemon *d);

/* notify.c: sd_notify without libsystemd */
int notify_send(const char *path, const char *state); /* path NULL: no-op */

#endif
