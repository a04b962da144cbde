/* DNS blocklists (dns.blocklists): files of domain names that the
 * router's dnsmasq answers with NXDOMAIN, for the name and every name
 * under it.
 *
 * Formats, mixed freely within a file, one entry per line; `#` starts a
 * comment; blank lines and white space around tokens are ignored:
 *   example.com                  a plain domain list
 *   0.0.0.0 ads.example.com      a hosts file; the address must be
 *   127.0.0.1 a.example b.example  0.0.0.0, 127.0.0.1, :: or ::1 (what
 *                                blocking hosts files use); every name
 *                                on the line is blocked
 * A hosts file's own boilerplate (localhost, broadcasthost, ip6-allnodes,
 * ... with whatever address) is skipped, so a published hosts file loads
 * as it is. Anything else is an error at FILE:LINE and the config is
 * refused: a name that is not a DNS name (labels of letters, digits, `-`
 * and `_`, 1-63 bytes each, at most 253 in all; one trailing dot
 * allowed), a wildcard, control characters, an address that does not
 * block. Names are lowered; nothing from a file reaches dnsmasq unless
 * it passed this check.
 *
 * Files are streamed (never held whole): 1,000,000 names read in about
 * a second. */
#ifndef NFTROUTER_SYSTEM_DNSBLOCK_H
#define NFTROUTER_SYSTEM_DNSBLOCK_H

#include <stddef.h>

#include "model/model.h"
#include "util/diag.h"

#define DNSBLOCK_NAME_MAX 253
/* The most names one line of a hosts file may carry. */
#define DNSBLOCK_LINE_NAMES 16

struct dnsblock_line {
	size_t n;
	char names[DNSBLOCK_LINE_NAMES][DNSBLOCK_NAME_MAX + 1];
};

/* Parse one line: 0 and out->n names (0 for a blank, comment or
 * boilerplate line), or -EINVAL with the reason in d, without a position
 * (the caller knows the file and line). Pure. */
int dnsblock_parse_line(const char *line, struct dnsblock_line *out, struct diags *d);

/* Called for every name; a nonzero return stops the walk and is returned. */
typedef int dnsblock_fn(void *ctx, const char *name, const struct pos *at);

/* Read every file of r's dns.blocklists, calling fn for each name (fn
 * may be NULL: validate only). Every bad line is an error at FILE:LINE in
 * d (up to a bound); then -EINVAL. 0, fn's nonzero value, or -errno. */
int dnsblock_read(const struct router *r, dnsblock_fn *fn, void *ctx, struct diags *d);

/* What `check` and `apply` call: the lists are valid. 0 or -errno. */
int dnsblock_check(const struct router *r, struct diags *d);

/* Write the dnsmasq conf-file (server=/NAME/ lines) for r's lists to path (atomically:
 * written beside it and renamed). *changed is set when its bytes differ
 * from what was there. *count: names written. 0 or -errno (the old file
 * stays). */
int dnsblock_write(const struct router *r, const char *path, bool *changed, size_t *count,
		   struct diags *d);

/* What dnsblock_write would write for r's lists, compared with the file
 * at path as it is, writing nothing (for `diff`): *differs when the
 * bytes would change (a missing file differs unless r has no lists);
 * *count the names it would write, *count_now the names the file holds
 * (0 when missing). 0 or -errno (a bad or unreadable list, in d). */
int dnsblock_compare(const struct router *r, const char *path, bool *differs, size_t *count,
		     size_t *count_now, struct diags *d);

/* Whether name (or a domain above it) is listed: 1, the entry's
 * position in *at (at->file points into r, valid while r lives) and the
 * entry in entry[DNSBLOCK_NAME_MAX + 1]; 0 not listed; -EDOM name is not
 * a DNS name; other -errno (a list is bad or unreadable). */
int dnsblock_lookup(const struct router *r, const char *name, struct pos *at, char *entry,
		    struct diags *d);

#endif
