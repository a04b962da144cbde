/* Flowtable offload: the model's pairs, the flowtable rendered from the
 * links present, the update that adds the ports that appeared, and the
 * device list read back from a listing (model/offload.c,
 * render/nft_offload.c, system/offload.c). The kernel side is
 * tests/lab/vm-flowtable.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "render/render.h"
#include "router_text.h"
#include "system/offload.h"

static const char cfg[] =
	"offload: software\n"
	"interfaces:\n"
	"  wan: { match: { mac: \"52:54:00:00:00:01\" }, ipv4: 203.0.113.1/24 }\n"
	"  lan: { match: { mac: \"52:54:00:00:00:02\" }, ipv4: 192.168.1.1/24 }\n"
	"  iot: { vlan: { parent: lan, id: 20 }, ipv4: 192.168.20.1/24 }\n"
	"  dmz: { match: { mac: \"52:54:00:00:00:03\" }, ipv4: 192.168.2.1/24 }\n"
	"  mgmt: { match: { mac: \"52:54:00:00:00:04\" }, ipv4: 192.168.3.1/24 }\n"
	"zones:\n"
	"  wan: { interfaces: [wan], masquerade: true }\n"
	"  lan: { interfaces: [lan, iot], forward: [wan, dmz], offload: [wan] }\n"
	"  dmz: { interfaces: [dmz], forward: [wan] }\n"
	"  mgmt: { interfaces: [mgmt], forward: [wan], offload: none }\n";

static void test_model(void **state)
{
	(void)state;
	struct router *r = router_from_text(cfg);
	assert_true(router_offloads(r));
	/* lan's list: wan yes, dmz no; dmz: the top level; mgmt: none. */
	const struct zone *lan = router_zone(r, "lan"), *mgmt = router_zone(r, "mgmt");
	assert_true(lan->offload[0]);
	assert_false(lan->offload[1]);
	assert_true(router_zone(r, "dmz")->offload[0]);
	assert_false(mgmt->offload[0]);
	assert_true(iface_offloaded(r, router_iface(r, "iot")));
	assert_true(iface_offloaded(r, router_iface(r, "dmz")));
	assert_false(iface_offloaded(r, router_iface(r, "mgmt")));
	router_free(r);
}

static void test_live_devices(void **state)
{
	(void)state;
	struct router *r = router_from_text(cfg);
	const char *some[] = {"wan", "eth7"};
	struct nft_links present = {some, 2}, none = {NULL, 0};
	char *all = render_nft(r), *part = render_nft_live(r, NULL, 0, &present);
	char *empty = render_nft_live(r, NULL, 0, &none);
	assert_non_null(strstr(all, "devices = { \"wan\", \"lan\", \"iot\", \"dmz\" }\n"));
	assert_non_null(strstr(part, "devices = { \"wan\" }\n"));
	/* No port there: a flowtable without devices, which the kernel takes. */
	assert_null(strstr(empty, "devices ="));
	assert_non_null(strstr(empty, "flowtable ft {\n\t\thook ingress priority filter\n\t\tcounter\n"));
	/* The rules name the flowtable's ports, never mgmt's. */
	assert_non_null(strstr(all, "iifname { \"lan\", \"iot\" } oifname \"wan\" meta l4proto "
				    "{ tcp, udp } ct state established flow add @ft"));
	assert_null(strstr(all, "\"mgmt\" meta l4proto"));
	free(all);
	free(part);
	free(empty);
	router_free(r);
}

static void test_add_update(void **state)
{
	(void)state;
	struct router *r = router_from_text(cfg);
	const char *now_v[] = {"wan", "lan", "iot", "mgmt"}, *before_v[] = {"wan", "lan"};
	struct nft_links now = {now_v, 4}, before = {before_v, 2};
	char *s = render_nft_offload_add(r, &now, &before);
	assert_string_equal(s, "add flowtable inet nftrouter ft { hook ingress priority filter; "
			       "devices = { \"iot\" }; counter; }\n");
	free(s);
	s = render_nft_offload_add(r, &before, &before); /* nothing new */
	assert_string_equal(s, "");
	free(s);
	router_free(r);
	r = router_from_text("interfaces:\n"
			     "  wan: { match: { mac: \"52:54:00:00:00:01\" }, ipv4: dhcp }\n"
			     "zones:\n  wan: { interfaces: [wan] }\n");
	s = render_nft_offload_add(r, &now, NULL); /* no offload: nothing */
	assert_string_equal(s, "");
	free(s);
	router_free(r);
}

static void test_listed(void **state)
{
	(void)state;
	struct link_names l;
	assert_int_equal(offload_listed_ports("table inet nftrouter {\n\tflowtable ft {\n"
					      "\t\thook ingress priority filter\n"
					      "\t\tdevices = { iot, lan, \"w-1\" }\n"
					      "\t\tcounter\n\t}\n\n\tchain input {\n",
					      &l),
			 0);
	assert_int_equal(l.l.n, 3);
	assert_string_equal(l.l.names[0], "iot");
	assert_string_equal(l.l.names[1], "lan");
	assert_string_equal(l.l.names[2], "w-1");
	link_names_free(&l);
	/* A flowtable without devices: the devices of a later part do not count. */
	assert_int_equal(offload_listed_ports("\tflowtable ft {\n\t\thook ingress priority filter\n"
					      "\t}\n\tdevices = { x }\n",
					      &l),
			 0);
	assert_int_equal(l.l.n, 0);
	link_names_free(&l);
	assert_int_equal(offload_listed_ports(NULL, &l), 0);
	assert_int_equal(l.l.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_model),
	    cmocka_unit_test(test_live_devices),
	    cmocka_unit_test(test_add_update),
	    cmocka_unit_test(test_listed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
