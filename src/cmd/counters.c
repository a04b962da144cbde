/* nftrouter counters: the zone counters, as a table or JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "cmd/cmd.h"
#include "system/counters.h"
#include "system/ctl.h"

static void counters_usage(FILE *f)
{
	fputs("Usage: nftrouter counters [--json]\n\n"
	      "Print the zone counters: for every zone with `counters: true`, ZONE-ingress\n"
	      "(packets and bytes that arrived through the zone's interfaces) and\n"
	      "ZONE-egress (that left through them), forwarded traffic and the router's\n"
	      "own alike. The values are the kernel's own statistics of the zone's\n"
	      "interfaces as applied (set zone_ZONE of table inet nftrouter), summed:\n"
	      "every frame the links counted, bytes with the link-layer header, frames\n"
	      "the firewall then dropped included; a port that is absent counts 0 and a\n"
	      "link that is re-created starts from 0. They cost no rule per forwarded\n"
	      "packet. The table's named counters ZONE-ingress / ZONE-egress (`nft list\n"
	      "counters`) count only the router's own traffic with the zone (input and\n"
	      "output); apply carries their values over when it replaces the table.\n\n"
	      "Options:\n"
	      "  --json             one JSON array: [{\"name\", \"zone\", \"direction\",\n"
	      "                     \"packets\", \"bytes\"}]\n"
	      "  --run-dir DIR      ask the daemon's control socket there, if one runs\n"
	      "                     (default $NFTROUTER_RUN_DIR or " DEFAULT_RUN_DIR ")\n"
	      "  -c, --config FILE, --state-dir DIR\n"
	      "                     accepted for symmetry with the other commands; unused\n"
	      "  -h, --help         this text\n\n"
	      "Exit status: 0 printed (an empty list if nothing is applied); 2 usage;\n"
	      "3 the system refused (no privilege, no netfilter).\n",
	      f);
}

/* "wan-ingress" → zone "wan", direction "ingress". */
static void split_name(const char *name, char *zone, size_t zsize, const char **dir)
{
	const char *dash = strrchr(name, '-');
	size_t n = dash ? (size_t)(dash - name) : strlen(name);
	if (n >= zsize)
		n = zsize - 1;
	memcpy(zone, name, n);
	zone[n] = '\0';
	*dir = dash ? dash + 1 : "";
}

int counters_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_CONFIG, CMD_OPTION_STATE_DIR, CMD_OPTION_RUN_DIR,
					     {"json", no_argument, NULL, 'j'},
					     CMD_OPTION_HELP, CMD_OPTION_END};
	struct counter_list l;
	struct cmd_paths paths;
	bool json = false;
	int c, st;
	cmd_paths_init(&paths);
	/* -c and --state-dir are accepted and not needed: the counters come
	 * from the kernel or the daemon. */
	while ((c = cmd_getopt(argc, argv, "c:h", opts, &paths, counters_usage, &st)) != CMD_OPT_END) {
		switch (c) {
		case CMD_OPT_EXIT: return st;
		case 'j': json = true; break;
		}
	}
	if (!cmd_operands(argc, 0, counters_usage))
		return EXIT_USAGE;
	/* Through the daemon when it runs (docs/control-socket.md), else here. */
	int rc = ctl_counters(paths.run_dir, &l);
	if (rc == 1)
		rc = zone_traffic_read("nftrouter", &l);
	if (rc < 0) {
		cmd_err("counters: cannot read the counters: %s", strerror(-rc));
		return EXIT_SYSTEM;
	}
	if (json)
		fputs("[", stdout);
	else if (l.n)
		printf("%-16s %-8s %16s %20s\n", "ZONE", "DIR", "PACKETS", "BYTES");
	else
		printf("no counters (no zone has `counters: true`, or nothing is applied)\n");
	for (size_t i = 0; i < l.n; i++) {
		char zone[64];
		const char *dir;
		split_name(l.v[i].name, zone, sizeof(zone), &dir);
		if (json)
			printf("%s\n  {\"name\": \"%s\", \"zone\": \"%s\", \"direction\": \"%s\", "
			       "\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 "}",
			       i ? "," : "", l.v[i].name, zone, dir, l.v[i].packets, l.v[i].bytes);
		else
			printf("%-16s %-8s %16" PRIu64 " %20" PRIu64 "\n", zone, dir, l.v[i].packets,
			       l.v[i].bytes);
	}
	if (json)
		fputs(l.n ? "\n]\n" : "]\n", stdout);
	counter_list_free(&l);
	return EXIT_OK;
}
