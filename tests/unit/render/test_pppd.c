/* render_dhcpcd_session: the config of a PPPoE session's DHCPv6 client
 * (dhcpcd) asks for IA_NA and IA_PD of the port's length on the session's
 * link, assigns the prefix to no link, solicits no RA, gives the DUID-LL
 * of the port's Ethernet address, and runs nftrouter as its script with
 * the daemon's dirs; a port without pppoe has none. The guest test
 * tests/lab/vm-pppoe6.sh runs it against a DHCPv6 server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/render.h"
#include "text_assert.h"

static const struct render_paths paths = {.state_dir = "/var/lib/nftrouter",
					  .run_dir = "/run/nftrouter",
					  .config = "/etc/nftrouter/router.yaml",
					  .bin = "/usr/sbin/nftrouter"};

static void test_session_client(void **state)
{
	(void)state;
	struct pppoe pp = {.ifname = "dsl0"};
	struct iface p = {.name = "wan", .pppoe = &pp, .ipv6 = IPV6_DHCP, .pd_len = 60};
	const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xaa, 0x0b, 0x02};
	char *s = render_dhcpcd_session(&p, &paths, mac);
	assert_non_null(s);
	has_line(s, "script /usr/sbin/nftrouter");
	has_line(s, "env NFTROUTER_HOOK_STATE_DIR=/var/lib/nftrouter");
	has_line(s, "env NFTROUTER_HOOK_RUN_DIR=/run/nftrouter");
	has_line(s, "duid 00:03:00:01:52:54:00:aa:0b:02");
	has_line(s, "ipv6only");
	has_line(s, "noipv6rs");
	has_line(s, "option dhcp6_name_servers");
	has_line(s, "interface dsl0");
	has_line(s, "  ia_na 1");
	has_line(s, "  ia_pd 2/::/60 -");
	free(s);
}

static void test_no_pppoe(void **state)
{
	(void)state;
	struct iface p = {.name = "wan", .ipv6 = IPV6_DHCP, .pd_len = 56};
	const uint8_t mac[6] = {0};
	assert_null(render_dhcpcd_session(&p, &paths, mac));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_session_client),
	    cmocka_unit_test(test_no_pppoe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
