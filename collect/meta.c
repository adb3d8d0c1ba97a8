// SPDX-License-Identifier: GPL-2.0
/*
 * The trace header a recording writes: the machine, the tool, the command
 * line, the kernel config keys the model reads, the user's --meta pairs
 * and the attach plan (docs/FORMAT.md lists the keys).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kfacts.h"
#include "meta.h"

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

/*
 * x86 5-level paging: the kernel clears X86_FEATURE_LA57 when it is off.
 * arm64: from the linear map's place (ut_kfact_arm64_linear()).
 */
static int cpuinfo_levels(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int levels = 0;

#ifdef __aarch64__
	int64_t ms;

	if (f)
		fclose(f);
	return ut_kfact_arm64_linear(&ms, &levels) ? 0 : levels;
#endif
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

int ut_fill_meta(struct umt_meta *m, const struct ut_plan *plan,
		 const struct ut_record_opts *a, int ncpus, uint32_t *levels)
{
	char cmdline[1024] = "", ts[64], pmd[32] = "2097152", key[128];
	struct utsname u;
	struct tm tm;
	time_t t = time(NULL);
	size_t i, off = 0;
	FILE *f;
	int err = 0;

	uname(&u);
	for (i = 0; i < (size_t)a->argc && off < sizeof(cmdline) - 1; i++)
		off += snprintf(cmdline + off, sizeof(cmdline) - off, "%s%s",
				i ? " " : "unmaptrace ", a->argv[i]);
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
	err |= meta_setf(m, "nr_cpus.possible", "%d", ncpus);
	err |= umt_meta_set(m, UMT_KEY_TOOL, UMT_VERSION);
	err |= umt_meta_set(m, UMT_KEY_LIBBPF, libbpf_version_string());
	err |= umt_meta_set(m, UMT_KEY_CMDLINE, cmdline);
	err |= umt_meta_set(m, UMT_KEY_START, ts);
	*levels = cpuinfo_levels();
	err |= meta_setf(m, UMT_KEY_PAGING_LEVELS, "%d", *levels);
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
	err |= ut_btf_facts(m);
	if (err)
		return -ENOSPC;
	return ut_plan_to_meta(plan, m);
}
