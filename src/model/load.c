/* The one way a config comes in (model.h: struct router_file). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/tree.h"
#include "model/model.h"
#include "util/sha256.h"

static struct router_file *router_file_build(const char *name, const char *origin, char *text,
					     size_t len, struct diags *d)
{
	struct router_file *f = calloc(1, sizeof(*f));
	struct cfg_doc *doc = NULL;
	if (!f || !(f->path = strdup(name))) {
		diag_error(d, (struct pos){name, 0, 0}, "out of memory");
		free(f);
		free(text);
		return NULL;
	}
	f->text = text;
	f->len = len;
	doc = cfg_parse_buf(name, text, len, d);
	if (doc)
		f->r = model_build_from(doc, origin ? origin : name, d);
	cfg_doc_free(doc);
	if (!f->r) {
		router_file_free(f);
		return NULL;
	}
	sha256_hex(text, len, f->hash);
	return f;
}

struct router_file *router_file_load(const char *path, struct diags *d)
{
	char *text = NULL;
	size_t len = 0;
	if (cfg_read_file(path, &text, &len, d) < 0)
		return NULL;
	return router_file_build(path, NULL, text, len, d);
}

struct router_file *router_file_parse(const char *name, const char *origin, const char *text,
				      size_t len, struct diags *d)
{
	char *copy = malloc(len + 1);
	if (!copy) {
		diag_error(d, (struct pos){name, 0, 0}, "out of memory");
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	return router_file_build(name, origin, copy, len, d);
}

struct router *router_file_steal(struct router_file *f)
{
	if (!f)
		return NULL;
	struct router *r = f->r;
	f->r = NULL;
	router_file_free(f);
	return r;
}

void router_file_free(struct router_file *f)
{
	if (!f)
		return;
	router_free(f->r);
	free(f->text);
	free(f->path);
	free(f);
}
