// SPDX-License-Identifier: GPL-2.0
/*
 * The unmap model on hand-built page-table images.  Every expected number
 * is worked out by hand from the kernel source in the comment next to it
 * (docs/REPORT.md "Hand-checked cases"), not copied from the model.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "umt.h"

static int failures;

static void result(const char *name, const char *why)
{
	if (why) {
		printf("FAIL %s: %s\n", name, why);
		failures++;
	} else {
		printf("PASS %s\n", name);
	}
}

#define RW	(UMT_PTE_WRITE | UMT_PTE_DIRTY | UMT_PTE_YOUNG)

/* A folio of @nr pages mapped linearly by @nr present PTEs from @pmd_idx */
static struct umt_ttu *mk(uint32_t nr, uint16_t kind, uint32_t pmd_idx,
			  uint32_t bits)
{
	struct umt_ttu *t = calloc(1, sizeof(*t) + nr * sizeof(uint32_t));
	uint32_t i;

	if (!t) {
		perror("calloc");
		exit(2);
	}
	t->nr_pages = nr;
	t->kind = kind;
	t->folio_flags = nr > 1 ? UMT_FOLIO_LARGE : 0;
	t->ttu_flags = UMT_TTU_SYNC | UMT_TTU_BATCH_FLUSH;
	t->image_pmd_index = pmd_idx;
	t->nr_slots = nr;
	t->vma_start_page = -1000;
	t->vma_end_page = 100000;
	t->defer_flush = 1;
	t->ret = 1;
	for (i = 0; i < nr; i++)
		t->slots[i] = UMT_SLOT_MAKE(UMT_SLOT_THIS, i, bits);
	return t;
}

static void pol(struct model_policy *p, const char *name,
		enum model_arch arch)
{
	char err[200];

	if (model_policy_init(p, name, arch, NULL, err, sizeof(err))) {
		printf("FAIL policy %s: %s\n", name, err);
		exit(1);
	}
}

struct expect {
	int counter;		/* MC_*, or -1 atomics kind, -2 tlb kind */
	int kind;
	uint64_t want;
};

#define C(c, v)		{ (c), 0, (v) }
#define A(k, v)		{ -1, (k), (v) }
#define T(k, v)		{ -2, (k), (v) }
#define B(k, v)		{ -3, (k), (v) }
#define END		{ -99, 0, 0 }

static void check(const char *name, const struct model_policy *p,
		  const struct umt_ttu *t, const struct expect *e)
{
	struct model_call mc;
	char why[256];

	model_replay(p, t, &mc);
	for (; e->counter != -99; e++) {
		uint64_t got;
		const char *what;

		switch (e->counter) {
		case -1:
			got = mc.n.atomics[e->kind];
			what = model_atomic_name(e->kind);
			break;
		case -2:
			got = mc.n.tlb[e->kind];
			what = model_tlb_name(e->kind);
			break;
		case -3:
			got = mc.n.barriers[e->kind];
			what = model_barrier_name(e->kind);
			break;
		default:
			got = mc.n.c[e->counter];
			what = model_counter_name(e->counter);
		}
		if (got != e->want) {
			snprintf(why, sizeof(why), "%s: got %llu, want %llu",
				 what, (unsigned long long)got,
				 (unsigned long long)e->want);
			result(name, why);
			return;
		}
	}
	if (mc.ret != !!t->ret) {
		result(name, "return value differs from the recorded one");
		return;
	}
	result(name, NULL);
}

/*
 * §8.4 x86, 64K file folio, aligned, TTU_SYNC|TTU_BATCH_FLUSH, deferred.
 * none (6.12): walk 1 (check_pte) + 15 x 2 (next_pte + check_pte) = 31;
 * per iteration pte_pfn(ptep_get()) + the WARN_ON_ONCE(!pte_none(
 * ptep_get())) of pte_install_uffd_wp_if_needed() = 2 x 16 = 32: 63.
 * model-spec.md's 47 misses the uffd-wp helper's read (16 per folio).
 * rmap: 3 atomics per folio_remove_rmap_pte() = 48; folio_put() x16.
 */
static void t_x86_64k_file(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_FILE, 0, RW);
	struct model_policy p;
	struct expect none[] = {
		C(MC_PTEP_GET, 63), C(MC_PTE_READS, 63), C(MC_PTE_CLEARS, 16),
		C(MC_WALK_CALLS, 17), C(MC_WALK_ITERATIONS, 16),
		C(MC_RMAP_CALLS, 16), C(MC_RMAP_PAGES, 16),
		C(MC_MM_COUNTER_UPDATES, 16), C(MC_TLB_FLUSHES, 0),
		A(MA_RMAP_MAPCOUNT, 48), A(MA_REFCOUNT, 16),
		A(MA_TLB_GEN, 16), A(MA_TLB_FLUSH_BATCHED, 16),
		T(MT_DEFERRED_ADD, 16), C(MC_ATOMICS, 96), END };
	/*
	 * file (7.3): check_pte 1, pteval 1, folio_pte_batch_flags() 15,
	 * cond_install_uffd_wp_ptes() 1 = 18 (model-spec: 17 + the WARN).
	 * rmap nr + 2 = 18, folio_put_refs() 1, one deferred add.
	 */
	struct expect file[] = {
		C(MC_PTEP_GET, 18), C(MC_PTE_CLEARS, 16), C(MC_WALK_CALLS, 1),
		C(MC_RMAP_CALLS, 1), C(MC_RMAP_PAGES, 16),
		C(MC_MM_COUNTER_UPDATES, 1), A(MA_RMAP_MAPCOUNT, 18),
		A(MA_REFCOUNT, 1), T(MT_DEFERRED_ADD, 1), C(MC_ATOMICS, 21),
		END };

	pol(&p, "none", MODEL_X86);
	check("x86_64k_file_none", &p, t, none);
	pol(&p, "file", MODEL_X86);
	check("x86_64k_file_batched", &p, t, file);
	/* lazyfree (6.16) does not batch file folios: none's reads */
	pol(&p, "lazyfree", MODEL_X86);
	{
		struct expect lf[] = { C(MC_PTEP_GET, 63),
			C(MC_RMAP_CALLS, 16), A(MA_REFCOUNT, 16), END };

		check("x86_64k_file_lazyfree_policy", &p, t, lf);
	}
	/* NO_PAGE_MAPCOUNT: one folio_sub_return_large_mapcount() a call */
	pol(&p, "file", MODEL_X86);
	p.no_page_mapcount = true;
	{
		struct expect nm[] = { A(MA_RMAP_MAPCOUNT, 1), END };

		check("x86_64k_file_no_page_mapcount", &p, t, nm);
	}
	pol(&p, "none", MODEL_X86);
	p.no_page_mapcount = true;
	{
		struct expect nm[] = { A(MA_RMAP_MAPCOUNT, 16), END };

		check("x86_64k_file_none_no_page_mapcount", &p, t, nm);
	}
	/*
	 * Without CONFIG_PTE_MARKER_UFFD_WP the helper reads nothing and
	 * model-spec.md's 47 vs 17 hold.
	 */
	pol(&p, "none", MODEL_X86);
	p.uffd_marker_read = false;
	{
		struct expect e[] = { C(MC_PTEP_GET, 47), END };

		check("x86_64k_file_none_no_uffd_marker", &p, t, e);
	}
	pol(&p, "file", MODEL_X86);
	p.uffd_marker_read = false;
	{
		struct expect e[] = { C(MC_PTEP_GET, 17), END };

		check("x86_64k_file_batched_no_uffd_marker", &p, t, e);
	}
	/* no other CPU in mm_cpumask: flush_tlb_page() vs flush_tlb_range() */
	t->defer_flush = 0;
	pol(&p, "none", MODEL_X86);
	{
		struct expect e[] = { T(MT_PAGE, 16), C(MC_TLB_FLUSHES, 16),
			T(MT_DEFERRED_ADD, 0), A(MA_TLB_GEN, 16), END };

		check("x86_64k_file_none_nodefer", &p, t, e);
	}
	pol(&p, "file", MODEL_X86);
	{
		struct expect e[] = { T(MT_RANGE, 1), C(MC_TLB_FLUSHES, 1),
			A(MA_TLB_GEN, 1), END };

		check("x86_64k_file_batched_nodefer", &p, t, e);
	}
	free(t);
}

/*
 * §8.4 arm64, same folio contpte-mapped, 6.12-style gathers (17 raw
 * loads per ptep_get() of a folded entry).
 * none: it1 check_pte 17 + pfn 17 + try_unfold 1 + WARN 1 (unfolded) =
 * 36; it2..16: next_pte 1 + check_pte 1 + pfn 1 + try_unfold 1 + WARN 1
 * = 5 x 15 = 75: 111 raw (model-spec: 95 without the 16 WARN reads).
 * Clears 16 (unfold) + 16, one unfold flush, 16 deferred adds.
 */
static void t_arm64_64k_file(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_FILE, 0, RW);
	struct model_policy p;
	struct expect none[] = {
		C(MC_PTEP_GET, 63), C(MC_PTE_READS, 111), C(MC_PTE_CLEARS, 32),
		C(MC_PTE_WRITES, 16), T(MT_CONTPTE_UNFOLD, 1),
		T(MT_DEFERRED_ADD, 16), C(MC_TLBI, 16 + 1),
		A(MA_RMAP_MAPCOUNT, 48), END };
	/*
	 * file: check_pte 17 + pteval 17, batch hint 16 = max_nr: no reads,
	 * aligned full block: no unfold, WARN 1 = 35 raw, 3 API reads; one
	 * deferred add with one range TLBI.
	 */
	struct expect file[] = {
		C(MC_PTEP_GET, 3), C(MC_PTE_READS, 35), C(MC_PTE_CLEARS, 16),
		C(MC_PTE_WRITES, 0), T(MT_CONTPTE_UNFOLD, 0),
		T(MT_DEFERRED_ADD, 1), C(MC_TLBI, 1), END };

	pol(&p, "none", MODEL_ARM64);
	p.arm64_gather_all = true;
	check("arm64_64k_file_none", &p, t, none);
	pol(&p, "file", MODEL_ARM64);
	p.arm64_gather_all = true;
	check("arm64_64k_file_batched", &p, t, file);
	/* model-spec.md's 95 and 34 raw loads: the same without the WARN */
	pol(&p, "none", MODEL_ARM64);
	p.arm64_gather_all = true;
	p.uffd_marker_read = false;
	{
		struct expect e[] = { C(MC_PTEP_GET, 47), C(MC_PTE_READS, 95),
			END };

		check("arm64_64k_file_none_no_uffd_marker", &p, t, e);
	}
	pol(&p, "file", MODEL_ARM64);
	p.arm64_gather_all = true;
	p.uffd_marker_read = false;
	{
		struct expect e[] = { C(MC_PTEP_GET, 2), C(MC_PTE_READS, 34),
			END };

		check("arm64_64k_file_batched_no_uffd_marker", &p, t, e);
	}
	/*
	 * 7.3 early-exit gather: all entries dirty and young: entry 0 is
	 * dirty, the young scan re-reads entry 0: 2 + the wrapper's 1 = 3.
	 * file: 3 + 3 + 1 = 7.
	 */
	pol(&p, "file", MODEL_ARM64);
	{
		struct expect e[] = { C(MC_PTE_READS, 7), END };

		check("arm64_64k_file_batched_early_exit", &p, t, e);
	}
	/* BBML: the unfold needs no flush */
	pol(&p, "none", MODEL_ARM64);
	p.arm64_bbml2 = true;
	{
		struct expect e[] = { T(MT_CONTPTE_UNFOLD, 0),
			C(MC_PTE_CLEARS, 32), END };

		check("arm64_64k_file_none_bbml", &p, t, e);
	}
	free(t);
}

/*
 * Anon swap-backed 64K, all exclusive.  none: per PTE swap cluster lock,
 * smp_mb + clear_bit + smp_mb__after_atomic, 2 mm counters, 1 swap PTE
 * store; deferred split queued once (partially mapped after the first).
 * anon (Dev Jain v4, inferred): one sub-batch: 2 barriers, 16 clear_bits,
 * 2 counters, 16 stores, rmap 18, one refcount.
 */
static void t_anon(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_ANON, 0, RW | UMT_PTE_ANON_EXCL);
	struct model_policy p;
	struct expect none[] = {
		C(MC_PTEP_GET, 63), C(MC_MM_COUNTER_UPDATES, 32),
		C(MC_BARRIERS, 32), A(MA_ANON_EXCLUSIVE, 16),
		C(MC_PTE_WRITES, 16), C(MC_LOCKS, 1 + 16 + 1),
		A(MA_RMAP_MAPCOUNT, 48 + 1), C(MC_RMAP_CALLS, 16), END };
	struct expect anon[] = {
		C(MC_PTEP_GET, 18), C(MC_MM_COUNTER_UPDATES, 2),
		C(MC_BARRIERS, 2), A(MA_ANON_EXCLUSIVE, 16),
		C(MC_PTE_WRITES, 16), C(MC_LOCKS, 2),
		A(MA_RMAP_MAPCOUNT, 18), A(MA_REFCOUNT, 1),
		C(MC_RMAP_CALLS, 1), END };
	/* file (7.3) does not batch anon swap-backed folios */
	struct expect file[] = { C(MC_PTEP_GET, 63), C(MC_RMAP_CALLS, 16),
		END };
	/*
	 * Mixed exclusivity (pages 0-7 exclusive): two sub-batches, two
	 * rmap calls, one barrier pair; the batch itself is still 16.
	 */
	struct expect mixed[] = { C(MC_RMAP_CALLS, 2), C(MC_BARRIERS, 2),
		A(MA_ANON_EXCLUSIVE, 8), C(MC_BATCHES, 1),
		C(MC_MM_COUNTER_UPDATES, 4), END };
	int i;

	pol(&p, "none", MODEL_X86);
	check("x86_64k_anon_none", &p, t, none);
	pol(&p, "anon", MODEL_X86);
	check("x86_64k_anon_batched", &p, t, anon);
	pol(&p, "file", MODEL_X86);
	check("x86_64k_anon_file_policy", &p, t, file);
	for (i = 8; i < 16; i++)
		t->slots[i] = UMT_SLOT_MAKE(UMT_SLOT_THIS, i, RW);
	pol(&p, "anon", MODEL_X86);
	check("x86_64k_anon_mixed_exclusive", &p, t, mixed);
	free(t);
}

/*
 * deferred_split_folio() returns before split_queue_lock for a folio in
 * the swap cache (6.12.117 mm/huge_memory.c:3775, 7.3.4 :4573) and for
 * order <= 1 (:3762, :4560).  Reclaim puts an anon swap-backed folio in
 * the swap cache before try_to_unmap(): none on a 64K folio then takes
 * 1 PTL + 16 swap cluster locks = 17 locks and 16 x 3 = 48 mapcount
 * atomics, not 18 and 49.  An order-1 anon folio (2 pages) is never
 * queued: 1 PTL + 2 cluster locks, 2 x 3 mapcount atomics.
 */
static void t_deferred_split(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_ANON, 0, RW | UMT_PTE_ANON_EXCL);
	struct umt_ttu *t2 = mk(2, UMT_KIND_ANON, 0, RW | UMT_PTE_ANON_EXCL);
	struct model_policy p;
	struct expect sc[] = { C(MC_LOCKS, 1 + 16),
		A(MA_RMAP_MAPCOUNT, 48), C(MC_RMAP_CALLS, 16), END };
	struct expect o1[] = { C(MC_LOCKS, 1 + 2), A(MA_RMAP_MAPCOUNT, 6),
		END };
	/* lazyfree folios are not in the swap cache: queued once */
	struct expect lf[] = { C(MC_LOCKS, 1 + 1), A(MA_RMAP_MAPCOUNT, 49),
		END };

	t->folio_flags |= UMT_FOLIO_SWAPCACHE;
	pol(&p, "none", MODEL_X86);
	check("x86_64k_anon_swapcache_no_deferred_split", &p, t, sc);
	check("x86_8k_anon_order1_no_deferred_split", &p, t2, o1);
	free(t);
	t = mk(16, UMT_KIND_LAZYFREE, 0, UMT_PTE_WRITE | UMT_PTE_YOUNG);
	check("x86_64k_lazyfree_deferred_split_once", &p, t, lf);
	free(t);
	free(t2);
}

/*
 * A walk without PVMW_SYNC reads unlocked: 7.3 map_pte() calls
 * ptep_get_lockless() (mm/page_vma_mapped.c:44), which on a PTE_CONT entry
 * is __ptep_get() + contpte_ptep_get_lockless(), whose retry: label re-reads
 * the original entry (arch/arm64/mm/contpte.c:392) before the 16-entry
 * gather: 18 loads, where ptep_get() (6.12.117 map_pte() :40) makes 17.
 * 64K file folio, full-scan gathers, file policy: map_pte 18, check_pte
 * 17, pteval 17, batch hint 16 = max_nr (no read), WARN read of the
 * cleared entry 1 = 53 loads, 4 ptep_get calls; 6.12's walk: 52.
 */
static void t_lockless(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_FILE, 0, RW);
	struct model_policy p;
	char err[128];
	struct expect k73[] = { C(MC_PTEP_GET, 4), C(MC_PTE_READS, 53),
		END };
	struct expect k612[] = { C(MC_PTEP_GET, 4), C(MC_PTE_READS, 52),
		END };
	struct expect sync[] = { C(MC_PTE_READS, 35), END };

	t->ttu_flags &= ~UMT_TTU_SYNC;
	pol(&p, "file", MODEL_ARM64);
	p.arm64_gather_all = true;
	check("arm64_64k_file_lockless_map_pte", &p, t, k73);
	p.walk_lockless = false;
	check("arm64_64k_file_locked_map_pte", &p, t, k612);
	model_policy_init(&p, "kernel", MODEL_ARM64, "6.12.117", err,
			  sizeof(err));
	result("walk_lockless_6_12", !p.walk_lockless ? NULL :
	       "6.12 map_pte() reads by ptep_get()");
	model_policy_init(&p, "kernel", MODEL_ARM64, "7.3.4", err,
			  sizeof(err));
	result("walk_lockless_7_3", p.walk_lockless ? NULL :
	       "7.3 map_pte() reads by ptep_get_lockless()");
	/* PVMW_SYNC: map_pte() takes the PTL and reads nothing */
	t->ttu_flags |= UMT_TTU_SYNC;
	pol(&p, "file", MODEL_ARM64);
	p.arm64_gather_all = true;
	check("arm64_64k_file_sync_no_lockless", &p, t, sync);
	free(t);
}

/*
 * Lazyfree 64K, clean PTEs: smp_mb + smp_rmb per iteration: 32 vs 2.
 * A dirty PTE at page 5 and a recorded failure: 6.16 batching clears
 * all 16, folds the dirty bit in, fails: 16 PTEs restored by set_ptes().
 */
static void t_lazyfree(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_LAZYFREE, 0,
			       UMT_PTE_WRITE | UMT_PTE_YOUNG);
	struct model_policy p;
	struct expect none[] = { C(MC_BARRIERS, 32), C(MC_PTEP_GET, 63),
		C(MC_MM_COUNTER_UPDATES, 16), END };
	struct expect lf[] = { C(MC_BARRIERS, 2), C(MC_PTEP_GET, 18),
		C(MC_MM_COUNTER_UPDATES, 1), C(MC_RMAP_CALLS, 1), END };
	/* 6.15: ptep_get() twice per iteration start: 1 + 1 + 1 + 15 + 1 */
	struct expect l615[] = { C(MC_PTEP_GET, 19), A(MA_REFCOUNT, 2),
		C(MC_RMAP_CALLS, 1), END };
	struct expect dirty_lf[] = { C(MC_RMAP_CALLS, 0),
		C(MC_PTE_WRITES, 16), A(MA_SWAPBACKED, 1),
		C(MC_MM_COUNTER_UPDATES, 0), END };
	/* unbatched: pages 0-4 unmapped, page 5 restored */
	struct expect dirty_none[] = { C(MC_RMAP_CALLS, 5),
		C(MC_PTE_WRITES, 1), A(MA_SWAPBACKED, 1),
		C(MC_MM_COUNTER_UPDATES, 5), END };

	pol(&p, "none", MODEL_X86);
	check("x86_64k_lazyfree_none", &p, t, none);
	pol(&p, "lazyfree", MODEL_X86);
	check("x86_64k_lazyfree_batched", &p, t, lf);
	pol(&p, "lazyfree-6.15", MODEL_X86);
	check("x86_64k_lazyfree_6_15", &p, t, l615);
	t->slots[5] |= UMT_PTE_DIRTY << 16;
	t->ret = 0;
	pol(&p, "lazyfree", MODEL_X86);
	check("x86_64k_lazyfree_dirty_batched", &p, t, dirty_lf);
	pol(&p, "none", MODEL_X86);
	check("x86_64k_lazyfree_dirty_none", &p, t, dirty_none);
	free(t);
}

/*
 * A hole at page 8.  file: it1 1 + 1 + batch reads 1..8 (8, stops at the
 * none) + WARN 1 = 11; it2 next_pte 1..9 (9) + check_pte 1 + pteval 1 +
 * batch 10..15 (6) + WARN 1 = 18; last call steps 10..15: 6.  35.
 * +skip: it2 starts at 8: 2 + 1 + 1 + 6 + 1 = 11, last call 0: 22.
 * none: 1 + 7 x 2 + (1 + 2) + 6 x 2 + 15 x 2 = 60.
 */
static void t_hole(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_FILE, 0, RW);
	struct model_policy p;
	struct expect file[] = { C(MC_PTEP_GET, 35), C(MC_BATCHES, 2),
		C(MC_RMAP_PAGES, 15), C(MC_WALK_CALLS, 3), END };
	struct expect skip[] = { C(MC_PTEP_GET, 22), C(MC_BATCHES, 2),
		C(MC_RMAP_PAGES, 15), END };
	struct expect none[] = { C(MC_PTEP_GET, 60), C(MC_BATCHES, 15),
		END };

	t->slots[8] = UMT_SLOT_MAKE(UMT_SLOT_NONE, 0, 0);
	pol(&p, "file", MODEL_X86);
	check("x86_hole_file", &p, t, file);
	pol(&p, "file+skip", MODEL_X86);
	check("x86_hole_file_skip", &p, t, skip);
	pol(&p, "none", MODEL_X86);
	check("x86_hole_none", &p, t, none);
	free(t);
}

/*
 * mprotect on half the folio: pages 8-15 read-only.  file (7.x,
 * FPB_RESPECT_WRITE) cuts the batch at 8: 11 + (7 + 1 + 1 + 1 + 7 + 1)
 * + 7 = 36.  A lazyfree folio under lazyfree (6.16 flags ignore write)
 * is one batch: 18.
 */
static void t_write_cut(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_FILE, 0, RW);
	struct model_policy p;
	struct expect file[] = { C(MC_PTEP_GET, 36), C(MC_BATCHES, 2),
		END };
	struct expect lf[] = { C(MC_PTEP_GET, 18), C(MC_BATCHES, 1), END };
	int i;

	for (i = 8; i < 16; i++)
		t->slots[i] = UMT_SLOT_MAKE(UMT_SLOT_THIS, i,
					    UMT_PTE_DIRTY | UMT_PTE_YOUNG);
	pol(&p, "file", MODEL_X86);
	check("x86_write_cut_file", &p, t, file);
	t->kind = UMT_KIND_LAZYFREE;
	for (i = 0; i < 16; i++)
		t->slots[i] &= ~(UMT_PTE_DIRTY << 16);
	pol(&p, "lazyfree", MODEL_X86);
	check("x86_write_cut_lazyfree_6_16", &p, t, lf);
	free(t);
}

/*
 * model-spec.md §6: 64K folio, 8 + 8 across a PMD boundary.  file:
 * (1 + 1 + 7 + 1) + (7 + 1 + 1 + 7 + 1) + 7 = 34 (§6's 32 + 2 WARN
 * reads); +skip: 10 + 10 + 0 = 20 (§6's 18 + 2).  Saved 14 = 2 x (8-1).
 */
static void t_pmd_cross(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_FILE, 504, RW);
	struct model_policy p;
	struct expect file[] = { C(MC_PTEP_GET, 34), C(MC_BATCHES, 2),
		C(MC_UPPER_READS, 8), C(MC_LOCKS, 2), END };
	struct expect skip[] = { C(MC_PTEP_GET, 20), C(MC_BATCHES, 2),
		END };

	pol(&p, "file", MODEL_X86);
	check("x86_pmd_cross_file", &p, t, file);
	pol(&p, "file+skip", MODEL_X86);
	check("x86_pmd_cross_file_skip", &p, t, skip);
	free(t);
}

/*
 * Anon 8 + 8 across a PMD boundary: after each batch the cleared range
 * holds swap entries, which the walk pays 2 reads each (next_pte +
 * failing check_pte).  anon: 10 + (14 + 1 + 9) + 14 = 48; +skip: 20,
 * saving 2 x 2 x (8 - 1) = 28, Dev's argument for skipping (§6).
 */
static void t_anon_cross_skip(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_ANON, 504,
			       RW | UMT_PTE_ANON_EXCL);
	struct model_policy p;
	struct expect anon[] = { C(MC_PTEP_GET, 48), C(MC_BATCHES, 2), END };
	struct expect skip[] = { C(MC_PTEP_GET, 20), C(MC_BATCHES, 2), END };

	pol(&p, "anon", MODEL_X86);
	check("x86_anon_pmd_cross", &p, t, anon);
	pol(&p, "anon+skip", MODEL_X86);
	check("x86_anon_pmd_cross_skip", &p, t, skip);
	free(t);
}

/*
 * 6.1 (policy kernel on 6.1.0): no TTU_SYNC from 6.1 shrink_page_list(),
 * so map_pte() reads the first PTE too: 2 + 2 + 15 x 4 = 64 logical
 * reads; page_remove_rmap() one atomic a page; rss atomic_long (16);
 * set_tlb_ubc_flush_pending() adds without a pte_accessible() check.
 */
static void t_kernel_6_1(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_FILE, 0, RW);
	struct model_policy p;
	char err[128];
	struct expect e[] = { C(MC_PTEP_GET, 64), A(MA_RMAP_MAPCOUNT, 16),
		A(MA_RSS, 16), T(MT_DEFERRED_ADD, 16), C(MC_ATOMICS, 80),
		C(MC_RMAP_CALLS, 16), END };

	t->ttu_flags = UMT_TTU_BATCH_FLUSH;
	if (model_policy_init(&p, "kernel", MODEL_X86, "6.1.0-37-amd64", err,
			      sizeof(err)))
		result("x86_kernel_6_1_file", err);
	else
		check("x86_kernel_6_1_file", &p, t, e);
	free(t);
}

/*
 * uffd-wp file VMA, every PTE uffd-wp: 7.2 excludes the VMA (nr 1, one
 * marker per PTE, 63 reads); 7.3 batches and re-installs 16 markers
 * with cond_install_uffd_wp_ptes(): 18 reads.  Anon policy like 7.3.
 */
static void t_uffd(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_FILE, 0, RW | UMT_PTE_UFFD_WP);
	struct model_policy p;
	struct expect f72[] = { C(MC_PTEP_GET, 63), C(MC_UFFD_MARKERS, 16),
		C(MC_BATCHES, 16), END };
	struct expect f73[] = { C(MC_PTEP_GET, 18), C(MC_UFFD_MARKERS, 16),
		C(MC_BATCHES, 1), C(MC_PTE_WRITES, 16), END };

	t->vma_flags = UMT_VMA_UFFD_WP;
	pol(&p, "file-7.2", MODEL_X86);
	check("x86_uffd_file_7_2", &p, t, f72);
	pol(&p, "file", MODEL_X86);
	check("x86_uffd_file_7_3", &p, t, f73);
	/*
	 * A hole at 8 with markers: the walk must step over 7 markers after
	 * batch one (2 reads each) and 7 after batch two: 11 + (7 x 2 + 1
	 * (none at 8) + 1 + 1 + 1 + 6 + 1) + 6 x 2 = 11 + 25 + 12 = 48.
	 */
	t->slots[8] = UMT_SLOT_MAKE(UMT_SLOT_NONE, 0, 0);
	{
		struct expect e[] = { C(MC_PTEP_GET, 48),
			C(MC_UFFD_MARKERS, 15), END };
		struct expect s[] = { C(MC_PTEP_GET, 22), END };

		check("x86_uffd_hole_file_7_3", &p, t, e);
		pol(&p, "file+skip", MODEL_X86);
		check("x86_uffd_hole_file_skip", &p, t, s);
	}
	free(t);
}

/*
 * mlocked VMA: 6.12 aborts at the first PTE (1 read); 7.x walks every
 * PTE (1 + 15 x 2 = 31 reads, 16 walk calls) then mlocks.  No clears.
 */
static void t_mlock(void)
{
	struct umt_ttu *t = mk(16, UMT_KIND_FILE, 0, RW);
	struct model_policy p;
	struct expect none[] = { C(MC_PTEP_GET, 1), C(MC_PTE_CLEARS, 0),
		C(MC_WALK_CALLS, 1), C(MC_RMAP_CALLS, 0), END };
	struct expect file[] = { C(MC_PTEP_GET, 31), C(MC_PTE_CLEARS, 0),
		C(MC_WALK_CALLS, 16), C(MC_RMAP_CALLS, 0), END };

	t->vma_flags = UMT_VMA_LOCKED;
	t->ret = 0;
	pol(&p, "none", MODEL_X86);
	check("x86_mlock_none", &p, t, none);
	pol(&p, "file", MODEL_X86);
	check("x86_mlock_file", &p, t, file);
	free(t);
}

/*
 * PMD-mapped anon 2M folio with TTU_SPLIT_HUGE_PMD: the first walk call
 * finds the PMD (no PTE read), split_huge_pmd_locked() (one flush),
 * restart.  none: 1 + 511 x 2 + 512 x 2 = 2047 reads, 514 walk calls;
 * anon: one batch of 512: 1 + 1 + 511 + 1 = 514 reads, 2 walk calls.
 */
static void t_pmd_mapped(void)
{
	struct umt_ttu *t = mk(512, UMT_KIND_ANON, 0,
			       RW | UMT_PTE_ANON_EXCL);
	struct model_policy p;
	struct expect none[] = { C(MC_PTEP_GET, 2047), C(MC_WALK_CALLS, 514),
		T(MT_PMD, 1), C(MC_RMAP_CALLS, 512), END };
	struct expect anon[] = { C(MC_PTEP_GET, 514), C(MC_WALK_CALLS, 2),
		T(MT_PMD, 1), C(MC_RMAP_CALLS, 1), C(MC_RMAP_PAGES, 512),
		END };

	t->folio_flags |= UMT_FOLIO_PMD_MAPPED;
	t->ttu_flags |= UMT_TTU_SPLIT_HUGE_PMD;
	t->nr_slots = 1;
	pol(&p, "none", MODEL_X86);
	check("x86_pmd_mapped_anon_none", &p, t, none);
	pol(&p, "anon", MODEL_X86);
	check("x86_pmd_mapped_anon_batched", &p, t, anon);
	free(t);
}

/*
 * Lazyfree PMD-mapped 2M folio.  6.12 unmap_huge_pmd_locked() ->
 * __discard_anon_folio_pmd_locked(): one PMD flush, smp_mb + smp_rmb,
 * folio_remove_rmap_pmd() (not folio_remove_rmap_ptes(): 0 rmap calls),
 * one add_mm_counter(), no PTE read, one walk call.  7.3 has no such path:
 * split, then one lazyfree batch of 512: 514 reads, 1 rmap call.
 */
static void t_lazyfree_pmd(void)
{
	struct umt_ttu *t = mk(512, UMT_KIND_LAZYFREE, 0, 0);
	struct model_policy p;
	char err[128];
	struct expect k612[] = { C(MC_PTEP_GET, 0), C(MC_WALK_CALLS, 1),
		T(MT_PMD, 1), C(MC_BARRIERS, 2), C(MC_RMAP_CALLS, 0),
		C(MC_MM_COUNTER_UPDATES, 1), END };
	struct expect k73[] = { C(MC_PTEP_GET, 514), C(MC_WALK_CALLS, 2),
		T(MT_PMD, 1), C(MC_RMAP_CALLS, 1), C(MC_RMAP_PAGES, 512),
		C(MC_MM_COUNTER_UPDATES, 1), END };

	t->folio_flags |= UMT_FOLIO_PMD_MAPPED;
	t->ttu_flags |= UMT_TTU_SPLIT_HUGE_PMD;
	t->nr_slots = 0;
	model_policy_init(&p, "kernel", MODEL_X86, "6.12.57", err,
			  sizeof(err));
	check("x86_lazyfree_pmd_6_12", &p, t, k612);
	model_policy_init(&p, "kernel", MODEL_X86, "7.3.4", err, sizeof(err));
	check("x86_lazyfree_pmd_7_3", &p, t, k73);
	/*
	 * What the recorder saw overrides the release for "kernel":
	 * 6.12.117 keeps unmap_huge_pmd_locked() (mm/huge_memory.c:3101)
	 * but its try_to_unmap_one() no longer calls it (mm/rmap.c:1700):
	 * split, then 512 PTEs unbatched: walk 1 (PMD) + 512 + 1 (end),
	 * 512 rmap calls and mm counter updates, a PMD flush + 512 page
	 * flushes.  A named policy ignores the observation.
	 */
	t->has_live = UMT_LIVE_COUNTS | UMT_LIVE_HELPERS;
	t->live_helpers = 0;
	t->defer_flush = 0;
	{
		struct expect e[] = { C(MC_WALK_CALLS, 514),
			C(MC_RMAP_CALLS, 512), T(MT_PMD, 1), T(MT_PAGE, 512),
			C(MC_MM_COUNTER_UPDATES, 512), END };
		struct expect named[] = { C(MC_WALK_CALLS, 1),
			C(MC_RMAP_CALLS, 0), T(MT_PMD, 1), END };

		model_policy_init(&p, "kernel", MODEL_X86, "6.12.117", err,
				  sizeof(err));
		check("x86_lazyfree_pmd_6_12_117_observed_split", &p, t, e);
		model_policy_init(&p, "file-7.2", MODEL_X86, "6.12.117", err,
				  sizeof(err));
		check("x86_lazyfree_pmd_named_ignores_observed", &p, t,
		      named);
	}
	/* and a 7.3 trace that saw the helper called: unmapped whole */
	t->live_helpers = UMT_HELPER_UNMAP_HUGE_PMD;
	model_policy_init(&p, "kernel", MODEL_X86, "7.3.4", err, sizeof(err));
	check("x86_lazyfree_pmd_7_3_observed_helper", &p, t, k612);
	free(t);
}

/*
 * 4K folios: batching changes nothing but the walk's last call: 6.16+
 * leaves the loop when nr_pages == folio_nr_pages() (1 == 1 here), where
 * 6.12 calls page_vma_mapped_walk() once more (0 reads: end reached).
 */
static void t_small(void)
{
	static const uint16_t kinds[] = { UMT_KIND_FILE, UMT_KIND_ANON,
					  UMT_KIND_LAZYFREE };
	static const char *const pols[] = { "lazyfree", "file", "anon",
					    "anon+skip" };
	struct model_policy p;
	struct model_call base, mc;
	char name[64], why[128];
	size_t k, j;

	for (k = 0; k < 3; k++) {
		struct umt_ttu *t = mk(1, kinds[k], 7, UMT_PTE_WRITE |
				       UMT_PTE_YOUNG | UMT_PTE_ANON_EXCL);

		pol(&p, "none", MODEL_X86);
		model_replay(&p, t, &base);
		for (j = 0; j < 4; j++) {
			pol(&p, pols[j], MODEL_X86);
			model_replay(&p, t, &mc);
			snprintf(name, sizeof(name), "x86_4k_%s_%s",
				 kinds[k] == UMT_KIND_FILE ? "file" :
				 kinds[k] == UMT_KIND_ANON ? "anon" :
				 "lazyfree", pols[j]);
			mc.n.c[MC_WALK_CALLS]++;
			if (memcmp(&base.n, &mc.n, sizeof(mc.n))) {
				snprintf(why, sizeof(why), "counts differ "
					 "from none (ptep_get %llu vs %llu)",
					 (unsigned long long)
					 mc.n.c[MC_PTEP_GET],
					 (unsigned long long)
					 base.n.c[MC_PTEP_GET]);
				result(name, why);
			} else if (base.n.c[MC_PTEP_GET] != 3) {
				result(name, "want 3 reads for one 4K PTE");
			} else {
				result(name, NULL);
			}
		}
		free(t);
	}
}

static void t_release(void)
{
	static const struct { const char *rel; enum model_gen gen; } v[] = {
		{ "5.10.0-30-cloud-amd64", GEN_PAGE_RMAP },
		{ "6.1.0-37-cloud-amd64", GEN_PAGE_RMAP },
		{ "6.12.57+deb13-cloud-amd64", GEN_FOLIO_RMAP },
		{ "6.15.2", GEN_LAZYFREE_ALL },
		{ "6.16.3+deb13-cloud-amd64", GEN_LAZYFREE },
		{ "7.2.13+deb14-cloud-amd64", GEN_FILE_NOUFFD },
		{ "7.3.4+bpo-cloud-amd64", GEN_FILE },
	};
	struct model_policy p;
	char err[128], why[160];
	size_t i;
	bool bad = false;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (model_policy_init(&p, "kernel", MODEL_X86, v[i].rel, err,
				      sizeof(err)) || p.gen != v[i].gen) {
			snprintf(why, sizeof(why), "%s -> %s", v[i].rel,
				 model_gen_name(p.gen));
			result("release_to_generation", why);
			bad = true;
			break;
		}
	}
	if (!bad)
		result("release_to_generation", NULL);
	result("policy_rejects_unknown",
	       model_policy_init(&p, "bogus", MODEL_X86, NULL, err,
				 sizeof(err)) ? NULL : "accepted 'bogus'");
	result("policy_rejects_none_skip",
	       model_policy_init(&p, "none+skip", MODEL_X86, NULL, err,
				 sizeof(err)) ? NULL : "accepted none+skip");
	result("policy_kernel_needs_release",
	       model_policy_init(&p, "kernel", MODEL_X86, "", err,
				 sizeof(err)) ? NULL : "accepted no release");
	/* 6.1: rss counters are atomic_long, 6.12 per-CPU */
	model_policy_init(&p, "kernel", MODEL_X86, "6.1.0", err, sizeof(err));
	result("rss_atomic_6_1", p.rss_atomic ? NULL : "not atomic on 6.1");
	model_policy_init(&p, "kernel", MODEL_X86, "6.12.0", err,
			  sizeof(err));
	result("rss_percpu_6_12", !p.rss_atomic ? NULL : "atomic on 6.12");
}

/*
 * --write-traces DIR: small synthetic traces for tests/model/run.sh.  Their
 * live counts are written from the measured ground truth and the source,
 * by hand, never from the model (shared/docs/kernels-and-vms.md: 7.2.13
 * MADV_PAGEOUT of 64K mTHP on one CPU: lazyfree 1 rmap call of 16 pages,
 * 1 flush_tlb_mm_range, 1 rss_stat per folio; anon 16/16/16 and 32).
 * Walk calls/true: a batch of the whole folio leaves the loop after one
 * walk call (1/1); unbatched, N iterations and a last false call.
 */
struct tw {
	struct umt_writer *w;
	uint64_t ts;
	uint32_t seq;
};

static int tw_open(struct tw *tw, const char *dir, const char *name,
		   const char *release)
{
	struct umt_meta m;
	char path[512], err[256];

	memset(&m, 0, sizeof(m));
	memset(tw, 0, sizeof(*tw));
	umt_meta_set(&m, UMT_KEY_KERNEL, release);
	umt_meta_set(&m, UMT_KEY_ARCH, "x86_64");
	umt_meta_set(&m, UMT_KEY_PAGE_SIZE, "4096");
	umt_meta_set(&m, UMT_KEY_WORKLOAD, name);
	snprintf(path, sizeof(path), "%s/%s.umt", dir, name);
	tw->w = umt_writer_open(path, &m, err, sizeof(err));
	umt_meta_free(&m);
	if (!tw->w) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -1;
	}
	return 0;
}

static void tw_ttu(struct tw *tw, struct umt_ttu *t)
{
	t->has_live = 1;
	umt_writer_add(tw->w, UMT_REC_TTU, ++tw->ts, 0, t,
		       sizeof(*t) + t->nr_slots * sizeof(uint32_t));
}

static void tw_flush_flags(struct tw *tw, uint32_t task, uint32_t flags)
{
	struct umt_tlb_flush f = { .task_id = task, .in_ttu = flags };

	umt_writer_add(tw->w, UMT_REC_TLB_FLUSH, ++tw->ts, 0, &f, sizeof(f));
}

static void tw_flush(struct tw *tw, uint32_t task)
{
	struct umt_tlb_flush f = { .task_id = task };

	umt_writer_add(tw->w, UMT_REC_TLB_FLUSH, ++tw->ts, 0, &f, sizeof(f));
}

static void live(struct umt_ttu *t, uint32_t rc, uint32_t rp, uint32_t tlb,
		 uint32_t rss, uint32_t walk, uint32_t walk_true)
{
	t->live_rmap_calls = rc;
	t->live_rmap_pages = rp;
	t->live_tlb_flushes = tlb;
	t->live_rss_stat = rss;
	t->live_walk_calls = walk;
	t->live_walk_true = walk_true;
}

static int write_traces(const char *dir)
{
	struct tw tw;
	struct umt_ttu *t;
	int i;

	/* 7.2, one CPU: lazyfree and anon 64K pageout, file with a hole */
	if (tw_open(&tw, dir, "synthetic-7.2-pageout", "7.2.13+deb14-amd64"))
		return 1;
	for (i = 0; i < 32; i++) {
		t = mk(16, UMT_KIND_LAZYFREE, (i * 16) % 512,
		       UMT_PTE_WRITE | UMT_PTE_YOUNG);
		t->folio_id = i;
		t->defer_flush = 0;
		live(t, 1, 16, 1, 1, 1, 1);
		tw_ttu(&tw, t);
		free(t);
		t = mk(16, UMT_KIND_ANON, (i * 16) % 512,
		       RW | UMT_PTE_ANON_EXCL);
		t->defer_flush = 0;
		live(t, 16, 16, 16, 32, 17, 16);
		tw_ttu(&tw, t);
		free(t);
	}
	/*
	 * 7.2 file folio with page 8 unmapped: two batches (8, 7), each one
	 * folio_remove_rmap_ptes(), one flush_tlb_range(), one
	 * add_mm_counter(); three walk calls (the last finds no more).
	 */
	t = mk(16, UMT_KIND_FILE, 0, RW);
	t->slots[8] = UMT_SLOT_MAKE(UMT_SLOT_NONE, 0, 0);
	t->defer_flush = 0;
	live(t, 2, 15, 2, 2, 3, 2);
	tw_ttu(&tw, t);
	free(t);
	umt_writer_close(tw.w);

	/*
	 * 6.1, another CPU in the mm: 4K anon folios, every flush deferred
	 * (no flush_tlb_mm_range() inside), arch_tlbbatch_flush() once per
	 * reclaim batch of 32; page_remove_rmap() once, rss 2 per call.
	 */
	if (tw_open(&tw, dir, "synthetic-6.1-deferred", "6.1.0-37-amd64"))
		return 1;
	for (i = 0; i < 96; i++) {
		t = mk(1, UMT_KIND_ANON, i % 512, RW | UMT_PTE_ANON_EXCL);
		t->ttu_flags = UMT_TTU_BATCH_FLUSH;
		t->task_id = 1;
		live(t, 1, 1, 0, 2, 2, 1);
		tw_ttu(&tw, t);
		free(t);
		if (i % 32 == 31)
			tw_flush(&tw, 1);
	}
	umt_writer_close(tw.w);

	/* 7.2 again, but one call's live rmap pages are wrong: must fail */
	if (tw_open(&tw, dir, "synthetic-mismatch", "7.2.13+deb14-amd64"))
		return 1;
	for (i = 0; i < 4; i++) {
		t = mk(16, UMT_KIND_LAZYFREE, 0, UMT_PTE_WRITE);
		t->defer_flush = 0;
		live(t, 1, i == 2 ? 15 : 16, 1, 1, 1, 1);
		tw_ttu(&tw, t);
		free(t);
	}
	umt_writer_close(tw.w);

	/* events lost: counts incomplete, --check must fail */
	if (tw_open(&tw, dir, "synthetic-lost", "7.2.13+deb14-amd64"))
		return 1;
	t = mk(16, UMT_KIND_LAZYFREE, 0, UMT_PTE_WRITE);
	t->defer_flush = 0;
	live(t, 1, 16, 1, 1, 1, 1);
	tw_ttu(&tw, t);
	free(t);
	{
		struct umt_lost l = { .cpu = 0, .count = 3 };

		umt_writer_add(tw.w, UMT_REC_LOST, ++tw.ts, 0, &l, sizeof(l));
	}
	umt_writer_close(tw.w);

	/* a final flush recorded with nothing deferred: must fail */
	if (tw_open(&tw, dir, "synthetic-stray-flush", "6.1.0-37-amd64"))
		return 1;
	t = mk(1, UMT_KIND_FILE, 0, RW);
	t->ttu_flags = UMT_TTU_BATCH_FLUSH;
	t->defer_flush = 0;
	live(t, 1, 1, 1, 1, 2, 1);
	tw_ttu(&tw, t);
	free(t);
	tw_flush(&tw, 0);
	umt_writer_close(tw.w);

	/*
	 * The same stray flush, but the recorder saw try_to_migrate_one()
	 * run with another CPU in the mm since the task's previous flush
	 * (a large folio split by madvise or reclaim, 7.3 mm/rmap.c:2635):
	 * the flush is owed to it and --check passes.
	 */
	if (tw_open(&tw, dir, "synthetic-migrate-flush", "7.3.4+deb13-amd64"))
		return 1;
	t = mk(1, UMT_KIND_FILE, 0, RW);
	t->ttu_flags = UMT_TTU_BATCH_FLUSH;
	t->defer_flush = 0;
	/* 7.3 leaves the loop once nr_pages == folio_nr_pages(): 1 walk */
	live(t, 1, 1, 1, 1, 1, 1);
	tw_ttu(&tw, t);
	free(t);
	tw_flush_flags(&tw, 0, UMT_FLUSH_MIGRATE | UMT_FLUSH_MIGRATE_HOOKED);
	umt_writer_close(tw.w);

	/*
	 * defer_flush = 0 recorded at entry, but the kernel deferred (no
	 * flush inside, a final flush after), as seen in a real 5.10
	 * defer-2cpu trace: --check fails and names the deferral race.
	 */
	if (tw_open(&tw, dir, "synthetic-defer-race", "6.1.0-37-amd64"))
		return 1;
	t = mk(1, UMT_KIND_ANON, 0, RW | UMT_PTE_ANON_EXCL);
	t->ttu_flags = UMT_TTU_BATCH_FLUSH;
	t->defer_flush = 0;
	live(t, 1, 1, 0, 2, 2, 1);
	tw_ttu(&tw, t);
	free(t);
	tw_flush(&tw, 0);
	umt_writer_close(tw.w);

	/*
	 * The walk found the folio (walk 1/1, one rmap call) but the image
	 * holds no slot, as the collector recorded twice in a 7.3 fork-shared
	 * trace: --check fails and blames the image.
	 */
	if (tw_open(&tw, dir, "synthetic-empty-image", "7.3.4+bpo-amd64"))
		return 1;
	t = mk(1, UMT_KIND_ANON, 0, RW | UMT_PTE_ANON_EXCL);
	t->ttu_flags = UMT_TTU_BATCH_FLUSH;
	t->defer_flush = 0;
	t->nr_slots = 0;
	t->vma_start_page = -1025;
	t->vma_end_page = -1022;
	live(t, 1, 1, 1, 2, 1, 1);
	tw_ttu(&tw, t);
	free(t);
	umt_writer_close(tw.w);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write-traces"))
		return write_traces(argv[2]);
	t_x86_64k_file();
	t_arm64_64k_file();
	t_anon();
	t_deferred_split();
	t_lockless();
	t_lazyfree();
	t_hole();
	t_write_cut();
	t_pmd_cross();
	t_anon_cross_skip();
	t_kernel_6_1();
	t_uffd();
	t_mlock();
	t_pmd_mapped();
	t_lazyfree_pmd();
	t_small();
	t_release();
	return failures ? 1 : 0;
}
