/* The pure parts of bans and blocklists: the blocklist line parser and
 * merge, the ban state file's parser and printer, ban request checks, and
 * the ban table's rendered text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/render.h"
#include "system/bans.h"
#include "system/blocklist.h"

/* The last message a call left in d ("" when none). */
static const char *last_msg(const struct diags *d)
{
	return d->n ? d->v[d->n - 1].msg : "";
}

static void fmt(const struct cidr *c, char *out)
{
	cidr_format(c, out, ADDR_STRLEN);
}

static void test_blocklist_line(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		int rc;
		const char *want; /* the prefix, or a piece of the error */
	} cases[] = {
		{"203.0.113.7\n", 1, "203.0.113.7/32"},
		{"  198.51.100.0/24 ; SBL123\n", 1, "198.51.100.0/24"},
		{"198.51.100.0/24;SBL123", 1, "198.51.100.0/24"},
		{"10.1.2.3/8 # host bits: refused as ban refuses it\n", -EPERM, "host bits set"},
		{"127.0.0.0/8\n", -EPERM, "loopback"},
		{"224.0.0.0/3\n", -EPERM, "too broad"},
		{"::ffff:198.51.100.7\n", 1, "198.51.100.7/32"},
		{"2001:db8::/32\r\n", 1, "2001:db8::/32"},
		{"2001:db8::1", 1, "2001:db8::1/128"},
		{"\t# a comment\n", 0, NULL},
		{"; a Spamhaus header\n", 0, NULL},
		{"\n", 0, NULL},
		{"", 0, NULL},
		{"   \r\n", 0, NULL},
		{"203.0.113.300\n", -EINVAL, "not an address or prefix: '203.0.113.300'"},
		{"203.0.113.0/33", -EINVAL, "not an address or prefix"},
		{"1.2.3.4 5.6.7.8", -EINVAL, "unexpected text after the address"},
		{"example.com", -EINVAL, "not an address or prefix"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cidr c;
		struct diags ed = DIAGS_INIT;
		char got[ADDR_STRLEN];
		int rc = blocklist_parse_line(cases[i].line, &c, &ed);
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, want %d (%s)", cases[i].line, rc, cases[i].rc, last_msg(&ed));
		if (rc == 1) {
			fmt(&c, got);
			assert_string_equal(got, cases[i].want);
		} else if (rc < 0 && !strstr(last_msg(&ed), cases[i].want)) {
			fail_msg("'%s': error '%s' lacks '%s'", cases[i].line, last_msg(&ed), cases[i].want);
		}
		diags_free(&ed);
	}
}

static void add(struct blocklist_set *b, const char *s)
{
	struct cidr c;
	assert_int_equal(cidr_parse(s, &c), 0);
	cidr_network(&c, &c);
	assert_int_equal(blocklist_set_add(b, &c), 0);
}

static void test_blocklist_merge(void **state)
{
	(void)state;
	struct blocklist_set b = {0};
	add(&b, "198.51.100.128/25");
	add(&b, "198.51.100.0/25");  /* adjacent: one range */
	add(&b, "198.51.100.64/26"); /* inside */
	add(&b, "203.0.113.9");
	add(&b, "203.0.113.9");      /* duplicate */
	add(&b, "203.0.113.11");     /* not adjacent to .9 */
	add(&b, "255.255.255.255");  /* the top: no overflow */
	add(&b, "255.255.255.254");
	add(&b, "2001:db8::/48");
	add(&b, "2001:db8:0:1::/64");
	add(&b, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(b.lines, 11);
	blocklist_set_merge(&b);
	assert_int_equal(b.n4, 4);
	assert_int_equal(b.v4[0].lo, 0xc6336400u);
	assert_int_equal(b.v4[0].hi, 0xc63364ffu);
	assert_int_equal(b.v4[1].lo, 0xcb007109u);
	assert_int_equal(b.v4[1].hi, 0xcb007109u);
	assert_int_equal(b.v4[2].lo, 0xcb00710bu);
	assert_int_equal(b.v4[3].lo, 0xfffffffeu);
	assert_int_equal(b.v4[3].hi, 0xffffffffu);
	assert_int_equal(b.n6, 2);
	assert_true(b.v6[0].hi - b.v6[0].lo == ((u128)1 << 80) - 1);
	assert_true(b.v6[1].lo == (u128)-1 && b.v6[1].hi == (u128)-1);
	/* membership (apply cuts the connections of listed hosts): range
	 * ends in, neighbours out, either family, the extremes */
	static const struct {
		const char *a;
		bool in;
	} probe[] = {{"198.51.100.0", true},  {"198.51.100.255", true}, {"198.51.99.255", false},
		     {"198.51.101.0", false}, {"203.0.113.9", true},    {"203.0.113.10", false},
		     {"203.0.113.11", true},  {"255.255.255.255", true}, {"0.0.0.0", false},
		     {"2001:db8::1", true},   {"2001:db8:1::", false},  {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
		     {"::", false}};
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		struct ipaddr a;
		assert_int_equal(addr_parse(probe[i].a, &a), 0);
		if (blocklist_set_has(&b, &a) != probe[i].in)
			fail_msg("%s: expected %s", probe[i].a, probe[i].in ? "listed" : "not listed");
	}
	struct blocklist_set empty = {0};
	struct ipaddr a;
	assert_int_equal(addr_parse("203.0.113.9", &a), 0);
	assert_false(blocklist_set_has(&empty, &a));
	blocklist_set_free(&b);
	blocklist_set_free(NULL);
}

static void test_state_roundtrip(void **state)
{
	(void)state;
	struct ban_list l = {0};
	struct diags d = DIAGS_INIT;
	size_t bad = 9;
	const char *text = "# comment\n"
			   "203.0.113.5/32 0 1700000000\n"
			   "\n"
			   "2001:db8::/48 1800000000 1700000001\n"
			   "198.51.100.0/24 1800000002 1700000002"; /* no final newline */
	assert_int_equal(bans_state_parse(text, "bans", NULL, &l, &bad, &d), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].expires, 0);
	assert_int_equal(l.v[1].prefix.len, 48);
	assert_int_equal(l.v[2].added, 1700000002);
	char *out = bans_state_format(&l);
	assert_non_null(out);
	struct ban_list again = {0};
	assert_int_equal(bans_state_parse(out, "bans", NULL, &again, &bad, &d), 0);
	assert_int_equal(again.n, 3);
	assert_memory_equal(again.v, l.v, 3 * sizeof(*l.v));
	free(out);
	ban_list_free(&again);
	ban_list_free(&l);
}

/* A bad line costs that line, never the others: skipped with a warning at
 * FILE:LINE, and a refused prefix (the same refusals as `ban`) too. */
static void test_state_bad_lines(void **state)
{
	(void)state;
	static const struct {
		const char *line, *why;
	} bad[] = {
		{"hello world", "expected 'PREFIX EXPIRES ADDED'"},
		{"203.0.113.5/32 0", "expected"},
		{"203.0.113.5/32 0 0 extra", "expected"},
		{"203.0.113.5/32 x 0", "expected"},
		{"203.0.11", "expected"}, /* truncated mid-line */
		{"0.0.0.0/0 0 0", "too broad"},
		{"127.0.0.0/8 0 0", "loopback"},
		{"::1/128 0 0", "loopback"},
		{"10.4.4.5/24 0 0", "host bits set; did you mean 10.4.4.0/24"},
		{"224.0.0.5/32 0 0", "multicast"},
		{"ff02::/16 0 0", "multicast"},
		{"fe80::/64 0 0", "link-local"},
		{"203.0.113.1/32 0 0", "this router's address on 'wan'"},
		{"\x01\x02 0 0", "'\\x01\\x02 0 0'"},
	};
	struct ban_own own = {0};
	struct ban_own_addr wan = {.where = "wan"};
	assert_int_equal(addr_parse("203.0.113.1", &wan.addr), 0);
	own.v = &wan;
	own.n = 1;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];
		struct ban_list l = {0};
		struct diags d = DIAGS_INIT;
		size_t n = 0;
		snprintf(text, sizeof(text), "198.51.100.7/32 0 1\n%s\n2001:db8::/48 0 2\n", bad[i].line);
		assert_int_equal(bans_state_parse(text, "st/bans", &own, &l, &n, &d), 0);
		if (n != 1 || l.n != 2 || d.n != 1 || d.v[0].level != DIAG_WARNING ||
		    d.v[0].pos.line != 2 || strcmp(d.v[0].file, "st/bans") != 0 ||
		    !strstr(d.v[0].msg, bad[i].why))
			fail_msg("'%s': bad %zu, kept %zu, diag '%s', want 'st/bans:2' '%s'", bad[i].line,
				 n, l.n, d.n ? d.v[0].msg : "", bad[i].why);
		ban_list_free(&l);
		diags_free(&d);
	}
}

static void test_ban_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} ok[] = {{"203.0.113.5", "203.0.113.5/32"},
		  {"203.0.113.0/24", "203.0.113.0/24"},
		  {"10.0.0.0/8", "10.0.0.0/8"},
		  {"2001:db8::1", "2001:db8::1/128"},
		  {"2001:db8::/32", "2001:db8::/32"},
		  /* IPv4-mapped: the IPv4 ban, in every spelling */
		  {"::ffff:1.2.3.4", "1.2.3.4/32"},
		  {"::FFFF:1.2.3.4", "1.2.3.4/32"},
		  {"::ffff:102:304", "1.2.3.4/32"},
		  {"0:0:0:0:0:ffff:1.2.3.4/128", "1.2.3.4/32"},
		  {"::ffff:198.51.100.0/120", "198.51.100.0/24"},
		  {"223.255.255.0/24", "223.255.255.0/24"},
		  {"169.253.0.0/16", "169.253.0.0/16"},
		  {"fec0::/16", "fec0::/16"}, {"2001:db8::/16", NULL}};
	static const struct {
		const char *in, *why;
	} bad[] = {{"garbage", "not an IPv4 or IPv6"}, {"", "not an IPv4 or IPv6"},
		   {"1.2.3.4\n", "'1.2.3.4\\n' is not"},
		   {"0.0.0.0/0", "too broad"},          {"::/0", "too broad"},
		   {"10.0.0.0/7", "too broad"},         {"2001::/15", "too broad"},
		   {"203.0.113.5/24", "did you mean 203.0.113.0/24"},
		   {"10.4.4.5/24", "did you mean 10.4.4.0/24"},
		   {"127.0.0.1", "loopback"},           {"127.0.0.0/8", "loopback"},
		   {"0.0.0.0", "this network"},         {"::1", "loopback"},
		   {"::", "unspecified"},
		   {"::ffff:127.0.0.1", "loopback"},    {"::ffff:0:0/96", "too broad"},
		   {"::ffff:10.4.4.5/120", "did you mean 10.4.4.0/24"},
		   {"::fffe:0:0/95", "IPv4-mapped"}, {"::ff00:0:0/88", "IPv4-mapped"},
		   {"224.0.0.1", "multicast"},          {"239.1.2.0/24", "multicast"},
		   {"224.0.0.0/8", "multicast"},        {"::ffff:224.0.0.5", "multicast"},
		   {"255.255.255.255", "limited broadcast"},
		   {"255.255.0.0/16", "limited broadcast"},
		   {"169.254.1.1", "link-local"},       {"169.254.0.0/16", "link-local"},
		   {"fe80::1", "link-local"},           {"fe80::/16", "link-local"},
		   {"febf::/16", "link-local"},
		   {"ff02::1", "multicast"},            {"ff00::/16", "multicast"},
		   {"ff02::1:ff00:1", "multicast"}};
	struct diags ed = DIAGS_INIT;
	char got[ADDR_STRLEN];
	struct cidr c;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int rc = ban_parse(ok[i].in, &c, &ed);
		if (!ok[i].want) { /* host bits set: refused, network suggested */
			assert_int_equal(rc, -EINVAL);
			assert_non_null(strstr(last_msg(&ed), "did you mean 2001::/16"));
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' refused: %s", ok[i].in, last_msg(&ed));
		fmt(&c, got);
		assert_string_equal(got, ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		diags_free(&ed);
		if (ban_parse(bad[i].in, &c, &ed) != -EINVAL || !strstr(last_msg(&ed), bad[i].why))
			fail_msg("'%s': '%s', want '%s'", bad[i].in, last_msg(&ed), bad[i].why);
	}
	/* unban lifts any prefix, mapped ones as IPv4 */
	assert_int_equal(ban_parse_lift("::ffff:1.2.3.4", &c, &ed), 0);
	fmt(&c, got);
	assert_string_equal(got, "1.2.3.4/32");
	assert_int_equal(ban_parse_lift("0.0.0.0/0", &c, &ed), 0);
	assert_int_equal(ban_parse_lift("nope", &c, &ed), -EINVAL);
	diags_free(&ed);
}

/* The router's own addresses, in the forms ban_parse leaves them. */
static void test_ban_own(void **state)
{
	(void)state;
	struct ban_own_addr a[3] = {{.where = "lan"}, {.where = ""}, {.bcast = true}};
	struct ban_own own = {a, 3};
	struct diags ed = DIAGS_INIT;
	struct cidr c;
	assert_int_equal(addr_parse("192.168.100.1", &a[0].addr), 0);
	assert_int_equal(addr_parse("2001:db8:1::1", &a[1].addr), 0);
	assert_int_equal(addr_parse("192.168.100.255", &a[2].addr), 0);
	static const struct {
		const char *in, *why; /* NULL: allowed */
	} cases[] = {{"::ffff:192.168.100.1", "this router's address on 'lan'"},
		     {"192.168.0.0/16", "holds 192.168.100.1"},
		     {"2001:db8:1::/48", "an address of this router"},
		     {"192.168.100.255", "broadcast address"},
		     {"192.168.100.128/25", NULL}, /* holds the broadcast: its hosts are real */
		     {"192.168.100.20", NULL},
		     {"2001:db8:2::/48", NULL}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		diags_free(&ed);
		assert_int_equal(ban_parse(cases[i].in, &c, &ed), 0);
		int rc = ban_own_check(&own, &c, &ed);
		if (cases[i].why ? rc != -EINVAL || !strstr(last_msg(&ed), cases[i].why) : rc != 0)
			fail_msg("'%s': rc %d '%s', want '%s'", cases[i].in, rc, last_msg(&ed),
				 cases[i].why ? cases[i].why : "allowed");
	}
	assert_int_equal(ban_own_check(NULL, &c, &ed), 0);
	diags_free(&ed);
}

static void test_ban_duration(void **state)
{
	(void)state;
	struct router r = {.blackhole = {.timeout = 3600}};
	uint32_t s = 1;
	struct diags ed = DIAGS_INIT;
	assert_int_equal(ban_duration(&r, NULL, &s, &ed), 0);
	assert_int_equal(s, 3600);
	assert_int_equal(ban_duration(NULL, NULL, &s, &ed), 0);
	assert_int_equal(s, BANS_DEFAULT_TIMEOUT);
	assert_int_equal(ban_duration(&r, "forever", &s, &ed), 0);
	assert_int_equal(s, 0);
	assert_int_equal(ban_duration(&r, "10m", &s, &ed), 0);
	assert_int_equal(s, 600);
	assert_int_equal(ban_duration(&r, "4294967295", &s, &ed), 0);
	assert_int_equal(s, 4294967295u);
	assert_int_equal(ban_duration(&r, "4294967296", &s, &ed), -ERANGE);
	assert_int_equal(ban_duration(&r, "nonsense", &s, &ed), -ERANGE);
	assert_non_null(strstr(last_msg(&ed), "'nonsense' is not a duration"));
	assert_int_equal(ban_duration(&r, "", &s, &ed), -ERANGE);
	diags_free(&ed);
}

static void test_render_bans(void **state)
{
	(void)state;
	struct router r = {.file_base = "router.yaml"};
	char *a = render_nft_bans_lens(&r, NULL, BAN_CHECK_PACKET, true);
	char *b = render_nft_bans_lens(&r, NULL, BAN_CHECK_PACKET, true);
	char *idle = render_nft_bans(&r);
	assert_non_null(a);
	assert_non_null(idle);
	assert_string_equal(a, b); /* deterministic */
	/* never deletes or flushes what holds bans; only the chains are
	 * rewritten (or, with nothing to drop, deleted: never a set) */
	assert_null(strstr(a, "\ndelete set"));
	assert_null(strstr(a, "\ndelete table"));
	assert_null(strstr(idle, "\ndelete set"));
	assert_null(strstr(idle, "\ndelete table"));
	assert_null(strstr(a, "flush set"));
	assert_null(strstr(a, "flush table"));
	assert_null(strstr(idle, "flush set"));
	assert_non_null(strstr(a, "hook prerouting priority raw"));
	assert_non_null(strstr(a, "add set inet nftrouter_bans blackhole4 { type ipv4_addr; flags timeout; }"));
	assert_non_null(strstr(idle, "add set inet nftrouter_bans blackhole4 { type ipv4_addr; flags timeout; }"));
	assert_non_null(strstr(a, "ip6 saddr @blackhole6 drop"));
	assert_null(strstr(a, "_nets drop")); /* no lists, no prefix bans: no other lookup */
	free(a);
	free(b);
	free(idle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocklist_line), cmocka_unit_test(test_blocklist_merge),
		cmocka_unit_test(test_state_roundtrip), cmocka_unit_test(test_state_bad_lines),
		cmocka_unit_test(test_ban_parse),       cmocka_unit_test(test_ban_own),
		cmocka_unit_test(test_ban_duration),
		cmocka_unit_test(test_render_bans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
