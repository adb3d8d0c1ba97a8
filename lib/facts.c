// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel facts: the "kernel" policy from what the recording kernel says
 * and does, the release table only for what that leaves open.
 */
#include <stdio.h>
#include <string.h>

#include "facts.h"

/*
 * Which of these a kernel's BTF has (Debian cloud kernels, read from
 * their vmlinux BTF with bpftool):
 *   6.12.107/117, 6.17.13: unmap_huge_pmd_locked, swap_duplicate,
 *     try_to_migrate_one; 6.17.13 also folio_pte_batch;
 *   7.3.4: + try_to_unmap_poisoned_hugetlb_one, cond_install_uffd_wp_ptes,
 *     folio_dup_swap; swap_duplicate gone.
 * folio_unmap_pte_batch() is static inline everywhere: not in BTF.
 */
const char *const kfacts_btf_funcs[] = {
	"folio_remove_rmap_ptes",
	"page_remove_rmap",
	"unmap_huge_pmd_locked",
	"try_to_unmap_poisoned_hugetlb_one",
	"cond_install_uffd_wp_ptes",
	"folio_pte_batch",
	"folio_dup_swap",
	"swap_duplicate",
	"try_to_migrate_one",
	"contpte_ptep_get",
	"contpte_ptep_get_lockless",
};
const int kfacts_nr_btf_funcs =
	(int)(sizeof(kfacts_btf_funcs) / sizeof(kfacts_btf_funcs[0]));

/* "btf.NAME": "absent", or "present ..." with its prototype */
static int btf_fact(const struct umt_meta *m, const char *name)
{
	char key[96];
	const char *v;

	snprintf(key, sizeof(key), "btf.%s", name);
	v = umt_meta_get(m, key);
	if (!v)
		return KF_UNKNOWN;
	return strncmp(v, "absent", 6) ? KF_YES : KF_NO;
}

/* The symbol the recorder attached for @hook, or NULL */
static const char *attached(const struct umt_meta *m, const char *hook)
{
	int i;

	for (i = 0; i < m->nr_attach; i++)
		if (!strcmp(m->attach[i].hook, hook) &&
		    !m->attach[i].err &&
		    !strcmp(m->attach[i].note, "attached"))
			return m->attach[i].symbol;
	return NULL;
}

void kfacts_from_meta(struct kfacts *f, const struct umt_meta *m)
{
	const char *rmap = attached(m, "rmap");

	memset(f, 0, sizeof(*f));
	f->rmap_folio = !rmap ? KF_UNKNOWN :
			!strcmp(rmap, "folio_remove_rmap_ptes") ? KF_YES :
			!strcmp(rmap, "page_remove_rmap") ? KF_NO : KF_UNKNOWN;
	f->cond_uffd = btf_fact(m, "cond_install_uffd_wp_ptes");
	f->hugetlb_fn = btf_fact(m, "try_to_unmap_poisoned_hugetlb_one");
	f->huge_pmd_fn = btf_fact(m, "unmap_huge_pmd_locked");
	f->pte_batch_hooked = attached(m, "pte_batch") ? KF_YES : KF_NO;
	/* helper bits are per hook: one attached says nothing of another */
	f->huge_pmd_hooked = attached(m, "huge_pmd") ? KF_YES :
			     m->nr_attach ? KF_NO : KF_UNKNOWN;
}

void kfacts_observe(struct kfacts *f, const struct umt_ttu *t)
{
	if (!(t->has_live & UMT_LIVE_HELPERS) || t->kind >= UMT_KIND_NR)
		return;
	f->observed_calls++;
	if (t->nr_pages < 2 || (t->folio_flags & UMT_FOLIO_PMD_MAPPED))
		return;
	f->large[t->kind]++;
	if (t->live_helpers & UMT_HELPER_PTE_BATCH)
		f->batched[t->kind]++;
}

static void add(char *s, size_t len, const char *fmt, const char *a,
		unsigned long long n)
{
	size_t l = strlen(s);

	if (l + 2 < len)
		snprintf(s + l, len - l, fmt, a, n);
}

void kfacts_apply(const struct kfacts *f, struct model_policy *p)
{
	uint64_t file = f->batched[UMT_KIND_FILE] + f->batched[UMT_KIND_SHMEM];
	uint64_t lazy = f->batched[UMT_KIND_LAZYFREE];
	char *s = p->facts;
	size_t len = sizeof(p->facts);

	s[0] = '\0';
	if (!p->observed)
		return;
	/*
	 * The generation.  rmap API: folio_remove_rmap_ptes() from 6.8.
	 * 7.3's try_to_unmap_one() re-installs uffd-wp markers per batch
	 * through cond_install_uffd_wp_ptes() (mm/memory.c:1705).  Batching
	 * by folio kind: 6.17's folio_unmap_pte_batch() (inline) calls the
	 * out-of-line folio_pte_batch() for the folios it batches; 7.2/7.3
	 * use the inline folio_pte_batch_flags(), so only a call seen is
	 * evidence, never its absence.
	 */
	if (f->rmap_folio == KF_NO) {
		p->gen = GEN_PAGE_RMAP;
		add(s, len, "generation: %s", "rmap hook on page_remove_rmap",
		    0);
	} else if (f->rmap_folio == KF_YES && f->cond_uffd == KF_YES) {
		if (p->gen < GEN_FILE)
			p->gen = GEN_FILE;
		add(s, len, "generation: %s", "BTF has "
		    "cond_install_uffd_wp_ptes", 0);
	} else if (f->rmap_folio == KF_YES && file) {
		if (p->gen < GEN_FILE_NOUFFD)
			p->gen = GEN_FILE_NOUFFD;
		add(s, len, "generation: %s in %llu file calls",
		    "folio_pte_batch() seen", (unsigned long long)file);
	} else if (f->rmap_folio == KF_YES && lazy) {
		/* 6.15's all-or-nothing is not told apart: kept */
		if (p->gen < GEN_LAZYFREE_ALL)
			p->gen = GEN_LAZYFREE;
		add(s, len, "generation: %s in %llu lazyfree calls",
		    "folio_pte_batch() seen", (unsigned long long)lazy);
	}
	p->gen_from_facts = s[0] != '\0';
	if (!p->gen_from_facts) {
		if (f->rmap_folio == KF_YES && p->gen == GEN_PAGE_RMAP)
			p->gen = GEN_FOLIO_RMAP;
		add(s, len, "generation: %s", f->rmap_folio == KF_UNKNOWN ?
		    "release table (no facts in the trace)" :
		    f->pte_batch_hooked != KF_YES ?
		    "release table (batching not observable here)" :
		    "release table (no large folio called folio_pte_batch)",
		    0);
	}
	if (f->hugetlb_fn != KF_UNKNOWN) {
		p->hugetlb_own_fn = f->hugetlb_fn == KF_YES;
		add(s, len, "; hugetlb: %s", "BTF", 0);
	}
	p->huge_pmd_unseen = f->huge_pmd_hooked == KF_NO;
	if (f->huge_pmd_fn == KF_NO) {
		p->lazyfree_pmd = false;
		add(s, len, "; lazyfree PMD: %s", "BTF has no helper", 0);
	} else if (f->observed_calls && !p->huge_pmd_unseen) {
		add(s, len, "; lazyfree PMD: %s",
		    "unmap_huge_pmd_locked() seen or not, per call", 0);
	} else {
		add(s, len, "; lazyfree PMD: %s", "release table", 0);
	}
	add(s, len, "; other rules: %s", "release table", 0);
}
