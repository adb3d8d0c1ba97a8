#!/bin/sh
# Guest side of tests/vm/faults.sh (busybox sh, runs as /guest/script):
# the recorder under faults.  A workload loops in the background while
# `record -a` runs; then:
#
#   sigint, sigterm  stopped by the signal: a complete trace (trailer),
#                    the summary names the signal, exit 0
#   sigkill          killed after 3 s: no trailer, but the chunks flushed
#                    each second read back (damaged, not unreadable: the
#                    loss is bounded by the last second)
#   enospc           a 40 KiB tmpfs fills: record says so at once, stops
#                    and exits 2 (an I/O error), the prefix reads back
#   stdout           record -o - -- CMD: CMD's stdout is not in the trace
#
# Each case writes one "PASS name" / "FAIL name: why" line to
# /out/results and its files next to it.
set -u
out=${UMT_OUT:-/out}
res=$out/results
U=/bin/unmaptrace
W=/bin/umt-workload
cd "${UMT_FS:-/tmp}" || exit 2
: >"$res"
pass() { echo "PASS vm/faults/$1" | tee -a "$res"; }
fail() { echo "FAIL vm/faults/$1: $2" | tee -a "$res"; }

loop=
start_load() {
	( while :; do $W anon-pageout --size 8 >/dev/null 2>&1; done ) &
	loop=$!
}
stop_load() {
	kill "$loop" 2>/dev/null
	wait "$loop" 2>/dev/null
}

# record_until NAME SIGNAL SECS FILE: record -a, signal it after SECS
record_until() {
	n=$1 sig=$2 secs=$3 f=$4
	$U record -a -o "$f" >"$out/$n.rec.out" 2>"$out/$n.rec.err" &
	pid=$!
	# attached when the header exists (the file appears after attach)
	i=0
	while [ ! -s "$f" ] && [ $i -lt 120 ]; do sleep 0.5; i=$((i + 1)); done
	sleep "$secs"
	kill -"$sig" "$pid"
	wait "$pid"
	echo $? >"$out/$n.rec.rc"
}

# info NAME FILE [ARGS]: info's exit code in $out/NAME.info.rc
info() {
	n=$1 f=$2
	shift 2
	$U info "$@" "$f" >"$out/$n.info.out" 2>"$out/$n.info.err"
	echo $? >"$out/$n.info.rc"
}

start_load
for sig in INT TERM; do
	n=sig$(echo $sig | tr A-Z a-z)
	record_until "$n" "$sig" 3 "$n.umt"
	info "$n" "$n.umt"
	rc=$(cat "$out/$n.rec.rc")
	if [ "$rc" != 0 ]; then
		fail "$n" "record exited $rc: $(tail -2 "$out/$n.rec.err")"
	elif ! grep -q 'stopped by' "$out/$n.rec.err"; then
		fail "$n" "the summary names no signal: $(tail -1 "$out/$n.rec.err")"
	elif ! grep -q 'trailer: [0-9]* written' "$out/$n.info.out"; then
		fail "$n" "no trailer: $(tail -2 "$out/$n.info.err")"
	elif grep -qE ': (damaged|unreadable):' "$out/$n.info.err"; then
		fail "$n" "damaged: $(tail -1 "$out/$n.info.err")"
	else
		pass "$n"
	fi
done

# SIGKILL: nothing can be closed; the 1 s flush bounds the loss
record_until sigkill KILL 3 kill.umt
info sigkill kill.umt
info sigkill_ok kill.umt --allow-damaged
recs=$(sed -n 's/^records: *\([0-9]*\).*/\1/p' "$out/sigkill_ok.info.out")
if [ "$(cat "$out/sigkill.info.rc")" != 2 ] ||
   ! grep -q 'kill.umt: damaged: .*file truncated: trailer missing' \
	"$out/sigkill.info.err"; then
	fail sigkill "info exit $(cat "$out/sigkill.info.rc"): $(tail -1 "$out/sigkill.info.err")"
elif [ "$(cat "$out/sigkill_ok.info.rc")" != 0 ] || [ "${recs:-0}" -lt 1 ]; then
	fail sigkill "--allow-damaged: exit $(cat "$out/sigkill_ok.info.rc"), ${recs:-0} records read back"
else
	pass "sigkill ($recs records read back of a recording killed after 3 s)"
fi

# ENOSPC: a tmpfs that fills during the recording
mkdir -p /mnt/tiny
mount -t tmpfs -o size=40k tmpfs /mnt/tiny
record_until enospc TERM 20 /mnt/tiny/full.umt
cp /mnt/tiny/full.umt "$out/" 2>/dev/null
info enospc /mnt/tiny/full.umt --allow-damaged
rc=$(cat "$out/enospc.rec.rc")
if [ "$rc" != 2 ]; then
	fail enospc "record exited $rc on a full disk, want 2: $(tail -2 "$out/enospc.rec.err")"
elif ! grep -q 'No space left on device' "$out/enospc.rec.err"; then
	fail enospc "no ENOSPC message: $(tail -2 "$out/enospc.rec.err")"
elif [ "$(cat "$out/enospc.info.rc")" != 0 ]; then
	fail enospc "the prefix does not read back: $(tail -1 "$out/enospc.info.err")"
else
	pass "enospc (exit $rc)"
fi
umount /mnt/tiny
stop_load

# record -o - -- CMD: CMD's stdout goes to stderr, never into the trace
# (the line is computed: record.cmdline in the header holds the command)
$U record -o - -- sh -c "echo UMT-CMD-\$((6 * 7)); $W anon-pageout --size 8" \
	>stdout.umt 2>"$out/stdout.rec.err"
echo $? >"$out/stdout.rec.rc"
info stdout stdout.umt --allow-damaged
if grep -q UMT-CMD-42 stdout.umt; then
	fail stdout "CMD's stdout is in the trace"
elif ! grep -q UMT-CMD-42 "$out/stdout.rec.err"; then
	fail stdout "CMD's stdout went nowhere"
elif [ "$(cat "$out/stdout.info.rc")" != 0 ]; then
	fail stdout "the trace does not read: $(tail -1 "$out/stdout.info.err")"
else
	pass stdout
fi
# back to the host, which reads them again (small: seconds of recording)
cp ./*.umt "$out/" 2>/dev/null
exit 0
