/* system/dnsblock: the line parser accepts both formats and refuses every
 * line that is not a DNS name (what could reach dnsmasq's text), and the
 * rendered line for a name is exactly `server=/NAME/`. Pure, but for the
 * last test: `diff`'s comparison of the lists with the file dnsmasq was
 * given, on files in a temporary directory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "render/render.h"
#include "system/dnsblock.h"
#include "tmpdir.h"

static int parse(const char *line, struct dnsblock_line *out)
{
	struct diags d = DIAGS_INIT;
	int rc = dnsblock_parse_line(line, out, &d);
	assert_int_equal(rc < 0, d.n_errors > 0);
	diags_free(&d);
	return rc;
}

static void test_accepts(void **state)
{
	struct dnsblock_line l;
	(void)state;
	static const struct {
		const char *line;
		size_t n;
		const char *first, *second;
	} ok[] = {
		{"example.com\n", 1, "example.com", NULL},
		{"  Ads.Example.COM.  # trailing dot, case, comment\r\n", 1, "ads.example.com", NULL},
		{"0.0.0.0 ads.example.net\n", 1, "ads.example.net", NULL},
		{"127.0.0.1\ta.example\tb_c.example\n", 2, "a.example", "b_c.example"},
		{":: v6.example\n", 1, "v6.example", NULL},
		{"::1 localhost ip6-localhost\n", 0, NULL, NULL},
		{"255.255.255.255 broadcasthost\n", 0, NULL, NULL},
		{"fe80::1%lo0 localhost\n", 0, NULL, NULL},
		{"ff02::1 ip6-allnodes\n", 0, NULL, NULL},
		{"0.0.0.0 0.0.0.0\n", 0, NULL, NULL},
		{"# comment only\n", 0, NULL, NULL},
		{"\n", 0, NULL, NULL},
		{"", 0, NULL, NULL},
		{"xn--bcher-kva.example\n", 1, "xn--bcher-kva.example", NULL},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&l, 0xaa, sizeof(l));
		assert_int_equal(parse(ok[i].line, &l), 0);
		assert_int_equal(l.n, ok[i].n);
		if (ok[i].first)
			assert_string_equal(l.names[0], ok[i].first);
		if (ok[i].second)
			assert_string_equal(l.names[1], ok[i].second);
	}
}

static void test_refuses(void **state)
{
	struct dnsblock_line l;
	char long_label[80], long_name[300];
	(void)state;
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".example\n");
	for (size_t i = 0; i < 127; i++)
		memcpy(long_name + 2 * i, "a.", 2);
	strcpy(long_name + 254, "b\n");
	static const char *const bad[] = {
		"*.example.com\n",
		"a..b\n",
		".example.com\n",
		"ads.example.com^\n",
		"||ads.example.com^\n",
		"a/b.example\n",
		"server=/x/\n",
		"ads.example.com\x01\n",
		"ads.exam\x7fple.com\n",
		"b\xc3\xbc" "cher.example\n",
		"1.2.3.4 bank.example\n",
		"0.0.0.1 x.example\n",
		"0.0.0.0 ok.example bad!name\n",
		"example.com extra\n",
		"0.0.0.0 a b c d e f g h i j k l m n o p q\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &l), -EINVAL);
	assert_int_equal(parse(long_label, &l), -EINVAL);
	assert_int_equal(parse(long_name, &l), -EINVAL);
	strcpy(long_label + 63, ".example\n"); /* 63 bytes: fine */
	assert_int_equal(parse(long_label, &l), 0);
	long_name[252] = '\n'; /* 251 bytes: fine */
	long_name[253] = '\0';
	assert_int_equal(parse(long_name, &l), 0);
}

/* What is accepted is only ever a DNS name, whatever the line: 300,000
 * lines of random bytes drawn mostly from the characters that matter
 * (a fixed seed, so a failure repeats). */
static void test_random_lines(void **state)
{
	static const char alphabet[] = "aZ09-_.*/ \t#\r\n:%=^|$;'\"\\\x01\x7f\xff";
	struct dnsblock_line l;
	char line[96];
	uint32_t x = 2463534242u;
	size_t accepted = 0;
	(void)state;
	for (int i = 0; i < 300000; i++) {
		size_t n = 0, len;
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		len = x % (sizeof(line) - 1);
		for (n = 0; n < len; n++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			line[n] = (x & 3) ? alphabet[(x >> 2) % (sizeof(alphabet) - 1)] : (char)(x >> 8);
			if (line[n] == '\0')
				line[n] = 'a';
		}
		line[n] = '\0';
		struct diags d = DIAGS_INIT;
		int rc = dnsblock_parse_line(line, &l, &d);
		diags_free(&d);
		if (rc < 0)
			continue;
		for (size_t k = 0; k < l.n; k++) {
			const char *s = l.names[k];
			size_t sl = strlen(s);
			accepted++;
			assert_true(sl > 0 && sl <= DNSBLOCK_NAME_MAX);
			assert_true(s[0] != '.' && s[sl - 1] != '.' && !strstr(s, ".."));
			assert_int_equal(strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_."), sl);
		}
	}
	assert_true(accepted > 100); /* the draw does reach names */
}

static void test_render(void **state)
{
	char out[300];
	(void)state;
	render_dnsmasq_blocked("ads.example.com", out, sizeof(out));
	assert_string_equal(out, "server=/ads.example.com/\n");
}

static void put(const char *path, const char *text, const char *mode)
{
	FILE *f = fopen(path, mode);
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* compare DIFFERS COUNT NOW: dnsblock_compare's answer for r and conf. */
static void compare(const struct router *r, const char *conf, bool differs, size_t count,
		    size_t now)
{
	struct diags d = DIAGS_INIT;
	bool df = !differs;
	size_t c = 99, n = 99;
	assert_int_equal(dnsblock_compare(r, conf, &df, &c, &n, &d), 0);
	assert_int_equal(df, differs);
	assert_int_equal(c, count);
	assert_int_equal(n, now);
	diags_free(&d);
}

static void test_compare(void **state)
{
	char list[600], conf[600];
	struct diags d = DIAGS_INIT;
	struct blocklist bl = {.pos = {"t.yaml", 3, 5}, .path = list};
	struct router r = {0};
	bool changed;
	size_t count;
	snprintf(list, sizeof(list), "%s/list", (char *)*state);
	snprintf(conf, sizeof(conf), "%s/dns-blocklist.conf", (char *)*state);
	r.dns.blocklists = &bl;
	r.dns.n_blocklists = 1;
	put(list, "a.example\n0.0.0.0 b.example\n", "w");
	compare(&r, conf, true, 2, 0); /* never written */
	assert_int_equal(dnsblock_write(&r, conf, &changed, &count, &d), 0);
	compare(&r, conf, false, 2, 2);
	put(list, "c.example\n", "a");
	compare(&r, conf, true, 3, 2); /* a name more */
	put(list, "a.example\nc.example\n", "w");
	compare(&r, conf, true, 2, 2); /* as many, one other */
	assert_int_equal(dnsblock_write(&r, conf, &changed, &count, &d), 0);
	put(conf, "server=/x.example/\n", "a");
	compare(&r, conf, true, 2, 3); /* the file has one the lists do not */
	r.dns.n_blocklists = 0;
	compare(&r, conf, true, 0, 3); /* no lists: the reload removes the file */
	assert_int_equal(remove(conf), 0);
	compare(&r, conf, false, 0, 0);
	r.dns.n_blocklists = 1;
	put(list, "*.bad.example\n", "w");
	assert_int_equal(dnsblock_compare(&r, conf, &changed, &count, &count, &d), -EINVAL);
	assert_int_equal(d.n_errors, 1);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_random_lines),
		cmocka_unit_test(test_render),
		cmocka_unit_test_setup_teardown(test_compare, tmpdir_setup, tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
