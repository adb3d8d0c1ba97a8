#!/usr/bin/env bash
# Install what unmaptrace needs from Debian's packages (as root), or say
# what to install.  Usage: scripts/deps.sh build|test
set -euo pipefail

build_pkgs="make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
libzstd-dev libjansson-dev pkg-config"
# test adds what the QEMU kernel matrix needs: qemu (TCG), busybox for the
# initramfs, cpio, e2fsprogs and xfsprogs (file systems in the guest),
# xz (modules); python3 and jq read JSON in the shell tests
test_pkgs="$build_pkgs qemu-system-x86 busybox-static cpio e2fsprogs
xfsprogs xz-utils debian-archive-keyring ca-certificates python3 jq
qemu-system-arm gcc-aarch64-linux-gnu"
# (arm64 guests: qemu-system-aarch64, the cross compiler for the static
# arm64 collector; its libraries and the plugin header come from Debian's
# :arm64 and source packages, fetched into the cache by
# tests/vm/sysroot-arm64.sh and tests/vm/plugin/qemu-plugin-header.sh)

case "${1:-build}" in
build) want=$build_pkgs ;;
test) want=$test_pkgs ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "unmaptrace: missing packages: ${missing[*]}" >&2
	echo "  install them with: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "  DEPS     apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# a fresh machine has no package lists yet
if ! apt-get install -y -q "${missing[@]}" >/tmp/unmaptrace-apt.log 2>&1; then
	apt-get update -q >>/tmp/unmaptrace-apt.log 2>&1
	apt-get install -y -q "${missing[@]}" >>/tmp/unmaptrace-apt.log 2>&1 || {
		echo "unmaptrace: apt-get install failed, see /tmp/unmaptrace-apt.log" >&2
		exit 1
	}
fi
