// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup ids <-> cgroup2 paths for the recorder.  A cgroup's id (its
 * kernfs node id, what the collector reads from css->cgroup->kn->id) is
 * the inode number of its directory in the cgroup2 file system (5.5+, 64
 * bit; kernfs_gen_ino()), so a path's id is one stat() and an id's path a
 * walk of the tree.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgpath.h"

int ut_cgroup_mount(char *buf, size_t len)
{
	char line[4096], *p, *sep, *mnt;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	/* "36 25 0:31 / /sys/fs/cgroup rw,... - cgroup2 cgroup2 rw" */
	while (fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		p = line;
		for (int i = 0; i < 4 && p; i++)
			p = strchr(p + 1, ' ');
		if (!p)
			continue;
		mnt = p + 1;
		p = strchr(mnt, ' ');
		if (!p)
			continue;
		*p = 0;
		if ((size_t)snprintf(buf, len, "%s", mnt) >= len) {
			err = -ENAMETOOLONG;
			continue;
		}
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

/* depth-first under @dir (relative path @rel) for inode @id */
static int walk(const char *dir, const char *rel, uint64_t id, int depth,
		char *buf, size_t len)
{
	char sub[PATH_MAX], subrel[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int found = -ENOENT;

	if (depth > 32 || !(d = opendir(dir)))
		return -ENOENT;
	while (found && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir,
				     de->d_name) >= sizeof(sub) ||
		    (size_t)snprintf(subrel, sizeof(subrel), "%s/%s",
				     strcmp(rel, "/") ? rel : "",
				     de->d_name) >= sizeof(subrel))
			continue;
		if (stat(sub, &st))
			continue;
		if ((uint64_t)st.st_ino == id) {
			found = (size_t)snprintf(buf, len, "%s", subrel) < len ?
				0 : -ENAMETOOLONG;
			break;
		}
		found = walk(sub, subrel, id, depth + 1, buf, len);
	}
	closedir(d);
	return found;
}

int ut_cgroup_path(void *ctx, uint64_t id, char *buf, size_t len)
{
	const char *mnt = ctx;
	struct stat st;

	if (!mnt || !*mnt)
		return -ENOENT;
	if (!stat(mnt, &st) && (uint64_t)st.st_ino == id) {
		snprintf(buf, len, "/");
		return 0;
	}
	return walk(mnt, "/", id, 0, buf, len);
}

int ut_cgroup_id(const char *mnt, const char *path, uint64_t *id,
		 char *rel, size_t len)
{
	char full[PATH_MAX];
	struct stat st;
	size_t ml = strlen(mnt);

	/* "/sys/fs/cgroup/a", or "/a" / "a" relative to the mount */
	if (!strncmp(path, mnt, ml) && (path[ml] == '/' || !path[ml]))
		path += ml;
	while (*path == '/')
		path++;
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", mnt, path) >=
	    sizeof(full))
		return -ENAMETOOLONG;
	if (stat(full, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*id = st.st_ino;
	snprintf(rel, len, "/%s", path);
	return 0;
}
