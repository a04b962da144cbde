/* The proxmox: section (model/proxmox.c) and its two renderers, through
 * the real parser and model_build: what valid sections turn into, that
 * every error of a section is reported in one run, and the renderers'
 * handling of the values (PCI domains, MACs, static admin, keys). The
 * rejected inputs with their exact positions are in tests/invalid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/tree.h"
#include "model/model.h"
#include "model/proxmox.h"
#include "render/render.h"

static const char base[] =
    "hostname: edge\n"
    "interfaces:\n"
    "  vm0: { match: { name: eth0 }, ipv4: dhcp }\n"
    "  vm1: { match: { mac: \"52:54:00:00:01:01\" }, ipv4: 192.168.1.1/24 }\n"
    "  wan: { match: { mac: \"A0:36:9F:00:00:01\" }, ipv4: dhcp }\n"
    "  lan: { match: { pci: \"0000:06:00.0\" }, ipv4: 192.168.2.1/24 }\n"
    "  opt: { match: { mac: \"a0:36:9f:00:00:07\" }, ipv4: none, optional: true }\n"
    "zones:\n"
    "  wan: { interfaces: [wan, vm0], masquerade: true }\n"
    "  lan: { interfaces: [lan, vm1, opt], forward: [wan] }\n";

static struct router *build(const char *section, struct diags *d)
{
	char text[4096];
	snprintf(text, sizeof(text), "%s%s", base, section);
	struct cfg_doc *doc = cfg_parse_buf("t.yaml", text, strlen(text), d);
	assert_non_null(doc);
	struct router *r = model_build(doc, d);
	cfg_doc_free(doc);
	return r;
}

static void print_diags(const struct diags *d)
{
	diags_print(d, stderr);
}

static void test_values_and_defaults(void **state)
{
	struct diags d = DIAGS_INIT;
	struct router *r = build("proxmox:\n"
				 "  vmid: 4321\n"
				 "  template: 9000\n"
				 "  bridges: { vm1: vmbr1, vm0: vmbr0 }\n"
				 "  passthrough: \"06:00\"\n",
				 &d);
	if (!r)
		print_diags(&d);
	assert_non_null(r);
	const struct proxmox *p = r->proxmox;
	assert_non_null(p);
	assert_int_equal(p->vmid, 4321);
	assert_int_equal(p->template_id, 9000);
	assert_string_equal(p->name, "edge"); /* hostname */
	assert_int_equal(p->memory, 1024);
	assert_int_equal(p->cores, 2);
	assert_string_equal(p->snapshot, "init");
	assert_string_equal(p->storage, "");
	assert_int_equal(p->n_nics, 2);
	assert_string_equal(p->nics[0].iface->name, "vm1"); /* file order = netN */
	assert_string_equal(p->nics[0].bridge, "vmbr1");
	assert_string_equal(p->nics[1].iface->name, "vm0");
	assert_int_equal(p->admin, 0); /* the first bridge */
	assert_int_equal(p->n_pci, 1);
	assert_string_equal(p->pci[0].addr, "0000:06:00");
	assert_true(p->pci[0].all_functions);
	/* lan is matched by pci on a passed-through card: a warning, not an error */
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "interface 'lan': matched by pci"));

	char *s = render_proxmox(r);
	assert_non_null(s);
	assert_non_null(strstr(s, "--net0 virtio=52:54:00:00:01:01,bridge=vmbr1 \\\n"));
	assert_non_null(strstr(s, "--net1 virtio,bridge=vmbr0\n"));
	assert_non_null(strstr(s, "--ipconfig0 ip=192.168.1.1/24\n"));
	assert_non_null(strstr(s, "--hostpci0 06:00,pcie=1\n"));
	assert_non_null(strstr(s, "echo \"admin port vm1: 192.168.1.1 (static)\"\n"));
	assert_null(strstr(s, "--storage"));
	free(s);
	router_free(r);
	diags_free(&d);
}

static void test_functions_and_domain(void **state)
{
	struct diags d = DIAGS_INIT;
	struct router *r =
	    build("proxmox:\n"
		  "  vmid: 100\n"
		  "  template: 101\n"
		  "  name: router.example.org\n"
		  "  memory: 512\n"
		  "  cores: 4\n"
		  "  bridges: { vm0: vmbr0, vm1: vmbr1 }\n"
		  "  admin: vm0\n"
		  "  passthrough: [\"06:00.1\", \"0001:0a:1f.7\", \"06:00.0\"]\n"
		  "  snapshot: Fresh_1\n"
		  "  storage: local-zfs\n"
		  "  ssh-keys: [\"ssh-ed25519 AAAAkey a@b\", \"ecdsa-sha2-nistp256 AAAA c@d\"]\n"
		  "  source: https://example.org/git/nftrouter.git\n",
		  &d);
	if (!r)
		print_diags(&d);
	assert_non_null(r);
	const struct proxmox *p = r->proxmox;
	assert_int_equal(p->n_pci, 3);
	assert_string_equal(p->pci[0].addr, "0000:06:00.1");
	assert_false(p->pci[0].all_functions);
	assert_string_equal(p->pci[1].addr, "0001:0a:1f.7");
	assert_int_equal(p->admin, 0);
	char *s = render_proxmox(r);
	assert_non_null(strstr(s, "--hostpci0 06:00.1,pcie=1 \\\n"));
	assert_non_null(strstr(s, "--hostpci1 0001:0a:1f.7,pcie=1 \\\n"));
	assert_non_null(strstr(s, "--hostpci2 06:00.0,pcie=1\n"));
	assert_non_null(strstr(s, "--full 1 --storage local-zfs\n"));
	assert_non_null(strstr(s, "--memory 512 --cores 4 "));
	assert_non_null(strstr(s, "\nNAME=router.example.org\nSNAPSHOT=Fresh_1\n"));
	assert_non_null(strstr(s, "--ipconfig0 ip=dhcp\n"));
	free(s);
	struct render_paths rp;
	render_paths_default(&rp);
	s = render_cloud_init(r, &rp, "hostname: edge\n");
	assert_non_null(s);
	assert_non_null(strstr(s, "ssh_authorized_keys:\n  - 'ssh-ed25519 AAAAkey a@b'\n"
				  "  - 'ecdsa-sha2-nistp256 AAAA c@d'\n"));
	assert_non_null(strstr(s, "'https://example.org/git/nftrouter.git'"));
	assert_non_null(strstr(s, "    content: |2\n      hostname: edge\n"));
	free(s);
	router_free(r);
	diags_free(&d);
}

/* Every error of the section in one run, not just the first. */
static void test_all_errors(void **state)
{
	struct diags d = DIAGS_INIT;
	struct router *r = build("proxmox:\n"
				 "  vmid: 7\n"
				 "  template: x\n"
				 "  bridges: { vm0: \"Br0\", nope: vmbr1 }\n"
				 "  passthrough: [\"zz\", \"06:00\", \"06:00.3\"]\n"
				 "  snapshot: current\n"
				 "  colour: blue\n",
				 &d);
	assert_null(r);
	diags_sort(&d);
	if (d.n_errors != 8)
		print_diags(&d);
	/* vmid, template, Br0, nope, zz, the overlap, current, colour; vm0
	 * (named under bridges, with a bad bridge) is not reported again */
	assert_int_equal(d.n_errors, 8);
	diags_free(&d);
}

/* An optional port may stay outside the VM; with no section at all the
 * renderer gives nothing (the command refuses before). */
static void test_optional_and_absent(void **state)
{
	struct diags d = DIAGS_INIT;
	struct router *r =
	    build("proxmox: { vmid: 100, template: 9000, bridges: { vm0: vmbr0, vm1: "
		  "vmbr1, wan: vmbr2, lan: vmbr3 } }\n",
		  &d);
	/* lan is matched by pci: not allowed on a bridge */
	assert_null(r);
	diags_free(&d);
	d = (struct diags)DIAGS_INIT;
	char text[2048];
	snprintf(text, sizeof(text), "%s", base);
	char *lan = strstr(text, "{ pci: \"0000:06:00.0\" }");
	memcpy(lan, "{ name: eth3          }", 23);
	struct cfg_doc *doc = cfg_parse_buf("t.yaml", text, strlen(text), &d);
	r = model_build(doc, &d);
	cfg_doc_free(doc);
	assert_non_null(r);
	assert_null(r->proxmox);
	char *s = render_proxmox(r);
	assert_string_equal(s, "");
	free(s);
	router_free(r);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_and_defaults),
	    cmocka_unit_test(test_functions_and_domain),
	    cmocka_unit_test(test_all_errors),
	    cmocka_unit_test(test_optional_and_absent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
