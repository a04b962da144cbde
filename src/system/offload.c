/* Flowtable devices that come and go. See offload.h. */
#include "system/offload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int link_names_load(struct link_sock *s, struct link_names *out)
{
	struct link_info *l = NULL;
	size_t n = 0;
	int rc = link_dump(s, &l, &n);
	memset(out, 0, sizeof(*out));
	if (rc < 0)
		return rc;
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	out->p = calloc(n ? n : 1, sizeof(*out->p));
	if (!out->v || !out->p) {
		free(l);
		link_names_free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(out->v[i], sizeof(out->v[i]), "%s", l[i].name);
		out->p[i] = out->v[i];
	}
	out->l = (struct nft_links){out->p, n};
	free(l);
	return 0;
}

void link_names_free(struct link_names *n)
{
	if (!n)
		return;
	free(n->v);
	free(n->p);
	memset(n, 0, sizeof(*n));
}

int offload_add_ports(struct nft *n, const struct router *r, struct link_sock *s,
		      const struct nft_links *before, struct diags *d)
{
	struct link_names now;
	char *script = NULL, *err = NULL;
	int rc;
	if (!router_offloads(r))
		return 0;
	if ((rc = link_names_load(s, &now)) < 0) {
		diag_error(d, nopos, "offload: cannot list links: %s", strerror(-rc));
		return rc;
	}
	if (!(script = render_nft_offload_add(r, &now.l, before))) {
		rc = -ENOMEM;
		diag_error(d, nopos, "offload: rendering failed (out of memory)");
	} else if (*script && (rc = nft_run(n, script, false, &err)) < 0) {
		if (err)
			nft_error_condense(err);
		diag_error(d, nopos, "offload: adding ports to the flowtable: %s",
			   err ? err : strerror(-rc));
	}
	free(err);
	free(script);
	link_names_free(&now);
	return rc;
}

/* The names in a listing's `flowtable ft { ... devices = { a, b } ... }`
 * (nft lists them unquoted, or quoted when they need it). */
int offload_listed_ports(const char *listing, struct link_names *out)
{
	const char *ft = listing ? strstr(listing, "flowtable ft {") : NULL;
	const char *dev = ft ? strstr(ft, "devices = {") : NULL;
	const char *end = dev ? strchr(dev, '}') : NULL, *close = ft ? strchr(ft, '}') : NULL;
	size_t cap = 0;
	memset(out, 0, sizeof(*out));
	if (!dev || !end || (close && close < dev))
		return 0; /* no flowtable, or one without devices */
	for (const char *c = dev; c < end; c++)
		cap += *c == ',';
	cap += 1;
	out->v = calloc(cap, sizeof(*out->v));
	out->p = calloc(cap, sizeof(*out->p));
	if (!out->v || !out->p) {
		link_names_free(out);
		return -ENOMEM;
	}
	size_t n = 0;
	for (const char *c = dev + strlen("devices = {"); c < end && n < cap;) {
		c += strspn(c, " \t\n\",");
		size_t len = strcspn(c, " \t\n\",}");
		if (len == 0 || c >= end)
			break;
		snprintf(out->v[n], sizeof(out->v[n]), "%.*s", (int)(len < 15 ? len : 15), c);
		out->p[n] = out->v[n];
		n++;
		c += len;
	}
	out->l = (struct nft_links){out->p, n};
	return 0;
}

int offload_add_port(const struct router *r, const struct iface *p, struct diags *d)
{
	const char *name = p->name;
	struct nft_links one = {&name, 1};
	char *script = NULL, *err = NULL;
	struct nft *n = NULL;
	int rc = 0;
	if (!iface_offloaded(r, p))
		return 0;
	if (!(script = render_nft_offload_add(r, &one, NULL)) || !(n = nft_open())) {
		diag_error(d, nopos, "offload: port %s: out of memory", p->name);
		rc = -ENOMEM;
	} else if (*script && (rc = nft_run(n, script, false, &err)) < 0) {
		if (err)
			nft_error_condense(err);
		diag_error(d, nopos, "offload: port %s: adding it to the flowtable: %s", p->name,
			   err ? err : strerror(-rc));
	}
	nft_close(n);
	free(err);
	free(script);
	return rc;
}
