// SPDX-License-Identifier: GPL-2.0
/*
 * Record filters by victim and reclaim path (filter.h), shared by
 * replay, info, dump and diff.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "damage.h"
#include "filter.h"

#define CGROUP_MOUNT	"/sys/fs/cgroup"

/* "/sys/fs/cgroup/a/b/", "a/b" -> "/a/b"; "/" stays "/" */
static int norm_cgroup(const char *arg, char *out, size_t len)
{
	size_t ml = strlen(CGROUP_MOUNT), n;

	if (!strncmp(arg, CGROUP_MOUNT, ml) &&
	    (arg[ml] == '/' || !arg[ml]))
		arg += ml;
	while (*arg == '/')
		arg++;
	if ((size_t)snprintf(out, len, "/%s", arg) >= len)
		return -1;
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = 0;
	return 0;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

int umt_filter_set(struct umt_filter *f, const char *name, const char *arg,
		   char *err, size_t len)
{
	uint64_t v;
	int p;

	if (!f->on)
		f->path = -1;
	if (!strcmp(name, "pid")) {
		if (!parse_u64(arg, &v) || !v || v > UINT32_MAX) {
			snprintf(err, len, "bad --pid '%s'", arg);
			return -1;
		}
		f->by_pid = true;
		f->pid = v;
	} else if (!strcmp(name, "comm")) {
		if (!*arg || strlen(arg) >= sizeof(f->comm)) {
			snprintf(err, len, "bad --comm '%s' (1 to 15 "
				 "characters, as the kernel keeps it)", arg);
			return -1;
		}
		f->by_comm = true;
		snprintf(f->comm, sizeof(f->comm), "%s", arg);
	} else if (!strcmp(name, "cgroup")) {
		f->by_cgroup = true;
		f->cgroup_by_id = parse_u64(arg, &f->cgroup_id);
		if (!f->cgroup_by_id &&
		    norm_cgroup(arg, f->cgroup, sizeof(f->cgroup))) {
			snprintf(err, len, "--cgroup path too long");
			return -1;
		}
	} else if (!strcmp(name, "reclaimer")) {
		p = umt_reclaim_path_parse(arg);
		if (p <= 0) {
			snprintf(err, len, "unknown reclaim path '%s' (madvise, "
				 "direct, kswapd, proactive, khugepaged, "
				 "migration, hwpoison, other)", arg);
			return -1;
		}
		f->path = p;
	} else {
		snprintf(err, len, "unknown filter '%s'", name);
		return -1;
	}
	f->on = true;
	return 0;
}

static struct umt_filter_cgroup *cg_find(struct umt_filter *f, uint64_t id)
{
	size_t i;

	for (i = 0; i < f->nr_cg; i++)
		if (f->cg[i].id == id)
			return &f->cg[i];
	return NULL;
}

/* is @path the filter's cgroup or below it? */
static bool under(const char *want, const char *path)
{
	size_t n = strlen(want);

	if (!strcmp(want, "/"))
		return *path == '/';
	return !strncmp(path, want, n) && (!path[n] || path[n] == '/');
}

/* a CGROUP record: does its cgroup match? (--cgroup ID: by id's path) */
static void learn_cgroup(struct umt_filter *f, const struct umt_rec *rec)
{
	const struct umt_cgroup *c = rec->payload;
	struct umt_filter_cgroup *e = cg_find(f, c->cgroup_id);
	char path[sizeof(f->cgroup)];

	umt_cgroup_path(rec, path, sizeof(path));
	if (f->cgroup_by_id && c->cgroup_id == f->cgroup_id && *path) {
		/* the id's path: its descendants match too */
		snprintf(f->cgroup, sizeof(f->cgroup), "%s", path);
	}
	if (!e) {
		if (f->nr_cg == f->cap_cg) {
			size_t cap = f->cap_cg ? 2 * f->cap_cg : 16;
			void *p = realloc(f->cg, cap * sizeof(*f->cg));

			if (!p)
				return;	/* unknown: its calls do not match */
			f->cg = p;
			f->cap_cg = cap;
		}
		e = &f->cg[f->nr_cg++];
		e->id = c->cgroup_id;
	}
	e->match = (f->cgroup_by_id && c->cgroup_id == f->cgroup_id) ||
		   (f->cgroup[0] && *path && under(f->cgroup, path));
}

static bool cgroup_ok(struct umt_filter *f, uint64_t id)
{
	struct umt_filter_cgroup *e = cg_find(f, id);

	if (e)
		return e->match;
	return f->cgroup_by_id && id == f->cgroup_id;
}

static bool victim_ok(struct umt_filter *f, const struct umt_ttu_victim *v)
{
	if (f->path >= 0 && v->path != f->path)
		return false;
	if ((f->by_pid || f->by_comm) && !(v->valid & UMT_VICTIM_TGID))
		return false;
	if (f->by_pid && v->tgid != f->pid)
		return false;
	if (f->by_comm && strncmp(v->comm, f->comm, sizeof(v->comm)))
		return false;
	if (f->by_cgroup && (!(v->valid & UMT_VICTIM_CGROUP) ||
			     !cgroup_ok(f, v->cgroup_id)))
		return false;
	return true;
}

static void set_owed(struct umt_filter *f, uint32_t task, uint8_t v)
{
	if (task >= f->nr_owed) {
		uint32_t n = task + 64;
		uint8_t *p;

		if (!v)
			return;
		p = realloc(f->owed, n);
		if (!p)
			return;
		memset(p + f->nr_owed, 0, n - f->nr_owed);
		f->owed = p;
		f->nr_owed = n;
	}
	f->owed[task] = v;
}

bool umt_filter_keep(struct umt_filter *f, const struct umt_rec *rec)
{
	const struct umt_ttu_victim *v;
	const struct umt_ttu *t;
	bool keep;

	if (!f || !f->on)
		return true;
	switch (rec->type) {
	case UMT_REC_CGROUP:
		learn_cgroup(f, rec);
		return true;
	case UMT_REC_TTU:
		t = rec->payload;
		f->ttu_seen++;
		v = umt_ttu_victim(t, rec->size);
		if (!v) {
			f->ttu_no_victim++;
			return false;
		}
		if (!victim_ok(f, v))
			return false;
		f->ttu_kept++;
		/* as the recorder's victim filters (ttu_exit()) */
		if (f->arm64 ? t->ttu_flags & UMT_TTU_BATCH_FLUSH :
		    t->defer_flush || t->live_defer_walks ||
		    t->live_defer_rmap)
			set_owed(f, t->task_id, 1);
		return true;
	case UMT_REC_TLB_FLUSH: {
		const struct umt_tlb_flush *fl = rec->payload;

		keep = fl->task_id < f->nr_owed && f->owed[fl->task_id];
		set_owed(f, fl->task_id, 0);
		return keep;
	}
	default:
		return true;
	}
}

char *umt_filter_str(const struct umt_filter *f, char *buf, size_t len)
{
	size_t n = 0;

#define ADD(...)							\
	do {								\
		if (n < len)						\
			n += snprintf(buf + n, len - n, "%s", n ? ", " : ""); \
		if (n < len)						\
			n += snprintf(buf + n, len - n, __VA_ARGS__);	\
	} while (0)
	if (len)
		buf[0] = 0;
	if (f->by_pid)
		ADD("victim pid %u", f->pid);
	if (f->by_comm)
		ADD("victim comm %s", f->comm);
	if (f->by_cgroup) {
		if (f->cgroup_by_id)
			ADD("victim cgroup id %llu",
			    (unsigned long long)f->cgroup_id);
		else
			ADD("victim cgroup %s", f->cgroup);
	}
	if (f->path >= 0)
		ADD("reclaim path %s", umt_reclaim_path_name(f->path));
#undef ADD
	return buf;
}

int umt_no_calls(const char *who, const char *file,
		 const struct umt_filter *f)
{
	char what[256];

	fprintf(stderr, "%s: %s: 0 calls: the filter (%s) excluded all %llu "
		"calls of the trace%s (exit %d)\n", who, file,
		umt_filter_str(f, what, sizeof(what)),
		(unsigned long long)f->ttu_seen,
		f->ttu_seen && f->ttu_no_victim == f->ttu_seen ? ", which "
		"predates the victim fields of format 1.2" : "",
		UMT_EXIT_DAMAGED);
	return UMT_EXIT_DAMAGED;
}

void umt_filter_begin(struct umt_filter *f, bool arm64)
{
	free(f->cg);
	free(f->owed);
	f->cg = NULL;
	f->owed = NULL;
	f->nr_cg = f->cap_cg = 0;
	f->nr_owed = 0;
	f->ttu_seen = f->ttu_kept = f->ttu_no_victim = 0;
	if (f->cgroup_by_id)
		f->cgroup[0] = 0;
	f->arm64 = arm64;
}

void umt_filter_free(struct umt_filter *f)
{
	umt_filter_begin(f, false);
}
