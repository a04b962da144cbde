/* Namespaces and links of the lab, and its teardown. */
#include "lab/lab.h"
#include "util/file.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IP_TIMEOUT_MS 10000

static int ip_cmd(struct lab *l, char *const argv[])
{
	struct buf out = BUF_INIT;
	int ret = lab_run(argv, NULL, &out, IP_TIMEOUT_MS);
	if (ret != 0) {
		struct buf cmd = BUF_INIT;
		for (size_t i = 0; argv[i]; i++)
			buf_printf(&cmd, " %s", argv[i]);
		lab_error(l, "failed:%s", cmd.s ? cmd.s : "");
		lab_error_lines(l, out.s);
		buf_free(&cmd);
		ret = ret > 0 ? -EIO : ret;
	}
	buf_free(&out);
	return ret;
}

/* The namespace and its /etc/netns directory (ip netns exec bind-mounts
 * its resolv.conf over /etc/resolv.conf, for this host only). */
static int host_create(struct lab *l, const struct lab_host *h)
{
	char etc[128], resolv[160];
	int ret;

	ret = lab_manifest_add(l, "ns", h->ns);
	if (ret < 0)
		return ret;
	ret = ip_cmd(l, (char *[]){"ip", "netns", "add", (char *)h->ns, NULL});
	if (ret < 0)
		return ret;
	ret = ip_cmd(l, (char *[]){"ip", "-n", (char *)h->ns, "link", "set", "lo", "up", NULL});
	if (ret < 0)
		return ret;
	snprintf(etc, sizeof(etc), "/etc/netns/%s", h->ns);
	ret = lab_manifest_add(l, "etc", etc);
	if (ret < 0)
		return ret;
	if (mkdir("/etc/netns", 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(etc, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", etc);
	/* Clients get the router from their DHCP hook; the others ask
	 * their own resolver (the ISP's dnsmasq, the router's). */
	return file_write(resolv, "nameserver 127.0.0.1\n", 0644);
}

/* A pair's port: a bridge (eth0 in the peer's namespace, where the peer
 * configures its address as on a veth) with both routers' ends on it, so
 * that either router reaches the peer and the peer sees one segment. */
static int pair_link(struct lab *l, const struct lab_host *h)
{
	char mac[18], mac2[18];
	int ret;
	mac_format(h->mac, mac);
	mac_format(h->mac2, mac2);
	if (h->sync)
		return ip_cmd(l, (char *[]){"ip", "link", "add", "name", (char *)h->router_ifname, "netns",
					    (char *)lab_router(l)->ns, "address", mac, "type", "veth",
					    "peer", "name", (char *)h->router2_ifname, "netns",
					    (char *)l->backup.ns, "address", mac2, NULL});
	ret = ip_cmd(l, (char *[]){"ip", "-n", (char *)h->ns, "link", "add", "eth0", "type", "bridge",
				   "forward_delay", "0", "stp_state", "0", NULL});
	if (ret == 0)
		ret = ip_cmd(l, (char *[]){"ip", "link", "add", "name", (char *)h->router_ifname, "netns",
					   (char *)lab_router(l)->ns, "address", mac, "type", "veth", "peer",
					   "name", "ra", "netns", (char *)h->ns, NULL});
	if (ret == 0)
		ret = ip_cmd(l, (char *[]){"ip", "link", "add", "name", (char *)h->router2_ifname, "netns",
					   (char *)l->backup.ns, "address", mac2, "type", "veth", "peer",
					   "name", "rb", "netns", (char *)h->ns, NULL});
	for (int k = 0; ret == 0 && k < 2; k++)
		ret = ip_cmd(l, (char *[]){"ip", "-n", (char *)h->ns, "link", "set", k ? "rb" : "ra",
					   "master", "eth0", "up", NULL});
	return ret < 0 ? ret : lab_peer_config(l, h);
}

static int port_link(struct lab *l, const struct lab_host *h)
{
	char mac[18];
	int ret;

	if (l->pair)
		return pair_link(l, h);
	mac_format(h->mac, mac);
	ret = ip_cmd(l, (char *[]){"ip", "link", "add", "name", (char *)h->router_ifname, "netns",
				   (char *)lab_router(l)->ns, "address", mac, "type", "veth", "peer",
				   "name", "eth0", "netns", (char *)h->ns, NULL});
	if (ret < 0)
		return ret;
	if (ret < 0)
		return ret;
	return lab_peer_config(l, h);
}

int lab_peer_config(struct lab *l, const struct lab_host *h)
{
	char addr[ADDR_STRLEN];
	int ret = ip_cmd(l, (char *[]){"ip", "-n", (char *)h->ns, "link", "set", "eth0", "up", NULL});
	if (ret < 0 || h->addr.len == 0)
		return ret;
	cidr_format(&h->addr, addr, sizeof(addr));
	ret = ip_cmd(l, (char *[]){"ip", "-n", (char *)h->ns, "addr", "add", addr, "dev", "eth0", NULL});
	if (ret < 0 || h->role != LAB_CLIENT || !h->port->n_addrs)
		return ret;
	addr_format(&h->port->addrs[0].addr, addr, sizeof(addr));
	return ip_cmd(l, (char *[]){"ip", "-n", (char *)h->ns, "route", "add", "default", "via", addr,
				    NULL});
}

/* The VM's NICs: QEMU's taps, moved into the peers' namespaces. */
static int vm_links(struct lab *l)
{
	for (size_t i = 1; i < l->n_hosts; i++) {
		const struct lab_host *h = &l->hosts[i];
		char tap[16];
		int ret;
		if (h->absent)
			continue;
		lab_vm_tap_name(l, i, tap);
		ret = ip_cmd(l, (char *[]){"ip", "link", "set", tap, "netns", (char *)h->ns, NULL});
		if (ret == 0)
			ret = ip_cmd(l, (char *[]){"ip", "-n", (char *)h->ns, "link", "set", tap, "name", "eth0", NULL});
		if (ret == 0)
			ret = lab_peer_config(l, h);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int lab_create_links(struct lab *l)
{
	int ret;
	if (l->pair && (ret = host_create(l, &l->backup)) < 0)
		return ret;
	for (size_t i = 0; i < l->n_hosts; i++) {
		if (l->hosts[i].absent || (l->vm && i == 0))
			continue;
		ret = host_create(l, &l->hosts[i]);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 1; i < l->n_hosts && !l->vm; i++) {
		if (l->hosts[i].absent && !l->hosts[i].sync)
			continue;
		ret = port_link(l, &l->hosts[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Claim the lab's name: its directory is created exclusively, and no
 * namespace may carry the name yet. */
static int lab_claim(struct lab *l)
{
	char prefix[32];
	struct dirent *e;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "nftr-%s-", l->id);
	d = opendir("/run/netns");
	while (d && (e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
			lab_error(l, "lab '%s' exists: namespace %s (try: nftrouter lab down --name %s)",
				  l->id, e->d_name, l->id);
			l->name_taken = true;
			closedir(d);
			return -EEXIST;
		}
	if (d)
		closedir(d);
	if (mkdir(LAB_BASE, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(l->dir, 0700) < 0) {
		int err = errno;
		if (err == EEXIST) {
			lab_error(l, "lab '%s' exists: %s (try: nftrouter lab down --name %s)", l->id,
				  l->dir, l->id);
			l->name_taken = true;
		}
		return -err;
	}
	return 0;
}

/* Report the next step, unless a stop signal arrived. */
static int step(struct lab *l, lab_progress_fn *progress, void *arg, const char *what)
{
	if (lab_interrupted(l))
		return -EINTR;
	progress(arg, what);
	return 0;
}

int lab_up(struct lab *l, lab_progress_fn *progress, void *arg)
{
	char buf[PATH_MAX + 8];
	int ret = lab_claim(l);
	if (ret < 0)
		return ret;
	ret = lab_manifest_add(l, "id", l->id);
	if (ret == 0)
		ret = lab_manifest_add(l, "config", l->config);
	snprintf(buf, sizeof(buf), "%d", l->with_optional ? 1 : 0);
	if (ret == 0)
		ret = lab_manifest_add(l, "optional", buf);
	if (ret == 0 && l->vm)
		ret = lab_manifest_add(l, "vm", l->vm_accel);
	if (ret == 0 && l->pair)
		ret = lab_manifest_add(l, "config2", l->config2);
	if (ret == 0 && (ret = step(l, progress, arg, l->vm ? "namespaces" : "namespaces and links")) == 0)
		ret = lab_create_links(l);
	if (ret == 0 && (ret = step(l, progress, arg, "configs and test CA")) == 0)
		ret = lab_hosts_prepare(l);
	if (ret == 0 && l->vm) {
		snprintf(buf, sizeof(buf), "router guest: QEMU (%s), %.150s, taps into the namespaces", l->vm_accel,
			 l->vm_image);
		if ((ret = step(l, progress, arg, buf)) == 0)
			ret = lab_vm_start(l, progress, arg);
		if (ret == 0)
			ret = vm_links(l);
	}
	for (size_t i = 1; ret == 0 && i < l->n_hosts; i++) {
		if (l->hosts[i].absent || l->hosts[i].role != LAB_INTERNET)
			continue;
		snprintf(buf, sizeof(buf), "ISP on %s", l->hosts[i].name);
		if ((ret = step(l, progress, arg, buf)) == 0)
			ret = lab_start_internet(l, &l->hosts[i]);
	}
	if (ret == 0 && !l->vm && (ret = step(l, progress, arg, "nftrouter run (waiting for READY=1)")) == 0)
		ret = lab_start_router(l, 30000);
	if (ret == 0 && l->vm &&
	    (ret = step(l, progress, arg,
			l->vm_cloud_init ? "guest boots; cloud-init installs the router from its user-data, reboots; "
					   "systemd starts nftrouter.service (waiting for it, minutes)"
					 : "guest boots; systemd starts nftrouter.service (waiting for it)")) == 0 &&
	    (ret = lab_vm_cont(l)) == 0)
		ret = lab_vm_wait_ready(l, l->vm_cloud_init ? 900000 : 300000);
	if (ret == 0 && l->vm) {
		snprintf(buf, sizeof(buf), "nftrouter.service active %.1f s after the guest started",
			 (double)l->vm_ready_ms / 1000);
		ret = step(l, progress, arg, buf);
	}
	if (ret == 0 && (ret = step(l, progress, arg, "clients (waiting for leases)")) == 0)
		ret = lab_start_clients(l, 40000);
	if (ret == 0)
		return 0;
	/* Take down what was made; its errors, if any, follow the first. */
	if (!l->diags.n_errors)
		lab_error(l, "%s", strerror(-ret));
	lab_down(l);
	return ret;
}

/* ---- teardown ---- */

struct lab_nsid {
	dev_t dev;
	ino_t ino;
};

/* What teardown must clean: grown as the manifest is read, since a lab
 * has as many namespaces and processes as its config asks for. */
struct lab_ns_set {
	char (*names)[40];
	struct lab_nsid *ids;
	size_t n, cap, cap_ids;
	pid_t *rec;           /* recorded pids */
	size_t n_rec, cap_rec;
	char (*etc)[96];      /* /etc/netns dirs */
	size_t n_etc, cap_etc;
	bool oom;             /* something could not be recorded: say so */
	pid_t qemu;           /* lab up --vm: the router guest */
};

/* v (n used of *cap elements of size bytes) with room for one more,
 * maybe moved; NULL without memory (v is then unchanged). */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv = realloc(v, ncap * size);
	if (nv)
		*cap = ncap;
	return nv;
}

static void ns_set_free(struct lab_ns_set *s)
{
	free(s->names);
	free(s->ids);
	free(s->rec);
	free(s->etc);
	memset(s, 0, sizeof(*s));
}

/* Its own function: inlined into ns_set_add, gcc 12 -O3 warns of a
 * dangling pointer to the stat buffer (a false positive). */
static void nsid_read(const char *name, struct lab_nsid *out)
{
	char path[96];
	struct stat st;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (stat(path, &st) == 0) {
		out->dev = st.st_dev;
		out->ino = st.st_ino;
	}
}

static void ns_set_add(struct lab_ns_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return;
	void *names = grow(s->names, s->n, &s->cap, sizeof(s->names[0]));
	if (names)
		s->names = names;
	void *ids = names ? grow(s->ids, s->n, &s->cap_ids, sizeof(s->ids[0])) : NULL;
	if (ids)
		s->ids = ids;
	if (!ids) {
		s->oom = true;
		return;
	}
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
	memset(&s->ids[s->n], 0, sizeof(s->ids[0]));
	nsid_read(name, &s->ids[s->n]);
	s->n++;
}

static bool pid_in_lab(const struct lab_ns_set *s, pid_t pid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &st) < 0)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i].ino && s->ids[i].ino == st.st_ino && s->ids[i].dev == st.st_dev)
			return true;
	return false;
}

/* A recorded pid caught between fork and setns still runs `ip netns exec
 * nftr-ID-...` (or the lab's own binary); anything else is a reused pid. */
static bool pid_is_lab_exec(const struct lab *l, pid_t pid)
{
	char path[64], cmd[256], want[32];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	ssize_t got = file_read_into(path, cmd, sizeof(cmd));
	if (got < 0)
		return false;
	size_t n = (size_t)got;
	for (size_t i = 0; i + 1 < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	snprintf(want, sizeof(want), "netns exec nftr-%s-", l->id);
	return strstr(cmd, want) != NULL;
}

/* Signal every process in a lab namespace (they can only be the lab's:
 * nothing else enters them) plus the recorded pids still on their way in.
 * Returns how many were signalled. */
static int signal_lab(const struct lab *l, const struct lab_ns_set *s, int sig)
{
	struct dirent *e;
	DIR *d = opendir("/proc");
	int count = 0;
	for (size_t i = 0; i < s->n_rec; i++)
		if (pid_in_lab(s, s->rec[i]) || pid_is_lab_exec(l, s->rec[i]))
			count += kill(s->rec[i], sig) == 0;
	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || pid == getpid())
			continue;
		if (pid_in_lab(s, (pid_t)pid))
			count += kill((pid_t)pid, sig) == 0;
	}
	if (d)
		closedir(d);
	return count;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

/* Read the manifest into the namespace set, recorded pids and etc dirs. */
static void manifest_load(const struct lab *l, struct lab_ns_set *s)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	FILE *f;
	lab_path(l, "manifest", path, sizeof(path));
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "ns ", 3) == 0) {
			ns_set_add(s, line + 3);
		} else if (strncmp(line, "pid ", 4) == 0) {
			pid_t *rec = grow(s->rec, s->n_rec, &s->cap_rec, sizeof(s->rec[0]));
			s->oom |= !rec;
			if (rec) {
				s->rec = rec;
				s->rec[s->n_rec++] = (pid_t)atoi(line + 4);
			}
		} else if (strncmp(line, "qemu ", 5) == 0) {
			s->qemu = (pid_t)atoi(line + 5);
		} else if (strncmp(line, "etc /etc/netns/", 15) == 0) {
			char(*etc)[96] = grow(s->etc, s->n_etc, &s->cap_etc, sizeof(s->etc[0]));
			s->oom |= !etc;
			if (etc) {
				s->etc = etc;
				snprintf(s->etc[s->n_etc++], sizeof(s->etc[0]), "%.95s", line + 4);
			}
		}
	}
	if (f)
		fclose(f);
}

int lab_down(struct lab *l)
{
	struct lab_ns_set s = {0};
	char prefix[32], path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int ret = 0;

	manifest_load(l, &s);
	/* The router guest first: its taps (in the peers' namespaces) go
	 * with it. Only the QEMU whose command line names this lab's dir. */
	lab_vm_stop(l, s.qemu);
	/* A partial manifest may miss a namespace that was being created:
	 * every namespace named after this lab is the lab's. */
	snprintf(prefix, sizeof(prefix), "nftr-%s-", l->id);
	d = opendir("/run/netns");
	while (d && (e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			ns_set_add(&s, e->d_name);
	if (d)
		closedir(d);
	/* SIGTERM first, so the daemon can stop its own children. */
	signal_lab(l, &s, SIGTERM);
	for (int i = 0; i < 30 && signal_lab(l, &s, 0) > 0; i++)
		lab_sleep_ms(100);
	for (int i = 0; i < 20 && signal_lab(l, &s, SIGKILL) > 0; i++)
		lab_sleep_ms(100);
	for (size_t i = 0; i < s.n; i++) {
		char *argv[] = {"ip", "netns", "del", s.names[i], NULL};
		snprintf(path, sizeof(path), "/run/netns/%s", s.names[i]);
		if (access(path, F_OK) == 0 && lab_run(argv, NULL, NULL, IP_TIMEOUT_MS) != 0) {
			lab_error(l, "could not delete namespace %s", s.names[i]);
			ret = -EBUSY;
		}
		snprintf(path, sizeof(path), "/etc/netns/%s", s.names[i]);
		if (access(path, F_OK) == 0)
			nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	}
	for (size_t i = 0; i < s.n_etc; i++)
		if (strncmp(s.etc[i], "/etc/netns/", 11) == 0 &&
		    strncmp(s.etc[i] + 11, prefix, strlen(prefix)) == 0)
			nftw(s.etc[i], rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	if (s.oom) {
		/* The manifest stays, so a second `lab down` can finish. */
		lab_error(l, "out of memory reading the manifest: teardown incomplete");
		ret = -ENOMEM;
	} else if (access(l->dir, F_OK) == 0 && nftw(l->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		ret = -errno;
		lab_error(l, "could not remove %s: %s", l->dir, strerror(-ret));
	}
	ns_set_free(&s);
	return ret;
}
