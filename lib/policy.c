// SPDX-License-Identifier: GPL-2.0
/*
 * The model's policies: kernel generations and their names, release
 * parsing, the release-dependent details of each policy, and the arches
 * (model.h).  The simulation that uses them is model.c; the sources read
 * are listed at its top.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

const char *model_gen_name(enum model_gen gen)
{
	static const char *const n[GEN_NR] = {
		[GEN_PAGE_RMAP]		= "page-rmap",
		[GEN_FOLIO_RMAP]	= "folio-rmap",
		[GEN_LAZYFREE_ALL]	= "lazyfree-6.15",
		[GEN_LAZYFREE]		= "lazyfree",
		[GEN_FILE_NOUFFD]	= "file-7.2",
		[GEN_FILE]		= "file",
		[GEN_ANON]		= "anon",
	};

	return gen < GEN_NR ? n[gen] : "?";
}

/* What a report calls a generation: its behaviour and its kernels */
const char *model_gen_label(enum model_gen gen)
{
	static const char *const n[GEN_NR] = {
		[GEN_PAGE_RMAP]	= "<=6.7 (page rmap, no batching)",
		[GEN_FOLIO_RMAP]	= "<=6.14 (no batching)",
		[GEN_LAZYFREE_ALL]	= "6.15 (lazyfree, whole folio)",
		[GEN_LAZYFREE]		= "6.16-7.1 (lazyfree)",
		[GEN_FILE_NOUFFD]	= "7.2 (file+lazyfree, not uffd-wp)",
		[GEN_FILE]		= "7.3 (file+lazyfree)",
		[GEN_ANON]		= "Dev Jain v4 (proposal)",
	};

	return gen < GEN_NR ? n[gen] : "?";
}

const char *model_gen_range(enum model_gen gen)
{
	static const char *const n[GEN_NR] = {
		[GEN_PAGE_RMAP]		= "<= 6.7 (read: 6.1)",
		[GEN_FOLIO_RMAP]	= "6.8-6.14 (read: 6.12)",
		[GEN_LAZYFREE_ALL]	= "6.15 (from the 6.16 fix's diff)",
		[GEN_LAZYFREE]		= "6.16-7.1 (from patches)",
		[GEN_FILE_NOUFFD]	= "7.2 (read: 7.2)",
		[GEN_FILE]		= "7.3+ (read: 7.3)",
		[GEN_ANON]		= "proposal: Dev Jain v4 (inferred)",
	};

	return gen < GEN_NR ? n[gen] : "?";
}

int model_parse_release(const char *release, int *maj, int *min)
{
	char *end;
	long a, b;

	if (!release || !*release)
		return -1;
	a = strtol(release, &end, 10);
	if (end == release || *end != '.')
		return -1;
	release = end + 1;
	b = strtol(release, &end, 10);
	if (end == release || a < 2 || a > 99 || b < 0 || b > 99)
		return -1;
	*maj = (int)a;
	*min = (int)b;
	return 0;
}

#define KV(a, b)	((a) * 100 + (b))

enum model_gen model_gen_for_release(int maj, int min, const char **why)
{
	int v = KV(maj, min);

	*why = NULL;
	if (v <= KV(6, 7)) {
		if (v != KV(6, 1))
			*why = "read 6.1 only: other <= 6.7 releases "
			       "assumed alike";
		return GEN_PAGE_RMAP;
	}
	if (v <= KV(6, 14)) {
		if (v != KV(6, 12))
			*why = "read 6.12 only: 6.8-6.14 assumed alike";
		return GEN_FOLIO_RMAP;
	}
	if (v == KV(6, 15)) {
		*why = "6.15 not read: all-or-nothing lazyfree from the "
		       "6.16 fix's diff (6.15.y stable got partial batches)";
		return GEN_LAZYFREE_ALL;
	}
	if (v <= KV(7, 1)) {
		*why = "6.16-7.1 not read: lazyfree batching from patches; "
		       "the release that added file batching is not pinned";
		return GEN_LAZYFREE;
	}
	if (v == KV(7, 2))
		return GEN_FILE_NOUFFD;
	if (v != KV(7, 3))
		*why = "newer than 7.3: assumed like 7.3";
	return GEN_FILE;
}

/* Release-dependent details; @v is KV(maj, min) of the code mirrored. */
static void policy_details(struct model_policy *p, int v)
{
	bool arm64 = p->arch == MODEL_ARM64;

	/* 6.1 include/linux/mm.h:add_mm_counter(): atomic_long_add_return */
	p->rss_atomic = v <= KV(6, 1);
	/*
	 * pte_install_uffd_wp_if_needed() (6.1/6.12 include/linux/
	 * mm_inline.h, 7.2 same) and cond_install_uffd_wp_ptes() (7.3
	 * mm/memory.c) evaluate WARN_ON_ONCE(!pte_none(ptep_get(pte))) on
	 * every call with CONFIG_PTE_MARKER_UFFD_WP (default y since 5.19,
	 * needs HAVE_ARCH_USERFAULTFD_WP: selected by x86-64 in 6.1/6.12/7.3
	 * arch/x86/Kconfig, by arm64 in 6.12/7.3 arch/arm64/Kconfig but not
	 * in 6.1, whose arm64 asm/pgtable.h has no uffd-wp bit).
	 */
	p->uffd_marker_read = v >= KV(5, 19) && (!arm64 || v >= KV(6, 12));
	/* 6.12/7.2 mm/rmap.c: unmap_huge_pmd_locked(); gone in 7.3 */
	p->lazyfree_pmd = v >= KV(6, 11) && v <= KV(7, 2);
	/* 6.1 mm/rmap.c:1495 split_huge_pmd_address() before the walk */
	p->split_before_walk = v < KV(6, 11);
	/*
	 * 7.2/7.3 mm/rmap.c: "ptes++ ... if (ptes != pvmw.nr_pages)
	 * continue".  Not in 6.12.  In 6.18 by live measurement, not source:
	 * a 6.18.15 guest's mlock trace makes 9 walk calls for a 16-page
	 * folio with 8 PTEs mapped in a VM_LOCKED VMA (6.12 makes 1).
	 * 6.17.13 measured like 6.12: traces/6.17/mlock.umt, 34924 calls
	 * of 16-page folios with 8 PTEs mapped, 1 walk call each.  6.13-6.16
	 * unknown: assumed like 6.12.
	 */
	p->mlock_visit_all = v >= KV(6, 18);
	/* 7.2/7.3 folio_unmap_pte_batch(): FPB_RESPECT_WRITE|SOFT_DIRTY */
	p->fpb_respect_write = v >= KV(7, 2);
	/* 7.3 mm/rmap.c: try_to_unmap_poisoned_hugetlb_one() */
	p->hugetlb_own_fn = v >= KV(7, 3);
	/* 6.12 contpte_ptep_get() reads all 16; 7.3 exits early */
	p->arm64_gather_all = v < KV(7, 0);
	/*
	 * 7.2.13/7.3.4 mm/page_vma_mapped.c:44 map_pte() and :323/:324
	 * next_pte without the PTL read by ptep_get_lockless(); 6.12.117
	 * (:40, :316) and 6.12.107 by ptep_get().
	 */
	p->walk_lockless = v >= KV(7, 2);
	/*
	 * arm64 selects ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH from 6.5 (6.12/7.3
	 * arch/arm64/Kconfig; not 6.1's): before, should_defer_flush() is
	 * the stub returning false (6.1 mm/rmap.c:737) and every PTE goes
	 * through ptep_clear_flush() -> flush_tlb_page().
	 */
	p->arm64_no_batch = v < KV(6, 5);
	p->arm64_tlbi_range = true;
	p->arm64_bbml2 = false;
	p->no_page_mapcount = false;
}

const char *model_arch_name(enum model_arch a)
{
	return a == MODEL_ARM64 ? "arm64" : "x86";
}

int model_arch_parse(const char *name)
{
	if (!strcmp(name, "x86"))
		return MODEL_X86;
	if (!strcmp(name, "arm64"))
		return MODEL_ARM64;
	return -1;
}

/* Long (~85 lines): one branch per policy name of replay's --help */
int model_policy_init(struct model_policy *p, const char *name,
		      enum model_arch arch, const char *release,
		      char *err, size_t errlen)
{
	char base[40];
	const char *plus;
	size_t len;
	int maj, min, v = 0;
	bool have_rel;
	const char *why;

	memset(p, 0, sizeof(*p));
	if (strlen(name) >= sizeof(p->name)) {
		snprintf(err, errlen, "policy name too long: '%s'", name);
		return -1;
	}
	memcpy(p->name, name, strlen(name) + 1);	/* length checked above */
	p->arch = arch;
	plus = strchr(name, '+');
	len = plus ? (size_t)(plus - name) : strlen(name);
	if (len >= sizeof(base))
		len = sizeof(base) - 1;
	memcpy(base, name, len);
	base[len] = '\0';
	if (plus) {
		if (strcmp(plus, "+skip")) {
			snprintf(err, errlen,
				 "unknown modifier '%s' (only +skip)", plus);
			return -1;
		}
		p->skip = true;
	}
	have_rel = release && !model_parse_release(release, &maj, &min);
	if (have_rel)
		snprintf(p->release, sizeof(p->release), "%s", release);

	if (!strcmp(base, "page-rmap")) {
		p->gen = GEN_PAGE_RMAP;
		v = KV(6, 1);
	} else if (!strcmp(base, "none")) {
		p->gen = GEN_FOLIO_RMAP;
		v = KV(6, 12);
	} else if (!strcmp(base, "lazyfree-6.15")) {
		p->gen = GEN_LAZYFREE_ALL;
		v = KV(6, 15);
	} else if (!strcmp(base, "lazyfree")) {
		p->gen = GEN_LAZYFREE;
		v = KV(6, 16);
	} else if (!strcmp(base, "file-7.2")) {
		p->gen = GEN_FILE_NOUFFD;
		v = KV(7, 2);
	} else if (!strcmp(base, "file")) {
		p->gen = GEN_FILE;
		v = KV(7, 3);
	} else if (!strcmp(base, "anon")) {
		p->gen = GEN_ANON;
		v = KV(7, 3);
	} else if (!strcmp(base, "kernel")) {
		if (!have_rel) {
			snprintf(err, errlen,
				 "policy 'kernel' needs the trace's %s "
				 "(got '%s')", UMT_KEY_KERNEL,
				 release ? release : "");
			return -1;
		}
		p->gen = model_gen_for_release(maj, min, &why);
		v = KV(maj, min);
		p->observed = true;
	} else {
		snprintf(err, errlen, "unknown policy '%s'; valid names:\n  "
			 MODEL_POLICY_NAMES, base);
		return -1;
	}
	policy_details(p, v);
	/*
	 * Named policies share 7.3's arm64 contpte code, so that --arch
	 * arm64 compares batching and not contpte_ptep_get() versions;
	 * "kernel" keeps its release's.
	 */
	if (strcmp(base, "kernel")) {
		p->arm64_gather_all = false;
		p->walk_lockless = true;
	}
	if (p->skip && p->gen < GEN_LAZYFREE) {
		snprintf(err, errlen, "'+skip' needs a batching policy, "
			 "not '%s'", base);
		return -1;
	}
	return 0;
}
