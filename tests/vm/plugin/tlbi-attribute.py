#!/usr/bin/env python3
# Name the function of each PC that umt-tlbi.so counted, from the guest's
# /proc/kallsyms (text symbols; gzip or plain), and sum by window,
# function and kind:
#
#   tlbi-attribute.py TLBI_FILE KALLSYMS [--window W]
#
# prints "W FUNCTION KIND COUNT" lines, then "W total KIND COUNT".  Fails
# (exit 1, on stderr) on an empty or damaged input, or a PC no symbol
# covers.
import bisect, gzip, sys

def die(msg):
    sys.stderr.write('tlbi-attribute.py: %s\n' % msg)
    sys.exit(1)

args = sys.argv[1:]
want = None
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
totals = {}
head = {}
n = 0
with open(args[0]) as f:
    for line in f:
        p = line.split()
        if not p:
            continue
        if p[0] in ('markers', 'insns_tracked='.rstrip('=')) or '=' in p[0]:
            for kv in p[1:] if p[0] == 'markers' else p:
                if '=' in kv:
                    k, v = kv.split('=', 1)
                    head[k] = v
            continue
        if len(p) != 4:
            die('damaged line: %r' % line)
        w, pc, kind, cnt = int(p[0]), int(p[1], 16), p[2], int(p[3])
        if want is not None and w != want:
            continue
        i = bisect.bisect_right(addrs, pc) - 1
        if i < 0:
            die('no symbol below pc %x' % pc)
        fn = syms[i][1]
        sums[(w, fn, kind)] = sums.get((w, fn, kind), 0) + cnt
        totals[(w, kind)] = totals.get((w, kind), 0) + cnt
        n += 1
if 'open' not in head:
    die('%s: no markers line (plugin output truncated?)' % args[0])
if 'table' in head.get('insns_tracked', ''):
    die('%s: the plugin\'s table was full' % args[0])
print('# markers open=%s close=%s' % (head.get('open'), head.get('close')))
for (w, fn, kind), c in sorted(sums.items()):
    print('%d %s %s %d' % (w, fn, kind, c))
for (w, kind), c in sorted(totals.items()):
    print('%d total %s %d' % (w, kind, c))
