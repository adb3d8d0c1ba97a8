// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace record: the argp front end of the collector.  The session
 * (plan, load, attach, ring-buffer loop, trace) is collect/session.c.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "session.h"

static const char record_doc[] =
"Record what try_to_unmap_one() sees into a .umt trace (root).\n"
"\n"
"USAGE: unmaptrace record [-o FILE] [-d SECONDS] [-b MB] [--meta K=V]...\n"
"                         (-p PID | -a | -- CMD [ARGS...])\n"
"\n"
"With CMD: run it, record it and its children, stop when it exits (or\n"
"after -d, then CMD gets SIGTERM).  -p follows a running process and its\n"
"children until it exits, -a the whole system (kswapd included).\n"
"Ctrl-C (SIGINT/SIGTERM) ends the trace cleanly; the trace is flushed\n"
"every second, so a SIGKILL loses about a second (what is before reads\n"
"back).  With -o - CMD's stdout goes to stderr, never into the trace.\n"
"An existing FILE is renamed to FILE.old first, FILE is then created\n"
"anew (O_EXCL).  Exit status 0 when the trace was written (CMD's own\n"
"status is in the summary line), 1 when recording is impossible here\n"
"(see `unmaptrace features`), 2 usage, or the trace could not be\n"
"created or written (a full disk: said at once, the recording stops).\n"
"\n"
"EXAMPLES:\n"
"    unmaptrace record -- umt-workload anon-pageout --size 64\n"
"    unmaptrace record -o t.umt -d 10 -a     # whole system, 10 s\n"
"    unmaptrace record -p 1234 --meta workload=db-reclaim\n";

static const struct argp_option record_opts[] = {
	{ "output", 'o', "FILE", 0, "trace file (default unmaptrace.umt)", 0 },
	{ "duration", 'd', "SECONDS", 0, "stop after SECONDS", 0 },
	{ "pid", 'p', "PID", 0, "follow process PID and its children", 0 },
	{ "all", 'a', NULL, 0, "record every task", 0 },
	{ "meta", 'm', "KEY=VALUE", 0, "add a metadata pair (repeatable)", 0 },
	{ "buffer", 'b', "MB", 0, "ring buffer size in MiB (default 16)", 0 },
	CMD_HELP_OPTIONS,
	{},
};

#define MAX_USER_META	16

struct record_args {
	struct ut_record_opts o;
	char *meta[MAX_USER_META];
};

static error_t record_parse(int key, char *arg, struct argp_state *state)
{
	struct record_args *args = state->input;
	struct ut_record_opts *a = &args->o;
	char *end;
	long v;

	switch (key) {
	case 'o':
		a->out = arg;
		break;
	case 'd':
		errno = 0;
		a->duration = strtod(arg, &end);
		if (errno || *end || a->duration <= 0)
			argp_error(state, "bad duration '%s'", arg);
		break;
	case 'p':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v <= 0 || v > INT_MAX)
			argp_error(state, "bad pid '%s'", arg);
		a->pid = v;
		break;
	case 'a':
		a->all = true;
		break;
	case 'm':
		if (!strchr(arg, '=') || arg[0] == '=')
			argp_error(state, "--meta wants KEY=VALUE, got '%s'",
				   arg);
		if (a->nr_meta >= MAX_USER_META)
			argp_error(state, "at most %d --meta pairs",
				   MAX_USER_META);
		args->meta[a->nr_meta++] = arg;
		break;
	case 'b':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < 1 || v > 4096)
			argp_error(state, "bad buffer size '%s' (1..4096 MiB)",
				   arg);
		a->buffer_mb = v;
		break;
	case 'h':
	case CMD_OPT_USAGE:
		cmd_help(state, key);
		break;
	case ARGP_KEY_ARG:
		/* the rest (after "--") is CMD */
		a->cmd = &state->argv[state->next - 1];
		a->nr_cmd = state->argc - state->next + 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if ((a->pid > 0) + a->all + (a->nr_cmd > 0) != 1)
			argp_error(state, "give exactly one of -p PID, -a or "
				   "-- CMD");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_record(int argc, char **argv)
{
	static const struct argp argp = {
		.options = record_opts,
		.parser = record_parse,
		.args_doc = "[-- CMD [ARGS...]]",
		.doc = record_doc,
	};
	struct record_args a = {
		.o = { .out = "unmaptrace.umt", .buffer_mb = 16 },
	};

	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER | ARGP_NO_HELP, NULL,
		       &a))
		return EXIT_USAGE;
	a.o.meta = a.meta;
	a.o.argc = argc;
	a.o.argv = argv;
	a.o.verbose = umt_verbose;
	switch (ut_record(&a.o)) {
	case UT_RECORD_OK:
		return EXIT_OK;
	case UT_RECORD_NO_OUTPUT:
	case UT_RECORD_WRITE_ERROR:
		return EXIT_USAGE;	/* an I/O error */
	default:
		return EXIT_FAIL;
	}
}
