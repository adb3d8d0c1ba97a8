#!/bin/sh
# Guest side of `unmaptrace vm` (busybox sh, runs as /guest/script):
#
#   vm-record.sh [--mthp SIZE=MODE]... [--thp MODE] -- RECORD-ARGS...
#
# Puts the kernel's config (/lib/umt/kernel.config, from the host) where
# record reads it, /boot/config-$(uname -r); sets the THP knobs asked for;
# then runs, in the ext4 scratch fs
# ($UMT_FS, else /tmp) with /guest (the --file copies) first in PATH:
#
#   unmaptrace record -o /out/trace.umt RECORD-ARGS...
#
# RECORD-ARGS end with "-- CMD [ARGS...]".  /out comes back to the host.
# Exit status: record's; 2 when a THP knob or the config cannot be set.
set -u
thp=/sys/kernel/mm/transparent_hugepage
while [ $# -gt 0 ]; do
	case $1 in
	--mthp)
		size=${2%%=*}
		mode=${2#*=}
		if ! echo "$mode" >"$thp/hugepages-$size/enabled"; then
			echo "vm-record.sh: --mthp $2: cannot set" \
				"$thp/hugepages-$size/enabled on $(uname -r)" \
				"(sizes here: $(ls "$thp" | sed -n 's/^hugepages-//p' |
				tr '\n' ' '))" >&2
			exit 2
		fi
		shift 2
		;;
	--thp)
		if ! echo "$2" >"$thp/enabled"; then
			echo "vm-record.sh: --thp $2: cannot set $thp/enabled" >&2
			exit 2
		fi
		shift 2
		;;
	--)
		shift
		break
		;;
	*)
		echo "vm-record.sh: unknown argument $1" >&2
		exit 2
		;;
	esac
done
if [ -f /lib/umt/kernel.config ]; then
	mkdir -p /boot &&
		cp /lib/umt/kernel.config "/boot/config-$(uname -r)" || exit 2
fi
export PATH=/guest:$PATH
cd "${UMT_FS:-/tmp}" || exit 2
# record's stderr (and CMD's) through a pipe: not a tty, so record prints
# its summary line and no \r status once a second; stdout stays as it is
set -o pipefail
{ /bin/unmaptrace record -o "${UMT_OUT:-/out}/trace.umt" "$@" 2>&1 1>&3 |
	cat >&2; } 3>&1
