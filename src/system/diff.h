/* `nftrouter diff`: what an apply of a config would change, found by the
 * code apply itself runs (the port plan, the sysctl set, the blocklist
 * stamp, the bans state), changing nothing. The ruleset and the daemon's
 * service configs are compared as text with Debian's `diff -u` (diffutils
 * is Essential: always installed), run as a child. docs/apply.md. */
#ifndef NFTROUTER_SYSTEM_DIFF_H
#define NFTROUTER_SYSTEM_DIFF_H

#include "model/model.h"
#include "render/render.h"
#include "util/buf.h"
#include "util/diag.h"

#define DIFF_BIN "/usr/bin/diff"

struct diff_opts {
	const char *state_dir, *run_dir;
	const char *config_path;       /* for labels and the applied.path compare */
	const char *config_text;       /* compared with STATE/applied.yaml */
	const struct render_paths *rp; /* as the daemon renders dnsmasq/unbound */
	/* rp->tls_ca was given (--tls-ca, $NFTROUTER_TLS_CA); else the bundle
	 * the running unbound.conf names is kept: a daemon option, not config */
	bool tls_ca_given;
};

/* The report, section by section, appended to out (nothing when nothing
 * would change). 0 nothing would change, 1 something would, -errno with
 * d filled (-ENODEV: a port is missing, as apply would say). */
int diff_router(const struct router *r, const struct diff_opts *o, struct buf *out,
		struct diags *d);

/* `diff -u` of two texts, labelled la and lb: 0 equal, 1 different (the
 * unified diff appended to out), -errno (out holds diff's message). */
int diff_texts(const char *a, const char *la, const char *b, const char *lb, struct buf *out);

#endif
