// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/filter.c: criteria parsing, the victim match, the
 * cgroup tree from CGROUP records and which flush records are kept, fed
 * hand-built records (the CLI tests run it on real recordings).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "unit.h"

struct ttu_rec {
	struct umt_ttu t;
	uint32_t slot;
	struct umt_ttu_victim v;
} __attribute__((packed));

static struct umt_rec ttu(struct ttu_rec *b, uint32_t task, uint32_t tgid,
			  const char *comm, uint64_t cg, unsigned int path,
			  int defer)
{
	struct umt_rec r = { .type = UMT_REC_TTU, .size = sizeof(*b) };

	memset(b, 0, sizeof(*b));
	b->t.task_id = task;
	b->t.nr_slots = 1;
	b->t.live_defer_walks = defer;
	b->v.tgid = tgid;
	snprintf(b->v.comm, sizeof(b->v.comm), "%s", comm);
	b->v.cgroup_id = cg;
	b->v.path = path;
	b->v.valid = UMT_VICTIM_TGID | UMT_VICTIM_CGROUP;
	r.payload = b;
	return r;
}

static struct umt_rec cgroup(void *buf, uint64_t id, const char *path)
{
	struct umt_cgroup *c = buf;
	struct umt_rec r = { .type = UMT_REC_CGROUP };

	c->cgroup_id = id;
	strcpy(c->path, path);
	r.size = sizeof(*c) + strlen(path) + 1;
	r.payload = buf;
	return r;
}

static struct umt_rec flush(struct umt_tlb_flush *f, uint32_t task)
{
	struct umt_rec r = { .type = UMT_REC_TLB_FLUSH, .size = sizeof(*f) };

	f->task_id = task;
	f->in_ttu = 0;
	r.payload = f;
	return r;
}

static void test_set(void)
{
	struct umt_filter f = { 0 };
	char err[160], what[128];

	result("filter_bad_pid", umt_filter_set(&f, "pid", "12x", err,
		sizeof(err)) && strstr(err, "bad --pid"), "%s", err);
	result("filter_bad_path", umt_filter_set(&f, "reclaimer", "unknown",
		err, sizeof(err)) && strstr(err, "unknown reclaim path"),
	       "%s", err);
	result("filter_long_comm", umt_filter_set(&f, "comm",
		"sixteen-chars-xx", err, sizeof(err)), "accepted");
	result("filter_nothing_set_keeps_all", !f.on, "on");
	umt_filter_set(&f, "pid", "42", err, sizeof(err));
	umt_filter_set(&f, "reclaimer", "kswapd", err, sizeof(err));
	umt_filter_set(&f, "cgroup", "/sys/fs/cgroup/a/b/", err, sizeof(err));
	umt_filter_str(&f, what, sizeof(what));
	result("filter_str", !strcmp(what, "victim pid 42, victim cgroup "
				     "/a/b, reclaim path kswapd"), "'%s'", what);
	umt_filter_free(&f);
}

static void test_keep(void)
{
	struct umt_filter f = { 0 };
	struct ttu_rec b;
	struct umt_tlb_flush fl;
	struct umt_rec r;
	char err[160], cb[64];
	bool k;

	umt_filter_set(&f, "cgroup", "/a", err, sizeof(err));
	umt_filter_set(&f, "reclaimer", "kswapd", err, sizeof(err));
	/* the tree: 10 /a, 11 /a/b below it, 12 /ab a name that only starts so */
	r = cgroup(cb, 10, "/a");
	umt_filter_keep(&f, &r);
	r = cgroup(cb, 11, "/a/b");
	umt_filter_keep(&f, &r);
	r = cgroup(cb, 12, "/ab");
	k = umt_filter_keep(&f, &r);
	result("filter_keeps_cgroup_records", k, "dropped");

	r = ttu(&b, 1, 100, "w", 11, UMT_PATH_KSWAPD, 1);
	k = umt_filter_keep(&f, &r);
	result("filter_cgroup_below", k, "dropped");
	r = ttu(&b, 1, 100, "w", 12, UMT_PATH_KSWAPD, 1);
	k = umt_filter_keep(&f, &r);
	result("filter_cgroup_name_prefix_is_not_below", !k, "kept");
	r = ttu(&b, 1, 100, "w", 99, UMT_PATH_KSWAPD, 1);
	k = umt_filter_keep(&f, &r);
	result("filter_cgroup_never_named", !k, "kept");
	r = ttu(&b, 1, 100, "w", 10, UMT_PATH_DIRECT, 1);
	k = umt_filter_keep(&f, &r);
	result("filter_path_and_cgroup", !k, "kept");

	/* task 1 ran a kept call that could defer: its next flush is kept */
	r = flush(&fl, 1);
	k = umt_filter_keep(&f, &r);
	result("filter_flush_after_kept_deferring_call", k, "dropped");
	r = flush(&fl, 1);
	k = umt_filter_keep(&f, &r);
	result("filter_second_flush_dropped", !k, "kept");
	/* a kept call that could not defer owes no flush */
	r = ttu(&b, 2, 100, "w", 10, UMT_PATH_KSWAPD, 0);
	umt_filter_keep(&f, &r);
	r = flush(&fl, 2);
	k = umt_filter_keep(&f, &r);
	result("filter_flush_without_deferral_dropped", !k, "kept");
	/* a dropped deferring call owes none either */
	r = ttu(&b, 3, 100, "w", 12, UMT_PATH_KSWAPD, 1);
	umt_filter_keep(&f, &r);
	r = flush(&fl, 3);
	k = umt_filter_keep(&f, &r);
	result("filter_flush_of_dropped_call_dropped", !k, "kept");
	result("filter_counts", f.ttu_seen == 6 && f.ttu_kept == 2,
	       "seen %llu kept %llu", (unsigned long long)f.ttu_seen,
	       (unsigned long long)f.ttu_kept);

	/* no victim block (before 1.2): never kept, counted */
	r = ttu(&b, 1, 100, "w", 10, UMT_PATH_KSWAPD, 1);
	r.size = sizeof(b.t) + 4;
	k = umt_filter_keep(&f, &r);
	result("filter_no_victim_block", !k && f.ttu_no_victim == 1, "kept");
	umt_filter_free(&f);

	/* --cgroup ID: the id, and below it once its path is known */
	memset(&f, 0, sizeof(f));
	umt_filter_set(&f, "cgroup", "10", err, sizeof(err));
	umt_filter_set(&f, "comm", "w", err, sizeof(err));
	r = cgroup(cb, 10, "/a");
	umt_filter_keep(&f, &r);
	r = cgroup(cb, 11, "/a/b");
	umt_filter_keep(&f, &r);
	r = ttu(&b, 1, 100, "w", 11, UMT_PATH_KSWAPD, 0);
	k = umt_filter_keep(&f, &r);
	r = ttu(&b, 1, 100, "x", 11, UMT_PATH_KSWAPD, 0);
	result("filter_cgroup_id_and_comm", k && !umt_filter_keep(&f, &r),
	       "kept %d", k);
	umt_filter_free(&f);

	/* arm64: every TTU_BATCH_FLUSH call defers, another CPU or not */
	memset(&f, 0, sizeof(f));
	umt_filter_set(&f, "reclaimer", "madvise", err, sizeof(err));
	umt_filter_begin(&f, true);
	r = ttu(&b, 4, 100, "w", 10, UMT_PATH_MADVISE, 0);
	b.t.ttu_flags = UMT_TTU_BATCH_FLUSH;
	umt_filter_keep(&f, &r);
	r = flush(&fl, 4);
	k = umt_filter_keep(&f, &r);
	umt_filter_begin(&f, false);
	r = ttu(&b, 4, 100, "w", 10, UMT_PATH_MADVISE, 0);
	b.t.ttu_flags = UMT_TTU_BATCH_FLUSH;
	umt_filter_keep(&f, &r);
	r = flush(&fl, 4);
	result("filter_flush_arm64_batch_flush", k &&
	       !umt_filter_keep(&f, &r), "arm64 kept %d", k);
	umt_filter_free(&f);
}

int main(void)
{
	test_set();
	test_keep();
	return failed;
}
