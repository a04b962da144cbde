/* interfaces.X.shaping: rates, overhead presets, and the port's settings
 * validated with their positions. What the kernel gets is system/
 * shaping.c's; what `render shaping` prints, render/shaping.c's. */
#include "model/shaping.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/internal.h"

/* The figures behind tc-cake(8)'s keywords: bytes a line adds to an IP
 * packet, its minimum size, and whether it is carried in ATM cells
 * (ADSL) or PTM (VDSL2, 64/65 encoding). */
const struct shaping_preset shaping_presets[] = {
    {"raw", 0, 0, SHAPING_FRAMING_NONE, "no compensation (the size the kernel sees)"},
    {"ethernet", 38, 84, SHAPING_FRAMING_NONE, "Ethernet: preamble, gap, header, FCS"},
    {"ether-vlan", 42, 84, SHAPING_FRAMING_NONE, "Ethernet with an 802.1Q tag"},
    {"docsis", 18, 64, SHAPING_FRAMING_NONE, "cable (DOCSIS)"},
    {"pppoe-ptm", 30, 0, SHAPING_FRAMING_PTM, "VDSL2 with PPPoE"},
    {"bridged-ptm", 22, 0, SHAPING_FRAMING_PTM, "VDSL2, bridged"},
    {"pppoe-vcmux", 32, 0, SHAPING_FRAMING_ATM, "ADSL, PPPoE, VC-mux"},
    {"pppoe-llcsnap", 40, 0, SHAPING_FRAMING_ATM, "ADSL, PPPoE, LLC/SNAP"},
    {"pppoa-vcmux", 10, 0, SHAPING_FRAMING_ATM, "ADSL, PPPoA, VC-mux"},
    {"pppoa-llc", 14, 0, SHAPING_FRAMING_ATM, "ADSL, PPPoA, LLC"},
    {"bridged-vcmux", 24, 0, SHAPING_FRAMING_ATM, "ADSL, bridged, VC-mux"},
    {"bridged-llcsnap", 32, 0, SHAPING_FRAMING_ATM, "ADSL, bridged, LLC/SNAP"},
    {"ipoa-vcmux", 8, 0, SHAPING_FRAMING_ATM, "ADSL, IPoA, VC-mux"},
    {"ipoa-llcsnap", 16, 0, SHAPING_FRAMING_ATM, "ADSL, IPoA, LLC/SNAP"},
    {"conservative", 48, 0, SHAPING_FRAMING_ATM, "unknown ADSL: the worst case"},
    {NULL, 0, 0, SHAPING_FRAMING_NONE, NULL},
};

static const char *const shaping_keys[] = {"egress", "ingress", "overhead", "mpu",
					   "diffserv", "nat",	  NULL};

const struct shaping_preset *shaping_preset_find(const char *s)
{
	for (const struct shaping_preset *p = shaping_presets; p->name; p++)
		if (strcmp(p->name, s) == 0)
			return p;
	return NULL;
}

static const char *const diffserv_names[] = {"diffserv3", "diffserv4", "diffserv8", "besteffort"};

const char *shaping_diffserv_name(enum shaping_diffserv d)
{
	return (unsigned)d < 4 ? diffserv_names[d] : "?";
}

const char *shaping_framing_name(enum shaping_framing f)
{
	return f == SHAPING_FRAMING_ATM ? "atm" : f == SHAPING_FRAMING_PTM ? "ptm" : "none";
}

static const struct {
	const char *unit;
	uint64_t mult;
} rate_units[] = {{"bit", 1}, {"kbit", 1000}, {"mbit", 1000000}, {"gbit", 1000000000}};

/* Digits, at most one '.', then a unit: decimal arithmetic, no floats, so
 * "0.1mbit" is exactly 100000. */
int shaping_rate_parse(const char *s, uint64_t *bps)
{
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;
	bool digits = false, dot = false;
	for (; (*p >= '0' && *p <= '9') || (*p == '.' && !dot); p++) {
		if (*p == '.') {
			dot = true;
			continue;
		}
		digits = true;
		if (whole > SHAPING_RATE_MAX || scale > 1000000000)
			return -ERANGE;
		if (dot) {
			frac = frac * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		} else {
			whole = whole * 10 + (uint64_t)(*p - '0');
		}
	}
	if (!digits || (dot && scale == 1))
		return -EINVAL;
	for (size_t k = 0; k < sizeof(rate_units) / sizeof(rate_units[0]); k++) {
		if (strcmp(p, rate_units[k].unit) != 0)
			continue;
		uint64_t m = rate_units[k].mult;
		if (whole > SHAPING_RATE_MAX / m)
			return -ERANGE;
		/* A fraction finer than one bit/s is not a rate. */
		if (m % scale != 0 && (frac * m) % scale != 0)
			return -EINVAL;
		uint64_t v = whole * m + frac * m / scale;
		if (v < SHAPING_RATE_MIN || v > SHAPING_RATE_MAX)
			return -ERANGE;
		*bps = v;
		return 0;
	}
	return -EINVAL;
}

void shaping_rate_format(uint64_t bps, char *out, size_t size)
{
	for (size_t k = sizeof(rate_units) / sizeof(rate_units[0]); k-- > 1;) {
		uint64_t m = rate_units[k].mult;
		if (bps % m == 0) {
			snprintf(out, size, "%llu%s", (unsigned long long)(bps / m), rate_units[k].unit);
			return;
		}
	}
	snprintf(out, size, "%llubit", (unsigned long long)bps);
}

void shaping_ifb_name(const char *port, char out[16])
{
	snprintf(out, 16, SHAPING_IFB_PREFIX "%.*s", SHAPING_PORT_NAME_MAX, port);
}

static int rate_build(struct diags *d, const struct cfg_node *n, const char *what, uint64_t *out)
{
	struct shown sh;
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	int rc = shaping_rate_parse(s, out);
	if (rc == -ERANGE)
		diag_error(d, n->pos, "%s: '%s' is outside 64kbit..100gbit", what, node_show(n, &sh));
	else if (rc < 0)
		diag_error(d, n->pos,
			   "%s: malformed rate '%s' (a number and bit, kbit, mbit or gbit, e.g. "
			   "40mbit; tc's kbps/mbps are bytes and not accepted)",
			   what, node_show(n, &sh));
	return rc;
}

/* overhead: a preset's name, or a number of bytes (no framing). */
static void overhead_build(struct diags *d, const struct cfg_node *n, struct shaping *s,
			   const char *what)
{
	struct shown sh;
	const char *v = expect_str(d, n, what);
	if (!v)
		return;
	const struct shaping_preset *p = shaping_preset_find(v);
	if (p) {
		s->preset = p->name;
		s->overhead = p->overhead;
		s->mpu = p->mpu;
		s->framing = p->framing;
		s->overhead_set = strcmp(p->name, "raw") != 0;
		return;
	}
	const char *num = v[0] == '-' ? v + 1 : v;
	unsigned long u;
	if (decimal_parse(num, &u) == 0 && u <= SHAPING_OVERHEAD_MAX &&
	    (v[0] != '-' || u <= (unsigned long)-SHAPING_OVERHEAD_MIN)) {
		s->overhead = v[0] == '-' ? -(int)u : (int)u;
		s->overhead_set = true;
		return;
	}
	diag_error(d, n->pos,
		   "%s: '%s' is neither a number of bytes -64..256 nor a line type (ethernet, "
		   "ether-vlan, docsis, pppoe-ptm, bridged-ptm, pppoe-vcmux, pppoe-llcsnap, "
		   "pppoa-vcmux, pppoa-llc, bridged-vcmux, bridged-llcsnap, ipoa-vcmux, "
		   "ipoa-llcsnap, conservative, raw)",
		   what, node_show(n, &sh));
}

static void diffserv_build(struct diags *d, const struct cfg_node *n, struct shaping *s,
			   const char *what)
{
	struct shown sh;
	const char *v = expect_str(d, n, what);
	if (!v)
		return;
	for (unsigned k = 0; k < 4; k++) {
		if (strcmp(v, diffserv_names[k]) == 0) {
			s->diffserv = (enum shaping_diffserv)k;
			return;
		}
	}
	diag_error(d, n->pos, "%s: '%s': expected besteffort, diffserv3, diffserv4 or diffserv8",
		   what, node_show(n, &sh));
}

void shaping_build(struct diags *d, const struct cfg_node *n, struct router *r, struct iface *i,
		   const char *what)
{
	char w[WHAT_MAX], k[WHAT_MAX];
	struct shaping *s = &i->shaping;
	const struct cfg_node *v;
	what_join(w, what, "shaping");
	if (!expect_map(d, n, w))
		return;
	check_keys(d, n, shaping_keys, w);
	s->pos = model_pos(r, n);
	s->diffserv = SHAPING_BESTEFFORT;
	if ((v = cfg_map_get(n, "egress")))
		rate_build(d, v, what_join(k, w, "egress"), &s->egress);
	if ((v = cfg_map_get(n, "ingress")) &&
	    rate_build(d, v, what_join(k, w, "ingress"), &s->ingress) == 0 &&
	    strlen(i->name) > SHAPING_PORT_NAME_MAX)
		diag_error(d, v->pos,
			   "%s: the port's name is longer than %d characters, so its ingress "
			   "device '" SHAPING_IFB_PREFIX "%s' would be too (15 at most)",
			   k, SHAPING_PORT_NAME_MAX, i->name);
	if (!cfg_map_get(n, "egress") && !cfg_map_get(n, "ingress"))
		diag_error(d, n->pos, "%s: needs egress or ingress (a rate, e.g. egress: 40mbit)", w);
	if ((v = cfg_map_get(n, "overhead")))
		overhead_build(d, v, s, what_join(k, w, "overhead"));
	if ((v = cfg_map_get(n, "mpu"))) {
		unsigned long u;
		if (expect_uint(d, v, what_join(k, w, "mpu"), 0, SHAPING_MPU_MAX, &u) == 0)
			s->mpu = (unsigned)u;
	}
	if ((v = cfg_map_get(n, "diffserv")))
		diffserv_build(d, v, s, what_join(k, w, "diffserv"));
	if ((v = cfg_map_get(n, "nat")) && expect_bool(d, v, what_join(k, w, "nat"), &s->nat) == 0)
		s->nat_set = true;
	s->on = true;
}

void shaping_check(struct router *r, struct diags *d)
{
	for (size_t k = 0; k < r->n_ifaces; k++) {
		struct iface *p = &r->ifaces[k];
		struct shaping *s = &p->shaping;
		char ifb[16];
		if (!s->on)
			continue;
		/* Behind masquerade CAKE sees one host; nat makes it look the
		 * flows up in conntrack and share per inside host. */
		if (!s->nat_set)
			s->nat = p->zone && p->zone->masquerade;
		shaping_ifb_name(p->name, ifb);
		for (size_t j = 0; s->ingress && j < r->n_ifaces; j++)
			if (strcmp(r->ifaces[j].name, ifb) == 0)
				diag_error(d, r->ifaces[j].pos,
					   "interface '%s': the name is the ingress device of "
					   "interface '%s''s shaping; rename one",
					   ifb, p->name);
	}
}
