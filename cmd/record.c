// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace record: attach the collector (bpf/unmaptrace.bpf.c) to the
 * live kernel and write a .umt trace of every try_to_unmap_one() call by
 * the recorded tasks.  Kernel pointers become trace-local ids here; they
 * and PFNs never reach the file.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <bpf/bpf.h>
#include <dirent.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "collector.h"
#include "umt.h"
#include "unmaptrace.skel.h"

static const char record_doc[] =
"Record what try_to_unmap_one() sees into a .umt trace (root).\n"
"\n"
"USAGE: unmaptrace record [-o FILE] [-d SECONDS] [-b MB] [--meta K=V]...\n"
"                         (-p PID | -a | -- CMD [ARGS...])\n"
"\n"
"With CMD: run it, record it and its children, stop when it exits (or\n"
"after -d, then CMD gets SIGTERM).  -p follows a running process and its\n"
"children until it exits, -a the whole system (kswapd included).\n"
"Ctrl-C (SIGINT/SIGTERM) ends the trace cleanly.\n"
"An existing FILE is renamed to FILE.old first.  Exit status 0 when the\n"
"trace was written (CMD's own status is in the summary line), 1 when\n"
"recording is impossible here (see `unmaptrace features`), 2 usage.\n"
"\n"
"EXAMPLES:\n"
"    unmaptrace record -- umt-workload anon-pageout --size 64\n"
"    unmaptrace record -o t.umt -d 10 -a     # whole system, 10 s\n"
"    unmaptrace record -p 1234 --meta workload=db-reclaim\n";

static const struct argp_option record_opts[] = {
	{ "output", 'o', "FILE", 0, "trace file (default unmaptrace.umt)", 0 },
	{ "duration", 'd', "SECONDS", 0, "stop after SECONDS", 0 },
	{ "pid", 'p', "PID", 0, "follow process PID and its children", 0 },
	{ "all", 'a', NULL, 0, "record every task", 0 },
	{ "meta", 'm', "KEY=VALUE", 0, "add a metadata pair (repeatable)", 0 },
	{ "buffer", 'b', "MB", 0, "ring buffer size in MiB (default 16)", 0 },
	{},
};

#define MAX_USER_META	16

struct record_args {
	const char *out;
	double duration;
	int pid;
	bool all;
	int nr_meta;
	char *meta[MAX_USER_META];
	unsigned long buffer_mb;
	char **cmd;
	int nr_cmd;
};

static error_t record_parse(int key, char *arg, struct argp_state *state)
{
	struct record_args *a = state->input;
	char *end;
	long v;

	switch (key) {
	case 'o':
		a->out = arg;
		break;
	case 'd':
		errno = 0;
		a->duration = strtod(arg, &end);
		if (errno || *end || a->duration <= 0)
			argp_error(state, "bad duration '%s'", arg);
		break;
	case 'p':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v <= 0 || v > INT_MAX)
			argp_error(state, "bad pid '%s'", arg);
		a->pid = v;
		break;
	case 'a':
		a->all = true;
		break;
	case 'm':
		if (!strchr(arg, '=') || arg[0] == '=')
			argp_error(state, "--meta wants KEY=VALUE, got '%s'",
				   arg);
		if (a->nr_meta >= MAX_USER_META)
			argp_error(state, "at most %d --meta pairs",
				   MAX_USER_META);
		a->meta[a->nr_meta++] = arg;
		break;
	case 'b':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < 1 || v > 4096)
			argp_error(state, "bad buffer size '%s' (1..4096 MiB)",
				   arg);
		a->buffer_mb = v;
		break;
	case ARGP_KEY_ARG:
		/* the rest (after "--") is CMD */
		a->cmd = &state->argv[state->next - 1];
		a->nr_cmd = state->argc - state->next + 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if ((a->pid > 0) + a->all + (a->nr_cmd > 0) != 1)
			argp_error(state, "give exactly one of -p PID, -a or "
				   "-- CMD");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- pointer -> trace-local id ---- */

struct idmap {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
	uint32_t next;
};

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* id for @key; *fresh says whether it was new.  0 on ENOMEM. */
static uint32_t idmap_get(struct idmap *m, uint64_t key, bool *fresh)
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

static void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---- recording state ---- */

struct rec {
	struct umt_writer *w;
	struct idmap tasks, mms, vmas, folios;
	uint64_t events, ttu_records, tlb_records, image_errs;
	uint64_t lost, write_errs, bad_events;
	int err;			/* first writer error */
	int counters_fd;
	int ncpus;
	uint64_t *last_drops;		/* per CPU */
	const struct ut_swp_layout *swp;
	uint32_t levels_seen;
	uint32_t levels_meta;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int add(struct rec *r, uint16_t type, uint64_t ts, uint32_t cpu,
	       const void *p, uint32_t size)
{
	int err = umt_writer_add(r->w, type, ts, cpu, p, size);

	if (err) {
		r->write_errs++;
		if (!r->err)
			r->err = err;
	}
	return err;
}

static uint32_t task_id(struct rec *r, uint64_t ts, uint32_t cpu,
			uint32_t tid, uint32_t tgid, const char *comm)
{
	struct umt_task t;
	bool fresh;
	uint32_t id = idmap_get(&r->tasks, tid, &fresh);

	if (fresh) {
		memset(&t, 0, sizeof(t));
		t.task_id = id;
		t.tgid = tgid;
		t.pid = tid;
		memcpy(t.comm, comm, sizeof(t.comm));
		t.comm[sizeof(t.comm) - 1] = 0;
		add(r, UMT_REC_TASK, ts, cpu, &t, sizeof(t));
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

static uint32_t classify(uint32_t raw, const struct ut_swp_layout *s)
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

static int handle_ttu(struct rec *r, const struct ut_ttu *e, size_t size)
{
	static union {
		struct umt_ttu t;
		char buf[sizeof(struct umt_ttu) + 4 * UMT_MAX_SLOTS];
	} u;
	struct umt_ttu *t = &u.t;
	uint32_t n = e->nr_slots, i;

	if (size < UT_TTU_HDR_SIZE || n > UT_MAX_SLOTS ||
	    size < UT_TTU_HDR_SIZE + 4 * n) {
		r->bad_events++;
		return 0;
	}
	memset(t, 0, sizeof(*t));
	t->task_id = task_id(r, e->ts, e->cpu, e->tid, e->tgid, e->comm);
	t->mm_id = idmap_get(&r->mms, e->mm, NULL);
	t->vma_id = idmap_get(&r->vmas, e->vma, NULL);
	t->folio_id = idmap_get(&r->folios, e->folio, NULL);
	t->nr_pages = e->nr_pages;
	t->kind = e->kind;
	t->folio_flags = e->folio_flags;
	if (e->image_err) {
		t->folio_flags |= UMT_FOLIO_NO_IMAGE;
		r->image_errs++;
	}
	if (e->paging_levels)
		r->levels_seen = e->paging_levels;
	t->ttu_flags = e->ttu_flags;
	t->vma_flags = e->vma_flags;
	t->image_first_page = e->image_first_page;
	t->image_pmd_index = e->image_pmd_index;
	t->nr_slots = n;
	t->vma_start_page = e->vma_start_page;
	t->vma_end_page = e->vma_end_page;
	t->defer_flush = e->defer_flush;
	t->ret = e->ret;
	t->has_live = e->has_live ? UMT_LIVE_COUNTS | UMT_LIVE_DEFER : 0;
	t->live_defer_walks = e->live_defer_walks;
	t->live_defer_rmap = e->live_defer_rmap;
	t->live_rmap_calls = e->live_rmap_calls;
	t->live_rmap_pages = e->live_rmap_pages;
	t->live_tlb_flushes = e->live_tlb_flushes;
	t->live_rss_stat = e->live_rss_stat;
	t->live_walk_calls = e->live_walk_calls;
	t->live_walk_true = e->live_walk_true;
	for (i = 0; i < n; i++)
		t->slots[i] = classify(e->slots[i], r->swp);
	r->ttu_records++;
	return add(r, UMT_REC_TTU, e->ts, e->cpu, t, sizeof(*t) + 4 * n);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct rec *r = ctx;
	const struct ut_tlbbatch *b = data;
	struct umt_tlb_flush f;

	r->events++;
	if (size < sizeof(uint16_t)) {
		r->bad_events++;
		return 0;
	}
	switch (*(const uint16_t *)data) {
	case UT_EV_TTU:
		handle_ttu(r, data, size);
		break;
	case UT_EV_TLBBATCH:
		if (size < sizeof(*b)) {
			r->bad_events++;
			break;
		}
		f.task_id = task_id(r, b->ts, b->cpu, b->tid, b->tgid,
				    b->comm);
		f.in_ttu = b->in_ttu;
		r->tlb_records++;
		add(r, UMT_REC_TLB_FLUSH, b->ts, b->cpu, &f, sizeof(f));
		break;
	default:
		r->bad_events++;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Per-CPU counter values; @vals has r->ncpus entries */
static int read_counter(struct rec *r, uint32_t idx, uint64_t *vals)
{
	return bpf_map_lookup_elem(r->counters_fd, &idx, vals) ? -errno : 0;
}

/* Ring buffer drops since the last poll become UMT_REC_LOST records */
static void poll_drops(struct rec *r)
{
	uint64_t vals[r->ncpus];
	struct umt_lost l;
	int c;

	if (read_counter(r, UT_CNT_DROPS, vals))
		return;
	for (c = 0; c < r->ncpus; c++) {
		if (vals[c] <= r->last_drops[c])
			continue;
		memset(&l, 0, sizeof(l));
		l.cpu = c;
		l.count = vals[c] - r->last_drops[c];
		r->last_drops[c] = vals[c];
		r->lost += l.count;
		add(r, UMT_REC_LOST, now_ns(), c, &l, sizeof(l));
	}
}

static uint64_t counter_sum(struct rec *r, uint32_t idx)
{
	uint64_t vals[r->ncpus], s = 0;
	int c;

	if (read_counter(r, idx, vals))
		return 0;
	for (c = 0; c < r->ncpus; c++)
		s += vals[c];
	return s;
}

/* ---- metadata ---- */

static int meta_setf(struct umt_meta *m, const char *key, const char *fmt,
		     ...)
{
	char v[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	return umt_meta_set(m, key, v);
}

static const char *const config_keys[] = {
	"CONFIG_PAGE_MAPCOUNT", "CONFIG_NO_PAGE_MAPCOUNT", "CONFIG_MM_ID",
	"CONFIG_TRANSPARENT_HUGEPAGE", "CONFIG_PREEMPT", "CONFIG_PREEMPT_NONE",
	"CONFIG_PREEMPT_VOLUNTARY", "CONFIG_PREEMPT_DYNAMIC",
	"CONFIG_PREEMPT_RT", "CONFIG_X86_5LEVEL", "CONFIG_PTE_MARKER",
	"CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH", "CONFIG_MEM_SOFT_DIRTY",
	"CONFIG_USERFAULTFD", "CONFIG_DEVICE_PRIVATE", "CONFIG_NR_CPUS",
};

/* 5-level paging: the kernel clears X86_FEATURE_LA57 when it is off */
static int cpuinfo_levels(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int levels = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		levels = strstr(line, " la57") ? 5 : 4;
		break;
	}
	fclose(f);
	return levels;
}

static int fill_meta(struct umt_meta *m, const struct ut_plan *plan,
		     const struct record_args *a, int argc, char **argv,
		     struct rec *r)
{
	char cmdline[1024] = "", ts[64], pmd[32] = "2097152", key[128];
	struct utsname u;
	struct tm tm;
	time_t t = time(NULL);
	size_t i, off = 0;
	FILE *f;
	int err = 0;

	uname(&u);
	for (i = 0; i < (size_t)argc && off < sizeof(cmdline) - 1; i++)
		off += snprintf(cmdline + off, sizeof(cmdline) - off, "%s%s",
				i ? " " : "unmaptrace ", argv[i]);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (f) {
		if (!fgets(pmd, sizeof(pmd), f))
			snprintf(pmd, sizeof(pmd), "2097152");
		pmd[strcspn(pmd, "\n")] = 0;
		fclose(f);
	}
	err |= umt_meta_set(m, UMT_KEY_KERNEL, u.release);
	err |= umt_meta_set(m, UMT_KEY_KVERSION, u.version);
	err |= umt_meta_set(m, UMT_KEY_ARCH, u.machine);
	err |= meta_setf(m, UMT_KEY_PAGE_SIZE, "%ld", sysconf(_SC_PAGESIZE));
	err |= umt_meta_set(m, UMT_KEY_PMD_SIZE, pmd);
	err |= meta_setf(m, UMT_KEY_NR_CPUS, "%ld",
			 sysconf(_SC_NPROCESSORS_ONLN));
	err |= meta_setf(m, "nr_cpus.possible", "%d", r->ncpus);
	err |= umt_meta_set(m, UMT_KEY_TOOL, UMT_VERSION);
	err |= umt_meta_set(m, UMT_KEY_LIBBPF, libbpf_version_string());
	err |= umt_meta_set(m, UMT_KEY_CMDLINE, cmdline);
	err |= umt_meta_set(m, UMT_KEY_START, ts);
	r->levels_meta = cpuinfo_levels();
	err |= meta_setf(m, UMT_KEY_PAGING_LEVELS, "%d", r->levels_meta);
	err |= umt_meta_set(m, "record.target", a->all ? "all" :
			    a->pid ? "pid" : "cmd");
	err |= umt_meta_set(m, "swap_pte_layout", plan->swp_note);
	if (plan->tracefs_mounted_by_us)
		err |= umt_meta_set(m, "tracefs",
				    "mounted by record at /sys/kernel/tracing");
	err |= umt_meta_set(m, "vma.droppable", plan->vm_droppable_mask ?
			    "recorded" : "not recorded (no BTF enum)");
	if (ut_kconfig_source()) {
		err |= umt_meta_set(m, "config.source", ut_kconfig_source());
		for (i = 0; i < sizeof(config_keys) / sizeof(*config_keys);
		     i++) {
			snprintf(key, sizeof(key), "config.%s",
				 config_keys[i]);
			err |= umt_meta_set(m, key,
					    ut_kconfig(config_keys[i]) ?:
					    "absent");
		}
	} else {
		err |= umt_meta_set(m, "config.source",
				    "none (no /boot/config-*, no "
				    "/proc/config.gz)");
	}
	for (i = 0; i < (size_t)a->nr_meta; i++) {
		char *eq = strchr(a->meta[i], '=');

		*eq = 0;
		err |= umt_meta_set(m, a->meta[i], eq + 1);
		*eq = '=';
	}
	if (err)
		return -ENOSPC;
	return ut_plan_to_meta(plan, m);
}

/* ---- following processes ---- */

static int follow(int tgids_fd, int pid)
{
	uint8_t one = 1;
	uint32_t k = pid;

	return bpf_map_update_elem(tgids_fd, &k, &one, BPF_ANY) ? -errno : 0;
}

/* -p: the process and its descendants alive now; later ones by fork tp */
static int follow_tree(int tgids_fd, int root)
{
	int pids[4096], ppids[4096], n = 0, i, added = 1, err;
	bool in[4096] = { false };
	char path[64], buf[512];
	DIR *d = NULL;
	FILE *f;

	err = follow(tgids_fd, root);
	if (err)
		return err;
	d = opendir("/proc");
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d)) && n < 4096;) {
		int pid = atoi(de->d_name), ppid;
		char *p;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1)
			continue;
		pids[n] = pid;
		ppids[n++] = ppid;
	}
	closedir(d);
	while (added) {
		added = 0;
		for (i = 0; i < n; i++) {
			int j;

			if (in[i])
				continue;
			if (ppids[i] == root) {
				in[i] = true;
			} else {
				for (j = 0; j < n; j++)
					if (in[j] && pids[j] == ppids[i])
						break;
				if (j == n)
					continue;
				in[i] = true;
			}
			added = 1;
			follow(tgids_fd, pids[i]);
		}
	}
	return 0;
}

/* fork CMD, held on a pipe until the collector is attached */
static pid_t spawn_held(char **cmd, int *release_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(127);	/* recorder gave up */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(cmd[0], cmd);
		fprintf(stderr, "unmaptrace record: exec %s: %s\n", cmd[0],
			strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*release_fd = p[1];
	return pid;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && umt_verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && umt_verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void status_line(struct rec *r, double secs, uint64_t ev_rate)
{
	fprintf(stderr, "\r\033[K  %.0f s: %lu events/s, %lu events, "
		"%lu lost, %lu bytes", secs, (unsigned long)ev_rate,
		(unsigned long)r->events, (unsigned long)r->lost,
		(unsigned long)umt_writer_bytes(r->w));
	fflush(stderr);
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "on signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "?");
}

int cmd_record(int argc, char **argv)
{
	static const struct argp argp = {
		.options = record_opts,
		.parser = record_parse,
		.args_doc = "[-- CMD [ARGS...]]",
		.doc = record_doc,
	};
	struct record_args a = { .out = "unmaptrace.umt", .buffer_mb = 16 };
	struct unmaptrace_bpf *skel = NULL;
	struct bpf_link *links[UT_MAX_LINKS];
	struct ring_buffer *rb = NULL;
	struct umt_meta meta;
	struct ut_plan plan;
	struct umt_stats st;
	struct rec r;
	char errbuf[256], old[PATH_MAX], exited[64] = "";
	int nr_links = 0, i, err, ret = EXIT_FAIL, release_fd = -1, status;
	pid_t child = -1;
	uint64_t t0, last_tick, last_events = 0, bytes;
	struct stat sb;
	bool tty = isatty(STDERR_FILENO), child_done = false;
	struct sigaction sa = { .sa_handler = on_signal };

	memset(&r, 0, sizeof(r));
	memset(&meta, 0, sizeof(meta));
	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a))
		return EXIT_USAGE;
	if (geteuid() != 0)
		fprintf(stderr, "unmaptrace record: not root; loading BPF "
			"will most likely fail\n");

	/*
	 * Catch SIGINT/SIGTERM from the start (also when started in the
	 * background with SIGINT ignored): probing and loading take seconds
	 * on slow machines and a signal then must not be lost.
	 */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* decide the plan before anything that looks like a trace exists */
	ut_plan_probe(&plan);
	if (!plan.have_btf) {
		fprintf(stderr, "unmaptrace record: this kernel has no BTF "
			"(/sys/kernel/btf/vmlinux): the CO-RE collector needs "
			"CONFIG_DEBUG_INFO_BTF=y\n"
			"[ unmaptrace record: no trace written to %s (no "
			"kernel BTF) ]\n", a.out);
		return EXIT_FAIL;
	}
	if (ut_plan_missing(&plan) >= 0) {
		ut_plan_explain_missing(&plan, stderr);
		fprintf(stderr, "[ unmaptrace record: no trace written to %s "
			"(hook '%s' unavailable) ]\n", a.out,
			ut_hook_name(ut_plan_missing(&plan)));
		return EXIT_FAIL;
	}

	libbpf_set_print(libbpf_print);
	skel = unmaptrace_bpf__open();
	if (!skel) {
		fprintf(stderr, "unmaptrace record: opening BPF object: %s\n",
			strerror(errno));
		goto out;
	}
	err = ut_plan_apply(&plan, skel);
	if (err) {
		fprintf(stderr, "unmaptrace record: plan: %s\n",
			strerror(-err));
		goto out;
	}
	r.ncpus = libbpf_num_possible_cpus();
	if (r.ncpus <= 0) {
		fprintf(stderr, "unmaptrace record: cannot count CPUs\n");
		goto out;
	}
	skel->rodata->nr_cpu_ids = r.ncpus;
	skel->rodata->filter_tgid = !a.all;
	/* BPF_MAP_TYPE_RINGBUF wants a power-of-two size */
	while (a.buffer_mb & (a.buffer_mb - 1))
		a.buffer_mb += a.buffer_mb & -a.buffer_mb;
	bpf_map__set_max_entries(skel->maps.events, a.buffer_mb << 20);
	err = unmaptrace_bpf__load(skel);
	if (err) {
		fprintf(stderr, "unmaptrace record: loading BPF programs: %s "
			"(-v -v shows the verifier log)\n", strerror(-err));
		goto out;
	}
	r.counters_fd = bpf_map__fd(skel->maps.counters);
	r.swp = &plan.swp;
	r.last_drops = calloc(r.ncpus, sizeof(*r.last_drops));
	if (!r.last_drops)
		goto out;

	if (a.nr_cmd) {
		child = spawn_held(a.cmd, &release_fd);
		if (child < 0) {
			fprintf(stderr, "unmaptrace record: fork: %s\n",
				strerror(errno));
			goto out;
		}
		err = follow(bpf_map__fd(skel->maps.tgids), child);
	} else if (a.pid) {
		if (kill(a.pid, 0) && errno == ESRCH) {
			fprintf(stderr, "unmaptrace record: no process %d\n",
				a.pid);
			goto out;
		}
		err = follow_tree(bpf_map__fd(skel->maps.tgids), a.pid);
	}
	if (err) {
		fprintf(stderr, "unmaptrace record: tgid map: %s\n",
			strerror(-err));
		goto out;
	}

	err = ut_plan_attach(&plan, skel, links, &nr_links, errbuf,
			     sizeof(errbuf));
	if (err) {
		fprintf(stderr, "unmaptrace record: %s\n", errbuf);
		goto out;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event,
			      &r, NULL);
	if (!rb) {
		fprintf(stderr, "unmaptrace record: ring buffer: %s\n",
			strerror(errno));
		goto out;
	}

	/* interrupted while probing or attaching: nothing recorded yet */
	if (stop) {
		fprintf(stderr, "[ unmaptrace record: no trace written to %s "
			"(interrupted before recording started) ]\n", a.out);
		goto out;
	}

	/* attached: now the file */
	if (fill_meta(&meta, &plan, &a, argc, argv, &r)) {
		fprintf(stderr, "unmaptrace record: too much metadata (max "
			"%d keys)\n", UMT_MAX_META);
		goto out;
	}
	if (strcmp(a.out, "-") && !access(a.out, F_OK)) {
		snprintf(old, sizeof(old), "%s.old", a.out);
		if (rename(a.out, old)) {
			fprintf(stderr, "unmaptrace record: rename %s: %s\n",
				a.out, strerror(errno));
			goto out;
		}
	}
	r.w = umt_writer_open(a.out, &meta, errbuf, sizeof(errbuf));
	if (!r.w) {
		fprintf(stderr, "unmaptrace record: %s\n", errbuf);
		ret = EXIT_USAGE;
		goto out;
	}

	if (release_fd >= 0) {
		if (write(release_fd, "g", 1) != 1)
			fprintf(stderr, "unmaptrace record: cannot start "
				"CMD\n");
		close(release_fd);
		release_fd = -1;
	}
	if (tty)
		fprintf(stderr, "unmaptrace record: recording to %s "
			"(Ctrl-C to stop)\n", a.out);
	t0 = last_tick = now_ns();
	while (!stop) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "unmaptrace record: polling: %s\n",
				strerror(-err));
			break;
		}
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child_done = true;
			describe_status(status, exited, sizeof(exited));
			break;
		}
		if (a.duration && now_ns() - t0 >= a.duration * 1e9)
			break;
		if (a.pid && kill(a.pid, 0) && errno == ESRCH) {
			snprintf(exited, sizeof(exited), "PID %d exited",
				 a.pid);
			break;
		}
		if (now_ns() - last_tick >= 1000000000ULL) {
			double dt = (now_ns() - last_tick) / 1e9;

			poll_drops(&r);
			if (tty)
				status_line(&r, (now_ns() - t0) / 1e9,
					    (r.events - last_events) / dt);
			last_events = r.events;
			last_tick = now_ns();
		}
	}
	/* stop the hooks, then drain what they produced */
	for (i = 0; i < nr_links; i++)
		bpf_link__destroy(links[i]);
	nr_links = 0;
	ring_buffer__consume(rb);
	poll_drops(&r);
	if (tty)
		fprintf(stderr, "\r\033[K");

	memset(&st, 0, sizeof(st));
	st.ttu_calls = counter_sum(&r, UT_CNT_TTU);
	st.rmap_calls = counter_sum(&r, UT_CNT_RMAP_CALLS);
	st.rmap_pages = counter_sum(&r, UT_CNT_RMAP_PAGES);
	st.tlb_flushes = counter_sum(&r, UT_CNT_TLB_FLUSHES);
	st.tlbbatch_flushes = counter_sum(&r, UT_CNT_TLBBATCH);
	st.rss_stat = counter_sum(&r, UT_CNT_RSS_STAT);
	st.lost = r.lost;
	add(&r, UMT_REC_STATS, now_ns(), 0, &st, sizeof(st));
	if (counter_sum(&r, UT_CNT_TASK_FULL))
		fprintf(stderr, "unmaptrace record: WARNING: %lu calls not "
			"snapshotted (in-flight map full)\n",
			(unsigned long)counter_sum(&r, UT_CNT_TASK_FULL));
	if (st.ttu_calls != r.ttu_records + counter_sum(&r, UT_CNT_TASK_FULL)
	    && !r.lost)
		fprintf(stderr, "unmaptrace record: note: %lu calls entered, "
			"%lu recorded (calls still running at stop)\n",
			(unsigned long)st.ttu_calls,
			(unsigned long)r.ttu_records);
	if (r.image_errs)
		fprintf(stderr, "unmaptrace record: WARNING: %lu records "
			"without a page-table image (flag 0x%x)\n",
			(unsigned long)r.image_errs, UMT_FOLIO_NO_IMAGE);
	if (r.bad_events)
		fprintf(stderr, "unmaptrace record: WARNING: %lu malformed "
			"events dropped\n", (unsigned long)r.bad_events);
	if (r.levels_seen && r.levels_meta && r.levels_seen != r.levels_meta)
		fprintf(stderr, "unmaptrace record: WARNING: header says %u "
			"paging levels, the walk used %u\n", r.levels_meta,
			r.levels_seen);

	bytes = umt_writer_bytes(r.w);
	err = umt_writer_close(r.w);
	r.w = NULL;
	if (strcmp(a.out, "-") && !stat(a.out, &sb))
		bytes = sb.st_size;
	if (err && !r.err)
		r.err = err;
	ret = r.err ? EXIT_FAIL : EXIT_OK;
	if (r.err)
		fprintf(stderr, "unmaptrace record: writing %s: %s\n", a.out,
			strerror(-r.err));
	if (child > 0 && !child_done) {
		/* stopped by signal or -d: CMD keeps running? no: end it */
		kill(child, SIGTERM);
		waitpid(child, &status, 0);
		describe_status(status, exited, sizeof(exited));
	}
	child = -1;
	fprintf(stderr, "[ unmaptrace record: wrote %lu bytes to %s (%lu "
		"events, %lu lost, %.1f s)%s%s ]\n",
		(unsigned long)bytes, a.out,
		(unsigned long)(r.ttu_records + r.tlb_records),
		(unsigned long)r.lost, (now_ns() - t0) / 1e9,
		!exited[0] ? "" : a.pid ? "; " : "; CMD exited ", exited);
out:
	if (release_fd >= 0)
		close(release_fd);	/* held child exits 127 */
	if (child > 0)
		waitpid(child, &status, 0);
	for (i = 0; i < nr_links; i++)
		bpf_link__destroy(links[i]);
	ring_buffer__free(rb);
	unmaptrace_bpf__destroy(skel);
	umt_meta_free(&meta);
	idmap_free(&r.tasks);
	idmap_free(&r.mms);
	idmap_free(&r.vmas);
	idmap_free(&r.folios);
	free(r.last_drops);
	return ret;
}
