/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay report: per-policy totals of the model, by folio kind and
 * size, batch-length histograms, the trace's live counts and the per-call
 * check of the "kernel" policy against them.  Output as text, JSON
 * (docs/REPORT.md, schema "unmaptrace-report/1") or CSV.
 */
#ifndef UMT_REPORT_H
#define UMT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "damage.h"
#include "filter.h"
#include "model.h"
#include "umt.h"

#define REPORT_SCHEMA		"unmaptrace-report/1"
#define REPORT_SIZES		20	/* folio sizes 2^0 .. 2^19 pages */
#define REPORT_MAX_SHOWN	5	/* mismatching calls printed in full */
/* Per-task state for ids below this (trace-local, dense); above: none */
#define REPORT_MAX_TASKS	(1u << 20)

struct report_group {
	uint64_t folios;		/* try_to_unmap_one() calls */
	struct model_counts n;
};

struct report_result {
	struct model_policy pol;
	bool hidden;			/* added for --check, not asked for */
	bool folded;			/* text: changes nothing here */
	bool other_arch;		/* text: the first block's other arch */
	struct report_group total;
	struct report_group by_kind[UMT_KIND_NR];
	struct report_group by_size[REPORT_SIZES];
	struct report_group by_path[UMT_PATH_NR];	/* format 1.2 */
	uint64_t ret_differs;		/* modelled return != recorded */
	uint64_t pending_at_end;	/* deferred adds never flushed */
	const char *note[4];		/* the model's notes, tallied */
	uint64_t note_count[4];
	uint8_t *pending;		/* per task id: flush pending */
	uint32_t nr_pending;
};

/* The counters --check compares, model vs live */
enum report_live_counter {
	RL_RMAP_CALLS,
	RL_RMAP_PAGES,
	RL_TLB_FLUSHES,
	RL_MM_COUNTER_UPDATES,
	RL_WALK_CALLS,
	RL_WALK_TRUE,
	RL_RET,
	RL_NR,
};

/* The live counts of the calls of one folio kind or size */
struct report_live_group {
	uint64_t folios;
	uint64_t v[RL_NR];
};

struct report_mismatch {
	uint64_t call;			/* TTU record number, from 1 */
	uint64_t seq;			/* record sequence number in the file */
	char text[640];			/* what differed and the image */
};

struct report {
	char file[256];
	char kernel[128];
	char arch[16];			/* the trace's arch */
	char workload[128];
	char kernel_version[128];	/* kernel.version: uname -v */
	char kernel_label[128];		/* record --meta kernel=... */
	uint64_t events;		/* TTU records */
	uint64_t lost;
	uint64_t tlb_flush_records;	/* UMT_REC_TLB_FLUSH */
	uint64_t short_payloads;
	uint64_t tasks_over_cap;	/* calls of task ids >= the cap */
	/* live counts: sum of umt_ttu.live_* plus the flush records */
	bool has_live;
	bool walk_hooked;		/* some call saw a walk call */
	bool unfold_hooked;		/* arm64: tlb_flush is contpte_convert */
	uint64_t live_ttu_calls;
	uint64_t live[RL_NR];
	struct report_live_group live_by_kind[UMT_KIND_NR];
	struct report_live_group live_by_size[REPORT_SIZES];
	struct report_live_group live_by_path[UMT_PATH_NR];
	bool has_paths;			/* a call had the 1.2 victim fields */
	struct umt_filter *filter;	/* NULL: every record */
	/* model vs live, for the "kernel" result (index check_idx) */
	int check_idx;			/* -1: no check */
	uint64_t model[RL_NR];
	uint64_t call_mismatches[RL_NR];
	uint64_t calls_mismatching;
	uint64_t flush_mismatches;	/* flush records with nothing pending */
	uint64_t flush_migrate;		/* ... but try_to_migrate_one() ran */
	uint64_t defer_differs;		/* kernel deferred unlike defer_flush */
	uint64_t raced;			/* walk found none of the snapshot */
	/*
	 * Calls whose two deferral samples (walk return, rmap call)
	 * disagree: the kernel's decision is not known, so their flushes,
	 * and the next flush record of their task, are not compared.
	 */
	uint64_t defer_ambiguous;
	uint64_t flush_ambiguous;
	uint64_t live_excluded[RL_NR];
	uint8_t *ambiguous;		/* per task: an ambiguous call since
					 * its last flush record */
	uint32_t nr_ambiguous;
	int nr_shown;
	struct report_mismatch shown[REPORT_MAX_SHOWN];
	int nr_results;
	struct report_result *results;
	int nr_warnings;
	char **warnings;
	/* the reader's verdict on the trace (damage.h) */
	struct umt_damage damage;
	/*
	 * Text: fold the columns whose counts equal an earlier column's
	 * into one line (the default policies; asked-for ones are shown).
	 */
	bool fold;
};

/* Start a report for @file over @nr policies (copied). */
int report_init(struct report *r, const char *file,
		const struct model_policy *pols, int nr);
void report_free(struct report *r);
void report_warn(struct report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Replay one TTU record through every policy and account for it; @path
 * is its reclaim path (UMT_PATH_UNKNOWN before format 1.2).
 */
void report_add_ttu(struct report *r, const struct umt_ttu *t,
		    unsigned int path, uint64_t seq);
/* A recorded arch_tlbbatch_flush() of @task_id; @flags UMT_FLUSH_* */
void report_add_tlb_flush(struct report *r, uint32_t task_id,
			  uint32_t flags, uint64_t seq);
/* After the last record: warnings for what stayed pending */
void report_finish(struct report *r);

struct umt_reader;
struct umt_meta;
/* "x86" or "arm64" for a trace's arch metadata value, NULL if neither */
const char *report_norm_arch(const char *arch);
/* Name the trace in @r (kernel, arch, workload) from its metadata */
void report_set_trace(struct report *r, const struct umt_meta *m);
/*
 * Feed every record of @rd to @r, then report_finish().  The reader's
 * warnings become report warnings, its verdict r->damage.  Returns 0,
 * or -errno of a read or allocation error.
 */
int report_feed(struct report *r, struct umt_reader *rd);

/* --check verdict: 0 every counter and call matched, else 1 */
int report_check_failed(const struct report *r);

void report_text(const struct report *r, FILE *f, bool check);
int report_json(const struct report *r, FILE *f, bool check);
void report_csv(const struct report *r, FILE *f, bool header);
void report_check_text(const struct report *r, FILE *f);

/*
 * What a report calls policy @p: the behaviour and the kernels that have
 * it ("7.3 (file+lazyfree)", "Dev Jain v4 (proposal)"); for "kernel" the
 * release and its generation's label.
 */
void report_policy_label(const struct model_policy *p, char *buf,
			 size_t len);

/* Render a page-table image compactly (for diagnostics) */

#endif /* UMT_REPORT_H */
