// SPDX-License-Identifier: GPL-2.0
/*
 * The unmap model: one recorded try_to_unmap_one() call replayed through
 * the kernel's page_vma_mapped_walk() and unmap loop, for one policy
 * (the policies and their release details are policy.c).
 *
 * Every counting rule names the function and the kernel source it mirrors.
 * Sources read (Debian linux-source packages): 6.1.176 ("6.1"), 6.12.107
 * ("6.12"), 7.2.13 ("7.2"), 7.3.4 ("7.3").  Rules for the 6.15/6.16 code
 * come from the patches quoted in the seeds and model-spec.md; rules for
 * the anon policy (Dev Jain's v4) are inferred from its cover letter and
 * say so.  docs/REPORT.md lists what the counters mean.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define PTRS_PER_PTE	512	/* 4K pages: one page table maps a PMD */
#define CONT_PTES	16	/* arm64 contpte block with 4K pages */

static const char *const counter_names[MC_NR] = {
	[MC_TTU_CALLS]		= "ttu_calls",
	[MC_WALK_CALLS]		= "walk_calls",
	[MC_WALK_ITERATIONS]	= "walk_iterations",
	[MC_PTEP_GET]		= "ptep_get",
	[MC_PTE_READS]		= "pte_reads",
	[MC_UPPER_READS]	= "upper_reads",
	[MC_PTE_CLEARS]		= "pte_clears",
	[MC_PTE_WRITES]		= "pte_writes",
	[MC_ATOMICS]		= "atomics",
	[MC_BARRIERS]		= "barriers",
	[MC_TLB_FLUSHES]	= "tlb_flushes",
	[MC_TLBI]		= "tlbi",
	[MC_RMAP_CALLS]		= "rmap_calls",
	[MC_RMAP_PAGES]		= "rmap_pages",
	[MC_MM_COUNTER_UPDATES]	= "mm_counter_updates",
	[MC_LOCKS]		= "locks",
	[MC_UFFD_MARKERS]	= "uffd_markers",
	[MC_BATCHES]		= "batches",
	[MC_BATCH_PAGES]	= "batch_pages",
};

static const char *const atomic_names[MA_NR] = {
	[MA_RMAP_MAPCOUNT]	= "rmap_mapcount",
	[MA_REFCOUNT]		= "refcount",
	[MA_TLB_GEN]		= "tlb_gen",
	[MA_TLB_FLUSH_BATCHED]	= "tlb_flush_batched",
	[MA_ANON_EXCLUSIVE]	= "anon_exclusive",
	[MA_SWAPBACKED]		= "swapbacked",
	[MA_RSS]		= "rss",
};

static const char *const tlb_names[MT_NR] = {
	[MT_PAGE]		= "page",
	[MT_RANGE]		= "range",
	[MT_PMD]		= "pmd",
	[MT_DEFERRED_ADD]	= "deferred_add",
	[MT_BATCH_FINAL]	= "batch_final",
	[MT_CONTPTE_UNFOLD]	= "contpte_unfold",
};

static const char *const barrier_names[MB_NR] = {
	[MB_SMP_MB]		= "smp_mb",
	[MB_SMP_RMB]		= "smp_rmb",
	[MB_AFTER_ATOMIC]	= "smp_mb__after_atomic",
	[MB_DSB]		= "dsb",
};

const char *model_counter_name(int i)
{
	return i >= 0 && i < MC_NR ? counter_names[i] : "?";
}

const char *model_atomic_name(int i)
{
	return i >= 0 && i < MA_NR ? atomic_names[i] : "?";
}

const char *model_tlb_name(int i)
{
	return i >= 0 && i < MT_NR ? tlb_names[i] : "?";
}

const char *model_barrier_name(int i)
{
	return i >= 0 && i < MB_NR ? barrier_names[i] : "?";
}

/* ---- the simulation ---- */

struct sim {
	const struct model_policy *p;
	const struct umt_ttu *t;
	struct model_counts *n;
	uint32_t *slot;		/* working copy of the image */
	uint8_t *cont;		/* arm64: slot is in a folded block */
	int nslots;
	int start, end;		/* walk range, in slots */
	bool arm64;
	bool sync;		/* PVMW_SYNC */
	bool pmd_mapped;
	/* page_vma_mapped_walk() state */
	bool started, pmd_hit, ptl, crossed;
	int idx;
	/* folio state the model tracks */
	bool folio_dirty;
	bool split_queued;
	uint32_t mapped;	/* pages this call leaves mapped */
	uint32_t tlb_iter;	/* iterations that reached the TLB step */
};

static uint32_t slot_at(const struct sim *s, int i)
{
	if (i < 0 || i >= s->nslots)
		return UMT_SLOT_MAKE(UMT_SLOT_NONE, 0, 0);
	return s->slot[i];
}

static int stype(const struct sim *s, int i)
{
	return UMT_SLOT_TYPE(slot_at(s, i));
}

static bool is_cont(const struct sim *s, int i)
{
	return s->arm64 && i >= 0 && i < s->nslots && s->cont[i];
}

/* Position of slot @i inside its page table */
static int tbl_index(const struct sim *s, int i)
{
	return (int)((s->t->image_pmd_index + (uint32_t)i) % PTRS_PER_PTE);
}

static void atomic_op(struct sim *s, enum model_atomic_kind k, int nr)
{
	s->n->atomics[k] += nr;
	s->n->c[MC_ATOMICS] += nr;
}

static void barrier_op(struct sim *s, enum model_barrier_kind k, int nr)
{
	s->n->barriers[k] += nr;
	s->n->c[MC_BARRIERS] += nr;
}

static void rss_update(struct sim *s, int calls)
{
	s->n->c[MC_MM_COUNTER_UPDATES] += calls;
	/* 6.1 add/dec_mm_counter(): atomic_long_*_return, else per-CPU */
	if (s->p->rss_atomic)
		atomic_op(s, MA_RSS, calls);
}

/*
 * Raw loads of one contpte_ptep_get() on a folded block.
 * 6.12 arch/arm64/mm/contpte.c:contpte_ptep_get(): all 16 entries.
 * 7.3 contpte_ptep_get(): stops once dirty and young were both seen; a
 * dirty entry restarts the young scan at itself.
 */
static int gather_cost(const struct sim *s, int i)
{
	int base = i - (tbl_index(s, i) % CONT_PTES), k, j, reads = 0;

	if (s->p->arm64_gather_all)
		return CONT_PTES;
	for (k = 0; k < CONT_PTES; k++) {
		uint32_t b = UMT_SLOT_BITS(slot_at(s, base + k));

		reads++;
		if (b & UMT_PTE_DIRTY) {
			for (j = k; j < CONT_PTES; j++) {
				reads++;
				if (UMT_SLOT_BITS(slot_at(s, base + j)) &
				    UMT_PTE_YOUNG)
					break;
			}
			return reads;
		}
		if (b & UMT_PTE_YOUNG) {
			for (j = k + 1; j < CONT_PTES; j++) {
				reads++;
				if (UMT_SLOT_BITS(slot_at(s, base + j)) &
				    UMT_PTE_DIRTY)
					break;
			}
			return reads;
		}
	}
	return reads;
}

/*
 * One ptep_get()/ptep_get_lockless() on slot @i: one API read; on arm64
 * (6.12/7.3 arch/arm64/include/asm/pgtable.h:ptep_get()) one __ptep_get()
 * plus the contpte gather when the entry is PTE_CONT.
 */
static void rd(struct sim *s, int i)
{
	s->n->c[MC_PTEP_GET]++;
	s->n->c[MC_PTE_READS]++;
	if (is_cont(s, i))
		s->n->c[MC_PTE_READS] += gather_cost(s, i);
}

/*
 * An unlocked read of the walk: ptep_get_lockless() where the walk uses it.
 * arm64 (7.3 asm/pgtable.h:1753): __ptep_get(), and on a PTE_CONT entry
 * contpte_ptep_get_lockless() (7.3 arch/arm64/mm/contpte.c:392, 6.12.117
 * :211) reads the original entry again before the gather: 18 loads where
 * ptep_get() makes 17.
 */
static void rd_unlocked(struct sim *s, int i)
{
	rd(s, i);
	if (s->p->walk_lockless && is_cont(s, i))
		s->n->c[MC_PTE_READS]++;
}

static void lock_op(struct sim *s)
{
	s->n->c[MC_LOCKS]++;
}

/*
 * check_pte(): a present PTE of this folio, or a device-private/exclusive
 * entry (7.3 mm/page_vma_mapped.c:check_pte()).
 */
static bool matches(const struct sim *s, int i)
{
	int ty = stype(s, i);

	return ty == UMT_SLOT_THIS || ty == UMT_SLOT_DEVICE;
}

static bool present_or_device(const struct sim *s, int i)
{
	int ty = stype(s, i);

	return ty == UMT_SLOT_THIS || ty == UMT_SLOT_OTHER ||
	       ty == UMT_SLOT_DEVICE;
}

enum { WALK_NONE, WALK_PTE, WALK_PMD };

/*
 * page_vma_mapped_walk(), 6.12/7.3 mm/page_vma_mapped.c (6.1 reads by
 * plain dereference, one logical read where 6.12 calls ptep_get()):
 *  - restart: pgd/p4d/pud/pmd (4 upper reads); a PMD mapping returns
 *    with pvmw->pte == NULL; pmd none steps to the next PMD;
 *  - map_pte(): PVMW_SYNC takes the PTL without a read; otherwise one
 *    ptep_get() (7.3: ptep_get_lockless()), none/non-matching swap goes
 *    to next_pte without the lock;
 *  - this_pte: check_pte() one ptep_get();
 *  - next_pte: one ptep_get() per step while pte_none(); reaching end
 *    costs nothing, a page-table boundary restarts.
 */
static int walk_next(struct sim *s)
{
	s->n->c[MC_WALK_CALLS]++;
	/* "if (pvmw->pmd && !pvmw->pte) return not_found(pvmw);" */
	if (s->pmd_hit)
		return WALK_NONE;
	if (!s->started) {
		s->started = true;
		s->idx = s->start;
		goto restart;
	}
	goto next_pte;
restart:
	for (;;) {
		if (s->idx >= s->end)
			return WALK_NONE;
		s->n->c[MC_UPPER_READS] += 4;
		if (s->pmd_mapped) {
			/* pmd_lock(), check_pmd() */
			lock_op(s);
			s->pmd_hit = true;
			s->n->c[MC_WALK_ITERATIONS]++;
			return WALK_PMD;
		}
		if (stype(s, s->idx) == UMT_SLOT_NO_TABLE) {
			/* next_pmd: step_forward(pvmw, PMD_SIZE) */
			s->idx += PTRS_PER_PTE - tbl_index(s, s->idx);
			continue;
		}
		if (s->sync) {
			/* map_pte(): pte_offset_map_lock(), no read */
			lock_op(s);
			s->ptl = true;
			goto this_pte;
		}
		rd_unlocked(s, s->idx);
		if (!present_or_device(s, s->idx)) {
			s->ptl = false;
			goto next_pte;
		}
		lock_op(s);
		s->ptl = true;
		break;
	}
this_pte:
	rd(s, s->idx);
	if (matches(s, s->idx)) {
		s->n->c[MC_WALK_ITERATIONS]++;
		return WALK_PTE;
	}
next_pte:
	do {
		s->idx++;
		if (s->idx >= s->end)
			return WALK_NONE;
		if (tbl_index(s, s->idx) == 0) {
			s->ptl = false;
			s->crossed = true;	/* PVMW_PGTABLE_CROSSED */
			goto restart;
		}
		if (s->ptl)
			rd(s, s->idx);
		else
			rd_unlocked(s, s->idx);
	} while (stype(s, s->idx) == UMT_SLOT_NONE);
	if (!s->ptl) {
		lock_op(s);
		s->ptl = true;
	}
	goto this_pte;
}

/* Restart the walk at the folio's first address (PMD split, 6.12+). */
static void walk_restart(struct sim *s)
{
	s->started = false;
	s->pmd_hit = false;
	s->ptl = false;
}

static uint32_t bits(const struct sim *s, int i)
{
	return UMT_SLOT_BITS(slot_at(s, i));
}

/*
 * Does slot @j continue a batch whose first PTE is @i?  pte_same() after
 * __pte_batch_clear_ignored(): 7.2/7.3 mm/internal.h ignores dirty and
 * young, and respects write and soft-dirty with FPB_RESPECT_WRITE|
 * FPB_RESPECT_SOFT_DIRTY; 6.12's version (the 6.15/6.16 flags
 * FPB_IGNORE_DIRTY|FPB_IGNORE_SOFT_DIRTY) always ignores write.
 */
static bool batch_same(const struct sim *s, int i, int j, bool respect)
{
	uint32_t ign = UMT_PTE_DIRTY | UMT_PTE_YOUNG | UMT_PTE_ANON_EXCL |
		       UMT_PTE_CONT;

	if (stype(s, j) != UMT_SLOT_THIS)
		return false;
	if (UMT_SLOT_PAGE(slot_at(s, j)) !=
	    UMT_SLOT_PAGE(slot_at(s, i)) + (uint32_t)(j - i))
		return false;
	if (!respect)
		ign |= UMT_PTE_WRITE | UMT_PTE_SOFT_DIRTY;
	if ((bits(s, i) & ~ign) != (bits(s, j) & ~ign))
		return false;
	/* arm64: PTE_CONT is part of the value pte_same() compares */
	return is_cont(s, i) == is_cont(s, j);
}

/* pte_batch_hint(): arm64 skips the rest of a folded block, else 1 */
static int batch_hint(const struct sim *s, int i)
{
	if (is_cont(s, i))
		return CONT_PTES - tbl_index(s, i) % CONT_PTES;
	return 1;
}

/*
 * folio_pte_batch()/folio_pte_batch_flags() (7.3 mm/internal.h): caps
 * max_nr to the folio's remaining pages, then one ptep_get() per further
 * entry (per block on arm64) while nr < max_nr; a mismatch ends it.
 */
static int pte_batch(struct sim *s, int i, int max_nr, bool respect)
{
	int page = (int)UMT_SLOT_PAGE(slot_at(s, i));
	int left = (int)s->t->nr_pages - page, nr;

	if (max_nr > left)
		max_nr = left;
	nr = batch_hint(s, i);
	while (nr < max_nr) {
		rd(s, i + nr);
		if (!batch_same(s, i, i + nr, respect))
			break;
		nr += batch_hint(s, i + nr);
	}
	return nr < max_nr ? nr : max_nr;
}

static bool kind_anon(uint16_t kind)
{
	return kind == UMT_KIND_ANON || kind == UMT_KIND_LAZYFREE ||
	       kind == UMT_KIND_KSM;
}

static bool kind_swapbacked_anon(uint16_t kind)
{
	return kind == UMT_KIND_ANON || kind == UMT_KIND_KSM;
}

static bool folio_large(const struct umt_ttu *t)
{
	return t->nr_pages > 1 || (t->folio_flags & UMT_FOLIO_LARGE);
}

/* max_nr of folio_unmap_pte_batch(): pmd_addr_end(addr, vma->vm_end) */
static int batch_max(const struct sim *s, int i)
{
	int to_pmd = PTRS_PER_PTE - tbl_index(s, i);
	/* 64-bit: file fields (first page 0x80000000) must not overflow */
	int64_t to_vma = (int64_t)s->t->vma_end_page -
			 s->t->image_first_page - i;

	return to_vma < to_pmd ? (int)to_vma : to_pmd;
}

/*
 * The batch length for the present PTE at @i.
 * 6.16 (fix "mm/rmap: fix potential out-of-bounds page table access
 * during batched unmap", seeds/model-spec.md L6.16) and 7.2/7.3
 * mm/rmap.c:folio_unmap_pte_batch().
 */
static int unmap_batch(struct sim *s, int i)
{
	const struct umt_ttu *t = s->t;
	const struct model_policy *p = s->p;

	if (t->ttu_flags & UMT_TTU_HWPOISON)
		return 1;
	if (!folio_large(t))
		return 1;
	switch (p->gen) {
	case GEN_LAZYFREE:
		/* "if (!folio_test_anon(folio) || folio_test_swapbacked())" */
		if (t->kind != UMT_KIND_LAZYFREE)
			return 1;
		break;
	case GEN_FILE_NOUFFD:
		if (kind_swapbacked_anon(t->kind))
			return 1;
		/* 7.2: "if (userfaultfd_wp(vma)) return 1;" */
		if (t->vma_flags & UMT_VMA_UFFD_WP)
			return 1;
		break;
	case GEN_FILE:
		if (kind_swapbacked_anon(t->kind))
			return 1;
		break;
	case GEN_ANON:
		/* Dev Jain v4 12/12 drops the anon-swapbacked return 1 */
		break;
	default:
		return 1;
	}
	return pte_batch(s, i, batch_max(s, i), p->fpb_respect_write);
}

static int tlbi_ops(const struct sim *s, int pages)
{
	int scale = 3, ops = 0;

	/*
	 * 7.3 arch/arm64/include/asm/tlbflush.h:__flush_tlb_range_op():
	 * without FEAT_TLBIRANGE, or for the last odd page, one TLBI a page;
	 * else one range TLBI per scale (3 down to 0) with
	 * __TLBI_RANGE_NUM(pages, scale) = (pages >> (5 * scale + 1)) - 1
	 * >= 0.
	 */
	while (pages > 0) {
		int num;

		if (!s->p->arm64_tlbi_range || pages == 1 || scale < 0) {
			ops++;
			pages--;
			continue;
		}
		num = (pages >> (5 * scale + 1)) - 1;
		if (num >= 0) {
			ops++;
			pages -= (num + 1) << (5 * scale + 1);
		}
		scale--;
	}
	return ops;
}

/*
 * arm64 contpte_convert() (7.3 arch/arm64/mm/contpte.c): 16 clears, a
 * range flush of the block unless BBML, 16 stores of the unfolded PTEs.
 */
static void unfold(struct sim *s, int i)
{
	int base = i - tbl_index(s, i) % CONT_PTES, k;

	s->n->c[MC_PTE_CLEARS] += CONT_PTES;
	s->n->c[MC_PTE_WRITES] += CONT_PTES;
	if (!s->p->arm64_bbml2) {
		s->n->tlb[MT_CONTPTE_UNFOLD]++;
		s->n->c[MC_TLB_FLUSHES]++;
		s->n->c[MC_TLBI] += tlbi_ops(s, CONT_PTES);
		barrier_op(s, MB_DSB, 2);	/* dsb ishst; dsb ish */
	}
	for (k = 0; k < CONT_PTES; k++)
		if (base + k >= 0 && base + k < s->nslots)
			s->cont[base + k] = 0;
}

/* contpte_try_unfold(): one __ptep_get(), unfold a folded entry */
static void try_unfold(struct sim *s, int i)
{
	s->n->c[MC_PTE_READS]++;
	if (is_cont(s, i))
		unfold(s, i);
}

/*
 * Clear @nr PTEs from @i.  x86: native_ptep_get_and_clear() is one xchg
 * per PTE.  arm64 (7.3 asm/pgtable.h:get_and_clear_full_ptes()): nr == 1
 * unfolds a folded entry first; nr > 1 goes to
 * contpte_get_and_clear_full_ptes(), which unfolds only partially
 * covered blocks at either end (contpte_try_unfold_partial()).
 * Returns the OR of the dirty bits.
 */
static bool clear_ptes(struct sim *s, int i, int nr)
{
	bool dirty = false;
	int k;

	if (s->arm64) {
		if (nr == 1) {
			try_unfold(s, i);
		} else {
			if (tbl_index(s, i) % CONT_PTES || nr < CONT_PTES)
				try_unfold(s, i);
			if (tbl_index(s, i + nr) % CONT_PTES)
				try_unfold(s, i + nr - 1);
		}
	}
	s->n->c[MC_PTE_CLEARS] += nr;
	for (k = i; k < i + nr; k++) {
		if (bits(s, k) & UMT_PTE_DIRTY)
			dirty = true;
		if (k < s->nslots) {
			s->slot[k] = UMT_SLOT_MAKE(UMT_SLOT_NONE, 0,
						   bits(s, k));
			if (s->arm64)
				s->cont[k] = 0;
		}
	}
	return dirty;
}

static void set_slots(struct sim *s, int i, int nr, int type)
{
	int k;

	for (k = i; k < i + nr && k < s->nslots; k++)
		s->slot[k] = UMT_SLOT_MAKE(type, 0, UMT_SLOT_BITS(s->slot[k]));
}

/* Restore after a failed unmap: set_ptes()/set_pte_at(), @nr stores */
static void restore(struct sim *s, const uint32_t *saved, int i, int nr)
{
	int k;

	s->n->c[MC_PTE_WRITES] += nr;
	for (k = i; k < i + nr && k < s->nslots; k++)
		s->slot[k] = saved[k - i];
}

static bool pte_accessible(uint32_t b)
{
	/*
	 * x86 pte_accessible(): present, or PROT_NONE with a flush pending;
	 * the model treats PROT_NONE (NUMA hinting) as not accessible.
	 */
	return !(b & UMT_PTE_PROTNONE);
}

static bool should_defer(const struct sim *s)
{
	if (!(s->t->ttu_flags & UMT_TTU_BATCH_FLUSH))
		return false;
	/*
	 * x86 arch_tlbbatch_should_defer(): another CPU in mm_cpumask;
	 * arm64 (6.12/7.3 asm/tlbflush.h): always.  should_defer_flush() is
	 * evaluated per iteration, and a thread of the mm may come and go on
	 * another CPU meanwhile: where the collector sampled the cpumask at
	 * every walk return (UMT_LIVE_DEFER), the first live_defer_walks
	 * iterations defer.  The recording kernel's own iterations then
	 * defer exactly as often as live; a policy with fewer iterations
	 * defers when any sample did.  Older traces: the entry sample.
	 */
	if (s->arm64)
		return !s->p->arm64_no_batch;
	if (s->t->has_live & UMT_LIVE_DEFER)
		return s->tlb_iter < s->t->live_defer_walks;
	return s->t->defer_flush;
}

/*
 * The TLB side of one cleared batch [addr, addr + nr pages).
 * Deferred: set_tlb_ubc_flush_pending() (6.12/7.3 mm/rmap.c): returns
 * unless pte_accessible() (6.1's version has no such check); x86
 * arch_tlbbatch_add_pending(): inc_mm_tlb_gen() = atomic64_inc_return;
 * then atomic_inc(&mm->tlb_flush_batched).  arm64 add_pending: dsb ishst
 * + TLBIs without completion.
 * Not deferred: 6.1/6.12 ptep_clear_flush() -> flush_tlb_page() if
 * accessible; 6.15+ flush_tlb_range() unconditionally; both are x86
 * flush_tlb_mm_range(), which does inc_mm_tlb_gen().
 */
static void tlb_batch(struct sim *s, struct model_call *out, int nr,
		      uint32_t pte_bits)
{
	bool acc = pte_accessible(pte_bits);
	bool defer = should_defer(s);

	s->tlb_iter++;
	if (defer) {
		if (!acc && s->p->gen != GEN_PAGE_RMAP)
			return;
		s->n->tlb[MT_DEFERRED_ADD]++;
		out->deferred_add = true;
		if (s->arm64) {
			/*
			 * arm64 issues the TLBIs here and only waits for
			 * them in arch_tlbbatch_flush() (dsb ish): the
			 * flush is this add, the final DSB a barrier.
			 */
			s->n->c[MC_TLB_FLUSHES]++;
			barrier_op(s, MB_DSB, 1);
			/* 6.12 add_pending is per page; 7.x a range */
			s->n->c[MC_TLBI] += s->p->gen <= GEN_FOLIO_RMAP ?
					    nr : tlbi_ops(s, nr);
		} else {
			atomic_op(s, MA_TLB_GEN, 1);
		}
		atomic_op(s, MA_TLB_FLUSH_BATCHED, 1);
		return;
	}
	if (s->p->gen <= GEN_FOLIO_RMAP) {
		if (!acc)
			return;
		s->n->tlb[MT_PAGE]++;
	} else {
		s->n->tlb[MT_RANGE]++;
	}
	s->n->c[MC_TLB_FLUSHES]++;
	out->direct_flushes++;
	if (s->arm64) {
		s->n->c[MC_TLBI] += tlbi_ops(s, nr);
		barrier_op(s, MB_DSB, 2);
	} else {
		atomic_op(s, MA_TLB_GEN, 1);
	}
}

/* An x86 flush_tlb_mm_range() for a PMD (split or PMD unmap) */
static void tlb_pmd(struct sim *s, struct model_call *out)
{
	s->n->tlb[MT_PMD]++;
	s->n->c[MC_TLB_FLUSHES]++;
	out->direct_flushes++;
	if (s->arm64) {
		s->n->c[MC_TLBI]++;
		barrier_op(s, MB_DSB, 2);
	} else {
		atomic_op(s, MA_TLB_GEN, 1);
	}
}

/*
 * Remove the rmap of @nr pages.
 * 6.1 mm/rmap.c:page_remove_rmap(): one atomic_add_negative(_mapcount).
 * 6.12/7.3 __folio_remove_rmap() with CONFIG_PAGE_MAPCOUNT, large folio:
 * folio_sub_large_mapcount() (atomic_sub, or the MM-id bit lock: one
 * RMW either way), nr x atomic_add_negative(page->_mapcount), and
 * atomic_sub_return_relaxed(_nr_pages_mapped) when a page went unmapped;
 * CONFIG_NO_PAGE_MAPCOUNT: one folio_sub_return_large_mapcount().
 * Small folio: one atomic_add_negative(&folio->_mapcount).
 * An anon folio left partially mapped is queued once for deferred split
 * (deferred_split_folio(): split_queue_lock, one atomic bit op), except
 * that it returns first for order <= 1 and for a folio in the swap cache
 * (6.12.117 mm/huge_memory.c:3762/3775, 7.3.4 :4560/4573; 6.1.176
 * deferred_split_huge_page() :2836 PageSwapCache): reclaim adds an anon
 * swap-backed folio to the swap cache before try_to_unmap().
 */
static void rmap_remove(struct sim *s, int nr)
{
	const struct umt_ttu *t = s->t;
	int a;

	s->n->c[MC_RMAP_CALLS]++;
	s->n->c[MC_RMAP_PAGES] += nr;
	if (s->p->gen == GEN_PAGE_RMAP || !folio_large(t))
		a = nr;
	else if (s->p->no_page_mapcount)
		a = 1;
	else
		a = nr + 2;
	atomic_op(s, MA_RMAP_MAPCOUNT, a);
	s->mapped = s->mapped > (uint32_t)nr ? s->mapped - nr : 0;
	if (kind_anon(t->kind) && t->nr_pages > 2 && s->mapped &&
	    !(t->folio_flags & UMT_FOLIO_SWAPCACHE) && !s->split_queued) {
		s->split_queued = true;
		lock_op(s);
		atomic_op(s, MA_RMAP_MAPCOUNT, 1);
	}
}

/*
 * Drop the references: 6.1/6.12 folio_put() (atomic_dec_and_test);
 * 6.15 folio_ref_sub(nr - 1) + folio_put(); 6.16+ folio_put_refs().
 */
static void ref_drop(struct sim *s)
{
	atomic_op(s, MA_REFCOUNT, s->p->gen == GEN_LAZYFREE_ALL ? 2 : 1);
}

static void hist_add(struct model_counts *n, uint64_t v)
{
	n->batch_hist[model_hist_bucket(v)]++;
}

int model_hist_bucket(uint64_t v)
{
	int b = 0;

	while (v > 1 && b < MODEL_HIST_BUCKETS - 1) {
		v >>= 1;
		b++;
	}
	return b;
}

/*
 * Hugetlb (only reached with TTU_HWPOISON).  7.3:
 * try_to_unmap_poisoned_hugetlb_one(): one walk call (hugetlb_walk +
 * check_pte: one huge_ptep_get), huge_ptep_get(), huge_ptep_clear_flush()
 * (a flush), hugetlb_remove_rmap() (not folio_remove_rmap_ptes()),
 * hugetlb_count_sub() (not an mm counter), folio_put_refs().  6.12/7.2
 * run the same through try_to_unmap_one() and its loop, which calls the
 * walk a second time (not_found) and the uffd-wp helper.
 */
static void replay_hugetlb(struct sim *s, struct model_call *out)
{
	struct model_counts *n = s->n;

	n->c[MC_WALK_CALLS]++;
	n->c[MC_WALK_ITERATIONS]++;
	lock_op(s);
	rd(s, 0);			/* check_pte() */
	rd(s, 0);			/* pteval */
	n->c[MC_PTE_CLEARS]++;
	n->tlb[MT_PAGE]++;
	n->c[MC_TLB_FLUSHES]++;
	out->direct_flushes++;
	if (!s->arm64)
		atomic_op(s, MA_TLB_GEN, 1);
	if (!s->p->hugetlb_own_fn && s->p->uffd_marker_read)
		rd(s, 0);
	n->c[MC_PTE_WRITES]++;		/* hwpoison entry */
	atomic_op(s, MA_RMAP_MAPCOUNT, 2);	/* hugetlb_remove_rmap() */
	ref_drop(s);
	if (!s->p->hugetlb_own_fn)
		n->c[MC_WALK_CALLS]++;
}

/*
 * Anonymous swap-backed PTEs (6.12/7.2 mm/rmap.c, 7.3
 * ttu_anon_swapbacked_folio()): swap_duplicate()/folio_dup_swap() under
 * the swap cluster lock; if PageAnonExclusive,
 * folio_try_share_anon_rmap_pte() = smp_mb(), ClearPageAnonExclusive()
 * (clear_bit), smp_mb__after_atomic() (include/linux/rmap.h); then
 * dec_mm_counter(MM_ANONPAGES) + inc_mm_counter(MM_SWAPENTS) and one
 * set_pte_at() of the swap PTE.
 * The anon policy (Dev Jain v4, INFERRED from the cover letter): the
 * batch is split into sub-batches of equal anon-exclusivity
 * (page_anon_exclusive_batch()); each sub-batch does one batched
 * folio_dup_swap(), one barrier pair if exclusive, one add_mm_counter()
 * pair, one set_ptes() and its own rmap/refcount accounting.
 * Returns the number of sub-batches done (they did their own rmap) or -1
 * on failure at the first one.
 */
static int anon_swap(struct sim *s, int i, int nr, bool fail,
		     const uint32_t *saved)
{
	int k = 0, subs = 0;

	while (k < nr) {
		bool excl = saved[k] >> 16 & UMT_PTE_ANON_EXCL;
		int len = 1;

		if (s->p->gen == GEN_ANON)
			while (k + len < nr &&
			       !!(saved[k + len] >> 16 & UMT_PTE_ANON_EXCL) ==
			       excl)
				len++;
		lock_op(s);		/* swap cluster lock */
		if (excl)
			barrier_op(s, MB_SMP_MB, 1);
		if (fail)
			return -1;
		if (excl) {
			atomic_op(s, MA_ANON_EXCLUSIVE, len);
			barrier_op(s, MB_AFTER_ATOMIC, 1);
		}
		rss_update(s, 2);
		s->n->c[MC_PTE_WRITES] += len;
		set_slots(s, i + k, len, UMT_SLOT_SWAP);
		if (s->p->gen == GEN_ANON) {
			rmap_remove(s, len);
			ref_drop(s);
		}
		subs++;
		k += len;
	}
	return subs;
}

static void init_cont(struct sim *s)
{
	int i, k;

	for (i = 0; i < s->nslots; i++)
		s->cont[i] = !!(bits(s, i) & UMT_PTE_CONT);
	/*
	 * An x86 trace replayed for arm64: fold what arm64 would have folded
	 * (contpte_set_ptes()/__contpte_try_fold()): 16 aligned PTEs mapping
	 * 16 aligned pages of this folio inside the VMA, with equal bits
	 * apart from dirty and young.
	 */
	for (i = 0; i < s->nslots; i++) {
		uint32_t ign = UMT_PTE_DIRTY | UMT_PTE_YOUNG |
			       UMT_PTE_ANON_EXCL | UMT_PTE_CONT;
		uint32_t p0;
		bool ok = true;

		if (tbl_index(s, i) % CONT_PTES || i + CONT_PTES > s->nslots)
			continue;
		if (stype(s, i) != UMT_SLOT_THIS)
			continue;
		p0 = UMT_SLOT_PAGE(s->slot[i]);
		if (p0 % CONT_PTES || p0 + CONT_PTES > s->t->nr_pages)
			continue;
		if (i + (int64_t)s->t->image_first_page <
		    s->t->vma_start_page ||
		    i + CONT_PTES + (int64_t)s->t->image_first_page >
		    s->t->vma_end_page)
			continue;
		for (k = 1; k < CONT_PTES && ok; k++)
			ok = stype(s, i + k) == UMT_SLOT_THIS &&
			     UMT_SLOT_PAGE(s->slot[i + k]) == p0 + k &&
			     (bits(s, i + k) & ~ign) == (bits(s, i) & ~ign);
		if (ok)
			for (k = 0; k < CONT_PTES; k++)
				s->cont[i + k] = 1;
	}
}

/*
 * PMD-mapped folio split by split_huge_pmd_locked() (6.12/7.3
 * mm/huge_memory.c:__split_huge_pmd_locked()): a file/shmem PMD is just
 * removed (pmdp_huge_clear_flush(), add_mm_counter(-HPAGE_PMD_NR), the
 * rmap through folio_remove_rmap_pmd(), or 6.1 page_remove_rmap(compound)
 * which the collector counts); an anon PMD becomes a page table of
 * PTEs with the PMD's bits (pmdp_invalidate(): a flush).
 */
static void split_pmd(struct sim *s, struct model_call *out)
{
	uint32_t b = bits(s, 0);
	int i;

	/*
	 * The recorder writes no slots for a PMD mapping: assume a writable,
	 * young PMD, dirty iff the folio is, anon-exclusive for anon (the
	 * split keeps PageAnonExclusive of every page of an exclusive PMD).
	 */
	if (stype(s, 0) != UMT_SLOT_THIS) {
		b = UMT_PTE_WRITE | UMT_PTE_YOUNG;
		if (s->t->folio_flags & UMT_FOLIO_DIRTY)
			b |= UMT_PTE_DIRTY;
		if (kind_swapbacked_anon(s->t->kind))
			b |= UMT_PTE_ANON_EXCL;
	}

	tlb_pmd(s, out);
	s->pmd_mapped = false;
	if (!kind_anon(s->t->kind)) {
		rss_update(s, 1);
		if (s->p->gen == GEN_PAGE_RMAP) {
			s->n->c[MC_RMAP_CALLS]++;
			s->n->c[MC_RMAP_PAGES] += s->t->nr_pages;
		}
		atomic_op(s, MA_RMAP_MAPCOUNT, 2);
		ref_drop(s);
		for (i = 0; i < s->nslots; i++)
			s->slot[i] = UMT_SLOT_MAKE(UMT_SLOT_NO_TABLE, 0, 0);
		s->mapped = 0;
		return;
	}
	/*
	 * arm64: both pmd_populate()s of the new table (the local _pmd, then
	 * the PMD; 6.1/6.12/7.3 __split_huge_pmd_locked()) set_pmd() a valid
	 * entry: dsb(ishst) + isb (asm/pgtable.h; 7.3 queue_pte_barriers(),
	 * not in lazy MMU mode here).  Seen by the QEMU plugin, 6.18.
	 */
	if (s->arm64)
		barrier_op(s, MB_DSB, 2);
	for (i = 0; i < s->nslots; i++)
		s->slot[i] = UMT_SLOT_MAKE(UMT_SLOT_THIS,
					   s->t->image_first_page + i, b);
	if (s->arm64)
		init_cont(s);
}

/*
 * Lazyfree PMD: unmap_huge_pmd_locked() -> __discard_anon_folio_pmd_locked()
 * (6.12/7.2 mm/huge_memory.c): nothing if the folio is dirty, else
 * pmdp_huge_clear_flush(), smp_mb(), smp_rmb(), then
 * folio_remove_rmap_pmd() + add_mm_counter() + folio_put() on success,
 * or set_pmd_at() to restore.
 */
static void lazyfree_pmd(struct sim *s, struct model_call *out, bool ok)
{
	/* "if (folio_test_dirty(folio) || pmd_dirty(orig_pmd)) return false" */
	if (!ok && (s->t->folio_flags & UMT_FOLIO_DIRTY))
		return;
	tlb_pmd(s, out);
	barrier_op(s, MB_SMP_MB, 1);
	barrier_op(s, MB_SMP_RMB, 1);
	if (!ok) {
		s->n->c[MC_PTE_WRITES]++;
		return;
	}
	atomic_op(s, MA_RMAP_MAPCOUNT, 2);
	rss_update(s, 1);
	ref_drop(s);
	s->mapped = 0;
}

/*
 * Long on purpose (~260 lines): it follows try_to_unmap_one()'s loop in
 * mm/rmap.c step by step, so each counting rule sits in the kernel's own
 * order next to the function it cites; the steps that stand alone
 * (walk, batch, clear, flush, rmap, the PMD and hugetlb paths) are the
 * helpers above.
 */
void model_replay(const struct model_policy *p, const struct umt_ttu *t,
		  struct model_call *out)
{
	struct sim s = { 0 };
	uint32_t *saved = NULL;
	uint32_t flags = t->ttu_flags;
	bool ret = true, image_dirty = false;
	int ptes = 0, w, i, nr;
	int64_t first_page = t->image_first_page, start, end;

	memset(out, 0, sizeof(*out));
	s.p = p;
	s.t = t;
	s.n = &out->n;
	s.arm64 = p->arch == MODEL_ARM64;
	s.sync = flags & UMT_TTU_SYNC;
	s.pmd_mapped = t->folio_flags & UMT_FOLIO_PMD_MAPPED;
	s.folio_dirty = t->folio_flags & UMT_FOLIO_DIRTY;
	s.nslots = (int)(t->nr_slots > UMT_MAX_SLOTS ? UMT_MAX_SLOTS :
			 t->nr_slots);
	/* a PMD split needs room for every page of the folio */
	if (s.pmd_mapped && s.nslots < (int)t->nr_pages)
		s.nslots = t->nr_pages > UMT_MAX_SLOTS ? UMT_MAX_SLOTS :
			   (int)t->nr_pages;
	s.slot = calloc(s.nslots + 1, sizeof(*s.slot));
	s.cont = calloc(s.nslots + 1, 1);
	saved = calloc(s.nslots + 1, sizeof(*saved));
	if (!s.slot || !s.cont || !saved) {
		out->note = "out of memory";
		goto out;
	}
	for (i = 0; i < s.nslots && i < (int)t->nr_slots; i++)
		s.slot[i] = t->slots[i];
	/* vma_address() .. vma_address_end(), in slots */
	/* in 64 bits, clamped: file fields must not overflow an int */
	start = (t->vma_start_page > 0 ? t->vma_start_page : 0) - first_page;
	end = ((int64_t)t->nr_pages < t->vma_end_page ? (int64_t)t->nr_pages :
	       t->vma_end_page) - first_page;
	s.start = start < 0 ? 0 : start > s.nslots ? s.nslots : (int)start;
	s.end = end > s.nslots ? s.nslots : end < 0 ? 0 : (int)end;
	for (i = 0; i < s.nslots; i++) {
		if (stype(&s, i) != UMT_SLOT_THIS)
			continue;
		s.mapped++;
		if (i >= s.start && i < s.end && bits(&s, i) & UMT_PTE_DIRTY)
			image_dirty = true;
	}
	if (s.pmd_mapped)
		s.mapped = t->nr_pages;
	if (s.arm64)
		init_cont(&s);
	out->n.c[MC_TTU_CALLS] = 1;

	if (t->kind == UMT_KIND_HUGETLB) {
		replay_hugetlb(&s, out);
		ret = true;
		goto out;
	}

	/* 6.1 mm/rmap.c:1495: split_huge_pmd_address() before the walk */
	if (p->split_before_walk && s.pmd_mapped &&
	    (flags & UMT_TTU_SPLIT_HUGE_PMD)) {
		split_pmd(&s, out);
		flags &= ~UMT_TTU_SPLIT_HUGE_PMD;
	}

	while ((w = walk_next(&s)) != WALK_NONE) {
		uint32_t pte_bits;
		bool present, dirty, fail;

		nr = 1;
		/* 6.1/6.12/7.3 mm/rmap.c: VM_LOCKED without IGNORE_MLOCK */
		if (!(flags & UMT_TTU_IGNORE_MLOCK) &&
		    (t->vma_flags & UMT_VMA_LOCKED)) {
			ret = false;
			if (!p->mlock_visit_all)
				break;		/* walk_abort at once */
			ptes++;
			if (w == WALK_PTE && ptes != (int)t->nr_pages)
				continue;
			break;			/* mlock_vma_folio, walk_done */
		}
		if (w == WALK_PMD) {
			bool lf_pmd = p->lazyfree_pmd;

			/*
			 * 6.12.107 mm/rmap.c:1694 calls unmap_huge_pmd_locked()
			 * for a PMD-mapped folio, 6.12.117 (:1700) no longer
			 * does (the definition stays, mm/huge_memory.c:3101):
			 * "kernel" takes what the recorder saw this call do.
			 */
			if (p->observed && !p->huge_pmd_unseen &&
			    (t->has_live & UMT_LIVE_HELPERS))
				lf_pmd = t->live_helpers &
					 UMT_HELPER_UNMAP_HUGE_PMD;
			if (lf_pmd && t->kind == UMT_KIND_LAZYFREE &&
			    (p->gen >= GEN_FILE_NOUFFD || t->ret)) {
				/* 7.2: failure -> walk_abort; 6.12: split */
				lazyfree_pmd(&s, out, t->ret);
				ret = t->ret;
				break;
			}
			if (lf_pmd && t->kind == UMT_KIND_LAZYFREE)
				lazyfree_pmd(&s, out, false);
			if (flags & UMT_TTU_SPLIT_HUGE_PMD) {
				split_pmd(&s, out);
				flags &= ~UMT_TTU_SPLIT_HUGE_PMD;
				walk_restart(&s);
				continue;
			}
			out->note = "PMD-mapped folio without "
				    "TTU_SPLIT_HUGE_PMD";
			ret = false;
			break;
		}

		i = s.idx;
		pte_bits = bits(&s, i);
		present = stype(&s, i) == UMT_SLOT_THIS;
		/*
		 * 6.1: subpage = pte_pfn(*pvmw.pte); 6.12: pte_pfn(ptep_get());
		 * 7.x: pteval = ptep_get(pvmw.pte).  One read each.
		 */
		rd(&s, i);
		/*
		 * 6.15 can_batch_unmap_folio_ptes(): ptep_get() again for any
		 * large folio, then the whole folio or nothing, lazyfree only,
		 * from page 0, max_nr not capped (fixed in 6.16).
		 */
		if (p->gen == GEN_LAZYFREE_ALL && folio_large(t) &&
		    !(flags & UMT_TTU_HWPOISON) && present) {
			rd(&s, i);
			if (t->kind == UMT_KIND_LAZYFREE &&
			    UMT_SLOT_PAGE(slot_at(&s, i)) == 0) {
				int max = (int)t->nr_pages;

				if (max > s.nslots - i)
					max = s.nslots - i;
				if (pte_batch(&s, i, max, false) ==
				    (int)t->nr_pages)
					nr = t->nr_pages;
			}
		}
		if (present && p->gen >= GEN_LAZYFREE)
			nr = unmap_batch(&s, i);
		if (nr > s.nslots - i)
			nr = s.nslots - i;
		for (int k = 0; k < nr; k++)
			saved[k] = slot_at(&s, i + k);

		if (present || p->gen <= GEN_FOLIO_RMAP) {
			dirty = clear_ptes(&s, i, nr);
			tlb_batch(&s, out, nr, present ? pte_bits :
				  UMT_PTE_PROTNONE);
			/* "if (pte_dirty(pteval)) folio_mark_dirty(folio)" */
			if (dirty)
				s.folio_dirty = true;
		} else {
			/* 7.x device-exclusive: pte_clear() */
			s.n->c[MC_PTE_WRITES]++;
			set_slots(&s, i, 1, UMT_SLOT_NONE);
		}
		s.n->c[MC_BATCHES]++;
		s.n->c[MC_BATCH_PAGES] += nr;
		hist_add(s.n, nr);

		/*
		 * uffd-wp: <= 7.2 pte_install_uffd_wp_if_needed() (one PTE),
		 * 7.3 cond_install_uffd_wp_ptes(nr): one WARN read of the
		 * cleared PTE, markers only in a file VMA registered for
		 * uffd-wp whose PTE had the uffd-wp bit.
		 */
		if (p->uffd_marker_read)
			rd(&s, i);
		if ((t->vma_flags & UMT_VMA_UFFD_WP) && !kind_anon(t->kind) &&
		    (pte_bits & UMT_PTE_UFFD_WP)) {
			int m = p->gen >= GEN_FILE ? nr : 1;

			s.n->c[MC_PTE_WRITES] += m;
			s.n->c[MC_UFFD_MARKERS] += m;
			set_slots(&s, i, m, UMT_SLOT_MARKER);
		}

		if (flags & UMT_TTU_HWPOISON) {
			/* dec_mm_counter(mm_counter()), hwpoison entry */
			rss_update(&s, 1);
			s.n->c[MC_PTE_WRITES]++;
			set_slots(&s, i, 1, UMT_SLOT_MIGRATION);
		} else if (t->kind == UMT_KIND_LAZYFREE) {
			/*
			 * MADV_FREE check (6.12/7.2 mm/rmap.c, 7.3
			 * ttu_anon_lazyfree_folio()): smp_mb(), refcount and
			 * mapcount reads, smp_rmb().  Fails if the folio is
			 * dirty (PG_dirty, or a dirty PTE just folded in) and
			 * the VMA not droppable, or on an extra reference.
			 * The reference count is not recorded: a recorded
			 * failure with no dirty PTE in the image is taken to
			 * be an extra reference, failing the first check.
			 */
			barrier_op(&s, MB_SMP_MB, 1);
			barrier_op(&s, MB_SMP_RMB, 1);
			fail = s.folio_dirty &&
			       !(t->vma_flags & UMT_VMA_DROPPABLE);
			if (!t->ret && !fail && !image_dirty)
				fail = true;	/* the extra reference */
			if (fail) {
				restore(&s, saved, i, nr);
				/*
				 * 6.12: folio_set_swapbacked() unless
				 * droppable; 7.x: only on the dirty path.
				 */
				if (!(t->vma_flags & UMT_VMA_DROPPABLE) &&
				    (s.folio_dirty || p->gen <= GEN_FOLIO_RMAP))
					atomic_op(&s, MA_SWAPBACKED, 1);
				ret = false;
				break;
			}
			rss_update(&s, 1);
		} else if (kind_swapbacked_anon(t->kind)) {
			int subs;

			/*
			 * A recorded failure: folio_try_share_anon_rmap_pte()
			 * fails on a pinned folio at the first exclusive page,
			 * else the swap entry could not be duplicated (first
			 * PTE).
			 */
			fail = false;
			if (!t->ret) {
				if (t->folio_flags & UMT_FOLIO_PINNED)
					fail = pte_bits & UMT_PTE_ANON_EXCL;
				else
					fail = true;
			}
			subs = anon_swap(&s, i, nr, fail, saved);
			if (subs < 0) {
				restore(&s, saved, i, nr);
				ret = false;
				break;
			}
			if (p->gen == GEN_ANON)
				goto done;
		} else {
			/*
			 * file/shmem: 6.12 dec_mm_counter(mm_counter_file()),
			 * 7.x add_mm_counter(..., -nr_pages).
			 */
			rss_update(&s, 1);
		}
		rmap_remove(&s, nr);
		/* mlock_drain_local() only for VM_LOCKED: no counted op */
		ref_drop(&s);
done:
		if (p->gen == GEN_LAZYFREE_ALL && nr > 1)
			break;
		if (p->gen >= GEN_LAZYFREE && nr == (int)t->nr_pages)
			break;
		/* Wei Yang's proposal: pvmw.pte += nr - 1 */
		if (p->skip && nr > 1)
			s.idx += nr - 1;
	}
	if (t->ret && !ret)
		out->note = "model failed where the recording succeeded";
	else if (!t->ret && ret)
		out->note = "recording failed where the model did not";
out:
	out->ret = ret;
	free(s.slot);
	free(s.cont);
	free(saved);
}

void model_counts_add(struct model_counts *dst, const struct model_counts *s)
{
	int i;

	for (i = 0; i < MC_NR; i++)
		dst->c[i] += s->c[i];
	for (i = 0; i < MA_NR; i++)
		dst->atomics[i] += s->atomics[i];
	for (i = 0; i < MT_NR; i++)
		dst->tlb[i] += s->tlb[i];
	for (i = 0; i < MB_NR; i++)
		dst->barriers[i] += s->barriers[i];
	for (i = 0; i < MODEL_HIST_BUCKETS; i++)
		dst->batch_hist[i] += s->batch_hist[i];
}
