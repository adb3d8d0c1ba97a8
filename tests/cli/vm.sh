#!/usr/bin/env bash
# `unmaptrace vm` without a guest: its usage errors, the errors that say
# what to do (no QEMU, an unknown kernel, a wrong image, no static build
# when installed), and --help.  The guest runs are tests/vm/vm-cmd.sh.
# One "PASS cli_vm_NAME" / "FAIL cli_vm_NAME: why" line per case.
set -uo pipefail
top=${UMT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
U=${UNMAPTRACE:-$top/unmaptrace}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# never a download from here: an empty cache, and no guest is booted
export UMT_CACHE=$tmp/cache
unset UMT_BIN

pass() { echo "PASS cli_vm_$1"; }
fail() { echo "FAIL cli_vm_$1: $2"; }

if [ ! -x "$U" ]; then
	fail setup "$U not built"
	exit 0
fi

# t NAME WANT_RC WANT_STDERR_TEXT CMD...: exit code, a sanitizer-clean
# stderr holding the text, and nothing booted (no "boot:" line)
t() {
	local n=$1 want=$2 text=$3 rc
	shift 3
	"$@" >"$tmp/$n.out" 2>"$tmp/$n.err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$n" "exit $rc, want $want: $(head -c 300 "$tmp/$n.err")"
	elif grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
		"$tmp/$n.err"; then
		fail "$n" "sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$tmp/$n.err")"
	elif ! grep -qF -- "$text" "$tmp/$n.err"; then
		fail "$n" "stderr lacks '$text': $(head -c 300 "$tmp/$n.err")"
	elif grep -q ': boot: ' "$tmp/$n.err"; then
		fail "$n" "a guest was booted"
	else
		pass "$n"
	fi
}

t no_cmd 2 "CMD missing" "$U" vm
t no_cmd2 2 "CMD missing" "$U" vm --kernel 6.12 --
t both_kernels 2 "not both" "$U" vm --kernel 6.12 --kernel-image /x -- true
t modules_alone 2 "go with --kernel-image" "$U" vm --modules /tmp -- true
t bad_arch 2 "x86 or arm64" "$U" vm --arch sparc -- true
t bad_mem 2 "--mem: a number" "$U" vm --mem 10 -- true
t bad_cpus 2 "--cpus: a number" "$U" vm --cpus x -- true
t bad_accel 2 "auto, kvm or tcg" "$U" vm --accel xen -- true
t bad_mthp 2 "SIZE=MODE" "$U" vm --mthp 64kB -- true
t rec_opts_open 2 "another '--'" "$U" vm -- -d 5 true
t no_file 2 "$tmp/nonexistent" "$U" vm --file "$tmp/nonexistent" -- true
t newline_arg 2 "newline" "$U" vm -- echo "a
b"

# An unknown kernel lists the names of tests/vm/KERNELS, each of them
names=$(awk '!/^#/ && NF >= 3 { print $1 }' "$top/tests/vm/KERNELS")
t bad_kernel 2 "no x86 kernel '9.99'" "$U" vm --kernel 9.99 -- true
for k in $names; do
	grep -q " $k " "$tmp/bad_kernel.err" ||
		fail bad_kernel_names "'$k' not listed: $(cat "$tmp/bad_kernel.err")"
done
names=$(awk '!/^#/ && NF >= 3 { print $1 }' "$top/tests/vm/KERNELS.arm64")
t bad_kernel_arm64 2 "no arm64 kernel '5.10'" "$U" vm --arch arm64 \
	--kernel 5.10 -- true
for k in $names; do
	grep -q " $k " "$tmp/bad_kernel_arm64.err" ||
		fail bad_kernel_arm64_names "'$k' not listed"
done

t image_missing 2 "--kernel-image $tmp/no-bzImage" "$U" vm \
	--kernel-image "$tmp/no-bzImage" -- true
t image_dir 2 "not a file" "$U" vm --kernel-image "$tmp" -- true
# an x86 bzImage header (HdrS at 0x202) for an arm64 guest
head -c 1024 /dev/zero >"$tmp/bzImage"
printf 'HdrS' | dd of="$tmp/bzImage" bs=1 seek=$((0x202)) conv=notrunc 2>/dev/null
t image_arch 2 "is an x86 kernel; this is an arm64 guest" "$U" vm \
	--arch arm64 --kernel-image "$tmp/bzImage" -- true
t image_modules 2 "--modules $tmp/nonexistent: not a directory" "$U" vm \
	--kernel-image "$tmp/bzImage" --modules "$tmp/nonexistent" -- true

# No QEMU in PATH: said, with the package to install, before any fetch.
# The PATH has what kernels.sh needs to list the names, nothing else.
mkdir -p "$tmp/empty" "$tmp/noqemu"
for x in bash env awk dirname sed; do
	ln -s "$(command -v $x)" "$tmp/noqemu/$x"
done
t no_qemu 1 "qemu-system-x86_64 not found: install QEMU" \
	env PATH="$tmp/noqemu" "$U" vm -- true
grep -q 'fetch:' "$tmp/no_qemu.err" && fail no_qemu_order "fetched first"

# Installed without the static build: the make command that provides it.
# The binary in a bin/ beside libexec/unmaptrace (make install-scripts),
# no source tree above it.
inst=$tmp/inst
if make -s -C "$top" install-scripts DESTDIR="$inst" PREFIX=/usr \
	>"$tmp/install.log" 2>&1; then
	mkdir -p "$inst/usr/bin"
	cp "$U" "$inst/usr/bin/unmaptrace"
	for f in guest.sh kernels.sh KERNELS KERNELS.arm64 guest/init \
		guest/vm-record.sh; do
		[ -e "$inst/usr/libexec/unmaptrace/$f" ] ||
			fail install_scripts "$f not installed"
	done
	# a fake qemu and cpio/busybox: the check under test comes after them
	for x in qemu-system-x86_64 cpio busybox; do
		printf '#!/bin/sh\nexit 0\n' >"$tmp/empty/$x"
		chmod +x "$tmp/empty/$x"
	done
	mkdir -p "$UMT_CACHE/kernels/9.9-test"
	: >"$UMT_CACHE/kernels/9.9-test/vmlinuz"
	printf 'release=9.9-test\nversion=9.9\n' \
		>"$UMT_CACHE/kernels/9.9-test/PROVENANCE"
	t installed_no_static 1 "make install-vm" env \
		PATH="$tmp/empty:/usr/bin:/bin" "$inst/usr/bin/unmaptrace" vm \
		--kernel 9.9-test -- true
else
	fail install_scripts "make install-scripts: $(tail -n 3 "$tmp/install.log")"
fi

r=help
"$U" vm --help >"$tmp/help.out" 2>&1
if [ $? -eq 0 ] && [ "$(grep -c 'USAGE: unmaptrace vm' "$tmp/help.out")" = 1 ] &&
	grep -q 'EXAMPLES:' "$tmp/help.out"; then
	pass $r
else
	fail $r "no single USAGE:/EXAMPLES: block"
fi
# every example's options are options of vm
bad=0
for o in $(sed -n '/^EXAMPLES:/,/^Exit/p' "$tmp/help.out" |
	grep -o -- ' --[a-z-]*' | sort -u); do
	# --meta goes to record, --size to the workload
	grep -q -- "^ *$o[= ]\|, $o[= ]" "$tmp/help.out" ||
		[ "$o" = --meta ] || [ "$o" = --size ] ||
		{ fail help_examples "example option $o is not a vm option"; bad=1; }
done
[ $bad -eq 0 ] && pass help_examples
exit 0
