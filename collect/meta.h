/* SPDX-License-Identifier: GPL-2.0 */
/* A recording's trace header (meta.c). */
#ifndef UT_META_H
#define UT_META_H

#include <stdint.h>

#include "plan.h"
#include "session.h"
#include "umt.h"

/*
 * Fill @m for a recording with options @a on @ncpus possible CPUs; the
 * paging levels the header claims go to *@levels.  0, or -ENOSPC when the
 * keys do not fit (UMT_MAX_META), or the plan's error.
 */
int ut_fill_meta(struct umt_meta *m, const struct ut_plan *plan,
		 const struct ut_record_opts *a, int ncpus, uint32_t *levels);

#endif
