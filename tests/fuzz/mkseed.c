// SPDX-License-Identifier: GPL-2.0
/*
 * mkseed IN OUT NR CHUNK: a fuzz seed from a recorded trace: its header
 * and first NR records, rewritten in CHUNK-byte chunks.  A few small
 * chunks keep the harnesses fast (a shipped trace inflates 180 KB a
 * chunk); the records themselves are the recording's.  Corpus only.
 */
#include <stdio.h>
#include <stdlib.h>

#include "umt.h"

int main(int argc, char **argv)
{
	struct umt_writer *w;
	struct umt_reader *r;
	struct umt_rec rec;
	char err[256];
	unsigned long nr, i = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: mkseed IN OUT NR CHUNK\n");
		return 2;
	}
	nr = strtoul(argv[3], NULL, 0);
	r = umt_reader_open(argv[1], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "mkseed: %s: %s\n", argv[1], err);
		return 1;
	}
	w = umt_writer_open(argv[2], umt_reader_meta(r), err, sizeof(err));
	if (!w || umt_writer_set_chunk_size(w, strtoul(argv[4], NULL, 0))) {
		fprintf(stderr, "mkseed: %s: %s\n", argv[2], err);
		return 1;
	}
	while (i++ < nr && umt_reader_next(r, &rec) == 1)
		if (umt_writer_add(w, rec.type, rec.ts, rec.cpu, rec.payload,
				   rec.size))
			break;
	umt_reader_close(r);
	return umt_writer_close(w) ? 1 : 0;
}
