/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One replay: open a trace, build its policies for the arch asked (or the
 * trace's own), and feed every record through the model into a report.
 * Used by `replay` and by `diff` for the traces it is given.
 */
#ifndef UMT_REPLAY_H
#define UMT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/*
 * The baseline first (every % is against it), the recording kernel, then
 * every later generation and proposal; the text folds those that change
 * nothing for the trace.  --batched and --unbatched are measured against
 * the baseline and the kernel.  diff replays traces with the default.
 */
#define REPLAY_DEFAULT_POLICIES	\
	"none,kernel,lazyfree-6.15,lazyfree,file-7.2,file,anon"
#define REPLAY_BATCHED		"none,kernel,anon"
#define REPLAY_UNBATCHED	"kernel,none"

struct replay_opts {
	const char *who;		/* message prefix: "replay" */
	const char *policy_who;		/* before policy errors: "" */
	char *const *policies;		/* names, in report order */
	size_t nr_policies;
	size_t max_policies;		/* more is an error; 0: no limit */
	const char *arch;		/* "x86", "arm64"; NULL: the trace's */
	bool live;			/* compare a "kernel" policy on the
					 * trace's arch with the live counts */
	bool check;			/* with live: add a hidden one */
	bool fold;			/* text: fold what changes nothing */
	bool both_arches;		/* text: the other arch too, for the
					 * first block (report.h other_arch) */
};

/*
 * Replay @path into @rep.  0; -1 after a message on stderr; -ENOMEM
 * without one.  @rep is zeroed or freed on failure.  The reader's
 * warnings go to stderr as they are (o->who: warning: ...), its verdict
 * into rep->damage (what could be read is in @rep): the caller ends with
 * umt_damage_verdict() on it.
 */
int replay_trace(const char *path, const struct replay_opts *o,
		 struct report *rep);

#endif
