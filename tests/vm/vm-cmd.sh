#!/usr/bin/env bash
# `unmaptrace vm` end to end, as a user runs it (part of tests/run.sh vm):
#
#   vm-cmd.sh [KERNEL]      default 7.x (UMT_VM_CMD_KERNEL)
#
# 1. --kernel KERNEL: a user's program given as ./hog (copied in by vm),
#    record options between two '--', a tiny lazyfree workload;
# 2. --kernel-image: the same kernel's Debian vmlinuz passed as a file,
#    its modules with --modules and its config found beside it;
# 3. --arch arm64 --kernel KERNEL (when qemu-system-aarch64 and the cross
#    compiler are here): the cross-built static binary, an arm64 workload.
# Each: exit 0, one progress line per phase in order, CMD's output on
# stdout, the trace's kernel is the one booted, its config came along,
# the metadata given to record is in it, and replay --check proves it.
set -uo pipefail
top=${UMT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
U=${UNMAPTRACE:-$top/unmaptrace}
kernel=${1:-${UMT_VM_CMD_KERNEL:-7.x}}
# the cache of the matrix (kernels.sh), not vm's per-user default
export UMT_CACHE=${UMT_CACHE:-$top/.cache}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS vm/cmd/$1"; }
fail() { echo "FAIL vm/cmd/$1: $2"; }

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	fail tools "qemu-system-x86_64 missing (scripts/deps.sh test)"
	exit 0
fi
if ! make -s -C "$top/tests/workloads" OUT="$tmp" >"$tmp/wl.log" 2>&1; then
	fail workload "$(tail -n 3 "$tmp/wl.log")"
	exit 0
fi
mv "$tmp/umt-workload" "$tmp/hog"

# check NAME RELEASE: the run's exit, progress, output and trace
check() {
	local n=$1 rel=$2 rc phases want got
	rc=$(cat "$tmp/$n.rc")
	if [ "$rc" != 0 ]; then
		fail "$n" "exit $rc: $(tail -n 12 "$tmp/$n.err" | tr '\n' '|')"
		return
	fi
	# one line per phase, in this order (fetch only for a NAME)
	want="initramfs boot record copy-out done"
	[ "$n" != image ] && want="fetch fetch build $want"
	[ "$n" = image ] && want="kernel build $want"
	got=$(sed -n 's/^unmaptrace vm: \([a-z-]*\): .*/\1/p' "$tmp/$n.err" |
		grep -v '^note$' | tr '\n' ' ')
	# a KVM attempt that fell back adds two boot lines
	got=$(echo "$got" | sed 's/boot boot boot /boot /; s/ $//')
	if [ "$got" = "$want" ]; then
		pass "$n/progress"
	else
		fail "$n/progress" "phases '$got', want '$want'"
	fi
	if grep -q 'done: lazyfree' "$tmp/$n.out"; then
		pass "$n/cmd-output"
	else
		fail "$n/cmd-output" "CMD's output not on stdout"
	fi
	"$U" info "$tmp/$n.umt" >"$tmp/$n.info" 2>&1
	# meta KEY VALUE: info shows that pair (exact, a release has '+')
	meta() { awk -v k="$1" -v v="$2" '$1 == k && $2 == v { f = 1 }
		END { exit !f }' "$tmp/$n.info"; }
	if meta kernel.release "$rel"; then
		pass "$n/kernel"
	else
		fail "$n/kernel" "not recorded on $rel: $(grep -m1 kernel.release "$tmp/$n.info")"
	fi
	if meta config.source "/boot/config-$rel" && meta workload vm-cmd; then
		pass "$n/meta"
	else
		fail "$n/meta" "no config.source /boot/config-$rel or workload=vm-cmd in info"
	fi
	if "$U" replay --check "$tmp/$n.umt" >"$tmp/$n.check" 2>&1; then
		pass "$n/replay-check"
	else
		fail "$n/replay-check" "$(grep -m3 'MISMATCH\|lost\|rror' "$tmp/$n.check" | tr '\n' ' ')"
	fi
}

# --- 1. by name, the user's program as ./hog -------------------------------
(
	cd "$tmp" && "$U" vm --accel "${UMT_VM_CMD_ACCEL:-tcg}" \
		--kernel "$kernel" -o name.umt -- --meta workload=vm-cmd -- \
		./hog lazyfree --size 16 >name.out 2>name.err
	echo $? >name.rc
)
kdir=$("$top/tests/vm/kernels.sh" fetch "$kernel" 2>/dev/null | tail -1)
rel=$(sed -n 's/^release=//p' "$kdir/PROVENANCE" 2>/dev/null)
if [ -z "$rel" ]; then
	fail name "kernel $kernel not in the cache after the run: $(tail -n 5 "$tmp/name.err")"
	exit 0
fi
check name "$rel"

# --- 2. the same Debian kernel as a file, /boot-style ----------------------
mkdir -p "$tmp/boot"
cp "$kdir/vmlinuz" "$tmp/boot/vmlinuz-$rel"
cp "$kdir/config" "$tmp/boot/config-$rel"
(
	cd "$tmp" && "$U" vm --accel "${UMT_VM_CMD_ACCEL:-tcg}" \
		--kernel-image "boot/vmlinuz-$rel" --modules "$kdir/modules" \
		-o image.umt -- --meta workload=vm-cmd -- \
		./hog lazyfree --size 16 >image.out 2>image.err
	echo $? >image.rc
)
check image "$rel"
if grep -q "kernel: .*release $rel, modules $kdir/modules, config $tmp/boot/config-$rel" \
	"$tmp/image.err"; then
	pass image/found-beside
else
	fail image/found-beside "$(grep -m1 'vm: kernel:' "$tmp/image.err")"
fi

# --- 3. arm64 -----------------------------------------------------------------
if ! command -v qemu-system-aarch64 >/dev/null 2>&1 ||
	! command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
	fail arm64/tools "qemu-system-aarch64 or aarch64-linux-gnu-gcc missing (scripts/deps.sh test)"
	exit 0
fi
if ! make -s -C "$top/tests/workloads" CC=aarch64-linux-gnu-gcc \
	OUT="$tmp/arm64" >"$tmp/wl-arm64.log" 2>&1; then
	fail arm64/workload "$(tail -n 3 "$tmp/wl-arm64.log")"
	exit 0
fi
mv "$tmp/arm64/umt-workload" "$tmp/hog-arm64"
(
	cd "$tmp" && "$U" vm --arch arm64 --kernel "$kernel" -o arm64.umt -- \
		--meta workload=vm-cmd -- ./hog-arm64 lazyfree --size 16 \
		>arm64.out 2>arm64.err
	echo $? >arm64.rc
)
kdir=$(UMT_ARCH=arm64 "$top/tests/vm/kernels.sh" fetch "$kernel" 2>/dev/null | tail -1)
rel=$(sed -n 's/^release=//p' "$kdir/PROVENANCE" 2>/dev/null)
if [ -z "$rel" ]; then
	fail arm64 "arm64 kernel $kernel not in the cache after the run: $(tail -n 5 "$tmp/arm64.err")"
	exit 0
fi
check arm64 "$rel"
exit 0
