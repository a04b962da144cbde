/* The lab's peers: the ISPs (dnsmasq for DHCP and DNS, unbound for DNS
 * over TLS, a socat web server), the clients (busybox udhcpc with the
 * lab's own hook) and the router itself (`nftrouter run`). Every config
 * file is written by the lab from validated values and constant text. */
#include "lab/lab.h"
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The web server: answers any request with the client's address as the
 * server saw it, so a check can tell whether the router masqueraded. */
static const char http_sh[] =
	"#!/bin/sh\n"
	"# nftrouter lab web server (socat EXEC): reply with the peer's address.\n"
	"read -r _ || true\n"
	"printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\n%s\\n' "
	"\"$SOCAT_PEERADDR\"\n";

/* The DHCP hook: configures the client host, and writes the lease and the
 * resolver to the lab's files (never /etc/resolv.conf). */
static const char udhcpc_sh[] =
	"#!/bin/sh\n"
	"# nftrouter lab DHCP client hook (busybox udhcpc -s).\n"
	"case \"$1\" in\n"
	"deconfig)\n"
	"    ip -4 addr flush dev \"$interface\"\n"
	"    ip link set \"$interface\" up\n"
	"    ;;\n"
	"bound|renew)\n"
	"    ip -4 addr flush dev \"$interface\"\n"
	"    ip addr add \"$ip/${mask:-24}\" dev \"$interface\"\n"
	"    gw=${router%% *}\n"
	"    [ -n \"$gw\" ] && ip route replace default via \"$gw\" dev \"$interface\"\n"
	"    : >\"$NFTR_LAB_RESOLV.new\"\n"
	"    for d in $dns; do echo \"nameserver $d\" >>\"$NFTR_LAB_RESOLV.new\"; done\n"
	"    mv \"$NFTR_LAB_RESOLV.new\" \"$NFTR_LAB_RESOLV\"\n"
	"    printf 'ip=%s\\nmask=%s\\nrouter=%s\\ndns=%s\\nlease=%s\\n' \"$ip\" \"${mask:-24}\" "
	"\"$gw\" \"$dns\" \"$lease\" >\"$NFTR_LAB_LEASE.new\"\n"
	"    mv \"$NFTR_LAB_LEASE.new\" \"$NFTR_LAB_LEASE\"\n"
	"    ;;\n"
	"esac\n"
	"exit 0\n";

static int openssl(struct lab *l, char *const argv[])
{
	struct buf out = BUF_INIT;
	int ret = lab_run(argv, NULL, &out, 30000);
	if (ret != 0) {
		lab_error(l, "openssl %s failed:", argv[1]);
		lab_error_lines(l, out.s);
		ret = -EIO;
	}
	buf_free(&out);
	return ret;
}

/* A throwaway CA and one server certificate naming every DoT upstream, so
 * the router's DNS-over-TLS client verifies the ISP for real. */
static int make_test_ca(struct lab *l)
{
	char ca_key[PATH_MAX], ca[PATH_MAX], key[PATH_MAX], csr[PATH_MAX], pem[PATH_MAX], ext[PATH_MAX];
	struct buf san = BUF_INIT;
	char *text;
	int ret;

	lab_path(l, "ca.key", ca_key, sizeof(ca_key));
	lab_path(l, "ca.pem", ca, sizeof(ca));
	lab_path(l, "tls.key", key, sizeof(key));
	lab_path(l, "tls.csr", csr, sizeof(csr));
	lab_path(l, "tls.pem", pem, sizeof(pem));
	lab_path(l, "tls.ext", ext, sizeof(ext));
	buf_puts(&san, "subjectAltName=");
	for (size_t i = 0, n = 0; i < l->r->dns.n_upstream; i++) {
		const struct upstream *u = &l->r->dns.upstream[i];
		char a[ADDR_STRLEN];
		if (!u->tls)
			continue;
		addr_format(&u->addr, a, sizeof(a));
		buf_printf(&san, "%sIP:%s", n++ ? "," : "", a);
		if (u->tls_name[0])
			buf_printf(&san, ",DNS:%s", u->tls_name);
	}
	buf_puts(&san, "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
	text = buf_steal(&san);
	if (!text)
		return -ENOMEM;
	ret = file_write(ext, text, 0600);
	free(text);
	if (ret < 0)
		return ret;
	ret = openssl(l, (char *[]){"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
				    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca_key, "-out", ca,
				    "-days", "2", "-subj", "/CN=nftrouter lab CA", "-addext",
				    "basicConstraints=critical,CA:TRUE", "-addext",
				    "keyUsage=critical,keyCertSign,cRLSign", NULL});
	if (ret == 0)
		ret = openssl(l, (char *[]){"openssl", "req", "-newkey", "ec", "-pkeyopt",
					    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
					    csr, "-subj", "/CN=nftrouter lab upstream", NULL});
	if (ret == 0)
		ret = openssl(l, (char *[]){"openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey",
					    ca_key, "-CAcreateserial", "-out", pem, "-days", "2", "-extfile",
					    ext, NULL});
	return ret;
}

int lab_hosts_prepare(struct lab *l)
{
	char path[PATH_MAX];
	int ret;

	lab_path(l, "http.sh", path, sizeof(path));
	ret = file_write(path, http_sh, 0755);
	if (ret < 0)
		return ret;
	lab_path(l, "udhcpc.sh", path, sizeof(path));
	ret = file_write(path, udhcpc_sh, 0755);
	if (ret < 0)
		return ret;
	if (dns_has_tls(l->r))
		ret = make_test_ca(l);
	return ret;
}

static int ns_ip(struct lab *l, const struct lab_host *h, char *const argv[])
{
	struct buf out = BUF_INIT;
	int ret = lab_run_in(l, h, argv, &out, 10000);
	if (ret != 0) {
		lab_error(l, "%s: %s %s %s failed:", h->name, argv[0], argv[1], argv[2]);
		lab_error_lines(l, out.s);
		ret = ret > 0 ? -EIO : ret;
	}
	buf_free(&out);
	return ret;
}

/* Every WAN health target (interfaces.X.health) lives on every ISP too,
 * so each WAN's probes are answered; `lab test`'s failover check takes
 * them away from one ISP. Added after the upstreams (a target may be an
 * upstream: then it is there already). */
static int add_health_targets(struct lab *l, const struct lab_host *h)
{
	for (size_t i = 0; i < l->r->n_ifaces; i++) {
		const struct health *hc = &l->r->ifaces[i].health;
		for (size_t k = 0; hc->on && k < hc->n_targets; k++) {
			char a[ADDR_STRLEN + 4];
			bool dup = addr_equal(&hc->targets[k], &h->addr.addr);
			for (size_t j = 0; j < l->r->dns.n_upstream && !dup; j++)
				dup = addr_equal(&hc->targets[k], &l->r->dns.upstream[j].addr);
			for (size_t j = 0; j <= i && !dup; j++) {
				const struct health *o = &l->r->ifaces[j].health;
				for (size_t m = 0; o->on && m < (j == i ? k : o->n_targets) && !dup; m++)
					dup = addr_equal(&hc->targets[k], &o->targets[m]);
			}
			if (dup)
				continue;
			addr_format(&hc->targets[k], a, sizeof(a));
			strcat(a, "/32");
			int ret = ns_ip(l, h, (char *[]){"ip", "addr", "add", a, "dev", "lo", NULL});
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

/* Every upstream the config names lives on every ISP (on lo), so the
 * router reaches it whichever WAN its default route uses. */
static int add_upstreams(struct lab *l, const struct lab_host *h)
{
	for (size_t i = 0; i < l->r->dns.n_upstream; i++) {
		const struct upstream *u = &l->r->dns.upstream[i];
		char a[ADDR_STRLEN + 4];
		bool dup = addr_equal(&u->addr, &h->addr.addr);
		for (size_t j = 0; j < i && !dup; j++)
			dup = addr_equal(&u->addr, &l->r->dns.upstream[j].addr);
		if (dup || u->addr.family != AF_INET)
			continue;
		addr_format(&u->addr, a, sizeof(a));
		strcat(a, "/32");
		int ret = ns_ip(l, h, (char *[]){"ip", "addr", "add", a, "dev", "lo", NULL});
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int write_dnsmasq_conf(struct lab *l, const struct lab_host *h, const char *path)
{
	struct buf b = BUF_INIT;
	char self[ADDR_STRLEN], lo[ADDR_STRLEN], hi[ADDR_STRLEN];
	char *text;
	int ret;

	addr_format(&h->addr.addr, self, sizeof(self));
	buf_printf(&b, "# nftrouter lab: the ISP on port %s\nno-resolv\nno-hosts\nuser=root\npid-file=\n",
		   h->name);
	buf_printf(&b, "log-facility=%s/%s.isp.log\nlog-queries\n", l->dir, h->name);
	buf_printf(&b, "address=/%s/%s\naddress=/example.com/%s\n", LAB_WEB_NAME, self, self);
	if (h->dhcp_server) {
		addr_format(&h->pool_lo, lo, sizeof(lo));
		addr_format(&h->pool_hi, hi, sizeof(hi));
		buf_printf(&b, "dhcp-leasefile=%s/%s.isp.leases\ndhcp-authoritative\n", l->dir, h->name);
		buf_printf(&b, "dhcp-range=%s,%s,255.255.255.0,1h\n", lo, hi);
		buf_printf(&b, "dhcp-option=option:router,%s\ndhcp-option=option:dns-server,%s\n", self, self);
	}
	lab_isp6_dnsmasq_lines(l, h, &b);
	text = buf_steal(&b);
	if (!text)
		return -ENOMEM;
	ret = file_write(path, text, 0600);
	free(text);
	return ret;
}

static int write_unbound_conf(struct lab *l, const struct lab_host *h, const char *path)
{
	struct buf b = BUF_INIT;
	char self[ADDR_STRLEN], a[ADDR_STRLEN];
	char *text;
	int ret;

	addr_format(&h->addr.addr, self, sizeof(self));
	buf_printf(&b, "# nftrouter lab: DNS over TLS at the ISP on port %s\nserver:\n", h->name);
	buf_printf(&b, "  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n  pidfile: \"\"\n");
	buf_printf(&b, "  directory: \"%s\"\n  use-syslog: no\n  logfile: \"%s/%s.unbound.log\"\n", l->dir,
		   l->dir, h->name);
	buf_printf(&b, "  do-ip6: no\n  access-control: 0.0.0.0/0 allow\n  tls-port: 853\n");
	buf_printf(&b, "  tls-service-key: \"%s/tls.key\"\n  tls-service-pem: \"%s/tls.pem\"\n", l->dir,
		   l->dir);
	for (size_t i = 0; i < l->r->dns.n_upstream; i++) {
		const struct upstream *u = &l->r->dns.upstream[i];
		if (!u->tls || u->addr.family != AF_INET)
			continue;
		addr_format(&u->addr, a, sizeof(a));
		buf_printf(&b, "  interface: %s@%u\n", a, u->port ? u->port : 853);
	}
	buf_printf(&b, "  local-zone: \"example.com.\" static\n");
	buf_printf(&b, "  local-data: \"%s. 60 IN A %s\"\n", LAB_WEB_NAME, self);
	if (lab_isp6_web_addr(l, a, sizeof(a)))
		buf_printf(&b, "  local-data: \"%s. 60 IN AAAA %s\"\n", LAB_WEB_NAME, a);
	buf_printf(&b, "remote-control:\n  control-enable: no\n");
	text = buf_steal(&b);
	if (!text)
		return -ENOMEM;
	ret = file_write(path, text, 0600);
	free(text);
	return ret;
}

/* The last size-1 bytes of a log (all of a shorter one: the seek fails
 * and reading starts at 0), NUL-terminated; "" when it cannot be read. */
static void read_tail(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	if (f) {
		fseek(f, -(long)(size - 1), SEEK_END);
		n = fread(out, 1, size - 1, f);
		fclose(f);
	}
	out[n] = '\0';
}

/* The peers started so far, with their names for the report. */
struct peers {
	const char *names[5];
	pid_t pids[5];
	size_t n;
};

/* A peer that dies at once (a missing program, a bad config, a taken
 * port) fails `up` now, with its log, instead of a check much later. */
static int peers_alive(struct lab *l, const struct lab_host *h, const struct peers *p,
		       const char *log)
{
	struct timespec ts = {0, 300000000L};
	int st;
	nanosleep(&ts, NULL);
	for (size_t i = 0; i < p->n; i++)
		if (waitpid(p->pids[i], &st, WNOHANG) == p->pids[i]) {
			char tail[400];
			read_tail(log, tail, sizeof(tail));
			lab_error(l, "%s on %s exited (status %d); end of %s:", p->names[i], h->name,
				  WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), log);
			lab_error_lines(l, tail);
			return -ECHILD;
		}
	return 0;
}

static int peer_spawn(struct lab *l, const struct lab_host *h, char *const argv[], const char *log,
		      const char *name, struct peers *p)
{
	pid_t pid = lab_spawn_in(l, h, argv, NULL, log, argv[0]);
	if (pid < 0)
		return pid;
	p->names[p->n] = name;
	p->pids[p->n++] = pid;
	return 0;
}

int lab_start_internet(struct lab *l, const struct lab_host *h)
{
	char conf[PATH_MAX], log[PATH_MAX], exec[PATH_MAX + 8];
	struct peers p = {.n = 0};
	int ret = add_upstreams(l, h);
	if (ret == 0)
		ret = add_health_targets(l, h);

	if (ret == 0)
		ret = lab_isp6_link(l, h);
	if (ret < 0)
		return ret;
	snprintf(conf, sizeof(conf), "%s/%s.dnsmasq.conf", l->dir, h->name);
	snprintf(log, sizeof(log), "%s/%s.log", l->dir, h->name);
	ret = write_dnsmasq_conf(l, h, conf);
	if (ret == 0)
		ret = peer_spawn(l, h, (char *[]){"dnsmasq", "-k", "-C", conf, NULL}, log, "dnsmasq", &p);
	if (ret < 0)
		return ret;
	if (dns_has_tls(l->r)) {
		snprintf(conf, sizeof(conf), "%s/%s.unbound.conf", l->dir, h->name);
		ret = write_unbound_conf(l, h, conf);
		if (ret == 0)
			ret = peer_spawn(l, h, (char *[]){"unbound", "-d", "-c", conf, NULL}, log,
					 "unbound", &p);
		if (ret < 0)
			return ret;
	}
	snprintf(exec, sizeof(exec), "EXEC:%s/http.sh", l->dir);
	ret = peer_spawn(l, h, (char *[]){"socat", "TCP-LISTEN:80,reuseaddr,fork", exec, NULL}, log,
			 "socat (web server)", &p);
	if (ret == 0 && lab_isp6(h))
		ret = peer_spawn(l, h,
				 (char *[]){"socat", "TCP6-LISTEN:80,ipv6only=1,reuseaddr,fork", exec, NULL},
				 log, "socat (IPv6 web server)", &p);
	if (ret < 0)
		return ret;
	pid_t dhcpd = lab_isp6_dhcpd(l, h, 0);
	if (dhcpd < 0)
		return dhcpd;
	if (dhcpd > 0) {
		p.names[p.n] = "dhcpd -6";
		p.pids[p.n++] = dhcpd;
	}
	return peers_alive(l, h, &p, log);
}

static void log_tail(struct lab *l, const char *log)
{
	char text[600];
	read_tail(log, text, sizeof(text));
	lab_error(l, "end of %s:", log);
	lab_error_lines(l, text);
}

static bool file_has(const char *path, const char *needle)
{
	char text[4096];
	return file_read_into(path, text, sizeof(text)) >= 0 && strstr(text, needle);
}

/* Wait for READY=1 in the notify log, or the daemon's exit. */
static int wait_ready(struct lab *l, const char *notes, pid_t pid, const char *log, int timeout_ms)
{
	long deadline = lab_now_ms() + timeout_ms;
	int st;

	while (lab_now_ms() < deadline) {
		if (file_has(notes, "READY=1"))
			return 0;
		if (lab_interrupted(l))
			return -EINTR;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			lab_error(l, "nftrouter run exited with status %d",
				  WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			log_tail(l, log);
			return -ECHILD;
		}
		lab_sleep_ms(100);
	}
	lab_error(l, "nftrouter run sent no READY=1 within %d s", timeout_ms / 1000);
	log_tail(l, log);
	return -ETIMEDOUT;
}

/* Like systemd, keep a notify socket open for the daemon's whole life (its
 * children may inherit NOTIFY_SOCKET and talk to it too): a socat in the
 * router namespace receives on LAB/notify and appends to LAB/notify.log. */
static int start_notify(struct lab *l, const char *sock, const char *notes)
{
	char recv_addr[PATH_MAX + 16], out_addr[PATH_MAX + 32], log[PATH_MAX];
	snprintf(recv_addr, sizeof(recv_addr), "UNIX-RECV:%s", sock);
	snprintf(out_addr, sizeof(out_addr), "OPEN:%s,creat,append", notes);
	lab_path(l, "notify.err", log, sizeof(log));
	pid_t pid = lab_spawn_in(l, lab_router(l), (char *[]){"socat", "-u", recv_addr, out_addr, NULL}, NULL,
				 log, "socat");
	if (pid < 0)
		return pid;
	for (int i = 0; i < 50; i++) {
		if (access(sock, F_OK) == 0)
			return 0;
		lab_sleep_ms(50);
	}
	lab_error(l, "socat did not create the notify socket %s", sock);
	return -ETIMEDOUT;
}

static void prefixed_path(const struct lab *l, const char *prefix, const char *name, char *out,
			  size_t n)
{
	char f[64];
	snprintf(f, sizeof(f), "%s%s", prefix, name);
	lab_path(l, f, out, n);
}

/* One router's daemon: the lab's router (prefix "") or a pair's backup
 * ("backup-": its own dirs, log and notify socket). */
static int start_router_in(struct lab *l, const struct lab_host *rt, const char *config,
			   const char *prefix, int timeout_ms)
{
	char state[PATH_MAX], run[PATH_MAX], log[PATH_MAX], ca[PATH_MAX], sock[PATH_MAX], notes[PATH_MAX];
	char env_notify[PATH_MAX + 16], env_ca[PATH_MAX + 24];
	char *env[3] = {env_notify, NULL, NULL};
	int ret;
	pid_t pid;

	prefixed_path(l, prefix, "state", state, sizeof(state));
	prefixed_path(l, prefix, "run", run, sizeof(run));
	prefixed_path(l, prefix, "router.log", log, sizeof(log));
	prefixed_path(l, prefix, "notify", sock, sizeof(sock));
	prefixed_path(l, prefix, "notify.log", notes, sizeof(notes));
	if ((mkdir(state, 0700) < 0 && errno != EEXIST) || (mkdir(run, 0700) < 0 && errno != EEXIST))
		return -errno;
	ret = start_notify(l, sock, notes);
	if (ret < 0)
		return ret;
	snprintf(env_notify, sizeof(env_notify), "NOTIFY_SOCKET=%s", sock);
	if (dns_has_tls(l->r)) {
		lab_path(l, "ca.pem", ca, sizeof(ca));
		snprintf(env_ca, sizeof(env_ca), "NFTROUTER_TLS_CA=%s", ca);
		env[1] = env_ca;
	}
	pid = lab_spawn_in(l, rt,
			   (char *[]){l->bin, "run", "-c", (char *)config, "--state-dir", state, "--run-dir",
				      run, NULL},
			   env, log, "nftrouter");
	if (pid < 0)
		return pid;
	return wait_ready(l, notes, pid, log, timeout_ms);
}

int lab_start_router(struct lab *l, int timeout_ms)
{
	int ret = start_router_in(l, lab_router(l), l->config, "", timeout_ms);
	/* The backup second: the primary is up first and takes the virtual
	 * addresses, as in a pair whose primary was there first. */
	if (ret == 0 && l->pair)
		ret = start_router_in(l, &l->backup, l->config2, "backup-", timeout_ms);
	return ret;
}

/* Every client has its lease and the router its WAN addresses. */
static bool all_leased(const struct lab *l)
{
	struct ipaddr ip, gw;
	struct cidr c;
	int len;
	for (size_t i = 1; i < l->n_hosts; i++) {
		const struct lab_host *h = &l->hosts[i];
		if (h->absent)
			continue;
		if (h->dhcp_client && lab_lease_read(l, h, &ip, &len, &gw) < 0)
			return false;
		if (h->dhcp_server && lab_addr_of(l, lab_router(l), h->port, &c) < 0)
			return false;
	}
	return true;
}

static int client_resolv_static(struct lab *l, const struct lab_host *h)
{
	char path[128], text[96], a[ADDR_STRLEN];
	if (!h->port->n_addrs)
		return 0;
	addr_format(&h->port->addrs[0].addr, a, sizeof(a));
	snprintf(path, sizeof(path), "/etc/netns/%s/resolv.conf", h->ns);
	snprintf(text, sizeof(text), "nameserver %s\n", a);
	return file_write(path, text, 0644);
}

int lab_start_clients(struct lab *l, int timeout_ms)
{
	long deadline = lab_now_ms() + timeout_ms;
	for (size_t i = 1; i < l->n_hosts; i++) {
		const struct lab_host *h = &l->hosts[i];
		char hook[PATH_MAX], log[PATH_MAX], e_lease[PATH_MAX + 20], e_resolv[PATH_MAX + 20];
		char hostname[40];
		if (h->absent || h->role != LAB_CLIENT)
			continue;
		if (!h->dhcp_client) {
			int ret = client_resolv_static(l, h);
			if (ret < 0)
				return ret;
			continue;
		}
		lab_path(l, "udhcpc.sh", hook, sizeof(hook));
		snprintf(log, sizeof(log), "%s/%s.log", l->dir, h->name);
		snprintf(e_lease, sizeof(e_lease), "NFTR_LAB_LEASE=%s/%s.lease", l->dir, h->name);
		snprintf(e_resolv, sizeof(e_resolv), "NFTR_LAB_RESOLV=/etc/netns/%s/resolv.conf", h->ns);
		snprintf(hostname, sizeof(hostname), "hostname:%s", h->name);
		pid_t pid = lab_spawn_in(l, h,
					 (char *[]){"udhcpc", "-f", "-i", "eth0", "-s", hook, "-t", "20", "-T",
						    "1", "-A", "2", "-x", hostname, NULL},
					 (char *[]){e_lease, e_resolv, NULL}, log, "udhcpc");
		if (pid < 0)
			return pid;
	}
	while (!all_leased(l) && lab_now_ms() < deadline) {
		if (lab_interrupted(l))
			return -EINTR;
		struct timespec ts = {0, 300000000L};
		nanosleep(&ts, NULL);
	}
	return 0;
}

int lab_lease_read(const struct lab *l, const struct lab_host *h, struct ipaddr *ip, int *len,
		   struct ipaddr *router)
{
	char path[PATH_MAX], line[256];
	bool got = false;
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s.lease", l->dir, h->name);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	memset(router, 0, sizeof(*router));
	*len = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "ip=", 3) == 0)
			got = addr_parse4(line + 3, ip) == 0;
		else if (strncmp(line, "mask=", 5) == 0)
			*len = atoi(line + 5);
		else if (strncmp(line, "router=", 7) == 0)
			addr_parse4(line + 7, router);
	}
	fclose(f);
	return got ? 0 : -ENOENT;
}

int lab_addr_of(const struct lab *l, const struct lab_host *h, const struct iface *p, struct cidr *out)
{
	struct buf b = BUF_INIT;
	char *dev = (char *)(p ? p->name : "eth0");
	int ret = lab_run_in(l, h, (char *[]){"ip", "-o", "-4", "addr", "show", "dev", dev, NULL}, &b, 5000);
	char *s = b.s ? strstr(b.s, " inet ") : NULL;
	if (ret == 0 && s) {
		char a[64];
		if (sscanf(s + 6, "%63s", a) == 1 && cidr_parse(a, out) == 0)
			ret = 0;
		else
			ret = -ENOENT;
	} else {
		ret = -ENOENT;
	}
	buf_free(&b);
	return ret;
}
