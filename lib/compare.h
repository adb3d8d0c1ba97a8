/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The diff engine: load replay reports (docs/REPORT.md) or replay traces,
 * compare BASE with each NEW counter by counter under threshold rules
 * (rules.h), and render the rows as text, Markdown or JSON.  The verdict
 * follows diff(1); cmd/diff.c maps it to the exit status.
 */
#ifndef UMT_COMPARE_H
#define UMT_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"

/*
 * What a kernel developer gates on by default: the costs batching exists
 * to cut.  A TLB flush can mean IPIs to every CPU in mm_cpumask, so any
 * extra one fails, and so does one more arm64 TLBI broadcast.  Atomics,
 * barriers and locks hit shared cache lines; a small tolerance (both 0.5%
 * and 8 ops) absorbs the jitter of re-recorded traces, while a change of
 * the model or the kernel path (one more op per folio) is far above it.
 * ptep_get is a plain load on x86 but reads a whole contpte block on
 * arm64, hence a looser bound.  Other counters are inputs (ttu_calls) or
 * parts of these and are shown, not gated.
 */
#define RULE_TLB	"tlb_flushes>+0%,tlbi>+0%"
#define RULE_ATOMICS	"atomics>+0.5%&+8"
#define RULE_BARRIERS	"barriers>+0.5%&+8"
#define RULE_LOCKS	"locks>+0.5%&+8"
#define RULE_PTEP_GET	"ptep_get>+1%&+64"
/*
 * What a kernel change moves besides the costs above, and what the live
 * counts of two recordings show first: falling back from batches to one
 * PTE at a time multiplies rmap calls, mm counter updates, walk calls and
 * iterations and batches by the folio size (+1500% for 64K folios).  Two
 * recordings of one workload differ a little in folio sizes (an mTHP
 * allocation that fell back to 4K), hence 2% and 64.  rmap_pages is the
 * pages unmapped: the workload fixes it, so growth beyond 1% means the
 * kernel unmapped what it did not before.  failed_calls (live: calls that
 * returned false, the folio stays mapped and reclaim retries it)
 * tolerates the few races of a recording.
 */
#define RULE_RMAP	"rmap_calls>+2%&+64,rmap_pages>+1%&+64"
#define RULE_MM		"mm_counter_updates>+2%&+64"
#define RULE_WALK	"walk_calls>+2%&+64,walk_iterations>+2%&+64"
#define RULE_BATCHES	"batches>+2%&+64,failed_calls>+1%&+8"
#define DEFAULT_RULES	RULE_TLB "," RULE_ATOMICS "," RULE_BARRIERS "," \
			RULE_LOCKS "," RULE_PTEP_GET "," RULE_RMAP "," \
			RULE_MM "," RULE_WALK "," RULE_BATCHES

/* The policy name of what the recording kernel did (a report's live{}) */
#define COMPARE_LIVE	"live"

enum compare_fmt { FMT_TEXT, FMT_MARKDOWN, FMT_JSON };

/* diff(1)'s exit codes, ranked 3 > 1 > 0 across several NEWs */
enum diff_verdict {
	DIFF_OK			= 0,	/* within thresholds */
	DIFF_REGRESSION		= 1,
	DIFF_TROUBLE		= 2,	/* usage, I/O or malformed input */
	DIFF_INCOMPARABLE	= 3,	/* schema or policy/counter sets */
	/* damaged, lossy, empty: exits UMT_EXIT_DAMAGED (lib/damage.h) */
	DIFF_DAMAGED		= 4,
};

/* The exit status of a verdict (DIFF_DAMAGED exits 2, as every reader) */
int compare_exit_status(int verdict);

/* --pair: BASE's result of policy b against NEW's of policy n */
struct compare_pair {
	char *b, *n;
};

struct compare_opts {
	enum compare_fmt fmt;
	bool all;
	bool allow_missing;
	bool allow_damaged;
	bool rules_given;
	struct umt_rules rules;
	char **metrics;
	size_t nr_metrics;
	char **policies;	/* replayed from traces, selected in reports */
	size_t nr_policies;
	struct compare_pair *pairs;	/* --pair */
	size_t nr_pairs;
	char **arches;
	size_t nr_arches;
	char **files;
	size_t nr_files;
};

/* Append @s to the vector @v of @n (no copy); OOM exits 2 */
void compare_push(char ***v, size_t *n, char *s);
/* Append copies of the comma-separated names of @list */
void compare_split_push(char ***v, size_t *n, const char *list);
/* Append the pairs of "none:kernel,live:live"; -1 with @err on a bad one */
int compare_parse_pairs(struct compare_opts *o, const char *list,
			char *err, size_t len);

/*
 * Load o->files, compare the first with each other one and print the
 * result on stdout in o->fmt; messages on stderr.
 */
enum diff_verdict compare_run(struct compare_opts *o);
/* Zero @o and parse DEFAULT_RULES into it; -1 with @err on failure */
int compare_opts_init(struct compare_opts *o, char *err, size_t errlen);
/* Free what the option parser pushed into @o */
void compare_opts_free(struct compare_opts *o);

#endif
