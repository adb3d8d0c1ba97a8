// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace record: the argp front end of the collector.  The session
 * (plan, load, attach, ring-buffer loop, trace) is collect/session.c.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "session.h"

static const char record_doc[] =
"Record what try_to_unmap_one() sees into a .umt trace (root).\n"
"\n"
"USAGE: unmaptrace record [-o FILE] [-d SECONDS] [-b MB] [--meta K=V]...\n"
"                         [--reclaimer-only] (-p PID | -- CMD [ARGS...])\n"
"       unmaptrace record [OPTIONS] (-a | --cgroup PATH) [-- CMD [ARGS...]]\n"
"\n"
"With CMD: run it and record every call that unmaps memory of it or its\n"
"children (the victims), whoever makes it (kswapd, direct reclaim,\n"
"another process's memory.reclaim); stop when CMD exits (or after -d,\n"
"then CMD gets SIGTERM).  -p PID does the same for a running process\n"
"and its children until it exits.  --reclaimer-only records instead the\n"
"calls those processes make themselves, on anyone's memory.  -a records\n"
"every call on the system, --cgroup PATH those whose victim is in that\n"
"memory cgroup or below; with CMD, until CMD exits.\n"
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
"    unmaptrace record -a -- ./hog            # everything, until ./hog exits\n"
"    unmaptrace record --cgroup /sys/fs/cgroup/db -d 60\n"
"    unmaptrace record -p 1234 --meta workload=db-reclaim\n";

enum { OPT_CGROUP = 0x100, OPT_RECLAIMER_ONLY };

static const struct argp_option record_opts[] = {
	{ "output", 'o', "FILE", 0, "trace file (default unmaptrace.umt)", 0 },
	{ "duration", 'd', "SECONDS", 0, "stop after SECONDS", 0 },
	{ "pid", 'p', "PID", 0, "follow process PID and its children", 0 },
	{ "all", 'a', NULL, 0, "record every call (with CMD: until it exits)",
	  0 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "record calls whose victim is in "
	  "this memory cgroup or below", 0 },
	{ "reclaimer-only", OPT_RECLAIMER_ONLY, NULL, 0, "with -p or CMD: "
	  "record the calls they make, not those on their memory", 0 },
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

/*
 * CMD as execvp() will find it: a name with a '/' as it is, else the
 * first executable in $PATH.  A CMD that cannot run is a usage error,
 * found before anything is loaded or written.
 */
static bool runnable(const char *cmd)
{
	const char *path = getenv("PATH"), *p, *e;
	char buf[PATH_MAX];

	if (strchr(cmd, '/'))
		return !access(cmd, X_OK);
	for (p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin"; p;
	     p = *e ? e + 1 : NULL) {
		e = strchrnul(p, ':');
		if ((size_t)snprintf(buf, sizeof(buf), "%.*s/%s",
				     e > p ? (int)(e - p) : 1,
				     e > p ? p : ".", cmd) < sizeof(buf) &&
		    !access(buf, X_OK))
			return true;
	}
	return false;
}

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
	case OPT_CGROUP:
		a->cgroup = arg;
		break;
	case OPT_RECLAIMER_ONLY:
		a->reclaimer_only = true;
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
		if ((a->pid > 0) + a->all + !!a->cgroup > 1)
			argp_error(state, "give one of -p PID, -a or --cgroup");
		if (a->pid > 0 && a->nr_cmd)
			argp_error(state, "give -p PID or -- CMD, not both");
		if (!a->pid && !a->all && !a->cgroup && !a->nr_cmd)
			argp_error(state, "give -p PID, -a, --cgroup PATH or "
				   "-- CMD");
		if (a->reclaimer_only && (a->all || a->cgroup))
			argp_error(state, "--reclaimer-only goes with -p PID "
				   "or -- CMD");
		if (a->nr_cmd && !runnable(a->cmd[0]))
			argp_error(state, "cannot run '%s': %s", a->cmd[0],
				   strchr(a->cmd[0], '/') ? strerror(errno) :
				   "not found in $PATH");
		if (a->pid > 0 && kill(a->pid, 0) && errno == ESRCH)
			argp_error(state, "no process %d", a->pid);
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

	static char name[] = "unmaptrace record";

	argp_err_exit_status = EXIT_USAGE;
	argv[0] = name;	/* argp's messages speak for the subcommand */
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
