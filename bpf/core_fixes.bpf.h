/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel struct drift between 5.10 and 7.x, as CO-RE flavors.  vmlinux.h is
 * the 6.18 one; every block names the change and the releases where it was
 * checked in Debian's cloud-amd64 BTF (5.10.223, 6.1.176, 6.12.107, 7.2.13).
 */
#ifndef UT_CORE_FIXES_BPF_H
#define UT_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/*
 * page->flags / folio->flags: "unsigned long flags" up to 6.17, then the
 * struct memdesc_flags_t { unsigned long f; } ("mm: introduce
 * memdesc_flags_t", 6.18).  Same offset and width in both.
 */
struct page___flags_ul {
	unsigned long flags;
} __attribute__((preserve_access_index));

struct page___flags_md {
	memdesc_flags_t flags;
} __attribute__((preserve_access_index));

static __always_inline unsigned long ut_page_flags(const void *page)
{
	unsigned long v = 0;

	if (bpf_core_type_exists(memdesc_flags_t)) {
		const struct page___flags_md *p = page;

		bpf_probe_read_kernel(&v, sizeof(v), &p->flags.f);
	} else {
		const struct page___flags_ul *p = page;

		bpf_probe_read_kernel(&v, sizeof(v), &p->flags);
	}
	return v;
}

/*
 * Number of pages of a large folio (head known).  7.2/6.18: folio->_nr_pages
 * ("mm: rename _folio_nr_pages to _nr_pages"); 6.1..6.17:
 * folio->_folio_nr_pages (folio in 5.16, field added with "mm: add
 * folio_nr_pages" on 64-bit); 5.10: no folio, page[1].compound_nr (5.9,
 * "mm: store compound_nr as well as compound_order").
 */
struct folio___nrp_old {
	unsigned int _folio_nr_pages;
} __attribute__((preserve_access_index));

struct folio___nrp_new {
	unsigned int _nr_pages;
} __attribute__((preserve_access_index));

struct page___compound {
	unsigned int compound_nr;
	atomic_t hpage_pinned_refcount;
} __attribute__((preserve_access_index));

/* sizeof(struct page) of the running kernel */
#define UT_PAGE_SIZEOF	bpf_core_type_size(struct page)

static __always_inline unsigned int ut_large_nr_pages(const void *folio)
{
	unsigned int nr = 0;

	if (bpf_core_field_exists(struct folio___nrp_new, _nr_pages)) {
		const struct folio___nrp_new *f = folio;

		bpf_probe_read_kernel(&nr, sizeof(nr), &f->_nr_pages);
	} else if (bpf_core_field_exists(struct folio___nrp_old,
					 _folio_nr_pages)) {
		const struct folio___nrp_old *f = folio;

		bpf_probe_read_kernel(&nr, sizeof(nr), &f->_folio_nr_pages);
	} else if (bpf_core_field_exists(struct page___compound,
					 compound_nr)) {
		const struct page___compound *tail =
			(const void *)((const char *)folio + UT_PAGE_SIZEOF);

		bpf_probe_read_kernel(&nr, sizeof(nr), &tail->compound_nr);
	}
	return nr;
}

/*
 * folio_maybe_dma_pinned() for a large folio: folio->_pincount (5.19+ folio,
 * 6.1 read); 5.10: page[1].hpage_pinned_refcount ("mm/gup: track FOLL_PIN
 * pages", 5.7).  Returns -1 when neither exists.
 */
struct folio___pin {
	atomic_t _pincount;
} __attribute__((preserve_access_index));

static __always_inline int ut_large_pincount(const void *folio)
{
	int v = -1;

	if (bpf_core_field_exists(struct folio___pin, _pincount)) {
		const struct folio___pin *f = folio;

		bpf_probe_read_kernel(&v, sizeof(v), &f->_pincount.counter);
	} else if (bpf_core_field_exists(struct page___compound,
					 hpage_pinned_refcount)) {
		const struct page___compound *tail =
			(const void *)((const char *)folio + UT_PAGE_SIZEOF);

		bpf_probe_read_kernel(&v, sizeof(v),
				      &tail->hpage_pinned_refcount.counter);
	}
	return v;
}

/*
 * mm_cpumask(mm): &mm->cpu_bitmap up to 6.x ("mm: make mm_cpumask() a flex
 * array at the end of mm_struct", 4.19); 7.x renamed the tail to
 * "char flexible_array[]" shared with the mm_cid mask
 * (include/linux/mm_types.h:1465 in 7.2.13: return (struct cpumask
 * *)&mm->flexible_array).  Returns the byte offset inside mm_struct.
 */
struct mm_struct___bitmap {
	unsigned long cpu_bitmap[0];
} __attribute__((preserve_access_index));

struct mm_struct___flex {
	char flexible_array[0];
} __attribute__((preserve_access_index));

static __always_inline long ut_mm_cpumask_off(void)
{
	if (bpf_core_field_exists(struct mm_struct___flex, flexible_array))
		return bpf_core_field_offset(struct mm_struct___flex,
					     flexible_array);
	if (bpf_core_field_exists(struct mm_struct___bitmap, cpu_bitmap))
		return bpf_core_field_offset(struct mm_struct___bitmap,
					     cpu_bitmap);
	return -1;
}

/*
 * folio->index: struct folio exists from 5.16 (checked 6.1..7.2); 5.10 only
 * has page->index.  7.2 renamed page->index to __folio_index, so never read
 * it through struct page when struct folio exists.
 */
struct page___idx {
	unsigned long index;
} __attribute__((preserve_access_index));

static __always_inline unsigned long ut_folio_index(const void *folio)
{
	unsigned long v = 0;

	if (bpf_core_type_exists(struct folio)) {
		const struct folio *f = folio;

		bpf_probe_read_kernel(&v, sizeof(v), &f->index);
	} else {
		const struct page___idx *p = folio;

		bpf_probe_read_kernel(&v, sizeof(v), &p->index);
	}
	return v;
}

#endif /* UT_CORE_FIXES_BPF_H */
