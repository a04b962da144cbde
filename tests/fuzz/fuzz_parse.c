/* libFuzzer target: any bytes through the config and model stages. The
 * whole pipeline must refuse or accept without crashing, leaking or
 * reading out of bounds; a router it accepts must free cleanly. */
#include <stddef.h>
#include <stdint.h>

#include "config/tree.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = DIAGS_INIT;
	struct cfg_doc *doc = cfg_parse_buf("fuzz.yaml", (const char *)data, size, &d);
	if (doc) {
		struct router *r = model_build(doc, &d);
		if (r) {
			/* Exercise the look-ups renderers rely on. */
			for (size_t i = 0; i < r->n_zones; i++) {
				(void)router_zone(r, r->zones[i].name);
				(void)zone_has_service(&r->zones[i], "dhcp");
			}
			for (size_t i = 0; i < r->n_ifaces; i++)
				(void)router_iface(r, r->ifaces[i].name);
		}
		router_free(r);
		cfg_doc_free(doc);
	}
	diags_sort(&d);
	diags_free(&d);
	return 0;
}
