/* SPDX-License-Identifier: GPL-2.0 */
/* Facts about the running kernel that the attach plan records (kfacts.c). */
#ifndef UT_KFACTS_H
#define UT_KFACTS_H

#include <stddef.h>
#include <stdint.h>

#include "unmaptrace.h"

struct btf;

/* page_remove_rmap()'s compound argument index (0: not in BTF) */
int ut_kfact_compound_arg(const struct btf *vmlinux_btf);
/* 1 << VMA_DROPPABLE_BIT from the BTF enum, 0 when unknown */
uint64_t ut_kfact_droppable_mask(const struct btf *vmlinux_btf);
/* Swap-entry type layout of this release and config; @note says which */
void ut_kfact_swp_layout(struct ut_swp_layout *s, char *note, size_t len);

/*
 * A value of the running kernel's config ("y", "m", "n", a string); NULL
 * when no config is readable or the symbol does not exist there.
 */
const char *ut_kconfig(const char *name);
const char *ut_kconfig_source(void);

struct umt_meta;
/*
 * btf.NAME = "absent" or "present RET(ARGS)" for each kfacts_btf_funcs[]
 * function (lib/facts.c); "unknown (no BTF)" without BTF.
 */
int ut_kfact_btf_funcs(const struct btf *vmlinux_btf, struct umt_meta *m);
/* arm64: PHYS_OFFSET and paging levels from /proc/kcore; 0 or -errno */
int ut_kfact_arm64_linear(int64_t *memstart, int *levels);

#endif
