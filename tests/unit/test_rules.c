// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/rules.c: the --fail-on parser and its evaluation. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "unit.h"

static void test_parse_forms(void)
{
	struct umt_rules rs = { 0 };
	char err[256] = "";
	int rc;

	rc = umt_rules_parse(&rs, " tlb_flushes>+0% , atomics > 2%&+100,"
			     "breakdown.*>+1000", err, sizeof(err));
	result("rules_parse_forms",
	       !rc && rs.n == 3 &&
	       !strcmp(rs.v[0].glob, "tlb_flushes") &&
	       rs.v[0].has_rel && !rs.v[0].has_abs && rs.v[0].rel_pct == 0 &&
	       !strcmp(rs.v[1].glob, "atomics") &&
	       rs.v[1].has_rel && rs.v[1].rel_pct == 2 &&
	       rs.v[1].has_abs && rs.v[1].abs == 100 &&
	       !strcmp(rs.v[1].text, "atomics > 2%&+100") &&
	       !strcmp(rs.v[2].glob, "breakdown.*") &&
	       !rs.v[2].has_rel && rs.v[2].abs == 1000,
	       "rc %d n %zu err '%s'", rc, rs.n, err);

	rc = umt_rules_parse(&rs, "ptep_get>+0.5%", err, sizeof(err));
	result("rules_parse_appends_and_fractions",
	       !rc && rs.n == 4 && rs.v[3].rel_pct == 0.5,
	       "rc %d n %zu", rc, rs.n);
	umt_rules_free(&rs);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *spec;
		const char *needle;	/* must appear in the message */
	} bad[] = {
		{ "",			"empty rule" },
		{ "atomics",		"expected GLOB>THRESHOLD" },
		{ ">+1%",		"no metric name" },
		{ "atomics>",		"empty threshold" },
		{ "atomics>-1%",	"increases" },
		{ "atomics>+1%%",	"not a number" },
		{ "atomics>+x",		"not a number" },
		{ "atomics>inf",	"not a number" },
		{ "atomics>0x10",	"not a number" },
		{ "atomics>1e3",	"not a number" },
		{ "atomics>+.%",	"not a number" },
		{ "atomics>+1%&+2%",	"two relative" },
		{ "atomics>+1&+2",	"two absolute" },
		{ "atomics>+1&",	"empty threshold" },
		{ "atomics>+1%,",	"empty rule" },
		{ "a>+1%,,b>+1%",	"empty rule" },
		{ "a>+1%>+2%",		"not a number" },
	};
	struct umt_rules rs = { 0 };
	char err[256], name[96];
	size_t i;

	/* a good rule first: a bad spec must not leave half its rules */
	umt_rules_parse(&rs, "locks>+0%", err, sizeof(err));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		err[0] = '\0';
		rc = umt_rules_parse(&rs, bad[i].spec, err, sizeof(err));
		snprintf(name, sizeof(name), "rules_reject[%s]", bad[i].spec);
		result(name, rc == -1 && rs.n == 1 &&
		       strstr(err, bad[i].needle) && strstr(err, "bad rule"),
		       "rc %d n %zu err '%s' (want '%s')", rc, rs.n, err,
		       bad[i].needle);
	}
	umt_rules_free(&rs);
}

static void check_exceeded(const char *spec, long double base,
			   long double new, int want)
{
	struct umt_rules rs = { 0 };
	char err[256], name[128];
	int got;

	if (umt_rules_parse(&rs, spec, err, sizeof(err))) {
		result("rules_exceeded_setup", 0, "%s", err);
		return;
	}
	got = umt_rule_exceeded(&rs.v[0], base, new);
	snprintf(name, sizeof(name), "rules_exceeded[%s %.0Lf->%.0Lf]",
		 spec, base, new);
	result(name, got == want, "got %d want %d", got, want);
	umt_rules_free(&rs);
}

static void test_exceeded(void)
{
	check_exceeded("x>+0%", 0, 0, 0);
	check_exceeded("x>+0%", 100, 100, 0);
	check_exceeded("x>+0%", 100, 101, 1);
	check_exceeded("x>+0%", 100, 99, 0);
	check_exceeded("x>+0%", 0, 1, 1);	/* from zero: infinitely more */
	check_exceeded("x>+2%", 100, 102, 0);	/* "beyond", not "at" */
	check_exceeded("x>+2%", 100, 103, 1);
	check_exceeded("x>+1000", 0, 1000, 0);
	check_exceeded("x>+1000", 0, 1001, 1);
	check_exceeded("x>+1000", 5000, 4000, 0);
	/* both: a small relative change of a big count ... */
	check_exceeded("x>+2%&+100", 10000, 10150, 0);
	/* ... and a big relative change of a small count both pass */
	check_exceeded("x>+2%&+100", 1000, 1050, 0);
	check_exceeded("x>+2%&+100", 10000, 10300, 1);
	check_exceeded("x>+2%&+100", 0, 50, 0);
	check_exceeded("x>+2%&+100", 0, 101, 1);
	/* a one-count change of a huge counter must still show */
	check_exceeded("x>+0%", (long double)(1ULL << 62),
		       (long double)(1ULL << 62) + 1, 1);
	check_exceeded("x>+0.5%", 1000, 1005, 0);
	check_exceeded("x>+0.5%", 1000, 1006, 1);
}

static void test_classify(void)
{
	struct umt_rules rs = { 0 };
	struct umt_rule *why;
	char err[256];
	enum umt_status s;

	umt_rules_parse(&rs, "*>+0%,ptep_get>+10%,breakdown.*>+5", err,
			sizeof(err));

	s = umt_classify(&rs, "atomics", 10, 11, &why);
	result("classify_regressed_names_rule",
	       s == UMT_REGRESSED && why && !strcmp(why->glob, "*"),
	       "status %s", umt_status_name(s));

	/* the later, more specific rule wins over "*" */
	s = umt_classify(&rs, "ptep_get", 100, 105, &why);
	result("classify_last_rule_wins", s == UMT_OK && !why,
	       "status %s", umt_status_name(s));
	s = umt_classify(&rs, "ptep_get", 100, 111, &why);
	result("classify_last_rule_fires",
	       s == UMT_REGRESSED && why && !strcmp(why->glob, "ptep_get"),
	       "status %s", umt_status_name(s));

	s = umt_classify(&rs, "breakdown.tlb_flushes.range", 10, 14, &why);
	result("classify_glob_crosses_dots", s == UMT_OK,
	       "status %s", umt_status_name(s));
	s = umt_classify(&rs, "breakdown.tlb_flushes.range", 10, 16, &why);
	result("classify_glob_crosses_dots_fires", s == UMT_REGRESSED,
	       "status %s", umt_status_name(s));

	s = umt_classify(&rs, "atomics", 10, 9, &why);
	result("classify_improved", s == UMT_IMPROVED && !why,
	       "status %s", umt_status_name(s));
	s = umt_classify(&rs, "atomics", 10, 10, &why);
	result("classify_unchanged", s == UMT_OK, "status %s",
	       umt_status_name(s));
	umt_rules_free(&rs);

	/* no rule: growth is shown but never fails */
	s = umt_classify(&rs, "atomics", 10, 1000, &why);
	result("classify_no_rule", s == UMT_OK && !why, "status %s",
	       umt_status_name(s));
}

static void test_metric_filter(void)
{
	char *none[] = { NULL };
	char *pos[] = { "tlb_flushes", "breakdown.tlb_flushes.*" };
	char *neg[] = { "!breakdown.by_*" };
	char *both[] = { "breakdown.*", "!breakdown.by_size.*" };

	result("metric_all_by_default",
	       umt_metric_selected(none, 0, "atomics"), "");
	result("metric_positive",
	       umt_metric_selected(pos, 2, "tlb_flushes") &&
	       umt_metric_selected(pos, 2, "breakdown.tlb_flushes.page") &&
	       !umt_metric_selected(pos, 2, "atomics") &&
	       !umt_metric_selected(pos, 2, "tlb_flushes_x"), "");
	result("metric_negative_only",
	       umt_metric_selected(neg, 1, "atomics") &&
	       !umt_metric_selected(neg, 1, "breakdown.by_kind.file.folios"),
	       "");
	result("metric_negative_beats_positive",
	       umt_metric_selected(both, 2, "breakdown.atomics.refcount") &&
	       !umt_metric_selected(both, 2, "breakdown.by_size.16.folios") &&
	       !umt_metric_selected(both, 2, "atomics"), "");
}

int main(void)
{
	test_parse_forms();
	test_parse_errors();
	test_exceeded();
	test_classify();
	test_metric_filter();
	return failed;
}
