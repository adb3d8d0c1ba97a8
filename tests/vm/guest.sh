#!/usr/bin/env bash
# Boot one QEMU (TCG) guest on a Debian cloud kernel and run a script in it.
#
#   guest.sh --kernel NAME|RELEASE [--smp N] [--mem MB] [--timeout SEC]
#            [--modules M1,M2] [--file HOSTPATH[:GUESTPATH]]...
#            [--boot-retries N (default 1)] [--accel tcg|kvm|auto]
#            --out DIR -- GUEST_SCRIPT [ARGS...]
#
# The kernel comes from kernels.sh (fetched on first use); --kernel may
# also be a directory laid out like kernels.sh's cache (vmlinuz, PROVENANCE
# with release=, optional config and modules/: a kernel you built).  The initramfs
# holds busybox, mke2fs (+ its shared libraries), brd.ko (decompressed:
# busybox insmod cannot read .ko.xz), $UMT_BIN if it exists (as
# /bin/unmaptrace), the static workloads (/bin/umt-workload), the guest
# helpers (/lib/umt/) and GUEST_SCRIPT (/guest/script).
#
# Inside the guest /init mounts proc, sysfs, devtmpfs, tracefs
# (/sys/kernel/tracing), debugfs, bpffs (/sys/fs/bpf) and cgroup2
# (/sys/fs/cgroup, +memory delegated), makes swap on /dev/ram0 and an ext4
# on /dev/ram1 mounted at /mnt/umt, then runs GUEST_SCRIPT with these set:
#
#   UMT_OUT=/out         files written here come back into DIR
#   UMT_FS=/mnt/umt      ext4 scratch file system (on /dev/ram1)
#   UMT_XFS=/mnt/umt-xfs xfs on /dev/ram2 (empty if the host lacks xfsprogs)
#   UMT_SWAP=/dev/ram0   swap device (already on)
#   UMT_KREL=<uname -r>  UMT_NCPU=<online cpus>
#
# Transport: the guest script's stdout/stderr go to the console (ttyS0) and
# into DIR/console.log; /out comes back as a base64 tar.gz on a second
# UART (ttyS1, 8250: built in on every Debian kernel, unlike virtio_blk
# which is a module) between marker lines, and so does the script's exit
# status.  The runner exits with that status; 124 and a message on
# timeout, 125 if the guest never reported (boot failure, panic).
#
# --accel (default tcg, or $UMT_ACCEL): kvm boots with KVM; auto tries KVM
# when /dev/kvm is usable and the guest arch is the host's, and falls back
# to TCG when QEMU exits or the guest has not started its script within
# $UMT_KVM_DEADLINE seconds (default 20: KVM hangs or aborts on some
# hosts, see kernels-and-vms.md); the failure is kept in
# $UMT_CACHE/kvm-failed and KVM not tried again with the same host kernel
# and QEMU.  A --file that is a dynamically linked program gets
# its shared libraries copied in too.  UMT_PROGRESS=1: one
# "guest.sh: progress: ..." line on stderr per phase (initramfs, boot).
#
# UMT_ARCH=arm64: an arm64 kernel (tests/vm/KERNELS.arm64) under
# qemu-system-aarch64 -M virt, with busybox and mke2fs from the arm64
# sysroot (sysroot-arm64.sh) and the .output/static-arm64 binaries.  The
# virt board has one UART: the results come back over the console.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
arch=${UMT_ARCH:-x86}
[ "$arch" = aarch64 ] && arch=arm64
sfx=""
[ "$arch" = arm64 ] && sfx=-arm64
export UMT_ARCH=$arch
umt_bin=${UMT_BIN:-$top/.output/static$sfx/unmaptrace}
wl_bin=${UMT_WORKLOAD_BIN:-$top/.output/static$sfx/umt-workload}

kernel="" smp=1 mem=1024 timeout=600 out="" modules="brd" extra=() retries=1
accel=${UMT_ACCEL:-tcg}
die() { echo "guest.sh: $*" >&2; exit 125; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d; s/^# \{0,1\}//; p}' "$0"; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--modules) modules=$2; shift 2 ;;
	--boot-retries) retries=$2; shift 2 ;;
	--file) extra+=("$2"); shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
[ -n "$kernel" ] && [ -n "$out" ] && [ $# -ge 1 ] || usage
script=$1
shift
[ -f "$script" ] || die "no guest script $script"
case $accel in tcg | kvm | auto) ;; *) usage ;; esac
progress() { [ -z "${UMT_PROGRESS:-}" ] || echo "guest.sh: progress: $*" >&2; }

kdir=$("$here/kernels.sh" fetch "$kernel" | tail -1) || die "kernel $kernel unavailable"
rel=$(sed -n 's/^release=//p' "$kdir/PROVENANCE")
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The workloads are ours: build them if missing or stale.
if [ -z "${UMT_WORKLOAD_BIN:-}" ]; then
	wcc=()
	[ "$arch" = arm64 ] && wcc=(CC=aarch64-linux-gnu-gcc)
	make -s -C "$top/tests/workloads" "${wcc[@]}" OUT="$(dirname "$wl_bin")" >&2 ||
		die "building tests/workloads failed"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/umt-guest.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,out,guest,mnt/umt,lib/umt,lib/modules,lib64,etc,root}

# --- busybox ---------------------------------------------------------------
if [ "$arch" = arm64 ]; then
	sysroot=$("$here/sysroot-arm64.sh") || die "no arm64 sysroot"
	bb=$sysroot/bin/busybox
	[ -x "$bb" ] || die "no busybox in $sysroot"
else
	bb=$(command -v busybox) || die "busybox not installed (busybox-static)"
fi
if [ "$arch" = x86 ] && ldd "$bb" >/dev/null 2>&1; then
	die "$bb is dynamically linked (install busybox-static)"
fi
cp "$bb" "$root/bin/busybox"

# --- mke2fs and its shared libraries ---------------------------------------
# Program or library $1 to $root/$2, with the shared libraries it needs.
copy_dyn() {
	cp -L "$1" "$root/$2"
	copy_libs "$1"
}
# x86: what ldd resolves on this host (the loader included); arm64: the
# DT_NEEDED libraries from the sysroot, recursively.  None for a static
# program or a script.
copy_libs() {
	local f=$1 lib d
	if [ "$arch" = arm64 ]; then
		for lib in $(aarch64-linux-gnu-readelf -d "$f" 2>/dev/null |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$root/lib/$lib" ] && continue
			for d in lib usr/lib ""; do
				[ -n "$d" ] || die "arm64 $lib (for $f) missing in $sysroot"
				[ -e "$sysroot/$d/aarch64-linux-gnu/$lib" ] && break
			done
			mkdir -p "$root/lib"
			copy_dyn "$sysroot/$d/aarch64-linux-gnu/$lib" "lib/$lib"
		done
		return 0
	fi
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$root/$(dirname "$lib")"
		cp -Ln "$lib" "$root/$lib" 2>/dev/null || true
	done
}
if [ "$arch" = arm64 ]; then
	copy_dyn "$sysroot/sbin/mke2fs" sbin/mke2fs
	cp -L "$sysroot/lib/ld-linux-aarch64.so.1" "$root/lib/"
	UMT_NO_XFS=1
else
	mke2fs=$(command -v mke2fs || echo /usr/sbin/mke2fs)
	[ -x "$mke2fs" ] || die "mke2fs not installed (e2fsprogs)"
	copy_dyn "$mke2fs" sbin/mke2fs
fi
# XFS (large file folios since 5.18, unlike ext4 before 6.16) when the
# host has xfsprogs: mkfs.xfs goes in and xfs.ko is loaded.
if mkxfs=$(command -v mkfs.xfs || ls /usr/sbin/mkfs.xfs /sbin/mkfs.xfs 2>/dev/null | head -1) &&
	[ -n "$mkxfs" ] && [ -z "${UMT_NO_XFS:-}" ]; then
	copy_dyn "$mkxfs" sbin/mkfs.xfs
	modules+=",xfs"
fi
[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$root/etc/"

# --- modules (decompressed), dependencies first ----------------------------
moddir=$kdir/modules
modpath() {	# module name -> path relative to modules/
	local n=${1//-/_} p
	p=$(find "$moddir/kernel" -regextype posix-extended \
		-regex ".*/(${n}|${n//_/-})\.ko(\.xz|\.zst|\.gz)?" | head -1)
	echo "${p#"$moddir"/}"
}
decomp() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}
declare -A seen=()
loadlist=()
addmod() {
	local n=${1//-/_} p deps d
	[ -n "${seen[$n]:-}" ] && return
	seen[$n]=1
	p=$(modpath "$n")
	if [ -z "$p" ]; then
		# built in (modules.builtin) or absent: either way, nothing to load
		grep -qE "/${n}\.ko$" "$moddir/modules.builtin" 2>/dev/null ||
			echo "guest.sh: note: module $n not found for $rel" >&2
		return
	fi
	deps=$(decomp "$moddir/$p" | strings | sed -n 's/^depends=//p' | head -1)
	for d in ${deps//,/ }; do addmod "$d"; done
	decomp "$moddir/$p" >"$root/lib/modules/$n.ko"
	loadlist+=("$n")
}
if [ -d "$moddir/kernel" ]; then
	for m in ${modules//,/ }; do addmod "$m"; done
else
	echo "guest.sh: note: no modules for $rel ($moddir): swap and the" \
		"scratch fs need brd built in" >&2
fi
printf '%s\n' "${loadlist[@]}" >"$root/lib/modules/load.list"

# --- our binaries and scripts ----------------------------------------------
if [ -x "$umt_bin" ]; then
	cp "$umt_bin" "$root/bin/unmaptrace"
else
	echo "guest.sh: note: $umt_bin not built; /bin/unmaptrace absent" >&2
fi
[ -x "$wl_bin" ] && cp "$wl_bin" "$root/bin/umt-workload"
for f in "$here"/guest/*.sh; do [ -f "$f" ] && cp "$f" "$root/lib/umt/"; done
cp "$here/ftrace-count.sh" "$root/lib/umt/"
cp "$script" "$root/guest/script"
chmod +x "$root/guest/script" "$root"/lib/umt/*.sh
if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi >"$root/guest/args"
for e in "${extra[@]}"; do
	src=${e%%:*}
	dst=${e#*:}
	[ "$dst" = "$e" ] && dst=/guest/$(basename "$src")
	mkdir -p "$root/$(dirname "$dst")"
	cp -aH "$src" "$root/$dst"
	if [ -f "$src" ]; then copy_libs "$src"; fi
done
cp "$here/guest/init" "$root/init"
chmod +x "$root/init"

progress "initramfs: $rel, busybox, mke2fs, ${loadlist[*]:-no modules}," \
	"$( [ -x "$umt_bin" ] && echo unmaptrace || echo 'NO unmaptrace'), ${#extra[@]} file(s)"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

# --- boot --------------------------------------------------------------------
# -cpu max,la57=off: TCG's "max" CPU offers 5-level paging and Debian
# kernels (CONFIG_X86_5LEVEL=y up to 6.15, unconditional after) would use
# it; real x86 servers this tool targets mostly run 4-level page tables and
# the collector walks page tables, so keep the guest on 4 levels.
# -accel tcg by default: KVM hangs on this project's host
# (kernels-and-vms.md); --accel auto tries it first, under a deadline.
console=$out/console.log
data=$work/ttyS1.log
bootlog=$data
[ "$arch" = arm64 ] && bootlog=$console
host_arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
# KVM that failed once is not tried again on the same host kernel and QEMU
kvm_stamp=${UMT_CACHE:-$top/.cache}/kvm-failed
kvm_id="$(uname -r) $(qemu-system-x86_64 --version 2>/dev/null | head -1)"
use=tcg why=""
if [ "$accel" != tcg ]; then
	if [ "$host_arch" != "$arch" ]; then
		why="an $arch guest on an $host_arch host"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		why="/dev/kvm is not usable by $(id -un)"
	elif [ "$accel" = auto ] && [ -f "$kvm_stamp" ] &&
		[ "$(head -n1 "$kvm_stamp")" = "$kvm_id" ]; then
		why="it failed here before: $(tail -n1 "$kvm_stamp"); rm $kvm_stamp to retry"
	else
		use=kvm
	fi
	if [ -n "$why" ]; then
		[ "$accel" = kvm ] && die "--accel kvm: $why"
		progress "no KVM: $why: TCG"
	fi
fi
# qemu_cmd ACCEL: the QEMU command line into q[]
qemu_cmd() {
	if [ "$arch" = arm64 ]; then
		# -cpu max,lpa2=off: 48-bit VA, 4 levels (the arm64 la57=off;
		# Debian's CONFIG_ARM64_VA_BITS=52 would use LPA2);
		# pauth-impdef: QEMU's cheap pointer-auth hash (boot 6 s, not 15)
		local cpu=${UMT_ARM64_CPU:-max,pauth-impdef=on,lpa2=off}
		[ "$1" = kvm ] && cpu=host
		# shellcheck disable=SC2206
		q=(qemu-system-aarch64 -M virt -accel "$1" -cpu "$cpu"
			-m "$mem" -smp "$smp"
			-kernel "$kdir/vmlinuz" -initrd "$work/initrd.gz"
			-append "console=ttyAMA0 quiet panic=-1 umt_data=console ${UMT_APPEND:-}"
			-display none -monitor none -no-reboot
			${UMT_QEMU_EXTRA:-} -serial "file:$console")
	else
		q=(qemu-system-x86_64 -accel "$1" -cpu max,la57=off
			-m "$mem" -smp "$smp"
			-kernel "$kdir/vmlinuz" -initrd "$work/initrd.gz"
			-append "console=ttyS0 quiet panic=-1 ${UMT_APPEND:-}"
			-display none -monitor none -no-reboot
			-serial "file:$console" -serial "file:$data")
	fi
}
# run_qemu: one boot under $use, its status in qrc.  Under KVM, kvm_fail
# says why when the guest had not started its script: QEMU exited (it
# aborts on an MSR some hosts refuse) or the deadline passed (a hang: then
# it is stopped).
tpid=""
run_qemu() {
	local t=0 dl=${UMT_KVM_DEADLINE:-20}
	kvm_fail=""
	qemu_cmd "$use"
	if [ "$use" = tcg ]; then
		timeout --foreground -k 10 "$timeout" "${q[@]}" </dev/null
		qrc=$?
		return 0
	fi
	timeout --foreground -k 10 "$timeout" "${q[@]}" </dev/null \
		2>"$work/qemu-kvm.err" &
	tpid=$!
	while kill -0 "$tpid" 2>/dev/null && [ $t -lt $((dl * 5)) ] &&
		! grep -q '^UMT-BOOTED' "$bootlog" 2>/dev/null; do
		sleep 0.2
		t=$((t + 1))
	done
	if ! grep -q '^UMT-BOOTED' "$bootlog" 2>/dev/null; then
		if kill -0 "$tpid" 2>/dev/null; then
			kill -TERM "$tpid"
			kvm_fail="it had not started the guest in $dl s"
		fi
	fi
	wait "$tpid"
	qrc=$?
	tpid=""
	if [ -z "$kvm_fail" ] && ! grep -q '^UMT-BOOTED' "$bootlog"; then
		kvm_fail="qemu exited $qrc: $(grep -m1 -i 'error' \
			"$work/qemu-kvm.err" || tail -n1 "$work/qemu-kvm.err")"
	fi
	cat "$work/qemu-kvm.err" >&2
}
trap 'exit 130' INT TERM
trap '[ -z "$tpid" ] || kill -TERM "$tpid" 2>/dev/null; cleanup' EXIT
# A guest that dies before its script starts (never printed UMT-BOOTED) is
# booted again, up to --boot-retries times: TCG here very rarely
# double-faults during early boot (seen once on 6.12, in __kmalloc).
attempt=0
start=$(date +%s.%N)
while :; do
	attempt=$((attempt + 1))
	: >"$data"
	: >"$console"
	progress "boot: $rel under ${use^^}, $smp cpu, $mem MB$([ "$attempt" -gt 1 ] &&
		echo " (attempt $attempt)")"
	set +e
	run_qemu
	[ "$arch" = arm64 ] && cp "$console" "$data"
	set -e
	if [ -n "$kvm_fail" ]; then
		progress "boot: no KVM ($kvm_fail): TCG"
		printf '%s\n%s\n' "$kvm_id" "$kvm_fail" >"$kvm_stamp" 2>/dev/null || true
		mv "$console" "$out/console.kvm.log"
		use=tcg
		attempt=$((attempt - 1))
		continue
	fi
	if grep -q '^UMT-BOOTED' "$data" || [ "$qrc" -eq 124 ] ||
		[ "$qrc" -eq 137 ] || [ "$attempt" -gt "$retries" ]; then
		break
	fi
	mv "$console" "$out/console.boot$attempt.log"
	echo "guest.sh: $rel did not boot (attempt $attempt, see" \
		"console.boot$attempt.log); booting again" >&2
done
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

# --- results -------------------------------------------------------------------
tr -d '\r' <"$data" >"$work/data"
if sed -n '/^UMT-OUT-BEGIN$/,/^UMT-OUT-END$/p' "$work/data" | grep -q '^UMT-OUT-END$'; then
	sed -n '/^UMT-OUT-BEGIN$/,/^UMT-OUT-END$/{/^UMT-OUT-/d; p}' "$work/data" |
		base64 -d | tar -xzf - -C "$out" ||
		echo "guest.sh: warning: /out archive damaged" >&2
fi
grc=$(sed -n 's/^UMT-EXIT \([0-9]*\)$/\1/p' "$work/data" | tail -1)
boot=$(sed -n 's/^UMT-BOOTED \([0-9.]*\)$/\1/p' "$work/data" | tail -1)
{
	echo "kernel=$rel"
	echo "smp=$smp"
	echo "mem=$mem"
	echo "wall_seconds=$secs"
	echo "guest_uptime_at_script=${boot:-}"
	echo "qemu_rc=$qrc"
	echo "boot_attempts=$attempt"
	echo "accel=$use"
	echo "script_rc=${grc:-}"
} >"$out/guest.info"
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	echo "guest.sh: timeout after ${timeout}s ($rel); see $console" >&2
	exit 124
fi
if [ -z "$grc" ]; then
	echo "guest.sh: guest on $rel never reported an exit status (qemu rc $qrc," \
		"boot failure or panic?); last console lines:" >&2
	tail -n 15 "$console" >&2
	exit 125
fi
exit "$grc"
