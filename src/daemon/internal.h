/* The daemon's state, shared by its files (loop, children, control
 * socket, links, status). Not a contract: only src/daemon includes it. */
#ifndef NFTROUTER_DAEMON_INTERNAL_H
#define NFTROUTER_DAEMON_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "daemon/daemon.h"
#include "model/model.h"
#include "system/ctl.h"
#include "util/buf.h"

#define MAX_CHILDREN 18 /* dnsmasq, unbound, one DHCP client per WAN port */
#define MAX_CLIENTS 8
#define MAX_LEARNED_DNS 8
#define CLIENT_TIMEOUT_MS 5000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
#define STABLE_SECS 60 /* a child up this long starts again from BACKOFF_MIN_MS */
#define STOP_TIMEOUT_MS 5000

/* epoll data: the kind in the high half, an index in the low half. */
enum watch_kind { W_SIGNAL = 1, W_NETLINK, W_LISTEN, W_CLIENT, W_CLIENT_TIMER, W_CHILD_OUT, W_CHILD_TIMER };
#define WATCH(kind, idx) (((uint64_t)(kind) << 32) | (uint32_t)(idx))

struct child {
	bool used;
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
};

struct client {
	int fd;              /* -1: free slot */
	int timer_fd;
	char in[CTL_LINE_MAX];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
};

/* What the daemon knows of one configured port (r->ifaces[i]). */
struct port_state {
	int ifindex;          /* 0: absent */
	bool carrier;
	struct ipaddr dns[MAX_LEARNED_DNS]; /* learned from its DHCP server */
	size_t n_dns;
};

struct daemon {
	const struct daemon_opts *o;
	struct router *r;
	char *config_text;
	char hash[65];
	int epfd, sig_fd, listen_fd;
	struct mnl_socket *nl;
	unsigned nl_portid;
	struct port_state *ports; /* r->n_ifaces */
	struct child ch[MAX_CHILDREN];
	struct client cl[MAX_CLIENTS];
	struct timespec started;
	uint32_t reloads;
	bool stopping;
	char *notify;         /* $NOTIFY_SOCKET, or NULL */
};

void daemon_log(struct daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int daemon_watch(struct daemon *d, int fd, uint32_t events, uint64_t data);
void daemon_unwatch(struct daemon *d, int fd);
/* Unwatch and close *fd if open, then mark it closed (-1). */
void daemon_unwatch_close(struct daemon *d, int *fd);
/* Re-read the config; a reply for the control socket in *msg (malloc'd). */
int daemon_reload(struct daemon *d, char **msg);
int64_t daemon_uptime(const struct timespec *since);

/* child.c: supervision */
int child_spawn(struct daemon *d, struct child *c);
void child_start(struct daemon *d, struct child *c); /* spawn, or retry after the backoff */
void child_on_output(struct daemon *d, struct child *c);
void child_on_timer(struct daemon *d, struct child *c);
void child_reap(struct daemon *d);
void child_stop(struct daemon *d, struct child *c);
void child_stop_all(struct daemon *d);
void child_release(struct daemon *d, struct child *c);
struct child *child_find(struct daemon *d, const char *name);

/* services.c: which children the model asks for, with which configs */
int services_sync(struct daemon *d);
/* Children an earlier daemon left behind (it was SIGKILLed), by pid file. */
void services_stop_stale(struct daemon *d);
int services_dhcp_event(struct daemon *d, const char *port, char *err, size_t errlen);

/* links.c: rtnetlink events */
int links_open(struct daemon *d);
void links_scan(struct daemon *d);
void links_on_event(struct daemon *d);
void links_close(struct daemon *d);

/* ctlsrv.c: the control socket */
int ctlsrv_open(struct daemon *d);
void ctlsrv_close(struct daemon *d);
void ctlsrv_on_accept(struct daemon *d);
void ctlsrv_on_client(struct daemon *d, struct client *c, uint32_t events);
void ctlsrv_on_timeout(struct daemon *d, struct client *c);

/* notify.c: sd_notify without libsystemd */
int notify_send(const char *path, const char *state); /* path NULL: no-op */

#endif
