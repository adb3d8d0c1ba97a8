/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attach plan: for each logical hook of the collector, the candidates
 * (symbol x mechanism) in order of preference, which one really attaches
 * on this kernel and why the others do not.  Shared by `record` (which
 * loads only the winners) and `features` (which prints the plan).
 */
#ifndef UT_PLAN_H
#define UT_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kfacts.h"
#include "umt.h"
#include "unmaptrace.h"

struct unmaptrace_bpf;
struct bpf_link;
typedef struct json_t json_t;

enum ut_hook_id {
	UT_HOOK_TTU,
	UT_HOOK_RMAP,
	UT_HOOK_WALK,
	UT_HOOK_TLB_FLUSH,
	UT_HOOK_TLB_BATCH,
	UT_HOOK_RSS_STAT,
	UT_HOOK_FORK,
	/* optional: facts about the kernel, where it has the symbol */
	UT_HOOK_MIGRATE,	/* try_to_migrate_one: flushes it defers */
	UT_HOOK_HUGE_PMD,	/* unmap_huge_pmd_locked inside ttu */
	UT_HOOK_PTE_BATCH,	/* folio_pte_batch inside ttu */
#ifdef __aarch64__
	UT_HOOK_TLB_BATCH_DIRTY, /* try_to_unmap_flush_dirty() (plan.c) */
#endif
	UT_HOOK_NR,
};

#define UT_HOOK_FIRST_OPTIONAL	UT_HOOK_MIGRATE

#define UT_MAX_CANDS	4
#define UT_MAX_TRIES	8

/* One mechanism tried for one symbol */
struct ut_try {
	const char *symbol;
	const char *mech;
	int err;		/* 0 or -errno */
	char note[96];
};

struct ut_hook_plan {
	const char *name;
	int winner;		/* candidate index, -1 none */
	int nr_tries;
	struct ut_try tries[UT_MAX_TRIES];
};

struct ut_plan {
	struct ut_hook_plan hooks[UT_HOOK_NR];
	int rmap_compound_arg;		/* page_remove_rmap's compound arg */
	uint64_t vm_droppable_mask;	/* 0: none or unknown */
	struct ut_swp_layout swp;
	char swp_note[96];
	bool tracefs_mounted_by_us;
	bool have_btf;
};

/* Probe every candidate on the running kernel.  0, or -errno (no BTF...) */
int ut_plan_probe(struct ut_plan *plan);
/* btf.NAME facts of the running kernel's BTF into @m (lib/facts.c) */
int ut_btf_facts(struct umt_meta *m);
/* Whether @hook has a winner (the optional ones may not) */
bool ut_plan_has(const struct ut_plan *plan, int hook);
/* The first required hook without a winner, or -1 */
int ut_plan_missing(const struct ut_plan *plan);
const char *ut_hook_name(int hook);
void ut_plan_print(const struct ut_plan *plan, FILE *f);
json_t *ut_plan_json(const struct ut_plan *plan);
/* Explain why recording is impossible here, what would work */
void ut_plan_explain_missing(const struct ut_plan *plan, FILE *f);

/* Disable losers, set attach targets and rodata.  Before __load(). */
int ut_plan_apply(const struct ut_plan *plan, struct unmaptrace_bpf *skel);
/* Attach the winners.  Links go to @links (UT_MAX_LINKS). */
#define UT_MAX_LINKS	16
int ut_plan_attach(const struct ut_plan *plan, struct unmaptrace_bpf *skel,
		   struct bpf_link **links, int *nr_links, char *err,
		   size_t errlen);
/* Append the plan to the trace metadata */
int ut_plan_to_meta(const struct ut_plan *plan, struct umt_meta *m);

#endif
