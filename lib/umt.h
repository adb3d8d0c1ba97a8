/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The .umt trace format: API and record payloads.  The byte layout is
 * documented in docs/FORMAT.md; this header is the contract between the
 * collector (collect/), the readers (info, dump, replay) and the model.
 *
 * All on-disk integers are little-endian.  Payload structs below are the
 * on-disk layout (packed, fixed-width).  A payload may be *longer* than the
 * struct a reader knows (a newer minor version appended fields): readers use
 * the prefix they know.  A payload *shorter* than a reader's struct is
 * zero-extended by umt_reader_next() and flagged in rec->short_payload.
 *
 * Never written: kernel pointers, PFNs.  Tasks, mms, VMAs and folios carry
 * trace-local ids assigned by the writer's caller.
 */
#ifndef UMT_H
#define UMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UMT_MAGIC		"UMTRACE"	/* 8 bytes with the NUL */
#define UMT_VERSION_MAJOR	1
#define UMT_VERSION_MINOR	0

/*
 * Fixed parts of the on-disk layout (docs/FORMAT.md).  Exposed so tests and
 * tools can check or patch them; ordinary callers use the API below.
 */
#define UMT_BYTE_ORDER_MARK	0x01020304u	/* 0x04030201 if swapped */
#define UMT_FILE_HDR_SIZE	32	/* fixed part, before the TLVs */
#define UMT_HDR_OFF_MAJOR	8
#define UMT_HDR_OFF_MINOR	10
#define UMT_HDR_OFF_BOM		12
#define UMT_HDR_OFF_SIZE	16
#define UMT_HDR_OFF_CRC		20
#define UMT_HEADER_MAX		(1u << 20)
#define UMT_META_HDR_SIZE	8	/* u16 type, u16 flags, u32 len */
#define UMT_ATTACH_SIZE		212	/* serialized struct umt_attach */
#define UMT_CHUNK_MAGIC		"UMTCHUNK"	/* 8 bytes, no NUL */
#define UMT_CHUNK_HDR_SIZE	56
#define UMT_CHUNK_ZLIB		1	/* chunk compression: zlib stream */
#define UMT_REC_HDR_SIZE	24	/* payload follows, padded to 8 */
#define UMT_TRAILER_MAGIC	"UMTTRAIL"	/* 8 bytes, no NUL */
#define UMT_END_MAGIC		"UMTTEND"	/* 8 bytes with the NUL */
#define UMT_FOOTER_SIZE		24	/* last bytes of a complete file */

/* Writer chunking: raw record bytes per chunk before it is compressed */
#define UMT_CHUNK_SIZE_DEFAULT	(256u << 10)
#define UMT_CHUNK_SIZE_MAX	(4u << 20)
#define UMT_REC_MAX_PAYLOAD	(1u << 20)
/* Reader limits: anything larger is a damaged chunk header */
#define UMT_CHUNK_RAW_LIMIT	(16u << 20)
/* Chunks listed by umt_reader_chunks(): beyond, counted only */
#define UMT_MAX_CHUNK_TABLE	65536
#define UMT_MAX_DAMAGED_LISTED	1024

/* ---- record types (u16).  New types only ever get new numbers. ---- */
enum umt_rec_type {
	UMT_REC_TTU		= 1,	/* one try_to_unmap_one() call */
	UMT_REC_TLB_FLUSH	= 2,	/* arch_tlbbatch_flush() by a task */
	UMT_REC_LOST		= 3,	/* events lost on a CPU */
	UMT_REC_TASK		= 4,	/* task id -> comm, tgid */
	UMT_REC_STATS		= 5,	/* kernel-side totals at stop */
	UMT_REC_MAX_KNOWN	= 5,
};

#include "umt_abi.h"	/* kinds, flags, slot types, PTE bits */

/*
 * UMT_REC_TTU: one try_to_unmap_one() call.  The snapshot (folio, VMA,
 * page-table image) is taken at entry, before the kernel changes anything;
 * the live counts are what the calling task did inside this call, taken at
 * exit.  Slot i is the PTE for user address image_va + i * page_size; the
 * page of this folio that a linear mapping would put there is
 * image_first_page + i.
 */
struct umt_ttu {
	uint32_t task_id;	/* trace-local */
	uint32_t mm_id;		/* trace-local */
	uint32_t vma_id;	/* trace-local */
	uint32_t folio_id;	/* trace-local */
	uint32_t nr_pages;	/* folio_nr_pages() */
	uint16_t kind;		/* enum umt_folio_kind */
	uint16_t folio_flags;	/* UMT_FOLIO_* */
	uint32_t ttu_flags;	/* UMT_TTU_* */
	uint32_t vma_flags;	/* UMT_VMA_* */
	uint32_t image_first_page; /* folio page index of slot 0 */
	uint32_t image_pmd_index;  /* slot 0's index inside its page table */
	uint32_t nr_slots;	/* slots that follow */
	int32_t  vma_start_page; /* (vm_start - folio_va) / page_size */
	int32_t  vma_end_page;	 /* (vm_end - folio_va) / page_size */
	uint8_t  defer_flush;	/* another CPU in mm_cpumask at entry */
	uint8_t  ret;		/* try_to_unmap_one() return value */
	uint8_t  has_live;	/* UMT_LIVE_* */
	uint8_t  live_helpers;	/* UMT_HELPER_* called inside this call
				 * (valid with UMT_LIVE_HELPERS) */
	/* live counts, inside this call, this task */
	uint32_t live_rmap_calls;	/* folio_remove_rmap_ptes() or
					 * page_remove_rmap() calls */
	uint32_t live_rmap_pages;
	uint32_t live_tlb_flushes;	/* flush_tlb_mm_range */
	uint32_t live_rss_stat;		/* kmem:rss_stat hits */
	uint32_t live_walk_calls;	/* page_vma_mapped_walk() calls */
	uint32_t live_walk_true;	/* ... that returned true */
	uint32_t live_defer_walks;	/* ... true with another CPU in the
					 * mm's cpumask (UMT_LIVE_DEFER) */
	uint32_t live_defer_rmap;	/* rmap calls, likewise: with the
					 * walk's sample it brackets each
					 * should_defer_flush() */
	uint32_t slots[];		/* nr_slots entries */
} __attribute__((packed));

/* umt_ttu.has_live */
#define UMT_LIVE_COUNTS		(1u << 0)	/* live counts are valid */
#define UMT_LIVE_DEFER		(1u << 1)	/* live_defer_walks is valid */
#define UMT_LIVE_HELPERS	(1u << 2)	/* live_helpers is valid */

/* umt_ttu.live_helpers: helpers the kernel called inside the call */
#define UMT_HELPER_UNMAP_HUGE_PMD (1u << 0)	/* unmap_huge_pmd_locked */
#define UMT_HELPER_PTE_BATCH	(1u << 1)	/* folio_pte_batch */

/* UMT_REC_TLB_FLUSH: arch_tlbbatch_flush() called by a recorded task */
struct umt_tlb_flush {
	uint32_t task_id;
	uint32_t in_ttu;	/* UMT_FLUSH_* (bit 0 alone before them) */
} __attribute__((packed));

/* umt_tlb_flush.in_ttu */
#define UMT_FLUSH_IN_TTU	(1u << 0)	/* inside ttu (never seen) */
#define UMT_FLUSH_MIGRATE	(1u << 1)	/* try_to_migrate_one() could
						 * defer since the task's
						 * previous flush */
#define UMT_FLUSH_MIGRATE_HOOKED (1u << 2)	/* bit 1 is valid */

/* UMT_REC_LOST: events dropped in the kernel on one CPU */
struct umt_lost {
	uint32_t cpu;
	uint32_t pad;
	uint64_t count;		/* lost since the previous LOST record */
} __attribute__((packed));

/* UMT_REC_TASK: names a trace-local task id */
struct umt_task {
	uint32_t task_id;
	uint32_t tgid;		/* as seen in the recording's pid namespace */
	uint32_t pid;
	char comm[16];
} __attribute__((packed));

/* UMT_REC_STATS: kernel-side totals, written once at stop */
struct umt_stats {
	uint64_t ttu_calls;
	uint64_t rmap_calls;
	uint64_t rmap_pages;
	uint64_t tlb_flushes;		/* flush_tlb_mm_range inside ttu */
	uint64_t tlbbatch_flushes;	/* arch_tlbbatch_flush by tasks */
	uint64_t rss_stat;
	uint64_t lost;
} __attribute__((packed));

/* ---- metadata: typed, sized entries in the file header ---- */
enum umt_meta_type {
	UMT_META_KV		= 1,	/* "key\0value\0" */
	UMT_META_ATTACH		= 2,	/* struct umt_attach, UMT_ATTACH_SIZE
					 * bytes field by field (FORMAT.md) */
};

/* Well-known UMT_META_KV keys (any other key is allowed too). */
#define UMT_KEY_KERNEL		"kernel.release"
#define UMT_KEY_KVERSION	"kernel.version"	/* uname -v */
#define UMT_KEY_ARCH		"arch"
#define UMT_KEY_PAGE_SIZE	"page_size"
#define UMT_KEY_PMD_SIZE	"pmd_size"
#define UMT_KEY_NR_CPUS		"nr_cpus"
#define UMT_KEY_TOOL		"tool.version"
#define UMT_KEY_LIBBPF		"libbpf.version"
#define UMT_KEY_CMDLINE		"record.cmdline"
#define UMT_KEY_START		"record.start"		/* RFC 3339 UTC */
#define UMT_KEY_WORKLOAD	"workload"
#define UMT_KEY_PAGING_LEVELS	"paging_levels"

/* One hook of the attach plan */
struct umt_attach {
	char hook[32];		/* logical hook, e.g. "ttu" */
	char symbol[64];	/* kernel symbol or tracepoint */
	char mechanism[16];	/* fentry, fexit, kprobe, tp_btf, ... */
	int32_t err;		/* 0 attached, else -errno of the last try */
	char note[96];		/* why unavailable, or "" */
};

#define UMT_MAX_META		64

struct umt_meta {
	int nr_kv;
	struct { char *key, *value; } kv[UMT_MAX_META];
	int nr_attach;
	struct umt_attach attach[UMT_MAX_META];
};

const char *umt_meta_get(const struct umt_meta *m, const char *key);
/* Add or replace @key.  0, -ENOMEM, -ENOSPC (UMT_MAX_META), -EINVAL */
int umt_meta_set(struct umt_meta *m, const char *key, const char *value);
/* Append one attach-plan entry.  0 or -ENOSPC */
int umt_meta_add_attach(struct umt_meta *m, const struct umt_attach *a);
void umt_meta_free(struct umt_meta *m);

/* ---- writer: appends only, so "-" may be a pipe; one thread at a time ---- */
struct umt_writer;

/*
 * Create @path (mode 0600; "-" = stdout) and write the header with @meta.
 * Returns NULL with errno set and a message in @errbuf (naming @path when
 * the open fails; umt_reader_open's messages never name it).
 */
struct umt_writer *umt_writer_open(const char *path,
				   const struct umt_meta *meta,
				   char *errbuf, size_t errlen);
/*
 * Append one record (type != 0, size <= UMT_REC_MAX_PAYLOAD).  Errors are
 * sticky: after a failed write every call returns the same -errno.
 */
int umt_writer_add(struct umt_writer *w, uint16_t type, uint64_t ts,
		   uint32_t cpu, const void *payload, uint32_t size);
/*
 * Raw bytes per chunk from now on (1..UMT_CHUNK_SIZE_MAX; default
 * UMT_CHUNK_SIZE_DEFAULT).  Small chunks lose less on damage.  0 or -EINVAL.
 */
int umt_writer_set_chunk_size(struct umt_writer *w, uint32_t bytes);
/* End the current chunk now, so a crash loses nothing before it. */
int umt_writer_flush(struct umt_writer *w);
/* Flush the last chunk, write the trailer, close.  0 or -errno. */
int umt_writer_close(struct umt_writer *w);
uint64_t umt_writer_bytes(const struct umt_writer *w);

/* ---- reader: streams, memory bounded by one chunk ---- */
struct umt_reader;

struct umt_rec {
	uint16_t type;
	uint16_t flags;
	uint32_t size;		/* payload bytes as stored */
	uint64_t ts;		/* ns, CLOCK_MONOTONIC of the recording host */
	uint32_t cpu;
	uint32_t seq;		/* per-file record sequence number */
	const void *payload;	/* valid until the next umt_reader_next() */
	bool short_payload;
};

struct umt_chunk_info {
	uint64_t offset;	/* file offset of the chunk header */
	uint32_t raw_len, comp_len, nr_records, crc32;
	uint64_t ts_min, ts_max;
	bool damaged;
	char why[128];
	uint32_t index;		/* the writer's chunk number */
};

/* Totals from a valid trailer (what the writer wrote, not what was read) */
struct umt_totals {
	uint64_t nr_records;
	uint64_t lost;		/* sum of UMT_REC_LOST counts */
	uint64_t ts_min, ts_max;
	uint32_t nr_chunks;
	uint32_t nr_types;
	struct umt_type_total { uint16_t type; uint64_t count; } *types;
	uint32_t nr_cpus;	/* by record cpu; lost by umt_lost.cpu */
	struct umt_cpu_total {
		uint32_t cpu;	/* UINT32_MAX: cpu >= 65536 or none */
		uint64_t records, lost;
	} *cpus;
};

struct umt_reader *umt_reader_open(const char *path, char *errbuf,
				   size_t errlen);
const struct umt_meta *umt_reader_meta(const struct umt_reader *r);
void umt_reader_version(const struct umt_reader *r, int *major, int *minor);
/*
 * Next record: 1 = got one, 0 = end of file, < 0 = fatal error.  Damaged
 * chunks are skipped; each is reported once through umt_reader_warnings().
 * Records of unknown type are returned too (callers skip them by type).
 */
int umt_reader_next(struct umt_reader *r, struct umt_rec *rec);
/* Warnings so far (damaged chunks, truncation, unknown types), one a line */
const char *umt_reader_warnings(const struct umt_reader *r);
/* Chunks seen so far; after EOF, all of them */
int umt_reader_chunks(const struct umt_reader *r,
		      const struct umt_chunk_info **chunks);
bool umt_reader_has_trailer(const struct umt_reader *r);
/* NULL unless a valid trailer has been read (i.e. after EOF) */
const struct umt_totals *umt_reader_totals(const struct umt_reader *r);
/*
 * Anything damaged so far: bad header CRC, damaged chunk or record, trailer
 * missing or bad.  Unknown record types are not damage.
 */
bool umt_reader_damaged(const struct umt_reader *r);
/*
 * The damage verdict so far (lib/damage.h): what was delivered, what was
 * lost and where; after EOF, also the trailer's totals checked against
 * what was read.  Front ends end with umt_damage_verdict() on it.
 */
struct umt_damage;
const struct umt_damage *umt_reader_damage(const struct umt_reader *r);
/* Chunks counted but not listed in umt_reader_chunks() (the caps) */
uint32_t umt_reader_unlisted(const struct umt_reader *r);
void umt_reader_close(struct umt_reader *r);

/*
 * @s with control bytes, DEL and backslashes as \xNN into @buf (cut to
 * @len): file data printed on a terminal never carries its escapes.
 */
const char *umt_str_safe(const char *s, char *buf, size_t len);

/* Names: "TTU", "anon", ...; "unknown" for numbers this build lacks. */
const char *umt_rec_type_name(uint16_t type);
const char *umt_kind_name(uint16_t kind);
const char *umt_slot_type_name(uint16_t slot_type);

/*
 * Decode flag words as "a|b|0x40" ("-" for none) into @buf; PTE bits as
 * letters "wdysucpnxe" (write dirty young soft-dirty uffd-wp cont special
 * protnone swp-exclusive anon-exclusive), bit 0 first.  They return @buf,
 * truncated to @len like snprintf.
 */
char *umt_folio_flags_str(uint32_t flags, char *buf, size_t len);
char *umt_vma_flags_str(uint32_t flags, char *buf, size_t len);
char *umt_ttu_flags_str(uint32_t flags, char *buf, size_t len);
char *umt_pte_bits_str(uint32_t bits, char *buf, size_t len);
/*
 * A slot image as runs, e.g. "T0-15:wdy,Nx16,S:x": T<first>-<last> for
 * PRESENT_THIS slots mapping consecutive pages, <letter>x<count> for other
 * runs (N none, O other, S swap, K marker, M migration, D device, X no
 * table, ? unknown), ":bits" when UMT_PTE_* bits are set (letters as in
 * umt_pte_bits_str).  @slots is void so a packed umt_ttu's slots can be
 * passed as is.  Returns @buf; "-" for no slots.
 */
char *umt_slot_image_str(const void *slots, uint32_t nr, char *buf,
			 size_t len);
/*
 * The other notation of the same image, one character per slot, for
 * --check's mismatch listings (docs/REPORT.md): W/R a page of this folio
 * (writable or not; '~' if not the page a linear mapping would put
 * there), '.' none, 'o' other, 's' swap, 'm' marker, 'g' migration, 'd'
 * device, '_' no page table, '|' a page-table boundary, "..." when @len
 * cut it short.
 */
void umt_image_map_str(const struct umt_ttu *t, char *buf, size_t len);

#endif /* UMT_H */
