/* YAML to syntax tree with libyaml's event API. The event API (rather
 * than yaml_parser_load) lets us see each key as it arrives, so duplicate
 * keys and aliases are rejected with the position of the offender. */
#include "config/tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

struct parse_ctx {
	yaml_parser_t parser;
	struct cfg_doc *doc;
	struct diags *d;
	const char *text;
	size_t len;
};

static struct pos mark_pos(const struct parse_ctx *c, yaml_mark_t m)
{
	return (struct pos){c->doc->file, (int)m.line + 1, (int)m.column + 1};
}

static void node_free(struct cfg_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->key)
			node_free(n->key[i]);
		node_free(n->val[i]);
	}
	free(n->key);
	free(n->val);
	free(n->str);
	free(n);
}

/* libyaml's messages are terse; name the usual culprits plainly. */
static void report_yaml_error(struct parse_ctx *c)
{
	yaml_parser_t *p = &c->parser;
	yaml_mark_t m = p->problem_mark;
	struct pos pos = mark_pos(c, m);
	if (p->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a line: count lines. */
		size_t off = p->problem_offset < c->len ? p->problem_offset : c->len;
		int line = 1, col = 1;
		for (size_t i = 0; i < off; i++) {
			if (c->text[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		pos.line = line;
		pos.col = col;
		diag_error(c->d, pos, "invalid text: %s (the file must be UTF-8)",
			   p->problem ? p->problem : "unreadable");
		return;
	}
	if (m.index < c->len && c->text[m.index] == '\t') {
		diag_error(c->d, pos, "tab character: YAML indents with spaces only");
		return;
	}
	const char *problem = p->problem ? p->problem : "error";
	if (!p->context) {
		diag_error(c->d, pos, "YAML syntax: %s", problem);
		return;
	}
	/* libyaml finds an unclosed quote where the file ends; the quote
	 * itself is what the user must fix. */
	struct pos start = mark_pos(c, p->context_mark);
	if (strstr(p->context, "quoted scalar")) {
		diag_error(c->d, start, "YAML syntax: this quote is never closed (%s %s)", problem,
			   p->context);
		return;
	}
	diag_error(c->d, pos, "YAML syntax: %s %s (opened at line %d, column %d)", problem,
		   p->context, start.line, start.col);
}

static bool next_event(struct parse_ctx *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&c->parser, ev)) {
		report_yaml_error(c);
		return false;
	}
	return true;
}

static struct cfg_node *node_new(struct parse_ctx *c, enum cfg_kind kind, yaml_mark_t m)
{
	struct cfg_node *n = calloc(1, sizeof(*n));
	if (!n) {
		diag_error(c->d, mark_pos(c, m), "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->pos = mark_pos(c, m);
	return n;
}

static int node_push(struct parse_ctx *c, struct cfg_node *parent, struct cfg_node *key,
		     struct cfg_node *val)
{
	struct cfg_node **v = realloc(parent->val, (parent->n + 1) * sizeof(*v));
	if (!v)
		goto oom;
	parent->val = v;
	if (parent->kind == CFG_MAP) {
		struct cfg_node **k = realloc(parent->key, (parent->n + 1) * sizeof(*k));
		if (!k)
			goto oom;
		parent->key = k;
		parent->key[parent->n] = key;
	}
	parent->val[parent->n++] = val;
	return 0;
oom:
	diag_error(c->d, val->pos, "out of memory");
	return -ENOMEM;
}

static struct cfg_node *parse_node(struct parse_ctx *c, yaml_event_t *ev, int depth);

/* The keys of one map, for the duplicate check: open addressing over
 * indexes into the map's key array, so a map with many keys costs linear
 * time, not quadratic (a hostile 1 MiB file can hold 100k keys). */
struct keyset {
	size_t *slot; /* index + 1 into map->key; 0 = empty */
	size_t cap;   /* a power of two */
	size_t n;
};

static size_t key_hash(const char *s)
{
	size_t h = 14695981039346656037u & SIZE_MAX;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (sizeof(size_t) > 4 ? 1099511628211u : 16777619u);
	return h;
}

static bool keyset_find(const struct keyset *ks, const struct cfg_node *map, const char *key,
			size_t *idx)
{
	if (!ks->cap)
		return false;
	for (size_t i = key_hash(key) & (ks->cap - 1);; i = (i + 1) & (ks->cap - 1)) {
		if (!ks->slot[i])
			return false;
		if (strcmp(map->key[ks->slot[i] - 1]->str, key) == 0) {
			*idx = ks->slot[i] - 1;
			return true;
		}
	}
}

static void keyset_put(struct keyset *ks, const struct cfg_node *map, size_t idx)
{
	size_t i = key_hash(map->key[idx]->str) & (ks->cap - 1);
	while (ks->slot[i])
		i = (i + 1) & (ks->cap - 1);
	ks->slot[i] = idx + 1;
	ks->n++;
}

static int keyset_add(struct keyset *ks, const struct cfg_node *map, size_t idx)
{
	if ((ks->n + 1) * 2 > ks->cap) {
		struct keyset bigger = {NULL, ks->cap ? ks->cap * 2 : 16, 0};
		bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot));
		if (!bigger.slot)
			return -ENOMEM;
		for (size_t i = 0; i < idx; i++)
			keyset_put(&bigger, map, i);
		free(ks->slot);
		*ks = bigger;
	}
	keyset_put(ks, map, idx);
	return 0;
}


static struct cfg_node *parse_scalar(struct parse_ctx *c, yaml_event_t *ev)
{
	struct cfg_node *n = node_new(c, CFG_SCALAR, ev->start_mark);
	if (!n)
		return NULL;
	size_t len = ev->data.scalar.length;
	n->str = malloc(len + 1);
	if (!n->str) {
		diag_error(c->d, n->pos, "out of memory");
		free(n);
		return NULL;
	}
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	n->len = len;
	n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	return n;
}

/* Reads events up to the end of the current collection. The caller owns
 * *ev (the start event); this function deletes the events it reads. */
static struct cfg_node *parse_collection(struct parse_ctx *c, yaml_event_t *start, int depth)
{
	bool is_map = start->type == YAML_MAPPING_START_EVENT;
	yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
	struct cfg_node *n = node_new(c, is_map ? CFG_MAP : CFG_SEQ, start->start_mark);
	struct keyset ks = {NULL, 0, 0};
	if (!n)
		return NULL;
	if (depth > CFG_MAX_DEPTH) {
		diag_error(c->d, n->pos, "nested deeper than %d levels", CFG_MAX_DEPTH);
		goto fail;
	}
	for (;;) {
		yaml_event_t ev;
		if (!next_event(c, &ev))
			goto fail;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			free(ks.slot);
			return n;
		}
		struct cfg_node *key = NULL;
		if (is_map) {
			if (ev.type != YAML_SCALAR_EVENT) {
				diag_error(c->d, mark_pos(c, ev.start_mark),
					   "a key must be a plain name, not a %s",
					   ev.type == YAML_ALIAS_EVENT ? "alias" : "list or map");
				yaml_event_delete(&ev);
				goto fail;
			}
			key = parse_scalar(c, &ev);
			yaml_event_delete(&ev);
			if (!key)
				goto fail;
			size_t first;
			if (keyset_find(&ks, n, key->str, &first)) {
				char shown[64];
				diag_quote(shown, sizeof(shown), key->str, key->len);
				diag_error(c->d, key->pos, "duplicate key '%s' (first at line %d)",
					   shown, n->key[first]->pos.line);
				node_free(key);
				goto fail;
			}
			if (!next_event(c, &ev)) {
				node_free(key);
				goto fail;
			}
		}
		struct cfg_node *val = parse_node(c, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!val || node_push(c, n, key, val) < 0) {
			node_free(key);
			node_free(val);
			goto fail;
		}
		if (is_map && keyset_add(&ks, n, n->n - 1) < 0) {
			diag_error(c->d, n->key[n->n - 1]->pos, "out of memory");
			goto fail;
		}
	}
fail:
	free(ks.slot);
	node_free(n);
	return NULL;
}

static struct cfg_node *parse_node(struct parse_ctx *c, yaml_event_t *ev, int depth)
{
	if (ev->type == YAML_ALIAS_EVENT) {
		/* Aliases would let a small file expand to a huge tree. */
		diag_error(c->d, mark_pos(c, ev->start_mark),
			   "YAML aliases (*name) are not supported in router.yaml");
		return NULL;
	}
	if ((ev->type == YAML_SCALAR_EVENT && ev->data.scalar.anchor) ||
	    (ev->type == YAML_MAPPING_START_EVENT && ev->data.mapping_start.anchor) ||
	    (ev->type == YAML_SEQUENCE_START_EVENT && ev->data.sequence_start.anchor)) {
		diag_error(c->d, mark_pos(c, ev->start_mark),
			   "YAML anchors (&name) are not supported in router.yaml");
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return parse_scalar(c, ev);
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		return parse_collection(c, ev, depth);
	default:
		diag_error(c->d, mark_pos(c, ev->start_mark), "unexpected YAML event");
		return NULL;
	}
}

/* stream-start, document-start, node, document-end, stream-end. */
static int parse_stream(struct parse_ctx *c)
{
	yaml_event_t ev;
	int rc = -EINVAL;
	if (!next_event(c, &ev))
		return rc;
	yaml_event_delete(&ev); /* STREAM_START */
	if (!next_event(c, &ev))
		return rc;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 0; /* empty file: root stays NULL */
	}
	yaml_event_delete(&ev); /* DOCUMENT_START */
	if (!next_event(c, &ev))
		return rc;
	c->doc->root = parse_node(c, &ev, 1);
	yaml_event_delete(&ev);
	if (!c->doc->root)
		return rc;
	if (!next_event(c, &ev))
		return rc;
	yaml_event_delete(&ev); /* DOCUMENT_END */
	if (!next_event(c, &ev))
		return rc;
	if (ev.type != YAML_STREAM_END_EVENT) {
		diag_error(c->d, mark_pos(c, ev.start_mark),
			   "more than one YAML document; router.yaml holds one");
		yaml_event_delete(&ev);
		return rc;
	}
	yaml_event_delete(&ev);
	return 0;
}

/* Offset of the first byte that is not part of valid UTF-8 (shortest
 * form, no surrogates, at most U+10FFFF), or len. libyaml checks scalars
 * but skips over comments unchecked. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned long cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

static struct pos offset_pos(const char *file, const char *text, size_t off)
{
	struct pos p = {file, 1, 1};
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			p.line++;
			p.col = 1;
		} else {
			p.col++;
		}
	}
	return p;
}

struct cfg_doc *cfg_parse_buf(const char *name, const char *text, size_t len, struct diags *d)
{
	struct parse_ctx c = {.d = d, .text = text, .len = len};
	c.doc = calloc(1, sizeof(*c.doc));
	if (!c.doc || !(c.doc->file = strdup(name))) {
		diag_error(d, (struct pos){name, 0, 0}, "out of memory");
		free(c.doc);
		return NULL;
	}
	if (len > CFG_MAX_BYTES) {
		diag_error(d, (struct pos){name, 0, 0}, "file is %zu bytes; the limit is %d", len,
			   CFG_MAX_BYTES);
		cfg_doc_free(c.doc);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		size_t off = (size_t)((const char *)memchr(text, '\0', len) - text);
		int line = 1;
		for (size_t i = 0; i < off; i++)
			line += text[i] == '\n';
		diag_error(d, (struct pos){c.doc->file, line, 1}, "NUL byte in the file");
		cfg_doc_free(c.doc);
		return NULL;
	}
	size_t bad = utf8_invalid_at((const unsigned char *)text, len);
	if (bad < len) {
		diag_error(d, offset_pos(c.doc->file, text, bad),
			   "invalid UTF-8 byte 0x%02x (the file must be UTF-8)",
			   (unsigned char)text[bad]);
		cfg_doc_free(c.doc);
		return NULL;
	}
	if (!yaml_parser_initialize(&c.parser)) {
		diag_error(d, (struct pos){name, 0, 0}, "out of memory");
		cfg_doc_free(c.doc);
		return NULL;
	}
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&c.parser, YAML_UTF8_ENCODING);
	int rc = parse_stream(&c);
	yaml_parser_delete(&c.parser);
	if (rc < 0) {
		cfg_doc_free(c.doc);
		return NULL;
	}
	return c.doc;
}

/* Who may have written the file: the firewall obeys it, so like pfctl's
 * check_file_secrecy() and OpenSSH's StrictModes a file another user owns
 * or anybody may write is refused. A group-writable file is accepted: a
 * checkout made under umask 002 is one, and its group is the owner's
 * choice. A pipe or /dev/stdin has no such owner: only regular files are
 * checked. */
static int file_trusted(const struct stat *st, const char *path, struct diags *d)
{
	struct pos at = {path, 0, 0};
	if (S_ISDIR(st->st_mode)) {
		diag_error(d, at, "is a directory, not a config file");
		return -EISDIR;
	}
	if (!S_ISREG(st->st_mode))
		return 0;
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		diag_error(d, at, "owned by uid %u, neither root nor you; refusing it",
			   (unsigned)st->st_uid);
		return -EPERM;
	}
	if (st->st_mode & S_IWOTH) {
		diag_error(d, at, "writable by everyone; refusing it (chmod o-w %s)", path);
		return -EPERM;
	}
	return 0;
}

int cfg_read_file(const char *path, char **textp, size_t *lenp, struct diags *d)
{
	struct pos at = {path, 0, 0};
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc = 0;
	*textp = NULL;
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = -errno;
		diag_error(d, at, "cannot open: %s", strerror(-rc));
		goto out;
	}
	/* Checked on the open file, so what is checked is what is read. */
	if ((rc = file_trusted(&st, path, d)) < 0)
		goto out;
	/* Read one byte past the limit so "too large" is detected without
	 * trusting st_size (a pipe or /proc file has none). */
	size_t cap = CFG_MAX_BYTES + 1, len = 0;
	char *text = malloc(cap + 1);
	if (!text) {
		rc = -ENOMEM;
		diag_error(d, at, "out of memory");
		goto out;
	}
	while (len < cap) {
		ssize_t got = read(fd, text + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? -errno : 0;
			break;
		}
		len += (size_t)got;
	}
	if (rc < 0)
		diag_error(d, at, "read error: %s", strerror(-rc));
	else if (len > CFG_MAX_BYTES)
		diag_error(d, at, "file is larger than %d bytes", CFG_MAX_BYTES);
	if (rc < 0 || len > CFG_MAX_BYTES) {
		free(text);
		rc = rc < 0 ? rc : -EFBIG;
		goto out;
	}
	text[len] = '\0';
	*textp = text;
	*lenp = len;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

void cfg_doc_free(struct cfg_doc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	free(doc->file);
	free(doc);
}

const struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *key)
{
	if (!map || map->kind != CFG_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->key[i]->str, key) == 0)
			return map->val[i];
	return NULL;
}

const char *cfg_kind_name(enum cfg_kind kind)
{
	switch (kind) {
	case CFG_SCALAR:
		return "a scalar";
	case CFG_MAP:
		return "a map";
	case CFG_SEQ:
		return "a list";
	}
	return "?";
}
