/* system/pppoe: the password file is read only when it can be trusted
 * (regular, not a symlink, no group or other bits, root's), as one line
 * of printable characters; and render_pppd_quote writes a word pppd's
 * option parser reads back whole, whatever the password holds. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../tmpdir.h"
#include "render/render.h"
#include "system/pppoe.h"
#include "util/buf.h"

/* A port whose password-file is DIR/NAME, written with text and mode. */
static void port_with(const char *dir, const char *name, const char *text, mode_t mode,
		      struct iface *p, struct pppoe *pp, char *path, size_t size)
{
	memset(p, 0, sizeof(*p));
	memset(pp, 0, sizeof(*pp));
	snprintf(p->name, sizeof(p->name), "wan");
	snprintf(path, size, "%s/%s", dir, name);
	pp->password_file = path;
	p->pppoe = pp;
	if (!text)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static int read_secret(const struct iface *p, char **out, const char *want_msg)
{
	struct diags d = DIAGS_INIT;
	int rc = pppoe_secret_read(p, out, &d);
	assert_int_equal(rc < 0, d.n_errors > 0);
	if (want_msg) {
		assert_true(d.n_errors > 0);
		if (!strstr(d.v[0].msg, want_msg))
			fail_msg("'%s' does not say '%s'", d.v[0].msg, want_msg);
	}
	diags_free(&d);
	return rc;
}

static void test_secret_good(void **state)
{
	struct iface p;
	struct pppoe pp;
	char path[512], *s = NULL;
	if (geteuid() != 0)
		skip(); /* the file must be root's */
	port_with(*state, "a", "pa\"ss \\word\n", 0600, &p, &pp, path, sizeof(path));
	assert_int_equal(read_secret(&p, &s, NULL), 0);
	assert_string_equal(s, "pa\"ss \\word");
	free(s);
	port_with(*state, "b", "crlf\r\n", 0400, &p, &pp, path, sizeof(path));
	assert_int_equal(read_secret(&p, &s, NULL), 0);
	assert_string_equal(s, "crlf");
	free(s);
}

static void test_secret_refused(void **state)
{
	struct iface p;
	struct pppoe pp;
	char path[512], link[600], *s = NULL;
	port_with(*state, "group", "x\n", 0640, &p, &pp, path, sizeof(path));
	assert_int_equal(read_secret(&p, &s, "by group or others"), -EPERM);
	port_with(*state, "world", "x\n", 0604, &p, &pp, path, sizeof(path));
	assert_int_equal(read_secret(&p, &s, "by group or others"), -EPERM);
	port_with(*state, "target", "x\n", 0600, &p, &pp, path, sizeof(path));
	snprintf(link, sizeof(link), "%s/link", (char *)*state);
	assert_int_equal(symlink(path, link), 0);
	pp.password_file = link;
	assert_int_equal(read_secret(&p, &s, "is a symlink"), -ELOOP);
	port_with(*state, "absent", NULL, 0, &p, &pp, path, sizeof(path));
	assert_int_equal(read_secret(&p, &s, "No such file"), -ENOENT);
	assert_null(s);
	if (geteuid() != 0)
		return; /* the rest pass the owner check as root only */
	port_with(*state, "two", "a\nb\n", 0600, &p, &pp, path, sizeof(path));
	assert_int_equal(read_secret(&p, &s, "more than one line"), -EINVAL);
	port_with(*state, "empty", "\n", 0600, &p, &pp, path, sizeof(path));
	assert_int_equal(read_secret(&p, &s, "1 to 255"), -EINVAL);
	port_with(*state, "ctl", "a\tb\n", 0600, &p, &pp, path, sizeof(path));
	assert_int_equal(read_secret(&p, &s, "control character"), -EINVAL);
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	port_with(*state, "big", big, 0600, &p, &pp, path, sizeof(path));
	assert_true(read_secret(&p, &s, NULL) < 0);
	assert_null(s);
}

static void test_quote(void **state)
{
	struct buf b = BUF_INIT;
	(void)state;
	render_pppd_quote(&b, "a\"b\\c d#e");
	char *s = buf_steal(&b);
	assert_string_equal(s, "\"a\\\"b\\\\c d#e\"");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_secret_good, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_secret_refused, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
