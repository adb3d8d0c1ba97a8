/* SPDX-License-Identifier: GPL-2.0 */
/* The PASS/FAIL line of a unit test (tests/run.sh counts them). */
#ifndef UMT_UNIT_H
#define UMT_UNIT_H

#include <stdarg.h>
#include <stdio.h>

static int failed;

static void result(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	failed = 1;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#endif
