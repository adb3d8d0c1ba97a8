#!/bin/sh
# Benchmark (not a test): the unmap path's time with and without record.
#   tests/vm/guest.sh --kernel 7.x --mem 1536 --out DIR -- \
#       tests/vm/guest/overhead.sh [RUNS] [SIZE_MB]
# Prints "<workload> plain|record took N ns" per run (the reclaim call's
# own time, as umt-workload measures it).  TCG: compare, don't quote.
runs=${1:-3} size=${2:-64}
for w in anon-pageout file-reclaim; do
	i=0
	while [ $i -lt "$runs" ]; do
		umt-workload $w --size "$size" 2>&1 |
			grep -o 'took [0-9]* ns' | sed "s/^/$w plain /"
		unmaptrace record -o /tmp/o.umt -- umt-workload $w \
			--size "$size" 2>&1 |
			grep -o 'took [0-9]* ns' | sed "s/^/$w record /"
		i=$((i + 1))
	done
done
