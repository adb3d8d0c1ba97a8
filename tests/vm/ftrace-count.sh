#!/bin/sh
# Independent probe (runs in the guest, busybox sh): count with ftrace only,
# no BPF, what happens inside try_to_unmap_one for one command's own
# process (and its children and threads: options/function-fork).
#
#   ftrace-count.sh [-o FILE] [-k RAWTRACE] [-b BUFFER_KB] -- CMD [ARGS...]
#
# function_graph with set_graph_function = try_to_unmap_one and
# arch_tlbbatch_flush, set_ftrace_filter restricted to those plus the rmap
# removal (folio_remove_rmap_ptes >= 6.8, page_remove_rmap before) and
# flush_tlb_mm_range, set_ftrace_pid/set_event_pid = the command's pid and
# kmem:rss_stat enabled (it shows as a comment inside the graph).  The
# trace is parsed per CPU by nesting depth.  Output (FILE, default stdout),
# key=value:
#
#   ttuo_calls              try_to_unmap_one calls
#   rmap_fn, rmap_calls     the rmap removal function and its calls inside
#   flush_in_ttuo           flush_tlb_mm_range calls inside try_to_unmap_one
#   arch_tlbbatch_flush     arch_tlbbatch_flush calls by the process
#   rss_stat_in_ttuo        kmem:rss_stat events inside try_to_unmap_one
#   rss_stat_total          kmem:rss_stat events of the process, anywhere
#   lost                    ring-buffer overruns (counts are wrong if > 0)
#   cmd_rc, seconds         the command's exit status and wall time
#
# Exits with the command's status; 3 if ftrace is unusable.
set -eu

T=/sys/kernel/tracing
out=/dev/stdout
raw=""
bufkb=${UMT_FTRACE_BUFKB:-65536}
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	-k) raw=$2; shift 2 ;;
	-b) bufkb=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: ftrace-count.sh [-o FILE] -- CMD [ARGS]" >&2; exit 2; }

fail() { echo "ftrace-count: $*" >&2; exit 3; }
[ -d $T ] || mount -t tracefs tracefs $T 2>/dev/null || true
[ -w $T/current_tracer ] || fail "no tracefs at $T"
grep -qw function_graph $T/available_tracers || fail "no function_graph tracer"

have() { grep -q "^$1\( \|$\)" $T/available_filter_functions; }
have try_to_unmap_one || fail "try_to_unmap_one is not traceable here"
rmap_fn=none
for f in folio_remove_rmap_ptes page_remove_rmap; do
	if have $f; then rmap_fn=$f; break; fi
done
funcs="try_to_unmap_one"
[ $rmap_fn = none ] || funcs="$funcs $rmap_fn"
for f in flush_tlb_mm_range arch_tlbbatch_flush; do
	if have $f; then funcs="$funcs $f"; else echo "ftrace-count: note: $f not traceable" >&2; fi
done
roots="try_to_unmap_one"
have arch_tlbbatch_flush && roots="$roots arch_tlbbatch_flush"

echo 0 >$T/tracing_on
echo nop >$T/current_tracer
echo >$T/trace
echo >$T/set_event
echo "$bufkb" >$T/buffer_size_kb
echo "$funcs" | tr ' ' '\n' >$T/set_ftrace_filter
echo "$roots" | tr ' ' '\n' >$T/set_graph_function
echo 1 >$T/options/function-fork 2>/dev/null || true
echo 1 >$T/options/event-fork 2>/dev/null || true
echo 1 >$T/events/kmem/rss_stat/enable 2>/dev/null ||
	echo "ftrace-count: note: no kmem:rss_stat event" >&2
echo function_graph >$T/current_tracer

t0=$(cut -d' ' -f1 /proc/uptime)
set +e
sh -c 'T=/sys/kernel/tracing
	echo $$ >$T/set_ftrace_pid
	echo $$ >$T/set_event_pid 2>/dev/null
	echo 1 >$T/tracing_on
	exec "$@"' ftrace-count "$@"
rc=$?
set -e
echo 0 >$T/tracing_on
t1=$(cut -d' ' -f1 /proc/uptime)

lost=0
for s in $T/per_cpu/cpu*/stats; do
	n=$(sed -n 's/^overrun: //p' "$s")
	lost=$((lost + ${n:-0}))
done

[ -z "$raw" ] || cp $T/trace "$raw"
awk -v rmap="$rmap_fn" '
/^#/ { next }
{
	# " 0)   0.123 us    |    func() {" -> cpu, text after the first "|"
	if (!match($0, /^ *[0-9]+\)/))
		next
	cpu = substr($0, RSTART, RLENGTH) + 0
	p = index($0, "|")
	if (!p)
		next
	s = substr($0, p + 1)
	gsub(/^ +| +$/, "", s)
	d = depth[cpu] + 0
	inside = intt[cpu] + 0
	if (s ~ /^\/\* rss_stat/) {
		rss_total++
		if (inside)
			rss_in++
		next
	}
	if (s ~ /^}/) {
		if (d > 0) {
			if (stack[cpu, d] == "try_to_unmap_one")
				intt[cpu]--
			depth[cpu] = d - 1
		}
		next
	}
	if (!match(s, /^[A-Za-z0-9_.]+\(\)/))
		next
	fn = substr(s, 1, RLENGTH - 2)
	sub(/\..*$/, "", fn)	# foo.isra.0 / foo.constprop.0
	if (fn == "try_to_unmap_one")
		ttuo++
	else if (fn == rmap && inside)
		rmapn++
	else if (fn == "flush_tlb_mm_range" && inside)
		flush_in++
	else if (fn == "flush_tlb_mm_range")
		flush_out++
	else if (fn == "arch_tlbbatch_flush")
		batch++
	if (s ~ /\{ *$/) {
		depth[cpu] = d + 1
		stack[cpu, d + 1] = fn
		if (fn == "try_to_unmap_one")
			intt[cpu]++
	}
}
END {
	printf "ttuo_calls=%d\n", ttuo
	printf "rmap_fn=%s\n", rmap
	printf "rmap_calls=%d\n", rmapn
	printf "flush_in_ttuo=%d\n", flush_in
	printf "flush_other=%d\n", flush_out
	printf "arch_tlbbatch_flush=%d\n", batch
	printf "rss_stat_in_ttuo=%d\n", rss_in
	printf "rss_stat_total=%d\n", rss_total
}' $T/trace >/tmp/ftrace-count.$$

echo nop >$T/current_tracer
echo 0 >$T/events/kmem/rss_stat/enable 2>/dev/null || true
echo >$T/set_ftrace_pid
echo >$T/set_event_pid 2>/dev/null || true
echo >$T/set_graph_function
echo >$T/set_ftrace_filter
echo >$T/trace
echo 1408 >$T/buffer_size_kb

{
	echo "kernel=$(uname -r)"
	echo "cpus=$(nproc)"
	echo "cmd=$*"
	cat /tmp/ftrace-count.$$
	echo "lost=$lost"
	echo "cmd_rc=$rc"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "seconds=%.2f\n", b - a }'
} >"$out"
rm -f /tmp/ftrace-count.$$
exit $rc
