#!/usr/bin/env bash
# The recorder under faults, in one guest (part of tests/run.sh vm):
#
#   faults.sh [KERNEL]      default 7.x (UMT_VM_FAULTS_KERNEL)
#
# tests/vm/guest/faults.sh runs in the guest: record -a stopped by SIGINT,
# SIGTERM and SIGKILL under a looping workload, record on a tmpfs that
# fills (ENOSPC), record -o - -- CMD.  Its PASS/FAIL lines come back in
# /out/results; the traces are read again here with the host's binary
# (ASan): a killed recording reads back damaged with its flushed chunks.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
U=${UNMAPTRACE:-$top/unmaptrace}
kernel=${1:-${UMT_VM_FAULTS_KERNEL:-7.x}}
export UMT_CACHE=${UMT_CACHE:-$top/.cache}
out=${UMT_VM_OUT:-$top/tests/out/vm-ci}-faults
rm -rf "$out"
mkdir -p "$out"

fail() { echo "FAIL vm/faults/$1: $2"; }

# the guest has no shared libraries: the STATIC build (incremental), as
# matrix.sh does, unless the caller chose a binary
bin=${UMT_BIN:-$top/.output/static/unmaptrace}
if [ -z "${UMT_BIN:-}" ] && ! make -s -C "$top" STATIC=1 OUTPUT=.output/static \
	BIN=.output/static/unmaptrace >"$out/build.log" 2>&1; then
	fail build "make STATIC=1: $(tail -3 "$out/build.log")"
	exit 0
fi
if ! make -s -C "$top/tests/workloads" >"$out/wl.log" 2>&1; then
	fail build "workloads: $(tail -3 "$out/wl.log")"
	exit 0
fi
UMT_BIN=$bin UMT_WORKLOAD_BIN=$top/.output/static/umt-workload \
	"$here/guest.sh" --kernel "$kernel" --smp 2 --mem 1024 --timeout 900 \
	--out "$out/guest" -- "$here/guest/faults.sh" >"$out/runner.log" 2>&1
grc=$?
if [ ! -f "$out/guest/results" ]; then
	fail guest "exit $grc, no results (see $out/runner.log, $out/guest/console.log)"
	exit 0
fi
cat "$out/guest/results"
# the killed recording through the host's reader (the build under test)
k=$out/guest/kill.umt
if [ -f "$k" ]; then
	"$U" replay "$k" >"$out/kill.replay" 2>"$out/kill.replay.err"
	r1=$?
	"$U" replay --allow-damaged "$k" >"$out/kill.replay.ok" 2>&1
	r2=$?
	if [ $r1 = 2 ] && [ $r2 = 0 ] &&
	   grep -q 'kill.umt: damaged: ' "$out/kill.replay.err" &&
	   grep -q '^DAMAGED: ' "$out/kill.replay"; then
		echo "PASS vm/faults/sigkill_host_replay"
	else
		fail sigkill_host_replay "exit $r1/$r2: $(tail -1 "$out/kill.replay.err")"
	fi
fi
exit 0
