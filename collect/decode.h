/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events of the BPF collector (bpf/unmaptrace.h) -> .umt records
 * (lib/umt.h).  Pure: no libbpf, no I/O; each record goes to an emit
 * callback, so the unit tests feed events and look at the records.
 * Kernel pointers become trace-local ids here; they and PFNs never reach
 * the file.
 */
#ifndef UT_DECODE_H
#define UT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reclaim.h"
#include "umt.h"
#include "unmaptrace.h"

/* kernel pointer (or tid) -> trace-local id, ids start at 1 */
struct ut_idmap {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
	uint32_t next;
};

/* id for @key; *fresh (may be NULL) says whether it was new.  0: ENOMEM */
uint32_t ut_idmap_get(struct ut_idmap *m, uint64_t key, bool *fresh);
void ut_idmap_free(struct ut_idmap *m);

/* One raw x86 PTE word of the BPF image (UT_RAW_*) -> a UMT_SLOT_* slot */
uint32_t ut_classify_x86(uint32_t raw, const struct ut_swp_layout *s);

/* Receives each record; returns 0 or -errno (counted by the caller) */
typedef int (*ut_emit_fn)(void *ctx, uint16_t type, uint64_t ts,
			  uint32_t cpu, const void *p, uint32_t size);

/* cgroup id -> path relative to the cgroup2 mount; 0 or -errno */
typedef int (*ut_cgroup_fn)(void *ctx, uint64_t id, char *buf, size_t len);

struct ut_decoder {
	struct ut_idmap tasks, mms, vmas, folios, cgroups;
	const struct ut_swp_layout *swp;
	const struct ut_ksyms *ksyms;	/* NULL: reclaim path from flags */
	ut_cgroup_fn cgroup_path;	/* NULL: CGROUP records say "" */
	void *cgroup_ctx;
	ut_emit_fn emit;
	void *emit_ctx;
	uint64_t by_path[UMT_PATH_NR];	/* TTU records per reclaim path */
	uint64_t events, ttu_records, tlb_records, image_errs, bad_events;
	uint32_t levels_seen;		/* paging levels the BPF walk used */
	/* optional hooks attached: their facts are valid in the records */
	bool hooked_migrate, hooked_huge_pmd, hooked_pte_batch;
};

/* One ring-buffer event; a malformed one only counts in bad_events */
void ut_decode_event(struct ut_decoder *d, const void *data, size_t size);
void ut_decoder_free(struct ut_decoder *d);

#endif
