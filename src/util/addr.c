#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

u128 addr_bytes_u128(const uint8_t *a, size_t len)
{
	u128 v = 0;
	for (size_t i = 0; i < len; i++)
		v = v << 8 | a[i];
	return v;
}

void addr_u128_bytes(u128 v, uint8_t *out, size_t len)
{
	for (size_t i = len; i-- > 0;) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

int addr_parse(const char *s, struct ipaddr *out)
{
	struct ipaddr a = {0};
	if (inet_pton(AF_INET, s, a.a) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.a) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*out = a;
	return 0;
}

int addr_parse4(const char *s, struct ipaddr *out)
{
	struct ipaddr a = {0};
	if (inet_pton(AF_INET, s, a.a) != 1)
		return -EINVAL;
	a.family = AF_INET;
	*out = a;
	return 0;
}

static int addr_bits(const struct ipaddr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

int cidr_parse(const char *s, struct cidr *out)
{
	char tmp[ADDR_STRLEN];
	if (strlen(s) >= sizeof(tmp))
		return -EINVAL;
	strcpy(tmp, s);
	char *slash = strchr(tmp, '/');
	int len = -1;
	if (slash) {
		*slash = '\0';
		const char *p = slash + 1;
		if (!*p || strlen(p) > 3)
			return -EINVAL;
		len = 0;
		for (; *p; p++) {
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			len = len * 10 + (*p - '0');
		}
	}
	struct cidr c;
	if (addr_parse(tmp, &c.addr) < 0)
		return -EINVAL;
	if (len < 0)
		len = addr_bits(&c.addr);
	if (len > addr_bits(&c.addr))
		return -EINVAL;
	c.len = len;
	*out = c;
	return 0;
}

void addr_format(const struct ipaddr *a, char *out, size_t size)
{
	if (!a->family || !inet_ntop(a->family, a->a, out, (socklen_t)size))
		snprintf(out, size, "?");
}

void cidr_format(const struct cidr *c, char *out, size_t size)
{
	char a[ADDR_STRLEN];
	addr_format(&c->addr, a, sizeof(a));
	snprintf(out, size, "%s/%d", a, c->len);
}

void cidr_network(const struct cidr *c, struct cidr *net)
{
	*net = *c;
	int bytes = addr_bits(&c->addr) / 8;
	for (int i = 0; i < bytes; i++) {
		int keep = c->len - i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
		net->addr.a[i] &= mask;
	}
}

static bool prefix_match(const uint8_t *x, const uint8_t *y, int len)
{
	int full = len / 8, rest = len % 8;
	if (memcmp(x, y, (size_t)full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (x[full] & mask) == (y[full] & mask);
}

bool cidr_contains(const struct cidr *c, const struct ipaddr *a)
{
	return c->addr.family == a->family && prefix_match(c->addr.a, a->a, c->len);
}

bool cidr_equal(const struct cidr *a, const struct cidr *b)
{
	return a->len == b->len && addr_equal(&a->addr, &b->addr);
}

bool cidr_overlap(const struct cidr *a, const struct cidr *b)
{
	if (a->addr.family != b->addr.family)
		return false;
	return prefix_match(a->addr.a, b->addr.a, a->len < b->len ? a->len : b->len);
}

int addr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, (size_t)addr_bits(a) / 8);
}

bool addr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return addr_cmp(a, b) == 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* Hex digits of exactly width n at s. */
static bool hexn(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

int pci_parse(const char *s, char out[13])
{
	char full[13];
	size_t n = strlen(s);
	if (n == 7)
		snprintf(full, sizeof(full), "0000:%s", s);
	else if (n == 12)
		snprintf(full, sizeof(full), "%s", s);
	else
		return -EINVAL;
	/* DDDD:BB:SS.F with slot <= 1f and function <= 7 */
	if (!hexn(full, 4) || full[4] != ':' || !hexn(full + 5, 2) || full[7] != ':' ||
	    !hexn(full + 8, 2) || full[10] != '.' || full[11] < '0' || full[11] > '7')
		return -EINVAL;
	if (hexval(full[8]) * 16 + hexval(full[9]) > 0x1f)
		return -EINVAL;
	for (int i = 0; i < 12; i++)
		out[i] = (char)tolower((unsigned char)full[i]);
	out[12] = '\0';
	return 0;
}

/* A decimal without sign, leading zeros or overflow past max. */
static int decimal_parse(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int port_parse(const char *s, uint16_t *out)
{
	unsigned long v;
	if (decimal_parse(s, strlen(s), 65535, &v) < 0 || v == 0)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int duration_parse(const char *s, uint32_t *secs)
{
	size_t n = strlen(s);
	if (n == 1 && s[0] == '0') {
		*secs = 0;
		return 0;
	}
	if (n < 2)
		return -EINVAL;
	unsigned long mult;
	switch (s[n - 1]) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: return -EINVAL;
	}
	unsigned long v;
	if (decimal_parse(s, n - 1, 0xffffffffUL / mult, &v) < 0)
		return -EINVAL;
	*secs = (uint32_t)(v * mult);
	return 0;
}

void duration_format(uint32_t secs, char *out, size_t size)
{
	if (secs == 0)
		snprintf(out, size, "0");
	else if (secs % 86400 == 0)
		snprintf(out, size, "%ud", secs / 86400);
	else if (secs % 3600 == 0)
		snprintf(out, size, "%uh", secs / 3600);
	else if (secs % 60 == 0)
		snprintf(out, size, "%um", secs / 60);
	else
		snprintf(out, size, "%us", secs);
}

bool ifname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 15 || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

bool name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

bool hostname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 253)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(isalnum((unsigned char)s[i]) || s[i] == '-'))
			return false;
		if (label == 0 && s[i] == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[n - 1] != '-';
}
