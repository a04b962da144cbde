/* Firewall log (docs/firewall-log.md): the daemon reads the NFLOG group
 * the ruleset's `log` lines send to, and writes each event as one line
 * to its log and into a ring of the last FWLOG_RING events, which
 * `nftrouter log` reads over the control socket.
 *
 * The ruleset limits each log line's rate already; the daemon adds a
 * cap of its own on what reaches its log (FWLOG_LOG_PER_SEC), because
 * many rules' limits add up. The ring and the metrics count every
 * event. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "daemon/internal.h"
#include "render/fwlog.h"
#include "system/nflog.h"

#define FWLOG_RING 512
#define FWLOG_LOG_PER_SEC 20

struct fwlog {
	struct nflog_src *src;
	int fd;
	struct fwlog_event ring[FWLOG_RING];
	uint64_t seq;          /* of the newest event, 0 none */
	uint64_t lost;         /* the kernel dropped events (socket buffer full) */
	int64_t sec;           /* the second the cap counts in */
	unsigned logged;       /* lines logged in that second */
	unsigned suppressed;   /* events not logged in that second */
};

/* ifindex → the config's port name and its zone, else the kernel's name. */
static void fwlog_port(struct daemon *d, uint32_t ifindex, char *port, char *zone)
{
	port[0] = zone[0] = '\0';
	if (!ifindex)
		return;
	for (size_t i = 0; d->r && i < d->r->n_ifaces; i++) {
		if (d->ports[i].ifindex != (int)ifindex)
			continue;
		const struct iface *f = &d->r->ifaces[i];
		snprintf(port, 16, "%s", f->name);
		for (size_t z = 0; z < d->r->n_zones; z++)
			for (size_t k = 0; k < d->r->zones[z].n_ifaces; k++)
				if (d->r->zones[z].ifaces[k] == f)
					snprintf(zone, 16, "%s", d->r->zones[z].name);
		return;
	}
	char name[IF_NAMESIZE];
	if (if_indextoname(ifindex, name))
		snprintf(port, 16, "%s", name);
}

static void fwlog_on_packet(const struct nflog_pkt *p, void *data)
{
	struct daemon *d = data;
	struct fwlog *fl = d->fwlog;
	struct fwlog_event *e = &fl->ring[fl->seq % FWLOG_RING];
	memset(e, 0, sizeof(*e));
	e->seq = ++fl->seq;
	e->sec = p->sec;
	e->usec = p->usec;
	if (fwlog_prefix_parse(p->prefix, e->rule, sizeof(e->rule), &e->line) < 0)
		snprintf(e->rule, sizeof(e->rule), "%s", p->prefix); /* not ours: as it came */
	fwlog_port(d, p->indev, e->in, e->in_zone);
	fwlog_port(d, p->outdev, e->out, e->out_zone);
	(void)fwlog_packet_parse(p->payload, p->len, e);
	d->log_events++;
	if (e->sec != fl->sec) {
		if (fl->suppressed)
			daemon_log(d, "nftrouter: fw: %u more event(s) in that second not logged "
				      "(`nftrouter log` has them)", fl->suppressed);
		fl->sec = e->sec;
		fl->logged = fl->suppressed = 0;
	}
	if (fl->logged >= FWLOG_LOG_PER_SEC) {
		fl->suppressed++;
		return;
	}
	fl->logged++;
	struct buf b = BUF_INIT;
	fwlog_format(e, false, &b);
	char *s = buf_steal(&b);
	if (s) {
		s[strcspn(s, "\n")] = '\0';
		daemon_log(d, "nftrouter: fw: %s", s);
	}
	free(s);
}

static void fwlog_on_ready(int fd, uint32_t events, void *data)
{
	struct daemon *d = data;
	uint64_t lost = d->fwlog->lost;
	(void)fd;
	(void)events;
	int n = nflog_src_read(d->fwlog->src, fwlog_on_packet, d, &d->fwlog->lost);
	if (d->fwlog->lost != lost)
		daemon_log(d, "nftrouter: fw: the kernel dropped log events (the daemon read "
			      "too slowly)");
	if (n < 0)
		daemon_log(d, "nftrouter: fw: reading the log group: %s", strerror(-n));
}

int fwlog_open(struct daemon *d)
{
	struct fwlog *fl = calloc(1, sizeof(*fl));
	if (!fl)
		return -ENOMEM;
	int err = nflog_src_open(NFTROUTER_LOG_GROUP, &fl->src);
	if (err < 0) {
		free(fl);
		return err;
	}
	fl->fd = nflog_src_fd(fl->src);
	d->fwlog = fl;
	if ((err = poller_watch(&d->poll, fl->fd, EPOLLIN, fwlog_on_ready, d)) < 0)
		fwlog_close(d);
	return err;
}

void fwlog_close(struct daemon *d)
{
	if (!d->fwlog)
		return;
	poller_unwatch(&d->poll, d->fwlog->fd);
	nflog_src_close(d->fwlog->src);
	free(d->fwlog);
	d->fwlog = NULL;
}

uint64_t fwlog_format_since(struct daemon *d, uint64_t since, size_t max, bool json,
			    struct buf *out)
{
	struct fwlog *fl = d->fwlog;
	if (!fl)
		return 0;
	uint64_t first = fl->seq > FWLOG_RING ? fl->seq - FWLOG_RING + 1 : 1;
	if (since + 1 > first)
		first = since + 1;
	if (max && fl->seq >= first && fl->seq - first + 1 > max)
		first = fl->seq - max + 1;
	for (uint64_t s = first; s <= fl->seq; s++)
		fwlog_format(&fl->ring[(s - 1) % FWLOG_RING], json, out);
	return fl->seq;
}
