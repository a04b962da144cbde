/* Typed getters over the syntax tree. Every error names what was
 * expected and what was found, at the position of the found value. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"
#include "util/addr.h"

struct pos model_pos(const struct router *r, const struct cfg_node *n)
{
	return (struct pos){r->file, n->pos.line, n->pos.col};
}

const char *what_join(char *out, const char *what, const char *key)
{
	size_t n = strlen(what);
	if (n > WHAT_MAX - 1)
		n = WHAT_MAX - 1;
	memmove(out, what, n);
	snprintf(out + n, WHAT_MAX - n, ": %s", key);
	return out;
}

bool node_is_null(const struct cfg_node *n)
{
	if (!n)
		return true;
	if (n->kind != CFG_SCALAR || n->quoted)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0;
}

const char *node_kind(const struct cfg_node *n)
{
	if (node_is_null(n))
		return "nothing";
	if (n->kind == CFG_SCALAR)
		return "a string";
	return cfg_kind_name(n->kind);
}

const char *node_show(const struct cfg_node *n, struct shown *out)
{
	if (!n || n->kind != CFG_SCALAR)
		return diag_quote(out->s, sizeof(out->s), "", 0);
	return diag_quote(out->s, sizeof(out->s), n->str, n->len);
}

static bool expect_kind(struct diags *d, const struct cfg_node *n, enum cfg_kind k,
			const char *what)
{
	if (n && n->kind == k && !(k == CFG_SCALAR && node_is_null(n)))
		return true;
	if (n)
		diag_error(d, n->pos, "%s: expected %s, got %s", what,
			   k == CFG_SCALAR ? "a value" : cfg_kind_name(k), node_kind(n));
	return false;
}

bool expect_map(struct diags *d, const struct cfg_node *n, const char *what)
{
	return expect_kind(d, n, CFG_MAP, what);
}

bool expect_seq(struct diags *d, const struct cfg_node *n, const char *what)
{
	return expect_kind(d, n, CFG_SEQ, what);
}

const char *expect_str(struct diags *d, const struct cfg_node *n, const char *what)
{
	if (!expect_kind(d, n, CFG_SCALAR, what))
		return NULL;
	if (strlen(n->str) != n->len) {
		diag_error(d, n->pos, "%s: contains a NUL character", what);
		return NULL;
	}
	return n->str;
}

int expect_bool(struct diags *d, const struct cfg_node *n, const char *what, bool *out)
{
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	if (strcmp(s, "true") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(s, "false") == 0) {
		*out = false;
		return 0;
	}
	struct shown v;
	diag_error(d, n->pos, "%s: expected true or false, got '%s'", what, node_show(n, &v));
	return -EINVAL;
}

/* 1 to 10 digits, no sign, no leading zero: what a YAML reader takes for
 * a number and nothing else (no 0x, no octal, no " 1"). */
int decimal_parse(const char *s, unsigned long *out)
{
	unsigned long v = 0;
	size_t len = strlen(s);
	bool ok = len > 0 && len <= 10 && !(len > 1 && s[0] == '0');
	for (size_t i = 0; ok && i < len; i++) {
		ok = isdigit((unsigned char)s[i]);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (!ok)
		return -EINVAL;
	*out = v;
	return 0;
}

int expect_uint(struct diags *d, const struct cfg_node *n, const char *what, unsigned long lo,
		unsigned long hi, unsigned long *out)
{
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	unsigned long v = 0;
	if (decimal_parse(s, &v) == 0 && v >= lo && v <= hi) {
		*out = v;
		return 0;
	}
	struct shown sh;
	diag_error(d, n->pos, "%s: expected a number %lu..%lu, got '%s'", what, lo, hi,
		   node_show(n, &sh));
	return -EINVAL;
}

int expect_duration(struct diags *d, const struct cfg_node *n, const char *what, uint32_t *out)
{
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	if (duration_parse(s, out) == 0)
		return 0;
	struct shown sh;
	diag_error(d, n->pos,
		   "%s: malformed duration '%s' (a number with unit s, m, h or d, e.g. 30s, "
		   "10m, 1h, 1d)",
		   what, node_show(n, &sh));
	return -EINVAL;
}

/* How a forbidden character is called in a message. */
static void char_name(unsigned char c, char *out, size_t size)
{
	static const struct {
		unsigned char c;
		const char *name;
	} names[] = {
	    {'"', "a double quote (\")"},
	    {'\'', "a single quote (')"},
	    {'\n', "a newline"},
	    {'\r', "a carriage return"},
	    {'\t', "a tab"},
	    {';', "a semicolon (;)"},
	    {'{', "a brace ({)"},
	    {'}', "a brace (})"},
	    {'#', "a hash (#)"},
	    {'\\', "a backslash (\\)"},
	    {'`', "a backquote (`)"},
	    {'$', "a dollar sign ($)"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].c == c) {
			snprintf(out, size, "%s", names[i].name);
			return;
		}
	}
	if (c >= 0x80)
		snprintf(out, size, "a non-ASCII byte (0x%02x)", c);
	else
		snprintf(out, size, "a control character (0x%02x)", c);
}

int expect_safe_text(struct diags *d, const struct cfg_node *n, const char *what)
{
	return expect_safe_text_but(d, n, what, "");
}

int expect_safe_text_but(struct diags *d, const struct cfg_node *n, const char *what,
			 const char *ok)
{
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f && (!strchr("\"';{}#\\`$", *p) || strchr(ok, *p)))
			continue;
		char name[48];
		char_name(*p, name, sizeof(name));
		diag_error(d, n->pos,
			   "%s: contains %s, which could break out of the generated nftables or "
			   "dnsmasq text; not allowed",
			   what, name);
		return -EINVAL;
	}
	return 0;
}

/* Edit distance (insert, delete, substitute, swap of neighbours), for
 * keys of at most KEY_NEAR_MAX bytes. */
#define KEY_NEAR_MAX 32

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[3][KEY_NEAR_MAX + 1]; /* rows i-2, i-1, i */
	for (size_t j = 0; j <= lb; j++)
		row[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *cur = row[i % 3], *prev = row[(i + 2) % 3], *prev2 = row[(i + 1) % 3];
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
	}
	return row[la % 3][lb];
}

/* The allowed key a typo most likely meant: within 2 edits (1 for short
 * keys), and the only one that close. */
static const char *nearest_key(const char *key, const char *const *allowed)
{
	const char *best = NULL;
	size_t best_d = 3, ties = 0;
	if (strlen(key) > KEY_NEAR_MAX)
		return NULL;
	for (size_t k = 0; allowed[k]; k++) {
		if (strlen(allowed[k]) > KEY_NEAR_MAX)
			continue;
		size_t dist = edit_distance(key, allowed[k]);
		size_t limit = strlen(allowed[k]) <= 4 ? 1 : 2;
		if (dist > limit || dist > best_d)
			continue;
		ties = dist == best_d ? ties + 1 : 0;
		best_d = dist;
		best = allowed[k];
	}
	return ties ? NULL : best;
}

/* A typo gets its own message; a file of thousands of junk keys gets a
 * few and a count, not megabytes of errors. */
#define UNKNOWN_KEYS_SHOWN 20

static size_t unknown_count(const struct cfg_node *map, const char *const *allowed)
{
	size_t count = 0;
	for (size_t i = 0; i < map->n; i++) {
		size_t k = 0;
		while (allowed[k] && strcmp(allowed[k], map->key[i]->str) != 0)
			k++;
		count += !allowed[k];
	}
	return count;
}

int check_keys(struct diags *d, const struct cfg_node *map, const char *const *allowed,
	       const char *what)
{
	int bad = 0;
	for (size_t i = 0; map && map->kind == CFG_MAP && i < map->n; i++) {
		size_t k = 0;
		while (allowed[k] && strcmp(allowed[k], map->key[i]->str) != 0)
			k++;
		if (allowed[k])
			continue;
		if (++bad > UNKNOWN_KEYS_SHOWN) {
			bad = UNKNOWN_KEYS_SHOWN;
			diag_error(d, map->key[i]->pos,
				   "%s: more unknown keys (%zu in all); not listing "
				   "them all",
				   what, unknown_count(map, allowed));
			break;
		}
		char list[256] = "";
		size_t len = 0;
		for (k = 0; allowed[k] && len < sizeof(list); k++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						k ? ", " : "", allowed[k]);
		struct shown sh;
		const char *near = nearest_key(map->key[i]->str, allowed);
		if (near)
			diag_error(d, map->key[i]->pos,
				   "%s: unknown key '%s'; did you mean '%s'? (allowed: %s)", what,
				   node_show(map->key[i], &sh), near, list);
		else
			diag_error(d, map->key[i]->pos, "%s: unknown key '%s' (allowed: %s)", what,
				   node_show(map->key[i], &sh), list);
	}
	return bad;
}

bool within_limit(struct diags *d, const struct cfg_node *n, size_t max, const char *what)
{
	size_t count = n->kind == CFG_SCALAR ? 1 : n->n;
	if (count <= max)
		return true;
	diag_error(d, n->pos, "%s: %zu entries; at most %zu", what, count, max);
	return false;
}

const struct cfg_node *require_key(struct diags *d, const struct cfg_node *map, const char *key,
				   struct pos at, const char *what)
{
	const struct cfg_node *v = cfg_map_get(map, key);
	if (!v)
		diag_error(d, at, "%s: missing '%s'", what, key);
	return v;
}

int parse_portrange(const char *s, struct portrange *out)
{
	char lo[8], hi[8];
	const char *dash = strchr(s, '-');
	if (!dash) {
		if (port_parse(s, &out->lo) < 0)
			return -EINVAL;
		out->hi = out->lo;
		return 0;
	}
	size_t a = (size_t)(dash - s), b = strlen(dash + 1);
	if (a == 0 || a >= sizeof(lo) || b == 0 || b >= sizeof(hi))
		return -EINVAL;
	memcpy(lo, s, a);
	lo[a] = '\0';
	memcpy(hi, dash + 1, b + 1);
	if (port_parse(lo, &out->lo) < 0 || port_parse(hi, &out->hi) < 0 || out->lo > out->hi)
		return -EINVAL;
	return 0;
}

static int port_item(struct diags *d, const struct cfg_node *n, const char *what,
		     struct portrange *out)
{
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	if (parse_portrange(s, out) == 0)
		return 0;
	struct shown sh;
	diag_error(d, n->pos, "%s: malformed port '%s' (1-65535, or a range A-B with A <= B%s)",
		   what, node_show(n, &sh),
		   strchr(s, ',') ? "; several ports: a list [22, 80]" : "");
	return -EINVAL;
}

int expect_ports(struct diags *d, const struct cfg_node *n, const char *what, struct ports *out)
{
	*out = (struct ports){NULL, 0};
	if (n->kind == CFG_MAP || node_is_null(n)) {
		diag_error(d, n->pos, "%s: expected a port, a range or a list of them, got %s",
			   what, node_kind(n));
		return -EINVAL;
	}
	size_t count = n->kind == CFG_SEQ ? n->n : 1;
	if (!within_limit(d, n, MAX_LIST, what))
		return -EINVAL;
	if (count == 0) {
		diag_error(d, n->pos, "%s: empty list of ports", what);
		return -EINVAL;
	}
	out->v = calloc(count, sizeof(*out->v));
	if (!out->v) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	int rc = 0;
	for (size_t i = 0; i < count; i++) {
		const struct cfg_node *item = n->kind == CFG_SEQ ? n->val[i] : n;
		if (port_item(d, item, what, &out->v[out->n]) < 0)
			rc = -EINVAL;
		else
			out->n++;
	}
	return rc;
}
