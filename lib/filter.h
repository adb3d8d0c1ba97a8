/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record filters over a trace, by victim and by reclaim path (format 1.2
 * victim fields): --pid, --comm, --cgroup and --reclaimer of replay,
 * info, dump and diff.  One implementation for all of them: each record
 * of the stream goes through umt_filter_keep() in order.
 */
#ifndef UMT_FILTER_H
#define UMT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "umt.h"

struct umt_filter_cgroup {
	uint64_t id;
	bool match;			/* the --cgroup path or below */
};

struct umt_filter {
	bool on;			/* any criterion set */
	bool by_pid, by_comm, by_cgroup;
	uint32_t pid;			/* victim tgid */
	char comm[16];			/* victim comm */
	char cgroup[512];		/* "/a/b" under the cgroup2 mount */
	bool cgroup_by_id;		/* --cgroup ID */
	uint64_t cgroup_id;
	int path;			/* enum umt_reclaim_path, -1 any */
	/* learned from the stream */
	struct umt_filter_cgroup *cg;
	size_t nr_cg, cap_cg;
	uint8_t *owed;			/* per task id: a kept call may have
					 * deferred its flush */
	uint32_t nr_owed;
	bool arm64;			/* every TTU_BATCH_FLUSH call defers */
	uint64_t ttu_seen, ttu_kept, ttu_no_victim;
};

/*
 * Set one criterion: @name "pid", "comm", "cgroup" or "reclaimer" (a
 * reclaim path name).  0, or -1 with a message in @err.
 */
int umt_filter_set(struct umt_filter *f, const char *name, const char *arg,
		   char *err, size_t len);
/*
 * Whether to keep @rec.  TTU: its victim block meets every criterion
 * (a record without one meets none).  TLB_FLUSH: its task ran a kept
 * call that could defer (another CPU in the mm) since its previous flush,
 * as the recorder's victim filters decide (bpf/unmaptrace.bpf.c).  Every
 * other record is kept (CGROUP records also name cgroups for --cgroup).
 */
bool umt_filter_keep(struct umt_filter *f, const struct umt_rec *rec);
/* What the filter selects, e.g. "victim pid 157, path kswapd" */
char *umt_filter_str(const struct umt_filter *f, char *buf, size_t len);
/*
 * Before a trace's first record: forget the previous one's, keep the
 * criteria.  @arm64: the trace is arm64's, whose calls with TTU_BATCH_FLUSH
 * all defer their flush (x86's only with another CPU in the mm).
 */
void umt_filter_begin(struct umt_filter *f, bool arm64);
void umt_filter_free(struct umt_filter *f);

/*
 * The filters kept no call of a trace that has some: say so on stderr,
 * as "@who: @file: ...", and return UMT_EXIT_DAMAGED (input that cannot
 * be judged).  A trace with no call at all is lib/damage.c's "empty".
 */
int umt_no_calls(const char *who, const char *file,
		 const struct umt_filter *f);

#endif
