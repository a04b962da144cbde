/* A fresh directory under /tmp for each test (cmocka setup/teardown):
 * the test's files go in it, teardown removes them and it. Flat only. */
#ifndef NFTROUTER_TESTS_TMPDIR_H
#define NFTROUTER_TESTS_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tmpdir_setup(void **state)
{
	char *dir = strdup("/tmp/nftr-test-XXXXXX");
	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int tmpdir_teardown(void **state)
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

#endif
