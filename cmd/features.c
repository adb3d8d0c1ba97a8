// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace features: the attach plan on the running kernel, every
 * candidate tried (really loaded and attached), which won, why the others
 * lost.
 */
#include <argp.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cmd.h"
#include "plan.h"

static const char features_doc[] =
"Show which hooks the collector can attach on this kernel.\n"
"\n"
"USAGE: unmaptrace features [--json]\n"
"\n"
"Every candidate (symbol x mechanism) of every logical hook is really\n"
"loaded and attached (needs root); the first that works wins.\n"
"Exit status: 0 when `record` can run here, 1 when a hook is missing.\n"
"\n"
"EXAMPLES:\n"
"    unmaptrace features          # table of hooks and candidates\n"
"    unmaptrace features --json   # the same, machine-readable\n";

static const struct argp_option features_opts[] = {
	{ "json", 'j', NULL, 0, "JSON output", 0 },
	{},
};

struct features_args {
	bool json;
};

static error_t features_parse(int key, char *arg, struct argp_state *state)
{
	struct features_args *a = state->input;

	switch (key) {
	case 'j':
		a->json = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_features(int argc, char **argv)
{
	static const struct argp argp = {
		.options = features_opts,
		.parser = features_parse,
		.doc = features_doc,
	};
	struct features_args a = {};
	struct ut_plan plan;
	struct utsname u;
	int missing;

	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a))
		return EXIT_USAGE;
	if (geteuid() != 0)
		fprintf(stderr, "unmaptrace features: not root: most probes "
			"will fail with EPERM\n");
	uname(&u);
	ut_plan_probe(&plan);
	missing = ut_plan_missing(&plan);
	if (a.json) {
		json_t *j = ut_plan_json(&plan);

		json_object_set_new(j, "kernel", json_string(u.release));
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		printf("kernel %s %s, BTF %s\n\n", u.release, u.machine,
		       plan.have_btf ? "yes" : "NO");
		ut_plan_print(&plan, stdout);
		if (missing < 0)
			printf("\nrecord: possible (every hook attaches)\n");
		else
			printf("\nrecord: NOT possible: hook '%s' has no "
			       "working mechanism\n", ut_hook_name(missing));
	}
	return missing < 0 ? EXIT_OK : EXIT_FAIL;
}
