#!/bin/sh
# Guest side of tests/vm/matrix.sh (busybox sh, runs as /guest/script):
#
#   matrix-guest.sh WORKLOAD [WORKLOAD ARGS...]
#
# WORKLOAD is a umt-workload mode, or MODE-xfs for a file mode on the XFS
# scratch fs ($UMT_XFS).
# 1. unmaptrace features --json            -> /out/features.json
# 2. record: unmaptrace record around the workload -> /out/W.umt, W.record.log
# 3. probe:  ftrace-count.sh around a SEPARATE run -> /out/W.ftrace, W.ftrace.log
# The two never run at once.  /out/W.status gets the exit codes and times.
# Exit status: 0 unless a step could not run at all.
set -u
w=$1
shift
# W-xfs: the same mode on the XFS scratch fs (large file folios from 5.18)
mode=$w
case $w in
*-xfs)
	mode=${w%-xfs}
	if [ -z "${UMT_XFS:-}" ]; then
		echo "umt-workload: SKIP: no XFS in this guest (host lacks xfsprogs)" |
			tee "${UMT_OUT:-/out}/$w.ftrace.log"
		printf 'record_rc=77\nftrace_rc=77\n' >"${UMT_OUT:-/out}/$w.status"
		exit 0
	fi
	set -- "$@" --file "$UMT_XFS/umt-file"
	;;
esac
out=${UMT_OUT:-/out}
bin=/bin/unmaptrace
wl=/bin/umt-workload
st=$out/$w.status
now() { cut -d' ' -f1 /proc/uptime; }

echo "kernel=$(uname -r)" >"$st"
echo "workload=$w $*" >>"$st"
echo "mthp=${UMT_MTHP:-}" >>"$st"

# Between the two runs: no page cache or file left from the previous one.
reset_state() {
	sync
	rm -f "${UMT_FS:-/mnt/umt}"/umt-file "${UMT_XFS:-/mnt/umt-xfs}"/umt-file
	echo 3 >/proc/sys/vm/drop_caches
}

# arm64: the guest's text symbols, for the TLBI plugin's PCs
# (tests/vm/plugin/tlbi-attribute.py)
if [ "$(uname -m)" = aarch64 ] && [ ! -f "$out/kallsyms.gz" ]; then
	grep ' [tTwW] ' /proc/kallsyms | gzip -1 >"$out/kallsyms.gz"
fi
# ... and where try_to_unmap_one lies, for the plugin (it reads the console)
if [ "$(uname -m)" = aarch64 ]; then
	awk '$3 == "try_to_unmap_one" { s = $1; getline; print "UMT-TTU-RANGE", s, $1; exit }' /proc/kallsyms
fi

if [ -x $bin ]; then
	$bin features --json >"$out/features.json" 2>"$out/features.err"
	echo "features_rc=$?" >>"$st"
else
	echo "features_rc=absent" >>"$st"
fi

# --- the recording step (the collector's CLI: unmaptrace record) -----------
# One function, so the collector's interface can change in one place.
# provenance of the kernel package, as kernels.sh fetched it
prov() { sed -n "s/^$1=//p" /lib/umt/PROVENANCE 2>/dev/null; }

record_workload() {
	$bin record -o "$out/$w.umt" \
		--meta "workload=$w" --meta "kernel=$(uname -r)" \
		--meta "kernel.package=$(prov package)" \
		--meta "kernel.package_version=$(prov version)" \
		--meta "kernel.suite=$(prov suite)" \
		--meta "mthp=${UMT_MTHP:-none}" --meta "args=$*" \
		--meta "smp=${UMT_NCPU:-?}" \
		-- $wl "$mode" "$@"
}

if [ -x $bin ]; then
	echo "== record $w"
	t0=$(now)
	record_workload "$@" >"$out/$w.record.log" 2>&1
	rc=$?
	t1=$(now)
	cat "$out/$w.record.log"
	echo "record_rc=$rc" >>"$st"
	echo "record_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" >>"$st"
	reset_state
else
	echo "record_rc=absent" >>"$st"
fi

# --- the independent ftrace probe ---------------------------------------------
echo "== ftrace $w"
t0=$(now)
/lib/umt/ftrace-count.sh -o "$out/$w.ftrace" -- $wl "$mode" "$@" >"$out/$w.ftrace.log" 2>&1
rc=$?
t1=$(now)
cat "$out/$w.ftrace.log"
echo "ftrace_rc=$rc" >>"$st"
echo "ftrace_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" >>"$st"
cat "$out/$w.ftrace" 2>/dev/null
exit 0
