// SPDX-License-Identifier: GPL-2.0
/*
 * A structure-aware libFuzzer mutator for .umt traces, linked into the
 * reader harnesses.  Byte flips die at the first CRC: this one mostly
 * inflates a chunk, mutates its records (a field set to an edge value,
 * a payload mutated in place, or the raw bytes as a whole), re-compresses
 * it and fixes the chunk header, the header CRC, the trailer's chunk
 * index and CRC, so the mutation reaches the model.  Some plain byte
 * mutations stay, for the damage paths.  Layout: docs/FORMAT.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "umt.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define MAX_CHUNKS	64
#define RAW_MAX		(1u << 20)

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, v);
	wr32(p + 4, v >> 32);
}

struct layout {
	size_t hsize;
	size_t nr;
	size_t off[MAX_CHUNKS], len[MAX_CHUNKS];
	size_t trailer, end;	/* trailer offset (end if none), data end */
};

static int parse(const uint8_t *d, size_t n, struct layout *l)
{
	size_t pos;

	if (n < UMT_FILE_HDR_SIZE || memcmp(d, UMT_MAGIC, 8))
		return -1;
	l->hsize = rd32(d + UMT_HDR_OFF_SIZE);
	if (l->hsize < UMT_FILE_HDR_SIZE || l->hsize > n)
		return -1;
	l->nr = 0;
	pos = l->hsize;
	while (l->nr < MAX_CHUNKS && pos + UMT_CHUNK_HDR_SIZE <= n &&
	       !memcmp(d + pos, UMT_CHUNK_MAGIC, 8)) {
		size_t len = UMT_CHUNK_HDR_SIZE + (size_t)rd32(d + pos + 20);

		if (len > n - pos)
			break;
		l->off[l->nr] = pos;
		l->len[l->nr++] = len;
		pos += len;
	}
	l->trailer = pos;
	l->end = n;
	return 0;
}

static void fix_header_crc(uint8_t *d, size_t hsize)
{
	uint32_t c;

	wr32(d + UMT_HDR_OFF_CRC, 0);
	c = crc32(0, d, hsize);
	wr32(d + UMT_HDR_OFF_CRC, c);
}

/* Rewrite a chunk header for new raw/comp lengths and record count */
static void fix_chunk(uint8_t *h, uint32_t nr, uint32_t raw_len,
		      const uint8_t *comp, uint32_t comp_len)
{
	wr32(h + 12, nr);
	wr32(h + 16, raw_len);
	wr32(h + 20, comp_len);
	wr32(h + 44, crc32(0, comp, comp_len));
	wr32(h + 52, crc32(0, h, 52));
}

/* Fix the trailer at @t (of @n bytes to the end) after chunks moved */
static void fix_trailer(uint8_t *d, size_t t, size_t n,
			const struct layout *l)
{
	uint32_t len, nt, nc, nch, i, c;
	size_t idx;

	if (n - t < 56 + UMT_FOOTER_SIZE || memcmp(d + t, UMT_TRAILER_MAGIC, 8))
		return;
	len = rd32(d + t + 8);
	nch = rd32(d + t + 12);
	nt = rd32(d + t + 48);
	nc = rd32(d + t + 52);
	if (len != n - t || nt > 4096 || nc > 4096 || nch != l->nr ||
	    56 + 16ull * nt + 24ull * nc + 32ull * nch + UMT_FOOTER_SIZE != len)
		return;
	idx = t + 56 + 16 * nt + 24 * nc;
	for (i = 0; i < nch; i++)
		wr64(d + idx + 32 * i, l->off[i]);
	c = crc32(0, d + t, len - UMT_FOOTER_SIZE);
	wr32(d + n - UMT_FOOTER_SIZE, c);
	wr64(d + n - UMT_FOOTER_SIZE + 8, t);
}

/* The edge values file fields overflow on */
static const uint32_t edges[] = {
	0, 1, 2, 7, 8, 16, 511, 512, 513, 0x7fffffff, 0x80000000,
	0xffffffc0, 0xfffffff9, 0xffffffff, 1u << 20, 1u << 24,
};

/* Mutate the records of an inflated chunk; the new record count */
static size_t mutate_raw(uint8_t *raw, size_t len, size_t max, uint32_t *nr,
			 unsigned int *seed)
{
	size_t pos = 0, pick, i, k = 0;
	uint32_t size;

	if (!*nr || rand_r(seed) % 4 == 0) {
		/* the raw bytes as a whole: sizes and counts may break */
		len = LLVMFuzzerMutate(raw, len, max);
		for (*nr = 0, pos = 0; pos + UMT_REC_HDR_SIZE <= len; (*nr)++) {
			size = rd32(raw + pos + 4);
			if ((size_t)size + 7 > len - pos - UMT_REC_HDR_SIZE)
				break;
			pos += UMT_REC_HDR_SIZE + ((size + 7) & ~7u);
		}
		return len;
	}
	pick = rand_r(seed) % *nr;
	for (i = 0; i < *nr && pos + UMT_REC_HDR_SIZE <= len; i++) {
		size = rd32(raw + pos + 4);
		if (size > len - pos - UMT_REC_HDR_SIZE)
			break;
		if (i == pick) {
			uint8_t *p = raw + pos + UMT_REC_HDR_SIZE;

			if (size >= 4 && rand_r(seed) % 2) {
				k = rand_r(seed) % (size / 4);
				wr32(p + 4 * k, edges[rand_r(seed) %
					(sizeof(edges) / sizeof(edges[0]))]);
			} else if (rand_r(seed) % 8 == 0) {
				/* the record header: type, size, cpu, seq */
				k = rand_r(seed) % 6;
				wr32(raw + pos + 4 * k, edges[rand_r(seed) %
					(sizeof(edges) / sizeof(edges[0]))]);
			} else if (size) {
				LLVMFuzzerMutate(p, size, size);
			}
			break;
		}
		pos += UMT_REC_HDR_SIZE + ((size + 7) & ~7u);
	}
	return len;
}

/* Re-build @d with chunk @k replaced by a mutated one; 0 if it fails */
static size_t mutate_chunk(uint8_t *d, size_t n, size_t max,
			   struct layout *l, size_t k, unsigned int *seed)
{
	uint8_t *h = d + l->off[k], *raw, *comp, *out;
	uint32_t raw_len = rd32(h + 16), nr = rd32(h + 12);
	uLongf dlen = raw_len, clen;
	size_t len, o, newlen, delta, i;

	/* once: a malloc of megabytes per call is most of an exec */
	static uint8_t *raw_buf, *comp_buf, *out_buf;
	static size_t out_cap;

	if (raw_len > RAW_MAX / 2)
		return 0;
	if (!raw_buf) {
		raw_buf = malloc(RAW_MAX);
		comp_buf = malloc(compressBound(RAW_MAX));
	}
	if (out_cap < max) {
		free(out_buf);
		out_buf = malloc(max);
		out_cap = out_buf ? max : 0;
	}
	raw = raw_buf;
	comp = comp_buf;
	out = out_buf;
	if (!raw || !comp || !out ||
	    uncompress(raw, &dlen, h + UMT_CHUNK_HDR_SIZE, l->len[k] -
		       UMT_CHUNK_HDR_SIZE) != Z_OK || dlen != raw_len)
		goto fail;
	len = mutate_raw(raw, raw_len, RAW_MAX, &nr, seed);
	clen = compressBound(len);
	if (compress2(comp, &clen, raw, len, 1) != Z_OK)
		goto fail;
	newlen = n - l->len[k] + UMT_CHUNK_HDR_SIZE + clen;
	if (newlen > max)
		goto fail;
	o = l->off[k];
	memcpy(out, d, o);
	memcpy(out + o, h, UMT_CHUNK_HDR_SIZE);
	fix_chunk(out + o, nr, len, comp, clen);
	memcpy(out + o + UMT_CHUNK_HDR_SIZE, comp, clen);
	memcpy(out + o + UMT_CHUNK_HDR_SIZE + clen, h + l->len[k],
	       n - o - l->len[k]);
	/* chunks after @k moved by the difference */
	delta = UMT_CHUNK_HDR_SIZE + clen - l->len[k];
	l->len[k] = UMT_CHUNK_HDR_SIZE + clen;
	for (i = k + 1; i < l->nr; i++)
		l->off[i] += delta;
	l->trailer += delta;
	fix_trailer(out, l->trailer, newlen, l);
	memcpy(d, out, newlen);
	return newlen;
fail:
	return 0;
}

/* Mutate the metadata and fix header_size, the CRC and what follows */
static size_t mutate_header(uint8_t *d, size_t n, size_t max,
			    struct layout *l)
{
	size_t meta = l->hsize - UMT_FILE_HDR_SIZE, room, nm, tail, i;
	uint8_t *m;

	if (!meta || max < n)
		return 0;
	room = meta + (max - n);
	if (room > 4096 + meta)
		room = 4096 + meta;
	m = malloc(room);
	if (!m)
		return 0;
	memcpy(m, d + UMT_FILE_HDR_SIZE, meta);
	nm = LLVMFuzzerMutate(m, meta, room);
	tail = n - l->hsize;
	if (UMT_FILE_HDR_SIZE + nm + tail > max) {
		free(m);
		return 0;
	}
	memmove(d + UMT_FILE_HDR_SIZE + nm, d + l->hsize, tail);
	memcpy(d + UMT_FILE_HDR_SIZE, m, nm);
	free(m);
	wr32(d + UMT_HDR_OFF_SIZE, UMT_FILE_HDR_SIZE + nm);
	fix_header_crc(d, UMT_FILE_HDR_SIZE + nm);
	for (i = 0; i < l->nr; i++)
		l->off[i] = l->off[i] - l->hsize + UMT_FILE_HDR_SIZE + nm;
	l->trailer = l->trailer - l->hsize + UMT_FILE_HDR_SIZE + nm;
	n = UMT_FILE_HDR_SIZE + nm + tail;
	fix_trailer(d, l->trailer, n, l);
	return n;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	struct layout l;
	unsigned int s = seed;
	size_t n = 0;
	int what = rand_r(&s) % 10;

	if (what >= 2 && !parse(data, size, &l)) {
		if (what < 4)
			n = mutate_header(data, size, max_size, &l);
		else if (l.nr)
			n = mutate_chunk(data, size, max_size, &l,
					 rand_r(&s) % l.nr, &s);
	}
	return n ? n : LLVMFuzzerMutate(data, size, max_size);
}
