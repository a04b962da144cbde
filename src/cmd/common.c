#include "cmd/cmd.h"
#include "model/model.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *cmd_getenv(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

void cmd_paths_init(struct cmd_paths *p)
{
	const char *e;
	p->config = (e = getenv("NFTROUTER_CONFIG")) && *e ? e : DEFAULT_CONFIG;
	p->state_dir = (e = getenv("NFTROUTER_STATE_DIR")) && *e ? e : DEFAULT_STATE_DIR;
	p->run_dir = (e = getenv("NFTROUTER_RUN_DIR")) && *e ? e : DEFAULT_RUN_DIR;
	p->config_given = (e = getenv("NFTROUTER_CONFIG")) && *e;
}

bool cmd_paths_option(struct cmd_paths *p, int opt, const char *arg)
{
	switch (opt) {
	case 'c': p->config = arg; p->config_given = true; return true;
	case CMD_OPT_STATE_DIR: p->state_dir = arg; return true;
	case CMD_OPT_RUN_DIR: p->run_dir = arg; return true;
	default: return false;
	}
}

int cmd_getopt(int argc, char **argv, const char *shorts, const struct option *longs,
	       struct cmd_paths *p, void (*usage)(FILE *), int *status)
{
	int c;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (p && cmd_paths_option(p, c, optarg))
			continue;
		if (c == 'h' || c == '?' || c == ':') {
			usage(c == 'h' ? stdout : stderr);
			*status = c == 'h' ? EXIT_OK : EXIT_USAGE;
			return CMD_OPT_EXIT;
		}
		return c;
	}
	return CMD_OPT_END;
}

bool cmd_operands(int argc, int n, void (*usage)(FILE *))
{
	if (argc - optind == n)
		return true;
	usage(stderr);
	return false;
}

void cmd_render_paths(const struct cmd_paths *p, struct render_paths *rp)
{
	render_paths_default(rp);
	rp->state_dir = p->state_dir;
	rp->run_dir = p->run_dir;
	rp->config = p->config;
}

struct router_file *cmd_load(const char *path)
{
	struct diags d = DIAGS_INIT;
	struct router_file *f = router_file_load(path, &d);
	cmd_print_diags(&d);
	diags_free(&d);
	return f;
}

void cmd_err(const char *fmt, ...)
{
	/* Through a diags list so that control characters in what the
	 * message quotes are escaped as in every other error. */
	struct diags d = DIAGS_INIT;
	va_list ap;
	va_start(ap, fmt);
	diag_verror(&d, nopos, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "nftrouter: %s\n", d.v[i].msg);
	if (d.oom)
		fputs("nftrouter: out of memory\n", stderr);
	diags_free(&d);
}

void cmd_print_diags(struct diags *d)
{
	diags_sort(d);
	diags_print(d, stderr);
}

