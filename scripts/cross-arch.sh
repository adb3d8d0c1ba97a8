#!/usr/bin/env bash
# The cross-arch claim, tested: each x86 trace replayed as arm64
# (`replay --arch arm64 --policy kernel`) against the arm64 recording of
# the same workload on the same kernel version (traces/arm64/): its live
# counts, and the TLBIs the QEMU plugin counted (W.tlbi beside it).
#
#   scripts/cross-arch.sh [KERNELS] [WORKLOADS]     (markdown on stdout)
#
# One row per kernel and workload: each cell is what the arm64 kernel did
# (BPF live counts; contpte_unfold = contpte_convert() calls inside
# try_to_unmap_one; tlbi = the plugin's TLBIs inside it), followed by
# "(model N)" where the model of the arm64 trace says otherwise and
# "(x86 N)" where the x86 trace replayed as arm64 does; the last column
# says whether every counter of the x86 replay equals the arm64 kernel's.
# Exits 1 when a trace is missing or unreadable.
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

printf '| kernel | workload |'
for c in $counters; do printf ' %s |' "$c"; done
printf ' x86 as arm64 |\n|---|---|'
for c in $counters; do printf -- '---:|'; done
printf -- '---|\n'
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
		row="| $k | $w |" verdict="equal"
		for c in $counters; do
			vx=$(get "$c" "$mx") va=$(get "$c" "$ma") vl=$(get "$c" "$la")
			cell=${vl:--}
			# the arm64 model must reproduce its own live count
			[ -z "$vl" ] || [ "$va" = "$vl" ] || cell="$cell (model $va)"
			if [ "$vx" != "$vl" ]; then
				cell="$cell (x86 $vx)"
				verdict="differs"
			fi
			row="$row $cell |"
		done
		echo "$row $verdict |"
	done
done
exit $rc
