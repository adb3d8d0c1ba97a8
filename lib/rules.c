// SPDX-License-Identifier: GPL-2.0
/* Threshold rules for `unmaptrace diff`: parser and evaluation. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

const char *umt_status_name(enum umt_status s)
{
	switch (s) {
	case UMT_OK:		return "ok";
	case UMT_IMPROVED:	return "improved";
	case UMT_REGRESSED:	return "regressed";
	case UMT_MISSING:	return "missing";
	}
	return "?";
}

/* Trim [*b, *e) of blanks in place; the range is not NUL-terminated. */
static void trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/*
 * A plain decimal: digits with an optional fraction.  strtod() alone would
 * also take "inf", "nan", hex and exponents, none of which belong in a CI
 * threshold someone has to read.
 */
static int parse_number(const char *b, const char *e, double *out)
{
	const char *p = b;
	size_t digits = 0;
	char buf[64];

	while (p < e && isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	if (p < e && *p == '.') {
		p++;
		while (p < e && isdigit((unsigned char)*p)) {
			p++;
			digits++;
		}
	}
	if (p != e || !digits || (size_t)(e - b) >= sizeof(buf))
		return -1;
	memcpy(buf, b, e - b);
	buf[e - b] = '\0';
	*out = strtod(buf, NULL);
	return 0;
}

static int parse_cond(struct umt_rule *r, const char *b, const char *e,
		      const char **why)
{
	bool rel = false;
	double v;

	trim(&b, &e);
	if (b == e) {
		*why = "empty threshold";
		return -1;
	}
	if (*b == '-') {
		*why = "thresholds are allowed increases: write +N or +N%";
		return -1;
	}
	if (*b == '+')
		b++;
	if (e > b && e[-1] == '%') {
		rel = true;
		e--;
	}
	if (parse_number(b, e, &v)) {
		*why = "threshold is not a number like +2% or +100";
		return -1;
	}
	if (rel) {
		if (r->has_rel) {
			*why = "two relative thresholds";
			return -1;
		}
		r->has_rel = true;
		r->rel_pct = v;
	} else {
		if (r->has_abs) {
			*why = "two absolute thresholds";
			return -1;
		}
		r->has_abs = true;
		r->abs = v;
	}
	return 0;
}

static int parse_rule(struct umt_rule *r, const char *b, const char *e,
		      const char **why)
{
	const char *gt, *c;

	trim(&b, &e);
	memset(r, 0, sizeof(*r));
	if (b == e) {
		*why = "empty rule";
		return -1;
	}
	gt = memchr(b, '>', e - b);
	if (!gt) {
		*why = "expected GLOB>THRESHOLD, e.g. atomics>+2%";
		return -1;
	}
	c = gt;
	trim(&b, &c);
	if (b == c) {
		*why = "no metric name before '>'";
		return -1;
	}
	for (c = gt + 1; ; ) {
		const char *amp = memchr(c, '&', e - c);
		const char *end = amp ? amp : e;

		if (parse_cond(r, c, end, why))
			return -1;
		if (!amp)
			break;
		c = amp + 1;
	}
	trim(&b, &gt);
	r->glob = strndup(b, gt - b);
	r->text = strndup(b, e - b);
	if (!r->glob || !r->text) {
		free(r->glob);
		free(r->text);
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static void rule_free(struct umt_rule *r)
{
	free(r->glob);
	free(r->text);
}

int umt_rules_parse(struct umt_rules *rs, const char *spec, char *err,
		    size_t errlen)
{
	size_t old = rs->n, cap = rs->n;
	const char *b = spec, *e;
	struct umt_rule *v;

	for (e = spec; *e; e++)
		if (*e == ',')
			cap++;
	v = realloc(rs->v, (cap + 1) * sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs->v = v;
	for (;;) {
		const char *why = NULL;

		e = strchr(b, ',');
		if (!e)
			e = b + strlen(b);
		if (parse_rule(&rs->v[rs->n], b, e, &why)) {
			snprintf(err, errlen, "bad rule '%.*s' in '%s': %s",
				 (int)(e - b), b, spec, why);
			while (rs->n > old)
				rule_free(&rs->v[--rs->n]);
			return -1;
		}
		rs->n++;
		if (!*e)
			break;
		b = e + 1;
	}
	return 0;
}

void umt_rules_free(struct umt_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rule_free(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

struct umt_rule *umt_rules_match(const struct umt_rules *rs,
				 const char *metric)
{
	size_t i = rs->n;

	while (i--)
		if (!fnmatch(rs->v[i].glob, metric, 0))
			return &rs->v[i];
	return NULL;
}

bool umt_rule_exceeded(const struct umt_rule *r, long double base,
		       long double new)
{
	long double delta = new - base;

	if (delta <= 0)
		return false;
	if (r->has_abs && !(delta > r->abs))
		return false;
	/* from zero any growth is infinitely relative: the abs part decides */
	if (r->has_rel && base > 0 && !(delta * 100 > r->rel_pct * base))
		return false;
	return r->has_rel || r->has_abs;
}

enum umt_status umt_classify(const struct umt_rules *rs, const char *metric,
			     long double base, long double new,
			     struct umt_rule **why)
{
	struct umt_rule *r = umt_rules_match(rs, metric);

	*why = NULL;
	if (r)
		r->hits++;
	if (r && umt_rule_exceeded(r, base, new)) {
		*why = r;
		return UMT_REGRESSED;
	}
	/* every counter is a cost, so less is better */
	return new < base ? UMT_IMPROVED : UMT_OK;
}

bool umt_metric_selected(char *const *globs, size_t n, const char *metric)
{
	bool any_pos = false, hit = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (globs[i][0] == '!') {
			if (!fnmatch(globs[i] + 1, metric, 0))
				return false;
		} else {
			any_pos = true;
			if (!fnmatch(globs[i], metric, 0))
				hit = true;
		}
	}
	return hit || !any_pos;
}
