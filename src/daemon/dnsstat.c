/* dnsmasq's query counters for the metrics endpoint (docs/metrics.md,
 * "DNS queries"). dnsmasq keeps them and answers CHAOS TXT questions for
 * them (hits.bind, misses.bind, servers.bind, ...); it has no other way
 * out short of D-Bus or its log. The daemon asks on the loopback address
 * the rendered dnsmasq.conf listens on for this alone
 * (RENDER_DNSMASQ_STATS_ADDR), from one connected UDP socket, without
 * ever waiting: a round of questions goes out every DNSSTAT_STEP_S while
 * the endpoint is open (and after a scrape), the answers come back
 * through the poller, and a scrape shows the last complete round with
 * its time. No timer runs without `metrics`, as for the status page.
 *
 * Only UDP: dnsmasq (2.90) refuses TCP on a listen address no interface
 * has, and counts only UDP queries anyway. Every answered UDP question,
 * ours too, counts in hits.bind; the daemon counts the answers it read
 * from the running dnsmasq (the kernel delivers to a connected socket
 * only from its peer, in order), so hits.bind minus the answers read
 * before it is the clients' own. */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "daemon/internal.h"
#include "render/metrics.h"
#include "render/render.h"
#include "util/dnsmsg.h"

#define DNSSTAT_STEP_S 10
#define DNSSTAT_WAIT_MS 2000 /* a round unanswered this long is given up */
#define DNSSTAT_MIN_GAP_MS 1000 /* scrapes start a round at most this often */
#define DNSSTAT_READS 64     /* datagrams read per wakeup */

enum { Q_HITS, Q_MISSES, Q_SERVERS, Q_CACHESIZE, Q_INSERTIONS, Q_EVICTIONS, Q_N };
static const char *const q_names[Q_N] = {"hits.bind",	   "misses.bind",     "servers.bind",
					 "cachesize.bind", "insertions.bind", "evictions.bind"};

struct dnsstat_values {
	uint32_t v[Q_N]; /* Q_HITS already without the daemon's own questions */
	struct dnsmsg_server up[DNSMSG_TXT_STRINGS];
	size_t n_up;
};

struct dnsstat {
	int sock, timer_fd;
	pid_t pid;            /* the dnsmasq the count and values below are of */
	uint32_t answers;     /* answers read from it: each counted in its hits */
	uint16_t id0;         /* this round's ids: id0 + question */
	unsigned pending;     /* bit per question not answered this round */
	int64_t started_ms;   /* CLOCK_MONOTONIC of this round, 0: none yet */
	struct dnsstat_values cur;
	bool have;            /* last holds a complete round of pid */
	struct dnsstat_values last;
	int64_t last_time;
	bool failing;         /* a bad answer was logged; say when it works again */
	struct metrics_dns out;
	struct metrics_dns_upstream out_up[DNSMSG_TXT_STRINGS];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The running dnsmasq's pid if its config has the statistics address
 * (no zone opens dns: it serves DHCP only, port=0), else 0. */
static pid_t dnsstat_target(struct daemon *d)
{
	const struct child *c = child_find(d, "dnsmasq");
	if (!c || !c->pid || !c->conf ||
	    !strstr(c->conf, "\nlisten-address=" RENDER_DNSMASQ_STATS_ADDR "\n"))
		return 0;
	return c->pid;
}

static void dnsstat_round(struct dnsstat *s)
{
	uint8_t q[DNSMSG_QUERY_MAX];
	s->id0 = (uint16_t)(s->id0 + Q_N);
	s->pending = (1u << Q_N) - 1;
	s->started_ms = mono_ms();
	memset(&s->cur, 0, sizeof(s->cur));
	for (unsigned i = 0; i < Q_N; i++) {
		int n = dnsmsg_query(q, sizeof(q), (uint16_t)(s->id0 + i), q_names[i],
				     DNSMSG_TYPE_TXT, DNSMSG_CLASS_CH);
		/* Refused (no listener yet: ECONNREFUSED from an earlier ICMP
		 * error) or full: this round is over, the next one retries. */
		if (n < 0 || send(s->sock, q, (size_t)n, MSG_DONTWAIT) != n) {
			s->pending = 0;
			return;
		}
	}
}

void dnsstat_kick(struct daemon *d)
{
	struct dnsstat *s = d->dnsstat;
	if (!s)
		return;
	pid_t pid = dnsstat_target(d);
	if (pid != s->pid) {
		/* Another dnsmasq (or none): its counters start again. */
		s->pid = pid;
		s->answers = 0;
		s->have = false;
		s->pending = 0;
	}
	if (!pid)
		return;
	int64_t now = mono_ms();
	if (s->started_ms && now - s->started_ms < DNSSTAT_MIN_GAP_MS)
		return;
	if (s->pending && now - s->started_ms < DNSSTAT_WAIT_MS)
		return;
	dnsstat_round(s);
}

/* One answer of this round: into cur; a complete round becomes last. */
static void dnsstat_answer(struct daemon *d, struct dnsstat *s, unsigned i, const uint8_t *m,
			   size_t len, uint32_t before)
{
	struct dnsmsg_txt t;
	int rc = dnsmsg_txt(m, len, q_names[i], &t);
	if (rc == 0 && i == Q_SERVERS) {
		for (size_t k = 0; k < t.n && rc == 0; k++)
			rc = dnsmsg_stat_server(t.s[k], &s->cur.up[k]);
		s->cur.n_up = t.n;
	} else if (rc == 0) {
		rc = t.n == 1 ? dnsmsg_stat_count(t.s[0], &s->cur.v[i]) : -EBADMSG;
		/* Its own answer is counted after it is sent: `before` is what
		 * it counted of ours (dnsmasq's counters are 32-bit). */
		if (rc == 0 && i == Q_HITS && s->cur.v[i] >= before) {
			s->cur.v[i] -= before;
		} else if (rc == 0 && i == Q_HITS) {
			/* Fewer than we read: answers of a dnsmasq that died
			 * were counted for this one. Take all of it as ours. */
			s->answers = s->cur.v[i] + (s->answers - before);
			s->cur.v[i] = 0;
		}
	}
	if (rc < 0) {
		if (!s->failing)
			daemon_log(d, "nftrouter: dns counters: dnsmasq's answer to %s: %s",
				   q_names[i], strerror(-rc));
		s->failing = true;
		s->pending = 0;
		return;
	}
	s->pending &= ~(1u << i);
	if (s->pending)
		return;
	if (s->failing)
		daemon_log(d, "nftrouter: dns counters: dnsmasq answers again");
	s->failing = false;
	s->last = s->cur;
	s->last_time = (int64_t)time(NULL);
	s->have = true;
}

static void dnsstat_on_sock(int fd, uint32_t events, void *data)
{
	struct daemon *d = data;
	struct dnsstat *s = d->dnsstat;
	uint8_t m[4096];
	(void)events;
	for (int k = 0; k < DNSSTAT_READS; k++) {
		ssize_t n = recv(fd, m, sizeof(m), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) /* EAGAIN; ECONNREFUSED: an ICMP error, no answer */
			return;
		/* From the peer the socket is connected to: an answer dnsmasq
		 * sent, so one it counted, whatever it says. */
		uint32_t before = s->answers++;
		uint16_t id;
		if ((size_t)n > sizeof(m) || dnsmsg_id(m, (size_t)n, &id) < 0)
			continue;
		unsigned i = (uint16_t)(id - s->id0);
		if (i < Q_N && (s->pending & (1u << i)))
			dnsstat_answer(d, s, i, m, (size_t)n, before);
	}
}

static void dnsstat_on_timer(int fd, uint32_t events, void *data)
{
	uint64_t ticks;
	(void)events;
	(void)!read(fd, &ticks, sizeof(ticks));
	dnsstat_kick(data);
}

const struct metrics_dns *dnsstat_get(struct daemon *d)
{
	struct dnsstat *s = d->dnsstat;
	if (!s || !s->have || s->pid != dnsstat_target(d))
		return NULL;
	struct metrics_dns *o = &s->out;
	const struct dnsstat_values *v = &s->last;
	*o = (struct metrics_dns){.time = s->last_time,
				  .local = v->v[Q_HITS],
				  .forwarded = v->v[Q_MISSES],
				  .cache_size = v->v[Q_CACHESIZE],
				  .cache_insertions = v->v[Q_INSERTIONS],
				  .cache_evictions = v->v[Q_EVICTIONS],
				  .upstreams = s->out_up,
				  .n_upstreams = v->n_up};
	for (size_t k = 0; k < v->n_up; k++)
		s->out_up[k] = (struct metrics_dns_upstream){v->up[k].server, v->up[k].queries,
							     v->up[k].failed};
	return o;
}

int dnsstat_open(struct daemon *d)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
	struct itimerspec it = {{DNSSTAT_STEP_S, 0}, {1, 0}};
	struct dnsstat *s = calloc(1, sizeof(*s));
	int err = 0;
	if (!s)
		return -ENOMEM;
	inet_pton(AF_INET, RENDER_DNSMASQ_STATS_ADDR, &sa.sin_addr);
	/* Ids need not be secret (only dnsmasq can answer a connected
	 * socket), but a start that differs keeps a restarted daemon's
	 * answers from looking like an old round's. */
	if (getrandom(&s->id0, sizeof(s->id0), GRND_NONBLOCK) < 0)
		s->id0 = (uint16_t)getpid();
	s->timer_fd = -1;
	s->sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	d->dnsstat = s;
	if (s->sock < 0 || connect(s->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    timerfd_settime(s->timer_fd, 0, &it, NULL) < 0)
		err = -errno;
	if (!err && (err = poller_watch(&d->poll, s->sock, EPOLLIN, dnsstat_on_sock, d)) == 0)
		err = poller_watch(&d->poll, s->timer_fd, EPOLLIN, dnsstat_on_timer, d);
	if (err)
		dnsstat_close(d);
	return err;
}

void dnsstat_close(struct daemon *d)
{
	struct dnsstat *s = d->dnsstat;
	if (!s)
		return;
	poller_unwatch_close(&d->poll, &s->sock);
	poller_unwatch_close(&d->poll, &s->timer_fd);
	free(s);
	d->dnsstat = NULL;
}
