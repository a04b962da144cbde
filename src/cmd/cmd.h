/* The command layer: one file per subcommand, the only code that prints
 * or exits. Each X_main(argc, argv) gets argv[0] == "X" and returns the
 * process exit status. */
#ifndef NFTROUTER_CMD_H
#define NFTROUTER_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "render/render.h"
#include "util/diag.h"
#include "util/exit.h"


/* DEFAULT_CONFIG, DEFAULT_STATE_DIR, DEFAULT_RUN_DIR: render/render.h. */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Paths every command may need: defaults, then NFTROUTER_CONFIG,
 * NFTROUTER_STATE_DIR and NFTROUTER_RUN_DIR, then flags. */
struct cmd_paths {
	const char *config;
	const char *state_dir;
	const char *run_dir;
	bool config_given; /* by -c or NFTROUTER_CONFIG, not the default */
};

void cmd_paths_init(struct cmd_paths *p);

/* The options every command spells the same way, declared once: put the
 * CMD_OPTION_* a command takes in its getopt_long table, and hand each
 * option to cmd_paths_option() first. A command's own long-only options
 * number from CMD_OPT_OWN. */
enum { CMD_OPT_STATE_DIR = 0x100, CMD_OPT_RUN_DIR, CMD_OPT_OWN };
#define CMD_OPTION_CONFIG {"config", required_argument, NULL, 'c'}
#define CMD_OPTION_STATE_DIR {"state-dir", required_argument, NULL, CMD_OPT_STATE_DIR}
#define CMD_OPTION_RUN_DIR {"run-dir", required_argument, NULL, CMD_OPT_RUN_DIR}
#define CMD_OPTION_HELP {"help", no_argument, NULL, 'h'}
#define CMD_OPTION_END {NULL, 0, NULL, 0}
/* Store -c, --state-dir or --run-dir in p; false when opt is none of them. */
bool cmd_paths_option(struct cmd_paths *p, int opt, const char *arg);

/* The option loop every command runs, written once: getopt_long over
 * argv; the shared options into p (cmd_paths_option); -h/--help prints
 * usage on stdout and ends (status 0); an unknown option prints it on
 * stderr and ends (EXIT_USAGE). Returns an option for the command to
 * handle, CMD_OPT_END after the last one (optind: the first operand),
 * or CMD_OPT_EXIT with *status what the command returns now. */
enum { CMD_OPT_END = -1, CMD_OPT_EXIT = -2 };
int cmd_getopt(int argc, char **argv, const char *shorts, const struct option *longs,
	       struct cmd_paths *p, void (*usage)(FILE *), int *status);
/* True when exactly n operands follow the options; else usage on stderr
 * (the command then returns EXIT_USAGE). */
bool cmd_operands(int argc, int n, void (*usage)(FILE *));
/* Fill render paths from command paths (bin: this executable). */
void cmd_render_paths(const struct cmd_paths *p, struct render_paths *rp);

/* Load and validate the config at path (router_file_load: owner and
 * mode checked, read once), printing its errors and warnings; NULL when
 * it cannot be read or is invalid (the command then exits 1). */
struct router_file *cmd_load(const char *path);

/* $name, or dflt when it is unset or empty. */
const char *cmd_getenv(const char *name, const char *dflt);

/* Print "nftrouter: MSG" to stderr. */
void cmd_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print errors and warnings, sorted. */
void cmd_print_diags(struct diags *d);

int check_main(int argc, char **argv);
int render_main(int argc, char **argv);
int lab_main(int argc, char **argv);
int apply_main(int argc, char **argv);
int diff_main(int argc, char **argv);
int confirm_main(int argc, char **argv);
int rollback_main(int argc, char **argv);
int ban_main(int argc, char **argv);
int unban_main(int argc, char **argv);
int bans_main(int argc, char **argv);
int counters_main(int argc, char **argv);
int log_main(int argc, char **argv);
int run_main(int argc, char **argv);
int reload_main(int argc, char **argv);
int dns_check_main(int argc, char **argv);
int status_main(int argc, char **argv);
int leases_main(int argc, char **argv);
int dhcp_hook_main(int argc, char **argv);
int ha_hook_main(int argc, char **argv);
/* `nftrouter EVENT` run by udhcpc as its script (hook_event.c): the exit
 * status of dhcp-hook, or -1 when argv is not such a call. */
int cmd_hook_event(int argc, char **argv);
int dhcp6_hook_main(int argc, char **argv);
int wg_main(int argc, char **argv);
int ppp_hook_main(int argc, char **argv);

#endif
