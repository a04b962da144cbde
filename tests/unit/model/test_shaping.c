/* interfaces.X.shaping's pure parts: rates (parse and format), the
 * overhead presets, and the model's defaults (nat follows masquerade). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/tree.h"
#include "model/model.h"

static void rate_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;
	if (shaping_rate_parse(s, &v) != 0 || v != want)
		fail_msg("'%s': got %llu, want %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void rate_bad(const char *s, int want)
{
	uint64_t v = 0;
	int rc = shaping_rate_parse(s, &v);
	if (rc != want)
		fail_msg("'%s': rc %d, want %d", s, rc, want);
}

static void test_rate_parse(void **state)
{
	(void)state;
	rate_ok("40mbit", 40000000);
	rate_ok("200mbit", 200000000);
	rate_ok("1gbit", 1000000000);
	rate_ok("1.5gbit", 1500000000);
	rate_ok("0.1mbit", 100000);
	rate_ok(".5mbit", 500000);
	rate_ok("64kbit", 64000);
	rate_ok("64000bit", 64000);
	rate_ok("100gbit", 100000000000ULL);
	rate_ok("2.048mbit", 2048000);
	rate_bad("40mbps", -EINVAL);  /* tc's bytes: refused, not guessed */
	rate_bad("40Mbit", -EINVAL);
	rate_bad("40", -EINVAL);
	rate_bad("mbit", -EINVAL);
	rate_bad("", -EINVAL);
	rate_bad("5.mbit", -EINVAL);
	rate_bad("1..5mbit", -EINVAL);
	rate_bad("-5mbit", -EINVAL);
	rate_bad("40 mbit", -EINVAL);
	rate_bad("1.0001kbit", -EINVAL); /* finer than 1 bit/s */
	rate_bad("63999bit", -ERANGE);
	rate_bad("101gbit", -ERANGE);
	rate_bad("99999999999999999999999gbit", -ERANGE);
}

static void test_rate_format(void **state)
{
	(void)state;
	const struct {
		uint64_t v;
		const char *s;
	} c[] = {{40000000, "40mbit"}, {1500000000, "1500mbit"}, {1000000000, "1gbit"},
		 {64000, "64kbit"},     {64001, "64001bit"},	{2048000, "2048kbit"}};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char out[32];
		uint64_t back;
		shaping_rate_format(c[i].v, out, sizeof(out));
		assert_string_equal(out, c[i].s);
		assert_int_equal(shaping_rate_parse(out, &back), 0);
		assert_true(back == c[i].v);
	}
}

static void test_presets(void **state)
{
	(void)state;
	const struct shaping_preset *p = shaping_preset_find("docsis");
	assert_non_null(p);
	assert_int_equal(p->overhead, 18);
	assert_int_equal(p->mpu, 64);
	assert_int_equal(p->framing, SHAPING_FRAMING_NONE);
	p = shaping_preset_find("pppoe-vcmux");
	assert_non_null(p);
	assert_int_equal(p->overhead, 32);
	assert_int_equal(p->framing, SHAPING_FRAMING_ATM);
	p = shaping_preset_find("pppoe-ptm");
	assert_non_null(p);
	assert_int_equal(p->overhead, 30);
	assert_int_equal(p->framing, SHAPING_FRAMING_PTM);
	p = shaping_preset_find("ethernet");
	assert_non_null(p);
	assert_int_equal(p->overhead, 38);
	assert_int_equal(p->mpu, 84);
	assert_null(shaping_preset_find("adsl"));
	assert_null(shaping_preset_find(""));
	/* Names unique, overheads within CAKE's bounds. */
	for (const struct shaping_preset *a = shaping_presets; a->name; a++) {
		assert_true(a->overhead >= SHAPING_OVERHEAD_MIN && a->overhead <= SHAPING_OVERHEAD_MAX);
		for (const struct shaping_preset *b = a + 1; b->name; b++)
			assert_string_not_equal(a->name, b->name);
	}
}

static struct router *build(const char *shaping, const char *masq)
{
	char text[1024];
	struct diags d = DIAGS_INIT;
	snprintf(text, sizeof(text),
		 "interfaces:\n"
		 "  wan: { match: { name: eth0 }, ipv4: dhcp, shaping: %s }\n"
		 "  lan: { match: { name: eth1 }, ipv4: 192.168.1.1/24 }\n"
		 "zones:\n"
		 "  wan: { interfaces: [wan], masquerade: %s }\n"
		 "  lan: { interfaces: [lan], forward: [wan] }\n",
		 shaping, masq);
	struct cfg_doc *doc = cfg_parse_buf("t.yaml", text, strlen(text), &d);
	struct router *r = doc ? model_build(doc, &d) : NULL;
	if (!r)
		diags_print(&d, stderr);
	cfg_doc_free(doc);
	diags_free(&d);
	return r;
}

static void test_model(void **state)
{
	(void)state;
	struct router *r = build("{ egress: 40mbit, ingress: 200mbit }", "true");
	assert_non_null(r);
	const struct shaping *s = &r->ifaces[0].shaping;
	assert_true(s->on);
	assert_true(s->egress == 40000000 && s->ingress == 200000000);
	assert_true(s->nat); /* the zone masquerades */
	assert_false(s->overhead_set);
	assert_int_equal(s->diffserv, SHAPING_BESTEFFORT);
	assert_false(r->ifaces[1].shaping.on);
	router_free(r);

	r = build("{ egress: 20mbit, overhead: pppoe-vcmux, diffserv: diffserv4 }", "false");
	assert_non_null(r);
	s = &r->ifaces[0].shaping;
	assert_false(s->nat);
	assert_true(s->overhead_set);
	assert_int_equal(s->overhead, 32);
	assert_int_equal(s->framing, SHAPING_FRAMING_ATM);
	assert_int_equal(s->diffserv, SHAPING_DIFFSERV4);
	assert_true(s->ingress == 0);
	router_free(r);

	r = build("{ egress: 20mbit, overhead: -4, mpu: 72, nat: false }", "true");
	assert_non_null(r);
	s = &r->ifaces[0].shaping;
	assert_false(s->nat); /* written in the file */
	assert_int_equal(s->overhead, -4);
	assert_int_equal(s->mpu, 72);
	router_free(r);

	r = build("{ egress: 20mbit, overhead: raw }", "true");
	assert_non_null(r);
	assert_false(r->ifaces[0].shaping.overhead_set);
	router_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate_parse),
	    cmocka_unit_test(test_rate_format),
	    cmocka_unit_test(test_presets),
	    cmocka_unit_test(test_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
