/* The daemon's part in an `ha:` pair (docs/ha.md). keepalived decides who
 * is primary; its notify hook (`nftrouter ha-hook`, this binary) reports
 * each new state over the control socket as `ha-event STATE`, and this
 * file does what the state asks: conntrackd's steps (system/ha.h), then
 * services_sync, which starts dnsmasq on the primary and stops it on the
 * backup. keepalived itself adds and removes the virtual addresses and
 * sends the gratuitous ARPs. A timer samples conntrackd's counters for
 * status and metrics; the peer's sync messages (conntrackd sends one a
 * second even when idle) say whether the peer is reachable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/internal.h"
#include "system/ha.h"

/* A conntrackd request returns in milliseconds; a hung one must not hold
 * the daemon's loop for long. */
#define HA_STEP_TIMEOUT_MS 2000
/* The counters are only for status: a conntrackd that does not answer at
 * once (frozen, overloaded) is skipped this round, not waited for. */
#define HA_STATS_TIMEOUT_MS 500

const char *ha_role_name(enum ha_role r)
{
	switch (r) {
	case HA_ROLE_INIT: return "init";
	case HA_ROLE_BACKUP: return "backup";
	case HA_ROLE_MASTER: return "master";
	case HA_ROLE_FAULT: return "fault";
	case HA_ROLE_STOP: return "stop";
	}
	return "?";
}

static int ha_role_parse(const char *s, enum ha_role *out)
{
	static const struct {
		const char *name;
		enum ha_role role;
	} t[] = {{"MASTER", HA_ROLE_MASTER},
		 {"BACKUP", HA_ROLE_BACKUP},
		 {"FAULT", HA_ROLE_FAULT},
		 {"STOP", HA_ROLE_STOP}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].role;
			return 0;
		}
	return -EINVAL;
}

bool ha_peer_reachable(const struct daemon *d)
{
	return d->ha.peer_seen && (int64_t)time(NULL) - d->ha.peer_seen <= HA_PEER_STALE_S;
}

static void ha_sample(struct daemon *d)
{
	struct ha_sync_stats st;
	char *conf = services_run_path(d, "conntrackd.conf");
	int rc = conf ? ha_conntrackd_stats(conf, HA_STATS_TIMEOUT_MS, &st) : -ENOMEM;
	free(conf);
	d->ha.stats_ok = rc == 0;
	if (rc < 0)
		return;
	if (st.pkts_recv > d->ha.pkts_recv || (!d->ha.peer_seen && st.pkts_recv))
		d->ha.peer_seen = (int64_t)time(NULL);
	d->ha.bytes_sent = st.bytes_sent;
	d->ha.bytes_recv = st.bytes_recv;
	d->ha.pkts_sent = st.pkts_sent;
	d->ha.pkts_recv = st.pkts_recv;
	d->ha.errors = st.err_send + st.err_recv;
}

static void ha_on_tick(int fd, uint32_t events, void *data)
{
	struct daemon *d = data;
	uint64_t n;
	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	if (d->r && d->r->ha.on && child_find(d, "conntrackd"))
		ha_sample(d);
}

void ha_close(struct daemon *d)
{
	if (d->ha.timer >= 0)
		poller_unwatch_close(&d->poll, &d->ha.timer);
	d->ha.timer = -1;
}

void ha_sync(struct daemon *d)
{
	bool on = d->r && d->r->ha.on;
	if (!on) {
		ha_close(d);
		return;
	}
	if (d->ha.timer >= 0)
		return;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec its = {{HA_STATS_MS / 1000, (HA_STATS_MS % 1000) * 1000000L},
				 {HA_STATS_MS / 1000, (HA_STATS_MS % 1000) * 1000000L}};
	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL) < 0 ||
	    poller_watch(&d->poll, fd, EPOLLIN, ha_on_tick, d) < 0) {
		daemon_log(d, "nftrouter: ha: no timer for conntrackd's counters: %s",
			   strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	d->ha.timer = fd;
}

int ha_event(struct daemon *d, const char *state, struct diags *dg)
{
	enum ha_role role;
	if (ha_role_parse(state, &role) < 0) {
		diag_error(dg, nopos, "usage: ha-event MASTER|BACKUP|FAULT|STOP");
		return -EINVAL;
	}
	if (!d->r || !d->r->ha.on) {
		diag_error(dg, nopos, "this router has no ha: section");
		return -EINVAL;
	}
	enum ha_role old = d->ha.role;
	d->ha.role = role;
	if (role != old) {
		d->ha.since = (int64_t)time(NULL);
		d->ha.transitions++;
	}
	daemon_log(d, "nftrouter: ha: %s -> %s", ha_role_name(old), ha_role_name(role));
	/* On becoming primary the peer's connections must be in the kernel
	 * before anything else: packets of them are arriving already. */
	char *conf = services_run_path(d, "conntrackd.conf");
	const char *const *steps = ha_conntrackd_steps(state);
	struct diags why = DIAGS_INIT;
	d->ha.error[0] = '\0';
	if (!conf) {
		snprintf(d->ha.error, sizeof(d->ha.error), "out of memory");
	} else if (steps && child_find(d, "conntrackd") &&
		   ha_conntrackd_run(conf, steps, HA_STEP_TIMEOUT_MS, &why) < 0) {
		char *msg = diags_join(&why, "; ");
		snprintf(d->ha.error, sizeof(d->ha.error), "%s", msg ? msg : "conntrackd failed");
		daemon_log(d, "nftrouter: ha: %s", d->ha.error);
		free(msg);
	}
	diags_free(&why);
	free(conf);
	services_sync(d);
	return 0;
}
