// SPDX-License-Identifier: GPL-2.0
/*
 * Facts about the running kernel the plan and the header need: BTF
 * signatures, the functions of lib/facts.c (btf.NAME), enums, the
 * swap-entry type layout, and the kernel config.
 */
#include <bpf/btf.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "facts.h"
#include "kfacts.h"
#include "model.h"

/* page_remove_rmap(page, compound) <= 5.18, (page, vma, compound) 5.19+ */
int ut_kfact_compound_arg(const struct btf *vmlinux_btf)
{
	const struct btf_type *fn, *proto;
	int id;

	if (!vmlinux_btf)
		return 0;
	id = btf__find_by_name_kind(vmlinux_btf, "page_remove_rmap",
				    BTF_KIND_FUNC);
	if (id < 0)
		return 0;
	fn = btf__type_by_id(vmlinux_btf, id);
	proto = btf__type_by_id(vmlinux_btf, fn->type);
	if (!proto || !btf_is_func_proto(proto))
		return 0;
	return btf_vlen(proto) - 1;
}

/* The enumerator VMA_DROPPABLE_BIT (7.x enum); older kernels: a macro */
uint64_t ut_kfact_droppable_mask(const struct btf *vmlinux_btf)
{
	int i, n, j;

	if (!vmlinux_btf)
		return 0;
	n = btf__type_cnt(vmlinux_btf);
	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(vmlinux_btf, i);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (j = 0; j < btf_vlen(t); j++, e++) {
			const char *name = btf__name_by_offset(vmlinux_btf,
							       e->name_off);

			if (name && !strcmp(name, "VMA_DROPPABLE_BIT") &&
			    e->val >= 0 && e->val < 64)
				return 1ULL << e->val;
		}
	}
	return 0;
}

static bool kconfig_on(const char *name)
{
	const char *v = ut_kconfig(name);

	return v && (!strcmp(v, "y") || !strcmp(v, "m"));
}

/*
 * include/linux/swap.h: non-swap entry types count down from 31:
 * MAX_SWAPFILES, then HWPOISON, MIGRATION..., DEVICE..., PTE_MARKER.
 * Their numbers depend on config and release (device exclusive entries
 * 5.14; migration read-exclusive 5.19; PTE markers 6.0); without a
 * readable config, Debian's (all on) is assumed and said so.
 */
void ut_kfact_swp_layout(struct ut_swp_layout *s, char *note, size_t len)
{
	struct utsname u;
	int maj = 0, min = 0, v;
	bool cfg = ut_kconfig_source() != NULL;

	uname(&u);
	/* unparsable: 0.0, the oldest layout */
	model_parse_release(u.release, &maj, &min);
	v = maj * 100 + min;
	s->hwpoison_nr = !cfg || kconfig_on("CONFIG_MEMORY_FAILURE");
	s->migration_nr = !cfg || kconfig_on("CONFIG_MIGRATION") ?
		(v >= 519 ? 3 : 2) : 0;
	s->device_nr = !cfg || kconfig_on("CONFIG_DEVICE_PRIVATE") ?
		(v >= 700 ? 3 : v >= 514 ? 4 : 2) : 0;
	/* CONFIG_PTE_MARKER was folded away later: absent means built in */
	s->marker_nr = v >= 600 && (!cfg || kconfig_on("CONFIG_PTE_MARKER") ||
				    !ut_kconfig("CONFIG_PTE_MARKER"));
	s->max_swapfiles = 32 - s->hwpoison_nr - s->migration_nr -
			   s->device_nr - s->marker_nr;
	s->hwpoison_first = s->max_swapfiles;
	s->migration_first = s->hwpoison_first + s->hwpoison_nr;
	s->device_first = s->migration_first + s->migration_nr;
	s->marker_first = s->device_first + s->device_nr;
	snprintf(note, len, "max_swapfiles %u hwpoison %u mig %u dev %u "
		 "marker %u (%s)", s->max_swapfiles, s->hwpoison_nr,
		 s->migration_nr, s->device_nr, s->marker_nr,
		 cfg ? "config" : "assumed");
}

/* ---- kernel config ---- */

static char *kcfg;
static const char *kcfg_src;
static bool kcfg_tried;

static char *slurp_gz(const char *path)
{
	gzFile g = gzopen(path, "rb");
	size_t cap = 1 << 16, len = 0;
	char *buf;
	int n;

	if (!g)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (n = gzread(g, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *nb = realloc(buf, 2 * cap + 1);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	gzclose(g);
	if (buf)
		buf[len] = 0;
	return buf;
}

const char *ut_kconfig_source(void)
{
	static char path[300];
	struct utsname u;

	if (kcfg_tried)
		return kcfg_src;
	kcfg_tried = true;
	uname(&u);
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	/* gzread reads plain files too */
	kcfg = slurp_gz(path);
	if (kcfg) {
		kcfg_src = path;
		return kcfg_src;
	}
	kcfg = slurp_gz("/proc/config.gz");
	if (kcfg)
		kcfg_src = "/proc/config.gz";
	return kcfg_src;
}

const char *ut_kconfig(const char *name)
{
	static char val[128];
	size_t len = strlen(name);
	const char *p;

	if (!ut_kconfig_source())
		return NULL;
	for (p = kcfg; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, name, len) && p[len] == '=') {
			size_t n = strcspn(p + len + 1, "\n");

			if (n >= sizeof(val))
				n = sizeof(val) - 1;
			memcpy(val, p + len + 1, n);
			val[n] = 0;
			return val;
		}
		if (!strncmp(p, "# ", 2) && !strncmp(p + 2, name, len) &&
		    !strncmp(p + 2 + len, " is not set", 11))
			return "n";
	}
	return NULL;	/* no such symbol in this kernel */
}

/* A BTF type's name for a prototype: "struct folio *", "unsigned long" */
static void btf_type_str(const struct btf *btf, __u32 id, char *buf,
			 size_t len, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name;

	if (!t || !id) {
		snprintf(buf, len, "void");
		return;
	}
	name = btf__name_by_offset(btf, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		if (depth < 4) {
			btf_type_str(btf, t->type, buf, len, depth + 1);
			strncat(buf, " *", len - strlen(buf) - 1);
		} else {
			snprintf(buf, len, "void *");
		}
		return;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		btf_type_str(btf, t->type, buf, len, depth + 1);
		return;
	case BTF_KIND_STRUCT:
		snprintf(buf, len, "struct %s", name ?: "?");
		return;
	case BTF_KIND_UNION:
		snprintf(buf, len, "union %s", name ?: "?");
		return;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		snprintf(buf, len, "enum %s", name ?: "?");
		return;
	default:
		snprintf(buf, len, "%s", name && *name ? name : "?");
	}
}

/*
 * Kernel facts for the "kernel" policy (lib/facts.c): for each function of
 * kfacts_btf_funcs, "btf.NAME" = "absent" or "present RET(ARGS)" from the
 * running kernel's BTF.
 */
int ut_kfact_btf_funcs(const struct btf *vmlinux_btf, struct umt_meta *m)
{
	char val[512], ty[96], key[96];
	int i, err = 0;

	for (i = 0; i < kfacts_nr_btf_funcs; i++) {
		const char *fn = kfacts_btf_funcs[i];
		const struct btf_type *f, *proto;
		const struct btf_param *pa;
		int id = -ENOENT, k, n;

		if (vmlinux_btf)
			id = btf__find_by_name_kind(vmlinux_btf, fn,
						    BTF_KIND_FUNC);
		snprintf(key, sizeof(key), "btf.%s", fn);
		if (!vmlinux_btf) {
			err |= umt_meta_set(m, key, "unknown (no BTF)");
			continue;
		}
		if (id < 0) {
			err |= umt_meta_set(m, key, "absent");
			continue;
		}
		f = btf__type_by_id(vmlinux_btf, id);
		proto = f ? btf__type_by_id(vmlinux_btf, f->type) : NULL;
		if (!proto || !btf_is_func_proto(proto)) {
			err |= umt_meta_set(m, key, "present");
			continue;
		}
		btf_type_str(vmlinux_btf, proto->type, ty, sizeof(ty), 0);
		n = snprintf(val, sizeof(val), "present %s(", ty);
		pa = btf_params(proto);
		for (k = 0; k < btf_vlen(proto) && n < (int)sizeof(val); k++) {
			btf_type_str(vmlinux_btf, pa[k].type, ty, sizeof(ty),
				     0);
			n += snprintf(val + n, sizeof(val) - n, "%s%s",
				      k ? ", " : "", ty);
		}
		if (n < (int)sizeof(val))
			snprintf(val + n, sizeof(val) - n, ")");
		err |= umt_meta_set(m, key, val);
	}
	return err;
}

/*
 * arm64 PHYS_OFFSET (memstart_addr) for the page-table walk when the
 * symbol is not in kallsyms (no CONFIG_KALLSYMS_ALL, Debian's 6.1), and
 * the paging levels: /proc/kcore's RAM segments carry p_vaddr =
 * __va(p_paddr) (fs/proc/kcore.c, 6.1.176), and __va(x) = (x -
 * PHYS_OFFSET) | PAGE_OFFSET (asm/memory.h).  The linear map lies below
 * the kernel image (0xffff800000000000); it starts at 0xffff000000000000
 * with 48-bit VA (4 levels with 4K pages; a 52-bit build on a CPU without
 * LPA2 moves memstart_addr so that it does too) and at 0xfff0000000000000
 * with 52-bit VA (LPA2, 5 levels).
 */
int ut_kfact_arm64_linear(int64_t *memstart, int *levels)
{
	int fd = open("/proc/kcore", O_RDONLY), i, ret = -ENOENT;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t po;

	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(ph))
		goto out;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || ph.p_paddr == (Elf64_Addr)-1 ||
		    ph.p_vaddr < 0xfff0000000000000ULL ||
		    ph.p_vaddr >= 0xffff800000000000ULL)
			continue;
		po = ph.p_vaddr >= 0xffff000000000000ULL ?
		     0xffff000000000000ULL : 0xfff0000000000000ULL;
		*memstart = (int64_t)(ph.p_paddr - (ph.p_vaddr - po));
		*levels = po == 0xffff000000000000ULL ? 4 : 5;
		ret = 0;
		break;
	}
out:
	close(fd);
	return ret;
}
