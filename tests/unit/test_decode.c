// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collect/decode.c: the pointer -> trace-local id map, the
 * x86 PTE word -> slot classification and the event -> record decoding,
 * fed hand-built events (no BPF, no kernel).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "unit.h"

/* what the decoder emitted: the last few records, copied */
#define MAX_SEEN	8
struct seen {
	int n;
	uint16_t type[MAX_SEEN];
	uint64_t ts[MAX_SEEN];
	uint32_t cpu[MAX_SEEN], size[MAX_SEEN];
	unsigned char buf[MAX_SEEN][sizeof(struct umt_ttu) + 4 * 8 +
				 sizeof(struct umt_ttu_victim)];
};

static int collect(void *ctx, uint16_t type, uint64_t ts, uint32_t cpu,
		   const void *p, uint32_t size)
{
	struct seen *s = ctx;

	if (s->n >= MAX_SEEN)
		return -1;
	s->type[s->n] = type;
	s->ts[s->n] = ts;
	s->cpu[s->n] = cpu;
	s->size[s->n] = size;
	memcpy(s->buf[s->n], p, size < sizeof(s->buf[0]) ? size :
	       sizeof(s->buf[0]));
	s->n++;
	return 0;
}

static void test_idmap(void)
{
	struct ut_idmap m = { 0 };
	bool fresh, ok = true;
	uint32_t a, b, i;

	a = ut_idmap_get(&m, 0xffff888012345000ULL, &fresh);
	result("idmap_first_id_is_1_and_fresh", a == 1 && fresh,
	       "id %u fresh %d", a, fresh);
	b = ut_idmap_get(&m, 0xffff888012345000ULL, &fresh);
	result("idmap_same_key_same_id", b == a && !fresh,
	       "id %u fresh %d", b, fresh);
	b = ut_idmap_get(&m, 0xffff888012346000ULL, NULL);
	result("idmap_new_key_next_id", b == 2, "id %u", b);
	/* past the first growth (1024 slots, half full) ids must survive */
	for (i = 0; i < 5000; i++)
		ut_idmap_get(&m, 0x1000ULL * i + 7, NULL);
	for (i = 0; i < 5000 && ok; i++)
		ok = ut_idmap_get(&m, 0x1000ULL * i + 7, &fresh) == i + 3 &&
		     !fresh;
	result("idmap_ids_stable_across_growth",
	       ok && ut_idmap_get(&m, 0xffff888012345000ULL, NULL) == 1 &&
	       m.n == 5002, "n %zu, broke at %u", m.n, i);
	ut_idmap_free(&m);
}

static void test_classify(void)
{
	/* CONFIG_PTE_MARKER + DEVICE_PRIVATE style layout, 6.x numbering */
	struct ut_swp_layout s = {
		.max_swapfiles = 24, .hwpoison_first = 24, .hwpoison_nr = 1,
		.migration_first = 25, .migration_nr = 3,
		.device_first = 28, .device_nr = 3,
		.marker_first = 31, .marker_nr = 1,
	};
	uint32_t v;

	v = ut_classify_x86(UT_RAW_NO_TABLE, &s);
	result("classify_no_table", UMT_SLOT_TYPE(v) == UMT_SLOT_NO_TABLE,
	       "0x%x", v);
	/* only DIRTY|ACCESSED: the KNL erratum bits, still pte_none() */
	v = ut_classify_x86((1u << 6) | (1u << 5), &s);
	result("classify_none_with_erratum_bits", v == 0, "0x%x", v);
	/* present, RW, this folio's page 5, anon-exclusive */
	v = ut_classify_x86(1 | 2 | UT_RAW_THIS | 5u << UT_RAW_IDX_SHIFT |
			    UT_RAW_ANON_EXCL | UT_RAW_HIGH, &s);
	result("classify_present_this",
	       UMT_SLOT_TYPE(v) == UMT_SLOT_THIS && UMT_SLOT_PAGE(v) == 5 &&
	       UMT_SLOT_BITS(v) == (UMT_PTE_WRITE | UMT_PTE_ANON_EXCL),
	       "0x%x", v);
	/* SAVED_DIRTY counts as dirty (pte_dirty()) */
	v = ut_classify_x86(1 | UT_RAW_SAVED_DIRTY | UT_RAW_HIGH, &s);
	result("classify_saved_dirty_is_dirty",
	       UMT_SLOT_TYPE(v) == UMT_SLOT_OTHER &&
	       UMT_SLOT_BITS(v) == UMT_PTE_DIRTY, "0x%x", v);
	/* PROTNONE without PRESENT is still a present mapping */
	v = ut_classify_x86((1u << 8) | UT_RAW_HIGH, &s);
	result("classify_protnone",
	       UMT_SLOT_TYPE(v) == UMT_SLOT_OTHER &&
	       UMT_SLOT_BITS(v) == UMT_PTE_PROTNONE, "0x%x", v);
	/* swap type 3, exclusive (PWT) and uffd-wp (USER) */
	v = ut_classify_x86((1u << 3) | (1u << 2) | UT_RAW_HIGH |
			    3u << UT_RAW_SWP_TYPE_SHIFT, &s);
	result("classify_swap_bits",
	       UMT_SLOT_TYPE(v) == UMT_SLOT_SWAP &&
	       UMT_SLOT_BITS(v) == (UMT_PTE_SWP_EXCLUSIVE | UMT_PTE_UFFD_WP),
	       "0x%x", v);
	v = ut_classify_x86(UT_RAW_HIGH | 31u << UT_RAW_SWP_TYPE_SHIFT, &s);
	result("classify_marker", UMT_SLOT_TYPE(v) == UMT_SLOT_MARKER,
	       "0x%x", v);
	v = ut_classify_x86(UT_RAW_HIGH | 29u << UT_RAW_SWP_TYPE_SHIFT, &s);
	result("classify_device", UMT_SLOT_TYPE(v) == UMT_SLOT_DEVICE,
	       "0x%x", v);
	v = ut_classify_x86(UT_RAW_HIGH | 26u << UT_RAW_SWP_TYPE_SHIFT, &s);
	result("classify_migration", UMT_SLOT_TYPE(v) == UMT_SLOT_MIGRATION,
	       "0x%x", v);
}

static struct ut_ttu *ttu_event(uint32_t nr_slots, size_t *size)
{
	struct ut_ttu *e = calloc(1, sizeof(*e));

	e->type = UT_EV_TTU;
	e->cpu = 1;
	e->ts = 1000;
	e->tid = 4242;
	e->tgid = 4240;
	memcpy(e->comm, "umt-workload-long", UT_COMM_LEN);	/* no NUL */
	e->mm = 0xffff888000001000ULL;
	e->vma = 0xffff888000002000ULL;
	e->folio = 0xffffea0000003000ULL;
	e->nr_pages = 16;
	e->kind = UMT_KIND_ANON;
	e->nr_slots = nr_slots;
	e->has_live = 1;
	e->live_walk_calls = 3;
	e->slots[0] = 1 | UT_RAW_THIS | UT_RAW_HIGH;
	*size = UT_TTU_HDR_SIZE + 4 * nr_slots;
	return e;
}

static void test_decode(void)
{
	struct ut_swp_layout swp = { .max_swapfiles = 24 };
	struct seen s = { 0 };
	struct ut_decoder d = {
		.swp = &swp, .emit = collect, .emit_ctx = &s,
	};
	struct ut_tlbbatch b = {
		.type = UT_EV_TLBBATCH, .cpu = 0, .ts = 2000, .tid = 4242,
		.tgid = 4240, .in_ttu = 1,
	};
	const struct umt_task *tk;
	const struct umt_ttu *t;
	const struct umt_tlb_flush *f;
	size_t size;
	struct ut_ttu *e = ttu_event(2, &size);
	uint16_t junk = 9;

	ut_decode_event(&d, e, size);
	tk = (const void *)s.buf[0];
	t = (const void *)s.buf[1];
	result("decode_first_ttu_names_its_task",
	       s.n == 2 && s.type[0] == UMT_REC_TASK &&
	       s.size[0] == sizeof(*tk) && tk->task_id == 1 &&
	       tk->pid == 4242 && tk->tgid == 4240 &&
	       !memcmp(tk->comm, "umt-workload-lo", 16),
	       "n %d type %u", s.n, s.type[0]);
	result("decode_ttu_record",
	       s.type[1] == UMT_REC_TTU && s.ts[1] == 1000 && s.cpu[1] == 1 &&
	       s.size[1] == sizeof(*t) + 8 + sizeof(struct umt_ttu_victim) &&
	       t->task_id == 1 &&
	       t->mm_id == 1 && t->vma_id == 1 && t->folio_id == 1 &&
	       t->nr_pages == 16 && t->kind == UMT_KIND_ANON &&
	       t->nr_slots == 2 && t->live_walk_calls == 3 &&
	       t->has_live == (UMT_LIVE_COUNTS | UMT_LIVE_DEFER) &&
	       UMT_SLOT_TYPE(t->slots[0]) == UMT_SLOT_THIS &&
	       t->slots[1] == 0 && d.ttu_records == 1,
	       "type %u size %u ids %u/%u/%u", s.type[1], s.size[1],
	       t->task_id, t->mm_id, t->folio_id);

	/* same task, another folio, no image: no second TASK record */
	s.n = 0;
	e->folio += 0x40;
	e->image_err = UT_IMG_READ_FAULT;
	ut_decode_event(&d, e, size);
	t = (const void *)s.buf[0];
	result("decode_known_task_new_folio",
	       s.n == 1 && s.type[0] == UMT_REC_TTU && t->task_id == 1 &&
	       t->folio_id == 2 && t->mm_id == 1 &&
	       (t->folio_flags & UMT_FOLIO_NO_IMAGE) && d.image_errs == 1,
	       "n %d folio %u flags 0x%x", s.n, t->folio_id, t->folio_flags);

	s.n = 0;
	ut_decode_event(&d, &b, sizeof(b));
	f = (const void *)s.buf[0];
	result("decode_tlbbatch",
	       s.n == 1 && s.type[0] == UMT_REC_TLB_FLUSH && s.ts[0] == 2000 &&
	       f->task_id == 1 && f->in_ttu == 1 && d.tlb_records == 1,
	       "n %d type %u", s.n, s.type[0]);

	/* malformed: short, slots beyond the size, unknown type */
	s.n = 0;
	ut_decode_event(&d, e, size - 1);
	ut_decode_event(&d, &b, sizeof(b) - 1);
	ut_decode_event(&d, &junk, sizeof(junk));
	ut_decode_event(&d, &junk, 1);
	e->nr_slots = UMT_MAX_SLOTS + 1;
	ut_decode_event(&d, e, sizeof(*e));
	result("decode_malformed_events_dropped",
	       s.n == 0 && d.bad_events == 5 && d.events == 8,
	       "emitted %d bad %lu events %lu", s.n,
	       (unsigned long)d.bad_events, (unsigned long)d.events);
	ut_decoder_free(&d);
	free(e);
}

/*
 * Kernel facts in the records: the helpers the BPF side saw inside the
 * call and the try_to_migrate_one() deferrals before a flush, valid only
 * where the optional hooks were attached (hooked_*).
 */
static void test_decode_facts(void)
{
	struct ut_swp_layout swp = { .max_swapfiles = 24 };
	struct seen s = { 0 };
	struct ut_decoder d = {
		.swp = &swp, .emit = collect, .emit_ctx = &s,
	};
	struct ut_tlbbatch b = {
		.type = UT_EV_TLBBATCH, .tid = 4242, .tgid = 4240,
		.migrate_defers = 3,
	};
	const struct umt_ttu *t;
	const struct umt_tlb_flush *f;
	size_t size;
	struct ut_ttu *e = ttu_event(1, &size);

	/* hooks not attached: no helper facts, no migrate flag */
	e->has_live = UT_LIVE_DONE | UT_LIVE_HUGE_PMD;
	ut_decode_event(&d, e, size);
	t = (const void *)s.buf[1];
	result("decode_helpers_need_their_hook",
	       s.n == 2 && t->has_live == (UMT_LIVE_COUNTS | UMT_LIVE_DEFER) &&
	       !t->live_helpers, "has_live 0x%x helpers 0x%x", t->has_live,
	       t->live_helpers);
	s.n = 0;
	ut_decode_event(&d, &b, sizeof(b));
	f = (const void *)s.buf[0];
	result("decode_migrate_needs_its_hook", s.n == 1 && f->in_ttu == 0,
	       "in_ttu 0x%x", f->in_ttu);

	d.hooked_migrate = d.hooked_huge_pmd = d.hooked_pte_batch = true;
	s.n = 0;
	e->has_live = UT_LIVE_DONE | UT_LIVE_HUGE_PMD | UT_LIVE_PTE_BATCH;
	ut_decode_event(&d, e, size);
	t = (const void *)s.buf[0];
	result("decode_helpers_seen",
	       s.n == 1 && (t->has_live & UMT_LIVE_HELPERS) &&
	       t->live_helpers == (UMT_HELPER_UNMAP_HUGE_PMD |
				   UMT_HELPER_PTE_BATCH),
	       "has_live 0x%x helpers 0x%x", t->has_live, t->live_helpers);
	s.n = 0;
	e->has_live = UT_LIVE_DONE;
	ut_decode_event(&d, e, size);
	t = (const void *)s.buf[0];
	result("decode_helpers_watched_not_seen",
	       (t->has_live & UMT_LIVE_HELPERS) && !t->live_helpers,
	       "has_live 0x%x helpers 0x%x", t->has_live, t->live_helpers);
	/* fexit never ran: no live counts, so no helper facts either */
	s.n = 0;
	e->has_live = UT_LIVE_HUGE_PMD;
	ut_decode_event(&d, e, size);
	t = (const void *)s.buf[0];
	result("decode_no_fexit_no_facts", !t->has_live && !t->live_helpers,
	       "has_live 0x%x", t->has_live);
	s.n = 0;
	ut_decode_event(&d, &b, sizeof(b));
	b.migrate_defers = 0;
	ut_decode_event(&d, &b, sizeof(b));
	result("decode_migrate_flag",
	       s.n == 2 &&
	       ((const struct umt_tlb_flush *)s.buf[0])->in_ttu ==
	       (UMT_FLUSH_MIGRATE | UMT_FLUSH_MIGRATE_HOOKED) &&
	       ((const struct umt_tlb_flush *)s.buf[1])->in_ttu ==
	       UMT_FLUSH_MIGRATE_HOOKED, "n %d", s.n);
	ut_decoder_free(&d);
	free(e);
}

int main(void)
{
	test_idmap();
	test_classify();
	test_decode();
	test_decode_facts();
	return failed;
}
