/* nftrouter run: the router daemon. One thread, one epoll loop over a
 * signalfd, an rtnetlink socket, the control socket and its clients, the
 * children's output pipes and one timerfd per child (restart backoff).
 * Nothing polls: the process sleeps in epoll_wait until the kernel, a
 * child or a client has something to say. docs/run.md. */
#ifndef NFTROUTER_DAEMON_H
#define NFTROUTER_DAEMON_H

#include <stdio.h>

struct daemon_opts {
	const char *config;     /* router.yaml */
	const char *state_dir;  /* leases, applied config */
	const char *run_dir;    /* control socket, rendered child configs */
	const char *tls_ca;     /* CA bundle for DNS over TLS; NULL = render default */
	const char *self;       /* this executable, for the DHCP client's hook */
	FILE *log;              /* the daemon's log (stderr under systemd: the journal) */
};

/* Apply, start the children, notify readiness, serve until SIGTERM or
 * SIGINT. A first apply that fails leaves the router fail-closed and the
 * daemon running (docs/run.md). Returns an exit status (util/exit.h): 0
 * after a clean stop, 3 when the daemon cannot start (a refused dir,
 * netlink, the control socket). */
int daemon_run(const struct daemon_opts *o);

/* udhcpc runs nftrouter itself as its script (main.c dispatches its
 * EVENT argument to dhcp-hook), with the daemon's dirs in these variables,
 * set by the daemon and inherited through udhcpc. */
#define HOOK_ENV_STATE_DIR "NFTROUTER_HOOK_STATE_DIR"
#define HOOK_ENV_RUN_DIR "NFTROUTER_HOOK_RUN_DIR"

#endif
