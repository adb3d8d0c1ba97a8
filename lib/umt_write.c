// SPDX-License-Identifier: GPL-2.0
/*
 * The .umt writer: header, compressed chunks, trailer (docs/FORMAT.md).
 * It only ever appends, so "-" can be a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "umt_int.h"

/* ---- writer ---- */

struct cpu_tot {
	uint64_t records, lost;
};

struct chunk_ent {
	uint64_t offset, ts_min, ts_max;
	uint32_t nr_records;
};

struct umt_writer {
	int fd;
	bool own_fd;
	int err;			/* sticky -errno */
	uint64_t off;			/* bytes written so far */
	uint32_t chunk_size;

	uint8_t *raw, *comp;
	size_t raw_len, raw_cap, comp_cap;
	uint32_t chunk_recs, chunk_first_seq;
	uint64_t chunk_ts_min, chunk_ts_max;

	uint32_t seq;			/* wraps modulo 2^32 */
	uint64_t nr_records, lost, ts_min, ts_max;
	struct umt_type_total *types;
	uint32_t nr_types;
	struct cpu_tot *cpus, cpu_other;
	uint32_t nr_cpus;
	struct chunk_ent *chunks;
	size_t chunks_cap;
	uint32_t nr_chunks;
};

static int write_all(struct umt_writer *w, const void *buf, size_t len,
		     uint32_t *crcp)
{
	const uint8_t *p = buf;

	if (w->err)
		return w->err;
	if (crcp)
		*crcp = crc(*crcp, buf, len);
	while (len) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->err = -errno;
			return w->err;
		}
		p += n;
		len -= n;
		w->off += n;
	}
	return 0;
}

static int write_header(struct umt_writer *w, const struct umt_meta *meta,
			char *errbuf, size_t errlen)
{
	size_t size = UMT_FILE_HDR_SIZE, pos;
	uint8_t *h;
	int i, ret;

	for (i = 0; meta && i < meta->nr_kv; i++)
		size += UMT_META_HDR_SIZE + strlen(meta->kv[i].key) + 1 +
			strlen(meta->kv[i].value) + 1;
	if (meta)
		size += meta->nr_attach *
			(size_t)(UMT_META_HDR_SIZE + UMT_ATTACH_SIZE);
	if (size > UMT_HEADER_MAX) {
		snprintf(errbuf, errlen, "metadata too large: %zu bytes (max %u)",
			 size, UMT_HEADER_MAX);
		return -E2BIG;
	}
	h = calloc(1, size);
	if (!h) {
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(h, UMT_MAGIC, 8);
	put16(h + UMT_HDR_OFF_MAJOR, UMT_VERSION_MAJOR);
	put16(h + UMT_HDR_OFF_MINOR, UMT_VERSION_MINOR);
	put32(h + UMT_HDR_OFF_BOM, UMT_BYTE_ORDER_MARK);
	put32(h + UMT_HDR_OFF_SIZE, size);
	/* bytes 24..31: u64 flags, none defined yet */
	pos = UMT_FILE_HDR_SIZE;
	for (i = 0; meta && i < meta->nr_kv; i++) {
		size_t kl = strlen(meta->kv[i].key) + 1;
		size_t vl = strlen(meta->kv[i].value) + 1;

		put16(h + pos, UMT_META_KV);
		put32(h + pos + 4, kl + vl);
		memcpy(h + pos + 8, meta->kv[i].key, kl);
		memcpy(h + pos + 8 + kl, meta->kv[i].value, vl);
		pos += UMT_META_HDR_SIZE + kl + vl;
	}
	for (i = 0; meta && i < meta->nr_attach; i++) {
		put16(h + pos, UMT_META_ATTACH);
		put32(h + pos + 4, UMT_ATTACH_SIZE);
		umt_attach_encode(h + pos + 8, &meta->attach[i]);
		pos += UMT_META_HDR_SIZE + UMT_ATTACH_SIZE;
	}
	put32(h + UMT_HDR_OFF_CRC, crc(0, h, size));
	ret = write_all(w, h, size, NULL);
	free(h);
	if (ret)
		snprintf(errbuf, errlen, "writing the header: %s",
			 strerror(-ret));
	return ret;
}

static struct umt_writer *writer_open(const char *path,
				      const struct umt_meta *meta, bool excl,
				      char *errbuf, size_t errlen)
{
	struct umt_writer *w;
	int ret;

	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(errbuf, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	w->chunk_size = UMT_CHUNK_SIZE_DEFAULT;
	if (!strcmp(path, "-")) {
		w->fd = STDOUT_FILENO;
	} else {
		/*
		 * The caller rotated any old file away; O_NOFOLLOW keeps a
		 * root recorder from writing through a planted symlink, and
		 * fchmod() fixes the mode of a file that did exist.
		 */
		w->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
			     O_NOFOLLOW | (excl ? O_EXCL : O_TRUNC), 0600);
		if (w->fd < 0) {
			ret = -errno;
			snprintf(errbuf, errlen, "%s: %s", path, strerror(-ret));
			goto fail;
		}
		w->own_fd = true;
		if (fchmod(w->fd, 0600)) {
			ret = -errno;
			snprintf(errbuf, errlen, "%s: chmod 0600: %s", path,
				 strerror(-ret));
			goto fail;
		}
	}
	ret = write_header(w, meta, errbuf, errlen);
	if (ret) {
		struct stat st;

		/* no stub: a header-only file would read as a trace */
		if (w->own_fd && !fstat(w->fd, &st) && S_ISREG(st.st_mode))
			unlink(path);
		goto fail;
	}
	return w;
fail:
	if (w->own_fd)
		close(w->fd);
	free(w);
	errno = -ret;
	return NULL;
}

struct umt_writer *umt_writer_open(const char *path,
				   const struct umt_meta *meta,
				   char *errbuf, size_t errlen)
{
	return writer_open(path, meta, false, errbuf, errlen);
}

struct umt_writer *umt_writer_create(const char *path,
				     const struct umt_meta *meta,
				     char *errbuf, size_t errlen)
{
	return writer_open(path, meta, true, errbuf, errlen);
}

int umt_writer_set_chunk_size(struct umt_writer *w, uint32_t bytes)
{
	if (!bytes || bytes > UMT_CHUNK_SIZE_MAX)
		return -EINVAL;
	w->chunk_size = bytes;
	return 0;
}

uint64_t umt_writer_bytes(const struct umt_writer *w)
{
	return w->off;
}

int umt_writer_flush(struct umt_writer *w)
{
	uint8_t h[UMT_CHUNK_HDR_SIZE] = { 0 };
	uLongf clen;
	size_t need;
	int ret;

	if (w->err)
		return w->err;
	if (!w->chunk_recs)
		return 0;
	need = compressBound(w->raw_len);
	if (grow(&w->comp, &w->comp_cap, need, 1) ||
	    grow(&w->chunks, &w->chunks_cap, w->nr_chunks + 1,
		 sizeof(*w->chunks))) {
		w->err = -ENOMEM;
		return w->err;
	}
	clen = need;
	ret = compress2(w->comp, &clen, w->raw, w->raw_len,
			Z_DEFAULT_COMPRESSION);
	if (ret != Z_OK) {
		w->err = ret == Z_MEM_ERROR ? -ENOMEM : -EIO;
		return w->err;
	}
	memcpy(h, UMT_CHUNK_MAGIC, 8);
	put32(h + 8, w->nr_chunks);
	put32(h + 12, w->chunk_recs);
	put32(h + 16, w->raw_len);
	put32(h + 20, clen);
	put64(h + 24, w->chunk_ts_min);
	put64(h + 32, w->chunk_ts_max);
	put32(h + 40, w->chunk_first_seq);
	put32(h + 44, crc(0, w->comp, clen));
	put16(h + 48, UMT_CHUNK_ZLIB);
	/* 50..51: u16 flags, none defined */
	put32(h + 52, crc(0, h, 52));

	w->chunks[w->nr_chunks++] = (struct chunk_ent){
		.offset = w->off, .ts_min = w->chunk_ts_min,
		.ts_max = w->chunk_ts_max, .nr_records = w->chunk_recs,
	};
	ret = write_all(w, h, sizeof(h), NULL);
	if (!ret)
		ret = write_all(w, w->comp, clen, NULL);
	w->raw_len = 0;
	w->chunk_recs = 0;
	return ret;
}

static struct cpu_tot *cpu_tot(struct umt_writer *w, uint32_t cpu)
{
	if (cpu >= MAX_CPU_SLOTS)
		return &w->cpu_other;
	if (cpu >= w->nr_cpus) {
		struct cpu_tot *c = realloc(w->cpus, (cpu + 1) * sizeof(*c));

		if (!c)
			return NULL;
		memset(c + w->nr_cpus, 0, (cpu + 1 - w->nr_cpus) * sizeof(*c));
		w->cpus = c;
		w->nr_cpus = cpu + 1;
	}
	return &w->cpus[cpu];
}

static int count_record(struct umt_writer *w, uint16_t type, uint32_t cpu,
			const void *payload, uint32_t size)
{
	struct cpu_tot *c;
	uint32_t i;

	for (i = 0; i < w->nr_types; i++) {
		if (w->types[i].type == type)
			break;
	}
	if (i == w->nr_types) {
		struct umt_type_total *t;

		t = realloc(w->types, (i + 1) * sizeof(*t));
		if (!t)
			return -ENOMEM;
		w->types = t;
		t[i].type = type;
		t[i].count = 0;
		w->nr_types++;
	}
	w->types[i].count++;
	c = cpu_tot(w, cpu);
	if (!c)
		return -ENOMEM;
	c->records++;
	if (type == UMT_REC_LOST && size >= sizeof(struct umt_lost)) {
		struct umt_lost l;

		memcpy(&l, payload, sizeof(l));
		w->lost += l.count;
		c = cpu_tot(w, l.cpu);
		if (!c)
			return -ENOMEM;
		c->lost += l.count;
	}
	return 0;
}

int umt_writer_add(struct umt_writer *w, uint16_t type, uint64_t ts,
		   uint32_t cpu, const void *payload, uint32_t size)
{
	size_t need = UMT_REC_HDR_SIZE + ALIGN8(size);
	uint8_t *p;
	int ret;

	if (w->err)
		return w->err;
	if (!type || size > UMT_REC_MAX_PAYLOAD || (size && !payload))
		return -EINVAL;
	if (w->chunk_recs && w->raw_len + need > w->chunk_size) {
		ret = umt_writer_flush(w);
		if (ret)
			return ret;
	}
	if (grow(&w->raw, &w->raw_cap, w->raw_len + need, 1))
		return w->err = -ENOMEM;
	ret = count_record(w, type, cpu, payload, size);
	if (ret)
		return w->err = ret;
	p = w->raw + w->raw_len;
	put16(p, type);
	put16(p + 2, 0);
	put32(p + 4, size);
	put64(p + 8, ts);
	put32(p + 16, cpu);
	put32(p + 20, w->seq);
	if (size)
		memcpy(p + UMT_REC_HDR_SIZE, payload, size);
	/* zero the padding: never leak stale heap bytes into the file */
	memset(p + UMT_REC_HDR_SIZE + size, 0, ALIGN8(size) - size);
	w->raw_len += need;

	if (!w->chunk_recs) {
		w->chunk_first_seq = w->seq;
		w->chunk_ts_min = w->chunk_ts_max = ts;
	}
	if (ts < w->chunk_ts_min)
		w->chunk_ts_min = ts;
	if (ts > w->chunk_ts_max)
		w->chunk_ts_max = ts;
	if (!w->nr_records || ts < w->ts_min)
		w->ts_min = ts;
	if (!w->nr_records || ts > w->ts_max)
		w->ts_max = ts;
	w->chunk_recs++;
	w->nr_records++;
	w->seq++;
	return 0;
}

static int write_trailer(struct umt_writer *w)
{
	uint64_t start = w->off;
	uint32_t c = 0, i, nr_cpus = 0;
	uint8_t b[TRAILER_CHUNK_ENT];
	uint8_t f[TRAILER_FIXED];
	uint64_t len;

	for (i = 0; i < w->nr_cpus; i++)
		nr_cpus += w->cpus[i].records || w->cpus[i].lost;
	nr_cpus += w->cpu_other.records || w->cpu_other.lost;
	len = TRAILER_FIXED + (uint64_t)w->nr_types * TRAILER_TYPE_ENT +
	      (uint64_t)nr_cpus * TRAILER_CPU_ENT +
	      (uint64_t)w->nr_chunks * TRAILER_CHUNK_ENT + UMT_FOOTER_SIZE;
	if (len > UINT32_MAX)
		return w->err = -E2BIG;

	memset(f, 0, sizeof(f));
	memcpy(f, UMT_TRAILER_MAGIC, 8);
	put32(f + 8, len);
	put32(f + 12, w->nr_chunks);
	put64(f + 16, w->nr_records);
	put64(f + 24, w->lost);
	put64(f + 32, w->ts_min);
	put64(f + 40, w->ts_max);
	put32(f + 48, w->nr_types);
	put32(f + 52, nr_cpus);
	write_all(w, f, sizeof(f), &c);
	for (i = 0; i < w->nr_types; i++) {
		memset(b, 0, TRAILER_TYPE_ENT);
		put16(b, w->types[i].type);
		put64(b + 8, w->types[i].count);
		write_all(w, b, TRAILER_TYPE_ENT, &c);
	}
	for (i = 0; i <= w->nr_cpus; i++) {
		const struct cpu_tot *t = i < w->nr_cpus ? &w->cpus[i] :
					  &w->cpu_other;

		if (!t->records && !t->lost)
			continue;
		memset(b, 0, TRAILER_CPU_ENT);
		put32(b, i < w->nr_cpus ? i : UINT32_MAX);
		put64(b + 8, t->records);
		put64(b + 16, t->lost);
		write_all(w, b, TRAILER_CPU_ENT, &c);
	}
	for (i = 0; i < w->nr_chunks; i++) {
		memset(b, 0, TRAILER_CHUNK_ENT);
		put64(b, w->chunks[i].offset);
		put64(b + 8, w->chunks[i].ts_min);
		put64(b + 16, w->chunks[i].ts_max);
		put32(b + 24, w->chunks[i].nr_records);
		write_all(w, b, TRAILER_CHUNK_ENT, &c);
	}
	memset(b, 0, UMT_FOOTER_SIZE);
	put32(b, c);
	put64(b + 8, start);
	memcpy(b + 16, UMT_END_MAGIC, 8);
	return write_all(w, b, UMT_FOOTER_SIZE, NULL);
}

int umt_writer_close(struct umt_writer *w)
{
	int ret;

	if (!w)
		return -EINVAL;
	umt_writer_flush(w);
	if (!w->err)
		write_trailer(w);
	ret = w->err;
	if (w->own_fd && close(w->fd) && !ret)
		ret = -errno;
	free(w->raw);
	free(w->comp);
	free(w->types);
	free(w->cpus);
	free(w->chunks);
	free(w);
	return ret;
}

