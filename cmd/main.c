// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace: record what the kernel's try_to_unmap_one() walk sees, replay
 * it through a model of batched and unbatched unmapping, diff the reports.
 */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

int umt_verbose;

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcmd subcmds[] = {
	{ "record",   cmd_record,   "record a trace from the live kernel (root)" },
	{ "features", cmd_features, "show which hooks attach on this kernel" },
	{ "replay",   cmd_replay,   "replay a trace through the unmap model" },
	{ "diff",     cmd_diff,     "compare two reports with thresholds" },
	{ "info",     cmd_info,     "show a trace's header, attach plan, counts" },
	{ "dump",     cmd_dump,     "print every record of a trace" },
	{ "vm",       cmd_vm,       "record CMD in a QEMU guest on any kernel" },
};

const char *argp_program_version = "unmaptrace " UMT_VERSION;
const char *argp_program_bug_address =
	"the project's issue tracker";

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: unmaptrace [-v] [-V] SUBCOMMAND [OPTION...]\n\n"
		"Measure what batched large-folio unmapping saves a workload.\n\n"
		"Subcommands:\n");
	for (i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		fprintf(f, "  %-10s %s\n", subcmds[i].name, subcmds[i].summary);
	fprintf(f, "\nOptions:\n"
		"  -v, --verbose   more messages (twice: libbpf debug output)\n"
		"  -V, --version   print tool and libbpf versions\n"
		"  -h, --help      this help; SUBCOMMAND --help for its own\n"
		"\nEXAMPLES:\n"
		"  unmaptrace replay traces/default.umt   # batched vs unbatched\n"
		"  unmaptrace info traces/default.umt     # what a trace holds\n"
		"  sudo unmaptrace record -o t.umt -- ./workload\n"
		"  unmaptrace vm --kernel 6.12 -o t.umt -- ./workload\n"
		"  unmaptrace diff base.json new.json     # CI gate\n"
		"\nExit status: 0 success, 1 failure (diff: regression),\n"
		"2 usage or I/O error, 3 (diff) inputs not comparable.\n");
}

int main(int argc, char **argv)
{
	int i = 1;
	size_t k;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			umt_verbose++;
		} else if (!strcmp(a, "-vv")) {
			umt_verbose += 2;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("unmaptrace %s (libbpf %s)\n", UMT_VERSION,
			       libbpf_version_string());
			return EXIT_OK;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help") ||
			   !strcmp(a, "-?")) {
			usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "unmaptrace: unknown option '%s'\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (k = 0; k < sizeof(subcmds) / sizeof(subcmds[0]); k++) {
		if (!strcmp(argv[i], subcmds[k].name))
			return subcmds[k].fn(argc - i, argv + i);
	}
	fprintf(stderr, "unmaptrace: unknown subcommand '%s'\n", argv[i]);
	usage(stderr);
	return EXIT_USAGE;
}
