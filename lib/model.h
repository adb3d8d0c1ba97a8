/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A userspace model of try_to_unmap_one(): replays one recorded call (the
 * page-table image of struct umt_ttu) through the kernel's walk and unmap
 * loop for one batching policy and counts what the kernel would do.
 *
 * The model never reads a trace file: it takes struct umt_ttu in memory,
 * so it can be tested on hand-built images (tests/unit/test_model.c).
 */
#ifndef UMT_MODEL_H
#define UMT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "umt.h"

/*
 * Kernel generations, named after the code they mirror.  Which releases
 * run which generation is in model_gen_for_release() (lib/model.c).
 */
enum model_gen {
	GEN_PAGE_RMAP,		/* <= 6.7: page_remove_rmap() (read: 6.1) */
	GEN_FOLIO_RMAP,		/* 6.8-6.14: folio_remove_rmap_pte() (6.12) */
	GEN_LAZYFREE_ALL,	/* 6.15: lazyfree all-or-nothing */
	GEN_LAZYFREE,		/* 6.16+: lazyfree, partial batches */
	GEN_FILE_NOUFFD,	/* 7.2: + file folios, uffd-wp VMAs excluded */
	GEN_FILE,		/* 7.3: + uffd-wp VMAs, batched markers */
	GEN_ANON,		/* Dev Jain v4 proposal: + anon swap-backed */
	GEN_NR,
};

enum model_arch {
	MODEL_X86,
	MODEL_ARM64,
};

/* "x86" or "arm64", as --arch and the reports spell them */
const char *model_arch_name(enum model_arch a);
/* --arch's spelling -> the arch; -1 for anything else */
int model_arch_parse(const char *name);

struct model_policy {
	char name[40];		/* as asked: "file+skip", "kernel" ... */
	enum model_gen gen;
	bool skip;		/* Wei Yang: skip nr-1 PTEs after a batch */
	enum model_arch arch;
	/* release-dependent details (model_policy_init() sets them) */
	bool rss_atomic;	/* <= 6.1: rss counters are atomic_long */
	bool uffd_marker_read;	/* CONFIG_PTE_MARKER_UFFD_WP: WARN read */
	bool lazyfree_pmd;	/* unmap_huge_pmd_locked() for lazyfree PMD */
	bool mlock_visit_all;	/* VM_LOCKED: walk every PTE, then mlock */
	bool split_before_walk;	/* <= 6.x: split_huge_pmd_address() first */
	bool fpb_respect_write;	/* FPB_RESPECT_WRITE|FPB_RESPECT_SOFT_DIRTY */
	bool hugetlb_own_fn;	/* 7.3: try_to_unmap_poisoned_hugetlb_one */
	bool no_page_mapcount;	/* CONFIG_NO_PAGE_MAPCOUNT */
	bool arm64_tlbi_range;	/* FEAT_TLBIRANGE */
	bool arm64_bbml2;	/* 7.3 system_supports_bbml3(): no flush */
	bool arm64_gather_all;	/* contpte_ptep_get() reads all 16 */
	bool walk_lockless;	/* walk reads unlocked: ptep_get_lockless() */
	bool observed;		/* "kernel": what the trace saw the kernel
				 * do overrides the release's rules */
	bool huge_pmd_unseen;	/* ... but unmap_huge_pmd_locked() was not
				 * watched (lib/facts.c) */
	bool arm64_no_batch;	/* < 6.5: no deferred TLB flush on arm64 */
	char release[64];	/* kernel.release the policy was made for */
	char facts[200];	/* "kernel": which rules came from kernel
				 * facts, which from the release table */
	bool gen_from_facts;	/* ... the generation among them */
};

/* Counters.  Keep in sync with model_counter_name(). */
enum model_counter {
	MC_TTU_CALLS,
	MC_WALK_CALLS,		/* page_vma_mapped_walk() calls */
	MC_WALK_ITERATIONS,	/* ... that returned true: loop iterations */
	MC_PTEP_GET,		/* ptep_get()/ptep_get_lockless() calls */
	MC_PTE_READS,		/* raw PTE loads (arm64: contpte gathers) */
	MC_UPPER_READS,		/* pgd/p4d/pud/pmd reads of the walk */
	MC_PTE_CLEARS,		/* atomic PTE exchanges */
	MC_PTE_WRITES,		/* plain PTE stores */
	MC_ATOMICS,		/* atomic RMWs on shared memory */
	MC_BARRIERS,		/* smp_mb, smp_rmb, smp_mb__after_atomic, dsb */
	MC_TLB_FLUSHES,		/* completed flushes (page, range, final...) */
	MC_TLBI,		/* arm64 TLBI instructions */
	MC_RMAP_CALLS,
	MC_RMAP_PAGES,
	MC_MM_COUNTER_UPDATES,	/* add/inc/dec_mm_counter: kmem:rss_stat */
	MC_LOCKS,		/* PTL, swap cluster, deferred split ... */
	MC_UFFD_MARKERS,	/* uffd-wp markers installed */
	MC_BATCHES,		/* unmap batches (iterations that cleared) */
	MC_BATCH_PAGES,		/* pages unmapped by them */
	MC_NR,
};

enum model_atomic_kind {
	MA_RMAP_MAPCOUNT,	/* _mapcount, _large_mapcount, ... */
	MA_REFCOUNT,
	MA_TLB_GEN,		/* x86 inc_mm_tlb_gen() */
	MA_TLB_FLUSH_BATCHED,	/* mm->tlb_flush_batched */
	MA_ANON_EXCLUSIVE,	/* ClearPageAnonExclusive() */
	MA_SWAPBACKED,		/* folio_set_swapbacked() */
	MA_RSS,			/* <= 6.1 atomic_long rss counters */
	MA_NR,
};

enum model_tlb_kind {
	MT_PAGE,		/* flush_tlb_page() */
	MT_RANGE,		/* flush_tlb_range() */
	MT_PMD,			/* PMD split / PMD unmap flush */
	MT_DEFERRED_ADD,	/* arch_tlbbatch_add_pending(): not a flush */
	MT_BATCH_FINAL,		/* arch_tlbbatch_flush() per reclaim batch */
	MT_CONTPTE_UNFOLD,	/* arm64 contpte_convert() flush */
	MT_NR,
};

enum model_barrier_kind {
	MB_SMP_MB,
	MB_SMP_RMB,
	MB_AFTER_ATOMIC,	/* smp_mb__after_atomic() */
	MB_DSB,			/* arm64 dsb ishst / dsb ish */
	MB_NR,
};

#define MODEL_HIST_BUCKETS	14	/* log2: 1, 2-3, ... 8192-16383 */

struct model_counts {
	uint64_t c[MC_NR];
	uint64_t atomics[MA_NR];
	uint64_t tlb[MT_NR];
	uint64_t barriers[MB_NR];
	uint64_t batch_hist[MODEL_HIST_BUCKETS];
};

/* What the model says one try_to_unmap_one() call did. */
struct model_call {
	struct model_counts n;
	bool ret;		/* modelled return value */
	bool deferred_add;	/* a flush is now pending for this task */
	uint32_t direct_flushes; /* x86 flush_tlb_mm_range() calls */
	const char *note;	/* why the model had to assume something */
};

const char *model_counter_name(int i);
const char *model_atomic_name(int i);
const char *model_tlb_name(int i);
const char *model_barrier_name(int i);
const char *model_gen_name(enum model_gen gen);
const char *model_gen_range(enum model_gen gen);
const char *model_gen_label(enum model_gen gen);

/* Every name model_policy_init() takes, for messages and help */
#define MODEL_POLICY_NAMES	"page-rmap, none, lazyfree-6.15, lazyfree, " \
				"file-7.2, file, anon, kernel, NAME+skip"

/*
 * Parse "X.Y[.Z...]" from a kernel release.  Returns 0 and fills @maj and
 * @min, or -1.
 */
int model_parse_release(const char *release, int *maj, int *min);
/* The generation a release runs; NULL @why, or a reason it is a guess. */
enum model_gen model_gen_for_release(int maj, int min, const char **why);

/*
 * Fill @p for policy @name ("none", "lazyfree", "lazyfree-6.15", "file",
 * "file-7.2", "anon", "kernel", each optionally "+skip") on @arch; @release
 * is the trace's kernel.release ("kernel" needs it, the others use it for
 * release-dependent details when given).  Returns 0 or -1 with a message.
 */
int model_policy_init(struct model_policy *p, const char *name,
		      enum model_arch arch, const char *release,
		      char *err, size_t errlen);

/* Replay one recorded call.  @t->slots must hold t->nr_slots entries. */
void model_replay(const struct model_policy *p, const struct umt_ttu *t,
		  struct model_call *out);

void model_counts_add(struct model_counts *dst, const struct model_counts *s);
int model_hist_bucket(uint64_t v);

#endif /* UMT_MODEL_H */
