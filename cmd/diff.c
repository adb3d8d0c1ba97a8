// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace diff: the argp front end of the diff engine (lib/compare.c),
 * which compares replay reports counter by counter and gates CI on
 * threshold rules (lib/rules.h).  Exit codes follow diff(1): 0 within
 * thresholds, 1 regression, 2 trouble (also a damaged, lossy or empty
 * input: lib/damage.h), 3 not comparable.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "compare.h"
#include "model.h"

enum {
	OPT_MARKDOWN = 0x100,
	OPT_JSON,
	OPT_ALLOW_MISSING,
	OPT_ALLOW_DAMAGED,
	OPT_PAIR,
};

static const struct argp_option options[] = {
	{ "fail-on", 'f', "RULES", 0,
	  "Threshold rules (repeatable; replaces the default, see below)", 0 },
	{ "metric", 'm', "GLOB", 0,
	  "Compare only counters matching GLOB; !GLOB excludes "
	  "(repeatable; default: all)", 0 },
	{ "policy", 'p', "NAME[,NAME...]", 0,
	  "Compare only these policies' results ('live': the recorded "
	  "counts); traces are replayed with them (repeatable; default: "
	  "see above; traces: replay's default policies)", 0 },
	{ "pair", OPT_PAIR, "BASE_POLICY:NEW_POLICY[,...]", 0,
	  "Compare BASE's result of one policy with NEW's of another "
	  "(repeatable; 'live' is what the recording kernel did, e.g. "
	  "none:kernel, live:live)", 0 },
	{ "arch", 'a', "x86|arm64", 0,
	  "Compare only this arch's results; traces are replayed for it "
	  "(repeatable; default: all; traces: the trace's)", 0 },
	{ "all", 'A', NULL, 0, "Also show unchanged counters", 0 },
	{ "allow-missing", OPT_ALLOW_MISSING, NULL, 0,
	  "Show counters or policies present on one side only, but do not "
	  "exit 3 for them", 0 },
	{ "markdown", OPT_MARKDOWN, NULL, 0,
	  "Markdown table with a verdict line (PR comment, step summary)", 0 },
	{ "allow-damaged", OPT_ALLOW_DAMAGED, NULL, 0,
	  "Compare damaged traces, traces that lost events or hold no call "
	  "(marked DAMAGED) instead of exiting 4", 0 },
	{ "json", OPT_JSON, NULL, 0,
	  "JSON Lines: per NEW one object of rows and a verdict", 0 },
	CMD_HELP_OPTIONS,
	{ 0 }
};

static const char args_doc[] = "BASE NEW [NEW...]";

static const char doc[] =
"Compare unmaptrace reports counter by counter and fail on regressions.\n"
"\n"
"USAGE:\n"
"  unmaptrace diff [OPTION...] BASE NEW [NEW...]\n"
"\n"
"BASE and each NEW are `unmaptrace replay --json` reports or .umt traces\n"
"(known by their magic); traces are replayed with --policy/--pair/--arch.\n"
"What is compared (the 'compared:' line says which, and why):\n"
"  two kernels (kernel.release, kernel.version or the record --meta\n"
"    kernel=... label differ): 'live', what each kernel did, and\n"
"    'kernel', the model of each;\n"
"  one kernel: every model policy, by name (a tool or workload change);\n"
"  --pair BASE_POLICY:NEW_POLICY: those, e.g. none:kernel, live:kernel;\n"
"  --policy NAME: those policies by name ('live' included).\n"
"Counts compare by name (atomics), breakdown leaves by dotted name\n"
"(breakdown.tlb_flushes.range).  All regressions are listed.  A counter\n"
"or policy on one side only makes the inputs incomparable, except a\n"
"breakdown.by_kind/by_size group a trace never saw: that compares as 0.\n"
"A damaged trace, one that lost events or holds no call, exits 2 unless\n"
"--allow-damaged.\n"
"\v"
"RULES: comma-separated GLOB>THRESHOLD; THRESHOLD is +N% (relative), +N\n"
"(absolute) or +N%&+M (fails only when both are exceeded).  A metric is\n"
"decided by the last rule matching it; a counter no rule matches is shown\n"
"but never fails.  Any decrease is shown as improved.\n"
"\n"
"Default rules (what --fail-on replaces):\n"
"  " RULE_TLB "," RULE_ATOMICS ",\n"
"  " RULE_BARRIERS "," RULE_LOCKS "," RULE_PTEP_GET ",\n"
"  " RULE_RMAP "," RULE_MM ",\n"
"  " RULE_WALK ",\n"
"  " RULE_BATCHES "\n"
"\n"
"A TLB flush may IPI every CPU of the mm: one more flush (or arm64 TLBI)\n"
"fails.  Atomics, barriers and locks hit shared lines: a small tolerance\n"
"absorbs re-recorded traces.  ptep_get is a load on x86 but a contpte block\n"
"read on arm64.  A kernel that stops batching multiplies rmap calls, mm\n"
"counter updates, walk calls and iterations and batches by the folio size:\n"
"2% and 64 absorb folio-size jitter between recordings.  rmap_pages is the\n"
"workload's size: more is the kernel unmapping what it did not.  More\n"
"failed calls (live) leave folios mapped.  Replaying one trace is\n"
"deterministic: any change is real.\n"
"\n"
"EXAMPLES:\n"
"  unmaptrace diff base.umt new.umt\n"
"  unmaptrace diff base.json new.json\n"
"  unmaptrace diff --fail-on '*>+0%' base.json new.json\n"
"  unmaptrace diff --fail-on 'tlb_flushes>+0%,breakdown.tlb_flushes.*>+8' \\\n"
"      --metric 'breakdown.tlb_flushes.*' --metric tlb_flushes a.json b.json\n"
"  unmaptrace diff --pair none:kernel --pair live:live base.umt new.umt\n"
"  unmaptrace diff --policy none --policy anon --arch arm64 base.umt new.umt\n"
"  unmaptrace diff --markdown base.json new.json >> \"$GITHUB_STEP_SUMMARY\"\n"
"\n"
"Exit status: 0 within thresholds, 1 regression, 2 usage or I/O error\n"
"(also malformed JSON), 3 not comparable (schema major differs, or a\n"
"policy or counter is on one side only); an input damaged, truncated,\n"
"lossy or without a call also exits 2 (unless --allow-damaged).  See\n"
"docs/ci.md.";

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct compare_opts *o = state->input;
	char err[512];

	switch (key) {
	case 'f':
		if (!o->rules_given)
			umt_rules_free(&o->rules);
		o->rules_given = true;
		if (umt_rules_parse(&o->rules, arg, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case 'm':
		compare_push(&o->metrics, &o->nr_metrics, arg);
		break;
	case 'p':
		compare_split_push(&o->policies, &o->nr_policies, arg);
		break;
	case 'a':
		if (model_arch_parse(arg) < 0)
			argp_error(state, "--arch: x86 or arm64, not '%s'",
				   arg);
		compare_push(&o->arches, &o->nr_arches, arg);
		break;
	case 'A':
		o->all = true;
		break;
	case OPT_ALLOW_MISSING:
		o->allow_missing = true;
		break;
	case OPT_ALLOW_DAMAGED:
		o->allow_damaged = true;
		break;
	case OPT_PAIR:
		if (compare_parse_pairs(o, arg, err, sizeof(err)))
			argp_error(state, "--pair: %s", err);
		break;
	case 'h':
	case CMD_OPT_USAGE:
		cmd_help(state, key);
		break;
	case OPT_MARKDOWN:
	case OPT_JSON:
		if (o->fmt != FMT_TEXT)
			argp_error(state, "--markdown and --json exclude "
				   "each other");
		o->fmt = key == OPT_JSON ? FMT_JSON : FMT_MARKDOWN;
		break;
	case ARGP_KEY_ARG:
		compare_push(&o->files, &o->nr_files, arg);
		break;
	case ARGP_KEY_END:
		if (o->nr_files < 2)
			argp_error(state, "need BASE and at least one NEW");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int exit_code(enum diff_verdict v)
{
	switch (v) {
	case DIFF_OK:
		return EXIT_OK;
	case DIFF_REGRESSION:
		return EXIT_FAIL;
	case DIFF_INCOMPARABLE:
		return EXIT_INCOMPARABLE;
	case DIFF_DAMAGED:
		return compare_exit_status(v);	/* UMT_EXIT_DAMAGED */
	default:
		return EXIT_USAGE;
	}
}

int cmd_diff(int argc, char **argv)
{
	struct argp argp = {
		.options = options, .parser = parse_opt,
		.args_doc = args_doc, .doc = doc,
	};
	struct compare_opts o;
	int ret = EXIT_USAGE;
	char err[256];

	if (compare_opts_init(&o, err, sizeof(err))) {
		fprintf(stderr, "unmaptrace diff: %s\n", err);
		goto out;
	}
	/* argp exits 64 on usage errors; diff(1) callers expect 2 */
	argp_err_exit_status = EXIT_USAGE;
	argv[0] = "unmaptrace diff";	/* for argp's usage and errors */
	if (argp_parse(&argp, argc, argv, ARGP_NO_HELP, NULL, &o))
		goto out;
	ret = exit_code(compare_run(&o));
	if (cmd_stdout_done("unmaptrace diff"))
		ret = EXIT_USAGE;
out:
	compare_opts_free(&o);
	return ret;
}
