// SPDX-License-Identifier: GPL-2.0
/*
 * The .umt trace format's streaming reader.  The byte layout is
 * docs/FORMAT.md; change both together.  The writer is umt_write.c,
 * metadata umt_meta.c, names umt_names.c, shared internals umt_int.h.
 *
 * The reader only ever reads forward (so "-" can be a pipe).  It holds one
 * compressed and one inflated chunk at a time, whatever the file size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "damage.h"
#include "umt_int.h"

/* The payload structs are the on-disk layout: pin their sizes. */
_Static_assert(sizeof(struct umt_ttu) == 88, "umt_ttu layout");
_Static_assert(sizeof(struct umt_tlb_flush) == 8, "umt_tlb_flush layout");
_Static_assert(sizeof(struct umt_lost) == 16, "umt_lost layout");
_Static_assert(sizeof(struct umt_task) == 28, "umt_task layout");
_Static_assert(sizeof(struct umt_stats) == 56, "umt_stats layout");
/* umt_reader.ext is sized by the largest fixed part, umt_ttu's */
_Static_assert(sizeof(struct umt_ttu) >= sizeof(struct umt_stats) &&
	       sizeof(struct umt_ttu) >= sizeof(struct umt_task),
	       "umt_reader.ext too small");

/* ---- reader ---- */

/* Forward-only buffered input that knows the file offset of every byte. */
struct ibuf {
	int fd;
	uint8_t *buf;
	size_t cap, start, end;
	uint64_t off;		/* file offset of buf[start] */
	bool eof;
	int err;		/* -errno of a failed read */
};

/* Make @n bytes available if the file has them; returns how many are. */
static ssize_t ib_fill(struct ibuf *b, size_t n)
{
	if (b->end - b->start >= n)
		return n;
	/* compact only when the tail lacks room: resyncs stay linear */
	if (b->start && b->cap - b->start < n) {
		memmove(b->buf, b->buf + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	if (n > b->cap) {
		uint8_t *p = realloc(b->buf, n);

		if (!p)
			return b->err = -ENOMEM;
		b->buf = p;
		b->cap = n;
	}
	while (b->end - b->start < n && !b->eof) {
		ssize_t got = read(b->fd, b->buf + b->end, b->cap - b->end);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return b->err = -errno;
		}
		if (!got)
			b->eof = true;
		b->end += got;
	}
	return b->end - b->start < n ? b->end - b->start : n;
}

static const uint8_t *ib_ptr(const struct ibuf *b)
{
	return b->buf + b->start;
}

static void ib_skip(struct ibuf *b, size_t n)
{
	b->start += n;
	b->off += n;
}

struct umt_reader {
	struct ibuf in;
	bool own_fd;
	int major, minor;
	struct umt_meta meta;

	uint8_t *raw;			/* the current inflated chunk */
	size_t raw_cap, raw_len, raw_pos;
	uint32_t recs_left;
	int cur;			/* its index in chunks[] */

	struct umt_chunk_info *chunks;
	size_t chunks_cap;
	int nr_chunks, intact;
	uint32_t next_index, next_seq;
	bool seq_known;

	bool done, has_trailer, damaged;
	struct umt_totals totals;
	/* the verdict (damage.h) and what it needs */
	struct umt_damage dmg;
	uint64_t lost_recs, stats_lost, gap_chunks;
	uint64_t type_count[UMT_REC_MAX_KNOWN + 2];	/* last: others */
	uint32_t unlisted;		/* chunks beyond the table's cap */
	int listed_damaged;
	struct umt_chunk_info scratch;	/* for a chunk not listed */

	char *warn;
	size_t warn_len, warn_cap;
	bool warn_full;
	uint8_t unknown_warned[65536 / 8];
	/* zero-extended copy of a short payload; the largest known struct */
	uint64_t ext[(sizeof(struct umt_ttu) + 7) / 8];
};

__attribute__((format(printf, 2, 3)))
static void warn(struct umt_reader *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	size_t n;

	if (r->warn_full)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	/* bounded, like everything else the reader keeps */
	if (r->warn_len + n + 2 > WARN_MAX) {
		r->warn_full = true;
		strcpy(line, "further warnings suppressed");
		n = strlen(line);
	}
	if (grow(&r->warn, &r->warn_cap, r->warn_len + n + 2, 1))
		return;
	memcpy(r->warn + r->warn_len, line, n);
	r->warn_len += n;
	r->warn[r->warn_len++] = '\n';
	r->warn[r->warn_len] = '\0';
}

/* What a chunk header @h says it holds (damaged or not) */
static void chunk_info_fill(struct umt_chunk_info *ci, const uint8_t *h,
			    uint32_t raw_len, uint32_t comp_len, uint32_t nr,
			    uint32_t crc)
{
	ci->raw_len = raw_len;
	ci->comp_len = comp_len;
	ci->nr_records = nr;
	ci->crc32 = crc;
	ci->ts_min = get64(h + 24);
	ci->ts_max = get64(h + 32);
}

/* Record a chunk: damaged if @why != NULL. */
__attribute__((format(printf, 3, 4)))
static struct umt_chunk_info *add_chunk(struct umt_reader *r, uint64_t off,
					const char *why, ...)
{
	struct umt_chunk_info *c;
	va_list ap;

	/*
	 * Bounded: a file of resync bait ("UMTCHUNK" repeated) would
	 * otherwise cost an entry per 8 bytes.  Beyond the caps a chunk is
	 * counted, not listed (docs/FORMAT.md "Reader limits").
	 */
	if (r->nr_chunks >= UMT_MAX_CHUNK_TABLE ||
	    (why && r->listed_damaged >= UMT_MAX_DAMAGED_LISTED)) {
		c = &r->scratch;
		r->unlisted++;
	} else {
		if (grow(&r->chunks, &r->chunks_cap, r->nr_chunks + 1,
			 sizeof(*r->chunks)))
			return NULL;
		c = &r->chunks[r->nr_chunks++];
		r->listed_damaged += !!why;
	}
	memset(c, 0, sizeof(*c));
	c->offset = off;
	c->index = r->next_index;
	if (why) {
		va_start(ap, why);
		vsnprintf(c->why, sizeof(c->why), why, ap);
		va_end(ap);
		c->damaged = true;
		r->damaged = true;
		r->dmg.chunks_damaged++;
		warn(r, "chunk %u at offset %llu: %s", c->index,
		     (unsigned long long)off, c->why);
		umt_damage_at(&r->dmg, off, c->why);
	} else {
		r->intact++;
		r->dmg.chunks_intact++;
	}
	return c;
}

static void parse_meta(struct umt_reader *r, const uint8_t *h, uint32_t size)
{
	uint32_t pos = UMT_FILE_HDR_SIZE;
	bool kv_full = false, at_full = false;

	while (pos + UMT_META_HDR_SIZE <= size) {
		uint16_t type = get16(h + pos);
		uint32_t len = get32(h + pos + 4);
		const uint8_t *p = h + pos + UMT_META_HDR_SIZE;

		if (len > size - pos - UMT_META_HDR_SIZE) {
			warn(r, "header: metadata entry at offset %u overruns the header (%u bytes); rest ignored",
			     pos, len);
			r->damaged = true;
			r->dmg.header_damaged = true;
			umt_damage_at(&r->dmg, pos, "metadata overruns the header");
			return;
		}
		if (type == UMT_META_KV) {
			const uint8_t *k_end = memchr(p, 0, len);
			char *v;

			if (!k_end || k_end == p) {
				warn(r, "header: bad key/value entry at offset %u ignored",
				     pos);
			} else {
				size_t vl = len - (k_end + 1 - p);

				v = strndup((const char *)k_end + 1, vl);
				if (v && umt_meta_set(&r->meta, (const char *)p,
						      v) == -ENOSPC &&
				    !kv_full) {
					warn(r, "header: more than %d key/value entries; rest ignored",
					     UMT_MAX_META);
					kv_full = true;
				}
				free(v);
			}
		} else if (type == UMT_META_ATTACH) {
			uint8_t e[UMT_ATTACH_SIZE] = { 0 };
			struct umt_attach a;

			/* older/newer writers: use the prefix, zero the rest */
			memcpy(e, p, len < sizeof(e) ? len : sizeof(e));
			umt_attach_decode(&a, e);
			if (umt_meta_add_attach(&r->meta, &a) && !at_full) {
				warn(r, "header: more than %d attach entries; rest ignored",
				     UMT_MAX_META);
				at_full = true;
			}
		}
		/* unknown entry types are skipped by their length */
		pos += UMT_META_HDR_SIZE + len;
	}
	if (pos != size) {
		warn(r, "header: %u stray bytes after the metadata ignored",
		     size - pos);
		r->damaged = true;
		r->dmg.header_damaged = true;
		umt_damage_at(&r->dmg, pos, "stray bytes after the metadata");
	}
}

static int read_header(struct umt_reader *r, char *errbuf, size_t errlen)
{
	ssize_t n = ib_fill(&r->in, UMT_FILE_HDR_SIZE);
	const uint8_t *h = ib_ptr(&r->in);
	uint32_t bom, size, stored, c;

	if (n < 0) {
		snprintf(errbuf, errlen, "read: %s", strerror((int)-n));
		return (int)n;
	}
	if (!n) {
		snprintf(errbuf, errlen, "empty file: not a .umt trace");
		return -EINVAL;
	}
	if (memcmp(h, UMT_MAGIC, n < 8 ? n : 8)) {
		snprintf(errbuf, errlen,
			 "not a .umt trace: bad magic %02x %02x %02x %02x... (want \"UMTRACE\\0\")",
			 h[0], n > 1 ? h[1] : 0, n > 2 ? h[2] : 0,
			 n > 3 ? h[3] : 0);
		return -EINVAL;
	}
	if (n < UMT_FILE_HDR_SIZE) {
		snprintf(errbuf, errlen,
			 "file header truncated: %zd of %d bytes (short read)",
			 n, UMT_FILE_HDR_SIZE);
		return -EINVAL;
	}
	bom = get32(h + UMT_HDR_OFF_BOM);
	if (bom == __builtin_bswap32(UMT_BYTE_ORDER_MARK)) {
		snprintf(errbuf, errlen,
			 "trace written big-endian (other-endian host): not supported");
		return -EINVAL;
	}
	if (bom != UMT_BYTE_ORDER_MARK) {
		snprintf(errbuf, errlen, "bad byte-order mark 0x%08x in header",
			 bom);
		return -EINVAL;
	}
	r->major = get16(h + UMT_HDR_OFF_MAJOR);
	r->minor = get16(h + UMT_HDR_OFF_MINOR);
	if (r->major != UMT_VERSION_MAJOR) {
		snprintf(errbuf, errlen,
			 "major %d not supported: this unmaptrace reads major %d (minor 0..%d and newer minors)",
			 r->major, UMT_VERSION_MAJOR, UMT_VERSION_MINOR);
		return -ENOTSUP;
	}
	size = get32(h + UMT_HDR_OFF_SIZE);
	if (size < UMT_FILE_HDR_SIZE || size > UMT_HEADER_MAX) {
		snprintf(errbuf, errlen, "bad header size %u (want %d..%u)",
			 size, UMT_FILE_HDR_SIZE, UMT_HEADER_MAX);
		return -EINVAL;
	}
	n = ib_fill(&r->in, size);
	if (n < 0) {
		snprintf(errbuf, errlen, "read: %s", strerror((int)-n));
		return (int)n;
	}
	if (n < size) {
		snprintf(errbuf, errlen,
			 "file header truncated: %zd of %u bytes (short read)",
			 n, size);
		return -EINVAL;
	}
	h = ib_ptr(&r->in);
	stored = get32(h + UMT_HDR_OFF_CRC);
	c = crc(0, h, UMT_HDR_OFF_CRC);
	c = crc(c, (const uint8_t[4]){ 0 }, 4);
	c = crc(c, h + UMT_HDR_OFF_CRC + 4, size - UMT_HDR_OFF_CRC - 4);
	if (c != stored) {
		/* still try: a damaged key must not hide intact chunks */
		warn(r, "header: CRC mismatch (stored %08x, computed %08x); metadata may be wrong",
		     stored, c);
		r->damaged = true;
		r->dmg.header_damaged = true;
		umt_damage_at(&r->dmg, 0, "header CRC mismatch");
	}
	parse_meta(r, h, size);
	ib_skip(&r->in, size);
	return 0;
}

struct umt_reader *umt_reader_open(const char *path, char *errbuf,
				   size_t errlen)
{
	struct umt_reader *r = calloc(1, sizeof(*r));
	int ret;

	if (!r) {
		snprintf(errbuf, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	r->cur = -1;
	umt_damage_init(&r->dmg);
	if (!strcmp(path, "-")) {
		r->in.fd = STDIN_FILENO;
	} else {
		r->in.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->in.fd < 0) {
			ret = -errno;
			snprintf(errbuf, errlen, "%s", strerror(-ret));
			free(r);
			errno = -ret;
			return NULL;
		}
		r->own_fd = true;
	}
	ret = read_header(r, errbuf, errlen);
	if (ret) {
		umt_reader_close(r);
		errno = -ret;
		return NULL;
	}
	return r;
}

const struct umt_meta *umt_reader_meta(const struct umt_reader *r)
{
	return &r->meta;
}

void umt_reader_version(const struct umt_reader *r, int *major, int *minor)
{
	*major = r->major;
	*minor = r->minor;
}

static void end_of_chunks(struct umt_reader *r, const char *how)
{
	r->done = true;
	r->damaged = true;
	r->dmg.truncated = true;
	umt_damage_at(&r->dmg, r->in.off, "file truncated");
	warn(r, "file truncated: trailer missing%s; %d intact chunks read",
	     how, r->intact);
}

/*
 * After damage at the current position: scan forward for the next chunk
 * or trailer magic.  1 = found (positioned on it), 0 = EOF, < 0 = error.
 */
static int resync(struct umt_reader *r)
{
	uint64_t from = r->in.off;

	for (;;) {
		ssize_t n = r->in.end - r->in.start;
		const uint8_t *p;
		ssize_t i;

		/*
		 * Refill only when a magic no longer fits what is buffered:
		 * a resync every 8 bytes (bait) must not move the window
		 * each time.
		 */
		if (n < 8 && !r->in.eof) {
			n = ib_fill(&r->in, SCAN_WINDOW);
			if (n < 0)
				return (int)n;
		}
		p = ib_ptr(&r->in);
		/* scan all that is buffered: at EOF it may exceed the window */
		n = r->in.end - r->in.start;
		for (i = 0; i + 8 <= n; i++) {
			if (p[i] == 'U' &&
			    (!memcmp(p + i, UMT_CHUNK_MAGIC, 8) ||
			     !memcmp(p + i, UMT_TRAILER_MAGIC, 8))) {
				ib_skip(&r->in, i);
				warn(r, "resynced at offset %llu (%llu bytes skipped)",
				     (unsigned long long)r->in.off,
				     (unsigned long long)(r->in.off - from));
				return 1;
			}
		}
		if (n < 8 || r->in.eof) {
			ib_skip(&r->in, n);
			warn(r, "no chunk found after offset %llu (%llu bytes skipped)",
			     (unsigned long long)from,
			     (unsigned long long)(r->in.off - from));
			return 0;
		}
		ib_skip(&r->in, n - 7);
	}
}

/* Walk the records of an inflated chunk before delivering any of them. */
static const char *check_records(const uint8_t *raw, size_t len,
				 uint32_t nr, char *why, size_t wl)
{
	size_t pos = 0;
	uint32_t i;

	for (i = 0; i < nr; i++) {
		uint32_t size;

		if (len - pos < UMT_REC_HDR_SIZE) {
			snprintf(why, wl, "record %u of %u: header overruns the chunk",
				 i, nr);
			return why;
		}
		size = get32(raw + pos + 4);
		if (ALIGN8(size) > len - pos - UMT_REC_HDR_SIZE) {
			snprintf(why, wl, "record %u of %u: %u-byte payload overruns the chunk",
				 i, nr, size);
			return why;
		}
		pos += UMT_REC_HDR_SIZE + ALIGN8(size);
	}
	if (pos != len) {
		snprintf(why, wl, "%zu bytes after the last of %u records", len - pos,
			 nr);
		return why;
	}
	return NULL;
}

/* 1 = a chunk loaded, 0 = no more chunks, < 0 = fatal; damage is a warning */
static int load_chunk(struct umt_reader *r);
static int read_trailer(struct umt_reader *r);

/*
 * Long (~150 lines): one chunk's checks in file order (header, sizes,
 * CRC, inflate, records), each naming its own damage and where the
 * reader resumes; split, every step would need the same half-read state.
 */
static int load_chunk(struct umt_reader *r)
{
	uint64_t at = r->in.off;
	uint32_t index, nr, raw_len, comp_len, first_seq, stored, c;
	uint16_t method;
	struct umt_chunk_info *ci;
	bool dmg;
	const uint8_t *h;
	char why[128];
	uLongf dlen;
	ssize_t n;
	int ret;

	n = ib_fill(&r->in, 8);
	if (n < 0)
		return (int)n;
	if (!n) {
		end_of_chunks(r, "");
		return 0;
	}
	h = ib_ptr(&r->in);
	if (n == 8 && !memcmp(h, UMT_TRAILER_MAGIC, 8))
		return read_trailer(r);
	if (n < 8 || memcmp(h, UMT_CHUNK_MAGIC, 8)) {
		if (n < 8 && !memcmp(h, UMT_CHUNK_MAGIC, n)) {
			add_chunk(r, at, "short read: %zd of %d header bytes",
				  n, UMT_CHUNK_HDR_SIZE);
			ib_skip(&r->in, n);
			end_of_chunks(r, "");
			return 0;
		}
		if (n < 8 && !memcmp(h, UMT_TRAILER_MAGIC, n)) {
			ib_skip(&r->in, n);
			end_of_chunks(r, " (cut inside it)");
			return 0;
		}
		add_chunk(r, at, "bad chunk magic");
		r->next_index++;
		ib_skip(&r->in, 1);
		ret = resync(r);
		if (ret == 0)
			end_of_chunks(r, "");
		return ret < 0 ? ret : 1;
	}
	n = ib_fill(&r->in, UMT_CHUNK_HDR_SIZE);
	if (n < 0)
		return (int)n;
	h = ib_ptr(&r->in);
	if (n < UMT_CHUNK_HDR_SIZE) {
		add_chunk(r, at, "short read: %zd of %d header bytes", n,
			  UMT_CHUNK_HDR_SIZE);
		ib_skip(&r->in, n);
		end_of_chunks(r, "");
		return 0;
	}
	index = get32(h + 8);
	nr = get32(h + 12);
	raw_len = get32(h + 16);
	comp_len = get32(h + 20);
	first_seq = get32(h + 40);
	stored = get32(h + 44);
	method = get16(h + 48);
	c = crc(0, h, 52);
	if (c != get32(h + 52) || raw_len > UMT_CHUNK_RAW_LIMIT ||
	    comp_len > UMT_CHUNK_RAW_LIMIT + (UMT_CHUNK_RAW_LIMIT >> 8) ||
	    nr > raw_len / UMT_REC_HDR_SIZE) {
		if (c != get32(h + 52))
			add_chunk(r, at, "chunk header CRC mismatch (stored %08x, computed %08x)",
				  get32(h + 52), c);
		else
			add_chunk(r, at, "implausible chunk header (raw %u, compressed %u, %u records)",
				  raw_len, comp_len, nr);
		r->next_index++;
		ib_skip(&r->in, 1);
		ret = resync(r);
		if (ret == 0)
			end_of_chunks(r, "");
		return ret < 0 ? ret : 1;
	}
	/* the header is trustworthy from here on */
	if (index > r->next_index) {
		warn(r, "chunks %u..%u lost in damage before offset %llu",
		     r->next_index, index - 1, (unsigned long long)at);
		r->damaged = true;
		r->gap_chunks += index - r->next_index;
		r->dmg.chunks_missing = r->gap_chunks;
		umt_damage_at(&r->dmg, at, "chunks lost before this one");
	}
	r->next_index = index;
	n = ib_fill(&r->in, UMT_CHUNK_HDR_SIZE + (size_t)comp_len);
	if (n < 0)
		return (int)n;
	h = ib_ptr(&r->in);
	ci = NULL;
	dmg = true;
	if (n < UMT_CHUNK_HDR_SIZE + (ssize_t)comp_len) {
		ci = add_chunk(r, at, "short read: %zd of %u compressed bytes",
			       n - UMT_CHUNK_HDR_SIZE, comp_len);
		ib_skip(&r->in, n);
		r->done = true;
	} else if ((c = crc(0, h + UMT_CHUNK_HDR_SIZE, comp_len)) != stored) {
		ci = add_chunk(r, at, "CRC mismatch (stored %08x, computed %08x)",
			       stored, c);
	} else if (method != UMT_CHUNK_ZLIB) {
		ci = add_chunk(r, at, "unsupported compression method %u",
			       method);
	} else if (grow(&r->raw, &r->raw_cap, raw_len ? raw_len : 1, 1)) {
		return -ENOMEM;
	} else {
		dlen = raw_len;
		ret = uncompress(r->raw, &dlen, h + UMT_CHUNK_HDR_SIZE,
				 comp_len);
		if (ret != Z_OK)
			ci = add_chunk(r, at, "zlib error: %s", zError(ret));
		else if (dlen != raw_len)
			ci = add_chunk(r, at, "inflated %lu bytes, header says %u",
				       (unsigned long)dlen, raw_len);
		else if (check_records(r->raw, raw_len, nr, why, sizeof(why)))
			ci = add_chunk(r, at, "%s", why);
		else
			dmg = false;
	}
	if (dmg) {
		if (!ci)
			return -ENOMEM;
		/* a damaged chunk still tells what it held */
		chunk_info_fill(ci, h, raw_len, comp_len, nr, stored);
		r->dmg.records_damaged += nr;
		r->next_index++;
		r->next_seq = first_seq + nr;
		r->seq_known = true;
		if (r->done) {
			end_of_chunks(r, "");
			return 0;
		}
		ib_skip(&r->in, UMT_CHUNK_HDR_SIZE + comp_len);
		return 1;
	}
	if (r->seq_known && first_seq != r->next_seq) {
		warn(r, "records %u..%u missing before chunk %u at offset %llu",
		     r->next_seq, first_seq - 1, index,
		     (unsigned long long)at);
		r->damaged = true;
		r->dmg.records_missing += (uint32_t)(first_seq - r->next_seq);
		umt_damage_at(&r->dmg, at, "records missing before this chunk");
	}
	ci = add_chunk(r, at, NULL);
	if (!ci)
		return -ENOMEM;
	chunk_info_fill(ci, h, raw_len, comp_len, nr, stored);
	r->cur = r->nr_chunks - 1;
	r->raw_len = raw_len;
	r->raw_pos = 0;
	r->recs_left = nr;
	r->next_index = index + 1;
	r->next_seq = first_seq + nr;
	r->seq_known = true;
	ib_skip(&r->in, UMT_CHUNK_HDR_SIZE + comp_len);
	return 1;
}

/* Binary search: was an intact chunk read at @off?  chunks[] is sorted. */
static const struct umt_chunk_info *chunk_at(const struct umt_reader *r,
					     uint64_t off)
{
	int lo = 0, hi = r->nr_chunks - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (r->chunks[mid].offset == off)
			return &r->chunks[mid];
		if (r->chunks[mid].offset < off)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/*
 * A valid trailer's totals against what was read, when nothing else is
 * damaged (then a difference is expected and already named): a trailer
 * that claims records, lost events or types the chunks do not hold.
 */
static void check_totals(struct umt_reader *r)
{
	const struct umt_totals *t = &r->totals;
	uint64_t seen = r->dmg.records + r->dmg.records_damaged;
	uint64_t want[UMT_REC_MAX_KNOWN + 2] = { 0 };
	uint32_t i;
	int k;

	if (r->damaged)
		return;
	for (i = 0; i < t->nr_types; i++) {
		k = t->types[i].type <= UMT_REC_MAX_KNOWN ?
		    t->types[i].type : UMT_REC_MAX_KNOWN + 1;
		want[k] += t->types[i].count;
	}
	if (t->nr_records != seen) {
		warn(r, "trailer: %llu records written, %llu read",
		     (unsigned long long)t->nr_records,
		     (unsigned long long)seen);
	} else if (t->lost != r->lost_recs) {
		warn(r, "trailer: %llu events lost, the LOST records say %llu",
		     (unsigned long long)t->lost,
		     (unsigned long long)r->lost_recs);
	} else {
		for (k = 0; k <= UMT_REC_MAX_KNOWN + 1; k++)
			if (want[k] != r->type_count[k])
				break;
		if (k > UMT_REC_MAX_KNOWN + 1)
			return;
		warn(r, "trailer: %llu records of type %d written, %llu read",
		     (unsigned long long)want[k], k,
		     (unsigned long long)r->type_count[k]);
	}
	r->damaged = true;
	r->dmg.totals_mismatch = true;
	if (t->nr_records > seen)
		r->dmg.records_missing += t->nr_records - seen;
}

/*
 * The trailer is read like everything else: forward, in pieces, with its
 * CRC computed on the way.  Its chunk index is checked against what was
 * read, so chunks lost in a damaged region are named.  Long (~125
 * lines) for that reason: its tables are read and checked in file order.
 */
static int read_trailer(struct umt_reader *r)
{
	struct umt_totals *t = &r->totals;
	uint64_t at = r->in.off, nr_records, missing = 0;
	uint32_t len, nr_types, nr_cpus, nr_chunks, i, c = 0;
	const uint8_t *p;
	const char *bad = NULL;
	char why[160];
	ssize_t n;

	n = ib_fill(&r->in, TRAILER_FIXED);
	if (n < 0)
		return (int)n;
	p = ib_ptr(&r->in);
	if (n < TRAILER_FIXED) {
		ib_skip(&r->in, n);
		goto cut;
	}
	len = get32(p + 8);
	nr_chunks = get32(p + 12);
	nr_records = get64(p + 16);
	nr_types = get32(p + 48);
	nr_cpus = get32(p + 52);
	if (nr_types > MAX_TRAILER_TYPES || nr_cpus > MAX_TRAILER_CPUS ||
	    nr_chunks > MAX_TRAILER_CHUNKS ||
	    len != TRAILER_FIXED + nr_types * TRAILER_TYPE_ENT +
		   (uint64_t)nr_cpus * TRAILER_CPU_ENT +
		   (uint64_t)nr_chunks * TRAILER_CHUNK_ENT + UMT_FOOTER_SIZE) {
		bad = "inconsistent lengths";
		goto bad;
	}
	free(t->types);
	free(t->cpus);
	memset(t, 0, sizeof(*t));
	t->types = calloc(nr_types ? nr_types : 1, sizeof(*t->types));
	t->cpus = calloc(nr_cpus ? nr_cpus : 1, sizeof(*t->cpus));
	if (!t->types || !t->cpus)
		return -ENOMEM;
	t->nr_chunks = nr_chunks;
	t->nr_records = nr_records;
	t->lost = get64(p + 24);
	t->ts_min = get64(p + 32);
	t->ts_max = get64(p + 40);
	t->nr_types = nr_types;
	t->nr_cpus = nr_cpus;
	c = crc(c, p, TRAILER_FIXED);
	ib_skip(&r->in, TRAILER_FIXED);

	for (i = 0; i < nr_types; i++) {
		if (ib_fill(&r->in, TRAILER_TYPE_ENT) < TRAILER_TYPE_ENT)
			goto cut;
		p = ib_ptr(&r->in);
		t->types[i].type = get16(p);
		t->types[i].count = get64(p + 8);
		c = crc(c, p, TRAILER_TYPE_ENT);
		ib_skip(&r->in, TRAILER_TYPE_ENT);
	}
	for (i = 0; i < nr_cpus; i++) {
		if (ib_fill(&r->in, TRAILER_CPU_ENT) < TRAILER_CPU_ENT)
			goto cut;
		p = ib_ptr(&r->in);
		t->cpus[i].cpu = get32(p);
		t->cpus[i].records = get64(p + 8);
		t->cpus[i].lost = get64(p + 16);
		c = crc(c, p, TRAILER_CPU_ENT);
		ib_skip(&r->in, TRAILER_CPU_ENT);
	}
	for (i = 0; i < nr_chunks; i++) {
		const struct umt_chunk_info *ci;
		uint64_t off;

		if (ib_fill(&r->in, TRAILER_CHUNK_ENT) < TRAILER_CHUNK_ENT)
			goto cut;
		p = ib_ptr(&r->in);
		off = get64(p);
		c = crc(c, p, TRAILER_CHUNK_ENT);
		ib_skip(&r->in, TRAILER_CHUNK_ENT);
		ci = chunk_at(r, off);
		/* past the table's cap a chunk is not listed: unknown */
		if (!ci && r->unlisted && r->nr_chunks &&
		    off > r->chunks[r->nr_chunks - 1].offset)
			continue;
		if (!ci && missing++ < 16)
			warn(r, "chunk %u at offset %llu (per the trailer index) was not found",
			     i, (unsigned long long)off);
	}
	if (ib_fill(&r->in, UMT_FOOTER_SIZE) < UMT_FOOTER_SIZE)
		goto cut;
	p = ib_ptr(&r->in);
	if (get32(p) != c) {
		snprintf(why, sizeof(why), "CRC mismatch (stored %08x, computed %08x)",
			 get32(p), c);
		bad = why;
	} else if (memcmp(p + 16, UMT_END_MAGIC, 8)) {
		bad = "bad end magic";
	} else if (get64(p + 8) != at) {
		bad = "footer points elsewhere";
	}
	ib_skip(&r->in, UMT_FOOTER_SIZE);
	if (bad)
		goto bad;
	if (missing) {
		r->damaged = true;
		if (missing > 16)
			warn(r, "%llu chunks of the trailer index not found",
			     (unsigned long long)missing);
		if (missing > r->dmg.chunks_missing)
			r->dmg.chunks_missing = missing;
		umt_damage_at(&r->dmg, at, "chunks of the trailer index not found");
	}
	r->has_trailer = true;
	r->done = true;
	check_totals(r);
	n = ib_fill(&r->in, 1);
	if (n > 0) {
		warn(r, "data after the trailer at offset %llu ignored",
		     (unsigned long long)r->in.off);
		r->damaged = true;
		r->dmg.other = true;
		umt_damage_at(&r->dmg, r->in.off, "data after the trailer");
	}
	return n < 0 ? (int)n : 0;
bad:
	warn(r, "trailer at offset %llu damaged: %s; its totals ignored; %d intact chunks read",
	     (unsigned long long)at, bad, r->intact);
	r->damaged = true;
	r->dmg.trailer_damaged = true;
	umt_damage_at(&r->dmg, at, "trailer damaged");
	r->done = true;
	return 0;
cut:
	snprintf(why, sizeof(why), " (cut at offset %llu inside the one at %llu)",
		 (unsigned long long)(r->in.off + (r->in.end - r->in.start)),
		 (unsigned long long)at);
	end_of_chunks(r, why);
	return 0;
}

/* Size a reader must see for @type, or 0 if it does not know the type. */
static int known_size(uint16_t type, const uint8_t *p, uint32_t size,
		      uint32_t *known, char *why, size_t wl)
{
	uint32_t slots;

	switch (type) {
	case UMT_REC_TTU:
		slots = 0;
		if (size >= offsetof(struct umt_ttu, nr_slots) + 4)
			slots = get32(p + offsetof(struct umt_ttu, nr_slots));
		if (slots > UMT_MAX_SLOTS) {
			snprintf(why, wl, "nr_slots %u > %u", slots,
				 UMT_MAX_SLOTS);
			return -1;
		}
		*known = sizeof(struct umt_ttu) + 4 * slots;
		if (slots && size < *known) {
			snprintf(why, wl, "%u-byte payload cannot hold %u slots",
				 size, slots);
			return -1;
		}
		return 0;
	case UMT_REC_TLB_FLUSH:
		*known = sizeof(struct umt_tlb_flush);
		return 0;
	case UMT_REC_LOST:
		*known = sizeof(struct umt_lost);
		return 0;
	case UMT_REC_TASK:
		*known = sizeof(struct umt_task);
		return 0;
	case UMT_REC_STATS:
		*known = sizeof(struct umt_stats);
		return 0;
	}
	*known = 0;
	return 0;
}

/* What the verdict counts of a delivered record */
static void account(struct umt_reader *r, const struct umt_rec *rec)
{
	const struct umt_lost *l = rec->payload;
	const struct umt_stats *st = rec->payload;
	uint64_t lost;

	r->dmg.records++;
	r->type_count[rec->type <= UMT_REC_MAX_KNOWN ? rec->type :
		      UMT_REC_MAX_KNOWN + 1]++;
	if (rec->type == UMT_REC_TTU)
		r->dmg.calls++;
	else if (rec->type == UMT_REC_LOST)
		r->lost_recs = __builtin_add_overflow(r->lost_recs, l->count,
						      &lost) ? UINT64_MAX :
			       lost;
	else if (rec->type == UMT_REC_STATS && st->lost > r->stats_lost)
		r->stats_lost = st->lost;
	/* the kernel-side total covers drops no LOST record reached */
	r->dmg.lost = r->stats_lost > r->lost_recs ? r->stats_lost :
		      r->lost_recs;
}

int umt_reader_next(struct umt_reader *r, struct umt_rec *rec)
{
	for (;;) {
		const struct umt_chunk_info *ci;
		const uint8_t *p;
		uint32_t known;
		char why[96];
		int ret;

		if (!r->recs_left) {
			if (r->done)
				return 0;
			ret = load_chunk(r);
			if (ret < 0)
				return ret;
			continue;
		}
		ci = &r->chunks[r->cur];
		p = r->raw + r->raw_pos;
		memset(rec, 0, sizeof(*rec));
		rec->type = get16(p);
		rec->flags = get16(p + 2);
		rec->size = get32(p + 4);
		rec->ts = get64(p + 8);
		rec->cpu = get32(p + 16);
		rec->seq = get32(p + 20);
		rec->payload = p + UMT_REC_HDR_SIZE;
		r->raw_pos += UMT_REC_HDR_SIZE + ALIGN8(rec->size);
		r->recs_left--;

		if (known_size(rec->type, rec->payload, rec->size, &known,
			       why, sizeof(why))) {
			warn(r, "chunk %u at offset %llu: record seq %u (%s) damaged: %s; skipped",
			     ci->index, (unsigned long long)ci->offset,
			     rec->seq, umt_rec_type_name(rec->type), why);
			r->damaged = true;
			r->dmg.records_damaged++;
			umt_damage_at(&r->dmg, ci->offset, why);
			continue;
		}
		if (!known &&
		    !(r->unknown_warned[rec->type / 8] & 1u << rec->type % 8)) {
			r->unknown_warned[rec->type / 8] |= 1u << rec->type % 8;
			warn(r, "record type %u unknown to this unmaptrace (file version %d.%d); such records are skipped",
			     rec->type, r->major, r->minor);
		}
		if (rec->size < known) {
			/* known <= sizeof(ext): short TTUs carry no slots */
			memset(r->ext, 0, known);
			memcpy(r->ext, rec->payload, rec->size);
			rec->payload = r->ext;
			rec->short_payload = true;
		}
		account(r, rec);
		return 1;
	}
}

const char *umt_reader_warnings(const struct umt_reader *r)
{
	return r->warn ? r->warn : "";
}

int umt_reader_chunks(const struct umt_reader *r,
		      const struct umt_chunk_info **chunks)
{
	*chunks = r->chunks;
	return r->nr_chunks;
}

bool umt_reader_has_trailer(const struct umt_reader *r)
{
	return r->has_trailer;
}

const struct umt_totals *umt_reader_totals(const struct umt_reader *r)
{
	return r->has_trailer ? &r->totals : NULL;
}

bool umt_reader_damaged(const struct umt_reader *r)
{
	return r->damaged;
}

const struct umt_damage *umt_reader_damage(const struct umt_reader *r)
{
	return &r->dmg;
}

uint32_t umt_reader_unlisted(const struct umt_reader *r)
{
	return r->unlisted;
}

void umt_reader_close(struct umt_reader *r)
{
	if (!r)
		return;
	if (r->own_fd)
		close(r->in.fd);
	umt_meta_free(&r->meta);
	free(r->in.buf);
	free(r->raw);
	free(r->chunks);
	free(r->totals.types);
	free(r->totals.cpus);
	free(r->warn);
	free(r);
}

