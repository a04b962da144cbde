/* The config stage: YAML to tree, positions 1-based, and every way a
 * file is refused (each with its position). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/tree.h"

static struct cfg_doc *parse(const char *text, struct diags *d)
{
	return cfg_parse_buf("t.yaml", text, strlen(text), d);
}

/* The single error of a refused text: "LINE:COL: MSG" for comparison. */
static void assert_refused(const char *text, size_t len, int line, int col, const char *msg_part)
{
	struct diags d = DIAGS_INIT;
	struct cfg_doc *doc = cfg_parse_buf("t.yaml", text, len, &d);
	assert_null(doc);
	assert_int_equal(d.n_errors, 1);
	if (!strstr(d.v[0].msg, msg_part))
		fail_msg("message '%s' lacks '%s'", d.v[0].msg, msg_part);
	assert_int_equal(d.v[0].pos.line, line);
	assert_int_equal(d.v[0].pos.col, col);
	assert_string_equal(d.v[0].file, "t.yaml");
	diags_free(&d);
}

static void test_positions(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct cfg_doc *doc = parse("a: 1\nlist:\n  - x\n  - { k: 'v' }\n", &d);
	assert_non_null(doc);
	assert_int_equal(d.n, 0);
	const struct cfg_node *root = doc->root;
	assert_int_equal(root->kind, CFG_MAP);
	assert_int_equal(root->n, 2);
	assert_int_equal(root->key[0]->pos.line, 1);
	assert_int_equal(root->key[0]->pos.col, 1);
	assert_int_equal(root->val[0]->pos.col, 4);
	const struct cfg_node *list = cfg_map_get(root, "list");
	assert_non_null(list);
	assert_int_equal(list->kind, CFG_SEQ);
	assert_int_equal(list->n, 2);
	assert_int_equal(list->val[0]->pos.line, 3);
	assert_int_equal(list->val[0]->pos.col, 5);
	assert_string_equal(list->val[0]->str, "x");
	assert_false(list->val[0]->quoted);
	const struct cfg_node *v = cfg_map_get(list->val[1], "k");
	assert_non_null(v);
	assert_true(v->quoted);
	assert_int_equal(v->pos.line, 4);
	assert_int_equal(v->pos.col, 10); /* the opening quote */
	assert_null(cfg_map_get(root, "missing"));
	assert_null(cfg_map_get(list, "x"));
	cfg_doc_free(doc);
}

static void test_empty(void **state)
{
	(void)state;
	static const char *const empties[] = {"", "# only a comment\n", "\n\n"};
	for (size_t i = 0; i < 3; i++) {
		struct diags d = DIAGS_INIT;
		struct cfg_doc *doc = parse(empties[i], &d);
		assert_non_null(doc);
		assert_null(doc->root);
		assert_int_equal(d.n, 0);
		cfg_doc_free(doc);
	}
}

static void test_duplicate_key(void **state)
{
	(void)state;
	const char *t = "a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n";
	assert_refused(t, strlen(t), 5, 3, "duplicate key 'x' (first at line 3)");
}

static void test_tab(void **state)
{
	(void)state;
	const char *t = "a:\n\tb: 1\n";
	assert_refused(t, strlen(t), 2, 1, "tab character");
}

static void test_alias_anchor(void **state)
{
	(void)state;
	const char *t = "a: &x 1\nb: 2\n";
	assert_refused(t, strlen(t), 1, 4, "anchors");
	t = "a: 1\nb: *x\n";
	assert_refused(t, strlen(t), 2, 4, "aliases");
}

static void test_depth(void **state)
{
	(void)state;
	char t[200];
	memset(t, '[', 40);
	memset(t + 40, ']', 40);
	t[80] = '\0';
	assert_refused(t, strlen(t), 1, CFG_MAX_DEPTH + 1, "nested deeper than 32");
	/* 31 levels of lists under the root is fine. */
	memset(t, '[', 32);
	memset(t + 32, ']', 32);
	t[64] = '\0';
	struct diags d = DIAGS_INIT;
	struct cfg_doc *doc = parse(t, &d);
	assert_non_null(doc);
	cfg_doc_free(doc);
}

static void test_nul(void **state)
{
	(void)state;
	const char t[] = "a: 1\nb: x\0y\n";
	assert_refused(t, sizeof(t) - 1, 2, 1, "NUL byte");
}

static void test_utf8(void **state)
{
	(void)state;
	assert_refused("a: 1\n# caf\xe9\n", 12, 2, 6, "invalid UTF-8 byte 0xe9");
	assert_refused("a: \xc0\xaf\n", 6, 1, 4, "invalid UTF-8 byte 0xc0");	 /* overlong */
	assert_refused("a: \xed\xa0\x80\n", 7, 1, 4, "invalid UTF-8 byte 0xed"); /* surrogate */
	const char *ok = "a: caf\xc3\xa9 \xf0\x9f\x98\x80\n";
	struct diags d = DIAGS_INIT;
	struct cfg_doc *doc = parse(ok, &d);
	assert_non_null(doc);
	assert_string_equal(doc->root->val[0]->str, "caf\xc3\xa9 \xf0\x9f\x98\x80");
	cfg_doc_free(doc);
}

static void test_multiple_docs(void **state)
{
	(void)state;
	const char *t = "a: 1\n---\nb: 2\n";
	assert_refused(t, strlen(t), 2, 1, "more than one YAML document");
}

static void test_syntax(void **state)
{
	(void)state;
	/* An unclosed quote is reported where it opens, not at the end. */
	const char *t = "a: 1\nb: \"open\nc: 1\n";
	assert_refused(t, strlen(t), 2, 4, "this quote is never closed");
	t = "a: [1, 2\n";
	assert_refused(t, strlen(t), 2, 1, "(opened at line 1, column 4)");
	t = "? [a]\n: 1\n";
	assert_refused(t, strlen(t), 1, 3, "a key must be a plain name");
}

static void test_size_limit(void **state)
{
	(void)state;
	size_t len = CFG_MAX_BYTES + 1;
	char *t = malloc(len);
	assert_non_null(t);
	memset(t, '#', len);
	struct diags d = DIAGS_INIT;
	assert_null(cfg_parse_buf("big.yaml", t, len, &d));
	assert_int_equal(d.n_errors, 1);
	assert_int_equal(d.v[0].pos.line, 0);
	assert_non_null(strstr(d.v[0].msg, "the limit is"));
	diags_free(&d);
	free(t);
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_parse.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("hostname: r\n", f);
	fclose(f);
	struct diags d = DIAGS_INIT;
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(cfg_read_file(path, &text, &len, &d), 0);
	assert_int_equal(len, strlen("hostname: r\n"));
	assert_string_equal(text, "hostname: r\n");
	free(text);
	/* Writable by everyone: refused, as pfctl refuses it. */
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(cfg_read_file(path, &text, &len, &d), -EPERM);
	assert_null(text);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.v[0].msg, "writable by everyone"));
	diags_free(&d);
	/* Group-writable is accepted (a checkout under umask 002). */
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(cfg_read_file(path, &text, &len, &d), 0);
	free(text);
	/* Owned by another user: refused (only when we can make one). */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 0), 0);
		assert_int_equal(chmod(path, 0644), 0);
		assert_int_equal(cfg_read_file(path, &text, &len, &d), -EPERM);
		assert_non_null(strstr(d.v[0].msg, "owned by uid 65534"));
		diags_free(&d);
		assert_int_equal(chown(path, 0, 0), 0);
	}
	assert_int_equal(cfg_read_file("/", &text, &len, &d), -EISDIR);
	assert_non_null(strstr(d.v[0].msg, "is a directory"));
	diags_free(&d);
	unlink(path);
	assert_int_equal(cfg_read_file(path, &text, &len, &d), -ENOENT);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.v[0].msg, "cannot open"));
	diags_free(&d);
	cfg_doc_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_positions),	  cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_duplicate_key), cmocka_unit_test(test_tab),
	    cmocka_unit_test(test_alias_anchor),  cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_nul),		  cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_multiple_docs), cmocka_unit_test(test_syntax),
	    cmocka_unit_test(test_size_limit),	  cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
