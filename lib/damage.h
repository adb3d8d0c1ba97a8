/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one damage policy of every reader (info, dump, replay, replay
 * --check, diff of traces and of reports): the reader fills one verdict
 * (struct umt_damage) as it reads, and every front end ends with
 * umt_damage_verdict(), which says on stderr what was lost and where and
 * picks the exit status.  docs/FORMAT.md "Damage policy".
 */
#ifndef UMT_DAMAGE_H
#define UMT_DAMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Input that cannot be judged: the lead's exit 2 (= usage, I/O error) */
#define UMT_EXIT_DAMAGED	2

/* Worst first: the level of a verdict is its worst finding */
enum umt_damage_level {
	UMT_DMG_NONE,		/* intact, holds a call */
	UMT_DMG_EMPTY,		/* intact but not a single TTU call */
	UMT_DMG_LOSSY,		/* intact, but the kernel dropped events */
	UMT_DMG_DAMAGED,	/* damaged, truncated or without a trailer */
	UMT_DMG_UNREADABLE,	/* damaged and no chunk of it intact */
};

struct umt_damage {
	/* what was delivered (records of unknown types included) */
	uint64_t records;
	uint64_t calls;			/* UMT_REC_TTU */
	uint64_t lost;			/* LOST counts, or STATS.lost if more */
	/* what was not */
	uint32_t chunks_intact;
	uint32_t chunks_damaged;
	uint64_t chunks_missing;	/* index gaps, trailer index misses */
	uint64_t records_damaged;	/* in damaged chunks, per their
					 * trusted headers; damaged records */
	uint64_t records_missing;	/* seq gaps; short of the trailer */
	bool header_damaged;		/* CRC or metadata */
	bool truncated;			/* ends before a complete trailer */
	bool trailer_damaged;		/* complete but failed its checks */
	bool totals_mismatch;		/* trailer totals != what was read */
	bool other;			/* any other warning-worthy damage */
	bool from_report;		/* read back from a report's JSON */
	uint64_t first_offset;		/* of the first damage; if any */
	bool has_offset;
	char first[160];		/* the first damage, in words */
};

void umt_damage_init(struct umt_damage *d);
/* Note damage at file offset @off (first one wins) described by @what */
void umt_damage_at(struct umt_damage *d, uint64_t off, const char *what);
enum umt_damage_level umt_damage_level(const struct umt_damage *d);
/* "damaged", "lossy", ... ("intact" for UMT_DMG_NONE) */
const char *umt_damage_level_name(enum umt_damage_level l);
/* What was lost and where, one line (no newline), into @buf */
char *umt_damage_summary(const struct umt_damage *d, char *buf, size_t len);

/*
 * The end of every reader's front end: nothing for an intact input;
 * else one line on @err ("@who: @file: damaged: SUMMARY") and
 * UMT_EXIT_DAMAGED, or with @allow a warning and 0, except for an
 * unreadable input (no chunk intact), which --allow-damaged cannot save.
 * Returns the exit status for the input (0 or UMT_EXIT_DAMAGED).
 */
int umt_damage_verdict(const struct umt_damage *d, const char *who,
		       const char *file, bool allow, FILE *err);

/*
 * A report's "damaged" object (docs/REPORT.md), NULL for an intact input,
 * and back.  umt_damage_from_report() reads a whole report (the object,
 * or an older report's trace.lost, and trace.events for empty).
 */
typedef struct json_t json_t;
json_t *umt_damage_json(const struct umt_damage *d);
void umt_damage_from_report(struct umt_damage *d, const json_t *root);

#endif
