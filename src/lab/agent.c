/* Commands in the VM lab's router guest, through the QEMU guest agent
 * (qemu-guest-agent in the guest, a virtio-serial port on the host side
 * at LAB/qga.sock): guest-exec with captured output, polled with
 * guest-exec-status. The agent's replies are one JSON object per line;
 * the few fields read here (pid, exited, exitcode, signal, out-data,
 * err-data) are found by name, their values are numbers, booleans or
 * base64. QEMU serves one connection at a time: a second `lab exec` waits
 * in the socket's backlog until the first is done. */
#include "lab/lab.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The agent sends a command's whole output in one reply (base64): up to
 * its own limit of 16 MiB, so the buffer grows to that. */
#define AGENT_REPLY_MAX (24u << 20)

struct agent {
	int fd;
	char *in;
	size_t len, cap;
};

static void agent_close(struct agent *a)
{
	close(a->fd);
	free(a->in);
	a->in = NULL;
}

static int agent_send(struct agent *a, const char *s)
{
	size_t n = strlen(s), off = 0;
	while (off < n) {
		ssize_t w = write(a->fd, s + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

/* The next reply line into *line (malloc'd), by the deadline. */
static int agent_line(struct agent *a, char **line, long deadline)
{
	for (;;) {
		char *nl = a->len ? memchr(a->in, '\n', a->len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - a->in);
			*line = strndup(a->in, n);
			memmove(a->in, nl + 1, a->len - n - 1);
			a->len -= n + 1;
			return *line ? 0 : -ENOMEM;
		}
		if (a->len == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 65536;
			char *in = cap <= AGENT_REPLY_MAX ? realloc(a->in, cap) : NULL;
			if (!in)
				return a->cap >= AGENT_REPLY_MAX ? -EMSGSIZE : -ENOMEM;
			a->in = in;
			a->cap = cap;
		}
		long left = deadline - lab_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = a->fd, .events = POLLIN};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t got = read(a->fd, a->in + a->len, a->cap - a->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got == 0 ? -ECONNRESET : -errno;
		a->len += (size_t)got;
	}
}

/* Connect and resynchronise: a reply left over from an earlier client
 * (or sent while the agent was starting) is skipped by waiting for the
 * answer to a guest-sync with a fresh id. */
static int agent_open(const struct lab *l, struct agent *a, long deadline)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char req[96], want[48], *line = NULL;
	int ret;
	a->len = a->cap = 0;
	a->in = NULL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/qga.sock", l->dir);
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a->fd < 0)
		return -errno;
	if (connect(a->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(a->fd);
		return ret;
	}
	long id = (long)(lab_now_ms() % 1000000000L) ^ (long)getpid();
	snprintf(req, sizeof(req), "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":%ld}}\n", id);
	snprintf(want, sizeof(want), "\"return\": %ld", id);
	ret = agent_send(a, req);
	while (ret == 0 && (ret = agent_line(a, &line, deadline)) == 0) {
		/* QEMU's JSON has a space after the colon; accept either. */
		char want2[48];
		snprintf(want2, sizeof(want2), "\"return\":%ld", id);
		bool ok = strstr(line, want) || strstr(line, want2);
		free(line);
		if (ok)
			return 0;
	}
	agent_close(a);
	return ret;
}

static void json_arg(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\u%04x", *s);
		else
			buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

/* The number after "key": in a reply, or def. */
static long json_num(const char *s, const char *key, long def)
{
	const char *p = strstr(s, key);
	if (!p)
		return def;
	p = strchr(p + strlen(key), ':');
	return p ? strtol(p + 1, NULL, 10) : def;
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode the base64 string value of key into out. */
static void json_b64(const char *s, const char *key, struct buf *out)
{
	const char *p = strstr(s, key);
	unsigned acc = 0;
	int bits = 0;
	if (!p || !out || !(p = strchr(p + strlen(key), '"')))
		return;
	for (p++; *p && *p != '"'; p++) {
		int v = b64_val(*p);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)((acc >> bits) & 0xff));
		}
	}
}

/* One request, its reply line in *reply (malloc'd). Replies to other
 * requests cannot arrive: one request is outstanding at a time. */
static int agent_call(struct agent *a, const char *req, char **reply, long deadline)
{
	int ret = agent_send(a, req);
	if (ret == 0)
		ret = agent_line(a, reply, deadline);
	if (ret == 0 && strstr(*reply, "\"error\"")) {
		ret = -EIO;
		free(*reply);
		*reply = NULL;
	}
	return ret;
}

char *lab_agent_exec_request(char *const argv[], bool capture)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":");
	json_arg(&b, argv[0]);
	buf_puts(&b, ",\"arg\":[");
	for (size_t i = 1; argv[i]; i++) {
		buf_puts(&b, i > 1 ? "," : "");
		json_arg(&b, argv[i]);
	}
	buf_printf(&b, "],\"capture-output\":%s}}\n", capture ? "true" : "false");
	return buf_steal(&b);
}

int lab_agent_exec_status(const char *reply, struct buf *out)
{
	if (!strstr(reply, "\"return\""))
		return -EIO;
	if (!strstr(reply, "\"exited\": true") && !strstr(reply, "\"exited\":true"))
		return -EAGAIN;
	json_b64(reply, "\"out-data\"", out);
	json_b64(reply, "\"err-data\"", out);
	long sig = json_num(reply, "\"signal\"", 0);
	return sig > 0 ? 128 + (int)sig : (int)json_num(reply, "\"exitcode\"", 255);
}

static int agent_start(struct agent *a, char *const argv[], bool capture, long deadline, long *pid)
{
	char *req = lab_agent_exec_request(argv, capture), *reply = NULL;
	int ret;
	if (!req)
		return -ENOMEM;
	ret = agent_call(a, req, &reply, deadline);
	free(req);
	if (ret == 0) {
		*pid = json_num(reply, "\"pid\"", -1);
		ret = *pid > 0 ? 0 : -EIO;
	}
	free(reply);
	return ret;
}

int lab_vm_exec(const struct lab *l, char *const argv[], struct buf *out, int timeout_ms)
{
	long deadline = lab_now_ms() + timeout_ms, pid = -1;
	struct agent a;
	char req[128], *reply = NULL;
	int ret = agent_open(l, &a, deadline);
	if (ret < 0)
		return ret;
	ret = agent_start(&a, argv, true, deadline, &pid);
	if (ret == -EIO) {
		/* The agent refused to start it (no such program, mostly): as a
		 * shell would, status 127, so a check sees a failure. */
		if (out)
			buf_printf(out, "%s: the router guest's agent could not start it\n", argv[0]);
		agent_close(&a);
		return 127;
	}
	if (ret == 0 && out)
		buf_put(out, "", 0);
	snprintf(req, sizeof(req), "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":%ld}}\n", pid);
	for (long wait_ms = 20; ret == 0;) {
		if ((ret = agent_call(&a, req, &reply, deadline)) < 0)
			break;
		int st = lab_agent_exec_status(reply, out);
		if (st != -EAGAIN) {
			free(reply);
			agent_close(&a);
			return st;
		}
		free(reply);
		reply = NULL;
		if (lab_now_ms() + wait_ms >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		struct timespec ts = {0, wait_ms * 1000000L};
		nanosleep(&ts, NULL);
		wait_ms = wait_ms < 200 ? wait_ms * 2 : 200;
	}
	agent_close(&a);
	if (ret == -ETIMEDOUT && pid > 0) {
		char p[24];
		snprintf(p, sizeof(p), "%ld", pid);
		lab_vm_exec(l, (char *[]){"kill", "-KILL", p, NULL}, NULL, 5000);
	}
	return ret;
}

pid_t lab_vm_spawn(const struct lab *l, char *const argv[])
{
	long deadline = lab_now_ms() + 15000, pid = -1;
	struct agent a;
	int ret = agent_open(l, &a, deadline);
	if (ret < 0)
		return ret;
	ret = agent_start(&a, argv, false, deadline, &pid);
	agent_close(&a);
	return ret < 0 ? ret : (pid_t)pid;
}

void lab_vm_kill(const struct lab *l, pid_t pid)
{
	char p[24];
	snprintf(p, sizeof(p), "%d", (int)pid);
	lab_vm_exec(l, (char *[]){"kill", p, NULL}, NULL, 5000);
}
