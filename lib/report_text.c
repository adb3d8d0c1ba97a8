// SPDX-License-Identifier: GPL-2.0
/*
 * The replay report as text: one table per group, side by side per
 * policy with % change vs the first, under 80 columns; and the --check
 * verdict of the "kernel" policy against the live counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

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
		if (!report_live_compared(r, i)) {
			fprintf(f, "  %-20s %14s %14s  (not recorded on this "
				"arch/trace)\n", report_live_names[i], "-", "-");
			continue;
		}
		fprintf(f, "  %-20s %14llu %14llu  %llu%s\n", report_live_names[i],
			(unsigned long long)(r->live[i] - r->live_excluded[i]),
			(unsigned long long)r->model[i],
			(unsigned long long)r->call_mismatches[i],
			r->live[i] - r->live_excluded[i] == r->model[i] ?
			"" : "  MISMATCH");
	}
	if (r->unfold_hooked)
		fprintf(f, "  (arm64: tlb_flushes are contpte_convert() "
			"calls, one __flush_tlb_range() per\n  unfold; the "
			"inline TLBIs are for the QEMU plugin, tests/vm/"
			"plugin)\n");
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

/* Long (~110 lines): the report's sections in reading order */
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

		fprintf(f, "  %-12s %-6s %s%s\n", p->name, model_arch_name(p->arch),
			model_gen_range(p->gen), p->skip ? " + skip" : "");
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
			model_arch_name(res->pol.arch));
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
