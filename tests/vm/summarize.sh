#!/usr/bin/env bash
# Table of the ftrace probe's counts (and times) from a matrix run:
#
#   summarize.sh [DIR]     DIR defaults to tests/out/vm
#
# One row per kernel x workload: try_to_unmap_one calls, rmap removal
# calls, flush_tlb_mm_range inside try_to_unmap_one, arch_tlbbatch_flush,
# rss_stat inside try_to_unmap_one, lost events, the probed run's seconds
# and the guest's wall seconds (boot + record run + probe run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/../out/vm}
printf '| %-28s | %-21s | %4s | %7s | %7s | %7s | %6s | %7s | %4s | %6s | %6s |\n' \
	kernel workload cpus ttuo rmap flush_in batch rss_in lost probe_s wall_s
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------------------------ \
	----------------------- ------ --------- --------- --------- -------- --------- \
	------ -------- --------
for f in "$dir"/*/*.ftrace; do
	[ -e "$f" ] || continue
	rel=$(basename "$(dirname "$f")")
	w=$(basename "$f" .ftrace)
	kv() { sed -n "s/^$1=//p" "$2" 2>/dev/null | tail -1; }
	printf '| %-28s | %-21s | %4s | %7s | %7s | %7s | %6s | %7s | %4s | %6s | %6s |\n' \
		"$rel" "$w" "$(kv cpus "$f")" "$(kv ttuo_calls "$f")" "$(kv rmap_calls "$f")" \
		"$(kv flush_in_ttuo "$f")" "$(kv arch_tlbbatch_flush "$f")" \
		"$(kv rss_stat_in_ttuo "$f")" "$(kv lost "$f")" "$(kv seconds "$f")" \
		"$(kv wall_seconds "${f%.ftrace}.guest.info")"
done
