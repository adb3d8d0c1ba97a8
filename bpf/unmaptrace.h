/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by bpf/unmaptrace.bpf.c and the collector in collect/.  Fixed
 * width only: the same bytes are read by the BPF object and user space.
 *
 * The event carries kernel pointers (mm, vma, folio) so user space can map
 * them to trace-local ids; they are never written to a .umt file.  PFNs
 * never leave the kernel: the BPF side turns them into page indexes.
 */
#ifndef UNMAPTRACE_H
#define UNMAPTRACE_H

#include "umt_abi.h"	/* kinds, flags, slot types: one copy */

#define UT_COMM_LEN		16
/*
 * Kernel stack frames kept per call, for the reclaim path: enough to
 * reach memory_reclaim() from try_to_unmap_one() (about 20 with MGLRU)
 */
#define UT_STACK_MAX		32

/*
 * Raw slot from the BPF side (ut_ttu.slots), classified into UMT_SLOT_* by
 * user space: x86 PTE bits 0..11, the swap type (bits 59..63), SAVED_DIRTY
 * (bit 58), whether any bit above 11 is set, and for a present PTE mapping
 * this folio the page index.  No PFN.
 */
#define UT_RAW_LOW_MASK		0xfffu
#define UT_RAW_SWP_TYPE_SHIFT	12		/* 5 bits */
#define UT_RAW_SAVED_DIRTY	(1u << 17)
#define UT_RAW_IDX_SHIFT	18		/* 10 bits */
#define UT_RAW_THIS		(1u << 28)
#define UT_RAW_ANON_EXCL	(1u << 29)
#define UT_RAW_HIGH		(1u << 30)	/* bits 12..63 not all 0 */
#define UT_RAW_NO_TABLE		(1u << 31)
/* arm64 PTE_CONT; x86's bit 7 here is PAT, which user space ignores */
#define UT_RAW_CONT		(1u << 7)

/*
 * Swap-type layout of non-present PTEs, set by user space from the kernel
 * config (include/linux/swap.h: MAX_SWAPFILES, then hwpoison, migration,
 * device, marker types counting up to 31).
 */
struct ut_swp_layout {
	uint32_t max_swapfiles;
	uint32_t hwpoison_first, hwpoison_nr;
	uint32_t migration_first, migration_nr;
	uint32_t device_first, device_nr;
	uint32_t marker_first, marker_nr;
};

/* What the collector records (rodata filter_mode) */
enum ut_filter {
	UT_FILTER_ALL		= 0,	/* every call (-a) */
	UT_FILTER_VICTIM	= 1,	/* victim's tgid in map "tgids" */
	UT_FILTER_RECLAIMER	= 2,	/* caller's tgid in "tgids" */
	UT_FILTER_CGROUP	= 3,	/* victim in filter_cgroup, below */
};

/* Ring buffer event types */
enum ut_ev_type {
	UT_EV_TTU	= 1,
	UT_EV_TLBBATCH	= 2,
};

/* Why an image could not be taken (ut_ttu.image_err) */
enum ut_image_err {
	UT_IMG_OK		= 0,
	UT_IMG_NO_LAYOUT	= 1,	/* page_offset_base etc. unknown */
	UT_IMG_READ_FAULT	= 2,	/* a page-table read faulted */
	UT_IMG_NO_MM		= 3,
	UT_IMG_ARM64_LAYOUT	= 4,	/* arm64 layout not read for it */
};

struct ut_ttu {
	uint16_t type;			/* UT_EV_TTU */
	uint16_t image_err;		/* enum ut_image_err */
	uint32_t cpu;
	uint64_t ts;			/* bpf_ktime_get_ns() at entry */
	uint32_t tid;
	uint32_t tgid;
	char comm[UT_COMM_LEN];
	uint64_t mm;			/* kernel pointers: ids only */
	uint64_t vma;
	uint64_t folio;
	uint32_t raw_ttu_flags;		/* the kernel's enum ttu_flags */
	uint32_t nr_pages;
	uint16_t kind;
	uint16_t folio_flags;
	uint32_t ttu_flags;		/* normalised UMT_TTU_* */
	uint32_t vma_flags;
	uint32_t image_first_page;
	uint32_t image_pmd_index;
	uint32_t nr_slots;
	int32_t vma_start_page;
	int32_t vma_end_page;
	uint8_t defer_flush;
	uint8_t ret;
	uint8_t has_live;		/* UT_LIVE_* */
	uint8_t paging_levels;		/* 4 or 5, as the walk found it */
	uint32_t live_rmap_calls;
	uint32_t live_rmap_pages;
	uint32_t live_tlb_flushes;
	uint32_t live_rss_stat;
	uint32_t live_walk_calls;
	uint32_t live_walk_true;
	uint32_t live_defer_walks;	/* walk returns with another CPU */
	uint32_t live_defer_rmap;	/* rmap calls with another CPU */
	/* the victim (vma->vm_mm's owner) and what the reclaimer is doing */
	uint64_t victim_cgroup;		/* its memcg's kernfs id */
	uint32_t victim_tgid;		/* 0: mm->owner unknown */
	uint32_t task_flags;		/* current->flags (PF_*) */
	char victim_comm[UT_COMM_LEN];
	uint32_t victim_valid;		/* UT_VICTIM_* */
	uint32_t nr_stack;		/* kernel stack frames in stack[] */
	uint64_t stack[UT_STACK_MAX];	/* return addresses, inner 1st */
	uint32_t slots[UMT_MAX_SLOTS];
};

/* ut_ttu.victim_valid */
#define UT_VICTIM_TGID		0x1	/* victim_tgid, victim_comm */
#define UT_VICTIM_CGROUP	0x2	/* victim_cgroup */

/* ut_ttu.has_live */
#define UT_LIVE_DONE		0x1	/* fexit ran: live counts valid */
#define UT_LIVE_HUGE_PMD	0x2	/* unmap_huge_pmd_locked() was called */
#define UT_LIVE_PTE_BATCH	0x4	/* folio_pte_batch() was called */

#define UT_TTU_HDR_SIZE	((uint32_t)__builtin_offsetof(struct ut_ttu, slots))

struct ut_tlbbatch {
	uint16_t type;			/* UT_EV_TLBBATCH */
	uint16_t pad;
	uint32_t cpu;
	uint64_t ts;
	uint32_t tid;
	uint32_t tgid;
	char comm[UT_COMM_LEN];
	uint32_t in_ttu;
	uint32_t migrate_defers;	/* try_to_migrate_one() calls that could
					 * defer, since this tid's last flush */
};

/* Per-CPU global counters (map "counters"), summed at stop */
enum ut_counter {
	UT_CNT_TTU,
	UT_CNT_RMAP_CALLS,
	UT_CNT_RMAP_PAGES,
	UT_CNT_TLB_FLUSHES,	/* flush_tlb_mm_range inside ttu */
	UT_CNT_TLBBATCH,	/* arch_tlbbatch_flush by recorded tasks */
	UT_CNT_RSS_STAT,	/* inside ttu */
	UT_CNT_WALK_CALLS,
	UT_CNT_WALK_TRUE,
	UT_CNT_DROPS,		/* bpf_ringbuf_reserve/output failed */
	UT_CNT_TASK_FULL,	/* per-task map full: call not snapshotted */
	UT_CNT_NO_STACK,	/* bpf_get_stack() failed: path from flags */
	UT_CNT_NR,
};

#endif /* UNMAPTRACE_H */
