#!/usr/bin/env bash
# The VM group of tests/run.sh: the quick kernel matrix (tests/vm/matrix.sh
# without --full) for every CI run.  matrix.sh builds the STATIC unmaptrace
# itself (make -C $UMT_TOP STATIC=1 OUTPUT=.output/static
# BIN=.output/static/unmaptrace: the guests have no shared libraries; the
# ASan $UNMAPTRACE of tests/run.sh cannot run there), fetches the kernels
# on first use (into ${UMT_CACHE:-$UMT_TOP/.cache}) and prints PASS/FAIL
# lines.  Extra arguments go to matrix.sh (e.g. --kernels 6.12 --size 64).
set -euo pipefail
top=${UMT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}

for t in qemu-system-x86_64 cpio gzip xz; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "FAIL vm/tools: $t missing (scripts/deps.sh test installs it)"
		exit 0
	fi
done
if ! command -v mke2fs >/dev/null 2>&1 && [ ! -x /usr/sbin/mke2fs ]; then
	echo "FAIL vm/tools: mke2fs missing (e2fsprogs)"
	exit 0
fi
unset UMT_BIN
# a fresh output tree: only this run's traces are checked below
export UMT_VM_OUT=${UMT_VM_OUT:-$top/tests/out/vm-ci}
rm -rf "$UMT_VM_OUT"
"$top/tests/vm/matrix.sh" "$@"

# The arm64 subset (301 s here, builds included, 2026-12-03): 6.1 through
# kprobes and 7.x with contpte, under the TLBI-counting QEMU plugin; needs
# qemu-system-aarch64 and the cross compiler (scripts/deps.sh test).
arm64_out=$UMT_VM_OUT-arm64
rm -rf "$arm64_out"
if command -v qemu-system-aarch64 >/dev/null 2>&1 &&
	command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
	UMT_ARCH=arm64 UMT_VM_OUT=$arm64_out "$top/tests/vm/matrix.sh" \
		--kernels "${UMT_ARM64_KERNELS:-6.1,7.x}" \
		--workloads "${UMT_ARM64_WORKLOADS:-anon-pageout,lazyfree}" \
		--size 32
else
	echo "FAIL vm/arm64/tools: qemu-system-aarch64 or aarch64-linux-gnu-gcc missing (scripts/deps.sh test)"
fi

# The model against the kernels just recorded: replay --check reproduces
# each fresh trace's live counts, with the binary under test (ASan).
bin=${UNMAPTRACE:-$top/unmaptrace}
for f in "$UMT_VM_OUT"/*/*.umt "$arm64_out"/*/*.umt; do
	[ -f "$f" ] || continue
	rel=$(basename "$(dirname "$f")")
	n=vm/check/${rel%%[-+]*}/$(basename "$f" .umt)
	case $rel in *-arm64) n=vm/check/arm64/${rel%%[-+]*}/$(basename "$f" .umt) ;; esac
	if "$bin" replay --check "$f" >"$f.check" 2>&1; then
		echo "PASS $n"
	else
		echo "FAIL $n: $(grep -m3 'MISMATCH\|lost\|ERROR\|error' \
			"$f.check" | tr '\n' ' ')"
	fi
done

# The recorder under faults (tests/vm/faults.sh: SIGINT, SIGTERM, SIGKILL,
# ENOSPC, record -o -; one x86 guest, 5 min 43 s to 8 min 32 s (with the
# static rebuild) here under TCG on a
# loaded host, 2026-12-03).  Off by default in make check: in two
# fresh-clone CI runs the 2-vCPU 7.3 TCG guest oopsed (int3 in a BPF
# trampoline / page_vma_mapped_walk+0x5 while it attached or detached),
# a guest-side race to chase; UMT_VM_FAULTS=1 runs it.
[ "${UMT_VM_FAULTS:-0}" = 1 ] &&
	"$top/tests/vm/faults.sh" "${UMT_VM_FAULTS_KERNEL:-7.x}"

# `unmaptrace vm` end to end on one kernel, by name and as an image file
# and on arm64 (tests/vm/vm-cmd.sh: three guests, 2 min 3 s here under
# TCG with the ASan build, 2026-12-03)
"$top/tests/vm/vm-cmd.sh" "${UMT_VM_CMD_KERNEL:-7.x}"

# Victim attribution (issue 9): kswapd, and another process's
# memory.reclaim, unmap a workload's memory under `record -- CMD`, then
# --cgroup, -a -- CMD and --reclaimer-only; one 7.x guest with 768 MB
# (143 s of guest, 153 s in all here, 2026-12-03).
"$top/tests/vm/victim.sh" --kernel "${UMT_VICTIM_KERNEL:-7.x}"
