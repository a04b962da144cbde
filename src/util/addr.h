/* Parsing and printing of the small value types router.yaml is made of:
 * addresses, prefixes, MACs, PCI addresses, ports, durations, names.
 * Pure functions, shared by the model (validation) and the system layer
 * (ban requests arrive as text too). Each returns 0 or -EINVAL. */
#ifndef NFTROUTER_ADDR_H
#define NFTROUTER_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ipaddr {
	int family;     /* AF_INET or AF_INET6; 0 = unset */
	uint8_t a[16];  /* network byte order; IPv4 uses a[0..3] */
};

struct cidr {
	struct ipaddr addr; /* as written (192.168.1.1/24 keeps .1: the router's address) */
	int len;
};

/* An address as one big-endian number (IPv4 in the low 32 bits), for
 * ranges and sorting: the blocklist merge and the kernel set dump. */
__extension__ typedef unsigned __int128 u128;
/* The first len bytes of a (4 for IPv4, 16 for IPv6) as a number. */
u128 addr_bytes_u128(const uint8_t *a, size_t len);
/* The other way: v's low len bytes, big-endian, into out. */
void addr_u128_bytes(u128 v, uint8_t *out, size_t len);

#define ADDR_STRLEN 64  /* fits "ffff:...:ffff/128" and "255.255.255.255:65535" */

int addr_parse(const char *s, struct ipaddr *out);               /* v4 or v6 */
int addr_parse4(const char *s, struct ipaddr *out);              /* v4 only */
int cidr_parse(const char *s, struct cidr *out);                 /* "A/LEN"; "A" = host prefix */
void addr_format(const struct ipaddr *a, char *out, size_t size); /* inet_ntop */
void cidr_format(const struct cidr *c, char *out, size_t size);  /* "A/LEN" */
void cidr_network(const struct cidr *c, struct cidr *net);       /* host bits cleared */
bool cidr_contains(const struct cidr *c, const struct ipaddr *a);
bool cidr_overlap(const struct cidr *a, const struct cidr *b);
bool cidr_equal(const struct cidr *a, const struct cidr *b);       /* same address and length */
int addr_cmp(const struct ipaddr *a, const struct ipaddr *b);   /* memcmp order, same family */
bool addr_equal(const struct ipaddr *a, const struct ipaddr *b);

int mac_parse(const char *s, uint8_t mac[6]); /* "52:54:00:00:00:02", any case */
void mac_format(const uint8_t mac[6], char out[18]);
int pci_parse(const char *s, char out[13]);   /* "0000:01:00.1" or "01:00.1" → "0000:01:00.1" */
int port_parse(const char *s, uint16_t *out); /* 1-65535 */
int duration_parse(const char *s, uint32_t *secs); /* "30s", "10m", "1h", "1d", "0" */
void duration_format(uint32_t secs, char *out, size_t size); /* largest exact unit */

/* An interface name the kernel accepts and nftables/dnsmasq text can hold:
 * 1-15 chars of [a-z0-9_-], starting with a letter. */
bool ifname_valid(const char *s);
/* A name (rule, host, zone) safe in nft comments and dnsmasq text:
 * 1-63 chars of [A-Za-z0-9_.-]. */
bool name_valid(const char *s);
/* A DNS host name or domain: labels of [A-Za-z0-9-], dots between, <= 253. */
bool hostname_valid(const char *s);

#endif
