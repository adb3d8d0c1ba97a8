// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the trace reader (lib/umt.c) over any bytes, every record
 * delivered and its payload touched, the chunk table, totals, warnings
 * and the damage verdict read back.  Mutator: umt_mutator.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "damage.h"
#include "umt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct umt_chunk_info *ci;
	const struct umt_totals *t;
	struct umt_reader *r;
	struct umt_rec rec;
	char err[256], sum[640];
	uint64_t x = 0;
	uint32_t i;

	r = umt_reader_open_mem(data, size, err, sizeof(err));
	if (!r)
		return 0;
	while (umt_reader_next(r, &rec) == 1) {
		const uint8_t *p = rec.payload;

		/* every byte the reader vouches for must be readable */
		for (i = 0; i < rec.size; i += 61)
			x += p[i];
		if (rec.size)
			x += p[rec.size - 1];
		if (rec.type == UMT_REC_TTU) {
			const struct umt_ttu *tt = rec.payload;

			x += tt->nr_slots;
			if (tt->nr_slots && !rec.short_payload)
				x += tt->slots[tt->nr_slots - 1];
		}
	}
	umt_reader_chunks(r, &ci);
	t = umt_reader_totals(r);
	if (t)
		x += t->nr_records;
	x += strlen(umt_reader_warnings(r));
	umt_damage_summary(umt_reader_damage(r), sum, sizeof(sum));
	umt_reader_close(r);
	/* keep x alive */
	return x == 42 ? 0 : 0;
}
