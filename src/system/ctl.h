/* The control socket's client side: one request line, one JSON reply.
 * docs/control-socket.md describes the protocol. */
#ifndef NFTROUTER_SYSTEM_CTL_H
#define NFTROUTER_SYSTEM_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_SOCK_NAME "nftrouter.sock"
#define CTL_LINE_MAX 4096 /* bytes of a request line, its newline not counted */

/* Send req (no newline) to RUN_DIR/nftrouter.sock and return the reply
 * (malloc'd, NUL-terminated) in *reply. -ENOENT or -ECONNREFUSED: no
 * daemon listens (callers then act on the kernel directly); -ETIMEDOUT
 * after timeout_ms; another -errno otherwise. */
int ctl_request(const char *run_dir, const char *req, int timeout_ms, char **reply);

/* True if no daemon answered for the request (none listens, or one too
 * old to know it): the caller acts on the kernel itself. */
bool ctl_no_daemon(int rc);

/* A reply's "ok" member. */
bool ctl_reply_ok(const char *reply);
/* A reply's top-level string member KEY, unescaped, malloc'd; NULL when
 * absent. */
char *ctl_reply_str(const char *reply, const char *key);
/* A reply's top-level number member KEY; dflt when absent. */
int ctl_reply_int(const char *reply, const char *key, int dflt);
/* A reply's "errno" member (0 when none). */
int ctl_reply_errno(const char *reply);
struct diags;
/* A refusal's "error" string, one error in d per line (a daemon that
 * said nothing gets one saying so). Returns how many lines it held. */
int ctl_reply_diags(const char *reply, struct diags *d);

/* For commands that act directly when no daemon runs (ban, unban): send
 * req; 1 = no daemon listens (act directly), 0 = done, or the -errno the
 * daemon's reply carries (-EIO when it carries none) with its message in
 * d. */
int ctl_forward(const char *run_dir, const char *req, struct diags *d);

struct cidr;
/* `ban` and `unban` through the daemon: 1 = no daemon (act directly),
 * 0 = done (*cut: connections cut), or the daemon's -errno with its
 * message in d. */
int ctl_ban(const char *run_dir, const struct cidr *c, uint32_t secs, size_t *cut,
	    struct diags *d);
int ctl_unban(const char *run_dir, const struct cidr *c, struct diags *d);

struct counter_list;
/* The `counters` request, into the list zone_traffic_read() fills. 1 = no
 * daemon, 0 = done, -errno. */
int ctl_counters(const char *run_dir, struct counter_list *out);

#endif
