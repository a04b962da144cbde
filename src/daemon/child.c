/* Supervision: start, log, reap, restart with backoff, stop. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/internal.h"
#include "system/proc.h"
#include "util/file.h"

struct child *child_find(struct daemon *d, const char *name)
{
	for (struct child *c = d->children; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

struct child *child_new(struct daemon *d, const char *name, char **argv, char *conf_path,
			char *conf)
{
	struct child *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->d = d;
	c->wanted = true;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->argv = argv;
	c->conf_path = conf_path;
	c->conf = conf;
	c->out_fd = c->timer_fd = -1;
	c->last_status = -1;
	c->backoff_ms = BACKOFF_MIN_MS;
	/* At the end: children start, and status lists them, in order. */
	struct child **pc = &d->children;
	while (*pc)
		pc = &(*pc)->next;
	*pc = c;
	return c;
}

static void child_on_output(int fd, uint32_t events, void *data);

static void child_close_output(struct child *c)
{
	if (c->out_fd < 0)
		return;
	/* Whatever is left in the pipe still belongs in the log. */
	child_on_output(c->out_fd, 0, c);
	if (c->line_len)
		daemon_log(c->d, "%s: %.*s", c->name, (int)c->line_len, c->line);
	c->line_len = 0;
	poller_unwatch_close(&c->d->poll, &c->out_fd);
}

int child_spawn(struct child *c)
{
	struct daemon *d = c->d;
	int rc;
	if (c->pid > 0)
		return 0;
	if (c->conf_path && c->conf && (rc = file_write_atomic(c->conf_path, c->conf, strlen(c->conf), 0600, 0)) < 0) {
		daemon_log(d, "nftrouter: %s: cannot write %s: %s", c->name, c->conf_path,
			   strerror(-rc));
		return rc;
	}
	if (c->before_spawn)
		c->before_spawn(c);
	rc = proc_spawn(c->argv, &c->pid, &c->out_fd);
	if (rc < 0) {
		daemon_log(d, "nftrouter: %s: cannot start %s: %s", c->name, c->argv[0], strerror(-rc));
		c->pid = 0;
		return rc;
	}
	if ((rc = poller_watch(&d->poll, c->out_fd, EPOLLIN, child_on_output, c)) < 0)
		daemon_log(d, "nftrouter: %s: its output is not logged: %s", c->name, strerror(-rc));
	clock_gettime(CLOCK_MONOTONIC, &c->started);
	c->replacing = false;
	daemon_log(d, "nftrouter: %s: started (pid %d)", c->name, (int)c->pid);
	return 0;
}

/* Schedule the next start after the backoff, or at once when the child
 * was stopped on purpose for a new config. */
static void child_on_timer(int fd, uint32_t events, void *data);

static void child_schedule(struct child *c)
{
	struct daemon *d = c->d;
	if (c->timer_fd < 0) {
		int rc = 0;
		c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (c->timer_fd < 0 ||
		    (rc = poller_watch(&d->poll, c->timer_fd, EPOLLIN, child_on_timer, c)) < 0) {
			rc = c->timer_fd < 0 ? -errno : rc;
			/* Loud: without its timer the child is not restarted. */
			daemon_log(d, "nftrouter: %s: error: no restart timer (%s), not restarted",
				   c->name, strerror(-rc));
			if (c->timer_fd >= 0)
				close(c->timer_fd);
			c->timer_fd = -1;
			return;
		}
	}
	uint32_t ms = c->replacing ? 1 : c->backoff_ms;
	struct itimerspec its = {.it_value = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000}};
	timerfd_settime(c->timer_fd, 0, &its, NULL);
	if (!c->replacing) {
		c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
		c->restarts++;
	}
}

void child_start(struct child *c)
{
	/* A missing program or an unwritable config is retried like a crash. */
	if (child_spawn(c) < 0)
		child_schedule(c);
}

static void child_on_timer(int fd, uint32_t events, void *data)
{
	struct child *c = data;
	uint64_t n;
	(void)events;
	if (read(fd, &n, sizeof(n)) < 0)
		return;
	if (c->wanted && c->pid == 0 && !c->d->stopping)
		child_start(c);
}

static void child_on_output(int fd, uint32_t events, void *data)
{
	struct child *c = data;
	struct daemon *d = c->d;
	char buf[4096];
	(void)events;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* EOF with the process alive (it closed its output): stop
			 * watching, or epoll reports the EOF forever. */
			if (n == 0)
				poller_unwatch(&d->poll, fd);
			return;
		}
		for (ssize_t i = 0; i < n; i++) {
			char ch = buf[i];
			if (ch == '\n' || c->line_len == sizeof(c->line) - 1) {
				daemon_log(d, "%s: %.*s", c->name, (int)c->line_len, c->line);
				if (c->on_line)
					c->on_line(c, c->line, c->line_len);
				c->line_len = 0;
				if (ch == '\n')
					continue;
			}
			c->line[c->line_len++] = (ch >= 0x20 || ch == '\t' || ch < 0) ? ch : '?';
		}
	}
}

static void child_on_exit(struct child *c, int status)
{
	struct daemon *d = c->d;
	int64_t up = daemon_uptime(&c->started);
	child_close_output(c);
	c->pid = 0;
	c->last_status = status;
	if (WIFSIGNALED(status))
		daemon_log(d, "nftrouter: %s: killed by signal %d (%s) after %llds", c->name,
			   WTERMSIG(status), strsignal(WTERMSIG(status)), (long long)up);
	else
		daemon_log(d, "nftrouter: %s: exited with status %d after %llds", c->name,
			   WEXITSTATUS(status), (long long)up);
	if (!c->wanted || d->stopping) {
		if (!c->wanted)
			child_release(c);
		return;
	}
	if (up >= STABLE_SECS || c->backoff_ms == 0)
		c->backoff_ms = BACKOFF_MIN_MS;
	if (!c->replacing)
		daemon_log(d, "nftrouter: %s: restarting in %u ms", c->name, c->backoff_ms);
	child_schedule(c);
}

void child_reap(struct daemon *d)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			return;
		for (struct child *c = d->children; c; c = c->next)
			if (c->pid == pid) {
				child_on_exit(c, status);
				break;
			}
	}
}

void child_stop(struct child *c)
{
	if (c->pid > 0)
		kill(c->pid, SIGTERM);
}

void child_release(struct child *c)
{
	struct daemon *d = c->d;
	for (struct child **pc = &d->children; *pc; pc = &(*pc)->next)
		if (*pc == c) {
			*pc = c->next;
			break;
		}
	poller_unwatch_close(&d->poll, &c->out_fd);
	poller_unwatch_close(&d->poll, &c->timer_fd);
	for (size_t i = 0; c->argv && c->argv[i]; i++)
		free(c->argv[i]);
	free(c->argv);
	free(c->conf_path);
	free(c->conf);
	free(c);
}

void child_release_all(struct daemon *d)
{
	while (d->children)
		child_release(d->children);
}

static size_t child_running(struct daemon *d)
{
	size_t n = 0;
	for (struct child *c = d->children; c; c = c->next)
		n += c->pid > 0;
	return n;
}

/* SIGTERM to all, wait up to STOP_TIMEOUT_MS for SIGCHLDs (the daemon is
 * leaving, so a bounded wait on the signalfd alone is right), then
 * SIGKILL what is left. */
void child_stop_all(struct daemon *d)
{
	for (struct child *c = d->children; c; c = c->next) {
		c->wanted = false;
		child_stop(c);
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	if (ep >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, d->sig_fd, &ev);
	while (ep >= 0 && child_running(d)) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = STOP_TIMEOUT_MS - ((now.tv_sec - t0.tv_sec) * 1000 +
					       (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		if (epoll_wait(ep, &ev, 1, (int)left) <= 0)
			continue;
		struct signalfd_siginfo si;
		while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		child_reap(d);
	}
	if (ep >= 0)
		close(ep);
	for (struct child *c = d->children, *next; c; c = next) {
		next = c->next; /* child_on_exit releases c */
		if (c->pid <= 0)
			continue;
		daemon_log(d, "nftrouter: %s: did not stop in %d ms, killing", c->name, STOP_TIMEOUT_MS);
		kill(c->pid, SIGKILL);
		int status;
		if (waitpid(c->pid, &status, 0) == c->pid)
			child_on_exit(c, status);
	}
}
