// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: reader + model + report, as `replay --check --json` and the
 * text report run them: policies, the check of "kernel" against the live
 * counts, then the three renderers into a sink.
 * Mutator: umt_mutator.c (re-compressed chunks, fixed CRCs).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "damage.h"
#include "replay.h"
#include "report.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sink = fopen("/dev/null", "w");
	return 0;
}

/*
 * Cheap, so that it runs often: "kernel" (for the check) and one other
 * policy on one arch per input, both chosen by the input's size; over a
 * run every policy and both arches are covered.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const others[] = { "none", "lazyfree-6.15", "lazyfree",
					"file-7.2", "file", "anon",
					"file+skip", "page-rmap" };
	char *names[2] = { "kernel", others[size % 8] };
	struct replay_opts o = {
		.who = "fuzz", .policy_who = "",
		.policies = names, .nr_policies = 2,
		.arch = size / 8 % 2 ? "arm64" : NULL,
		.live = true, .check = true, .fold = true,
	};
	struct umt_reader *r;
	struct report rep;
	char err[256];

	r = umt_reader_open_mem(data, size, err, sizeof(err));
	if (!r)
		return 0;
	if (!replay_reader(r, "-", &o, &rep)) {
		/* one renderer an input, also by size: each is run often */
		if (size / 16 % 3 == 0)
			report_text(&rep, sink, true);
		else if (size / 16 % 3 == 1)
			report_json(&rep, sink, true);
		else
			report_csv(&rep, sink, true);
		umt_damage_verdict(&rep.damage, "fuzz", "-", false, sink);
		report_free(&rep);
	}
	umt_reader_close(r);
	return 0;
}
