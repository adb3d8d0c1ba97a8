#!/usr/bin/env bash
# Promote traces recorded by the QEMU matrix into traces/, with provenance.
#
#   tests/vm/matrix.sh --full          (or UMT_VM_OUT=DIR ... matrix.sh)
#   scripts/ship-traces.sh [DIR]       (DIR: default tests/out/vm)
#
# Each DIR/<release>/<workload>.umt becomes traces/<X.Y>/<workload>.umt
# (traces/arm64/<X.Y>/ for an arm64 release, UMT_ARCH=arm64 matrix.sh)
# after `unmaptrace replay --check` passed on it (a trace the model cannot
# reproduce is a bug to find, not a fixture), and traces/README.md is
# regenerated from the traces' own headers: kernel package, version and
# suite, workload, the record command line, calls and size.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-tests/out/vm}
bin=${UNMAPTRACE:-./unmaptrace}
[ -x "$bin" ] || make -s
shipped=0 refused=0
# left out for size (4.6 and 8.4 MB of 560k-call mlock traces): the 5.10,
# 6.1, 6.12 and 7.3 mlock traces show the same behaviours
skip=" 6.18/mlock 7.2/mlock "

for f in "$src"/*/*.umt; do
	rel=$(basename "$(dirname "$f")")
	short=$(echo "$rel" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	w=$(basename "$f" .umt)
	case $skip in *" $short/$w "*) continue ;; esac
	case $rel in *-arm64) short=arm64/$short ;; esac
	if ! "$bin" replay --check "$f" >/tmp/ship-check.$$ 2>&1; then
		echo "refused $f: replay --check failed:" >&2
		sed -n '/^check:/,$p' /tmp/ship-check.$$ | head -20 >&2
		refused=$((refused + 1))
		continue
	fi
	mkdir -p "traces/$short"
	cp "$f" "traces/$short/$w.umt"
	chmod 0644 "traces/$short/$w.umt"
	# arm64: the QEMU plugin's TLBI totals of the same run's probe pass
	if [ -f "${f%.umt}.tlbi.summary" ]; then
		cp "${f%.umt}.tlbi.summary" "traces/$short/$w.tlbi"
	fi
	shipped=$((shipped + 1))
done
rm -f /tmp/ship-check.$$

meta() { sed -n "s/^  $1 \{1,\}//p" <<<"$2" | head -1; }
{
	cat <<'HDR'
# Shipped traces

Real recordings: each was made by `unmaptrace record` inside a QEMU (TCG)
guest booting Debian's own cloud kernel (fetched by tests/vm/kernels.sh),
running one workload of tests/workloads/umt-workload, by
`tests/vm/matrix.sh --full` and promoted by `scripts/ship-traces.sh` only
after `unmaptrace replay --check` reproduced its live counts.  Nothing here
is synthetic.  Every header carries its own provenance
(`unmaptrace info FILE`); this table is generated from those headers.

traces/arm64/ holds the same workloads recorded on Debian's arm64 cloud
kernels (`UMT_ARCH=arm64 tests/vm/matrix.sh`: qemu-system-aarch64 -M virt
-cpu max,pauth-impdef=on,lpa2=off, 48-bit VA, 4 levels; 6.1 through
kprobes).  Beside each, `W.tlbi` holds the TLBIs the QEMU plugin
(tests/vm/plugin/umt-tlbi.c) counted in the same guest's probe run
(`tlbi_ttu`: executed inside try_to_unmap_one; per kind and function).
`7.3/anon-pageout-256m.umt` is the seeds' 256 MiB case (`--size 256`).

`kswapd-file` and `proactive-other` are recorded by tests/vm/victim.sh
(768 MB guest, 2 CPUs, `record -- umt-workload W --size 128`, which
follows the victim): the workload itself unmaps nothing; kswapd and
direct reclaim (kswapd-file: anonymous memory allocated until half the
mapped file is reclaimed) or a child in the root cgroup writing the
workload's memory.reclaim (proactive-other) do, and each call names the
victim and its reclaim path (format 1.2).

The 6.18 and 7.2 mlock recordings are left out for size (see
scripts/ship-traces.sh).  `default.umt` is `7.3/anon-pageout.umt`: the seeds' benchmark (anonymous
memory in 64K mTHP folios, MADV_PAGEOUT, swap on a RAM disk) on the newest
kernel.

| trace | kernel package | version (suite) | workload | calls | bytes | recorded with |
|---|---|---|---|---|---|---|
HDR
	for f in traces/*/*.umt traces/arm64/*/*.umt; do
		info=$("$bin" info "$f")
		calls=$(sed -n 's/^  TTU \{1,\}\([0-9]*\).*/\1/p' <<<"$info")
		printf '| %s | %s | %s (%s) | %s | %s | %s | `%s` |\n' \
			"${f#traces/}" "$(meta kernel.package "$info")" \
			"$(meta kernel.package_version "$info")" \
			"$(meta kernel.suite "$info")" \
			"$(meta workload "$info")" "${calls:-0}" \
			"$(stat -c %s "$f")" "$(meta record.cmdline "$info")"
	done
} >traces/README.md
ln -sf 7.3/anon-pageout.umt traces/default.umt
echo "shipped $shipped trace(s), refused $refused; traces/README.md written"
[ "$refused" -eq 0 ]
