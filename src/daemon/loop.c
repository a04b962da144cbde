/* The daemon's start, event loop, reload and stop. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "daemon/internal.h"
#include "system/apply.h"
#include "system/proc.h"

/* The daemon's log is its output, so this is the one place outside cmd/
 * that prints: to the stream the command handed in. */
void daemon_log(struct daemon *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(d->o->log, fmt, ap);
	va_end(ap);
	fputc('\n', d->o->log);
	fflush(d->o->log);
}

int daemon_watch(struct daemon *d, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

void daemon_unwatch(struct daemon *d, int fd)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void daemon_unwatch_close(struct daemon *d, int *fd)
{
	if (*fd < 0)
		return;
	daemon_unwatch(d, *fd);
	close(*fd);
	*fd = -1;
}

int64_t daemon_uptime(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - since->tv_sec);
}

/* Every diagnostic as one log line, and the errors also into msg for the
 * control socket's reply. */
static void daemon_log_diags(struct daemon *d, struct diags *dg, struct buf *msg)
{
	diags_sort(dg);
	diags_print(dg, d->o->log);
	fflush(d->o->log);
	for (size_t i = 0; msg && i < dg->n; i++) {
		const struct diag *x = &dg->v[i];
		if (x->level != DIAG_ERROR)
			continue;
		if (msg->len)
			buf_putc(msg, '\n');
		if (x->pos.line)
			buf_printf(msg, "%s:%d:%d: error: %s", x->file ? x->file : "", x->pos.line, x->pos.col,
				   x->msg);
		else
			buf_printf(msg, "nftrouter: error: %s", x->msg);
	}
}

static struct port_state *daemon_ports_new(const struct router *r, const struct daemon *old)
{
	struct port_state *p = calloc(r->n_ifaces ? r->n_ifaces : 1, sizeof(*p));
	if (!p || !old || !old->r)
		return p;
	/* Learned DNS servers belong to a port name; keep them across a reload. */
	for (size_t i = 0; i < r->n_ifaces; i++)
		for (size_t j = 0; j < old->r->n_ifaces; j++)
			if (strcmp(r->ifaces[i].name, old->r->ifaces[j].name) == 0)
				p[i] = old->ports[j];
	return p;
}

/* Load, validate and apply the config. On success the daemon runs it;
 * on failure nothing of the daemon's state changed. */
static int daemon_load(struct daemon *d, bool first, struct buf *msg)
{
	struct diags dg = DIAGS_INIT;
	struct port_state *ports = NULL;
	int rc;
	/* Read once: what is applied is what is hashed and saved. */
	struct router_file *f = router_file_load(d->o->config, &dg);
	if (!f) {
		daemon_log_diags(d, &dg, msg);
		rc = EXIT_INVALID;
		goto out;
	}
	if (dg.n)
		daemon_log_diags(d, &dg, NULL);
	diags_free(&dg);
	struct apply_opts ao = {.state_dir = d->o->state_dir,
				.run_dir = d->o->run_dir,
				.config_path = d->o->config,
				.config_text = f->text,
				.ignore_pending = !first};
	enum exit_status st = apply_router(f->r, &ao, &dg);
	daemon_log_diags(d, &dg, msg);
	if (st != EXIT_OK) {
		daemon_log(d, "nftrouter: %s: not applied (status %d); the router stays as it was",
			   d->o->config, (int)st);
		rc = (int)st;
		goto out;
	}
	ports = daemon_ports_new(f->r, d);
	if (!ports) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	router_free(d->r);
	free(d->config_text);
	free(d->ports);
	d->r = f->r;
	d->config_text = f->text;
	d->ports = ports;
	memcpy(d->hash, f->hash, sizeof(d->hash));
	f->r = NULL;
	f->text = NULL;
	rc = EXIT_OK;
out:
	diags_free(&dg);
	router_file_free(f);
	return rc;
}

int daemon_reload(struct daemon *d, char **msg)
{
	struct buf b = BUF_INIT;
	char old[65];
	memcpy(old, d->hash, sizeof(old));
	daemon_log(d, "nftrouter: reloading %s", d->o->config);
	int rc = daemon_load(d, false, &b);
	if (rc == 0) {
		d->reloads++;
		links_scan(d);
		services_sync(d);
		daemon_log(d, "nftrouter: reloaded (config %.12s%s)", d->hash,
			   strcmp(old, d->hash) == 0 ? ", unchanged" : "");
		notify_send(d->notify, "STATUS=running (reloaded)");
	}
	*msg = buf_steal(&b);
	return rc;
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
	return daemon_watch(d, d->sig_fd, EPOLLIN, WATCH(W_SIGNAL, 0));
}

/* 1: stop requested. */
static int daemon_on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	int stop = 0;
	while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			child_reap(d);
		} else if (si.ssi_signo == SIGHUP) {
			char *msg = NULL;
			daemon_reload(d, &msg);
			free(msg);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			daemon_log(d, "nftrouter: %s: stopping (the firewall stays loaded)",
				   strsignal((int)si.ssi_signo));
			stop = 1;
		}
	}
	return stop;
}

static void daemon_dispatch(struct daemon *d, const struct epoll_event *ev, int *stop)
{
	uint32_t kind = (uint32_t)(ev->data.u64 >> 32), idx = (uint32_t)ev->data.u64;
	switch (kind) {
	case W_SIGNAL: *stop |= daemon_on_signal(d); break;
	case W_NETLINK: links_on_event(d); break;
	case W_LISTEN: ctlsrv_on_accept(d); break;
	case W_CLIENT: ctlsrv_on_client(d, &d->cl[idx], ev->events); break;
	case W_CLIENT_TIMER: ctlsrv_on_timeout(d, &d->cl[idx]); break;
	case W_CHILD_OUT: child_on_output(d, &d->ch[idx]); break;
	case W_CHILD_TIMER: child_on_timer(d, &d->ch[idx]); break;
	default: break;
	}
}

static int daemon_dirs(struct daemon *d)
{
	/* The run dir holds the root-only socket and configs: 0700. */
	if (mkdir(d->o->run_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (chmod(d->o->run_dir, 0700) < 0)
		return -errno;
	if (mkdir(d->o->state_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void daemon_free(struct daemon *d)
{
	ctlsrv_close(d);
	links_close(d);
	for (size_t i = 0; i < MAX_CHILDREN; i++)
		child_release(d, &d->ch[i]);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	if (d->epfd >= 0)
		close(d->epfd);
	router_free(d->r);
	free(d->config_text);
	free(d->ports);
	free(d->notify);
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon dm = {.o = o, .epfd = -1, .sig_fd = -1, .listen_fd = -1};
	struct daemon *d = &dm;
	struct buf msg = BUF_INIT;
	int rc = EXIT_SYSTEM, stop = 0;
	clock_gettime(CLOCK_MONOTONIC, &d->started);
	const char *ns = getenv("NOTIFY_SOCKET");
	if (ns && *ns)
		d->notify = strdup(ns);
	unsetenv("NOTIFY_SOCKET");
	for (size_t i = 0; i < MAX_CHILDREN; i++) {
		d->ch[i].out_fd = d->ch[i].timer_fd = -1;
		d->ch[i].last_status = -1;
	}
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		d->cl[i].fd = d->cl[i].timer_fd = -1;
	int err = daemon_dirs(d);
	if (err < 0) {
		daemon_log(d, "nftrouter: error: %s or %s: %s", o->run_dir, o->state_dir, strerror(-err));
		goto out;
	}
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0 || daemon_signals(d) < 0) {
		daemon_log(d, "nftrouter: error: epoll/signalfd: %s", strerror(errno));
		goto out;
	}
	/* Subscribe before applying, so no link event between the apply and
	 * the loop is lost. */
	if ((err = links_open(d)) < 0) {
		daemon_log(d, "nftrouter: error: rtnetlink: %s", strerror(-err));
		goto out;
	}
	/* The socket first: a second daemon must stop before it applies
	 * anything. Requests wait in the backlog until the loop runs. */
	if ((err = ctlsrv_open(d)) < 0) {
		daemon_log(d, "nftrouter: error: control socket in %s: %s%s", o->run_dir, strerror(-err),
			   err == -EADDRINUSE ? " (another nftrouter run serves it)" : "");
		goto out;
	}
	notify_send(d->notify, "STATUS=applying the config");
	rc = daemon_load(d, true, &msg);
	if (rc != 0)
		goto out;
	daemon_log(d, "nftrouter: applied %s (config %.12s)", o->config, d->hash);
	links_scan(d);
	services_stop_stale(d);
	services_sync(d);
	notify_send(d->notify, "READY=1\nSTATUS=running");
	daemon_log(d, "nftrouter: ready (pid %d)", (int)getpid());
	while (!stop) {
		struct epoll_event ev[16];
		int n = epoll_wait(d->epfd, ev, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			daemon_log(d, "nftrouter: error: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++)
			daemon_dispatch(d, &ev[i], &stop);
	}
	d->stopping = true;
	notify_send(d->notify, "STOPPING=1");
	ctlsrv_close(d);
	child_stop_all(d);
	daemon_log(d, "nftrouter: stopped");
	rc = stop ? EXIT_OK : EXIT_SYSTEM;
out:
	buf_free(&msg);
	daemon_free(d);
	return rc;
}
