/* The config stage: YAML text to a syntax tree in which every node knows
 * where it came from. Nothing here knows what router.yaml means; that is
 * the model stage's job. */
#ifndef NFTROUTER_TREE_H
#define NFTROUTER_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/diag.h"

/* Limits that keep a hostile file from costing much. */
#define CFG_MAX_BYTES (1024 * 1024)
#define CFG_MAX_DEPTH 32

enum cfg_kind { CFG_SCALAR, CFG_MAP, CFG_SEQ };

struct cfg_node {
	enum cfg_kind kind;
	struct pos pos;        /* of the node's first character */
	char *str;             /* CFG_SCALAR: the value, NUL-terminated, valid UTF-8 */
	size_t len;            /* CFG_SCALAR: byte length (a value may hold a NUL) */
	bool quoted;           /* CFG_SCALAR: written '...' or "..." */
	size_t n;              /* CFG_MAP: pairs; CFG_SEQ: items */
	struct cfg_node **key; /* CFG_MAP: n scalar keys, in file order */
	struct cfg_node **val; /* CFG_MAP: n values; CFG_SEQ: n items */
};

struct cfg_doc {
	char *file;            /* the name used in every position */
	struct cfg_node *root; /* NULL for an empty document */
};

/* Read a config file once: refused (an error in d, -errno) when it is a
 * directory, owned by neither root nor the caller, writable by everyone,
 * or larger than CFG_MAX_BYTES. *text is malloc'd and NUL-terminated;
 * *len excludes that NUL. The model's router_file_load() is the one
 * caller; it parses exactly these bytes. */
int cfg_read_file(const char *path, char **text, size_t *len, struct diags *d);

/* Parse a buffer; name is what every position names. On a syntax error,
 * fills d and returns NULL. Rejects duplicate keys, non-scalar keys,
 * aliases, nesting deeper than CFG_MAX_DEPTH, more than CFG_MAX_BYTES,
 * and multiple documents. */
struct cfg_doc *cfg_parse_buf(const char *name, const char *text, size_t len, struct diags *d);
void cfg_doc_free(struct cfg_doc *doc);

/* The value under key in a map, or NULL. */
const struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *key);
const char *cfg_kind_name(enum cfg_kind kind);

#endif
