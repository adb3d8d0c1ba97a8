#!/usr/bin/env bash
# The QEMU kernel matrix: every kernel x workload in its own TCG guest.
#
#   matrix.sh [--full] [--kernels NAME,...] [--workloads W,...] [--size MB]
#             [--timeout SEC]
#
# Without --full: the quick subset for every CI run (kernels 6.1 and 7.x,
# workloads anon-pageout lazyfree file-reclaim, 32 MiB).  --full: every
# kernel in tests/vm/KERNELS and every workload, 64 MiB.
#
# Each guest (tests/vm/guest/matrix-guest.sh) runs `unmaptrace features
# --json`, then `unmaptrace record` around the workload, then -- in a
# separate run, never at the same time -- the ftrace probe around it.
# Results: tests/out/vm/<release>/{W.umt,W.ftrace,W.console.log,W.status,
# W.record.log,W.ftrace.log,features.json,PROVENANCE}.
#
# Builds the static unmaptrace first (make STATIC=1 OUTPUT=.output/static)
# unless UMT_BIN names a binary to use.
#
# Prints "PASS name" / "FAIL name: why" (counted by tests/run.sh) and
# "SKIP name: why" (not counted).  Checks are version-agnostic: nothing
# here depends on a kernel's minor version.
#
# UMT_ARCH=arm64: the arm64 kernels (KERNELS.arm64) under
# qemu-system-aarch64, the collector cross-built (CROSS_COMPILE=
# aarch64-linux-gnu-, OUTPUT=.output/static-arm64), every guest run under
# the TLBI-counting plugin (tests/vm/plugin/, W.tlbi, W.kallsyms.gz), and
# the host's ./unmaptrace to read the traces.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
outroot=${UMT_VM_OUT:-$top/tests/out/vm}
arch=${UMT_ARCH:-x86}
[ "$arch" = aarch64 ] && arch=arm64
export UMT_ARCH=$arch
sfx="" cross=()
if [ "$arch" = arm64 ]; then
	sfx=-arm64
	cross=(CROSS_COMPILE=aarch64-linux-gnu-)
fi
umt_bin=${UMT_BIN:-$top/.output/static$sfx/unmaptrace}
host_bin=$umt_bin
build_static=1
[ -n "${UMT_BIN:-}" ] && build_static=0	# the caller chose a binary
export UMT_BIN=$umt_bin

all_workloads="anon-pageout shmem-pageout lazyfree file-reclaim file-reclaim-xfs partial-munmap mprotect-half uffd-wp mlock thp-pmd file-shared-2proc file-shared-2proc-xfs fork-shared defer-2cpu mixed-2cpu thp-pmd-lazyfree"
full=0 kernels="" workloads="" size="" timeout=""
while [ $# -gt 0 ]; do
	case $1 in
	--full) full=1; shift ;;
	--kernels) kernels=${2//,/ }; shift 2 ;;
	--workloads) workloads=${2//,/ }; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d; s/^# \{0,1\}//; p}' "$0"; exit 0 ;;
	*) echo "matrix.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ $full -eq 1 ]; then
	: "${kernels:=$(awk '!/^#/ && NF >= 3 { printf "%s ", $1 }' "$here/KERNELS")}"
	: "${workloads:=$all_workloads}"
	: "${size:=64}"
	: "${timeout:=900}"
else
	: "${kernels:=5.10 6.1 6.12 7.x}"
	: "${workloads:=anon-pageout lazyfree file-reclaim}"
	: "${size:=32}"
	: "${timeout:=300}"
fi

# 4x the workload plus room for the ring buffer, the swap ram disk's
# contents and the kernel; brd allocates lazily.
mem=$((size * 4 + 768))
[ $mem -lt 1024 ] && mem=1024

# The guests have no shared libraries: the STATIC build goes in.
if [ $build_static -eq 1 ]; then
	mkdir -p "$top/.output"
	blog=$top/.output/vm-static-build.log
	if make -s -C "$top" STATIC=1 "${cross[@]}" OUTPUT=.output/static$sfx \
		BIN=.output/static$sfx/unmaptrace >"$blog" 2>&1; then
		echo "PASS vm/build-static"
	else
		echo "FAIL vm/build-static: make STATIC=1 failed (see .output/vm-static-build.log):"
		tail -n 5 "$blog" | sed 's/^/    /'
	fi
fi
if [ ! -x "$umt_bin" ]; then
	echo "matrix.sh: note: $umt_bin missing: recording steps are skipped" >&2
fi
make -s -C "$top/tests/workloads" >&2 || { echo "FAIL vm/workloads: build failed"; exit 0; }
plugin=""
if [ "$arch" = arm64 ]; then
	make -s -C "$top/tests/workloads" CC=aarch64-linux-gnu-gcc \
		OUT="$top/.output/static-arm64" >&2 ||
		{ echo "FAIL vm/workloads: arm64 build failed"; exit 0; }
	# the traces are read on this host: its own build
	host_bin=${UNMAPTRACE:-$top/unmaptrace}
	[ -x "$host_bin" ] || make -s -C "$top" >&2 ||
		{ echo "FAIL vm/build: host unmaptrace"; exit 0; }
	if make -s -C "$top/tests/vm/plugin" >&2; then
		plugin=$top/.output/plugin/umt-tlbi.so
		echo "PASS vm/build-plugin"
	else
		echo "FAIL vm/build-plugin: tests/vm/plugin (qemu-plugin.h?)"
	fi
fi

kv() { sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -1; }

# How far the recorded run may differ from the separately probed one: 0 for
# the deterministic workloads, 2% of N for those whose reclaim retries vary
# from run to run.
tolerance() {
	case $1 in
	fork-shared | file-shared-2proc* | mlock | mixed-2cpu) echo $(($2 / 50)) ;;
	*) echo 0 ;;
	esac
}

# Version-agnostic checks of one kernel x workload run.
check() {
	local k=$1 rel=$2 w=$3 d=$4 grc=$5 name="vm/$1/$3"
	local st=$d/$w.status ft=$d/$w.ftrace flog=$d/$w.ftrace.log
	[ "$arch" = arm64 ] && name=vm/arm64/$1/$3
	if [ "$grc" -eq 124 ]; then
		echo "FAIL $name: guest timed out (${timeout}s)"
		return
	fi
	if [ ! -f "$st" ]; then
		echo "FAIL $name: guest reported nothing (exit $grc; see $d/$w.console.log)"
		return
	fi

	# -- the recording step
	local rrc
	rrc=$(kv "$st" record_rc)
	case $rrc in
	absent) echo "SKIP $name/record: static unmaptrace not built" ;;
	0)
		if [ -s "$d/$w.umt" ]; then
			echo "PASS $name/record"
		else
			echo "FAIL $name/record: exit 0 but no $w.umt"
		fi
		;;
	77) echo "SKIP $name/record: workload unsupported on $rel or in this guest" ;;
	*) echo "FAIL $name/record: unmaptrace record exited $rrc (see $w.record.log)" ;;
	esac

	# -- the ftrace probe
	local frc ttuo lost flush batch
	frc=$(kv "$st" ftrace_rc)
	if [ "$frc" = 77 ]; then
		echo "SKIP $name/ftrace: $(grep -m1 'SKIP' "$flog" | sed 's/.*SKIP: //')"
		return
	fi
	if [ "$frc" != 0 ]; then
		echo "FAIL $name/ftrace: probe or workload exited $frc: $(grep -m1 -E 'FAILED|ftrace-count:' "$flog" || true)"
		return
	fi
	ttuo=$(kv "$ft" ttuo_calls)
	lost=$(kv "$ft" lost)
	flush=$(kv "$ft" flush_in_ttuo)
	batch=$(kv "$ft" arch_tlbbatch_flush)
	if [ -z "$ttuo" ]; then
		echo "FAIL $name/ftrace: no counts in $w.ftrace"
	elif [ "${lost:-0}" != 0 ]; then
		echo "FAIL $name/ftrace: ring buffer lost $lost events (raise UMT_FTRACE_BUFKB)"
	elif [ "$ttuo" -eq 0 ] && grep -q 'MADV_PAGEOUT skips folios mapped by other' "$flog"; then
		echo "PASS $name/ftrace (no memory.reclaim here: nothing to unmap, 0 calls)"
	elif [ "$ttuo" -eq 0 ]; then
		echo "FAIL $name/ftrace: try_to_unmap_one never ran for the workload"
	elif [ $((flush + batch)) -eq 0 ] && [ "$arch" = x86 ]; then
		echo "FAIL $name/ftrace: $ttuo unmaps but no TLB flush at all"
	else
		echo "PASS $name/ftrace (try_to_unmap_one=$ttuo flush_in=$flush batch_flush=$batch)"
	fi

	# -- the collector and the probe agree on the number of unmaps (two
	# separate runs: exact for the deterministic workloads, within 2% for
	# those whose reclaim retries vary from run to run)
	local umt=$d/$w.umt n
	if [ "$rrc" = 0 ] && [ -s "$umt" ] && [ -n "$ttuo" ]; then
		n=$({ "$host_bin" dump "$umt" 2>/dev/null || echo DUMP-FAILED; } |
			awk '/^DUMP-FAILED$/ { f = 1 } / TTU / { n++ }
				END { print f ? "x" : n + 0 }')
		if [ "$n" != x ]; then
			local tol
			tol=$(tolerance "$w" "$ttuo")
			local diff=$((n > ttuo ? n - ttuo : ttuo - n))
			if [ "$diff" -le "$tol" ]; then
				echo "PASS $name/agree (TTU events=$n, ftrace try_to_unmap_one=$ttuo)"
			else
				echo "FAIL $name/agree: $n TTU events in $w.umt, ftrace counted $ttuo try_to_unmap_one calls"
			fi
		else
			echo "SKIP $name/agree: unmaptrace dump cannot read $w.umt"
		fi
	fi

	# -- ... and on what happened inside those calls: the trace's live
	# counts (summed by replay --csv) against the probe's, same tolerance;
	# defer-2cpu's flushes depend on where the other thread ran in each run
	if [ "$rrc" = 0 ] && [ -s "$umt" ] && [ -n "$ttuo" ]; then
		local csv pairs bad="" c lv pv tol2 dd
		csv=$("$host_bin" replay --csv -p none "$umt" 2>/dev/null |
			awk -F, '$2 == "live" { print $6 "=" $7 }')
		pairs="rmap_calls:$(kv "$ft" rmap_calls)
mm_counter_updates:$(kv "$ft" rss_stat_in_ttuo)"
		case $w in
		defer-2cpu | mixed-2cpu) ;;
		*) [ "$arch" = arm64 ] || pairs="$pairs
tlb_flushes:$((flush + batch))" ;;
		esac
		while IFS=: read -r c pv; do
			lv=$(sed -n "s/^$c=//p" <<<"$csv")
			tol2=$(tolerance "$w" "$pv")
			dd=$(( ${lv:-0} > pv ? ${lv:-0} - pv : pv - ${lv:-0} ))
			if [ -z "$lv" ] || [ "$dd" -gt "$tol2" ]; then
				bad="$bad $c trace=${lv:-none} ftrace=$pv;"
			fi
		done <<<"$pairs"
		if [ -z "$bad" ]; then
			echo "PASS $name/agree-live (rmap, rss_stat$(case $w in *-2cpu) ;; *) [ "$arch" = arm64 ] || echo ', tlb flushes' ;; esac) as the probe)"
		else
			echo "FAIL $name/agree-live:$bad"
		fi
	fi

	# -- the attach plan this kernel must give: every hook attached, the
	# unmap hook by fentry, rmap by page_remove_rmap before 6.8 (struct
	# page API) and folio_remove_rmap_ptes from 6.8
	local fj=$d/features.json want_rmap plan
	if [ -s "$fj" ]; then
		case $rel in
		5.* | 6.[0-7].* | 6.[0-7]-*) want_rmap=page_remove_rmap ;;
		*) want_rmap=folio_remove_rmap_ptes ;;
		esac
		plan=$(awk -F'"' '/"hook":/ { h = $4 } /"attached":/ { a[h] = $0 ~ /true/ }
			/"symbol":/ && !s[h] { s[h] = $4 } /"mechanism":/ && !m[h] { m[h] = $4 }
			END { for (h in a) printf "%s=%s:%s:%d\n", h, s[h], m[h], a[h] }' "$fj" | sort)
		# migrate, huge_pmd, pte_batch: optional, where the kernel has
		# the symbol (facts for the kernel policy).  arm64 6.1 has no
		# fentry (-524): kprobes; its flushes are all inline (no
		# contpte_convert, no try_to_unmap_flush)
		local mech=fentry opt='^\(migrate\|huge_pmd\|pte_batch\)='
		if [ "$arch" = arm64 ]; then
			case $rel in 5.* | 6.[0-9].* | 6.[0-9]-*) mech=kprobe ;; esac
			case $rel in
			5.* | 6.[0-8].* | 6.[0-8]-*)
				opt='^\(tlb_flush\|tlb_batch\|tlb_batch_dirty\|migrate\|huge_pmd\|pte_batch\)=' ;;
			esac
		fi
		if grep -q "^ttu=try_to_unmap_one:$mech:1$" <<<"$plan" &&
		   grep -q "^rmap=$want_rmap:$mech:1$" <<<"$plan" &&
		   ! grep -v "$opt" <<<"$plan" | grep -q ':0$'; then
			echo "PASS $name/plan (ttu $mech, rmap $want_rmap, all hooks attached)"
		else
			echo "FAIL $name/plan: $(tr '\n' ' ' <<<"$plan")"
		fi
	fi

	# -- arm64: the TLBIs the QEMU plugin counted on try_to_unmap_one's
	# paths in the ftrace run (no BPF there) against the model's tlbi for
	# the recorded trace (policy kernel)
	if [ "$arch" = arm64 ] && [ "$rrc" = 0 ] && [ -s "$umt" ]; then
		local sum pt mt
		if sum=$(python3 "$here/plugin/tlbi-attribute.py" "$d/$w.tlbi" \
			"$d/$w.kallsyms.gz" --summary 2/2 2>&1); then
			echo "$sum" >"$d/$w.tlbi.summary"
			pt=$(sed -n 's/^tlbi_ttu=//p' <<<"$sum")
			# DSBs: inside try_to_unmap_one in the probe run, plus
			# the final flushes' of the recorded run (run 1), whose
			# number follows that run's batches
			pd=$(awk -F= '$1 == "dsb_ttu" || $1 == "dsb_final_1" { n += $2; k++ }
				END { if (k == 2) print n }' <<<"$sum")
			csv=$("$host_bin" replay --csv -p kernel "$umt" 2>/dev/null)
			mt=$(awk -F, '$4 == "total" && $6 == "tlbi" { print $7 }' <<<"$csv")
			md=$(awk -F, '$4 == "barriers" && $6 == "dsb" { print $7 }' <<<"$csv")
			if [ -n "$mt" ] && [ "$pt" = "$mt" ]; then
				echo "PASS $name/tlbi (plugin $pt TLBIs on the unmap paths = model)"
			else
				echo "FAIL $name/tlbi: plugin ${pt:-none}, model ${mt:-none} ($(grep '^tlbi_[a-z0-9]*_' <<<"$sum" | tr '\n' ' '))"
			fi
			if [ -n "$md" ] && [ "$pd" = "$md" ]; then
				echo "PASS $name/dsb (plugin $pd DSBs on the unmap paths = model)"
			else
				echo "FAIL $name/dsb: plugin ${pd:-none}, model ${md:-none} ($(grep '^dsb_[a-z0-9]*_' <<<"$sum" | tr '\n' ' '))"
			fi
		else
			echo "FAIL $name/tlbi: $sum"
		fi
	fi

	# -- the workload really reclaimed what it should have
	case $w in
	anon-pageout | shmem-pageout | lazyfree | file-reclaim | file-reclaim-xfs | thp-pmd | thp-pmd-lazyfree)
		if grep -q 'census after reclaim: .* present=0 ' "$flog"; then
			echo "PASS $name/reclaimed"
		else
			echo "FAIL $name/reclaimed: $(grep -m1 'census after reclaim' "$flog" || echo 'no census line')"
		fi
		;;
	esac
}

for k in $kernels; do
	if ! kdir=$("$here/kernels.sh" fetch "$k" | tail -1); then
		echo "FAIL vm/$k: kernel fetch failed"
		continue
	fi
	rel=$(sed -n 's/^release=//p' "$kdir/PROVENANCE")
	od=$outroot/$rel
	mkdir -p "$od"
	cp "$kdir/PROVENANCE" "$od/PROVENANCE"
	for w in $workloads; do
		smp=1
		case $w in *-2cpu) smp=2 ;; esac
		run=$od/.run-$w
		# A guest that died without reporting (125) is booted once
		# more: TCG itself crashes 6.12 now and then in the SLUB fast
		# path's cmpxchg16b (__kmalloc_noprof), with or without BPF
		# loaded (seen at boot before any BPF); the log keeps both.
		: >"$od/$w.runner.log"
		for attempt in 1 2; do
			rm -rf "$run" "$run.tlbi"
			set +e
			UMT_WORKLOAD_BIN=$top/.output/static$sfx/umt-workload \
			UMT_QEMU_EXTRA=${plugin:+"-plugin $plugin,out=$run.tlbi,console=$run/console.log"} \
				"$here/guest.sh" --kernel "$rel" --smp $smp \
				--mem $mem --timeout "$timeout" --out "$run" \
				--file "$kdir/config:/boot/config-$rel" \
				--file "$kdir/PROVENANCE:/lib/umt/PROVENANCE" \
				-- "$here/guest/matrix-guest.sh" "$w" \
				--size "$size" >>"$od/$w.runner.log" 2>&1
			grc=$?
			set -e
			[ $grc -eq 125 ] && [ $attempt -eq 1 ] || break
			echo "# vm/$k/$w: guest died without reporting;" \
				"booting it once more" | tee -a "$od/$w.runner.log"
			[ -f "$run/console.log" ] &&
				cp "$run/console.log" "$od/$w.crash.console.log"
		done
		for f in "$run"/*; do
			[ -e "$f" ] || continue
			case $(basename "$f") in
			console.log) mv "$f" "$od/$w.console.log" ;;
			kallsyms.gz) mv "$f" "$od/$w.kallsyms.gz" ;;
			guest.info) mv "$f" "$od/$w.guest.info" ;;
			*) mv "$f" "$od/" ;;
			esac
		done
		[ -f "$run.tlbi" ] && mv "$run.tlbi" "$od/$w.tlbi"
		rmdir "$run" 2>/dev/null || true
		check "$k" "$rel" "$w" "$od" "$grc"
	done
done
