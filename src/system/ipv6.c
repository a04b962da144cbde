#include "system/ipv6.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "system/state.h"
#include "util/file.h"

/* RFC 4193 3.2: fd00::/8, a 40-bit global ID chosen at random, subnet
 * bits zero. The RFC's SHA-1 of a timestamp and an EUI-64 is one way to
 * get random bits; the kernel's generator is a better one. */
static int ula_generate(struct cidr *out)
{
	uint8_t id[5];
	if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id))
		return errno ? -errno : -EIO;
	memset(out, 0, sizeof(*out));
	out->addr.family = AF_INET6;
	out->addr.a[0] = 0xfd;
	memcpy(out->addr.a + 1, id, sizeof(id));
	out->len = 48;
	return 0;
}

static bool ula_valid(const struct cidr *c)
{
	struct cidr net;
	cidr_network(c, &net);
	return c->addr.family == AF_INET6 && c->len == 48 && c->addr.a[0] == 0xfd &&
	       addr_equal(&net.addr, &c->addr);
}

/* create false: 1 (has_ula false) where a prefix would be generated. */
static int ula_load(const char *state_dir, const struct router *r, struct ipv6_live *lv,
		    struct diags *d, bool create)
{
	char path[4096], buf[128], txt[ADDR_STRLEN];
	struct pos at = r->ipv6.ula_pos;
	int rc;
	bool wanted = false;
	lv->has_ula = false;
	/* No port numbers from it: no prefix made, no file written. */
	for (size_t i = 0; i < r->n_ifaces; i++)
		wanted |= r->ifaces[i].ipv6 == IPV6_LAN;
	if (r->ipv6.ula == ULA_NONE || !wanted)
		return 0;
	if (r->ipv6.ula == ULA_STATIC) {
		lv->ula = r->ipv6.ula_prefix;
		lv->has_ula = true;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", state_dir, ULA_FILE);
	ssize_t n = file_read_into(path, buf, sizeof(buf));
	if (n >= 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (cidr_parse(buf, &lv->ula) < 0 || !ula_valid(&lv->ula)) {
			diag_error(d, at, "%s: not a ULA /48 ('%s'); remove it to get a new one",
				   path, buf);
			return -EINVAL;
		}
		lv->has_ula = true;
		return 0;
	}
	if (n != -ENOENT) {
		diag_error(d, at, "%s: %s", path, strerror((int)-n));
		return (int)n;
	}
	if (!create)
		return 1;
	if ((rc = state_mkdir(state_dir)) < 0 || (rc = ula_generate(&lv->ula)) < 0) {
		diag_error(d, at, "generating a ULA prefix: %s", strerror(-rc));
		return rc;
	}
	cidr_format(&lv->ula, txt, sizeof(txt));
	snprintf(buf, sizeof(buf), "%s\n", txt);
	if ((rc = file_write_atomic(path, buf, strlen(buf), 0644, FILE_SYNC)) < 0) {
		diag_error(d, at, "%s: %s", path, strerror(-rc));
		return rc;
	}
	lv->has_ula = true;
	return 0;
}

int ipv6_ula_load(const char *state_dir, const struct router *r, struct ipv6_live *lv,
		  struct diags *d)
{
	return ula_load(state_dir, r, lv, d, true);
}

int ipv6_ula_peek(const char *state_dir, const struct router *r, struct ipv6_live *lv,
		  struct diags *d)
{
	return ula_load(state_dir, r, lv, d, false);
}

int ipv6_accept_ra_wanted(const struct iface *p)
{
	/* A PPPoE port's IPv6 is on its session's link, not on the Ethernet
	 * port, which carries only PPPoE frames (daemon/pppoe.c). */
	if (p->pppoe)
		return 1;
	return p->ipv6 == IPV6_SLAAC || p->ipv6 == IPV6_DHCP ? 2 : 1;
}

static void accept_ra_path(const char *ifname, char *out, size_t size)
{
	snprintf(out, size, "/proc/sys/net/ipv6/conf/%s/accept_ra", ifname);
}

int ipv6_accept_ra_get(const char *ifname)
{
	char path[128], buf[16];
	accept_ra_path(ifname, path, sizeof(path));
	ssize_t n = file_read_into(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return atoi(buf);
}

int ipv6_accept_ra_set(const char *ifname, int value)
{
	char path[128], buf[16];
	accept_ra_path(ifname, path, sizeof(path));
	snprintf(buf, sizeof(buf), "%d\n", value);
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	int rc = fputs(buf, f) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}
