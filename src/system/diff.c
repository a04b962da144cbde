/* nftrouter diff: apply's planning without its steps. Each section asks
 * the module apply uses what it would do; nothing here writes. */
#include "system/diff.h"
#include "system/shaping.h"
#include "system/wg.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "system/apply_int.h"
#include "system/bans.h"
#include "system/blocklist.h"
#include "system/ctl.h"
#include "system/dnsblock.h"
#include "system/ipv6.h"
#include "system/nlset.h"
#include "system/proc.h"
#include "system/state.h"
#include "util/file.h"

/* How long `diff -u` may take on two small files, loaded machine or not. */
#define DIFF_TIMEOUT_MS 30000

static int tmp_text(const char *text, char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, size, "%s/nftrouter-diff.XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? -errno : -EIO;
			close(fd);
			unlink(path);
			return e;
		}
		off += (size_t)n;
	}
	close(fd);
	return 0;
}

/* All of the child's output into out; -ETIMEDOUT (child killed) if it
 * does not finish in time. */
static int child_read(pid_t pid, int fd, struct buf *out)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n > 0) {
			buf_put(out, chunk, (size_t)n);
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int k = poll(&p, 1, DIFF_TIMEOUT_MS);
		if (k == 0) {
			kill(pid, SIGKILL);
			return -ETIMEDOUT;
		}
		if (k < 0 && errno != EINTR)
			return -errno;
	}
}

int diff_texts(const char *a, const char *la, const char *b, const char *lb, struct buf *out)
{
	char pa[256], pb[256];
	int rc, fd, st = 0;
	pid_t pid;
	if ((rc = tmp_text(a, pa, sizeof(pa))) < 0)
		return rc;
	if ((rc = tmp_text(b, pb, sizeof(pb))) < 0) {
		unlink(pa);
		return rc;
	}
	char *argv[] = {(char *)DIFF_BIN, (char *)"-u", (char *)"--label", (char *)la,
			(char *)"--label", (char *)lb, pa, pb, NULL};
	if ((rc = proc_spawn(argv, &pid, &fd)) == 0) {
		rc = child_read(pid, fd, out);
		close(fd);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		/* diff(1): 0 same, 1 different, 2 trouble */
		if (rc == 0)
			rc = WIFEXITED(st) && WEXITSTATUS(st) <= 1 ? WEXITSTATUS(st) : -EIO;
	}
	unlink(pa);
	unlink(pb);
	return rc;
}

/* --- sections -------------------------------------------------------- */

/* A section's lines under its title, indented; the count of changes. */
static void section(struct buf *out, const char *title, const struct buf *body)
{
	if (!body->len)
		return;
	buf_printf(out, "%s:\n", title);
	const char *s = body->s, *end = body->s + body->len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		buf_puts(out, "  ");
		buf_put(out, s, n);
		buf_putc(out, '\n');
		s += n + (nl != NULL);
	}
}

static bool daemon_runs(const struct diff_opts *o)
{
	char sock[4096];
	snprintf(sock, sizeof(sock), "%s/%s", o->run_dir, CTL_SOCK_NAME);
	return access(sock, F_OK) == 0;
}

/* The prefix a running daemon's LAN ports are numbered from: the one its
 * DHCPv6 hook last reported for the WAN port (RUN_DIR/dhcp6-PORT.env,
 * "prefix=" with a non-zero "valid="), as the daemon's reload passes its
 * delegations to apply. Without it the plan would remove those addresses
 * (and an apply from the command line does). */
static void delegated(const struct router *r, const struct diff_opts *o, struct cidr *pd)
{
	for (size_t i = 0; i < r->n_ifaces; i++) {
		char path[4096], *text = NULL;
		struct cidr c = {0};
		bool valid = false;
		if (r->ifaces[i].ipv6 != IPV6_DHCP)
			continue;
		snprintf(path, sizeof(path), "%s/dhcp6-%s.env", o->run_dir, r->ifaces[i].name);
		if (file_read(path, 4096, &text, NULL) < 0)
			continue;
		for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
			if (strncmp(l, "prefix=", 7) == 0 && cidr_parse(l + 7, &c) < 0)
				c.addr.family = 0;
			else if (strncmp(l, "valid=", 6) == 0)
				valid = strtoul(l + 6, NULL, 10) > 0;
		}
		if (valid && c.addr.family == AF_INET6 && c.len <= 64)
			cidr_network(&c, &pd[i]);
		free(text);
	}
}

/* Ports, addresses, default routes: apply's own port plan. */
static int diff_ports(const struct router *r, const struct diff_opts *o, struct buf *out,
		      struct diags *d)
{
	struct ipv6_live v6 = {0};
	struct buf b = BUF_INIT;
	struct link_sock *ls = link_sock_open();
	struct port_plan *pl = NULL;
	struct wg_plan *wg = NULL;
	struct shaping_plan *sh = NULL;
	struct cidr *pd = NULL;
	int rc;
	if (!ls) {
		rc = -errno;
		diag_error(d, nopos, "netlink: %s", strerror(errno));
		return rc;
	}
	if ((rc = ipv6_ula_peek(o->state_dir, r, &v6, d)) < 0)
		goto out;
	if (daemon_runs(o) && (pd = calloc(r->n_ifaces + 1, sizeof(*pd)))) {
		delegated(r, o, pd);
		v6.pd = pd;
	}
	if (rc == 1)
		buf_printf(&b, "+ a ULA prefix would be generated (%s/%s); the LAN addresses "
			       "numbered from it are not listed\n", o->state_dir, ULA_FILE);
	if (!(pl = port_plan_new(ls, r, &v6, d, &rc)))
		goto out;
	rc = port_plan_describe(pl, &b) || rc == 1;
	/* WireGuard devices: keys, port and peers, as apply's step plans them. */
	int e;
	if (!(wg = wg_plan_new(o->state_dir, r, false, d, &e))) {
		rc = e;
		goto out;
	}
	rc = wg_plan_describe(wg, &b) || rc;
	/* Shaping: the qdiscs each port has against those it would get. */
	if (!(sh = shaping_plan_new(r, d, &e))) {
		rc = e;
		goto out;
	}
	rc = shaping_plan_describe(sh, &b) || rc;
	section(out, "ports", &b);
out:
	shaping_plan_free(sh);
	wg_plan_free(wg);
	port_plan_free(pl);
	link_sock_close(ls);
	buf_free(&b);
	free(pd);
	return rc;
}

static int diff_sysctls(const struct router *r, struct buf *out, struct diags *d)
{
	struct sysctl_set sys = {0};
	struct buf b = BUF_INIT;
	char *text = render_sysctl(r);
	int rc = -ENOMEM;
	if (text && (rc = sysctl_parse(text, &sys, d)) == 0) {
		rc = sysctl_describe(&sys, &b) > 0;
		section(out, "sysctls", &b);
	}
	sysctl_set_free(&sys);
	buf_free(&b);
	free(text);
	return rc;
}

/* The kernel's table against what was applied (applied.list), as apply's
 * "unchanged" test reads it. 1 (a line in b) when apply would reload it. */
static int ruleset_drift(const char *state_dir, struct buf *b, struct diags *d)
{
	struct nft *n = nft_open();
	char *list = NULL, *norm = NULL, *saved = NULL, *err = NULL;
	int rc = n ? nft_query(n, "list table " NFT_TABLE, false, &list, &err) : -ENOMEM;
	if (rc == -ENOENT) {
		buf_puts(b, "+ table " NFT_TABLE " is not in the kernel: apply loads it\n");
		rc = 1;
	} else if (rc < 0) {
		diag_error(d, nopos, "nft: reading table %s: %s", NFT_TABLE,
			   err ? err : strerror(-rc));
	} else if (state_read(state_dir, "applied.list", &saved, NULL) < 0 ||
		   !(norm = apply_listing_normalize(list)) || strcmp(norm, saved) != 0) {
		buf_puts(b, "~ the kernel's table " NFT_TABLE " differs from what apply left "
			    "(changed outside nftrouter): apply replaces it\n");
		rc = 1;
	}
	free(list);
	free(norm);
	free(saved);
	free(err);
	nft_close(n);
	return rc;
}

/* The rendered ruleset against STATE/applied.nft, as a unified diff. */
static int diff_ruleset(const struct router *r, const struct diff_opts *o, struct buf *out,
			struct diags *d)
{
	char *now = render_nft(r), *was = NULL, label[300];
	struct buf b = BUF_INIT, u = BUF_INIT;
	int rc = -ENOMEM;
	if (!now)
		goto out;
	if ((rc = state_read(o->state_dir, "applied.nft", &was, NULL)) < 0 && rc != -ENOENT) {
		diag_error(d, nopos, "%s/applied.nft: %s", o->state_dir, strerror(-rc));
		goto out;
	}
	snprintf(label, sizeof(label), "%s (rendered)", o->config_path);
	rc = diff_texts(was ? was : "", "applied.nft", now, label, &u);
	if (rc < 0) {
		diag_error(d, nopos, "%s: %.*s", DIFF_BIN, (int)u.len, u.s ? u.s : "");
		goto out;
	}
	if (rc == 0 && (rc = ruleset_drift(o->state_dir, &b, d)) < 0)
		goto out;
	section(out, "ruleset", &b);
	if (u.len) {
		buf_printf(out, "ruleset (%s/applied.nft -> %s):\n", o->state_dir, label);
		buf_put(out, u.s, u.len);
	}
out:
	buf_free(&b);
	buf_free(&u);
	free(now);
	free(was);
	return rc;
}

/* Without dns.upstream the daemon writes the servers it learned from the
 * WAN's DHCP into dnsmasq.conf: not the config's doing, left out of both
 * sides ("server=" lines and their "# FILE:LINE" notes). */
static char *drop_learned(const char *text, const struct router *r)
{
	struct buf b = BUF_INIT;
	const char *s = text;
	while (*s) {
		size_t n = strcspn(s, "\n");
		bool note = n > 2 && s[0] == '#' && s[1] == ' ' &&
			    strncmp(s + 2, r->file_base, strlen(r->file_base)) == 0 &&
			    s[2 + strlen(r->file_base)] == ':';
		if (!note && strncmp(s, "server=", 7) != 0) {
			buf_put(&b, s, n);
			buf_putc(&b, '\n');
		}
		s += n + (s[n] == '\n');
	}
	return b.s ? buf_steal(&b) : strdup("");
}

/* One service config the running daemon wrote in RUN_DIR against the
 * one it would write after a reload. */
static int diff_service(const struct router *r, const struct diff_opts *o, const char *file,
			char *now, struct buf *out, struct diags *d)
{
	char path[4096], *was = NULL, label[300];
	struct buf u = BUF_INIT;
	int rc;
	snprintf(path, sizeof(path), "%s/%s", o->run_dir, file);
	if ((rc = file_read(path, 16 << 20, &was, NULL)) < 0 && rc != -ENOENT) {
		diag_error(d, nopos, "%s: %s", path, strerror(-rc));
		goto out;
	}
	if (rc == -ENOENT)
		was = strdup(""); /* not written: the daemon runs none */
	if (!r->dns.n_upstream && strcmp(file, "dnsmasq.conf") == 0) {
		char *a = drop_learned(was ? was : "", r), *b = drop_learned(now, r);
		free(was);
		free(now);
		was = a;
		now = b;
	}
	if (!was || !now) {
		rc = -ENOMEM;
		diag_error(d, nopos, "out of memory");
		goto out;
	}
	snprintf(label, sizeof(label), "%s (rendered)", o->config_path);
	if ((rc = diff_texts(was, file, now, label, &u)) < 0) {
		diag_error(d, nopos, "%s: %.*s", DIFF_BIN, (int)u.len, u.s ? u.s : "");
	} else if (rc == 1) {
		buf_printf(out, "%s (%s, rewritten by `nftrouter reload`):\n", file, path);
		buf_put(out, u.s, u.len);
	}
out:
	buf_free(&u);
	free(was);
	free(now);
	return rc;
}

/* The CA bundle the running unbound.conf names (its `tls-cert-bundle:`
 * line), in out; false when there is none. */
static bool running_ca(const struct diff_opts *o, char *out, size_t n)
{
	char path[4096], *text = NULL;
	const char *key = "tls-cert-bundle: \"";
	bool found = false;
	snprintf(path, sizeof(path), "%s/unbound.conf", o->run_dir);
	if (file_read(path, 1 << 20, &text, NULL) < 0)
		return false;
	const char *s = strstr(text, key);
	if (s) {
		s += strlen(key);
		size_t len = strcspn(s, "\"\n");
		found = s[len] == '"' && len < n;
		if (found)
			snprintf(out, n, "%.*s", (int)len, s);
	}
	free(text);
	return found;
}

/* The dns.blocklists names the daemon gave dnsmasq (RUN_DIR's
 * conf-file) against those its reload would give: a list's file can
 * change while router.yaml and dnsmasq.conf do not. A count, not a
 * diff: the lists may hold a million names. */
static int diff_dnsblock(const struct router *r, const struct diff_opts *o, struct buf *out,
			 struct diags *d)
{
	char path[4096];
	bool differs = false;
	size_t count = 0, now = 0;
	snprintf(path, sizeof(path), "%s/%s", o->run_dir, RENDER_DNSBLOCK_FILE);
	int rc = dnsblock_compare(r, path, &differs, &count, &now, d);
	if (rc < 0 || !differs)
		return rc;
	buf_printf(out,
		   "%s (%s, rewritten by `nftrouter reload`):\n"
		   "~ dns.blocklists: %zu names now, %zu after the reload (the lists changed)\n",
		   RENDER_DNSBLOCK_FILE, path, now, count);
	return 1;
}

/* dnsmasq and unbound exist only under the daemon: compared when its
 * control socket is there, else there is nothing running to change. */
static int diff_services(const struct router *r, const struct diff_opts *o, struct buf *out,
			 struct diags *d)
{
	if (!daemon_runs(o))
		return 0;
	int a = diff_service(r, o, "dnsmasq.conf", render_dnsmasq(r, o->rp), out, d);
	if (a < 0)
		return a;
	/* The CA bundle is the daemon's option, not the config's: without one
	 * given here, the running daemon's stays out of the comparison. */
	struct render_paths rp = *o->rp;
	char ca[4096];
	if (!o->tls_ca_given && running_ca(o, ca, sizeof(ca)))
		rp.tls_ca = ca;
	int b = diff_service(r, o, "unbound.conf", render_unbound(r, &rp), out, d);
	if (b < 0)
		return b;
	int c = diff_dnsblock(r, o, out, d);
	return c < 0 ? c : (a || b || c);
}

static int diff_bans(const struct router *r, const struct diff_opts *o, struct buf *out,
		     struct diags *d)
{
	struct buf b = BUF_INIT;
	size_t saved, missing, ranges;
	int rc = bans_missing(o->state_dir, &saved, &missing, d), bl = 0;
	struct nlset *s = NULL;
	if (rc < 0)
		goto out;
	if (missing)
		buf_printf(&b, "+ %zu of the %zu saved bans are not in the kernel: apply restores "
			       "them\n", missing, saved);
	if (!(s = nlset_open())) {
		rc = -errno;
		diag_error(d, nopos, "netlink: %s", strerror(errno));
		goto out;
	}
	if ((bl = blocklist_plan(s, r, o->state_dir, &ranges, d)) < 0) {
		rc = bl;
		goto out;
	}
	if (bl)
		buf_printf(&b, "~ blocklists: the files (or the ban table) changed since the last "
			       "load: %zu ranges from %zu file(s) would be loaded\n",
			   ranges, r->blackhole.n_lists);
	rc = missing > 0 || bl > 0;
	section(out, "bans", &b);
out:
	nlset_close(s);
	buf_free(&b);
	return rc;
}

/* The config file itself: apply records it in the state dir. */
static int diff_config(const struct diff_opts *o, struct buf *out)
{
	struct state_config c = {0};
	struct buf b = BUF_INIT;
	int rc = state_config_read(o->state_dir, "applied", &c);
	if (rc == -ENOENT || !c.yaml) {
		buf_printf(&b, "+ nothing applied yet (%s/applied.yaml): apply records %s\n",
			   o->state_dir, o->config_path);
	} else if (rc < 0) {
		state_config_free(&c);
		return rc;
	} else if (strcmp(c.yaml, o->config_text ? o->config_text : "") != 0) {
		buf_printf(&b, "~ %s differs from the applied %s/applied.yaml\n", o->config_path,
			   o->state_dir);
	} else if (c.path && strcmp(c.path, o->config_path) != 0) {
		buf_printf(&b, "~ the same text was applied from %s\n", c.path);
	}
	rc = b.len > 0;
	section(out, "config", &b);
	buf_free(&b);
	state_config_free(&c);
	return rc;
}

int diff_router(const struct router *r, const struct diff_opts *o, struct buf *out,
		struct diags *d)
{
	int any = 0, rc;
	if ((rc = diff_config(o, out)) < 0) {
		diag_error(d, nopos, "state dir %s: %s", o->state_dir, strerror(-rc));
		return rc;
	}
	any |= rc;
	if ((rc = diff_ports(r, o, out, d)) < 0)
		return rc;
	any |= rc;
	if ((rc = diff_sysctls(r, out, d)) < 0)
		return rc;
	any |= rc;
	if ((rc = diff_ruleset(r, o, out, d)) < 0)
		return rc;
	any |= rc;
	if ((rc = diff_bans(r, o, out, d)) < 0)
		return rc;
	any |= rc;
	if ((rc = diff_services(r, o, out, d)) < 0)
		return rc;
	return any | rc;
}
