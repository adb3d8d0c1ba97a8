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
	const char *policy;
	const char *arch;
	struct metric *m;
	size_t n;
};

struct input {
	const char *path;
	json_t *root;
	const char *schema;
	int major;
	struct result *r;
	size_t n;
};

struct row {
	const struct result *res;	/* whichever side has it */
	const char *metric;		/* NULL: the whole result is missing */
	const struct metric *b, *n;
	enum umt_status st;
	struct umt_rule *why;
};

struct cmp {
	const struct input *base, *new;
	struct row *rows;
	size_t n, cap;
	const char *incomparable;	/* why nothing could be judged */
	char why[512];
	unsigned int nr[UMT_MISSING + 1];
	unsigned int unchanged;
	int exit;
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
/* All comparisons and the overall verdict, one JSON object */
void compare_print_json(struct cmp *cmps, size_t n, int exit_code,
			const struct compare_opts *o);

#endif
