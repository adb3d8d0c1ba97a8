#!/usr/bin/env bash
# Print the path of the qemu-plugin.h that matches the installed
# qemu-system-arm, fetched on first use.  No Debian binary package ships
# the header (bookworm's QEMU 7.2 through sid's 11.1), so it comes from
# Debian's own source package of the installed version: apt-get source
# --download-only through a private deb-src apt state (checksums checked
# by apt against the signed Sources index), then include/qemu/qemu-plugin.h
# from the .orig tarball with any Debian patch to it applied.
#
# Cached in ${UMT_CACHE:-<top>/.cache}/qemu-plugin/<version>/ with a
# PROVENANCE file.  scripts/deps.sh test calls this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
cache=${UMT_CACHE:-$top/.cache}
die() { echo "qemu-plugin-header.sh: $*" >&2; exit 1; }

ver=$(dpkg-query -W -f='${source:Version}' qemu-system-arm 2>/dev/null) ||
	die "qemu-system-arm is not installed"
[ -n "$ver" ] || die "no version for qemu-system-arm"
dir=$cache/qemu-plugin/${ver//:/_}
if [ -s "$dir/qemu-plugin.h" ] && [ -f "$dir/PROVENANCE" ]; then
	echo "$dir/qemu-plugin.h"
	exit 0
fi
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
apt=$cache/apt-src
mkdir -p "$apt/etc" "$apt/lists/partial" "$apt/cache/archives/partial"
cat >"$apt/etc/src.sources" <<-SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
o=(-o "Dir::Etc::sourcelist=$apt/etc/src.sources"
	-o Dir::Etc::sourceparts=/dev/null -o "Dir::State::Lists=$apt/lists"
	-o Dir::State::status=/dev/null -o "Dir::Cache=$apt/cache"
	-o Debug::NoLocking=true -o APT::Sandbox::User=root)
apt-get -q "${o[@]}" update >&2 || die "apt-get update (deb-src) failed"
tmp=$(mktemp -d "$cache/qemu-src.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get -q "${o[@]}" source --download-only "qemu=$ver" >&2) ||
	die "apt-get source qemu=$ver failed"
orig=$(ls "$tmp"/qemu_*.orig.tar.* | head -1)
deb=$(ls "$tmp"/qemu_*.debian.tar.* | head -1)
mkdir -p "$tmp/x"
tar -xf "$orig" -C "$tmp/x" --wildcards '*/include/qemu/qemu-plugin.h' ||
	die "no include/qemu/qemu-plugin.h in $(basename "$orig")"
tar -xf "$deb" -C "$tmp/x"
h=$(find "$tmp/x" -path '*/include/qemu/qemu-plugin.h' | head -1)
srcdir=${h%/include/qemu/qemu-plugin.h}
patched=""
if [ -f "$tmp/x/debian/patches/series" ]; then
	while read -r p _; do
		case $p in '' | '#'*) continue ;; esac
		if grep -q '^+++ .*include/qemu/qemu-plugin.h' "$tmp/x/debian/patches/$p"; then
			filterdiff -i '*include/qemu/qemu-plugin.h' "$tmp/x/debian/patches/$p" |
				patch -s -p1 -d "$srcdir" || die "debian patch $p failed"
			patched+=" $p"
		fi
	done <"$tmp/x/debian/patches/series"
fi
mkdir -p "$dir"
cp "$h" "$dir/qemu-plugin.h"
{
	echo "source=qemu $ver (Debian $codename)"
	echo "from=$(basename "$orig") sha256=$(sha256sum "$orig" | cut -d' ' -f1)"
	echo "debian=$(basename "$deb") sha256=$(sha256sum "$deb" | cut -d' ' -f1)"
	echo "debian_patches_applied=${patched:-none}"
	echo "plugin_api=$(sed -n 's/^#define QEMU_PLUGIN_VERSION \([0-9]*\)/\1/p' "$dir/qemu-plugin.h")"
} >"$dir/PROVENANCE"
echo "$dir/qemu-plugin.h"
