#!/bin/sh
# scripts/kernel-ci.sh BASE CANDIDATE: record one workload on two
# kernels and gate the candidate, from the top of the tree.  Each kernel
# is a tests/vm/KERNELS name (6.12, 7.x, ...) or a kernel image file
# (your build: its modules and .config beside it, see unmaptrace vm
# --help).  Exit as diff: 0 pass, 1 regression, 2 broken, 3 not
# comparable (2 also for a damaged, lossy or empty trace).
set -u
base=${1:-6.12} cand=${2:-7.x}
out=ci-out
mkdir -p "$out"
make -s || exit 2
# record KERNEL LABEL: the workload on KERNEL into $out/LABEL.umt
record() {
	k=--kernel
	[ -f "$1" ] && k=--kernel-image
	./unmaptrace vm "$k" "$1" -o "$out/$2.umt" -- \
		--meta workload=lazyfree --meta kernel="$2" -- \
		umt-workload lazyfree --size 64
}
record "$base" base || exit 2
record "$cand" candidate || exit 2
rc=0
./unmaptrace diff "$out/base.umt" "$out/candidate.umt" || rc=$?
./unmaptrace diff --markdown "$out/base.umt" "$out/candidate.umt" \
	>"$out/diff.md"
exit $rc
