// SPDX-License-Identifier: GPL-2.0
/*
 * The replay report: accounting of model results per policy, the check
 * of the "kernel" policy against the trace's live counts, and output as
 * text (under 80 columns), JSON (docs/REPORT.md) and CSV.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "report.h"

#define MAX_NOTES	4

static const char *const live_names[RL_NR] = {
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
	r->results = calloc(nr, sizeof(*r->results));
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
		uint32_t nr = task + 64;
		uint8_t *p;

		if (!val || nr > (1u << 24))
			return 0;
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

static void flags_text(char *buf, size_t len, uint32_t v,
		       const char *const *names, int nr)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < nr; i++) {
		if (!(v & (1u << i)))
			continue;
		o += snprintf(buf + o, o < len ? len - o : 0, "%s%s",
			      o ? "|" : "", names[i]);
	}
	if (!o)
		snprintf(buf, len, "-");
}

/*
 * One character per slot: W/R present page of this folio (writable or
 * not; '~' if not the page a linear mapping would put there), '.' none,
 * 'o' another page, 's' swap, 'm' marker, 'g' migration, 'd' device,
 * '_' no page table; '|' marks a page-table boundary.
 */
void report_image(const struct umt_ttu *t, char *buf, size_t len)
{
	static const char tc[] = ".?osmgd_";
	size_t o = 0;
	uint32_t i, n = t->nr_slots > UMT_MAX_SLOTS ? UMT_MAX_SLOTS :
			t->nr_slots;

	for (i = 0; i < n && o + 4 < len; i++) {
		uint32_t s = t->slots[i];
		int ty = UMT_SLOT_TYPE(s);
		char c;

		if (i && (t->image_pmd_index + i) % 512 == 0)
			buf[o++] = '|';
		if (ty == UMT_SLOT_THIS)
			c = UMT_SLOT_PAGE(s) != t->image_first_page + i ? '~' :
			    UMT_SLOT_BITS(s) & UMT_PTE_WRITE ? 'W' : 'R';
		else
			c = ty < 8 ? tc[ty] : '?';
		buf[o++] = c;
	}
	if (i < n && o + 4 <= len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o < len ? o : len - 1] = '\0';
}

/* The model's notes are static strings: tally them by pointer */
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
	static const char *const ttu[] = { "SPLIT_HUGE_PMD", "IGNORE_MLOCK",
		"SYNC", "HWPOISON", "BATCH_FLUSH", "RMAP_LOCKED" };
	static const char *const vma[] = { "LOCKED", "UFFD_WP", "SHARED",
		"DROPPABLE", "HUGETLB", "UFFD_MISSING" };
	struct report_mismatch *m;
	char tf[96], vf[96], img[300];
	size_t o;
	int i;

	if (r->nr_shown >= REPORT_MAX_SHOWN)
		return;
	m = &r->shown[r->nr_shown++];
	m->call = r->events;
	m->seq = seq;
	flags_text(tf, sizeof(tf), t->ttu_flags, ttu, 6);
	flags_text(vf, sizeof(vf), t->vma_flags, vma, 6);
	report_image(t, img, 200);
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
			      "  %s: live %llu, model %llu\n", live_names[i],
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

static bool trace_is_x86(const struct report *r)
{
	return !strcmp(r->arch, "x86") || !strcmp(r->arch, "x86_64");
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
	live[RL_RMAP_CALLS] = t->live_rmap_calls;
	live[RL_RMAP_PAGES] = t->live_rmap_pages;
	live[RL_TLB_FLUSHES] = t->live_tlb_flushes;
	live[RL_MM_COUNTER_UPDATES] = t->live_rss_stat;
	live[RL_WALK_CALLS] = t->live_walk_calls;
	live[RL_WALK_TRUE] = t->live_walk_true;
	live[RL_RET] = !t->ret;
	for (i = 0; i < RL_NR; i++)
		cmp[i] = true;
	/* flush_tlb_mm_range() is x86 only */
	cmp[RL_TLB_FLUSHES] = trace_is_x86(r);
	/* a call always makes one walk call: 0 means the hook is absent */
	cmp[RL_WALK_CALLS] = t->live_walk_calls > 0;
	cmp[RL_WALK_TRUE] = t->live_walk_calls > 0;
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

void report_add_ttu(struct report *r, const struct umt_ttu *t, uint64_t seq)
{
	int i, sz = size_index(t->nr_pages);

	r->events++;
	if (t->has_live) {
		r->has_live = true;
		r->live_ttu_calls++;
		r->live[RL_RMAP_CALLS] += t->live_rmap_calls;
		r->live[RL_RMAP_PAGES] += t->live_rmap_pages;
		r->live[RL_TLB_FLUSHES] += t->live_tlb_flushes;
		r->live[RL_MM_COUNTER_UPDATES] += t->live_rss_stat;
		r->live[RL_WALK_CALLS] += t->live_walk_calls;
		r->live[RL_WALK_TRUE] += t->live_walk_true;
		r->live[RL_RET] += !t->ret;
		if (t->live_walk_calls)
			r->walk_hooked = true;
	}
	for (i = 0; i < r->nr_results; i++) {
		struct report_result *res = &r->results[i];
		struct model_call mc;

		model_replay(&res->pol, t, &mc);
		group_add(&res->total, &mc.n);
		if (t->kind < UMT_KIND_NR)
			group_add(&res->by_kind[t->kind], &mc.n);
		group_add(&res->by_size[sz], &mc.n);
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
void report_add_tlb_flush(struct report *r, uint32_t task_id,
			  uint32_t flags, uint64_t seq)
{
	bool migrate = flags & UMT_FLUSH_MIGRATE;
	int i, amb;

	r->tlb_flush_records++;
	if (trace_is_x86(r))
		r->live[RL_TLB_FLUSHES]++;
	for (i = 0; i < r->nr_results; i++) {
		struct report_result *res = &r->results[i];
		int was = set_pending(res, task_id, 0);

		if (was || migrate) {
			res->total.n.tlb[MT_BATCH_FINAL]++;
			res->total.n.c[MC_TLB_FLUSHES]++;
			if (res->pol.arch == MODEL_ARM64) {
				/* arm64 arch_tlbbatch_flush(): dsb(ish) */
				res->total.n.barriers[MB_DSB]++;
				res->total.n.c[MC_BARRIERS]++;
			}
		}
		if (i != r->check_idx || !trace_is_x86(r))
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
	if (r->short_payloads)
		report_warn(r, "%llu records shorter than this reader "
			    "expects (zero-extended)",
			    (unsigned long long)r->short_payloads);
	for (i = 0; i < r->nr_results; i++) {
		struct report_result *res = &r->results[i];

		for (t = 0; t < res->nr_pending; t++)
			res->pending_at_end += res->pending[t];
		if (res->hidden)
			continue;
		if (res->pending_at_end)
			report_warn(r, "%s: %llu task(s) still had a deferred "
				    "flush pending at the end of the trace "
				    "(no final flush counted)", res->pol.name,
				    (unsigned long long)res->pending_at_end);
		for (k = 0; k < MAX_NOTES && res->note[k]; k++)
			report_warn(r, "%s: %llu call(s): %s", res->pol.name,
				    (unsigned long long)res->note_count[k],
				    res->note[k]);
	}
}

static bool live_compared(const struct report *r, int i)
{
	if (i == RL_TLB_FLUSHES)
		return trace_is_x86(r);
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
		if (live_compared(r, i) &&
		    r->model[i] != r->live[i] - r->live_excluded[i])
			return 1;
	return 0;
}

/* ---- text ---- */

static void pct(char *buf, size_t len, uint64_t v, uint64_t base)
{
	if (!base)
		snprintf(buf, len, "%s", v ? "new" : "");
	else
		snprintf(buf, len, "%+.1f%%",
			 ((double)v - (double)base) * 100.0 / (double)base);
}

static int visible(const struct report *r, int *idx)
{
	int i, n = 0;

	for (i = 0; i < r->nr_results; i++)
		if (!r->results[i].hidden)
			idx[n++] = i;
	return n;
}

typedef uint64_t (*getter)(const struct model_counts *n, int k);

static uint64_t get_c(const struct model_counts *n, int k)
{
	return n->c[k];
}

static uint64_t get_a(const struct model_counts *n, int k)
{
	return n->atomics[k];
}

static uint64_t get_t(const struct model_counts *n, int k)
{
	return n->tlb[k];
}

static uint64_t get_b(const struct model_counts *n, int k)
{
	return n->barriers[k];
}

/*
 * One table: rows @keys of @get over the visible results, the first
 * result's absolute count, then for the others count and % change vs
 * the first; two more results per 80 columns, repeated as needed.
 */
static void table(const struct report *r, FILE *f, const char *title,
		  const struct report_group *const *groups, getter get,
		  const int *keys, const char *const *names, int nkeys,
		  bool skip_zero)
{
	int idx[64], n = visible(r, idx), from, j, k;
	char p[16];

	if (n > 64)
		n = 64;
	for (from = 1; from < n || from == 1; from += 2) {
		fprintf(f, "%-22.22s %12s", title,
			r->results[idx[0]].pol.name);
		for (j = from; j < from + 2 && j < n; j++)
			fprintf(f, " %11.11s %7s", r->results[idx[j]].pol.name,
				"%");
		fputc('\n', f);
		for (k = 0; k < nkeys; k++) {
			uint64_t base = get(&groups[idx[0]]->n, keys[k]);
			bool any = base != 0;

			for (j = 1; j < n; j++)
				any |= get(&groups[idx[j]]->n, keys[k]) != 0;
			if (skip_zero && !any)
				continue;
			fprintf(f, "  %-20.20s %12llu", names[k],
				(unsigned long long)base);
			for (j = from; j < from + 2 && j < n; j++) {
				uint64_t v = get(&groups[idx[j]]->n, keys[k]);

				pct(p, sizeof(p), v, base);
				fprintf(f, " %11llu %7s", (unsigned long long)v,
					p);
			}
			fputc('\n', f);
		}
		if (n <= 1 || from + 2 >= n)
			break;
		fputc('\n', f);
	}
	fputc('\n', f);
}

/* bcc's print_log2_hist() layout, 40 stars */
static void hist(FILE *f, const char *name, const uint64_t *b)
{
	uint64_t max = 0;
	int i, last = -1;

	for (i = 0; i < MODEL_HIST_BUCKETS; i++) {
		if (b[i])
			last = i;
		if (b[i] > max)
			max = b[i];
	}
	if (last < 0)
		return;
	fprintf(f, "     %-19s : count     distribution\n", name);
	for (i = 0; i <= last; i++) {
		char stars[41];
		int s = (int)(b[i] * 40 / max);

		memset(stars, '*', s);
		stars[s] = '\0';
		fprintf(f, "%10llu -> %-10llu : %-8llu |%-40s|\n",
			1ULL << i, (1ULL << (i + 1)) - 1,
			(unsigned long long)b[i], stars);
	}
}

static const char *arch_name(enum model_arch a)
{
	return a == MODEL_ARM64 ? "arm64" : "x86";
}

void report_check_text(const struct report *r, FILE *f)
{
	int i;

	fprintf(f, "check: policy 'kernel' (%s) vs live counts\n",
		r->check_idx >= 0 ?
		model_gen_name(r->results[r->check_idx].pol.gen) : "-");
	if (!r->has_live) {
		fprintf(f, "  FAIL: the trace carries no live counts\n");
		return;
	}
	fprintf(f, "  %-20s %14s %14s  %s\n", "counter", "live", "model",
		"calls differing");
	for (i = 0; i < RL_NR; i++) {
		if (!live_compared(r, i)) {
			fprintf(f, "  %-20s %14s %14s  (not recorded on this "
				"arch/trace)\n", live_names[i], "-", "-");
			continue;
		}
		fprintf(f, "  %-20s %14llu %14llu  %llu%s\n", live_names[i],
			(unsigned long long)(r->live[i] - r->live_excluded[i]),
			(unsigned long long)r->model[i],
			(unsigned long long)r->call_mismatches[i],
			r->live[i] - r->live_excluded[i] == r->model[i] ?
			"" : "  MISMATCH");
	}
	if (r->defer_ambiguous || r->flush_ambiguous)
		fprintf(f, "  not compared: the x86 flushes of %llu call(s) "
			"and %llu flush record(s)\n  (%llu live flushes): "
			"another CPU joined or left the mm between the\n  "
			"walk's return and the rmap call, so the kernel's "
			"deferral is unknown\n",
			(unsigned long long)r->defer_ambiguous,
			(unsigned long long)r->flush_ambiguous,
			(unsigned long long)
			r->live_excluded[RL_TLB_FLUSHES]);
	if (r->flush_migrate)
		fprintf(f, "  %llu final flush(es) owed to try_to_migrate_one()"
			" (recorded: it shares\n  current->tlb_ubc; migration "
			"or a large folio's split deferred them)\n",
			(unsigned long long)r->flush_migrate);
	if (r->flush_mismatches)
		fprintf(f, "  %llu recorded final flush(es) with no deferred "
			"add modelled\n",
			(unsigned long long)r->flush_mismatches);
	if (r->defer_differs)
		fprintf(f, "  %llu call(s) flushed as if the deferral state "
			"differed from the recorded\n  defer_flush "
			"(mm_cpumask sampled at entry, the kernel decides "
			"per PTE\n  after the walk): a recording race, not a "
			"model rule\n",
			(unsigned long long)r->defer_differs);
	if (r->lost)
		fprintf(f, "  %llu events lost: counts are incomplete\n",
			(unsigned long long)r->lost);
	if (r->nr_shown)
		fprintf(f, "first mismatches (%llu call(s) and %llu flush "
			"record(s) differ):\n",
			(unsigned long long)r->calls_mismatching,
			(unsigned long long)r->flush_mismatches);
	for (i = 0; i < r->nr_shown; i++)
		fprintf(f, "%s", r->shown[i].text);
	fprintf(f, "check: %s\n", report_check_failed(r) ? "FAIL" : "ok");
}

/* "a; b; c" one item a line: which kernel facts built the policy */
static void print_facts(FILE *f, const char *facts)
{
	const char *s = facts, *e;

	while (*s) {
		e = strstr(s, "; ");
		fprintf(f, "    %.*s\n", (int)(e ? e - s : (long)strlen(s)),
			s);
		if (!e)
			break;
		s = e + 2;
	}
}

void report_text(const struct report *r, FILE *f, bool check)
{
	static const int main_keys[] = {
		MC_TTU_CALLS, MC_WALK_CALLS, MC_WALK_ITERATIONS, MC_PTEP_GET,
		MC_PTE_READS, MC_PTE_CLEARS, MC_PTE_WRITES, MC_ATOMICS,
		MC_BARRIERS, MC_TLB_FLUSHES, MC_TLBI, MC_RMAP_CALLS,
		MC_RMAP_PAGES, MC_MM_COUNTER_UPDATES, MC_LOCKS,
		MC_UFFD_MARKERS, MC_BATCHES };
	static const int kind_keys[] = { MC_PTEP_GET, MC_PTE_READS,
		MC_ATOMICS, MC_TLB_FLUSHES };
	const char *names[MC_NR + MA_NR + MT_NR + MB_NR];
	const struct report_group *g[64];
	int idx[64], n = visible(r, idx), keys[MC_NR], i, k, nk;
	char label[32];

	fprintf(f, "unmaptrace replay: %s\n", r->file);
	fprintf(f, "kernel %s (%s)%s%s\n", *r->kernel ? r->kernel : "?",
		*r->arch ? r->arch : "?", *r->workload ? ", workload " : "",
		r->workload);
	fprintf(f, "%llu calls, %llu flush records, %llu lost\n",
		(unsigned long long)r->events,
		(unsigned long long)r->tlb_flush_records,
		(unsigned long long)r->lost);
	for (i = 0; i < n; i++) {
		const struct model_policy *p = &r->results[idx[i]].pol;

		fprintf(f, "  %-12s %-6s %s%s\n", p->name, arch_name(p->arch),
			model_gen_range(p->gen), p->skip ? " + skip" : "");
		print_facts(f, p->facts);
	}
	fputc('\n', f);
	if (!n)
		return;
	for (i = 0; i < r->nr_results && i < 64; i++)
		g[i] = &r->results[i].total;

	nk = 0;
	for (k = 0; k < (int)(sizeof(main_keys) / sizeof(main_keys[0])); k++) {
		if (main_keys[k] == MC_TLBI &&
		    r->results[idx[0]].pol.arch != MODEL_ARM64)
			continue;
		keys[nk] = main_keys[k];
		names[nk++] = model_counter_name(main_keys[k]);
	}
	table(r, f, "counts", g, get_c, keys, names, nk, false);
	for (k = 0; k < MT_NR; k++) {
		keys[k] = k;
		names[k] = model_tlb_name(k);
	}
	table(r, f, "tlb by kind", g, get_t, keys, names, MT_NR, true);
	for (k = 0; k < MA_NR; k++) {
		keys[k] = k;
		names[k] = model_atomic_name(k);
	}
	table(r, f, "atomics by kind", g, get_a, keys, names, MA_NR, true);
	for (k = 0; k < MB_NR; k++) {
		keys[k] = k;
		names[k] = model_barrier_name(k);
	}
	table(r, f, "barriers by kind", g, get_b, keys, names, MB_NR, true);

	for (k = 0; k < (int)(sizeof(kind_keys) / sizeof(kind_keys[0])); k++) {
		keys[k] = kind_keys[k];
		names[k] = model_counter_name(kind_keys[k]);
	}
	for (i = 0; i < UMT_KIND_NR; i++) {
		if (!r->results[idx[0]].by_kind[i].folios)
			continue;
		for (k = 0; k < r->nr_results && k < 64; k++)
			g[k] = &r->results[k].by_kind[i];
		snprintf(label, sizeof(label), "%s: %llu calls",
			 umt_kind_name(i),
			 (unsigned long long)g[idx[0]]->folios);
		table(r, f, label, g, get_c, keys, names, 4, false);
	}
	for (i = 0; i < REPORT_SIZES; i++) {
		if (!r->results[idx[0]].by_size[i].folios)
			continue;
		for (k = 0; k < r->nr_results && k < 64; k++)
			g[k] = &r->results[k].by_size[i];
		snprintf(label, sizeof(label), "%lluK folios: %llu",
			 4ULL << i, (unsigned long long)g[idx[0]]->folios);
		table(r, f, label, g, get_c, keys, names, 4, false);
	}
	for (i = 0; i < n; i++) {
		const struct report_result *res = &r->results[idx[i]];

		fprintf(f, "batch lengths, %s (%s):\n", res->pol.name,
			arch_name(res->pol.arch));
		hist(f, "pages", res->total.n.batch_hist);
		fputc('\n', f);
	}
	if (r->has_live) {
		fprintf(f, "live (recorded): %llu calls, rmap %llu calls "
			"%llu pages,\n  tlb flushes %llu, mm counters %llu\n",
			(unsigned long long)r->live_ttu_calls,
			(unsigned long long)r->live[RL_RMAP_CALLS],
			(unsigned long long)r->live[RL_RMAP_PAGES],
			(unsigned long long)r->live[RL_TLB_FLUSHES],
			(unsigned long long)r->live[RL_MM_COUNTER_UPDATES]);
		fputc('\n', f);
	}
	for (i = 0; i < r->nr_warnings; i++)
		fprintf(f, "warning: %s\n", r->warnings[i]);
	if (check) {
		if (r->nr_warnings)
			fputc('\n', f);
		report_check_text(r, f);
	}
}

/* ---- JSON ---- */

static json_t *counts_json(const struct model_counts *n, bool arm64)
{
	json_t *o = json_object();
	int i;

	for (i = 0; i < MC_NR; i++) {
		/* a counter the model cannot produce is absent */
		if (i == MC_TLBI && !arm64)
			continue;
		json_object_set_new(o, model_counter_name(i),
				    json_integer((json_int_t)n->c[i]));
	}
	return o;
}

static json_t *kinds_json(const uint64_t *v, int nr,
			  const char *(*name)(int))
{
	json_t *o = json_object();
	int i;

	for (i = 0; i < nr; i++)
		json_object_set_new(o, name(i), json_integer((json_int_t)v[i]));
	return o;
}

static json_t *group_json(const struct report_group *g, bool arm64)
{
	json_t *o = counts_json(&g->n, arm64);

	json_object_set_new(o, "folios", json_integer((json_int_t)g->folios));
	return o;
}

static json_t *hist_json(const uint64_t *b)
{
	json_t *h = json_object(), *a = json_array();
	int i, last = -1;

	for (i = 0; i < MODEL_HIST_BUCKETS; i++)
		if (b[i])
			last = i;
	for (i = 0; i <= last; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "low", json_integer(1LL << i));
		json_object_set_new(e, "high",
				    json_integer((1LL << (i + 1)) - 1));
		json_object_set_new(e, "count", json_integer((json_int_t)b[i]));
		json_array_append_new(a, e);
	}
	json_object_set_new(h, "name", json_string("batch_len"));
	json_object_set_new(h, "unit", json_string("pages"));
	json_object_set_new(h, "buckets", a);
	return h;
}

static json_t *result_json(const struct report_result *res)
{
	bool arm64 = res->pol.arch == MODEL_ARM64;
	json_t *o = json_object(), *bd = json_object(), *bk = json_object();
	json_t *bs = json_object(), *hs = json_array();
	char key[16];
	int i;

	json_object_set_new(o, "policy", json_string(res->pol.name));
	json_object_set_new(o, "arch", json_string(arch_name(res->pol.arch)));
	json_object_set_new(o, "generation",
			    json_string(model_gen_name(res->pol.gen)));
	json_object_set_new(o, "kernels",
			    json_string(model_gen_range(res->pol.gen)));
	json_object_set_new(o, "skip", json_boolean(res->pol.skip));
	if (res->pol.facts[0])
		json_object_set_new(o, "facts", json_string(res->pol.facts));
	json_object_set_new(o, "counts", counts_json(&res->total.n, arm64));
	json_object_set_new(bd, "atomics",
			    kinds_json(res->total.n.atomics, MA_NR,
				       model_atomic_name));
	json_object_set_new(bd, "tlb_flushes",
			    kinds_json(res->total.n.tlb, MT_NR,
				       model_tlb_name));
	json_object_set_new(bd, "barriers",
			    kinds_json(res->total.n.barriers, MB_NR,
				       model_barrier_name));
	for (i = 0; i < UMT_KIND_NR; i++)
		if (res->by_kind[i].folios)
			json_object_set_new(bk, umt_kind_name(i),
					    group_json(&res->by_kind[i],
						       arm64));
	for (i = 0; i < REPORT_SIZES; i++) {
		if (!res->by_size[i].folios)
			continue;
		snprintf(key, sizeof(key), "%u", 1u << i);
		json_object_set_new(bs, key, group_json(&res->by_size[i],
							arm64));
	}
	json_object_set_new(bd, "by_kind", bk);
	json_object_set_new(bd, "by_size", bs);
	json_object_set_new(o, "breakdown", bd);
	json_array_append_new(hs, hist_json(res->total.n.batch_hist));
	json_object_set_new(o, "histograms", hs);
	json_object_set_new(o, "return_differs",
			    json_integer((json_int_t)res->ret_differs));
	return o;
}

static json_t *check_json(const struct report *r)
{
	json_t *o = json_object(), *c = json_object(), *m = json_array();
	int i;

	for (i = 0; i < RL_NR; i++) {
		json_t *e;

		if (!live_compared(r, i))
			continue;
		e = json_object();
		json_object_set_new(e, "live",
				    json_integer((json_int_t)(r->live[i] -
						 r->live_excluded[i])));
		json_object_set_new(e, "not_compared",
				    json_integer((json_int_t)
						 r->live_excluded[i]));
		json_object_set_new(e, "model",
				    json_integer((json_int_t)r->model[i]));
		json_object_set_new(e, "calls_differing",
				    json_integer((json_int_t)
						 r->call_mismatches[i]));
		json_object_set_new(c, live_names[i], e);
	}
	for (i = 0; i < r->nr_shown; i++)
		json_array_append_new(m, json_string(r->shown[i].text));
	json_object_set_new(o, "counters", c);
	json_object_set_new(o, "first_mismatches", m);
	json_object_set_new(o, "calls_differing",
			    json_integer((json_int_t)r->calls_mismatching));
	json_object_set_new(o, "flush_records_unmatched",
			    json_integer((json_int_t)r->flush_mismatches));
	json_object_set_new(o, "flush_records_migrate",
			    json_integer((json_int_t)r->flush_migrate));
	json_object_set_new(o, "deferral_differs",
			    json_integer((json_int_t)r->defer_differs));
	json_object_set_new(o, "deferral_unknown_calls",
			    json_integer((json_int_t)r->defer_ambiguous));
	json_object_set_new(o, "deferral_unknown_flush_records",
			    json_integer((json_int_t)r->flush_ambiguous));
	json_object_set_new(o, "ok", json_boolean(!report_check_failed(r)));
	return o;
}

int report_json(const struct report *r, FILE *f, bool check)
{
	json_t *root = json_object(), *tr = json_object(), *res = json_array();
	json_t *w = json_array();
	int i, err;

	json_object_set_new(root, "schema", json_string(REPORT_SCHEMA));
#ifdef UMT_VERSION
	json_object_set_new(root, "tool_version", json_string(UMT_VERSION));
#endif
	json_object_set_new(tr, "file", json_string(r->file));
	json_object_set_new(tr, "kernel", json_string(r->kernel));
	json_object_set_new(tr, "arch", json_string(r->arch));
	json_object_set_new(tr, "events", json_integer((json_int_t)r->events));
	json_object_set_new(tr, "lost", json_integer((json_int_t)r->lost));
	json_object_set_new(tr, "workload", json_string(r->workload));
	json_object_set_new(tr, "tlb_flush_records",
			    json_integer((json_int_t)r->tlb_flush_records));
	json_object_set_new(root, "trace", tr);
	if (r->has_live) {
		json_t *l = json_object();

		json_object_set_new(l, "ttu_calls",
				    json_integer((json_int_t)
						 r->live_ttu_calls));
		for (i = 0; i < RL_NR; i++) {
			if (i == RL_RET || !live_compared(r, i))
				continue;
			json_object_set_new(l, live_names[i],
					    json_integer((json_int_t)
							 r->live[i]));
		}
		json_object_set_new(root, "live", l);
	}
	for (i = 0; i < r->nr_results; i++)
		if (!r->results[i].hidden)
			json_array_append_new(res,
					      result_json(&r->results[i]));
	json_object_set_new(root, "results", res);
	for (i = 0; i < r->nr_warnings; i++)
		json_array_append_new(w, json_string(r->warnings[i]));
	json_object_set_new(root, "warnings", w);
	if (check)
		json_object_set_new(root, "check", check_json(r));
	err = json_dumpf(root, f, JSON_SORT_KEYS | JSON_INDENT(2));
	fputc('\n', f);
	json_decref(root);
	return err;
}

/* ---- CSV: one row per number, long format ---- */

/* RFC 4180: quote a field holding a comma, quote or newline */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_row(FILE *f, const struct report *r,
		    const struct report_result *res, const char *scope,
		    const char *key, const char *counter, uint64_t v)
{
	csv_str(f, r->file);
	fprintf(f, ",%s,%s,%s,%s,%s,%llu\n", res->pol.name,
		arch_name(res->pol.arch), scope, key, counter,
		(unsigned long long)v);
}

static void csv_group(FILE *f, const struct report *r,
		      const struct report_result *res, const char *scope,
		      const char *key, const struct report_group *g)
{
	int i;

	csv_row(f, r, res, scope, key, "folios", g->folios);
	for (i = 0; i < MC_NR; i++)
		if (i != MC_TLBI || res->pol.arch == MODEL_ARM64)
			csv_row(f, r, res, scope, key, model_counter_name(i),
				g->n.c[i]);
}

void report_csv(const struct report *r, FILE *f, bool header)
{
	char key[16];
	int i, k;

	if (header)
		fprintf(f, "file,policy,arch,scope,key,counter,value\n");
	for (i = 0; i < r->nr_results; i++) {
		const struct report_result *res = &r->results[i];

		if (res->hidden)
			continue;
		csv_group(f, r, res, "total", "", &res->total);
		for (k = 0; k < MA_NR; k++)
			csv_row(f, r, res, "atomics", "", model_atomic_name(k),
				res->total.n.atomics[k]);
		for (k = 0; k < MT_NR; k++)
			csv_row(f, r, res, "tlb_flushes", "",
				model_tlb_name(k), res->total.n.tlb[k]);
		for (k = 0; k < MB_NR; k++)
			csv_row(f, r, res, "barriers", "",
				model_barrier_name(k),
				res->total.n.barriers[k]);
		for (k = 0; k < UMT_KIND_NR; k++)
			if (res->by_kind[k].folios)
				csv_group(f, r, res, "kind", umt_kind_name(k),
					  &res->by_kind[k]);
		for (k = 0; k < REPORT_SIZES; k++) {
			if (!res->by_size[k].folios)
				continue;
			snprintf(key, sizeof(key), "%u", 1u << k);
			csv_group(f, r, res, "size", key, &res->by_size[k]);
		}
		for (k = 0; k < MODEL_HIST_BUCKETS; k++) {
			if (!res->total.n.batch_hist[k])
				continue;
			snprintf(key, sizeof(key), "%u", 1u << k);
			csv_row(f, r, res, "batch_len", key, "count",
				res->total.n.batch_hist[k]);
		}
	}
	if (!r->has_live)
		return;
	/* what the recording kernel did, as the JSON "live" object */
	for (i = -1; i < RL_NR; i++) {
		if (i >= 0 && (i == RL_RET || !live_compared(r, i)))
			continue;
		csv_str(f, r->file);
		fprintf(f, ",live,%s,live,,%s,%llu\n",
			trace_is_x86(r) ? "x86" : "arm64",
			i < 0 ? "ttu_calls" : live_names[i],
			(unsigned long long)(i < 0 ? r->live_ttu_calls :
					     r->live[i]));
	}
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

	snprintf(r->kernel, sizeof(r->kernel), "%s", rel ? rel : "");
	snprintf(r->arch, sizeof(r->arch), "%s",
		 arch ? arch : raw ? raw : "");
	snprintf(r->workload, sizeof(r->workload), "%s", w ? w : "");
	set_mapcount_config(r, m);
	set_kernel_facts(r, m);
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

int report_feed(struct report *r, struct umt_reader *rd, bool *damaged)
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
		const struct umt_ttu *t;

		if (rec.short_payload)
			r->short_payloads++;
		switch (rec.type) {
		case UMT_REC_TTU:
			t = load_ttu(&buf, &rec, &truncated);
			if (!t) {
				rc = -ENOMEM;
				goto out;
			}
			report_add_ttu(r, t, rec.seq);
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

		*damaged = true;
		for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save))
			report_warn(r, "trace: %s", line);
		free(copy);
	}
	report_finish(r);
	return rc < 0 ? rc : 0;
}
