/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup ids <-> cgroup2 paths, for the recorder (cgpath.c) */
#ifndef UT_CGPATH_H
#define UT_CGPATH_H

#include <stddef.h>
#include <stdint.h>

/* Where cgroup2 is mounted (/proc/self/mountinfo).  0 or -errno */
int ut_cgroup_mount(char *buf, size_t len);
/*
 * decode.h's ut_cgroup_fn with @ctx the mount point: the path of cgroup
 * @id relative to it ("/" for the root).  0 or -ENOENT.
 */
int ut_cgroup_path(void *ctx, uint64_t id, char *buf, size_t len);
/*
 * --cgroup PATH ("/sys/fs/cgroup/a/b", or "/a/b" under the mount): its id
 * and its path relative to the mount in @rel.  0 or -errno.
 */
int ut_cgroup_id(const char *mnt, const char *path, uint64_t *id,
		 char *rel, size_t len);

#endif
