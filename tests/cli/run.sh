#!/usr/bin/env bash
# Tests of `unmaptrace info` and `unmaptrace dump` through the binary.
# Traces come from the unit-test program (test_umt --fixture), whose
# records are a pure function of their index; the expected counts below
# are recomputed here from the same rules, not copied from tool output.
# One "PASS name" / "FAIL name: why" / "SKIP name: why" line per case.
set -uo pipefail
top=${UMT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
U=${UNMAPTRACE:-$top/unmaptrace}
T=${UMT_TEST_UMT:-$(dirname "$U")/tests/test_umt}
[ -x "$T" ] || T=$top/.output/tests/test_umt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS cli_$1"; }
fail() { echo "FAIL cli_$1: $2"; }
skip() { echo "SKIP cli_$1: $2"; }

for x in "$U" "$T"; do
	if [ ! -x "$x" ]; then
		fail setup "$x not built"
		exit 0
	fi
done

# r NAME CMD...: run, keep stdout/stderr/exit code in $tmp/NAME.*
r() {
	local n=$1
	shift
	"$@" >"$tmp/$n.out" 2>"$tmp/$n.err"
	echo $? >"$tmp/$n.rc"
}
rc() { cat "$tmp/$1.rc"; }
# a sanitizer report is a failure whatever the exit code says
clean() { ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	"$tmp/$1.err"; }
has() { grep -qF -- "$2" "$tmp/$1.$3"; }

# check NAME WANT_RC: exit code and sanitizer-clean, else print a FAIL
check() {
	if [ "$(rc "$1")" != "$2" ]; then
		fail "$1" "exit $(rc "$1"), want $2: $(head -c 300 "$tmp/$1.err")"
		return 1
	fi
	if ! clean "$1"; then
		fail "$1" "sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$tmp/$1.err")"
		return 1
	fi
	return 0
}

# Expected counts for records 0..N-1, the rules of gen() in test_umt.c:
# i%50==49 STATS, else i%10==0 TASK, 5 LOST (count i, cpu i%4),
# 7 TLB_FLUSH, else TTU (kind i%6, nr_pages 1<<(i%5)).
N=500
n_task=0 n_lost=0 n_tlb=0 n_stats=0 n_ttu=0 lost=0 lost1=0 anon=0 p16=0
for ((i = 0; i < N; i++)); do
	if ((i % 50 == 49)); then ((n_stats++))
	elif ((i % 10 == 0)); then ((n_task++))
	elif ((i % 10 == 5)); then
		((n_lost++, lost += i))
		((i % 4 == 1)) && ((lost1 += i))
	elif ((i % 10 == 7)); then ((n_tlb++))
	else
		((n_ttu++))
		((i % 6 == 1)) && ((anon++))
		((i % 5 == 4)) && ((p16++))
	fi
done

f=$tmp/basic.umt
if ! "$T" --fixture basic "$f" $N 2048; then
	fail setup "test_umt --fixture failed"
	exit 0
fi

# The fixture holds LOST records (gen() above): a lossy trace, which every
# reader refuses (exit 2, lib/damage.h) unless --allow-damaged, which
# keeps the warning on stderr.  The intact-content cases below allow it.
A=--allow-damaged
r lossy "$U" info "$f"
if check lossy 2; then
	if has lossy "lossy: $lost events lost in the kernel" err &&
	   has lossy "--allow-damaged accepts it" err; then
		pass lossy
	else
		fail lossy "$(head -c 300 "$tmp/lossy.err")"
	fi
fi
r lossydump "$U" dump "$f"
check lossydump 2 && { has lossydump "lossy: $lost events lost" err &&
	pass lossydump || fail lossydump "$(head -c 300 "$tmp/lossydump.err")"; }
# only the lossy warning on stderr, never anything else
only_lossy() {
	! grep -v "warning: .*: lossy: $lost events lost" "$tmp/$1.err" |
		grep -q .
}

# --- info on an intact trace
r info "$U" info $A "$f"
if check info 0; then
	why=
	for want in "records:     $N (trailer: $N written)" \
		"TTU          $n_ttu" "TASK         $n_task" \
		"LOST         $n_lost" "TLB_FLUSH    $n_tlb" \
		"STATS        $n_stats" "lost events: $lost" \
		"cpu 1        $lost1" "anon         $anon" \
		"16 pages $p16" "kernel.release       6.12.0-test" \
		"workload             unit-test" \
		"ttu          try_to_unmap_one             fentry     ok" \
		"kprobe     -2 (No such file or directory): not traceable here" \
		"(0 damaged)" "format:      .umt 1.0"; do
		has info "$want" out || { why="missing '$want'"; break; }
	done
	only_lossy info || why=${why:-"stderr: $(head -c 200 "$tmp/info.err")"}
	has info "(allowed by --allow-damaged)" err ||
		why=${why:-"no lossy warning: $(head -c 200 "$tmp/info.err")"}
	[ -z "$why" ] && pass info || fail info "$why"
fi

# --- info --chunks: one table row per chunk, indices 0..n-1
r chunks "$U" info $A --chunks "$f"
if check chunks 0; then
	rows=$(awk '/^chunk table:/ { t = 1; next } t && $NF == "ok"' \
		"$tmp/chunks.out" | wc -l)
	nch=$(sed -n 's/^chunks: *\([0-9]*\) .*/\1/p' "$tmp/chunks.out")
	recs=$(awk '/^chunk table:/ { t = 1; next } t && $NF == "ok" { s += $5 }
		END { print s }' "$tmp/chunks.out")
	if [ "$rows" -lt 10 ] || [ "$rows" != "$nch" ] || [ "$recs" != $N ]; then
		fail chunks "$rows rows, $nch chunks, $recs records"
	else
		pass chunks
	fi
fi

have_jq=
command -v jq >/dev/null && have_jq=1

# --- info --json
r json "$U" info $A --json "$f"
if check json 0; then
	if [ -z "$have_jq" ]; then
		skip json "jq not installed"
	else
		got=$(jq -r '[.records.total, .records.by_type.TTU, .lost.total,
			.ttu.by_kind.anon, .metadata.arch, .attach[1].err,
			.trailer.present, .damaged.level, .damaged.lost]
			| map(tostring) | join(" ")' "$tmp/json.out" 2>&1)
		want="$N $n_ttu $lost $anon x86 -2 true lossy $lost"
		[ "$got" = "$want" ] && pass json ||
			fail json "got '$got', want '$want'"
	fi
fi

# --- dump: one line per record after the '#' header line
r dump "$U" dump $A "$f"
if check dump 0; then
	lines=$(grep -vc '^#' "$tmp/dump.out")
	if [ "$lines" != $N ]; then
		fail dump "$lines record lines, want $N"
	elif ! has dump "5 1000005002 cpu1 LOST lost_cpu=1 count=5 size=16" out; then
		fail dump "LOST seq 5 line missing"
	elif ! has dump '10 1000010001 cpu2 TASK task=10 tgid=1010 pid=2010 comm="task10"' out; then
		fail dump "TASK seq 10 line missing"
	elif ! grep -q '^4 1000004001 cpu0 TTU .*kind=hugetlb nr_pages=16 flags=large .*ttu=batch_flush .*slots=4 image=T0-3:y ' "$tmp/dump.out"; then
		fail dump "TTU seq 4 line wrong: $(grep -m1 '^4 ' "$tmp/dump.out")"
	else
		pass dump
	fi
fi

# --- dump --json: JSON lines
r dumpjson "$U" dump $A --json "$f"
if check dumpjson 0; then
	if [ -z "$have_jq" ]; then
		skip dumpjson "jq not installed"
	else
		got=$(jq -s -r '[length, (map(select(.type == "TTU")) | length),
			(.[4].image), (.[4].slots | length), .[7].type,
			(map(select(.type == "LOST") | .count) | add)]
			| map(tostring) | join(" ")' "$tmp/dumpjson.out" 2>&1)
		want="$N $n_ttu T0-3:y 4 TLB_FLUSH $lost"
		[ "$got" = "$want" ] && pass dumpjson ||
			fail dumpjson "got '$got', want '$want'"
	fi
fi

# --- "-" reads stdin, through a pipe from a writer on stdout
r pipe bash -c '"$1" --fixture basic - "$2" 2048 | "$3" info '$A' -' _ "$T" $N "$U"
if check pipe 0; then
	has pipe "records:     $N (trailer: $N written)" out && pass pipe ||
		fail pipe "$(head -c 300 "$tmp/pipe.out")"
fi
r pipedump bash -c '"$1" --fixture basic - "$2" 2048 | "$3" dump '$A' -' _ "$T" $N "$U"
if check pipedump 0; then
	lines=$(grep -vc '^#' "$tmp/pipedump.out")
	[ "$lines" = $N ] && pass pipedump || fail pipedump "$lines lines"
fi

# chunk K's offset and record count, from the --chunks table
chunk_field() {
	awk -v k="$1" -v f="$2" '/^chunk table:/ { t = 1; next }
		t && $1 == k { print $f }' "$tmp/chunks.out"
}

# --- a cut inside chunk 7: exit 2, chunk named, chunks 0..6 delivered
off7=$(chunk_field 7 2)
before=$(awk '/^chunk table:/ { t = 1; next } t && $1 < 7 { s += $5 }
	END { print s }' "$tmp/chunks.out")
head -c $((off7 + 100)) "$f" >"$tmp/cut.umt"
r cut "$U" info "$tmp/cut.umt"
if check cut 2; then
	if ! has cut "chunk 7 at offset $off7: short read" err; then
		fail cut "chunk 7 not named: $(head -c 300 "$tmp/cut.err")"
	elif ! has cut "file truncated: trailer missing; 7 intact chunks read" err; then
		fail cut "no truncation warning: $(head -c 300 "$tmp/cut.err")"
	elif ! has cut "$tmp/cut.umt: damaged: 1 chunk damaged" err; then
		fail cut "no verdict: $(tail -c 300 "$tmp/cut.err")"
	elif ! has cut "records:     $before" out; then
		fail cut "want $before records: $(grep records: "$tmp/cut.out")"
	else
		pass cut
	fi
fi
r cutdump "$U" dump "$tmp/cut.umt"
if check cutdump 2; then
	lines=$(grep -vc '^#' "$tmp/cutdump.out")
	[ "$lines" = "$before" ] && has cutdump "chunk 7 at offset $off7" err &&
		pass cutdump || fail cutdump "$lines lines, want $before"
fi

r cutok "$U" dump $A "$tmp/cut.umt"
if check cutok 0; then
	lines=$(grep -vc '^#' "$tmp/cutok.out")
	[ "$lines" = "$before" ] &&
		has cutok "damaged: 1 chunk damaged" err &&
		has cutok "(allowed by --allow-damaged)" err &&
		pass cutok || fail cutok "$lines lines: $(tail -c 300 "$tmp/cutok.err")"
fi

# --- one flipped byte in chunk 3's data: CRC names it, the rest is read
off3=$(chunk_field 3 2)
n3=$(chunk_field 3 5)
cp "$f" "$tmp/flip.umt"
printf '\x55' | dd of="$tmp/flip.umt" bs=1 seek=$((off3 + 80)) conv=notrunc \
	status=none
r flip "$U" dump "$tmp/flip.umt"
if check flip 2; then
	lines=$(grep -vc '^#' "$tmp/flip.out")
	if ! has flip "chunk 3 at offset $off3: CRC mismatch" err; then
		fail flip "chunk 3 not named: $(head -c 300 "$tmp/flip.err")"
	elif [ "$lines" != $((N - n3)) ]; then
		fail flip "$lines lines, want $((N - n3))"
	else
		pass flip
	fi
fi

# --- newer minor with an unknown record type: accepted, warned once
"$T" --fixture newer "$tmp/newer.umt" 100 1024
r newer "$U" dump $A "$tmp/newer.umt"
if check newer 0; then
	nw=$(grep -c 'record type 99 unknown' "$tmp/newer.err")
	nu=$(grep -c ' unknown type=99 size=12$' "$tmp/newer.out")
	[ "$nw" = 1 ] && [ "$nu" = 10 ] && pass newer ||
		fail newer "$nw warnings, $nu unknown lines (want 1, 10)"
fi
r newerinfo "$U" info $A "$tmp/newer.umt"
if check newerinfo 0; then
	has newerinfo "unknown_99   10" out && has newerinfo ".umt 1.1" out &&
		pass newerinfo || fail newerinfo "$(head -c 300 "$tmp/newerinfo.out")"
fi

# --- refusals: newer major, not a trace, missing file, usage
"$T" --fixture major "$tmp/major.umt" 10
r major "$U" info "$tmp/major.umt"
if check major 2; then
	has major "major 2 not supported: this unmaptrace reads major 1" err &&
		pass major || fail major "$(cat "$tmp/major.err")"
fi
printf 'GIF89a, not a trace at all\n' >"$tmp/gif"
r magic "$U" dump "$tmp/gif"
check magic 2 && { has magic "not a .umt trace" err && pass magic ||
	fail magic "$(cat "$tmp/magic.err")"; }
r missing "$U" info "$tmp/nonexistent.umt"
check missing 2 && { has missing "No such file" err && pass missing ||
	fail missing "$(cat "$tmp/missing.err")"; }
for sub in info dump; do
	r "usage_$sub" "$U" "$sub"
	check "usage_$sub" 2 && pass "usage_$sub"
	r "help_$sub" "$U" "$sub" --help
	if check "help_$sub" 0; then
		has "help_$sub" "USAGE: unmaptrace $sub" out &&
			has "help_$sub" "EXAMPLES:" out && pass "help_$sub" ||
			fail "help_$sub" "no USAGE:/EXAMPLES: block"
	fi
done
"$(dirname "$0")/vm.sh"
exit 0
