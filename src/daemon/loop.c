/* The daemon's start, event loop and stop.
 *
 * The loop knows no kinds of event sources: each is an fd watched with
 * its own callback (poller.h), by the file that owns it.
 *
 * To add an fd (a socket, a pipe, a timerfd):
 *     poller_watch(&d->poll, fd, EPOLLIN, my_on_ready, my_data);
 * and when done with it
 *     poller_unwatch_close(&d->poll, &fd);
 * my_on_ready(fd, events, my_data) runs in the loop: it must not block
 * (read until EAGAIN) and may watch or unwatch anything, itself included.
 *
 * To add a child process (a DHCP client, a resolver): write a services_fn
 * in services.c that adds a `want` (name, argv, optional rendered config)
 * for what the model asks, and list it in services[]. Start, restart with
 * backoff, log prefix, stop on reload or exit and the `status` entry come
 * with it; there is no cap on how many.
 *
 * To report something to `status`: keep it in struct daemon or
 * struct port_state (internal.h) and hand it over in ctlsrv.c's
 * req_status. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/internal.h"
#include "system/state.h"
#include "util/exit.h"
#include "util/file.h"

static void daemon_on_signal(int fd, uint32_t events, void *data)
{
	struct daemon *d = data;
	struct signalfd_siginfo si;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			child_reap(d);
		} else if (si.ssi_signo == SIGHUP) {
			char *msg = NULL;
			daemon_reload(d, &msg);
			free(msg);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			daemon_log(d, "nftrouter: %s: stopping (the firewall stays loaded)",
				   strsignal((int)si.ssi_signo));
			d->stop = true;
		}
	}
}

static int daemon_signals(struct daemon *d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	d->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig_fd < 0)
		return -errno;
	return poller_watch(&d->poll, d->sig_fd, EPOLLIN, daemon_on_signal, d);
}

/* Both dirs made 0700 if absent, and refused unless owned by root and
 * writable by nobody else (file_dir_check): the run dir holds the
 * root-only socket and the children's configs, the state dir what every
 * apply trusts. */
static int daemon_dirs(struct daemon *d)
{
	const char *dirs[] = {d->o->run_dir, d->o->state_dir};
	for (size_t i = 0; i < 2; i++) {
		struct diags why = DIAGS_INIT;
		int rc = state_mkdir(dirs[i]);
		if (rc == -EPERM && file_dir_check(dirs[i], i ? "state dir" : "run dir", &why) < 0) {
			daemon_log_diags(d, &why, NULL);
			diags_free(&why);
			return rc;
		}
		/* Ours, so no one else may even look at the socket's dir. */
		if (rc == 0 && i == 0 && chmod(dirs[i], 0700) < 0)
			rc = -errno;
		if (rc < 0) {
			daemon_log(d, "nftrouter: error: %s: %s", dirs[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static void daemon_free(struct daemon *d)
{
	metrics_close(d);
	fwlog_close(d);
	ctlsrv_close(d);
	health_stop(d);
	ha_close(d);
	links_close(d);
	child_release_all(d);
	if (d->sig_fd >= 0) {
		poller_unwatch(&d->poll, d->sig_fd);
		close(d->sig_fd);
	}
	poller_fini(&d->poll);
	router_free(d->r);
	free(d->config_text);
	free(d->ports);
	free(d->notify);
	free(d->error);
}

/* Everything before the first apply. 0 or -errno, logged. */
static int daemon_open(struct daemon *d)
{
	const struct daemon_opts *o = d->o;
	int err = daemon_dirs(d);
	if (err < 0)
		return err;
	d->dirs_ok = true;
	if ((err = poller_init(&d->poll)) < 0 || (err = daemon_signals(d)) < 0) {
		daemon_log(d, "nftrouter: error: epoll/signalfd: %s", strerror(-err));
		return err;
	}
	/* Subscribe before applying, so no link event between the apply and
	 * the loop is lost. */
	if ((err = links_open(d)) < 0) {
		daemon_log(d, "nftrouter: error: rtnetlink: %s", strerror(-err));
		return err;
	}
	/* The socket first: a second daemon must stop before it applies
	 * anything. Requests wait in the backlog until the loop runs. */
	if ((err = ctlsrv_open(d)) < 0) {
		daemon_log(d, "nftrouter: error: control socket in %s: %s%s", o->run_dir, strerror(-err),
			   err == -EADDRINUSE ? " (another nftrouter run serves it)" : "");
		return err;
	}
	/* Before the first apply, so the first logged packet is read. The
	 * router works without it (the group may be taken by another
	 * listener): a warning. */
	if ((err = fwlog_open(d)) < 0)
		daemon_log(d, "nftrouter: warning: firewall log (NFLOG group %d): %s; "
			      "`nftrouter log` shows nothing", NFTROUTER_LOG_GROUP, strerror(-err));
	return 0;
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon dm = {.o = o, .poll = {.epfd = -1}, .sig_fd = -1, .listen_fd = -1,
			  .ha = {.timer = -1}};
	struct daemon *d = &dm;
	struct buf msg = BUF_INIT;
	int rc = EXIT_SYSTEM;
	clock_gettime(CLOCK_MONOTONIC, &d->started);
	const char *ns = getenv("NOTIFY_SOCKET");
	if (ns && *ns)
		d->notify = strdup(ns);
	unsetenv("NOTIFY_SOCKET");
	int err = daemon_open(d);
	if (err < 0) {
		/* Another daemon serves the socket: the router is its own. */
		if (err != -EADDRINUSE)
			daemon_close_at_exit(d);
		goto out;
	}
	notify_send(d->notify, "STATUS=applying the config");
	rc = daemon_load(d, true, &msg);
	if (rc != 0)
		goto out;
	if (!d->fail_closed)
		daemon_log(d, "nftrouter: applied %s (config %.12s)", o->config, d->hash);
	links_scan(d);
	services_stop_stale(d);
	services_sync(d);
	metrics_sync(d);
	ha_sync(d);
	notify_send(d->notify, d->fail_closed ? "READY=1\nSTATUS=fail-closed: the config was not applied"
					      : "READY=1\nSTATUS=running");
	daemon_log(d, "nftrouter: ready (pid %d)", (int)getpid());
	while (!d->stop) {
		int n = poller_dispatch(&d->poll, -1);
		if (n == -EINTR)
			continue;
		if (n < 0) {
			daemon_log(d, "nftrouter: error: epoll_wait: %s", strerror(-n));
			break;
		}
	}
	d->stopping = true;
	notify_send(d->notify, "STOPPING=1");
	ctlsrv_close(d);
	child_stop_all(d);
	daemon_log(d, "nftrouter: stopped");
	rc = d->stop ? EXIT_OK : EXIT_SYSTEM;
out:
	buf_free(&msg);
	daemon_free(d);
	return rc;
}
