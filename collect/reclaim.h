/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why a task unmaps: the reclaim path of one try_to_unmap_one() call
 * (enum umt_reclaim_path) from current->flags, the TTU flags and the
 * callers on its kernel stack, matched against a table of kernel
 * functions resolved in /proc/kallsyms.  Pure (reads a kallsyms file, no
 * libbpf); docs/FORMAT.md lists the rules.
 */
#ifndef UT_RECLAIM_H
#define UT_RECLAIM_H

#include <stdint.h>
#include <stdio.h>

/* include/linux/sched.h, unchanged 5.10..7.3 */
#define UT_PF_MEMALLOC	0x00000800u
#define UT_PF_KSWAPD	0x00020000u
#define UT_PF_KTHREAD	0x00200000u

struct ut_ksym_range {
	uint64_t start, end;	/* [start, end) */
	uint16_t path;		/* enum umt_reclaim_path */
	uint8_t weak;		/* only if no strong caller matches */
	const char *name;	/* the rule's function */
};

struct ut_ksyms {
	struct ut_ksym_range *r;
	int n;
};

/*
 * Resolve the rule table's functions in @f (the format of /proc/kallsyms:
 * "ADDR TYPE NAME [MODULE]").  0 with k->n >= 0, or -errno; k->n is 0 when
 * the addresses are hidden (kptr_restrict).
 */
int ut_ksyms_load(struct ut_ksyms *k, FILE *f);
void ut_ksyms_free(struct ut_ksyms *k);

/*
 * The path of one call: PF_KSWAPD, then TTU_HWPOISON, then the innermost
 * strong caller on @stack (return addresses, innermost first), then the
 * innermost weak one.  *how says which decided (enum umt_reclaim_how).
 * @k may be NULL (no symbols: flags only).
 */
unsigned int ut_reclaim_path(const struct ut_ksyms *k, uint32_t task_flags,
			     uint32_t ttu_flags, const uint64_t *stack,
			     uint32_t nr_stack, uint8_t *how);

#endif
