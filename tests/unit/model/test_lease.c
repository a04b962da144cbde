/* lease_build: every check of docs/refuses.md "WAN leases", each with the
 * reason the hook prints, and the routes a good lease asks for, in the
 * order they must be installed. Pure: no kernel, no config file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/lease.h"

/* The router's LAN, as examples/seed.yaml has it. */
static struct lease_other lan[1];

static int setup(void **state)
{
	(void)state;
	assert_int_equal(cidr_parse("192.168.100.1/24", &lan[0].net), 0);
	snprintf(lan[0].name, sizeof(lan[0].name), "lan");
	return 0;
}

static int build(const char *ip, const char *mask, const char *router, const char *routes,
		 struct lease *l, char *why)
{
	struct lease_env e = {ip, mask, router, routes, NULL, NULL};
	struct diags d = DIAGS_INIT;
	int rc = lease_build(&e, lan, 1, l, &d);
	/* A refusal is one error, whose text the tests match. */
	if (rc < 0)
		assert_int_equal(d.n_errors, 1);
	snprintf(why, 200, "%s", d.n ? d.v[0].msg : "");
	diags_free(&d);
	return rc;
}

/* The lease is refused and why contains want. */
static void refused(const char *ip, const char *mask, const char *router, const char *routes,
		    const char *want)
{
	struct lease l;
	char why[200];
	int rc = build(ip, mask, router, routes, &l, why);
	if (rc != -EINVAL || !strstr(why, want))
		fail_msg("%s/%s via %s [%s]: rc %d, why '%s', want '%s'", ip, mask, router,
			 routes ? routes : "", rc, why, want);
}

static void route_is(const struct lease *l, size_t i, const char *dst, const char *gw)
{
	char d[80], g[80];
	assert_true(i < l->n_routes);
	cidr_format(&l->routes[i].dst, d, sizeof(d));
	if (l->routes[i].gw.family)
		addr_format(&l->routes[i].gw, g, sizeof(g));
	else
		snprintf(g, sizeof(g), "on-link");
	assert_string_equal(d, dst);
	assert_string_equal(g, gw);
}

static void test_good(void **state)
{
	(void)state;
	struct lease l;
	char why[200];
	assert_int_equal(build("203.0.113.10", "24", "203.0.113.1 203.0.113.2", NULL, &l, why), 0);
	assert_int_equal(l.addr.len, 24);
	assert_int_equal(l.n_routes, 1);
	route_is(&l, 0, "0.0.0.0/0", "203.0.113.1");
	assert_false(l.classless);
	/* A dotted mask is read too; no router: no route at all. */
	assert_int_equal(build("203.0.113.10", "255.255.255.0", NULL, NULL, &l, why), 0);
	assert_int_equal(l.addr.len, 24);
	assert_int_equal(l.n_routes, 0);
	/* /31 has no network or broadcast address (RFC 3021). */
	assert_int_equal(build("203.0.113.0", "31", "203.0.113.1", NULL, &l, why), 0);
}

static void test_refused_address(void **state)
{
	(void)state;
	refused("127.0.0.1", "8", "127.0.0.2", NULL, "address 127.0.0.1/8: loopback");
	refused("224.0.0.5", "24", NULL, NULL, "multicast");
	refused("255.255.255.255", "32", NULL, NULL, "broadcast");
	refused("0.0.0.0", "24", NULL, NULL, "unspecified");
	refused("0.1.2.3", "24", NULL, NULL, "this network");
	refused("169.254.3.4", "16", NULL, NULL, "link-local");
	refused("240.1.2.3", "24", NULL, NULL, "reserved");
	refused("203.0.113.0", "24", "203.0.113.1", NULL, "network or broadcast");
	refused("203.0.113.255", "24", "203.0.113.1", NULL, "network or broadcast");
	refused("10.1.2.3", "0", "10.0.0.1", NULL, "mask shorter than /8");
	refused("10.1.2.3", "7", "10.0.0.1", NULL, "mask shorter than /8");
	refused("10.1.2.3", "33", NULL, NULL, "subnet mask");
	refused("10.1.2.3", "255.0.255.0", NULL, NULL, "subnet mask");
	refused("10.1.2.3", NULL, NULL, NULL, "subnet mask");
	refused(NULL, "24", NULL, NULL, "no usable address");
	refused("10.1.2", "24", NULL, NULL, "no usable address");
	/* The router's own LAN offered on the WAN (it would take the LAN off the air). */
	refused("192.168.100.1", "24", "192.168.100.254", NULL,
		"overlaps lan's subnet 192.168.100.1/24");
	/* A /16 that covers the LAN, and a /32 inside it. */
	refused("192.168.7.7", "16", "192.168.0.1", NULL, "overlaps lan's");
	refused("192.168.100.77", "32", "203.0.113.1", NULL, "overlaps lan's");
}

static void test_refused_gateway(void **state)
{
	(void)state;
	refused("203.0.113.10", "24", "0.0.0.0", NULL, "gateway 0.0.0.0");
	refused("203.0.113.10", "24", "203.0.113.10", NULL, "the leased address itself");
	refused("203.0.113.10", "24", "203.0.113.255", NULL, "network or broadcast");
	refused("203.0.113.10", "24", "127.0.0.1", NULL, "loopback");
	refused("203.0.113.10", "24", "198.51.100.1", NULL,
		"gateway 198.51.100.1 is outside the subnet of 203.0.113.10/24");
	refused("203.0.113.10", "24", "nonsense", NULL, "malformed router");
	/* A /32 lease with a gateway in the LAN would steal a LAN host. */
	refused("198.51.100.7", "32", "192.168.100.20", NULL, "inside lan's subnet");
}

/* Option 121: routes, on-link entries, the default among them, and
 * option 3 ignored (RFC 3442). */
static void test_classless(void **state)
{
	(void)state;
	struct lease l;
	struct diags ed = DIAGS_INIT;
	char why[200];
	assert_int_equal(build("203.0.113.10", "24", "203.0.113.99",
			       "198.51.100.0/24 203.0.113.2 0.0.0.0/0 203.0.113.1", &l, why),
			 0);
	assert_true(l.classless);
	assert_int_equal(l.n_routes, 2);
	route_is(&l, 0, "198.51.100.0/24", "203.0.113.2");
	route_is(&l, 1, "0.0.0.0/0", "203.0.113.1");
	/* A gateway outside the subnet, reached by an on-link entry. */
	assert_int_equal(build("203.0.113.10", "24", NULL,
			       "0.0.0.0/0 198.51.100.1 198.51.100.1/32 0.0.0.0", &l, why),
			 0);
	assert_int_equal(l.n_routes, 2);
	route_is(&l, 0, "198.51.100.1/32", "on-link");
	route_is(&l, 1, "0.0.0.0/0", "198.51.100.1");
	/* Option 249 when 121 is absent. */
	struct lease_env e = {"203.0.113.10", "24", "203.0.113.1", NULL,
			      "10.9.0.0/16 203.0.113.3", NULL};
	assert_int_equal(lease_build(&e, lan, 1, &l, &ed), 0);
	assert_int_equal(l.n_routes, 1); /* option 3 ignored: no default */
	route_is(&l, 0, "10.9.0.0/16", "203.0.113.3");
	refused("203.0.113.10", "24", NULL, "0.0.0.0/0 198.51.100.1",
		"198.51.100.1 is outside the subnet");
	refused("203.0.113.10", "24", NULL, "0.0.0.0/0 0.0.0.0", "default route without a router");
	refused("203.0.113.10", "24", NULL, "192.168.100.0/24 203.0.113.1", "overlaps lan's");
	refused("203.0.113.10", "24", NULL, "127.0.0.0/8 203.0.113.1", "loopback");
	refused("203.0.113.10", "24", NULL, "224.0.0.0/4 203.0.113.1", "multicast");
	refused("203.0.113.10", "24", NULL, "10.0.0.1/8 203.0.113.1", "host bits set");
	refused("203.0.113.10", "24", NULL, "10.0.0.0/8", "malformed");
	refused("203.0.113.10", "24", NULL, "10.0.0.0/40 203.0.113.1", "malformed");
}

/* A /32 lease: its gateway is on-link by necessity (cloud and some ISPs). */
static void test_host_lease(void **state)
{
	(void)state;
	struct lease l;
	char why[200];
	assert_int_equal(build("198.51.100.7", "32", "198.51.100.1", NULL, &l, why), 0);
	assert_int_equal(l.n_routes, 2);
	route_is(&l, 0, "198.51.100.1/32", "on-link");
	route_is(&l, 1, "0.0.0.0/0", "198.51.100.1");
}

static void test_dns(void **state)
{
	(void)state;
	struct lease l;
	struct diags ed = DIAGS_INIT;
	struct lease_env e = {"203.0.113.10", "24", "203.0.113.1", NULL, NULL,
			      "127.0.0.1 0.0.0.0 203.0.113.53 255.255.255.255 224.0.0.1 ::1 "
			      "192.168.100.1 203.0.113.10 ::ffff:127.0.0.1 x.y 203.0.113.53 "
			      "::ffff:198.51.100.53 fe80::1 2001:db8::53"};
	assert_int_equal(lease_build(&e, lan, 1, &l, &ed), 0);
	assert_int_equal(l.n_dns, 3);
	char a[64];
	addr_format(&l.dns[0], a, sizeof(a));
	assert_string_equal(a, "203.0.113.53");
	addr_format(&l.dns[1], a, sizeof(a)); /* IPv4-mapped: used as IPv4 */
	assert_string_equal(a, "198.51.100.53");
	addr_format(&l.dns[2], a, sizeof(a));
	assert_string_equal(a, "2001:db8::53");
	assert_non_null(strstr(l.dns_refused, "127.0.0.1 (loopback)"));
	assert_non_null(strstr(l.dns_refused, "0.0.0.0 (unspecified)"));
	assert_non_null(strstr(l.dns_refused, "255.255.255.255 (broadcast)"));
	assert_non_null(strstr(l.dns_refused, "224.0.0.1 (multicast)"));
	assert_non_null(strstr(l.dns_refused, "::1 (loopback)"));
	assert_non_null(strstr(l.dns_refused, "192.168.100.1 (inside a subnet of another port)"));
	assert_non_null(strstr(l.dns_refused, "203.0.113.10 (the router's own WAN address)"));
	assert_non_null(strstr(l.dns_refused, "::ffff:127.0.0.1 (loopback)"));
	assert_non_null(strstr(l.dns_refused, "x.y (malformed)"));
	assert_non_null(strstr(l.dns_refused, "fe80::1 (link-local)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),	    cmocka_unit_test(test_refused_address),
	    cmocka_unit_test(test_refused_gateway), cmocka_unit_test(test_classless),
	    cmocka_unit_test(test_host_lease),	    cmocka_unit_test(test_dns),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
