/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommand entry points and the few globals every subcommand shares. */
#ifndef UMT_CMD_H
#define UMT_CMD_H

#include <argp.h>

/* Exit codes, for every subcommand (see man/unmaptrace.8) */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* runtime failure; diff: regression */
#define EXIT_USAGE	2	/* usage or I/O error */
#define EXIT_INCOMPARABLE 3	/* diff: inputs cannot be compared */

extern int umt_verbose;

int cmd_record(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);

#endif
