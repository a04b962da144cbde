/* nftrouter ban / unban / bans: the blackhole, by hand. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/model.h"
#include "system/bans.h"
#include "system/ctl.h"

static const char paths_help[] =
	"  -c, --config FILE  the config (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG ")\n"
	"  --state-dir DIR    where bans are persisted (default $NFTROUTER_STATE_DIR or\n"
	"                     " DEFAULT_STATE_DIR ")\n"
	"  --run-dir DIR      (default $NFTROUTER_RUN_DIR or " DEFAULT_RUN_DIR ")\n"
	"  -h, --help         this text\n";

static void ban_usage(FILE *f)
{
	fprintf(f,
		"Usage: nftrouter ban [-c FILE] [--state-dir DIR] ADDR[/LEN] [--for DURATION]\n\n"
		"Drop every packet from ADDR (an IPv4 or IPv6 address) or from a whole prefix,\n"
		"for the router and for every host behind it. The drop happens in the ban table\n"
		"(inet " BANS_TABLE ") at the raw priority of prerouting, before connection\n"
		"tracking, so a banned host never gets a conntrack entry. Its existing\n"
		"connections are cut (their conntrack entries are deleted), so an established\n"
		"stream stops at once and cannot reconnect.\n\n"
		"The ban is one netlink message to the kernel, milliseconds however many bans\n"
		"and blocklist entries the sets hold. It is persisted in STATE_DIR/bans and\n"
		"restored with its remaining time by apply, the daemon and after a reboot.\n"
		"Banning a prefix that is already banned with the same length sets its new\n"
		"duration.\n\n"
		"An IPv4-mapped address (::ffff:203.0.113.7) is banned as the IPv4 address.\n"
		"Refused (exit 1, nothing changed), by the CLI, the control socket, the state\n"
		"file restore and blocklists alike: anything that is not an address or prefix;\n"
		"prefixes shorter than /8 (IPv4) or /16 (IPv6), such as 0.0.0.0/0 and ::/0;\n"
		"prefixes with host bits set (203.0.113.5/24: write 203.0.113.0/24); loopback,\n"
		"0.0.0.0/8 and ::; multicast (224.0.0.0/4, ff00::/8: neighbour discovery);\n"
		"255.255.255.255 and the broadcast address of the router's subnets; link-local\n"
		"(169.254.0.0/16, fe80::/10); a prefix holding one of this router's own\n"
		"addresses (from the kernel and from the config's static addresses, in any\n"
		"form); a prefix overlapping an existing ban of another length (the message\n"
		"names it). docs/bans.md says why for each.\n\n"
		"The state file is written before the kernel is changed: a ban killed halfway\n"
		"is in the state file and restored by the next apply, never in the kernel only.\n\n"
		"Options:\n"
		"  --for DURATION     how long: 30s, 10m, 1h, 1d, seconds, or 0 (or 'forever').\n"
		"                     Default: blackhole.timeout from the config; if the config\n"
		"                     cannot be read, 1d (and a note says so)\n"
		"%s\n"
		"Exit status: 0 banned; 1 refused (invalid or already banned; nothing changed);\n"
		"2 usage; 3 the system refused (no privilege, no netfilter; nothing changed).\n",
		paths_help);
}

static void unban_usage(FILE *f)
{
	fprintf(f,
		"Usage: nftrouter unban [--state-dir DIR] ADDR[/LEN]\n\n"
		"Lift a ban: remove exactly that address or prefix from the ban table and from\n"
		"STATE_DIR/bans. Blocklist entries (blackhole.lists) are not bans: edit the\n"
		"list and apply.\n\n"
		"Options:\n%s\n"
		"Exit status: 0 lifted; 1 not banned or not an address; 2 usage; 3 the system\n"
		"refused.\n",
		paths_help);
}

static void bans_usage(FILE *f)
{
	fprintf(f,
		"Usage: nftrouter bans [--state-dir DIR] [--json]\n\n"
		"List the bans the kernel holds (sets blackhole4, blackhole6 and the prefix\n"
		"sets blackhole4_LEN, blackhole6_LEN of table inet " BANS_TABLE "), with\n"
		"the time each has left and when it was made (from STATE_DIR/bans; '-' for a\n"
		"ban added outside nftrouter). Blocklist entries (blackhole.lists) are not\n"
		"listed.\n\n"
		"Options:\n"
		"  --json             one JSON array: [{\"prefix\", \"family\", \"expires\",\n"
		"                     \"left\", \"added\"}], times in UNIX seconds, \"expires\" and\n"
		"                     \"left\" null for a ban without end, \"added\" null if unknown\n"
		"%s\n"
		"Exit status: 0 listed; 2 usage; 3 the system refused.\n",
		paths_help);
}

struct ban_args {
	struct cmd_paths paths;
	const char *dur;
	bool json;
	const char *target;
};

/* Shared option parsing for the three commands; returns -1 to go on, or
 * an exit status. */
static int parse_args(int argc, char **argv, struct ban_args *a, void (*usage)(FILE *),
		      bool want_target, bool allow_for, bool allow_json)
{
	static const struct option opts[] = {CMD_OPTION_CONFIG, CMD_OPTION_STATE_DIR, CMD_OPTION_RUN_DIR,
					     {"for", required_argument, NULL, 'f'},
					     {"json", no_argument, NULL, 'j'},
					     CMD_OPTION_HELP, CMD_OPTION_END};
	int c, st;
	memset(a, 0, sizeof(*a));
	cmd_paths_init(&a->paths);
	while ((c = cmd_getopt(argc, argv, "c:h", opts, &a->paths, usage, &st)) != CMD_OPT_END) {
		if (c == CMD_OPT_EXIT)
			return st;
		if (c == 'f' && allow_for)
			a->dur = optarg;
		else if (c == 'j' && allow_json)
			a->json = true;
		else
			goto usage;
	}
	if (want_target && optind == argc - 1) {
		a->target = argv[optind];
		return -1;
	}
	if (!want_target && optind == argc)
		return -1;
usage:
	usage(stderr);
	return EXIT_USAGE;
}

static int exit_for(int rc)
{
	return rc == -EINVAL || rc == -EEXIST || rc == -ENOENT ? EXIT_INVALID : EXIT_SYSTEM;
}

/* The config, for blackhole.timeout and the static addresses ban must
 * not cover: read when named or when the default one exists. */
static int ban_config(const struct ban_args *a, struct router **r)
{
	struct diags d = DIAGS_INIT;
	*r = NULL;
	if (!a->paths.config_given && access(a->paths.config, R_OK) != 0) {
		if (!a->dur)
			fprintf(stderr, "nftrouter: note: cannot read %s; banning for the default 1d\n",
				a->paths.config);
		return 0;
	}
	*r = router_file_steal(router_file_load(a->paths.config, &d));
	if (!*r)
		cmd_print_diags(&d);
	diags_free(&d);
	if (!*r) {
		cmd_err("ban: the config is invalid; nothing banned");
		return -EINVAL;
	}
	return 0;
}

/* Print what d holds and return status. */
static int ban_fail(struct diags *d, int status)
{
	cmd_print_diags(d);
	diags_free(d);
	return status;
}

int ban_main(int argc, char **argv)
{
	struct ban_args a;
	struct diags d = DIAGS_INIT, why = DIAGS_INIT;
	struct router *r = NULL;
	struct ban_request req;
	char p[ADDR_STRLEN], dur[32];
	int rc = parse_args(argc, argv, &a, ban_usage, true, true, false);
	if (rc >= 0)
		return rc;
	/* The same parse and refusals as the control socket, the state file
	 * and the blocklists (ban_request_parse); the duration is checked
	 * before the config is read, the default taken from it after. */
	if ((rc = ban_request_parse(NULL, a.target, a.dur, &req, &why)) < 0) {
		diags_move(&d, &why, DIAG_ERROR, nopos, rc == -ERANGE ? "ban: --for " : "ban: ");
		return ban_fail(&d, rc == -ERANGE ? EXIT_USAGE : EXIT_INVALID);
	}
	if (ban_config(&a, &r) < 0)
		return EXIT_INVALID;
	if (!a.dur)
		(void)ban_duration(r, NULL, &req.secs, &d);
	struct cidr c = req.prefix;
	uint32_t secs = req.secs;
	/* Through the daemon when it runs (docs/control-socket.md), else here. */
	size_t cut = 0;
	rc = ctl_ban(a.paths.run_dir, &c, secs, &cut, &why);
	if (rc < 0) {
		router_free(r);
		diags_move(&d, &why, DIAG_ERROR, nopos, "ban: ");
		return ban_fail(&d, exit_for(rc));
	}
	bool direct = rc == 1;
	if (direct)
		rc = bans_add_nocut(r, a.paths.state_dir, &c, secs, &d);
	router_free(r);
	if (rc < 0) {
		cmd_print_diags(&d);
		diags_free(&d);
		return exit_for(rc);
	}
	cidr_format(&c, p, sizeof(p));
	if (secs)
		duration_format(secs, dur, sizeof(dur));
	if (direct)
		(void)bans_cut(&c, &cut, &d);
	cmd_print_diags(&d);
	diags_free(&d);
	printf("banned %s %s%s", p, secs ? "for " : "forever", secs ? dur : "");
	if (cut)
		printf(" (cut %zu connection%s)", cut, cut == 1 ? "" : "s");
	putchar('\n');
	return EXIT_OK;
}

int unban_main(int argc, char **argv)
{
	struct ban_args a;
	struct diags d = DIAGS_INIT;
	struct cidr c;
	char p[ADDR_STRLEN];
	int rc = parse_args(argc, argv, &a, unban_usage, true, false, false);
	if (rc >= 0)
		return rc;
	/* any prefix can be lifted, even one ban would refuse now */
	struct diags why = DIAGS_INIT;
	if (ban_parse_lift(a.target, &c, &why) < 0) {
		diags_move(&d, &why, DIAG_ERROR, nopos, "unban: ");
		return ban_fail(&d, EXIT_INVALID);
	}
	rc = ctl_unban(a.paths.run_dir, &c, &why);
	if (rc < 0) {
		diags_move(&d, &why, DIAG_ERROR, nopos, "unban: ");
		return ban_fail(&d, exit_for(rc));
	}
	if (rc == 1)
		rc = bans_del(a.paths.state_dir, &c, &d);
	cmd_print_diags(&d);
	diags_free(&d);
	if (rc < 0)
		return exit_for(rc);
	cidr_format(&c, p, sizeof(p));
	printf("unbanned %s\n", p);
	return EXIT_OK;
}

static void print_json(const struct ban_list *l, uint64_t now)
{
	char p[ADDR_STRLEN];
	fputs("[", stdout);
	for (size_t i = 0; i < l->n; i++) {
		const struct ban *b = &l->v[i];
		cidr_format(&b->prefix, p, sizeof(p));
		printf("%s\n  {\"prefix\": \"%s\", \"family\": \"%s\", ", i ? "," : "", p,
		       b->prefix.addr.family == AF_INET ? "ipv4" : "ipv6");
		if (b->expires)
			printf("\"expires\": %" PRIu64 ", \"left\": %" PRIu64 ", ", b->expires,
			       b->expires > now ? b->expires - now : 0);
		else
			fputs("\"expires\": null, \"left\": null, ", stdout);
		if (b->added)
			printf("\"added\": %" PRIu64 "}", b->added);
		else
			fputs("\"added\": null}", stdout);
	}
	fputs(l->n ? "\n]\n" : "]\n", stdout);
}

static void print_table(const struct ban_list *l, uint64_t now)
{
	char p[ADDR_STRLEN], left[32], added[32];
	if (!l->n) {
		printf("no bans\n");
		return;
	}
	printf("%-43s %-11s %s\n", "PREFIX", "LEFT", "ADDED (UTC)");
	for (size_t i = 0; i < l->n; i++) {
		const struct ban *b = &l->v[i];
		cidr_format(&b->prefix, p, sizeof(p));
		if (b->expires) {
			uint64_t s = b->expires > now ? b->expires - now : 0;
			if (s >= 86400)
				snprintf(left, sizeof(left), "%" PRIu64 "d%02" PRIu64 "h%02" PRIu64 "m",
					 s / 86400, s / 3600 % 24, s / 60 % 60);
			else
				snprintf(left, sizeof(left), "%" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s",
					 s / 3600, s / 60 % 60, s % 60);
		} else {
			snprintf(left, sizeof(left), "forever");
		}
		if (b->added) {
			time_t t = (time_t)b->added;
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(added, sizeof(added), "%Y-%m-%d %H:%M:%S", &tm);
		} else {
			snprintf(added, sizeof(added), "-");
		}
		printf("%-43s %-11s %s\n", p, left, added);
	}
}

int bans_main(int argc, char **argv)
{
	struct ban_args a;
	struct diags d = DIAGS_INIT;
	struct ban_list l = {0};
	int rc = parse_args(argc, argv, &a, bans_usage, false, false, true);
	if (rc >= 0)
		return rc;
	rc = bans_list(a.paths.state_dir, &l, &d);
	cmd_print_diags(&d);
	diags_free(&d);
	if (rc < 0)
		return exit_for(rc);
	uint64_t now = (uint64_t)time(NULL);
	if (a.json)
		print_json(&l, now);
	else
		print_table(&l, now);
	ban_list_free(&l);
	return EXIT_OK;
}
