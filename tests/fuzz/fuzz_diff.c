// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: diff's report parser and comparison (lib/compare.c) on one
 * JSON input as BASE and NEW, as `unmaptrace diff F F` runs it: parse,
 * results, live, the damage verdict of a report, the index, the rows and
 * the three renderers (stdout is /dev/null).  The input is handed over
 * as a memfd path, the way diff reads a file.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compare.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!freopen("/dev/null", "w", stdout))
		abort();
	fd = memfd_create("fuzz_diff", 0);
	if (fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum compare_fmt fmts[] = { FMT_TEXT, FMT_MARKDOWN,
						 FMT_JSON };
	struct compare_opts o;
	char err[256];
	char *files[2] = { path, path };

	/* a trace is replayed, not parsed: the replay harness has those */
	if (size >= 8 && !memcmp(data, "UMTRACE", 8))
		return 0;
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (compare_opts_init(&o, err, sizeof(err)))
		abort();
	o.files = files;
	o.nr_files = 2;
	o.fmt = fmts[size % 3];
	o.allow_damaged = size & 4;
	compare_run(&o);
	/* compare_opts_free() frees o.files: they are ours */
	o.files = NULL;
	compare_opts_free(&o);
	return 0;
}
