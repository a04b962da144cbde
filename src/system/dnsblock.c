/* DNS blocklists: parse, validate, write for dnsmasq, look up. See dnsblock.h. */
#include "system/dnsblock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render/render.h"

/* Names a hosts file carries for itself, with loopback, broadcast or
 * multicast addresses: never blocked, never an error. */
static const char *const boilerplate[] = {
	"localhost",	  "localhost.localdomain", "local",	    "broadcasthost",
	"ip6-localhost",  "ip6-loopback",	   "ip6-localnet",  "ip6-mcastprefix",
	"ip6-allnodes",	  "ip6-allrouters",	   "ip6-allhosts",  "0.0.0.0",
	NULL,
};

/* The addresses a blocking hosts file points names at. */
static const char *const blocking_addrs[] = {"0.0.0.0", "127.0.0.1", "::", "::1", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* Copy a token of n bytes into out (lowered) if it is a DNS name. NULL,
 * or why not. */
static const char *name_take(const char *s, size_t n, char *out)
{
	if (n && s[n - 1] == '.')
		n--; /* the root's dot: "example.com." is example.com */
	if (n == 0)
		return "an empty name";
	if (n > DNSBLOCK_NAME_MAX)
		return "longer than 253 bytes";
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return "an empty label";
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return "a label longer than 63 bytes";
		} else if (c == '*') {
			return "a wildcard (a listed name blocks its subdomains anyway: list the "
			       "domain)";
		} else {
			return "not a DNS name (letters, digits, '-', '_' and dots)";
		}
		out[i] = (char)tolower(c);
	}
	if (label == 0)
		return "an empty label";
	out[n] = '\0';
	return NULL;
}

/* A token: printable ASCII only, so what is quoted in an error is too. */
static const char *token_next(const char **p, size_t *n)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	const char *e = s;
	while (*e && *e != ' ' && *e != '\t' && *e != '#' && *e != '\r' && *e != '\n')
		e++;
	*p = e;
	*n = (size_t)(e - s);
	return s;
}

static int bad(struct diags *d, const char *tok, size_t n, const char *why)
{
	diag_error(d, nopos, "'%.*s': %s", (int)(n > 60 ? 60 : n), tok, why);
	return -EINVAL;
}

int dnsblock_parse_line(const char *line, struct dnsblock_line *out, struct diags *d)
{
	const char *toks[DNSBLOCK_LINE_NAMES + 1];
	size_t lens[DNSBLOCK_LINE_NAMES + 1], nt = 0;
	const char *p = line;
	out->n = 0;
	for (const unsigned char *c = (const unsigned char *)line; *c && *c != '#'; c++)
		if ((*c < 0x20 && *c != '\t' && *c != '\r' && *c != '\n') || *c >= 0x7f) {
			diag_error(d, nopos, "control or non-ASCII byte 0x%02x; not a DNS name", *c);
			return -EINVAL;
		}
	for (;;) {
		size_t n;
		const char *t = token_next(&p, &n);
		if (n == 0)
			break;
		if (nt == DNSBLOCK_LINE_NAMES + 1) {
			diag_error(d, nopos, "more than %d names on one line", DNSBLOCK_LINE_NAMES);
			return -EINVAL;
		}
		toks[nt] = t;
		lens[nt++] = n;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p && *p != '#')
		return bad(d, p, strlen(p), "unexpected text");
	if (nt == 0)
		return 0;
	if (nt == 1) {
		const char *why = name_take(toks[0], lens[0], out->names[0]);
		if (why)
			return bad(d, toks[0], lens[0], why);
		out->n = 1;
		return 0;
	}
	/* hosts line: ADDRESS NAME... */
	char addr[48] = "";
	if (lens[0] < sizeof(addr))
		memcpy(addr, toks[0], lens[0]);
	bool blocking = in_list(blocking_addrs, addr);
	for (size_t i = 1; i < nt; i++) {
		char *name = out->names[out->n];
		const char *why = name_take(toks[i], lens[i], name);
		if (why)
			return bad(d, toks[i], lens[i], why);
		if (in_list(boilerplate, name))
			continue;
		if (!blocking)
			return bad(d, toks[0], lens[0],
				   "neither a domain list nor a blocking hosts line (the address "
				   "must be 0.0.0.0, 127.0.0.1, :: or ::1)");
		out->n++;
	}
	return 0;
}

static int read_one(const struct blocklist *l, dnsblock_fn *fn, void *ctx, struct diags *d)
{
	FILE *f = fopen(l->path, "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = 0, lineno = 0;
	struct dnsblock_line *pl = malloc(sizeof(*pl));
	if (!f || !pl) {
		rc = f ? -ENOMEM : -errno;
		diag_error(d, l->pos, "dns blocklist %s: %s", l->path, strerror(-rc));
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		struct diags why = DIAGS_INIT;
		struct pos at = {l->path, ++lineno, 1};
		if (dnsblock_parse_line(line, pl, &why) < 0) {
			diags_move(d, &why, DIAG_ERROR, at, "");
			rc = -EINVAL;
			if (d->n_errors >= 20) /* every bad line in one run, up to a bound */
				break;
			continue;
		}
		for (size_t i = 0; rc == 0 && fn && i < pl->n; i++)
			rc = fn(ctx, pl->names[i], &at);
		if (rc > 0 || rc == -ENOMEM || rc == -EIO)
			break;
	}
	if (ferror(f) && rc == 0) {
		rc = -EIO;
		diag_error(d, l->pos, "dns blocklist %s: read error", l->path);
	}
out:
	free(pl);
	free(line);
	if (f)
		fclose(f);
	return rc;
}

int dnsblock_read(const struct router *r, dnsblock_fn *fn, void *ctx, struct diags *d)
{
	int rc = 0;
	for (size_t i = 0; i < r->dns.n_blocklists; i++) {
		int x = read_one(&r->dns.blocklists[i], fn, ctx, d);
		if (x > 0)
			return x;
		if (x < 0 && rc == 0)
			rc = x;
	}
	return rc;
}

int dnsblock_check(const struct router *r, struct diags *d)
{
	return dnsblock_read(r, NULL, NULL, d);
}

#define DNSBLOCK_HEADER "# generated by nftrouter from dns.blocklists; do not edit\n"

struct writer {
	FILE *f;
	size_t count;
};

static int write_name(void *ctx, const char *name, const struct pos *at)
{
	struct writer *w = ctx;
	char line[DNSBLOCK_NAME_MAX + 16];
	(void)at;
	render_dnsmasq_blocked(name, line, sizeof(line));
	w->count++;
	return fputs(line, w->f) < 0 ? -EIO : 0;
}

/* Whether the files at a and b hold the same bytes. */
static bool same_bytes(const char *a, const char *b)
{
	FILE *x = fopen(a, "re"), *y = fopen(b, "re");
	bool same = x && y;
	char bx[65536], by[65536];
	while (same) {
		size_t nx = fread(bx, 1, sizeof(bx), x), ny = fread(by, 1, sizeof(by), y);
		same = nx == ny && memcmp(bx, by, nx) == 0;
		if (nx == 0)
			break;
	}
	if (x)
		fclose(x);
	if (y)
		fclose(y);
	return same;
}

int dnsblock_write(const struct router *r, const char *path, bool *changed, size_t *count,
		   struct diags *d)
{
	size_t len = strlen(path) + 8;
	char *tmp = malloc(len);
	int rc = -ENOMEM;
	struct writer w = {NULL, 0};
	*changed = false;
	if (!tmp)
		goto out;
	snprintf(tmp, len, "%s.new", path);
	if (!(w.f = fopen(tmp, "we"))) {
		rc = -errno;
		diag_error(d, nopos, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fputs(DNSBLOCK_HEADER, w.f);
	rc = dnsblock_read(r, write_name, &w, d);
	if (fclose(w.f) != 0 && rc == 0)
		rc = -EIO;
	if (rc != 0) {
		if (rc == -EIO)
			diag_error(d, nopos, "%s: write error", tmp);
		unlink(tmp);
		goto out;
	}
	*changed = !same_bytes(tmp, path);
	if (rename(tmp, path) < 0) {
		rc = -errno;
		diag_error(d, nopos, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
	*count = w.count;
out:
	free(tmp);
	return rc;
}

/* The file as it is, read a line at a time beside the lines to be. */
struct comparer {
	FILE *f;
	char *line;
	size_t cap;
	bool differs;
	size_t count, count_now;
};

/* The next line of the file against want; a missing or other line
 * makes it differ (and the rest is still counted). */
static void compare_line(struct comparer *c, const char *want)
{
	ssize_t n = c->f ? getline(&c->line, &c->cap, c->f) : -1;
	if (n < 0 || strcmp(c->line, want) != 0)
		c->differs = true;
	if (n > 0 && strncmp(c->line, "server=/", 8) == 0)
		c->count_now++;
}

static int compare_name(void *ctx, const char *name, const struct pos *at)
{
	struct comparer *c = ctx;
	char line[DNSBLOCK_NAME_MAX + 16];
	(void)at;
	render_dnsmasq_blocked(name, line, sizeof(line));
	c->count++;
	compare_line(c, line);
	return 0;
}

int dnsblock_compare(const struct router *r, const char *path, bool *differs, size_t *count,
		     size_t *count_now, struct diags *d)
{
	struct comparer c = {.f = fopen(path, "re")};
	int rc = 0;
	if (!c.f && errno != ENOENT) {
		rc = -errno;
		diag_error(d, nopos, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (r->dns.n_blocklists) {
		compare_line(&c, DNSBLOCK_HEADER);
		if ((rc = dnsblock_read(r, compare_name, &c, d)) != 0)
			goto out;
	}
	/* What is left in the file would go. */
	while (c.f && getline(&c.line, &c.cap, c.f) > 0) {
		c.differs = true;
		if (strncmp(c.line, "server=/", 8) == 0)
			c.count_now++;
	}
	if (c.f && ferror(c.f)) {
		rc = -EIO;
		diag_error(d, nopos, "%s: read error", path);
	}
	*differs = c.differs;
	*count = c.count;
	*count_now = c.count_now;
out:
	free(c.line);
	if (c.f)
		fclose(c.f);
	return rc;
}

struct finder {
	const char *name;
	size_t len;
	struct pos at;
	char *entry;
};

static int find_name(void *ctx, const char *name, const struct pos *at)
{
	struct finder *f = ctx;
	size_t n = strlen(name);
	if (f->at.line) /* the first entry is the answer; the rest are only validated */
		return 0;
	/* name itself, or a domain above it: "b.a.example" is under "a.example" */
	if (n > f->len || memcmp(f->name + f->len - n, name, n) != 0)
		return 0;
	if (n < f->len && f->name[f->len - n - 1] != '.')
		return 0;
	f->at = *at;
	memcpy(f->entry, name, n + 1);
	return 0;
}

int dnsblock_lookup(const struct router *r, const char *name, struct pos *at, char *entry,
		    struct diags *d)
{
	char lowered[DNSBLOCK_NAME_MAX + 1];
	const char *why = name_take(name, strlen(name), lowered);
	if (why) {
		diag_error(d, nopos, "'%.60s': %s", name, why);
		return -EDOM;
	}
	struct finder f = {lowered, strlen(lowered), {0}, entry};
	int rc = dnsblock_read(r, find_name, &f, d);
	if (rc < 0)
		return rc;
	*at = f.at;
	return f.at.line ? 1 : 0;
}
