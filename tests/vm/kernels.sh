#!/usr/bin/env bash
# Fetch Debian cloud kernels for the QEMU guest matrix (tests/vm/KERNELS).
#
#   kernels.sh list [NAME...]      NAME -> release the pattern resolves to now
#   kernels.sh names               the NAMEs of the KERNELS file, one a line
#   kernels.sh fetch NAME...       download + unpack; prints the kernel dirs
#   kernels.sh update              refresh the private package lists
#   kernels.sh release NAME        just the release string (for scripts)
#   kernels.sh debs SUITE PKG...   download other packages of SUITE (for
#                                  the arm64 sysroot); prints the .deb paths
#
# Everything lives under ${UMT_CACHE:-<top>/.cache}: a private apt state
# (apt/), downloaded .debs (debs/) and the unpacked kernels:
#
#   kernels/<release>/vmlinuz      the kernel image
#   kernels/<release>/config       its .config
#   kernels/<release>/modules/     lib/modules/<release> (still .ko.xz)
#   kernels/<release>/PROVENANCE   suite, packages, versions, .deb sha256
#
# The machine's own apt sources and state are never read or written.
# NAME may also be a literal release already in the cache, or (with a
# slash) a directory laid out like kernels/<release>/ (a kernel you built).
# UMT_ARCH=arm64: Debian's arm64 kernels from tests/vm/KERNELS.arm64, with
# their own private apt state (apt-arm64/, Architectures: arm64).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${UMT_CACHE:-$top/.cache}
debarch=amd64 ksuffix=""
case ${UMT_ARCH:-x86} in
x86 | amd64 | x86_64) ;;
arm64 | aarch64) debarch=arm64 ksuffix=.arm64 ;;
*) echo "kernels.sh: UMT_ARCH=$UMT_ARCH: x86 or arm64" >&2; exit 2 ;;
esac
kfile=${UMT_KERNELS_FILE:-$here/KERNELS$ksuffix}
aptdir=$cache/apt${ksuffix/./-}
suites_all="bullseye bookworm trixie trixie-backports sid"

die() { echo "kernels.sh: $*" >&2; exit 1; }

apt_opts() {
	printf '%s\n' \
		-o "Dir::Etc::sourcelist=$aptdir/etc/umt.sources" \
		-o Dir::Etc::sourceparts=/dev/null \
		-o "Dir::State::Lists=$aptdir/lists" \
		-o "Dir::State::status=/dev/null" \
		-o "Dir::Cache=$aptdir/cache" \
		-o APT::Get::AllowUnauthenticated=false \
		-o Debug::NoLocking=true \
		-o APT::Sandbox::User=root \
		-o "APT::Architecture=$debarch" -o "APT::Architectures=$debarch"
}

apt_setup() {
	mkdir -p "$aptdir/etc" "$aptdir/lists/partial" \
		"$aptdir/cache/archives/partial"
	cat >"$aptdir/etc/umt.sources" <<-EOF
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: $suites_all
	Components: main
	Architectures: $debarch
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
}

apt_update() {
	apt_setup
	local -a o
	mapfile -t o < <(apt_opts)
	echo "kernels.sh: updating private package lists in $aptdir" >&2
	apt-get -q "${o[@]}" update >&2 ||
		die "apt-get update failed (network?)"
}

# Refresh the lists when missing or older than a day.
lists_ready() {
	apt_setup
	local f
	f=$(find "$aptdir/lists" -maxdepth 1 -name "*_sid_main_binary-${debarch}_Packages*" \
		-mtime -1 2>/dev/null | head -1)
	[ -n "$f" ] && return
	# stale lists still resolve (to what was newest then) when offline
	if ! (apt_update) && [ -n "$(find "$aptdir/lists" -maxdepth 1 \
		-name '*_Packages*' 2>/dev/null | head -1)" ]; then
		echo "kernels.sh: warning: using stale package lists" >&2
	fi
}

# Decompressed Packages index of one suite.
packages() {
	local s=$1 f
	f=$(find "$aptdir/lists" -maxdepth 1 \
		-name "deb.debian.org_debian_dists_${s}_main_binary-${debarch}_Packages*" | head -1)
	[ -n "$f" ] || die "no package list for suite $s"
	/usr/lib/apt/apt-helper cat-file "$f"
}

# "suite<TAB>package<TAB>version<TAB>depends" for each linux-{image,binary,
# modules,base}-* package of a suite.
index() {
	packages "$1" | awk -v s="$1" '
		/^Package: / { p = $2; v = ""; d = "" }
		/^Version: / { v = $2 }
		/^Depends: / { d = substr($0, 10) }
		/^$/ { if (p ~ /^linux-(image|binary|modules|base)-[0-9]/)
			print s "\t" p "\t" v "\t" d; p = "" }'
}

kernel_line() {
	local name=$1
	awk -v n="$name" '!/^#/ && NF >= 3 && $1 == n { print $2 "\t" $3; f = 1 }
		END { exit !f }' "$kfile" || die "no kernel '$name' in $kfile"
}

names() { awk '!/^#/ && NF >= 3 { print $1 }' "$kfile"; }

# Resolve NAME -> "suite<TAB>image-package<TAB>version<TAB>parts..." where
# parts are the split linux-binary/-modules/-base packages the image needs.
resolve() {
	local name=$1 line suites glob s idx best=""
	line=$(kernel_line "$name")
	suites=${line%%$'\t'*}
	glob=${line#*$'\t'}
	lists_ready
	local cand=()
	for s in ${suites//,/ }; do
		idx=$(index "$s")
		local p v d rel need ok part
		while IFS=$'\t' read -r _ p v d; do
			# shellcheck disable=SC2053
			[[ $p == linux-image-* && $p == $glob ]] || continue
			[[ $p == *-dbg || $p == *-unsigned ]] && continue
			rel=${p#linux-image-}
			# the split parts this image depends on must be in the suite
			need=""
			ok=1
			for part in binary modules; do
				if grep -q "linux-$part-$rel " <<<"$d"; then
					if grep -qP "^$s\tlinux-$part-\Q$rel\E\t\Q$v\E\t" <<<"$idx"; then
						need+=" linux-$part-$rel"
					else
						ok=0
					fi
				fi
			done
			[ $ok -eq 1 ] || continue
			cand+=("$v"$'\t'"$s"$'\t'"$p"$'\t'"$need")
		done <<<"$idx"
	done
	[ ${#cand[@]} -gt 0 ] || die "'$name': nothing in ${suites} matches $glob"
	# newest upstream version first (Debian versions of kernels sort with -V)
	best=$(printf '%s\n' "${cand[@]}" | sort -t $'\t' -k1,1V | tail -1)
	local v s2 p need
	IFS=$'\t' read -r v s2 p need <<<"$best"
	printf '%s\t%s\t%s\t%s\n' "$s2" "$p" "$v" "$need"
}

cmd_list() {
	local n r
	local -a ns
	if [ $# -gt 0 ]; then ns=("$@"); else mapfile -t ns < <(names); fi
	for n in "${ns[@]}"; do
		if r=$(resolve "$n" 2>/dev/null); then
			IFS=$'\t' read -r s p v _ <<<"$r"
			printf '%-6s -> %-34s (%s %s)\n' "$n" "${p#linux-image-}" "$s" "$v"
		else
			printf '%-6s -> (unresolved)\n' "$n"
		fi
	done
}

download() {
	local pkg=$1 ver=$2 debs=$cache/debs f
	mkdir -p "$debs"
	f=$(find "$debs" -maxdepth 1 -name "${pkg}_*.deb" | while read -r x; do
		[ "$(dpkg-deb -f "$x" Version)" = "$ver" ] && echo "$x"; done | head -1)
	if [ -z "$f" ]; then
		local -a o
		mapfile -t o < <(apt_opts)
		(cd "$debs" && apt-get -q "${o[@]}" download "$pkg=$ver" >&2) ||
			die "download of $pkg=$ver failed"
		f=$(find "$debs" -maxdepth 1 -name "${pkg}_*.deb" | while read -r x; do
			[ "$(dpkg-deb -f "$x" Version)" = "$ver" ] && echo "$x"; done | head -1)
		[ -n "$f" ] || die "$pkg=$ver: downloaded file not found"
	fi
	echo "$f"
}

fetch_one() {
	local name=$1 r s p v need rel kdir
	if [[ $name == */* ]]; then
		[ -s "$name/vmlinuz" ] && grep -q '^release=' "$name/PROVENANCE" ||
			die "$name: no vmlinuz or no release= in its PROVENANCE"
		(cd "$name" && pwd)
		return
	fi
	if [ -f "$cache/kernels/$name/PROVENANCE" ] && ! grep -qP "^\Q$name\E\s" "$kfile"; then
		echo "$cache/kernels/$name"	# a literal release, already here
		return
	fi
	r=$(resolve "$name")
	IFS=$'\t' read -r s p v need <<<"$r"
	rel=${p#linux-image-}
	kdir=$cache/kernels/$rel
	if [ -f "$kdir/PROVENANCE" ] && grep -qxF "version=$v" "$kdir/PROVENANCE" &&
		[ -s "$kdir/vmlinuz" ]; then
		echo "kernels.sh: $name -> $rel ($v) already in cache" >&2
		echo "$kdir"
		return
	fi
	echo "kernels.sh: $name -> $rel ($s $v)" >&2
	local tmp pk deb
	tmp=$(mktemp -d "$cache/unpack.XXXXXX")
	trap 'rm -rf "$tmp"' RETURN
	{
		echo "name=$name"
		echo "suite=$s"
		echo "package=$p"
		echo "version=$v"
		echo "release=$rel"
	} >"$tmp/PROVENANCE"
	for pk in "$p" $need; do
		deb=$(download "$pk" "$v")
		dpkg-deb -x "$deb" "$tmp/root"
		echo "deb=$(basename "$deb") sha256=$(sha256sum "$deb" | cut -d' ' -f1)" \
			>>"$tmp/PROVENANCE"
	done
	local root=$tmp/root vmlinuz="" config="" mods=""
	for f in "$root/boot/vmlinuz-$rel" "$root/usr/lib/modules/$rel/vmlinuz" \
		"$root/lib/modules/$rel/vmlinuz"; do
		[ -f "$f" ] && { vmlinuz=$f; break; }
	done
	for f in "$root/boot/config-$rel" "$root/usr/lib/modules/$rel/config" \
		"$root/lib/modules/$rel/config"; do
		[ -f "$f" ] && { config=$f; break; }
	done
	for f in "$root/usr/lib/modules/$rel" "$root/lib/modules/$rel"; do
		[ -d "$f/kernel" ] && { mods=$f; break; }
	done
	[ -n "$vmlinuz" ] || die "$rel: no vmlinuz in $p $need"
	[ -n "$mods" ] || die "$rel: no modules in $p $need"
	# config may live in linux-base-*; fetch it only if missing
	if [ -z "$config" ]; then
		local base=linux-base-$rel
		if deb=$(download "$base" "$v" 2>/dev/null); then
			dpkg-deb -x "$deb" "$root"
			echo "deb=$(basename "$deb") sha256=$(sha256sum "$deb" | cut -d' ' -f1)" \
				>>"$tmp/PROVENANCE"
			for f in "$root/boot/config-$rel" "$root/usr/lib/modules/$rel/config" \
				"$root/lib/modules/$rel/config"; do
				[ -f "$f" ] && { config=$f; break; }
			done
		fi
	fi
	rm -rf "$kdir"
	mkdir -p "$kdir"
	cp "$vmlinuz" "$kdir/vmlinuz"
	if [ -n "$config" ]; then
		cp "$config" "$kdir/config"
	else
		echo "kernels.sh: warning: $rel: no config found" >&2
	fi
	mv "$mods" "$kdir/modules"
	mv "$tmp/PROVENANCE" "$kdir/PROVENANCE"
	echo "$kdir"
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d; s/^# \{0,1\}//; p}' "$0"
	exit "${1:-0}"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
list) cmd_list "$@" ;;
names) names ;;
update) apt_update ;;
release)
	[ $# -eq 1 ] || usage 2
	r=$(resolve "$1")
	p=$(cut -f2 <<<"$r")
	echo "${p#linux-image-}"
	;;
fetch)
	[ $# -gt 0 ] || usage 2
	for n in "$@"; do fetch_one "$n"; done
	;;
debs)
	[ $# -ge 2 ] || usage 2
	s=$1
	shift
	lists_ready
	for p in "$@"; do
		v=$(packages "$s" | awk -v p="$p" '/^Package: / { f = $2 == p }
			f && /^Version: / && !v { v = $2 } END { print v }')
		[ -n "$v" ] || die "no package $p in $s ($debarch)"
		download "$p" "$v"
	done
	;;
-h | --help | help) usage 0 ;;
*) usage 2 ;;
esac
