/* system/ports: apply's port plan and its undo, in order, without root.
 * The links live in a model of the kernel kept here (link_sock_backend,
 * the seam netifd calls system-dummy): it does what rtnetlink does with
 * the calls that matter here (a link must be down to be renamed; taking a
 * link down flushes its IPv4 routes; a route needs its link up and its
 * gateway inside one of the link's subnets; adding an address present or
 * removing one absent fails), records every change, and fails the k-th
 * one when told to. The property: whatever change k fails, the undo puts
 * back exactly what was there (names, MTUs, up, addresses in their order,
 * default routes), and it undoes changes k-1..1 in reverse. */
#include <errno.h>
#include <linux/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "config/tree.h"
#include "model/model.h"
#include "router_text.h"
#include "system/link.h"
#include "system/ports.h"

#define MAX_ITEMS 16
#define MAX_LOG 64

/* The fake kernel. */
struct fake {
	struct link_info links[5]; /* room for a VLAN or a bridge the plan makes */
	size_t n_links;
	struct link_addr addrs[MAX_ITEMS];
	size_t n_addrs;
	struct route_default routes[MAX_ITEMS]; /* IPv4 */
	size_t n_routes;
	char log[MAX_LOG][64]; /* one line per change */
	size_t n_log;
	size_t fail_at; /* 1-based change to fail with -EIO; 0: none */
};

static struct link_info *fk_link(struct fake *f, int ifindex)
{
	for (size_t i = 0; i < f->n_links; i++)
		if (f->links[i].ifindex == ifindex)
			return &f->links[i];
	return NULL;
}

/* Every change goes through here: logged (also when it is the one to
 * fail, so the log shows where it stopped), failed when its turn. */
static int fk_change(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fk_change(struct fake *f, const char *fmt, ...)
{
	va_list ap;
	assert_true(f->n_log < MAX_LOG);
	va_start(ap, fmt);
	vsnprintf(f->log[f->n_log++], sizeof(f->log[0]), fmt, ap);
	va_end(ap);
	return f->fail_at && f->n_log == f->fail_at ? -EIO : 0;
}

/* The changes logged from `from` on are exactly want (printed first, so
 * a failure shows what was done). */
static void log_check(const struct fake *f, size_t from, const char *const *want, size_t n,
		      const char *what)
{
	for (size_t i = from; i < f->n_log; i++)
		print_message("  %s%s\n", what, f->log[i]);
	assert_int_equal(f->n_log - from, n);
	for (size_t i = from; i < f->n_log; i++)
		assert_string_equal(f->log[i], want[i - from]);
}

static const char *fmt_cidr(const struct cidr *c)
{
	static char buf[4][ADDR_STRLEN]; /* test code: a few at once in one printf */
	static int k;
	k = (k + 1) % 4;
	cidr_format(c, buf[k], sizeof(buf[k]));
	return buf[k];
}

static int fk_dump(void *data, struct link_info **out, size_t *n)
{
	struct fake *f = data;
	*out = malloc(sizeof(f->links));
	assert_non_null(*out);
	memcpy(*out, f->links, sizeof(f->links));
	*n = f->n_links;
	return 0;
}

static int fk_addr_dump(void *data, int family, struct link_addr **out, size_t *n)
{
	struct fake *f = data;
	*out = calloc(MAX_ITEMS, sizeof(**out));
	assert_non_null(*out);
	*n = 0;
	for (size_t i = 0; i < f->n_addrs; i++)
		if (f->addrs[i].addr.addr.family == family)
			(*out)[(*n)++] = f->addrs[i];
	return 0;
}

static int fk_set_name(void *data, int ifindex, const char *name)
{
	struct fake *f = data;
	struct link_info *l = fk_link(f, ifindex);
	int rc = fk_change(f, "name %d %s", ifindex, name);
	if (rc < 0)
		return rc;
	if (l->flags & IFF_UP)
		return -EBUSY; /* as the kernel: rename a link that is down */
	for (size_t i = 0; i < f->n_links; i++)
		if (&f->links[i] != l && strcmp(f->links[i].name, name) == 0)
			return -EEXIST;
	snprintf(l->name, sizeof(l->name), "%s", name);
	return 0;
}

static int fk_set_mtu(void *data, int ifindex, int mtu)
{
	struct fake *f = data;
	int rc = fk_change(f, "mtu %d %d", ifindex, mtu);
	if (rc == 0)
		fk_link(f, ifindex)->mtu = mtu;
	return rc;
}

static int fk_set_up(void *data, int ifindex, bool up)
{
	struct fake *f = data;
	struct link_info *l = fk_link(f, ifindex);
	int rc = fk_change(f, "%s %d", up ? "up" : "down", ifindex);
	if (rc < 0)
		return rc;
	if (up) {
		l->flags |= IFF_UP;
		return 0;
	}
	l->flags &= ~(unsigned)IFF_UP;
	/* The kernel flushes the IPv4 routes through a link taken down. */
	size_t k = 0;
	for (size_t i = 0; i < f->n_routes; i++)
		if (f->routes[i].ifindex != ifindex)
			f->routes[k++] = f->routes[i];
	f->n_routes = k;
	return 0;
}

static ssize_t fk_addr_find(struct fake *f, int ifindex, const struct cidr *a)
{
	for (size_t i = 0; i < f->n_addrs; i++)
		if (f->addrs[i].ifindex == ifindex && f->addrs[i].addr.len == a->len &&
		    addr_equal(&f->addrs[i].addr.addr, &a->addr))
			return (ssize_t)i;
	return -1;
}

static int fk_addr_add(void *data, int ifindex, const struct cidr *a)
{
	struct fake *f = data;
	int rc = fk_change(f, "add %d %s", ifindex, fmt_cidr(a));
	if (rc < 0)
		return rc;
	if (fk_addr_find(f, ifindex, a) >= 0)
		return -EEXIST;
	assert_true(f->n_addrs < MAX_ITEMS);
	f->addrs[f->n_addrs++] = (struct link_addr){.ifindex = ifindex, .addr = *a};
	return 0;
}

static int fk_addr_del(void *data, int ifindex, const struct cidr *a)
{
	struct fake *f = data;
	int rc = fk_change(f, "del %d %s", ifindex, fmt_cidr(a));
	ssize_t i = rc < 0 ? -1 : fk_addr_find(f, ifindex, a);
	if (rc < 0)
		return rc;
	if (i < 0)
		return -EADDRNOTAVAIL;
	memmove(&f->addrs[i], &f->addrs[i + 1], (f->n_addrs - (size_t)i - 1) * sizeof(f->addrs[0]));
	f->n_addrs--;
	return 0;
}

static int fk_route_dump(void *data, int family, struct route_default **out, size_t *n)
{
	struct fake *f = data;
	*out = calloc(MAX_ITEMS, sizeof(**out));
	assert_non_null(*out);
	*n = 0;
	if (family == AF_INET) {
		memcpy(*out, f->routes, f->n_routes * sizeof(f->routes[0]));
		*n = f->n_routes;
	}
	return 0;
}

/* The gateway must be inside a subnet of the (up) link: as the kernel. */
static bool fk_onlink(struct fake *f, const struct route_default *r)
{
	for (size_t i = 0; i < f->n_addrs; i++) {
		struct cidr net = f->addrs[i].addr;
		if (f->addrs[i].ifindex == r->ifindex && net.addr.family == AF_INET &&
		    cidr_contains(&net, &r->gw))
			return true;
	}
	return false;
}

static int fk_route_set(void *data, int family, const struct route_default *r)
{
	struct fake *f = data;
	char gw[ADDR_STRLEN];
	addr_format(&r->gw, gw, sizeof(gw));
	int rc = fk_change(f, "route %d via %s metric %u", r->ifindex, gw, (unsigned)r->metric);
	if (rc < 0)
		return rc;
	assert_int_equal(family, AF_INET);
	if (!(fk_link(f, r->ifindex)->flags & IFF_UP))
		return -ENETDOWN;
	if (!fk_onlink(f, r))
		return -ENETUNREACH;
	struct route_default nr = *r;
	nr.protocol = r->protocol ? r->protocol : ROUTE_PROTO_NFTROUTER;
	for (size_t i = 0; i < f->n_routes; i++)
		if (f->routes[i].metric == r->metric) {
			f->routes[i] = nr;
			return 0;
		}
	f->routes[f->n_routes++] = nr;
	return 0;
}

static int fk_route_remove(void *data, int family, const struct route_default *r)
{
	struct fake *f = data;
	int rc = fk_change(f, "unroute %d metric %u", r->ifindex, (unsigned)r->metric);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < f->n_routes; i++)
		if (f->routes[i].metric == r->metric && f->routes[i].ifindex == r->ifindex) {
			f->routes[i] = f->routes[--f->n_routes];
			return 0;
		}
	return -ESRCH;
}

/* As the kernel: a new link NAME, down, with index ifindex, unless the
 * name is taken. */
static int fk_link_new(struct fake *f, const char *name, int ifindex, int mtu, const char *kind,
		       int *out)
{
	assert_true(f->n_links < 5);
	for (size_t i = 0; i < f->n_links; i++)
		if (strcmp(f->links[i].name, name) == 0)
			return -EEXIST;
	struct link_info *l = &f->links[f->n_links++];
	*l = (struct link_info){.ifindex = ifindex, .mtu = mtu};
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	*out = ifindex;
	return 0;
}

/* A VLAN: index 10. */
static int fk_vlan_add(void *data, const char *name, int parent, uint16_t id, int *ifindex)
{
	struct fake *f = data;
	int rc = fk_change(f, "vlan %s on %d id %u", name, parent, (unsigned)id);
	if (rc < 0)
		return rc;
	assert_non_null(fk_link(f, parent));
	return fk_link_new(f, name, 10, 1500, "", ifindex);
}

/* A bridge: index 11. */
static int fk_bridge_add(void *data, const char *name, int *ifindex)
{
	struct fake *f = data;
	int rc = fk_change(f, "bridge %s", name);
	return rc < 0 ? rc : fk_link_new(f, name, 11, 1500, "bridge", ifindex);
}

/* A WireGuard link: index 11, MTU 1420 (as the kernel makes it). */
static int fk_wg_add(void *data, const char *name, int *ifindex)
{
	struct fake *f = data;
	int rc = fk_change(f, "wireguard %s", name);
	return rc < 0 ? rc : fk_link_new(f, name, 11, 1420, "", ifindex);
}

/* A bridge's port, or none (0): the master must be a bridge. */
static int fk_set_master(void *data, int ifindex, int master)
{
	struct fake *f = data;
	int rc = fk_change(f, "master %d %d", ifindex, master);
	if (rc < 0)
		return rc;
	struct link_info *l = fk_link(f, ifindex), *m = master ? fk_link(f, master) : NULL;
	if (!l || (master && (!m || strcmp(m->kind, "bridge") != 0)))
		return -EINVAL;
	l->master = master;
	return 0;
}

/* Its addresses and routes go with it, and a bridge's ports are let go. */
static int fk_link_del(void *data, int ifindex)
{
	struct fake *f = data;
	int rc = fk_change(f, "dellink %d", ifindex);
	if (rc < 0)
		return rc;
	struct link_info *l = fk_link(f, ifindex);
	if (!l)
		return -ENODEV;
	for (size_t i = 0; i < f->n_links; i++)
		if (f->links[i].master == ifindex)
			f->links[i].master = 0;
	*l = f->links[--f->n_links];
	size_t k = 0;
	for (size_t i = 0; i < f->n_addrs; i++)
		if (f->addrs[i].ifindex != ifindex)
			f->addrs[k++] = f->addrs[i];
	f->n_addrs = k;
	k = 0;
	for (size_t i = 0; i < f->n_routes; i++)
		if (f->routes[i].ifindex != ifindex)
			f->routes[k++] = f->routes[i];
	f->n_routes = k;
	return 0;
}

static const struct link_backend fake_backend = {
	fk_dump,   fk_addr_dump, fk_set_name,   fk_set_mtu,   fk_set_up,
	fk_addr_add, fk_addr_del, fk_route_dump, fk_route_set, fk_route_remove, fk_vlan_add, fk_link_del,
	fk_bridge_add, fk_set_master, fk_wg_add,
};

/* The start: wan's link with another address and a static default route
 * through it; lan's link with one address to keep and one to remove, and
 * a default route an earlier apply set (proto 110) that no gateway takes
 * any more. Both up (a link that is down holds no routes). Names not found under /proc/sys (accept_ra is
 * read there by name): these links exist only here. */
static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->links[0] = (struct link_info){.ifindex = 2, .name = "nrtfk0", .mtu = 1500, .flags = IFF_UP};
	f->links[1] = (struct link_info){.ifindex = 3, .name = "nrtfk1", .mtu = 1500, .flags = IFF_UP};
	f->n_links = 2;
	static const struct {
		int ifindex;
		const char *a;
	} a[] = {{2, "203.0.113.9/24"}, {3, "192.168.100.1/24"}, {3, "10.9.9.9/8"}};
	for (size_t i = 0; i < 3; i++) {
		f->addrs[i].ifindex = a[i].ifindex;
		assert_int_equal(cidr_parse(a[i].a, &f->addrs[i].addr), 0);
	}
	f->n_addrs = 3;
	f->routes[0] = (struct route_default){.ifindex = 2, .metric = 0, .protocol = 4};
	assert_int_equal(addr_parse("203.0.113.254", &f->routes[0].gw), 0);
	f->routes[1] = (struct route_default){.ifindex = 3, .metric = 5, .protocol = ROUTE_PROTO_NFTROUTER};
	assert_int_equal(addr_parse("10.0.0.1", &f->routes[1].gw), 0);
	f->n_routes = 2;
}

static struct router *build(void)
{
	static const char text[] =
		"interfaces:\n"
		"  wan: { match: { name: nrtfk0 }, ipv4: 203.0.113.1/24, gateway: 203.0.113.254, "
		"mtu: 1400 }\n"
		"  lan: { match: { name: nrtfk1 }, ipv4: [192.168.100.1/24, 192.168.200.1/24] }\n"
		"zones:\n"
		"  wan: { interfaces: [wan], input: drop }\n"
		"  lan: { interfaces: [lan], input: accept }\n";
	return router_from_text(text);
}

/* The kernel state as text, addresses in their order, routes by metric. */
static void fake_show(const struct fake *f, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n_links; i++)
		n += (size_t)snprintf(out + n, size - n, "%d %s mtu %d %s%s%.0d;", f->links[i].ifindex,
				      f->links[i].name, f->links[i].mtu,
				      (f->links[i].flags & IFF_UP) ? "up" : "down",
				      f->links[i].master ? " master " : "", f->links[i].master);
	/* Per link, in the link's order (which address is primary). */
	for (size_t l = 0; l < f->n_links; l++)
		for (size_t i = 0; i < f->n_addrs; i++)
			if (f->addrs[i].ifindex == f->links[l].ifindex)
				n += (size_t)snprintf(out + n, size - n, " %d:%s", f->addrs[i].ifindex,
						      fmt_cidr(&f->addrs[i].addr));
	for (uint32_t m = 0; m < 16; m++)
		for (size_t i = 0; i < f->n_routes; i++)
			if (f->routes[i].metric == m) {
				char gw[ADDR_STRLEN];
				addr_format(&f->routes[i].gw, gw, sizeof(gw));
				n += (size_t)snprintf(out + n, size - n, "; default %d via %s m%u p%u",
						      f->routes[i].ifindex, gw, (unsigned)m,
						      (unsigned)f->routes[i].protocol);
			}
}

struct run {
	struct fake f;
	struct router *r;
	struct link_sock *ls;
	struct port_plan *pl;
	struct diags d;
};

static void run_start_text(struct run *t, size_t fail_at, const char *text)
{
	int err = 0;
	fake_init(&t->f);
	t->f.fail_at = fail_at;
	t->r = text ? router_from_text(text) : build();
	t->d = (struct diags)DIAGS_INIT;
	t->ls = link_sock_backend(&fake_backend, &t->f);
	assert_non_null(t->ls);
	t->pl = port_plan_new(t->ls, t->r, NULL, &t->d, &err);
	if (!t->pl)
		diags_print(&t->d, stderr);
	assert_non_null(t->pl);
}

static void run_start(struct run *t, size_t fail_at)
{
	run_start_text(t, fail_at, NULL);
}

static void run_end(struct run *t)
{
	port_plan_free(t->pl);
	link_sock_close(t->ls);
	router_free(t->r);
	diags_free(&t->d);
}

/* The plan's order, change by change, and where it leaves the links. */
static void test_plan_order(void **state)
{
	(void)state;
	static const char *const want[] = {
		"down 2",                             /* renamed: down first */
		"down 3",                             /* (the kernel flushes their routes) */
		"name 2 wan",
		"name 3 lan",
		"mtu 2 1400",
		"del 2 203.0.113.9/24",               /* removals before additions */
		"add 2 203.0.113.1/24",
		"up 2",
		"route 2 via 203.0.113.254 metric 0", /* after up: the down flushed it */
		"del 3 10.9.9.9/8",
		"add 3 192.168.200.1/24",
		"up 3",
		"unroute 3 metric 5",                 /* ours, no gateway wants it (gone already) */
	};
	struct run t;
	char got[1024];
	run_start(&t, 0);
	assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), 0);
	log_check(&t.f, 0, want, sizeof(want) / sizeof(want[0]), "");
	fake_show(&t.f, got, sizeof(got));
	assert_string_equal(got, "2 wan mtu 1400 up;3 lan mtu 1500 up; 2:203.0.113.1/24 "
				 "3:192.168.100.1/24 3:192.168.200.1/24; default 2 via 203.0.113.254 "
				 "m0 p110");
	run_end(&t);
}

/* Fail change k, for every k of the plan: the undo restores the start
 * exactly, and its first changes undo k-1, k-2, ... */
static void test_fail_each_change(void **state)
{
	(void)state;
	struct run ok;
	char before[1024], after[1024];
	run_start(&ok, 0);
	fake_show(&ok.f, before, sizeof(before));
	assert_int_equal(port_plan_apply(ok.ls, ok.pl, &ok.d), 0);
	size_t n = ok.f.n_log;
	run_end(&ok);
	for (size_t k = 1; k <= n; k++) {
		struct run t;
		run_start(&t, k);
		assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), -EIO);
		assert_int_equal(t.f.n_log, k); /* stopped at the failure */
		t.f.fail_at = 0;
		int u = port_plan_undo(t.ls, t.pl, &t.d);
		fake_show(&t.f, after, sizeof(after));
		if (u != 0 || strcmp(before, after) != 0) {
			print_message("fail at %zu (%s):\n", k, t.f.log[k - 1]);
			for (size_t i = 0; i < t.f.n_log; i++)
				print_message("  %s\n", t.f.log[i]);
			diags_print(&t.d, stderr);
		}
		assert_int_equal(u, 0);
		assert_string_equal(after, before);
		run_end(&t);
	}
}

/* The undo's order, seen on one case: the failure at lan's first
 * addition (change 11). What a change needs is undone after what depends
 * on it: wan's MTU while its name is still the configured one; names back
 * through temporary names, links down; addresses once the old names are
 * back (a new address takes the link's name as its label), lan's removed
 * one re-added, wan's added one removed before its old one comes back
 * (so the old primary is primary again); links up; routes last (they
 * need the link up and the subnet back): wan's gateway and what taking
 * the links down flushed. */
static void test_undo_order(void **state)
{
	(void)state;
	static const char *const want[] = {
		"mtu 2 1500",
		"down 2", "name 2 nrt-tmp2", "down 3", "name 3 nrt-tmp3",
		"name 2 nrtfk0", "name 3 nrtfk1",
		"add 3 10.9.9.9/8",
		"del 2 203.0.113.1/24", "add 2 203.0.113.9/24",
		"up 2", "up 3",
		"route 2 via 203.0.113.254 metric 0", /* the gateway step's */
		"route 2 via 203.0.113.254 metric 0", /* flushed by the down */
		"route 3 via 10.0.0.1 metric 5",      /* flushed by the down */
	};
	struct run t;
	run_start(&t, 11);
	assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), -EIO);
	assert_string_equal(t.f.log[10], "add 3 192.168.200.1/24");
	t.f.fail_at = 0;
	size_t from = t.f.n_log;
	assert_int_equal(port_plan_undo(t.ls, t.pl, &t.d), 0);
	log_check(&t.f, from, want, sizeof(want) / sizeof(want[0]), "undo: ");
	/* A second undo has nothing left to do. */
	from = t.f.n_log;
	assert_int_equal(port_plan_undo(t.ls, t.pl, &t.d), 0);
	assert_int_equal(t.f.n_log, from);
	run_end(&t);
}

/* `diff`'s text of the plan: every change the plan makes, named; after
 * the apply a new plan of the same config describes nothing. */
static void test_plan_describe(void **state)
{
	(void)state;
	struct run t;
	struct buf b = BUF_INIT;
	int err = 0;
	run_start(&t, 0);
	size_t n = port_plan_describe(t.pl, &b);
	print_message("%s", b.s);
	assert_string_equal(b.s, "~ wan: rename link 'nrtfk0' to 'wan'\n"
				 "~ wan: mtu 1500 -> 1400\n"
				 "- wan: address 203.0.113.9/24\n"
				 "+ wan: address 203.0.113.1/24\n"
				 "~ lan: rename link 'nrtfk1' to 'lan'\n"
				 "- lan: address 10.9.9.9/8\n"
				 "+ lan: address 192.168.200.1/24\n"
				 "- (no port): default route via 10.0.0.1 metric 5\n");
	assert_int_equal(n, 8);
	assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), 0);
	struct port_plan *again = port_plan_new(t.ls, t.r, NULL, &t.d, &err);
	assert_non_null(again);
	buf_free(&b);
	assert_int_equal(port_plan_describe(again, &b), 0);
	assert_int_equal(b.len, 0);
	assert_true(port_plan_empty(again));
	port_plan_free(again);
	buf_free(&b);
	run_end(&t);
}

/* A VLAN port: its link is made on the parent's before it is configured
 * (and the parent renamed in the same plan keeps its index); whatever
 * change fails, the undo removes the link it made and puts the rest back. */
static const char vlan_text[] =
	"interfaces:\n"
	"  wan: { match: { name: nrtfk0 }, ipv4: 203.0.113.9/24 }\n"
	"  lan: { match: { name: nrtfk1 }, ipv4: [192.168.100.1/24, 10.9.9.9/8] }\n"
	"  iot: { vlan: { parent: lan, id: 20 }, ipv4: 192.168.20.1/24 }\n"
	"zones:\n"
	"  wan: { interfaces: [wan], input: drop }\n"
	"  lan: { interfaces: [lan, iot], input: accept }\n";

static void test_vlan(void **state)
{
	(void)state;
	static const char *const want[] = {
		"down 2", "down 3", "name 2 wan", "name 3 lan", "up 2", "up 3",
		"vlan iot on 3 id 20", "add 10 192.168.20.1/24", "up 10",
		"unroute 3 metric 5",
	};
	struct run t;
	struct buf b = BUF_INIT;
	char before[1024], got[1024];
	run_start_text(&t, 0, vlan_text);
	fake_show(&t.f, before, sizeof(before));
	port_plan_describe(t.pl, &b);
	print_message("%s", b.s);
	assert_non_null(strstr(b.s, "+ iot: VLAN 20 on link 3\n+ iot: address 192.168.20.1/24\n"));
	buf_free(&b);
	assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), 0);
	log_check(&t.f, 0, want, sizeof(want) / sizeof(want[0]), "");
	fake_show(&t.f, got, sizeof(got));
	assert_non_null(strstr(got, "10 iot mtu 1500 up;"));
	assert_non_null(strstr(got, " 10:192.168.20.1/24"));
	size_t n = t.f.n_log;
	run_end(&t);
	for (size_t k = 1; k <= n; k++) {
		run_start_text(&t, k, vlan_text);
		assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), -EIO);
		t.f.fail_at = 0;
		int u = port_plan_undo(t.ls, t.pl, &t.d);
		fake_show(&t.f, got, sizeof(got));
		if (u != 0 || strcmp(before, got) != 0)
			print_message("fail at %zu (%s): %s\n", k, t.f.log[k - 1], got);
		assert_int_equal(u, 0);
		assert_string_equal(got, before);
		run_end(&t);
	}
}

/* A bridge of lan and opt1: made first (the members are declared before
 * it), given lan's old address, the members join it and lose theirs, and
 * opt1 leaves the bridge it was in; whatever change fails, the undo
 * removes the bridge and puts every link, master and address back. A
 * second plan after the apply has nothing to do. */
static const char bridge_text[] =
	"interfaces:\n"
	"  wan: { match: { name: nrtfk0 }, ipv4: 203.0.113.9/24 }\n"
	"  lan: { match: { name: nrtfk1 } }\n"
	"  opt1: { match: { name: nrtfk2 } }\n"
	"  br0: { bridge: [lan, opt1], ipv4: 192.168.100.1/24 }\n"
	"zones:\n"
	"  wan: { interfaces: [wan], input: drop }\n"
	"  lan: { interfaces: [br0], input: accept }\n";

/* fake_init plus opt1's link (up) in a bridge of someone else's. */
/* The way back: router.yaml without the bridge an earlier apply made. */
static const char unbridge_text[] =
	"interfaces:\n"
	"  wan: { match: { name: nrtfk0 }, ipv4: 203.0.113.9/24 }\n"
	"  lan: { match: { name: lan }, ipv4: 192.168.100.1/24 }\n"
	"  opt1: { match: { name: opt1 }, ipv4: 192.168.101.1/24 }\n"
	"zones:\n"
	"  wan: { interfaces: [wan], input: drop }\n"
	"  lan: { interfaces: [lan, opt1], input: accept }\n";

/* fake_init plus opt1's link (up) in a bridge of someone else's; with
 * unbridge, the state test_bridge's apply left: lan and opt1 in br0,
 * which has 192.168.100.1/24. */
static void bridge_start(struct run *t, size_t fail_at, bool unbridge)
{
	int err = 0;
	fake_init(&t->f);
	t->f.links[2] = (struct link_info){.ifindex = 4, .name = "nrtfk2", .mtu = 1500,
					   .flags = IFF_UP, .master = 5};
	t->f.links[3] = (struct link_info){.ifindex = 5, .name = "oldbr", .mtu = 1500,
					   .kind = "bridge"};
	t->f.n_links = 4;
	if (unbridge) {
		t->f.links[1] = (struct link_info){.ifindex = 3, .name = "lan", .mtu = 1500,
						   .flags = IFF_UP, .master = 11};
		t->f.links[2] = (struct link_info){.ifindex = 4, .name = "opt1", .mtu = 1500,
						   .flags = IFF_UP, .master = 11};
		t->f.links[3] = (struct link_info){.ifindex = 11, .name = "br0", .mtu = 1500,
						   .flags = IFF_UP, .kind = "bridge"};
		t->f.addrs[1].ifindex = 11;
	}
	/* lan keeps one address: undo re-adds removed addresses in their
	 * old order, which after a failure between two removals of
	 * different subnets is another listing order (no other effect); and
	 * without 10.9.9.9/8 no route via 10.0.0.1. */
	t->f.n_addrs = 2;
	t->f.n_routes = 1;
	t->f.fail_at = fail_at;
	t->r = router_from_text(unbridge ? unbridge_text : bridge_text);
	t->d = (struct diags)DIAGS_INIT;
	t->ls = link_sock_backend(&fake_backend, &t->f);
	assert_non_null(t->ls);
	t->pl = port_plan_new(t->ls, t->r, NULL, &t->d, &err);
	if (!t->pl)
		diags_print(&t->d, stderr);
	assert_non_null(t->pl);
}

static void test_bridge(void **state)
{
	(void)state;
	static const char *const want[] = {
		"down 2", "down 3", "down 4", "name 2 wan", "name 3 lan", "name 4 opt1",
		"bridge br0", "add 11 192.168.100.1/24", "up 11", /* the bridge first */
		"up 2",
		"master 3 11", "del 3 192.168.100.1/24", "up 3",
		"master 4 11", "up 4",
	};
	struct run t;
	struct buf b = BUF_INIT;
	char before[1024], got[1024];
	int err = 0;
	bridge_start(&t, 0, false);
	fake_show(&t.f, before, sizeof(before));
	port_plan_describe(t.pl, &b);
	print_message("%s", b.s);
	assert_non_null(strstr(b.s, "+ br0: bridge\n+ br0: address 192.168.100.1/24\n"));
	assert_non_null(strstr(b.s, "~ lan: port of bridge 'br0'\n"));
	assert_non_null(strstr(b.s, "~ opt1: port of bridge 'br0'\n"));
	buf_free(&b);
	assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), 0);
	log_check(&t.f, 0, want, sizeof(want) / sizeof(want[0]), "");
	fake_show(&t.f, got, sizeof(got));
	assert_string_equal(got, "2 wan mtu 1500 up;3 lan mtu 1500 up master 11;4 opt1 mtu 1500 "
				 "up master 11;5 oldbr mtu 1500 down;11 br0 mtu 1500 up; "
				 "2:203.0.113.9/24 11:192.168.100.1/24");
	struct port_plan *again = port_plan_new(t.ls, t.r, NULL, &t.d, &err);
	assert_non_null(again);
	assert_true(port_plan_empty(again));
	port_plan_free(again);
	size_t n = t.f.n_log;
	run_end(&t);
	for (size_t k = 1; k <= n; k++) {
		bridge_start(&t, k, false);
		assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), -EIO);
		t.f.fail_at = 0;
		int u = port_plan_undo(t.ls, t.pl, &t.d);
		fake_show(&t.f, got, sizeof(got));
		if (u != 0 || strcmp(before, got) != 0) {
			print_message("fail at %zu (%s): %s\n", k, t.f.log[k - 1], got);
			diags_print(&t.d, stderr);
		}
		assert_int_equal(u, 0);
		assert_string_equal(got, before);
		run_end(&t);
	}
}

/* A WireGuard port: its link is made before it is addressed and set up;
 * whatever change fails, the undo removes the link and restores the
 * rest. */
static const char wg_text[] =
	"interfaces:\n"
	"  wan: { match: { name: nrtfk0 }, ipv4: 203.0.113.9/24 }\n"
	"  lan: { match: { name: nrtfk1 }, ipv4: [192.168.100.1/24, 10.9.9.9/8] }\n"
	"  wg0:\n"
	"    ipv4: 172.16.8.1/24\n"
	"    wireguard: { listen-zones: [wan], peers: [ { name: phone, public-key: "
	"ihl0yJSJ7mVfdt/hotcYkZBxBeXPJgzMgxoZWkqT+As=, allowed-ips: [172.16.8.2/32] } ] }\n"
	"zones:\n"
	"  wan: { interfaces: [wan], input: drop }\n"
	"  lan: { interfaces: [lan, wg0], input: accept }\n";

static void test_wireguard_link(void **state)
{
	(void)state;
	static const char *const want[] = {
		"down 2", "down 3", "name 2 wan", "name 3 lan", "up 2", "up 3",
		"wireguard wg0", "add 11 172.16.8.1/24", "up 11", "unroute 3 metric 5",
	};
	struct run t;
	struct buf b = BUF_INIT;
	char before[1024], got[1024];
	run_start_text(&t, 0, wg_text);
	fake_show(&t.f, before, sizeof(before));
	port_plan_describe(t.pl, &b);
	assert_non_null(strstr(b.s, "+ wg0: WireGuard link\n+ wg0: address 172.16.8.1/24\n"));
	buf_free(&b);
	assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), 0);
	for (size_t i = 0; i < t.f.n_log; i++)
		print_message("  %s\n", t.f.log[i]);
	assert_int_equal(t.f.n_log, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < t.f.n_log; i++)
		assert_string_equal(t.f.log[i], want[i]);
	fake_show(&t.f, got, sizeof(got));
	assert_non_null(strstr(got, "11 wg0 mtu 1420 up;"));
	size_t n = t.f.n_log;
	run_end(&t);
	for (size_t k = 1; k <= n; k++) {
		run_start_text(&t, k, wg_text);
		assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), -EIO);
		t.f.fail_at = 0;
		assert_int_equal(port_plan_undo(t.ls, t.pl, &t.d), 0);
		fake_show(&t.f, got, sizeof(got));
		assert_string_equal(got, before);
		run_end(&t);
	}
}


/* ha: the port's virtual address (keepalived's, there while this router
 * is primary) is neither removed nor described as a removal; the port's
 * own address is added beside it. */
static void test_ha_virtual_kept(void **state)
{
	(void)state;
	static const char text[] =
		"interfaces:\n"
		"  wan: { match: { name: nrtfk0 }, ipv4: 203.0.113.1/24 }\n"
		"  sync: { match: { name: nrtfk1 }, ipv4: 10.9.9.9/8 }\n"
		"zones:\n"
		"  wan: { interfaces: [wan], input: drop }\n"
		"  sync: { interfaces: [sync], input: drop }\n"
		"ha: { sync-interface: sync, peer: 10.9.9.8, priority: 100,\n"
		"      virtual: { wan: 203.0.113.9/24 } }\n";
	struct run t;
	struct buf b = BUF_INIT;
	char got[1024];
	run_start_text(&t, 0, text);
	port_plan_describe(t.pl, &b);
	print_message("%s", b.s);
	assert_non_null(strstr(b.s, "+ wan: address 203.0.113.1/24\n"));
	assert_non_null(strstr(b.s, "- sync: address 192.168.100.1/24\n"));
	assert_null(strstr(b.s, "203.0.113.9"));
	assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), 0);
	fake_show(&t.f, got, sizeof(got));
	assert_non_null(strstr(got, "2:203.0.113.9/24"));
	assert_non_null(strstr(got, "2:203.0.113.1/24"));
	buf_free(&b);
	run_end(&t);
}

/* A bridge gone from router.yaml: its ports leave it and take their own
 * addresses; the bridge, no configured port, gives its address up first
 * and goes down (it stays); undo after a failure at any change puts it
 * all back. */
static void test_bridge_removed(void **state)
{
	(void)state;
	static const char *const want[] = {
		"del 11 192.168.100.1/24", "down 11", /* the orphan first */
		"down 2", "name 2 wan", "up 2",
		"master 3 0", "add 3 192.168.100.1/24",
		"master 4 0", "add 4 192.168.101.1/24",
	};
	struct run t;
	struct buf b = BUF_INIT;
	char before[1024], got[1024];
	bridge_start(&t, 0, true);
	fake_show(&t.f, before, sizeof(before));
	port_plan_describe(t.pl, &b);
	print_message("%s", b.s);
	assert_non_null(strstr(b.s, "- br0: bridge left without ports"));
	buf_free(&b);
	assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), 0);
	log_check(&t.f, 0, want, sizeof(want) / sizeof(want[0]), "");
	fake_show(&t.f, got, sizeof(got));
	assert_string_equal(got, "2 wan mtu 1500 up;3 lan mtu 1500 up;4 opt1 mtu 1500 up;11 br0 mtu "
				 "1500 down; 2:203.0.113.9/24 3:192.168.100.1/24 4:192.168.101.1/24");
	size_t n = t.f.n_log;
	run_end(&t);
	for (size_t k = 1; k <= n; k++) {
		bridge_start(&t, k, true);
		assert_int_equal(port_plan_apply(t.ls, t.pl, &t.d), -EIO);
		t.f.fail_at = 0;
		int u = port_plan_undo(t.ls, t.pl, &t.d);
		fake_show(&t.f, got, sizeof(got));
		if (u != 0 || strcmp(before, got) != 0) {
			print_message("fail at %zu (%s): %s\n", k, t.f.log[k - 1], got);
			diags_print(&t.d, stderr);
		}
		assert_int_equal(u, 0);
		assert_string_equal(got, before);
		run_end(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_describe),
		cmocka_unit_test(test_plan_order),
		cmocka_unit_test(test_fail_each_change),
		cmocka_unit_test(test_undo_order),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_bridge),
		cmocka_unit_test(test_bridge_removed),
		cmocka_unit_test(test_wireguard_link),
		cmocka_unit_test(test_ha_virtual_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
