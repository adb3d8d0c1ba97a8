// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace dump: every record of a .umt trace, one line each (text or
 * JSON lines), for eyeballing a trace and for scripts.
 */
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "damage.h"
#include "umt.h"

/* a slot image string: worst case ~20 bytes per slot */
#define IMAGE_LEN	(UMT_MAX_SLOTS * 24 + 16)

static struct {
	bool json;
	bool allow_damaged;
	const char *file;
} env;

static const char dump_doc[] =
"Print every record of a .umt trace, one per line.\n"
"\n"
"USAGE: unmaptrace dump [--json] [--allow-damaged] FILE\n"
"\n"
"Text lines start with seq, ts (ns) and cpu, then the record type and its\n"
"fields.  A TTU's page-table image is printed as runs: T<first>-<last>\n"
"slots mapping consecutive pages of the folio, N none, O other page,\n"
"S swap, K marker, M migration, D device, X no page table, xN a run of N,\n"
"':wdy...' PTE bits (write dirty young soft-dirty uffd-wp cont special\n"
"protnone swp-exclusive anon-exclusive).\n"
"\n"
"EXAMPLES:\n"
"    unmaptrace dump t.umt                  # text, one record a line\n"
"    unmaptrace dump --json t.umt | jq .    # JSON lines\n"
"    unmaptrace dump t.umt | grep ' TTU '   # only the unmap calls\n"
"    unmaptrace record -o - | unmaptrace dump -   # read stdin\n"
"\n"
"Exit status: 0 intact trace; 2 a damaged, truncated, lossy or empty\n"
"(0 calls) trace (every intact record is still printed, the damage is\n"
"named on stderr; --allow-damaged: 0), usage, open or I/O error.";

static const struct argp_option dump_opts[] = {
	{ "json", 'j', NULL, 0, "One JSON object per line (JSON lines)", 0 },
	CMD_ALLOW_DAMAGED_OPTION,
	CMD_HELP_OPTIONS,
	{},
};

static error_t dump_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
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

/* comm is kernel data: print it so a line stays one line */
static void put_comm(const char *comm, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len && comm[i]; i++) {
		unsigned char c = comm[i];

		if (isprint(c) && c != '"' && c != '\\')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	putchar('"');
}

static void text_ttu(const struct umt_ttu *t, char *image)
{
	char ff[128], vf[128], tf[128];

	printf(" task=%u mm=%u vma=%u folio=%u kind=%s nr_pages=%u flags=%s vma_flags=%s ttu=%s defer=%u ret=%u",
	       t->task_id, t->mm_id, t->vma_id, t->folio_id,
	       umt_kind_name(t->kind), t->nr_pages,
	       umt_folio_flags_str(t->folio_flags, ff, sizeof(ff)),
	       umt_vma_flags_str(t->vma_flags, vf, sizeof(vf)),
	       umt_ttu_flags_str(t->ttu_flags, tf, sizeof(tf)),
	       t->defer_flush, t->ret);
	if (t->has_live)
		printf(" live=rmap:%u/%u,tlb:%u,rss:%u,walk:%u/%u",
		       t->live_rmap_calls, t->live_rmap_pages,
		       t->live_tlb_flushes, t->live_rss_stat,
		       t->live_walk_calls, t->live_walk_true);
	if (t->has_live & UMT_LIVE_DEFER)
		printf(",defer:%u/%u", t->live_defer_walks,
		       t->live_defer_rmap);
	if (t->has_live & UMT_LIVE_HELPERS)
		printf(",helpers:%s%s%s",
		       t->live_helpers & UMT_HELPER_UNMAP_HUGE_PMD ?
		       "huge_pmd" : "",
		       (t->live_helpers & UMT_HELPER_UNMAP_HUGE_PMD) &&
		       (t->live_helpers & UMT_HELPER_PTE_BATCH) ? "+" : "",
		       t->live_helpers & UMT_HELPER_PTE_BATCH ? "pte_batch" :
		       t->live_helpers ? "" : "-");
	if (!t->has_live)
		printf(" live=-");
	printf(" vma_pages=%d..%d first_page=%u pmd_index=%u slots=%u image=%s",
	       t->vma_start_page, t->vma_end_page, t->image_first_page,
	       t->image_pmd_index, t->nr_slots,
	       umt_slot_image_str(t->slots, t->nr_slots, image, IMAGE_LEN));
}

static void text_record(const struct umt_rec *rec, char *image)
{
	printf("%u %llu cpu%u %s", rec->seq, (unsigned long long)rec->ts,
	       rec->cpu, umt_rec_type_name(rec->type));
	switch (rec->type) {
	case UMT_REC_TTU:
		text_ttu(rec->payload, image);
		break;
	case UMT_REC_TLB_FLUSH: {
		const struct umt_tlb_flush *f = rec->payload;

		printf(" task=%u in_ttu=%u", f->task_id,
		       f->in_ttu & UMT_FLUSH_IN_TTU);
		if (f->in_ttu & UMT_FLUSH_MIGRATE_HOOKED)
			printf(" migrate=%u", !!(f->in_ttu & UMT_FLUSH_MIGRATE));
		break;
	}
	case UMT_REC_LOST: {
		const struct umt_lost *l = rec->payload;

		printf(" lost_cpu=%u count=%llu", l->cpu,
		       (unsigned long long)l->count);
		break;
	}
	case UMT_REC_TASK: {
		const struct umt_task *t = rec->payload;

		printf(" task=%u tgid=%u pid=%u comm=", t->task_id, t->tgid,
		       t->pid);
		put_comm(t->comm, sizeof(t->comm));
		break;
	}
	case UMT_REC_STATS: {
		const struct umt_stats *s = rec->payload;

		printf(" ttu_calls=%llu rmap_calls=%llu rmap_pages=%llu tlb_flushes=%llu tlbbatch_flushes=%llu rss_stat=%llu lost=%llu",
		       (unsigned long long)s->ttu_calls,
		       (unsigned long long)s->rmap_calls,
		       (unsigned long long)s->rmap_pages,
		       (unsigned long long)s->tlb_flushes,
		       (unsigned long long)s->tlbbatch_flushes,
		       (unsigned long long)s->rss_stat,
		       (unsigned long long)s->lost);
		break;
	}
	default:
		printf(" type=%u", rec->type);
		break;
	}
	printf(" size=%u%s\n", rec->size,
	       rec->short_payload ? " short_payload" : "");
}

static void json_ttu(json_t *o, const struct umt_ttu *t, char *image)
{
	char buf[128];
	json_t *slots = json_array();
	uint32_t i;

	cmd_jset(o, "task", json_integer(t->task_id));
	cmd_jset(o, "mm", json_integer(t->mm_id));
	cmd_jset(o, "vma", json_integer(t->vma_id));
	cmd_jset(o, "folio", json_integer(t->folio_id));
	cmd_jset(o, "nr_pages", json_integer(t->nr_pages));
	cmd_jset(o, "kind", json_string(umt_kind_name(t->kind)));
	cmd_jset(o, "kind_id", json_integer(t->kind));
	cmd_jset(o, "folio_flags", json_integer(t->folio_flags));
	cmd_jset(o, "folio_flags_str", json_string(
		umt_folio_flags_str(t->folio_flags, buf, sizeof(buf))));
	cmd_jset(o, "vma_flags", json_integer(t->vma_flags));
	cmd_jset(o, "vma_flags_str", json_string(
		umt_vma_flags_str(t->vma_flags, buf, sizeof(buf))));
	cmd_jset(o, "ttu_flags", json_integer(t->ttu_flags));
	cmd_jset(o, "ttu_flags_str", json_string(
		umt_ttu_flags_str(t->ttu_flags, buf, sizeof(buf))));
	cmd_jset(o, "image_first_page", json_integer(t->image_first_page));
	cmd_jset(o, "image_pmd_index", json_integer(t->image_pmd_index));
	cmd_jset(o, "vma_start_page", json_integer(t->vma_start_page));
	cmd_jset(o, "vma_end_page", json_integer(t->vma_end_page));
	cmd_jset(o, "defer_flush", json_integer(t->defer_flush));
	cmd_jset(o, "ret", json_integer(t->ret));
	if (t->has_live) {
		json_t *l = json_object();

		cmd_jset(l, "rmap_calls", json_integer(t->live_rmap_calls));
		cmd_jset(l, "rmap_pages", json_integer(t->live_rmap_pages));
		cmd_jset(l, "tlb_flushes", json_integer(t->live_tlb_flushes));
		cmd_jset(l, "rss_stat", json_integer(t->live_rss_stat));
		cmd_jset(l, "walk_calls", json_integer(t->live_walk_calls));
		cmd_jset(l, "walk_true", json_integer(t->live_walk_true));
		if (t->has_live & UMT_LIVE_HELPERS)
			cmd_jset(l, "helpers", json_integer(t->live_helpers));
		if (t->has_live & UMT_LIVE_DEFER) {
			cmd_jset(l, "defer_walks",
			     json_integer(t->live_defer_walks));
			cmd_jset(l, "defer_rmap",
			     json_integer(t->live_defer_rmap));
		}
		cmd_jset(o, "live", l);
	} else {
		cmd_jset(o, "live", json_null());
	}
	for (i = 0; i < t->nr_slots; i++)
		json_array_append_new(slots, json_integer(t->slots[i]));
	cmd_jset(o, "slots", slots);
	cmd_jset(o, "image", json_string(umt_slot_image_str(t->slots, t->nr_slots,
							image, IMAGE_LEN)));
}

/* comm bytes as Latin-1: lossless, and always valid UTF-8 for JSON */
static json_t *comm_json(const char *comm, size_t len)
{
	char buf[2 * 16 + 1];
	size_t i, n = 0;

	for (i = 0; i < len && i < 16 && comm[i]; i++) {
		unsigned char c = comm[i];

		if (c < 0x80) {
			buf[n++] = c;
		} else {
			buf[n++] = 0xc0 | c >> 6;
			buf[n++] = 0x80 | (c & 0x3f);
		}
	}
	return json_stringn(buf, n);
}

static json_t *json_record(const struct umt_rec *rec, char *image)
{
	json_t *o = json_object();

	cmd_jset(o, "seq", json_integer(rec->seq));
	cmd_jset(o, "ts", json_integer(rec->ts));
	cmd_jset(o, "cpu", json_integer(rec->cpu));
	cmd_jset(o, "type", json_string(umt_rec_type_name(rec->type)));
	cmd_jset(o, "type_id", json_integer(rec->type));
	cmd_jset(o, "size", json_integer(rec->size));
	cmd_jset(o, "short_payload", json_boolean(rec->short_payload));
	switch (rec->type) {
	case UMT_REC_TTU:
		json_ttu(o, rec->payload, image);
		break;
	case UMT_REC_TLB_FLUSH: {
		const struct umt_tlb_flush *f = rec->payload;

		cmd_jset(o, "task", json_integer(f->task_id));
		cmd_jset(o, "in_ttu", json_integer(f->in_ttu &
						  UMT_FLUSH_IN_TTU));
		if (f->in_ttu & UMT_FLUSH_MIGRATE_HOOKED)
			cmd_jset(o, "migrate", json_boolean(f->in_ttu &
						UMT_FLUSH_MIGRATE));
		break;
	}
	case UMT_REC_LOST: {
		const struct umt_lost *l = rec->payload;

		cmd_jset(o, "lost_cpu", json_integer(l->cpu));
		cmd_jset(o, "count", json_integer(l->count));
		break;
	}
	case UMT_REC_TASK: {
		const struct umt_task *t = rec->payload;

		cmd_jset(o, "task", json_integer(t->task_id));
		cmd_jset(o, "tgid", json_integer(t->tgid));
		cmd_jset(o, "pid", json_integer(t->pid));
		cmd_jset(o, "comm", comm_json(t->comm, sizeof(t->comm)));
		break;
	}
	case UMT_REC_STATS: {
		const struct umt_stats *s = rec->payload;

		cmd_jset(o, "ttu_calls", json_integer(s->ttu_calls));
		cmd_jset(o, "rmap_calls", json_integer(s->rmap_calls));
		cmd_jset(o, "rmap_pages", json_integer(s->rmap_pages));
		cmd_jset(o, "tlb_flushes", json_integer(s->tlb_flushes));
		cmd_jset(o, "tlbbatch_flushes", json_integer(s->tlbbatch_flushes));
		cmd_jset(o, "rss_stat", json_integer(s->rss_stat));
		cmd_jset(o, "lost", json_integer(s->lost));
		break;
	}
	}
	return o;
}

int cmd_dump(int argc, char **argv)
{
	static const struct argp argp = {
		.options = dump_opts,
		.parser = dump_parse,
		.args_doc = "FILE",
		.doc = dump_doc,
	};
	struct umt_reader *r;
	struct umt_rec rec;
	uint64_t n = 0;
	size_t warned = 0;
	char err[256], *image;
	int ret, rc;

	static char name[] = "unmaptrace dump";

	memset(&env, 0, sizeof(env));
	/* argp names the program after argv[0] in its messages */
	argv[0] = name;
	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, ARGP_NO_HELP, NULL, NULL))
		return EXIT_USAGE;

	image = malloc(IMAGE_LEN);
	if (!image) {
		fprintf(stderr, "unmaptrace dump: out of memory\n");
		return EXIT_USAGE;
	}
	r = umt_reader_open(env.file, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "unmaptrace dump: %s: %s\n", env.file, err);
		free(image);
		return EXIT_USAGE;
	}
	cmd_flush_warnings("unmaptrace dump", r, &warned);
	if (!env.json) {
		int major, minor;

		umt_reader_version(r, &major, &minor);
		printf("# %s: .umt %d.%d; seq ts cpu TYPE fields\n", env.file,
		       major, minor);
	}
	while ((ret = umt_reader_next(r, &rec)) == 1) {
		/* warn before the line that needs it, e.g. an unknown type */
		cmd_flush_warnings("unmaptrace dump", r, &warned);
		n++;
		if (env.json) {
			json_t *o = json_record(&rec, image);

			if (!o || json_dumpf(o, stdout, JSON_COMPACT |
					     JSON_SORT_KEYS))
				ret = -EIO;
			json_decref(o);
			putchar('\n');
			if (ret < 0)
				break;
		} else {
			text_record(&rec, image);
		}
	}
	cmd_flush_warnings("unmaptrace dump", r, &warned);
	rc = cmd_stdout_done("unmaptrace dump");
	if (ret < 0) {
		fprintf(stderr, "unmaptrace dump: %s: %s after %llu records: %s\n",
			env.file, ret == -EIO ? "write error" : "read error",
			(unsigned long long)n, strerror(-ret));
		rc = EXIT_USAGE;
	}
	if (!rc)
		rc = umt_damage_verdict(umt_reader_damage(r),
					"unmaptrace dump", env.file,
					env.allow_damaged, stderr);
	umt_reader_close(r);
	free(image);
	return rc;
}
