/* util/file: what the state dir, the daemon and the lab rely on. A
 * temporary directory per test; nothing outside it is touched. */
#include <dirent.h>
#include <errno.h>
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

#include "tmpdir.h"
#include "util/file.h"

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Files in dir besides the one named: a leftover temporary is a bug. */
static int others_in(const char *dir, const char *name)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(dp);
	while ((e = readdir(dp)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, name);
	closedir(dp);
	return n;
}

static void test_write_and_read(void **state)
{
	const char *dir = *state;
	char path[512], *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/a.sh", dir);
	assert_int_equal(file_write(path, "#!/bin/sh\nexit 0\n", 0755), 0);
	assert_int_equal(mode_of(path), 0755);
	assert_int_equal(file_read(path, 1 << 20, &text, &len), 0);
	assert_string_equal(text, "#!/bin/sh\nexit 0\n");
	assert_int_equal(len, 17);
	free(text);
	/* Over the limit: -EFBIG and nothing handed back. */
	text = (char *)"untouched";
	assert_int_equal(file_read(path, 16, &text, NULL), -EFBIG);
	assert_null(text);
	assert_int_equal(file_read(path, 17, &text, NULL), 0);
	free(text);
	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_int_equal(file_read(path, 100, &text, NULL), -ENOENT);
	assert_int_equal(file_write("/nonexistent-dir/x", "x", 0600), -ENOENT);
	/* A symlink at the name: refused, its target untouched. */
	char link[600];
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(path, sizeof(path), "%s/a.sh", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(file_write(link, "evil", 0777), -ELOOP);
	assert_int_equal(mode_of(path), 0755);
	assert_int_equal(unlink(link), 0);
}

static void test_write_atomic(void **state)
{
	const char *dir = *state;
	char path[512], *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(file_write_atomic(path, "old\n", 4, 0644, 0), 0);
	assert_int_equal(mode_of(path), 0644);
	/* Binary-safe: the length counts, not a NUL. */
	assert_int_equal(file_write_atomic(path, "n\0w\n", 4, 0600, FILE_SYNC), 0);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(file_read(path, 100, &text, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(text, "n\0w\n", 4);
	free(text);
	assert_int_equal(others_in(dir, "state"), 0);
	/* A failed write leaves the old file and no temporary. */
	snprintf(path, sizeof(path), "%s/no-such-dir/state", dir);
	assert_int_equal(file_write_atomic(path, "x", 1, 0600, FILE_SYNC), -ENOENT);
	assert_int_equal(others_in(dir, "state"), 0);
	/* The rename fails (a directory stands there): it stays, with no
	 * temporary beside it. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(file_write_atomic(path, "x", 1, 0600, 0), -EISDIR);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(others_in(dir, "state"), 0);
	assert_int_equal(file_sync_dir(dir), 0);
	assert_int_equal(file_sync_dir(path), -ENOENT);
}

/* A symlink planted at the temporary's name (path.tmpPID) is not
 * followed: its target keeps its bytes and mode, the link is replaced. */
static void test_write_atomic_planted_symlink(void **state)
{
	const char *dir = *state;
	char path[512], tmp[600], target[512], *text = NULL;
	snprintf(path, sizeof(path), "%s/applied.yaml", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	snprintf(target, sizeof(target), "%s/victim", dir);
	assert_int_equal(file_write(target, "precious\n", 0644), 0);
	assert_int_equal(symlink(target, tmp), 0);
	assert_int_equal(file_write_atomic(path, "new\n", 4, 0600, FILE_SYNC), 0);
	assert_int_equal(file_read(target, 100, &text, NULL), 0);
	assert_string_equal(text, "precious\n");
	free(text);
	assert_int_equal(mode_of(target), 0644);
	assert_int_equal(file_read(path, 100, &text, NULL), 0);
	assert_string_equal(text, "new\n");
	free(text);
	struct stat st;
	assert_int_equal(lstat(tmp, &st), -1);
	/* A dangling link (to a file that would be created) neither. */
	assert_int_equal(unlink(target), 0);
	assert_int_equal(symlink(target, tmp), 0);
	assert_int_equal(file_write_atomic(path, "again\n", 6, 0600, 0), 0);
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(others_in(dir, "applied.yaml"), 0);
}

/* The message a call left last in d ("" when none). */
static const char *last_msg(const struct diags *d)
{
	return d->n ? d->v[d->n - 1].msg : "";
}

/* StrictModes for the state and run dirs. */
static void test_dir_check(void **state)
{
	const char *dir = *state;
	char sub[512], file[600];
	struct diags d = DIAGS_INIT;
	snprintf(sub, sizeof(sub), "%s/state", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(file_dir_check(sub, "state dir", &d), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_int_equal(file_dir_check(sub, "state dir", &d), -EPERM);
	assert_non_null(strstr(last_msg(&d), sub));
	assert_non_null(strstr(last_msg(&d), "writable by everyone (mode 0777)"));
	assert_int_equal(chmod(sub, 0770), 0);
	assert_int_equal(file_dir_check(sub, "state dir", &d), -EPERM);
	assert_non_null(strstr(last_msg(&d), "writable by its group (mode 0770)"));
	assert_non_null(strstr(last_msg(&d), "chmod go-w"));
	/* Sticky /tmp-style modes are refused too: others may still add. */
	assert_int_equal(chmod(sub, 01777), 0);
	assert_int_equal(file_dir_check(sub, NULL, NULL), -EPERM);
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(file_dir_check(sub, "state dir", &d), 0);
	if (geteuid() == 0) {
		/* Owned by someone else (here nobody): refused, named. */
		assert_int_equal(chown(sub, 65534, 65534), 0);
		assert_int_equal(file_dir_check(sub, "state dir", &d), -EPERM);
		assert_non_null(strstr(last_msg(&d), "owned by uid 65534"));
		assert_non_null(strstr(last_msg(&d), sub));
		assert_int_equal(chown(sub, 0, 0), 0);
	}
	snprintf(file, sizeof(file), "%s/f", sub);
	assert_int_equal(file_write(file, "x", 0600), 0);
	assert_int_equal(file_dir_check(file, "state dir", &d), -ENOTDIR);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(file_dir_check(sub, "state dir", &d), -ENOENT);
	assert_non_null(strstr(last_msg(&d), sub));
	/* Named as the caller calls it; only the refusals left a message. */
	assert_non_null(strstr(last_msg(&d), "state dir "));
	assert_int_equal(d.n_errors, (size_t)(geteuid() == 0 ? 5 : 4));
	diags_free(&d);
}

static void test_read_into(void **state)
{
	const char *dir = *state;
	char path[512], buf[8];
	snprintf(path, sizeof(path), "%s/small", dir);
	assert_int_equal(file_write(path, "0123456789", 0600), 0);
	/* Cut to size-1 bytes, always terminated. */
	assert_int_equal(file_read_into(path, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "0123456");
	assert_int_equal(file_write(path, "1\n", 0600), 0);
	assert_int_equal(file_read_into(path, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "1\n");
	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_int_equal(file_read_into(path, buf, sizeof(buf)), -ENOENT);
	/* A /proc file: st_size 0, read to its end all the same. */
	assert_true(file_read_into("/proc/self/cmdline", buf, sizeof(buf)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_read, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_planted_symlink, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_dir_check, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_read_into, tmpdir_setup, tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
