// SPDX-License-Identifier: GPL-2.0
/*
 * The reclaim path of a try_to_unmap_one() call (reclaim.h).  The callers
 * that name a path, as they are in Debian's 5.10 to 7.3 kernels; a name
 * a kernel lacks simply never matches.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "reclaim.h"
#include "umt.h"

static const struct rule {
	const char *name;
	uint16_t path;
	uint8_t weak;
} rules[] = {
	/* madvise(MADV_PAGEOUT): mm/madvise.c, a pagewalk callback */
	{ "madvise_cold_or_pageout_pte_range", UMT_PATH_MADVISE, 0 },
	{ "madvise_pageout", UMT_PATH_MADVISE, 0 },
	{ "madvise_pageout_page_range", UMT_PATH_MADVISE, 0 },
	/*
	 * memory.reclaim: mm/memcontrol.c memory_reclaim() (5.19+), through
	 * user_proactive_reclaim() (mm/vmscan.c, 6.17+); DAMON's pageout
	 * action (mm/damon/paddr.c) calls reclaim_pages() like madvise
	 */
	{ "memory_reclaim", UMT_PATH_PROACTIVE, 0 },
	{ "user_proactive_reclaim", UMT_PATH_PROACTIVE, 0 },
	{ "damon_pa_pageout", UMT_PATH_PROACTIVE, 0 },
	/* direct reclaim: page allocator and memcg charge (mm/memcontrol.c) */
	{ "try_to_free_pages", UMT_PATH_DIRECT, 0 },
	{ "__perform_reclaim", UMT_PATH_DIRECT, 0 },
	{ "__alloc_pages_direct_reclaim", UMT_PATH_DIRECT, 0 },
	{ "try_charge_memcg", UMT_PATH_DIRECT, 0 },
	{ "try_charge", UMT_PATH_DIRECT, 0 },
	{ "reclaim_high", UMT_PATH_DIRECT, 0 },
	{ "mem_cgroup_handle_over_high", UMT_PATH_DIRECT, 0 },
	{ "__mem_cgroup_handle_over_high", UMT_PATH_DIRECT, 0 },
	/* kswapd without PF_KSWAPD cannot be, but name it anyway */
	{ "balance_pgdat", UMT_PATH_KSWAPD, 0 },
	{ "kswapd", UMT_PATH_KSWAPD, 0 },
	/* khugepaged, MADV_COLLAPSE (mm/khugepaged.c), compaction */
	{ "khugepaged", UMT_PATH_KHUGEPAGED, 0 },
	{ "collapse_file", UMT_PATH_KHUGEPAGED, 0 },
	{ "collapse_huge_page", UMT_PATH_KHUGEPAGED, 0 },
	{ "madvise_collapse", UMT_PATH_KHUGEPAGED, 0 },
	{ "kcompactd", UMT_PATH_KHUGEPAGED, 0 },
	{ "kcompactd_do_work", UMT_PATH_KHUGEPAGED, 0 },
	{ "compact_zone", UMT_PATH_KHUGEPAGED, 0 },
	{ "compact_node", UMT_PATH_KHUGEPAGED, 0 },
	/* mm/memory-failure.c (TTU_HWPOISON from 5.17 says it first) */
	{ "memory_failure", UMT_PATH_HWPOISON, 0 },
	{ "hwpoison_user_mappings", UMT_PATH_HWPOISON, 0 },
	{ "unmap_poisoned_folio", UMT_PATH_HWPOISON, 0 },
	{ "soft_offline_page", UMT_PATH_HWPOISON, 0 },
	/* move_pages(), mbind(), NUMA balancing; compaction is outside */
	{ "do_migrate_pages", UMT_PATH_MIGRATION, 0 },
	{ "do_move_pages_to_node", UMT_PATH_MIGRATION, 0 },
	{ "migrate_misplaced_folio", UMT_PATH_MIGRATION, 0 },
	{ "migrate_misplaced_page", UMT_PATH_MIGRATION, 0 },
	{ "migrate_pages", UMT_PATH_MIGRATION, 1 },
	/*
	 * Weak: memory.reclaim and memory.max writes also come through
	 * try_to_free_mem_cgroup_pages(); DAMON through reclaim_pages()
	 */
	{ "try_to_free_mem_cgroup_pages", UMT_PATH_DIRECT, 1 },
	{ "reclaim_pages", UMT_PATH_MADVISE, 1 },
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* "name.constprop.0" and "name.isra.0" are the function "name" */
static const struct rule *rule_of(const char *name)
{
	size_t i, len = strcspn(name, ".");

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strlen(rules[i].name) == len &&
		    !strncmp(rules[i].name, name, len))
			return &rules[i];
	return NULL;
}

int ut_ksyms_load(struct ut_ksyms *k, FILE *f)
{
	uint64_t *addr = NULL, a;
	size_t n = 0, cap = 0, lo, hi;
	char line[512], type, name[256];
	const struct rule *ru;
	int i, err = 0;

	memset(k, 0, sizeof(*k));
	/* pass 1: every text address (a function ends where the next starts) */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &a, &type,
			   name) != 3 || (type != 't' && type != 'T') || !a)
			continue;
		if (n == cap) {
			void *p = realloc(addr, (cap = cap ? 2 * cap : 65536) *
					  sizeof(*addr));

			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			addr = p;
		}
		addr[n++] = a;
		if (!(ru = rule_of(name)))
			continue;
		i = k->n;
		{
			void *p = realloc(k->r, (i + 1) * sizeof(*k->r));

			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			k->r = p;
		}
		k->r[i].start = a;
		k->r[i].end = 0;
		k->r[i].path = ru->path;
		k->r[i].weak = ru->weak;
		k->r[i].name = ru->name;
		k->n++;
	}
	if (n)
		qsort(addr, n, sizeof(*addr), cmp_u64);
	for (i = 0; i < k->n; i++) {
		lo = 0;
		hi = n;
		while (lo < hi) {	/* first address > start */
			size_t mid = lo + (hi - lo) / 2;

			if (addr[mid] <= k->r[i].start)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* the last text symbol: give it 64 KiB */
		k->r[i].end = lo < n ? addr[lo] : k->r[i].start + 65536;
	}
out:
	free(addr);
	if (err)
		ut_ksyms_free(k);
	return err;
}

void ut_ksyms_free(struct ut_ksyms *k)
{
	free(k->r);
	k->r = NULL;
	k->n = 0;
}

unsigned int ut_reclaim_path(const struct ut_ksyms *k, uint32_t task_flags,
			     uint32_t ttu_flags, const uint64_t *stack,
			     uint32_t nr_stack, uint8_t *how)
{
	int weak = -1, i;
	uint32_t f;

	if (task_flags & UT_PF_KSWAPD) {
		*how = UMT_HOW_TASK_FLAGS;
		return UMT_PATH_KSWAPD;
	}
	if (ttu_flags & UMT_TTU_HWPOISON) {
		*how = UMT_HOW_TTU_FLAGS;
		return UMT_PATH_HWPOISON;
	}
	if (!nr_stack) {
		*how = UMT_HOW_NO_STACK;
		return UMT_PATH_OTHER;
	}
	for (f = 0; k && f < nr_stack; f++) {
		/* a return address; -1 stays inside a call at a function end */
		uint64_t pc = stack[f] - 1;

		for (i = 0; i < k->n; i++) {
			if (pc < k->r[i].start || pc >= k->r[i].end)
				continue;
			if (!k->r[i].weak) {
				*how = UMT_HOW_STACK;
				return k->r[i].path;
			}
			if (weak < 0)
				weak = k->r[i].path;
		}
	}
	if (weak >= 0) {
		*how = UMT_HOW_STACK;
		return weak;
	}
	*how = UMT_HOW_NONE;
	return UMT_PATH_OTHER;
}
