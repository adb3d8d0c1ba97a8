#!/usr/bin/env bash
# Run unmaptrace's tests and print one closing line "N passed, N failed".
#
#   tests/run.sh            everything CI runs (unit cli record model diff
#                           damage vm)
#   tests/run.sh GROUP...   only these groups, or vm-full (whole matrix)
#
# Every test prints "PASS name" or "FAIL name: why" on its own line; this
# script counts those lines.  The build under test is an ASan+UBSan build in
# .output/asan, so every test also runs under the sanitizers.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(unit cli record model diff damage vm)

jobs=$(nproc 2>/dev/null || echo 2)
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export UMT_ASAN_OUT=$top/.output/asan
export UNMAPTRACE=$UMT_ASAN_OUT/unmaptrace	# binary the tests run
export UMT_TOP=$top

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== build (ASan/UBSan) =="
if ! make -s -j"$jobs" OUTPUT="$UMT_ASAN_OUT" BIN="$UNMAPTRACE" \
	EXTRA_CFLAGS="$san" EXTRA_LDFLAGS="$san" \
	"$UNMAPTRACE" unit-bins; then
	echo "FAIL build: make failed"
	echo "0 passed, 1 failed"
	exit 1
fi

run_group() {
	local g=$1
	case $g in
	unit)
		for t in "$UMT_ASAN_OUT"/tests/*; do
			[ -x "$t" ] || continue
			"$t" || echo "FAIL $(basename "$t"): exited $?"
		done
		;;
	vm-full)
		tests/vm/matrix.sh --full
		# the arm64 matrix: Debian's arm64 kernels (tests/vm/KERNELS.arm64)
		UMT_ARCH=arm64 UMT_VM_OUT=tests/out/vm-arm64 \
			tests/vm/matrix.sh --full ;;
	*)
		if [ -x "tests/$g/run.sh" ]; then
			"tests/$g/run.sh"
		else
			echo "FAIL $g: tests/$g/run.sh missing"
		fi
		;;
	esac
}

for g in "${groups[@]}"; do
	echo "== $g =="
	run_group "$g" 2>&1 | tee -a "$log"
done

pass=$(grep -c '^PASS ' "$log")
fail=$(grep -c '^FAIL ' "$log")
if [ "$fail" -ne 0 ]; then
	echo
	echo "failures:"
	grep '^FAIL ' "$log"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
