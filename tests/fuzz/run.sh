#!/usr/bin/env bash
# The libFuzzer harnesses (tests/fuzz/fuzz_*.c, built by `make fuzz-bins`
# with clang -fsanitize=fuzzer,address,undefined).
#
#   tests/fuzz/run.sh                 make check's smoke: a fixed number of
#                                     runs each (seconds), every regression
#                                     input run once; PASS/FAIL lines
#   tests/fuzz/run.sh --long [SEC]    make fuzz: SEC seconds each (600),
#                                     the corpus kept in .output/fuzz/
#   tests/fuzz/run.sh --long SEC NAME only that harness
#
# Seeds: every shipped trace under 40 KB cut to its first records in small
# chunks (mkseed), the reproducers of tests/damage/repro, tests/diff's
# report; dictionaries tests/fuzz/*.dict.  A crash, leak or UBSan report
# fails the run and leaves the input in the artifact directory: add it to
# tests/damage/repro (or tests/fuzz/regress/) as a regression input.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${UMT_FUZZ_OUT:-$top/.output/fuzz}
long=
secs=600
only=
if [ "${1:-}" = --long ]; then
	long=1
	secs=${2:-600}
	only=${3:-}
fi

pass() { echo "PASS fuzz_$1"; }
fail() { echo "FAIL fuzz_$1: $2"; }

if ! make -s -C "$top" -j2 OUTPUT="$(dirname "$out")" fuzz-bins >"$out.build.log" 2>&1; then
	fail build "make fuzz-bins: $(tail -3 "$out.build.log")"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- seeds (rebuilt each run: they follow the shipped traces)
mkdir -p "$work/seed-trace" "$work/seed-json" "$work/seed-rules"
n=0
while IFS= read -r f; do
	n=$((n + 1))
	"$out/mkseed" "$f" "$work/seed-trace/$n-$(basename "$f")" 24 1024 \
		2>/dev/null
done < <(find "$top/traces" -name '*.umt' -type f -size -40k | sort)
cp "$top"/tests/damage/repro/*.umt "$work/seed-trace/"
# what the fuzzers found: run first, every time (INITED runs each seed)
cp "$top"/tests/fuzz/regress/*.umt "$work/seed-trace/" 2>/dev/null
cp "$top"/tests/diff/*.json "$work/seed-json/"
printf '%s' 'tlb_flushes>+0%,tlbi>+0%,atomics>+0.5%&+8,ptep_get>+1%&+64' \
	>"$work/seed-rules/default"
printf '%s' '*>+0%' >"$work/seed-rules/all"
printf '%s' 'breakdown.tlb_flushes.*>+8,!ttu_calls>+2%' >"$work/seed-rules/glob"

# harness NAME: seed dir, dictionary, max input length, smoke runs
seed_of() { case $1 in reader|replay) echo seed-trace ;; diff) echo seed-json ;;
	rules) echo seed-rules ;; esac; }
dict_of() { case $1 in reader|replay) echo umt ;; diff) echo diff ;;
	rules) echo rules ;; esac; }
maxlen_of() { case $1 in reader|replay) echo 16384 ;; diff) echo 65536 ;;
	rules) echo 512 ;; esac; }
runs_of() { case $1 in reader) echo 20000 ;; replay) echo 2000 ;;
	diff) echo 3000 ;; rules) echo 50000 ;; esac; }

status=0
for h in reader replay diff rules; do
	[ -n "$only" ] && [ "$h" != "$only" ] && continue
	bin=$out/fuzz_$h
	art=$work/art-$h/
	mkdir -p "$art"
	opts=(-seed=15 -max_len="$(maxlen_of $h)" -dict="$here/$(dict_of $h).dict"
	      -artifact_prefix="$art" -close_fd_mask=3 -print_final_stats=1
	      -timeout=25 -rss_limit_mb=4096)
	if [ -n "$long" ]; then
		corpus=$out/corpus-$h
		mkdir -p "$corpus"
		log=$out/fuzz-$h.log
		echo "== fuzz_$h: $secs s, corpus $corpus, log $log"
		"$bin" "${opts[@]}" -max_total_time="$secs" "$corpus" \
			"$work/$(seed_of $h)" >"$log" 2>&1
		rc=$?
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		if [ "$rc" = 0 ]; then
			pass "${h}_long: $execs executions, $rate exec/s, $(ls "$corpus" | wc -l) corpus inputs"
		else
			fail "${h}_long" "exit $rc after $execs executions: $(grep -m1 -E 'ERROR|SUMMARY|runtime error' "$log")"
			cp -r "$art" "$out/artifacts-$h" 2>/dev/null
			status=1
		fi
		continue
	fi
	# the smoke: regression inputs once, then a fixed number of runs
	log=$work/$h.log
	mkdir -p "$work/corpus-$h"
	if "$bin" "${opts[@]}" -runs="$(runs_of $h)" "$work/corpus-$h" \
		"$work/$(seed_of $h)" >"$log" 2>&1; then
		pass "${h}_smoke ($(runs_of $h) runs, $(sed -n 's/^stat::average_exec_per_sec: *//p' "$log") exec/s)"
	else
		mkdir -p "$out/artifacts-$h"
		cp "$art"* "$out/artifacts-$h/" 2>/dev/null
		fail "${h}_smoke" "$(grep -m1 -E 'ERROR|SUMMARY|runtime error|Timeout' "$log") (input: $out/artifacts-$h/$(ls "$art" | head -1))"
	fi
done
exit $status
