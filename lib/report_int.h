/* SPDX-License-Identifier: GPL-2.0 */
/* Private to lib/report*.c: what the accounting and the renderers share. */
#ifndef UMT_REPORT_INT_H
#define UMT_REPORT_INT_H

#include "report.h"

#define MAX_NOTES	4

/* JSON/CSV/text names of enum report_live_counter */
extern const char *const report_live_names[RL_NR];
/* Whether live counter @i is compared (x86-only flushes, hooked walk) */
bool report_live_compared(const struct report *r, int i);
bool report_trace_is_x86(const struct report *r);

#endif
