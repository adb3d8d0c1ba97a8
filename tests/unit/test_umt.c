// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lib/umt.c: round trips, chunking, and every kind of damage the
 * reader must survive.  Prints "PASS name" / "FAIL name: why" per case.
 *
 *   test_umt                              run every test
 *   test_umt --fixture basic|newer|major|sizes PATH [NR [CHUNK]]
 *       write a trace for tests/cli: records 0..NR-1 (default 500) in
 *       CHUNK-byte chunks (default 2048); "newer" adds records of unknown
 *       type 99 and bumps the minor, "major" bumps the major.
 */
#define _GNU_SOURCE		/* memmem */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "umt.h"

#define UNKNOWN_TYPE	99

static char tmpdir[256];
static char why[1024];
static int nr_failed;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
			return -1;					\
		}							\
	} while (0)

/* CHECK that also closes reader r and frees buffer f, or just r */
#define CUTCHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
			umt_reader_close(r);				\
			free(f);					\
			return -1;					\
		}							\
	} while (0)
#define RCHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
			umt_reader_close(r);				\
			return -1;					\
		}							\
	} while (0)

static void run(const char *name, int (*fn)(void))
{
	why[0] = '\0';
	if (fn()) {
		printf("FAIL %s: %s\n", name, why);
		nr_failed++;
	} else {
		printf("PASS %s\n", name);
	}
	fflush(stdout);
}

static const char *tmp(const char *name)
{
	static char path[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, name);
	return path[i];
}

/* ---- deterministic sample records: record i is a pure function of i ---- */

struct sample {
	uint16_t type;
	uint64_t ts;
	uint32_t cpu;
	uint32_t size;
	union {
		struct umt_ttu ttu;
		uint8_t bytes[sizeof(struct umt_ttu) + 4 * UMT_MAX_SLOTS + 64];
	} u;
};

static void gen(uint32_t i, bool unknown, struct sample *s)
{
	memset(s, 0, sizeof(*s));
	s->ts = 1000000000ull + i * 1000ull + (i % 3);
	s->cpu = i % 4;
	if (i % 50 == 49) {
		struct umt_stats st = {
			.ttu_calls = i, .rmap_calls = 2 * i,
			.rmap_pages = 3 * i,
			.tlb_flushes = 4, .tlbbatch_flushes = 5, .rss_stat = 6,
			.lost = 7,
		};

		s->type = UMT_REC_STATS;
		s->size = sizeof(st);
		memcpy(s->u.bytes, &st, sizeof(st));
	} else if (i % 10 == 0) {
		struct umt_task t = { .task_id = i, .tgid = 1000 + i,
				      .pid = 2000 + i };

		snprintf(t.comm, sizeof(t.comm), "task%u", i);
		s->type = UMT_REC_TASK;
		s->size = sizeof(t);
		memcpy(s->u.bytes, &t, sizeof(t));
	} else if (i % 10 == 5) {
		struct umt_lost l = { .cpu = i % 4, .count = i };

		s->type = UMT_REC_LOST;
		s->size = sizeof(l);
		memcpy(s->u.bytes, &l, sizeof(l));
	} else if (i % 10 == 7) {
		struct umt_tlb_flush f = { .task_id = i, .in_ttu = 0 };

		s->type = UMT_REC_TLB_FLUSH;
		s->size = sizeof(f);
		memcpy(s->u.bytes, &f, sizeof(f));
	} else if (unknown && i % 10 == 3) {
		s->type = UNKNOWN_TYPE;
		s->size = 12;
		memset(s->u.bytes, 0xa0 + i % 16, 12);
	} else {
		struct umt_ttu *t = &s->u.ttu;
		uint32_t k;

		s->type = UMT_REC_TTU;
		t->task_id = i % 7;
		t->mm_id = i % 5;
		t->vma_id = i % 11;
		t->folio_id = i;
		t->nr_pages = 1u << (i % 5);
		t->kind = i % UMT_KIND_NR;
		t->folio_flags = t->nr_pages > 1 ? UMT_FOLIO_LARGE : 0;
		t->ttu_flags = UMT_TTU_BATCH_FLUSH;
		t->vma_flags = i % 2 ? UMT_VMA_SHARED : 0;
		t->nr_slots = i % 20;
		t->vma_start_page = -(int32_t)(i % 3);
		t->vma_end_page = 32;
		t->defer_flush = i % 2;
		t->ret = 1;
		t->has_live = 1;
		t->live_rmap_calls = 1;
		t->live_rmap_pages = t->nr_pages;
		for (k = 0; k < t->nr_slots; k++)
			t->slots[k] = UMT_SLOT_MAKE(UMT_SLOT_THIS, k,
						    UMT_PTE_YOUNG);
		s->size = sizeof(*t) + 4 * t->nr_slots;
	}
}

static void sample_meta(struct umt_meta *m)
{
	struct umt_attach a = { .hook = "ttu", .symbol = "try_to_unmap_one",
				.mechanism = "fentry" };

	memset(m, 0, sizeof(*m));
	umt_meta_set(m, UMT_KEY_KERNEL, "6.12.0-test");
	umt_meta_set(m, UMT_KEY_ARCH, "x86");
	umt_meta_set(m, UMT_KEY_PAGE_SIZE, "4096");
	umt_meta_set(m, UMT_KEY_NR_CPUS, "4");
	umt_meta_set(m, UMT_KEY_WORKLOAD, "unit-test");
	umt_meta_add_attach(m, &a);
	a = (struct umt_attach){ .hook = "tlbbatch",
				 .symbol = "arch_tlbbatch_flush",
				 .mechanism = "kprobe", .err = -2,
				 .note = "not traceable here" };
	umt_meta_add_attach(m, &a);
}

/* Write records 0..nr-1; chunk == 0 keeps the default chunk size. */
/* A writer of @path with sample_meta()'s header, or NULL after a message */
static struct umt_writer *sample_writer(const char *path)
{
	char err[256];
	struct umt_writer *w;
	struct umt_meta m;

	sample_meta(&m);
	w = umt_writer_open(path, &m, err, sizeof(err));
	umt_meta_free(&m);
	if (!w)
		fprintf(stderr, "umt_writer_open: %s\n", err);
	return w;
}

static int write_sample(const char *path, uint32_t nr, uint32_t chunk,
			bool unknown)
{
	struct umt_writer *w = sample_writer(path);
	struct sample s;
	uint32_t i;
	int ret = 0;

	if (!w)
		return -1;
	if (chunk)
		ret = umt_writer_set_chunk_size(w, chunk);
	for (i = 0; i < nr && !ret; i++) {
		gen(i, unknown, &s);
		ret = umt_writer_add(w, s.type, s.ts, s.cpu, s.u.bytes, s.size);
	}
	if (umt_writer_close(w) || ret)
		return -1;
	return 0;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*len = st.st_size;
	*buf = malloc(*len ? *len : 1);
	if (!*buf || read(fd, *buf, *len) != (ssize_t)*len) {
		close(fd);
		free(*buf);
		return -1;
	}
	close(fd);
	return 0;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len)
		ret = -1;
	close(fd);
	return ret;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void set_le16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

/* Recompute the header CRC after patching a header field. */
static void fix_header_crc(uint8_t *f)
{
	uint32_t size = le32(f + UMT_HDR_OFF_SIZE), c;

	set_le32(f + UMT_HDR_OFF_CRC, 0);
	c = crc32(0, f, size);
	set_le32(f + UMT_HDR_OFF_CRC, c);
}

/* What a reader delivered, checked against gen() as it goes. */
struct result {
	uint32_t nr;			/* records delivered */
	uint32_t by_type[UNKNOWN_TYPE + 1];
	uint32_t mismatches;
	char first_mismatch[200];
	int last_ret;
};

static void note_mismatch(struct result *res, const char *fmt, ...)
{
	va_list ap;

	if (!res->mismatches++) {
		va_start(ap, fmt);
		vsnprintf(res->first_mismatch, sizeof(res->first_mismatch),
			  fmt, ap);
		va_end(ap);
	}
}

/* Read everything; @skip_seq[seq] marks records expected to be missing. */
static void read_all(struct umt_reader *r, bool unknown, struct result *res)
{
	struct umt_rec rec;
	struct sample s;
	int ret;

	memset(res, 0, sizeof(*res));
	while ((ret = umt_reader_next(r, &rec)) == 1) {
		gen(rec.seq, unknown, &s);
		res->nr++;
		if (rec.type <= UNKNOWN_TYPE)
			res->by_type[rec.type]++;
		if (rec.type != s.type || rec.ts != s.ts || rec.cpu != s.cpu ||
		    rec.size != s.size || rec.short_payload ||
		    memcmp(rec.payload, s.u.bytes, s.size))
			note_mismatch(res, "record seq %u differs (type %u/%u size %u/%u)",
				      rec.seq, rec.type, s.type, rec.size,
				      s.size);
	}
	res->last_ret = ret;
}

static int count_substr(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay++;
	}
	return n;
}

/* A file from a newer minor (same layout) or major: patch the header. */
static int bump_version(const char *path, int major, int minor)
{
	uint8_t *f;
	size_t len;
	int ret;

	if (read_file(path, &f, &len))
		return 1;
	set_le16(f + UMT_HDR_OFF_MAJOR, UMT_VERSION_MAJOR + major);
	set_le16(f + UMT_HDR_OFF_MINOR, UMT_VERSION_MINOR + minor);
	fix_header_crc(f);
	ret = write_file(path, f, len) ? 1 : 0;
	free(f);
	return ret;
}

/* ---- tests ---- */

static int test_meta_helpers(void)
{
	struct umt_meta m;
	struct umt_attach a = { .hook = "h" };
	char key[32];
	int i;

	memset(&m, 0, sizeof(m));
	CHECK(!umt_meta_set(&m, "a", "1"), "set a");
	CHECK(!umt_meta_set(&m, "a", "2"), "replace a");
	CHECK(m.nr_kv == 1, "replace added an entry (%d)", m.nr_kv);
	CHECK(umt_meta_get(&m, "a") && !strcmp(umt_meta_get(&m, "a"), "2"),
	      "get a after replace");
	CHECK(!umt_meta_get(&m, "b"), "get of a missing key");
	CHECK(umt_meta_set(&m, "", "x") == -EINVAL, "empty key accepted");
	for (i = 1; i < UMT_MAX_META; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		CHECK(!umt_meta_set(&m, key, "v"), "set %s", key);
	}
	CHECK(umt_meta_set(&m, "one-too-many", "v") == -ENOSPC,
	      "65th key not refused");
	for (i = 0; i < UMT_MAX_META; i++)
		CHECK(!umt_meta_add_attach(&m, &a), "attach %d", i);
	CHECK(umt_meta_add_attach(&m, &a) == -ENOSPC, "65th attach accepted");
	umt_meta_free(&m);
	CHECK(m.nr_kv == 0 && m.nr_attach == 0, "free did not reset");
	return 0;
}

static int test_roundtrip_all_types(void)
{
	const char *path = tmp("rt.umt");
	const struct umt_meta *m;
	const struct umt_totals *t;
	const struct umt_chunk_info *ci;
	struct umt_writer *w;
	struct umt_reader *r;
	struct umt_meta meta;
	struct result res;
	struct stat st;
	char err[256];
	int major, minor, fd, nc;
	uint64_t bytes;
	uint32_t i;

	/* an existing, wider-mode file must end up 0600 */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "create %s", path);
	CHECK(!fchmod(fd, 0644), "chmod");
	close(fd);

	sample_meta(&meta);
	/* over-long strings are cut to the field, never overflow it */
	memset(meta.attach[0].note, 'n', sizeof(meta.attach[0].note));
	w = umt_writer_open(path, &meta, err, sizeof(err));
	CHECK(w, "writer_open: %s", err);
	for (i = 0; i < 100; i++) {
		struct sample s;

		gen(i, false, &s);
		CHECK(!umt_writer_add(w, s.type, s.ts, s.cpu, s.u.bytes,
				      s.size), "add %u", i);
	}
	bytes = umt_writer_bytes(w);
	CHECK(!umt_writer_close(w), "writer_close");
	CHECK(!stat(path, &st), "stat");
	CHECK((st.st_mode & 0777) == 0600, "mode %o, want 0600",
	      st.st_mode & 0777);
	CHECK(bytes > 0 && bytes < (uint64_t)st.st_size,
	      "writer_bytes %llu before close vs file %lld",
	      (unsigned long long)bytes, (long long)st.st_size);

	r = umt_reader_open(path, err, sizeof(err));
	CHECK(r, "reader_open: %s", err);
	umt_reader_version(r, &major, &minor);
	CHECK(major == UMT_VERSION_MAJOR && minor == UMT_VERSION_MINOR,
	      "version %d.%d", major, minor);
	m = umt_reader_meta(r);
	CHECK(m->nr_kv == meta.nr_kv, "%d keys, want %d", m->nr_kv,
	      meta.nr_kv);
	for (i = 0; i < (uint32_t)meta.nr_kv; i++) {
		const char *v = umt_meta_get(m, meta.kv[i].key);

		CHECK(v && !strcmp(v, meta.kv[i].value), "key %s",
		      meta.kv[i].key);
	}
	CHECK(m->nr_attach == 2, "%d attach entries", m->nr_attach);
	CHECK(!strcmp(m->attach[0].symbol, "try_to_unmap_one") &&
	      !strcmp(m->attach[0].mechanism, "fentry") &&
	      m->attach[0].err == 0 &&
	      strlen(m->attach[0].note) == sizeof(m->attach[0].note) - 1,
	      "attach[0] differs");
	CHECK(!strcmp(m->attach[1].hook, "tlbbatch") &&
	      m->attach[1].err == -2 &&
	      !strcmp(m->attach[1].note, "not traceable here"),
	      "attach[1] differs");
	umt_meta_free(&meta);

	read_all(r, false, &res);
	CHECK(res.last_ret == 0, "reader_next returned %d", res.last_ret);
	CHECK(!res.mismatches, "%s", res.first_mismatch);
	CHECK(res.nr == 100, "%u records read", res.nr);
	CHECK(res.by_type[UMT_REC_TTU] && res.by_type[UMT_REC_TASK] &&
	      res.by_type[UMT_REC_LOST] && res.by_type[UMT_REC_TLB_FLUSH] &&
	      res.by_type[UMT_REC_STATS] == 2, "a record type is missing");
	CHECK(!*umt_reader_warnings(r), "warnings: %s",
	      umt_reader_warnings(r));
	CHECK(!umt_reader_damaged(r), "clean file reported damaged");
	CHECK(umt_reader_has_trailer(r), "no trailer");
	t = umt_reader_totals(r);
	CHECK(t && t->nr_records == 100 && t->nr_chunks == 1,
	      "trailer totals");
	/* LOST records i = 5, 15, ... 95 carry count i */
	CHECK(t->lost == 500, "trailer lost %llu, want 500",
	      (unsigned long long)t->lost);
	nc = umt_reader_chunks(r, &ci);
	CHECK(nc == 1 && !ci[0].damaged && ci[0].nr_records == 100 &&
	      ci[0].ts_min == 1000000000ull &&
	      ci[0].ts_max == 1000000000ull + 99 * 1000 + 0,
	      "chunk table");
	umt_reader_close(r);
	return 0;
}

static int test_many_chunks(void)
{
	const char *path = tmp("many.umt");
	const struct umt_chunk_info *ci;
	const struct umt_totals *t;
	struct umt_reader *r;
	struct result res;
	char err[256];
	uint64_t sum = 0;
	uint32_t i;
	int nc, j;

	CHECK(!write_sample(path, 20000, 4096, false), "write");
	r = umt_reader_open(path, err, sizeof(err));
	CHECK(r, "open: %s", err);
	read_all(r, false, &res);
	CHECK(res.last_ret == 0 && !res.mismatches && res.nr == 20000,
	      "read %u records (ret %d): %s", res.nr, res.last_ret,
	      res.first_mismatch);
	nc = umt_reader_chunks(r, &ci);
	CHECK(nc > 100, "only %d chunks for 20000 records at 4 KiB", nc);
	for (j = 0; j < nc; j++) {
		CHECK(!ci[j].damaged && ci[j].index == (uint32_t)j,
		      "chunk %d: damaged %d index %u", j, ci[j].damaged,
		      ci[j].index);
		CHECK(ci[j].raw_len <= 4096, "chunk %d raw_len %u > 4096", j,
		      ci[j].raw_len);
		CHECK(!j || ci[j].offset > ci[j - 1].offset, "offsets");
		sum += ci[j].nr_records;
	}
	CHECK(sum == 20000, "chunk record counts sum to %llu",
	      (unsigned long long)sum);
	t = umt_reader_totals(r);
	CHECK(t && t->nr_chunks == (uint32_t)nc && t->nr_records == 20000,
	      "trailer totals disagree");
	for (i = 0; i < t->nr_types; i++) {
		uint16_t ty = t->types[i].type;

		CHECK(ty <= UNKNOWN_TYPE &&
		      t->types[i].count == res.by_type[ty],
		      "trailer count for type %u", ty);
	}
	CHECK(!*umt_reader_warnings(r), "warnings: %s",
	      umt_reader_warnings(r));
	umt_reader_close(r);
	return 0;
}

/* Chunk extents of a clean file, from a reader. */
struct extent {
	uint64_t start, end;
	uint32_t nr;
};

static int chunk_extents(const char *path, struct extent *e, int max,
			 uint64_t *hdr_end)
{
	const struct umt_chunk_info *ci;
	struct umt_reader *r;
	struct result res;
	char err[256];
	int n, i;

	r = umt_reader_open(path, err, sizeof(err));
	if (!r)
		return -1;
	read_all(r, false, &res);
	n = umt_reader_chunks(r, &ci);
	if (n > max || umt_reader_damaged(r)) {
		umt_reader_close(r);
		return -1;
	}
	for (i = 0; i < n; i++) {
		e[i].start = ci[i].offset;
		e[i].end = ci[i].offset + UMT_CHUNK_HDR_SIZE + ci[i].comp_len;
		e[i].nr = ci[i].nr_records;
	}
	*hdr_end = n ? e[0].start : 0;
	umt_reader_close(r);
	return n;
}

static int test_truncate_every_offset(void)
{
	const char *full = tmp("trunc-full.umt"), *cut_path = tmp("cut.umt");
	struct extent e[64];
	uint64_t hdr_end, cut;
	uint8_t *f;
	size_t len;
	int n, k;

	CHECK(!write_sample(full, 60, 512, false), "write");
	n = chunk_extents(full, e, 64, &hdr_end);
	CHECK(n >= 5, "want >= 5 chunks, got %d", n);
	CHECK(!read_file(full, &f, &len), "read back");

	for (cut = 0; cut < len; cut++) {
		struct umt_reader *r;
		struct result res;
		char err[256], want[96];
		const char *w;
		uint32_t expect = 0;
		int inside = -1;

		if (write_file(cut_path, f, cut)) {
			free(f);
			CHECK(0, "write cut file");
		}
		r = umt_reader_open(cut_path, err, sizeof(err));
		if (cut < hdr_end) {
			CUTCHECK(!r, "cut at %llu (inside the header) opened",
				 (unsigned long long)cut);
			CUTCHECK(strstr(err, cut ? "truncated" : "empty"),
				 "cut at %llu: error \"%s\"",
				 (unsigned long long)cut, err);
			continue;
		}
		if (!r)
			free(f);
		CHECK(r, "cut at %llu: open failed: %s",
		      (unsigned long long)cut, err);
		for (k = 0; k < n; k++) {
			if (e[k].end <= cut)
				expect += e[k].nr;
			else if (e[k].start < cut)
				inside = k;
		}
		read_all(r, false, &res);
		w = umt_reader_warnings(r);
		snprintf(want, sizeof(want), "chunk %d at offset %llu: short read",
			 inside, inside >= 0 ?
			 (unsigned long long)e[inside].start : 0ull);
		CUTCHECK(res.last_ret == 0, "cut %llu: next returned %d",
			 (unsigned long long)cut, res.last_ret);
		CUTCHECK(!res.mismatches, "cut %llu: %s",
			 (unsigned long long)cut, res.first_mismatch);
		CUTCHECK(res.nr == expect, "cut %llu: %u records, want %u",
			 (unsigned long long)cut, res.nr, expect);
		CUTCHECK(umt_reader_damaged(r) && !umt_reader_has_trailer(r),
			 "cut %llu: not reported damaged",
			 (unsigned long long)cut);
		CUTCHECK(strstr(w, "file truncated: trailer missing"),
			 "cut %llu: warnings lack truncation: %s",
			 (unsigned long long)cut, w);
		CUTCHECK(inside < 0 || strstr(w, want),
			 "cut %llu: want \"%s\" in: %s",
			 (unsigned long long)cut, want, w);
		umt_reader_close(r);
	}
	free(f);
	return 0;
}

/* Flip every byte of one chunk in turn: only that chunk may be lost. */
static int test_flip_every_byte_of_a_chunk(void)
{
	const char *full = tmp("flip-full.umt"), *bad = tmp("flip.umt");
	struct extent e[64];
	uint64_t hdr_end, pos;
	uint32_t total = 0;
	uint8_t *f;
	size_t len;
	int n, k, victim = 2;

	CHECK(!write_sample(full, 60, 512, false), "write");
	n = chunk_extents(full, e, 64, &hdr_end);
	CHECK(n > victim + 1, "too few chunks (%d)", n);
	for (k = 0; k < n; k++)
		total += e[k].nr;
	CHECK(!read_file(full, &f, &len), "read back");

	for (pos = e[victim].start; pos < e[victim].end; pos++) {
		struct umt_reader *r;
		struct result res;
		char err[256], want[64];

		f[pos] ^= 0x5a;
		if (write_file(bad, f, len)) {
			free(f);
			CHECK(0, "write");
		}
		f[pos] ^= 0x5a;
		r = umt_reader_open(bad, err, sizeof(err));
		if (!r)
			free(f);
		CHECK(r, "open: %s", err);
		read_all(r, false, &res);
		snprintf(want, sizeof(want), "chunk %d at offset %llu: ",
			 victim, (unsigned long long)e[victim].start);
		CUTCHECK(res.last_ret == 0 && !res.mismatches,
			 "flip at %llu: ret %d, %s", (unsigned long long)pos,
			 res.last_ret, res.first_mismatch);
		CUTCHECK(res.nr == total - e[victim].nr,
			 "flip at %llu: %u records, want %u",
			 (unsigned long long)pos, res.nr,
			 total - e[victim].nr);
		CUTCHECK(strstr(umt_reader_warnings(r), want) &&
			 umt_reader_damaged(r),
			 "flip at %llu: want \"%s\" in: %s",
			 (unsigned long long)pos, want,
			 umt_reader_warnings(r));
		/* bytes after the header: its CRC holds, the data CRC fails */
		CUTCHECK(pos < e[victim].start + UMT_CHUNK_HDR_SIZE ||
			 strstr(umt_reader_warnings(r), "CRC mismatch"),
			 "flip at %llu: no CRC mismatch reported: %s",
			 (unsigned long long)pos, umt_reader_warnings(r));
		umt_reader_close(r);
	}
	free(f);
	return 0;
}

/* Forge chunk 1 so the CRCs hold but inflating fails. */
static int test_zlib_error_and_bad_region(void)
{
	const char *full = tmp("z-full.umt"), *bad = tmp("z.umt");
	struct extent e[64];
	struct umt_reader *r;
	struct result res;
	uint64_t hdr_end, a, b;
	uint32_t total = 0, comp;
	char err[256];
	uint8_t *f, *h;
	size_t len;
	int n, k;

	CHECK(!write_sample(full, 60, 512, false), "write");
	n = chunk_extents(full, e, 64, &hdr_end);
	CHECK(n >= 6, "too few chunks (%d)", n);
	for (k = 0; k < n; k++)
		total += e[k].nr;
	CHECK(!read_file(full, &f, &len), "read back");
	h = f + e[1].start;
	comp = le32(h + 20);
	memset(h + UMT_CHUNK_HDR_SIZE, 0xff, comp);
	set_le32(h + 44, crc32(0, h + UMT_CHUNK_HDR_SIZE, comp));
	set_le32(h + 52, crc32(0, h, 52));
	write_file(bad, f, len);
	r = umt_reader_open(bad, err, sizeof(err));
	if (!r)
		free(f);
	CHECK(r, "open: %s", err);
	read_all(r, false, &res);
	CUTCHECK(res.nr == total - e[1].nr && !res.mismatches,
		 "zlib: %u records, want %u", res.nr, total - e[1].nr);
	CUTCHECK(strstr(umt_reader_warnings(r), "chunk 1 at offset") &&
		 strstr(umt_reader_warnings(r), "zlib error"),
		 "zlib: warnings: %s", umt_reader_warnings(r));
	umt_reader_close(r);
	free(f);

	/*
	 * Zero from the middle of chunk 2 to the middle of chunk 4: chunk 2
	 * fails its CRC, chunk 3's header is gone (bad magic, resync) and
	 * chunk 4 is skipped over, then reported lost by number.
	 */
	CHECK(!read_file(full, &f, &len), "read back");
	a = (e[2].start + e[2].end) / 2 + UMT_CHUNK_HDR_SIZE / 2;
	b = (e[4].start + e[4].end) / 2;
	memset(f + a, 0, b - a);
	write_file(bad, f, len);
	r = umt_reader_open(bad, err, sizeof(err));
	if (!r)
		free(f);
	CHECK(r, "open: %s", err);
	read_all(r, false, &res);
	CUTCHECK(res.nr == total - e[2].nr - e[3].nr - e[4].nr &&
		 !res.mismatches && res.last_ret == 0,
		 "region: %u records, want %u", res.nr,
		 total - e[2].nr - e[3].nr - e[4].nr);
	CUTCHECK(strstr(umt_reader_warnings(r), "chunk 3 at offset") &&
		 strstr(umt_reader_warnings(r), "bad chunk magic") &&
		 strstr(umt_reader_warnings(r), "chunks 4..4 lost"),
		 "region: warnings: %s", umt_reader_warnings(r));
	umt_reader_close(r);
	free(f);
	return 0;
}

/*
 * Random damage, fixed seed: several flips, a zeroed span, maybe a cut.
 * Whatever survives must be exact (no record from a damaged chunk leaks
 * through), every intact chunk must be delivered, and nothing may crash.
 */
static int test_random_damage(void)
{
	const char *full = tmp("rnd-full.umt"), *bad = tmp("rnd.umt");
	struct extent e[64];
	uint64_t hdr_end;
	uint32_t seed = 12345;
	uint8_t *f, *g;
	size_t len;
	int n, iter;

	CHECK(!write_sample(full, 80, 600, false), "write");
	n = chunk_extents(full, e, 64, &hdr_end);
	CHECK(n >= 8, "too few chunks (%d)", n);
	CHECK(!read_file(full, &f, &len), "read back");
	g = malloc(len);
	if (!g)
		free(f);
	CHECK(g, "malloc");
	for (iter = 0; iter < 300; iter++) {
		struct umt_reader *r;
		struct result res;
		char err[256];
		size_t cut = len, k, a, b;
		uint32_t untouched = 0;
		bool hit[64] = { false };
		int j;

		memcpy(g, f, len);
#define RND() (seed = seed * 1103515245u + 12345u, seed >> 8)
		for (j = 0; j < 4; j++) {
			k = hdr_end + RND() % (len - hdr_end);
			g[k] ^= 1 + RND() % 255;
			for (a = 0; a < (size_t)n; a++)
				hit[a] |= k >= e[a].start && k < e[a].end;
		}
		a = hdr_end + RND() % (len - hdr_end);
		b = a + RND() % 64;
		b = b > len ? len : b;
		memset(g + a, 0, b - a);
		if (RND() % 2)
			cut = hdr_end + RND() % (len - hdr_end);
		for (k = 0; k < (size_t)n; k++) {
			hit[k] |= e[k].start < b && e[k].end > a;
			if (!hit[k] && e[k].end <= cut)
				untouched += e[k].nr;
		}
#undef RND
		write_file(bad, g, cut);
		r = umt_reader_open(bad, err, sizeof(err));
		if (!r) {
			free(f);
			free(g);
			CHECK(0, "iter %d: open: %s", iter, err);
		}
		read_all(r, false, &res);
		/* a hit chunk or a cut must be noticed; trailer hits may not */
		for (k = 0; k < (size_t)n && !hit[k]; k++)
			;
		if (res.last_ret || res.mismatches || res.nr < untouched ||
		    ((k < (size_t)n || cut < len) && !umt_reader_damaged(r))) {
			snprintf(why, sizeof(why),
				 "iter %d: ret %d, %u records (>= %u intact), damaged %d: %s",
				 iter, res.last_ret, res.nr, untouched,
				 umt_reader_damaged(r), res.first_mismatch);
			umt_reader_close(r);
			free(f);
			free(g);
			return -1;
		}
		umt_reader_close(r);
	}
	free(f);
	free(g);
	return 0;
}

/*
 * Big incompressible chunks, the last one's magic broken: the resync scan
 * must cross more than its 64 KiB window of already-buffered data to find
 * the trailer.
 */
static int test_resync_across_big_chunks(void)
{
	const char *path = tmp("big.umt");
	const struct umt_chunk_info *ci;
	struct umt_writer *w;
	struct umt_reader *r;
	struct result res;
	uint8_t buf[4000];
	uint32_t seed = 7, i, k;
	char err[256];
	uint32_t keep;
	int nc, fd;

	w = umt_writer_open(path, NULL, err, sizeof(err));
	CHECK(w, "open: %s", err);
	for (i = 0; i < 3 * 64; i++) {
		for (k = 0; k < sizeof(buf); k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = seed >> 16;
		}
		umt_writer_add(w, UNKNOWN_TYPE, i, 0, buf, sizeof(buf));
	}
	CHECK(!umt_writer_close(w), "close");
	r = umt_reader_open(path, err, sizeof(err));
	CHECK(r, "open: %s", err);
	read_all(r, false, &res);
	nc = umt_reader_chunks(r, &ci);
	RCHECK(nc == 3 && ci[2].comp_len > 200000, "%d chunks, last %u bytes",
	       nc, nc ? ci[nc - 1].comp_len : 0);
	keep = ci[0].nr_records + ci[1].nr_records;
	fd = open(path, O_WRONLY);
	RCHECK(fd >= 0 && pwrite(fd, "X", 1, ci[2].offset) == 1, "patch");
	close(fd);
	umt_reader_close(r);

	r = umt_reader_open(path, err, sizeof(err));
	CHECK(r, "open: %s", err);
	read_all(r, false, &res);
	RCHECK(res.nr == keep, "%u records, want %u", res.nr, keep);
	RCHECK(strstr(umt_reader_warnings(r), "chunk 2 at offset") &&
	       strstr(umt_reader_warnings(r), "bad chunk magic") &&
	       strstr(umt_reader_warnings(r), "resynced at offset") &&
	       umt_reader_has_trailer(r),
	       "trailer not found past the damage: %s",
	       umt_reader_warnings(r));
	umt_reader_close(r);
	return 0;
}

static int open_fails_with(const void *buf, size_t len, const char *needle)
{
	const char *path = tmp("hdr.umt");
	struct umt_reader *r;
	char err[256] = "";

	CHECK(!write_file(path, buf, len), "write");
	r = umt_reader_open(path, err, sizeof(err));
	if (r)
		umt_reader_close(r);
	CHECK(!r, "opened; want \"%s\"", needle);
	CHECK(strstr(err, needle), "error \"%s\" lacks \"%s\"", err, needle);
	return 0;
}

static int test_bad_magic_and_byte_order(void)
{
	static const char gif[64] = "GIF89a this is not a trace at all......";
	const char *full = tmp("bom-full.umt");
	uint8_t *f;
	size_t len;
	int ret;

	if (open_fails_with(gif, sizeof(gif), "not a .umt trace: bad magic"))
		return -1;
	if (open_fails_with(gif, 0, "empty file"))
		return -1;
	CHECK(!write_sample(full, 10, 0, false), "write");
	CHECK(!read_file(full, &f, &len), "read back");
	/* what a big-endian writer would have put there */
	f[UMT_HDR_OFF_BOM] = 1;
	f[UMT_HDR_OFF_BOM + 1] = 2;
	f[UMT_HDR_OFF_BOM + 2] = 3;
	f[UMT_HDR_OFF_BOM + 3] = 4;
	ret = open_fails_with(f, len, "big-endian");
	free(f);
	if (ret)
		return ret;
	return open_fails_with("nope", 4, "bad magic");
}

static int test_major_mismatch(void)
{
	const char *full = tmp("major.umt");
	char want[128];
	uint8_t *f;
	size_t len;
	int ret;

	CHECK(!write_sample(full, 10, 0, false), "write");
	CHECK(!read_file(full, &f, &len), "read back");
	set_le16(f + UMT_HDR_OFF_MAJOR, UMT_VERSION_MAJOR + 1);
	fix_header_crc(f);
	snprintf(want, sizeof(want),
		 "major %d not supported: this unmaptrace reads major %d (minor 0..%d and newer minors)",
		 UMT_VERSION_MAJOR + 1, UMT_VERSION_MAJOR, UMT_VERSION_MINOR);
	ret = open_fails_with(f, len, want);
	free(f);
	return ret;
}

static int test_newer_minor_unknown_type(void)
{
	const char *path = tmp("newer.umt");
	struct umt_reader *r;
	struct result res;
	char err[256];
	int major, minor;
	uint8_t *f;
	size_t len;

	CHECK(!write_sample(path, 200, 1024, true), "write");
	CHECK(!read_file(path, &f, &len), "read back");
	set_le16(f + UMT_HDR_OFF_MINOR, UMT_VERSION_MINOR + 3);
	fix_header_crc(f);
	CHECK(!write_file(path, f, len), "write back");
	free(f);
	r = umt_reader_open(path, err, sizeof(err));
	CHECK(r, "newer minor refused: %s", err);
	umt_reader_version(r, &major, &minor);
	read_all(r, true, &res);
	RCHECK(minor == UMT_VERSION_MINOR + 3, "minor %d", minor);
	RCHECK(res.last_ret == 0 && !res.mismatches && res.nr == 200,
		 "%u records, ret %d: %s", res.nr, res.last_ret,
		 res.first_mismatch);
	/* records 3, 13, ... 193 are the unknown type */
	RCHECK(res.by_type[UNKNOWN_TYPE] == 20, "%u unknown records",
		 res.by_type[UNKNOWN_TYPE]);
	RCHECK(count_substr(umt_reader_warnings(r), "record type 99 unknown")
		 == 1, "want one warning for type 99: %s",
		 umt_reader_warnings(r));
	RCHECK(!umt_reader_damaged(r), "unknown type counted as damage");
	umt_reader_close(r);
	return 0;
}

static int test_short_and_long_payloads(void)
{
	const char *path = tmp("short.umt");
	struct umt_ttu *t = calloc(1, sizeof(*t) + 4 * 600);
	const struct umt_ttu *rt;
	uint8_t pat[sizeof(*t)];
	struct umt_writer *w;
	struct umt_reader *r;
	struct umt_rec rec;
	struct umt_lost l = { .cpu = 3, .count = 77 };
	char err[256];
	int i;

	CHECK(t, "calloc");
	for (i = 0; i < (int)sizeof(pat); i++)
		pat[i] = i + 1;
	w = umt_writer_open(path, NULL, err, sizeof(err));
	if (!w)
		free(t);
	CHECK(w, "open: %s", err);
	/* 0: TTU cut to 20 bytes */
	umt_writer_add(w, UMT_REC_TTU, 1, 0, pat, 20);
	/* 1: LOST without its count */
	umt_writer_add(w, UMT_REC_LOST, 2, 0, &l, 8);
	/* 2: TTU claiming 600 slots: damaged */
	t->nr_slots = UMT_MAX_SLOTS + 88;
	umt_writer_add(w, UMT_REC_TTU, 3, 0, t, sizeof(*t) + 4 * 600);
	/* 3: TTU claiming 4 slots it does not hold: damaged */
	t->nr_slots = 4;
	umt_writer_add(w, UMT_REC_TTU, 4, 0, t, sizeof(*t) + 8);
	/* 4: TTU with 2 slots and 8 newer bytes after them */
	t->nr_slots = 2;
	t->folio_id = 42;
	t->slots[0] = UMT_SLOT_MAKE(UMT_SLOT_THIS, 0, 0);
	t->slots[1] = UMT_SLOT_MAKE(UMT_SLOT_THIS, 1, 0);
	umt_writer_add(w, UMT_REC_TTU, 5, 0, t, sizeof(*t) + 16);
	/* 5: an intact LOST */
	umt_writer_add(w, UMT_REC_LOST, 6, 0, &l, sizeof(l));
	free(t);
	CHECK(!umt_writer_close(w), "close");

	r = umt_reader_open(path, err, sizeof(err));
	CHECK(r, "open: %s", err);
	RCHECK(umt_reader_next(r, &rec) == 1 && rec.seq == 0 &&
		 rec.short_payload && rec.size == 20, "short TTU not flagged");
	rt = rec.payload;
	RCHECK(!memcmp(rt, pat, 20), "short TTU prefix differs");
	for (i = 20; i < (int)sizeof(*rt); i++)
		RCHECK(!((const uint8_t *)rt)[i],
			 "short TTU byte %d not zero", i);
	RCHECK(umt_reader_next(r, &rec) == 1 && rec.seq == 1 &&
		 rec.short_payload &&
		 ((const struct umt_lost *)rec.payload)->cpu == 3 &&
		 ((const struct umt_lost *)rec.payload)->count == 0,
		 "short LOST not zero-extended");
	RCHECK(umt_reader_next(r, &rec) == 1 && rec.seq == 4 &&
		 !rec.short_payload && rec.size == sizeof(*t) + 16,
		 "damaged TTUs not skipped (got seq %u)", rec.seq);
	rt = rec.payload;
	RCHECK(rt->folio_id == 42 && rt->nr_slots == 2 &&
		 UMT_SLOT_PAGE(rt->slots[1]) == 1, "long TTU fields");
	RCHECK(umt_reader_next(r, &rec) == 1 && rec.seq == 5 &&
		 !rec.short_payload &&
		 ((const struct umt_lost *)rec.payload)->count == 77,
		 "intact LOST");
	RCHECK(umt_reader_next(r, &rec) == 0, "expected EOF");
	RCHECK(strstr(umt_reader_warnings(r),
			"record seq 2 (TTU) damaged: nr_slots 600 > 512") &&
		 strstr(umt_reader_warnings(r),
			"record seq 3 (TTU) damaged: 96-byte payload cannot hold 4 slots"),
		 "warnings: %s", umt_reader_warnings(r));
	RCHECK(umt_reader_damaged(r), "damaged records not reported");
	umt_reader_close(r);
	return 0;
}

static int test_header_damage(void)
{
	const char *path = tmp("hdrcrc.umt");
	struct umt_reader *r;
	struct result res;
	char err[256];
	uint8_t *f, *p;
	size_t len;

	CHECK(!write_sample(path, 30, 0, false), "write");
	CHECK(!read_file(path, &f, &len), "read back");
	p = memmem(f, len, "unit-test", 9);
	if (!p)
		free(f);
	CHECK(p, "workload value not in header");
	*p = 'U';
	write_file(path, f, len);
	free(f);
	r = umt_reader_open(path, err, sizeof(err));
	CHECK(r, "open: %s", err);
	read_all(r, false, &res);
	RCHECK(res.nr == 30 && !res.mismatches, "%u records", res.nr);
	RCHECK(strstr(umt_reader_warnings(r), "header: CRC mismatch") &&
		 umt_reader_damaged(r), "warnings: %s",
		 umt_reader_warnings(r));
	umt_reader_close(r);
	return 0;
}

static int test_writer_errors(void)
{
	struct umt_writer *w;
	char err[256] = "";
	uint8_t b[8] = { 0 };

	w = umt_writer_open(tmp("no/such/dir.umt"), NULL, err, sizeof(err));
	CHECK(!w && errno == ENOENT && strstr(err, "No such file"),
	      "open in a missing dir: %s", err);
	w = umt_writer_open(tmp("werr.umt"), NULL, err, sizeof(err));
	CHECK(w, "open: %s", err);
	CHECK(umt_writer_add(w, 0, 0, 0, b, 8) == -EINVAL, "type 0 accepted");
	CHECK(umt_writer_add(w, 1, 0, 0, NULL, 8) == -EINVAL,
	      "NULL payload accepted");
	CHECK(umt_writer_add(w, 1, 0, 0, b, UMT_REC_MAX_PAYLOAD + 1) ==
	      -EINVAL, "oversized payload accepted");
	CHECK(umt_writer_set_chunk_size(w, 0) == -EINVAL &&
	      umt_writer_set_chunk_size(w, UMT_CHUNK_SIZE_MAX + 1) == -EINVAL,
	      "bad chunk sizes accepted");
	CHECK(!umt_writer_close(w), "close");
	return 0;
}

/* Write to a pipe as "-" in a child, read it from stdin as "-". */
static int test_pipe_stdout_stdin(void)
{
	struct umt_reader *r;
	struct result res;
	char err[256];
	int p[2], saved, status;
	pid_t pid;

	CHECK(!pipe(p), "pipe");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		close(p[0]);
		dup2(p[1], STDOUT_FILENO);
		close(p[1]);
		_exit(write_sample("-", 3000, 2048, false) ? 1 : 0);
	}
	close(p[1]);
	saved = dup(STDIN_FILENO);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	r = umt_reader_open("-", err, sizeof(err));
	if (r) {
		read_all(r, false, &res);
	}
	dup2(saved, STDIN_FILENO);
	close(saved);
	waitpid(pid, &status, 0);
	CHECK(r, "open stdin: %s", err);
	RCHECK(WIFEXITED(status) && !WEXITSTATUS(status), "writer child");
	RCHECK(res.nr == 3000 && !res.mismatches && res.last_ret == 0,
		 "%u records over a pipe: %s", res.nr, res.first_mismatch);
	RCHECK(umt_reader_has_trailer(r) && !umt_reader_damaged(r),
		 "pipe: %s", umt_reader_warnings(r));
	umt_reader_close(r);
	return 0;
}

static int test_strings(void)
{
	uint32_t s[] = {
		UMT_SLOT_MAKE(UMT_SLOT_THIS, 0, UMT_PTE_WRITE | UMT_PTE_YOUNG),
		UMT_SLOT_MAKE(UMT_SLOT_THIS, 1, UMT_PTE_WRITE | UMT_PTE_YOUNG),
		UMT_SLOT_MAKE(UMT_SLOT_THIS, 2, UMT_PTE_WRITE | UMT_PTE_YOUNG),
		UMT_SLOT_MAKE(UMT_SLOT_THIS, 3, UMT_PTE_WRITE | UMT_PTE_YOUNG),
		UMT_SLOT_MAKE(UMT_SLOT_THIS, 4, UMT_PTE_WRITE | UMT_PTE_DIRTY |
			      UMT_PTE_YOUNG),
		UMT_SLOT_MAKE(UMT_SLOT_THIS, 5, UMT_PTE_WRITE | UMT_PTE_DIRTY |
			      UMT_PTE_YOUNG),
		UMT_SLOT_MAKE(UMT_SLOT_NONE, 0, 0),
		UMT_SLOT_MAKE(UMT_SLOT_NONE, 0, 0),
		UMT_SLOT_MAKE(UMT_SLOT_NONE, 0, 0),
		UMT_SLOT_MAKE(UMT_SLOT_SWAP, 0, UMT_PTE_SWP_EXCLUSIVE),
		UMT_SLOT_MAKE(UMT_SLOT_THIS, 9, 0),
		UMT_SLOT_MAKE(UMT_SLOT_THIS, 11, 0),
		UMT_SLOT_MAKE(UMT_SLOT_NO_TABLE, 0, 0),
		UMT_SLOT_MAKE(15, 0, 0),
	};
	const char *want = "T0-3:wy,T4-5:wdy,Nx3,S:x,T9,T11,X,?";
	char buf[128], tiny[8];

	umt_slot_image_str(s, sizeof(s) / sizeof(s[0]), buf, sizeof(buf));
	CHECK(!strcmp(buf, want), "image \"%s\", want \"%s\"", buf, want);
	umt_slot_image_str(s, sizeof(s) / sizeof(s[0]), tiny, sizeof(tiny));
	CHECK(strlen(tiny) == sizeof(tiny) - 1, "truncation \"%s\"", tiny);
	CHECK(!strcmp(umt_slot_image_str(s, 0, buf, sizeof(buf)), "-"),
	      "empty image");
	umt_folio_flags_str(UMT_FOLIO_LARGE | UMT_FOLIO_DIRTY |
			    UMT_FOLIO_NO_IMAGE | 0x100, buf, sizeof(buf));
	CHECK(!strcmp(buf, "large|dirty|no_image|0x100"),
	      "folio flags \"%s\"", buf);
	CHECK(!strcmp(umt_ttu_flags_str(0, buf, sizeof(buf)), "-"),
	      "no ttu flags \"%s\"", buf);
	CHECK(!strcmp(umt_vma_flags_str(UMT_VMA_LOCKED | UMT_VMA_SHARED, buf,
					sizeof(buf)), "locked|shared"),
	      "vma flags \"%s\"", buf);
	CHECK(!strcmp(umt_rec_type_name(UMT_REC_LOST), "LOST") &&
	      !strcmp(umt_rec_type_name(UNKNOWN_TYPE), "unknown") &&
	      !strcmp(umt_kind_name(UMT_KIND_LAZYFREE), "lazyfree") &&
	      !strcmp(umt_kind_name(UMT_KIND_NR), "unknown") &&
	      !strcmp(umt_slot_type_name(UMT_SLOT_MIGRATION), "migration"),
	      "names");
	return 0;
}

/*
 * NR TTU calls of NR distinct folio sizes (nr_pages = i + 1), nothing
 * lost: the bounds test of a reader's per-key counts (tests/damage).
 */
static int write_sizes(const char *path, uint32_t nr, uint32_t chunk)
{
	struct umt_ttu t = { .kind = 1, .ret = 1 };
	struct umt_writer *w = sample_writer(path);
	uint32_t i;
	int ret;

	if (!w)
		return -1;
	ret = umt_writer_set_chunk_size(w, chunk);
	for (i = 0; i < nr && !ret; i++) {
		t.folio_id = i;
		t.nr_pages = i + 1;
		ret = umt_writer_add(w, UMT_REC_TTU, 1000 + i, 0, &t,
				     sizeof(t));
	}
	if (umt_writer_close(w) || ret)
		return -1;
	return 0;
}

static void cleanup(void)
{
	char cmd[600];

	if (!tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(int argc, char **argv)
{
	const char *t = getenv("TMPDIR");

	if (argc >= 4 && !strcmp(argv[1], "--fixture")) {
		uint32_t nr = argc > 4 ? strtoul(argv[4], NULL, 0) : 500;
		uint32_t chunk = argc > 5 ? strtoul(argv[5], NULL, 0) : 2048;

		bool newer = !strcmp(argv[2], "newer");
		bool major = !strcmp(argv[2], "major");

		if (!strcmp(argv[2], "sizes"))
			return write_sizes(argv[3], nr, chunk) ? 1 : 0;

		if (strcmp(argv[2], "basic") && !newer && !major) {
			fprintf(stderr, "unknown fixture '%s'\n", argv[2]);
			return 2;
		}
		if (write_sample(argv[3], nr, chunk, newer))
			return 1;
		if (newer || major)
			return bump_version(argv[3], major, newer);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: test_umt [--fixture basic|newer|major|sizes PATH [NR [CHUNK]]]\n");
		return 2;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_umt.XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("FAIL test_umt: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	run("umt_meta_helpers", test_meta_helpers);
	run("umt_roundtrip_all_types", test_roundtrip_all_types);
	run("umt_many_chunks", test_many_chunks);
	run("umt_truncate_every_offset", test_truncate_every_offset);
	run("umt_flip_every_byte_of_a_chunk", test_flip_every_byte_of_a_chunk);
	run("umt_zlib_error_and_bad_region", test_zlib_error_and_bad_region);
	run("umt_random_damage", test_random_damage);
	run("umt_resync_across_big_chunks", test_resync_across_big_chunks);
	run("umt_bad_magic_and_byte_order", test_bad_magic_and_byte_order);
	run("umt_major_mismatch", test_major_mismatch);
	run("umt_newer_minor_unknown_type", test_newer_minor_unknown_type);
	run("umt_short_and_long_payloads", test_short_and_long_payloads);
	run("umt_header_damage", test_header_damage);
	run("umt_writer_errors", test_writer_errors);
	run("umt_pipe_stdout_stdin", test_pipe_stdout_stdin);
	run("umt_strings", test_strings);
	cleanup();
	return nr_failed ? 1 : 0;
}
