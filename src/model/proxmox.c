/* The proxmox: section. Everything here ends up in a shell script run as
 * root on the Proxmox host or in the VM's cloud-init user-data, so every
 * value is checked against the narrow syntax Proxmox itself accepts, and
 * the ports are checked against what the VM will actually see: a port
 * matched by kernel name or host PCI address is not recognisable inside
 * the VM. */
#include "model/proxmox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"
#include "util/addr.h"

static const char *get_str(struct diags *d, const struct cfg_node *n, const char *what)
{
	if (n->kind != CFG_SCALAR || n->len == 0) {
		diag_error(d, n->pos, "%s: expected a value, got %s", what,
			   n->kind == CFG_SCALAR ? "nothing" : cfg_kind_name(n->kind));
		return NULL;
	}
	if (strlen(n->str) != n->len) {
		diag_error(d, n->pos, "%s: contains a NUL character", what);
		return NULL;
	}
	return n->str;
}

static int get_uint(struct diags *d, const struct cfg_node *n, const char *what, uint32_t lo,
		    uint32_t hi, uint32_t *out)
{
	const char *s = get_str(d, n, what);
	unsigned long v = 0;
	struct shown sh;
	if (!s)
		return -EINVAL;
	if (decimal_parse(s, &v) == 0 && v >= lo && v <= hi) {
		*out = (uint32_t)v;
		return 0;
	}
	diag_error(d, n->pos, "%s: expected a number %u..%u, got '%s'", what, (unsigned)lo,
		   (unsigned)hi, node_show(n, &sh));
	return -EINVAL;
}

/* s is made of chars from set, first from first, 1..max long. */
static bool word_ok(const char *s, const char *first, const char *set, size_t max)
{
	size_t len = strlen(s);
	if (len == 0 || len > max || !strchr(first, s[0]))
		return false;
	return strspn(s, set) == len;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

/* "01:00", "0000:01:00" (every function) or "01:00.1", "0000:01:00.1":
 * bus 00-ff, device 00-1f, function 0-7; normalised with the domain. */
static int pci_dev_parse(const char *s, char out[13], bool *all)
{
	char buf[24];
	unsigned dom = 0, bus, dev, fn = 0;
	int n = 0;
	size_t len = strlen(s);
	if (len > 12 || strspn(s, "0123456789abcdefABCDEF:.") != len)
		return -EINVAL;
	if (strchr(s, ':') == strrchr(s, ':')) /* no domain */
		snprintf(buf, sizeof(buf), "0000:%s", s);
	else
		snprintf(buf, sizeof(buf), "%s", s);
	*all = !strchr(buf, '.');
	if (*all ? sscanf(buf, "%4x:%2x:%2x%n", &dom, &bus, &dev, &n) != 3
		 : sscanf(buf, "%4x:%2x:%2x.%1u%n", &dom, &bus, &dev, &fn, &n) != 4)
		return -EINVAL;
	if ((size_t)n != strlen(buf) || strlen(buf) != (*all ? 10u : 12u) || dev > 0x1f || fn > 7)
		return -EINVAL;
	if (*all)
		snprintf(out, 13, "%04x:%02x:%02x", dom, bus, dev);
	else
		snprintf(out, 13, "%04x:%02x:%02x.%u", dom, bus, dev, fn);
	return 0;
}

static int nics_build(const struct cfg_node *n, struct router *r, struct proxmox *p,
		      struct diags *d)
{
	struct shown sh;
	int err = 0;
	if (n->kind != CFG_MAP || n->n == 0 || n->n > PROXMOX_MAX_NICS) {
		diag_error(
		    d, n->pos,
		    "proxmox.bridges: expected a map of 1..%d entries (PORT: BRIDGE), got %s",
		    PROXMOX_MAX_NICS,
		    n->kind == CFG_MAP ? "a map of another size" : cfg_kind_name(n->kind));
		return -EINVAL;
	}
	p->nics = calloc(n->n, sizeof(*p->nics));
	if (!p->nics)
		return -ENOMEM;
	for (size_t i = 0; i < n->n; i++) {
		const struct cfg_node *k = n->key[i], *v = n->val[i];
		struct proxmox_nic *nic = &p->nics[p->n_nics];
		const char *br = get_str(d, v, "proxmox.bridges");
		struct iface *f = NULL;
		for (size_t j = 0; j < r->n_ifaces; j++)
			if (strcmp(r->ifaces[j].name, k->str) == 0)
				f = &r->ifaces[j];
		if (!f) {
			diag_error(d, k->pos, "proxmox.bridges: unknown interface '%s'",
				   node_show(k, &sh));
			err = -EINVAL;
		} else if (f->match == MATCH_PCI) {
			diag_error(
			    d, k->pos,
			    "proxmox.bridges: interface '%s' is matched by pci, but a virtio "
			    "NIC's PCI address inside the VM is Proxmox's choice; match it by "
			    "mac",
			    f->name);
			err = -EINVAL;
		} else if (f->match == MATCH_MAC && (f->match_mac[0] & 1)) {
			diag_error(d, k->pos,
				   "proxmox.bridges: interface '%s' matches a multicast MAC; a NIC "
				   "needs a unicast one (first byte even)",
				   f->name);
			err = -EINVAL;
		}
		if (br && !ifname_valid(br)) {
			diag_error(
			    d, v->pos,
			    "proxmox.bridges.%s: '%s' is not a valid Linux bridge name (1-15 "
			    "characters of a-z, 0-9, '_', '-', starting with a letter)",
			    node_show(k, &sh), br);
			err = -EINVAL;
			br = NULL;
		}
		if (!f || !br)
			continue;
		nic->pos = k->pos;
		nic->iface = f;
		snprintf(nic->bridge, sizeof(nic->bridge), "%s", br);
		p->n_nics++;
	}
	return err;
}

static int pci_add(const struct cfg_node *n, struct proxmox *p, struct diags *d)
{
	const char *s = get_str(d, n, "proxmox.passthrough");
	struct proxmox_pci *c = &p->pci[p->n_pci];
	struct shown sh;
	if (!s)
		return -EINVAL;
	if (pci_dev_parse(s, c->addr, &c->all_functions) < 0) {
		diag_error(
		    d, n->pos,
		    "proxmox.passthrough: malformed PCI address '%s' (BUS:DEV for every "
		    "function, e.g. 01:00, or BUS:DEV.FN, e.g. 01:00.1, as lspci shows them)",
		    node_show(n, &sh));
		return -EINVAL;
	}
	/* Two entries naming the same function would make qm refuse the VM. */
	for (size_t i = 0; i < p->n_pci; i++) {
		const struct proxmox_pci *o = &p->pci[i];
		if (strncmp(o->addr, c->addr, 10) == 0 &&
		    (o->all_functions || c->all_functions || strcmp(o->addr, c->addr) == 0)) {
			diag_error(d, n->pos,
				   "proxmox.passthrough: '%s' overlaps '%s' passed through already",
				   node_show(n, &sh), o->addr);
			return -EINVAL;
		}
	}
	c->pos = n->pos;
	p->n_pci++;
	return 0;
}

static int pci_build(const struct cfg_node *n, struct proxmox *p, struct diags *d)
{
	size_t count = n->kind == CFG_SEQ ? n->n : 1;
	int err = 0;
	if (n->kind == CFG_MAP || count == 0 || count > PROXMOX_MAX_PCI) {
		diag_error(d, n->pos,
			   "proxmox.passthrough: expected a PCI address or a list of 1..%d of them",
			   PROXMOX_MAX_PCI);
		return -EINVAL;
	}
	p->pci = calloc(count, sizeof(*p->pci));
	if (!p->pci)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++)
		if (pci_add(n->kind == CFG_SEQ ? n->val[i] : n, p, d) < 0)
			err = -EINVAL;
	return err;
}

/* An ssh public key line: reaches the user-data inside single quotes. */
static bool ssh_key_ok(const char *s)
{
	if (strncmp(s, "ssh-", 4) != 0 && strncmp(s, "ecdsa-", 6) != 0 && strncmp(s, "sk-", 3) != 0)
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || strchr("'\"\\", *s))
			return false;
	return true;
}

static int keys_build(const struct cfg_node *n, struct proxmox *p, struct diags *d)
{
	int err = 0;
	if (n->kind != CFG_SEQ) {
		diag_error(d, n->pos, "proxmox.ssh-keys: expected a list of public keys, got %s",
			   cfg_kind_name(n->kind));
		return -EINVAL;
	}
	p->ssh_keys = calloc(n->n ? n->n : 1, sizeof(*p->ssh_keys));
	if (!p->ssh_keys)
		return -ENOMEM;
	for (size_t i = 0; i < n->n; i++) {
		const char *s = get_str(d, n->val[i], "proxmox.ssh-keys");
		if (!s) {
			err = -EINVAL;
		} else if (!ssh_key_ok(s)) {
			diag_error(
			    d, n->val[i]->pos,
			    "proxmox.ssh-keys: not an ssh public key line (ssh-..., ecdsa-... "
			    "or sk-..., printable ASCII without quotes or backslashes)");
			err = -EINVAL;
		} else if (!(p->ssh_keys[p->n_ssh_keys++] = strdup(s))) {
			return -ENOMEM;
		}
	}
	return err;
}

/* A text value checked against a word syntax, copied into out. */
static int word_build(const struct cfg_node *n, const char *what, const char *first,
		      const char *set, size_t max, const char *syntax, char *out, size_t size,
		      struct diags *d)
{
	const char *s = get_str(d, n, what);
	struct shown sh;
	if (!s)
		return -EINVAL;
	if (!word_ok(s, first, set, max < size - 1 ? max : size - 1)) {
		diag_error(d, n->pos, "%s: invalid value '%s' (%s)", what, node_show(n, &sh), syntax);
		return -EINVAL;
	}
	snprintf(out, size, "%s", s);
	return 0;
}

static int scalars_build(const struct cfg_node *n, struct router *r, struct proxmox *p,
			 struct diags *d)
{
	const struct cfg_node *v;
	struct shown sh;
	int err = 0;

	/* Proxmox reserves VM ids below 100. */
	if ((v = cfg_map_get(n, "vmid")) &&
	    get_uint(d, v, "proxmox.vmid", 100, 999999999, &p->vmid) < 0)
		err = -EINVAL;
	if ((v = cfg_map_get(n, "template"))) {
		if (get_uint(d, v, "proxmox.template", 100, 999999999, &p->template_id) < 0) {
			err = -EINVAL;
		} else if (p->template_id == p->vmid) {
			diag_error(d, v->pos, "proxmox.template: the same id as proxmox.vmid (%u)",
				   (unsigned)p->vmid);
			err = -EINVAL;
		}
	}
	if ((v = cfg_map_get(n, "memory")) &&
	    get_uint(d, v, "proxmox.memory", 16, 4194304, &p->memory) < 0)
		err = -EINVAL;
	if ((v = cfg_map_get(n, "cores")) && get_uint(d, v, "proxmox.cores", 1, 128, &p->cores) < 0)
		err = -EINVAL;
	if ((v = cfg_map_get(n, "name"))) {
		const char *s = get_str(d, v, "proxmox.name");
		if (!s || !hostname_valid(s) || strlen(s) >= sizeof(p->name)) {
			if (s)
				diag_error(d, v->pos,
					   "proxmox.name: invalid VM name '%s' (a DNS name)",
					   node_show(v, &sh));
			err = -EINVAL;
		} else {
			snprintf(p->name, sizeof(p->name), "%s", s);
		}
	}
	if ((v = cfg_map_get(n, "snapshot"))) {
		if (word_build(v, "proxmox.snapshot", LOWER UPPER, LOWER UPPER DIGIT "_-", 40,
			       "2-40 letters, digits, '_' or '-', starting with a letter",
			       p->snapshot, sizeof(p->snapshot), d) < 0) {
			err = -EINVAL;
		} else if (strlen(p->snapshot) < 2 || strcmp(p->snapshot, "current") == 0) {
			diag_error(d, v->pos, "proxmox.snapshot: '%s' is %s", p->snapshot,
				   strlen(p->snapshot) < 2 ? "too short (at least 2 characters)"
							   : "reserved by Proxmox");
			err = -EINVAL;
		}
	}
	if ((v = cfg_map_get(n, "storage")) &&
	    word_build(v, "proxmox.storage", LOWER, LOWER DIGIT "_.-", 63,
		       "a Proxmox storage id: a-z, 0-9, '_', '.', '-', starting with a letter",
		       p->storage, sizeof(p->storage), d) < 0)
		err = -EINVAL;
	if ((v = cfg_map_get(n, "source"))) {
		const char *s = get_str(d, v, "proxmox.source");
		if (!s || strncmp(s, "https://", 8) != 0 ||
		    !word_ok(s, "h", LOWER UPPER DIGIT ":/._~%+@-", sizeof(p->source) - 1)) {
			if (s)
				diag_error(
				    d, v->pos,
				    "proxmox.source: expected an https:// git URL of letters, "
				    "digits and :/._~%%+@-, got '%s'",
				    node_show(v, &sh));
			err = -EINVAL;
		} else {
			snprintf(p->source, sizeof(p->source), "%s", s);
		}
	}
	(void)r;
	return err;
}

/* Every port must exist inside the VM: on a bridge, or on a passed-through
 * card, where only its MAC (or, with care, its PCI address as the guest
 * sees it) identifies it. */
static int ports_check(const struct router *r, const struct cfg_node *bridges, bool pci_given,
		       struct diags *d)
{
	int err = 0;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *f = &r->ifaces[i];
		/* Named under bridges: even with a bad bridge name (reported
		 * there), so that one mistake is not reported twice. */
		bool bridged = bridges && bridges->kind == CFG_MAP && cfg_map_get(bridges, f->name);
		if (bridged)
			continue;
		if (!pci_given && !f->optional) {
			diag_error(d, f->pos,
				   "interface '%s': not on a proxmox bridge and nothing is passed "
				   "through (proxmox.passthrough), so the VM would not have it",
				   f->name);
			err = -EINVAL;
		} else if (pci_given && f->match == MATCH_NAME) {
			diag_error(
			    d, f->pos,
			    "interface '%s': matched by name '%s', but it is on a card passed "
			    "through to the VM, where its kernel name is not known in advance; "
			    "match it by mac",
			    f->name, f->match_name);
			err = -EINVAL;
		} else if (pci_given && f->match == MATCH_PCI) {
			diag_warn(d, f->pos,
				  "interface '%s': matched by pci '%s'; inside the VM the card has "
				  "the guest's PCI address, not the host's: make sure this is the "
				  "guest's",
				  f->name, f->match_pci);
		}
	}
	return err;
}

static const char *const proxmox_keys[] = {
    "vmid",	   "template", "name",	  "memory",   "cores",	"bridges", "admin",
    "passthrough", "snapshot", "storage", "ssh-keys", "source", NULL,
};

static int keys_check(const struct cfg_node *n, struct diags *d)
{
	struct shown sh;
	int err = 0;
	for (size_t i = 0; i < n->n; i++) {
		size_t k = 0;
		while (proxmox_keys[k] && strcmp(proxmox_keys[k], n->key[i]->str) != 0)
			k++;
		if (proxmox_keys[k])
			continue;
		diag_error(d, n->key[i]->pos,
			   "proxmox: unknown key '%s' (allowed: vmid, template, name, memory, "
			   "cores, bridges, admin, passthrough, snapshot, storage, ssh-keys, "
			   "source)",
			   node_show(n->key[i], &sh));
		err = -EINVAL;
	}
	static const char *const required[] = {"vmid", "template", "bridges"};
	for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++) {
		if (cfg_map_get(n, required[k]))
			continue;
		diag_error(d, n->pos, "proxmox: missing '%s'", required[k]);
		err = -EINVAL;
	}
	return err;
}

static int admin_build(const struct cfg_node *n, const struct proxmox *p, size_t *out,
		       struct diags *d)
{
	const struct cfg_node *v = cfg_map_get(n, "admin");
	const char *s = v ? get_str(d, v, "proxmox.admin") : NULL;
	struct shown sh;
	if (v && !s)
		return -EINVAL;
	for (size_t k = 0; k < p->n_nics; k++) {
		if (s && strcmp(p->nics[k].iface->name, s) != 0)
			continue;
		if (p->nics[k].iface->ipv4 == IPV4_NONE) {
			diag_error(
			    d, v ? v->pos : p->nics[k].pos,
			    "proxmox.admin: interface '%s' has no IPv4 address (ipv4: none); "
			    "the admin port needs one to be reached",
			    p->nics[k].iface->name);
			return -EINVAL;
		}
		*out = k;
		return 0;
	}
	if (s)
		diag_error(d, v->pos,
			   "proxmox.admin: '%s' is not one of proxmox.bridges (cloud-init "
			   "configures virtio NICs only)",
			   node_show(v, &sh));
	return -EINVAL;
}

int proxmox_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	struct proxmox *p = NULL;
	const struct cfg_node *v;
	int err = 0, e;

	if (n->kind != CFG_MAP) {
		diag_error(d, n->pos, "proxmox: expected a map, got %s",
			   n->kind == CFG_SCALAR && n->len == 0 ? "nothing"
								: cfg_kind_name(n->kind));
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pos = n->pos;
	p->memory = 1024;
	p->cores = 2;
	snprintf(p->name, sizeof(p->name), "%s", r->hostname);
	snprintf(p->snapshot, sizeof(p->snapshot), "init");
	if (keys_check(n, d) < 0)
		err = -EINVAL;
	if ((e = scalars_build(n, r, p, d)) < 0)
		err = e;
	if ((v = cfg_map_get(n, "bridges")) && (e = nics_build(v, r, p, d)) < 0)
		err = e == -ENOMEM ? e : (err == -ENOMEM ? err : e);
	if ((v = cfg_map_get(n, "passthrough")) && (e = pci_build(v, p, d)) < 0 && err != -ENOMEM)
		err = e;
	if ((v = cfg_map_get(n, "ssh-keys")) && (e = keys_build(v, p, d)) < 0 && err != -ENOMEM)
		err = e;
	if (err == -ENOMEM)
		goto out;
	if (p->n_nics && admin_build(n, p, &p->admin, d) < 0)
		err = -EINVAL;
	/* A passthrough with errors is still "given": its errors are the ones
	 * to fix, not a missing passthrough. */
	if (ports_check(r, cfg_map_get(n, "bridges"), cfg_map_get(n, "passthrough") != NULL, d) < 0)
		err = -EINVAL;
out:
	if (err < 0) {
		if (err == -ENOMEM)
			diag_error(d, n->pos, "out of memory");
		proxmox_free(p);
		return err;
	}
	r->proxmox = p;
	return 0;
}

void proxmox_free(struct proxmox *p)
{
	if (!p)
		return;
	free(p->nics);
	free(p->pci);
	for (size_t i = 0; i < p->n_ssh_keys; i++)
		free(p->ssh_keys[i]);
	free(p->ssh_keys);
	free(p);
}
