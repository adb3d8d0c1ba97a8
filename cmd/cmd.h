/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommand entry points and the few globals every subcommand shares. */
#ifndef UMT_CMD_H
#define UMT_CMD_H

#include <argp.h>
#include <stddef.h>

struct umt_reader;
typedef struct json_t json_t;

/* Exit codes, for every subcommand (see man/unmaptrace.8) */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* runtime failure; diff: regression */
#define EXIT_USAGE	2	/* usage or I/O error; also input that
				 * cannot be judged (damage.h) */
#define EXIT_INCOMPARABLE 3	/* diff: inputs cannot be compared */

extern int umt_verbose;

int cmd_record(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_vm(int argc, char **argv);

/* ---- help, for the subcommands that parse with ARGP_NO_HELP ---- */

/*
 * --help and --usage.  The doc of such a subcommand has its own USAGE:
 * block, so --help prints the options and the doc without argp's usage
 * line: the usage is printed once.
 */
#define CMD_OPT_USAGE	0x7e00
#define CMD_HELP_OPTIONS						\
	{ "help", 'h', NULL, 0, "Show this help", -1 },			\
	{ "usage", CMD_OPT_USAGE, NULL, 0, "Show a short usage message", -1 }
/* Print the help ('h') or the usage (CMD_OPT_USAGE) and exit 0 */
void cmd_help(struct argp_state *state, int key);

/* --allow-damaged, in every reader (lib/damage.h) */
#define CMD_OPT_ALLOW_DAMAGED	0x7e01
#define CMD_ALLOW_DAMAGED_OPTION					\
	{ "allow-damaged", CMD_OPT_ALLOW_DAMAGED, NULL, 0,		\
	  "Exit 0 for a damaged, lossy or empty trace (still warned on "	\
	  "stderr, and marked in the output)", 0 }
/*
 * Flush stdout: 0, or after "@who: writing the output: ERROR" on stderr
 * EXIT_USAGE (a full disk, a closed pipe: never a silent success).
 */
int cmd_stdout_done(const char *who);


/* ---- shared by the trace readers' front ends (common.c) ---- */

/*
 * The argp keys of a subcommand that takes one FILE: --help/--usage
 * (CMD_HELP_OPTIONS), the FILE, and its absence at the end.
 * ARGP_ERR_UNKNOWN for other keys.
 */
error_t cmd_parse_one_file(int key, char *arg, struct argp_state *state,
			   const char **file);
/* Print the reader's warnings added since *@done, as "@who: warning: " */
void cmd_flush_warnings(const char *who, const struct umt_reader *r,
			size_t *done);
/* jansson: a NULL from a constructor just drops the key, never crashes */
void cmd_jset(json_t *o, const char *key, json_t *v);

#endif
