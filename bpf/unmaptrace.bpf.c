// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace collector: snapshot every try_to_unmap_one() call at entry
 * (folio, VMA, flags, the page-table slots the walk can visit) and count
 * what the calling task does inside the call (rmap, TLB flushes, rss_stat,
 * walk steps).  Each logical hook has several programs (fentry, kprobe,
 * tracepoint flavours); user space autoloads only the winners.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "unmaptrace.h"
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load */
const volatile __u32 filter_mode;	/* enum ut_filter */
const volatile __u64 filter_cgroup;	/* UT_FILTER_CGROUP: kernfs id */
const volatile __u32 nr_cpu_ids = 1;
const volatile __u32 rmap_compound_arg;	/* page_remove_rmap: 1 or 2 */
const volatile __u64 vm_droppable_mask;	/* 0: kernel has none/unknown */

/*
 * KASLR'd layout variables (arch/x86/kernel/head64.c): read their values
 * at run time.  pgdir_shift is 48 with 5-level paging, 39 with 4-level.
 */
extern const void page_offset_base __ksym __weak;
extern const void vmemmap_base __ksym __weak;
extern const void pgdir_shift __ksym __weak;
extern const void __pgtable_l5_enabled __ksym __weak;
/*
 * arm64: PHYS_OFFSET is memstart_addr (arch/arm64/include/asm/memory.h);
 * vabits_actual a variable up to 6.8 (a TCR_EL1 read after).
 */
extern const void memstart_addr __ksym __weak;
extern const void vabits_actual __ksym __weak;
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
#ifdef __TARGET_ARCH_arm64
/* without CONFIG_KALLSYMS_ALL (Debian 6.1): from /proc/kcore, user space */
const volatile __s64 arm64_memstart;
const volatile bool arm64_memstart_known;
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/*
 * try_to_migrate_one() calls that may have deferred a flush into the same
 * current->tlb_ubc, by tid, until that tid's next arch_tlbbatch_flush()
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} migrate_defers SEC(".maps");

/*
 * arm64: tids inside try_to_unmap_flush_dirty() whose flush was counted
 * there, so that its nested try_to_unmap_flush() (if not inlined) is not
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} ubc_dirty SEC(".maps");

/* in-flight try_to_unmap_one() calls, by tid */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ut_ttu);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

/*
 * Victim filters: tids that ran a recorded call which could defer its TLB
 * flush, until their next arch_tlbbatch_flush() (that flush is recorded)
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} owed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UT_CNT_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ut_ttu);
} scratch SEC(".maps");

/* 2 x 512 so the second page table's PTEs fit after the first's */
struct pte_buf {
	__u64 pte[2 * UMT_MAX_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pte_buf);
} ptes SEC(".maps");

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += n;
}

static __always_inline bool want_task(__u32 tgid)
{
	if (filter_mode == UT_FILTER_ALL)
		return true;
	return bpf_map_lookup_elem(&tgids, &tgid) != NULL;
}

static __always_inline bool followed(__u32 tgid)
{
	return bpf_map_lookup_elem(&tgids, &tgid) != NULL;
}

/*
 * The victim's memory cgroup: the owner's css_set->subsys[memory_cgrp_id]
 * (CONFIG_MEMCG), else its cgroup2 cgroup (css_set->dfl_cgrp->self).
 */
static __always_inline struct cgroup_subsys_state *
victim_css(struct task_struct *owner)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cs = BPF_CORE_READ(owner, cgroups);
	struct cgroup *cg;
	__u32 id;

	if (!cs)
		return NULL;
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id,
				       memory_cgrp_id)) {
		id = bpf_core_enum_value(enum cgroup_subsys_id,
					 memory_cgrp_id);
		bpf_probe_read_kernel(&css, sizeof(css), (void *)cs +
				      bpf_core_field_offset(cs->subsys) +
				      (id & 15) * sizeof(void *));
	}
	if (!css) {
		cg = BPF_CORE_READ(cs, dfl_cgrp);
		if (cg)
			css = (void *)cg + bpf_core_field_offset(cg->self);
	}
	return css;
}

/*
 * Whose memory this is: vma->vm_mm's owner (mm->owner, CONFIG_MEMCG,
 * include/linux/mm_types.h 5.10..7.3), its comm and memory cgroup.
 */
static __always_inline struct cgroup_subsys_state *
victim_of(struct ut_ttu *e, struct mm_struct *mm)
{
	struct cgroup_subsys_state *css;
	struct task_struct *owner;

	if (!mm || !bpf_core_field_exists(mm->owner))
		return NULL;
	owner = BPF_CORE_READ(mm, owner);
	if (!owner)
		return NULL;
	e->victim_tgid = BPF_CORE_READ(owner, tgid);
	BPF_CORE_READ_STR_INTO(&e->victim_comm, owner, comm);
	e->victim_valid |= UT_VICTIM_TGID;
	css = victim_css(owner);
	if (css) {
		e->victim_cgroup = BPF_CORE_READ(css, cgroup, kn, id);
		e->victim_valid |= UT_VICTIM_CGROUP;
	}
	return css;
}

/* --cgroup: @css is filter_cgroup or below it (16 levels) */
static __always_inline bool css_under(struct cgroup_subsys_state *css)
{
	int i;

	for (i = 0; i < 16 && css; i++) {
		if (BPF_CORE_READ(css, cgroup, kn, id) == filter_cgroup)
			return true;
		css = BPF_CORE_READ(css, parent);
	}
	return false;
}

/* the record filter of ttu_enter(): by victim, reclaimer or cgroup */
static __always_inline bool want_call(const struct ut_ttu *e,
				      struct cgroup_subsys_state *css)
{
	switch (filter_mode) {
	case UT_FILTER_VICTIM:
		/* no mm->owner: fall back to the calling task */
		if (e->victim_valid & UT_VICTIM_TGID)
			return followed(e->victim_tgid);
		return followed(e->tgid);
	case UT_FILTER_RECLAIMER:
		return followed(e->tgid);
	case UT_FILTER_CGROUP:
		return css_under(css);
	default:
		return true;
	}
}

static __always_inline struct ut_ttu *current_ttu(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return bpf_map_lookup_elem(&inflight, &tid);
}

static __always_inline __u64 read_u64(const void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), p);
	return v;
}

/* include/linux/mm.h, stable 5.10..7.2 */
#define UT_VM_SHARED		0x00000008UL
#define UT_VM_UFFD_MISSING	0x00000200UL
#define UT_VM_UFFD_WP		0x00001000UL
#define UT_VM_LOCKED		0x00002000UL
#define UT_VM_HUGETLB		0x00400000UL

/* folio->mapping low bits (include/linux/page-flags.h): 1 anon, 3 KSM */
#define UT_MAPPING_ANON		0x1UL
#define UT_MAPPING_FLAGS	0x3UL

/*
 * x86 PTE bits, arch/x86/include/asm/pgtable_types.h (7.2.13, same in
 * 6.1/6.12): PRESENT 0, RW 1, USER 2, PWT 3, ACCESSED 5, DIRTY 6, PSE 7,
 * GLOBAL 8 (= PROTNONE when !PRESENT), SOFTW1 9 = SPECIAL, SOFTW2 10 =
 * UFFD_WP, SOFTW3 11 = SOFT_DIRTY, SOFTW5 58 = SAVED_DIRTY (64-bit shadow
 * stacks, 6.6+; pte_dirty() tests DIRTY|SAVED_DIRTY).  PTE_PFN_MASK covers
 * bits 12..51 (__PHYSICAL_MASK_SHIFT 52).
 */
#define X_PRESENT	(1ULL << 0)
#define X_RW		(1ULL << 1)
#define X_USER		(1ULL << 2)
#define X_PWT		(1ULL << 3)
#define X_ACCESSED	(1ULL << 5)
#define X_DIRTY		(1ULL << 6)
#define X_PSE		(1ULL << 7)
#define X_PROTNONE	(1ULL << 8)
#define X_SPECIAL	(1ULL << 9)
#define X_UFFD_WP	(1ULL << 10)
#define X_SOFT_DIRTY	(1ULL << 11)
#define X_SAVED_DIRTY	(1ULL << 58)
#define X_PFN_MASK	0x000ffffffffff000ULL
/* swap type: __swp_type() = val >> (64 - SWP_TYPE_BITS), pgtable_64.h */
#define X_SWP_TYPE_SHIFT 59

static __always_inline __u32 norm_ttu_flags(__u64 f)
{
	__u32 r = 0;

	if (bpf_core_enum_value_exists(enum ttu_flags, TTU_SPLIT_HUGE_PMD) &&
	    (f & bpf_core_enum_value(enum ttu_flags, TTU_SPLIT_HUGE_PMD)))
		r |= UMT_TTU_SPLIT_HUGE_PMD;
	if (bpf_core_enum_value_exists(enum ttu_flags, TTU_IGNORE_MLOCK) &&
	    (f & bpf_core_enum_value(enum ttu_flags, TTU_IGNORE_MLOCK)))
		r |= UMT_TTU_IGNORE_MLOCK;
	if (bpf_core_enum_value_exists(enum ttu_flags, TTU_SYNC) &&
	    (f & bpf_core_enum_value(enum ttu_flags, TTU_SYNC)))
		r |= UMT_TTU_SYNC;
	/* 5.10 has TTU_IGNORE_HWPOISON (other meaning): left out */
	if (bpf_core_enum_value_exists(enum ttu_flags, TTU_HWPOISON) &&
	    (f & bpf_core_enum_value(enum ttu_flags, TTU_HWPOISON)))
		r |= UMT_TTU_HWPOISON;
	if (bpf_core_enum_value_exists(enum ttu_flags, TTU_BATCH_FLUSH) &&
	    (f & bpf_core_enum_value(enum ttu_flags, TTU_BATCH_FLUSH)))
		r |= UMT_TTU_BATCH_FLUSH;
	if (bpf_core_enum_value_exists(enum ttu_flags, TTU_RMAP_LOCKED) &&
	    (f & bpf_core_enum_value(enum ttu_flags, TTU_RMAP_LOCKED)))
		r |= UMT_TTU_RMAP_LOCKED;
	return r;
}

static __always_inline __u64 pf_bit(enum pageflags pf)
{
	return 1ULL << (pf & 63);
}

/*
 * x86 arch_tlbbatch_should_defer(): defer when
 * cpumask_any_but(mm_cpumask(mm), this cpu) < nr_cpu_ids.
 */
static __always_inline __u8 mm_has_other_cpu(struct mm_struct *mm)
{
	long off = ut_mm_cpumask_off();
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 w;
	int i;

	if (off < 0)
		return 0;
	for (i = 0; i < 4; i++) {	/* up to 256 CPUs */
		if (i * 64 >= nr_cpu_ids)
			break;
		w = read_u64((char *)mm + off + i * 8);
		if (cpu / 64 == (__u32)i)
			w &= ~(1ULL << (cpu & 63));
		if (nr_cpu_ids < (__u32)(i + 1) * 64)
			w &= (1ULL << (nr_cpu_ids & 63)) - 1;
		if (w)
			return 1;
	}
	return 0;
}

/*
 * arch_tlbbatch_should_defer(): x86 as above; arm64 always (7.3
 * arch/arm64/include/asm/tlbflush.h; false only with the
 * ARM64_WORKAROUND_REPEAT_TLBI erratum, which QEMU's cpu max lacks).
 */
static __always_inline __u8 tlbbatch_should_defer(struct mm_struct *mm)
{
#ifdef __TARGET_ARCH_arm64
	return 1;
#else
	return mm_has_other_cpu(mm);
#endif
}

/*
 * Where the page tables and struct pages are, as read at run time: the
 * walk needs phys -> virt for each table and the folio's PFN (pages are
 * reported as indexes into the folio, never as PFNs).
 */
struct ut_pt {
	__u64 page_offset;	/* x86: page_offset_base; arm64: PAGE_OFFSET */
	__s64 memstart;		/* arm64 PHYS_OFFSET (memstart_addr) */
	__u64 vmemmap;
	__u32 levels;
	__u32 slot_flags;	/* UT_GEOM_* passed on to ut_raw_slot() */
};

/* ut_fill_slots() geometry word: bits above n, seg0, notab, anon */
#define UT_GEOM_ARM64_GEN1	(1u << 23)	/* arm64 6.10+ software bits */
#define UT_GEOM_ARM64_LPA2	(1u << 24)	/* 52-bit output addresses */

#ifndef __TARGET_ARCH_arm64
static __always_inline __u32 paging_levels(void)
{
	if (&pgdir_shift) {
		__u32 s = 0;

		bpf_probe_read_kernel(&s, sizeof(s), &pgdir_shift);
		return s == 48 ? 5 : 4;
	}
	if (&__pgtable_l5_enabled) {
		__u32 l5 = 0;

		bpf_probe_read_kernel(&l5, sizeof(l5), &__pgtable_l5_enabled);
		return l5 ? 5 : 4;
	}
	/* neither symbol: CONFIG_X86_5LEVEL is off, so 4 levels */
	return 4;
}

static __always_inline int pt_layout(struct ut_pt *l, __u64 pgd)
{
	if (!&page_offset_base || !&vmemmap_base)
		return UT_IMG_NO_LAYOUT;
	l->page_offset = read_u64(&page_offset_base);
	l->vmemmap = read_u64(&vmemmap_base);
	if (!l->page_offset || !l->vmemmap)
		return UT_IMG_NO_LAYOUT;
	l->levels = paging_levels();
	l->slot_flags = 0;
	return 0;
}

#define pt_present(e)	((e) & X_PRESENT)
#define pt_leaf(e)	((e) & X_PSE)

static __always_inline __u64 pt_next(const struct ut_pt *l, __u64 e)
{
	return l->page_offset + (e & X_PFN_MASK);
}

static __always_inline __u64 pt_top(const struct ut_pt *l, __u64 pgd,
				    __u64 va)
{
	return pgd + ((va >> (l->levels == 5 ? 48 : 39)) & 511) * 8;
}
#else
/*
 * arm64 descriptors, 4K granule (arch/arm64/include/asm/pgtable-hwdef.h,
 * 7.3.4; same in 6.1 and 6.12): bit 0 VALID, bit 1 TABLE (a block when
 * clear at PUD/PMD level), 7 RDONLY (AP[2]), 10 AF, 11 nG, 51 DBM, 52
 * CONT; output address bits 47:12, with LPA2 (52-bit, TCR.DS) bits 49:12
 * and 51:50 in descriptor bits 9:8.
 */
#define A_VALID		(1ULL << 0)
#define A_TABLE		(1ULL << 1)
#define A_RDONLY	(1ULL << 7)
#define A_AF		(1ULL << 10)
#define A_NG		(1ULL << 11)
#define A_DBM		(1ULL << 51)
#define A_CONT		(1ULL << 52)
#define A_OA_MASK	0x0000fffffffff000ULL
#define A_OA_MASK_LPA2	0x0003fffffffff000ULL
/*
 * Software bits (pgtable-prot.h): PTE_WRITE = DBM, PTE_DIRTY 55,
 * PTE_SPECIAL 56, PTE_SWP_EXCLUSIVE 2 (swap PTEs).  6.1.176: PTE_PROT_NONE
 * 58 (when !VALID), swap type at bit 3 (pgtable.h __SWP_TYPE_SHIFT), no
 * uffd-wp.  6.12.117/7.3.4 (the 6.10 rework): PTE_PRESENT_INVALID = nG
 * (when !VALID), PTE_UFFD(_WP) 58, PTE_SWP_UFFD(_WP) 3, swap type at 6.
 */
#define A_SWP_EXCL	(1ULL << 2)
#define A_SWP_UFFD	(1ULL << 3)
#define A_DIRTY		(1ULL << 55)
#define A_SPECIAL	(1ULL << 56)
#define A_BIT58		(1ULL << 58)

#define UT_KV(a, b)	(((a) << 16) + ((b) << 8))

/*
 * memory.h: __phys_to_virt(x) = (x - PHYS_OFFSET) | PAGE_OFFSET, with
 * PAGE_OFFSET = -(1 << VA_BITS) for the configured VA_BITS; vmemmap =
 * VMEMMAP_START - (memstart_addr >> PAGE_SHIFT) pages.  VA_BITS is a
 * build constant: a 52-bit build on a CPU without LPA2 runs 48-bit and
 * moves memstart_addr below 0 (arm64_memblock_init()); otherwise the
 * linear map's top bits tell it (0xffff.. for 48, 0xfff0.. for 52, while
 * memory spans less than 2^48 bytes), read off mm->pgd.
 */
static __always_inline int pt_layout(struct ut_pt *l, __u64 pgd)
{
	__u32 kv = LINUX_KERNEL_VERSION, cva, va;
	__u64 sz = UT_PAGE_SIZEOF, start;

	if (&memstart_addr)
		l->memstart = (__s64)read_u64(&memstart_addr);
	else if (arm64_memstart_known)
		l->memstart = arm64_memstart;
	else
		return UT_IMG_NO_LAYOUT;
	if (kv < UT_KV(6, 2)) {
		/*
		 * 6.1: 52-bit VA needs 64K pages; only 48-bit 4K is read
		 * (mm/mmu.c: u64 vabits_actual, always defined)
		 */
		if (&vabits_actual && read_u64(&vabits_actual) != 48)
			return UT_IMG_ARM64_LAYOUT;
		cva = va = 48;
		/* memory.h 6.1.176: VMEMMAP_START -(1 << (VA_BITS - 6)) */
		start = -(1ULL << (cva - 6));
		l->slot_flags = 0;
	} else if (kv >= UT_KV(6, 12)) {
		__u64 po, end_min;

		if (l->memstart < 0)
			cva = 52, va = 48;
		else
			cva = va = (pgd >> 48) == 0xffff ? 48 : 52;
		/*
		 * memory.h 6.12.117/7.3.4: VMEMMAP_END -1G, VMEMMAP_SIZE
		 * (_PAGE_END(VA_BITS_MIN) - PAGE_OFFSET) >> PAGE_SHIFT pages
		 */
		po = -(1ULL << cva);
		end_min = -(1ULL << ((cva > 48 ? 48 : cva) - 1));
		start = -(1ULL << 30) - ((end_min - po) >> 12) * sz;
		l->slot_flags = UT_GEOM_ARM64_GEN1 |
				(va == 52 ? UT_GEOM_ARM64_LPA2 : 0);
	} else {
		/* 6.2..6.11: the vmemmap and PTE software bits moved here */
		return UT_IMG_ARM64_LAYOUT;
	}
	l->page_offset = -(1ULL << cva);
	l->vmemmap = start - (__u64)(l->memstart >> 12) * sz;
	/* 4K granule: 52-bit VA is LPA2 and 5 levels (pgtable_l5_enabled) */
	l->levels = va == 52 ? 5 : 4;
	return 0;
}

#define pt_present(e)	((e) & A_VALID)
#define pt_leaf(e)	(((e) & (A_VALID | A_TABLE)) == A_VALID)

static __always_inline __u64 a_oa(__u64 e, bool lpa2)
{
	if (lpa2)
		return (e & A_OA_MASK_LPA2) | ((e >> 8) & 3) << 50;
	return e & A_OA_MASK;
}

static __always_inline __u64 pt_next(const struct ut_pt *l, __u64 e)
{
	return (a_oa(e, l->slot_flags & UT_GEOM_ARM64_LPA2) - l->memstart) |
	       l->page_offset;
}

static __always_inline __u64 pt_top(const struct ut_pt *l, __u64 pgd,
				    __u64 va)
{
	/* 5 levels: the 16-entry level -1 table indexes VA bits 51:48 */
	return pgd + ((va >> (l->levels == 5 ? 48 : 39)) &
		      (l->levels == 5 ? 15 : 511)) * 8;
}
#endif

/*
 * The PMD entry covering @va, or 0 with *huge set when a PUD maps it.
 * Returns -1 on a read fault.
 */
static __always_inline int find_pmd(const struct ut_pt *l, __u64 pgd,
				    __u64 va, __u64 *pmd, bool *huge)
{
	__u64 e;

	*pmd = 0;
	*huge = false;
	if (bpf_probe_read_kernel(&e, 8, (void *)pt_top(l, pgd, va)))
		return -1;
	if (l->levels == 5) {
		if (!pt_present(e))
			return 0;
		if (bpf_probe_read_kernel(&e, 8, (void *)(pt_next(l, e) +
					  ((va >> 39) & 511) * 8)))
			return -1;
	}
	if (!pt_present(e))
		return 0;
	/* p4d -> pud */
	if (bpf_probe_read_kernel(&e, 8, (void *)(pt_next(l, e) +
				  ((va >> 30) & 511) * 8)))
		return -1;
	if (!pt_present(e))
		return 0;
	if (pt_leaf(e)) {
		*huge = true;
		return 0;
	}
	if (bpf_probe_read_kernel(&e, 8, (void *)(pt_next(l, e) +
				  ((va >> 21) & 511) * 8)))
		return -1;
	*pmd = e;
	return 0;
}

/* UT_RAW_THIS with the page's index in the folio, and PageAnonExclusive */
static __always_inline __u32 this_page(__u64 idx, __u64 folio, bool anon)
{
	__u32 r = UT_RAW_THIS | (__u32)(idx & 0x3ff) << UT_RAW_IDX_SHIFT;

	if (anon && bpf_core_enum_value_exists(enum pageflags,
					       PG_anon_exclusive)) {
		__u64 pf = bpf_core_enum_value(enum pageflags,
					       PG_anon_exclusive);

		if (ut_page_flags((void *)(folio + idx * UT_PAGE_SIZEOF)) &
		    pf_bit(pf))
			r |= UT_RAW_ANON_EXCL;
	}
	return r;
}

/*
 * One slot as a raw u32 (UT_RAW_*, bpf/unmaptrace.h): the PTE's flag bits
 * and swap type, plus whether it maps a page of this folio and which.
 * The PFN itself is dropped here; user space classifies.  A global
 * function: the verifier checks it once, not once per loop iteration.
 * arm64 maps its bits onto the x86 positions user space reads, plus
 * UT_RAW_CONT for PTE_CONT.
 */
#ifndef __TARGET_ARCH_arm64
__noinline __u32 ut_raw_slot(__u64 pte, __u64 folio_pfn, __u32 nr_pages,
			     __u64 folio, int anon)
{
	__u64 inv = (pte & X_PRESENT) - 1;	/* L1TF: !present => ~pfn */
	__u64 pfn = ((pte ^ inv) & X_PFN_MASK) >> 12;
	__u64 idx = pfn - folio_pfn;
	__u32 r;

	r = (pte & UT_RAW_LOW_MASK) |
	    (__u32)(pte >> X_SWP_TYPE_SHIFT) << UT_RAW_SWP_TYPE_SHIFT;
	if (pte & X_SAVED_DIRTY)
		r |= UT_RAW_SAVED_DIRTY;
	if (pte & ~UT_RAW_LOW_MASK)
		r |= UT_RAW_HIGH;
	if ((pte & (X_PRESENT | X_PROTNONE)) && idx < nr_pages) {
		r |= this_page(idx, folio, anon);
	}
	return r;
}
#else
__noinline __u32 ut_raw_slot(__u64 pte, __u64 folio_pfn, __u32 nr_pages,
			     __u64 folio, int flags)
{
	bool gen1 = flags & UT_GEOM_ARM64_GEN1, anon = flags & 1;
	bool valid = pte & A_VALID, pinval;
	__u64 idx;
	__u32 r;

	/* pte_none(): all zero */
	if (!pte)
		return 0;
	/* pte_present(): VALID, or present-but-invalid (PROT_NONE) */
	pinval = !valid && (pte & (gen1 ? A_NG : A_BIT58));
	if (!valid && !pinval) {
		/* swap PTE: UT_RAW_* in x86's swap bit positions */
		r = UT_RAW_HIGH | (__u32)((pte >> (gen1 ? 6 : 3)) & 0x1f)
			<< UT_RAW_SWP_TYPE_SHIFT;
		if (pte & A_SWP_EXCL)
			r |= X_PWT;
		if (gen1 && (pte & A_SWP_UFFD))
			r |= X_USER;
		return r;
	}
	/* present: pte_write/dirty/young/special/uffd_wp/cont, x86 places */
	r = UT_RAW_HIGH | (valid ? X_PRESENT : X_PROTNONE);
	if (pte & A_DBM)
		r |= X_RW;
	/* pte_dirty(): sw dirty, or hw dirty (DBM and not RDONLY) */
	if ((pte & A_DIRTY) || ((pte & A_DBM) && !(pte & A_RDONLY)))
		r |= X_DIRTY;
	if (pte & A_AF)
		r |= X_ACCESSED;
	if (pte & A_SPECIAL)
		r |= X_SPECIAL;
	if (gen1 && (pte & A_BIT58))
		r |= X_UFFD_WP;
	if (pte & A_CONT)
		r |= UT_RAW_CONT;
	idx = (a_oa(pte, flags & UT_GEOM_ARM64_LPA2) >> 12) - folio_pfn;
	if (idx < nr_pages) {
		r |= this_page(idx, folio, anon);
	}
	return r;
}
#endif

/*
 * Fill scratch->slots[0..n) from ptes->pte[].  A global function with
 * scalar arguments: verified once, whatever path led here (otherwise
 * every path through the page-table walk re-verifies 512 iterations).
 */
__noinline int ut_fill_slots(__u32 geom, __u64 folio_pfn, __u32 nr_pages,
			     __u64 folio)
{
	/* geom: n, seg0 (10 bits each), no-table per segment, anon */
	__u32 n = geom & 0x3ff, seg0 = (geom >> 10) & 0x3ff;
	__u32 notab = (geom >> 20) & 3, anon = (geom >> 22) & 1;
	__u32 flags = anon | (geom & (UT_GEOM_ARM64_GEN1 | UT_GEOM_ARM64_LPA2));
	struct ut_ttu *e;
	struct pte_buf *buf;
	__u32 zero = 0, seg, lo, hi, j, k;

	e = bpf_map_lookup_elem(&scratch, &zero);
	buf = bpf_map_lookup_elem(&ptes, &zero);
	if (!e || !buf)
		return -1;
	/* one loop per segment and kind: a single exit test per iteration */
	for (seg = 0; seg < 2; seg++) {
		lo = seg ? seg0 : 0;
		hi = seg ? n : seg0;
		if (notab & (1 << seg)) {
			for (j = 0; j < UMT_MAX_SLOTS; j++) {
				k = lo + j;
				if (k >= hi)
					break;
				e->slots[k & (UMT_MAX_SLOTS - 1)] =
					UT_RAW_NO_TABLE;
			}
			continue;
		}
		for (j = 0; j < UMT_MAX_SLOTS; j++) {
			k = lo + j;
			if (k >= hi)
				break;
			k &= UMT_MAX_SLOTS - 1;
			e->slots[k] = ut_raw_slot(buf->pte[k], folio_pfn,
						  nr_pages, folio, flags);
		}
	}
	return 0;
}

/*
 * Long (~90 lines): the layout checks, then for each page table the
 * folio's range crosses (find_pmd() walks down to it) the copy of its
 * PTEs into the event, as one loop the verifier can bound.
 */
static __always_inline void take_image(struct ut_ttu *e, struct mm_struct *mm,
				       __u64 folio, __u64 folio_va,
				       __u64 start, __u64 end, bool anon)
{
	__u64 pgd, pmd, va, folio_pfn;
	__u32 zero = 0, n, done = 0, cnt, seg0 = 0;
	bool huge, notab0 = false, notab1 = false;
	struct pte_buf *buf;
	struct ut_pt l = {};
	int seg, err;

	buf = bpf_map_lookup_elem(&ptes, &zero);
	if (!buf)
		return;
	pgd = (__u64)BPF_CORE_READ(mm, pgd);
	if (!pgd) {
		e->image_err = UT_IMG_NO_MM;
		return;
	}
	err = pt_layout(&l, pgd);
	if (err) {
		e->image_err = err;
		return;
	}
	e->paging_levels = l.levels;

	if (end <= start)
		return;
	n = (end - start) >> 12;
	if (n > UMT_MAX_SLOTS) {
		n = UMT_MAX_SLOTS;
		e->folio_flags |= UMT_FOLIO_IMAGE_TRUNC;
	}
	e->image_first_page = (start - folio_va) >> 12;
	e->image_pmd_index = (start >> 12) & 511;

	/* 512 slots span at most two page tables */
	for (seg = 0; seg < 2; seg++) {
		if (done >= n)
			break;
		va = start + (__u64)done * 4096;
		if (find_pmd(&l, pgd, va, &pmd, &huge)) {
			e->image_err = UT_IMG_READ_FAULT;
			return;
		}
		if (huge || (pt_present(pmd) && pt_leaf(pmd))) {
			/* the walk finds a PUD/PMD mapping: no PTE slots */
			e->folio_flags |= UMT_FOLIO_PMD_MAPPED;
			e->folio_flags &= ~UMT_FOLIO_IMAGE_TRUNC;
			e->nr_slots = 0;
			return;
		}
		cnt = 512 - ((va >> 12) & 511);
		if (cnt > n - done)
			cnt = n - done;
		if (!seg)
			seg0 = cnt;
		if (!pt_present(pmd)) {
			if (seg)
				notab1 = true;
			else
				notab0 = true;
		} else {
			void *src = (void *)(pt_next(&l, pmd) +
					     ((va >> 12) & 511) * 8);
			int err;

			/* bounded sizes the verifier can check */
			if (cnt >= 512)
				err = bpf_probe_read_kernel(buf->pte, 4096,
							    src);
			else
				err = bpf_probe_read_kernel(
					&buf->pte[done & (UMT_MAX_SLOTS - 1)],
					(cnt & (UMT_MAX_SLOTS - 1)) * 8, src);
			if (err) {
				e->image_err = UT_IMG_READ_FAULT;
				return;
			}
		}
		done += cnt;
	}

	folio_pfn = (folio - l.vmemmap) / UT_PAGE_SIZEOF;
	ut_fill_slots(n | seg0 << 10 | notab0 << 20 | notab1 << 21 |
		      (__u32)anon << 22 | l.slot_flags, folio_pfn, e->nr_pages,
		      folio);
	e->nr_slots = n;
}

/*
 * Long (~120 lines): the entry snapshot is one sequence of CO-RE reads
 * into struct ut_ttu, in the event's field order, inlined into each hook
 * flavour (fentry, kprobe) so the verifier sees it straight.
 */
static __always_inline int ttu_enter(void *ctx, void *folio,
				     struct vm_area_struct *vma,
				     __u64 address, __u64 flags)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, tgid = pid_tgid >> 32, zero = 0;
	__u64 fl, mapping, vm_flags, vm_start, vm_end, pgoff, folio_va, end;
	struct cgroup_subsys_state *css;
	struct task_struct *cur;
	struct mm_struct *mm;
	struct ut_ttu *e;
	bool large, swapbacked, anon = false;
	long n;
	int pin;

	if (filter_mode == UT_FILTER_RECLAIMER && !followed(tgid))
		return 0;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	__builtin_memset(e, 0, UT_TTU_HDR_SIZE);
	e->tid = tid;
	e->tgid = tgid;
	mm = BPF_CORE_READ(vma, vm_mm);
	css = victim_of(e, mm);
	if (!want_call(e, css))
		return 0;
	count(UT_CNT_TTU, 1);
	e->type = UT_EV_TTU;
	e->cpu = bpf_get_smp_processor_id();
	e->ts = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* the reclaim path: PF_KSWAPD etc. and the callers on the stack */
	cur = (struct task_struct *)bpf_get_current_task();
	e->task_flags = BPF_CORE_READ(cur, flags);
	n = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
	if (n > 0)
		e->nr_stack = n / sizeof(__u64);
	else
		count(UT_CNT_NO_STACK, 1);
	e->mm = (__u64)mm;
	e->vma = (__u64)vma;
	e->folio = (__u64)folio;
	e->raw_ttu_flags = flags;
	e->ttu_flags = norm_ttu_flags(flags);

	fl = ut_page_flags(folio);
	large = fl & pf_bit(bpf_core_enum_value(enum pageflags, PG_head));
	e->nr_pages = large ? ut_large_nr_pages(folio) : 1;
	swapbacked = fl & pf_bit(bpf_core_enum_value(enum pageflags,
						     PG_swapbacked));
	mapping = (__u64)BPF_CORE_READ((struct page *)folio, mapping);
	vm_flags = BPF_CORE_READ(vma, vm_flags);
	vm_start = BPF_CORE_READ(vma, vm_start);
	vm_end = BPF_CORE_READ(vma, vm_end);
	pgoff = BPF_CORE_READ(vma, vm_pgoff);

	if (vm_flags & UT_VM_HUGETLB) {
		e->kind = UMT_KIND_HUGETLB;
	} else if ((mapping & UT_MAPPING_FLAGS) == UT_MAPPING_FLAGS) {
		e->kind = UMT_KIND_KSM;
	} else if (mapping & UT_MAPPING_ANON) {
		e->kind = swapbacked ? UMT_KIND_ANON : UMT_KIND_LAZYFREE;
		anon = true;
	} else {
		e->kind = swapbacked ? UMT_KIND_SHMEM : UMT_KIND_FILE;
	}

	if (large)
		e->folio_flags |= UMT_FOLIO_LARGE;
	if (fl & pf_bit(bpf_core_enum_value(enum pageflags, PG_dirty)))
		e->folio_flags |= UMT_FOLIO_DIRTY;
	if (fl & pf_bit(bpf_core_enum_value(enum pageflags, PG_mlocked)))
		e->folio_flags |= UMT_FOLIO_MLOCKED;
	/* folio_test_swapcache(): PG_swapcache aliases PG_owner_priv_1 */
	if (swapbacked &&
	    (fl & pf_bit(bpf_core_enum_value(enum pageflags, PG_swapcache))))
		e->folio_flags |= UMT_FOLIO_SWAPCACHE;
	/* folio_maybe_dma_pinned(): GUP_PIN_COUNTING_BIAS is 1024 */
	if (large) {
		pin = ut_large_pincount(folio);
	} else {
		pin = BPF_CORE_READ((struct page *)folio, _refcount.counter);
		pin = pin >= 1024;
	}
	if (pin > 0)
		e->folio_flags |= UMT_FOLIO_PINNED;

	if (vm_flags & UT_VM_LOCKED)
		e->vma_flags |= UMT_VMA_LOCKED;
	if (vm_flags & UT_VM_UFFD_WP)
		e->vma_flags |= UMT_VMA_UFFD_WP;
	if (vm_flags & UT_VM_UFFD_MISSING)
		e->vma_flags |= UMT_VMA_UFFD_MISSING;
	if (vm_flags & UT_VM_SHARED)
		e->vma_flags |= UMT_VMA_SHARED;
	if (vm_flags & UT_VM_HUGETLB)
		e->vma_flags |= UMT_VMA_HUGETLB;
	if (vm_droppable_mask && (vm_flags & vm_droppable_mask))
		e->vma_flags |= UMT_VMA_DROPPABLE;

	/*
	 * The folio's linear address in this VMA.  @address may be clamped
	 * to vm_start (vma_address()), so use the index where it is linear;
	 * KSM and hugetlb index units differ, and an index that does not put
	 * @address inside the folio is not linear here: trust @address then.
	 */
	folio_va = vm_start + ((__s64)(ut_folio_index(folio) - pgoff) << 12);
	if (e->kind == UMT_KIND_KSM || e->kind == UMT_KIND_HUGETLB ||
	    address < folio_va ||
	    address >= folio_va + (__u64)e->nr_pages * 4096)
		folio_va = address;
	e->vma_start_page = ((__s64)vm_start - (__s64)folio_va) >> 12;
	e->vma_end_page = ((__s64)vm_end - (__s64)folio_va) >> 12;

	if (e->ttu_flags & UMT_TTU_BATCH_FLUSH)
		e->defer_flush = mm_has_other_cpu(mm);

	/*
	 * The slots the walk can visit: from pvmw.address = @address to
	 * vma_address_end() (mm/internal.h, 6.1 to 7.3): address + PAGE_SIZE
	 * for a single page, else the folio's end clamped to vm_end.
	 */
	if (e->nr_pages == 1) {
		end = address + 4096;
	} else {
		end = folio_va + (__u64)e->nr_pages * 4096;
		if (end < vm_start || end > vm_end)
			end = vm_end;
	}
	take_image(e, mm, (__u64)folio, folio_va, address, end, anon);

	if (bpf_map_update_elem(&inflight, &tid, e, BPF_ANY))
		count(UT_CNT_TASK_FULL, 1);
	return 0;
}

static __always_inline int ttu_exit(__u64 ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ut_ttu *e = bpf_map_lookup_elem(&inflight, &tid);
	bool defer;
	__u32 size;

	if (!e)
		return 0;
	e->ret = ret & 0xff;
	e->has_live |= UT_LIVE_DONE;
	/*
	 * A victim filter records this task's next flush if it may be ours:
	 * x86 arch_tlbbatch_should_defer() wants another CPU in the mm,
	 * arm64's always says yes (6.5+, asm/tlbflush.h)
	 */
#ifdef __TARGET_ARCH_arm64
	defer = e->ttu_flags & UMT_TTU_BATCH_FLUSH;
#else
	defer = e->defer_flush || e->live_defer_walks || e->live_defer_rmap;
#endif
	if ((filter_mode == UT_FILTER_VICTIM ||
	     filter_mode == UT_FILTER_CGROUP) && defer) {
		__u8 one = 1;

		bpf_map_update_elem(&owed, &tid, &one, BPF_ANY);
	}
	size = e->nr_slots;
	if (size > UMT_MAX_SLOTS)
		size = UMT_MAX_SLOTS;
	size = UT_TTU_HDR_SIZE + size * 4;
	if (bpf_ringbuf_output(&events, e, size, 0))
		count(UT_CNT_DROPS, 1);
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

/* ---- ttu: fentry/fexit, else kprobe/kretprobe ---- */

/*
 * fentry arguments are typed BTF pointers; the walk does arithmetic on
 * the folio address, so read them as plain scalars.
 */
SEC("fentry/try_to_unmap_one")
int ttu_fentry(__u64 *ctx)
{
	__u64 a[4] = {};

	bpf_probe_read_kernel(a, sizeof(a), ctx);
	return ttu_enter(ctx, (void *)a[0], (void *)a[1], a[2], a[3]);
}

SEC("fexit/try_to_unmap_one")
int ttu_fexit(__u64 *ctx)
{
	return ttu_exit(ctx[4]);
}

SEC("kprobe/try_to_unmap_one")
int BPF_KPROBE(ttu_kprobe, void *folio, struct vm_area_struct *vma,
	       unsigned long address, unsigned long flags)
{
	return ttu_enter(ctx, folio, vma, address, flags);
}

SEC("kretprobe/try_to_unmap_one")
int BPF_KRETPROBE(ttu_kretprobe, unsigned long ret)
{
	return ttu_exit(ret);
}

/* ---- rmap ---- */

static __always_inline int rmap_hit(__u64 pages)
{
	struct ut_ttu *e = current_ttu();

	if (!e)
		return 0;
	e->live_rmap_calls++;
	e->live_rmap_pages += pages;
	count(UT_CNT_RMAP_CALLS, 1);
	count(UT_CNT_RMAP_PAGES, pages);
	/*
	 * The rmap call follows the iteration's TLB step: a second sample
	 * of the mm's CPUs brackets should_defer_flush() with walk_hit()'s.
	 */
	if ((e->ttu_flags & UMT_TTU_BATCH_FLUSH) &&
	    mm_has_other_cpu((struct mm_struct *)e->mm))
		e->live_defer_rmap++;
	return 0;
}

/* page_remove_rmap(page, [vma,] compound): compound maps nr pages */
static __always_inline __u64 compound_pages(void *page, __u64 compound)
{
	if (!(compound & 0xff))
		return 1;
	if (!(ut_page_flags(page) &
	      pf_bit(bpf_core_enum_value(enum pageflags, PG_head))))
		return 1;
	return ut_large_nr_pages(page);
}

SEC("fentry/folio_remove_rmap_ptes")
int rmap_ptes_fentry(__u64 *ctx)
{
	return rmap_hit((int)ctx[2]);
}

SEC("kprobe/folio_remove_rmap_ptes")
int BPF_KPROBE(rmap_ptes_kprobe, void *folio, void *page, int nr_pages)
{
	return rmap_hit(nr_pages);
}

SEC("fentry/page_remove_rmap")
int rmap_page_fentry(__u64 *ctx)
{
	__u64 a[3] = {};

	if (!current_ttu())
		return 0;
	bpf_probe_read_kernel(a, sizeof(a), ctx);
	return rmap_hit(compound_pages((void *)a[0],
				       rmap_compound_arg == 1 ? a[1] : a[2]));
}

SEC("kprobe/page_remove_rmap")
int BPF_KPROBE(rmap_page_kprobe, void *page, unsigned long a1,
	       unsigned long a2)
{
	if (!current_ttu())
		return 0;
	return rmap_hit(compound_pages(page,
				       rmap_compound_arg == 1 ? a1 : a2));
}

/* ---- walk ---- */

static __always_inline int walk_hit(__u64 ret)
{
	struct ut_ttu *e = current_ttu();

	if (!e)
		return 0;
	e->live_walk_calls++;
	count(UT_CNT_WALK_CALLS, 1);
	if (ret & 0xff) {
		e->live_walk_true++;
		count(UT_CNT_WALK_TRUE, 1);
		/*
		 * should_defer_flush() is decided per iteration, right after
		 * the walk returns: sample the mm's CPUs here, not only at
		 * entry, where a thread coming and going races with it.
		 */
		if ((e->ttu_flags & UMT_TTU_BATCH_FLUSH) &&
		    mm_has_other_cpu((struct mm_struct *)e->mm))
			e->live_defer_walks++;
	}
	return 0;
}

SEC("fexit/page_vma_mapped_walk")
int walk_fexit(__u64 *ctx)
{
	return walk_hit(ctx[1]);
}

SEC("kretprobe/page_vma_mapped_walk")
int BPF_KRETPROBE(walk_kretprobe, unsigned long ret)
{
	return walk_hit(ret);
}

/* ---- tlb_flush: flush_tlb_mm_range inside ttu ---- */

static __always_inline int tlb_hit(void)
{
	struct ut_ttu *e = current_ttu();

	if (!e)
		return 0;
	e->live_tlb_flushes++;
	count(UT_CNT_TLB_FLUSHES, 1);
	return 0;
}

SEC("fentry/flush_tlb_mm_range")
int tlb_fentry(__u64 *ctx)
{
	return tlb_hit();
}

SEC("kprobe/flush_tlb_mm_range")
int BPF_KPROBE(tlb_kprobe)
{
	return tlb_hit();
}

/*
 * arm64: flush_tlb_range() and friends are inline; the flush BPF can see
 * is contpte_convert()'s __flush_tlb_range() of a block being unfolded
 * (7.3 arch/arm64/mm/contpte.c, skipped only with BBML3): one per call.
 */
SEC("fentry/contpte_convert")
int contpte_fentry(__u64 *ctx)
{
	return tlb_hit();
}

SEC("kprobe/contpte_convert")
int BPF_KPROBE(contpte_kprobe)
{
	return tlb_hit();
}

/* ---- tlb_batch: arch_tlbbatch_flush by recorded tasks ---- */

/*
 * Which flushes to record.  By reclaimer: the followed tasks' own.  By
 * victim or cgroup: a task's flush after it ran a recorded call with
 * another CPU in the mm (the only calls that can defer, 7.3 mm/rmap.c
 * should_defer_flush()) or a victim's try_to_migrate_one() that could
 * defer: the calls it flushes are then ours, others may be in it too.
 */
static __always_inline bool want_flush(__u32 tid, __u32 tgid)
{
	bool want;

	switch (filter_mode) {
	case UT_FILTER_RECLAIMER:
		return followed(tgid);
	case UT_FILTER_VICTIM:
	case UT_FILTER_CGROUP:
		want = bpf_map_lookup_elem(&owed, &tid) ||
		       bpf_map_lookup_elem(&migrate_defers, &tid);
		if (want)
			bpf_map_delete_elem(&owed, &tid);
		return want;
	default:
		return true;
	}
}

static __always_inline int tlbbatch_hit(void)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ut_tlbbatch *r;

	if (!want_flush((__u32)pid_tgid, pid_tgid >> 32))
		return 0;
	count(UT_CNT_TLBBATCH, 1);
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count(UT_CNT_DROPS, 1);
		return 0;
	}
	r->type = UT_EV_TLBBATCH;
	r->pad = 0;
	r->cpu = bpf_get_smp_processor_id();
	r->ts = bpf_ktime_get_ns();
	r->tid = (__u32)pid_tgid;
	r->tgid = pid_tgid >> 32;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->in_ttu = current_ttu() != NULL;
	r->migrate_defers = 0;
	{
		__u32 tid = (__u32)pid_tgid, *md;

		md = bpf_map_lookup_elem(&migrate_defers, &tid);
		if (md) {
			r->migrate_defers = *md;
			bpf_map_delete_elem(&migrate_defers, &tid);
		}
	}
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("fentry/arch_tlbbatch_flush")
int tlbbatch_fentry(__u64 *ctx)
{
	return tlbbatch_hit();
}

SEC("kprobe/arch_tlbbatch_flush")
int BPF_KPROBE(tlbbatch_kprobe)
{
	return tlbbatch_hit();
}

/*
 * ---- migrate: try_to_migrate_one() with TTU_BATCH_FLUSH ----
 * It defers its flush into current->tlb_ubc like try_to_unmap_one()
 * (7.3 mm/rmap.c:2635 set_tlb_ubc_flush_pending(); callers
 * mm/migrate.c:1338 async migration, mm/huge_memory.c unmap_folio() of a
 * split), so the task's next arch_tlbbatch_flush() may be its.  Counted
 * when should_defer_flush() can say yes: another CPU in the mm's cpumask.
 */
static __always_inline int migrate_hit(struct vm_area_struct *vma,
				       __u64 flags)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, one = 1, *md;
	struct mm_struct *mm = BPF_CORE_READ(vma, vm_mm);
	struct task_struct *owner;

	if (filter_mode == UT_FILTER_VICTIM) {
		owner = bpf_core_field_exists(mm->owner) ?
			BPF_CORE_READ(mm, owner) : NULL;
		if (!followed(owner ? BPF_CORE_READ(owner, tgid) :
			      pid_tgid >> 32))
			return 0;
	} else if (filter_mode == UT_FILTER_CGROUP) {
		owner = bpf_core_field_exists(mm->owner) ?
			BPF_CORE_READ(mm, owner) : NULL;
		if (!owner || !css_under(victim_css(owner)))
			return 0;
	} else if (!want_task(pid_tgid >> 32)) {
		return 0;
	}
	if (!(norm_ttu_flags(flags) & UMT_TTU_BATCH_FLUSH))
		return 0;
	if (!tlbbatch_should_defer(mm))
		return 0;
	md = bpf_map_lookup_elem(&migrate_defers, &tid);
	if (md)
		__sync_fetch_and_add(md, 1);
	else
		bpf_map_update_elem(&migrate_defers, &tid, &one, BPF_ANY);
	return 0;
}

SEC("fentry/try_to_migrate_one")
int migrate_fentry(__u64 *ctx)
{
	__u64 a[4] = {};

	bpf_probe_read_kernel(a, sizeof(a), ctx);
	return migrate_hit((struct vm_area_struct *)a[1], a[3]);
}

SEC("kprobe/try_to_migrate_one")
int BPF_KPROBE(migrate_kprobe, void *folio, struct vm_area_struct *vma,
	       unsigned long address, unsigned long flags)
{
	return migrate_hit(vma, flags);
}

/*
 * ---- huge_pmd: unmap_huge_pmd_locked() inside ttu ----
 * 6.12.107 and 7.2 call it from try_to_unmap_one() for a PMD-mapped
 * folio; 6.12.117 and 7.3 keep the definition but no longer call it.
 * What the kernel does, not what it contains.
 */
static __always_inline int huge_pmd_hit(void)
{
	struct ut_ttu *e = current_ttu();

	if (e)
		e->has_live |= UT_LIVE_HUGE_PMD;
	return 0;
}

SEC("fentry/unmap_huge_pmd_locked")
int huge_pmd_fentry(__u64 *ctx)
{
	return huge_pmd_hit();
}

SEC("kprobe/unmap_huge_pmd_locked")
int BPF_KPROBE(huge_pmd_kprobe)
{
	return huge_pmd_hit();
}

/*
 * ---- pte_batch: folio_pte_batch() inside ttu ----
 * Out of line in 6.17 and 7.3 (BTF); folio_unmap_pte_batch() calls it for
 * the folios it batches where it is not inlined: seen, the kernel batched.
 */
static __always_inline int pte_batch_hit(void)
{
	struct ut_ttu *e = current_ttu();

	if (e)
		e->has_live |= UT_LIVE_PTE_BATCH;
	return 0;
}

SEC("fentry/folio_pte_batch")
int pte_batch_fentry(__u64 *ctx)
{
	return pte_batch_hit();
}

SEC("kprobe/folio_pte_batch")
int BPF_KPROBE(pte_batch_kprobe)
{
	return pte_batch_hit();
}

/*
 * arm64: arch_tlbbatch_flush() (a dsb) is inline in try_to_unmap_flush(),
 * which calls it iff current->tlb_ubc.flush_required (7.3 mm/rmap.c).
 */
static __always_inline int ubc_flush_hit(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!BPF_CORE_READ(t, tlb_ubc.flush_required))
		return 0;
	if (bpf_map_lookup_elem(&ubc_dirty, &tid))
		return 0;	/* counted by try_to_unmap_flush_dirty() */
	return tlbbatch_hit();
}

/*
 * try_to_unmap_flush_dirty() flushes iff tlb_ubc.writable (and then
 * try_to_unmap_flush()'s flush_required test; 7.3 mm/rmap.c).
 */
static __always_inline int ubc_dirty_enter(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u8 one = 1;

	if (!BPF_CORE_READ(t, tlb_ubc.writable) ||
	    !BPF_CORE_READ(t, tlb_ubc.flush_required))
		return 0;
	bpf_map_update_elem(&ubc_dirty, &tid, &one, BPF_ANY);
	return tlbbatch_hit();
}

static __always_inline int ubc_dirty_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&ubc_dirty, &tid);
	return 0;
}

SEC("fentry/try_to_unmap_flush_dirty")
int ubc_dirty_fentry(__u64 *ctx)
{
	return ubc_dirty_enter();
}

SEC("fexit/try_to_unmap_flush_dirty")
int ubc_dirty_fexit(__u64 *ctx)
{
	return ubc_dirty_exit();
}

SEC("kprobe/try_to_unmap_flush_dirty")
int BPF_KPROBE(ubc_dirty_kprobe)
{
	return ubc_dirty_enter();
}

SEC("kretprobe/try_to_unmap_flush_dirty")
int BPF_KRETPROBE(ubc_dirty_kretprobe)
{
	return ubc_dirty_exit();
}

SEC("fentry/try_to_unmap_flush")
int ubc_flush_fentry(__u64 *ctx)
{
	return ubc_flush_hit();
}

SEC("kprobe/try_to_unmap_flush")
int BPF_KPROBE(ubc_flush_kprobe)
{
	return ubc_flush_hit();
}

/* ---- rss_stat: kmem:rss_stat inside ttu ---- */

static __always_inline int rss_hit(void)
{
	struct ut_ttu *e = current_ttu();

	if (!e)
		return 0;
	e->live_rss_stat++;
	count(UT_CNT_RSS_STAT, 1);
	return 0;
}

SEC("tp_btf/rss_stat")
int rss_tp_btf(__u64 *ctx)
{
	return rss_hit();
}

SEC("raw_tp/rss_stat")
int rss_raw_tp(__u64 *ctx)
{
	return rss_hit();
}

SEC("tracepoint/kmem/rss_stat")
int rss_tp(void *ctx)
{
	return rss_hit();
}

/* ---- fork: follow children of recorded tasks ---- */

static __always_inline int fork_hit(__u32 parent_tgid, __u32 child_tgid)
{
	__u8 one = 1;

	if ((filter_mode != UT_FILTER_VICTIM &&
	     filter_mode != UT_FILTER_RECLAIMER) ||
	    !bpf_map_lookup_elem(&tgids, &parent_tgid))
		return 0;
	bpf_map_update_elem(&tgids, &child_tgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int fork_tp_btf(__u64 *ctx)
{
	struct task_struct *parent = (void *)ctx[0], *child = (void *)ctx[1];

	return fork_hit(BPF_CORE_READ(parent, tgid),
			BPF_CORE_READ(child, tgid));
}

SEC("raw_tp/sched_process_fork")
int fork_raw_tp(__u64 *ctx)
{
	struct task_struct *parent = (void *)ctx[0], *child = (void *)ctx[1];

	return fork_hit(BPF_CORE_READ(parent, tgid),
			BPF_CORE_READ(child, tgid));
}

SEC("tracepoint/sched/sched_process_fork")
int fork_tp(struct trace_event_raw_sched_process_fork *ctx)
{
	/* runs in the parent; child_pid is the new tgid for fork() */
	return fork_hit(bpf_get_current_pid_tgid() >> 32, ctx->child_pid);
}
