// SPDX-License-Identifier: GPL-2.0
/*
 * The replay report as JSON (docs/REPORT.md, schema REPORT_SCHEMA) and as
 * CSV, one number a row.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

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
	json_t *bs = json_object(), *hs = json_array(), *bp;
	char key[16], label[96];
	int i;

	json_object_set_new(o, "policy", json_string(res->pol.name));
	report_policy_label(&res->pol, label, sizeof(label));
	json_object_set_new(o, "label", json_string(label));
	json_object_set_new(o, "arch", json_string(model_arch_name(res->pol.arch)));
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
	/* format 1.2 traces only: calls by reclaim path */
	bp = NULL;
	for (i = 1; i < UMT_PATH_NR; i++) {
		if (!res->by_path[i].folios)
			continue;
		if (!bp)
			bp = json_object();
		json_object_set_new(bp, umt_reclaim_path_name(i),
				    group_json(&res->by_path[i], arm64));
	}
	if (bp)
		json_object_set_new(bd, "by_path", bp);
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

		if (!report_live_compared(r, i))
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
		json_object_set_new(c, report_live_names[i], e);
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
	json_object_set_new(o, "calls_raced",
			    json_integer((json_int_t)r->raced));
	json_object_set_new(o, "deferral_differs",
			    json_integer((json_int_t)r->defer_differs));
	json_object_set_new(o, "deferral_unknown_calls",
			    json_integer((json_int_t)r->defer_ambiguous));
	json_object_set_new(o, "deferral_unknown_flush_records",
			    json_integer((json_int_t)r->flush_ambiguous));
	json_object_set_new(o, "ok", json_boolean(!report_check_failed(r)));
	return o;
}

/* The live counters of @v that the trace recorded, into @o */
static void live_counts_json(const struct report *r, json_t *o,
			     const uint64_t *v)
{
	int i;

	for (i = 0; i < RL_NR; i++)
		if (report_live_compared(r, i))
			json_object_set_new(o, report_live_names[i],
					    json_integer((json_int_t)v[i]));
}

static json_t *live_group_json(const struct report *r,
			       const struct report_live_group *g)
{
	json_t *o = json_object();

	json_object_set_new(o, "folios", json_integer((json_int_t)g->folios));
	live_counts_json(r, o, g->v);
	return o;
}

/*
 * What the recording kernel did, as a result diff compares like the
 * model's (policy "live"): the totals, and by folio kind and size.
 */
static json_t *live_json(const struct report *r)
{
	json_t *l = json_object(), *bd = json_object();
	json_t *bk = json_object(), *bs = json_object();
	char key[16];
	int i;

	json_object_set_new(l, "arch", json_string(report_trace_is_x86(r) ?
						   "x86" : "arm64"));
	json_object_set_new(l, "ttu_calls",
			    json_integer((json_int_t)r->live_ttu_calls));
	live_counts_json(r, l, r->live);
	for (i = 0; i < UMT_KIND_NR; i++)
		if (r->live_by_kind[i].folios)
			json_object_set_new(bk, umt_kind_name(i),
					    live_group_json(r,
						&r->live_by_kind[i]));
	for (i = 0; i < REPORT_SIZES; i++) {
		if (!r->live_by_size[i].folios)
			continue;
		snprintf(key, sizeof(key), "%u", 1u << i);
		json_object_set_new(bs, key, live_group_json(r,
						&r->live_by_size[i]));
	}
	json_object_set_new(bd, "by_kind", bk);
	json_object_set_new(bd, "by_size", bs);
	if (r->has_paths) {
		json_t *bp = json_object();

		for (i = 1; i < UMT_PATH_NR; i++)
			if (r->live_by_path[i].folios)
				json_object_set_new(bp,
					umt_reclaim_path_name(i),
					live_group_json(r,
						&r->live_by_path[i]));
		json_object_set_new(bd, "by_path", bp);
	}
	json_object_set_new(l, "breakdown", bd);
	return l;
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
	json_object_set_new(tr, "kernel_version",
			    json_string(r->kernel_version));
	json_object_set_new(tr, "kernel_label", json_string(r->kernel_label));
	json_object_set_new(tr, "arch", json_string(r->arch));
	json_object_set_new(tr, "events", json_integer((json_int_t)r->events));
	json_object_set_new(tr, "lost", json_integer((json_int_t)r->lost));
	json_object_set_new(tr, "workload", json_string(r->workload));
	json_object_set_new(tr, "tlb_flush_records",
			    json_integer((json_int_t)r->tlb_flush_records));
	if (r->filter && r->filter->on) {
		char what[256];
		json_t *fo = json_object();

		json_object_set_new(fo, "what", json_string(umt_filter_str(
					r->filter, what, sizeof(what))));
		json_object_set_new(fo, "calls_kept", json_integer(
					(json_int_t)r->filter->ttu_kept));
		json_object_set_new(fo, "calls_seen", json_integer(
					(json_int_t)r->filter->ttu_seen));
		json_object_set_new(tr, "filter", fo);
	}
	json_object_set_new(root, "trace", tr);
	/* absent when intact: diff judges a report by it (damage.h) */
	if (umt_damage_level(&r->damage) != UMT_DMG_NONE)
		json_object_set_new(root, "damaged",
				    umt_damage_json(&r->damage));
	if (r->has_live)
		json_object_set_new(root, "live", live_json(r));
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
		model_arch_name(res->pol.arch), scope, key, counter,
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
		for (k = 1; k < UMT_PATH_NR; k++)
			if (res->by_path[k].folios)
				csv_group(f, r, res, "path",
					  umt_reclaim_path_name(k),
					  &res->by_path[k]);
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
		if (i >= 0 && (i == RL_RET || !report_live_compared(r, i)))
			continue;
		csv_str(f, r->file);
		fprintf(f, ",live,%s,live,,%s,%llu\n",
			report_trace_is_x86(r) ? "x86" : "arm64",
			i < 0 ? "ttu_calls" : report_live_names[i],
			(unsigned long long)(i < 0 ? r->live_ttu_calls :
					     r->live[i]));
	}
}
