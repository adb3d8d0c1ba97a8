#!/usr/bin/env python3
# Name the function of each PC that umt-tlbi.so counted, from the guest's
# /proc/kallsyms (text symbols; gzip or plain), and sum by window,
# function and kind:
#
#   tlbi-attribute.py TLBI_FILE KALLSYMS [--window W] [--summary RUN/RUNS]
#
# prints "W FUNCTION KIND COUNT" lines, then "W total KIND COUNT".
# --summary 2/2: only key=value totals of the second of two equal runs of
# windows (matrix-guest.sh: the recorded run, then the ftrace run):
# tlbi_ttu (the TLBIs executed inside try_to_unmap_one, as the plugin
# tracked it; with no range known, those in TTU_FUNCS below), tlbi_other,
# tlbi_<kind>_<function> per kind and function, ttu_source, windows;
# dsb_ttu (the DSBs inside try_to_unmap_one, found as for tlbi_ttu, but
# for those of a context switch there: SCHED_FUNCS), dsb_final_<k> for
# each run k (the final flushes' DSBs, FINAL_FUNCS, outside the walk: their
# number follows the run's batch boundaries, so they are compared with the
# run that was recorded) and dsb_<kind>_<function>.
# Fails (exit 1, on stderr) on an empty or damaged input, or a PC no
# symbol covers.
import bisect, gzip, sys

def die(msg):
    sys.stderr.write('tlbi-attribute.py: %s\n' % msg)
    sys.exit(1)

# Where try_to_unmap_one()'s TLBIs are issued on arm64 (the TLBI is inline
# in these): 6.5+ set_tlb_ubc_flush_pending() -> arch_tlbbatch_add_pending()
# (mm/rmap.c, asm/tlbflush.h); 6.9+ contpte_convert() -> __flush_tlb_range()
# (arch/arm64/mm/contpte.c; the out-of-line copy is named
# __flush_tlb_range_nosync in Debian's 6.12 build); no batching (6.1):
# ptep_clear_flush() -> flush_tlb_page() (mm/pgtable-generic.c); or
# inlined into try_to_unmap_one.
TTU_FUNCS = {'arch_tlbbatch_add_pending', 'set_tlb_ubc_flush_pending',
             '__flush_tlb_range', '__flush_tlb_range_nosync',
             'contpte_convert', '__contpte_try_unfold', 'ptep_clear_flush',
             'flush_tlb_page', 'try_to_unmap_one'}

# The final flush of a reclaim pass: 6.5+ try_to_unmap_flush[_dirty]() ->
# arch_tlbbatch_flush(), dsb(ish) once per flush_required batch (mm/rmap.c,
# arm64 asm/tlbflush.h); never called inside try_to_unmap_one.
FINAL_FUNCS = {'try_to_unmap_flush', 'try_to_unmap_flush_dirty',
               'arch_tlbbatch_flush'}
# A vCPU preempted inside try_to_unmap_one runs __switch_to()'s dsb(ish)
# (arch/arm64/kernel/process.c): the scheduler's, not the unmap's.
SCHED_FUNCS = {'__switch_to'}

args = sys.argv[1:]
want = None
summary = None
if '--summary' in args:
    i = args.index('--summary')
    summary = tuple(int(x) for x in args[i + 1].split('/'))
    del args[i:i + 2]
if '--window' in args:
    i = args.index('--window')
    want = int(args[i + 1])
    del args[i:i + 2]
if len(args) != 2:
    die('usage: tlbi-attribute.py TLBI_FILE KALLSYMS [--window W]')
opener = gzip.open if args[1].endswith('.gz') else open
syms = []
with opener(args[1], 'rt') as f:
    for line in f:
        p = line.split()
        if len(p) >= 3 and p[1] in 'tTwW':
            syms.append((int(p[0], 16), p[2]))
if not syms:
    die('no text symbols in %s' % args[1])
syms.sort()
addrs = [a for a, _ in syms]
sums = {}
ttus = {}
fttus = {}
totals = {}
head = {}
n = 0
with open(args[0]) as f:
    for line in f:
        p = line.split()
        if not p:
            continue
        if p[0] == 'markers' or '=' in p[0]:
            for kv in p[1:] if p[0] == 'markers' else p:
                if '=' in kv:
                    k, v = kv.split('=', 1)
                    head[k] = v
            continue
        if len(p) not in (4, 5):
            die('damaged line: %r' % line)
        w, pc, kind, cnt = int(p[0]), int(p[1], 16), p[2], int(p[3])
        inttu = int(p[4]) if len(p) == 5 else None
        if want is not None and w != want:
            continue
        i = bisect.bisect_right(addrs, pc) - 1
        if i < 0:
            die('no symbol below pc %x' % pc)
        fn = syms[i][1]
        sums[(w, fn, kind)] = sums.get((w, fn, kind), 0) + cnt
        if inttu is not None:
            ttus[(w, kind)] = ttus.get((w, kind), 0) + inttu
            k = (w, fn.split('.')[0], kind)
            fttus[k] = fttus.get(k, 0) + inttu
        totals[(w, kind)] = totals.get((w, kind), 0) + cnt
        n += 1
if 'open' not in head:
    die('%s: no markers line (plugin output truncated?)' % args[0])
if 'table' in head.get('insns_tracked', ''):
    die('%s: the plugin\'s table was full' % args[0])
if summary:
    run, runs = summary
    nw = int(head['open'])
    if nw == 0 or nw % runs or head.get('close') != head['open']:
        die('%d windows opened, %s closed: not %d equal runs'
            % (nw, head.get('close'), runs))
    per = nw // runs
    lo, hi = (run - 1) * per + 1, run * per
    ranged = head.get('ttu', '0-0') != '0-0'
    out = {'tlbi_ttu': 0, 'tlbi_other': 0, 'dsb_ttu': 0}
    for k in range(1, runs + 1):
        out['dsb_final_%d' % k] = 0
    for (w, fn, kind), c in sums.items():
        base = fn.split('.')[0]
        if kind.startswith('dsb_') and base in FINAL_FUNCS:
            out['dsb_final_%d' % ((w - 1) // per + 1)] += c
        if not lo <= w <= hi:
            continue
        if kind.startswith('dsb_'):
            if ranged:
                if base not in SCHED_FUNCS:
                    out['dsb_ttu'] += fttus.get((w, base, kind), 0)
            elif base in TTU_FUNCS:
                out['dsb_ttu'] += c
            k = '%s_%s' % (kind, base)
            out[k] = out.get(k, 0) + c
            continue
        if not kind.startswith('tlbi_'):
            continue
        if not ranged:
            out['tlbi_ttu' if base in TTU_FUNCS else 'tlbi_other'] += c
        k = '%s_%s' % (kind, base)
        out[k] = out.get(k, 0) + c
    if ranged:
        for (w, kind), c in ttus.items():
            if lo <= w <= hi and kind.startswith('tlbi_'):
                out['tlbi_ttu'] += c
        out['tlbi_other'] = sum(v for (w, fn, kind), v in sums.items()
                                if lo <= w <= hi and
                                kind.startswith('tlbi_')) - out['tlbi_ttu']
    print('ttu_source=%s' % ('range ' + head['ttu'] if ranged
                             else 'functions'))
    print('windows=%d-%d' % (lo, hi))
    for k in sorted(out):
        print('%s=%d' % (k, out[k]))
    sys.exit(0)
print('# markers open=%s close=%s' % (head.get('open'), head.get('close')))
for (w, fn, kind), c in sorted(sums.items()):
    print('%d %s %s %d' % (w, fn, kind, c))
for (w, kind), c in sorted(totals.items()):
    print('%d total %s %d' % (w, kind, c))
