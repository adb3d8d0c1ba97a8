// SPDX-License-Identifier: GPL-2.0
/* What the info and dump front ends share (cmd.h). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "umt.h"

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
