/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The encodings the BPF collector (bpf/unmaptrace.bpf.c), the collector's
 * user half (collect/) and the .umt format (lib/umt.h, docs/FORMAT.md)
 * share: folio kinds, folio/VMA/TTU flags, slot types and PTE bits.  One
 * copy: the BPF object includes it too, so it uses no <stdint.h> types
 * outside macros (UMT_SLOT_MAKE is only expanded in user space).
 */
#ifndef UMT_ABI_H
#define UMT_ABI_H

/* ---- folio kinds, as try_to_unmap_one() branches on them ---- */
enum umt_folio_kind {
	UMT_KIND_FILE		= 0,	/* !anon, not shmem */
	UMT_KIND_ANON		= 1,	/* anon && swapbacked */
	UMT_KIND_LAZYFREE	= 2,	/* anon && !swapbacked */
	UMT_KIND_SHMEM		= 3,	/* !anon && swapbacked */
	UMT_KIND_HUGETLB	= 4,
	UMT_KIND_KSM		= 5,
	UMT_KIND_NR,
};

/* umt_ttu.folio_flags */
#define UMT_FOLIO_LARGE		(1u << 0)
#define UMT_FOLIO_PMD_MAPPED	(1u << 1)	/* the walk finds a PMD */
#define UMT_FOLIO_DIRTY		(1u << 2)	/* PG_dirty at entry */
#define UMT_FOLIO_PINNED	(1u << 3)	/* folio_maybe_dma_pinned */
#define UMT_FOLIO_SWAPCACHE	(1u << 4)
#define UMT_FOLIO_MLOCKED	(1u << 5)
#define UMT_FOLIO_IMAGE_TRUNC	(1u << 6)	/* slots beyond UMT_MAX_SLOTS */
#define UMT_FOLIO_NO_IMAGE	(1u << 7)	/* page tables unreadable */

/* umt_ttu.vma_flags (normalised, not raw vm_flags) */
#define UMT_VMA_LOCKED		(1u << 0)
#define UMT_VMA_UFFD_WP		(1u << 1)
#define UMT_VMA_SHARED		(1u << 2)
#define UMT_VMA_DROPPABLE	(1u << 3)
#define UMT_VMA_HUGETLB		(1u << 4)
#define UMT_VMA_UFFD_MISSING	(1u << 5)

/* umt_ttu.ttu_flags (normalised enum ttu_flags) */
#define UMT_TTU_SPLIT_HUGE_PMD	(1u << 0)
#define UMT_TTU_IGNORE_MLOCK	(1u << 1)
#define UMT_TTU_SYNC		(1u << 2)
#define UMT_TTU_HWPOISON	(1u << 3)
#define UMT_TTU_BATCH_FLUSH	(1u << 4)
#define UMT_TTU_RMAP_LOCKED	(1u << 5)

/*
 * One page-table slot the walk can visit, as a u32:
 *   bits  0..3  type (enum umt_slot_type)
 *   bits  4..15 page index inside this folio (PRESENT_THIS only)
 *   bits 16..31 UMT_PTE_* bits
 */
enum umt_slot_type {
	UMT_SLOT_NONE		= 0,	/* pte_none() */
	UMT_SLOT_THIS		= 1,	/* present, maps a page of this folio */
	UMT_SLOT_OTHER		= 2,	/* present, maps another page */
	UMT_SLOT_SWAP		= 3,	/* swap entry (type < MAX_SWAPFILES) */
	UMT_SLOT_MARKER		= 4,	/* pte marker (e.g. uffd-wp) */
	UMT_SLOT_MIGRATION	= 5,	/* migration/hwpoison entry */
	UMT_SLOT_DEVICE		= 6,	/* device private/exclusive entry */
	UMT_SLOT_NO_TABLE	= 7,	/* no page table here (pmd none) */
};
#define UMT_SLOT_TYPE(s)	((s) & 0xf)
#define UMT_SLOT_PAGE(s)	(((s) >> 4) & 0xfff)
#define UMT_SLOT_BITS(s)	((s) >> 16)
#define UMT_SLOT_MAKE(t, page, bits) \
	((uint32_t)(t) | ((uint32_t)(page) & 0xfff) << 4 | \
	 (uint32_t)(bits) << 16)

#define UMT_PTE_WRITE		(1u << 0)
#define UMT_PTE_DIRTY		(1u << 1)
#define UMT_PTE_YOUNG		(1u << 2)
#define UMT_PTE_SOFT_DIRTY	(1u << 3)
#define UMT_PTE_UFFD_WP		(1u << 4)
#define UMT_PTE_CONT		(1u << 5)	/* arm64 PTE_CONT */
#define UMT_PTE_SPECIAL		(1u << 6)
#define UMT_PTE_PROTNONE	(1u << 7)
#define UMT_PTE_SWP_EXCLUSIVE	(1u << 8)	/* swap pte exclusive marker */
#define UMT_PTE_ANON_EXCL	(1u << 9)	/* PageAnonExclusive(page) */

#define UMT_MAX_SLOTS		512

#endif
