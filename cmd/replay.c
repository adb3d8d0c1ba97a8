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
#include "report.h"
#include "umt.h"

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
		if (strcmp(arg, "x86") && strcmp(arg, "arm64"))
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

/*
 * Build the policy list; returns the count, or -1 after a message.  The
 * check runs policy "kernel" on the trace's own arch (@trace_arch): a
 * "kernel" asked for on another arch does not count, a hidden one is added.
 */
static int make_policies(struct model_policy *pols, const char *list,
			 enum model_arch arch, enum model_arch trace_arch,
			 const char *release, bool check, int *check_idx,
			 bool *hidden)
{
	char *copy = strdup(list), *save = NULL, *tok, err[256];
	int n = 0;

	*check_idx = -1;
	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n >= MAX_POLICIES - 1) {
			fprintf(stderr, "replay: at most %d policies\n",
				MAX_POLICIES - 1);
			free(copy);
			return -1;
		}
		if (model_policy_init(&pols[n], tok, arch, release, err,
				      sizeof(err))) {
			fprintf(stderr, "replay: %s\n", err);
			free(copy);
			return -1;
		}
		hidden[n] = false;
		if (*check_idx < 0 && !strcmp(tok, "kernel") &&
		    arch == trace_arch)
			*check_idx = n;
		n++;
	}
	free(copy);
	if (!n) {
		fprintf(stderr, "replay: no policy given\n");
		return -1;
	}
	if (check && *check_idx < 0) {
		if (model_policy_init(&pols[n], "kernel", trace_arch, release,
				      err, sizeof(err))) {
			fprintf(stderr, "replay: --check: %s\n", err);
			return -1;
		}
		hidden[n] = true;
		*check_idx = n++;
	}
	return n;
}

static int replay_file(const char *path, struct report *rep, int *damaged)
{
	struct model_policy pols[MAX_POLICIES];
	bool hidden[MAX_POLICIES], bad = false;
	const struct umt_meta *m;
	const char *rel, *arch, *why;
	struct umt_reader *r;
	enum model_arch ma, ta;
	int n, i, rc, check_idx, maj, min;
	char err[256];

	r = umt_reader_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "replay: %s: %s\n", path, err);
		return -1;
	}
	m = umt_reader_meta(r);
	rel = umt_meta_get(m, UMT_KEY_KERNEL);
	arch = report_norm_arch(umt_meta_get(m, UMT_KEY_ARCH));
	ta = arch && !strcmp(arch, "arm64") ? MODEL_ARM64 : MODEL_X86;
	ma = ta;
	if (env.arch)
		ma = !strcmp(env.arch, "arm64") ? MODEL_ARM64 : MODEL_X86;
	n = make_policies(pols, env.policies ? env.policies :
			  DEFAULT_POLICIES, ma, ta, rel, env.check,
			  &check_idx, hidden);
	if (n < 0 || report_init(rep, path, pols, n)) {
		umt_reader_close(r);
		return -1;
	}
	for (i = 0; i < n; i++)
		rep->results[i].hidden = hidden[i];
	rep->check_idx = check_idx;
	report_set_trace(rep, m);
	if (check_idx >= 0 && rel && !model_parse_release(rel, &maj, &min)) {
		model_gen_for_release(maj, min, &why);
		if (why)
			report_warn(rep, "kernel %s: %s", rel, why);
	}

	rc = report_feed(rep, r, &bad);
	if (bad)
		*damaged = 1;
	umt_reader_close(r);
	if (rc < 0) {
		fprintf(stderr, "replay: %s: read error: %s\n", path,
			strerror(-rc));
		return -1;
	}
	return 0;
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
