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

#include "util/file.h"

static int dir_setup(void **state)
{
	char *dir = strdup("/tmp/nftr-test-file-XXXXXX");
	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int dir_teardown(void **state)
{
	char *dir = *state, path[512];
	DIR *dp = opendir(dir);
	struct dirent *e;
	while (dp && (e = readdir(dp)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (dp)
		closedir(dp);
	rmdir(dir);
	free(dir);
	return 0;
}

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
		cmocka_unit_test_setup_teardown(test_write_and_read, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_read_into, dir_setup, dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
