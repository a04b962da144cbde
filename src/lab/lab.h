/* The network-namespace lab: the router of a router.yaml built in network
 * namespaces, with a simulated internet behind every masquerading port and
 * a client behind every private one, the real daemon in the middle, and
 * end-to-end checks derived from the config.
 *
 * Everything the lab makes carries its ID: namespaces "nftr-ID-HOST", the
 * lab directory LAB_BASE/ID, and /etc/netns/nftr-ID-HOST. Before creating
 * an object, `up` records it in the lab's manifest, so `down` removes
 * exactly what `up` made, also after a crash midway.
 *
 * Library code: nothing here prints; errors go to lab->diags (the
 * project's one way to report, util/diag.h), progress and check results
 * to the caller's callbacks. The lab runs ip(8) and the peer
 * programs (dnsmasq, unbound, udhcpc, socat, nmap, dig, curl) with
 * fork/exec and argv arrays, never through a shell. */
#ifndef NFTROUTER_LAB_H
#define NFTROUTER_LAB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/model.h"
#include "util/addr.h"
#include "util/buf.h"
#include "util/diag.h"

#define LAB_BASE "/run/nftrouter-lab"
#define LAB_DEFAULT_ID "nftr"
#define LAB_ID_MAX 8
/* The name every internet host answers for (with its own address). Not
 * under .test: unbound, the router's DoT forwarder, answers the special-use
 * names (test., invalid., ...) itself with NXDOMAIN. */
#define LAB_WEB_NAME "www.example.com"

enum lab_role {
	LAB_ROUTER,   /* the router namespace, running `nftrouter run` */
	LAB_INTERNET, /* an ISP: DHCP server, upstream DNS, web server */
	LAB_CLIENT,   /* a client on a private port */
};

struct lab_host {
	char name[16];            /* "router" or the port's configured name */
	char ns[40];              /* "nftr-ID-NAME" */
	enum lab_role role;
	const struct iface *port; /* the router port it faces (NULL for the router) */
	char router_ifname[16];   /* the router end's kernel name before the daemon renames it */
	uint8_t mac[6];           /* the router end's MAC */
	bool pci_unsupported;     /* match: pci cannot be simulated with veth */
	bool absent;              /* an optional port the lab leaves out, or a bridge */
	/* A bridge member: the port whose link the host's veth is (matched
	 * as that port), while port is the member's bridge, which has the
	 * subnet, zone and DHCP range the host sees. NULL otherwise. */
	const struct iface *member;
	bool bridge;              /* a bridge: the router makes its link; no host of its own */
	struct cidr addr;         /* the host's own address; len 0: none or DHCP */
	bool dhcp_client;         /* a client that takes a DHCP lease */
	bool dhcp_server;         /* an internet host that hands the router its address */
	struct ipaddr pool_lo, pool_hi; /* dhcp_server's pool */
	/* An HA pair (lab up -c PRIMARY -c BACKUP, pair.c): the backup's end
	 * of this port (its kernel name and MAC before its daemon renames
	 * it), and whether the port is the sync link (the two routers'
	 * ends joined directly, no peer: `absent` is set for the peers' code). */
	char router2_ifname[16];
	uint8_t mac2[6];
	bool sync;
};

struct lab {
	char id[LAB_ID_MAX + 1];
	char dir[64];             /* LAB_BASE/ID */
	char config[PATH_MAX];    /* absolute path of the config */
	char bin[PATH_MAX];       /* the nftrouter executable */
	bool with_optional;       /* build optional ports too */
	bool vm;                  /* the router is a QEMU guest (lab up --vm), not a namespace */
	bool vm_cloud_init;       /* ... installed by cloud-init from `render cloud-init` */
	char vm_image[200];       /* the cached guest image's dir (vm.c) */
	char vm_accel[8];         /* "tcg" or "kvm" */
	pid_t vm_pid;             /* QEMU, while up runs */
	long vm_ready_ms;         /* from the guest's start to nftrouter.service active */
	int stop_fd;              /* signalfd of SIGINT/SIGTERM during up, or -1 */
	bool interrupted;
	struct router *r;
	struct lab_host *hosts;   /* hosts[0] is the router */
	size_t n_hosts;
	struct diags diags;       /* what went wrong, for the caller to print */
	bool name_taken;          /* lab_up refused: a lab of this name exists */
	/* An HA pair: hosts[0] is the primary (config), `backup` the second
	 * router (config2, model r2, namespace nftr-ID-backup). Each port
	 * with a peer is a bridge in the peer's namespace (eth0 there), both
	 * routers' ends on it. */
	bool pair;
	char config2[PATH_MAX];
	struct router *r2;
	struct lab_host backup;
};

/* For the lab's own files: an error into l->diags, and a program's output
 * (a log's tail) as one "| LINE" error per line under it. */
void lab_error(struct lab *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lab_error_lines(struct lab *l, const char *text);

/* A check's outcome, handed to the caller as soon as it is known. */
struct lab_check {
	const char *name;         /* "dhcp", "dns", "masquerade", "scan", ... */
	bool ok;
	char detail[512];
};

typedef void lab_report_fn(void *arg, const struct lab_check *c);
typedef void lab_progress_fn(void *arg, const char *what);

/* lab.c: identity and topology. */
bool lab_id_valid(const char *id);
/* Fill id, dir and bin. 0 or -EINVAL. */
int lab_init(struct lab *l, const char *id);
/* Derive the hosts from l->r (set by the caller). 0 or -EINVAL (l->diags). */
int lab_topology(struct lab *l);
/* Did a stop signal arrive on stop_fd (Ctrl-C during up)? Sticky. */
bool lab_interrupted(struct lab *l);
const struct lab_host *lab_host_find(const struct lab *l, const char *name);
const struct lab_host *lab_router(const struct lab *l);
void lab_release(struct lab *l); /* frees hosts and the router model */

/* lab.c: the lab's manifest, its record of what it made. */
bool lab_exists(const struct lab *l);
/* Append one line "KIND VALUE..." and flush it to disk. 0 or -errno. */
int lab_manifest_add(const struct lab *l, const char *kind, const char *value);
/* The value of the first "KIND VALUE" line, or "" (out has size n). */
int lab_manifest_get(const struct lab *l, const char *kind, char *out, size_t n);
/* Path of a file in the lab dir. */
void lab_path(const struct lab *l, const char *file, char *out, size_t n);

/* spawn.c: the monotonic clock in milliseconds, and a sleep, for every
 * bounded wait of the lab. */
long lab_now_ms(void);
void lab_sleep_ms(long ms);

/* spawn.c: child processes. */
/* Run argv (NULL-terminated) and wait at most timeout_ms. stdout and
 * stderr go to out when it is not NULL. Returns the exit status (0-255),
 * 128+signal, -ETIMEDOUT (killed), or another -errno. env: extra "K=V"
 * strings or NULL. */
int lab_run(char *const argv[], char *const env[], struct buf *out, int timeout_ms);
/* Same, in host h's namespace (`ip netns exec`). */
int lab_run_in(const struct lab *l, const struct lab_host *h, char *const argv[], struct buf *out,
	       int timeout_ms);
/* Start argv in h's namespace in the background, detached (own session),
 * output appended to log; the pid is recorded in the manifest as "pid PID
 * TAG" before this returns. Returns the pid or -errno. */
pid_t lab_spawn_in(const struct lab *l, const struct lab_host *h, char *const argv[], char *const env[],
		   const char *log, const char *tag);

/* netns.c: namespaces, links, teardown. */
/* Build the whole lab (namespaces, links, peers, the daemon). On failure
 * tears down what it made and returns -errno with l->diags saying why. */
int lab_up(struct lab *l, lab_progress_fn *progress, void *arg);
/* Remove everything the manifest (and the lab's namespace names) says the
 * lab has: processes, namespaces (and so their veths), /etc/netns entries,
 * the lab dir. Works with a partial manifest. 0 or -errno. */
int lab_down(struct lab *l);
int lab_create_links(struct lab *l);

/* hosts.c: the peer programs. */
int lab_hosts_prepare(struct lab *l);       /* configs, scripts, test CA */
int lab_start_internet(struct lab *l, const struct lab_host *h);
int lab_start_router(struct lab *l, int timeout_ms);
int lab_start_clients(struct lab *l, int timeout_ms);
/* A client's lease as its DHCP hook recorded it; -ENOENT if none yet. */
int lab_lease_read(const struct lab *l, const struct lab_host *h, struct ipaddr *ip, int *len,
		   struct ipaddr *router);
/* The first IPv4 address of h's interface (the router: of port p). */
int lab_addr_of(const struct lab *l, const struct lab_host *h, const struct iface *p, struct cidr *out);

/* Run `nftrouter ARGS...` on the router as its admin would: in the
 * router namespace with the lab's config and dirs, or in the VM guest
 * with the installed defaults. */
int lab_nftrouter(const struct lab *l, char *const args[], struct buf *out, int timeout_ms);
/* Stop a process lab_spawn_in started on h (a pid in the guest for the
 * VM's router). */
void lab_stop(const struct lab *l, const struct lab_host *h, pid_t pid);

/* isp6.c: the ISP's IPv6 for a WAN with `ipv6: slaac` or `dhcp`. */
bool lab_isp6(const struct lab_host *h);
void lab_isp6_addr(const struct lab *l, const struct lab_host *h, char *out, size_t n);
void lab_isp6_pool(const struct lab *l, const struct lab_host *h, unsigned gen, char *out, size_t n);
/* The IPv6 web server's address: the first ISP with IPv6 (false: none). */
bool lab_isp6_web_addr(const struct lab *l, char *out, size_t n);
int lab_isp6_dnsmasq_lines(const struct lab *l, const struct lab_host *h, struct buf *b);
int lab_isp6_link(const struct lab *l, const struct lab_host *h);
pid_t lab_isp6_dhcpd(struct lab *l, const struct lab_host *h, unsigned gen);
int lab_isp6_dhcpd_stop(const struct lab *l, const struct lab_host *h);
/* Configure a peer's end of its port link (up, address, route). */
int lab_peer_config(struct lab *l, const struct lab_host *h);

/* vm.c, agent.c: the router as a QEMU guest. */
#define LAB_VM_ARGV_MAX 96
int lab_vm_image(struct lab *l);
void lab_vm_tap_name(const struct lab *l, size_t host, char out[16]);
int lab_vm_start(struct lab *l, lab_progress_fn *progress, void *arg);
int lab_vm_cont(struct lab *l);
/* HMP `set_link`: the guest's NIC of host's port loses or regains its
 * carrier (a tap's own link state never reaches the guest). */
int lab_vm_set_link(struct lab *l, size_t host, bool up);
int lab_vm_wait_ready(struct lab *l, int timeout_ms);
void lab_vm_stop(const struct lab *l, pid_t pid);
/* argv in the guest through its agent, output (stdout then stderr) to
 * out: exit status, 128+signal, 127 (and a line saying so) when the
 * agent could not start it, or -errno (-ETIMEDOUT: killed). */
int lab_vm_exec(const struct lab *l, char *const argv[], struct buf *out, int timeout_ms);
pid_t lab_vm_spawn(const struct lab *l, char *const argv[]);
/* The agent's protocol, pure (tests/unit/lab): the guest-exec request
 * line for argv (malloc'd, NULL without memory), and what a
 * guest-exec-status reply says: -EAGAIN still running, -EIO not a reply,
 * else the exit status (128+signal) with the output (stdout, then
 * stderr, base64-decoded) appended to out when out is not NULL. */
char *lab_agent_exec_request(char *const argv[], bool capture);
int lab_agent_exec_status(const char *reply, struct buf *out);
void lab_vm_kill(const struct lab *l, pid_t pid);

/* checks.c: `lab test`. Returns the number of failed checks, or -errno. */
int lab_test(struct lab *l, lab_report_fn *report, void *arg);

/* pair.c: the HA pair. After lab_topology (of the primary, l->r), with
 * l->r2 set: both configs have ha:, the same ports and sync port; fills
 * each host's backup identity and the backup host. 0 or -EINVAL (diags). */
int lab_pair_topology(struct lab *l);
/* `lab test` of a pair (checks_ha.c): roles, virtual addresses, sync,
 * the clients' leases and NAT through the virtual addresses. */
int lab_pair_test(struct lab *l, lab_report_fn *report, void *arg);
/* Run `nftrouter ARGS` on the backup as its admin would (lab_nftrouter's twin). */
int lab_nftrouter_backup(const struct lab *l, char *const args[], struct buf *out, int timeout_ms);

#endif
