#!/usr/bin/env bash
# The cross-arch claim, tested: each x86 trace replayed as arm64
# (`replay --arch arm64 --policy kernel`) against the arm64 recording of
# the same workload on the same kernel version (traces/arm64/): its live
# counts, and the TLBIs the QEMU plugin counted (W.tlbi beside it).
#
#   scripts/cross-arch.sh [KERNELS] [WORKLOADS]     (markdown on stdout)
#
# Columns: "x86 as arm64" is the model on the x86 trace, "arm64 model" the
# model on the arm64 trace, "arm64 live" what the arm64 kernel did (BPF
# live counts; contpte unfolds = contpte_convert() calls inside
# try_to_unmap_one; TLBIs from the plugin).  Exits 1 when a trace is
# missing or unreadable.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${UNMAPTRACE:-./unmaptrace}
kernels=${1:-6.1 6.12 7.2 7.3}
workloads=${2:-anon-pageout lazyfree file-reclaim shmem-pageout}
counters="ttu_calls rmap_calls rmap_pages walk_calls mm_counter_updates contpte_unfold tlbi"
rc=0

# counter=value lines of a replay --csv (policy kernel, totals and tlb kinds)
model() {
	"$bin" replay --csv --arch arm64 -p kernel "$1" |
		awk -F, '$2 == "kernel" && ($4 == "total" ||
			($4 == "tlb_flushes" && $6 == "contpte_unfold")) {
			print $6 "=" $7 }'
}
live() {
	"$bin" replay --csv -p none "$1" |
		awk -F, '$2 == "live" { print $6 "=" $7 }'
	"$bin" dump "$1" | awk '/ TTU / { if (match($0, /tlb:[0-9]+/))
		n += substr($0, RSTART + 4, RLENGTH - 4) }
		END { print "contpte_unfold=" n + 0 }'
	local t=${1%.umt}.tlbi
	[ -f "$t" ] && sed -n 's/^tlbi_ttu=/tlbi=/p' "$t"
	return 0
}
get() { sed -n "s/^$1=//p" <<<"$2" | head -1; }

echo "| kernel | workload | counter | x86 as arm64 | arm64 model | arm64 live | |"
echo "|---|---|---|---:|---:|---:|---|"
for k in $kernels; do
	for w in $workloads; do
		x=traces/$k/$w.umt a=traces/arm64/$k/$w.umt
		if [ ! -f "$x" ] || [ ! -f "$a" ]; then
			echo "cross-arch.sh: missing $x or $a" >&2
			rc=1
			continue
		fi
		mx=$(model "$x") || { rc=1; continue; }
		ma=$(model "$a") || { rc=1; continue; }
		la=$(live "$a") || { rc=1; continue; }
		for c in $counters; do
			vx=$(get "$c" "$mx") va=$(get "$c" "$ma") vl=$(get "$c" "$la")
			mark=""
			[ "$vx" = "$vl" ] || mark="differs"
			[ -n "$vl" ] || mark="not observed"
			echo "| $k | $w | $c | ${vx:--} | ${va:--} | ${vl:--} | $mark |"
		done
	done
done
exit $rc
