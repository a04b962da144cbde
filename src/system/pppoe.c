/* What a PPPoE WAN needs of the system (model.h, struct pppoe): the
 * kernel's PPP and PPPoE, pppd, the password file, and the hook links
 * through which pppd's ip-up and ip-down reach nftrouter. */
#include "system/pppoe.h"

#include "system/kfeature.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

int pppoe_kfeature(const struct iface *p, struct diags *d)
{
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	bool ppp = kfeature_module(u.release, "ppp_generic", "drivers/net/ppp");
	bool pppoe = kfeature_module(u.release, "pppoe", "drivers/net/ppp");
	if (!ppp || !pppoe) {
		diag_error(d, p->pos,
			   "interface '%s': ipv4: pppoe: this kernel has no %s (no /sys/module/%s, "
			   "not in /lib/modules/%s/modules.builtin, no module in "
			   "/lib/modules/%s/kernel/drivers/net/ppp); pppd could not connect",
			   p->name, !ppp ? "PPP (ppp_generic)" : "PPPoE (pppoe)",
			   !ppp ? "ppp_generic" : "pppoe", u.release, u.release);
		return -EOPNOTSUPP;
	}
	if (access(PPPD_BIN, X_OK) < 0) {
		diag_error(d, p->pos,
			   "interface '%s': ipv4: pppoe: no %s (%s): install Debian's ppp package",
			   p->name, PPPD_BIN, strerror(errno));
		return -EOPNOTSUPP;
	}
	if (p->ipv6 == IPV6_DHCP && access(DHCPCD_BIN, X_OK) < 0) {
		diag_error(d, p->ipv6_pos,
			   "interface '%s': ipv6: dhcp on a pppoe port: no %s (%s), the session's "
			   "DHCPv6 client: install Debian's dhcpcd-base",
			   p->name, DHCPCD_BIN, strerror(errno));
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The password is a login secret: a file only root can read or change,
 * reached without a symlink (one could point anywhere later). */
static int secret_trusted(int fd, const struct iface *p, struct diags *d)
{
	const char *path = p->pppoe->password_file;
	struct pos at = p->pppoe->password_pos;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		diag_error(d, at, "interface '%s': pppoe: password-file %s: %s", p->name, path,
			   strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, at, "interface '%s': pppoe: password-file %s: not a regular file",
			   p->name, path);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		diag_error(d, at,
			   "interface '%s': pppoe: password-file %s: readable or writable by group "
			   "or others; refusing it "
			   "(chmod 600 %s)",
			   p->name, path, path);
		return -EPERM;
	}
	if (st.st_uid != 0) {
		diag_error(d, at,
			   "interface '%s': pppoe: password-file %s: owned by uid %u, not root; "
			   "refusing it (chown root %s)",
			   p->name, path, (unsigned)st.st_uid, path);
		return -EPERM;
	}
	return 0;
}

/* The first line, without its line end: printable, 1..PPPOE_NAME_MAX. */
static int secret_parse(char *buf, size_t len, const struct iface *p, struct diags *d)
{
	const char *path = p->pppoe->password_file;
	struct pos at = p->pppoe->password_pos;
	char *nl = memchr(buf, '\n', len);
	if (nl && (size_t)(nl - buf) + 1 < len) {
		diag_error(d, at, "interface '%s': pppoe: password-file %s: more than one line",
			   p->name, path);
		return -EINVAL;
	}
	if (nl)
		*nl = '\0';
	len = strlen(buf);
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (len == 0 || len > PPPOE_NAME_MAX) {
		diag_error(d, at,
			   "interface '%s': pppoe: password-file %s: the password must be 1 to %d "
			   "characters",
			   p->name, path, PPPOE_NAME_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			diag_error(d, at,
				   "interface '%s': pppoe: password-file %s: a control character "
				   "in the password",
				   p->name, path);
			return -EINVAL;
		}
	}
	return 0;
}

int pppoe_secret_read(const struct iface *p, char **out, struct diags *d)
{
	const struct pppoe *pp = p->pppoe;
	char buf[PPPOE_NAME_MAX + 4];
	size_t len = 0;
	int rc = 0;
	*out = NULL;
	int fd = open(pp->password_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		diag_error(d, pp->password_pos, "interface '%s': pppoe: password-file %s: %s",
			   p->name, pp->password_file,
			   rc == -ELOOP ? "is a symlink; refusing it (name the file itself)"
					: strerror(-rc));
		return rc;
	}
	if ((rc = secret_trusted(fd, p, d)) < 0)
		goto out;
	while (len < sizeof(buf) - 1) {
		ssize_t got = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			diag_error(d, pp->password_pos,
				   "interface '%s': pppoe: password-file %s: %s", p->name,
				   pp->password_file, strerror(-rc));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	buf[len] = '\0';
	if (len == sizeof(buf) - 1 || memchr(buf, '\0', len)) {
		diag_error(d, pp->password_pos,
			   "interface '%s': pppoe: password-file %s: not one line of at most %d "
			   "characters",
			   p->name, pp->password_file, PPPOE_NAME_MAX);
		rc = -EINVAL;
		goto out;
	}
	if ((rc = secret_parse(buf, len, p, d)) == 0 && !(*out = strdup(buf)))
		rc = -ENOMEM;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

int pppoe_check(const struct router *r, const char **missing, struct diags *d)
{
	int rc = 0;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		char *secret = NULL;
		const struct iface *p = &r->ifaces[i];
		missing[i] = NULL;
		if (!p->pppoe)
			continue;
		/* Not there yet is how a config is checked before the box has
		 * its secrets; what is there must be trustworthy. */
		if (access(p->pppoe->password_file, F_OK) < 0 && errno == ENOENT) {
			missing[i] = p->pppoe->password_file;
			continue;
		}
		int k = pppoe_secret_read(p, &secret, d);
		if (secret) {
			explicit_bzero(secret, strlen(secret));
			free(secret);
		}
		if (k < 0 && rc == 0)
			rc = k;
	}
	return rc;
}

/* One hook link: made when absent, re-pointed when it is nftrouter's
 * own name pointing elsewhere (the binary moved); anything else there is
 * not ours to replace. */
static int hook_link(const char *dir, const char *self, struct diags *d)
{
	char path[PATH_MAX], tmp[PATH_MAX], have[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, PPPOE_HOOK_NAME);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		diag_error(d, nopos,
			   "%s: no such directory (pppd runs the scripts there when the "
			   "session goes up and down: install Debian's ppp package)",
			   dir);
		return -ENOENT;
	}
	if (lstat(path, &st) == 0) {
		ssize_t n = S_ISLNK(st.st_mode) ? readlink(path, have, sizeof(have) - 1) : -1;
		if (n < 0) {
			diag_error(d, nopos,
				   "%s is there and is not nftrouter's link; not replaced", path);
			return -EEXIST;
		}
		have[n] = '\0';
		if (strcmp(have, self) == 0)
			return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp%ld", dir, PPPOE_HOOK_NAME, (long)getpid());
	unlink(tmp);
	if (symlink(self, tmp) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		diag_error(d, nopos, "%s: cannot link it to %s: %s", path, self, strerror(e));
		return -e;
	}
	return 0;
}

int pppoe_hooks_install(const char *self, bool ipv6, struct diags *d)
{
	static const char *const dirs[] = {PPPOE_HOOK_UP_DIR, PPPOE_HOOK_DOWN_DIR,
					   PPPOE_HOOK_UP6_DIR, PPPOE_HOOK_DOWN6_DIR};
	int rc = 0;
	if (self[0] != '/') {
		diag_error(d, nopos, "the hook link needs an absolute path to nftrouter, not %s",
			   self);
		return -EINVAL;
	}
	for (size_t i = 0; i < (ipv6 ? 4 : 2); i++) {
		int k = hook_link(dirs[i], self, d);
		if (k < 0 && rc == 0)
			rc = k;
	}
	return rc;
}
