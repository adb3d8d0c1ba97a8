#!/bin/sh
# Guest side of tests/vm/victim.sh (busybox sh, runs as /guest/script):
#
#   victim.sh W1[,W2...] [WORKLOAD ARGS...]
#
# Records each umt-workload mode W with `unmaptrace record -- CMD`, which
# follows the victim: the calls kswapd, direct reclaim or another process
# make on the workload's memory.  Per W: /out/W.umt, W.record.log,
# W.dump (text dump), W.status (record_rc=, dump_rc=).
set -u
ws=$1
shift
out=${UMT_OUT:-/out}
prov() { sed -n "s/^$1=//p" /lib/umt/PROVENANCE 2>/dev/null; }
memkb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
for w in $(echo "$ws" | tr ',' ' '); do
	sync
	rm -f "${UMT_FS:-/mnt/umt}"/umt-file
	echo 3 >/proc/sys/vm/drop_caches
	/bin/unmaptrace record -o "$out/$w.umt" \
		--meta "workload=$w" --meta "kernel=$(uname -r)" \
		--meta "kernel.package=$(prov package)" \
		--meta "kernel.package_version=$(prov version)" \
		--meta "kernel.suite=$(prov suite)" \
		--meta "mthp=${UMT_MTHP:-none}" --meta "args=$*" \
		--meta "smp=${UMT_NCPU:-?}" --meta "mem_kb=$memkb" \
		-- /bin/umt-workload "$w" "$@" >"$out/$w.record.log" 2>&1
	echo "record_rc=$?" >"$out/$w.status"
	cat "$out/$w.record.log"
	/bin/unmaptrace dump "$out/$w.umt" >"$out/$w.dump" 2>&1
	echo "dump_rc=$?" >>"$out/$w.status"
	cat "$out/$w.status"
done
exit 0
