/* A router from YAML text through the real parser and model_build, for
 * unit tests that need a model (named t.yaml in diagnostics). Include
 * after <cmocka.h>. static inline: a test uses one or both. */
#ifndef NFTROUTER_TESTS_ROUTER_TEXT_H
#define NFTROUTER_TESTS_ROUTER_TEXT_H

#include <stdio.h>
#include <string.h>

#include "config/tree.h"
#include "model/model.h"
#include "util/diag.h"

/* The router, or NULL with the diagnostics in d (a parse error too). */
static inline struct router *router_try_text(const char *text, struct diags *d)
{
	struct cfg_doc *doc = cfg_parse_buf("t.yaml", text, strlen(text), d);
	struct router *r = doc ? model_build(doc, d) : NULL;
	cfg_doc_free(doc);
	return r;
}

/* The router of a text that must be valid: else the test fails, with
 * the diagnostics printed. */
static inline struct router *router_from_text(const char *text)
{
	struct diags d = DIAGS_INIT;
	struct router *r = router_try_text(text, &d);
	if (!r)
		diags_print(&d, stderr);
	assert_non_null(r);
	diags_free(&d);
	return r;
}

#endif
