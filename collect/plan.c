// SPDX-License-Identifier: GPL-2.0
/*
 * Attach plan: which (symbol x mechanism) serves each logical hook on the
 * running kernel.  Every fentry/fexit/tp_btf candidate is really loaded and
 * attached with a 2-instruction program (bcc's fentry_can_attach): some
 * kernels have the BTF and still refuse the load (EPERM on this project's
 * Firecracker host), and arches without trampolines fail only at attach.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kfacts.h"
#include "plan.h"
#include "unmaptrace.skel.h"

enum mech {
	M_FENTRY,
	M_FEXIT,
	M_KPROBE,
	M_KRETPROBE,
	M_TP_BTF,
	M_RAW_TP,
	M_TRACEPOINT,
};

static const char *const mech_names[] = {
	[M_FENTRY] = "fentry",	   [M_FEXIT] = "fexit",
	[M_KPROBE] = "kprobe",	   [M_KRETPROBE] = "kretprobe",
	[M_TP_BTF] = "tp_btf",	   [M_RAW_TP] = "raw_tp",
	[M_TRACEPOINT] = "tracepoint",
};

/* One candidate: up to two programs that must both attach (entry+exit) */
struct cand {
	const char *symbol;	/* function, or tracepoint "cat/event" */
	int nr;
	enum mech mech[2];
	const char *prog[2];	/* program names in unmaptrace.bpf.c */
};

struct hook_def {
	const char *name;
	int nr_cands;
	struct cand cands[UT_MAX_CANDS];
};

static const struct hook_def hook_defs[UT_HOOK_NR] = {
	[UT_HOOK_TTU] = { "ttu", 2, {
		{ "try_to_unmap_one", 2, { M_FENTRY, M_FEXIT },
		  { "ttu_fentry", "ttu_fexit" } },
		{ "try_to_unmap_one", 2, { M_KPROBE, M_KRETPROBE },
		  { "ttu_kprobe", "ttu_kretprobe" } } } },
	/* folio_remove_rmap_ptes 6.8+, page_remove_rmap up to 6.7 */
	[UT_HOOK_RMAP] = { "rmap", 4, {
		{ "folio_remove_rmap_ptes", 1, { M_FENTRY },
		  { "rmap_ptes_fentry" } },
		{ "page_remove_rmap", 1, { M_FENTRY },
		  { "rmap_page_fentry" } },
		{ "folio_remove_rmap_ptes", 1, { M_KPROBE },
		  { "rmap_ptes_kprobe" } },
		{ "page_remove_rmap", 1, { M_KPROBE },
		  { "rmap_page_kprobe" } } } },
	[UT_HOOK_WALK] = { "walk", 2, {
		{ "page_vma_mapped_walk", 1, { M_FEXIT }, { "walk_fexit" } },
		{ "page_vma_mapped_walk", 1, { M_KRETPROBE },
		  { "walk_kretprobe" } } } },
#ifdef __aarch64__
	/*
	 * arm64 flushes inline (asm/tlbflush.h): the hookable flush inside
	 * try_to_unmap_one() is contpte_convert() (6.9+), the batch flush
	 * try_to_unmap_flush() (6.5+); neither exists on 6.1.
	 */
	[UT_HOOK_TLB_FLUSH] = { "tlb_flush", 2, {
		{ "contpte_convert", 1, { M_FENTRY }, { "contpte_fentry" } },
		{ "contpte_convert", 1, { M_KPROBE },
		  { "contpte_kprobe" } } } },
	[UT_HOOK_TLB_BATCH] = { "tlb_batch", 2, {
		{ "try_to_unmap_flush", 1, { M_FENTRY },
		  { "ubc_flush_fentry" } },
		{ "try_to_unmap_flush", 1, { M_KPROBE },
		  { "ubc_flush_kprobe" } } } },
#else
	[UT_HOOK_TLB_FLUSH] = { "tlb_flush", 2, {
		{ "flush_tlb_mm_range", 1, { M_FENTRY }, { "tlb_fentry" } },
		{ "flush_tlb_mm_range", 1, { M_KPROBE }, { "tlb_kprobe" } } } },
	[UT_HOOK_TLB_BATCH] = { "tlb_batch", 2, {
		{ "arch_tlbbatch_flush", 1, { M_FENTRY },
		  { "tlbbatch_fentry" } },
		{ "arch_tlbbatch_flush", 1, { M_KPROBE },
		  { "tlbbatch_kprobe" } } } },
#endif
	[UT_HOOK_RSS_STAT] = { "rss_stat", 3, {
		{ "kmem/rss_stat", 1, { M_TP_BTF }, { "rss_tp_btf" } },
		{ "kmem/rss_stat", 1, { M_RAW_TP }, { "rss_raw_tp" } },
		{ "kmem/rss_stat", 1, { M_TRACEPOINT }, { "rss_tp" } } } },
	[UT_HOOK_FORK] = { "fork", 3, {
		{ "sched/sched_process_fork", 1, { M_TP_BTF },
		  { "fork_tp_btf" } },
		{ "sched/sched_process_fork", 1, { M_RAW_TP },
		  { "fork_raw_tp" } },
		{ "sched/sched_process_fork", 1, { M_TRACEPOINT },
		  { "fork_tp" } } } },
	/* try_to_migrate_one 5.15+ */
	[UT_HOOK_MIGRATE] = { "migrate", 2, {
		{ "try_to_migrate_one", 1, { M_FENTRY },
		  { "migrate_fentry" } },
		{ "try_to_migrate_one", 1, { M_KPROBE },
		  { "migrate_kprobe" } } } },
	/* unmap_huge_pmd_locked 6.11+ (called from ttu in 6.12.107, 7.2) */
	[UT_HOOK_HUGE_PMD] = { "huge_pmd", 2, {
		{ "unmap_huge_pmd_locked", 1, { M_FENTRY },
		  { "huge_pmd_fentry" } },
		{ "unmap_huge_pmd_locked", 1, { M_KPROBE },
		  { "huge_pmd_kprobe" } } } },
	/* folio_pte_batch: out of line in 6.17, 7.3 (inline in 6.12) */
	[UT_HOOK_PTE_BATCH] = { "pte_batch", 2, {
		{ "folio_pte_batch", 1, { M_FENTRY },
		  { "pte_batch_fentry" } },
		{ "folio_pte_batch", 1, { M_KPROBE },
		  { "pte_batch_kprobe" } } } },
#ifdef __aarch64__
	/*
	 * arm64: Debian's 6.12 inlines try_to_unmap_flush() (so its dsb) into
	 * try_to_unmap_flush_dirty(), which the tlb_batch hook then misses;
	 * 7.2/7.3 call it.  The BPF side counts the flush here and skips the
	 * nested try_to_unmap_flush() where there is one.
	 */
	[UT_HOOK_TLB_BATCH_DIRTY] = { "tlb_batch_dirty", 2, {
		{ "try_to_unmap_flush_dirty", 2, { M_FENTRY, M_FEXIT },
		  { "ubc_dirty_fentry", "ubc_dirty_fexit" } },
		{ "try_to_unmap_flush_dirty", 2, { M_KPROBE, M_KRETPROBE },
		  { "ubc_dirty_kprobe", "ubc_dirty_kretprobe" } } } },
#endif
};

const char *ut_hook_name(int hook)
{
	return hook >= 0 && hook < UT_HOOK_NR ? hook_defs[hook].name : "?";
}

static struct btf *vmlinux_btf;

static const char *tp_event(const char *symbol)
{
	const char *s = strchr(symbol, '/');

	return s ? s + 1 : symbol;
}

/* r0 = 0; exit */
static const struct bpf_insn ret0[] = {
	{ .code = 0xb7, .dst_reg = 0, .imm = 0 },	/* BPF_MOV64_IMM */
	{ .code = 0x95 },				/* BPF_EXIT */
};

static int load_probe(enum bpf_prog_type type, enum bpf_attach_type eat,
		      int btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		.expected_attach_type = eat,
		.attach_btf_id = btf_id,
	);
	int fd = bpf_prog_load(type, "ut_probe", "GPL", ret0, 2, &opts);

	return fd < 0 ? -errno : fd;
}

/* Why a function is not in BTF: an IPA clone, or not in this kernel */
static void explain_absent(const char *sym, struct ut_try *t)
{
	char line[512], name[256], clone[256] = "";
	size_t len = strlen(sym);
	bool exact = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%*s %*s %255s", name) != 1)
				continue;
			if (!strcmp(name, sym))
				exact = true;
			else if (!clone[0] && !strncmp(name, sym, len) &&
				 name[len] == '.')
				snprintf(clone, sizeof(clone), "%s", name);
		}
		fclose(f);
	}
	if (exact)
		snprintf(t->note, sizeof(t->note),
			 "in kallsyms but not in BTF (no fentry)");
	else if (clone[0])
		snprintf(t->note, sizeof(t->note),
			 "absent from BTF; only clone %.40s (inlined/IPA)",
			 clone);
	else
		snprintf(t->note, sizeof(t->note),
			 "not in this kernel (absent from BTF and kallsyms)");
}

static int probe_tracing(const char *sym, enum bpf_attach_type eat,
			 struct ut_try *t)
{
	int id, fd, lfd;

	if (!vmlinux_btf) {
		snprintf(t->note, sizeof(t->note), "no kernel BTF");
		return -ENOENT;
	}
	id = btf__find_by_name_kind(vmlinux_btf, sym, BTF_KIND_FUNC);
	if (id < 0) {
		explain_absent(sym, t);
		return -ENOENT;
	}
	fd = load_probe(BPF_PROG_TYPE_TRACING, eat, id);
	if (fd < 0) {
		snprintf(t->note, sizeof(t->note),
			 "BPF_PROG_LOAD refused: %s", strerror(-fd));
		return fd;
	}
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		int err = -errno;

		snprintf(t->note, sizeof(t->note),
			 "loads, attach refused: %s", strerror(-err));
		close(fd);
		return err;
	}
	close(lfd);
	close(fd);
	return 0;
}

static int read_int_file(const char *path, int *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d", v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int probe_kprobe(const char *sym, bool ret, struct ut_try *t)
{
	struct perf_event_attr attr;
	int type, bit = 0, fd;
	char fmt[64];
	FILE *f;

	if (read_int_file("/sys/bus/event_source/devices/kprobe/type",
			  &type)) {
		snprintf(t->note, sizeof(t->note),
			 "no kprobe PMU (kernel without CONFIG_KPROBES?)");
		return -ENOENT;
	}
	if (ret) {
		f = fopen("/sys/bus/event_source/devices/kprobe/format/"
			  "retprobe", "r");
		if (!f || fscanf(f, "config:%d", &bit) != 1) {
			if (f)
				fclose(f);
			snprintf(t->note, sizeof(t->note),
				 "kprobe PMU has no retprobe format");
			return -ENOENT;
		}
		fclose(f);
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = type;
	attr.config = ret ? 1ULL << bit : 0;
	attr.config1 = (uint64_t)(unsigned long)sym;	/* kprobe_func */
	snprintf(fmt, sizeof(fmt), "%s", sym);
	fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1,
		     PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		int err = -errno;

		snprintf(t->note, sizeof(t->note), "perf_event_open(%s): %s",
			 ret ? "kretprobe" : "kprobe", strerror(-err));
		return err;
	}
	close(fd);
	return 0;
}

static int probe_tp_btf(const char *event, struct ut_try *t)
{
	char name[128];
	int id, fd, lfd;

	if (!vmlinux_btf) {
		snprintf(t->note, sizeof(t->note), "no kernel BTF");
		return -ENOENT;
	}
	snprintf(name, sizeof(name), "btf_trace_%s", event);
	id = btf__find_by_name_kind(vmlinux_btf, name, BTF_KIND_TYPEDEF);
	if (id < 0) {
		snprintf(t->note, sizeof(t->note), "%.64s absent from BTF",
			 name);
		return -ENOENT;
	}
	fd = load_probe(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, id);
	if (fd < 0) {
		snprintf(t->note, sizeof(t->note), "BPF_PROG_LOAD refused: %s",
			 strerror(-fd));
		return fd;
	}
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		int err = -errno;

		snprintf(t->note, sizeof(t->note), "attach refused: %s",
			 strerror(-err));
		close(fd);
		return err;
	}
	close(lfd);
	close(fd);
	return 0;
}

static int probe_raw_tp(const char *event, struct ut_try *t)
{
	int fd, lfd;

	fd = load_probe(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0);
	if (fd < 0) {
		snprintf(t->note, sizeof(t->note), "BPF_PROG_LOAD refused: %s",
			 strerror(-fd));
		return fd;
	}
	lfd = bpf_raw_tracepoint_open(event, fd);
	if (lfd < 0) {
		int err = -errno;

		snprintf(t->note, sizeof(t->note), "raw_tracepoint_open: %s",
			 strerror(-err));
		close(fd);
		return err;
	}
	close(lfd);
	close(fd);
	return 0;
}

/* libbpf reads classic tracepoint ids from tracefs: mount it if absent */
static int ensure_tracefs(struct ut_plan *plan)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/events", &st) ||
	    !stat("/sys/kernel/debug/tracing/events", &st))
		return 0;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -errno;
	plan->tracefs_mounted_by_us = true;
	return 0;
}

static int probe_tracepoint(struct ut_plan *plan, const char *symbol,
			    struct ut_try *t)
{
	struct perf_event_attr attr;
	char path[256];
	int id, fd, pfd, err;

	err = ensure_tracefs(plan);
	if (err) {
		snprintf(t->note, sizeof(t->note),
			 "no tracefs and mounting it failed: %s",
			 strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/id",
		 symbol);
	if (read_int_file(path, &id)) {
		snprintf(path, sizeof(path),
			 "/sys/kernel/debug/tracing/events/%s/id", symbol);
		if (read_int_file(path, &id)) {
			snprintf(t->note, sizeof(t->note),
				 "tracepoint absent from tracefs");
			return -ENOENT;
		}
	}
	fd = load_probe(BPF_PROG_TYPE_TRACEPOINT, 0, 0);
	if (fd < 0) {
		snprintf(t->note, sizeof(t->note), "BPF_PROG_LOAD refused: %s",
			 strerror(-fd));
		return fd;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = id;
	attr.sample_period = 1;
	pfd = syscall(__NR_perf_event_open, &attr, -1, 0, -1,
		      PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0 || ioctl(pfd, PERF_EVENT_IOC_SET_BPF, fd)) {
		err = -errno;
		snprintf(t->note, sizeof(t->note), "%s: %s",
			 pfd < 0 ? "perf_event_open" : "PERF_EVENT_IOC_SET_BPF",
			 strerror(-err));
		if (pfd >= 0)
			close(pfd);
		close(fd);
		return err;
	}
	close(pfd);
	close(fd);
	return 0;
}

static int probe_one(struct ut_plan *plan, const char *symbol, enum mech m,
		     struct ut_try *t)
{
	t->symbol = symbol;
	t->mech = mech_names[m];
	t->note[0] = 0;
	/* test knob: exercise the kprobe/raw_tp fallbacks on any kernel */
	if (getenv("UNMAPTRACE_NO_BTF_PROGS") &&
	    (m == M_FENTRY || m == M_FEXIT || m == M_TP_BTF)) {
		snprintf(t->note, sizeof(t->note),
			 "disabled by UNMAPTRACE_NO_BTF_PROGS");
		return t->err = -EPERM;
	}
	switch (m) {
	case M_FENTRY:
		return t->err = probe_tracing(symbol, BPF_TRACE_FENTRY, t);
	case M_FEXIT:
		return t->err = probe_tracing(symbol, BPF_TRACE_FEXIT, t);
	case M_KPROBE:
		return t->err = probe_kprobe(symbol, false, t);
	case M_KRETPROBE:
		return t->err = probe_kprobe(symbol, true, t);
	case M_TP_BTF:
		return t->err = probe_tp_btf(tp_event(symbol), t);
	case M_RAW_TP:
		return t->err = probe_raw_tp(tp_event(symbol), t);
	case M_TRACEPOINT:
		return t->err = probe_tracepoint(plan, symbol, t);
	}
	return t->err = -EINVAL;
}

int ut_plan_probe(struct ut_plan *plan)
{
	int h, c, k;

	memset(plan, 0, sizeof(*plan));
	libbpf_set_print(NULL);
	if (!vmlinux_btf)
		vmlinux_btf = btf__load_vmlinux_btf();
	if (!vmlinux_btf || libbpf_get_error(vmlinux_btf))
		vmlinux_btf = NULL;
	plan->have_btf = vmlinux_btf != NULL;

	for (h = 0; h < UT_HOOK_NR; h++) {
		const struct hook_def *d = &hook_defs[h];
		struct ut_hook_plan *hp = &plan->hooks[h];

		hp->name = d->name;
		hp->winner = -1;
		for (c = 0; c < d->nr_cands && hp->winner < 0; c++) {
			const struct cand *cd = &d->cands[c];
			bool ok = true;

			for (k = 0; k < cd->nr; k++) {
				struct ut_try *t;

				if (hp->nr_tries >= UT_MAX_TRIES)
					break;
				t = &hp->tries[hp->nr_tries++];
				if (!ok) {
					/* the pair is lost already */
					t->symbol = cd->symbol;
					t->mech = mech_names[cd->mech[k]];
					t->err = -ECANCELED;
					snprintf(t->note, sizeof(t->note),
						 "not tried: %s failed",
						 mech_names[cd->mech[0]]);
					continue;
				}
				if (probe_one(plan, cd->symbol, cd->mech[k], t))
					ok = false;
			}
			if (ok)
				hp->winner = c;
		}
	}
	plan->rmap_compound_arg = ut_kfact_compound_arg(vmlinux_btf);
	plan->vm_droppable_mask = ut_kfact_droppable_mask(vmlinux_btf);
	ut_kfact_swp_layout(&plan->swp, plan->swp_note,
			    sizeof(plan->swp_note));
	return plan->have_btf ? 0 : -ENOENT;
}

/* btf.NAME kernel facts (collect/kfacts.c) from the BTF the plan loaded */
int ut_btf_facts(struct umt_meta *m)
{
	return ut_kfact_btf_funcs(vmlinux_btf, m);
}

bool ut_plan_has(const struct ut_plan *plan, int hook)
{
	return hook >= 0 && hook < UT_HOOK_NR && plan->hooks[hook].winner >= 0;
}

/*
 * Hooks a trace can do without: the facts hooks from UT_HOOK_FIRST_OPTIONAL
 * on (the trace says which were attached), and arm64's flush hooks, absent
 * before 6.5/6.9 (see hook_defs).
 */
static bool hook_optional(int h)
{
	if (h >= UT_HOOK_FIRST_OPTIONAL)
		return true;
#ifdef __aarch64__
	return h == UT_HOOK_TLB_FLUSH || h == UT_HOOK_TLB_BATCH;
#else
	return false;
#endif
}

int ut_plan_missing(const struct ut_plan *plan)
{
	int h;

	/*
	 * every required hook feeds a live count or a record; the optional
	 * ones record facts, and the trace says which were attached
	 */
	for (h = 0; h < UT_HOOK_NR; h++)
		if (plan->hooks[h].winner < 0 && !hook_optional(h))
			return h;
	return -1;
}

static const struct cand *winner(const struct ut_plan *plan, int h)
{
	int w = plan->hooks[h].winner;

	return w < 0 ? NULL : &hook_defs[h].cands[w];
}

void ut_plan_print(const struct ut_plan *plan, FILE *f)
{
	int h, i;

	fprintf(f, "%-10s %-26s %-10s %-9s %s\n", "HOOK", "SYMBOL",
		"MECHANISM", "RESULT", "NOTE");
	for (h = 0; h < UT_HOOK_NR; h++) {
		const struct ut_hook_plan *hp = &plan->hooks[h];
		const struct cand *w = winner(plan, h);

		for (i = 0; i < hp->nr_tries; i++) {
			const struct ut_try *t = &hp->tries[i];
			bool won = w && !t->err &&
				   !strcmp(t->symbol, w->symbol);
			char res[16];

			if (won)
				snprintf(res, sizeof(res), "WINNER");
			else if (!t->err)
				snprintf(res, sizeof(res), "ok");
			else
				snprintf(res, sizeof(res), "%s",
					 strerrorname_np(-t->err) ?:
					 "error");
			fprintf(f, "%-10s %-26s %-10s %-9s %s\n",
				i ? "" : hp->name, t->symbol, t->mech, res,
				t->note);
		}
		if (!w)
			fprintf(f, "%-10s %-26s %-10s %-9s %s\n", "", "-", "-",
				"NONE", "no candidate attaches");
	}
	fprintf(f, "\nswap pte layout: %s\n", plan->swp_note);
	if (plan->rmap_compound_arg)
		fprintf(f, "page_remove_rmap compound flag: argument %d\n",
			plan->rmap_compound_arg);
	fprintf(f, "VM_DROPPABLE: %s\n", plan->vm_droppable_mask ?
		"from BTF enum VMA_DROPPABLE_BIT" :
		"not in BTF (absent, or a macro: not recorded)");
}

json_t *ut_plan_json(const struct ut_plan *plan)
{
	json_t *root = json_object(), *hooks = json_array();
	int h, i;

	for (h = 0; h < UT_HOOK_NR; h++) {
		const struct ut_hook_plan *hp = &plan->hooks[h];
		const struct cand *w = winner(plan, h);
		json_t *jh = json_object(), *tries = json_array();

		json_object_set_new(jh, "hook", json_string(hp->name));
		json_object_set_new(jh, "attached", json_boolean(w != NULL));
		json_object_set_new(jh, "optional",
				    json_boolean(hook_optional(h)));
		if (w) {
			json_object_set_new(jh, "symbol",
					    json_string(w->symbol));
			json_object_set_new(jh, "mechanism", json_string(
					    mech_names[w->mech[0]]));
		}
		for (i = 0; i < hp->nr_tries; i++) {
			const struct ut_try *t = &hp->tries[i];
			json_t *jt = json_object();

			json_object_set_new(jt, "symbol",
					    json_string(t->symbol));
			json_object_set_new(jt, "mechanism",
					    json_string(t->mech));
			json_object_set_new(jt, "errno", json_integer(-t->err));
			json_object_set_new(jt, "error", json_string(t->err ?
				(strerrorname_np(-t->err) ?: "?") : ""));
			json_object_set_new(jt, "note", json_string(t->note));
			json_array_append_new(tries, jt);
		}
		json_object_set_new(jh, "tries", tries);
		json_array_append_new(hooks, jh);
	}
	json_object_set_new(root, "btf", json_boolean(plan->have_btf));
	json_object_set_new(root, "hooks", hooks);
	json_object_set_new(root, "can_record",
			    json_boolean(ut_plan_missing(plan) < 0));
	json_object_set_new(root, "swap_layout", json_string(plan->swp_note));
	json_object_set_new(root, "vm_droppable_mask",
			    json_integer(plan->vm_droppable_mask));
	return root;
}

void ut_plan_explain_missing(const struct ut_plan *plan, FILE *f)
{
	int h = ut_plan_missing(plan), i, absent = 0;
	const struct ut_hook_plan *hp;

	if (h < 0)
		return;
	hp = &plan->hooks[h];
	for (i = 0; i < hp->nr_tries; i++)
		absent += hp->tries[i].err == -ENOENT;
	fprintf(f, "unmaptrace record: cannot attach hook '%s' on this "
		"kernel; tried:\n", hp->name);
	for (i = 0; i < hp->nr_tries; i++)
		fprintf(f, "  %s %s: %s (%s)\n", hp->tries[i].mech,
			hp->tries[i].symbol,
			strerrorname_np(-hp->tries[i].err) ?: "error",
			hp->tries[i].note);
	for (h = h + 1; h < UT_HOOK_NR; h++)
		if (plan->hooks[h].winner < 0 && !hook_optional(h))
			fprintf(f, "  (hook '%s' has no mechanism either)\n",
				plan->hooks[h].name);
	if (absent == hp->nr_tries) {
		/* the functions are gone (inlined, renamed): not a BPF limit */
		fprintf(f, "Hook '%s': none of its functions exists in this "
			"kernel (%s); unmaptrace does not know\nthis kernel's "
			"equivalent.  `unmaptrace features` shows the whole "
			"plan.\n", hp->name, hp->nr_tries ?
			hp->tries[0].symbol : "-");
		return;
	}
	fprintf(f, "Hook '%s': this kernel allows neither fentry/fexit nor "
		"kprobes on it.  What works: record inside a QEMU guest,\n"
		"`unmaptrace vm --kernel 7.x -- CMD` (or --kernel-image "
		"YOUR-BZIMAGE), or boot a kernel that\nallows fentry (BPF "
		"trampolines) or has CONFIG_KPROBES=y.  "
		"`unmaptrace features` shows the whole plan.\n", hp->name);
}


int ut_plan_apply(const struct ut_plan *plan, struct unmaptrace_bpf *skel)
{
	struct bpf_object *obj = skel->obj;
	struct bpf_program *p;
	int h, k;

	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, false);
	for (h = 0; h < UT_HOOK_NR; h++) {
		const struct cand *w = winner(plan, h);

		if (!w && hook_optional(h))
			continue;
		if (!w)
			return -ENOENT;
		for (k = 0; k < w->nr; k++) {
			p = bpf_object__find_program_by_name(obj, w->prog[k]);
			if (!p)
				return -ENOENT;
			bpf_program__set_autoload(p, true);
		}
	}
#ifdef __aarch64__
	{
		int64_t ms = 0;
		int levels;

		if (!ut_kfact_arm64_linear(&ms, &levels)) {
			skel->rodata->arm64_memstart = ms;
			skel->rodata->arm64_memstart_known = true;
		}
	}
#endif
	skel->rodata->rmap_compound_arg = plan->rmap_compound_arg;
	skel->rodata->vm_droppable_mask = plan->vm_droppable_mask;
	return 0;
}

int ut_plan_attach(const struct ut_plan *plan, struct unmaptrace_bpf *skel,
		   struct bpf_link **links, int *nr_links, char *err,
		   size_t errlen)
{
	int h, k;

	*nr_links = 0;
	for (h = 0; h < UT_HOOK_NR; h++) {
		const struct cand *w = winner(plan, h);

		for (k = 0; w && k < w->nr; k++) {
			struct bpf_program *p =
				bpf_object__find_program_by_name(skel->obj,
								 w->prog[k]);
			struct bpf_link *l;

			if (w->mech[k] == M_KPROBE || w->mech[k] == M_KRETPROBE)
				l = bpf_program__attach_kprobe(p,
					w->mech[k] == M_KRETPROBE, w->symbol);
			else
				l = bpf_program__attach(p);
			if (!l || *nr_links >= UT_MAX_LINKS) {
				snprintf(err, errlen,
					 "attaching %s %s (hook %s): %s",
					 mech_names[w->mech[k]], w->symbol,
					 hook_defs[h].name, strerror(errno));
				return -errno ?: -EINVAL;
			}
			links[(*nr_links)++] = l;
		}
	}
	return 0;
}

int ut_plan_to_meta(const struct ut_plan *plan, struct umt_meta *m)
{
	const struct cand *w;
	struct umt_attach a;
	int h, i, err;

	for (h = 0; h < UT_HOOK_NR; h++) {
		const struct ut_hook_plan *hp = &plan->hooks[h];

		w = winner(plan, h);
		for (i = 0; i < hp->nr_tries; i++) {
			const struct ut_try *t = &hp->tries[i];

			memset(&a, 0, sizeof(a));
			snprintf(a.hook, sizeof(a.hook), "%s", hp->name);
			snprintf(a.symbol, sizeof(a.symbol), "%s", t->symbol);
			snprintf(a.mechanism, sizeof(a.mechanism), "%s",
				 t->mech);
			a.err = t->err;
			if (w && !t->err && !strcmp(t->symbol, w->symbol))
				snprintf(a.note, sizeof(a.note), "attached");
			else
				snprintf(a.note, sizeof(a.note), "%s",
					 t->note[0] ? t->note :
					 "works; a preferred candidate won");
			err = umt_meta_add_attach(m, &a);
			if (err)
				return err;
		}
	}
	return 0;
}
