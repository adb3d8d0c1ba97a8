// SPDX-License-Identifier: GPL-2.0
/*
 * unmaptrace vm: record a command on another kernel, in a QEMU guest.
 *
 * The guest is tests/vm's: kernels.sh fetches the Debian kernel (or the
 * user gives an image), guest.sh builds the initramfs with the static
 * unmaptrace, boots it and brings /out back, guest/vm-record.sh runs
 * `unmaptrace record` in it.  This file finds those scripts (the source
 * tree the binary was built in, or PREFIX/libexec/unmaptrace), builds the
 * static binary with the normal make, runs guest.sh and turns its output
 * and the guest's console into one progress line per phase.
 */
#define _GNU_SOURCE		/* vasprintf, memmem */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"

#define PREFIX		"unmaptrace vm"
#define DEFAULT_FILE	"unmaptrace.umt"
#define DEFAULT_KERNEL	"7.x"
#define MAX_LIST	64

#ifndef UMT_LIBEXECDIR
#define UMT_LIBEXECDIR	"/usr/local/libexec/unmaptrace"
#endif

static const char vm_doc[] =
"Boot a kernel in QEMU, run `unmaptrace record -- CMD` inside and bring\n"
"the trace back: recording on any kernel, from a host that cannot record\n"
"(no fentry, no kprobes) or on a kernel you built.\n"
"\n"
"USAGE: unmaptrace vm [--kernel NAME | --kernel-image FILE [--modules DIR]\n"
"                     [--config FILE]] [--arch x86|arm64] [--mem MB]\n"
"                     [--cpus N] [--file SRC[:DST]]... [--mthp SIZE=MODE]...\n"
"                     [--thp MODE] [--accel auto|kvm|tcg] [--timeout SEC]\n"
"                     [--keep DIR] [-o FILE]\n"
"                     -- [RECORD-OPTIONS --] CMD [ARGS...]\n"
"\n"
"NAME is a Debian kernel of tests/vm/KERNELS (x86: 5.10 6.1 6.12 6.17 6.18\n"
"7.2 7.x; arm64: KERNELS.arm64), default " DEFAULT_KERNEL ", downloaded on\n"
"first use into $UMT_CACHE (default $XDG_CACHE_HOME/unmaptrace, else\n"
"~/.cache/unmaptrace).  --kernel-image takes your own build (bzImage,\n"
"arm64 Image or a distribution's vmlinuz): its modules (lib/modules/REL,\n"
"for brd: swap and the scratch fs) and .config are looked for beside it\n"
"(ROOT/boot/vmlinuz-REL, ROOT/boot/config-REL, ROOT/lib/modules/REL as\n"
"make install and modules_install lay them out, or a build tree), or\n"
"given with --modules and --config; the config goes into the trace.\n"
"\n"
"The guest: busybox, swap on a RAM disk, an ext4 scratch fs at /mnt/umt\n"
"(CMD's working directory), cgroup2 with +memory, 64K mTHP always (6.8+)\n"
"and PMD THP on madvise, the static unmaptrace.  --file copies host files\n"
"in (default DST /guest/NAME; /guest is first in PATH); a CMD given as a\n"
"relative path (./prog) is copied in by itself; a dynamically linked\n"
"program gets its libraries.  CMD's output is shown here; the trace comes\n"
"back to FILE (default " DEFAULT_FILE "; an existing one is kept as\n"
"FILE.old; '-' writes stdout).  Options for record go between two '--'.\n"
"\n"
"KVM is tried first when /dev/kvm is usable (the guest must start within\n"
"$UMT_KVM_DEADLINE s, default 20, else TCG, which is remembered); TCG boots\n"
"in about 5 s here.  Run from a source tree, the static unmaptrace is\n"
"built with `make STATIC=1` first (arm64: the cross build); installed, it\n"
"comes from PREFIX/libexec/unmaptrace (make install-vm); UMT_BIN names\n"
"another.\n"
"\n"
"EXAMPLES:\n"
"    unmaptrace vm -- umt-workload lazyfree --size 64\n"
"    unmaptrace vm --kernel 6.12 -o base.umt -- ./my-prog --size 256\n"
"    unmaptrace vm --kernel-image linux/arch/x86/boot/bzImage \\\n"
"        --modules /tmp/mods/lib/modules/7.3.0 -o cand.umt -- ./my-prog\n"
"    unmaptrace vm --arch arm64 --kernel 6.1 -- umt-workload anon-pageout\n"
"    unmaptrace vm --mem 512 -- --meta workload=hog -- ./hog\n"
"\n"
"Exit status: record's in the guest (0 trace written, 1 recording\n"
"impossible there, 2 its usage); 1 when the guest cannot run here (no\n"
"QEMU, no kernel, the static build failed, no boot, timeout); 2 usage or\n"
"I/O error.";

enum {
	OPT_KERNEL = 1000,
	OPT_IMAGE,
	OPT_MODULES,
	OPT_CONFIG,
	OPT_ARCH,
	OPT_MEM,
	OPT_CPUS,
	OPT_FILE,
	OPT_MTHP,
	OPT_THP,
	OPT_ACCEL,
	OPT_TIMEOUT,
	OPT_KEEP,
};

static const struct argp_option vm_opts[] = {
	{ "kernel", OPT_KERNEL, "NAME", 0,
	  "Debian kernel by its tests/vm/KERNELS name (default "
	  DEFAULT_KERNEL ")", 0 },
	{ "kernel-image", OPT_IMAGE, "FILE", 0, "Boot this kernel image", 0 },
	{ "modules", OPT_MODULES, "DIR", 0,
	  "Its modules, lib/modules/RELEASE (default: found beside it)", 0 },
	{ "config", OPT_CONFIG, "FILE", 0,
	  "Its .config (default: found beside it)", 0 },
	{ "arch", OPT_ARCH, "x86|arm64", 0,
	  "Guest architecture (default: this host's)", 0 },
	{ "mem", OPT_MEM, "MB", 0, "Guest memory (default 1024)", 0 },
	{ "cpus", OPT_CPUS, "N", 0, "Guest CPUs (default 1)", 0 },
	{ "file", OPT_FILE, "SRC[:DST]", 0,
	  "Copy a host file in (repeatable; default DST /guest/NAME)", 0 },
	{ "mthp", OPT_MTHP, "SIZE=MODE", 0, "Set hugepages-SIZE/enabled, e.g. "
	  "64kB=never (repeatable)", 0 },
	{ "thp", OPT_THP, "MODE", 0,
	  "Set transparent_hugepage/enabled (default madvise)", 0 },
	{ "accel", OPT_ACCEL, "auto|kvm|tcg", 0,
	  "QEMU accelerator (default auto: KVM, else TCG)", 0 },
	{ "timeout", OPT_TIMEOUT, "SEC", 0,
	  "Stop the guest after SEC seconds (default 600)", 0 },
	{ "keep", OPT_KEEP, "DIR", 0,
	  "Keep the guest's console.log, guest.info and /out in DIR", 0 },
	{ "output", 'o', "FILE", 0, "Trace file (default " DEFAULT_FILE ")",
	  0 },
	CMD_HELP_OPTIONS,
	{},
};

struct vm_args {
	const char *kernel;
	const char *image;
	const char *modules;
	const char *config;
	const char *arch;
	const char *accel;
	const char *keep;
	const char *out;
	long mem, cpus, timeout;
	const char *files[MAX_LIST];
	int nr_files;
	const char *thp_args[2 * MAX_LIST];	/* "--mthp" X / "--thp" Y */
	int nr_thp;
	char **rec;			/* record options, to the 2nd -- */
	int nr_rec;
	char **cmd;			/* CMD [ARGS...] */
	char *cmd0;			/* CMD's guest path, when copied in */
	int nr_cmd;
};

static long parse_num(struct argp_state *state, const char *opt,
		      const char *arg, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < min || v > max)
		argp_error(state, "%s: a number from %ld to %ld, not '%s'",
			   opt, min, max, arg);
	return v;
}

/* After "--": [RECORD-OPTIONS --] CMD [ARGS...] */
static void split_command(struct argp_state *state, struct vm_args *a)
{
	char **rest = &state->argv[state->next - 1];
	int n = state->argc - state->next + 1, i;

	state->next = state->argc;
	if (rest[0][0] == '-') {
		for (i = 0; i < n && strcmp(rest[i], "--"); i++)
			;
		if (i == n)
			argp_error(state, "record options end with another "
				   "'--': unmaptrace vm -- %s -- CMD", rest[0]);
		a->rec = rest;
		a->nr_rec = i;
		rest += i + 1;
		n -= i + 1;
	}
	a->cmd = rest;
	a->nr_cmd = n;
}

static error_t vm_parse(int key, char *arg, struct argp_state *state)
{
	struct vm_args *a = state->input;

	switch (key) {
	case OPT_KERNEL:
		a->kernel = arg;
		break;
	case OPT_IMAGE:
		a->image = arg;
		break;
	case OPT_MODULES:
		a->modules = arg;
		break;
	case OPT_CONFIG:
		a->config = arg;
		break;
	case OPT_ARCH:
		if (strcmp(arg, "x86") && strcmp(arg, "arm64"))
			argp_error(state, "--arch: x86 or arm64, not '%s'",
				   arg);
		a->arch = arg;
		break;
	case OPT_MEM:
		a->mem = parse_num(state, "--mem", arg, 256, 1 << 20);
		break;
	case OPT_CPUS:
		a->cpus = parse_num(state, "--cpus", arg, 1, 64);
		break;
	case OPT_TIMEOUT:
		a->timeout = parse_num(state, "--timeout", arg, 10, 86400);
		break;
	case OPT_FILE:
		if (a->nr_files >= MAX_LIST)
			argp_error(state, "at most %d --file", MAX_LIST);
		a->files[a->nr_files++] = arg;
		break;
	case OPT_MTHP:
	case OPT_THP:
		if (key == OPT_MTHP && (!strchr(arg, '=') || arg[0] == '=' ||
					strchr(arg, '/')))
			argp_error(state, "--mthp wants SIZE=MODE (64kB=never),"
				   " got '%s'", arg);
		if (a->nr_thp >= 2 * MAX_LIST)
			argp_error(state, "too many --mthp");
		a->thp_args[a->nr_thp++] = key == OPT_MTHP ? "--mthp" :
								 "--thp";
		a->thp_args[a->nr_thp++] = arg;
		break;
	case OPT_ACCEL:
		if (strcmp(arg, "auto") && strcmp(arg, "kvm") &&
		    strcmp(arg, "tcg"))
			argp_error(state, "--accel: auto, kvm or tcg, not '%s'",
				   arg);
		a->accel = arg;
		break;
	case OPT_KEEP:
		a->keep = arg;
		break;
	case 'o':
		a->out = arg;
		break;
	case 'h':
	case CMD_OPT_USAGE:
		cmd_help(state, key);
		break;
	case ARGP_KEY_ARG:
		split_command(state, a);
		break;
	case ARGP_KEY_END:
		if (!a->nr_cmd)
			argp_error(state, "CMD missing: unmaptrace vm "
				   "[OPTION...] -- CMD [ARGS...]");
		if (a->kernel && a->image)
			argp_error(state,
				   "--kernel or --kernel-image, not both");
		if ((a->modules || a->config) && !a->image)
			argp_error(state, "--modules and --config go with "
				   "--kernel-image");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- small helpers ---- */

static struct timespec t0;

static double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
}

/* One progress line: "unmaptrace vm: PHASE: ..." (never \r, any stderr) */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PREFIX ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool is_file(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		fprintf(stderr, PREFIX ": out of memory\n");
		exit(EXIT_USAGE);
	}
	va_end(ap);
	return s;
}

static char *abspath(const char *p)
{
	char buf[PATH_MAX];

	return realpath(p, buf) ? strdup(buf) : NULL;
}

/* An executable of that name in $PATH */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	if (!path)
		path = "/usr/bin:/bin";
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *f = xasprintf("%s/%s", dir, name);

		found = !access(f, X_OK);
		free(f);
	}
	free(copy);
	return found;
}

/* The value of KEY= in a KEY=VALUE file (PROVENANCE, guest.info) */
static char *kv_get(const char *file, const char *key)
{
	size_t kl = strlen(key);
	char line[512], *v = NULL;
	FILE *f = fopen(file, "r");

	if (!f)
		return NULL;
	while (!v && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == '=') {
			line[strcspn(line, "\n")] = 0;
			v = strdup(line + kl + 1);
		}
	}
	fclose(f);
	return v;
}

/* The last @n lines of @file to stderr, indented */
static void tail_file(const char *file, int n)
{
	char *lines[64] = { 0 }, buf[1024];
	int i = 0, k;
	FILE *f = fopen(file, "r");

	if (!f)
		return;
	if (n > 64)
		n = 64;
	while (fgets(buf, sizeof(buf), f)) {
		free(lines[i % n]);
		lines[i % n] = strdup(buf);
		i++;
	}
	fclose(f);
	for (k = i > n ? i - n : 0; k < i; k++) {
		char *l = lines[k % n];

		if (l)
			fprintf(stderr, "    %s%s", l,
				l[strlen(l) - 1] == '\n' ? "" : "\n");
	}
	for (k = 0; k < n; k++)
		free(lines[k]);
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/*
 * Run argv with extra environment @envs (NAME=VALUE, NULL-terminated);
 * stdout into @out_buf (first @out_len bytes, NUL-terminated) when given,
 * else into @log with stderr.  Returns the exit status, 128+sig, or -1.
 */
static int run_cmd(char *const argv[], char *const envs[], const char *log,
		   char *out_buf, size_t out_len)
{
	int pfd[2] = { -1, -1 }, st, fd;
	size_t got = 0;
	pid_t pid;

	if (out_buf && pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0)
			_exit(127);
		dup2(out_buf ? pfd[1] : fd, 1);
		dup2(fd, 2);
		if (out_buf) {
			close(pfd[0]);
			close(pfd[1]);
		}
		close(fd);
		for (; envs && *envs; envs++)
			putenv(*envs);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (out_buf) {
		ssize_t r;

		close(pfd[1]);
		while ((r = read(pfd[0], out_buf + got,
				 out_len - 1 - got)) > 0 ||
		       (r < 0 && errno == EINTR))
			if (r > 0)
				got += r;
		out_buf[got] = 0;
		close(pfd[0]);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- where the guest scripts and the static binary are ---- */

struct vm_env {
	char *top;		/* source tree (tests/vm/ in it), or NULL */
	char *dir;		/* guest.sh, kernels.sh, KERNELS*, guest/ */
	char *cache;		/* UMT_CACHE */
	char *work;		/* our temporary directory */
	char *log;		/* work/vm.log: what the helpers printed */
	char *static_bin;	/* the static unmaptrace for the guest */
	char *kdir;		/* kernel directory for guest.sh */
	char *release;
	const char *arch;
	bool host_arch;
};

/* The tree the binary was built in: up to 3 levels above the binary */
static int find_scripts(struct vm_env *e)
{
	char exe[PATH_MAX], *d, *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int up;

	if (n > 0) {
		char orig[PATH_MAX];

		exe[n] = 0;
		memcpy(orig, exe, n + 1);
		d = exe;
		for (up = 0; up < 4 && (p = strrchr(d, '/')); up++) {
			char *gs;

			*p = 0;
			gs = xasprintf("%s/tests/vm/guest.sh", *d ? d : "/");
			if (is_file(gs)) {
				free(gs);
				e->top = strdup(*d ? d : "/");
				e->dir = xasprintf("%s/tests/vm", e->top);
				return 0;
			}
			free(gs);
		}
		/* installed: BINDIR/../libexec/unmaptrace */
		memcpy(exe, orig, n + 1);
		if ((p = strrchr(exe, '/'))) {
			*p = 0;
			d = xasprintf("%s/../libexec/unmaptrace", exe);
			p = xasprintf("%s/guest.sh", d);
			if (is_file(p)) {
				free(p);
				e->dir = abspath(d);
				free(d);
				return 0;
			}
			free(p);
			free(d);
		}
	}
	p = xasprintf("%s/guest.sh", UMT_LIBEXECDIR);
	if (is_file(p)) {
		free(p);
		e->dir = strdup(UMT_LIBEXECDIR);
		return 0;
	}
	free(p);
	fprintf(stderr, PREFIX ": the guest scripts are missing: no "
		"tests/vm/guest.sh in the source tree of this binary and no "
		UMT_LIBEXECDIR "/guest.sh.\n  Run the unmaptrace of a source "
		"tree, or install them: make install\n");
	return -1;
}

static int find_cache(struct vm_env *e)
{
	const char *c = getenv("UMT_CACHE"), *x = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (c && *c)
		e->cache = strdup(c);
	else if (x && *x)
		e->cache = xasprintf("%s/unmaptrace", x);
	else if (home && *home)
		e->cache = xasprintf("%s/.cache/unmaptrace", home);
	else {
		fprintf(stderr, PREFIX ": no kernel cache: set UMT_CACHE (or "
			"HOME)\n");
		return -1;
	}
	return 0;
}

/* The static unmaptrace: UMT_BIN, a make in the tree, or the installed */
static int find_static(struct vm_env *e)
{
	bool arm = !strcmp(e->arch, "arm64");
	const char *sfx = arm ? "-arm64" : "";
	const char *ub = getenv("UMT_BIN");
	char jobs[16];
	long nc;
	int rc;

	if (ub && *ub) {
		if (access(ub, X_OK)) {
			fprintf(stderr, PREFIX ": UMT_BIN=%s: %s\n", ub,
				strerror(errno));
			return -1;
		}
		e->static_bin = abspath(ub);
		return 0;
	}
	if (!e->top) {
		e->static_bin = xasprintf("%s/unmaptrace-static%s", e->dir,
					  sfx);
		if (access(e->static_bin, X_OK)) {
			fprintf(stderr, PREFIX ": no static unmaptrace for %s "
				"guests at %s.\n  Build and install it from "
				"the source tree: make install-vm%s\n  or name "
				"one: UMT_BIN=PATH unmaptrace vm ...\n",
				e->arch, e->static_bin,
				arm ? " CROSS_COMPILE=aarch64-linux-gnu-" : "");
			return -1;
		}
		return 0;
	}
	nc = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(jobs, sizeof(jobs), "-j%ld", nc < 1 ? 1 : nc > 4 ? 4 : nc);
	{
		char *out = xasprintf("OUTPUT=.output/static%s", sfx);
		char *bin = xasprintf("BIN=.output/static%s/unmaptrace", sfx);
		char *argv[] = { "make", "-s", jobs, "-C", e->top, "STATIC=1",
				 out, bin, arm ?
				 "CROSS_COMPILE=aarch64-linux-gnu-" : NULL,
				 NULL };

		say("build: the static unmaptrace for the guest: make -C %s "
		    "STATIC=1 %s %s%s", e->top, out, bin,
		    arm ? " CROSS_COMPILE=aarch64-linux-gnu-" : "");
		char *envs[] = { xasprintf("UMT_CACHE=%s", e->cache), NULL };

		rc = run_cmd(argv, envs, e->log, NULL, 0);
		free(envs[0]);
		e->static_bin = xasprintf("%s/.output/static%s/unmaptrace",
					  e->top, sfx);
		free(out);
		free(bin);
	}
	if (rc) {
		fprintf(stderr, PREFIX ": the static build failed (make exited "
			"%d):\n", rc);
		tail_file(e->log, 8);
		fprintf(stderr, "  It needs the static libraries: "
			"scripts/deps.sh build%s.  Or name a static "
			"binary: UMT_BIN=PATH\n",
			arm ? " and tests/vm/sysroot-arm64.sh" : "");
		return -1;
	}
	return 0;
}

/* ---- the kernel ---- */

/* NAME in KERNELS (kernels.sh names), or a release already in the cache */
static int check_kernel_name(struct vm_env *e, const char *name)
{
	char *ks = xasprintf("%s/kernels.sh", e->dir);
	char *argv[] = { ks, "names", NULL };
	char *envs[] = { xasprintf("UMT_ARCH=%s", e->arch), NULL };
	char names[4096], *p, *prov;
	size_t nl = strlen(name);
	int rc = run_cmd(argv, envs, e->log, names, sizeof(names));

	free(ks);
	free(envs[0]);
	if (rc) {
		fprintf(stderr, PREFIX ": kernels.sh names failed (%d)\n", rc);
		return -1;
	}
	for (p = names; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ?
						      1 : 0))
		if (!strncmp(p, name, nl) && (p[nl] == '\n' || !p[nl]))
			return 0;
	prov = xasprintf("%s/kernels/%s/PROVENANCE", e->cache, name);
	rc = is_file(prov) && !strchr(name, '/') ? 0 : -1;
	free(prov);
	if (!rc)
		return 0;
	for (p = names; (p = strchr(p, '\n')); )
		*p = ' ';
	fprintf(stderr, PREFIX ": no %s kernel '%s'; the names are: %s(%s%s),"
		"\n  or a release in %s/kernels/, or --kernel-image FILE\n",
		e->arch, name, names, "tests/vm/KERNELS",
		!strcmp(e->arch, "arm64") ? ".arm64" : "", e->cache);
	return -2;
}

static int fetch_kernel(struct vm_env *e, const char *name)
{
	char *ks = xasprintf("%s/kernels.sh", e->dir);
	char *argv[] = { ks, "fetch", (char *)name, NULL };
	char *envs[] = { xasprintf("UMT_ARCH=%s", e->arch),
			 xasprintf("UMT_CACHE=%s", e->cache), NULL };
	char out[PATH_MAX + 64], *last, *prov;
	double t = elapsed();
	int rc;

	say("fetch: %s kernel %s (Debian, cache %s)", e->arch, name, e->cache);
	rc = run_cmd(argv, envs, e->log, out, sizeof(out));
	free(ks);
	free(envs[0]);
	free(envs[1]);
	while (*out && out[strlen(out) - 1] == '\n')
		out[strlen(out) - 1] = 0;
	last = strrchr(out, '\n');
	last = last ? last + 1 : out;
	if (rc || !*last) {
		fprintf(stderr, PREFIX ": fetching kernel %s failed "
			"(kernels.sh exited %d):\n", name, rc);
		tail_file(e->log, 8);
		fprintf(stderr, "  It needs apt-get, dpkg-deb and the network "
			"(deb.debian.org); the cache is %s (UMT_CACHE).\n",
			e->cache);
		return -1;
	}
	e->kdir = strdup(last);
	prov = xasprintf("%s/PROVENANCE", e->kdir);
	e->release = kv_get(prov, "release");
	{
		char *ver = kv_get(prov, "version");

		say("fetch: %s -> %s (%s, %.1f s)", name,
		    e->release ? e->release : "?", ver ? ver : "?",
		    elapsed() - t);
		free(ver);
	}
	free(prov);
	return 0;
}

/*
 * The release of a kernel image: an x86 bzImage's header points at its
 * version string (boot protocol 2.00+: kernel_version at 0x20e, +0x200);
 * an uncompressed image (arm64 Image, vmlinux) holds "Linux version REL".
 * *@kind says which it is ("x86", "arm64" or NULL when unknown).
 */
static char *image_release(const char *path, const char **kind)
{
	unsigned char h[0x240];
	char *rel = NULL, buf[65536 + 64];
	size_t n, carry = 0;
	FILE *f = fopen(path, "rb");

	*kind = NULL;
	if (!f)
		return NULL;
	n = fread(h, 1, sizeof(h), f);
	if (n >= 0x212 && !memcmp(h + 0x202, "HdrS", 4)) {
		unsigned off = h[0x20e] | h[0x20f] << 8;
		char v[128] = "";

		*kind = "x86";
		if (off && !fseek(f, off + 0x200, SEEK_SET) &&
		    fgets(v, sizeof(v), f)) {
			v[strcspn(v, " \n")] = 0;
			if (*v)
				rel = strdup(v);
		}
		fclose(f);
		return rel;
	}
	if (n >= 0x40 && !memcmp(h + 0x38, "ARM\x64", 4))
		*kind = "arm64";
	/* an uncompressed image: "Linux version " in its text */
	rewind(f);
	while (!rel && (n = fread(buf + carry, 1, 65536, f)) > 0) {
		char *p = buf, *end = buf + carry + n;

		while ((p = memmem(p, end - p, "Linux version ", 14))) {
			char *s = p + 14, *q = s;

			while (q < end && *q > ' ' && *q < 127 && q - s < 64)
				q++;
			if (q < end && *q == ' ' && q > s && s[0] >= '2' &&
			    s[0] <= '9') {
				rel = strndup(s, q - s);
				break;
			}
			p = s;
		}
		carry = end - buf > 64 ? 64 : end - buf;
		memmove(buf, end - carry, carry);
	}
	fclose(f);
	return rel;
}

/* dirname of @p, malloc'ed */
static char *dir_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? strndup(p, s == p ? 1 : s - p) : strdup(".");
}

/* @dir/@name -> @target, when there is a target */
static int link_in(const char *dir, const char *name, const char *target)
{
	char *l;
	int rc;

	if (!target)
		return 0;
	l = xasprintf("%s/%s", dir, name);
	rc = symlink(target, l);
	free(l);
	return rc;
}

/*
 * --kernel-image: a kernel directory as kernels.sh makes them (vmlinuz,
 * modules, config, PROVENANCE), of symlinks, in our work directory.
 */
static int image_kernel(struct vm_env *e, const struct vm_args *a)
{
	char *img = abspath(a->image), *dir, *mods = NULL, *cfg = NULL;
	const char *kind, *base;
	char *cand[6] = { 0 };
	FILE *f;
	int i, rc = -1;

	if (!img || !is_file(img)) {
		fprintf(stderr, PREFIX ": --kernel-image %s: %s\n", a->image,
			img ? "not a file" : strerror(errno));
		free(img);
		return -2;
	}
	e->release = image_release(img, &kind);
	base = strrchr(img, '/') + 1;
	if (!e->release && !strncmp(base, "vmlinuz-", 8))
		e->release = strdup(base + 8);
	if (kind && strcmp(kind, e->arch)) {
		fprintf(stderr, PREFIX ": --kernel-image %s is an %s kernel; "
			"this is an %s guest (--arch %s)\n", a->image, kind,
			e->arch, kind);
		rc = -2;
		goto out;
	}
	dir = dir_of(img);
	if (a->modules) {
		mods = abspath(a->modules);
		if (!mods || !is_dir(mods)) {
			fprintf(stderr, PREFIX ": --modules %s: not a "
				"directory\n", a->modules);
			free(dir);
			rc = -2;
			goto out;
		}
	} else {
		/*
		 * the cache's layout; ROOT/boot/vmlinuz-REL beside
		 * ROOT/lib/modules/REL (make install INSTALL_PATH=ROOT/boot,
		 * make modules_install INSTALL_MOD_PATH=ROOT, an unpacked
		 * linux-image .deb); this host's
		 */
		cand[0] = xasprintf("%s/modules", dir);
		if (e->release) {
			cand[1] = xasprintf("%s/../lib/modules/%s", dir,
					    e->release);
			cand[2] = xasprintf("%s/../usr/lib/modules/%s", dir,
					    e->release);
			cand[3] = xasprintf("/lib/modules/%s", e->release);
		}
		for (i = 0; i < 4 && !mods; i++) {
			char *k = cand[i] ? xasprintf("%s/kernel", cand[i]) :
					    NULL;

			if (k && is_dir(k))
				mods = abspath(cand[i]);
			free(k);
		}
		for (i = 0; i < 4; i++) {
			free(cand[i]);
			cand[i] = NULL;
		}
	}
	/* the release the modules are for, when the image did not say */
	if (!e->release && mods)
		e->release = strdup(strrchr(mods, '/') + 1);
	if (a->config) {
		cfg = abspath(a->config);
		if (!cfg || !is_file(cfg)) {
			fprintf(stderr, PREFIX ": --config %s: not a file\n",
				a->config);
			free(dir);
			rc = -2;
			goto out;
		}
	} else {
		/* the cache's layout, /boot's, the modules dir, a build tree */
		cand[0] = xasprintf("%s/config", dir);
		cand[1] = e->release ? xasprintf("%s/config-%s", dir,
						 e->release) : NULL;
		cand[2] = mods ? xasprintf("%s/config", mods) : NULL;
		cand[3] = mods ? xasprintf("%s/build/.config", mods) : NULL;
		cand[4] = xasprintf("%s/../../../.config", dir);
		for (i = 0; i < 5 && !cfg; i++)
			if (cand[i] && is_file(cand[i]))
				cfg = abspath(cand[i]);
		for (i = 0; i < 5; i++)
			free(cand[i]);
	}
	free(dir);
	if (!mods)
		say("note: no modules for %s (give --modules "
		    "DIR/lib/modules/RELEASE, e.g. from make modules_install "
		    "INSTALL_MOD_PATH=DIR): the guest has swap and the scratch "
		    "fs only if brd is built in", a->image);
	if (!cfg)
		say("note: no .config for %s (give --config FILE): the trace "
		    "says its config was assumed", a->image);

	e->kdir = xasprintf("%s/kernel", e->work);
	if (mkdir(e->kdir, 0755) || link_in(e->kdir, "vmlinuz", img) ||
	    link_in(e->kdir, "modules", mods) ||
	    link_in(e->kdir, "config", cfg))
		goto io;
	if (!e->release)
		e->release = strdup("unknown");
	{
		char *p = xasprintf("%s/PROVENANCE", e->kdir);

		f = fopen(p, "w");
		free(p);
		if (!f)
			goto io;
		fprintf(f, "name=%s\nimage=%s\nrelease=%s\nmodules=%s\n"
			"config=%s\n", a->image, img, e->release,
			mods ? mods : "", cfg ? cfg : "");
		if (fclose(f))
			goto io;
	}
	say("kernel: %s, release %s, modules %s, config %s", img, e->release,
	    mods ? mods : "none", cfg ? cfg : "none");
	rc = 0;
	goto out;
io:
	fprintf(stderr, PREFIX ": %s: %s\n", e->kdir, strerror(errno));
out:
	free(img);
	free(mods);
	free(cfg);
	return rc;
}

/* ---- running guest.sh ---- */

/* What the console has shown so far: the phases are read from it */
struct console {
	char *path;
	ino_t ino;
	off_t off;
	char line[4096];
	size_t len;
	int state;		/* 0 booting, 1 CMD running, 2 done */
	FILE *show;		/* where CMD's output goes */
};

static double boot_start;

/* Drop terminal control sequences (record sees a tty in the guest) */
static void strip_csi(char *l)
{
	char *r = l, *w = l;

	while (*r) {
		if (*r == '\033' && r[1] == '[') {
			r += 2;
			while (*r && !(*r >= '@' && *r <= '~'))
				r++;
			if (*r)
				r++;
			continue;
		}
		*w++ = *r++;
	}
	*w = 0;
}

static void console_line(struct console *c)
{
	char *l = c->line;

	strip_csi(l);
	if (c->state == 0 && !strncmp(l, "init: kernel ", 13)) {
		c->state = 1;
		say("record: guest up in %.1f s (%s); unmaptrace record runs "
		    "CMD, its output follows", elapsed() - boot_start, l + 6);
		return;
	}
	if (c->state == 1 && !strncmp(l, "init: guest script exited ", 26)) {
		c->state = 2;
		fflush(c->show);
		say("copy-out: record exited %s; the trace comes back over "
		    "the serial line", l + 26);
		return;
	}
	if (c->state == 1)
		fprintf(c->show, "%s\n", l);
}

static void console_poll(struct console *c)
{
	char buf[8192];
	struct stat st;
	ssize_t n;
	int fd = open(c->path, O_RDONLY);

	if (fd < 0)
		return;
	if (fstat(fd, &st) || st.st_ino != c->ino || st.st_size < c->off) {
		/* a new boot attempt: a new console */
		c->ino = st.st_ino;
		c->off = 0;
		c->len = 0;
	}
	while ((n = pread(fd, buf, sizeof(buf), c->off)) > 0) {
		ssize_t i;

		c->off += n;
		for (i = 0; i < n; i++) {
			char ch = buf[i];

			if (ch == '\r')
				continue;
			if (ch == '\n' || c->len == sizeof(c->line) - 1) {
				c->line[c->len] = 0;
				console_line(c);
				c->len = 0;
				if (ch == '\n')
					continue;
			}
			c->line[c->len++] = ch;
		}
	}
	close(fd);
	if (c->state == 1)
		fflush(c->show);
}

/* guest.sh's stderr: its progress lines are ours, the rest goes to log */
static void helper_line(char *l, FILE *log)
{
	static const char pfx[] = "guest.sh: progress: ";

	fprintf(log, "%s\n", l);
	fflush(log);
	if (!strncmp(l, pfx, sizeof(pfx) - 1)) {
		l += sizeof(pfx) - 1;
		if (!strncmp(l, "boot: ", 6))
			boot_start = elapsed();
		say("%s", l);
	} else if (umt_verbose) {
		fprintf(stderr, "%s\n", l);
	}
}

static int run_guest(struct vm_env *e, char **argv, char **envs,
		     struct console *con)
{
	char buf[4096], line[4096];
	size_t len = 0;
	int pfd[2], st = 0, rc;
	bool eof = false, done = false;
	FILE *log;
	pid_t pid;

	log = fopen(e->log, "a");
	if (!log || pipe(pfd)) {
		fprintf(stderr, PREFIX ": %s: %s\n", e->log, strerror(errno));
		if (log)
			fclose(log);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fclose(log);
		return -1;
	}
	if (!pid) {
		int fd = open("/dev/null", O_RDONLY);

		dup2(fd, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		close(fd);
		for (; *envs; envs++)
			putenv(*envs);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	while (!done) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		ssize_t n;

		if (!eof && poll(&p, 1, 250) < 0 && errno != EINTR)
			break;
		if (eof)
			usleep(250000);
		while (!eof && (n = read(pfd[0], buf, sizeof(buf))) != 0) {
			ssize_t i;

			if (n < 0) {
				if (errno != EINTR)
					break;
				continue;
			}
			for (i = 0; i < n; i++) {
				if (buf[i] == '\n' || len == sizeof(line) - 1) {
					line[len] = 0;
					helper_line(line, log);
					len = 0;
					if (buf[i] == '\n')
						continue;
				}
				line[len++] = buf[i];
			}
		}
		if (!eof && n == 0)
			eof = true;
		console_poll(con);
		if (interrupted) {
			/* guest.sh got the ^C too: wait for it to clean up */
			interrupted = 0;
			say("interrupted: stopping the guest");
			kill(pid, SIGTERM);
		}
		rc = waitpid(pid, &st, WNOHANG);
		if (rc == pid)
			done = true;
		else if (rc < 0 && errno != EINTR)
			break;
	}
	/* what is left in the pipe and on the console */
	while (read(pfd[0], buf, sizeof(buf)) > 0)
		;
	if (len) {
		line[len] = 0;
		helper_line(line, log);
	}
	console_poll(con);
	close(pfd[0]);
	fclose(log);
	if (!done)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A relative CMD that exists here is the user's program: copy it in */
static char *local_program(struct vm_args *a)
{
	const char *c = a->cmd[0];
	const char *b;

	if (c[0] == '/' || !strchr(c, '/') || !is_file(c))
		return NULL;
	b = strrchr(c, '/') + 1;
	a->cmd[0] = a->cmd0 = xasprintf("/guest/%s", b);
	return xasprintf("%s:/guest/%s", c, b);
}

static int check_args(const struct vm_args *a)
{
	int i;

	for (i = 0; i < a->nr_cmd; i++)
		if (strchr(a->cmd[i], '\n'))
			goto nl;
	for (i = 0; i < a->nr_rec; i++)
		if (strchr(a->rec[i], '\n'))
			goto nl;
	for (i = 0; i < a->nr_files; i++) {
		char *src = strndup(a->files[i], strcspn(a->files[i], ":"));
		bool ok = !access(src, R_OK);

		if (!ok)
			fprintf(stderr, PREFIX ": --file %s: %s\n", src,
				strerror(errno));
		free(src);
		if (!ok)
			return -1;
	}
	return 0;
nl:
	fprintf(stderr, PREFIX ": an argument with a newline cannot go into "
		"the guest\n");
	return -1;
}

/* Copy @src to @dst ('-': stdout); an existing @dst becomes @dst.old */
static int copy_out(const char *src, const char *dst)
{
	char buf[65536];
	int in, out = 1, rc = 0;
	ssize_t n;

	in = open(src, O_RDONLY);
	if (in < 0) {
		fprintf(stderr, PREFIX ": the guest wrote no trace (%s)\n",
			strerror(errno));
		return -1;
	}
	if (strcmp(dst, "-")) {
		if (!access(dst, F_OK)) {
			char *old = xasprintf("%s.old", dst);

			if (rename(dst, old))
				fprintf(stderr, PREFIX ": warning: cannot "
					"rename %s to %s: %s\n", dst, old,
					strerror(errno));
			free(old);
		}
		out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (out < 0) {
			fprintf(stderr, PREFIX ": %s: %s\n", dst,
				strerror(errno));
			close(in);
			return -1;
		}
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (n > 0) {
			ssize_t w = write(out, p, n);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				fprintf(stderr, PREFIX ": writing %s: %s\n",
					dst, strerror(errno));
				rc = -1;
				goto done;
			}
			p += w;
			n -= w;
		}
	}
	if (n < 0)
		rc = -1;
done:
	close(in);
	if (out != 1 && close(out)) {
		fprintf(stderr, PREFIX ": %s: %s\n", dst, strerror(errno));
		rc = -1;
	}
	return rc;
}

static int rm_rf(const char *dir)
{
	char *argv[] = { "rm", "-rf", (char *)dir, NULL };

	return run_cmd(argv, NULL, "/dev/null", NULL, 0);
}

/* Everything after the options: returns the exit status */
static int vm_run(struct vm_args *a, struct vm_env *e)
{
	char *argv[32 + 2 * MAX_LIST + 2 * MAX_LIST + 8], *envs[8];
	char *gout, *prog, *trace, *cfg, *script, *meta;
	char *info = NULL, *accel = NULL, *secs = NULL;
	char smp[16], mem[16], tmo[16];
	struct console con = { 0 };
	const char *qemu = !strcmp(e->arch, "arm64") ? "qemu-system-aarch64" :
				"qemu-system-x86_64";
	int i, n = 0, ne = 0, rc, ret = EXIT_FAIL;
	char **argv_all;
	bool keep_work = false;

	/* what the user gave first, then what this host lacks */
	rc = a->image ? image_kernel(e, a) : check_kernel_name(e, a->kernel);
	if (rc)
		return rc == -2 ? EXIT_USAGE : EXIT_FAIL;
	if (!in_path(qemu)) {
		fprintf(stderr, PREFIX ": %s not found: install QEMU (Debian: "
			"apt-get install %s; scripts/deps.sh test installs "
			"it)\n", qemu, !strcmp(e->arch, "arm64") ?
			"qemu-system-arm" : "qemu-system-x86");
		return EXIT_FAIL;
	}
	if (!in_path("cpio") || (!strcmp(e->arch, "x86") &&
				 !in_path("busybox"))) {
		fprintf(stderr, PREFIX ": the initramfs needs cpio and a "
			"static busybox: apt-get install cpio busybox-static "
			"(scripts/deps.sh test)\n");
		return EXIT_FAIL;
	}
	if (!a->image && fetch_kernel(e, a->kernel))
		return EXIT_FAIL;
	if (find_static(e))
		return EXIT_FAIL;

	gout = a->keep ? strdup(a->keep) : xasprintf("%s/guest", e->work);
	if (mkdir(gout, 0755) && errno != EEXIST) {
		fprintf(stderr, PREFIX ": %s: %s\n", gout, strerror(errno));
		free(gout);
		return EXIT_USAGE;
	}
	trace = xasprintf("%s/trace.umt", gout);
	unlink(trace);
	snprintf(smp, sizeof(smp), "%ld", a->cpus);
	snprintf(mem, sizeof(mem), "%ld", a->mem);
	snprintf(tmo, sizeof(tmo), "%ld", a->timeout);
	argv[n++] = xasprintf("%s/guest.sh", e->dir);
	argv[n++] = "--kernel";
	argv[n++] = e->kdir;
	argv[n++] = "--smp";
	argv[n++] = smp;
	argv[n++] = "--mem";
	argv[n++] = mem;
	argv[n++] = "--timeout";
	argv[n++] = tmo;
	argv[n++] = "--accel";
	argv[n++] = (char *)a->accel;
	argv[n++] = "--out";
	argv[n++] = gout;
	/* vm-record.sh puts it where the collector reads it */
	cfg = xasprintf("%s/config", e->kdir);
	if (is_file(cfg)) {
		char *c = abspath(cfg);

		free(cfg);
		cfg = xasprintf("%s:/lib/umt/kernel.config", c);
		free(c);
		argv[n++] = "--file";
		argv[n++] = cfg;
	}
	prog = local_program(a);
	if (prog) {
		argv[n++] = "--file";
		argv[n++] = prog;
	}
	for (i = 0; i < a->nr_files; i++) {
		argv[n++] = "--file";
		argv[n++] = (char *)a->files[i];
	}
	argv[n++] = "--";
	argv[n++] = script = xasprintf("%s/guest/vm-record.sh", e->dir);
	for (i = 0; i < a->nr_thp; i++)
		argv[n++] = (char *)a->thp_args[i];
	argv[n++] = "--";
	argv[n++] = meta = xasprintf("--meta=vm.kernel=%s",
				     a->image ? a->image : a->kernel);
	/* record options and CMD: a variable number, so a second array */
	argv_all = calloc(n + a->nr_rec + a->nr_cmd + 2, sizeof(char *));
	if (!argv_all)
		return EXIT_USAGE;
	memcpy(argv_all, argv, n * sizeof(char *));
	for (i = 0; i < a->nr_rec; i++)
		argv_all[n++] = a->rec[i];
	argv_all[n++] = "--";
	for (i = 0; i < a->nr_cmd; i++)
		argv_all[n++] = a->cmd[i];

	envs[ne++] = xasprintf("UMT_ARCH=%s", e->arch);
	envs[ne++] = xasprintf("UMT_CACHE=%s", e->cache);
	envs[ne++] = xasprintf("UMT_BIN=%s", e->static_bin);
	envs[ne++] = "UMT_PROGRESS=1";
	envs[ne++] = xasprintf("TMPDIR=%s", e->work);
	if (!e->top) {
		/* installed: the workloads, if they were installed too */
		envs[ne++] = xasprintf("UMT_WORKLOAD_BIN=%s/umt-workload%s",
				       e->dir, !strcmp(e->arch, "arm64") ?
				       "-arm64" : "");
	}
	envs[ne] = NULL;

	if (interrupted) {
		ret = 128 + interrupted;
		goto out;
	}
	con.path = xasprintf("%s/console.log", gout);
	con.show = strcmp(a->out, "-") ? stdout : stderr;
	unlink(con.path);
	rc = run_guest(e, argv_all, envs, &con);
	info = xasprintf("%s/guest.info", gout);
	accel = kv_get(info, "accel");
	secs = kv_get(info, "wall_seconds");
	if (rc < 0) {
		fprintf(stderr, PREFIX ": running %s failed\n", argv[0]);
		keep_work = true;
	} else if (rc == 124 || rc == 125 || rc >= 126) {
		fprintf(stderr, PREFIX ": %s\n", rc == 124 ?
			"the guest timed out (--timeout)" : rc == 125 ?
			"the guest never reported (boot failure or panic?)" :
			"guest.sh failed");
		tail_file(e->log, 6);
		fprintf(stderr, "  the guest's console: %s\n", con.path);
		keep_work = true;
	} else {
		if (rc == 0 && copy_out(trace, a->out))
			rc = EXIT_USAGE;
		else if (rc == 0) {
			struct stat st;

			stat(trace, &st);
			say("done: %s (%lld bytes; kernel %s, %s, guest %s s, "
			    "%.1f s in all): unmaptrace replay %s",
			    strcmp(a->out, "-") ? a->out : "stdout",
			    (long long)st.st_size, e->release,
			    accel ? accel : "?", secs ? secs : "?", elapsed(),
			    strcmp(a->out, "-") ? a->out : "FILE");
		} else {
			fprintf(stderr, PREFIX ": record in the guest exited "
				"%d: no trace (its messages are above; the "
				"console: %s)\n", rc, con.path);
			keep_work = true;
		}
		ret = rc;
	}
	if (keep_work && !a->keep) {
		fprintf(stderr, PREFIX ": kept %s for a look (remove it when "
			"done)\n", e->work);
		e->work[0] = 0;
	}
out:
	free(argv[0]);
	free(script);
	free(meta);
	free(argv_all);
	free(info);
	free(accel);
	free(secs);
	free(cfg);
	free(prog);
	free(trace);
	free(con.path);
	free(gout);
	for (i = 0; i < ne; i++)
		if (strncmp(envs[i], "UMT_PROGRESS", 12))
			free(envs[i]);
	return ret;
}

int cmd_vm(int argc, char **argv)
{
	static const struct argp argp = {
		.options = vm_opts,
		.parser = vm_parse,
		.args_doc = "-- [RECORD-OPTIONS --] CMD [ARGS...]",
		.doc = vm_doc,
	};
	struct vm_args a = {
		.mem = 1024, .cpus = 1, .timeout = 600, .accel = "auto",
		.out = DEFAULT_FILE, .kernel = NULL,
	};
	struct vm_env e = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	char tmpl[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	argp_err_exit_status = EXIT_USAGE;
	argv[0] = PREFIX;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER | ARGP_NO_HELP, NULL,
		       &a))
		return EXIT_USAGE;
	if (!a.image && !a.kernel)
		a.kernel = DEFAULT_KERNEL;
#if defined(__aarch64__)
	e.arch = a.arch ? a.arch : "arm64";
#else
	e.arch = a.arch ? a.arch : "x86";
#endif
	if (check_args(&a))
		return EXIT_USAGE;
	if (find_scripts(&e) || find_cache(&e))
		return EXIT_FAIL;
	snprintf(tmpl, sizeof(tmpl), "%s/umt-vm.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, PREFIX ": %s: %s\n", tmpl, strerror(errno));
		return EXIT_USAGE;
	}
	e.work = tmpl;
	e.log = xasprintf("%s/vm.log", e.work);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (umt_verbose)
		say("scripts %s, cache %s, work %s", e.dir, e.cache, e.work);
	ret = vm_run(&a, &e);
	if (e.work[0])
		rm_rf(e.work);
	free(e.top);
	free(e.dir);
	free(e.cache);
	free(e.log);
	free(e.static_bin);
	free(e.kdir);
	free(e.release);
	free(a.cmd0);
	return ret;
}
