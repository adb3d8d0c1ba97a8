// SPDX-License-Identifier: GPL-2.0
/*
 * A recording session: attach the collector (bpf/unmaptrace.bpf.c) to the
 * live kernel and write a .umt trace of every try_to_unmap_one() call by
 * the recorded tasks.  Events become records in decode.c.
 */
#define _GNU_SOURCE
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

#include "cgpath.h"
#include "decode.h"
#include "meta.h"
#include "plan.h"
#include "session.h"
#include "umt.h"
#include "unmaptrace.skel.h"

/* ---- recording state ---- */

struct rec {
	struct umt_writer *w;
	struct ut_decoder dec;
	uint64_t lost, write_errs;
	int err;			/* first writer error */
	const char *out;		/* for its message */
	int counters_fd;
	int ncpus;
	uint64_t *last_drops;		/* per CPU */
	uint32_t levels_meta;
	struct ut_ksyms ksyms;
	char cgmnt[PATH_MAX];		/* cgroup2 mount, "" if none */
};

static volatile sig_atomic_t stop, stop_sig;

static void on_signal(int sig)
{
	stop = 1;
	stop_sig = sig;
}

/*
 * A write error (a full disk) is sticky in the writer: say so at once
 * and stop, so that what was flushed before it is the trace.
 */
static int write_failed(struct rec *r, int err)
{
	r->write_errs++;
	if (!r->err) {
		r->err = err;
		fprintf(stderr, "%sunmaptrace record: writing %s: %s: "
			"stopping (the chunks written before read back)\n",
			isatty(STDERR_FILENO) ? "\r\033[K" : "", r->out,
			strerror(-err));
		stop = 1;
	}
	return err;
}

static int add(struct rec *r, uint16_t type, uint64_t ts, uint32_t cpu,
	       const void *p, uint32_t size)
{
	int err = umt_writer_add(r->w, type, ts, cpu, p, size);

	return err ? write_failed(r, err) : 0;
}

/* decode.c's emit callback */
static int emit(void *ctx, uint16_t type, uint64_t ts, uint32_t cpu,
		const void *p, uint32_t size)
{
	return add(ctx, type, ts, cpu, p, size);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct rec *r = ctx;

	ut_decode_event(&r->dec, data, size);
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
static pid_t spawn_held(char **cmd, bool stdout_is_trace, int *release_fd)
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
		/* record -o -: CMD's output must not land in the trace */
		if (stdout_is_trace && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
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

static int verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void status_line(struct rec *r, double secs, uint64_t ev_rate)
{
	fprintf(stderr, "\r\033[K  %.0f s: %lu events/s, %lu events, "
		"%lu lost, %lu bytes", secs, (unsigned long)ev_rate,
		(unsigned long)r->dec.events, (unsigned long)r->lost,
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


/* ---- the session, one step a function ---- */

struct session {
	struct ut_record_opts *a;
	struct unmaptrace_bpf *skel;
	struct bpf_link *links[UT_MAX_LINKS];
	int nr_links;
	struct ring_buffer *rb;
	struct umt_meta meta;
	struct ut_plan plan;
	struct rec r;
	pid_t child;
	int release_fd;
	bool tty, child_done;
	uint64_t t0;
	char exited[64];
};

/* decide the plan before anything that looks like a trace exists */
static int sess_plan(struct session *s)
{
	ut_plan_probe(&s->plan);
	if (!s->plan.have_btf) {
		fprintf(stderr, "unmaptrace record: this kernel has no BTF "
			"(/sys/kernel/btf/vmlinux): the CO-RE collector needs "
			"CONFIG_DEBUG_INFO_BTF=y\n"
			"[ unmaptrace record: no trace written to %s (no "
			"kernel BTF) ]\n", s->a->out);
		return -1;
	}
	if (ut_plan_missing(&s->plan) >= 0) {
		ut_plan_explain_missing(&s->plan, stderr);
		fprintf(stderr, "[ unmaptrace record: no trace written to %s "
			"(hook '%s' unavailable) ]\n", s->a->out,
			ut_hook_name(ut_plan_missing(&s->plan)));
		return -1;
	}
	return 0;
}

/* kernel symbols for the reclaim paths (reclaim.c), cgroup2 for paths */
static void sess_symbols(struct session *s)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	int err = f ? ut_ksyms_load(&s->r.ksyms, f) : -errno;

	if (f)
		fclose(f);
	if (err || !s->r.ksyms.n)
		fprintf(stderr, "unmaptrace record: note: kernel symbols "
			"unreadable (%s): reclaim paths from task flags "
			"only\n", err ? strerror(-err) : "addresses hidden");
	else
		s->r.dec.ksyms = &s->r.ksyms;
	if (!ut_cgroup_mount(s->r.cgmnt, sizeof(s->r.cgmnt))) {
		s->r.dec.cgroup_path = ut_cgroup_path;
		s->r.dec.cgroup_ctx = s->r.cgmnt;
	}
}

/* what to record: by victim (default), by reclaimer, a cgroup, all */
static int sess_filter(struct session *s)
{
	struct ut_record_opts *a = s->a;
	char rel[PATH_MAX];
	uint64_t id;
	int err;

	if (a->all) {
		s->skel->rodata->filter_mode = UT_FILTER_ALL;
	} else if (a->cgroup) {
		err = s->r.cgmnt[0] ? ut_cgroup_id(s->r.cgmnt, a->cgroup, &id,
						   rel, sizeof(rel)) : -ENOENT;
		if (err) {
			fprintf(stderr, "unmaptrace record: --cgroup %s: %s\n",
				a->cgroup, s->r.cgmnt[0] ? strerror(-err) :
				"no cgroup2 file system mounted");
			return -1;
		}
		s->skel->rodata->filter_mode = UT_FILTER_CGROUP;
		s->skel->rodata->filter_cgroup = id;
	} else if (a->reclaimer_only) {
		s->skel->rodata->filter_mode = UT_FILTER_RECLAIMER;
	} else {
		s->skel->rodata->filter_mode = UT_FILTER_VICTIM;
	}
	return 0;
}

/* open the skeleton, keep only the plan's winners, load */
static int sess_load(struct session *s)
{
	struct ut_record_opts *a = s->a;
	int err;

	libbpf_set_print(libbpf_print);
	sess_symbols(s);
	s->skel = unmaptrace_bpf__open();
	if (!s->skel) {
		fprintf(stderr, "unmaptrace record: opening BPF object: %s\n",
			strerror(errno));
		return -1;
	}
	err = ut_plan_apply(&s->plan, s->skel);
	if (err) {
		fprintf(stderr, "unmaptrace record: plan: %s\n",
			strerror(-err));
		return -1;
	}
	s->r.ncpus = libbpf_num_possible_cpus();
	if (s->r.ncpus <= 0) {
		fprintf(stderr, "unmaptrace record: cannot count CPUs\n");
		return -1;
	}
	s->skel->rodata->nr_cpu_ids = s->r.ncpus;
	err = sess_filter(s);
	if (err)
		return -1;
	/* BPF_MAP_TYPE_RINGBUF wants a power-of-two size */
	while (a->buffer_mb & (a->buffer_mb - 1))
		a->buffer_mb += a->buffer_mb & -a->buffer_mb;
	bpf_map__set_max_entries(s->skel->maps.events, a->buffer_mb << 20);
	err = unmaptrace_bpf__load(s->skel);
	if (err) {
		fprintf(stderr, "unmaptrace record: loading BPF programs: %s "
			"(-v -v shows the verifier log)\n", strerror(-err));
		return -1;
	}
	s->r.counters_fd = bpf_map__fd(s->skel->maps.counters);
	s->r.dec.swp = &s->plan.swp;
	s->r.dec.hooked_migrate = ut_plan_has(&s->plan, UT_HOOK_MIGRATE);
	s->r.dec.hooked_huge_pmd = ut_plan_has(&s->plan, UT_HOOK_HUGE_PMD);
	s->r.dec.hooked_pte_batch = ut_plan_has(&s->plan, UT_HOOK_PTE_BATCH);
	s->r.last_drops = calloc(s->r.ncpus, sizeof(*s->r.last_drops));
	return s->r.last_drops ? 0 : -1;
}

/* the tgids to record: CMD (held until attached), -p's tree, or none */
static int sess_target(struct session *s)
{
	struct ut_record_opts *a = s->a;
	int err = 0;

	if (a->nr_cmd) {
		s->child = spawn_held(a->cmd, !strcmp(a->out, "-"),
				      &s->release_fd);
		if (s->child < 0) {
			fprintf(stderr, "unmaptrace record: fork: %s\n",
				strerror(errno));
			return -1;
		}
		/* -a -- CMD, --cgroup -- CMD: CMD only says when to stop */
		if (!a->all && !a->cgroup)
			err = follow(bpf_map__fd(s->skel->maps.tgids),
				     s->child);
	} else if (a->pid) {
		if (kill(a->pid, 0) && errno == ESRCH) {
			fprintf(stderr, "unmaptrace record: no process %d\n",
				a->pid);
			return -1;
		}
		err = follow_tree(bpf_map__fd(s->skel->maps.tgids), a->pid);
	}
	if (err) {
		fprintf(stderr, "unmaptrace record: tgid map: %s\n",
			strerror(-err));
		return -1;
	}
	return 0;
}

static int sess_attach(struct session *s)
{
	char errbuf[256];
	int err;

	err = ut_plan_attach(&s->plan, s->skel, s->links, &s->nr_links,
			     errbuf, sizeof(errbuf));
	if (err) {
		fprintf(stderr, "unmaptrace record: %s\n", errbuf);
		return -1;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events),
				 handle_event, &s->r, NULL);
	if (!s->rb) {
		fprintf(stderr, "unmaptrace record: ring buffer: %s\n",
			strerror(errno));
		return -1;
	}
	/* interrupted while probing or attaching: nothing recorded yet */
	if (stop) {
		fprintf(stderr, "[ unmaptrace record: no trace written to %s "
			"(interrupted before recording started) ]\n",
			s->a->out);
		return -1;
	}
	return 0;
}

/* attached: now the file.  1 when the file itself cannot be created */
static int sess_open_trace(struct session *s)
{
	const char *out = s->a->out;
	char errbuf[256], old[PATH_MAX];

	if (ut_fill_meta(&s->meta, &s->plan, s->a, s->r.ncpus,
			 &s->r.levels_meta)) {
		fprintf(stderr, "unmaptrace record: too much metadata (max "
			"%d keys)\n", UMT_MAX_META);
		return -1;
	}
	if (strcmp(out, "-") && !access(out, F_OK)) {
		snprintf(old, sizeof(old), "%s.old", out);
		if (rename(out, old)) {
			fprintf(stderr, "unmaptrace record: rename %s: %s\n",
				out, strerror(errno));
			return -1;
		}
	}
	/* O_EXCL: never a file planted after the rotation (umt.h) */
	s->r.w = strcmp(out, "-") ?
		 umt_writer_create(out, &s->meta, errbuf, sizeof(errbuf)) :
		 umt_writer_open(out, &s->meta, errbuf, sizeof(errbuf));
	if (!s->r.w) {
		fprintf(stderr, "unmaptrace record: %s\n", errbuf);
		return 1;
	}
	return 0;
}

/* release CMD, poll until it, -p's process or -d ends, or a signal */
static void sess_loop(struct session *s)
{
	struct ut_record_opts *a = s->a;
	uint64_t last_tick, last_events = 0;
	int err, status;

	if (s->release_fd >= 0) {
		if (write(s->release_fd, "g", 1) != 1)
			fprintf(stderr, "unmaptrace record: cannot start "
				"CMD\n");
		close(s->release_fd);
		s->release_fd = -1;
	}
	if (s->tty)
		fprintf(stderr, "unmaptrace record: recording to %s "
			"(Ctrl-C to stop)\n", a->out);
	s->t0 = last_tick = now_ns();
	while (!stop) {
		err = ring_buffer__poll(s->rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "unmaptrace record: polling: %s\n",
				strerror(-err));
			break;
		}
		if (s->child > 0 &&
		    waitpid(s->child, &status, WNOHANG) == s->child) {
			s->child_done = true;
			describe_status(status, s->exited, sizeof(s->exited));
			break;
		}
		if (a->duration && now_ns() - s->t0 >= a->duration * 1e9)
			break;
		if (a->pid && kill(a->pid, 0) && errno == ESRCH) {
			snprintf(s->exited, sizeof(s->exited),
				 "PID %d exited", a->pid);
			break;
		}
		if (now_ns() - last_tick >= 1000000000ULL) {
			double dt = (now_ns() - last_tick) / 1e9;

			poll_drops(&s->r);
			/* a SIGKILL or a crash loses at most this second */
			err = umt_writer_flush(s->r.w);
			if (err)
				write_failed(&s->r, err);
			if (s->tty)
				status_line(&s->r, (now_ns() - s->t0) / 1e9,
					    (s->r.dec.events - last_events) /
					    dt);
			last_events = s->r.dec.events;
			last_tick = now_ns();
		}
	}
}

/* the kernel's own counters close the trace; say what looks wrong */
static void sess_stats(struct session *s)
{
	struct rec *r = &s->r;
	struct umt_stats st;
	uint64_t full;

	memset(&st, 0, sizeof(st));
	st.ttu_calls = counter_sum(r, UT_CNT_TTU);
	st.rmap_calls = counter_sum(r, UT_CNT_RMAP_CALLS);
	st.rmap_pages = counter_sum(r, UT_CNT_RMAP_PAGES);
	st.tlb_flushes = counter_sum(r, UT_CNT_TLB_FLUSHES);
	st.tlbbatch_flushes = counter_sum(r, UT_CNT_TLBBATCH);
	st.rss_stat = counter_sum(r, UT_CNT_RSS_STAT);
	st.lost = r->lost;
	add(r, UMT_REC_STATS, now_ns(), 0, &st, sizeof(st));
	full = counter_sum(r, UT_CNT_TASK_FULL);
	if (full)
		fprintf(stderr, "unmaptrace record: WARNING: %lu calls not "
			"snapshotted (in-flight map full)\n",
			(unsigned long)full);
	if (st.ttu_calls != r->dec.ttu_records + full && !r->lost)
		fprintf(stderr, "unmaptrace record: note: %lu calls entered, "
			"%lu recorded (calls still running at stop)\n",
			(unsigned long)st.ttu_calls,
			(unsigned long)r->dec.ttu_records);
	if (r->dec.image_errs)
		fprintf(stderr, "unmaptrace record: WARNING: %lu records "
			"without a page-table image (flag 0x%x)\n",
			(unsigned long)r->dec.image_errs, UMT_FOLIO_NO_IMAGE);
	if (r->dec.bad_events)
		fprintf(stderr, "unmaptrace record: WARNING: %lu malformed "
			"events dropped\n", (unsigned long)r->dec.bad_events);
	if (r->dec.levels_seen && r->levels_meta &&
	    r->dec.levels_seen != r->levels_meta)
		fprintf(stderr, "unmaptrace record: WARNING: header says %u "
			"paging levels, the walk used %u\n", r->levels_meta,
			r->dec.levels_seen);
}

/* the calls by reclaim path, or why there are none */
static void print_paths(struct session *s)
{
	const struct ut_decoder *d = &s->r.dec;
	const char *sep = "";
	unsigned int p;

	if (!d->ttu_records) {
		fprintf(stderr, "[ unmaptrace record: 0 calls: nothing was "
			"unmapped%s.  Usually the workload never reclaimed: "
			"give it memory pressure, MADV_PAGEOUT or "
			"memory.reclaim%s ]\n",
			s->a->all ? "" : " in what was followed",
			s->a->all ? "" : "; or the filter excluded it (-a "
			"records every victim)");
		return;
	}
	fprintf(stderr, "[ unmaptrace record: %lu calls by reclaim path: ",
		(unsigned long)d->ttu_records);
	for (p = 0; p < UMT_PATH_NR; p++) {
		if (!d->by_path[p])
			continue;
		fprintf(stderr, "%s%s %lu", sep, umt_reclaim_path_name(p),
			(unsigned long)d->by_path[p]);
		sep = ", ";
	}
	fprintf(stderr, " ]\n");
}

/* stop the hooks, drain, close the trace, end CMD, print the summary */
static int sess_finish(struct session *s)
{
	struct ut_record_opts *a = s->a;
	struct rec *r = &s->r;
	uint64_t bytes;
	struct stat sb;
	int i, err, status;

	for (i = 0; i < s->nr_links; i++)
		bpf_link__destroy(s->links[i]);
	s->nr_links = 0;
	ring_buffer__consume(s->rb);
	poll_drops(r);
	if (s->tty)
		fprintf(stderr, "\r\033[K");
	sess_stats(s);

	bytes = umt_writer_bytes(r->w);
	err = umt_writer_close(r->w);
	r->w = NULL;
	if (strcmp(a->out, "-") && !stat(a->out, &sb))
		bytes = sb.st_size;
	if (err && !r->err)
		write_failed(r, err);	/* first seen at close */
	else if (r->err)
		fprintf(stderr, "unmaptrace record: writing %s: %s: the trace "
			"ends at the last chunk written before it (%lu writes "
			"refused)\n", a->out, strerror(-r->err),
			(unsigned long)r->write_errs);
	if (s->child > 0 && !s->child_done) {
		/* stopped by signal or -d: CMD keeps running? no: end it */
		kill(s->child, SIGTERM);
		waitpid(s->child, &status, 0);
		describe_status(status, s->exited, sizeof(s->exited));
	}
	s->child = -1;
	fprintf(stderr, "[ unmaptrace record: wrote %lu bytes to %s (%lu "
		"events, %lu lost, %.1f s)%s%s%s%s ]\n",
		(unsigned long)bytes, a->out,
		(unsigned long)(r->dec.ttu_records + r->dec.tlb_records),
		(unsigned long)r->lost, (now_ns() - s->t0) / 1e9,
		!s->exited[0] ? "" : a->pid ? "; " : "; CMD exited ",
		s->exited, stop_sig ? "; stopped by " : "",
		stop_sig ? strsignal(stop_sig) : "");
	print_paths(s);
	return r->err ? -1 : 0;
}

static void sess_cleanup(struct session *s)
{
	int i, status;

	if (s->release_fd >= 0)
		close(s->release_fd);	/* held child exits 127 */
	if (s->child > 0)
		waitpid(s->child, &status, 0);
	for (i = 0; i < s->nr_links; i++)
		bpf_link__destroy(s->links[i]);
	ring_buffer__free(s->rb);
	unmaptrace_bpf__destroy(s->skel);
	umt_meta_free(&s->meta);
	ut_decoder_free(&s->r.dec);
	ut_ksyms_free(&s->r.ksyms);
	free(s->r.last_drops);
}

enum ut_record_result ut_record(struct ut_record_opts *a)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct session s;
	enum ut_record_result ret = UT_RECORD_FAILED;
	int err;

	memset(&s, 0, sizeof(s));
	s.a = a;
	s.child = -1;
	s.release_fd = -1;
	s.tty = isatty(STDERR_FILENO);
	s.r.dec.emit = emit;
	s.r.out = a->out;
	s.r.dec.emit_ctx = &s.r;
	verbose = a->verbose;
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

	if (sess_plan(&s))
		return UT_RECORD_FAILED;
	if (sess_load(&s) || sess_target(&s) || sess_attach(&s))
		goto out;
	err = sess_open_trace(&s);
	if (err) {
		if (err > 0)
			ret = UT_RECORD_NO_OUTPUT;
		goto out;
	}
	sess_loop(&s);
	ret = sess_finish(&s) ? UT_RECORD_WRITE_ERROR : UT_RECORD_OK;
out:
	sess_cleanup(&s);
	return ret;
}
