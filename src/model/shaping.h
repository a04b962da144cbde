/* interfaces.X.shaping: traffic shaping against bufferbloat on a port
 * (docs/router.yaml.md, "shaping"). CAKE on the port's egress and, through
 * an IFB device, on its ingress; apply falls back to HTB when the kernel
 * has no CAKE (system/shaping.c). The pure parts live here: rates,
 * the link-layer overhead presets, the resolved settings. */
#ifndef NFTROUTER_MODEL_SHAPING_H
#define NFTROUTER_MODEL_SHAPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

/* Rates nftrouter accepts, bits per second: from a slow DSL upstream to
 * what CAKE and HTB shape on a 100 Gbit/s port. */
#define SHAPING_RATE_MIN 64000ULL
#define SHAPING_RATE_MAX 100000000000ULL
/* CAKE's own bounds for overhead and mpu (tc-cake(8)). */
#define SHAPING_OVERHEAD_MIN (-64)
#define SHAPING_OVERHEAD_MAX 256
#define SHAPING_MPU_MAX 256

/* How the line frames a packet: ATM cells (ADSL), PTM (VDSL2), or none. */
enum shaping_framing { SHAPING_FRAMING_NONE, SHAPING_FRAMING_ATM, SHAPING_FRAMING_PTM };
/* CAKE's tins: the values are CAKE's own (CAKE_DIFFSERV_*). */
enum shaping_diffserv {
	SHAPING_DIFFSERV3 = 0,
	SHAPING_DIFFSERV4 = 1,
	SHAPING_DIFFSERV8 = 2,
	SHAPING_BESTEFFORT = 3,
};

/* A named line type: bytes added to every packet, the minimum size on
 * the wire, the framing (the figures of tc-cake(8)'s keywords). */
struct shaping_preset {
	const char *name;
	int overhead;
	unsigned mpu;
	enum shaping_framing framing;
	const char *what; /* for docs and errors */
};

struct shaping {
	bool on;
	struct pos pos;           /* of the `shaping` value */
	uint64_t egress, ingress; /* bits/s; 0: that direction is not shaped */
	int overhead;             /* bytes per packet added to the IP packet */
	bool overhead_set;        /* compensate (else the kernel's size: IP + Ethernet header) */
	unsigned mpu;             /* bytes */
	enum shaping_framing framing;
	const char *preset;       /* the preset's name (static), or NULL for a number */
	enum shaping_diffserv diffserv;
	bool nat;                 /* per-host fairness behind masquerade (CAKE's nat) */
	bool nat_set;             /* written in the file (else: the zone masquerades) */
};

/* "40mbit", "1.5gbit", "512kbit", "64000bit" (SI units, as tc(8)) into
 * bits/s. 0, or -EINVAL (malformed) / -ERANGE (outside MIN..MAX). */
int shaping_rate_parse(const char *s, uint64_t *bps);
/* bits/s as the shortest exact "40mbit" / "1500kbit" / "64001bit". */
void shaping_rate_format(uint64_t bps, char *out, size_t size);

/* The preset named s, or NULL. */
const struct shaping_preset *shaping_preset_find(const char *s);
/* Every preset, NULL-terminated by name (docs, --help, errors). */
extern const struct shaping_preset shaping_presets[];

/* "besteffort", "diffserv3", ... for d. */
const char *shaping_diffserv_name(enum shaping_diffserv d);
const char *shaping_framing_name(enum shaping_framing f);

/* The IFB device that carries port's ingress: "ifb-" and the port's name
 * (which the model keeps to 11 characters when ingress is shaped). */
#define SHAPING_IFB_PREFIX "ifb-"
#define SHAPING_PORT_NAME_MAX 11
void shaping_ifb_name(const char *port, char out[16]);

#endif
