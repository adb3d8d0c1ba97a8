#!/bin/sh
# Guest side of tests/vm/victim.sh (busybox sh, runs as /guest/script):
#
#   victim.sh CASE[,CASE...] [WORKLOAD ARGS...]
#
# CASE is a umt-workload mode W (recorded with `unmaptrace record -- CMD`,
# which follows the victim: the calls kswapd, direct reclaim or another
# process make on the workload's memory), or MODE:W with MODE
#   cgroup     record --cgroup /umt-victim, W run inside that cgroup
#   all        record -a -- CMD (everything until CMD exits)
#   reclaimer  record --reclaimer-only -- CMD (the calls CMD makes)
#   pipe       record -o - -- CMD > N.umt, CMD printing to its stdout
#   empty      record -- /bin/true (W is ignored): a trace of 0 calls
# Per case N (W, or MODE-W): /out/N.umt, N.record.log, N.dump (text
# dump), N.status (record_rc=, dump_rc=).
set -u
cases=$1
shift
out=${UMT_OUT:-/out}
prov() { sed -n "s/^$1=//p" /lib/umt/PROVENANCE 2>/dev/null; }
memkb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
cg=/sys/fs/cgroup/umt-victim
for c in $(echo "$cases" | tr ',' ' '); do
	w=${c#*:}
	mode=
	[ "$w" != "$c" ] && mode=${c%%:*}
	n=${mode:+$mode-}$w
	sync
	rm -f "${UMT_FS:-/mnt/umt}"/umt-file
	echo 3 >/proc/sys/vm/drop_caches
	target=
	cmd="/bin/umt-workload $w $*"
	case $mode in
	cgroup)
		mkdir -p $cg
		target="--cgroup $cg"
		# CMD moves itself into the cgroup, then becomes the workload
		cmd="/bin/sh -c 'echo \$\$ >$cg/cgroup.procs && exec $cmd'"
		;;
	all) target=-a ;;
	reclaimer) target=--reclaimer-only ;;
	pipe) cmd="/bin/sh -c 'echo umt-pipe-stdout-marker && exec $cmd'" ;;
	empty) cmd=/bin/true ;;
	esac
	o=$out/$n.umt
	[ "$mode" = pipe ] && o=-
	eval /bin/unmaptrace record -o "$o" $target \
		--meta "workload=$w" --meta "record.mode=${mode:-victim}" \
		--meta "kernel=$(uname -r)" \
		--meta "kernel.package=$(prov package)" \
		--meta "kernel.package_version=$(prov version)" \
		--meta "kernel.suite=$(prov suite)" \
		--meta "mthp=${UMT_MTHP:-none}" --meta "'args=$*'" \
		--meta "smp=${UMT_NCPU:-?}" --meta "mem_kb=$memkb" \
		-- "$cmd" >"$out/$n.stdout" 2>"$out/$n.record.log"
	echo "record_rc=$?" >"$out/$n.status"
	if [ "$mode" = pipe ]; then
		mv "$out/$n.stdout" "$out/$n.umt"
	else
		cat "$out/$n.stdout" >>"$out/$n.record.log"
		rm -f "$out/$n.stdout"
	fi
	cat "$out/$n.record.log"
	/bin/unmaptrace dump "$out/$n.umt" >"$out/$n.dump" 2>&1
	echo "dump_rc=$?" >>"$out/$n.status"
	cat "$out/$n.status"
done
exit 0
