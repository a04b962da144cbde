/* conntrackd's commands for an `ha:` router (docs/ha.md): the sequence a
 * change of VRRP state asks of it, and its sync counters. Every call
 * names the instance's own config (`conntrackd -C CONF`), so two routers
 * on one machine (the lab) never reach each other's daemon. */
#ifndef NFTROUTER_SYSTEM_HA_H
#define NFTROUTER_SYSTEM_HA_H

#include <stddef.h>
#include <stdint.h>

#define CONNTRACKD_BIN "/usr/sbin/conntrackd"

/* What a new VRRP state asks of conntrackd, in order:
 *   MASTER: -c (commit the peer's entries to the kernel), -f (flush the
 *           caches), -R (resync the internal cache from the kernel),
 *           -B (bulk-send it to the peer);
 *   BACKUP: -t (shorten the kernel's entries: the peer owns them now),
 *           -n (ask the peer for a full resync);
 *   FAULT:  -t.
 * NULL-terminated; NULL for a state that asks nothing (STOP). Pure. */
const char *const *ha_conntrackd_steps(const char *state);

/* Run `conntrackd -C conf FLAG` for each step, each bounded by timeout_ms.
 * 0, or -errno of the first that failed (its flag and output in dg). */
struct diags;
int ha_conntrackd_run(const char *conf, const char *const *steps, int timeout_ms,
		      struct diags *dg);

/* `conntrackd -C conf -s network`: the UDP sync link's counters. */
struct ha_sync_stats {
	uint64_t bytes_sent, bytes_recv, pkts_sent, pkts_recv, err_send, err_recv;
};
int ha_conntrackd_stats(const char *conf, int timeout_ms, struct ha_sync_stats *st);
/* The same from its text (pure; tests/unit). 0 or -EINVAL. */
int ha_stats_parse(const char *text, struct ha_sync_stats *st);

/* conntrackd's lock file at lock when nothing answers on its socket:
 * removed. 1 removed, 0 none or a live conntrackd, -errno. */
int ha_conntrackd_stale_lock(const char *lock, const char *sock);

#endif
