/* nftrouter: subcommand table and dispatch, nothing else. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const struct cmd commands[] = {
	{"check", check_main, "validate router.yaml and dry-run its ruleset in the kernel"},
	{"render", render_main, "print what would be applied (nft, dnsmasq, sysctl, ...)"},
	{"apply", apply_main, "bring the system to the config (ports, firewall, bans, sysctls)"},
	{"diff", diff_main, "what an apply would change (ports, addresses, ruleset diff, bans), changing nothing"},
	{"confirm", confirm_main, "keep what the pending `apply --confirm` applied"},
	{"rollback", rollback_main, "restore the previous state now"},
	{"ban", ban_main, "drop an address or prefix, before conntrack (IPv4 or IPv6)"},
	{"unban", unban_main, "lift a ban"},
	{"bans", bans_main, "list bans with the time they have left"},
	{"counters", counters_main, "zone counters (packets, bytes)"},
	{"log", log_main, "the firewall log: packets `log` rules and `log: true` zones dropped"},
	{"run", run_main, "the router daemon: apply, supervise dnsmasq/unbound/udhcpc, reload"},
	{"reload", reload_main, "make the running daemon re-read its config"},
	{"dns-check", dns_check_main, "is a name blocked by dns.blocklists, and by which FILE:LINE"},
	{"status", status_main, "ports, zones, children, applied config hash, pending confirm"},
	{"leases", leases_main, "DHCP leases (mac, ip, name, expiry)"},
	{"wg", wg_main, "WireGuard ports: peers and handshakes (show), a peer's client config (peer)"},
	{"dhcp-hook", dhcp_hook_main, "(internal) the WAN DHCP client's event hook, run by udhcpc"},
	{"dhcp6-hook", dhcp6_hook_main, "(internal) the WAN DHCPv6 client's event hook, run by dhclient"},
	{"ha-hook", ha_hook_main, "(internal) keepalived's notify hook of an ha: router"},
	{"ppp-hook", ppp_hook_main, "(internal) a PPPoE session's ip-up/ip-down hook, run by pppd"},
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

int main(int argc, char **argv)
{
	int hook = cmd_hook_event(argc, argv); /* udhcpc, dhclient or pppd running nftrouter as a hook */
	if (hook >= 0)
		return hook;
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
