// SPDX-License-Identifier: GPL-2.0
/*
 * umt-workload: the memory workloads unmaptrace is tested with in QEMU
 * guests.  One static binary, one mode per case:
 *
 *   anon-pageout       anonymous memory, memset, MADV_PAGEOUT (seed 000)
 *   shmem-pageout      shared anonymous (shmem) memory, memset, MADV_PAGEOUT
 *   lazyfree           MADV_FREE, then MADV_PAGEOUT
 *   file-reclaim       clean file folios (ext4), mmap'ed and read, reclaimed
 *                      through our own memcg's memory.reclaim
 *   partial-munmap     munmap the second half of each folio, then pageout
 *   mprotect-half      second half of each folio read-only, then pageout
 *   uffd-wp            userfaultfd write-protected VMA, then pageout
 *   mlock              second half of each folio mlock'ed, then reclaim
 *   thp-pmd            PMD-mapped 2M THP (MADV_HUGEPAGE), then pageout
 *   file-shared-2proc  file folios mapped by two processes, then reclaim
 *   fork-shared        anon folios shared with a child, parent reclaims
 *   defer-2cpu         a thread spins on CPU 1, CPU 0 runs MADV_PAGEOUT
 *   kswapd-file        clean file folios mapped and read, then anonymous
 *                      memory allocated until reclaim (kswapd, direct)
 *                      has taken half of them back: no call of our own
 *   proactive-other    clean file folios mapped in our own memcg; another
 *                      process (comm umt-reclaimer, root cgroup) writes
 *                      that memcg's memory.reclaim
 *
 * Options: --size MB (default 256), --folio-kb KB (block size the edge
 * cases cut folios at, default 64), --reclaim auto|pageout|memcg, --file
 * PATH (file modes; default $UMT_FS/umt-file or /mnt/umt/umt-file),
 * --fill BYTE (anonymous fill, default 0x5a; seed 000's benchmark uses 0,
 * and zero-filled folios skip the swap write on newer kernels).
 *
 * Exit status: 0 done, 1 failed, 77 skipped (unsupported here).  Every
 * step prints what it did; "census" lines count the folios behind the
 * range from /proc/self/pagemap and /proc/kpageflags (needs root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif

#define EXIT_SKIP 77
#define PAGE 4096UL
#define PMD_SIZE (2UL << 20)

static const char *prog = "umt-workload";

static struct {
	const char *mode;
	size_t size;
	size_t folio;
	const char *reclaim;	/* auto, pageout, memcg */
	const char *file;
	int fill;
} opt = {
	.fill = 0x5a,
	.size = 256UL << 20,
	.folio = 64UL << 10,
	.reclaim = "auto",
};

static char cg_path[256];
static int use_memcg;

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("%s: ", prog);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void __attribute__((noreturn)) die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	fprintf(stderr, "%s: FAILED: ", prog);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn)) skip(const char *why)
{
	say("SKIP: %s", why);
	exit(EXIT_SKIP);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -1 : 0;
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f) {
		snprintf(buf, len, "absent");
		return;
	}
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* mmap len bytes of anonymous memory aligned to align */
static char *map_anon(size_t len, size_t align)
{
	char *p, *a;

	p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap %zu bytes", len);
	a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	if (a + len < p + len + align)
		munmap(a + len, p + len + align - (a + len));
	return a;
}

/* Count present/swapped pages and the folio sizes behind [addr, addr+len). */
static void census(const char *when, char *addr, size_t len)
{
	size_t npages = len / PAGE, i, present = 0, swapped = 0, partial = 0;
	size_t byorder[11] = { 0 }, nother = 0;
	char hist[256];
	int o, h = 0;
	uint64_t *pm;
	int pfd, kfd;

	pfd = open("/proc/self/pagemap", O_RDONLY);
	kfd = open("/proc/kpageflags", O_RDONLY);
	pm = calloc(npages, sizeof(*pm));
	if (pfd < 0 || !pm) {
		say("census %s: pagemap unavailable", when);
		goto out;
	}
	if (pread(pfd, pm, npages * sizeof(*pm),
		  (uintptr_t)addr / PAGE * sizeof(*pm)) < 0) {
		say("census %s: pagemap read: %s", when, strerror(errno));
		goto out;
	}
	for (i = 0; i < npages; i++) {
		uint64_t pfn, fl = 0, tfl;
		size_t n;

		if (pm[i] & (1ULL << 62))
			swapped++;
		if (!(pm[i] & (1ULL << 63)))
			continue;
		present++;
		pfn = pm[i] & ((1ULL << 55) - 1);
		if (kfd < 0 || !pfn)
			continue;
		if (pread(kfd, &fl, 8, pfn * 8) != 8)
			continue;
		if (fl & (1ULL << 16)) {	/* tail without its head here */
			partial++;
			continue;
		}
		if (!(fl & (1ULL << 15))) {	/* not a compound head */
			byorder[0]++;
			continue;
		}
		/* head: count the tails that follow in this range */
		for (n = 1; i + n < npages; n++) {
			uint64_t e = pm[i + n];

			if (!(e & (1ULL << 63)) ||
			    (e & ((1ULL << 55) - 1)) != pfn + n)
				break;
			if (pread(kfd, &tfl, 8, (pfn + n) * 8) != 8 ||
			    !(tfl & (1ULL << 16)))
				break;
		}
		present += n - 1;
		for (o = 0; o <= 10 && (1UL << o) != n; o++)
			;
		if (o <= 10)
			byorder[o]++;
		else
			nother++;	/* mapped piece of a folio, not a power of 2 */
		i += n - 1;
	}
	hist[0] = '\0';
	for (o = 0; o <= 10; o++)
		if (byorder[o] && h < (int)sizeof(hist) - 32)
			h += snprintf(hist + h, sizeof(hist) - h, " %luK=%zu",
				      4UL << o, byorder[o]);
	say("census %s: pages=%zu present=%zu swapped=%zu folios(mapped run size):%s%s other=%zu tail-only=%zu%s",
	    when, npages, present, swapped, hist[0] ? hist : " none",
	    "", nother, partial, kfd < 0 ? " (no kpageflags)" : "");
out:
	free(pm);
	if (pfd >= 0)
		close(pfd);
	if (kfd >= 0)
		close(kfd);
}

/* Join a fresh memory cgroup so what we touch is charged where we reclaim. */
static void setup_reclaim(int want_memcg_default)
{
	char p[320], buf[32];
	int want;

	if (!strcmp(opt.reclaim, "pageout"))
		want = 0;
	else if (!strcmp(opt.reclaim, "memcg"))
		want = 1;
	else
		want = want_memcg_default;
	if (!want) {
		say("reclaim: MADV_PAGEOUT");
		return;
	}
	snprintf(cg_path, sizeof(cg_path), "/sys/fs/cgroup/umt-%d",
		 (int)getpid());
	if (mkdir(cg_path, 0755) && errno != EEXIST)
		goto fallback;
	snprintf(p, sizeof(p), "%s/memory.reclaim", cg_path);
	use_memcg = 1;
	if (access(p, W_OK)) {
		/*
		 * No memory.reclaim (< 5.19): lowering memory.high below
		 * the usage reclaims synchronously in the writer's context
		 * too (memory_high_write, 5.8+).
		 */
		snprintf(p, sizeof(p), "%s/memory.high", cg_path);
		if (access(p, W_OK))
			goto fallback;
		use_memcg = 2;
	}
	snprintf(p, sizeof(p), "%s/cgroup.procs", cg_path);
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	if (write_str(p, buf))
		goto fallback;
	say("reclaim: %s of %s (written by this process)",
	    use_memcg == 1 ? "memory.reclaim" :
	    "memory.high lowered below usage (no memory.reclaim here)",
	    cg_path);
	return;
fallback:
	use_memcg = 0;
	if (!strcmp(opt.reclaim, "memcg"))
		die("cgroup v2 memory.reclaim/memory.high unavailable (%s)",
		    cg_path);
	say("reclaim: MADV_PAGEOUT (fallback: no cgroup v2 memory controller here)");
	rmdir(cg_path);
	cg_path[0] = '\0';
}

static void cleanup_memcg(void)
{
	char buf[32];

	if (!cg_path[0])
		return;
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	write_str("/sys/fs/cgroup/cgroup.procs", buf);
	rmdir(cg_path);
}

/*
 * arm64: HINT #0x7c and #0x7d (NOPs to the CPU) open and close a window
 * of the TLBI-counting QEMU plugin (tests/vm/plugin/umt-tlbi.c) around
 * each reclaim step.
 */
static int marker_open(void)
{
#ifdef __aarch64__
	asm volatile("hint #0x7c" ::: "memory");
#endif
	return 1;
}

static void marker_close(int *open)
{
#ifdef __aarch64__
	asm volatile("hint #0x7d" ::: "memory");
#endif
	(void)open;
}

/* Reclaim [addr, addr+len); holes_ok: ENOMEM from MADV_PAGEOUT is expected. */
static void reclaim(char *addr, size_t len, int holes_ok)
{
	int mark __attribute__((cleanup(marker_close))) = marker_open();
	uint64_t t0, t1;
	char p[320], buf[32];
	int r, e = 0;

	t0 = now_ns();
	if (use_memcg == 2) {
		unsigned long long cur = 0;
		char v[64];

		if (madvise(addr, len, MADV_COLD))
			say("madvise(MADV_COLD): %s", strerror(errno));
		snprintf(p, sizeof(p), "%s/memory.current", cg_path);
		read_line(p, v, sizeof(v));
		cur = strtoull(v, NULL, 10);
		snprintf(p, sizeof(p), "%s/memory.high", cg_path);
		snprintf(buf, sizeof(buf), "%llu",
			 cur > len ? cur - len : 0ULL);
		r = write_str(p, buf);
		e = errno;
		write_str(p, "max");
		t1 = now_ns();
		say("MADV_COLD + memory.high %s (usage %llu) %s%s, took %" PRIu64 " ns (%.3f ms)",
		    buf, cur, r ? "returned " : "ok", r ? strerror(e) : "",
		    t1 - t0, (t1 - t0) / 1e6);
		if (r) {
			errno = e;
			die("memory.high");
		}
		return;
	}
	if (use_memcg) {
		int pass;

		/*
		 * Mapped, recently touched folios are activated by the
		 * first reclaim pass; MADV_COLD deactivates them and clears
		 * the young bits so memory.reclaim takes them now.
		 */
		if (madvise(addr, len, MADV_COLD))
			say("madvise(MADV_COLD): %s", strerror(errno));
		snprintf(p, sizeof(p), "%s/memory.reclaim", cg_path);
		snprintf(buf, sizeof(buf), "%zu", len);
		for (pass = 1; pass <= 4; pass++) {
			r = write_str(p, buf);
			e = errno;
			if (!r || e != EAGAIN)
				break;
		}
		t1 = now_ns();
		say("MADV_COLD + memory.reclaim(%zu) %s%s after %d write(s), took %" PRIu64 " ns (%.3f ms)",
		    len, r ? "returned " : "ok", r ? strerror(e) : "",
		    pass > 4 ? 4 : pass, t1 - t0, (t1 - t0) / 1e6);
		if (r && e != EAGAIN) {
			errno = e;
			die("memory.reclaim");
		}
		return;
	}
	r = madvise(addr, len, MADV_PAGEOUT);
	e = errno;
	t1 = now_ns();
	say("madvise(MADV_PAGEOUT) %s%s took %" PRIu64 " ns (%.3f ms)",
	    r ? "returned " : "ok", r ? strerror(e) : "", t1 - t0,
	    (t1 - t0) / 1e6);
	if (r && !(holes_ok && e == ENOMEM)) {
		errno = e;
		die("madvise(MADV_PAGEOUT)");
	}
}

static void report_thp(void)
{
	char a[128], b[128];

	read_line("/sys/kernel/mm/transparent_hugepage/enabled", a, sizeof(a));
	read_line("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled",
		  b, sizeof(b));
	say("thp enabled: [%s] hugepages-64kB: [%s]%s", a, b,
	    strcmp(b, "absent") ? "" : " (no mTHP on this kernel: 4K folios)");
}

static char *fill(char *p, const char *what)
{
	memset(p, opt.fill, opt.size);
	say("mapped and filled %zu MiB %s at %p with 0x%02x",
	    opt.size >> 20, what, p, opt.fill);
	census("after fill", p, opt.size);
	return p;
}

static char *anon_filled(size_t align)
{
	return fill(map_anon(opt.size, align), "anonymous");
}

static void mode_anon_pageout(void)
{
	char *p;

	setup_reclaim(0);
	p = anon_filled(PMD_SIZE);
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
}

/*
 * Shared anonymous memory is shmem: !anon && swapbacked, so it takes
 * try_to_unmap_one()'s file branch (MM_SHMEMPAGES) and is swapped out.
 */
static void mode_shmem_pageout(void)
{
	char *p;

	setup_reclaim(0);
	/* shmem's own mTHP switch (6.11+); 4K folios where it is absent */
	if (write_str("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/"
		      "shmem_enabled", "always"))
		say("no shmem mTHP on this kernel: 4K folios");
	else
		say("shmem 64K mTHP: always");
	p = mmap(NULL, opt.size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap(MAP_SHARED|MAP_ANONYMOUS)");
	fill(p, "shmem");
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
}

static void mode_lazyfree(void)
{
	char *p;

	setup_reclaim(0);
	p = anon_filled(PMD_SIZE);
	if (madvise(p, opt.size, MADV_FREE))
		die("madvise(MADV_FREE)");
	say("madvise(MADV_FREE) ok");
	census("after MADV_FREE", p, opt.size);
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
}

static const char *file_path(void)
{
	static char buf[256];
	const char *fs = getenv("UMT_FS");

	if (opt.file)
		return opt.file;
	snprintf(buf, sizeof(buf), "%s/umt-file", fs && *fs ? fs : "/mnt/umt");
	return buf;
}

/* File-backed reclaim needs a real file system: tmpfs folios are swap-backed. */
static void check_fs(int fd, const char *path)
{
	struct statfs sf;
	const char *name;

	if (fstatfs(fd, &sf))
		die("statfs %s", path);
	switch ((unsigned long)sf.f_type) {
	case 0xEF53:
		name = "ext2/3/4";
		break;
	case 0x58465342:
		name = "xfs";
		break;
	case 0x9123683E:
		name = "btrfs";
		break;
	case 0x01021994:
	case 0x858458f6:
		errno = 0;
		die("%s is on tmpfs/ramfs: not file-backed reclaim (need ext4/xfs)",
		    path);
	default:
		name = "other";
	}
	say("%s is on %s (f_type 0x%lx)", path, name, (unsigned long)sf.f_type);
}

/* A clean file of opt.size bytes, not in the page cache. */
static void make_file(const char *path)
{
	size_t chunk = 1UL << 20, off;
	char *buf = malloc(chunk);
	int fd;

	if (!buf)
		die("malloc");
	memset(buf, 0xa5, chunk);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open %s", path);
	check_fs(fd, path);
	for (off = 0; off < opt.size; off += chunk)
		if (pwrite(fd, buf, chunk, off) != (ssize_t)chunk)
			die("write %s", path);
	if (fsync(fd))
		die("fsync %s", path);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	free(buf);
	say("wrote %zu MiB to %s, synced, dropped from page cache",
	    opt.size >> 20, path);
}

/* Read the file (readahead builds the large folios), map it, touch it. */
static char *map_file(const char *path, int do_read)
{
	size_t chunk = 1UL << 20, off;
	volatile char sink = 0;
	char *buf, *p;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open %s", path);
	if (do_read) {
		buf = malloc(chunk);
		if (!buf)
			die("malloc");
		for (off = 0; off < opt.size; off += chunk)
			if (pread(fd, buf, chunk, off) < 0)
				die("read %s", path);
		free(buf);
	}
	p = mmap(NULL, opt.size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap %s", path);
	close(fd);
	for (off = 0; off < opt.size; off += PAGE)
		sink += p[off];
	(void)sink;
	return p;
}

static void mode_file_reclaim(void)
{
	const char *path = file_path();
	char *p;

	make_file(path);
	setup_reclaim(1);
	p = map_file(path, 1);
	say("file %s mapped shared read-only at %p and read", path, p);
	census("after read", p, opt.size);
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
}

static void mode_partial_munmap(void)
{
	size_t off, half = opt.folio / 2;
	char *p;

	setup_reclaim(0);
	p = anon_filled(PMD_SIZE);
	for (off = 0; off < opt.size; off += opt.folio)
		if (munmap(p + off + half, half))
			die("munmap");
	say("munmapped the second %zu KiB of every %zu KiB block",
	    half >> 10, opt.folio >> 10);
	census("after munmap", p, opt.size);
	reclaim(p, opt.size, 1);
	census("after reclaim", p, opt.size);
}

static void mode_mprotect_half(void)
{
	size_t off, half = opt.folio / 2;
	char *p;

	setup_reclaim(0);
	p = anon_filled(PMD_SIZE);
	for (off = 0; off < opt.size; off += opt.folio)
		if (mprotect(p + off + half, half, PROT_READ))
			die("mprotect");
	say("second %zu KiB of every %zu KiB block made read-only",
	    half >> 10, opt.folio >> 10);
	census("after mprotect", p, opt.size);
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
}

static void mode_uffd_wp(void)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { 0 };
	struct uffdio_writeprotect wp = { 0 };
	char *p;
	int fd;

	setup_reclaim(0);
	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		say("userfaultfd: %s", strerror(errno));
		skip("userfaultfd unavailable");
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		say("UFFDIO_API(WP): %s", strerror(errno));
		skip("userfaultfd write-protect unsupported");
	}
	if (!(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP))
		skip("userfaultfd write-protect unsupported");
	p = anon_filled(PMD_SIZE);
	reg.range.start = (uintptr_t)p;
	reg.range.len = opt.size;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	if (ioctl(fd, UFFDIO_REGISTER, &reg)) {
		say("UFFDIO_REGISTER(WP): %s", strerror(errno));
		skip("cannot register anonymous memory for write-protect");
	}
	wp.range = reg.range;
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	if (ioctl(fd, UFFDIO_WRITEPROTECT, &wp))
		die("UFFDIO_WRITEPROTECT");
	say("registered %zu MiB with userfaultfd WP and write-protected it",
	    opt.size >> 20);
	census("after write-protect", p, opt.size);
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
	close(fd);
}

static void mode_mlock(void)
{
	size_t off, half = opt.folio / 2;
	char *p;

	/* reclaim must come from the LRU to reach the locked VMA via rmap */
	setup_reclaim(1);
	p = anon_filled(PMD_SIZE);
	for (off = 0; off < opt.size; off += opt.folio)
		if (mlock(p + off + half, half))
			die("mlock");
	say("second %zu KiB of every %zu KiB block mlock'ed",
	    half >> 10, opt.folio >> 10);
	census("after mlock", p, opt.size);
	reclaim(p, opt.size, 1);
	census("after reclaim", p, opt.size);
}

/* opt.size of anonymous memory asked for as 2M PMD THPs, filled */
static char *thp_filled(void)
{
	char a[128];
	char *p;

	read_line("/sys/kernel/mm/transparent_hugepage/enabled", a, sizeof(a));
	p = map_anon(opt.size, PMD_SIZE);
	if (madvise(p, opt.size, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE)");
	memset(p, opt.fill, opt.size);
	say("mapped %zu MiB with MADV_HUGEPAGE (asked for 2M PMD THPs, thp [%s])",
	    opt.size >> 20, a);
	census("after fill", p, opt.size);
	return p;
}

static void mode_thp_pmd(void)
{
	char *p;

	setup_reclaim(0);
	p = thp_filled();
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
}

/*
 * PMD-mapped THPs made lazyfree by MADV_FREE, then reclaimed: 6.12.107 and
 * 7.2 unmap each with unmap_huge_pmd_locked() (mm/rmap.c:1694), 6.12.117
 * and 7.3 split the PMD and unmap 512 PTEs.
 */
static void mode_thp_pmd_lazyfree(void)
{
	char *p;

	setup_reclaim(0);
	p = thp_filled();
	if (madvise(p, opt.size, MADV_FREE))
		die("madvise(MADV_FREE)");
	say("madvise(MADV_FREE) ok");
	census("after MADV_FREE", p, opt.size);
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
}

static int sync_pipe[2], go_pipe[2];

static void child_wait(void)
{
	char c = 'r';

	if (write(sync_pipe[1], &c, 1) != 1)
		_exit(1);
	if (read(go_pipe[0], &c, 1) < 0)
		_exit(1);
	_exit(0);
}

static pid_t spawn(void (*child)(char *), char *p)
{
	char c;
	pid_t pid;

	if (pipe(sync_pipe) || pipe(go_pipe))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		child(p);
		child_wait();
	}
	if (read(sync_pipe[0], &c, 1) != 1)
		die("child %d did not get ready", (int)pid);
	return pid;
}

static void reap(pid_t pid)
{
	char c = 'g';
	int st;

	if (write(go_pipe[1], &c, 1) != 1)
		die("write");
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("child %d failed (status 0x%x)", (int)pid, st);
}

static void child_touch(char *p)
{
	volatile char sink = 0;
	size_t off;

	for (off = 0; off < opt.size; off += PAGE)
		sink += p[off];
	(void)sink;
}

static void mode_file_shared_2proc(void)
{
	const char *path = file_path();
	pid_t pid;
	char *p;

	make_file(path);
	setup_reclaim(1);
	p = map_file(path, 1);
	pid = spawn(child_touch, p);
	say("file %s mapped and read by this process and by child %d",
	    path, (int)pid);
	census("after both read", p, opt.size);
	if (!use_memcg)
		say("note: MADV_PAGEOUT skips folios mapped by other processes");
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
	reap(pid);
}

static void child_nothing(char *p)
{
	(void)p;
}

static void mode_fork_shared(void)
{
	pid_t pid;
	char *p;

	setup_reclaim(1);
	p = anon_filled(PMD_SIZE);
	pid = spawn(child_nothing, p);
	say("forked child %d: anonymous folios now shared (COW)", (int)pid);
	if (!use_memcg)
		say("note: MADV_PAGEOUT skips folios mapped by other processes");
	reclaim(p, opt.size, 0);
	census("after reclaim", p, opt.size);
	reap(pid);
}

static volatile int spin_stop, spin_ready;
static volatile unsigned long spin_count;

static void *spinner(void *arg)
{
	cpu_set_t set;

	(void)arg;
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return (void *)1;
	spin_ready = 1;
	while (!spin_stop)
		spin_count++;	/* keeps this mm live on CPU 1 */
	return NULL;
}

static void mode_defer_2cpu(void)
{
	pthread_t t;
	cpu_set_t set;
	void *ret;
	char *p;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip("needs 2 online CPUs (boot with -smp 2)");
	setup_reclaim(0);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(CPU 0)");
	p = anon_filled(PMD_SIZE);
	if (pthread_create(&t, NULL, spinner, NULL))
		die("pthread_create");
	while (!spin_ready)
		sched_yield();
	say("spinner thread running on CPU 1; MADV_PAGEOUT on CPU 0");
	reclaim(p, opt.size, 0);
	spin_stop = 1;
	pthread_join(t, &ret);
	if (ret)
		die("spinner could not pin itself to CPU 1");
	say("spinner looped %lu times", spin_count);
	census("after reclaim", p, opt.size);
}

/*
 * Anonymous swap-backed, lazyfree and file memory in one process, reclaimed
 * in one pass while a second thread keeps the mm live on CPU 1, so that
 * every unmap defers its flush to the final arch_tlbbatch_flush().  The
 * three regions are adjacent (one anon VMA holding the swap-backed and the
 * MADV_FREEd halves, then the file) so one MADV_COLD + memory.reclaim (or
 * MADV_PAGEOUT) covers them all.  The last page of four anon folio blocks
 * is unmapped first: reclaim splits such a partially mapped folio before
 * swapping it (7.3 mm/vmscan.c:1276 split_folio_to_list()), and the split
 * unmaps it with unmap_folio() -> try_to_migrate(TTU_BATCH_FLUSH) ->
 * try_to_unmap_flush(): a flush the task defers outside try_to_unmap_one().
 */
static void mode_mixed_2cpu(void)
{
	const char *path = file_path();
	size_t sz = opt.size;
	pthread_t t;
	cpu_set_t set;
	void *ret;
	char *base, *f;
	int k;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip("needs 2 online CPUs (boot with -smp 2)");
	make_file(path);
	setup_reclaim(1);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(CPU 0)");
	base = map_anon(3 * sz, PMD_SIZE);
	memset(base, opt.fill, 2 * sz);
	for (k = 0; k < 4; k++)
		if (munmap(base + k * (sz / 4) + opt.folio - PAGE, PAGE))
			die("munmap one page of anon folio block %d", k);
	if (madvise(base + sz, sz, MADV_FREE))
		die("madvise(MADV_FREE)");
	f = map_file(path, 1);
	if (mremap(f, sz, sz, MREMAP_MAYMOVE | MREMAP_FIXED,
		   base + 2 * sz) == MAP_FAILED)
		die("mremap the file mapping beside the anon one");
	say("anon %zu MiB at %p (4 folio blocks lack their last page), "
	    "lazyfree %zu MiB at %p, file %s %zu MiB at %p",
	    sz >> 20, base, sz >> 20, base + sz, path, sz >> 20, base + 2 * sz);
	census("anon after fill", base, sz);
	census("lazyfree after MADV_FREE", base + sz, sz);
	census("file after read", base + 2 * sz, sz);
	if (pthread_create(&t, NULL, spinner, NULL))
		die("pthread_create");
	while (!spin_ready)
		sched_yield();
	say("spinner thread running on CPU 1; reclaim on CPU 0");
	reclaim(base, 3 * sz, 1);
	spin_stop = 1;
	pthread_join(t, &ret);
	if (ret)
		die("spinner could not pin itself to CPU 1");
	say("spinner looped %lu times", spin_count);
	census("anon after reclaim", base, sz);
	census("lazyfree after reclaim", base + sz, sz);
	census("file after reclaim", base + 2 * sz, sz);
}

/* Pages of [p, p+len) in the page cache (mincore), in percent */
static int resident_pct(char *p, size_t len)
{
	static unsigned char *vec;
	size_t n = len / PAGE, i, in = 0;

	if (!vec && !(vec = malloc(n)))
		die("malloc");
	if (mincore(p, len, vec))
		die("mincore");
	for (i = 0; i < n; i++)
		in += vec[i] & 1;
	return (int)(in * 100 / n);
}

static unsigned long meminfo_kb(const char *key)
{
	char line[256];
	unsigned long v = 0;
	size_t kl = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtoul(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * The issue-9 case: this process never reclaims on purpose; it maps a
 * file and then wants more anonymous memory than is free, so kswapd (and
 * direct reclaim when kswapd falls behind) unmaps the file's folios.
 * Stops when half of the file has left the page cache or the anonymous
 * memory reaches 90% of MemTotal.
 */
static void mode_kswapd_file(void)
{
	const char *path = file_path();
	size_t step = 4UL << 20, got = 0, limit;
	char *p, *a;
	int pct = 100;

	make_file(path);
	p = map_file(path, 1);
	say("file %s mapped shared read-only at %p and read, %d%% resident",
	    path, p, resident_pct(p, opt.size));
	census("after read", p, opt.size);
	limit = meminfo_kb("MemTotal") * 1024 / 10 * 9;
	say("MemTotal %lu kB, MemAvailable %lu kB: allocating up to %zu MiB",
	    meminfo_kb("MemTotal"), meminfo_kb("MemAvailable"), limit >> 20);
	while (got < limit) {
		a = mmap(NULL, step, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a == MAP_FAILED)
			die("mmap anon");
		memset(a, opt.fill, step);
		got += step;
		if (got % (16UL << 20))
			continue;
		pct = resident_pct(p, opt.size);
		if (pct <= 50)
			break;
	}
	say("allocated %zu MiB anonymous: file %d%% resident, MemAvailable "
	    "%lu kB", got >> 20, resident_pct(p, opt.size),
	    meminfo_kb("MemAvailable"));
	census("after pressure", p, opt.size);
	if (pct > 50)
		say("note: reclaim took less than half of the file");
}

/*
 * Proactive reclaim by someone else: we map the file inside our memcg;
 * a child moved to the root cgroup (so no victim of its own: it maps
 * nothing of the file, forked before the mapping) writes our
 * memory.reclaim.
 */
static void mode_proactive_other(void)
{
	const char *path = file_path();
	char p_[320], buf[32], c;
	int go[2], st, r = 0, e = 0, pass;
	pid_t pid;
	char *p;

	make_file(path);
	setup_reclaim(1);
	if (use_memcg != 1)
		skip("no memory.reclaim here (5.19+)");
	if (pipe(go))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(go[1]);
		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		if (write_str("/sys/fs/cgroup/cgroup.procs", buf))
			_exit(3);
		prctl(PR_SET_NAME, "umt-reclaimer");
		if (read(go[0], &c, 1) != 1)
			_exit(4);
		snprintf(p_, sizeof(p_), "%s/memory.reclaim", cg_path);
		snprintf(buf, sizeof(buf), "%zu", opt.size);
		for (pass = 1; pass <= 4; pass++) {
			r = write_str(p_, buf);
			e = errno;
			if (!r || e != EAGAIN)
				break;
		}
		_exit(r && e != EAGAIN ? 5 : 0);
	}
	close(go[0]);
	p = map_file(path, 1);
	say("file %s mapped in %s, %d%% resident; child %d (umt-reclaimer, "
	    "root cgroup) writes its memory.reclaim", path, cg_path,
	    resident_pct(p, opt.size), (int)pid);
	census("after read", p, opt.size);
	if (madvise(p, opt.size, MADV_COLD))
		say("madvise(MADV_COLD): %s", strerror(errno));
	if (write(go[1], "g", 1) != 1)
		die("write");
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("reclaimer child failed (status 0x%x)", st);
	say("after memory.reclaim by %d: %d%% resident", (int)pid,
	    resident_pct(p, opt.size));
	census("after reclaim", p, opt.size);
}

static const struct {
	const char *name;
	void (*fn)(void);
} modes[] = {
	{ "anon-pageout", mode_anon_pageout },
	{ "lazyfree", mode_lazyfree },
	{ "shmem-pageout", mode_shmem_pageout },
	{ "file-reclaim", mode_file_reclaim },
	{ "partial-munmap", mode_partial_munmap },
	{ "mprotect-half", mode_mprotect_half },
	{ "uffd-wp", mode_uffd_wp },
	{ "mlock", mode_mlock },
	{ "thp-pmd", mode_thp_pmd },
	{ "thp-pmd-lazyfree", mode_thp_pmd_lazyfree },
	{ "file-shared-2proc", mode_file_shared_2proc },
	{ "fork-shared", mode_fork_shared },
	{ "defer-2cpu", mode_defer_2cpu },
	{ "mixed-2cpu", mode_mixed_2cpu },
	{ "kswapd-file", mode_kswapd_file },
	{ "proactive-other", mode_proactive_other },
};

static void __attribute__((noreturn)) usage(int st)
{
	size_t i;

	fprintf(st ? stderr : stdout,
		"usage: %s MODE [--size MB] [--folio-kb KB] [--reclaim auto|pageout|memcg] [--file PATH] [--fill BYTE]\nmodes:",
		prog);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		fprintf(st ? stderr : stdout, " %s", modes[i].name);
	fputc('\n', st ? stderr : stdout);
	exit(st);
}

int main(int argc, char **argv)
{
	uint64_t t0, t1;
	size_t i;
	int a;

	if (argc < 2)
		usage(2);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		usage(0);
	opt.mode = argv[1];
	for (a = 2; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!v)
			usage(2);
		if (!strcmp(argv[a], "--size"))
			opt.size = strtoull(v, NULL, 0) << 20;
		else if (!strcmp(argv[a], "--folio-kb"))
			opt.folio = strtoull(v, NULL, 0) << 10;
		else if (!strcmp(argv[a], "--reclaim"))
			opt.reclaim = v;
		else if (!strcmp(argv[a], "--file"))
			opt.file = v;
		else if (!strcmp(argv[a], "--fill"))
			opt.fill = (int)strtol(v, NULL, 0) & 0xff;
		else
			usage(2);
		a++;
	}
	if (!opt.size || opt.size % PMD_SIZE)
		die("--size must be a positive multiple of 2 MiB");
	if (opt.folio < 2 * PAGE || opt.folio & (opt.folio - 1))
		die("--folio-kb must be a power of two >= 8");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, opt.mode))
			break;
	if (i == sizeof(modes) / sizeof(modes[0]))
		usage(2);
	say("mode=%s pid=%d size=%zu MiB folio-block=%zu KiB cpus=%ld",
	    opt.mode, (int)getpid(), opt.size >> 20, opt.folio >> 10,
	    sysconf(_SC_NPROCESSORS_ONLN));
	report_thp();
	t0 = now_ns();
	modes[i].fn();
	t1 = now_ns();
	cleanup_memcg();
	say("done: %s in %.3f s", opt.mode, (t1 - t0) / 1e9);
	return 0;
}
