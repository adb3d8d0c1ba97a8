/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Threshold rules for `unmaptrace diff --fail-on`, and the metric globs of
 * `--metric`.  Kept out of cmd/ so tests/unit/test_rules.c can link them.
 *
 * Grammar (spaces around tokens are allowed):
 *
 *   spec  := rule { ',' rule }
 *   rule  := GLOB '>' cond { '&' cond }
 *   cond  := [ '+' ] NUMBER '%'	relative: increase > NUMBER percent
 *          | [ '+' ] NUMBER		absolute: increase > NUMBER
 *
 * GLOB is an fnmatch(3) pattern without FNM_PATHNAME, so '*' also matches
 * the dots of "breakdown.tlb_flushes.range".  A rule with two conditions
 * fires only when both are exceeded.  When several rules match a metric the
 * last one wins, so "*>+0%,ptep_get>+1%" relaxes ptep_get only.
 */
#ifndef UMT_RULES_H
#define UMT_RULES_H

#include <stdbool.h>
#include <stddef.h>

struct umt_rule {
	char *glob;
	char *text;		/* the rule as written, for messages */
	bool has_rel;
	bool has_abs;
	double rel_pct;		/* fires when the increase is > rel_pct % */
	double abs;		/* fires when the increase is > abs */
	unsigned int hits;	/* metrics this rule decided, for warnings */
};

struct umt_rules {
	struct umt_rule *v;
	size_t n;
};

enum umt_status {
	UMT_OK,			/* unchanged, or grew within the rules */
	UMT_IMPROVED,		/* went down */
	UMT_REGRESSED,		/* grew beyond the rule that matches it */
	UMT_MISSING,		/* present on one side only */
};

const char *umt_status_name(enum umt_status s);

/*
 * Append the rules of @spec to @rs.  On a syntax error return -1, leave @rs
 * as it was and write a message naming the offending rule into @err.
 */
int umt_rules_parse(struct umt_rules *rs, const char *spec, char *err,
		    size_t errlen);
void umt_rules_free(struct umt_rules *rs);

/* The rule that decides @metric (the last match), or NULL. */
struct umt_rule *umt_rules_match(const struct umt_rules *rs,
				 const char *metric);

/* Whether going from @base to @new exceeds every condition of @r. */
bool umt_rule_exceeded(const struct umt_rule *r, long double base,
		       long double new);

/*
 * Status of one metric; *@why is set to the deciding rule when the result
 * is UMT_REGRESSED (NULL otherwise).
 */
enum umt_status umt_classify(const struct umt_rules *rs, const char *metric,
			     long double base, long double new,
			     struct umt_rule **why);

/*
 * --metric filter: @metric is selected when it matches at least one
 * positive glob (or there are none) and no glob written as "!GLOB".
 */
bool umt_metric_selected(char *const *globs, size_t n, const char *metric);

#endif
