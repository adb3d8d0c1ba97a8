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

/* The results the tables show: asked for, and not folded */
static int visible(const struct report *r, int *idx)
{
	int i, n = 0;

	for (i = 0; i < r->nr_results && n < 64; i++)
		if (!r->results[i].hidden && !r->results[i].folded)
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
	if (r->raced)
		fprintf(f, "  not compared: %llu call(s) whose walk found none "
			"of the PTEs their entry\n  snapshot holds (unmapped "
			"concurrently between the two)\n",
			(unsigned long long)r->raced);
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

/* @prefix and @text, broken at spaces to stay within 79 columns */
static void print_wrapped(FILE *f, const char *prefix, const char *text)
{
	size_t col = strlen(prefix);
	const char *p = text;

	fputs(prefix, f);
	while (*p) {
		size_t w = strcspn(p, " ");

		if (p != text) {
			if (col + 1 + w > 79) {
				fputs("\n ", f);
				col = 1;
			}
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, p);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* The results are modelled on an arch the trace was not recorded on */
static bool live_arch_differs(const struct report *r, int i)
{
	return (r->results[i].pol.arch == MODEL_ARM64) ==
	       report_trace_is_x86(r);
}

#define LABEL_W		31

/*
 * The headline rows of one arch: the first of @idx is the baseline
 * (absolute counts), the others a % change against it, "kernel" checked
 * against the live counts when it runs on the trace's arch.
 */
static void block_rows(const struct report *r, FILE *f, const int *idx,
		       int n)
{
	static const int x86k[] = { MC_PTEP_GET, MC_ATOMICS, MC_BARRIERS,
		MC_TLB_FLUSHES, MC_RMAP_CALLS };
	static const int armk[] = { MC_PTE_READS, MC_ATOMICS, MC_BARRIERS,
		MC_TLBI, MC_RMAP_CALLS };
	static const char *const x86n[] = { "ptep_get", "atomics",
		"barriers", "flushes", "rmap" };
	static const char *const armn[] = { "PTE loads", "atomics",
		"barriers", "TLBIs", "rmap" };
	const struct report_result *b = &r->results[idx[0]];
	bool arm64 = b->pol.arch == MODEL_ARM64;
	bool predicted = live_arch_differs(r, idx[0]);
	const int *keys = arm64 ? armk : x86k;
	const char *const *names = arm64 ? armn : x86n;
	char label[96], p[16];
	int i, k;

	snprintf(label, sizeof(label), "%s (%s)", model_arch_name(b->pol.arch),
		 predicted ? "predicted" : "recorded");
	fprintf(f, "%-*s", LABEL_W + 2, label);
	for (k = 0; k < 5; k++)
		fprintf(f, " %8s", names[k]);
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		const struct report_result *res = &r->results[idx[i]];

		if (!strcmp(res->pol.name, "kernel")) {
			size_t l = strspn(res->pol.release, "0123456789.");

			/* the model of the recording kernel, proven by live */
			snprintf(label, sizeof(label), "kernel %.*s%s",
				 (int)l, res->pol.release, predicted ? "" :
				 idx[i] != r->check_idx || !r->has_live ?
				 " (no live counts)" : report_check_failed(r) ?
				 " (!= live, see --check)" : " (= live)");
		} else {
			report_policy_label(&res->pol, label, sizeof(label));
		}
		fprintf(f, "  %-*.*s", LABEL_W, LABEL_W, label);
		for (k = 0; k < 5; k++) {
			uint64_t v = res->total.n.c[keys[k]];

			if (!i) {
				fprintf(f, " %8llu", (unsigned long long)v);
				continue;
			}
			pct(p, sizeof(p), v, b->total.n.c[keys[k]]);
			fprintf(f, " %8s", *p ? p : "0");
		}
		fputc('\n', f);
	}
	if (predicted && r->has_live)
		fprintf(f, "  live counts are from %s; %s is predicted\n",
			report_trace_is_x86(r) ? "x86" : "arm64",
			model_arch_name(b->pol.arch));
}

/* "no change for this trace: A, B, C", wrapped */
static void folded_line(const struct report *r, FILE *f)
{
	char label[96];
	size_t col = 0, l;
	int i, nf = 0;

	for (i = 0; i < r->nr_results; i++) {
		if (!r->results[i].folded)
			continue;
		report_policy_label(&r->results[i].pol, label, sizeof(label));
		l = strlen(label);
		if (!nf++) {
			fputs("  no change for this trace:", f);
			col = 27;
		} else {
			fputc(',', f);
			col++;
		}
		if (col + 1 + l > 79) {
			fputs("\n   ", f);
			col = 3;
		}
		fprintf(f, " %s", label);
		col += 1 + l;
	}
	if (nf)
		fputc('\n', f);
}

/*
 * The first block: what batching buys for this trace, on the arch of the
 * tables and, without --arch, on the other one (other_arch results, in
 * the same order); then what changes nothing here, on one line.
 */
static void first_block(const struct report *r, FILE *f, const int *idx,
			int n)
{
	int other[64], no = 0, i, j;
	char label[96];

	report_policy_label(&r->results[idx[0]].pol, label, sizeof(label));
	fprintf(f, "what batching buys here, against %s:\n", label);
	block_rows(r, f, idx, n);
	for (i = 0; i < n; i++)
		for (j = 0; j < r->nr_results && no < 64; j++)
			if (r->results[j].other_arch &&
			    !strcmp(r->results[j].pol.name,
				    r->results[idx[i]].pol.name))
				other[no++] = j;
	if (no)
		block_rows(r, f, other, no);
	folded_line(r, f);
	fputc('\n', f);
}

/*
 * From 6.15 try_to_unmap_one() flushes with flush_tlb_range() even for
 * one PTE, where 6.14 used flush_tlb_page(): "page -100%, range new" is
 * the same flush under another name.
 */
static void flush_kind_note(const struct report *r, FILE *f, const int *idx,
			    int n)
{
	const struct model_counts *b = &r->results[idx[0]].total.n;
	int i;

	if (r->results[idx[0]].pol.arch != MODEL_X86 || !b->tlb[MT_PAGE])
		return;
	for (i = 1; i < n; i++) {
		const struct model_counts *c = &r->results[idx[i]].total.n;

		if (r->results[idx[i]].pol.gen > GEN_FOLIO_RMAP &&
		    c->tlb[MT_RANGE] && !c->tlb[MT_PAGE]) {
			fprintf(f, "  (from 6.15 try_to_unmap_one() flushes "
				"with flush_tlb_range() even for one\n  PTE, "
				"where 6.14 used flush_tlb_page(): page -> "
				"range is a rename)\n\n");
			return;
		}
	}
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
	char label[96];

	fprintf(f, "unmaptrace replay: %s\n", r->file);
	fprintf(f, "kernel %s (%s)%s%s\n", *r->kernel ? r->kernel : "?",
		*r->arch ? r->arch : "?", *r->workload ? ", workload " : "",
		r->workload);
	fprintf(f, "%llu calls, %llu flush records, %llu lost\n",
		(unsigned long long)r->events,
		(unsigned long long)r->tlb_flush_records,
		(unsigned long long)r->lost);
	/* how much was lost and where, before any number (damage.h) */
	if (umt_damage_level(&r->damage) != UMT_DMG_NONE) {
		char sum[640], head[32];

		snprintf(head, sizeof(head), "%s: ",
			 umt_damage_level(&r->damage) == UMT_DMG_EMPTY ?
			 "EMPTY" : umt_damage_level(&r->damage) ==
			 UMT_DMG_LOSSY ? "LOSSY" : "DAMAGED");
		print_wrapped(f, head, umt_damage_summary(&r->damage, sum,
							  sizeof(sum)));
	}
	if (r->filter && r->filter->on)
		fprintf(f, "filter: %s (%llu of %llu calls)\n",
			umt_filter_str(r->filter, label, sizeof(label)),
			(unsigned long long)r->filter->ttu_kept,
			(unsigned long long)r->filter->ttu_seen);
	for (i = 0; i < n; i++) {
		const struct model_policy *p = &r->results[idx[i]].pol;

		report_policy_label(p, label, sizeof(label));
		fprintf(f, "  %-14s %s\n", p->name, label);
		print_facts(f, p->facts);
	}
	fputc('\n', f);
	if (!n)
		return;
	first_block(r, f, idx, n);
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
	flush_kind_note(r, f, idx, n);
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
	/* format 1.2: the calls by reclaim path, like the folio kinds */
	for (i = 1; i < UMT_PATH_NR && r->has_paths; i++) {
		if (!r->results[idx[0]].by_path[i].folios)
			continue;
		for (k = 0; k < r->nr_results && k < 64; k++)
			g[k] = &r->results[k].by_path[i];
		snprintf(label, sizeof(label), "path %s: %llu calls",
			 umt_reclaim_path_name(i),
			 (unsigned long long)g[idx[0]]->folios);
		table(r, f, label, g, get_c, keys, names, 4, false);
	}
	for (i = 0; i < n; i++) {
		const struct report_result *res = &r->results[idx[i]];

		fprintf(f, "batch lengths, %s (%s):\n", res->pol.name,
			model_arch_name(res->pol.arch));
		hist(f, "pages", res->total.n.batch_hist);
		fputc('\n', f);
	}
	/* never the live counts of one arch under another's columns */
	if (r->has_live && !live_arch_differs(r, idx[0])) {
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
		print_wrapped(f, "warning: ", r->warnings[i]);
	if (check) {
		if (r->nr_warnings)
			fputc('\n', f);
		report_check_text(r, f);
	}
}
