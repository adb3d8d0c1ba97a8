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
#include <unistd.h>

#include "cmd.h"
#include "damage.h"
#include "model.h"
#include "replay.h"
#include "report.h"

#define MAX_POLICIES	16
#define DEFAULT_FILE	"unmaptrace.umt"
#define PREFIX		"unmaptrace replay"

static struct {
	const char *policies;
	const char *arch;
	bool json;
	bool csv;
	bool check;
	bool allow_damaged;
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
"                         [--allow-damaged] [FILE...]\n"
"\n"
"FILE defaults to " DEFAULT_FILE " (record one first: unmaptrace record\n"
"-o " DEFAULT_FILE " -- CMD, as root); '-' reads stdin.\n"
"\n"
"POLICIES (each mirrors a kernel; add '+skip' to a batching one for\n"
"Wei Yang's proposal to skip the nr-1 cleared PTEs, e.g. file+skip):\n"
"  page-rmap      <=6.7 (page rmap, no batching): page_remove_rmap()\n"
"  none           <=6.14 (no batching): folio_remove_rmap_pte() per PTE\n"
"  lazyfree-6.15  6.15 (lazyfree, whole folio or nothing)\n"
"  lazyfree       6.16-7.1 (lazyfree, partial batches)\n"
"  file-7.2       7.2 (+ file folios; uffd-wp VMAs not batched)\n"
"  file           7.3 (file+lazyfree; uffd-wp markers re-installed for\n"
"                 the whole batch by cond_install_uffd_wp_ptes())\n"
"  anon           Dev Jain v4 (proposal): + anonymous swap-backed folios\n"
"                 in sub-batches of equal anon-exclusivity (inferred)\n"
"  kernel         the recording kernel (its generation from\n"
"                 kernel.release), checked against the live counts\n"
"Default: " REPLAY_DEFAULT_POLICIES ";\n"
"the text leads with what batching buys against none, on both arches\n"
"(without --arch), and folds the policies that change nothing for the\n"
"trace into one line.\n"
"--batched: " REPLAY_BATCHED "; --unbatched: " REPLAY_UNBATCHED ".\n"
"\n"
"EXAMPLES:\n"
"    unmaptrace replay traces/default.umt        # what batching buys\n"
"    unmaptrace replay --batched traces/default.umt\n"
"    unmaptrace replay --arch arm64 t.umt        # the same on contpte\n"
"    unmaptrace replay -p none,file,file+skip t.umt\n"
"    unmaptrace replay --check t.umt             # model vs live counts\n"
"    unmaptrace replay --json t.umt > r.json     # for unmaptrace diff\n"
"    unmaptrace replay --csv a.umt b.umt > r.csv # for a spreadsheet\n"
"\n"
"Exit status: 0 success; 1 --check found a difference (or events were\n"
"lost: the check cannot pass); 2 a damaged, truncated, lossy or empty\n"
"(0 calls) trace (the report of what is intact is still printed, the\n"
"damage named on stderr and in the report; --allow-damaged: 0 unless no\n"
"chunk is intact), usage, open or I/O error.";

enum {
	OPT_CSV = 1000,
	OPT_CHECK,
};

static const struct argp_option replay_opts[] = {
	{ "batched", 'b', NULL, 0, "Batched (anon) beside its baseline and "
	  "the recording kernel: --policy " REPLAY_BATCHED, 0 },
	{ "unbatched", 'u', NULL, 0, "Unbatched (none) beside the recording "
	  "kernel: --policy " REPLAY_UNBATCHED, 0 },
	{ "policy", 'p', "NAME[,NAME...]", 0,
	  "Policies to replay, in this order (default: see below)", 0 },
	{ "arch", 'a', "x86|arm64", 0,
	  "Model this architecture (default: the trace's)", 0 },
	{ "json", 'j', NULL, 0, "One JSON object per FILE (docs/REPORT.md)",
	  0 },
	{ "csv", OPT_CSV, NULL, 0, "CSV, one number a row", 0 },
	{ "check", OPT_CHECK, NULL, 0,
	  "Compare policy 'kernel' with the live counts, call by call; "
	  "exit 1 on any difference", 0 },
	CMD_ALLOW_DAMAGED_OPTION,
	CMD_HELP_OPTIONS,
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
		env.policies = key == 'b' ? REPLAY_BATCHED :
			       key == 'u' ? REPLAY_UNBATCHED : arg;
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
	case CMD_OPT_ALLOW_DAMAGED:
		env.allow_damaged = true;
		break;
	case 'h':
	case CMD_OPT_USAGE:
		cmd_help(state, key);
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

static int replay_file(const char *path, struct report *rep)
{
	char *copy = strdup(env.policies ? env.policies :
			    REPLAY_DEFAULT_POLICIES);
	char *names[MAX_POLICIES];
	struct replay_opts o = {
		.who = PREFIX, .policy_who = "",
		.policies = names, .max_policies = MAX_POLICIES - 1,
		.arch = env.arch, .live = true, .check = env.check,
		/* asked-for policies are shown; the default folds */
		.fold = !env.policies,
		/* the text answers for both arches unless --arch chose */
		.both_arches = !env.arch && !env.json && !env.csv,
	};
	int rc;

	if (!copy)
		return -1;
	/* one name over the limit, so replay_trace() names the limit */
	o.nr_policies = split_policies(copy, names, MAX_POLICIES);
	rc = replay_trace(path, &o, rep);
	free(copy);
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
	argv[0] = PREFIX;	/* argp's messages speak for the subcommand */
	if (argp_parse(&argp, argc, argv, ARGP_NO_HELP, NULL, NULL))
		return EXIT_USAGE;
	if (!env.nr_files) {
		if (access(DEFAULT_FILE, F_OK)) {
			fprintf(stderr, PREFIX ": no FILE given and no "
				DEFAULT_FILE " here.\n  Record one first "
				"(as root): unmaptrace record -o "
				DEFAULT_FILE " -- CMD\n  or replay a shipped "
				"trace: unmaptrace replay traces/default.umt"
				"\n");
			return EXIT_USAGE;
		}
		env.files = def_file;
		env.nr_files = 1;
	}
	for (i = 0; i < env.nr_files; i++) {
		struct report rep = { 0 };
		int rc = EXIT_OK;

		if (replay_file(env.files[i], &rep)) {
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
			if (report_check_failed(&rep))
				rc = EXIT_FAIL;
		}
		/* input that cannot be judged outranks a finding */
		if (umt_damage_verdict(&rep.damage, PREFIX, env.files[i],
				       env.allow_damaged, stderr))
			rc = UMT_EXIT_DAMAGED;
		if (rc == UMT_EXIT_DAMAGED || ret == EXIT_OK)
			ret = rc;
		report_free(&rep);
	}
	if (cmd_stdout_done(PREFIX))
		ret = EXIT_USAGE;
	if (env.files != def_file)
		free(env.files);
	return ret;
}
