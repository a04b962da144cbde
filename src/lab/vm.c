/* `lab up --vm`: the router as a QEMU guest booted from the cached Debian
 * image (scripts/vm-image), instead of a namespace. Each present port is a
 * virtio NIC with the MAC its match expects, on a tap that QEMU creates and
 * the lab moves into the port's peer namespace (renamed eth0 there), so the
 * ISPs and clients are those of the namespace lab. nftrouter is installed
 * into the guest as `meson install --prefix=/usr` would put it, with
 * /etc/nftrouter/router.yaml, the rendered udev rules and nftrouter.service
 * enabled: a payload disk that the image's initramfs copies into the root
 * before systemd starts, so systemd starts the router at boot. */
#include "lab/lab.h"
#include "util/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VM_CACHE_DEFAULT "/var/cache/nftrouter-vm"

/* The newest ready image in the cache ($NFTROUTER_VM_IMAGE names one). */
static void vm_find_image(struct lab *l, const char *cache)
{
	const char *env = getenv("NFTROUTER_VM_IMAGE");
	char path[320];
	time_t best = 0;
	struct stat st;
	struct dirent *e;
	DIR *d;
	if (env && *env) {
		snprintf(l->vm_image, sizeof(l->vm_image), "%.190s", env);
		return;
	}
	d = opendir(cache);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%.150s/%.100s/ready", cache, e->d_name);
		if (stat(path, &st) == 0 && st.st_mtime >= best) {
			best = st.st_mtime;
			snprintf(l->vm_image, sizeof(l->vm_image), "%.90s/%.100s", cache, e->d_name);
		}
	}
	if (d)
		closedir(d);
}

/* The image, and the accelerator scripts/vm-image --accel settled on for
 * this boot of the host (KVM only after a probe boot worked; else TCG). */
int lab_vm_image(struct lab *l)
{
	const char *cache = getenv("NFTROUTER_VM_CACHE");
	char path[320], bootid[64] = "", accel[16] = "";
	if (!cache || !*cache)
		cache = VM_CACHE_DEFAULT;
	l->vm_image[0] = '\0';
	vm_find_image(l, cache);
	snprintf(path, sizeof(path), "%.200s/rootfs.img", l->vm_image);
	if (!l->vm_image[0] || access(path, R_OK) < 0) {
		lab_error(l, "no guest image in %s: build it with scripts/vm-image (about 3 minutes, once; docs/lab.md)",
			  l->vm_image[0] ? l->vm_image : cache);
		return -ENOENT;
	}
	snprintf(l->vm_accel, sizeof(l->vm_accel), "tcg");
	if (file_read_into("/proc/sys/kernel/random/boot_id", bootid, sizeof(bootid)) > 0) {
		bootid[strcspn(bootid, "\n")] = '\0';
		snprintf(path, sizeof(path), "%.200s/accel.%.60s", cache, bootid);
		if (file_read_into(path, accel, sizeof(accel)) > 0 && strncmp(accel, "kvm", 3) == 0)
			snprintf(l->vm_accel, sizeof(l->vm_accel), "kvm");
	}
	return 0;
}

static int run_quiet(struct lab *l, char *const argv[])
{
	struct buf out = BUF_INIT;
	int ret = lab_run(argv, NULL, &out, 60000);
	if (ret != 0) {
		lab_error(l, "%s %s failed:", argv[0], argv[1]);
		lab_error_lines(l, out.s);
		ret = ret > 0 ? -EIO : ret;
	}
	buf_free(&out);
	return ret;
}

static int put_text(struct lab *l, const char *root, const char *rel, char *text, mode_t mode)
{
	char path[256];
	int ret;
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%.90s/%.150s", root, rel);
	ret = file_write(path, text, mode);
	if (ret < 0)
		lab_error(l, "%s: %s", path, strerror(-ret));
	free(text);
	return ret;
}

static int put_copy(struct lab *l, const char *root, const char *rel, const char *from)
{
	char dst[256];
	snprintf(dst, sizeof(dst), "%.90s/%.150s", root, rel);
	return run_quiet(l, (char *[]){"cp", (char *)from, dst, NULL});
}

/* The one lab-only setting: the ISPs' DNS over TLS is signed by the lab's
 * test CA, which the guest's unbound must trust. */
static int put_lab_ca(struct lab *l, const char *root)
{
	char ca[96];
	int ret;
	lab_path(l, "ca.pem", ca, sizeof(ca));
	if (access(ca, R_OK) < 0)
		return 0;
	if ((ret = put_copy(l, root, "etc/nftrouter/lab-ca.pem", ca)) < 0)
		return ret;
	return put_text(l, root, "etc/systemd/system/nftrouter.service.d/lab.conf",
			strdup("# nftrouter lab: the ISPs' DNS-over-TLS certificates come from the lab's CA\n"
			       "[Service]\nEnvironment=NFTROUTER_TLS_CA=/etc/nftrouter/lab-ca.pem\n"),
			0644);
}

/* `nftrouter render WHAT` of the lab's config, as an admin would run it
 * to install the router, with the installed paths: the config's path on
 * the host becomes /etc/nftrouter/router.yaml. NULL on failure (l->diags). */
static char *vm_render(struct lab *l, const char *what)
{
	static const char installed[] = "/etc/nftrouter/router.yaml";
	struct buf out = BUF_INIT, fixed = BUF_INIT;
	int ret = lab_run((char *[]){l->bin, "render", "-c", l->config, "--state-dir", "/var/lib/nftrouter",
				     "--run-dir", "/run/nftrouter", (char *)what, NULL},
			  NULL, &out, 30000);
	if (ret != 0 || !out.s) {
		lab_error(l, "nftrouter render %s failed:", what);
		lab_error_lines(l, out.s);
		buf_free(&out);
		return NULL;
	}
	size_t n = strlen(l->config);
	for (const char *p = out.s; *p;) {
		const char *hit = strstr(p, l->config);
		if (!hit) {
			buf_puts(&fixed, p);
			break;
		}
		buf_put(&fixed, p, (size_t)(hit - p));
		buf_puts(&fixed, installed);
		p = hit + n;
	}
	buf_free(&out);
	return buf_steal(&fixed);
}

/* --cloud-init: the template of docs/proxmox.md (nftrouter in
 * /usr/sbin, nothing else of it) and a NoCloud seed with the user-data
 * `nftrouter render cloud-init` prints: cloud-init does the rest. */
static int vm_payload_cloud_init(struct lab *l, const char *root)
{
	char dst[256], meta[160];
	char *ud;
	int ret;
	snprintf(dst, sizeof(dst), "%.90s/var/lib/cloud/seed/nocloud", root);
	if ((ret = run_quiet(l, (char *[]){"mkdir", "-p", dst, NULL})) < 0)
		return ret;
	if (!(ud = vm_render(l, "cloud-init")))
		return -EIO;
	if ((ret = put_text(l, root, "var/lib/cloud/seed/nocloud/user-data", ud, 0600)) < 0)
		return ret;
	snprintf(meta, sizeof(meta), "instance-id: nftrouter-lab-%s\nlocal-hostname: router\n", l->id);
	return put_text(l, root, "var/lib/cloud/seed/nocloud/meta-data", strdup(meta), 0600);
}

/* Every shared library the binary links (ldd) is in the image (its list
 * of library names, written when it was built): else the unit would only
 * fail to start in the guest, minutes later. */
static int vm_check_libs(struct lab *l)
{
	char path[256], *have = NULL;
	struct buf out = BUF_INIT;
	int ret = 0;
	snprintf(path, sizeof(path), "%.200s/libs", l->vm_image);
	if (file_read(path, 1 << 22, &have, NULL) < 0)
		return 0; /* an image from before the list: nothing to compare */
	if (lab_run((char *[]){"ldd", l->bin, NULL}, NULL, &out, 30000) == 0 && out.s) {
		for (char *line = strtok(out.s, "\n"); line && ret == 0; line = strtok(NULL, "\n")) {
			char name[128], want[132];
			if (!strstr(line, "=>") || sscanf(line, " %127s", name) != 1)
				continue;
			snprintf(want, sizeof(want), "\n%s\n", name);
			if (!strstr(have, want) && strncmp(have, want + 1, strlen(want + 1)) != 0) {
				lab_error(l, "%s links %s, which the guest image lacks: add its package to the recipe "
					     "in scripts/vm-image",
					  l->bin, name);
				ret = -ENOENT;
			}
		}
	}
	buf_free(&out);
	free(have);
	return ret;
}

/* The payload disk: what an install of nftrouter puts on the router. */
static int vm_payload(struct lab *l, const char *img)
{
	static const char *const dirs[] = {"usr/sbin", "usr/lib/systemd/system",
					   "etc/systemd/system/multi-user.target.wants", "etc/nftrouter",
					   "etc/udev/rules.d", "etc/systemd/system/nftrouter.service.d"};
	char root[96], dst[256];
	char *unit, *udev;
	int ret;
	if ((ret = vm_check_libs(l)) < 0)
		return ret;
	lab_path(l, "payload", root, sizeof(root));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dst, sizeof(dst), "%.90s/%.150s", root, dirs[i]);
		if ((ret = run_quiet(l, (char *[]){"mkdir", "-p", dst, NULL})) < 0)
			return ret;
	}
	if ((ret = put_copy(l, root, "usr/sbin/nftrouter", l->bin)) < 0)
		return ret;
	if (l->vm_cloud_init) {
		if ((ret = vm_payload_cloud_init(l, root)) < 0 || (ret = put_lab_ca(l, root)) < 0)
			return ret;
		goto pack;
	}
	if ((ret = put_copy(l, root, "etc/nftrouter/router.yaml", l->config)) < 0)
		return ret;
	/* The unit meson installs (dist/nftrouter.service is this output). */
	if (!(unit = vm_render(l, "systemd")))
		return -EIO;
	if ((ret = put_text(l, root, "usr/lib/systemd/system/nftrouter.service", unit, 0644)) < 0)
		return ret;
	snprintf(dst, sizeof(dst), "%.90s/etc/systemd/system/multi-user.target.wants/nftrouter.service", root);
	if (symlink("/usr/lib/systemd/system/nftrouter.service", dst) < 0)
		return -errno;
	if (!(udev = vm_render(l, "udev")))
		return -EIO;
	if ((ret = put_text(l, root, "etc/udev/rules.d/10-nftrouter.rules", udev, 0644)) < 0 ||
	    (ret = put_lab_ca(l, root)) < 0)
		return ret;
pack:
	return run_quiet(l, (char *[]){"mkfs.ext4", "-q", "-F", "-L", "NFTR-PAYLOAD", "-d", root, (char *)img,
				       "128M", NULL});
}

/* Port order on the guest's PCI bus: the kernel (net.ifnames=0) names
 * NICs eth0, eth1, ... in that order, so a port expected as ethN sits at
 * position N when it can. */
static size_t vm_port_order(const struct lab *l, size_t *order, size_t max)
{
	size_t n = 0;
	for (size_t i = 1; i < l->n_hosts && n < max; i++)
		if (!l->hosts[i].absent)
			order[n++] = i;
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++) {
			unsigned ka = 1000 + (unsigned)order[a], kb = 1000 + (unsigned)order[b];
			sscanf(l->hosts[order[a]].router_ifname, "eth%u", &ka);
			sscanf(l->hosts[order[b]].router_ifname, "eth%u", &kb);
			if (kb < ka) {
				size_t t = order[a];
				order[a] = order[b];
				order[b] = t;
			}
		}
	return n;
}

void lab_vm_tap_name(const struct lab *l, size_t host, char out[16])
{
	snprintf(out, 16, "nt%.8s%zu", l->id, host % 100);
}

struct vargv {
	char *v[LAB_VM_ARGV_MAX];
	char store[LAB_VM_ARGV_MAX][320];
	size_t n;
};

static void varg(struct vargv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void varg(struct vargv *a, const char *fmt, ...)
{
	va_list ap;
	if (a->n + 1 >= LAB_VM_ARGV_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(a->store[a->n], sizeof(a->store[0]), fmt, ap);
	va_end(ap);
	a->v[a->n] = a->store[a->n];
	a->v[++a->n] = NULL;
}

static void vm_argv_nics(struct lab *l, struct vargv *a, lab_progress_fn *progress, void *arg)
{
	size_t order[64], n = vm_port_order(l, order, 64);
	for (size_t k = 0; k < n; k++) {
		const struct lab_host *h = &l->hosts[order[k]];
		char tap[16], mac[18], want[24];
		lab_vm_tap_name(l, order[k], tap);
		mac_format(h->mac, mac);
		snprintf(want, sizeof(want), "eth%zu", k);
		if (h->port->match == MATCH_NAME && strcmp(want, h->router_ifname) != 0) {
			char w[160];
			snprintf(w, sizeof(w), "warning: port '%s' matches the name %s; the guest's kernel names it %s",
				 h->name, h->router_ifname, want);
			progress(arg, w);
		}
		varg(a, "-netdev");
		varg(a, "tap,id=n%zu,ifname=%s,script=no,downscript=no", k, tap);
		varg(a, "-device");
		varg(a, "virtio-net-pci,netdev=n%zu,mac=%s,addr=0x%zx", k, mac, 0x10 + k);
	}
}

static void vm_argv(struct lab *l, struct vargv *a, const char *payload, lab_progress_fn *progress, void *arg)
{
	static const char *const fixed[] = {"qemu-system-x86_64", "-m", "1024", "-smp", "1", "-nodefaults",
					    "-display", "none", "-S", "-device", "virtio-serial-pci", "-device",
					    "virtserialport,chardev=qga,name=org.qemu.guest_agent.0"};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		varg(a, "%s", fixed[i]);
	varg(a, "-machine");
	varg(a, "pc,accel=%s", l->vm_accel);
	varg(a, "-append");
	/* mitigations=off: the speculative-execution mitigations (page table
	 * isolation above all) cost the most under emulation, more than half
	 * of a boot (36 s against 15 s to power-off), and guard nothing in a
	 * guest that runs only the router under test. */
	varg(a, "console=ttyS0 root=/dev/vda rw net.ifnames=0 panic=-1 mitigations=off nftr.payload=/dev/vdb%s",
	     l->vm_cloud_init ? "" : " cloud-init=disabled");
	varg(a, "-kernel");
	varg(a, "%s/vmlinuz", l->vm_image);
	varg(a, "-initrd");
	varg(a, "%s/initrd.img", l->vm_image);
	vm_argv_nics(l, a, progress, arg);
	varg(a, "-drive");
	varg(a, "file=%s/rootfs.img,format=raw,if=virtio,snapshot=on", l->vm_image);
	varg(a, "-drive");
	varg(a, "file=%s,format=raw,if=virtio,readonly=on", payload);
	varg(a, "-chardev");
	varg(a, "socket,id=qga,path=%s/qga.sock,server=on,wait=off", l->dir);
	varg(a, "-monitor");
	varg(a, "unix:%s/monitor.sock,server=on,wait=off", l->dir);
	varg(a, "-serial");
	varg(a, "file:%s/console.log", l->dir);
}

static bool vm_alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

static pid_t vm_fork_exec(struct vargv *a, const char *log)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	int null = open("/dev/null", O_RDWR);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	sigset_t none;
	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(null, 0);
	dup2(fd >= 0 ? fd : null, 1);
	dup2(fd >= 0 ? fd : null, 2);
	execvp(a->v[0], a->v);
	_exit(127);
}

/* The taps appear once QEMU has parsed its options. */
static int vm_wait_taps(struct lab *l, const char *log)
{
	for (size_t i = 1; i < l->n_hosts; i++) {
		char tap[16], sys[64];
		if (l->hosts[i].absent)
			continue;
		lab_vm_tap_name(l, i, tap);
		snprintf(sys, sizeof(sys), "/sys/class/net/%s", tap);
		for (int k = 0; k < 200 && access(sys, F_OK) < 0; k++) {
			if (!vm_alive(l->vm_pid)) {
				char tail[300] = "";
				file_read_into(log, tail, sizeof(tail));
				lab_error(l, "qemu exited:");
				lab_error_lines(l, tail);
				return -ECHILD;
			}
			lab_sleep_ms(50);
		}
		if (access(sys, F_OK) < 0) {
			lab_error(l, "qemu made no tap %s in 10 s", tap);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

/* Start QEMU, stopped (-S): the taps exist, the guest has not run yet. */
int lab_vm_start(struct lab *l, lab_progress_fn *progress, void *arg)
{
	static struct vargv a;
	char payload[96], log[96], rec[64];
	int ret;
	lab_path(l, "payload.img", payload, sizeof(payload));
	if ((ret = vm_payload(l, payload)) < 0)
		return ret;
	memset(&a, 0, sizeof(a));
	vm_argv(l, &a, payload, progress, arg);
	lab_path(l, "qemu.log", log, sizeof(log));
	pid_t pid = vm_fork_exec(&a, log);
	if (pid < 0)
		return pid;
	l->vm_pid = pid;
	snprintf(rec, sizeof(rec), "%d", (int)pid);
	if ((ret = lab_manifest_add(l, "qemu", rec)) < 0)
		return ret;
	return vm_wait_taps(l, log);
}

/* One HMP command (a line), read until the monitor echoes its first word,
 * so it is handled before close. */
static int vm_hmp(struct lab *l, const char *cmd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[256], word[32];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ret = 0;
	size_t len = strlen(cmd);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/monitor.sock", l->dir);
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(cmd, " \n"), cmd);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < 50; i++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		lab_sleep_ms(100);
	}
	if (write(fd, cmd, len) != (ssize_t)len)
		ret = -errno;
	for (int i = 0; ret == 0 && i < 40; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, word))
				break;
		}
		lab_sleep_ms(50);
	}
	close(fd);
	if (ret < 0)
		lab_error(l, "qemu monitor %s/monitor.sock: %s", l->dir, strerror(-ret));
	return ret;
}

/* HMP `cont`: the guest starts booting. */
int lab_vm_cont(struct lab *l)
{
	return vm_hmp(l, "cont\n");
}

int lab_vm_set_link(struct lab *l, size_t host, bool up)
{
	size_t order[64], n = vm_port_order(l, order, 64);
	char cmd[64];
	for (size_t k = 0; k < n; k++) {
		if (order[k] != host)
			continue;
		snprintf(cmd, sizeof(cmd), "set_link n%zu %s\n", k, up ? "on" : "off");
		return vm_hmp(l, cmd);
	}
	return -ENOENT;
}

static void vm_journal(struct lab *l, long start)
{
	struct buf b = BUF_INIT;
	lab_vm_exec(l, (char *[]){"journalctl", "-b", "-u", "nftrouter", "-n", "15", "--no-pager", "-o", "cat", NULL},
		    &b, 10000);
	lab_error(l, "nftrouter.service in the guest is not active after %ld s; its journal:",
		  (lab_now_ms() - start) / 1000);
	lab_error_lines(l, b.s ? b.s : "(the guest agent does not answer; see console.log)");
	buf_free(&b);
}

/* Until systemd reports nftrouter.service active (Type=notify: after its
 * READY=1), through the guest agent. */
int lab_vm_wait_ready(struct lab *l, int timeout_ms)
{
	long start = lab_now_ms(), deadline = start + timeout_ms;
	struct buf b = BUF_INIT;
	char rec[32];
	while (lab_now_ms() < deadline) {
		if (lab_interrupted(l))
			return -EINTR;
		if (l->vm_pid > 0 && !vm_alive(l->vm_pid)) {
			lab_error(l, "qemu exited while the guest booted (see %s/console.log)", l->dir);
			return -ECHILD;
		}
		buf_free(&b);
		int ret = lab_vm_exec(l, (char *[]){"systemctl", "is-active", "nftrouter.service", NULL}, &b, 5000);
		const char *s = b.s ? b.s : "";
		if (ret == 0 && strncmp(s, "active", 6) == 0) {
			l->vm_ready_ms = lab_now_ms() - start;
			snprintf(rec, sizeof(rec), "%ld", l->vm_ready_ms);
			buf_free(&b);
			return lab_manifest_add(l, "ready_ms", rec);
		}
		if (strncmp(s, "failed", 6) == 0)
			break;
		lab_sleep_ms(ret < 0 ? 1000 : 300);
	}
	buf_free(&b);
	vm_journal(l, start);
	return -ETIMEDOUT;
}

/* Is pid the QEMU of this lab (its command line names the lab's dir)? */
static bool vm_is_ours(const struct lab *l, pid_t pid)
{
	char path[64], cmd[4096];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	ssize_t n = file_read_into(path, cmd, sizeof(cmd));
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i + 1 < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	return strstr(cmd, "qemu-system") && strstr(cmd, l->dir);
}

void lab_vm_stop(const struct lab *l, pid_t pid)
{
	if (pid <= 0 || !vm_is_ours(l, pid))
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 50 && vm_is_ours(l, pid); i++) {
		waitpid(pid, NULL, WNOHANG);
		lab_sleep_ms(100);
	}
	if (vm_is_ours(l, pid)) {
		kill(pid, SIGKILL);
		for (int i = 0; i < 30 && vm_is_ours(l, pid); i++) {
			waitpid(pid, NULL, WNOHANG);
			lab_sleep_ms(100);
		}
	}
}
