/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One recording session, libbpf-bootstrap style: plan, open and load the
 * skeleton, choose the target, attach, open the trace, poll the ring
 * buffer until the target ends, drain, write the stats, one cleanup path.
 */
#ifndef UT_SESSION_H
#define UT_SESSION_H

#include <stdbool.h>

struct ut_record_opts {
	const char *out;		/* trace file, "-" for stdout */
	double duration;		/* seconds, 0: until the target ends */
	int pid;			/* -p: follow PID and its children */
	bool all;			/* -a: every task */
	bool reclaimer_only;		/* -p/CMD: as caller, not victim */
	const char *cgroup;		/* victims in this cgroup and below */
	int nr_meta;
	char **meta;			/* KEY=VALUE pairs for the header */
	unsigned long buffer_mb;	/* ring buffer size */
	char **cmd;			/* -- CMD [ARGS...] */
	int nr_cmd;
	int argc;			/* the command line, for metadata */
	char **argv;
	int verbose;			/* libbpf INFO at 1, DEBUG at 2 */
};

enum ut_record_result {
	UT_RECORD_OK,			/* trace written */
	UT_RECORD_FAILED,		/* impossible here */
	UT_RECORD_NO_OUTPUT,		/* cannot create the trace file */
	UT_RECORD_WRITE_ERROR,		/* the trace could not be written */
};

/* Record; every message goes to stderr */
enum ut_record_result ut_record(struct ut_record_opts *o);

#endif
