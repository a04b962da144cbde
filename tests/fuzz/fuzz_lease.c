/* libFuzzer target: a WAN DHCP lease as a hostile server could make
 * udhcpc export it. The bytes are split at NUL into ip, mask, router,
 * staticroutes, msstaticroutes and dns (what the hook reads from its
 * environment); lease_build must refuse or accept without crashing or
 * reading out of bounds, and what it accepts must hold together. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/lease.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	const char *field[6] = {NULL};
	struct lease_other lan[2];
	struct lease l;
	struct diags d = DIAGS_INIT;
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	/* A field is NULL when the input ends before it (udhcpc left it unset). */
	for (size_t i = 0, at = 0; i < 6 && at <= size; i++) {
		field[i] = copy + at;
		at += strlen(copy + at) + 1;
	}
	cidr_parse("192.168.100.1/24", &lan[0].net);
	strcpy(lan[0].name, "lan");
	cidr_parse("10.9.0.1/16", &lan[1].net);
	strcpy(lan[1].name, "opt");
	struct lease_env e = {field[0], field[1], field[2], field[3], field[4], field[5]};
	if (lease_build(&e, lan, 2, &l, &d) == 0) {
		/* Accepted: never the LAN, never a route into it. */
		if (cidr_overlap(&l.addr, &lan[0].net) || l.addr.len < LEASE_MIN_PREFIX ||
		    l.n_routes > LEASE_MAX_ROUTES)
			abort();
		for (size_t i = 0; i < l.n_routes; i++)
			if (l.routes[i].dst.len && cidr_overlap(&l.routes[i].dst, &lan[0].net))
				abort();
	}
	diags_free(&d);
	free(copy);
	return 0;
}
