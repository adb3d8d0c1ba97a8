// SPDX-License-Identifier: GPL-2.0
/*
 * The diff engine: load replay reports (docs/REPORT.md) or replay traces,
 * compare them counter by counter and judge the rows with threshold rules
 * (lib/rules.h).  The renderers are compare_print.c.  Verdicts follow
 * diff(1): 0 within thresholds, 1 regression, 2 trouble, 3 not comparable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"
#include "model.h"
#include "replay.h"
#include "report.h"
#include "rules.h"
#include "umt.h"

#define SCHEMA_PREFIX	"unmaptrace-report/"
#define SCHEMA_MAJOR	1	/* the layout this file understands */

void compare_die_oom(void)
{
	fprintf(stderr, "unmaptrace diff: out of memory\n");
	exit(DIFF_TROUBLE);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		compare_die_oom();
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		compare_die_oom();
	return d;
}

void compare_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

/* Push copies of the comma-separated names of @list */
void compare_split_push(char ***v, size_t *n, const char *list)
{
	char *copy = xstrdup(list), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		compare_push(v, n, xstrdup(tok));
	free(copy);
}

/* Add @name to the replay list unless it is there or is "live" */
static void push_policy(char ***v, size_t *n, const char *name)
{
	size_t i;

	if (!strcmp(name, COMPARE_LIVE))
		return;
	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name))
			return;
	compare_push(v, n, xstrdup(name));
}

int compare_parse_pairs(struct compare_opts *o, const char *list, char *err,
			size_t len)
{
	char *copy = xstrdup(list), *save = NULL, *tok, *colon;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		colon = strchr(tok, ':');
		if (!colon || colon == tok || !colon[1] ||
		    strchr(colon + 1, ':')) {
			snprintf(err, len, "'%s' is not BASE_POLICY:NEW_POLICY "
				 "(e.g. none:kernel, live:live)", tok);
			free(copy);
			return -1;
		}
		*colon = '\0';
		o->pairs = xrealloc(o->pairs, (o->nr_pairs + 1) *
				    sizeof(*o->pairs));
		o->pairs[o->nr_pairs].b = xstrdup(tok);
		o->pairs[o->nr_pairs].n = xstrdup(colon + 1);
		o->nr_pairs++;
	}
	free(copy);
	return 0;
}

/* ---------------------------------------------------------------- input */

/* Read all of @f; a report is small, a trace never gets here. */
static char *slurp(FILE *f, const char *head, size_t nhead, size_t *len)
{
	size_t cap = 65536, n = nhead, got;
	char *buf = xrealloc(NULL, cap);

	memcpy(buf, head, nhead);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/*
 * Traces are replayed in-process through lib/replay.h's replay_trace(),
 * as `replay` does (the report_vs_trace test in tests/diff/run.sh
 * compares the two outputs).  The report is printed as JSON and parsed
 * back, so that a trace and a --json report take the same path below.
 */

/* Replay @path for one arch (NULL: the trace's) into JSON text */
static char *replay_json(const char *path, const struct compare_opts *o,
			 const char *arch_opt, size_t *len)
{
	struct replay_opts ro = {
		.who = "unmaptrace diff",
		.policy_who = o->nr_pairs ? "--pair: " : "--policy: ",
		.arch = arch_opt,
	};
	char **def = NULL, *out = NULL;
	struct report rep;
	size_t i, nr = 0;
	FILE *f;
	int rc;

	/* the policies of --policy and --pair, once each; live is given */
	for (i = 0; i < o->nr_policies; i++)
		push_policy(&def, &nr, o->policies[i]);
	for (i = 0; i < o->nr_pairs; i++) {
		push_policy(&def, &nr, o->pairs[i].b);
		push_policy(&def, &nr, o->pairs[i].n);
	}
	if (!o->nr_policies && !o->nr_pairs)
		compare_split_push(&def, &nr, REPLAY_DEFAULT_POLICIES);
	/* only live asked for: its counts come with any replay */
	if (!nr)
		compare_push(&def, &nr, xstrdup("none"));
	ro.policies = def;
	ro.nr_policies = nr;
	rc = replay_trace(path, &ro, &rep);
	if (rc == -ENOMEM)
		compare_die_oom();
	if (rc)
		goto out;
	f = open_memstream(&out, len);
	if (!f)
		compare_die_oom();
	if (report_json(&rep, f, false)) {
		fprintf(stderr, "unmaptrace diff: %s: replay produced no "
			"report\n", path);
		fclose(f);
		free(out);
		out = NULL;
	} else {
		fclose(f);
	}
	report_free(&rep);
out:
	for (i = 0; i < nr; i++)
		free(def[i]);
	free(def);
	return out;
}

static const struct result *sort_res;

static int by_name_cmp(const void *a, const void *b)
{
	return strcmp(sort_res->m[*(const size_t *)a].name,
		      sort_res->m[*(const size_t *)b].name);
}

/* Sort every result's counter names once: lookups are then logarithmic */
static void index_results(struct input *rep)
{
	size_t i, j;

	for (i = 0; i < rep->n; i++) {
		struct result *res = &rep->r[i];

		res->by_name = xrealloc(NULL, (res->n ? res->n : 1) *
					sizeof(*res->by_name));
		for (j = 0; j < res->n; j++)
			res->by_name[j] = j;
		sort_res = res;
		qsort(res->by_name, res->n, sizeof(*res->by_name),
		      by_name_cmp);
	}
}

static int bad(const struct input *rep, const char *fmt, const char *what)
{
	fprintf(stderr, "unmaptrace diff: %s: not a usable report: ",
		rep->path);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return -1;
}

static void add_metric(struct result *res, char *name, json_t *v)
{
	if (res->n == res->cap) {
		res->cap = res->cap ? 2 * res->cap : 32;
		res->m = xrealloc(res->m, res->cap * sizeof(*res->m));
	}
	res->m[res->n].name = name;
	res->m[res->n].json = v;
	res->m[res->n].v = json_is_integer(v) ?
		(long double)json_integer_value(v) :
		(long double)json_real_value(v);
	res->n++;
}

/* The numeric leaves of breakdown{}, as dotted names. */
static void flatten(struct result *res, const char *prefix, json_t *obj)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		char *name;

		if (asprintf(&name, "%s.%s", prefix, key) < 0)
			compare_die_oom();
		if (json_is_object(v)) {
			flatten(res, name, v);
			free(name);
		} else if (json_is_number(v)) {
			add_metric(res, name, v);
		} else {
			free(name);	/* strings, arrays: not counters */
		}
	}
}

static bool selected(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return !n;
}

/*
 * live{} (what the recording kernel did, docs/REPORT.md) is a result like
 * the model's: policy "live", on the trace's arch, its integers as counts
 * and its breakdown{} leaves by dotted name.
 */
static int parse_live(struct input *rep, const struct compare_opts *o)
{
	json_t *live = json_object_get(rep->root, "live"), *v;
	json_t *tr = json_object_get(rep->root, "trace");
	const char *arch, *key;
	struct result *res;

	if (!live)
		return 0;
	if (!json_is_object(live))
		return bad(rep, "%s", "\"live\" is not an object");
	arch = json_string_value(json_object_get(live, "arch"));
	if (!arch)	/* a report before live.arch: the trace's */
		arch = report_norm_arch(json_string_value(
			json_object_get(tr, "arch")));
	if (!arch)
		arch = "x86";
	if (!selected(o->policies, o->nr_policies, COMPARE_LIVE) ||
	    !selected(o->arches, o->nr_arches, arch))
		return 0;
	res = &rep->r[rep->n++];
	memset(res, 0, sizeof(*res));
	res->policy = COMPARE_LIVE;
	res->arch = arch;
	/* counts first, then the breakdown, as in a model result */
	json_object_foreach(live, key, v) {
		if (json_is_object(v) || json_is_string(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			fprintf(stderr, "unmaptrace diff: %s: live.%s is not "
				"a non-negative integer\n", rep->path, key);
			return -1;
		}
		add_metric(res, xstrdup(key), v);
	}
	v = json_object_get(live, "breakdown");
	if (json_is_object(v))
		flatten(res, "breakdown", v);
	return 0;
}

static int parse_results(struct input *rep, const struct compare_opts *o)
{
	json_t *results = json_object_get(rep->root, "results"), *e;
	size_t i, j;
	char where[64];

	if (!json_is_array(results))
		return bad(rep, "%s", "no \"results\" array");
	/* one more for live{} */
	rep->r = xrealloc(NULL, (json_array_size(results) + 1) *
			  sizeof(*rep->r));
	json_array_foreach(results, i, e) {
		json_t *pol = json_object_get(e, "policy");
		json_t *arch = json_object_get(e, "arch");
		json_t *counts = json_object_get(e, "counts");
		json_t *bd = json_object_get(e, "breakdown"), *v;
		struct result *res = &rep->r[rep->n];
		const char *key;

		snprintf(where, sizeof(where), "results[%zu]", i);
		if (!json_is_string(pol) || !json_is_string(arch) ||
		    !json_is_object(counts))
			return bad(rep, "%s needs string \"policy\" and "
				   "\"arch\" and a \"counts\" object", where);
		if (bd && !json_is_object(bd))
			return bad(rep, "%s.breakdown is not an object",
				   where);
		if (!selected(o->policies, o->nr_policies,
			      json_string_value(pol)) ||
		    !selected(o->arches, o->nr_arches,
			      json_string_value(arch)))
			continue;
		memset(res, 0, sizeof(*res));
		res->policy = json_string_value(pol);
		res->arch = json_string_value(arch);
		if (!strcmp(res->policy, COMPARE_LIVE))
			return bad(rep, "%s is called \"live\", the name of "
				   "the recorded counts", where);
		for (j = 0; j < rep->n; j++)
			if (!strcmp(rep->r[j].policy, res->policy) &&
			    !strcmp(rep->r[j].arch, res->arch))
				return bad(rep, "policy '%s' appears twice "
					   "for one arch", res->policy);
		rep->n++;
		json_object_foreach(counts, key, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 0) {
				fprintf(stderr, "unmaptrace diff: %s: %s.counts"
					".%s is not a non-negative integer\n",
					rep->path, where, key);
				return -1;
			}
			add_metric(res, xstrdup(key), v);
		}
		if (bd)
			flatten(res, "breakdown", bd);
	}
	return parse_live(rep, o);
}

json_int_t compare_trace_lost(const struct input *in)
{
	json_t *t = json_object_get(in->root, "trace");

	return json_integer_value(json_object_get(t, "lost"));
}

/* Parse report text; a truncation is positioned at the very end */
static json_t *parse_json(const char *path, const char *buf, size_t len)
{
	json_error_t err;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);

	if (!root)
		fprintf(stderr, "unmaptrace diff: %s: malformed JSON at line "
			"%d, column %d%s: %s\n", path, err.line, err.column,
			!len ? " (empty file)" : err.position >= (int)len ?
			" (truncated?)" : "", err.text);
	return root;
}

/*
 * Replay a trace once per --arch (once, for its own arch, without) and
 * gather the results into one report.
 */
static json_t *load_trace(const char *path, const struct compare_opts *o)
{
	json_t *root = NULL;
	size_t i, len;

	for (i = 0; i < (o->nr_arches ? o->nr_arches : 1); i++) {
		char *buf = replay_json(path, o, o->nr_arches ?
					o->arches[i] : NULL, &len);
		json_t *one;

		if (!buf) {
			json_decref(root);
			return NULL;
		}
		one = parse_json(path, buf, len);
		free(buf);
		if (!one) {
			json_decref(root);
			return NULL;
		}
		if (!root) {
			root = one;
			continue;
		}
		json_array_extend(json_object_get(root, "results"),
				  json_object_get(one, "results"));
		json_decref(one);
	}
	return root;
}

/*
 * Which kernel the trace comes from (its release, uname -v, the user's
 * --meta kernel= label), and whether the report can be judged: the one
 * damage policy (lib/damage.h) on its "damaged" object (an older
 * report's trace.lost) and its calls, a trace of no call passing any
 * gate.  A trace replayed here went through the same reader verdict.
 */
static void trace_identity(struct input *rep, const struct compare_opts *o)
{
	json_t *t = json_object_get(rep->root, "trace");
	struct umt_damage d;

	rep->kernel = json_string_value(json_object_get(t, "kernel"));
	rep->kversion = json_string_value(json_object_get(t,
						"kernel_version"));
	rep->klabel = json_string_value(json_object_get(t, "kernel_label"));
	umt_damage_from_report(&d, rep->root);
	if (umt_damage_level(&d) != UMT_DMG_NONE) {
		rep->damaged = true;
		umt_damage_summary(&d, rep->damage, sizeof(rep->damage));
	}
	if (umt_damage_verdict(&d, "unmaptrace diff", rep->path,
			       o->allow_damaged, stderr))
		rep->refused_rc = DIFF_DAMAGED;
}

static int load_report(struct input *rep, const char *path,
		       const struct compare_opts *o)
{
	char head[8], *buf;
	size_t nhead, len;
	const char *s;
	FILE *f;

	memset(rep, 0, sizeof(*rep));
	rep->path = path;
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "unmaptrace diff: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	nhead = fread(head, 1, sizeof(head), f);
	/* a trace is known by its magic, never by its name */
	if (nhead == sizeof(head) && !memcmp(head, UMT_MAGIC, sizeof(head))) {
		if (f == stdin) {
			fprintf(stderr, "unmaptrace diff: a trace on stdin "
				"cannot be replayed; pass its file name\n");
			return -1;
		}
		fclose(f);
		rep->root = load_trace(path, o);
	} else {
		buf = slurp(f, head, nhead, &len);
		if (!buf)
			fprintf(stderr, "unmaptrace diff: %s: %s\n", path,
				strerror(errno));
		if (f != stdin)
			fclose(f);
		if (!buf)
			return -1;
		rep->root = parse_json(path, buf, len);
		free(buf);
	}
	if (!rep->root)
		return -1;
	if (!json_is_object(rep->root))
		return bad(rep, "%s", "top level is not an object");
	s = json_string_value(json_object_get(rep->root, "schema"));
	if (!s || strncmp(s, SCHEMA_PREFIX, strlen(SCHEMA_PREFIX)))
		return bad(rep, "schema is '%s', want " SCHEMA_PREFIX "N",
			   s ? s : "(none)");
	rep->schema = s;
	rep->major = atoi(s + strlen(SCHEMA_PREFIX));
	if (rep->major < 1)
		return bad(rep, "bad schema version in '%s'", s);
	/* another major may lay results out differently: compare nothing */
	if (rep->major != SCHEMA_MAJOR)
		return 0;
	trace_identity(rep, o);
	if (parse_results(rep, o))
		return -1;
	index_results(rep);
	return 0;
}

static void free_report(struct input *rep)
{
	size_t i, j;

	for (i = 0; i < rep->n; i++) {
		for (j = 0; j < rep->r[i].n; j++)
			free(rep->r[i].m[j].name);
		free(rep->r[i].m);
		free(rep->r[i].by_name);
	}
	free(rep->r);
	json_decref(rep->root);
}

/* ----------------------------------------------------------- comparison */

static const struct result *find_result(const struct input *rep,
					const struct result *like)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (!strcmp(rep->r[i].policy, like->policy) &&
		    !strcmp(rep->r[i].arch, like->arch))
			return &rep->r[i];
	return NULL;
}

/*
 * The first index of by_name[] whose name is >= @name (compared over
 * @len bytes when @len, i.e. as a prefix): a binary search, so that a
 * report of many counters diffs in n log n, not n^2.
 */
static size_t lower_bound(const struct result *res, const char *name,
			  size_t len)
{
	size_t lo = 0, hi = res->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *s = res->m[res->by_name[mid]].name;

		if ((len ? strncmp(s, name, len) : strcmp(s, name)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct metric *find_metric(const struct result *res,
					const char *name)
{
	size_t i;

	if (!res->by_name) {
		for (i = 0; i < res->n; i++)
			if (!strcmp(res->m[i].name, name))
				return &res->m[i];
		return NULL;
	}
	i = lower_bound(res, name, 0);
	if (i < res->n && !strcmp(res->m[res->by_name[i]].name, name))
		return &res->m[res->by_name[i]];
	return NULL;
}

static struct row *add_row(struct cmp *c, const struct result *res,
			   const char *metric)
{
	struct row *r;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->rows = xrealloc(c->rows, c->cap * sizeof(*c->rows));
	}
	r = &c->rows[c->n++];
	memset(r, 0, sizeof(*r));
	r->res = res;
	r->metric = metric;
	return r;
}

#define MAX_MISSING_MSGS	10

static void missing(struct cmp *c, const struct result *res,
		    const char *metric, const char *from)
{
	struct row *r = add_row(c, res, metric);

	r->st = UMT_MISSING;
	/* the first few name the problem; the table has them all */
	if (c->nr[UMT_MISSING]++ >= MAX_MISSING_MSGS)
		return;
	if (metric)
		fprintf(stderr, "unmaptrace diff: counter '%s' of policy "
			"'%s' (arch %s) is missing from %s\n", metric,
			res->policy, res->arch, from);
	else
		fprintf(stderr, "unmaptrace diff: policy '%s' (arch %s) is "
			"missing from %s\n", res->policy, res->arch, from);
}

/*
 * breakdown.by_kind and breakdown.by_size are keyed by the data: a folio
 * kind or size one trace never saw is a group absent from its report, and
 * its counters are zeros, not unknowns.  A counter missing from a group
 * both sides have, or from a fixed group (breakdown.atomics), is a real
 * difference.
 */
static bool group_absent(const struct result *res, const char *name)
{
	const char *dot = strrchr(name, '.'), *p;
	size_t i, len, depth = 0;

	if (!dot || strncmp(name, "breakdown.", 10))
		return false;
	/* only groups keyed by data: breakdown.by_kind.KIND.counter */
	for (p = name; p < dot; p++)
		depth += *p == '.';
	if (depth < 2)
		return false;
	len = dot - name + 1;
	if (res->by_name) {
		i = lower_bound(res, name, len);
		return i == res->n ||
		       strncmp(res->m[res->by_name[i]].name, name, len);
	}
	for (i = 0; i < res->n; i++)
		if (!strncmp(res->m[i].name, name, len))
			return false;
	return true;
}

static struct metric zero;	/* v 0, json set by compare_run() */

static void compare_one(struct cmp *c, const struct result *res,
			const char *name, const struct metric *bm,
			const struct metric *nm, struct compare_opts *o)
{
	struct row *r = add_row(c, res, name);

	r->b = bm;
	r->n = nm;
	r->st = umt_classify(&o->rules, name, bm->v, nm->v, &r->why);
	r->rule = umt_rules_match(&o->rules, name);
	if (r->st == UMT_OK && bm->v == nm->v)
		c->unchanged++;
	c->nr[r->st]++;
}

static const struct metric *find_or_zero(const struct result *res,
					 const char *name)
{
	const struct metric *m = find_metric(res, name);

	return m ? m : group_absent(res, name) ? &zero : NULL;
}

/*
 * Compare result @b of BASE with result @n of NEW under the name of @v.
 * Live counts and a model policy share only some counters (the model
 * has no failed_calls, live no ptep_get): a pair of the two compares
 * those they share, the others are not missing, they cannot exist.
 */
static void compare_result(struct cmp *c, const struct result *v,
			   const struct result *b, const struct result *n,
			   struct compare_opts *o)
{
	bool cross = !strcmp(b->policy, COMPARE_LIVE) !=
		     !strcmp(n->policy, COMPARE_LIVE);
	const struct metric *m;
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct metric *bm = &b->m[i];

		if (!umt_metric_selected(o->metrics, o->nr_metrics, bm->name))
			continue;
		m = cross ? find_metric(n, bm->name) :
		    find_or_zero(n, bm->name);
		if (m) {
			compare_one(c, v, bm->name, bm, m, o);
		} else if (!cross) {
			/* keep the value of the side that has it */
			missing(c, v, bm->name, c->new->path);
			c->rows[c->n - 1].b = bm;
		}
	}
	for (i = 0; i < n->n && !cross; i++) {
		const struct metric *nm = &n->m[i];

		if (!umt_metric_selected(o->metrics, o->nr_metrics,
					 nm->name) || find_metric(b, nm->name))
			continue;
		if (group_absent(b, nm->name)) {
			compare_one(c, v, nm->name, &zero, nm, o);
		} else {
			missing(c, v, nm->name, c->base->path);
			c->rows[c->n - 1].n = nm;
		}
	}
}

/* The result of @policy on @arch, through find_result() */
static const struct result *find_policy(const struct input *rep,
					const char *policy, const char *arch)
{
	struct result like = { .policy = policy, .arch = arch };

	return find_result(rep, &like);
}

static bool has_policy(const struct input *rep, const char *policy)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (!strcmp(rep->r[i].policy, policy))
			return true;
	return false;
}

/* The name rows of BASE's @bp against NEW's @np go by, on @arch */
static struct result *new_view(struct cmp *c, const char *bp,
			       const char *np, const char *arch)
{
	struct result *v = xrealloc(NULL, sizeof(*v));

	memset(v, 0, sizeof(*v));
	if (strcmp(bp, np))
		snprintf(v->label, sizeof(v->label), "%s:%s", bp, np);
	else
		snprintf(v->label, sizeof(v->label), "%s", bp);
	v->policy = v->label;
	v->arch = arch;
	v->bpol = bp;
	v->npol = np;
	c->views = xrealloc(c->views, (c->nviews + 1) * sizeof(*c->views));
	c->views[c->nviews++] = v;
	return v;
}

/* BASE's policy @bp against NEW's @np, on every arch either has */
static void compare_pair(struct cmp *c, const char *bp, const char *np,
			 struct compare_opts *o)
{
	size_t i;

	for (i = 0; i < c->base->n; i++) {
		const struct result *b = &c->base->r[i], *n;
		struct result *v;

		if (strcmp(b->policy, bp))
			continue;
		v = new_view(c, bp, np, b->arch);
		n = find_policy(c->new, np, b->arch);
		if (n)
			compare_result(c, v, b, n, o);
		else
			missing(c, v, NULL, c->new->path);
	}
	for (i = 0; i < c->new->n; i++) {
		const struct result *n = &c->new->r[i];

		if (strcmp(n->policy, np) || find_policy(c->base, bp, n->arch))
			continue;
		missing(c, new_view(c, bp, np, n->arch), NULL, c->base->path);
	}
}

/*
 * Two inputs come from different kernels when the user's kernel label
 * (record --meta kernel=...), kernel.release or kernel.version differ,
 * each compared when both sides have it: a patched kernel keeps its
 * release but not its uname -v.
 */
static bool kernels_differ(const struct input *b, const struct input *n,
			   char *why, size_t len)
{
	static const char *const what[] = { "kernel.release",
		"kernel.version", "kernel label" };
	const char *bv[] = { b->kernel, b->kversion, b->klabel };
	const char *nv[] = { n->kernel, n->kversion, n->klabel };
	int i;

	for (i = 0; i < 3; i++) {
		if (!bv[i] || !nv[i] || !*bv[i] || !*nv[i] ||
		    !strcmp(bv[i], nv[i]))
			continue;
		snprintf(why, len, "different kernels: %s %s vs %s", what[i],
			 bv[i], nv[i]);
		return true;
	}
	snprintf(why, len, "same kernel %s", b->kernel && *b->kernel ?
		 b->kernel : "(not named in either input)");
	return false;
}

static void add_pair(struct compare_pair **v, size_t *n, const char *b,
		     const char *nw)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i].b, b) && !strcmp((*v)[i].n, nw))
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].b = (char *)b;
	(*v)[*n].n = (char *)nw;
	(*n)++;
}

/*
 * What to compare, and why: --pair as given; --policy by name; two
 * kernels by what they did (live) and by the model of each (kernel);
 * one kernel by every model policy, as a tool change or a workload
 * change is judged.
 */
static size_t choose_pairs(struct cmp *c, const struct compare_opts *o,
			   struct compare_pair **pv)
{
	char kwhy[400];
	bool differ = kernels_differ(c->base, c->new, kwhy, sizeof(kwhy));
	size_t i, n = 0, off = 0;
	const struct input *side[2] = { c->base, c->new };
	int k;

	*pv = NULL;
	if (o->nr_pairs) {
		c->mode = "pairs";
		for (i = 0; i < o->nr_pairs; i++)
			add_pair(pv, &n, o->pairs[i].b, o->pairs[i].n);
		snprintf(c->mode_why, sizeof(c->mode_why), "--pair; %s",
			 kwhy);
	} else if (o->nr_policies) {
		c->mode = "policies";
		for (i = 0; i < o->nr_policies; i++)
			add_pair(pv, &n, o->policies[i], o->policies[i]);
		snprintf(c->mode_why, sizeof(c->mode_why), "--policy; %s",
			 kwhy);
	} else if (differ) {
		c->mode = "kernels";
		snprintf(c->mode_why, sizeof(c->mode_why), "%s", kwhy);
		if (has_policy(c->base, COMPARE_LIVE) ||
		    has_policy(c->new, COMPARE_LIVE))
			add_pair(pv, &n, COMPARE_LIVE, COMPARE_LIVE);
		if (has_policy(c->base, "kernel") ||
		    has_policy(c->new, "kernel"))
			add_pair(pv, &n, "kernel", "kernel");
		else
			snprintf(c->mode_why + strlen(c->mode_why),
				 sizeof(c->mode_why) - strlen(c->mode_why),
				 " (no 'kernel' result in either report)");
	} else {
		c->mode = "models";
		snprintf(c->mode_why, sizeof(c->mode_why), "%s", kwhy);
		for (k = 0; k < 2; k++)
			for (i = 0; i < side[k]->n; i++)
				if (strcmp(side[k]->r[i].policy, COMPARE_LIVE))
					add_pair(pv, &n, side[k]->r[i].policy,
						 side[k]->r[i].policy);
	}
	c->pairs[0] = '\0';
	for (i = 0; i < n && off < sizeof(c->pairs); i++)
		off += snprintf(c->pairs + off, sizeof(c->pairs) - off,
				"%s%s%s%s", i ? ", " : "", (*pv)[i].b,
				strcmp((*pv)[i].b, (*pv)[i].n) ? ":" : "",
				strcmp((*pv)[i].b, (*pv)[i].n) ?
				(*pv)[i].n : "");
	return n;
}

static void compare(struct cmp *c, struct compare_opts *o)
{
	char *why = c->why;
	struct compare_pair *pv;
	size_t i, np;

	if (c->base->major != c->new->major ||
	    c->base->major != SCHEMA_MAJOR) {
		snprintf(why, sizeof(c->why),
			 "%s has schema %s but %s has %s%s",
			 c->base->path, c->base->schema, c->new->path,
			 c->new->schema, c->base->major == c->new->major ?
			 " (this diff understands only " SCHEMA_PREFIX "1)" :
			 " (major versions differ)");
		fprintf(stderr, "unmaptrace diff: cannot compare: %s\n", why);
		c->incomparable = why;
		c->mode = "none";
		c->exit = DIFF_INCOMPARABLE;
		return;
	}
	np = choose_pairs(c, o, &pv);
	for (i = 0; i < np; i++)
		compare_pair(c, pv[i].b, pv[i].n, o);
	/* a kernel-vs-kernel diff is only fair on the same workload */
	for (i = 0; i < c->n; i++) {
		const struct row *r = &c->rows[i];

		if (r->metric && !strcmp(r->metric, "ttu_calls") && r->b &&
		    r->n && r->b->v != r->n->v) {
			fprintf(stderr, "unmaptrace diff: warning: %s and %s "
				"replay different calls (ttu_calls %.0Lf vs "
				"%.0Lf): counters follow the workload too\n",
				c->base->path, c->new->path, r->b->v,
				r->n->v);
			break;
		}
	}
	/* a --policy or --pair typo must not pass by comparing nothing */
	for (i = 0; i < np && (o->nr_policies || o->nr_pairs); i++) {
		const char *p = has_policy(c->base, pv[i].b) ? pv[i].n :
				pv[i].b;

		if (has_policy(c->base, pv[i].b) ||
		    has_policy(c->new, pv[i].n))
			continue;
		snprintf(why, sizeof(c->why), "policy '%s' (%s) is in "
			 "neither %s nor %s", p, o->nr_pairs ? "--pair" :
			 "--policy", c->base->path, c->new->path);
		c->incomparable = why;
	}
	free(pv);
	if (!c->incomparable && !c->nr[UMT_OK] && !c->nr[UMT_IMPROVED] &&
	    !c->nr[UMT_REGRESSED]) {
		snprintf(why, sizeof(c->why), "no counter of %s is in %s "
			 "(check --metric, --policy, --pair, --arch)",
			 c->base->path, c->new->path);
		c->incomparable = why;
	}
	if (c->nr[UMT_MISSING] > MAX_MISSING_MSGS)
		fprintf(stderr, "unmaptrace diff: ... and %u more missing from "
			"one side (see the table)\n",
			c->nr[UMT_MISSING] - MAX_MISSING_MSGS);
	if (c->incomparable) {
		fprintf(stderr, "unmaptrace diff: cannot compare: %s\n", why);
		c->exit = DIFF_INCOMPARABLE;
	} else if (c->nr[UMT_MISSING] && !o->allow_missing) {
		c->exit = DIFF_INCOMPARABLE;
	} else {
		c->exit = c->nr[UMT_REGRESSED] ? DIFF_REGRESSION : DIFF_OK;
	}
}

static int worse(int a, int b)
{
	/* trouble > damaged input > incomparable > regression > ok */
	static const int rank[] = { 0, 1, 4, 2, 3 };

	return rank[b] > rank[a] ? b : a;
}

int compare_exit_status(int verdict)
{
	/* input that cannot be judged exits as the other readers do */
	return verdict == DIFF_DAMAGED ? UMT_EXIT_DAMAGED : verdict;
}

int compare_opts_init(struct compare_opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	return umt_rules_parse(&o->rules, DEFAULT_RULES, err, errlen);
}

void compare_opts_free(struct compare_opts *o)
{
	size_t j;

	umt_rules_free(&o->rules);
	free(o->metrics);
	for (j = 0; j < o->nr_policies; j++)
		free(o->policies[j]);
	free(o->policies);
	for (j = 0; j < o->nr_pairs; j++) {
		free(o->pairs[j].b);
		free(o->pairs[j].n);
	}
	free(o->pairs);
	free(o->arches);
	free(o->files);
}

/* a typo in a rule would otherwise never fire, silently */
static void warn_idle_rules(const struct compare_opts *o)
{
	size_t j;

	for (j = 0; o->rules_given && j < o->rules.n; j++)
		if (!o->rules.v[j].hits)
			fprintf(stderr, "unmaptrace diff: warning: rule '%s' "
				"decides no compared counter (a typo, or a "
				"later rule overrides it)\n",
				o->rules.v[j].text);
}

enum diff_verdict compare_run(struct compare_opts *o)
{
	struct input *reps;
	struct cmp *cmps;
	int ret = DIFF_OK;
	size_t i, j, k, nstdin = 0;

	for (i = 0; i < o->nr_files; i++)
		nstdin += !strcmp(o->files[i], "-");
	if (nstdin > 1) {
		fprintf(stderr, "unmaptrace diff: stdin ('-') can be read "
			"only once\n");
		return DIFF_TROUBLE;
	}
	zero.json = json_integer(0);
	if (!zero.json)
		compare_die_oom();

	/* load everything first: an unreadable input prints no table */
	reps = xrealloc(NULL, o->nr_files * sizeof(*reps));
	cmps = xrealloc(NULL, (o->nr_files - 1) * sizeof(*cmps));
	memset(cmps, 0, (o->nr_files - 1) * sizeof(*cmps));
	for (i = 0; i < o->nr_files; i++) {
		if (load_report(&reps[i], o->files[i], o)) {
			ret = DIFF_TROUBLE;
			free_report(&reps[i]);
			goto out_reps;
		}
	}
	for (i = 1; i < o->nr_files; i++) {
		struct cmp *c = &cmps[i - 1];

		c->base = &reps[0];
		c->new = &reps[i];
		compare(c, o);
		ret = worse(ret, c->exit);
	}
	for (i = 1; i < o->nr_files; i++)
		cmps[i - 1].exit_inputs = worse(worse(cmps[i - 1].exit,
			reps[0].refused_rc), reps[i].refused_rc);
	for (i = 0; i < o->nr_files; i++)
		ret = worse(ret, reps[i].refused_rc);
	warn_idle_rules(o);
	for (j = 0; j + 1 < o->nr_files; j++) {
		if (o->fmt == FMT_JSON) {
			compare_print_json(&cmps[j], o);
			continue;
		}
		if (j)
			printf("\n");
		if (o->fmt == FMT_MARKDOWN)
			compare_print_markdown(&cmps[j], o);
		else
			compare_print_text(&cmps[j], o);
	}
	for (j = 0; j + 1 < o->nr_files; j++) {
		for (k = 0; k < cmps[j].nviews; k++)
			free(cmps[j].views[k]);
		free(cmps[j].views);
		free(cmps[j].rows);
	}
out_reps:
	while (i--)
		free_report(&reps[i]);
	free(reps);
	free(cmps);
	json_decref(zero.json);
	zero.json = NULL;
	return ret;
}
