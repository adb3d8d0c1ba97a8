// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace info: what a .umt trace holds (perf report --header-only,
 * damo record_info): header, attach plan, counts, loss, chunks, damage.
 * Everything is counted from the records actually read; the trailer's
 * totals are shown next to them, never instead of them.
 */
#include <argp.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "damage.h"
#include "umt.h"

static struct {
	bool chunks;
	bool json;
	bool allow_damaged;
	const char *file;
} env;

static const char info_doc[] =
"Show what a .umt trace holds: format version, metadata, attach plan,\n"
"record counts, lost events, TTU calls by folio kind and size, time span\n"
"and chunks (damaged ones named).\n"
"\n"
"USAGE: unmaptrace info [--chunks] [--json] [--allow-damaged] FILE\n"
"\n"
"EXAMPLES:\n"
"    unmaptrace info t.umt              # header, attach plan, counts\n"
"    unmaptrace info --chunks t.umt     # also the chunk table\n"
"    unmaptrace info --json t.umt       # one JSON object\n"
"    unmaptrace record -o - | unmaptrace info -   # read stdin\n"
"\n"
"Exit status: 0 intact trace; 2 a damaged, truncated, lossy or empty\n"
"(0 calls) trace (what could be read is still shown, the damage is named\n"
"on stderr; --allow-damaged: 0), usage, open or I/O error.";

static const struct argp_option info_opts[] = {
	{ "chunks", 'c', NULL, 0, "Also print the chunk table", 0 },
	{ "json", 'j', NULL, 0, "Print one JSON object instead of text", 0 },
	CMD_ALLOW_DAMAGED_OPTION,
	CMD_HELP_OPTIONS,
	{},
};

static error_t info_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'c':
		env.chunks = true;
		break;
	case 'j':
		env.json = true;
		break;
	case CMD_OPT_ALLOW_DAMAGED:
		env.allow_damaged = true;
		break;
	default:
		return cmd_parse_one_file(key, arg, state, &env.file);
	}
	return 0;
}

/*
 * A keyed counter (types, CPUs, folio sizes): few keys in a trace, but
 * any number in a crafted one, so the lookup is hashed (linear time).
 */
struct kcount {
	uint64_t key, n;
};

struct klist {
	struct kcount *v;
	size_t nr, cap;
	uint32_t *slot;		/* open addressing: index + 1, 0 free */
	size_t nslots;		/* a power of 2, > 2 * nr */
};

static size_t khash(uint64_t key, size_t nslots)
{
	return (key * 0x9e3779b97f4a7c15ull >> 17) & (nslots - 1);
}

static int krehash(struct klist *l)
{
	size_t n = l->nslots ? 2 * l->nslots : 64, i, h;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < l->nr; i++) {
		for (h = khash(l->v[i].key, n); s[h]; h = (h + 1) & (n - 1))
			;
		s[h] = i + 1;
	}
	free(l->slot);
	l->slot = s;
	l->nslots = n;
	return 0;
}

static int kadd(struct klist *l, uint64_t key, uint64_t n)
{
	size_t h;

	if (2 * (l->nr + 1) > l->nslots && krehash(l))
		return -ENOMEM;
	for (h = khash(key, l->nslots); l->slot[h];
	     h = (h + 1) & (l->nslots - 1)) {
		if (l->v[l->slot[h] - 1].key == key) {
			l->v[l->slot[h] - 1].n += n;
			return 0;
		}
	}
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct kcount *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->nr] = (struct kcount){ key, n };
	l->slot[h] = ++l->nr;
	return 0;
}

static int kcmp(const void *a, const void *b)
{
	const struct kcount *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* Sorted for printing: the hash is dropped, no more kadd() after */
static void ksort(struct klist *l)
{
	free(l->slot);
	l->slot = NULL;
	l->nslots = 0;
	if (l->nr)
		qsort(l->v, l->nr, sizeof(*l->v), kcmp);
}

static void kfree(struct klist *l)
{
	free(l->v);
	free(l->slot);
}

struct info {
	uint64_t records, lost, ttu, short_payloads;
	uint64_t ts_min, ts_max;
	uint64_t by_kind[UMT_KIND_NR + 1];	/* last: unknown kinds */
	struct klist types, lost_cpu, sizes;
};

static int account(struct info *in, const struct umt_rec *rec)
{
	int ret;

	if (!in->records || rec->ts < in->ts_min)
		in->ts_min = rec->ts;
	if (!in->records || rec->ts > in->ts_max)
		in->ts_max = rec->ts;
	in->records++;
	in->short_payloads += rec->short_payload;
	ret = kadd(&in->types, rec->type, 1);
	if (ret)
		return ret;
	if (rec->type == UMT_REC_LOST) {
		const struct umt_lost *l = rec->payload;

		in->lost += l->count;
		return kadd(&in->lost_cpu, l->cpu, l->count);
	}
	if (rec->type == UMT_REC_TTU) {
		const struct umt_ttu *t = rec->payload;

		in->ttu++;
		in->by_kind[t->kind < UMT_KIND_NR ? t->kind : UMT_KIND_NR]++;
		return kadd(&in->sizes, t->nr_pages, 1);
	}
	return 0;
}

static const char *type_label(uint16_t type, char *buf, size_t len)
{
	if (type && type <= UMT_REC_MAX_KNOWN)
		return umt_rec_type_name(type);
	snprintf(buf, len, "unknown_%u", type);
	return buf;
}

static void attach_status(const struct umt_attach *a, char *buf, size_t len)
{
	if (!a->err)
		snprintf(buf, len, "ok");
	else
		snprintf(buf, len, "%d (%s)", a->err, strerror(-a->err));
}

/* Long (~115 lines): one section after the other, as the user reads them */
static void print_text(const struct umt_reader *r, struct info *in)
{
	const struct umt_meta *m = umt_reader_meta(r);
	const struct umt_totals *t = umt_reader_totals(r);
	const struct umt_chunk_info *ci;
	int major, minor, nc, i, damaged = 0;
	char buf[64], st[96];
	size_t k;

	umt_reader_version(r, &major, &minor);
	nc = umt_reader_chunks(r, &ci);
	for (i = 0; i < nc; i++)
		damaged += ci[i].damaged;

	printf("file:        %s\n", env.file);
	printf("format:      .umt %d.%d%s\n", major, minor,
	       minor > UMT_VERSION_MINOR ? " (newer minor than this tool)" :
	       "");
	printf("metadata:\n");
	for (i = 0; i < m->nr_kv; i++) {
		char k[256], v[1024];

		printf("  %-20s %s\n", umt_str_safe(m->kv[i].key, k, sizeof(k)),
		       umt_str_safe(m->kv[i].value, v, sizeof(v)));
	}
	if (!m->nr_kv)
		printf("  (none)\n");

	printf("attach plan:\n");
	if (m->nr_attach)
		printf("  %-12s %-28s %-10s %s\n", "HOOK", "SYMBOL",
		       "MECHANISM", "STATUS");
	for (i = 0; i < m->nr_attach; i++) {
		const struct umt_attach *a = &m->attach[i];
		char h[160], sy[300], me[80], no[400];

		attach_status(a, st, sizeof(st));
		printf("  %-12s %-28s %-10s %s%s%s\n",
		       umt_str_safe(a->hook, h, sizeof(h)),
		       umt_str_safe(a->symbol, sy, sizeof(sy)),
		       umt_str_safe(a->mechanism, me, sizeof(me)), st,
		       a->note[0] ? ": " : "", umt_str_safe(a->note, no, sizeof(no)));
	}
	if (!m->nr_attach)
		printf("  (none)\n");

	printf("records:     %llu", (unsigned long long)in->records);
	if (t)
		printf(" (trailer: %llu written)",
		       (unsigned long long)t->nr_records);
	printf("\n");
	ksort(&in->types);
	for (k = 0; k < in->types.nr; k++)
		printf("  %-12s %llu\n",
		       type_label(in->types.v[k].key, buf, sizeof(buf)),
		       (unsigned long long)in->types.v[k].n);
	if (in->short_payloads)
		printf("  (%llu with short payloads, zero-extended)\n",
		       (unsigned long long)in->short_payloads);

	printf("lost events: %llu", (unsigned long long)in->lost);
	if (t && t->lost != in->lost)
		printf(" (trailer: %llu)", (unsigned long long)t->lost);
	printf("\n");
	ksort(&in->lost_cpu);
	for (k = 0; k < in->lost_cpu.nr; k++)
		printf("  cpu %-8llu %llu\n",
		       (unsigned long long)in->lost_cpu.v[k].key,
		       (unsigned long long)in->lost_cpu.v[k].n);

	printf("ttu calls by folio kind:\n");
	for (i = 0; i <= UMT_KIND_NR; i++) {
		if (in->by_kind[i])
			printf("  %-12s %llu\n", umt_kind_name(i),
			       (unsigned long long)in->by_kind[i]);
	}
	if (!in->ttu)
		printf("  (none)\n");
	printf("ttu calls by folio size:\n");
	ksort(&in->sizes);
	for (k = 0; k < in->sizes.nr; k++)
		printf("  %6llu page%s %llu\n",
		       (unsigned long long)in->sizes.v[k].key,
		       in->sizes.v[k].key == 1 ? " " : "s",
		       (unsigned long long)in->sizes.v[k].n);
	if (!in->ttu)
		printf("  (none)\n");

	if (in->records)
		printf("time span:   %llu.%09llu s (ts %llu .. %llu ns)\n",
		       (unsigned long long)(in->ts_max - in->ts_min) /
		       1000000000ull,
		       (unsigned long long)(in->ts_max - in->ts_min) %
		       1000000000ull,
		       (unsigned long long)in->ts_min,
		       (unsigned long long)in->ts_max);
	else
		printf("time span:   (no records)\n");
	printf("chunks:      %d (%d damaged)", nc, damaged);
	if (t)
		printf(", trailer: %u written", t->nr_chunks);
	else
		printf(", trailer: missing or damaged");
	printf("\n");
	for (i = 0; i < nc; i++) {
		if (ci[i].damaged)
			printf("  damaged: chunk %u at offset %llu: %s\n",
			       ci[i].index, (unsigned long long)ci[i].offset,
			       ci[i].why);
	}
	if (!env.chunks)
		return;
	printf("chunk table:\n  %5s %10s %8s %8s %7s %-8s %20s %20s %s\n",
	       "INDEX", "OFFSET", "RAW", "COMP", "RECS", "CRC32", "TS_MIN",
	       "TS_MAX", "STATUS");
	for (i = 0; i < nc; i++)
		printf("  %5u %10llu %8u %8u %7u %08x %20llu %20llu %s\n",
		       ci[i].index, (unsigned long long)ci[i].offset,
		       ci[i].raw_len, ci[i].comp_len, ci[i].nr_records,
		       ci[i].crc32, (unsigned long long)ci[i].ts_min,
		       (unsigned long long)ci[i].ts_max,
		       ci[i].damaged ? "damaged" : "ok");
}

static json_t *chunk_json(const struct umt_chunk_info *c)
{
	json_t *o = json_object();

	cmd_jset(o, "index", json_integer(c->index));
	cmd_jset(o, "offset", json_integer(c->offset));
	cmd_jset(o, "raw_len", json_integer(c->raw_len));
	cmd_jset(o, "comp_len", json_integer(c->comp_len));
	cmd_jset(o, "records", json_integer(c->nr_records));
	cmd_jset(o, "crc32", json_integer(c->crc32));
	cmd_jset(o, "ts_min", json_integer(c->ts_min));
	cmd_jset(o, "ts_max", json_integer(c->ts_max));
	cmd_jset(o, "damaged", json_boolean(c->damaged));
	if (c->damaged)
		cmd_jset(o, "why", json_string(c->why));
	return o;
}

/* Long (~125 lines): one key after the other, in the text output's order */
static int print_json(const struct umt_reader *r, struct info *in)
{
	const struct umt_meta *m = umt_reader_meta(r);
	const struct umt_totals *t = umt_reader_totals(r);
	const struct umt_chunk_info *ci;
	json_t *o = json_object(), *x, *y, *list;
	const char *w, *nl;
	int major, minor, nc, i, damaged = 0;
	char buf[64];
	size_t k;
	int ret;

	umt_reader_version(r, &major, &minor);
	nc = umt_reader_chunks(r, &ci);
	cmd_jset(o, "file", json_string(env.file));
	x = json_object();
	cmd_jset(x, "major", json_integer(major));
	cmd_jset(x, "minor", json_integer(minor));
	cmd_jset(o, "version", x);

	x = json_object();
	for (i = 0; i < m->nr_kv; i++)
		cmd_jset(x, m->kv[i].key, json_string(m->kv[i].value));
	cmd_jset(o, "metadata", x);

	list = json_array();
	for (i = 0; i < m->nr_attach; i++) {
		const struct umt_attach *a = &m->attach[i];

		x = json_object();
		cmd_jset(x, "hook", json_string(a->hook));
		cmd_jset(x, "symbol", json_string(a->symbol));
		cmd_jset(x, "mechanism", json_string(a->mechanism));
		cmd_jset(x, "err", json_integer(a->err));
		cmd_jset(x, "note", json_string(a->note));
		json_array_append_new(list, x);
	}
	cmd_jset(o, "attach", list);

	x = json_object();
	cmd_jset(x, "total", json_integer(in->records));
	cmd_jset(x, "short_payloads", json_integer(in->short_payloads));
	y = json_object();
	for (k = 0; k < in->types.nr; k++)
		cmd_jset(y, type_label(in->types.v[k].key, buf, sizeof(buf)),
		     json_integer(in->types.v[k].n));
	cmd_jset(x, "by_type", y);
	cmd_jset(o, "records", x);

	x = json_object();
	cmd_jset(x, "total", json_integer(in->lost));
	list = json_array();
	ksort(&in->lost_cpu);
	for (k = 0; k < in->lost_cpu.nr; k++) {
		y = json_object();
		cmd_jset(y, "cpu", json_integer(in->lost_cpu.v[k].key));
		cmd_jset(y, "count", json_integer(in->lost_cpu.v[k].n));
		json_array_append_new(list, y);
	}
	cmd_jset(x, "per_cpu", list);
	cmd_jset(o, "lost", x);

	x = json_object();
	cmd_jset(x, "calls", json_integer(in->ttu));
	y = json_object();
	for (i = 0; i <= UMT_KIND_NR; i++) {
		if (in->by_kind[i])
			cmd_jset(y, umt_kind_name(i), json_integer(in->by_kind[i]));
	}
	cmd_jset(x, "by_kind", y);
	list = json_array();
	ksort(&in->sizes);
	for (k = 0; k < in->sizes.nr; k++) {
		y = json_object();
		cmd_jset(y, "nr_pages", json_integer(in->sizes.v[k].key));
		cmd_jset(y, "count", json_integer(in->sizes.v[k].n));
		json_array_append_new(list, y);
	}
	cmd_jset(x, "by_nr_pages", list);
	cmd_jset(o, "ttu", x);

	x = json_object();
	cmd_jset(x, "ts_min", in->records ? json_integer(in->ts_min) : json_null());
	cmd_jset(x, "ts_max", in->records ? json_integer(in->ts_max) : json_null());
	cmd_jset(x, "span_ns", json_integer(in->ts_max - in->ts_min));
	cmd_jset(o, "time", x);

	x = json_object();
	list = json_array();
	for (i = 0; i < nc; i++) {
		damaged += ci[i].damaged;
		json_array_append_new(list, chunk_json(&ci[i]));
	}
	cmd_jset(x, "total", json_integer(nc));
	cmd_jset(x, "damaged", json_integer(damaged));
	if (env.chunks)
		cmd_jset(x, "list", list);
	else
		json_decref(list);
	list = json_array();
	for (i = 0; i < nc; i++) {
		if (ci[i].damaged)
			json_array_append_new(list, chunk_json(&ci[i]));
	}
	cmd_jset(x, "damaged_chunks", list);
	cmd_jset(o, "chunks", x);

	x = json_object();
	cmd_jset(x, "present", json_boolean(t != NULL));
	if (t) {
		cmd_jset(x, "records", json_integer(t->nr_records));
		cmd_jset(x, "chunks", json_integer(t->nr_chunks));
		cmd_jset(x, "lost", json_integer(t->lost));
	}
	cmd_jset(o, "trailer", x);
	/* as in a replay report: absent when intact (lib/damage.h) */
	x = umt_damage_json(umt_reader_damage(r));
	if (x)
		cmd_jset(o, "damaged", x);

	list = json_array();
	for (w = umt_reader_warnings(r); (nl = strchr(w, '\n')); w = nl + 1)
		json_array_append_new(list, json_stringn(w, nl - w));
	cmd_jset(o, "warnings", list);

	ret = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("\n");
	json_decref(o);
	return ret ? -EIO : 0;
}

int cmd_info(int argc, char **argv)
{
	static const struct argp argp = {
		.options = info_opts,
		.parser = info_parse,
		.args_doc = "FILE",
		.doc = info_doc,
	};
	struct umt_reader *r;
	struct umt_rec rec;
	struct info in;
	size_t warned = 0;
	char err[256];
	int ret, rc;

	static char name[] = "unmaptrace info";

	memset(&env, 0, sizeof(env));
	/* argp names the program after argv[0] in its messages */
	argv[0] = name;
	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, ARGP_NO_HELP, NULL, NULL))
		return EXIT_USAGE;

	r = umt_reader_open(env.file, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "unmaptrace info: %s: %s\n", env.file, err);
		return EXIT_USAGE;
	}
	memset(&in, 0, sizeof(in));
	cmd_flush_warnings("unmaptrace info", r, &warned);
	while ((ret = umt_reader_next(r, &rec)) == 1) {
		if (account(&in, &rec)) {
			ret = -ENOMEM;
			break;
		}
		cmd_flush_warnings("unmaptrace info", r, &warned);
	}
	cmd_flush_warnings("unmaptrace info", r, &warned);
	if (ret < 0)
		fprintf(stderr, "unmaptrace info: %s: read error: %s; showing what was read\n",
			env.file, strerror(-ret));

	if (env.json)
		print_json(r, &in);
	else
		print_text(r, &in);
	rc = cmd_stdout_done("unmaptrace info");
	if (ret < 0)
		rc = EXIT_USAGE;
	if (!rc)
		rc = umt_damage_verdict(umt_reader_damage(r),
					"unmaptrace info", env.file,
					env.allow_damaged, stderr);
	umt_reader_close(r);
	kfree(&in.types);
	kfree(&in.lost_cpu);
	kfree(&in.sizes);
	return rc;
}
