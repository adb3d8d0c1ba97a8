#!/usr/bin/env bash
# The arm64 sysroot: Debian bookworm :arm64 packages unpacked with
# dpkg-deb -x (no dpkg --add-architecture), through kernels.sh's private
# arm64 apt state.  It serves the static cross build of unmaptrace (libbpf,
# libelf, zlib, zstd, jansson static libraries) and the arm64 guests'
# initramfs (busybox-static, mke2fs with its shared libraries).
#
#   sysroot-arm64.sh        prints the sysroot directory, made on first use
#
# Lives in ${UMT_CACHE:-<top>/.cache}/sysroot-arm64; PROVENANCE there lists
# each .deb and its sha256.  bookworm: the same libbpf/glibc generation as
# the host's cross compiler (gcc-aarch64-linux-gnu 12, glibc 2.36).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${UMT_CACHE:-$top/.cache}
dir=$cache/sysroot-arm64
suite=bookworm
pkgs="libc6 busybox-static libbpf1 libbpf-dev libelf1 libelf-dev
zlib1g zlib1g-dev libzstd1 libzstd-dev libjansson4 libjansson-dev e2fsprogs
libext2fs2 libcom-err2 libblkid1 libuuid1 libss2"

if [ -f "$dir/PROVENANCE" ] && [ "$(sed -n 's/^pkgs=//p' "$dir/PROVENANCE")" = "$(echo $pkgs)" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$cache"
lock=$cache/.sysroot-arm64.lock
exec 9>"$lock"
flock 9
tmp=$(mktemp -d "$cache/sysroot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
debs=$(UMT_ARCH=arm64 "$here/kernels.sh" debs "$suite" $pkgs) || {
	echo "sysroot-arm64.sh: downloading arm64 packages failed" >&2
	exit 1
}
{
	echo "suite=$suite"
	echo "pkgs=$(echo $pkgs)"
} >"$tmp/PROVENANCE"
mkdir -p "$tmp/root"
for d in $debs; do
	dpkg-deb -x "$d" "$tmp/root"
	echo "deb=$(basename "$d") sha256=$(sha256sum "$d" | cut -d' ' -f1)" >>"$tmp/PROVENANCE"
done
mv "$tmp/PROVENANCE" "$tmp/root/"
rm -rf "$dir"
mv "$tmp/root" "$dir"
echo "$dir"
