// SPDX-License-Identifier: GPL-2.0
/*
 * The damage policy (damage.h): one verdict per input, one summary line,
 * one exit status, whether the input was a trace or a report of one.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

#include "damage.h"

void umt_damage_init(struct umt_damage *d)
{
	memset(d, 0, sizeof(*d));
}

void umt_damage_at(struct umt_damage *d, uint64_t off, const char *what)
{
	if (d->has_offset)
		return;
	d->has_offset = true;
	d->first_offset = off;
	snprintf(d->first, sizeof(d->first), "%s", what);
}

static bool damaged(const struct umt_damage *d)
{
	return d->chunks_damaged || d->chunks_missing ||
	       d->records_damaged || d->records_missing ||
	       d->header_damaged || d->truncated || d->trailer_damaged ||
	       d->totals_mismatch || d->other;
}

enum umt_damage_level umt_damage_level(const struct umt_damage *d)
{
	if (damaged(d))
		return d->chunks_intact ? UMT_DMG_DAMAGED :
		       UMT_DMG_UNREADABLE;
	if (d->lost)
		return UMT_DMG_LOSSY;
	if (!d->calls)
		return UMT_DMG_EMPTY;
	return UMT_DMG_NONE;
}

static const char *const level_names[] = {
	[UMT_DMG_NONE]		= "intact",
	[UMT_DMG_EMPTY]		= "empty",
	[UMT_DMG_LOSSY]		= "lossy",
	[UMT_DMG_DAMAGED]	= "damaged",
	[UMT_DMG_UNREADABLE]	= "unreadable",
};

const char *umt_damage_level_name(enum umt_damage_level l)
{
	return l <= UMT_DMG_UNREADABLE ? level_names[l] : "damaged";
}

struct sbuf {
	char *p;
	size_t len, o;
};

__attribute__((format(printf, 2, 3)))
static void add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->o >= b->len)
		return;
	if (b->o) {
		n = snprintf(b->p + b->o, b->len - b->o, "; ");
		b->o += n > 0 ? (size_t)n : 0;
		if (b->o >= b->len)
			return;
	}
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->o, b->len - b->o, fmt, ap);
	va_end(ap);
	b->o += n > 0 ? (size_t)n : 0;
}

char *umt_damage_summary(const struct umt_damage *d, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };

	if (!len)
		return buf;
	*buf = '\0';
	if (d->header_damaged)
		add(&b, "header damaged (metadata may be wrong)");
	if (d->chunks_damaged)
		add(&b, "%" PRIu32 " chunk%s damaged", d->chunks_damaged,
		    d->chunks_damaged == 1 ? "" : "s");
	if (d->chunks_missing)
		add(&b, "%" PRIu64 " chunk%s missing", d->chunks_missing,
		    d->chunks_missing == 1 ? "" : "s");
	if (d->records_damaged)
		add(&b, "%" PRIu64 " records in damaged chunks",
		    d->records_damaged);
	if (d->records_missing)
		add(&b, "%" PRIu64 " records missing", d->records_missing);
	if (d->truncated)
		add(&b, "file truncated: trailer missing");
	if (d->trailer_damaged)
		add(&b, "trailer damaged");
	if (d->totals_mismatch)
		add(&b, "the trailer's totals differ from what was read");
	if (d->has_offset)
		add(&b, "first at offset %" PRIu64 ": %s", d->first_offset,
		    d->first);
	if (d->lost)
		add(&b, "%" PRIu64 " events lost in the kernel", d->lost);
	if (!d->calls)
		add(&b, "0 calls");
	if (!d->from_report)
		add(&b, "%" PRIu64 " records read from %" PRIu32
		    " intact chunk%s", d->records, d->chunks_intact,
		    d->chunks_intact == 1 ? "" : "s");
	return buf;
}

int umt_damage_verdict(const struct umt_damage *d, const char *who,
		       const char *file, bool allow, FILE *err)
{
	enum umt_damage_level l = umt_damage_level(d);
	char sum[640];
	const char *what;

	if (l == UMT_DMG_NONE)
		return 0;
	umt_damage_summary(d, sum, sizeof(sum));
	switch (l) {
	case UMT_DMG_EMPTY:
		what = "nothing to judge";
		break;
	case UMT_DMG_LOSSY:
		what = "its counts are low";
		break;
	case UMT_DMG_UNREADABLE:
		what = "no chunk is intact, nothing to judge";
		break;
	default:
		what = "what is intact is shown";
		break;
	}
	if (allow && l != UMT_DMG_UNREADABLE) {
		fprintf(err, "%s: warning: %s: %s: %s: %s (allowed by "
			"--allow-damaged)\n", who, file,
			umt_damage_level_name(l), sum, what);
		return 0;
	}
	fprintf(err, "%s: %s: %s: %s: %s (exit %d%s)\n", who, file,
		umt_damage_level_name(l), sum, what, UMT_EXIT_DAMAGED,
		l == UMT_DMG_UNREADABLE ? "" : "; --allow-damaged accepts it");
	return UMT_EXIT_DAMAGED;
}

/* ---- as JSON, in a report ---- */

#define J_U64(o, d, f) json_object_set_new(o, #f, \
					   json_integer((json_int_t)(d)->f))
#define J_BOOL(o, d, f) json_object_set_new(o, #f, json_boolean((d)->f))

json_t *umt_damage_json(const struct umt_damage *d)
{
	enum umt_damage_level l = umt_damage_level(d);
	char sum[640];
	json_t *o;

	if (l == UMT_DMG_NONE)
		return NULL;
	o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "level",
			    json_string(umt_damage_level_name(l)));
	json_object_set_new(o, "summary",
			    json_string(umt_damage_summary(d, sum,
							   sizeof(sum))));
	J_U64(o, d, records);
	J_U64(o, d, calls);
	J_U64(o, d, lost);
	J_U64(o, d, chunks_intact);
	J_U64(o, d, chunks_damaged);
	J_U64(o, d, chunks_missing);
	J_U64(o, d, records_damaged);
	J_U64(o, d, records_missing);
	J_BOOL(o, d, header_damaged);
	J_BOOL(o, d, truncated);
	J_BOOL(o, d, trailer_damaged);
	J_BOOL(o, d, totals_mismatch);
	json_object_set_new(o, "first_offset", d->has_offset ?
			    json_integer((json_int_t)d->first_offset) :
			    json_null());
	json_object_set_new(o, "first", json_string(d->first));
	return o;
}

static uint64_t get_u64(const json_t *o, const char *key, uint64_t def)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return def;
	return (uint64_t)json_integer_value(v);
}

static bool get_bool(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

void umt_damage_from_report(struct umt_damage *d, const json_t *root)
{
	json_t *t = json_object_get(root, "trace");
	json_t *o = json_object_get(root, "damaged");
	const char *lv, *first;
	uint64_t n;

	umt_damage_init(d);
	d->from_report = true;
	d->calls = get_u64(t, "events", 1);
	d->lost = get_u64(t, "lost", 0);
	/* a report is read in full: its counts are all there */
	d->chunks_intact = 1;
	d->records = d->calls;
	if (!o)
		return;
	d->records = get_u64(o, "records", d->records);
	d->calls = get_u64(o, "calls", d->calls);
	d->lost = get_u64(o, "lost", d->lost);
	n = get_u64(o, "chunks_intact", 1);
	d->chunks_intact = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	n = get_u64(o, "chunks_damaged", 0);
	d->chunks_damaged = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	d->chunks_missing = get_u64(o, "chunks_missing", 0);
	d->records_damaged = get_u64(o, "records_damaged", 0);
	d->records_missing = get_u64(o, "records_missing", 0);
	d->header_damaged = get_bool(o, "header_damaged");
	d->truncated = get_bool(o, "truncated");
	d->trailer_damaged = get_bool(o, "trailer_damaged");
	d->totals_mismatch = get_bool(o, "totals_mismatch");
	if (json_is_integer(json_object_get(o, "first_offset"))) {
		first = json_string_value(json_object_get(o, "first"));
		umt_damage_at(d, get_u64(o, "first_offset", 0),
			      first ? first : "");
	}
	/* an object that names no finding still marks the report damaged */
	lv = json_string_value(json_object_get(o, "level"));
	if (umt_damage_level(d) == UMT_DMG_NONE ||
	    (lv && (!strcmp(lv, "damaged") || !strcmp(lv, "unreadable")) &&
	     !damaged(d)))
		d->other = true;
	if (lv && !strcmp(lv, "unreadable"))
		d->chunks_intact = 0;
}
