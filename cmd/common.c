// SPDX-License-Identifier: GPL-2.0
/* What the info and dump front ends share (cmd.h). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "filter.h"
#include "report.h"
#include "umt.h"

struct umt_filter cmd_filter;

enum {
	OPT_F_PID = 0x7d00,
	OPT_F_COMM,
	OPT_F_CGROUP,
	OPT_F_RECLAIMER,
};

static const struct argp_option filter_opts[] = {
	{ NULL, 0, NULL, 0, "Filters, by victim (whose memory is unmapped) "
	  "and reclaim path; format 1.2 traces:", 40 },
	{ "pid", OPT_F_PID, "PID", 0, "Calls on the memory of process PID",
	  40 },
	{ "comm", OPT_F_COMM, "NAME", 0, "Calls on the memory of processes "
	  "named NAME", 40 },
	{ "cgroup", OPT_F_CGROUP, "PATH|ID", 0, "Calls whose victim is in "
	  "this memory cgroup or below (/sys/fs/cgroup/a, /a or an id)", 40 },
	{ "reclaimer", OPT_F_RECLAIMER, "PATH", 0, "Calls on this reclaim "
	  "path: madvise, direct, kswapd, proactive, khugepaged, migration, "
	  "hwpoison, other", 40 },
	{},
};

static error_t filter_parse(int key, char *arg, struct argp_state *state)
{
	static const char *const names[] = { "pid", "comm", "cgroup",
					     "reclaimer" };
	char err[160];

	if (key < OPT_F_PID || key > OPT_F_RECLAIMER)
		return ARGP_ERR_UNKNOWN;
	if (umt_filter_set(&cmd_filter, names[key - OPT_F_PID], arg, err,
			   sizeof(err)))
		argp_error(state, "%s", err);
	return 0;
}

static const struct argp filter_argp = {
	.options = filter_opts,
	.parser = filter_parse,
};

const struct argp_child cmd_filter_children[] = {
	{ &filter_argp, 0, NULL, 0 },
	{ 0 },
};

void cmd_filter_begin(const struct umt_reader *r)
{
	const char *a = report_norm_arch(umt_meta_get(umt_reader_meta(r),
						      UMT_KEY_ARCH));

	umt_filter_begin(&cmd_filter, a && !strcmp(a, "arm64"));
}

void cmd_help(struct argp_state *state, int key)
{
	argp_state_help(state, stdout, (key == 'h' ? ARGP_HELP_LONG |
			ARGP_HELP_DOC : ARGP_HELP_USAGE) | ARGP_HELP_EXIT_OK);
}

error_t cmd_parse_one_file(int key, char *arg, struct argp_state *state,
			   const char **file)
{
	switch (key) {
	case 'h':
	case CMD_OPT_USAGE:
		cmd_help(state, key);
		break;
	case ARGP_KEY_ARG:
		if (*file) {
			argp_error(state, "one FILE only (got '%s' too)", arg);
			return EINVAL;
		}
		*file = arg;
		break;
	case ARGP_KEY_END:
		if (!*file)
			argp_error(state, "FILE missing ('-' reads stdin)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void cmd_flush_warnings(const char *who, const struct umt_reader *r,
			size_t *done)
{
	const char *w = umt_reader_warnings(r) + *done;
	const char *nl;

	while ((nl = strchr(w, '\n'))) {
		fprintf(stderr, "%s: warning: %.*s\n", who, (int)(nl - w), w);
		*done += nl + 1 - w;
		w = nl + 1;
	}
}

void cmd_jset(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

int cmd_stdout_done(const char *who)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;

	if (!bad)
		return 0;
	fprintf(stderr, "%s: writing the output: %s\n", who,
		strerror(err ? err : EIO));
	return EXIT_USAGE;
}
