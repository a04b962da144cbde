/* DNS messages for the daemon's dnsmasq statistics (util/dnsmsg.h). Only
 * what those need: one question out, one TXT answer in (RFC 1035 4.1). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "util/dnsmsg.h"

#define HDR 12
#define FLAG_QR 0x8000
#define FLAG_TC 0x0200
#define FLAG_RD 0x0100
#define OPCODE(f) (((f) >> 11) & 0xf)
#define RCODE(f) ((f) & 0xf)
/* More pointers than a name has labels is a loop or a trick. */
#define NAME_HOPS 128

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int dnsmsg_query(uint8_t *out, size_t size, uint16_t id, const char *name, uint16_t type,
		 uint16_t cls)
{
	size_t nlen = strlen(name), off = HDR;
	if (nlen && name[nlen - 1] == '.')
		nlen--;
	/* On the wire: a length byte before each label and the root's 0. */
	if (!nlen || nlen + 2 > DNSMSG_NAME_MAX || name[nlen - 1] == '.')
		return -EINVAL;
	/* Labels plus their length bytes, the root, type and class. */
	if (size < HDR + nlen + 2 + 4)
		return -ENOSPC;
	memset(out, 0, HDR);
	put16(out, id);
	put16(out + 2, FLAG_RD);
	put16(out + 4, 1);
	for (size_t i = 0; i < nlen;) {
		size_t l = 0;
		while (i + l < nlen && name[i + l] != '.')
			l++;
		if (l == 0 || l > 63)
			return -EINVAL;
		out[off++] = (uint8_t)l;
		memcpy(out + off, name + i, l);
		off += l;
		i += l + 1;
	}
	out[off++] = 0;
	put16(out + off, type);
	put16(out + off + 2, cls);
	return (int)(off + 4);
}

int dnsmsg_id(const uint8_t *m, size_t len, uint16_t *id)
{
	if (len < HDR)
		return -EBADMSG;
	*id = get16(m);
	return 0;
}

/* The name at *off into text (dotted, lowercase, "" for the root);
 * *off moves past it in the message (past the first pointer if any).
 * Pointers must point before the name they continue, so every jump goes
 * backwards and there can be no loop; NAME_HOPS bounds it anyway. */
static int name_read(const uint8_t *m, size_t len, size_t *off, char *text)
{
	size_t p = *off, tlen = 0, lowest = *off;
	bool jumped = false;
	for (unsigned hops = 0; hops < NAME_HOPS; hops++) {
		if (p >= len)
			return -EBADMSG;
		uint8_t l = m[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len)
				return -EBADMSG;
			size_t to = (size_t)(l & 0x3f) << 8 | m[p + 1];
			if (to >= lowest)
				return -EBADMSG;
			if (!jumped)
				*off = p + 2;
			jumped = true;
			p = lowest = to;
			continue;
		}
		if (l & 0xc0) /* the 0x40 and 0x80 label types: not in answers we ask for */
			return -EBADMSG;
		if (l == 0) {
			if (!jumped)
				*off = p + 1;
			text[tlen] = '\0';
			return 0;
		}
		if (p + 1 + l > len || tlen + l + 1 > DNSMSG_NAME_MAX)
			return -EBADMSG;
		if (tlen)
			text[tlen++] = '.';
		for (size_t i = 0; i < l; i++)
			text[tlen++] = (char)tolower(m[p + 1 + i]);
		p += 1 + l;
	}
	return -EBADMSG;
}

static bool name_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* A TXT record's rdata: length-prefixed strings filling it exactly. */
static int txt_strings(const uint8_t *r, size_t rlen, struct dnsmsg_txt *out)
{
	for (size_t p = 0; p < rlen;) {
		size_t l = r[p];
		if (p + 1 + l > rlen)
			return -EBADMSG;
		if (out->n == DNSMSG_TXT_STRINGS)
			return -E2BIG;
		for (size_t i = 0; i < l; i++)
			if (r[p + 1 + i] < 0x20 || r[p + 1 + i] > 0x7e)
				return -EBADMSG;
		memcpy(out->s[out->n], r + p + 1, l);
		out->s[out->n++][l] = '\0';
		p += 1 + l;
	}
	return 0;
}

static int question_check(const uint8_t *m, size_t len, size_t *off, const char *name)
{
	char q[DNSMSG_NAME_MAX + 1];
	int rc = name_read(m, len, off, q);
	if (rc < 0)
		return rc;
	if (*off + 4 > len)
		return -EBADMSG;
	if (!name_equal(q, name) || get16(m + *off) != DNSMSG_TYPE_TXT ||
	    get16(m + *off + 2) != DNSMSG_CLASS_CH)
		return -EPROTO;
	*off += 4;
	return 0;
}

int dnsmsg_txt(const uint8_t *m, size_t len, const char *name, struct dnsmsg_txt *out)
{
	size_t off = HDR;
	bool found = false;
	out->n = 0;
	if (len < HDR)
		return -EBADMSG;
	uint16_t flags = get16(m + 2), qd = get16(m + 4), an = get16(m + 6);
	if (!(flags & FLAG_QR) || (flags & FLAG_TC) || OPCODE(flags) || RCODE(flags) || qd != 1)
		return -EPROTO;
	int rc = question_check(m, len, &off, name);
	if (rc < 0)
		return rc;
	for (uint16_t i = 0; i < an; i++) {
		char owner[DNSMSG_NAME_MAX + 1];
		if ((rc = name_read(m, len, &off, owner)) < 0)
			return rc;
		if (off + 10 > len)
			return -EBADMSG;
		uint16_t type = get16(m + off), cls = get16(m + off + 2);
		size_t rlen = get16(m + off + 8);
		off += 10;
		if (off + rlen > len)
			return -EBADMSG;
		if (type == DNSMSG_TYPE_TXT && cls == DNSMSG_CLASS_CH && name_equal(owner, name)) {
			if ((rc = txt_strings(m + off, rlen, out)) < 0)
				return rc;
			found = true;
		}
		off += rlen;
	}
	return found ? 0 : -ENODATA;
}

int dnsmsg_stat_count(const char *s, uint32_t *v)
{
	bool neg = *s == '-';
	uint64_t n = 0;
	size_t digits = 0;
	for (const char *p = s + neg; *p; p++, digits++) {
		if (*p < '0' || *p > '9' || digits == 10)
			return -EINVAL;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (!digits || (neg && (n == 0 || n > 0x80000000u)) || (!neg && n > 0xffffffffu))
		return -EINVAL;
	*v = neg ? (uint32_t)(0x100000000u - n) : (uint32_t)n;
	return 0;
}

static bool addr_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == ':' || c == '%' || c == '_' ||
	       c == '-';
}

int dnsmsg_stat_server(const char *s, struct dnsmsg_server *out)
{
	const char *hash = strchr(s, '#'), *sp1, *sp2;
	char num[16];
	if (!hash || hash == s)
		return -EINVAL;
	for (const char *p = s; p < hash; p++)
		if (!addr_char(*p))
			return -EINVAL;
	sp1 = strchr(hash, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2 || strchr(sp2 + 1, ' '))
		return -EINVAL;
	size_t plen = (size_t)(sp1 - hash - 1);
	uint32_t port;
	if (plen == 0 || plen > 5)
		return -EINVAL;
	memcpy(num, hash + 1, plen);
	num[plen] = '\0';
	if (num[0] == '-' || dnsmsg_stat_count(num, &port) < 0 || port == 0 || port > 65535)
		return -EINVAL;
	size_t qlen = (size_t)(sp2 - sp1 - 1);
	if (qlen == 0 || qlen >= sizeof(num))
		return -EINVAL;
	memcpy(num, sp1 + 1, qlen);
	num[qlen] = '\0';
	if (num[0] == '-' || dnsmsg_stat_count(num, &out->queries) < 0 || sp2[1] == '-' ||
	    dnsmsg_stat_count(sp2 + 1, &out->failed) < 0)
		return -EINVAL;
	if ((size_t)(sp1 - s) >= sizeof(out->server))
		return -EINVAL;
	memcpy(out->server, s, (size_t)(sp1 - s));
	out->server[sp1 - s] = '\0';
	return 0;
}
