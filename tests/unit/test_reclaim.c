// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collect/reclaim.c (the reclaim path of a call from task
 * flags, TTU flags and the kernel stack, against a kallsyms table) and
 * the victim block decode.c appends to each TTU record (format 1.2).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "reclaim.h"
#include "unit.h"

/*
 * A made-up kallsyms: rule functions at known addresses, each ended by
 * the next text symbol; data symbols ('d', 'D') do not end a function.
 */
static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81100000 t shrink_folio_list\n"
	"ffffffff81101000 T try_to_free_mem_cgroup_pages\n"
	"ffffffff81102000 t memory_reclaim\n"
	"ffffffff81102800 D some_data\n"
	"ffffffff81103000 t madvise_cold_or_pageout_pte_range.constprop.0\n"
	"ffffffff81104000 T try_to_free_pages\n"
	"ffffffff81105000 t khugepaged\n"
	"ffffffff81106000 T migrate_pages\n"
	"ffffffff81107000 t compact_zone\n"
	"ffffffff81108000 t after_compact_zone\n"
	"0000000000000000 t hidden_one\n"
	"ffffffffc0000000 t memory_reclaim_mod\t[some_module]\n";

static struct ut_ksyms load(const char *text)
{
	struct ut_ksyms k;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err = ut_ksyms_load(&k, f);

	fclose(f);
	if (err)
		memset(&k, 0, sizeof(k));
	return k;
}

static void test_ksyms(void)
{
	struct ut_ksyms k = load(kallsyms);
	int i, mr = -1;

	for (i = 0; i < k.n; i++)
		if (!strcmp(k.r[i].name, "memory_reclaim"))
			mr = i;
	/* 7 rule functions; "memory_reclaim_mod" is another name */
	result("ksyms_rules_found", k.n == 7, "%d rules", k.n);
	result("ksyms_end_is_next_text_symbol",
	       mr >= 0 && k.r[mr].start == 0xffffffff81102000ULL &&
	       k.r[mr].end == 0xffffffff81103000ULL,
	       "memory_reclaim %d: %llx-%llx", mr,
	       mr >= 0 ? (unsigned long long)k.r[mr].start : 0,
	       mr >= 0 ? (unsigned long long)k.r[mr].end : 0);
	ut_ksyms_free(&k);

	k = load("0000000000000000 T memory_reclaim\n"
		 "0000000000000000 T kswapd\n");
	result("ksyms_hidden_addresses_give_none", k.n == 0, "%d", k.n);
	ut_ksyms_free(&k);
}

static void test_paths(void)
{
	struct ut_ksyms k = load(kallsyms);
	/* return addresses: innermost first, as bpf_get_stack() gives */
	uint64_t proactive[] = { 0xffffffffa0000010ULL, 0xffffffff81100040ULL,
				 0xffffffff81101100ULL, 0xffffffff81102100ULL };
	uint64_t memcg_limit[] = { 0xffffffff81100040ULL,
				   0xffffffff81101100ULL };
	uint64_t madvise[] = { 0xffffffff81100040ULL, 0xffffffff81103010ULL };
	uint64_t direct_in_khugepaged[] = { 0xffffffff81104010ULL,
					    0xffffffff81105010ULL };
	uint64_t compaction[] = { 0xffffffff81106010ULL,
				  0xffffffff81107010ULL };
	uint64_t migration[] = { 0xffffffff81106010ULL };
	/* returns to the first byte after memory_reclaim: still inside */
	uint64_t at_end[] = { 0xffffffff81103000ULL };
	uint64_t nothing[] = { 0xffffffff81100040ULL, 0xffffffff81000100ULL };
	uint8_t how;
	unsigned int p;

#define PATH(name, flags, ttu, st, want, want_how)			\
	do {								\
		p = ut_reclaim_path(&k, flags, ttu, st,			\
				    sizeof(st) / 8, &how);		\
		result("path_" name, p == want && how == want_how,	\
		       "path %s how %s", umt_reclaim_path_name(p),	\
		       umt_reclaim_how_name(how));			\
	} while (0)

	PATH("kswapd_by_pf_kswapd", UT_PF_KSWAPD | UT_PF_KTHREAD, 0,
	     proactive, UMT_PATH_KSWAPD, UMT_HOW_TASK_FLAGS);
	PATH("hwpoison_by_ttu_flag", 0, UMT_TTU_HWPOISON, madvise,
	     UMT_PATH_HWPOISON, UMT_HOW_TTU_FLAGS);
	PATH("proactive_outside_weak_memcg_reclaim", UT_PF_MEMALLOC, 0,
	     proactive, UMT_PATH_PROACTIVE, UMT_HOW_STACK);
	PATH("memcg_reclaim_alone_is_direct", UT_PF_MEMALLOC, 0,
	     memcg_limit, UMT_PATH_DIRECT, UMT_HOW_STACK);
	PATH("madvise_constprop_name", UT_PF_MEMALLOC, 0, madvise,
	     UMT_PATH_MADVISE, UMT_HOW_STACK);
	PATH("innermost_strong_wins", UT_PF_MEMALLOC, 0,
	     direct_in_khugepaged, UMT_PATH_DIRECT, UMT_HOW_STACK);
	PATH("strong_outside_weak", 0, 0, compaction,
	     UMT_PATH_KHUGEPAGED, UMT_HOW_STACK);
	PATH("weak_alone", 0, 0, migration, UMT_PATH_MIGRATION,
	     UMT_HOW_STACK);
	PATH("return_address_at_function_end", 0, 0, at_end,
	     UMT_PATH_PROACTIVE, UMT_HOW_STACK);
	PATH("no_caller_matches", 0, 0, nothing, UMT_PATH_OTHER,
	     UMT_HOW_NONE);
	p = ut_reclaim_path(&k, UT_PF_MEMALLOC, 0, NULL, 0, &how);
	result("path_no_stack", p == UMT_PATH_OTHER &&
	       how == UMT_HOW_NO_STACK, "path %u how %u", p, how);
	p = ut_reclaim_path(NULL, 0, 0, proactive, 4, &how);
	result("path_no_symbols", p == UMT_PATH_OTHER && how == UMT_HOW_NONE,
	       "path %u how %u", p, how);
	ut_ksyms_free(&k);
#undef PATH
}

/* ---- the victim block and CGROUP records from decode.c ---- */

#define MAX_SEEN 8
struct seen {
	int n;
	uint16_t type[MAX_SEEN];
	uint32_t size[MAX_SEEN];
	unsigned char buf[MAX_SEEN][512];
};

static int collect(void *ctx, uint16_t type, uint64_t ts, uint32_t cpu,
		   const void *p, uint32_t size)
{
	struct seen *s = ctx;

	if (s->n >= MAX_SEEN || size > sizeof(s->buf[0]))
		return -1;
	s->type[s->n] = type;
	s->size[s->n] = size;
	memcpy(s->buf[s->n], p, size);
	s->n++;
	return 0;
}

static int calls;

static int cg_path(void *ctx, uint64_t id, char *buf, size_t len)
{
	calls++;
	if (id != 77)
		return -1;
	snprintf(buf, len, "%s", (const char *)ctx);
	return 0;
}

static void test_victim_decode(void)
{
	struct ut_swp_layout swp = { .max_swapfiles = 24 };
	struct ut_ksyms k = load(kallsyms);
	struct seen s = { 0 };
	struct ut_decoder d = {
		.swp = &swp, .emit = collect, .emit_ctx = &s, .ksyms = &k,
		.cgroup_path = cg_path, .cgroup_ctx = "/umt/victim",
	};
	struct ut_ttu *e = calloc(1, sizeof(*e));
	const struct umt_ttu_victim *v;
	const struct umt_cgroup *c;
	const struct umt_ttu *t;
	struct umt_rec rec = { 0 };
	char path[64];

	e->type = UT_EV_TTU;
	e->tid = 9;
	e->tgid = 9;
	memcpy(e->comm, "umt-reclaimer", 14);
	e->mm = 0x1000;
	e->vma = 0x2000;
	e->folio = 0x3000;
	e->nr_pages = 1;
	e->nr_slots = 1;
	e->victim_valid = UT_VICTIM_TGID | UT_VICTIM_CGROUP;
	e->victim_tgid = 4240;
	memcpy(e->victim_comm, "umt-workload-long", UT_COMM_LEN); /* no NUL */
	e->victim_cgroup = 77;
	e->task_flags = UT_PF_MEMALLOC;
	e->nr_stack = 3;
	e->stack[0] = 0xffffffff81100040ULL;
	e->stack[1] = 0xffffffff81101100ULL;
	e->stack[2] = 0xffffffff81102100ULL;

	ut_decode_event(&d, e, UT_TTU_HDR_SIZE + 4);
	/* TASK, CGROUP (before the first TTU naming it), TTU */
	c = (const void *)s.buf[1];
	t = (const void *)s.buf[2];
	rec.payload = c;
	rec.size = s.size[1];
	umt_cgroup_path(&rec, path, sizeof(path));
	result("victim_cgroup_record_first",
	       s.n == 3 && s.type[0] == UMT_REC_TASK &&
	       s.type[1] == UMT_REC_CGROUP && s.type[2] == UMT_REC_TTU &&
	       c->cgroup_id == 77 && !strcmp(path, "/umt/victim"),
	       "n %d types %u %u %u path '%s'", s.n, s.type[0], s.type[1],
	       s.type[2], path);
	v = s.n == 3 ? umt_ttu_victim(t, s.size[2]) : NULL;
	result("victim_block_after_slots",
	       v && (const void *)v == (const void *)&t->slots[1] &&
	       v->valid == (UMT_VICTIM_TGID | UMT_VICTIM_CGROUP) &&
	       v->tgid == 4240 && v->cgroup_id == 77 &&
	       !strcmp(v->comm, "umt-workload-lo") &&
	       v->path == UMT_PATH_PROACTIVE && v->how == UMT_HOW_STACK,
	       "victim %p tgid %u path %u", (void *)v, v ? v->tgid : 0,
	       v ? v->path : 0);
	result("victim_block_absent_in_short_payload",
	       !umt_ttu_victim(t, sizeof(*t) + 4) &&
	       !umt_ttu_victim(t, s.size[2] - 1), "found one");

	/* the same cgroup again: no second CGROUP record, no lookup */
	s.n = 0;
	e->folio = 0x4000;
	e->task_flags = UT_PF_KSWAPD;
	ut_decode_event(&d, e, UT_TTU_HDR_SIZE + 4);
	t = (const void *)s.buf[0];
	v = umt_ttu_victim(t, s.size[0]);
	result("victim_cgroup_named_once",
	       s.n == 1 && s.type[0] == UMT_REC_TTU && calls == 1 && v &&
	       v->path == UMT_PATH_KSWAPD,
	       "n %d lookups %d", s.n, calls);

	/* no mm->owner: nothing claimed */
	s.n = 0;
	e->folio = 0x5000;
	e->victim_valid = 0;
	ut_decode_event(&d, e, UT_TTU_HDR_SIZE + 4);
	v = umt_ttu_victim((const void *)s.buf[0], s.size[0]);
	result("victim_unknown_owner", s.n == 1 && v && !v->valid &&
	       !v->tgid && !v->cgroup_id && !v->comm[0], "n %d", s.n);
	result("victim_paths_counted",
	       d.by_path[UMT_PATH_PROACTIVE] == 1 &&
	       d.by_path[UMT_PATH_KSWAPD] == 2, "proactive %llu kswapd %llu",
	       (unsigned long long)d.by_path[UMT_PATH_PROACTIVE],
	       (unsigned long long)d.by_path[UMT_PATH_KSWAPD]);
	ut_decoder_free(&d);
	ut_ksyms_free(&k);
	free(e);
}

int main(void)
{
	test_ksyms();
	test_paths();
	test_victim_decode();
	return failed;
}
