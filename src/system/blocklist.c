/* Blocklists: parse, merge, load. See blocklist.h. */
#include "system/blocklist.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "system/bans.h"
#include "system/conntrack.h"
#include "system/link.h"
#include "system/nlset.h"
#include "system/state.h"
#include "util/buf.h"

void blocklist_set_free(struct blocklist_set *b)
{
	if (!b)
		return;
	free(b->v4);
	free(b->v6);
	memset(b, 0, sizeof(*b));
}

int blocklist_parse_line(const char *line, struct cidr *out, struct diags *d)
{
	const char *p = line, *end;
	char tok[ADDR_STRLEN];
	while (*p == ' ' || *p == '\t')
		p++;
	end = p;
	while (*end && !isspace((unsigned char)*end) && *end != '#' && *end != ';')
		end++;
	if (end == p) {
		/* nothing before a comment or the end: blank or comment line */
		if (*end == '\0' || *end == '#' || *end == ';' || *end == '\n' || *end == '\r')
			return 0;
	}
	const char *rest = end;
	while (*rest == ' ' || *rest == '\t' || *rest == '\r' || *rest == '\n')
		rest++;
	if (*rest && *rest != '#' && *rest != ';') {
		diag_error(d, nopos, "unexpected text after the address: '%.40s'", rest);
		return -EINVAL;
	}
	size_t len = (size_t)(end - p);
	if (len >= sizeof(tok)) {
		diag_error(d, nopos, "not an address or prefix: '%.40s...'", p);
		return -EINVAL;
	}
	memcpy(tok, p, len);
	tok[len] = '\0';
	struct cidr c;
	if (cidr_parse(tok, &c) < 0) {
		diag_error(d, nopos, "not an address or prefix: '%s'", tok);
		return -EINVAL;
	}
	/* the refusals of `ban`: a list entry is a ban like any other */
	if (ban_prefix_check(&c, tok, out, d) < 0)
		return -EPERM;
	return 1;
}

int blocklist_set_add(struct blocklist_set *b, const struct cidr *c)
{
	if (c->addr.family == AF_INET) {
		if (b->n4 == b->cap4) {
			size_t cap = b->cap4 ? b->cap4 * 2 : 1024;
			struct range4 *v = realloc(b->v4, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			b->v4 = v;
			b->cap4 = cap;
		}
		uint32_t lo = (uint32_t)c->addr.a[0] << 24 | (uint32_t)c->addr.a[1] << 16 |
			      (uint32_t)c->addr.a[2] << 8 | c->addr.a[3];
		uint32_t host = c->len == 0 ? UINT32_MAX : (uint32_t)((1ULL << (32 - c->len)) - 1);
		b->v4[b->n4++] = (struct range4){lo, lo | host};
	} else {
		if (b->n6 == b->cap6) {
			size_t cap = b->cap6 ? b->cap6 * 2 : 256;
			struct range6 *v = realloc(b->v6, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			b->v6 = v;
			b->cap6 = cap;
		}
		u128 lo = addr_bytes_u128(c->addr.a, 16);
		u128 host = c->len == 0 ? (u128)-1 : ((u128)1 << (128 - c->len)) - 1;
		b->v6[b->n6++] = (struct range6){lo, lo | host};
	}
	b->lines++;
	return 0;
}

static int read_one(const struct blocklist *l, struct blocklist_set *b, struct diags *d)
{
	FILE *f = fopen(l->path, "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = 0, lineno = 0;
	if (!f) {
		rc = -errno;
		diag_error(d, l->pos, "blocklist %s: %s", l->path, strerror(errno));
		return rc;
	}
	while (getline(&line, &cap, f) >= 0) {
		struct cidr c;
		struct diags why = DIAGS_INIT;
		struct pos at = {l->path, ++lineno, 1};
		int r = blocklist_parse_line(line, &c, &why);
		if (r == -EPERM) {
			/* refused, not malformed: public lists carry 127.0.0.0/8,
			 * 224.0.0.0/3 and the like; skip it, say so (a bounded
			 * number of times) */
			if (b->skipped++ < 10)
				diags_move(d, &why, DIAG_WARNING, at, "skipped: ");
			diags_free(&why);
			continue;
		}
		if (r < 0) {
			diags_move(d, &why, DIAG_ERROR, at, "");
			rc = -EINVAL;
			/* keep going: report every bad line of the file in one run, up to a bound */
			if (d->n_errors >= 20)
				break;
			continue;
		}
		if (r > 0 && rc == 0 && blocklist_set_add(b, &c) < 0) {
			rc = -ENOMEM;
			diag_error(d, l->pos, "blocklist %s: out of memory", l->path);
			break;
		}
	}
	if (ferror(f) && rc == 0) {
		rc = -EIO;
		diag_error(d, l->pos, "blocklist %s: read error", l->path);
	}
	free(line);
	fclose(f);
	return rc;
}

int blocklist_read(const struct blocklist *lists, size_t n, struct blocklist_set *b,
		   struct diags *d)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int r = read_one(&lists[i], b, d);
		if (r < 0 && rc == 0)
			rc = r;
	}
	if (b->skipped > 10)
		diag_warn(d, (struct pos){0}, "blocklists: %zu more refused entries skipped",
			  b->skipped - 10);
	return rc;
}

static int cmp4(const void *a, const void *b)
{
	const struct range4 *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp6(const void *a, const void *b)
{
	const struct range6 *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void blocklist_set_merge(struct blocklist_set *b)
{
	size_t o = 0;
	/* qsort(NULL, 0, ...) is undefined: an empty family has no array. */
	if (b->n4)
		qsort(b->v4, b->n4, sizeof(*b->v4), cmp4);
	for (size_t i = 0; i < b->n4; i++) {
		/* overlapping or adjacent (hi + 1 == lo, without overflow) */
		if (o && (b->v4[i].lo <= b->v4[o - 1].hi || b->v4[i].lo - 1 == b->v4[o - 1].hi)) {
			if (b->v4[i].hi > b->v4[o - 1].hi)
				b->v4[o - 1].hi = b->v4[i].hi;
		} else {
			b->v4[o++] = b->v4[i];
		}
	}
	b->n4 = o;
	o = 0;
	if (b->n6)
		qsort(b->v6, b->n6, sizeof(*b->v6), cmp6);
	for (size_t i = 0; i < b->n6; i++) {
		if (o && (b->v6[i].lo <= b->v6[o - 1].hi || b->v6[i].lo - 1 == b->v6[o - 1].hi)) {
			if (b->v6[i].hi > b->v6[o - 1].hi)
				b->v6[o - 1].hi = b->v6[i].hi;
		} else {
			b->v6[o++] = b->v6[i];
		}
	}
	b->n6 = o;
}


bool blocklist_set_has(const struct blocklist_set *b, const struct ipaddr *a)
{
	size_t lo = 0, hi = a->family == AF_INET ? b->n4 : b->n6;
	if (a->family == AF_INET) {
		uint32_t v = (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 |
			     (uint32_t)a->a[2] << 8 | a->a[3];
		while (lo < hi) {
			size_t m = lo + (hi - lo) / 2;
			if (v < b->v4[m].lo)
				hi = m;
			else if (v > b->v4[m].hi)
				lo = m + 1;
			else
				return true;
		}
		return false;
	}
	u128 v = addr_bytes_u128(a->a, 16);
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (v < b->v6[m].lo)
			hi = m;
		else if (v > b->v6[m].hi)
			lo = m + 1;
		else
			return true;
	}
	return false;
}

int blocklist_load(struct nlset *s, const struct blocklist_set *b)
{
	uint8_t lo[16], next[16];
	int rc = 0;
	static const char *const sets[] = {"blocklist4", "blocklist4_nets", "blocklist6",
					   "blocklist6_nets"};
	for (size_t i = 0; i < 4; i++)
		if ((rc = nlset_flush(s, BANS_TABLE, sets[i])) < 0)
			goto out;
	/* single addresses to the hash set, ranges to the interval set */
	for (size_t i = 0; i < b->n4 && rc == 0; i++) {
		addr_u128_bytes(b->v4[i].lo, lo, 4);
		addr_u128_bytes((u128)b->v4[i].hi + 1, next, 4);
		if (b->v4[i].lo == b->v4[i].hi)
			rc = nlset_add_key(s, BANS_TABLE, "blocklist4", AF_INET, lo);
		else
			rc = nlset_add_range(s, BANS_TABLE, "blocklist4_nets", AF_INET, lo,
					     b->v4[i].hi == UINT32_MAX ? NULL : next);
	}
	for (size_t i = 0; i < b->n6 && rc == 0; i++) {
		addr_u128_bytes(b->v6[i].lo, lo, 16);
		addr_u128_bytes(b->v6[i].hi + 1, next, 16);
		if (b->v6[i].lo == b->v6[i].hi)
			rc = nlset_add_key(s, BANS_TABLE, "blocklist6", AF_INET6, lo);
		else
			rc = nlset_add_range(s, BANS_TABLE, "blocklist6_nets", AF_INET6, lo,
					     b->v6[i].hi == (u128)-1 ? NULL : next);
	}
	if (rc == 0)
		rc = nlset_commit(s);
out:
	if (rc < 0)
		nlset_abort(s); /* never leave a half-built batch queued */
	return rc;
}

/* What the loaded lists were made from: the ban table's handle (a
 * recreated table is empty) and each file's identity. Equal stamps mean
 * the kernel already holds exactly these lists, so an unchanged re-apply
 * does not read a million lines again. */
static void stamp_files(struct buf *b, const struct router *r)
{
	for (size_t i = 0; i < r->blackhole.n_lists; i++) {
		struct stat st;
		const char *path = r->blackhole.lists[i].path;
		if (stat(path, &st) < 0)
			buf_printf(b, "missing %s\n", path);
		else
			buf_printf(b, "%lld %lld.%09ld %llu %s\n", (long long)st.st_size,
				   (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
				   (unsigned long long)st.st_ino, path);
	}
}

static char *stamp_make(struct nlset *s, const struct router *r)
{
	struct buf b = BUF_INIT;
	uint64_t handle = 0;
	(void)nlset_table_handle(s, BANS_TABLE, &handle);
	buf_printf(&b, "table %" PRIu64 "\n", handle);
	stamp_files(&b, r);
	return buf_steal(&b);
}

int blocklist_check(const struct router *r, const char *state_dir, struct diags *d)
{
	struct blocklist_set b = {0};
	struct buf fb = BUF_INIT;
	char *files, *old = NULL;
	size_t len;
	int rc;
	stamp_files(&fb, r);
	if (!(files = buf_steal(&fb))) {
		diag_error(d, (struct pos){0}, "out of memory");
		return -ENOMEM;
	}
	/* files unchanged since a successful load: they were valid then */
	if (state_dir && state_read(state_dir, "blocklists", &old, &len) == 0) {
		const char *rest = strchr(old, '\n');
		if (rest && strcmp(rest + 1, files) == 0) {
			rc = 0;
			goto out;
		}
	}
	rc = blocklist_read(r->blackhole.lists, r->blackhole.n_lists, &b, d);
out:
	blocklist_set_free(&b);
	free(files);
	free(old);
	return rc;
}

static void range_text(int family, u128 lo, u128 hi, char *out, size_t size)
{
	struct ipaddr a = {.family = family}, z = {.family = family};
	char x[ADDR_STRLEN], y[ADDR_STRLEN];
	addr_u128_bytes(lo, a.a, family == AF_INET ? 4 : 16);
	addr_u128_bytes(hi, z.a, family == AF_INET ? 4 : 16);
	addr_format(&a, x, sizeof(x));
	addr_format(&z, y, sizeof(y));
	snprintf(out, size, "%s-%s", x, y);
}

/* The router's own addresses (ban_own_load, as `ban` refuses them) as
 * one-address ranges. Broadcast addresses are left out: a list range
 * holding one bans real hosts. */
static int own_ranges(const struct router *r, struct blocklist_set *own, struct diags *d)
{
	struct ban_own o = {0};
	int rc = ban_own_load(r, &o, d);
	for (size_t i = 0; rc == 0 && i < o.n; i++) {
		struct cidr c = {.addr = o.v[i].addr};
		c.len = c.addr.family == AF_INET ? 32 : 128;
		if (!o.v[i].bcast)
			rc = blocklist_set_add(own, &c);
	}
	ban_own_free(&o);
	return rc;
}

/* A list entry holding one of the router's own addresses would drop the
 * router's whole LAN (or its WAN neighbours, the gateway) before anything
 * else sees the packets: public lists such as FireHOL level1 carry
 * 10.0.0.0/8 and 192.168.0.0/16. Such ranges are left out, with a
 * warning, instead of locking the router out (as `ban` refuses them). */
static int drop_own(struct blocklist_set *b, const struct router *r, struct diags *d)
{
	struct blocklist_set own = {0};
	char t[2 * ADDR_STRLEN + 2];
	size_t o = 0, warned = 0;
	int rc = own_ranges(r, &own, d);
	for (size_t i = 0; rc == 0 && i < b->n4; i++) {
		bool hit = false;
		for (size_t k = 0; k < own.n4 && !hit; k++)
			hit = b->v4[i].lo <= own.v4[k].hi && own.v4[k].lo <= b->v4[i].hi;
		if (!hit) {
			b->v4[o++] = b->v4[i];
		} else if (warned++ < 10) {
			range_text(AF_INET, b->v4[i].lo, b->v4[i].hi, t, sizeof(t));
			diag_warn(d, (struct pos){0}, "blocklist range %s holds an address of this "
						     "router: not loaded", t);
		}
	}
	b->n4 = o;
	o = 0;
	for (size_t i = 0; rc == 0 && i < b->n6; i++) {
		bool hit = false;
		for (size_t k = 0; k < own.n6 && !hit; k++)
			hit = b->v6[i].lo <= own.v6[k].hi && own.v6[k].lo <= b->v6[i].hi;
		if (!hit) {
			b->v6[o++] = b->v6[i];
		} else if (warned++ < 10) {
			range_text(AF_INET6, b->v6[i].lo, b->v6[i].hi, t, sizeof(t));
			diag_warn(d, (struct pos){0}, "blocklist range %s holds an address of this "
						     "router: not loaded", t);
		}
	}
	if (rc == 0)
		b->n6 = o;
	blocklist_set_free(&own);
	return rc;
}

/* The lists as apply would load them: 0 when they are what the state
 * dir's stamp says was loaded last (nothing to do), 1 when read into b
 * (merged, the router's own addresses dropped), or -errno with d filled.
 * *stamp is for the caller to save after a load. For `diff`, no lists
 * and none ever loaded (no stamp) is nothing to do too; apply empties the
 * sets then all the same (a state dir made anew over a loaded table). */
static int blocklist_prepare(struct nlset *s, const struct router *r, const char *state_dir,
			     bool for_diff, struct blocklist_set *b, char **stamp, struct diags *d)
{
	bool none_loaded;
	char *old = NULL;
	size_t len;
	int rc;
	*stamp = stamp_make(s, r);
	if (!*stamp) {
		diag_error(d, (struct pos){0}, "out of memory");
		return -ENOMEM;
	}
	rc = state_read(state_dir, "blocklists", &old, &len);
	none_loaded = rc < 0;
	rc = rc == 0 && strcmp(old, *stamp) == 0;
	free(old);
	if (rc)
		return 0;
	if (for_diff && !r->blackhole.n_lists && none_loaded)
		return 0;
	if ((rc = blocklist_read(r->blackhole.lists, r->blackhole.n_lists, b, d)) < 0)
		return rc;
	blocklist_set_merge(b);
	if ((rc = drop_own(b, r, d)) < 0) {
		if (!d->n_errors)
			diag_error(d, (struct pos){0}, "blocklists: %s", strerror(-rc));
		return rc;
	}
	return 1;
}

static bool listed(const struct ipaddr *a, const void *arg)
{
	return blocklist_set_has(arg, a);
}

/* A listed host's live connections end as a banned host's do (`ban`
 * cuts them): without this, packets from the router's side of a
 * connection would still reach it, and with blackhole.check: connection
 * a connection already looked up would go on both ways. A failure costs
 * a warning: the lists are in, only older connections may outlive them. */
static void cut_listed(const struct blocklist_set *b, struct diags *d)
{
	size_t n = 0;
	int rc = conntrack_cut_if(listed, b, AF_UNSPEC, &n);
	if (rc < 0)
		diag_warn(d, (struct pos){0}, "the connections of listed hosts were not cut: "
					      "conntrack: %s", strerror(-rc));
}

int blocklist_apply(struct nlset *s, const struct router *r, const char *state_dir,
		    struct diags *d)
{
	struct blocklist_set b = {0};
	char *stamp = NULL;
	int rc = blocklist_prepare(s, r, state_dir, false, &b, &stamp, d);
	if (rc <= 0)
		goto out;
	rc = blocklist_load(s, &b);
	if (rc < 0) {
		diag_error(d, (struct pos){0}, "the kernel refused the blocklists: %s",
			   strerror(-rc));
		goto out;
	}
	cut_listed(&b, d);
	/* For the metrics: what is loaded, without listing the sets. */
	char count[64];
	snprintf(count, sizeof(count), "%zu %zu\n", b.n4, b.n6);
	(void)state_write(state_dir, "blocklist-ranges", count, strlen(count));
	rc = state_write(state_dir, "blocklists", stamp, strlen(stamp));
	if (rc < 0)
		diag_warn(d, (struct pos){0}, "cannot write %s/blocklists: %s (the lists are loaded)",
			  state_dir, strerror(-rc));
	rc = 0;
out:
	blocklist_set_free(&b);
	free(stamp);
	return rc;
}

int blocklist_plan(struct nlset *s, const struct router *r, const char *state_dir,
		   size_t *ranges, struct diags *d)
{
	struct blocklist_set b = {0};
	char *stamp = NULL;
	*ranges = 0;
	int rc = blocklist_prepare(s, r, state_dir, true, &b, &stamp, d);
	if (rc == 1)
		*ranges = b.n4 + b.n6;
	blocklist_set_free(&b);
	free(stamp);
	return rc;
}

int blocklist_loaded(const char *state_dir, uint64_t *v4, uint64_t *v6)
{
	char *text = NULL;
	size_t len;
	unsigned long long a, b;
	int rc = state_read(state_dir, "blocklist-ranges", &text, &len);
	if (rc < 0)
		return rc;
	rc = sscanf(text, "%llu %llu", &a, &b) == 2 ? 0 : -EINVAL;
	free(text);
	if (rc == 0) {
		*v4 = a;
		*v6 = b;
	}
	return rc;
}
