#!/usr/bin/env bash
# Victim attribution on a real kernel (issue 9): one guest with little
# memory runs umt-workload's kswapd-file (the program never reclaims; kswapd
# and direct reclaim unmap its file folios) and proactive-other (another
# process writes its memcg's memory.reclaim), each under
# `unmaptrace record -- CMD`.  Checks, per trace: the calls were recorded
# although CMD made none of them, every one names CMD as the victim, the
# reclaim paths are the expected ones, and replay --check reproduces the
# live counts.  kswapd-file again under the other record modes:
# --cgroup (every call's victim in that cgroup), -a -- CMD (the victim's
# calls among everyone's) and --reclaimer-only (only CMD's own calls);
# proactive-other with the trace on a pipe (-o -) while CMD writes to
# its stdout; `record -- true`, which unmaps nothing, says so.  PASS/FAIL/SKIP lines; the traces are in DIR/<release>/
# (scripts/ship-traces.sh DIR ships them).
#
#   victim.sh [--kernel NAME] [--mem MB] [--size MB] [--out DIR]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kernel=7.x mem=768 size=128 out=${UMT_VM_OUT:-$top/tests/out/vm}-victim
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: victim.sh [--kernel NAME] [--mem MB] [--size MB] [--out DIR]" >&2; exit 2 ;;
	esac
done
bin=${UNMAPTRACE:-$top/unmaptrace}
sbin=$top/.output/static/unmaptrace
name=vm/victim/$kernel

if ! make -s -C "$top" STATIC=1 OUTPUT=.output/static BIN=.output/static/unmaptrace >&2; then
	echo "FAIL $name: static build failed"
	exit 0
fi
if ! kdir=$("$here/kernels.sh" fetch "$kernel" | tail -1); then
	echo "FAIL $name: kernel fetch failed"
	exit 0
fi
rel=$(sed -n 's/^release=//p' "$kdir/PROVENANCE")
out=$out/$rel
rm -rf "$out"
mkdir -p "$out"
UMT_BIN=$sbin "$here/guest.sh" --kernel "$rel" --smp 2 --mem "$mem" \
	--timeout 900 --out "$out" \
	--file "$kdir/config:/boot/config-$rel" \
	--file "$kdir/PROVENANCE:/lib/umt/PROVENANCE" \
	-- "$here/guest/victim.sh" \
	kswapd-file,proactive-other,cgroup:kswapd-file,all:kswapd-file,reclaimer:kswapd-file,pipe:proactive-other,empty:true \
	--size "$size" >"$out/runner.log" 2>&1
grc=$?
if [ $grc -ne 0 ]; then
	echo "FAIL $name: guest exited $grc ($(tail -n 3 "$out/runner.log" | tr '\n' ' '))"
	exit 0
fi

# a CMD that unmaps nothing: the trace is written (exit 0), its summary
# and then replay say why there is nothing (replay exits 2)
n=$name/empty
if grep -q '^record_rc=0$' "$out/empty-true.status" 2>/dev/null &&
	grep -q '0 calls: nothing was unmapped' "$out/empty-true.record.log" &&
	! "$bin" replay "$out/empty-true.umt" >/dev/null 2>"$out/empty-true.replay.err" &&
	grep -q 'nothing was unmapped while it was recorded' "$out/empty-true.replay.err"; then
	echo "PASS $n (0 calls, said by record and replay)"
else
	echo "FAIL $n: $(grep -h '0 calls\|nothing' "$out/empty-true.record.log" "$out/empty-true.replay.err" 2>/dev/null | head -2 | tr '\n' ' ')"
fi

# path_count TRACE PATH: TTU records of the trace with that reclaim path
path_count() { grep -c " TTU .* path=$2 " "$out/$1.dump"; }

for w in kswapd-file proactive-other cgroup-kswapd-file all-kswapd-file \
	reclaimer-kswapd-file pipe-proactive-other; do
	n=$name/$w
	# the workload skips (exit 77) where the kernel lacks what it needs
	if grep -q '^umt-workload: SKIP' "$out/$w.record.log" 2>/dev/null; then
		echo "SKIP $n: $(grep -m1 SKIP "$out/$w.record.log")"
		continue
	fi
	if ! grep -q '^record_rc=0$' "$out/$w.status" 2>/dev/null; then
		echo "FAIL $n: record: $(tail -n 2 "$out/$w.record.log" 2>/dev/null | tr '\n' ' ')"
		continue
	fi
	if [ "$w" = pipe-proactive-other ]; then
		# CMD's stdout went to stderr, never into the trace stream
		# (a byte of it there damages the stream: info exits 1)
		if "$bin" info "$out/$w.umt" >/dev/null 2>"$out/$w.info.err" &&
			grep -q '^umt-pipe-stdout-marker$' "$out/$w.record.log"; then
			echo "PASS $n/pipe (trace intact, CMD's stdout on stderr)"
		else
			echo "FAIL $n/pipe: $(head -c 200 "$out/$w.info.err")"
		fi
	fi
	pid=$(sed -n 's/^umt-workload: mode=[^ ]* pid=\([0-9]*\).*/\1/p' "$out/$w.record.log")
	# proactive-other's reclaimer child is in CMD's tree too: its own
	# anonymous pages (copies of CMD's, charged to CMD's memcg) are
	# reclaimed with CMD's, and it is their victim
	kid=$(sed -n 's/.*; child \([0-9]*\) (umt-reclaimer.*/\1/p' "$out/$w.record.log")
	ttu=$(grep -c ' TTU ' "$out/$w.dump")
	mine=$(grep -c " TTU .* victim=$pid:\"umt-workload\" " "$out/$w.dump")
	case $w in
	all-*)
		# everyone's calls: CMD's memory among them
		if [ "$mine" -gt 0 ] && [ "$ttu" -ge "$mine" ]; then
			echo "PASS $n/victim ($ttu calls, $mine on CMD's memory)"
		else
			echo "FAIL $n/victim: $ttu calls, $mine on CMD's memory"
		fi
		;;
	reclaimer-*)
		# only CMD's own calls: no kswapd, every task CMD's
		tasks=$(grep ' TASK ' "$out/$w.dump" | grep -vc " tgid=$pid ")
		if [ "$ttu" -eq 0 ] && grep -q '0 calls: nothing was unmapped' "$out/$w.record.log"; then
			echo "PASS $n/reclaimer (0 calls of CMD's own, said so)"
		elif [ "$ttu" -gt 0 ] && [ "$tasks" -eq 0 ] &&
			[ "$(grep -c ' TTU .* path=kswapd ' "$out/$w.dump")" -eq 0 ]; then
			echo "PASS $n/reclaimer ($ttu calls, all by CMD)"
		else
			echo "FAIL $n/reclaimer: $ttu calls, $tasks other tasks"
		fi
		[ "$ttu" -eq 0 ] && continue
		;;
	esac
	case $w in all-* | reclaimer-*) ;; *)
	kids=0
	[ -n "$kid" ] && kids=$(grep -c " TTU .* victim=$kid:\"umt-reclaimer\" " "$out/$w.dump")
	if [ "$mine" -gt 0 ] && [ $((mine + kids)) -eq "$ttu" ]; then
		echo "PASS $n/victim ($ttu calls: victim $pid $mine, its child $kids)"
	else
		echo "FAIL $n/victim: $ttu calls, $mine with victim $pid, $kids with its child ${kid:-?}"
	fi ;;
	esac
	case $w in
	cgroup-*)
		cgl=$(sed -n '/^ttu calls by victim memory cgroup:/{n;p;}' <("$bin" info "$out/$w.umt"))
		if echo "$cgl" | grep -q "^  [0-9]* *\/umt-victim  *$ttu$" && [ "$ttu" -gt 0 ]; then
			echo "PASS $n/cgroup ($ttu calls in /umt-victim)"
		else
			echo "FAIL $n/cgroup: $ttu calls; by cgroup: $cgl"
		fi
		;;
	kswapd-file)
		k=$(path_count "$w" kswapd) d=$(path_count "$w" direct)
		if [ "$k" -gt 0 ] && [ $((k + d)) -eq "$ttu" ]; then
			echo "PASS $n/path (kswapd $k, direct $d)"
		else
			echo "FAIL $n/path: kswapd $k, direct $d of $ttu"
		fi
		;;
	*proactive-other)
		p=$(path_count "$w" proactive)
		r=$(grep -c 'TASK .* comm="umt-reclaimer"' "$out/$w.dump")
		if [ "$p" -eq "$ttu" ] && [ "$r" -ge 1 ]; then
			echo "PASS $n/path (proactive $p, by umt-reclaimer)"
		else
			echo "FAIL $n/path: proactive $p of $ttu, reclaimer tasks $r"
		fi
		;;
	esac
	if "$bin" replay --check "$out/$w.umt" >"$out/$w.check" 2>&1; then
		echo "PASS $n/check"
	else
		echo "FAIL $n/check: $(grep -m3 'MISMATCH\|lost\|error' "$out/$w.check" | tr '\n' ' ')"
	fi
done
