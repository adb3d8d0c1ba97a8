// SPDX-License-Identifier: GPL-2.0
/*
 * The replay entry point shared by `replay` and `diff` (replay.h): trace
 * -> policies -> report_feed().  What is printed afterwards is up to the
 * caller (report_text/json/csv, or diff's comparison).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

/*
 * Build the policy list into @pols (room for nr_policies + 1); the count,
 * or -1 after a message.  The check runs policy "kernel" on the trace's
 * own arch (@ta): a "kernel" asked for on another arch does not count, a
 * hidden one is added (o->check).
 */
static int make_policies(struct model_policy *pols, bool *hidden,
			 const struct replay_opts *o, enum model_arch arch,
			 enum model_arch ta, const char *release,
			 int *check_idx)
{
	char err[256];
	size_t i;
	int n = 0;

	*check_idx = -1;
	for (i = 0; i < o->nr_policies; i++) {
		const char *name = o->policies[i];
		int j;

		if (o->max_policies && i >= o->max_policies) {
			fprintf(stderr, "%s: at most %zu policies\n", o->who,
				o->max_policies);
			return -1;
		}
		for (j = 0; j < n; j++) {
			if (strcmp(pols[j].name, name))
				continue;
			fprintf(stderr, "%s: %spolicy '%s' given twice\n",
				o->who, o->policy_who, name);
			return -1;
		}
		if (model_policy_init(&pols[n], name, arch, release, err,
				      sizeof(err))) {
			fprintf(stderr, "%s: %s%s\n", o->who, o->policy_who,
				err);
			return -1;
		}
		hidden[n] = false;
		if (o->live && *check_idx < 0 && !strcmp(name, "kernel") &&
		    arch == ta)
			*check_idx = n;
		n++;
	}
	if (!n) {
		fprintf(stderr, "%s: no policy given\n", o->who);
		return -1;
	}
	if (o->live && o->check && *check_idx < 0) {
		if (model_policy_init(&pols[n], "kernel", ta, release, err,
				      sizeof(err))) {
			fprintf(stderr, "%s: --check: %s\n", o->who, err);
			return -1;
		}
		hidden[n] = true;
		*check_idx = n++;
	}
	return n;
}

/* the trace's arch (normalised) or --arch: anything not arm64 is x86 */
static enum model_arch arch_of(const char *name)
{
	return name && model_arch_parse(name) == MODEL_ARM64 ? MODEL_ARM64 :
	       MODEL_X86;
}

/* The reader's warnings, on stderr: never only at the end of stdout */
static void print_warnings(const char *who, const char *path,
			   const struct umt_reader *r)
{
	const char *w = umt_reader_warnings(r), *nl;

	for (; (nl = strchr(w, '\n')); w = nl + 1)
		fprintf(stderr, "%s: warning: %s: %.*s\n", who, path,
			(int)(nl - w), w);
}

int replay_trace(const char *path, const struct replay_opts *o,
		 struct report *rep)
{
	struct model_policy *pols;
	const struct umt_meta *m;
	const char *rel, *why;
	struct umt_reader *r;
	enum model_arch ma, ta;
	int n, nv, i, rc = -1, check_idx, maj, min;
	char err[256];
	bool *hidden;

	memset(rep, 0, sizeof(*rep));
	r = umt_reader_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "%s: %s: %s\n", o->who, path, err);
		return -1;
	}
	/* the policies, a hidden kernel for --check, the other arch's */
	pols = calloc(2 * o->nr_policies + 1, sizeof(*pols));
	hidden = calloc(2 * o->nr_policies + 1, sizeof(*hidden));
	if (!pols || !hidden) {
		rc = -ENOMEM;
		goto out;
	}
	m = umt_reader_meta(r);
	rel = umt_meta_get(m, UMT_KEY_KERNEL);
	ta = arch_of(report_norm_arch(umt_meta_get(m, UMT_KEY_ARCH)));
	ma = o->arch ? arch_of(o->arch) : ta;
	n = make_policies(pols, hidden, o, ma, ta, rel, &check_idx);
	if (n < 0)
		goto out;
	/* the same policies on the other arch: hidden but for the text */
	nv = n;
	for (i = 0; i < nv && o->both_arches; i++)
		if (!hidden[i] && !model_policy_init(&pols[n], pols[i].name,
				ma == MODEL_X86 ? MODEL_ARM64 : MODEL_X86,
				rel, err, sizeof(err)))
			hidden[n++] = true;
	if (report_init(rep, path, pols, n)) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		rep->results[i].hidden = hidden[i];
		rep->results[i].other_arch = i >= nv;
	}
	rep->fold = o->fold;
	rep->check_idx = check_idx;
	report_set_trace(rep, m);
	if (check_idx >= 0 && rel && !model_parse_release(rel, &maj, &min)) {
		model_gen_for_release(maj, min, &why);
		/* no warning where the kernel facts decided (lib/facts.c) */
		if (why && !rep->results[check_idx].pol.gen_from_facts)
			report_warn(rep, "kernel %s: %s", rel, why);
	}
	rc = report_feed(rep, r);
	print_warnings(o->who, path, r);
	if (rc < 0) {
		fprintf(stderr, "%s: %s: read error: %s\n", o->who, path,
			strerror(-rc));
		rc = -1;
	}
out:
	if (rc)
		report_free(rep);
	free(pols);
	free(hidden);
	umt_reader_close(r);
	return rc;
}
