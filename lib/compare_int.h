/* SPDX-License-Identifier: GPL-2.0 */
/* Private to lib/compare*.c: the loaded inputs, the rows, the renderers. */
#ifndef UMT_COMPARE_INT_H
#define UMT_COMPARE_INT_H

#include <jansson.h>
#include <stdio.h>

#include "compare.h"
#include "rules.h"

struct metric {
	char *name;		/* "atomics", "breakdown.tlb_flushes.range" */
	long double v;
	json_t *json;		/* the value as read, for --json output */
};

struct result {
	const char *policy;	/* a view: "live", "kernel", "none:kernel" */
	const char *arch;
	struct metric *m;
	size_t n, cap;
	size_t *by_name;	/* m[] indices sorted by name (index_results) */
	const char *bpol, *npol;	/* a view: the policy of each side */
	char label[96];
};

struct input {
	const char *path;
	json_t *root;
	const char *schema;
	int major;
	struct result *r;
	size_t n;
	/* trace{}: which kernel (release, uname -v, --meta kernel=) */
	const char *kernel, *kversion, *klabel;
	bool damaged;		/* damaged, lossy or without a call */
	char damage[320];	/* why, for the header and the verdict */
	int refused_rc;		/* DIFF_DAMAGED: refused by lib/damage.h */
};

struct row {
	const struct result *res;	/* whichever side has it */
	const char *metric;		/* NULL: the whole result is missing */
	const struct metric *b, *n;
	enum umt_status st;
	struct umt_rule *why;		/* the rule it broke */
	struct umt_rule *rule;		/* the rule that decided it */
};

struct cmp {
	const struct input *base, *new;
	struct row *rows;
	size_t n, cap;
	struct result **views;	/* one per compared (pair, arch) */
	size_t nviews;
	const char *mode;	/* kernels, models, pairs, policies */
	char pairs[256];	/* "live, kernel" */
	char mode_why[512];	/* why these were chosen */
	const char *incomparable;	/* why nothing could be judged */
	char why[512];
	unsigned int nr[UMT_MISSING + 1];
	unsigned int unchanged;
	int exit;
	int exit_inputs;	/* exit, and a refused input's DIFF_DAMAGED */
};

/* Out of memory: say so and exit 2 (DIFF_TROUBLE) */
void compare_die_oom(void) __attribute__((noreturn));
/* The lost-event count of a loaded report's trace (0: none said) */
json_int_t compare_trace_lost(const struct input *in);

/* One comparison per call, on stdout */
void compare_print_text(const struct cmp *c,
			const struct compare_opts *o);
void compare_print_markdown(const struct cmp *c,
			    const struct compare_opts *o);
/* One comparison as one line of JSON (JSON Lines across NEW files) */
void compare_print_json(const struct cmp *c, const struct compare_opts *o);

#endif
