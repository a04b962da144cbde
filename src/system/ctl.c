#include "system/ctl.h"
#include "system/counters.h"
#include "util/addr.h"
#include "util/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Replies are small JSON documents; a lease or ban listing stays far below. */
#define CTL_REPLY_MAX (16 * 1024 * 1024)

static long ctl_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

static int ctl_wait(int fd, short ev, const struct timespec *deadline)
{
	struct pollfd p = {.fd = fd, .events = ev};
	for (;;) {
		int n = poll(&p, 1, (int)ctl_ms_left(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		return n == 0 ? -ETIMEDOUT : 0;
	}
}

static int ctl_send_line(int fd, const char *req, const struct timespec *deadline)
{
	size_t rlen = strlen(req);
	char *line = malloc(rlen + 2);
	int rc = 0;
	if (!line)
		return -ENOMEM;
	memcpy(line, req, rlen);
	memcpy(line + rlen, "\n", 2);
	for (size_t off = 0; off < rlen + 1;) {
		ssize_t n = send(fd, line + off, rlen + 1 - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((rc = ctl_wait(fd, POLLOUT, deadline)) < 0)
				break;
			continue;
		}
		if (n < 0) {
			rc = -errno;
			break;
		}
		off += (size_t)n;
	}
	free(line);
	return rc;
}

/* Everything until the daemon closes: *out malloc'd, NUL-terminated. */
static int ctl_recv_all(int fd, const struct timespec *deadline, char **out)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((rc = ctl_wait(fd, POLLIN, deadline)) < 0)
				goto out;
			continue;
		}
		/* A peer that closes with our request partly unread resets the
		 * connection after its reply (the daemon drains to avoid it; an
		 * older one did not): a whole reply line is still the answer. */
		if (n < 0 && errno == ECONNRESET && len && buf[len - 1] == '\n')
			break;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CTL_REPLY_MAX) {
			rc = -EFBIG;
			goto out;
		}
	}
	if (len == 0) {
		rc = -EPROTO;
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
out:
	free(buf);
	return rc;
}

int ctl_request(const char *run_dir, const char *req, int timeout_ms, char **reply)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timespec deadline;
	int rc = 0;
	if (strchr(req, '\n') || strlen(req) > CTL_LINE_MAX)
		return -EINVAL;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", run_dir, CTL_SOCK_NAME) >=
	    sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A blocking connect bounded by SO_SNDTIMEO: a full backlog waits for
	 * room instead of failing with EAGAIN. */
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT : -errno;
		goto out;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* A refusal (not root, busy) comes before the daemon reads: read it
	 * even when our line could not be sent. */
	rc = ctl_send_line(fd, req, &deadline);
	if (rc == 0 || rc == -EPIPE || rc == -ECONNRESET)
		rc = ctl_recv_all(fd, &deadline, reply);
out:
	close(fd);
	return rc;
}

bool ctl_no_daemon(int rc)
{
	return rc == -ENOENT || rc == -ECONNREFUSED || rc == -ENOTDIR;
}

bool ctl_reply_ok(const char *reply)
{
	return strncmp(reply, "{\"ok\":true", 10) == 0;
}

char *ctl_reply_str(const char *reply, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *p = strstr(reply, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	char *out = malloc(strlen(p) + 1), *o = out;
	if (!out)
		return NULL;
	for (; *p && *p != '"'; p++) {
		if (*p != '\\' || !p[1]) {
			*o++ = *p;
			continue;
		}
		p++;
		unsigned u;
		if (*p == 'u' && sscanf(p + 1, "%4x", &u) == 1) {
			*o++ = (char)(u < 0x100 ? u : '?');
			p += 4;
		} else {
			*o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		}
	}
	*o = '\0';
	return out;
}

int ctl_reply_int(const char *reply, const char *key, int dflt)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(reply, pat);
	return p ? atoi(p + strlen(pat)) : dflt;
}

int ctl_reply_errno(const char *reply)
{
	return ctl_reply_int(reply, "errno", 0);
}

int ctl_reply_diags(const char *reply, struct diags *d)
{
	char *e = ctl_reply_str(reply, "error");
	size_t n = 0;
	for (char *line = e, *nl; line && *line; line = nl) {
		if ((nl = strchr(line, '\n')))
			*nl++ = '\0';
		if (*line) {
			diag_error(d, nopos, "%s", line);
			n++;
		}
	}
	if (!n)
		diag_error(d, nopos, "the daemon refused the request without saying why");
	free(e);
	return (int)n;
}

/* reply_out: the reply on success, for callers that read more of it. */
static int ctl_forward_reply(const char *run_dir, const char *req, char **reply_out,
			     struct diags *d)
{
	char *reply = NULL;
	int rc = ctl_request(run_dir, req, 30000, &reply);
	if (ctl_no_daemon(rc))
		return 1;
	if (rc < 0) {
		diag_error(d, nopos, "control socket: %s", strerror(-rc));
		return rc;
	}
	if (ctl_reply_ok(reply)) {
		if (reply_out)
			*reply_out = reply;
		else
			free(reply);
		return 0;
	}
	ctl_reply_diags(reply, d);
	rc = ctl_reply_errno(reply);
	free(reply);
	return rc > 0 ? -rc : -EIO;
}

int ctl_forward(const char *run_dir, const char *req, struct diags *d)
{
	return ctl_forward_reply(run_dir, req, NULL, d);
}

int ctl_ban(const char *run_dir, const struct cidr *c, uint32_t secs, size_t *cut,
	    struct diags *d)
{
	char req[128], a[ADDR_STRLEN], *reply = NULL;
	cidr_format(c, a, sizeof(a));
	snprintf(req, sizeof(req), "ban %s %u", a, (unsigned)secs);
	int rc = ctl_forward_reply(run_dir, req, &reply, d);
	*cut = 0;
	if (rc == 0) {
		const char *p = strstr(reply, "\"cut\":");
		if (p)
			*cut = (size_t)strtoull(p + 6, NULL, 10);
		free(reply);
	}
	return rc;
}

int ctl_unban(const char *run_dir, const struct cidr *c, struct diags *d)
{
	char req[128], a[ADDR_STRLEN];
	cidr_format(c, a, sizeof(a));
	snprintf(req, sizeof(req), "unban %s", a);
	return ctl_forward(run_dir, req, d);
}

int ctl_counters(const char *run_dir, struct counter_list *out)
{
	char *reply = NULL;
	int rc = ctl_request(run_dir, "counters", 10000, &reply);
	memset(out, 0, sizeof(*out));
	if (ctl_no_daemon(rc))
		return 1;
	if (rc < 0)
		return rc;
	if (!ctl_reply_ok(reply)) {
		rc = ctl_reply_errno(reply);
		free(reply);
		return rc > 0 ? -rc : -EIO;
	}
	/* Our own reply format: {"name":"N","packets":P,"bytes":B}, names
	 * being counter names (no quotes or escapes in them). */
	for (const char *p = strstr(reply, "{\"name\":\""); p; p = strstr(p + 1, "{\"name\":\"")) {
		struct counter c;
		unsigned long long pk, by;
		if (sscanf(p, "{\"name\":\"%63[^\"]\",\"packets\":%llu,\"bytes\":%llu}", c.name, &pk, &by) != 3)
			continue;
		c.packets = pk;
		c.bytes = by;
		struct counter *v = realloc(out->v, (out->n + 1) * sizeof(*v));
		if (!v) {
			rc = -ENOMEM;
			break;
		}
		out->v = v;
		out->v[out->n++] = c;
	}
	free(reply);
	return rc;
}
