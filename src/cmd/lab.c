/* nftrouter lab: the router of a router.yaml in network namespaces. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lab/lab.h"

static const char lab_usage[] =
	"Usage: nftrouter lab up     [-c FILE] [--name ID] [--optional] [--vm [--cloud-init]]\n"
	"       nftrouter lab up     -c PRIMARY -c BACKUP [--name ID]\n"
	"       nftrouter lab down   [--name ID]\n"
	"       nftrouter lab exec   [--name ID] HOST COMMAND [ARG...]\n"
	"       nftrouter lab status [--name ID] [--json]\n"
	"       nftrouter lab test   [--name ID] [-c FILE]\n"
	"\n"
	"Build the router that FILE describes inside network namespaces on this\n"
	"machine, with a simulated internet behind every masquerading port and a\n"
	"client behind every private port, run the real daemon (`nftrouter run`)\n"
	"in it, and check it end to end. Nothing outside the lab's namespaces is\n"
	"touched, so a config can be tried before it goes near a real router.\n"
	"\n"
	"  up      Create the namespaces nftr-ID-router and nftr-ID-PORT (one per\n"
	"          configured port), a veth per port whose router end carries the\n"
	"          kernel name and MAC the port's `match` expects (eth<N> for MAC\n"
	"          and PCI matches; PCI cannot be simulated and is treated as a\n"
	"          name), the peers (an ISP with a DHCP server, DNS, DNS over TLS\n"
	"          when configured and a web server on every port of a masquerading\n"
	"          zone or taking DHCP; a DHCP or static client on every other\n"
	"          port), then start `nftrouter run` in the router namespace and\n"
	"          wait for its READY=1. Optional ports are left out (absent), to\n"
	"          show the router comes up without them, unless --optional.\n"
	"          Prints a summary of the router it built. With --vm the router\n"
	"          is a QEMU guest booted from the cached Debian image instead\n"
	"          (scripts/vm-image): virtio NICs with the ports' MACs on taps in\n"
	"          the peers' namespaces, nftrouter installed and started by\n"
	"          systemd at boot. Slower (a boot), but it shows what only a\n"
	"          boot can: udev naming, the unit, a stock /run.\n"
	"          -c PRIMARY -c BACKUP: an ha: pair (lab up --help, docs/ha.md).\n"
	"  down    Stop the lab's processes and delete its namespaces, veths,\n"
	"          /etc/netns entries and directory: exactly what `up` recorded in\n"
	"          its manifest, also after a crash or Ctrl-C midway.\n"
	"  exec    Run COMMAND on a lab host: `router` or a port's name (its\n"
	"          peer); `backup` is a pair's second router. The host's own resolv.conf applies. On a --vm lab,\n"
	"          `router` is the guest (through its QEMU guest agent).\n"
	"  status  Hosts, namespaces, addresses, leases and the daemon's status.\n"
	"  test    Derive checks from the config and run them with real tools:\n"
	"          leases, DNS through the router, masquerade, no connection from\n"
	"          the internet to clients, an nmap scan of the router from every\n"
	"          port, port forwards, a ban and an unban, zone counters. One\n"
	"          line per check (ok/FAIL/skip and detail).\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE  the config (up: default $NFTROUTER_CONFIG or "
	DEFAULT_CONFIG ";\n"

	"                     test: default the config the lab was built from)\n"
	"  -n, --name ID      the lab's name, 1-8 characters of [a-z0-9] (default\n"
	"                     $NFTROUTER_LAB or " LAB_DEFAULT_ID "); labs with different\n"
	"                     names coexist\n"
	"      --optional     up: build optional ports too\n"
	"      --vm           up: the router is a QEMU guest, not a namespace\n"
	"      --cloud-init   up --vm: installed by cloud-init from `render cloud-init`\n"
	"      --json         status: one JSON document on stdout\n"
	"  -h, --help         this text\n"
	"\n"
	"Files: " LAB_BASE "/ID/ (manifest, peer configs, logs, the daemon's state\n"
	"and run dirs, router.log), /etc/netns/nftr-ID-*/resolv.conf.\n"
	"Needs root, iproute2, dnsmasq, busybox udhcpc, socat, nmap, dig, curl,\n"
	"openssl and unbound (for DNS over TLS).\n"
	"\n"
	"--vm also needs qemu-system-x86_64 and the guest image (scripts/vm-image,\n"
	"cached in /var/cache/nftrouter-vm; $NFTROUTER_VM_IMAGE names another).\n"
	"\n"
	"Exit status: 0 ok (test: every check passed); 1 invalid config or\n"
	"request (up: the name is in use or the config fails `check`; nothing\n"
	"changed), or a failed check; 2 usage; 3 the system refused (up removes\n"
	"what it made).\n";

/* Per-verb help: `nftrouter lab VERB --help`. */
static const struct lab_help {
	const char *verb;
	const char *text;
} lab_helps[] = {
	{"up",
	 "Usage: nftrouter lab up [-c FILE] [--name ID] [--optional] [--vm [--cloud-init]]\n"
	 "       nftrouter lab up -c PRIMARY -c BACKUP [--name ID]\n\n"
	 "Build the router of FILE in network namespaces and start it. Creates the\n"
	 "namespaces nftr-ID-router and nftr-ID-PORT (one peer per configured port),\n"
	 "a veth per port whose router end carries the kernel name and MAC the\n"
	 "port's `match` expects (MAC match: eth<N> with the configured MAC; name\n"
	 "match: that name; PCI match: cannot be simulated, named eth<N> with a\n"
	 "warning), an ISP (dnsmasq DHCP + DNS, unbound DNS over TLS with a test CA\n"
	 "when the config has tls:// upstreams, a socat web server) on every port of\n"
	 "a masquerading zone or taking DHCP, a client (busybox udhcpc, or a static\n"
	 "address) on every other port; then `nftrouter run` in the router namespace,\n"
	 "waiting for its READY=1, and the clients' leases. Prints a summary.\n"
	 "Every object is recorded in " LAB_BASE "/ID/manifest before it is made;\n"
	 "if anything fails, or up is stopped (Ctrl-C, SIGTERM), it removes what it\n"
	 "made.\n\n"
	 "With --vm the router is a QEMU guest (TCG; KVM only when a probe boot\n"
	 "worked) booted from the cached Debian 12 image that scripts/vm-image builds,\n"
	 "with snapshot=on (nothing is written to the image). Each present port is a\n"
	 "virtio NIC with the MAC its match expects (name matches: the kernel's\n"
	 "eth<N>, in port order) on a tap QEMU creates and up moves into the port's\n"
	 "peer namespace. This nftrouter binary, router.yaml, the rendered udev\n"
	 "rules and nftrouter.service (enabled) are installed into the guest before\n"
	 "it boots; up waits until systemd reports the unit active. `lab exec ID\n"
	 "router CMD` and the checks reach the guest through its QEMU guest agent.\n"
	 "down stops QEMU by the pid up recorded. docs/lab.md.\n\n"
	 "With --cloud-init (implies --vm) the guest is installed as docs/proxmox.md\n"
	 "does it: only the nftrouter binary is in the image (the template), and\n"
	 "cloud-init applies `nftrouter render cloud-init` from a NoCloud seed at the\n"
	 "first boot (config, udev rules, unit, enable) and reboots; up waits for\n"
	 "the unit after that reboot. Minutes under emulation.\n\n"
	 "With -c PRIMARY -c BACKUP (two configs with ha:, the same ports and sync\n"
	 "port) up builds the pair of docs/ha.md: PRIMARY's router in nftr-ID-router,\n"
	 "BACKUP's in nftr-ID-backup; each port's peer namespace holds a bridge\n"
	 "(eth0) with both routers' ends on it, the sync ports are one veth between\n"
	 "the two routers, and both daemons run (the primary first). `lab exec ID\n"
	 "backup CMD` runs on the backup with its config and dirs; `lab test` checks\n"
	 "the pair. Namespaces only (no --vm, --optional).\n\n"
	 "Options:\n"
	 "  -c, --config FILE  the config (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG ");\n"
	 "                     twice: an ha: pair, PRIMARY then BACKUP\n"
	 "  -n, --name ID      the lab's name: 1-8 of [a-z0-9] (default $NFTROUTER_LAB or " LAB_DEFAULT_ID ")\n"
	 "      --optional     also build the ports marked optional (default: left out,\n"
	 "                     to show the router comes up without them)\n"
	 "      --vm           the router as a QEMU guest instead of a namespace\n"
	 "      --cloud-init   with --vm: installed by cloud-init from its user-data\n\n"
	 "Exit status: 0 the lab is up; 1 the config fails `check` (its errors are\n"
	 "printed) or the name is in use (a lab dir or a namespace nftr-ID-*):\n"
	 "nothing changed; 2 usage; 3 the system refused (what up made is removed).\n"},
	{"down",
	 "Usage: nftrouter lab down [--name ID]\n\n"
	 "Remove lab ID: SIGTERM then SIGKILL to its recorded processes that still\n"
	 "live in its namespaces and to every process inside them, then delete its\n"
	 "namespaces (their veths go with them), /etc/netns/nftr-ID-* and\n"
	 LAB_BASE "/ID. Works after a crash or Ctrl-C of `up` midway: a partial\n"
	 "manifest is completed by the namespaces named nftr-ID-*. A --vm lab's\n"
	 "QEMU is stopped first (SIGTERM, then SIGKILL), by the pid up recorded and\n"
	 "only if its command line names the lab's dir; its taps go with it.\n"
	 "Removing a lab that does not exist succeeds.\n\n"
	 "Options:\n  -n, --name ID  the lab (default $NFTROUTER_LAB or " LAB_DEFAULT_ID ")\n\n"
	 "Exit status: 0 nothing of the lab remains; 2 usage; 3 something could not\n"
	 "be removed (said on stderr).\n"},
	{"exec",
	 "Usage: nftrouter lab exec [--name ID] HOST COMMAND [ARG...]\n\n"
	 "Run COMMAND in HOST's namespace (`ip netns exec`), with that host's\n"
	 "resolv.conf: HOST is `router` or a configured port's name (the ISP or\n"
	 "client behind it), or `backup`, a pair's second router. Options stop at HOST, so COMMAND takes its own.\n"
	 "On the router, COMMAND gets NFTROUTER_CONFIG, NFTROUTER_STATE_DIR and\n"
	 "NFTROUTER_RUN_DIR set to the lab's config and dirs, NFTROUTER_LAB to its\n"
	 "name and NFTROUTER_TLS_CA to its test CA (when it has one), which every\n"
	 "nftrouter command honours: `lab exec router nftrouter status` describes\n"
	 "the lab's router, and so do `diff`, `bans` or `leases`.\n"
	 "On a --vm lab, `router` is the guest: COMMAND runs there as root through\n"
	 "the QEMU guest agent (searched in the guest's PATH), and its output\n"
	 "(stdout, then stderr) is printed when it has exited.\n\n"
	 "Options:\n  -n, --name ID  the lab (default $NFTROUTER_LAB or " LAB_DEFAULT_ID ")\n\n"
	 "Exit status: COMMAND's; 1 no such lab or host; 2 usage; 3 ip (or the guest\n"
	 "agent) could not run it.\n"},
	{"status",
	 "Usage: nftrouter lab status [--name ID] [--json]\n\n"
	 "Print the lab's hosts: each port's kernel name and MAC, the router's and\n"
	 "the peer's addresses (leases included), absent optional ports, and the\n"
	 "daemon's own `nftrouter status --json`.\n\n"
	 "Options:\n  -n, --name ID  the lab (default $NFTROUTER_LAB or " LAB_DEFAULT_ID ")\n"
	 "      --json     one JSON document: {name, dir, config, hosts: [{name, role,\n"
	 "                 namespace, absent, port, kernel_name, mac, router_address,\n"
	 "                 address, dhcp}], daemon: <status --json or null>}\n\n"
	 "Exit status: 0 ok; 1 no such lab; 2 usage; 3 the daemon does not answer\n"
	 "(text mode; --json then has \"daemon\": null).\n"},
	{"test",
	 "Usage: nftrouter lab test [--name ID] [-c FILE]\n\n"
	 "Derive checks from the config and run them against the running lab with\n"
	 "real tools. One line per check: ok, FAIL or skip, its name, what was\n"
	 "seen. Checks: daemon (status answers), port (renamed and up; optional\n"
	 "absent), wan-dhcp, dhcp (lease in range, router as gateway), dns (dig\n"
	 "through the router), masquerade (the ISP's web server sees the router's\n"
	 "WAN address), forward (zones not forwarded stay apart), inbound (the\n"
	 "internet cannot connect to clients), zones (clients reach other zones only\n"
	 "where forwarded), scan (nmap from every port finds\n"
	 "exactly the ports its zone opens), portfwd (every forward answers from\n"
	 "its zone; a source-restricted one does not from elsewhere), ban (ban cuts\n"
	 "a client, unban restores it), counters (zone counters move). See\n"
	 "docs/lab.md.\n\n"
	 "Options:\n  -n, --name ID      the lab (default $NFTROUTER_LAB or " LAB_DEFAULT_ID ")\n"
	 "  -c, --config FILE  derive the checks from FILE (default: the lab's config)\n\n"
	 "Exit status: 0 every check passed; 1 a check failed or no such lab;\n"
	 "2 usage; 3 the checks could not run.\n"},
};

static void lab_help(const char *verb)
{
	for (size_t i = 0; i < sizeof(lab_helps) / sizeof(lab_helps[0]); i++)
		if (strcmp(lab_helps[i].verb, verb) == 0) {
			fputs(lab_helps[i].text, stdout);
			return;
		}
	fputs(lab_usage, stdout);
}

struct lab_opts {
	const char *config;
	const char *config2; /* up -c PRIMARY -c BACKUP */
	const char *name;
	bool json, optional, vm, cloud_init;
	int rest; /* first non-option argument */
};

static int lab_parse(int argc, char **argv, struct lab_opts *o)
{
	static const struct option longopts[] = {
		CMD_OPTION_CONFIG, {"name", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'}, {"optional", no_argument, NULL, 'o'},
		{"vm", no_argument, NULL, 'v'}, {"cloud-init", no_argument, NULL, 'C'},
		CMD_OPTION_HELP, CMD_OPTION_END,
	};
	const char *e = getenv("NFTROUTER_LAB");
	int c;
	o->name = e && *e ? e : LAB_DEFAULT_ID;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (o->config && o->config2) {
				cmd_err("lab: -c at most twice (PRIMARY, BACKUP)");
				return -EINVAL;
			}
			*(o->config ? &o->config2 : &o->config) = optarg;
			break;
		case 'n': o->name = optarg; break;
		case 'j': o->json = true; break;
		case 'o': o->optional = true; break;
		case 'v': o->vm = true; break;
		case 'C': o->cloud_init = o->vm = true; break;
		case 'h': lab_help(argv[0]); exit(EXIT_OK);
		default: fputs(lab_usage, stderr); return -EINVAL;
		}
	}
	o->rest = optind;
	return 0;
}

/* Print what went wrong (l->diags, or the bare error code when the lab
 * said nothing), then note if there is one; returns status. */
static int lab_report(struct lab *l, int ret, const char *note, int status)
{
	if (!l->diags.n_errors)
		lab_error(l, "%s", strerror(ret < 0 ? -ret : EIO));
	cmd_print_diags(&l->diags);
	diags_free(&l->diags);
	if (note)
		cmd_err("%s", note);
	return status;
}

/* The second router of an ha: pair: `up -c PRIMARY -c BACKUP`, or the
 * BACKUP an existing pair was built from. */
static int lab_load_pair(struct lab *l, const struct lab_opts *o, bool existing)
{
	char cfg[PATH_MAX];
	struct diags d = DIAGS_INIT;
	if (existing ? lab_manifest_get(l, "config2", cfg, sizeof(cfg)) < 0 || !cfg[0]
		     : !o->config2)
		return EXIT_OK;
	if (!existing)
		snprintf(cfg, sizeof(cfg), "%s", o->config2);
	if (l->vm || l->with_optional) {
		cmd_err("lab up: a pair is built in namespaces, all ports (no --vm, --optional)");
		return EXIT_USAGE;
	}
	if (!realpath(cfg, l->config2)) {
		cmd_err("%s: %s", cfg, strerror(errno));
		return EXIT_INVALID;
	}
	l->r2 = router_file_steal(router_file_load(l->config2, &d));
	if (!l->r2) {
		cmd_print_diags(&d);
		diags_free(&d);
		return EXIT_INVALID;
	}
	diags_free(&d);
	int ret = lab_pair_topology(l);
	return ret < 0 ? lab_report(l, ret, NULL, EXIT_INVALID) : EXIT_OK;
}

/* Load the config and derive the topology. For an existing lab without
 * -c, the config it was built from. */
static int lab_load(struct lab *l, const struct lab_opts *o, bool existing)
{
	char cfg[PATH_MAX], opt[8];
	struct diags d = DIAGS_INIT;
	int ret;

	if ((ret = lab_init(l, o->name)) < 0)
		return lab_report(l, ret, NULL, EXIT_USAGE);
	if (existing && !lab_exists(l)) {
		cmd_err("no lab '%s' (%s missing); start one with: nftrouter lab up --name %s", l->id, l->dir,
			l->id);
		return EXIT_INVALID;
	}
	if (o->config) {
		snprintf(cfg, sizeof(cfg), "%s", o->config);
	} else if (existing && lab_manifest_get(l, "config", cfg, sizeof(cfg)) == 0) {
		if (lab_manifest_get(l, "optional", opt, sizeof(opt)) == 0)
			l->with_optional = strcmp(opt, "1") == 0;
	} else {
		struct cmd_paths p;
		cmd_paths_init(&p);
		snprintf(cfg, sizeof(cfg), "%s", p.config);
	}
	if (!realpath(cfg, l->config)) {
		cmd_err("%s: %s", cfg, strerror(errno));
		return EXIT_INVALID;
	}
	l->with_optional = l->with_optional || o->optional;
	if (existing && lab_manifest_get(l, "vm", opt, sizeof(opt)) == 0)
		l->vm = true;
	if (!existing && o->vm) {
		l->vm = true;
		l->vm_cloud_init = o->cloud_init;
		if ((ret = lab_vm_image(l)) < 0)
			return lab_report(l, ret, "lab up --vm: no guest to run", EXIT_SYSTEM);
	}
	l->r = router_file_steal(router_file_load(l->config, &d));
	if (!l->r) {
		cmd_print_diags(&d);
		diags_free(&d);
		return EXIT_INVALID;
	}
	diags_free(&d);
	ret = lab_topology(l);
	if (ret < 0)
		return lab_report(l, ret, NULL, EXIT_INVALID);
	return lab_load_pair(l, o, existing);
}

static void print_progress(void *arg, const char *what)
{
	(void)arg;
	fprintf(stderr, "lab: %s\n", what);
}

static const char *role_name(enum lab_role r)
{
	return r == LAB_ROUTER ? "router" : r == LAB_INTERNET ? "internet" : "client";
}

static void print_summary(const struct lab *l)
{
	const struct lab_host *rt = lab_router(l);
	printf("lab '%s' is up: %s (config %s)\n", l->id, l->dir, l->config);
	printf("  %-8s %-24s %-20s %-9s %s\n", "PORT", "KERNEL NAME / MAC", "ROUTER ADDRESS", "PEER",
	       "PEER ADDRESS");
	for (size_t i = 1; i < l->n_hosts; i++) {
		const struct lab_host *h = &l->hosts[i];
		char mac[18], ra[ADDR_STRLEN] = "-", pa[ADDR_STRLEN] = "-", km[48];
		struct cidr c;
		mac_format(h->mac, mac);
		snprintf(km, sizeof(km), "%s %s", h->router_ifname, mac);
		if (h->sync) {
			printf("  %-8s %-24s %s\n", h->name, km, "the sync link: router <-> backup, no peer");
			continue;
		}
		if (h->bridge) {
			printf("  %-8s %-24s %s\n", h->name, h->name, "bridge, made by the router");
			continue;
		}
		if (h->absent && h->port && h->port->wg) {
			printf("  %-8s %-24s %s\n", h->name, h->router_ifname,
			       "WireGuard: the router's own link, no peer namespace");
			continue;
		}
		if (h->absent) {
			printf("  %-8s %-24s %s\n", h->name, km, "absent (optional port left out)");
			continue;
		}
		if (lab_addr_of(l, rt, h->port, &c) == 0)
			cidr_format(&c, ra, sizeof(ra));
		if (lab_addr_of(l, h, NULL, &c) == 0)
			cidr_format(&c, pa, sizeof(pa));
		printf("  %-8s %-24s %-20s %-9s %s%s\n", h->name, km, ra, role_name(h->role), pa,
		       h->dhcp_client ? " (DHCP lease)" : h->dhcp_server ? " (ISP, DHCP server)" : "");
	}
	if (l->pair)
		printf("  backup   %-24s %s (config %s)\n", l->backup.ns, "the second router", l->config2);
	printf("Try: nftrouter lab exec --name %s HOST COMMAND   (HOST: router%s", l->id,
	       l->pair ? ", backup" : "");
	for (size_t i = 1; i < l->n_hosts; i++)
		if (!l->hosts[i].absent)
			printf(", %s", l->hosts[i].name);
	printf(")\n     nftrouter lab test --name %s;  nftrouter lab down --name %s\n", l->id, l->id);
}

static int lab_cmd_up(const struct lab_opts *o)
{
	struct lab l;
	int rc = lab_load(&l, o, false), ret;
	if (rc != EXIT_OK)
		goto out;
	for (size_t i = 1; i < l.n_hosts; i++)
		if (l.hosts[i].pci_unsupported)
			fprintf(stderr,
				"lab: warning: port '%s' matches by PCI address, which a veth cannot have; "
				"the lab names it %s and the daemon will not find it\n",
				l.hosts[i].name, l.hosts[i].router_ifname);
	/* Ctrl-C (or SIGTERM/SIGHUP) during up: read from a signalfd between
	 * steps, so up can take down what it made before it exits. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &stop, NULL) == 0)
		l.stop_fd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
	ret = lab_up(&l, print_progress, NULL);
	if (l.stop_fd >= 0)
		close(l.stop_fd);
	if (ret < 0 && l.name_taken)
		rc = lab_report(&l, ret, NULL, EXIT_INVALID);
	else if (ret < 0)
		rc = lab_report(&l, ret, "lab up failed; the lab was removed again", EXIT_SYSTEM);
	else
		print_summary(&l);
out:
	lab_release(&l);
	return rc;
}

static int lab_cmd_down(const struct lab_opts *o)
{
	struct lab l;
	int ret;
	if ((ret = lab_init(&l, o->name)) < 0)
		return lab_report(&l, ret, NULL, EXIT_USAGE);
	if ((ret = lab_down(&l)) < 0)
		return lab_report(&l, ret, "lab down: teardown incomplete", EXIT_SYSTEM);
	lab_release(&l);
	return EXIT_OK;
}

/* `lab exec router CMD` on the VM lab: through the guest agent, which
 * hands back the output when CMD has exited (stdout, then stderr). */
static int lab_exec_guest(struct lab *l, int argc, char **argv)
{
	struct buf out = BUF_INIT;
	char **v = calloc((size_t)argc + 1, sizeof(*v));
	int ret = -ENOMEM;
	if (v) {
		memcpy(v, argv, (size_t)argc * sizeof(*v));
		ret = lab_vm_exec(l, v, &out, 600000);
	}
	if (out.s)
		fputs(out.s, stdout);
	if (ret < 0)
		cmd_err("lab exec: the router guest's agent: %s", strerror(-ret));
	buf_free(&out);
	free(v);
	lab_release(l);
	return ret < 0 ? EXIT_SYSTEM : ret;
}

/* A command run on the router as its admin would run it: `nftrouter
 * status` (or any other) finds the lab's config, state and run dirs
 * through the variables every command honours (cmd_paths_init). */
static int lab_exec_env(const struct lab *l, bool backup)
{
	char state[PATH_MAX], run[PATH_MAX], ca[PATH_MAX];
	lab_path(l, backup ? "backup-state" : "state", state, sizeof(state));
	lab_path(l, backup ? "backup-run" : "run", run, sizeof(run));
	lab_path(l, "ca.pem", ca, sizeof(ca));
	/* the test CA the lab's daemon checks DoT upstreams against */
	if (access(ca, R_OK) == 0 && setenv("NFTROUTER_TLS_CA", ca, 1) < 0)
		return -errno;
	if (setenv("NFTROUTER_CONFIG", backup ? l->config2 : l->config, 1) < 0 ||
	    setenv("NFTROUTER_STATE_DIR", state, 1) < 0 || setenv("NFTROUTER_RUN_DIR", run, 1) < 0 ||
	    setenv("NFTROUTER_LAB", l->id, 1) < 0)
		return -errno;
	return 0;
}

static int lab_cmd_exec(const struct lab_opts *o, int argc, char **argv)
{
	struct lab l;
	const struct lab_host *h;
	char **v;
	int rc;

	if (argc - o->rest < 2) {
		fputs(lab_usage, stderr);
		return EXIT_USAGE;
	}
	rc = lab_load(&l, o, true);
	if (rc != EXIT_OK)
		return rc;
	h = l.pair && strcmp(argv[o->rest], "backup") == 0 ? &l.backup : lab_host_find(&l, argv[o->rest]);
	if (!h || h->absent) {
		cmd_err("lab '%s' has no host '%s'%s", l.id, argv[o->rest], h ? " (optional port left out)" : "");
		lab_release(&l);
		return EXIT_INVALID;
	}
	if (l.vm && h->role == LAB_ROUTER)
		return lab_exec_guest(&l, argc - o->rest - 1, argv + o->rest + 1);
	v = calloc((size_t)(argc - o->rest) + 5, sizeof(*v));
	if (!v) {
		lab_release(&l);
		return EXIT_SYSTEM;
	}
	if (h->role == LAB_ROUTER && lab_exec_env(&l, h == &l.backup) < 0) {
		cmd_err("lab exec: setenv: %s", strerror(errno));
		free(v);
		lab_release(&l);
		return EXIT_SYSTEM;
	}
	v[0] = "ip";
	v[1] = "netns";
	v[2] = "exec";
	v[3] = (char *)h->ns;
	for (int i = o->rest + 1, n = 4; i < argc; i++)
		v[n++] = argv[i];
	fflush(stdout);
	execvp("ip", v);
	cmd_err("ip: %s", strerror(errno));
	free(v);
	lab_release(&l);
	return EXIT_SYSTEM;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static char *daemon_status(const struct lab *l)
{
	struct buf b = BUF_INIT;
	int ret = lab_nftrouter(l, (char *[]){"status", "--json", NULL}, &b, 10000);
	char *s = buf_steal(&b);
	if (ret != 0 || !s || (s[0] != '{' && s[0] != '[')) {
		free(s);
		return NULL;
	}
	for (size_t n = strlen(s); n > 0 && s[n - 1] == '\n'; n--)
		s[n - 1] = '\0';
	return s;
}

static void status_json(const struct lab *l)
{
	char *d = daemon_status(l);
	printf("{\"name\":");
	json_str(l->id);
	printf(",\"dir\":");
	json_str(l->dir);
	printf(",\"config\":");
	json_str(l->config);
	printf(",\"hosts\":[");
	for (size_t i = 0; i < l->n_hosts; i++) {
		const struct lab_host *h = &l->hosts[i];
		char a[ADDR_STRLEN] = "";
		struct cidr c;
		if (h->role != LAB_ROUTER && !h->absent && lab_addr_of(l, h, NULL, &c) == 0)
			cidr_format(&c, a, sizeof(a));
		printf("%s{\"name\":", i ? "," : "");
		json_str(h->name);
		printf(",\"role\":\"%s\",\"namespace\":", role_name(h->role));
		json_str(h->ns);
		printf(",\"absent\":%s", h->absent ? "true" : "false");
		if (h->port) {
			char mac[18], ra[ADDR_STRLEN] = "";
			mac_format(h->mac, mac);
			if (!h->absent && lab_addr_of(l, lab_router(l), h->port, &c) == 0)
				cidr_format(&c, ra, sizeof(ra));
			printf(",\"port\":");
			json_str(h->port->name);
			printf(",\"kernel_name\":\"%s\",\"mac\":\"%s\",\"router_address\":\"%s\"", h->router_ifname,
			       mac, ra);
			printf(",\"address\":\"%s\",\"dhcp\":%s", a, h->dhcp_client ? "true" : "false");
		}
		putchar('}');
	}
	printf("],\"daemon\":%s}\n", d ? d : "null");
	free(d);
}

static int lab_cmd_status(const struct lab_opts *o)
{
	struct lab l;
	int rc = lab_load(&l, o, true);
	if (rc != EXIT_OK)
		return rc;
	if (o->json) {
		status_json(&l);
	} else {
		print_summary(&l);
		char *d = daemon_status(&l);
		printf("daemon: %s\n", d ? d : "not answering (see router.log in the lab dir)");
		if (!d)
			rc = EXIT_SYSTEM;
		free(d);
	}
	lab_release(&l);
	return rc;
}

static void print_check(void *arg, const struct lab_check *c)
{
	int *failed = arg;
	bool skip = strncmp(c->detail, "skipped", 7) == 0;
	printf("%-4s %-12s %s\n", skip ? "skip" : c->ok ? "ok" : "FAIL", c->name, c->detail);
	fflush(stdout);
	if (!c->ok)
		(*failed)++;
}

static int lab_cmd_test(const struct lab_opts *o)
{
	struct lab l;
	int failed = 0, ret;
	int rc = lab_load(&l, o, true);
	if (rc != EXIT_OK)
		return rc;
	ret = lab_test(&l, print_check, &failed);
	if (ret < 0) {
		rc = lab_report(&l, ret, "lab test could not run its checks", EXIT_SYSTEM);
	} else {
		printf("%s: %d check%s failed\n", failed ? "FAIL" : "ok", failed, failed == 1 ? "" : "s");
		rc = failed ? EXIT_INVALID : EXIT_OK;
	}
	lab_release(&l);
	return rc;
}

int lab_main(int argc, char **argv)
{
	struct lab_opts o = {0};
	const char *verb;
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(lab_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	verb = argv[1];
	if (lab_parse(argc - 1, argv + 1, &o) < 0)
		return EXIT_USAGE;
	o.rest += 1; /* index into argv, not argv + 1 */
	if (strcmp(verb, "exec") != 0 && o.rest != argc) {
		cmd_err("lab %s: unexpected argument '%s'", verb, argv[o.rest]);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		cmd_err("lab: needs root (network namespaces)");
		return EXIT_SYSTEM;
	}
	if (strcmp(verb, "up") == 0)
		return lab_cmd_up(&o);
	if (strcmp(verb, "down") == 0)
		return lab_cmd_down(&o);
	if (strcmp(verb, "exec") == 0)
		return lab_cmd_exec(&o, argc, argv);
	if (strcmp(verb, "status") == 0)
		return lab_cmd_status(&o);
	if (strcmp(verb, "test") == 0)
		return lab_cmd_test(&o);
	cmd_err("lab: unknown command '%s'", verb);
	fputs(lab_usage, stderr);
	return EXIT_USAGE;
}
