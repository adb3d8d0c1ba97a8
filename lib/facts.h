/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the recording kernel is, from what it says about itself: the
 * recorder's attach plan and BTF lookups in the trace header ("btf.*"),
 * and what the kernel was seen doing inside the traced calls (helpers it
 * called, UMT_LIVE_HELPERS).  The "kernel" policy is built from these; the
 * release table of lib/model.c is the fallback for what they leave open.
 */
#ifndef UMT_FACTS_H
#define UMT_FACTS_H

#include <stdint.h>

#include "model.h"
#include "umt.h"

/* Kernel functions whose BTF presence the recorder writes as btf.NAME */
extern const char *const kfacts_btf_funcs[];
extern const int kfacts_nr_btf_funcs;

enum { KF_UNKNOWN = -1, KF_NO = 0, KF_YES = 1 };

struct kfacts {
	int rmap_folio;		/* rmap hook: folio_remove_rmap_ptes (1) or
				 * page_remove_rmap (0) attached */
	int cond_uffd;		/* btf.cond_install_uffd_wp_ptes (7.3) */
	int hugetlb_fn;		/* btf.try_to_unmap_poisoned_hugetlb_one */
	int huge_pmd_fn;	/* btf.unmap_huge_pmd_locked */
	int pte_batch_hooked;	/* folio_pte_batch() watched inside ttu */
	int huge_pmd_hooked;	/* unmap_huge_pmd_locked() watched */
	/* from the calls (kfacts_observe) */
	uint64_t batched[UMT_KIND_NR];	/* calls that called folio_pte_batch */
	uint64_t large[UMT_KIND_NR];	/* PTE-mapped large folio calls with
					 * helpers recorded */
	uint64_t observed_calls;	/* calls with UMT_LIVE_HELPERS */
};

void kfacts_from_meta(struct kfacts *f, const struct umt_meta *m);
void kfacts_observe(struct kfacts *f, const struct umt_ttu *t);
/*
 * Refine a "kernel" policy (p->observed) with @f; p->facts says what came
 * from the facts and what from the release table.
 */
void kfacts_apply(const struct kfacts *f, struct model_policy *p);

#endif /* UMT_FACTS_H */
