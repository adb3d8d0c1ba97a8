// SPDX-License-Identifier: GPL-2.0
/*
 * umt-tlbi: a QEMU TCG plugin (API version 1, QEMU 7.2) that counts the
 * TLBI and DSB instructions an arm64 guest executes between two marker
 * instructions, by PC and kind.  The ground truth for what BPF cannot see:
 * arm64 issues its TLB maintenance inline (asm/tlbflush.h), so no probe
 * can count it.
 *
 *   -plugin umt-tlbi.so,out=FILE[,console=CONSOLE_LOG]
 *
 * Markers: HINT #0x7c opens a window, HINT #0x7d closes it (unallocated
 * hints, NOPs to the CPU; tests/workloads/umt-workload.c executes them
 * around each reclaim step).  Windows are numbered from 1; instructions
 * outside any window are not counted.  At exit FILE gets one line per
 * window, PC and kind that executed:
 *
 *   W PC KIND COUNT IN_TTU  e.g. "1 ffff800080312a44 tlbi_vale1is 16384 16384"
 *
 * plus "markers open=N close=M", "ttu=START-END" and "insns_tracked=N".
 * IN_TTU counts the executions while the vCPU was inside try_to_unmap_one
 * (entered at START, left by a RET within [START, END)): the guest prints
 * "UMT-TTU-RANGE START END" (from its /proc/kallsyms) on the console,
 * whose host file (console=) the plugin reads when the first window
 * opens.  tlbi-attribute.py names each PC's function from the kallsyms.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_WINDOWS	8
#define TABLE_SIZE	(1 << 16)	/* distinct TLBI/DSB PCs, power of 2 */

#define MARK_OPEN	0x7c
#define MARK_CLOSE	0x7d

#define MAX_VCPUS	64

struct site {
	uint64_t pc;
	uint32_t insn;
	int used;
	uint64_t count[MAX_WINDOWS + 1];
	uint64_t in_ttu[MAX_WINDOWS + 1];
};

static struct site *table;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int nr_sites;
static int window;		/* current window, 0: closed */
static qemu_plugin_id_t plugin_id;
static int nr_open, nr_close;
static char *out_path;
static char *console_path;
static uint64_t ttu_start, ttu_end;	/* 0: unknown */
static int ttu_read;
static uint8_t in_ttu[MAX_VCPUS];

/* SYS op0=1 with CRn 8 (TLBI) or 9 (TLBI ...nXS, FEAT_XS) */
static int is_tlbi(uint32_t i)
{
	uint32_t crn = (i >> 12) & 0xf;

	return (i & 0xfff80000) == 0xd5080000 && (crn == 8 || crn == 9);
}

/* DSB <option>: 0xd503309f | CRm << 8; CRm 0 and 4 are SSBB/PSSBB */
static int is_dsb(uint32_t i)
{
	uint32_t crm = (i >> 8) & 0xf;

	return (i & 0xfffff0ff) == 0xd503309f && crm != 0 && crm != 4;
}

static int hint_imm(uint32_t i)
{
	if ((i & 0xfffff01f) != 0xd503201f)
		return -1;
	return (i >> 5) & 0x7f;
}

/* Arm ARM C5.5 (TLBI aliases of SYS #op1, C8, Cm, #op2), EL1 ones */
static const char *tlbi_name(uint32_t i, char *buf, size_t len)
{
	static const struct {
		uint8_t op1, crm, op2;
		const char *name;
	} names[] = {
		{ 0, 1, 0, "vmalle1os" }, { 0, 1, 1, "vae1os" },
		{ 0, 1, 2, "aside1os" }, { 0, 1, 3, "vaae1os" },
		{ 0, 1, 5, "vale1os" }, { 0, 1, 7, "vaale1os" },
		{ 0, 2, 1, "rvae1is" }, { 0, 2, 3, "rvaae1is" },
		{ 0, 2, 5, "rvale1is" }, { 0, 2, 7, "rvaale1is" },
		{ 0, 3, 0, "vmalle1is" }, { 0, 3, 1, "vae1is" },
		{ 0, 3, 2, "aside1is" }, { 0, 3, 3, "vaae1is" },
		{ 0, 3, 5, "vale1is" }, { 0, 3, 7, "vaale1is" },
		{ 0, 5, 1, "rvae1os" }, { 0, 5, 3, "rvaae1os" },
		{ 0, 5, 5, "rvale1os" }, { 0, 5, 7, "rvaale1os" },
		{ 0, 6, 1, "rvae1" }, { 0, 6, 3, "rvaae1" },
		{ 0, 6, 5, "rvale1" }, { 0, 6, 7, "rvaale1" },
		{ 0, 7, 0, "vmalle1" }, { 0, 7, 1, "vae1" },
		{ 0, 7, 2, "aside1" }, { 0, 7, 3, "vaae1" },
		{ 0, 7, 5, "vale1" }, { 0, 7, 7, "vaale1" },
	};
	uint32_t op1 = (i >> 16) & 7, crm = (i >> 8) & 0xf, op2 = (i >> 5) & 7;
	const char *xs = ((i >> 12) & 0xf) == 9 ? "nxs" : "";
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (names[k].op1 == op1 && names[k].crm == crm &&
		    names[k].op2 == op2) {
			snprintf(buf, len, "tlbi_%s%s", names[k].name, xs);
			return buf;
		}
	snprintf(buf, len, "tlbi_op1_%u_c%u_%u%s", op1, crm, op2, xs);
	return buf;
}

static const char *dsb_name(uint32_t i)
{
	static const char *const opt[16] = {
		[1] = "dsb_oshld", [2] = "dsb_oshst", [3] = "dsb_osh",
		[5] = "dsb_nshld", [6] = "dsb_nshst", [7] = "dsb_nsh",
		[9] = "dsb_ishld", [10] = "dsb_ishst", [11] = "dsb_ish",
		[13] = "dsb_ld", [14] = "dsb_st", [15] = "dsb_sy",
	};

	return opt[(i >> 8) & 0xf] ?: "dsb_other";
}

/* The site of (pc, insn): found or added; NULL when the table is full. */
static struct site *site_get(uint64_t pc, uint32_t insn)
{
	uint64_t h = (pc >> 2) * 0x9e3779b97f4a7c15ULL;
	unsigned int k, n;
	struct site *s = NULL;

	pthread_mutex_lock(&table_lock);
	for (n = 0; n < TABLE_SIZE; n++) {
		k = (h + n) & (TABLE_SIZE - 1);
		if (!table[k].used) {
			if (nr_sites >= TABLE_SIZE / 2)
				break;	/* keep probes short */
			table[k].used = 1;
			table[k].pc = pc;
			table[k].insn = insn;
			nr_sites++;
			s = &table[k];
			break;
		}
		if (table[k].pc == pc && table[k].insn == insn) {
			s = &table[k];
			break;
		}
	}
	pthread_mutex_unlock(&table_lock);
	return s;
}

static void count_exec(unsigned int vcpu, void *udata)
{
	struct site *s = udata;
	int w = __atomic_load_n(&window, __ATOMIC_RELAXED);

	if (w <= 0 || w > MAX_WINDOWS)
		return;
	__atomic_fetch_add(&s->count[w], 1, __ATOMIC_RELAXED);
	if (vcpu < MAX_VCPUS && in_ttu[vcpu])
		__atomic_fetch_add(&s->in_ttu[w], 1, __ATOMIC_RELAXED);
}

static void ttu_enter(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_VCPUS)
		in_ttu[vcpu] = 1;
}

static void ttu_leave(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_VCPUS)
		in_ttu[vcpu] = 0;
}

/* The last "UMT-TTU-RANGE START END" line the guest wrote so far */
static void read_ttu_range(void)
{
	char line[256];
	FILE *f;

	if (!console_path || !(f = fopen(console_path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "UMT-TTU-RANGE ");
		uint64_t a, b;

		if (p && sscanf(p + 14, "%" SCNx64 " %" SCNx64, &a, &b) == 2 &&
		    a < b) {
			ttu_start = a;
			ttu_end = b;
		}
	}
	fclose(f);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
static void at_exit(qemu_plugin_id_t id, void *p);

/* qemu_plugin_reset() dropped every callback: take ours back */
static void after_reset(qemu_plugin_id_t id)
{
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
}

static void mark_open(unsigned int vcpu, void *udata)
{
	int n = __atomic_add_fetch(&nr_open, 1, __ATOMIC_SEQ_CST);

	/*
	 * Translation blocks made before the range was known go (a reset
	 * flushes them), so that try_to_unmap_one's entry and returns get
	 * their callbacks.
	 */
	if (!__atomic_exchange_n(&ttu_read, 1, __ATOMIC_SEQ_CST)) {
		read_ttu_range();
		if (ttu_start)
			qemu_plugin_reset(plugin_id, after_reset);
	}
	__atomic_store_n(&window, n, __ATOMIC_SEQ_CST);
}

static void mark_close(unsigned int vcpu, void *udata)
{
	__atomic_add_fetch(&nr_close, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&window, 0, __ATOMIC_SEQ_CST);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), k;

	for (k = 0; k < n; k++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, k);
		uint32_t i;
		int imm;
		struct site *s;

		if (qemu_plugin_insn_size(insn) != 4)
			continue;
		memcpy(&i, qemu_plugin_insn_data(insn), 4);
		if (ttu_start) {
			uint64_t pc = qemu_plugin_insn_vaddr(insn);

			/* the entry; RET, RETAA, RETAB inside */
			bool ret = i == 0xd65f03c0 || i == 0xd65f0bff ||
				   i == 0xd65f0fff;

			if (pc == ttu_start)
				qemu_plugin_register_vcpu_insn_exec_cb(insn,
					ttu_enter, QEMU_PLUGIN_CB_NO_REGS,
					NULL);
			else if (ret && pc > ttu_start && pc < ttu_end)
				qemu_plugin_register_vcpu_insn_exec_cb(insn,
					ttu_leave, QEMU_PLUGIN_CB_NO_REGS,
					NULL);
		}
		imm = hint_imm(i);
		if (imm == MARK_OPEN || imm == MARK_CLOSE) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn,
				imm == MARK_OPEN ? mark_open : mark_close,
				QEMU_PLUGIN_CB_NO_REGS, NULL);
			continue;
		}
		if (!is_tlbi(i) && !is_dsb(i))
			continue;
		s = site_get(qemu_plugin_insn_vaddr(insn), i);
		if (s)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, count_exec,
				QEMU_PLUGIN_CB_NO_REGS, s);
	}
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	FILE *f = fopen(out_path, "w");
	unsigned int k;
	int w;
	char buf[48];

	if (!f) {
		perror(out_path);
		return;
	}
	fprintf(f, "markers open=%d close=%d\n", nr_open, nr_close);
	fprintf(f, "ttu=%" PRIx64 "-%" PRIx64 "\n", ttu_start, ttu_end);
	fprintf(f, "insns_tracked=%u%s\n", nr_sites,
		nr_sites >= TABLE_SIZE / 2 ? " (table full: counts lost)" : "");
	for (w = 1; w <= MAX_WINDOWS; w++)
		for (k = 0; k < TABLE_SIZE; k++) {
			const struct site *s = &table[k];

			if (!s->used || !s->count[w])
				continue;
			fprintf(f, "%d %016" PRIx64 " %s %" PRIu64 " %" PRIu64
				"\n", w, s->pc, is_tlbi(s->insn) ?
				tlbi_name(s->insn, buf, sizeof(buf)) :
				dsb_name(s->insn), s->count[w], s->in_ttu[w]);
		}
	if (fclose(f))
		perror(out_path);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	int k;

	if (strcmp(info->target_name, "aarch64")) {
		fprintf(stderr, "umt-tlbi: target %s, not aarch64\n",
			info->target_name);
		return -1;
	}
	for (k = 0; k < argc; k++)
		if (!strncmp(argv[k], "out=", 4))
			out_path = strdup(argv[k] + 4);
		else if (!strncmp(argv[k], "console=", 8))
			console_path = strdup(argv[k] + 8);
	if (!out_path) {
		fprintf(stderr, "umt-tlbi: usage: -plugin "
			"umt-tlbi.so,out=FILE[,console=LOG]\n");
		return -1;
	}
	plugin_id = id;
	table = calloc(TABLE_SIZE, sizeof(*table));
	if (!table)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
