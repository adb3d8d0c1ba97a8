// SPDX-License-Identifier: GPL-2.0
/*
 * The diff engine's renderers: text (79 columns), Markdown (PR comments,
 * step summaries) and JSON rows with a verdict (docs/ci.md).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"

static void fmt_value(char *buf, size_t len, const struct metric *m)
{
	if (!m)
		snprintf(buf, len, "-");
	else if (json_is_integer(m->json))
		snprintf(buf, len, "%lld",
			 (long long)json_integer_value(m->json));
	else
		snprintf(buf, len, "%.6g", (double)m->v);
}

static void fmt_delta(char *buf, size_t len, const struct row *r)
{
	if (!r->b || !r->n)
		snprintf(buf, len, "-");
	else if (json_is_integer(r->b->json) && json_is_integer(r->n->json))
		snprintf(buf, len, "%+lld", (long long)(r->n->v - r->b->v));
	else
		snprintf(buf, len, "%+.6g", (double)(r->n->v - r->b->v));
}

static void fmt_pct(char *buf, size_t len, const struct row *r)
{
	long double pct;

	if (!r->b || !r->n) {
		snprintf(buf, len, "-");
		return;
	}
	if (r->b->v == r->n->v) {
		snprintf(buf, len, "0%%");
		return;
	}
	if (r->b->v == 0) {
		snprintf(buf, len, "new");
		return;
	}
	pct = (r->n->v - r->b->v) * 100 / r->b->v;
	if (pct > -0.1 && pct < 0.1)
		snprintf(buf, len, "%s<0.1%%", pct > 0 ? "+" : "-");
	else
		snprintf(buf, len, "%+.1Lf%%", pct);
}

static const char *status_word(const struct row *r, bool loud)
{
	if (r->st == UMT_REGRESSED && loud)
		return "REGRESSED";
	return umt_status_name(r->st);
}

static bool shown(const struct row *r, const struct compare_opts *o)
{
	return o->all || r->st != UMT_OK || r->b->v != r->n->v;
}

static const char *verdict_word(int exit)
{
	switch (exit) {
	case DIFF_OK:		return "ok";
	case DIFF_REGRESSION:		return "regressed";
	case DIFF_DAMAGED:	return "damaged";
	default:		return "incomparable";
	}
}

#define TEXT_WIDTH	79

static void verdict_line(FILE *f, const struct cmp *c)
{
	if (c->incomparable) {
		fprintf(f, "incomparable: %s", c->incomparable);
		return;
	}
	fprintf(f, "%s: %u regressed, %u improved, %u grew within "
		"thresholds, %u unchanged", c->exit == DIFF_REGRESSION ? "FAIL" :
		c->exit == DIFF_OK ? "ok" : "incomparable",
		c->nr[UMT_REGRESSED], c->nr[UMT_IMPROVED],
		c->nr[UMT_OK] - c->unchanged, c->unchanged);
	if (c->nr[UMT_MISSING])
		fprintf(f, ", %u missing", c->nr[UMT_MISSING]);
	/* --allow-damaged: the verdict is only as good as its inputs */
	if (c->base->damaged)
		fprintf(f, "; base DAMAGED (%s)", c->base->damage);
	if (c->new->damaged)
		fprintf(f, "; new DAMAGED (%s)", c->new->damage);
}

/*
 * "compared: live, kernel (different kernels: ...)"; when that is wider
 * than 79 columns the detail after the first ": " gets a line of its own.
 */
static void compared_line(const struct cmp *c)
{
	const char *d = strstr(c->mode_why, ": ");
	size_t l = strlen("compared: ") + strlen(c->pairs) + 3 +
		   strlen(c->mode_why);

	if (!c->mode || !strcmp(c->mode, "none"))
		return;
	if (l <= TEXT_WIDTH || !d)
		printf("compared: %s (%s)\n", c->pairs, c->mode_why);
	else
		printf("compared: %s (%.*s)\n  %s\n", c->pairs,
		       (int)(d - c->mode_why), c->mode_why, d + 2);
}


/* What was replayed: a diff of different workloads is rarely meant */
static void trace_desc(const struct input *in, char *buf, size_t len)
{
	json_t *t = json_object_get(in->root, "trace");
	const char *w = json_string_value(json_object_get(t, "workload"));
	const char *k = json_string_value(json_object_get(t, "kernel"));
	json_int_t lost = compare_trace_lost(in);

	snprintf(buf, len, "%s%s%s%s%s", w && *w ? w : "",
		 w && *w && k && *k ? ", " : "", k && *k ? k : "",
		 lost > 0 ? ", LOST EVENTS" : "",
		 in->damaged ? ", DAMAGED" : "");
}

static void print_side(const char *mark, const struct input *in)
{
	char desc[160];

	trace_desc(in, desc, sizeof(desc));
	if (!*desc)
		printf("%s %s\n", mark, in->path);
	else if (strlen(mark) + strlen(in->path) + strlen(desc) + 4 <=
		 TEXT_WIDTH)
		printf("%s %s (%s)\n", mark, in->path, desc);
	else
		printf("%s %s\n    (%s)\n", mark, in->path, desc);
}

void compare_print_text(const struct cmp *c,
			const struct compare_opts *o)
{
	char bv[32], nv[32], dv[32], pv[32];
	int wb = 4, wn = 3, wd = 5, wp = 4, wm = 6, ws = 9, room;
	const struct result *cur = NULL;
	size_t i, hidden = 0;

	print_side("---", c->base);
	print_side("+++", c->new);
	compared_line(c);
	for (i = 0; i < c->n; i++) {
		const struct row *r = &c->rows[i];
		int l;

		if (r->st != UMT_MISSING && !shown(r, o))
			continue;
		fmt_value(bv, sizeof(bv), r->b);
		fmt_value(nv, sizeof(nv), r->n);
		fmt_delta(dv, sizeof(dv), r);
		fmt_pct(pv, sizeof(pv), r);
		wb = (l = strlen(bv)) > wb ? l : wb;
		wn = (l = strlen(nv)) > wn ? l : wn;
		wd = (l = strlen(dv)) > wd ? l : wd;
		wp = (l = strlen(pv)) > wp ? l : wp;
		l = r->metric ? strlen(r->metric) : 16;
		wm = l > wm ? l : wm;
	}
	/* long names get a line of their own rather than a wide table */
	room = TEXT_WIDTH - 2 - (wb + wn + wd + wp + ws + 6);
	if (wm > room)
		wm = room < 16 ? 16 : room;

	for (i = 0; i < c->n; i++) {
		const struct row *r = &c->rows[i];
		const char *name = r->metric ? r->metric : "(whole result)";

		if (r->st != UMT_MISSING && !shown(r, o)) {
			hidden++;
			continue;
		}
		if (r->res != cur && (!cur || strcmp(cur->policy,
			r->res->policy) || strcmp(cur->arch, r->res->arch))) {
			cur = r->res;
			printf("\npolicy %s, arch %s\n  %-*s %*s %*s %*s %*s  "
			       "%s\n", cur->policy, cur->arch, wm, "metric",
			       wb, "base", wn, "new", wd, "delta", wp, "%",
			       "status");
		}
		fmt_value(bv, sizeof(bv), r->b);
		fmt_value(nv, sizeof(nv), r->n);
		fmt_delta(dv, sizeof(dv), r);
		fmt_pct(pv, sizeof(pv), r);
		if ((int)strlen(name) > wm)
			printf("  %s\n  %-*s", name, wm, "");
		else
			printf("  %-*s", wm, name);
		printf(" %*s %*s %*s %*s  %s\n", wb, bv, wn, nv, wd, dv, wp,
		       pv, status_word(r, true));
	}
	if (hidden)
		printf("  (%zu unchanged not shown; --all shows them)\n",
		       hidden);
	if (c->nr[UMT_REGRESSED]) {
		printf("\nregressions:\n");
		for (i = 0; i < c->n; i++) {
			const struct row *r = &c->rows[i];
			int l;

			if (r->st != UMT_REGRESSED)
				continue;
			fmt_delta(dv, sizeof(dv), r);
			fmt_pct(pv, sizeof(pv), r);
			l = snprintf(NULL, 0, "  %s/%s %s %s (%s) breaks rule "
				     "'%s'", r->res->policy, r->res->arch,
				     r->metric, dv, pv, r->why->text);
			printf("  %s/%s %s %s (%s)%sbreaks rule '%s'\n",
			       r->res->policy, r->res->arch, r->metric, dv, pv,
			       l > TEXT_WIDTH ? "\n    " : " ", r->why->text);
		}
	}
	printf("\n");
	verdict_line(stdout, c);
	printf("\n");
}

static void md_escape(const char *s)
{
	for (; *s; s++) {
		if (strchr("|`\\*_<>[]", *s))
			putchar('\\');
		putchar(*s);
	}
}

/* A code span; inside a table only '|' still needs its backslash. */
static void md_code(const char *s)
{
	if (strchr(s, '`')) {
		md_escape(s);
		return;
	}
	putchar('`');
	for (; *s; s++) {
		if (*s == '|')
			putchar('\\');
		putchar(*s);
	}
	putchar('`');
}

static void md_row(const struct row *r)
{
	char bv[32], nv[32], dv[32], pv[32];

	fmt_value(bv, sizeof(bv), r->b);
	fmt_value(nv, sizeof(nv), r->n);
	fmt_delta(dv, sizeof(dv), r);
	fmt_pct(pv, sizeof(pv), r);
	printf("| ");
	md_escape(r->res->policy);
	printf(" | ");
	md_escape(r->res->arch);
	printf(" | ");
	if (r->metric)
		md_code(r->metric);
	else
		printf("(whole result)");
	printf(" | %s | %s | %s | %s | ", bv, nv, dv, pv);
	if (r->st == UMT_REGRESSED) {
		printf("**regressed** (rule ");
		md_code(r->why->text);
		printf(")");
	} else {
		printf("%s", status_word(r, false));
	}
	printf(" |\n");
}

/*
 * Markdown puts regressions first, then one-sided rows, then the other
 * changed counters; breakdown rows that did not regress go into a folded
 * block so that a pull-request comment stays readable.
 */
enum md_class { MD_REGRESSED, MD_MISSING, MD_CHANGED, MD_DETAIL, MD_NR };

static enum md_class md_class(const struct row *r)
{
	if (r->st == UMT_REGRESSED)
		return MD_REGRESSED;
	if (r->st == UMT_MISSING)
		return MD_MISSING;
	return strncmp(r->metric, "breakdown.", 10) ? MD_CHANGED : MD_DETAIL;
}

static size_t md_table(const struct cmp *c, const struct compare_opts *o,
		       enum md_class from, enum md_class to, bool print)
{
	size_t i, rows = 0;
	int k;

	for (k = from; k <= (int)to; k++) {
		for (i = 0; i < c->n; i++) {
			const struct row *r = &c->rows[i];

			if (md_class(r) != (enum md_class)k ||
			    (r->st != UMT_MISSING && !shown(r, o)))
				continue;
			if (!rows++ && print)
				printf("| policy | arch | metric | base | new "
				       "| delta | %% | status |\n"
				       "| :-- | :-- | :-- | --: | --: | --: "
				       "| --: | :-- |\n");
			if (print)
				md_row(r);
		}
	}
	return rows;
}

static void md_lost(const struct input *in)
{
	if (compare_trace_lost(in) <= 0)
		return;
	printf("> **warning**: the trace of ");
	md_code(in->path);
	printf(" lost %lld events: its counts are low.\n\n",
	       (long long)compare_trace_lost(in));
}

void compare_print_markdown(const struct cmp *c,
			    const struct compare_opts *o)
{
	size_t main_rows, detail_rows;

	printf("**unmaptrace diff: ");
	verdict_line(stdout, c);
	printf("** (");
	md_code(c->base->path);
	printf(" -> ");
	md_code(c->new->path);
	printf(")\n\n");
	if (c->mode && strcmp(c->mode, "none")) {
		printf("Compared: ");
		md_escape(c->pairs);
		printf(" (");
		md_escape(c->mode_why);
		printf(").\n\n");
	}
	md_lost(c->base);
	md_lost(c->new);
	main_rows = md_table(c, o, MD_REGRESSED, MD_CHANGED, true);
	detail_rows = md_table(c, o, MD_DETAIL, MD_DETAIL, false);
	if (detail_rows) {
		printf("\n<details><summary>%zu breakdown row%s</summary>"
		       "\n\n", detail_rows, detail_rows == 1 ? "" : "s");
		md_table(c, o, MD_DETAIL, MD_DETAIL, true);
		printf("\n</details>\n");
	}
	if (!main_rows && !detail_rows && !c->incomparable)
		printf("No counter changed.\n");
	printf("\n");
}

static json_t *row_json(const struct cmp *c, const struct row *r)
{
	json_t *o = json_object(), *ratio = json_null(), *delta = json_null();

	if (!o)
		compare_die_oom();
	if (r->b && r->n) {
		json_int_t d;

		if (json_is_integer(r->b->json) &&
		    json_is_integer(r->n->json) &&
		    !__builtin_sub_overflow(json_integer_value(r->n->json),
					    json_integer_value(r->b->json), &d))
			delta = json_integer(d);
		else
			delta = json_real((double)(r->n->v - r->b->v));
		if (r->b->v != 0)
			ratio = json_real((double)(r->n->v / r->b->v));
	}
	json_object_set_new(o, "file", json_string(c->new->path));
	json_object_set_new(o, "policy", json_string(r->res->policy));
	json_object_set_new(o, "arch", json_string(r->res->arch));
	json_object_set_new(o, "metric",
			    r->metric ? json_string(r->metric) : json_null());
	json_object_set(o, "base", r->b ? r->b->json : json_null());
	json_object_set(o, "new", r->n ? r->n->json : json_null());
	json_object_set_new(o, "delta", delta);
	json_object_set_new(o, "ratio", ratio);
	json_object_set_new(o, "status", json_string(umt_status_name(r->st)));
	json_object_set_new(o, "base_policy", json_string(r->res->bpol ?
			    r->res->bpol : r->res->policy));
	json_object_set_new(o, "new_policy", json_string(r->res->npol ?
			    r->res->npol : r->res->policy));
	if (r->rule)
		json_object_set_new(o, "rule", json_string(r->rule->text));
	return o;
}

/*
 * One unmaptrace-diff/1 object per NEW, each on one line (JSON Lines), so
 * that several NEW files give a stream every JSON Lines reader takes.
 */
void compare_print_json(const struct cmp *c, const struct compare_opts *o)
{
	json_t *top = json_object(), *rows = json_array(), *files;
	json_t *rules = json_array(), *v = json_object(), *f, *cmpd;
	size_t i;
	int s;

	files = json_array();
	f = json_object();
	cmpd = json_object();
	if (!top || !rows || !rules || !v || !files || !f || !cmpd)
		compare_die_oom();
	for (i = 0; i < c->n; i++)
		json_array_append_new(rows, row_json(c, &c->rows[i]));
	json_object_set_new(f, "file", json_string(c->new->path));
	json_object_set_new(f, "status",
			    json_string(verdict_word(c->exit_inputs)));
	json_object_set_new(f, "base_lost",
			    json_integer(compare_trace_lost(c->base)));
	json_object_set_new(f, "new_lost",
			    json_integer(compare_trace_lost(c->new)));
	json_object_set_new(f, "base_damaged", json_boolean(c->base->damaged));
	json_object_set_new(f, "new_damaged", json_boolean(c->new->damaged));
	if (c->incomparable)
		json_object_set_new(f, "reason", json_string(c->incomparable));
	json_array_append_new(files, f);
	for (i = 0; i < o->rules.n; i++)
		json_array_append_new(rules, json_string(o->rules.v[i].text));
	json_object_set_new(v, "status",
			    json_string(verdict_word(c->exit_inputs)));
	json_object_set_new(v, "exit_code",
			    json_integer(compare_exit_status(c->exit_inputs)));
	for (s = 0; s <= UMT_MISSING; s++)
		json_object_set_new(v, umt_status_name(s),
				    json_integer(c->nr[s]));
	json_object_set_new(v, "unchanged", json_integer(c->unchanged));
	json_object_set_new(v, "files", files);
	json_object_set_new(cmpd, "mode", json_string(c->mode ? c->mode :
						      "none"));
	json_object_set_new(cmpd, "pairs", json_string(c->pairs));
	json_object_set_new(cmpd, "why", json_string(c->mode_why));
	json_object_set_new(top, "schema", json_string("unmaptrace-diff/1"));
	json_object_set_new(top, "base", json_string(c->base->path));
	json_object_set_new(top, "compared", cmpd);
	json_object_set_new(top, "rules", rules);
	json_object_set_new(top, "rows", rows);
	json_object_set_new(top, "verdict", v);
	json_dumpf(top, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
	putchar('\n');
	json_decref(top);
}
