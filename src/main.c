/* nftrouter: subcommand table and dispatch, nothing else. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "daemon/daemon.h"

static const struct cmd commands[] = {
	{"check", check_main, "validate router.yaml and dry-run its ruleset in the kernel"},
	{"render", render_main, "print what would be applied (nft, dnsmasq, sysctl, ...)"},
	{"apply", apply_main, "bring the system to the config (ports, firewall, bans, sysctls)"},
	{"confirm", confirm_main, "keep what the pending `apply --confirm` applied"},
	{"rollback", rollback_main, "restore the previous state now"},
	{"ban", ban_main, "drop an address or prefix, before conntrack (IPv4 or IPv6)"},
	{"unban", unban_main, "lift a ban"},
	{"bans", bans_main, "list bans with the time they have left"},
	{"counters", counters_main, "zone counters (packets, bytes)"},
	{"run", run_main, "the router daemon: apply, supervise dnsmasq/unbound/udhcpc, reload"},
	{"reload", reload_main, "make the running daemon re-read its config"},
	{"status", status_main, "ports, zones, children, applied config hash, pending confirm"},
	{"leases", leases_main, "DHCP leases (mac, ip, name, expiry)"},
	{"dhcp-hook", dhcp_hook_main, "(internal) the WAN DHCP client's event hook, run by udhcpc"},
	{"lab", lab_main, "the router of a config in network namespaces, checked end to end"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: nftrouter COMMAND [OPTIONS]\n"
		   "       nftrouter COMMAND --help\n\n"
		   "A home and lab router made from one YAML file (router.yaml): named ports,\n"
		   "an nftables firewall with NAT, DHCP and DNS, bans and counters.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nOptions:\n"
		   "  -h, --help     this text\n"
		   "  -V, --version  print the version\n\n"
		   "Config: -c FILE, or $NFTROUTER_CONFIG, or %s.\n"
		   "Exit status: 0 ok; 1 invalid config or request (nothing changed); 2 usage;\n"
		   "3 the system refused (nothing changed); 4 partially applied, rolled back.\n"
		   "See nftrouter(8) and router.yaml(5).\n",
		DEFAULT_CONFIG);
}

/* udhcpc runs this binary itself as its script (`udhcpc -s nftrouter`,
 * set up by `nftrouter run`): argv is then just EVENT, and the daemon's
 * directories come in the environment udhcpc inherited. A script file
 * would have to live somewhere executable, and /run is noexec on a stock
 * Debian system (see docs/run.md). */
static bool udhcpc_event(int argc, char **argv)
{
	static const char *const events[] = {"deconfig", "bound", "renew", "leasefail", "nak"};
	if (argc != 2 || !getenv(HOOK_ENV_RUN_DIR) || !getenv(HOOK_ENV_STATE_DIR))
		return false;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(argv[1], events[i]) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	if (udhcpc_event(argc, argv)) {
		char *v[] = {"dhcp-hook", "--state-dir", getenv(HOOK_ENV_STATE_DIR), "--run-dir",
			     getenv(HOOK_ENV_RUN_DIR), argv[1], NULL};
		return dhcp_hook_main(6, v);
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("nftrouter %s\n", NFTROUTER_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "nftrouter: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
