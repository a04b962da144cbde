/* What `nftrouter status` and `leases` show, built the same way by the
 * daemon (over the control socket, with its children) and by the
 * commands alone (kernel state and state dir, no children). */
#ifndef NFTROUTER_SYSTEM_STATUS_H
#define NFTROUTER_SYSTEM_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/model.h"
#include "util/buf.h"

struct status_child {
	const char *name;
	pid_t pid;          /* 0: not running (waiting to restart) */
	int64_t uptime;     /* seconds */
	unsigned restarts;
	int last_status;    /* wait status of the last exit, -1 none */
	const char *error;  /* why it cannot do its job, or NULL */
};

struct status_daemon {
	pid_t pid;
	int64_t uptime;
	uint32_t reloads;
	const struct status_child *children;
	size_t n_children;
};

struct status_in {
	const struct router *r;
	const char *config;     /* path the model came from */
	const char *hash;       /* sha256 of the applied config, or NULL: read STATE_DIR/applied.yaml */
	const char *state_dir, *run_dir;
	const struct status_daemon *daemon; /* NULL: no daemon runs */
};

/* One JSON document / the human text. 0 or -errno. */
int status_format(const struct status_in *in, bool json, struct buf *out);

struct lease {
	int64_t expires;    /* UNIX time; 0 = never */
	char mac[64];       /* hardware address as dnsmasq wrote it */
	char ip[ADDR_STRLEN];
	char name[64];      /* "" = none */
	char client_id[256];/* "" = none */
};

/* STATE_DIR/dnsmasq.leases, in file order. A missing file is no leases. */
int leases_read(const char *state_dir, struct lease **out, size_t *n);
int leases_format(const struct lease *l, size_t n, bool json, struct buf *out);

#endif
