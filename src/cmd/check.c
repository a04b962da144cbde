/* nftrouter check: everything apply would do up to the kernel commit. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/model.h"
#include "render/render.h"
#include "system/bans.h"
#include "system/dnsblock.h"
#include "system/kfeature.h"
#include "system/nft.h"
#include "system/pppoe.h"
#include "system/offload.h"
#include "system/shaping.h"

static void check_usage(FILE *f)
{
	fputs("Usage: nftrouter check [-c FILE] [-q]\n\n"
	      "Parse and validate router.yaml, read the blocklist files (blackhole.lists and\n"
	      "dns.blocklists) as apply would, render every output, then ask the kernel to\n"
	      "check the rendered ruleset without committing it (a libnftables dry run).\n"
	      "Changes nothing. The kernel check needs CAP_NET_ADMIN: run as root, or\n"
	      "inside `unshare -rn`; without it the check says plainly that it was skipped.\n\n"
	      "Options:\n"
	      "  -c, --config FILE  the config (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG ")\n"
	      "  -q, --quiet        print errors only\n"
	      "  -h, --help         this text\n\n"
	      "Exit status: 0 valid; 1 invalid (every error is printed as FILE:LINE:COL, a\n"
	      "blocklist's too); "
	      "2 usage; 3 the kernel rejected the rendered ruleset, or lacks a feature the\n"
	      "config needs (802.1Q for a vlan port, bridges for a bridge, WireGuard for a\n"
	      "wireguard port, PPP and PPPoE and pppd for ipv4: pppoe, flowtables for\n"
	      "offload, HTB (or IFB and u32/mirred for an ingress) for shaping: the error\n"
	      "names the feature and the line; without flowtables the dry run is\n"
	      "skipped).\n\n"
	      "A PPPoE password-file is read as the daemon reads it: a file that is there\n"
	      "must be root's, mode 0600 or stricter, not a symlink, one line (exit 1\n"
	      "otherwise); one not there yet is a note on stdout.\n\n"
	      "Shaping (interfaces.X.shaping) is tried in a throwaway network namespace:\n"
	      "check says which qdisc apply will shape with (cake; htb+fq_codel when the\n"
	      "kernel has no CAKE; htb+pfifo when it has no fq_codel either, as a warning\n"
	      "naming what is missing and the line).\n",
	      f);
}

/* Renders every output once, so a renderer failure is caught here too. */
static int render_all(const struct router *r, const struct cmd_paths *paths)
{
	struct render_paths rp;
	cmd_render_paths(paths, &rp);
	char *(*const fns[])(const struct router *) = {render_nft, render_nft_bans, render_sysctl,
						       render_udev, render_shaping};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		char *s = fns[i](r);
		if (!s)
			return -ENOMEM;
		free(s);
	}
	char *(*const pfns[])(const struct router *, const struct render_paths *) = {
		render_dnsmasq, render_unbound, render_systemd};
	for (size_t i = 0; i < sizeof(pfns) / sizeof(pfns[0]); i++) {
		char *s = pfns[i](r, &rp);
		if (!s)
			return -ENOMEM;
		free(s);
	}
	return 0;
}

/* The kernel check: both tables in one dry-run transaction. EPERM means
 * no privilege, which is a skipped check, not a failed one. */
static int kernel_check(const struct router *r, bool quiet)
{
	/* The flowtable may only name links that exist, as apply loads it. */
	struct link_sock *ls = link_sock_open();
	struct link_names links = {0};
	if (!ls || link_names_load(ls, &links) < 0)
		cmd_err("cannot list links (%s): the dry run names every offloaded port",
			strerror(errno));
	char *bans = render_nft_bans(r), *err = NULL;
	char *main_table = render_nft_live(r, NULL, 0, links.p ? &links.l : NULL);
	struct nft *n = nft_open();
	int rc = EXIT_SYSTEM;
	link_names_free(&links);
	link_sock_close(ls);
	if (!bans || !main_table || !n) {
		cmd_err("out of memory");
		goto out;
	}
	size_t len = strlen(bans) + strlen(main_table) + 2;
	char *script = malloc(len);
	if (!script) {
		cmd_err("out of memory");
		goto out;
	}
	snprintf(script, len, "%s\n%s", bans, main_table);
	int nrc = nft_run(n, script, true, &err);
	free(script);
	if (nrc == 0) {
		if (!quiet)
			printf("kernel: the ruleset passed a dry run (nothing committed)\n");
		rc = EXIT_OK;
	} else if (nrc == -EPERM) {
		printf("kernel: check SKIPPED: no privilege to ask the kernel (run as root or in "
		       "`unshare -rn`)\n");
		rc = EXIT_OK;
	} else {
		/* nft's own text follows the one-line error: its script lines
		 * and carets point at the offending rule. */
		cmd_err("the kernel rejected the rendered ruleset (%s):", strerror(-nrc));
		fprintf(stderr, "%s\n", err ? err : "");
	}
out:
	free(err);
	nft_close(n);
	free(bans);
	free(main_table);
	return rc;
}

/* interfaces.X.shaping: the qdiscs tried in a throwaway namespace. A
 * kernel without CAKE is a warning naming the fallback (apply shapes
 * with it); one that cannot shape at all is an error. */
static int shaping_features(const struct router *r, bool quiet, struct diags *d)
{
	struct tc_kernel k;
	bool any = false;
	for (size_t i = 0; i < r->n_ifaces; i++)
		any |= r->ifaces[i].shaping.on;
	if (!any)
		return 0;
	tc_probe(&k);
	if (!k.known) {
		printf("kernel: shaping check SKIPPED: cannot try qdiscs in a scratch network "
		       "namespace (%s; run as root)\n",
		       strerror(-k.err));
		return 0;
	}
	int rc = shaping_check_kernel(r, &k, d);
	for (size_t i = 0; !quiet && rc == 0 && i < r->n_ifaces; i++) {
		const struct iface *p = &r->ifaces[i];
		if (p->shaping.on)
			printf("kernel: interface '%s' (%s:%d): shaping with %s\n", p->name,
			       p->shaping.pos.file, p->shaping.pos.line,
			       tc_backend_name(tc_kernel_backend(&k)));
	}
	return rc < 0 ? rc : 0;
}

/* What the config needs of the kernel beyond nftables, asked before any
 * apply: the first port that needs a missing feature, with its line. */
static int kernel_features(const struct router *r, bool quiet, bool *no_flowtable)
{
	struct diags d = DIAGS_INIT;
	int rc = 0;
	for (size_t i = 0; i < r->n_ifaces && rc == 0; i++) {
		if (r->ifaces[i].vlan_parent)
			rc = kfeature_vlan(&r->ifaces[i], &d);
		else if (r->ifaces[i].bridge_node)
			rc = kfeature_bridge(&r->ifaces[i], &d);
		else if (r->ifaces[i].wg)
			rc = kfeature_wireguard(&r->ifaces[i], &d);
		else if (r->ifaces[i].pppoe)
			rc = pppoe_kfeature(&r->ifaces[i], &d);
	}
	/* The key that asked: the top-level one, else the first zone's. */
	for (size_t i = 0; rc == 0 && i < r->n_zones; i++)
		for (size_t k = 0; rc == 0 && k < r->zones[i].n_forward; k++)
			if (r->zones[i].offload[k]) {
				rc = kfeature_flowtable(r->offload == OFFLOAD_SOFTWARE
							    ? r->offload_pos
							    : r->zones[i].offload_pos,
							&d);
				*no_flowtable = rc < 0;
			}
	if (rc == 0)
		rc = shaping_features(r, quiet, &d);
	cmd_print_diags(&d);
	diags_free(&d);
	return rc;
}

/* PPPoE password files, read as the daemon reads them; one not there
 * yet is a note (a config is checked before the box has its secrets). */
static int check_pppoe(const struct router *r, bool quiet, struct diags *d)
{
	const char **missing = calloc(r->n_ifaces + 1, sizeof(*missing));
	if (!missing)
		return -ENOMEM;
	int rc = pppoe_check(r, missing, d);
	for (size_t i = 0; i < r->n_ifaces && !quiet; i++)
		if (missing[i])
			printf("note: interface '%s': pppoe: password-file %s is not there yet; the "
			       "daemon starts pppd once it is\n",
			       r->ifaces[i].name, missing[i]);
	free(missing);
	return rc;
}

int check_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_CONFIG, {"quiet", no_argument, NULL, 'q'},
					     CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	bool quiet = false;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "c:qh", opts, &paths, check_usage, &st)) != CMD_OPT_END) {
		switch (c) {
		case CMD_OPT_EXIT: return st;
		case 'q': quiet = true; break;
		}
	}
	if (!cmd_operands(argc, 0, check_usage))
		return EXIT_USAGE;
	struct router_file *f = cmd_load(paths.config);
	if (!f)
		return EXIT_INVALID;
	const struct router *r = f->r;
	int rc = EXIT_SYSTEM;
	/* The blocklist files, read as apply reads them (FILE:LINE errors),
	 * so apply does not refuse what check passed. */
	struct diags d = DIAGS_INIT;
	int brc = bans_check(r, NULL, &d);
	if (brc >= 0)
		brc = dnsblock_check(r, &d);
	if (brc >= 0)
		brc = check_pppoe(r, quiet, &d);
	cmd_print_diags(&d);
	diags_free(&d);
	if (brc < 0) {
		rc = brc == -ENOMEM ? EXIT_SYSTEM : EXIT_INVALID;
		goto out;
	}
	if (render_all(r, &paths) < 0) {
		cmd_err("out of memory while rendering");
		goto out;
	}
	if (!quiet)
		printf("%s: valid (%zu interfaces, %zu zones, %zu rules, %zu port forwards)\n",
		       paths.config, r->n_ifaces, r->n_zones, r->n_rules, r->n_fwds);
	/* Features first: a ruleset with a flowtable cannot pass the dry run
	 * of a kernel without flowtables, and the feature is the news. */
	bool no_flowtable = false;
	int frc = kernel_features(r, quiet, &no_flowtable);
	if (no_flowtable)
		printf("kernel: dry run skipped: the ruleset's flowtable needs what is missing\n");
	else
		rc = kernel_check(r, quiet);
	if (frc < 0)
		rc = EXIT_SYSTEM;
out:
	router_file_free(f);
	return rc;
}
