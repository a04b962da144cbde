/* util/addr: the value parsers router.yaml is made of. Each accepts the
 * documented forms and nothing else. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/addr.h"

static void test_addr(void **state)
{
	(void)state;
	struct ipaddr a, b;
	char s[ADDR_STRLEN];
	assert_int_equal(addr_parse("192.168.1.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	addr_format(&a, s, sizeof(s));
	assert_string_equal(s, "192.168.1.1");
	assert_int_equal(addr_parse("2001:db8::1", &b), 0);
	assert_int_equal(b.family, AF_INET6);
	addr_format(&b, s, sizeof(s));
	assert_string_equal(s, "2001:db8::1");
	assert_int_equal(addr_parse4("2001:db8::1", &a), -EINVAL);
	static const char *const bad[] = {"",	      "1.2.3",	    "1.2.3.256", "1.2.3.4 ",
					  " 1.2.3.4", "1.2.3.4/24", "a.b.c.d",	 "::g"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(addr_parse(bad[i], &a), -EINVAL);
	addr_parse("10.0.0.1", &a);
	addr_parse("10.0.0.2", &b);
	assert_true(addr_cmp(&a, &b) < 0);
	assert_false(addr_equal(&a, &b));
	struct ipaddr unset = {0};
	addr_format(&unset, s, sizeof(s));
	assert_string_equal(s, "?");
}

static void test_cidr(void **state)
{
	(void)state;
	struct cidr c, net, other;
	char s[ADDR_STRLEN];
	assert_int_equal(cidr_parse("192.168.1.1/24", &c), 0);
	assert_int_equal(c.len, 24);
	cidr_format(&c, s, sizeof(s));
	assert_string_equal(s, "192.168.1.1/24"); /* keeps the host part */
	cidr_network(&c, &net);
	cidr_format(&net, s, sizeof(s));
	assert_string_equal(s, "192.168.1.0/24");
	assert_int_equal(cidr_parse("10.0.0.1", &c), 0);
	assert_int_equal(c.len, 32);
	assert_int_equal(cidr_parse("2001:db8::/32", &c), 0);
	assert_int_equal(c.len, 32);
	assert_int_equal(cidr_parse("10.0.0.0/33", &c), -EINVAL);
	assert_int_equal(cidr_parse("::/129", &c), -EINVAL);
	assert_int_equal(cidr_parse("10.0.0.0/", &c), -EINVAL);
	assert_int_equal(cidr_parse("10.0.0.0/2x", &c), -EINVAL);
	assert_int_equal(cidr_parse("10.0.0.0/-1", &c), -EINVAL);
	assert_int_equal(cidr_parse("10.0.0.0/0", &c), 0);
	struct ipaddr a;
	cidr_parse("192.168.1.1/24", &c);
	addr_parse("192.168.1.200", &a);
	assert_true(cidr_contains(&c, &a));
	addr_parse("192.168.2.1", &a);
	assert_false(cidr_contains(&c, &a));
	addr_parse("::1", &a);
	assert_false(cidr_contains(&c, &a));
	cidr_parse("192.168.0.1/16", &other);
	assert_true(cidr_overlap(&c, &other));
	cidr_parse("192.168.2.1/24", &other);
	assert_false(cidr_overlap(&c, &other));
	cidr_parse("192.168.1.129/25", &other);
	assert_true(cidr_overlap(&c, &other));
}

static void test_mac(void **state)
{
	(void)state;
	uint8_t m[6];
	char s[18];
	assert_int_equal(mac_parse("52:54:00:AB:cd:0f", m), 0);
	mac_format(m, s);
	assert_string_equal(s, "52:54:00:ab:cd:0f");
	static const char *const bad[] = {"52:54:00:ab:cd",    "52:54:00:ab:cd:0f:11",
					  "52-54-00-ab-cd-0f", "52:54:00:ab:cd:0g",
					  "5:254:00:ab:cd:0f", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mac_parse(bad[i], m), -EINVAL);
}

static void test_pci(void **state)
{
	(void)state;
	char p[13];
	assert_int_equal(pci_parse("0000:01:00.1", p), 0);
	assert_string_equal(p, "0000:01:00.1");
	assert_int_equal(pci_parse("01:00.1", p), 0);
	assert_string_equal(p, "0000:01:00.1");
	assert_int_equal(pci_parse("0000:AB:1f.7", p), 0);
	assert_string_equal(p, "0000:ab:1f.7");
	static const char *const bad[] = {"0000:01:20.0", "0000:01:00.8",  "01:00", "0000-01:00.1",
					  "000:01:00.1",  "0000:01:00.1x", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pci_parse(bad[i], p), -EINVAL);
}

static void test_port(void **state)
{
	(void)state;
	uint16_t v;
	assert_int_equal(port_parse("1", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(port_parse("65535", &v), 0);
	assert_int_equal(v, 65535);
	static const char *const bad[] = {"0", "65536", "-1", "022", "22a", "", "99999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(port_parse(bad[i], &v), -EINVAL);
}

static void test_duration(void **state)
{
	(void)state;
	uint32_t s;
	char out[16];
	assert_int_equal(duration_parse("0", &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(duration_parse("30s", &s), 0);
	assert_int_equal(s, 30);
	assert_int_equal(duration_parse("10m", &s), 0);
	assert_int_equal(s, 600);
	assert_int_equal(duration_parse("1h", &s), 0);
	assert_int_equal(s, 3600);
	assert_int_equal(duration_parse("1d", &s), 0);
	assert_int_equal(s, 86400);
	static const char *const bad[] = {"1w", "1", "h", "", "-1h", "1.5h", "01h", "49711d"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(duration_parse(bad[i], &s), -EINVAL);
	duration_format(86400, out, sizeof(out));
	assert_string_equal(out, "1d");
	duration_format(5400, out, sizeof(out));
	assert_string_equal(out, "90m");
	duration_format(0, out, sizeof(out));
	assert_string_equal(out, "0");
	duration_format(61, out, sizeof(out));
	assert_string_equal(out, "61s");
}

static void test_names(void **state)
{
	(void)state;
	assert_true(ifname_valid("wan"));
	assert_true(ifname_valid("opt-2_x"));
	assert_true(ifname_valid("abcdefghijklmno")); /* 15 */
	assert_false(ifname_valid("abcdefghijklmnop"));
	assert_false(ifname_valid(""));
	assert_false(ifname_valid("Wan"));
	assert_false(ifname_valid("1wan"));
	assert_false(ifname_valid("w.an"));
	assert_false(ifname_valid("w\"an"));
	assert_true(name_valid("admin-ssh.v2_X"));
	assert_false(name_valid("a b"));
	assert_false(name_valid("a;b"));
	assert_false(name_valid(""));
	assert_true(hostname_valid("cloudflare-dns.com"));
	assert_true(hostname_valid("lan"));
	assert_false(hostname_valid("-lan"));
	assert_false(hostname_valid("lan-"));
	assert_false(hostname_valid("a..b"));
	assert_false(hostname_valid(".lan"));
	assert_false(hostname_valid("my_router"));
	assert_false(hostname_valid("a\nb"));
	char label[80];
	memset(label, 'a', 64);
	label[64] = '\0';
	assert_false(hostname_valid(label)); /* a label has at most 63 */
	label[63] = '\0';
	assert_true(hostname_valid(label));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr),  cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_mac),	  cmocka_unit_test(test_pci),
	    cmocka_unit_test(test_port),  cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
