/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the .umt format code (lib/umt*.c): layout constants of the
 * trailer and the reader, little-endian field access, the header's CRC
 * and the umt_attach TLV.  Not for callers: they use umt.h.
 */
#ifndef UMT_INT_H
#define UMT_INT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "umt.h"

/* Payloads are copied as the caller's host-order structs. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the .umt code assumes a little-endian host (x86, arm64)"
#endif

/* in size_t: a u32 record size of 0xFFFFFFF9.. must not wrap to 0 */
#define ALIGN8(x)		(((size_t)(x) + 7) & ~(size_t)7)
#define TRAILER_FIXED		56
#define TRAILER_TYPE_ENT	16
#define TRAILER_CPU_ENT		24
#define TRAILER_CHUNK_ENT	32
#define MAX_CPU_SLOTS		65536	/* per-CPU totals; above: one bucket */
#define MAX_TRAILER_TYPES	65536
#define MAX_TRAILER_CPUS	(MAX_CPU_SLOTS + 1)
#define MAX_TRAILER_CHUNKS	(1u << 26)
#define WARN_MAX		(64u << 10)
#define SCAN_WINDOW		(64u << 10)

/* ---- little-endian field access ---- */

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static inline uint16_t get16(const uint8_t *p)
{
	return p[0] | (uint16_t)p[1] << 8;
}

static inline uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static inline uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static inline uint32_t crc(uint32_t c, const void *buf, size_t len)
{
	/* zlib's crc32() takes uInt lengths; chunks are far below 4 GiB */
	return crc32(c, buf, len);
}


/* Grow the array *@pp of @elem-sized entries to hold @need: 0 or -ENOMEM */
static inline int grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	void **p = pp;
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* Serialized umt_attach (UMT_ATTACH_SIZE bytes), umt_meta.c */
void umt_attach_encode(uint8_t *p, const struct umt_attach *a);
void umt_attach_decode(struct umt_attach *a, const uint8_t *p);

#endif
