/* conntrackd commands (system/ha.h). Run synchronously by the daemon when
 * keepalived reports a new state: each one is a request over conntrackd's
 * UNIX socket that returns in milliseconds; the timeout bounds a hung one. */
#include "system/ha.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "system/proc.h"
#include "util/buf.h"
#include "util/diag.h"

const char *const *ha_conntrackd_steps(const char *state)
{
	static const char *const master[] = {"-c", "-f", "-R", "-B", NULL};
	static const char *const backup[] = {"-t", "-n", NULL};
	static const char *const fault[] = {"-t", NULL};
	if (strcmp(state, "MASTER") == 0)
		return master;
	if (strcmp(state, "BACKUP") == 0)
		return backup;
	if (strcmp(state, "FAULT") == 0)
		return fault;
	return NULL;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read the child's output until EOF or the deadline; its exit status
 * (128+signal), or -ETIMEDOUT after killing it. */
static int ha_wait(pid_t pid, int fd, int timeout_ms, struct buf *out)
{
	long end = now_ms() + timeout_ms;
	char chunk[1024];
	int st = 0, rc = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n > 0) {
			if (out->len < 65536)
				buf_put(out, chunk, (size_t)n);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			break;
		long left = end - now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			kill(pid, SIGKILL);
			rc = -ETIMEDOUT;
			break;
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc < 0)
		return rc;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int ha_conntrackd(const char *conf, const char *flag, const char *arg, int timeout_ms,
			 struct buf *out)
{
	char *argv[] = {(char *)CONNTRACKD_BIN, (char *)"-C", (char *)conf, (char *)flag,
			(char *)arg, NULL};
	pid_t pid;
	int fd, rc = proc_spawn(argv, &pid, &fd);
	if (rc < 0)
		return rc;
	rc = ha_wait(pid, fd, timeout_ms, out);
	close(fd);
	return rc;
}

/* A conntrackd started a moment ago (the daemon's first BACKUP report
 * comes at once) has no socket yet: retried this often, 100 ms apart. */
#define HA_CONNECT_TRIES 10

int ha_conntrackd_run(const char *conf, const char *const *steps, int timeout_ms,
		      struct diags *dg)
{
	for (size_t i = 0; steps && steps[i]; i++) {
		struct buf out = BUF_INIT;
		int rc = 1;
		for (int k = 0; rc > 0 && k < HA_CONNECT_TRIES; k++) {
			if (k) {
				poll(NULL, 0, 100);
				buf_free(&out);
				out = (struct buf)BUF_INIT;
			}
			rc = ha_conntrackd(conf, steps[i], NULL, timeout_ms, &out);
			/* Only a refused connection is worth another try. */
			if (rc > 0 && !(out.s && strstr(out.s, "can't connect")))
				break;
		}
		if (rc != 0) {
			char *s = buf_steal(&out);
			if (s)
				s[strcspn(s, "\n")] = '\0';
			diag_error(dg, nopos, "conntrackd %s: %s%s%.200s", steps[i],
				   rc < 0 ? strerror(-rc) : "failed", s && *s ? ": " : "", s ? s : "");
			free(s);
			return rc < 0 ? rc : -EIO;
		}
		buf_free(&out);
	}
	return 0;
}

/* "    48 Bytes sent    32 Bytes recv" under "UDP traffic". */
int ha_stats_parse(const char *text, struct ha_sync_stats *st)
{
	const char *u = strstr(text, "UDP traffic");
	unsigned long long a, b;
	int found = 0;
	memset(st, 0, sizeof(*st));
	if (!u)
		return -EINVAL;
	for (const char *l = strchr(u, '\n'); l && found < 3; l = strchr(l + 1, '\n')) {
		if (sscanf(l + 1, " %llu Bytes sent %llu Bytes recv", &a, &b) == 2) {
			st->bytes_sent = a, st->bytes_recv = b;
			found++;
		} else if (sscanf(l + 1, " %llu Pckts sent %llu Pckts recv", &a, &b) == 2) {
			st->pkts_sent = a, st->pkts_recv = b;
			found++;
		} else if (sscanf(l + 1, " %llu Error send %llu Error recv", &a, &b) == 2) {
			st->err_send = a, st->err_recv = b;
			found++;
		} else {
			break;
		}
	}
	return found == 3 ? 0 : -EINVAL;
}

int ha_conntrackd_stats(const char *conf, int timeout_ms, struct ha_sync_stats *st)
{
	struct buf out = BUF_INIT;
	int rc = ha_conntrackd(conf, "-s", "network", timeout_ms, &out);
	char *s = buf_steal(&out);
	if (rc == 0)
		rc = s ? ha_stats_parse(s, st) : -ENOMEM;
	else if (rc > 0)
		rc = -EIO;
	free(s);
	return rc;
}

int ha_conntrackd_stale_lock(const char *lock, const char *sock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (access(lock, F_OK) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (strlen(sock) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0)
		return 0;
	return unlink(lock) < 0 && errno != ENOENT ? -errno : 1;
}
