// SPDX-License-Identifier: GPL-2.0
/*
 * The replay report: accounting of model results per policy and the check
 * of the "kernel" policy against the trace's live counts.  Output is
 * report_text.c (text, under 80 columns, and the check) and report_json.c
 * (JSON, docs/REPORT.md, and CSV).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "report_int.h"

const char *const report_live_names[RL_NR] = {
	[RL_RMAP_CALLS]		= "rmap_calls",
	[RL_RMAP_PAGES]		= "rmap_pages",
	[RL_TLB_FLUSHES]	= "tlb_flushes",
	[RL_MM_COUNTER_UPDATES]	= "mm_counter_updates",
	[RL_WALK_CALLS]		= "walk_calls",
	[RL_WALK_TRUE]		= "walk_iterations",
	[RL_RET]		= "failed_calls",
};

void report_warn(struct report *r, const char *fmt, ...)
{
	char buf[512], **w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w = realloc(r->warnings, (r->nr_warnings + 1) * sizeof(*w));
	if (!w)
		return;
	r->warnings = w;
	w[r->nr_warnings] = strdup(buf);
	if (w[r->nr_warnings])
		r->nr_warnings++;
}

int report_init(struct report *r, const char *file,
		const struct model_policy *pols, int nr)
{
	int i;

	memset(r, 0, sizeof(*r));
	snprintf(r->file, sizeof(r->file), "%s", file);
	r->check_idx = -1;
	r->results = calloc(nr ? nr : 1, sizeof(*r->results));
	if (!r->results)
		return -1;
	r->nr_results = nr;
	for (i = 0; i < nr; i++)
		r->results[i].pol = pols[i];
	return 0;
}

void report_free(struct report *r)
{
	int i;

	for (i = 0; i < r->nr_results; i++)
		free(r->results[i].pending);
	free(r->results);
	free(r->ambiguous);
	for (i = 0; i < r->nr_warnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof(*r));
}

static int size_index(uint32_t nr_pages)
{
	int i = 0;

	while (nr_pages > 1 && i < REPORT_SIZES - 1) {
		nr_pages >>= 1;
		i++;
	}
	return i;
}

static void group_add(struct report_group *g, const struct model_counts *n)
{
	g->folios++;
	model_counts_add(&g->n, n);
}

/* Set a per-task flag in a growing array; returns the old value. */
static int task_flag(uint8_t **arr, uint32_t *nr_arr, uint32_t task, int val)
{
	int old;

	if (task >= *nr_arr) {
		uint32_t nr;
		uint8_t *p;

		/* before the sum: a task id >= 0xFFFFFFC0 wrapped it */
		if (!val || task >= REPORT_MAX_TASKS)
			return 0;
		nr = task + 64 > REPORT_MAX_TASKS ? REPORT_MAX_TASKS :
		     task + 64;
		p = realloc(*arr, nr);
		if (!p)
			return 0;
		memset(p + *nr_arr, 0, nr - *nr_arr);
		*arr = p;
		*nr_arr = nr;
	}
	old = (*arr)[task];
	(*arr)[task] = (uint8_t)val;
	return old;
}

static int set_pending(struct report_result *res, uint32_t task, int val)
{
	return task_flag(&res->pending, &res->nr_pending, task, val);
}

/*
 * x86 should_defer_flush() runs between the walk's return and the rmap
 * call of each iteration; the collector samples the mm's cpumask at both.
 * Where every iteration reached the rmap call and the two samples
 * disagree, another CPU joined or left the mm inside that window: what
 * the kernel decided is unknown.
 */
static bool defer_ambiguous(const struct umt_ttu *t)
{
	return (t->has_live & UMT_LIVE_DEFER) &&
	       t->live_rmap_calls == t->live_walk_true &&
	       t->live_defer_walks != t->live_defer_rmap;
}

/*
 * umt_names.c's flag renderer in the capitals --check has always
 * printed; bits without a name (above the six of UMT_TTU_* / UMT_VMA_*)
 * are left out, as before.
 */
static void flags_upper(char *buf, size_t len, uint32_t v,
			char *(*str)(uint32_t, char *, size_t))
{
	str(v & 0x3f, buf, len);
	for (; *buf; buf++)
		*buf = toupper((unsigned char)*buf);
}

static void note_add(struct report_result *res, const char *note)
{
	int i;

	for (i = 0; i < MAX_NOTES; i++) {
		if (res->note[i] == note || !res->note[i]) {
			res->note[i] = note;
			res->note_count[i]++;
			return;
		}
	}
}

static bool image_maps_folio(const struct umt_ttu *t)
{
	uint32_t i;

	for (i = 0; i < t->nr_slots && i < UMT_MAX_SLOTS; i++)
		if (UMT_SLOT_TYPE(t->slots[i]) == UMT_SLOT_THIS)
			return true;
	return false;
}

static void show_mismatch(struct report *r, const struct umt_ttu *t,
			  uint64_t seq, const uint64_t *model,
			  const uint64_t *live, const bool *cmp)
{
	struct report_mismatch *m;
	char tf[96], vf[96], img[300];
	size_t o;
	int i;

	if (r->nr_shown >= REPORT_MAX_SHOWN)
		return;
	m = &r->shown[r->nr_shown++];
	m->call = r->events;
	m->seq = seq;
	flags_upper(tf, sizeof(tf), t->ttu_flags, umt_ttu_flags_str);
	flags_upper(vf, sizeof(vf), t->vma_flags, umt_vma_flags_str);
	umt_image_map_str(t, img, 200);
	o = snprintf(m->text, sizeof(m->text),
		     "call %llu (record %llu, task %u): %s folio, %u pages,"
		     "\n  ttu %s, vma %s, defer %u, ret %u\n",
		     (unsigned long long)m->call, (unsigned long long)seq,
		     t->task_id, umt_kind_name(t->kind), t->nr_pages, tf, vf,
		     t->defer_flush, t->ret);
	for (i = 0; i < RL_NR; i++) {
		if (!cmp[i] || model[i] == live[i])
			continue;
		o += snprintf(m->text + o, o < sizeof(m->text) ?
			      sizeof(m->text) - o : 0,
			      "  %s: live %llu, model %llu\n", report_live_names[i],
			      (unsigned long long)live[i],
			      (unsigned long long)model[i]);
	}
	/* the kernel found a PTE of the folio that the image does not hold */
	if (cmp[RL_WALK_TRUE] && live[RL_WALK_TRUE] > model[RL_WALK_TRUE] &&
	    !image_maps_folio(t) && o < sizeof(m->text))
		o += snprintf(m->text + o, sizeof(m->text) - o,
			      "  hint: the kernel's walk found the folio "
			      "mapped, the recorded image has no PTE\n"
			      "  of it: the image (folio address or VMA "
			      "range) is wrong, not the model\n");
	if (o < sizeof(m->text))
		snprintf(m->text + o, sizeof(m->text) - o,
			 "  image (table index %u, page %u, vma pages %d..%d):"
			 "\n  %s\n", t->image_pmd_index, t->image_first_page,
			 t->vma_start_page, t->vma_end_page, img);
}

bool report_trace_is_x86(const struct report *r)
{
	return !strcmp(r->arch, "x86") || !strcmp(r->arch, "x86_64");
}

/* The live counters of one recorded call, by enum report_live_counter */
static void live_of(const struct umt_ttu *t, uint64_t *v)
{
	v[RL_RMAP_CALLS] = t->live_rmap_calls;
	v[RL_RMAP_PAGES] = t->live_rmap_pages;
	v[RL_TLB_FLUSHES] = t->live_tlb_flushes;
	v[RL_MM_COUNTER_UPDATES] = t->live_rss_stat;
	v[RL_WALK_CALLS] = t->live_walk_calls;
	v[RL_WALK_TRUE] = t->live_walk_true;
	v[RL_RET] = !t->ret;
}

/* The per-call check of the kernel policy against the live counts */
static void check_call(struct report *r, const struct umt_ttu *t,
		       const struct model_call *mc, uint64_t seq)
{
	uint64_t model[RL_NR], live[RL_NR];
	bool cmp[RL_NR], bad = false;
	int i;

	model[RL_RMAP_CALLS] = mc->n.c[MC_RMAP_CALLS];
	model[RL_RMAP_PAGES] = mc->n.c[MC_RMAP_PAGES];
	model[RL_TLB_FLUSHES] = mc->direct_flushes;
	model[RL_MM_COUNTER_UPDATES] = mc->n.c[MC_MM_COUNTER_UPDATES];
	model[RL_WALK_CALLS] = mc->n.c[MC_WALK_CALLS];
	model[RL_WALK_TRUE] = mc->n.c[MC_WALK_ITERATIONS];
	model[RL_RET] = !mc->ret;
	live_of(t, live);
	for (i = 0; i < RL_NR; i++)
		cmp[i] = true;
	/*
	 * x86: flush_tlb_mm_range().  arm64 flushes inline; its live count
	 * is contpte_convert() (the collector's arm64 tlb_flush hook), one
	 * __flush_tlb_range() per unfold: the model's contpte_unfold.
	 */
	cmp[RL_TLB_FLUSHES] = report_trace_is_x86(r);
	if (r->unfold_hooked) {
		model[RL_TLB_FLUSHES] = mc->n.tlb[MT_CONTPTE_UNFOLD];
		cmp[RL_TLB_FLUSHES] = true;
	}
	/* a call always makes one walk call: 0 means the hook is absent */
	cmp[RL_WALK_CALLS] = t->live_walk_calls > 0;
	cmp[RL_WALK_TRUE] = t->live_walk_calls > 0;
	/*
	 * The walk found none of the PTEs the entry snapshot holds: they
	 * went in between (try_to_unmap_one() takes the PTL only in
	 * page_vma_mapped_walk(); a concurrent zap, e.g. exit_mmap() of the
	 * victim while kswapd unmaps its file folio, 7.3 under record -a).
	 * Not knowable from the snapshot: counted as raced, not compared.
	 */
	if (cmp[RL_WALK_TRUE] && !live[RL_WALK_TRUE] && model[RL_WALK_TRUE]) {
		for (i = 0; i < RL_NR; i++)
			if (cmp[i])
				r->live_excluded[i] += live[i];
		r->raced++;
		return;
	}
	if (cmp[RL_TLB_FLUSHES] && defer_ambiguous(t)) {
		cmp[RL_TLB_FLUSHES] = false;
		r->live_excluded[RL_TLB_FLUSHES] += live[RL_TLB_FLUSHES];
		r->defer_ambiguous++;
		task_flag(&r->ambiguous, &r->nr_ambiguous, t->task_id, 1);
	}
	for (i = 0; i < RL_NR; i++) {
		if (!cmp[i])
			continue;
		r->model[i] += model[i];
		if (model[i] != live[i]) {
			r->call_mismatches[i]++;
			bad = true;
		}
	}
	/*
	 * The x86 flushes differ in the direction the recorded deferral
	 * state gets wrong: the kernel's should_defer_flush(), evaluated per
	 * iteration after the walk, saw another mm_cpumask than the snapshot
	 * taken at entry (for some or all of the call's iterations).
	 */
	if (bad && cmp[RL_TLB_FLUSHES] && (t->defer_flush ?
	    live[RL_TLB_FLUSHES] > model[RL_TLB_FLUSHES] :
	    live[RL_TLB_FLUSHES] < model[RL_TLB_FLUSHES]))
		r->defer_differs++;
	if (bad) {
		r->calls_mismatching++;
		show_mismatch(r, t, seq, model, live, cmp);
	}
}

static void live_add(uint64_t *sum, const uint64_t *v)
{
	int i;

	for (i = 0; i < RL_NR; i++)
		sum[i] += v[i];
}

void report_add_ttu(struct report *r, const struct umt_ttu *t,
		    unsigned int path, uint64_t seq)
{
	int i, sz = size_index(t->nr_pages);
	uint64_t live[RL_NR];

	if (path >= UMT_PATH_NR)
		path = UMT_PATH_UNKNOWN;
	if (path != UMT_PATH_UNKNOWN)
		r->has_paths = true;

	r->events++;
	if (t->task_id >= REPORT_MAX_TASKS)
		r->tasks_over_cap++;
	if (t->has_live) {
		r->has_live = true;
		r->live_ttu_calls++;
		live_of(t, live);
		live_add(r->live, live);
		if (t->live_walk_calls)
			r->walk_hooked = true;
		/* and by folio kind and size, as the model's groups */
		if (t->kind < UMT_KIND_NR) {
			r->live_by_kind[t->kind].folios++;
			live_add(r->live_by_kind[t->kind].v, live);
		}
		r->live_by_size[sz].folios++;
		live_add(r->live_by_size[sz].v, live);
		r->live_by_path[path].folios++;
		live_add(r->live_by_path[path].v, live);
	}
	for (i = 0; i < r->nr_results; i++) {
		struct report_result *res = &r->results[i];
		struct model_call mc;

		model_replay(&res->pol, t, &mc);
		group_add(&res->total, &mc.n);
		if (t->kind < UMT_KIND_NR)
			group_add(&res->by_kind[t->kind], &mc.n);
		group_add(&res->by_size[sz], &mc.n);
		group_add(&res->by_path[path], &mc.n);
		if (mc.ret != !!t->ret)
			res->ret_differs++;
		if (mc.note)
			note_add(res, mc.note);
		if (mc.deferred_add)
			set_pending(res, t->task_id, 1);
		if (i == r->check_idx && t->has_live)
			check_call(r, t, &mc, seq);
	}
}

/*
 * arch_tlbbatch_flush() runs from try_to_unmap_flush() only when a
 * deferred add set tlb_ubc->flush_required (6.12/7.3 mm/rmap.c): so a
 * policy flushes at a recorded reclaim-batch boundary iff it deferred an
 * add for this task since the previous one.  The boundaries themselves
 * are taken from the recording.  try_to_migrate_one() defers into the
 * same current->tlb_ubc (7.3 mm/rmap.c:2635; migration, and unmap_folio()
 * when reclaim or madvise splits a large folio): where the recorder saw
 * it run with another CPU in the mm since the task's previous flush
 * (UMT_FLUSH_MIGRATE), the flush is owed to it, in every policy alike
 * (no generation batches try_to_migrate_one()).
 */
/*
 * One arch_tlbbatch_flush().  On x86 it is the flush (the IPIs or the
 * local invalidation); on arm64 the TLBIs were issued by each deferred
 * add and this is their completion, dsb(ish): a barrier, not a flush.
 */
static void batch_final(struct report_result *res)
{
	res->total.n.tlb[MT_BATCH_FINAL]++;
	if (res->pol.arch == MODEL_ARM64) {
		res->total.n.barriers[MB_DSB]++;
		res->total.n.c[MC_BARRIERS]++;
	} else {
		res->total.n.c[MC_TLB_FLUSHES]++;
	}
}

void report_add_tlb_flush(struct report *r, uint32_t task_id,
			  uint32_t flags, uint64_t seq)
{
	bool migrate = flags & UMT_FLUSH_MIGRATE;
	int i, amb;

	r->tlb_flush_records++;
	if (report_trace_is_x86(r))
		r->live[RL_TLB_FLUSHES]++;
	for (i = 0; i < r->nr_results; i++) {
		struct report_result *res = &r->results[i];
		int was = set_pending(res, task_id, 0);

		if (was || migrate)
			batch_final(res);
		if (i != r->check_idx || !report_trace_is_x86(r))
			continue;
		amb = task_flag(&r->ambiguous, &r->nr_ambiguous, task_id, 0);
		if (!was && migrate) {
			r->flush_migrate++;
			r->model[RL_TLB_FLUSHES]++;
			continue;
		}
		if (amb && !was) {
			/* the kernel deferred where the model could not know */
			r->flush_ambiguous++;
			r->live_excluded[RL_TLB_FLUSHES]++;
			continue;
		}
		if (was) {
			r->model[RL_TLB_FLUSHES]++;
			continue;
		}
		r->flush_mismatches++;
		if (r->nr_shown < REPORT_MAX_SHOWN) {
			struct report_mismatch *m = &r->shown[r->nr_shown++];

			m->call = r->events;
			m->seq = seq;
			snprintf(m->text, sizeof(m->text),
				 "flush record %llu (task %u, after call %llu):"
				 "\n  arch_tlbbatch_flush() recorded, but the "
				 "model deferred no flush for this task\n  "
				 "since its previous one\n", (unsigned long long)seq,
				 task_id, (unsigned long long)r->events);
		}
	}
}

void report_finish(struct report *r)
{
	int i, k;
	uint32_t t;

	if (r->lost)
		report_warn(r, "%llu events lost in the kernel: counts are "
			    "incomplete", (unsigned long long)r->lost);
	if (r->tasks_over_cap)
		report_warn(r, "%llu calls of task ids >= %u: their deferred "
			    "flushes are not modelled",
			    (unsigned long long)r->tasks_over_cap,
			    REPORT_MAX_TASKS);
	if (r->short_payloads)
		report_warn(r, "%llu records shorter than this reader "
			    "expects (zero-extended)",
			    (unsigned long long)r->short_payloads);
	for (i = 0; i < r->nr_results; i++) {
		struct report_result *res = &r->results[i];

		/*
		 * The caller of the rmap walk (shrink_folio_list(), 6.12/7.3
		 * mm/vmscan.c) ends with try_to_unmap_flush(): a task with an
		 * add still pending gets its final flush there, after the
		 * last record of the trace.
		 */
		for (t = 0; t < res->nr_pending; t++) {
			if (!res->pending[t])
				continue;
			res->pending_at_end++;
			batch_final(res);
		}
		if (res->hidden)
			continue;
		for (k = 0; k < MAX_NOTES && res->note[k]; k++)
			report_warn(r, "%s: %llu call(s): %s", res->pol.name,
				    (unsigned long long)res->note_count[k],
				    res->note[k]);
	}
}

bool report_live_compared(const struct report *r, int i)
{
	if (i == RL_TLB_FLUSHES)
		return report_trace_is_x86(r) || r->unfold_hooked;
	if (i == RL_WALK_CALLS || i == RL_WALK_TRUE)
		return r->walk_hooked;
	return true;
}

int report_check_failed(const struct report *r)
{
	int i;

	if (r->check_idx < 0 || !r->has_live || r->lost)
		return 1;
	if (r->calls_mismatching || r->flush_mismatches)
		return 1;
	for (i = 0; i < RL_NR; i++)
		if (report_live_compared(r, i) &&
		    r->model[i] != r->live[i] - r->live_excluded[i])
			return 1;
	return 0;
}

const char *report_norm_arch(const char *a)
{
	if (!a)
		return NULL;
	if (!strcmp(a, "x86") || !strcmp(a, "x86_64") || !strcmp(a, "amd64"))
		return "x86";
	if (!strcmp(a, "arm64") || !strcmp(a, "aarch64"))
		return "arm64";
	return NULL;
}

/*
 * CONFIG_NO_PAGE_MAPCOUNT (7.x) drops the per-page _mapcount atomics from
 * __folio_remove_rmap(): take it from the recording kernel's config, which
 * the collector copies into the header; without one, PAGE_MAPCOUNT (what
 * Debian's kernels set) is assumed, and said.
 */
static void set_mapcount_config(struct report *r, const struct umt_meta *m)
{
	const char *v = umt_meta_get(m, "config.CONFIG_NO_PAGE_MAPCOUNT");
	const char *pm = umt_meta_get(m, "config.CONFIG_PAGE_MAPCOUNT");
	bool no_pm = v && !strcmp(v, "y");
	int i;

	for (i = 0; i < r->nr_results; i++)
		r->results[i].pol.no_page_mapcount = no_pm;
	if (!v && !pm)
		report_warn(r, "no kernel config in the trace: rmap "
			    "atomics assume PAGE_MAPCOUNT");
}

/*
 * The "kernel" policy from the trace's kernel facts (lib/facts.c): the
 * header's, then the calls' (a first pass over a seekable trace file).
 */
static void set_kernel_facts(struct report *r, const struct umt_meta *m)
{
	struct kfacts kf;
	struct umt_reader *rd = NULL;
	struct umt_rec rec;
	char err[128];
	int i, want = 0;

	for (i = 0; i < r->nr_results; i++)
		want |= r->results[i].pol.observed;
	if (!want)
		return;
	kfacts_from_meta(&kf, m);
	if (strcmp(r->file, "-"))
		rd = umt_reader_open(r->file, err, sizeof(err));
	while (rd && umt_reader_next(rd, &rec) == 1)
		if (rec.type == UMT_REC_TTU &&
		    rec.size >= sizeof(struct umt_ttu))
			kfacts_observe(&kf, rec.payload);
	if (rd)
		umt_reader_close(rd);
	for (i = 0; i < r->nr_results; i++)
		kfacts_apply(&kf, &r->results[i].pol);
}

void report_set_trace(struct report *r, const struct umt_meta *m)
{
	const char *rel = umt_meta_get(m, UMT_KEY_KERNEL);
	const char *raw = umt_meta_get(m, UMT_KEY_ARCH);
	const char *arch = report_norm_arch(raw);
	const char *w = umt_meta_get(m, UMT_KEY_WORKLOAD);
	int i;

	/* printed on terminals: never the file's escape sequences */
	umt_str_safe(rel ? rel : "", r->kernel, sizeof(r->kernel));
	umt_str_safe(arch ? arch : raw ? raw : "", r->arch, sizeof(r->arch));
	umt_str_safe(w ? w : "", r->workload, sizeof(r->workload));
	w = umt_meta_get(m, UMT_KEY_KVERSION);
	umt_str_safe(w ? w : "", r->kernel_version,
		     sizeof(r->kernel_version));
	/* record --meta kernel=...: how the user tells kernels apart */
	w = umt_meta_get(m, "kernel");
	umt_str_safe(w ? w : "", r->kernel_label, sizeof(r->kernel_label));
	set_mapcount_config(r, m);
	set_kernel_facts(r, m);
	r->unfold_hooked = false;
	for (i = 0; i < m->nr_attach; i++)
		if (!report_trace_is_x86(r) && !m->attach[i].err &&
		    !strcmp(m->attach[i].hook, "tlb_flush") &&
		    !strcmp(m->attach[i].symbol, "contpte_convert"))
			r->unfold_hooked = true;
}

void report_policy_label(const struct model_policy *p, char *buf,
			 size_t len)
{
	size_t n;

	if (!strcmp(p->name, "kernel")) {
		n = strspn(p->release, "0123456789.");
		snprintf(buf, len, "kernel %.*s = %s", (int)n, p->release,
			 model_gen_label(p->gen));
		return;
	}
	snprintf(buf, len, "%s%s", model_gen_label(p->gen),
		 p->skip ? " + Wei Yang skip" : "");
}

/*
 * With r->fold, a result whose counts equal an earlier shown one changes
 * nothing for this trace: the text names it on one line instead of a
 * column.  The first (the baseline) and "kernel" are always shown.
 */
static void fold_results(struct report *r)
{
	int i, j;

	for (i = 1; r->fold && i < r->nr_results; i++) {
		struct report_result *res = &r->results[i];

		if (res->hidden || !strcmp(res->pol.name, "kernel"))
			continue;
		for (j = 0; j < i && !res->folded; j++)
			if (!r->results[j].hidden && !r->results[j].folded &&
			    !memcmp(&res->total.n, &r->results[j].total.n,
				    sizeof(res->total.n)))
				res->folded = true;
	}
}

struct ttu_buf {
	struct umt_ttu *t;
	size_t cap;
};

/* Copy a TTU payload, clamping nr_slots to what the payload holds. */
static const struct umt_ttu *load_ttu(struct ttu_buf *b,
				      const struct umt_rec *rec,
				      uint64_t *truncated)
{
	size_t need = sizeof(struct umt_ttu), avail, size = rec->size;

	if (size < need)
		size = need;	/* the reader zero-extends short payloads */
	/* one slot of slack for a zero-slot record */
	if (b->cap < size + sizeof(uint32_t)) {
		void *p = realloc(b->t, size + sizeof(uint32_t));

		if (!p)
			return NULL;
		b->t = p;
		b->cap = size + sizeof(uint32_t);
	}
	memcpy(b->t, rec->payload, size);
	avail = (size - need) / sizeof(uint32_t);
	if (b->t->nr_slots > avail) {
		b->t->nr_slots = (uint32_t)avail;
		(*truncated)++;
	}
	return b->t;
}

int report_feed(struct report *r, struct umt_reader *rd)
{
	struct ttu_buf buf = { 0 };
	uint64_t truncated = 0, stats_lost = 0;
	struct umt_rec rec;
	const char *w;
	int rc;

	while ((rc = umt_reader_next(rd, &rec)) == 1) {
		const struct umt_tlb_flush *fl = rec.payload;
		const struct umt_lost *lo = rec.payload;
		const struct umt_stats *st = rec.payload;
		const struct umt_ttu_victim *v;
		const struct umt_ttu *t;

		if (!umt_filter_keep(r->filter, &rec))
			continue;
		if (rec.short_payload)
			r->short_payloads++;
		switch (rec.type) {
		case UMT_REC_TTU:
			v = umt_ttu_victim(rec.payload, rec.size);
			t = load_ttu(&buf, &rec, &truncated);
			if (!t) {
				rc = -ENOMEM;
				goto out;
			}
			report_add_ttu(r, t, v ? v->path : UMT_PATH_UNKNOWN,
				       rec.seq);
			break;
		case UMT_REC_TLB_FLUSH:
			report_add_tlb_flush(r, fl->task_id, fl->in_ttu,
					     rec.seq);
			break;
		case UMT_REC_LOST:
			r->lost += lo->count;
			break;
		case UMT_REC_STATS:
			stats_lost = st->lost;
			break;
		default:
			break;
		}
	}
out:
	free(buf.t);
	/* the kernel-side total covers drops no LOST record reached */
	if (stats_lost > r->lost)
		r->lost = stats_lost;
	if (truncated)
		report_warn(r, "%llu records hold fewer slots than they "
			    "announce (clamped)",
			    (unsigned long long)truncated);
	w = umt_reader_warnings(rd);
	if (w && *w) {
		char *copy = strdup(w), *save = NULL, *line;

		for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save))
			report_warn(r, "trace: %s", line);
		free(copy);
	}
	r->damage = *umt_reader_damage(rd);
	report_finish(r);
	fold_results(r);
	return rc < 0 ? rc : 0;
}
