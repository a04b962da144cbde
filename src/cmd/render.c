/* nftrouter render WHAT: print one rendered output. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/model.h"
#include "render/render.h"

struct target {
	const char *name;
	const char *summary;
	char *(*plain)(const struct router *r);
	char *(*with_paths)(const struct router *r, const struct render_paths *p);
	/* cloud-init: the config's text too, and the installed paths (the
	 * VM's), not the ones given here. */
	char *(*with_text)(const struct router *r, const struct render_paths *p, const char *text);
	const char *needs; /* a section the config must have ("pppoe": an ipv4: pppoe port), or NULL */
};

static const struct target targets[] = {
	{"nft", "the nftrouter table: filter and NAT (nft -f script)", render_nft, NULL, NULL, NULL},
	{"nft-bans", "the ban table, never replaced (as apply makes it with no ban)", render_nft_bans, NULL, NULL, NULL},
	{"dnsmasq", "dnsmasq.conf: DHCP and local DNS", NULL, render_dnsmasq, NULL, NULL},
	{"dns", "unbound.conf: DNS over TLS forwarder (empty without tls:// upstreams)", NULL,
	 render_unbound, NULL, NULL},
	{"sysctl", "sysctl.d file: forwarding and friends", render_sysctl, NULL, NULL, NULL},
	{"udev", "udev rules naming the ports on a real install", render_udev, NULL, NULL, NULL},
	{"shaping", "interfaces.X.shaping's qdiscs as the equivalent tc commands", render_shaping,
	 NULL, NULL, NULL},
	{"systemd", "nftrouter.service for `nftrouter run`", NULL, render_systemd, NULL, NULL},
	{"proxmox", "sh script for the Proxmox host that makes the router VM (needs proxmox:)",
	 render_proxmox, NULL, NULL, "proxmox"},
	{"keepalived", "keepalived.conf: VRRP between the two routers of ha: (needs ha:)", NULL,
	 render_keepalived, NULL, "ha"},
	{"conntrackd", "conntrackd.conf: connection-state sync to the ha: peer (needs ha:)", NULL,
	 render_conntrackd, NULL, "ha"},
	{"cloud-init", "the router VM's first-boot user-data (installed paths)", NULL, NULL,
	 render_cloud_init, NULL},
	{"pppd", "pppd's options per PPPoE WAN, all but the password (needs ipv4: pppoe)", NULL,
	 render_pppd, NULL, "pppoe"},
};

static void render_usage(FILE *f)
{
	fputs("Usage: nftrouter render [-c FILE] [--state-dir DIR] [--run-dir DIR] WHAT\n\n"
	      "Print what apply or run would hand to the kernel or to a child process.\n"
	      "Output is deterministic: the same config gives the same bytes. Needs no\n"
	      "privileges and changes nothing.\n\nWHAT is one of:\n",
	      f);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		fprintf(f, "  %-11s %s\n", targets[i].name, targets[i].summary);
	fputs("\nOptions:\n"
	      "  -c, --config FILE  the config (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG ")\n"
	      "  --state-dir DIR    paths written into service configs (default " DEFAULT_STATE_DIR
	      ")\n"
	      "  --run-dir DIR      (default " DEFAULT_RUN_DIR ")\n"
	      "  -h, --help         this text\n\n"
	      "cloud-init ignores --state-dir and --run-dir: its files are for the router\n"
	      "VM, which uses the installed paths.\n\n"
	      "Exit status: 0 printed; 1 invalid or unreadable config, or proxmox without\n"
	      "a proxmox: section (keepalived, conntrackd without ha:; pppd without an\n"
	      "ipv4: pppoe port); 2 usage; 3 out of memory.\n",
	      f);
}

/* A relative path made absolute (resolved when it exists, else against
 * the working directory), in out; an absolute one is kept as written (a
 * symlinked /etc/nftrouter stays /etc/nftrouter). */
static const char *render_abs(const char *path, char out[PATH_MAX])
{
	char cwd[PATH_MAX];
	if (path[0] == '/')
		return path;
	if (realpath(path, out))
		return out;
	if (!getcwd(cwd, sizeof(cwd)))
		return path;
	if (strncmp(path, "./", 2) == 0)
		path += 2;
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", strcmp(cwd, "/") ? cwd : "", path) >= PATH_MAX)
		return path;
	return out;
}

int render_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_CONFIG, CMD_OPTION_STATE_DIR, CMD_OPTION_RUN_DIR,
					     CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "c:h", opts, &paths, render_usage, &st)) != CMD_OPT_END)
		if (c == CMD_OPT_EXIT)
			return st;
	if (!cmd_operands(argc, 1, render_usage))
		return EXIT_USAGE;
	const struct target *t = NULL;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (strcmp(argv[optind], targets[i].name) == 0)
			t = &targets[i];
	if (!t) {
		cmd_err("render: unknown output '%s'", argv[optind]);
		render_usage(stderr);
		return EXIT_USAGE;
	}
	struct router_file *f = cmd_load(paths.config);
	if (!f)
		return EXIT_INVALID;
	const struct router *r = f->r;
	bool pppoe = false;
	for (size_t i = 0; i < r->n_ifaces; i++)
		pppoe |= r->ifaces[i].pppoe != NULL;
	if (t->needs && strcmp(t->needs, "pppoe") == 0 && !pppoe) {
		cmd_err("render %s: %s has no interface with ipv4: pppoe", t->name, paths.config);
		router_file_free(f);
		return EXIT_INVALID;
	}
	if (t->needs && strcmp(t->needs, "pppoe") != 0 &&
	    !(strcmp(t->needs, "ha") == 0 ? r->ha.on : r->proxmox != NULL)) {
		cmd_err("render %s: %s has no %s: section", t->name, paths.config, t->needs);
		router_file_free(f);
		return EXIT_INVALID;
	}
	struct render_paths rp;
	char *out = NULL;
	char abs[3][PATH_MAX];
	/* Rendered files are read by systemd and dnsmasq from their own
	 * working directory: a relative -c or dir must not reach them. */
	paths.config = render_abs(paths.config, abs[0]);
	paths.state_dir = render_abs(paths.state_dir, abs[1]);
	paths.run_dir = render_abs(paths.run_dir, abs[2]);
	cmd_render_paths(&paths, &rp);
	if (t->with_text) {
		render_paths_default(&rp);
		/* The config as written (the bytes just parsed), for cloud-init
		 * to carry into the VM. */
		out = t->with_text(r, &rp, f->text);
	} else {
		out = t->plain ? t->plain(r) : t->with_paths(r, &rp);
	}
	router_file_free(f);
	if (!out) {
		cmd_err("out of memory");
		return EXIT_SYSTEM;
	}
	fputs(out, stdout);
	free(out);
	return EXIT_OK;
}
