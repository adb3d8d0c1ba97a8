// SPDX-License-Identifier: GPL-2.0
/*
 * Collector events -> .umt records: trace-local ids for kernel pointers,
 * x86 PTE words -> slot types, one record per event (decode.h).
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

uint32_t ut_idmap_get(struct ut_idmap *m, uint64_t key, bool *fresh)
{
	size_t i;

	if (fresh)
		*fresh = false;
	if (2 * (m->n + 1) > m->cap) {
		size_t ncap = m->cap ? 2 * m->cap : 1024, j;
		uint64_t *nk = calloc(ncap, sizeof(*nk));
		uint32_t *nv = calloc(ncap, sizeof(*nv));

		if (!nk || !nv) {
			free(nk);
			free(nv);
			return 0;
		}
		for (j = 0; j < m->cap; j++) {
			if (!m->vals[j])
				continue;
			i = mix(m->keys[j]) & (ncap - 1);
			while (nv[i])
				i = (i + 1) & (ncap - 1);
			nk[i] = m->keys[j];
			nv[i] = m->vals[j];
		}
		free(m->keys);
		free(m->vals);
		m->keys = nk;
		m->vals = nv;
		m->cap = ncap;
	}
	i = mix(key) & (m->cap - 1);
	while (m->vals[i]) {
		if (m->keys[i] == key)
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = ++m->next;		/* ids start at 1 */
	m->n++;
	if (fresh)
		*fresh = true;
	return m->vals[i];
}

void ut_idmap_free(struct ut_idmap *m)
{
	free(m->keys);
	free(m->vals);
}

static uint32_t task_id(struct ut_decoder *d, uint64_t ts, uint32_t cpu,
			uint32_t tid, uint32_t tgid, const char *comm)
{
	struct umt_task t;
	bool fresh;
	uint32_t id = ut_idmap_get(&d->tasks, tid, &fresh);

	if (fresh) {
		memset(&t, 0, sizeof(t));
		t.task_id = id;
		t.tgid = tgid;
		t.pid = tid;
		memcpy(t.comm, comm, sizeof(t.comm));
		t.comm[sizeof(t.comm) - 1] = 0;
		d->emit(d->emit_ctx, UMT_REC_TASK, ts, cpu, &t, sizeof(t));
	}
	return id;
}

/*
 * x86 PTE bits (arch/x86/include/asm/pgtable_types.h, 7.2.13; same in 6.1
 * and 6.12): PRESENT 0, RW 1, USER 2, PWT 3, ACCESSED 5, DIRTY 6, GLOBAL 8
 * (= PROTNONE without PRESENT), SOFTW1 9 = SPECIAL, SOFTW2 10 = UFFD_WP,
 * SOFTW3 11 = SOFT_DIRTY; bit 58 SAVED_DIRTY counts as dirty (pte_dirty()).
 * Swap PTEs: _PAGE_SWP_SOFT_DIRTY = RW, _PAGE_SWP_UFFD_WP = USER,
 * _PAGE_SWP_EXCLUSIVE = PWT (pgtable_64_types.h, 5.19+).
 */
#define X_PRESENT	(1u << 0)
#define X_RW		(1u << 1)
#define X_USER		(1u << 2)
#define X_PWT		(1u << 3)
#define X_ACCESSED	(1u << 5)
#define X_DIRTY		(1u << 6)
#define X_PROTNONE	(1u << 8)
#define X_SPECIAL	(1u << 9)
#define X_UFFD_WP	(1u << 10)
#define X_SOFT_DIRTY	(1u << 11)

uint32_t ut_classify_x86(uint32_t raw, const struct ut_swp_layout *s)
{
	uint32_t low = raw & UT_RAW_LOW_MASK, bits = 0, type, idx = 0, t;

	if (raw & UT_RAW_NO_TABLE)
		return UMT_SLOT_MAKE(UMT_SLOT_NO_TABLE, 0, 0);
	/* pte_none(): only _PAGE_KNL_ERRATUM_MASK (DIRTY|ACCESSED) set */
	if (!(raw & UT_RAW_HIGH) && !(low & ~(X_DIRTY | X_ACCESSED)))
		return UMT_SLOT_MAKE(UMT_SLOT_NONE, 0, 0);
	if (low & (X_PRESENT | X_PROTNONE)) {
		if (low & X_RW)
			bits |= UMT_PTE_WRITE;
		if ((low & X_DIRTY) || (raw & UT_RAW_SAVED_DIRTY))
			bits |= UMT_PTE_DIRTY;
		if (low & X_ACCESSED)
			bits |= UMT_PTE_YOUNG;
		if (low & X_SOFT_DIRTY)
			bits |= UMT_PTE_SOFT_DIRTY;
		if (low & X_UFFD_WP)
			bits |= UMT_PTE_UFFD_WP;
		if (low & X_SPECIAL)
			bits |= UMT_PTE_SPECIAL;
#ifdef __aarch64__
		/* the arm64 walker's PTE_CONT (bpf/unmaptrace.bpf.c) */
		if (low & UT_RAW_CONT)
			bits |= UMT_PTE_CONT;
#endif
		if (!(low & X_PRESENT))
			bits |= UMT_PTE_PROTNONE;
		if (raw & UT_RAW_THIS) {
			type = UMT_SLOT_THIS;
			idx = (raw >> UT_RAW_IDX_SHIFT) & 0x3ff;
			if (raw & UT_RAW_ANON_EXCL)
				bits |= UMT_PTE_ANON_EXCL;
		} else {
			type = UMT_SLOT_OTHER;
		}
		return UMT_SLOT_MAKE(type, idx, bits);
	}
	if (low & X_RW)
		bits |= UMT_PTE_SOFT_DIRTY;
	if (low & X_USER)
		bits |= UMT_PTE_UFFD_WP;
	if (low & X_PWT)
		bits |= UMT_PTE_SWP_EXCLUSIVE;
	t = (raw >> UT_RAW_SWP_TYPE_SHIFT) & 0x1f;
	if (t < s->max_swapfiles)
		type = UMT_SLOT_SWAP;
	else if (t - s->marker_first < s->marker_nr)
		type = UMT_SLOT_MARKER;
	else if (t - s->device_first < s->device_nr)
		type = UMT_SLOT_DEVICE;
	else
		type = UMT_SLOT_MIGRATION;	/* migration or hwpoison */
	return UMT_SLOT_MAKE(type, 0, bits);
}

/* UMT_REC_CGROUP the first time a cgroup id is seen */
static void cgroup_seen(struct ut_decoder *d, uint64_t ts, uint32_t cpu,
			uint64_t id)
{
	struct {
		struct umt_cgroup c;
		char path[4096];
	} u;
	bool fresh;

	if (!ut_idmap_get(&d->cgroups, id, &fresh) || !fresh)
		return;
	memset(&u, 0, sizeof(u));
	u.c.cgroup_id = id;
	if (!d->cgroup_path ||
	    d->cgroup_path(d->cgroup_ctx, id, u.path, sizeof(u.path)))
		u.path[0] = 0;
	d->emit(d->emit_ctx, UMT_REC_CGROUP, ts, cpu, &u,
		sizeof(u.c) + strlen(u.path) + 1);
}

/* the 1.2 block: victim from the event, path from flags and stack */
static void decode_victim(struct ut_decoder *d, const struct ut_ttu *e,
			  struct umt_ttu_victim *v)
{
	uint32_t ns = e->nr_stack < UT_STACK_MAX ? e->nr_stack : UT_STACK_MAX;

	memset(v, 0, sizeof(*v));
	if (e->victim_valid & UT_VICTIM_TGID) {
		v->valid |= UMT_VICTIM_TGID;
		v->tgid = e->victim_tgid;
		memcpy(v->comm, e->victim_comm, sizeof(v->comm));
		v->comm[sizeof(v->comm) - 1] = 0;
	}
	if (e->victim_valid & UT_VICTIM_CGROUP) {
		v->valid |= UMT_VICTIM_CGROUP;
		v->cgroup_id = e->victim_cgroup;
		cgroup_seen(d, e->ts, e->cpu, e->victim_cgroup);
	}
	v->path = ut_reclaim_path(d->ksyms, e->task_flags, e->ttu_flags,
				  e->stack, ns, &v->how);
	d->by_path[v->path]++;
}

static int decode_ttu(struct ut_decoder *d, const struct ut_ttu *e, size_t size)
{
	static union {
		struct umt_ttu t;
		char buf[sizeof(struct umt_ttu) + 4 * UMT_MAX_SLOTS +
			 sizeof(struct umt_ttu_victim)];
	} u;
	struct umt_ttu *t = &u.t;
	uint32_t n = e->nr_slots, i;

	if (size < UT_TTU_HDR_SIZE || n > UMT_MAX_SLOTS ||
	    size < UT_TTU_HDR_SIZE + 4 * n) {
		d->bad_events++;
		return 0;
	}
	memset(t, 0, sizeof(*t));
	t->task_id = task_id(d, e->ts, e->cpu, e->tid, e->tgid, e->comm);
	t->mm_id = ut_idmap_get(&d->mms, e->mm, NULL);
	t->vma_id = ut_idmap_get(&d->vmas, e->vma, NULL);
	t->folio_id = ut_idmap_get(&d->folios, e->folio, NULL);
	t->nr_pages = e->nr_pages;
	t->kind = e->kind;
	t->folio_flags = e->folio_flags;
	if (e->image_err) {
		t->folio_flags |= UMT_FOLIO_NO_IMAGE;
		d->image_errs++;
	}
	if (e->paging_levels)
		d->levels_seen = e->paging_levels;
	t->ttu_flags = e->ttu_flags;
	t->vma_flags = e->vma_flags;
	t->image_first_page = e->image_first_page;
	t->image_pmd_index = e->image_pmd_index;
	t->nr_slots = n;
	t->vma_start_page = e->vma_start_page;
	t->vma_end_page = e->vma_end_page;
	t->defer_flush = e->defer_flush;
	t->ret = e->ret;
	t->has_live = e->has_live & UT_LIVE_DONE ?
		      UMT_LIVE_COUNTS | UMT_LIVE_DEFER : 0;
	if (t->has_live && (d->hooked_huge_pmd || d->hooked_pte_batch)) {
		t->has_live |= UMT_LIVE_HELPERS;
		if (e->has_live & UT_LIVE_HUGE_PMD)
			t->live_helpers |= UMT_HELPER_UNMAP_HUGE_PMD;
		if (e->has_live & UT_LIVE_PTE_BATCH)
			t->live_helpers |= UMT_HELPER_PTE_BATCH;
	}
	t->live_defer_walks = e->live_defer_walks;
	t->live_defer_rmap = e->live_defer_rmap;
	t->live_rmap_calls = e->live_rmap_calls;
	t->live_rmap_pages = e->live_rmap_pages;
	t->live_tlb_flushes = e->live_tlb_flushes;
	t->live_rss_stat = e->live_rss_stat;
	t->live_walk_calls = e->live_walk_calls;
	t->live_walk_true = e->live_walk_true;
	for (i = 0; i < n; i++)
		t->slots[i] = ut_classify_x86(e->slots[i], d->swp);
	decode_victim(d, e, (struct umt_ttu_victim *)&t->slots[n]);
	d->ttu_records++;
	return d->emit(d->emit_ctx, UMT_REC_TTU, e->ts, e->cpu, t,
		       sizeof(*t) + 4 * n + sizeof(struct umt_ttu_victim));
}

void ut_decode_event(struct ut_decoder *d, const void *data, size_t size)
{
	const struct ut_tlbbatch *b = data;
	struct umt_tlb_flush f;

	d->events++;
	if (size < sizeof(uint16_t)) {
		d->bad_events++;
		return;
	}
	switch (*(const uint16_t *)data) {
	case UT_EV_TTU:
		decode_ttu(d, data, size);
		break;
	case UT_EV_TLBBATCH:
		if (size < sizeof(*b)) {
			d->bad_events++;
			break;
		}
		f.task_id = task_id(d, b->ts, b->cpu, b->tid, b->tgid,
				    b->comm);
		f.in_ttu = b->in_ttu ? UMT_FLUSH_IN_TTU : 0;
		if (d->hooked_migrate)
			f.in_ttu |= UMT_FLUSH_MIGRATE_HOOKED |
				    (b->migrate_defers ? UMT_FLUSH_MIGRATE : 0);
		d->tlb_records++;
		d->emit(d->emit_ctx, UMT_REC_TLB_FLUSH, b->ts, b->cpu, &f, sizeof(f));
		break;
	default:
		d->bad_events++;
	}
}

void ut_decoder_free(struct ut_decoder *d)
{
	ut_idmap_free(&d->tasks);
	ut_idmap_free(&d->mms);
	ut_idmap_free(&d->vmas);
	ut_idmap_free(&d->folios);
	ut_idmap_free(&d->cgroups);
}
