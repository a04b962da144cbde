/* Matching configured ports to links (system/link.c's pure part): by MAC,
 * by name (also after the rename an earlier apply made), by PCI address;
 * absent, optional, ambiguous. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/model.h"
#include "router_text.h"
#include "system/link.h"

static struct router *build(const char *ifaces)
{
	static const char zones[] = "zones:\n  lan: { interfaces: [%s], input: accept }\n";
	char text[2048];
	const char *names = strstr(ifaces, "opt:") ? "a, b, opt" : "a, b";
	int n = snprintf(text, sizeof(text), "interfaces:\n%s", ifaces);
	snprintf(text + n, sizeof(text) - (size_t)n, zones, names);
	return router_from_text(text);
}

static const struct link_info links[] = {
	{.ifindex = 1, .name = "lo"},
	{.ifindex = 2, .name = "eth0", .mac = {0x52, 0x54, 0, 0, 0, 1}, .has_mac = true,
	 .pci = "0000:01:00.0"},
	{.ifindex = 3, .name = "eth1", .mac = {0x52, 0x54, 0, 0, 0, 2}, .has_mac = true,
	 .pci = "0000:01:00.1"},
	{.ifindex = 4, .name = "b", .mac = {0x52, 0x54, 0, 0, 0, 3}, .has_mac = true},
};
#define N_LINKS (sizeof(links) / sizeof(links[0]))

static void test_match_kinds(void **state)
{
	(void)state;
	struct router *r = build("  a: { match: { mac: \"52:54:00:00:00:02\" }, ipv4: none }\n"
				 "  b: { match: { pci: \"01:00.0\" }, ipv4: none }\n");
	int pl[2];
	struct diags d = DIAGS_INIT;
	assert_int_equal(link_match_ports(r, links, N_LINKS, pl, &d), 0);
	assert_int_equal(pl[0], 2); /* eth1 by MAC */
	assert_int_equal(pl[1], 1); /* eth0 by PCI */
	assert_ptr_equal(link_find_port(r, &links[2]), &r->ifaces[0]);
	assert_null(link_find_port(r, &links[0]));
	assert_int_equal(d.n_errors, 0);
	router_free(r);
}

static void test_name_after_rename(void **state)
{
	(void)state;
	/* b matches by name eth9, which no longer exists: the link already
	 * called "b" is it (an earlier apply renamed it). */
	struct router *r = build("  a: { match: { name: eth0 }, ipv4: none }\n"
				 "  b: { match: { name: eth9 }, ipv4: none }\n");
	int pl[2];
	struct diags d = DIAGS_INIT;
	assert_int_equal(link_match_ports(r, links, N_LINKS, pl, &d), 0);
	assert_int_equal(pl[0], 1);
	assert_int_equal(pl[1], 3);
	assert_ptr_equal(link_find_port(r, &links[3]), &r->ifaces[1]);
	router_free(r);
}

static void test_missing_and_optional(void **state)
{
	(void)state;
	struct router *r = build("  a: { match: { mac: \"52:54:00:00:00:01\" }, ipv4: none }\n"
				 "  b: { match: { mac: \"52:54:00:00:00:09\" }, ipv4: none }\n"
				 "  opt: { match: { pci: \"0000:02:00.0\" }, ipv4: none, optional: true }\n");
	int pl[3];
	struct diags d = DIAGS_INIT;
	assert_int_equal(link_match_ports(r, links, N_LINKS, pl, &d), -ENODEV);
	assert_int_equal(pl[1], -1);
	assert_int_equal(pl[2], -1);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.v[0].msg, "interface 'b': no link matches mac 52:54:00:00:00:09"));
	diags_free(&d);
	router_free(r);
}

static void test_ambiguous(void **state)
{
	(void)state;
	/* Two ports on one link (by name and by MAC). */
	struct router *r = build("  a: { match: { name: eth0 }, ipv4: none }\n"
				 "  b: { match: { mac: \"52:54:00:00:00:01\" }, ipv4: none }\n");
	int pl[2];
	struct diags d = DIAGS_INIT;
	assert_int_equal(link_match_ports(r, links, N_LINKS, pl, &d), -EINVAL);
	assert_non_null(strstr(d.v[0].msg, "interfaces 'a' and 'b' both match link 'eth0'"));
	diags_free(&d);
	router_free(r);
	/* One port on two links (two links with one MAC). */
	struct link_info two[] = {links[1], links[2]};
	memcpy(two[1].mac, two[0].mac, 6);
	r = build("  a: { match: { mac: \"52:54:00:00:00:01\" }, ipv4: none }\n"
		  "  b: { match: { name: nosuch }, ipv4: none, optional: true }\n");
	assert_int_equal(link_match_ports(r, two, 2, pl, &d), -EINVAL);
	assert_non_null(strstr(d.v[0].msg, "matches two links, 'eth0' and 'eth1'"));
	diags_free(&d);
	router_free(r);
}

/* The kernel: link_get answers (it once waited for an ack it never
 * asked for, hanging in recvmsg), and the socket stays usable after it.
 * SIGALRM ends a hung call (the test then fails). */
static void test_get_kernel(void **state)
{
	(void)state;
	struct link_sock *s = link_sock_open();
	struct link_info l, *all = NULL;
	size_t n = 0;
	assert_non_null(s);
	alarm(10);
	assert_int_equal(link_get(s, 1, &l), 0); /* lo is index 1 in every namespace */
	assert_int_equal(l.ifindex, 1);
	assert_string_equal(l.name, "lo");
	assert_int_equal(link_get(s, 1, &l), 0);
	assert_int_equal(link_get(s, 0x7ffffff0, &l), -ENODEV);
	assert_int_equal(link_dump(s, &all, &n), 0);
	assert_true(n >= 1);
	assert_int_equal(link_get(s, all[0].ifindex, &l), 0);
	assert_string_equal(l.name, all[0].name);
	alarm(0);
	free(all);
	link_sock_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_kinds),
		cmocka_unit_test(test_name_after_rename),
		cmocka_unit_test(test_missing_and_optional),
		cmocka_unit_test(test_ambiguous),
		cmocka_unit_test(test_get_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
