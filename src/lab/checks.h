/* Internal to the lab's checks (checks.c, checks_scan.c). */
#ifndef NFTROUTER_LAB_CHECKS_H
#define NFTROUTER_LAB_CHECKS_H

#include "lab/lab.h"

struct tctx {
	struct lab *l;
	lab_report_fn *report;
	void *arg;
	int failed;
};

void check_report(struct tctx *t, const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Run argv on host h; out is reset first. Exit status or -errno. */
int check_run(struct tctx *t, const struct lab_host *h, struct buf *out, int timeout_ms, char *const argv[]);
int check_nftrouter(struct tctx *t, struct buf *out, char *const args[]);
const char *check_out(const struct buf *b);
/* Stop a process check code started on h (lab_spawn_in). */
void check_stop(struct tctx *t, const struct lab_host *h, pid_t pid);
int check_client_addr(const struct tctx *t, const struct lab_host *h, struct ipaddr *out);
int check_router_addr(const struct tctx *t, const struct iface *p, struct ipaddr *out);

/* Until a TCP/UDP listener holds port on h (at most 2 s). */
void check_wait_listening(struct tctx *t, const struct lab_host *h, bool udp, uint16_t port);

void check_scan(struct tctx *t);
/* checks_failover.c: two health-checked WANs, the first one's targets
 * black-holed and restored. */
void check_failover(struct tctx *t);
void check_forwards(struct tctx *t);
/* checks_v6.c: RA, delegation, SLAAC, web, inbound, DNS, renumbering. */
void check_ipv6(struct tctx *t);

#endif
