// SPDX-License-Identifier: GPL-2.0
/*
 * The "kernel" policy from kernel facts (lib/facts.c): header facts (attach
 * plan, btf.*) and what the calls saw the kernel do override the release
 * table, which stays the fallback.  Facts as the recorder writes them for
 * Debian's kernels (BTF read with bpftool from their vmlinux):
 *   6.12.117: folio_remove_rmap_ptes, unmap_huge_pmd_locked; no
 *             cond_install_uffd_wp_ptes, no try_to_unmap_poisoned_...;
 *   6.17.13:  the same + folio_pte_batch, called from try_to_unmap_one()
 *             for each large lazyfree folio (512 of 512 calls of a guest's
 *             lazyfree trace);
 *   7.3.4:    + cond_install_uffd_wp_ptes, try_to_unmap_poisoned_hugetlb_one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "model.h"
#include "umt.h"
#include "unit.h"

static void attach(struct umt_meta *m, const char *hook, const char *sym)
{
	struct umt_attach a;

	memset(&a, 0, sizeof(a));
	snprintf(a.hook, sizeof(a.hook), "%s", hook);
	snprintf(a.symbol, sizeof(a.symbol), "%s", sym);
	snprintf(a.mechanism, sizeof(a.mechanism), "fentry");
	snprintf(a.note, sizeof(a.note), "attached");
	umt_meta_add_attach(m, &a);
}

/* A header as the recorder writes it for @rel; @btf73: 7.3's functions */
static void header(struct umt_meta *m, bool btf73, bool pte_batch)
{
	umt_meta_free(m);
	memset(m, 0, sizeof(*m));
	attach(m, "ttu", "try_to_unmap_one");
	attach(m, "rmap", "folio_remove_rmap_ptes");
	attach(m, "huge_pmd", "unmap_huge_pmd_locked");
	if (pte_batch)
		attach(m, "pte_batch", "folio_pte_batch");
	umt_meta_set(m, "btf.unmap_huge_pmd_locked", "present bool(struct "
		     "vm_area_struct *, unsigned long, pmd_t *, "
		     "struct folio *)");
	umt_meta_set(m, "btf.cond_install_uffd_wp_ptes",
		     btf73 ? "present bool(...)" : "absent");
	umt_meta_set(m, "btf.try_to_unmap_poisoned_hugetlb_one",
		     btf73 ? "present bool(...)" : "absent");
}

static struct umt_ttu call(uint16_t kind, uint32_t nr, uint8_t helpers)
{
	struct umt_ttu t;

	memset(&t, 0, sizeof(t));
	t.kind = kind;
	t.nr_pages = nr;
	t.folio_flags = nr > 1 ? UMT_FOLIO_LARGE : 0;
	t.has_live = UMT_LIVE_COUNTS | UMT_LIVE_HELPERS;
	t.live_helpers = helpers;
	return t;
}

static void kpol(struct model_policy *p, const char *rel)
{
	char err[160];

	if (model_policy_init(p, "kernel", MODEL_X86, rel, err, sizeof(err))) {
		printf("FAIL policy kernel %s: %s\n", rel, err);
		exit(1);
	}
}

static void expect_gen(const char *name, const struct model_policy *p,
		       enum model_gen want, const char *src)
{
	char why[300];

	if (p->gen != want) {
		snprintf(why, sizeof(why), "generation %s, want %s (%s)",
			 model_gen_name(p->gen), model_gen_name(want),
			 p->facts);
		result(name, 0, "%s", why);
	} else if (src && !strstr(p->facts, src)) {
		snprintf(why, sizeof(why), "facts '%s' lack '%s'", p->facts,
			 src);
		result(name, 0, "%s", why);
	} else {
		result(name, 1, "");
	}
}

int main(void)
{
	struct umt_meta m;
	struct model_policy p;
	struct kfacts f;
	struct umt_ttu t;
	int i;

	memset(&m, 0, sizeof(m));
	/* 6.17: lazyfree batching seen, no release-table rule needed */
	header(&m, false, true);
	kfacts_from_meta(&f, &m);
	for (i = 0; i < 4; i++) {
		t = call(UMT_KIND_LAZYFREE, 16, UMT_HELPER_PTE_BATCH);
		kfacts_observe(&f, &t);
	}
	t = call(UMT_KIND_FILE, 1, 0);
	kfacts_observe(&f, &t);
	kpol(&p, "6.17.13+deb13-cloud-amd64");
	p.gen = GEN_FOLIO_RMAP;	/* whatever the table says: facts decide */
	kfacts_apply(&f, &p);
	expect_gen("facts_6_17_lazyfree_seen", &p, GEN_LAZYFREE,
		   "folio_pte_batch() seen in 4 lazyfree calls");
	result("facts_6_17_gen_from_facts", p.gen_from_facts,
	       "gen_from_facts not set");
	result("facts_6_17_no_poisoned_hugetlb_fn", !p.hugetlb_own_fn,
	       "hugetlb_own_fn set");

	/* 7.1 (no table entry read): a file folio batched -> file-7.2 */
	t = call(UMT_KIND_FILE, 16, UMT_HELPER_PTE_BATCH);
	kfacts_observe(&f, &t);
	kpol(&p, "7.1.13+deb13-cloud-amd64");
	kfacts_apply(&f, &p);
	expect_gen("facts_7_1_file_seen", &p, GEN_FILE_NOUFFD,
		   "in 1 file calls");

	/* 6.12.117: folio rmap, nothing batched seen, not observable */
	header(&m, false, false);
	kfacts_from_meta(&f, &m);
	t = call(UMT_KIND_LAZYFREE, 512, 0);
	t.folio_flags |= UMT_FOLIO_PMD_MAPPED;
	kfacts_observe(&f, &t);
	kpol(&p, "6.12.117+deb13-cloud-amd64");
	kfacts_apply(&f, &p);
	expect_gen("facts_6_12_release_fallback", &p, GEN_FOLIO_RMAP,
		   "release table (batching not observable here)");
	result("facts_6_12_gen_from_release", !p.gen_from_facts,
	       "gen_from_facts set");
	result("facts_6_12_huge_pmd_watched", !p.huge_pmd_unseen,
	       "huge_pmd_unseen set though the hook was attached");
	result("facts_6_12_lazyfree_pmd_per_call",
	       strstr(p.facts, "unmap_huge_pmd_locked() seen or not") != NULL,
	       "%s", p.facts);

	/* 7.3 BTF: cond_install_uffd_wp_ptes -> file, own hugetlb fn */
	header(&m, true, true);
	kfacts_from_meta(&f, &m);
	kpol(&p, "7.2.13+deb14-cloud-amd64");	/* a patched 7.2 */
	kfacts_apply(&f, &p);
	expect_gen("facts_btf_cond_install_uffd_wp_ptes", &p, GEN_FILE,
		   "BTF has cond_install_uffd_wp_ptes");
	result("facts_btf_poisoned_hugetlb_fn", p.hugetlb_own_fn,
	       "hugetlb_own_fn not set");

	/* page_remove_rmap attached: the 6.1 code whatever the release */
	umt_meta_free(&m);
	memset(&m, 0, sizeof(m));
	attach(&m, "rmap", "page_remove_rmap");
	umt_meta_set(&m, "btf.unmap_huge_pmd_locked", "absent");
	kfacts_from_meta(&f, &m);
	kpol(&p, "6.12.0");
	p.lazyfree_pmd = true;
	kfacts_apply(&f, &p);
	expect_gen("facts_rmap_page_remove_rmap", &p, GEN_PAGE_RMAP,
		   "page_remove_rmap");
	result("facts_btf_no_huge_pmd_helper", !p.lazyfree_pmd,
	       "lazyfree_pmd kept");
	umt_meta_free(&m);

	/* helpers recorded, but not unmap_huge_pmd_locked(): not evidence */
	umt_meta_free(&m);
	memset(&m, 0, sizeof(m));
	attach(&m, "rmap", "folio_remove_rmap_ptes");
	attach(&m, "pte_batch", "folio_pte_batch");
	kfacts_from_meta(&f, &m);
	t = call(UMT_KIND_FILE, 16, 0);
	kfacts_observe(&f, &t);
	kpol(&p, "6.17.13");
	kfacts_apply(&f, &p);
	result("facts_huge_pmd_not_watched",
	       p.huge_pmd_unseen && strstr(p.facts,
					   "lazyfree PMD: release table"),
	       "%s", p.facts);
	umt_meta_free(&m);

	/* no facts (a trace from before them): the release table, said */
	memset(&m, 0, sizeof(m));
	kfacts_from_meta(&f, &m);
	kpol(&p, "7.3.4");
	kfacts_apply(&f, &p);
	expect_gen("facts_none_release_table", &p, GEN_FILE,
		   "release table (no facts in the trace)");
	umt_meta_free(&m);
	/* named policies are not touched */
	model_policy_init(&p, "none", MODEL_X86, "7.3.4", NULL, 0);
	kfacts_apply(&f, &p);
	result("facts_named_policy_untouched",
	       !p.facts[0] && p.gen == GEN_FOLIO_RMAP, "%s", p.facts);
	return failed;
}
