// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace replay: run a recorded trace through the unmap model under
 * one or more batching policies and report what each would cost, side by
 * side; --check proves the model against the live counts of the trace.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "model.h"
#include "replay.h"
#include "report.h"

#define MAX_POLICIES	16
#define DEFAULT_FILE	"unmaptrace.umt"
#define DEFAULT_POLICIES "none,file,anon"

static struct {
	const char *policies;
	const char *arch;
	bool json;
	bool csv;
	bool check;
	int nr_files;
	char **files;
} env;

static const char replay_doc[] =
"Replay a trace through a model of the kernel's try_to_unmap_one() and\n"
"report, per batching policy, the page_vma_mapped_walk() calls, ptep_get()\n"
"calls, PTE loads, clears and stores, atomics, barriers, TLB flushes, rmap\n"
"calls and mm counter updates, side by side with % change vs the first.\n"
"\n"
"USAGE: unmaptrace replay [--batched | --unbatched | --policy NAME[,NAME...]]\n"
"                         [--arch x86|arm64] [--json | --csv] [--check]\n"
"                         [FILE...]\n"
"\n"
"FILE defaults to " DEFAULT_FILE "; '-' reads stdin.\n"
"\n"
"POLICIES (each mirrors a kernel; add '+skip' to a batching one for\n"
"Wei Yang's proposal to skip the nr-1 cleared PTEs, e.g. file+skip):\n"
"  none           no batching: up to 6.14 (code read: 6.12)\n"
"  lazyfree-6.15  lazyfree folios, whole folio or nothing: 6.15\n"
"  lazyfree       lazyfree folios, partial batches: 6.16 and later\n"
"  file-7.2       + file folios, uffd-wp VMAs not batched: 7.2\n"
"  file           + file folios, uffd-wp markers re-installed for the\n"
"                 whole batch (cond_install_uffd_wp_ptes()): 7.3\n"
"  anon           + anonymous swap-backed folios in sub-batches of equal\n"
"                 anon-exclusivity: Dev Jain's v4 proposal (inferred from\n"
"                 its cover letter)\n"
"  kernel         what the recording kernel does (from kernel.release)\n"
"Default: " DEFAULT_POLICIES ".\n"
"\n"
"EXAMPLES:\n"
"    unmaptrace replay traces/default.umt        # none, file, anon\n"
"    unmaptrace replay --arch arm64 t.umt        # the same on contpte\n"
"    unmaptrace replay -p none,file,file+skip t.umt\n"
"    unmaptrace replay --check t.umt             # model vs live counts\n"
"    unmaptrace replay --json t.umt > r.json     # for unmaptrace diff\n"
"    unmaptrace replay --csv a.umt b.umt > r.csv # for a spreadsheet\n"
"\n"
"Exit status: 0 success; 1 --check found a difference, lost events or a\n"
"damaged trace; 2 usage, open or I/O error.";

enum {
	OPT_CSV = 1000,
	OPT_CHECK,
};

static const struct argp_option replay_opts[] = {
	{ "batched", 'b', NULL, 0, "Same as --policy anon", 0 },
	{ "unbatched", 'u', NULL, 0, "Same as --policy none", 0 },
	{ "policy", 'p', "NAME[,NAME...]", 0,
	  "Policies to replay, in this order (default " DEFAULT_POLICIES
	  ")", 0 },
	{ "arch", 'a', "x86|arm64", 0,
	  "Model this architecture (default: the trace's)", 0 },
	{ "json", 'j', NULL, 0, "One JSON object per FILE (docs/REPORT.md)",
	  0 },
	{ "csv", OPT_CSV, NULL, 0, "CSV, one number a row", 0 },
	{ "check", OPT_CHECK, NULL, 0,
	  "Compare policy 'kernel' with the live counts, call by call; "
	  "exit 1 on any difference", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static error_t replay_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'b':
	case 'u':
	case 'p':
		if (env.policies)
			argp_error(state, "give one of --batched, --unbatched "
				   "and --policy, once");
		env.policies = key == 'b' ? "anon" : key == 'u' ? "none" : arg;
		break;
	case 'a':
		if (model_arch_parse(arg) < 0)
			argp_error(state, "--arch: x86 or arm64, not '%s'",
				   arg);
		env.arch = arg;
		break;
	case 'j':
		env.json = true;
		break;
	case OPT_CSV:
		env.csv = true;
		break;
	case OPT_CHECK:
		env.check = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		env.files = realloc(env.files,
				    (env.nr_files + 1) * sizeof(*env.files));
		if (!env.files)
			argp_failure(state, EXIT_USAGE, ENOMEM, "files");
		env.files[env.nr_files++] = arg;
		break;
	case ARGP_KEY_END:
		if (env.json && env.csv)
			argp_error(state,
				   "--json and --csv exclude each other");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Split the --policy list into @names (pointers into @copy) */
static size_t split_policies(char *copy, char **names, size_t max)
{
	char *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(copy, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save))
		names[n++] = tok;
	return n;
}

static int replay_file(const char *path, struct report *rep, int *damaged)
{
	char *copy = strdup(env.policies ? env.policies : DEFAULT_POLICIES);
	char *names[MAX_POLICIES];
	struct replay_opts o = {
		.who = "replay", .policy_who = "",
		.policies = names, .max_policies = MAX_POLICIES - 1,
		.arch = env.arch, .live = true, .check = env.check,
	};
	bool bad = false;
	int rc;

	if (!copy)
		return -1;
	/* one name over the limit, so replay_trace() names the limit */
	o.nr_policies = split_policies(copy, names, MAX_POLICIES);
	rc = replay_trace(path, &o, rep, &bad);
	free(copy);
	if (bad)
		*damaged = 1;
	return rc ? -1 : 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct argp argp = {
		.options = replay_opts,
		.parser = replay_parse,
		.args_doc = "[FILE...]",
		.doc = replay_doc,
	};
	static char *def_file[] = { DEFAULT_FILE };
	int i, ret = EXIT_OK;

	memset(&env, 0, sizeof(env));
	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return EXIT_USAGE;
	if (!env.nr_files) {
		env.files = def_file;
		env.nr_files = 1;
	}
	for (i = 0; i < env.nr_files; i++) {
		struct report rep = { 0 };
		int damaged = 0;

		if (replay_file(env.files[i], &rep, &damaged)) {
			report_free(&rep);
			ret = EXIT_USAGE;
			break;
		}
		if (env.json) {
			report_json(&rep, stdout, env.check);
		} else if (env.csv) {
			report_csv(&rep, stdout, i == 0);
		} else {
			if (i)
				putchar('\n');
			report_text(&rep, stdout, env.check);
		}
		if (env.check) {
			if ((env.json || env.csv))
				report_check_text(&rep, stderr);
			if (report_check_failed(&rep) || damaged) {
				if (damaged)
					fprintf(stderr, "replay: %s: damaged "
						"trace: check fails\n",
						env.files[i]);
				ret = EXIT_FAIL;
			}
		}
		report_free(&rep);
	}
	if (env.files != def_file)
		free(env.files);
	return ret;
}
