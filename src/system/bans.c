/* Bans: the ban table, its persisted state, and restoring it on apply.
 *
 * The state file STATE_DIR/bans is the truth that survives reboots; the
 * kernel sets are the truth while the system runs (elements expire there
 * by themselves). Every writer takes an flock on STATE_DIR/bans.lock, so
 * a CLI `ban` and the daemon never lose each other's bans. */
#include "system/bans.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "render/render.h"
#include "system/blocklist.h"
#include "system/conntrack.h"
#include "system/link.h"
#include "system/nft.h"
#include "system/nlset.h"
#include "system/state.h"
#include "util/buf.h"


void ban_list_free(struct ban_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static bool is_host(const struct cidr *c)
{
	return c->len == (c->addr.family == AF_INET ? 32 : 128);
}

/* Every ban is one key in a hash set: single addresses in blackhole4 /
 * blackhole6, prefixes (their network address) in the set of their
 * length, blackhole4_24 (see render/nft_bans.c for why). */
static const char *set_of(const struct cidr *c, char *buf, size_t size)
{
	if (is_host(c))
		return c->addr.family == AF_INET ? "blackhole4" : "blackhole6";
	ban_set_name(c->addr.family, c->len, buf, size);
	return buf;
}

static int queue_add(struct nlset *s, const struct cidr *c, uint64_t ms, bool excl)
{
	char b[32];
	return nlset_add_host(s, BANS_TABLE, set_of(c, b, sizeof(b)), &c->addr, ms, excl);
}

static int queue_del(struct nlset *s, const struct cidr *c)
{
	char b[32];
	return nlset_del_host(s, BANS_TABLE, set_of(c, b, sizeof(b)), &c->addr);
}

/* The prefix lengths a list of bans uses: the per-length sets and rules
 * apply renders. */
static void lens_of(const struct ban_list *l, struct ban_lens *lens)
{
	memset(lens, 0, sizeof(*lens));
	for (size_t i = 0; l && i < l->n; i++) {
		const struct cidr *c = &l->v[i].prefix;
		if (is_host(c))
			continue;
		if (c->addr.family == AF_INET)
			lens->v4[c->len] = true;
		else
			lens->v6[c->len] = true;
	}
}

static uint64_t now_secs(void)
{
	return (uint64_t)time(NULL);
}

int ban_list_push(struct ban_list *l, const struct ban *b)
{
	struct ban *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = *b;
	return 0;
}

/* Exclusive lock on STATE_DIR/bans.lock; returns the fd to close. */
static int bans_lock(const char *state_dir, struct diags *d)
{
	int rc = state_dir_ready(state_dir, "state", d);
	if (rc < 0)
		return rc;
	if ((rc = state_lock(state_dir, "bans.lock")) < 0)
		diag_error(d, nopos, "%s/bans.lock: %s", state_dir, strerror(-rc));
	return rc;
}

static int state_save(const char *state_dir, const struct ban_list *l, struct diags *d);

/* A state file with bad lines: the file as it was is kept beside it
 * (bans.bad-UNIXTIME, 0600) for inspection, and the valid lines replace
 * it, so the next reader does not trip over the same lines again. */
static void state_set_aside(const char *state_dir, const char *text, const struct ban_list *l,
			    size_t bad, struct diags *d)
{
	char name[48];
	snprintf(name, sizeof(name), "bans.bad-%" PRIu64, now_secs());
	int rc = state_write(state_dir, name, text, strlen(text));
	if (rc < 0) {
		diag_warn(d, nopos, "%s/bans: %zu bad line(s) skipped; cannot keep a copy in %s/%s: "
				    "%s (the file is left as it is)", state_dir, bad, state_dir, name,
			  strerror(-rc));
		return;
	}
	diag_warn(d, nopos, "%s/bans: %zu bad line(s) skipped; the file as it was is kept in %s/%s",
		  state_dir, bad, state_dir, name);
	(void)state_save(state_dir, l, d);
}

/* Read the state, dropping expired bans. *changed: the file should be
 * rewritten (expired bans dropped, or it is missing or does not end in a
 * newline, so a ban cannot simply be appended).
 * Bad lines are skipped with a warning (bans_state_parse); a writer
 * (holding the lock) also sets the bad file aside. own: refuse restored
 * bans that hold one of the router's addresses (NULL: not checked). */
static int state_load(const char *state_dir, const struct ban_own *own, bool writer,
		      struct ban_list *l, bool *changed, struct diags *d)
{
	char *text = NULL, path[512];
	size_t len, bad = 0;
	uint64_t now = now_secs();
	*changed = false;
	l->v = NULL;
	l->n = 0;
	int rc = state_read(state_dir, "bans", &text, &len);
	if (rc == -ENOENT) {
		*changed = true;
		return 0;
	}
	if (rc < 0) {
		diag_error(d, nopos, "%s/bans: %s", state_dir, strerror(-rc));
		return rc;
	}
	snprintf(path, sizeof(path), "%s/bans", state_dir);
	if (len == 0 || text[len - 1] != '\n')
		*changed = true;
	rc = bans_state_parse(text, path, own, l, &bad, d);
	if (rc < 0) {
		diag_error(d, nopos, "%s: out of memory", path);
		free(text);
		return rc;
	}
	size_t o = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].expires && l->v[i].expires <= now)
			*changed = true;
		else
			l->v[o++] = l->v[i];
	}
	l->n = o;
	if (bad && writer)
		state_set_aside(state_dir, text, l, bad, d);
	free(text);
	return 0;
}

static int state_save(const char *state_dir, const struct ban_list *l, struct diags *d)
{
	char *text = bans_state_format(l);
	if (!text) {
		diag_error(d, nopos, "out of memory");
		return -ENOMEM;
	}
	int rc = state_write(state_dir, "bans", text, strlen(text));
	if (rc < 0)
		diag_error(d, nopos, "cannot write %s/bans: %s", state_dir, strerror(-rc));
	free(text);
	return rc;
}

/* Creates the table and sets if missing; elements are kept. The chains
 * hook prerouting and output when `hooked`, and are removed otherwise
 * (render_nft_bans_lens). With `rebuild`, a table whose sets have another definition (left by an
 * older nftrouter: the kernel refuses a changed set with EEXIST) is
 * replaced in the same transaction; the caller then restores the bans
 * from the state file and reloads the blocklists. */
static int table_ensure(struct nft *n, const struct router *r, const struct ban_lens *lens,
			enum ban_check check, bool rebuild, bool hooked, struct diags *d)
{
	static const char replace[] = "table inet " BANS_TABLE "\ndelete table inet " BANS_TABLE "\n";
	struct router none = {.file_base = "router.yaml"};
	char *script = render_nft_bans_lens(r ? r : &none, lens, check, hooked), *err = NULL, *both = NULL;
	struct nft *own = NULL;
	int rc = -ENOMEM;
	if (!script)
		goto out;
	if (!n && !(n = own = nft_open()))
		goto out;
	rc = nft_run(n, script, false, &err);
	if (rc == -EEXIST && rebuild) {
		free(err);
		err = NULL;
		if (!(both = malloc(sizeof(replace) + strlen(script)))) {
			rc = -ENOMEM;
			goto out;
		}
		strcpy(both, replace);
		strcat(both, script);
		rc = nft_run(n, both, false, &err);
		if (rc == 0)
			diag_warn(d, nopos, "the ban table had an older layout: recreated, bans restored "
					    "from the state dir (elements added by hand are gone)");
	}
	if (rc < 0 && rc != -ENOMEM)
		diag_error(d, nopos, "cannot create the ban table: %s", err ? err : "?");
out:
	if (rc == -ENOMEM)
		diag_error(d, nopos, "out of memory");
	nft_close(own);
	free(both);
	free(err);
	free(script);
	return rc;
}

static void describe_left(uint64_t expires, uint64_t now, char *out, size_t size)
{
	uint64_t s = expires > now ? expires - now : 0;
	if (!expires)
		snprintf(out, size, "forever");
	else if (s >= 86400)
		snprintf(out, size, "%" PRIu64 "d%02" PRIu64 "h left", s / 86400, s / 3600 % 24);
	else if (s >= 3600)
		snprintf(out, size, "%" PRIu64 "h%02" PRIu64 "m left", s / 3600, s / 60 % 60);
	else
		snprintf(out, size, "%" PRIu64 "m%02" PRIu64 "s left", s / 60, s % 60);
}

/* The ban layout the last apply chose (its marker chain; none, also with
 * no table yet: packet, the default). A ban follows what runs, not the
 * config its command line happened to read: the next apply renders the
 * config's own. */
static enum ban_check applied_check(struct nlset *s)
{
	bool found = false;
	return nlset_chain_exists(s, BANS_TABLE, BAN_CHECK_MARKER, &found) == 0 && found
		       ? BAN_CHECK_CONNECTION
		       : BAN_CHECK_PACKET;
}

/* Before a ban's element goes in, the prerouting chain must look up its
 * set (one dump of the chain's rules, a few hundred bytes). The chains
 * hook only while there is something to drop (render/nft_bans.c says
 * why), so the first ban finds none (nor, maybe, the table)
 * and hooks them, with the rules of every length in lens: no ban sits in
 * a set no hook reads. The first ban of a prefix length into hooked
 * chains brings its set and two rules (one transaction). */
static int chain_ensure(struct nlset *s, const struct router *r, const struct ban_lens *lens,
			const struct cidr *c, struct diags *d)
{
	char name[32], *script = NULL, *err = NULL;
	bool found = false;
	if (is_host(c))
		snprintf(name, sizeof(name), "blackhole%d", c->addr.family == AF_INET ? 4 : 6);
	else
		ban_set_name(c->addr.family, c->len, name, sizeof(name));
	int rc = nlset_chain_uses(s, BANS_TABLE, "prerouting", name, &found);
	if (rc < 0 && rc != -ENOENT) {
		diag_error(d, nopos, "netlink: cannot read the ban chain: %s", strerror(-rc));
		return rc;
	}
	if (found)
		return 0;
	/* an absent chain dumps as an empty one: ask for it */
	bool chain = false;
	if (rc == 0 && (rc = nlset_chain_exists(s, BANS_TABLE, "prerouting", &chain)) < 0) {
		diag_error(d, nopos, "netlink: cannot read the ban chain: %s", strerror(-rc));
		return rc;
	}
	if (!chain || is_host(c))
		return table_ensure(NULL, r, lens, applied_check(s), false, true, d);
	struct nft *n = nft_open();
	if (!n || !(script = render_nft_ban_len(applied_check(s), c->addr.family, c->len))) {
		rc = -ENOMEM;
		diag_error(d, nopos, "out of memory");
	} else if ((rc = nft_run(n, script, false, &err)) < 0 && rc != -ENOENT) {
		diag_error(d, nopos, "cannot add the set %s: %s", name, err ? err : "?");
	}
	free(err);
	free(script);
	nft_close(n);
	return rc;
}

/* Queue and commit one add (replacing `old` if not NULL); creates the
 * table first if the kernel has none (lens: the lengths to render). */
static int kernel_add(struct nlset *s, const struct router *r, const struct ban_lens *lens,
		      const struct cidr *c, const struct cidr *old, uint32_t secs, struct diags *d)
{
	char p[ADDR_STRLEN], b[32];
	bool table_made = false;
	int rc = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		rc = chain_ensure(s, r, lens, c, d);
		if (rc == 0 && old)
			rc = queue_del(s, old);
		if (rc == 0)
			rc = queue_add(s, c, (uint64_t)secs * 1000, true);
		if (rc == 0)
			rc = nlset_commit(s);
		else
			nlset_abort(s);
		if (rc != -ENOENT)
			break;
		if (old) {
			/* the element to replace is not in the kernel (a ban
			 * killed before its kernel step): just add */
			old = NULL;
			continue;
		}
		/* no ban table (first ban, or it was deleted): create it, retry */
		if (table_made)
			break;
		table_made = true;
		if ((rc = table_ensure(NULL, r, lens, applied_check(s), false, true, d)) < 0)
			return rc;
	}
	cidr_format(c, p, sizeof(p));
	if (rc == -EEXIST)
		diag_error(d, nopos, "%s is already in the kernel's set %s, added outside nftrouter "
				     "(`nftrouter unban %s` removes it)", p, set_of(c, b, sizeof(b)), p);
	else if (rc < 0 && !d->n_errors)
		diag_error(d, nopos, "the kernel refused the ban: %s", strerror(-rc));
	return rc;
}

/* Append one ban to the state file. A kill halfway leaves a cut last
 * line, which the next reader skips (the ban was not in the kernel yet). */
static int state_add_line(const char *state_dir, const struct ban *b, struct diags *d)
{
	struct ban_list one = {(struct ban *)b, 1};
	char *text = bans_state_format(&one), *line = text ? strchr(text, '\n') : NULL;
	int rc = line ? state_append(state_dir, "bans", line + 1, strlen(line + 1)) : -ENOMEM;
	if (rc < 0)
		diag_error(d, nopos, "cannot write %s/bans: %s", state_dir, strerror(-rc));
	free(text);
	return rc;
}

/* Refusals that need the system: the router's own addresses, and an
 * overlap with a ban of another length in the state file. Holds the
 * lock's caller's list l; *same is the ban of the same prefix, if any. */
static int add_refused(const struct router *r, const struct ban_list *l, const struct cidr *c,
		       struct ban **same, struct diags *d)
{
	struct ban_own own = {0};
	char p[ADDR_STRLEN], o[ADDR_STRLEN], left[48];
	int rc = ban_own_load(r, &own, d);
	if (rc == 0)
		rc = ban_own_check(&own, c, d);
	ban_own_free(&own);
	cidr_format(c, p, sizeof(p));
	*same = NULL;
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		if (l->v[i].prefix.addr.family != c->addr.family || !cidr_overlap(&l->v[i].prefix, c))
			continue;
		if (l->v[i].prefix.len == c->len) {
			*same = &l->v[i]; /* a new duration for the same ban */
			continue;
		}
		cidr_format(&l->v[i].prefix, o, sizeof(o));
		describe_left(l->v[i].expires, now_secs(), left, sizeof(left));
		diag_error(d, nopos, "%s is already banned by %s (%s)", p, o, left);
		rc = -EEXIST;
	}
	return rc;
}

/* The order that survives a kill -9 at any point: the state file first
 * (under the lock), then the kernel. Killed in between, the state names
 * a ban the kernel lacks, and the next apply or daemon start restores it
 * (the state file wins); never the other way round, which a reboot would
 * lose. A ban the kernel refuses is taken back out of the state file. */
int bans_add_nocut(const struct router *r, const char *state_dir, const struct cidr *req,
		   uint32_t secs, struct diags *d)
{
	struct ban_list l = {0};
	struct nlset *s = NULL;
	struct ban *same = NULL, prev = {0};
	struct cidr cc, *c = &cc;
	bool changed;
	int rc, lock = -1;
	/* the same refusals whoever calls (a library caller may not have parsed) */
	if ((rc = ban_prefix_check(req, NULL, c, d)) < 0)
		return rc;
	if ((rc = lock = bans_lock(state_dir, d)) < 0)
		goto out;
	if ((rc = state_load(state_dir, NULL, true, &l, &changed, d)) < 0)
		goto out;
	if ((rc = add_refused(r, &l, c, &same, d)) < 0)
		goto out;
	if (!(s = nlset_open())) {
		rc = -errno;
		diag_error(d, nopos, "netlink: %s", strerror(errno));
		goto out;
	}
	uint64_t now = now_secs(); /* the kernel's timer starts now, so does the state's */
	struct ban b = {.prefix = *c, .expires = secs ? now + secs : 0, .added = now};
	if (same) {
		prev = *same;
		*same = b;
	} else if ((rc = ban_list_push(&l, &b)) < 0) {
		diag_error(d, nopos, "out of memory");
		goto out;
	}
	/* A new ban is one line appended (one write, one fdatasync); a
	 * changed one, or a file to tidy, is a rewrite (rename, two syncs). */
	rc = same || changed ? state_save(state_dir, &l, d) : state_add_line(state_dir, &b, d);
	if (rc < 0)
		goto out; /* nothing in the kernel yet */
	struct ban_lens lens;
	lens_of(&l, &lens);
	if ((rc = kernel_add(s, r, &lens, c, same ? &prev.prefix : NULL, secs, d)) < 0) {
		if (same)
			*same = prev;
		else
			l.n--;
		if (state_save(state_dir, &l, d) < 0)
			diag_warn(d, nopos, "%s/bans still names the refused ban; the next apply "
					    "retries it", state_dir);
	}
out:
	nlset_close(s);
	ban_list_free(&l);
	if (lock >= 0)
		close(lock);
	return rc;
}

int bans_cut(const struct cidr *c, size_t *cut, struct diags *d)
{
	char p[ADDR_STRLEN];
	int rc = conntrack_cut(c, cut);
	if (rc < 0) {
		cidr_format(c, p, sizeof(p));
		diag_warn(d, nopos, "%s is banned, but its connections could not be cut: %s", p,
			  strerror(-rc));
	}
	return rc;
}

/* The last ban lifted: the chains stop hooking (what apply would render
 * now), unless blackhole.lists keep them: their rules are in the chain.
 * Best effort: a chain left hooked costs time, not safety. */
static void hook_release(struct nlset *s, struct diags *d)
{
	bool lists = false;
	struct diags quiet = DIAGS_INIT;
	if (nlset_chain_uses(s, BANS_TABLE, "prerouting", "blocklist4", &lists) < 0 || lists)
		return;
	if (table_ensure(NULL, NULL, NULL, applied_check(s), false, false, &quiet) < 0)
		diag_warn(d, nopos, "the ban chains stay hooked: %s", quiet.n ? quiet.v[0].msg : "?");
	diags_free(&quiet);
}

/* State first, then the kernel, as bans_add_nocut. Killed in between,
 * the kernel keeps the element until its timeout (or until `unban` is
 * run again); no reboot brings the lifted ban back. */
int bans_del(const char *state_dir, const struct cidr *c, struct diags *d)
{
	struct ban_list l = {0};
	struct nlset *s = NULL;
	struct ban gone = {0};
	char p[ADDR_STRLEN];
	bool changed, in_state = false;
	int rc, krc, lock = -1;
	cidr_format(c, p, sizeof(p));
	if ((rc = lock = bans_lock(state_dir, d)) < 0)
		goto out;
	if ((rc = state_load(state_dir, NULL, true, &l, &changed, d)) < 0)
		goto out;
	size_t o = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].prefix.addr.family == c->addr.family && l.v[i].prefix.len == c->len &&
		    addr_equal(&l.v[i].prefix.addr, &c->addr)) {
			in_state = true;
			gone = l.v[i];
		} else {
			l.v[o++] = l.v[i];
		}
	}
	l.n = o;
	if (!(s = nlset_open())) {
		rc = -errno;
		diag_error(d, nopos, "netlink: %s", strerror(errno));
		goto out;
	}
	if ((in_state || changed) && (rc = state_save(state_dir, &l, d)) < 0)
		goto out;
	if ((krc = queue_del(s, c)) == 0)
		krc = nlset_commit(s);
	if (krc < 0 && krc != -ENOENT) {
		rc = krc;
		diag_error(d, nopos, "the kernel refused the unban: %s", strerror(-krc));
		/* still in force: the state file says so again */
		if (in_state && ban_list_push(&l, &gone) == 0)
			(void)state_save(state_dir, &l, d);
	} else if (krc == -ENOENT && !in_state) {
		rc = -ENOENT;
		diag_error(d, nopos, "%s is not banned (unban takes the exact prefix; see `nftrouter bans`)",
			   p);
	} else if (l.n == 0) {
		hook_release(s, d);
	}
out:
	nlset_close(s);
	ban_list_free(&l);
	if (lock >= 0)
		close(lock);
	return rc;
}

static int ban_cmp(const void *a, const void *b)
{
	const struct ban *x = a, *y = b;
	if (x->prefix.addr.family != y->prefix.addr.family)
		return x->prefix.addr.family == AF_INET ? -1 : 1;
	int c = addr_cmp(&x->prefix.addr, &y->prefix.addr);
	return c ? c : x->prefix.len - y->prefix.len;
}

int bans_list(const char *state_dir, struct ban_list *out, struct diags *d)
{
	struct ban_list st = {0};
	struct nlset *s = nlset_open();
	uint64_t now = now_secs();
	bool changed;
	int rc = 0;
	out->v = NULL;
	out->n = 0;
	if (!s) {
		rc = -errno;
		diag_error(d, nopos, "netlink: %s", strerror(errno));
		goto out;
	}
	/* no lock: a read, and the file is replaced atomically */
	if ((rc = state_load(state_dir, NULL, false, &st, &changed, d)) < 0)
		goto out;
	/* every set a ban can be in: the address sets (len 32 / 128) and
	 * one per prefix length (absent ones answer ENOENT at once) */
	for (int k = 0; k < 33 + 129; k++) {
		struct nlset_elem *v = NULL;
		size_t n = 0;
		struct cidr c = {.addr.family = k < 33 ? AF_INET : AF_INET6, .len = k < 33 ? k : k - 33};
		char set[32];
		const char *name = set_of(&c, set, sizeof(set));
		rc = nlset_dump(s, BANS_TABLE, name, false, &v, &n);
		if (rc == -ENOENT) {
			rc = 0; /* no ban table or no such set: no bans there */
			continue;
		}
		if (rc < 0) {
			diag_error(d, nopos, "cannot read %s: %s", name, strerror(-rc));
			goto out;
		}
		for (size_t i = 0; i < n && rc == 0; i++) {
			struct ban b = {.prefix = v[i].prefix};
			b.prefix.len = c.len; /* a key of the set of that length */
			/* round up, so a ban never shows less time than it has */
			b.expires = v[i].expires_ms ? now + (v[i].expires_ms + 999) / 1000 : 0;
			for (size_t j = 0; j < st.n; j++)
				if (st.v[j].prefix.len == b.prefix.len &&
				    addr_equal(&st.v[j].prefix.addr, &b.prefix.addr))
					b.added = st.v[j].added;
			rc = ban_list_push(out, &b);
		}
		free(v);
		if (rc < 0) {
			diag_error(d, nopos, "out of memory");
			goto out;
		}
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), ban_cmp);
out:
	if (rc < 0)
		ban_list_free(out);
	ban_list_free(&st);
	nlset_close(s);
	return rc;
}

/* Put the persisted bans back with their remaining time. An add of a
 * ban the kernel still holds is a no-op (not exclusive), so this is cheap
 * on every re-apply and complete after a reboot. */
static void bans_restore(struct nlset *s, const struct ban_list *l, struct diags *d)
{
	uint64_t now = now_secs();
	int rc = 0;
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		uint64_t ms = l->v[i].expires ? (l->v[i].expires - now) * 1000 : 0;
		rc = queue_add(s, &l->v[i].prefix, ms, false);
	}
	rc = rc == 0 ? nlset_commit(s) : (nlset_abort(s), rc);
	/* one ban in the way must not cost all the others: retry one by one
	 * and name the ones refused */
	for (size_t i = 0; rc < 0 && i < l->n; i++) {
		char p[ADDR_STRLEN];
		uint64_t ms = l->v[i].expires ? (l->v[i].expires - now) * 1000 : 0;
		int e = queue_add(s, &l->v[i].prefix, ms, false);
		if (e == 0)
			e = nlset_commit(s);
		cidr_format(&l->v[i].prefix, p, sizeof(p));
		if (e < 0)
			diag_warn(d, nopos, "ban %s not restored: %s", p, strerror(-e));
	}
}

/* The state file, for a restore. It is untrusted input here: each line
 * passes the same checks as `ban` (and the router's own addresses), and
 * a bad line, or a file that cannot be read, costs a warning, never the
 * apply (a router that cannot apply boots without its firewall). */
static void restore_load(const struct router *r, const char *state_dir, struct ban_list *l,
			 struct diags *d)
{
	struct ban_own own = {0};
	struct diags od = DIAGS_INIT;
	bool changed;
	/* without the kernel's addresses, the config's still count */
	if (ban_own_load(r, &own, &od) < 0)
		diag_warn(d, nopos, "restoring bans without the kernel's address list: %s",
			  od.n ? od.v[0].msg : "?");
	diags_free(&od);
	if (state_load(state_dir, &own, true, l, &changed, d) < 0)
		diag_warn(d, nopos, "no bans restored from %s/bans", state_dir);
	else if (changed)
		(void)state_save(state_dir, l, d); /* expired ones dropped */
	ban_own_free(&own);
}

/* Sets of the interval layout before per-length sets (unreferenced once
 * the chains are rewritten; their bans are restored from the state file
 * into the new sets). Best effort: absent is the usual case. */
static void legacy_drop(struct nft *n, struct nlset *s)
{
	static const char *const old[] = {"blackhole4_nets", "blackhole6_nets"};
	for (size_t i = 0; i < 2; i++) {
		char cmd[96], *err = NULL;
		bool found = false;
		if (nlset_set_exists(s, BANS_TABLE, old[i], &found) < 0 || !found)
			continue;
		snprintf(cmd, sizeof(cmd), "delete set inet %s %s", BANS_TABLE, old[i]);
		(void)nft_run(n, cmd, false, &err);
		free(err);
	}
}

int bans_check(const struct router *r, const char *state_dir, struct diags *d)
{
	return blocklist_check(r, state_dir, d);
}

int bans_apply(struct nft *n, const struct router *r, const char *state_dir, struct diags *d)
{
	struct ban_list l = {0};
	struct ban_lens lens;
	struct nlset *s = NULL;
	/* the lock spans the chain rewrite: a `ban` of a new prefix length
	 * adds its rule under the same lock, and the rewrite must keep it */
	int rc, lock = bans_lock(state_dir, d);
	if (lock < 0)
		return lock;
	restore_load(r, state_dir, &l, d);
	lens_of(&l, &lens);
	/* hooked while the state dir names a ban or the config a list */
	if ((rc = table_ensure(n, r, &lens, r->blackhole.check, true,
			       l.n > 0 || r->blackhole.n_lists > 0, d)) < 0)
		goto out;
	if (!(s = nlset_open())) {
		rc = -errno;
		diag_error(d, nopos, "netlink: %s", strerror(errno));
		goto out;
	}
	if (n)
		legacy_drop(n, s);
	bans_restore(s, &l, d);
	close(lock);
	lock = -1;
	rc = blocklist_apply(s, r, state_dir, d);
out:
	nlset_close(s);
	ban_list_free(&l);
	if (lock >= 0)
		close(lock);
	return rc;
}

int bans_missing(const char *state_dir, size_t *saved, size_t *missing, struct diags *d)
{
	struct ban_list st = {0}, k = {0};
	bool changed;
	int rc = state_load(state_dir, NULL, false, &st, &changed, d);
	*saved = *missing = 0;
	if (rc == 0)
		rc = bans_list(state_dir, &k, d);
	for (size_t i = 0; rc == 0 && i < st.n; i++) {
		bool found = false;
		for (size_t j = 0; j < k.n && !found; j++)
			found = st.v[i].prefix.len == k.v[j].prefix.len &&
				addr_equal(&st.v[i].prefix.addr, &k.v[j].prefix.addr);
		*missing += !found;
	}
	*saved = st.n;
	ban_list_free(&st);
	ban_list_free(&k);
	return rc;
}
