// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: diff's rule parser (lib/rules.c): a --fail-on spec, then
 * each rule matched and applied to a few counter values.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const metrics[] = {
		"tlb_flushes", "atomics", "breakdown.tlb_flushes.range",
		"rmap_calls", "",
	};
	static const long double vals[][2] = {
		{ 0, 0 }, { 0, 1 }, { 100, 101 }, { 1e30, -1e30 },
	};
	struct umt_rules rs = { 0 };
	struct umt_rule *why;
	char err[512], *spec;
	size_t i, j;

	spec = malloc(size + 1);
	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (!umt_rules_parse(&rs, spec, err, sizeof(err))) {
		for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
			umt_rules_match(&rs, metrics[i]);
			umt_metric_selected(&spec, 1, metrics[i]);
			for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++)
				umt_classify(&rs, metrics[i], vals[j][0],
					     vals[j][1], &why);
		}
	}
	umt_rules_free(&rs);
	free(spec);
	return 0;
}
