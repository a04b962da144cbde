/* The control socket: RUN_DIR/nftrouter.sock, root only, one request
 * line in, one JSON reply out, then close. docs/control-socket.md.
 * Clients are non-blocking with a deadline each, so a client that sends
 * half a line and waits cannot stall the router. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "daemon/internal.h"
#include "render/metrics.h"
#include "system/status.h"
#include "system/apply.h"
#include "system/bans.h"
#include "system/counters.h"
#include "util/json.h"

static int ctlsrv_path(struct daemon *d, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", d->o->run_dir,
			     CTL_SOCK_NAME) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static void ctlsrv_on_accept(int fd, uint32_t events, void *data);

int ctlsrv_open(struct daemon *d)
{
	struct sockaddr_un sa;
	int rc = ctlsrv_path(d, &sa);
	if (rc < 0)
		return rc;
	/* A socket that answers belongs to a running daemon: never steal it. */
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		return -EADDRINUSE;
	}
	if (probe >= 0)
		close(probe);
	unlink(sa.sun_path);
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->listen_fd < 0)
		return -errno;
	mode_t old = umask(0177);
	rc = bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || chmod(sa.sun_path, 0600) < 0 || listen(d->listen_fd, 16) < 0)
		return -errno;
	return poller_watch(&d->poll, d->listen_fd, EPOLLIN, ctlsrv_on_accept, d);
}

static void ctlsrv_drop(struct client *c)
{
	struct daemon *d = c->d;
	for (struct client **pc = &d->clients; *pc; pc = &(*pc)->next)
		if (*pc == c) {
			*pc = c->next;
			d->n_clients--;
			break;
		}
	poller_unwatch_close(&d->poll, &c->fd);
	poller_unwatch_close(&d->poll, &c->timer_fd);
	free(c->out);
	free(c);
}

void ctlsrv_close(struct daemon *d)
{
	struct sockaddr_un sa;
	while (d->clients)
		ctlsrv_drop(d->clients);
	if (d->listen_fd < 0)
		return;
	poller_unwatch_close(&d->poll, &d->listen_fd);
	if (ctlsrv_path(d, &sa) == 0)
		unlink(sa.sun_path);
}

/* For refusals before a client gets a slot: one try, never blocks. The
 * system refused, whatever the request was: exit status 3. */
static void ctlsrv_refuse(int fd, const char *why, int errnum)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"ok\":false,\"error\":");
	json_puts(&b, why);
	buf_printf(&b, ",\"errno\":%d,\"status\":%d}\n", errnum, EXIT_SYSTEM);
	if (!b.oom && send(fd, b.s, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		buf_free(&b);
	buf_free(&b);
	close(fd);
}

static void ctlsrv_on_client(int fd, uint32_t events, void *data);
static void ctlsrv_on_timeout(int fd, uint32_t events, void *data);

/* A slot and a deadline for an accepted peer, or a refusal. */
static void ctlsrv_admit(struct daemon *d, int fd)
{
	if (d->n_clients >= MAX_CLIENTS) {
		ctlsrv_refuse(fd, "busy: too many clients, try again", EAGAIN);
		return;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (!c) {
		ctlsrv_refuse(fd, "busy: out of memory, try again", ENOMEM);
		return;
	}
	c->d = d;
	c->fd = fd;
	c->next = d->clients;
	d->clients = c;
	d->n_clients++;
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec its = {.it_value = {.tv_sec = CLIENT_TIMEOUT_MS / 1000}};
	if (c->timer_fd < 0 || timerfd_settime(c->timer_fd, 0, &its, NULL) < 0 ||
	    poller_watch(&d->poll, c->timer_fd, EPOLLIN, ctlsrv_on_timeout, c) < 0 ||
	    poller_watch(&d->poll, fd, EPOLLIN, ctlsrv_on_client, c) < 0) {
		daemon_log(d, "nftrouter: control socket: cannot serve a client: %s", strerror(errno));
		ctlsrv_drop(c);
	}
}

static void ctlsrv_on_accept(int lfd, uint32_t events, void *data)
{
	struct daemon *d = data;
	(void)events;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ucred cr;
		socklen_t len = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != 0) {
			daemon_log(d, "nftrouter: control socket: refused uid %d (root only)",
				   len == sizeof(cr) ? (int)cr.uid : -1);
			ctlsrv_refuse(fd, "permission denied: the control socket is root only", EACCES);
			continue;
		}
		ctlsrv_admit(d, fd);
	}
}

static void ctlsrv_on_timeout(int fd, uint32_t events, void *data)
{
	struct client *c = data;
	(void)fd;
	(void)events;
	if (!c->draining)
		daemon_log(c->d, "nftrouter: control socket: client timed out");
	ctlsrv_drop(c);
}

/* After the reply: if the peer sent more than was read (an over-long
 * line, bytes after the request), closing now would make the kernel
 * reset the connection and the peer could lose the reply. So the write
 * side is shut (the peer sees the reply's end) and the rest is read and
 * thrown away until the peer closes, within its deadline. */
static void ctlsrv_finish(struct client *c, bool unread)
{
	int pending = 0;
	if (!unread && (ioctl(c->fd, SIOCINQ, &pending) < 0 || pending == 0)) {
		ctlsrv_drop(c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->draining = true;
	if (poller_modify(&c->d->poll, c->fd, EPOLLIN) < 0)
		ctlsrv_drop(c);
}

static void ctlsrv_drain(struct client *c)
{
	char buf[4096];
	while (c->drained < CLIENT_DRAIN_MAX) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		c->drained += (size_t)n;
	}
	ctlsrv_drop(c);
}

static void ctlsrv_flush(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return; /* EPOLLOUT brings us back */
		if (n < 0) {
			ctlsrv_drop(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	ctlsrv_finish(c, c->unread);
}

static void ctlsrv_reply(struct client *c, struct buf *b)
{
	c->out_len = b->len;
	c->out = buf_steal(b);
	if (!c->out || poller_modify(&c->d->poll, c->fd, EPOLLOUT) < 0) {
		ctlsrv_drop(c);
		return;
	}
	ctlsrv_flush(c);
}

/* errnum > 0 is passed on, so a command forwarding a request exits as
 * it would have acting directly (EINVAL: refused; EEXIST, ENOENT, ...). */
static void reply_error_n(struct buf *b, const char *msg, int errnum)
{
	buf_free(b);
	buf_puts(b, "{\"ok\":false,\"error\":");
	json_puts(b, msg);
	if (errnum > 0)
		buf_printf(b, ",\"errno\":%d", errnum);
	buf_puts(b, "}\n");
}

static void reply_error(struct buf *b, const char *msg)
{
	reply_error_n(b, msg, 0);
}

static void reply_diags(struct buf *b, struct diags *dg, const char *fallback, int errnum)
{
	struct buf m = BUF_INIT;
	diags_sort(dg);
	for (size_t i = 0; i < dg->n; i++) {
		if (dg->v[i].level != DIAG_ERROR)
			continue;
		if (m.len)
			buf_putc(&m, '\n');
		buf_puts(&m, dg->v[i].msg);
	}
	char *s = buf_steal(&m);
	reply_error_n(b, s && *s ? s : fallback, errnum);
	free(s);
}

static void req_status(struct daemon *d, const char *arg, struct buf *b)
{
	struct status_child *kids = NULL;
	size_t n = 0, max = 0;
	for (const struct child *c = d->children; c; c = c->next)
		max++;
	if (max && !(kids = calloc(max, sizeof(*kids)))) {
		reply_error(b, "out of memory");
		return;
	}
	for (struct child *c = d->children; c; c = c->next) {
		kids[n] = (struct status_child){.name = c->name,
						.pid = c->pid,
						.uptime = c->pid ? daemon_uptime(&c->started) : 0,
						.restarts = c->restarts,
						.last_status = c->last_status,
						.error = services_child_error(c)};
		n++;
	}
	struct status_ipv6 *v6 = dhcp6_status(d);
	struct status_health *hs = d->r ? calloc(d->r->n_ifaces + 1, sizeof(*hs)) : NULL;
	size_t nh = 0;
	for (size_t i = 0; hs && d->r && i < d->r->n_ifaces; i++) {
		const struct health_state *h = &d->ports[i].health;
		const struct dhcp_event *ev = &d->ports[i].dhcp;
		if (!iface_has_default_route(&d->r->ifaces[i]))
			continue;
		hs[nh] = (struct status_health){d->r->ifaces[i].name,
						d->r->ifaces[i].health.on,
						h->down,
						h->since,
						h->fails,
						h->oks,
						h->transitions,
						ev->time,
						ev->event,
						ev->ok,
						ev->error,
						NULL,
						0,
						NULL,
						NULL,
						0,
						NULL,
						NULL,
						NULL};
		if (d->r->ifaces[i].pppoe)
			pppoe_status(d, i, &hs[nh]);
		nh++;
	}
	struct status_ha ha = {.role = ha_role_name(d->ha.role),
			       .since = d->ha.since,
			       .transitions = d->ha.transitions,
			       .peer_reachable = ha_peer_reachable(d),
			       .peer_seen = d->ha.peer_seen,
			       .stats_ok = d->ha.stats_ok,
			       .bytes_sent = d->ha.bytes_sent,
			       .bytes_recv = d->ha.bytes_recv,
			       .pkts_sent = d->ha.pkts_sent,
			       .pkts_recv = d->ha.pkts_recv,
			       .errors = d->ha.errors,
			       .error = d->ha.error};
	struct status_daemon dm = {.ha = d->r && d->r->ha.on ? &ha : NULL,
				   .health = hs,
				   .n_health = nh,
				   .pid = getpid(),
				   .uptime = daemon_uptime(&d->started),
				   .reloads = d->reloads,
				   .children = kids,
				   .n_children = n,
				   .v6 = v6,
				   .error = d->error,
				   .error_time = d->error_time,
				   .fail_closed = d->fail_closed,
				   .ruleset = !d->fail_closed ? "config"
					      : d->kept_ruleset ? "kept"
								: "fail-closed"};
	const struct metrics_dns *dns = dnsstat_get(d);
	if (dns) {
		dm.has_dns = true;
		dm.dns_local = dns->local;
		dm.dns_forwarded = dns->forwarded;
		dm.dns_time = dns->time;
	}
	struct status_in in = {.r = d->r,
			       .config = d->o->config,
			       /* Nothing applied by this daemon: the saved one's. */
			       .hash = d->hash[0] ? d->hash : NULL,
			       .state_dir = d->o->state_dir,
			       .run_dir = d->o->run_dir,
			       .daemon = &dm};
	if (strcmp(arg, "text") == 0) {
		struct buf t = BUF_INIT;
		int rc = status_format(&in, false, &t);
		char *s = buf_steal(&t);
		if (rc < 0 || !s) {
			reply_error(b, "cannot read the kernel's links");
		} else {
			buf_puts(b, "{\"ok\":true,\"text\":");
			json_puts(b, s);
			buf_puts(b, "}\n");
		}
		free(s);
	} else if (!*arg) {
		if (status_format(&in, true, b) < 0)
			reply_error(b, "cannot read the kernel's links");
	} else {
		reply_error(b, "usage: status [text]");
	}
	free(hs);
	free(kids);
	free(v6);
}

static void req_leases(struct daemon *d, struct buf *b)
{
	struct lease *l = NULL;
	size_t n = 0;
	if (leases_read(d->o->state_dir, &l, &n) < 0 || leases_format(l, n, true, b) < 0)
		reply_error(b, "cannot read the lease file");
	free(l);
}

static void req_reload(struct daemon *d, struct buf *b)
{
	char *msg = NULL;
	int rc = daemon_reload(d, &msg);
	if (rc == 0) {
		buf_puts(b, "{\"ok\":true,\"applied_hash\":");
		json_puts(b, d->hash);
		buf_puts(b, "}\n");
	} else {
		/* "status": the exit status `nftrouter reload` returns (util/exit.h). */
		buf_puts(b, "{\"ok\":false,\"error\":");
		json_puts(b, msg && *msg ? msg : "reload failed; the router stays as it was");
		buf_printf(b, ",\"status\":%d}\n", rc > 0 ? rc : EXIT_SYSTEM);
	}
	free(msg);
}

static void req_confirm(struct daemon *d, struct buf *b)
{
	struct diags dg = DIAGS_INIT;
	int rc = apply_confirm(d->o->state_dir, d->o->run_dir, &dg);
	if (rc == 0)
		buf_puts(b, "{\"ok\":true}\n");
	else
		reply_diags(b, &dg, rc == -ENOENT ? "nothing to confirm" : strerror(-rc), -rc);
	diags_free(&dg);
}

/* "ADDR/LEN [SECS]" for ban, "ADDR/LEN" for unban: the same parse,
 * refusals and default duration as `nftrouter ban` (ban_request_parse),
 * with the daemon's model for the router's own addresses. */
static void req_ban(struct daemon *d, char *arg, bool add, struct buf *b)
{
	struct diags dg = DIAGS_INIT;
	struct ban_request req;
	char *secs = strchr(arg, ' ');
	size_t cut = 0;
	int rc;
	if (secs)
		*secs++ = '\0';
	if (!add && secs) {
		reply_error(b, "usage: unban ADDR[/LEN]");
		return;
	}
	rc = add ? ban_request_parse(d->r, arg, secs, &req, &dg) : ban_parse_lift(arg, &req.prefix, &dg);
	if (rc == -ERANGE)
		reply_error(b, "usage: ban ADDR[/LEN] [SECS]");
	else if (rc < 0)
		reply_diags(b, &dg, "invalid address", EINVAL);
	if (rc < 0) {
		diags_free(&dg);
		return;
	}
	if (add) {
		rc = bans_add_nocut(d->r, d->o->state_dir, &req.prefix, req.secs, &dg);
		/* The ban holds already; a failed cut is a warning. */
		if (rc == 0)
			(void)bans_cut(&req.prefix, &cut, &dg);
	} else {
		rc = bans_del(d->o->state_dir, &req.prefix, &dg);
	}
	if (rc == 0) {
		char p[ADDR_STRLEN];
		cidr_format(&req.prefix, p, sizeof(p));
		buf_printf(b, "{\"ok\":true,\"cut\":%zu}\n", cut);
		if (add)
			daemon_log(d, "nftrouter: banned %s for %lus (0: forever), %zu connection(s) cut",
				   p, (unsigned long)req.secs, cut);
		else
			daemon_log(d, "nftrouter: unbanned %s", p);
	} else {
		reply_diags(b, &dg, rc == -ENOENT ? "not banned" : strerror(-rc), -rc);
	}
	diags_free(&dg);
}

static void req_bans(struct daemon *d, struct buf *b)
{
	struct diags dg = DIAGS_INIT;
	struct ban_list l = {0};
	char a[ADDR_STRLEN];
	if (bans_list(d->o->state_dir, &l, &dg) < 0) {
		reply_diags(b, &dg, "cannot list the bans", EIO);
		goto out;
	}
	int64_t now = (int64_t)time(NULL);
	buf_puts(b, "{\"ok\":true,\"bans\":[");
	for (size_t i = 0; i < l.n; i++) {
		cidr_format(&l.v[i].prefix, a, sizeof(a));
		buf_puts(b, i ? ",{\"prefix\":" : "{\"prefix\":");
		json_puts(b, a);
		int64_t left = l.v[i].expires ? (int64_t)l.v[i].expires - now : 0;
		buf_printf(b, ",\"expires\":%llu,\"left\":%lld,\"added\":%llu}",
			   (unsigned long long)l.v[i].expires, (long long)(left < 0 ? 0 : left),
			   (unsigned long long)l.v[i].added);
	}
	buf_puts(b, "]}\n");
out:
	ban_list_free(&l);
	diags_free(&dg);
}

static void req_counters(struct daemon *d, struct buf *b)
{
	struct counter_list l = {0};
	int rc = zone_traffic_read("nftrouter", &l);
	if (rc < 0) {
		reply_error_n(b, strerror(-rc), -rc);
		return;
	}
	buf_puts(b, "{\"ok\":true,\"counters\":[");
	for (size_t i = 0; i < l.n; i++) {
		buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
		json_puts(b, l.v[i].name);
		buf_printf(b, ",\"packets\":%llu,\"bytes\":%llu}", (unsigned long long)l.v[i].packets,
			   (unsigned long long)l.v[i].bytes);
	}
	buf_puts(b, "]}\n");
	counter_list_free(&l);
}

static void req_ppp_event(struct daemon *d, char *arg, struct buf *b)
{
	struct diags dg = DIAGS_INIT;
	if (pppoe_event(d, arg, &dg) < 0)
		reply_diags(b, &dg, "ppp-event failed", 0);
	else
		buf_puts(b, "{\"ok\":true}\n");
	diags_free(&dg);
}

static void req_dhcp_event(struct daemon *d, char *arg, struct buf *b)
{
	struct diags dg = DIAGS_INIT;
	if (services_dhcp_event(d, arg, &dg) < 0)
		reply_diags(b, &dg, "dhcp-event failed", 0);
	else
		buf_puts(b, "{\"ok\":true}\n");
	diags_free(&dg);
}

static void req_ha_event(struct daemon *d, const char *arg, struct buf *b)
{
	struct diags dg = DIAGS_INIT;
	if (ha_event(d, arg, &dg) < 0)
		reply_diags(b, &dg, "ha-event failed", 0);
	else
		buf_puts(b, "{\"ok\":true}\n");
	diags_free(&dg);
}

static void req_dhcp6_event(struct daemon *d, char *arg, struct buf *b)
{
	struct diags dg = DIAGS_INIT;
	if (dhcp6_event(d, arg, &dg) < 0)
		reply_diags(b, &dg, "dhcp6-event failed", 0);
	else
		buf_puts(b, "{\"ok\":true}\n");
	diags_free(&dg);
}

/* "log N SINCE json|text": the firewall log's events after seq SINCE, at
 * most N (0: all the ring holds), formatted into one string member. */
static void req_log(struct daemon *d, const char *arg, struct buf *b)
{
	unsigned long long n, since;
	char mode[8];
	struct buf t = BUF_INIT;
	if (sscanf(arg, "%llu %llu %7s", &n, &since, mode) != 3 ||
	    (strcmp(mode, "json") != 0 && strcmp(mode, "text") != 0)) {
		reply_error(b, "usage: log N SINCE json|text");
		return;
	}
	uint64_t last = fwlog_format_since(d, since, (size_t)n, mode[0] == 'j', &t);
	char *s = buf_steal(&t);
	if (!s) {
		reply_error(b, "out of memory");
		return;
	}
	buf_printf(b, "{\"ok\":true,\"reading\":%s,\"last\":%llu,\"text\":",
		   d->fwlog ? "true" : "false", (unsigned long long)last);
	json_puts(b, s);
	buf_puts(b, "}\n");
	free(s);
}

static void ctlsrv_handle(struct client *c, char *line)
{
	struct daemon *d = c->d;
	struct buf b = BUF_INIT;
	char *arg = strchr(line, ' ');
	if (arg)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	if (strcmp(line, "status") == 0)
		req_status(d, arg, &b);
	else if (strcmp(line, "leases") == 0 && !*arg)
		req_leases(d, &b);
	else if (strcmp(line, "reload") == 0 && !*arg)
		req_reload(d, &b);
	else if (strcmp(line, "confirm") == 0 && !*arg)
		req_confirm(d, &b);
	else if (strcmp(line, "ban") == 0 && *arg && !d->r)
		/* The own-address checks need the model; `ban` without a
		 * daemon does the same with the applied config. */
		reply_error_n(&b, "no config is applied (the router runs fail-closed; see status)",
			      EAGAIN);
	else if (strcmp(line, "ban") == 0 && *arg)
		req_ban(d, arg, true, &b);
	else if (strcmp(line, "unban") == 0 && *arg)
		req_ban(d, arg, false, &b);
	else if (strcmp(line, "bans") == 0 && !*arg)
		req_bans(d, &b);
	else if (strcmp(line, "counters") == 0 && !*arg)
		req_counters(d, &b);
	else if (strcmp(line, "log") == 0 && *arg)
		req_log(d, arg, &b);
	else if (strcmp(line, "dhcp-event") == 0 && *arg)
		req_dhcp_event(d, arg, &b);
	else if (strcmp(line, "ha-event") == 0 && *arg)
		req_ha_event(d, arg, &b);
	else if (strcmp(line, "ppp-event") == 0 && *arg)
		req_ppp_event(d, arg, &b);
	else if (strcmp(line, "dhcp6-event") == 0 && *arg)
		req_dhcp6_event(d, arg, &b);
	else
		reply_error(&b, "unknown request (see docs/control-socket.md)");
	ctlsrv_reply(c, &b);
}

static void ctlsrv_on_client(int fd, uint32_t events, void *data)
{
	struct client *c = data;
	if (c->draining) {
		ctlsrv_drain(c);
		return;
	}
	if (c->out) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			ctlsrv_flush(c);
		return;
	}
	ssize_t n = recv(fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 && c->in_len == 0) {
		ctlsrv_drop(c);
		return;
	}
	if (n > 0)
		c->in_len += (size_t)n;
	char *nl = memchr(c->in, '\n', c->in_len);
	bool eof = n <= 0;
	if (!nl && !eof && c->in_len < sizeof(c->in))
		return;
	struct buf b = BUF_INIT;
	if (!nl && !eof) {
		/* The buffer holds CTL_LINE_MAX bytes and a newline. */
		char msg[64];
		snprintf(msg, sizeof(msg), "request line longer than %d bytes", CTL_LINE_MAX);
		c->unread = true;
		reply_error(&b, msg);
		ctlsrv_reply(c, &b);
		return;
	}
	size_t len = nl ? (size_t)(nl - c->in) : c->in_len;
	c->in[len] = '\0';
	if (len && c->in[len - 1] == '\r')
		c->in[len - 1] = '\0';
	if (strlen(c->in) != len && strlen(c->in) + 1 != len) {
		reply_error(&b, "request contains a NUL byte");
		ctlsrv_reply(c, &b);
		return;
	}
	ctlsrv_handle(c, c->in);
}
