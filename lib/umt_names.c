// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the .umt encodings: record types, folio kinds, slot types,
 * flag sets, PTE bits and the compact page-table image notation
 * (docs/FORMAT.md), for info, dump and the reports.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "umt.h"

/* ---- names ---- */

const char *umt_rec_type_name(uint16_t type)
{
	static const char *const names[] = {
		[UMT_REC_TTU] = "TTU",
		[UMT_REC_TLB_FLUSH] = "TLB_FLUSH",
		[UMT_REC_LOST] = "LOST",
		[UMT_REC_TASK] = "TASK",
		[UMT_REC_STATS] = "STATS",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

const char *umt_kind_name(uint16_t kind)
{
	static const char *const names[] = {
		[UMT_KIND_FILE] = "file",
		[UMT_KIND_ANON] = "anon",
		[UMT_KIND_LAZYFREE] = "lazyfree",
		[UMT_KIND_SHMEM] = "shmem",
		[UMT_KIND_HUGETLB] = "hugetlb",
		[UMT_KIND_KSM] = "ksm",
	};

	return kind < UMT_KIND_NR ? names[kind] : "unknown";
}

static const char slot_letters[] = "NTOSKMDX";

const char *umt_slot_type_name(uint16_t slot_type)
{
	static const char *const names[] = {
		[UMT_SLOT_NONE] = "none",
		[UMT_SLOT_THIS] = "this",
		[UMT_SLOT_OTHER] = "other",
		[UMT_SLOT_SWAP] = "swap",
		[UMT_SLOT_MARKER] = "marker",
		[UMT_SLOT_MIGRATION] = "migration",
		[UMT_SLOT_DEVICE] = "device",
		[UMT_SLOT_NO_TABLE] = "no_table",
	};

	if (slot_type < sizeof(names) / sizeof(names[0]))
		return names[slot_type];
	return "unknown";
}

/* snprintf that appends at *pos and never runs past @len */
__attribute__((format(printf, 4, 5)))
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += n;
}

static char *flags_str(uint32_t flags, const char *const *names, int nr,
		       char *buf, size_t len)
{
	size_t pos = 0;
	int i;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < nr; i++) {
		if (!(flags & 1u << i))
			continue;
		append(buf, len, &pos, "%s%s", pos ? "|" : "", names[i]);
		flags &= ~(1u << i);
	}
	if (flags)
		append(buf, len, &pos, "%s0x%x", pos ? "|" : "", flags);
	if (!pos)
		append(buf, len, &pos, "-");
	return buf;
}

char *umt_folio_flags_str(uint32_t flags, char *buf, size_t len)
{
	static const char *const n[] = {
		"large", "pmd_mapped", "dirty", "pinned", "swapcache",
		"mlocked", "image_trunc", "no_image",
	};

	return flags_str(flags, n, sizeof(n) / sizeof(n[0]), buf, len);
}

char *umt_vma_flags_str(uint32_t flags, char *buf, size_t len)
{
	static const char *const n[] = {
		"locked", "uffd_wp", "shared", "droppable", "hugetlb",
		"uffd_missing",
	};

	return flags_str(flags, n, sizeof(n) / sizeof(n[0]), buf, len);
}

char *umt_ttu_flags_str(uint32_t flags, char *buf, size_t len)
{
	static const char *const n[] = {
		"split_huge_pmd", "ignore_mlock", "sync", "hwpoison",
		"batch_flush", "rmap_locked",
	};

	return flags_str(flags, n, sizeof(n) / sizeof(n[0]), buf, len);
}

/* bit i of UMT_PTE_* -> letter */
static const char pte_letters[] = "wdysucpnxe";

char *umt_pte_bits_str(uint32_t bits, char *buf, size_t len)
{
	size_t pos = 0;
	int i;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (i = 0; pte_letters[i]; i++) {
		if (bits & 1u << i) {
			append(buf, len, &pos, "%c", pte_letters[i]);
			bits &= ~(1u << i);
		}
	}
	if (bits)
		append(buf, len, &pos, "%s0x%x", pos ? "+" : "", bits);
	return buf;
}

/* slot i of a possibly unaligned array */
static uint32_t slot_at(const void *slots, uint32_t i)
{
	uint32_t s;

	memcpy(&s, (const uint8_t *)slots + 4 * (size_t)i, sizeof(s));
	return s;
}

char *umt_slot_image_str(const void *slots, uint32_t nr, char *buf,
			 size_t len)
{
	size_t pos = 0;
	uint32_t i = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	while (i < nr) {
		uint32_t s = slot_at(slots, i), t = UMT_SLOT_TYPE(s), j = i + 1;
		char bits[32];

		/* a run: same type and bits; THIS runs need page + 1 each */
		for (; j < nr; j++) {
			uint32_t n = slot_at(slots, j);

			if (UMT_SLOT_TYPE(n) != t ||
			    UMT_SLOT_BITS(n) != UMT_SLOT_BITS(s) ||
			    (t == UMT_SLOT_THIS &&
			     UMT_SLOT_PAGE(n) != UMT_SLOT_PAGE(s) + (j - i)))
				break;
		}
		if (pos)
			append(buf, len, &pos, ",");
		if (t == UMT_SLOT_THIS && j - i > 1)
			append(buf, len, &pos, "T%u-%u", UMT_SLOT_PAGE(s),
			       UMT_SLOT_PAGE(s) + (j - i - 1));
		else if (t == UMT_SLOT_THIS)
			append(buf, len, &pos, "T%u", UMT_SLOT_PAGE(s));
		else
			append(buf, len, &pos, "%c", t < 8 ? slot_letters[t] :
			       '?');
		if (t != UMT_SLOT_THIS && j - i > 1)
			append(buf, len, &pos, "x%u", j - i);
		if (UMT_SLOT_BITS(s))
			append(buf, len, &pos, ":%s",
			       umt_pte_bits_str(UMT_SLOT_BITS(s), bits,
						sizeof(bits)));
		i = j;
	}
	if (!pos)
		append(buf, len, &pos, "-");
	return buf;
}

/*
 * One character per slot: W/R present page of this folio (writable or
 * not; '~' if not the page a linear mapping would put there), '.' none,
 * 'o' another page, 's' swap, 'm' marker, 'g' migration, 'd' device,
 * '_' no page table; '|' marks a page-table boundary.
 */
void umt_image_map_str(const struct umt_ttu *t, char *buf, size_t len)
{
	static const char tc[] = ".?osmgd_";
	size_t o = 0;
	uint32_t i, n = t->nr_slots > UMT_MAX_SLOTS ? UMT_MAX_SLOTS :
			t->nr_slots;

	for (i = 0; i < n && o + 4 < len; i++) {
		uint32_t s = t->slots[i];
		int ty = UMT_SLOT_TYPE(s);
		char c;

		if (i && (t->image_pmd_index + i) % 512 == 0)
			buf[o++] = '|';
		if (ty == UMT_SLOT_THIS)
			c = UMT_SLOT_PAGE(s) != t->image_first_page + i ? '~' :
			    UMT_SLOT_BITS(s) & UMT_PTE_WRITE ? 'W' : 'R';
		else
			c = ty < 8 ? tc[ty] : '?';
		buf[o++] = c;
	}
	if (i < n && o + 4 <= len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o < len ? o : len - 1] = '\0';
}

/* The model's notes are static strings: tally them by pointer */

const char *umt_str_safe(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char c = *s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			o += snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = c;
	}
	if (len)
		buf[o < len ? o : len - 1] = '\0';
	return buf;
}
