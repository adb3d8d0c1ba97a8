#!/usr/bin/env bash
# Tests of `unmaptrace replay` through the binary: --check against live
# counts (synthetic traces whose live counts are written by hand from the
# measured ground truth, and every shipped trace in traces/), failures that
# --check must catch, golden JSON, determinism, CSV, 80 columns, usage.
# One "PASS name" / "FAIL name: why" line per case.
#
#   UPDATE_GOLDEN=1 tests/model/run.sh   rewrite tests/model/golden/*.json
set -uo pipefail
top=${UMT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
U=${UNMAPTRACE:-$top/unmaptrace}
out=${UMT_ASAN_OUT:-$top/.output}
gen=$out/tests/test_model
golden=$top/tests/model/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS replay_$1"; }
fail() { echo "FAIL replay_$1: $2"; }

if [ ! -x "$U" ]; then
	fail binary "$U not built"
	exit 0
fi
if [ ! -x "$gen" ] || ! "$gen" --write-traces "$tmp" >/dev/null; then
	fail synthetic_traces "$gen --write-traces failed"
	exit 0
fi

# jget FILE PATH: a value from a JSON file, PATH like results.0.counts.x
cat >"$tmp/jget.c" <<'EOF'
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	json_error_t e;
	json_t *j = json_load_file(argv[1], JSON_DECODE_ANY, &e), *v;
	char *p = argc > 2 ? strdup(argv[2]) : NULL, *s = NULL, *t;

	if (!j) {
		fprintf(stderr, "%s: %s\n", argv[1], e.text);
		return 2;
	}
	v = j;
	for (t = p ? strtok_r(p, ".", &s) : NULL; t && v;
	     t = strtok_r(NULL, ".", &s))
		v = json_is_array(v) ? json_array_get(v, atoi(t)) :
		    json_object_get(v, t);
	if (!v)
		return 1;
	if (json_is_integer(v))
		printf("%lld\n", (long long)json_integer_value(v));
	else if (json_is_string(v))
		printf("%s\n", json_string_value(v));
	else if (json_is_array(v))
		printf("%zu\n", json_array_size(v));
	else
		printf("%s\n", json_is_true(v) ? "true" : "false");
	return 0;
}
EOF
if ! ${CC:-cc} -o "$tmp/jget" "$tmp/jget.c" -ljansson 2>"$tmp/cc.err"; then
	fail build_jget "$(head -3 "$tmp/cc.err")"
	exit 0
fi
J=$tmp/jget

# r NAME ARGS...: run replay in $tmp, keep NAME.{out,err,rc}
r() {
	local n=$1
	shift
	(cd "$tmp" && "$U" replay "$@" >"$n.out" 2>"$n.err"; echo $? >"$n.rc")
}
rc() { cat "$tmp/$1.rc"; }
clean() { ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	"$tmp/$1.err"; }

# --check passes where the model must reproduce the live counts
for t in synthetic-7.2-pageout synthetic-6.1-deferred synthetic-migrate-flush; do
	r "check_$t" --check "$t.umt"
	if [ "$(rc "check_$t")" = 0 ] && clean "check_$t" &&
	   grep -q '^check: ok' "$tmp/check_$t.out"; then
		pass "check_$t"
	else
		fail "check_$t" "exit $(rc "check_$t"): $(grep -A3 \
			'MISMATCH\|first mis' "$tmp/check_$t.out" | head -4 |
			tr '\n' ' ')$(head -2 "$tmp/check_$t.err")"
	fi
done

# ... and says which flushes it owes to try_to_migrate_one()
if grep -q "^  1 final flush(es) owed to try_to_migrate_one()" \
	"$tmp/check_synthetic-migrate-flush.out"; then
	pass check_names_migrate_flushes
else
	fail check_names_migrate_flushes "no 'owed to try_to_migrate_one()'"
fi

# a call whose walk found none of its snapshot's PTEs (recorded on 7.3
# under record -a: the victim's exit raced kswapd) is named, not compared
r check_raced --check --json "$UMT_TOP/traces/7.3/kswapd-file-raced.umt"
if [ "$(rc check_raced)" = 0 ] && clean check_raced &&
   [ "$($J "$tmp/check_raced.out" results.0.check.calls_raced 2>/dev/null ||
	grep -o '"calls_raced": [0-9]*' "$tmp/check_raced.out" |
	grep -o '[0-9]*$')" = 1 ]; then
	pass check_names_raced_calls
else
	fail check_names_raced_calls "exit $(rc check_raced): $(grep -o \
		'"calls_raced": [0-9]*' "$tmp/check_raced.out")"
fi

# --check models the trace's own arch whatever --arch asks
r check_arm64 --check --arch arm64 -p none,kernel synthetic-7.2-pageout.umt
if [ "$(rc check_arm64)" = 0 ] && clean check_arm64 &&
   grep -q '^check: ok' "$tmp/check_arm64.out"; then
	pass check_uses_trace_arch
else
	fail check_uses_trace_arch "exit $(rc check_arm64)"
fi

# --check must fail, exit 1, and say why
expect_fail() {
	local t=$1 what=$2
	r "fail_$t" --check -p kernel "$t.umt"
	if [ "$(rc "fail_$t")" = 1 ] && clean "fail_$t" &&
	   grep -q "$what" "$tmp/fail_$t.out"; then
		pass "check_fails_$t"
	else
		fail "check_fails_$t" "exit $(rc "fail_$t"), no '$what'"
	fi
}
expect_fail synthetic-mismatch 'rmap_pages: live 15, model 16'
# a lossy trace cannot be judged (exit 2, lib/damage.h); allowed, the
# check still cannot pass on counts that are not all there
r lossy_check --check -p kernel synthetic-lost.umt
if [ "$(rc lossy_check)" = 2 ] && clean lossy_check &&
   grep -q 'synthetic-lost.umt: lossy: .* events lost' "$tmp/lossy_check.err"
then
	pass check_refuses_lossy
else
	fail check_refuses_lossy "exit $(rc lossy_check): $(tail -c 200 "$tmp/lossy_check.err")"
fi
r fail_synthetic-lost --check --allow-damaged -p kernel synthetic-lost.umt
if [ "$(rc fail_synthetic-lost)" = 1 ] && clean fail_synthetic-lost &&
   grep -q 'events lost' "$tmp/fail_synthetic-lost.out"; then
	pass check_fails_synthetic-lost
else
	fail check_fails_synthetic-lost "exit $(rc fail_synthetic-lost), no 'events lost'"
fi
expect_fail synthetic-stray-flush 'model deferred no flush'
expect_fail synthetic-defer-race 'a recording race'
expect_fail synthetic-empty-image 'the image (folio address or VMA range) is wrong'

# every shipped trace: the kernel policy reproduces its live counts
shopt -s nullglob
for f in "$top"/traces/*/*.umt; do
	n=shipped_$(basename "$(dirname "$f")")_$(basename "$f" .umt)
	r "$n" --check -p kernel "$f"
	if [ "$(rc "$n")" = 0 ] && clean "$n"; then
		pass "check_$n"
	else
		fail "check_$n" "exit $(rc "$n"): $(grep -m3 \
			'MISMATCH\|lost\|live .*, model' "$tmp/$n.out" |
			tr '\n' ' ')"
	fi
done

# A trace from a kernel that does not batch, replayed with the policy of
# one that does, predicts that kernel's live counts for the same workload
# (same folio sizes on both: the workload and the file system fix them).
predict() {
	local n=$1 base=$top/traces/$2 pol=$3 target=$top/traces/$4 c p l bad=
	if [ ! -f "$base" ] || [ ! -f "$target" ]; then
		fail "predict_$n" "missing $2 or $4"
		return
	fi
	"$U" replay --csv -p "$pol" "$base" >"$tmp/$n.pred" 2>"$tmp/$n.err"
	"$U" replay --csv -p none "$target" >"$tmp/$n.live" 2>>"$tmp/$n.err"
	for c in ttu_calls walk_iterations rmap_calls rmap_pages tlb_flushes \
		 mm_counter_updates; do
		p=$(awk -F, -v c="$c" '$4 == "total" && $6 == c { print $7 }' \
			"$tmp/$n.pred")
		l=$(awk -F, -v c="$c" '$2 == "live" && $6 == c { print $7 }' \
			"$tmp/$n.live")
		[ -n "$p" ] && [ "$p" = "$l" ] || bad="$bad $c: $pol on $2 $p, live on $4 $l;"
	done
	if [ -z "$bad" ] && clean "$n"; then
		pass "predict_$n"
	else
		fail "predict_$n" "$bad"
	fi
}
predict lazyfree_6.12_as_6.18 6.12/lazyfree.umt lazyfree 6.18/lazyfree.umt
predict lazyfree_6.12_as_7.3 6.12/lazyfree.umt file 7.3/lazyfree.umt
predict file_6.18_as_7.2 6.18/file-reclaim.umt file-7.2 7.2/file-reclaim.umt
predict shmem_6.12_as_7.3 6.12/shmem-pageout.umt file 7.3/shmem-pageout.umt
predict shmem_6.18_as_7.2 6.18/shmem-pageout.umt file-7.2 7.2/shmem-pageout.umt

# golden JSON: default policies x86, and every policy on arm64
golden_case() {
	local n=$1 t=$2
	shift 2
	r "$n" --json "$@" "$t.umt"
	if [ "$(rc "$n")" != 0 ] || ! clean "$n"; then
		fail "golden_$n" "exit $(rc "$n"): $(head -2 "$tmp/$n.err")"
		return
	fi
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		mkdir -p "$golden"
		cp "$tmp/$n.out" "$golden/$n.json"
	fi
	if [ ! -f "$golden/$n.json" ]; then
		fail "golden_$n" "no $golden/$n.json (UPDATE_GOLDEN=1)"
	elif diff -u "$golden/$n.json" "$tmp/$n.out" >"$tmp/$n.diff"; then
		pass "golden_$n"
	else
		fail "golden_$n" "differs: $(grep '^[-+] ' "$tmp/$n.diff" |
			head -4 | tr '\n' ' ')"
	fi
}
golden_case pageout_x86 synthetic-7.2-pageout
golden_case pageout_arm64 synthetic-7.2-pageout --arch arm64 \
	-p none,lazyfree-6.15,lazyfree,file-7.2,file,anon,file+skip,kernel
golden_case deferred_6_1 synthetic-6.1-deferred -p kernel,none,anon
# and the real default trace (linked: the report names the file as given)
if [ -f "$top/traces/7.3/anon-pageout.umt" ]; then
	ln -sf "$top/traces/7.3/anon-pageout.umt" "$tmp/real-7.3-anon.umt"
	golden_case real_7.3_anon_x86 real-7.3-anon
	golden_case real_7.3_anon_arm64 real-7.3-anon --arch arm64 \
		-p none,file,anon,anon+skip
else
	fail golden_real "traces/7.3/anon-pageout.umt missing"
fi

# JSON: valid, schema, keys from docs/REPORT.md, deterministic
r json1 --json synthetic-7.2-pageout.umt
r json2 --json synthetic-7.2-pageout.umt
j=$tmp/json1.out
if cmp -s "$j" "$tmp/json2.out"; then
	pass json_deterministic
else
	fail json_deterministic "two runs differ"
fi
ok=1
why=
[ "$($J "$j" schema)" = unmaptrace-report/1 ] || { ok=0; why="schema"; }
# the default policies: none, kernel, lazyfree-6.15, lazyfree, file-7.2,
# file, anon (replay --help; the text folds, the JSON keeps them all)
[ "$($J "$j" results)" = 7 ] || { ok=0; why="$why results"; }
[ "$($J "$j" results.1.policy)" = kernel ] || { ok=0; why="$why kernel"; }
for k in trace.kernel trace.arch trace.events trace.lost live.ttu_calls \
	live.rmap_calls live.rmap_pages live.tlb_flushes \
	live.mm_counter_updates results.0.policy results.0.arch \
	results.0.counts.ttu_calls results.0.counts.walk_iterations \
	results.0.counts.ptep_get results.0.counts.pte_reads \
	results.0.counts.pte_clears results.0.counts.atomics \
	results.0.counts.barriers results.0.counts.tlb_flushes \
	results.0.counts.rmap_calls results.0.counts.rmap_pages \
	results.0.counts.mm_counter_updates \
	results.0.breakdown.atomics.rmap_mapcount \
	results.0.breakdown.atomics.refcount \
	results.0.breakdown.atomics.tlb_gen \
	results.0.breakdown.atomics.tlb_flush_batched \
	results.0.breakdown.atomics.anon_exclusive \
	results.0.breakdown.tlb_flushes.page \
	results.0.breakdown.tlb_flushes.range \
	results.0.breakdown.tlb_flushes.deferred_add \
	results.0.breakdown.tlb_flushes.batch_final \
	results.0.breakdown.tlb_flushes.contpte_unfold \
	results.0.breakdown.by_kind.lazyfree.folios \
	results.0.breakdown.by_size.16.ptep_get \
	results.0.histograms.0.buckets warnings; do
	$J "$j" "$k" >/dev/null || { ok=0; why="$why $k"; }
done
# x86 has no TLBI counter: absent, not zero
! $J "$j" results.0.counts.tlbi >/dev/null || { ok=0; why="$why tlbi"; }
[ $ok = 1 ] && pass json_schema || fail json_schema "missing/wrong:$why"

# the live block is the sum the trace holds (hand-written in test_model.c)
lv="$($J "$j" live.rmap_calls) $($J "$j" live.rmap_pages)"
lv="$lv $($J "$j" live.tlb_flushes) $($J "$j" live.mm_counter_updates)"
[ "$lv" = "546 1039 546 1058" ] && pass json_live ||
	fail json_live "got '$lv', want '546 1039 546 1058'"

# the seeds' claim: arm64 gains far more than x86 (pte loads, unfolds)
r arm --json --arch arm64 -p none,anon synthetic-7.2-pageout.umt
a=$tmp/arm.out
u=$($J "$a" results.0.breakdown.tlb_flushes.contpte_unfold)
b=$($J "$a" results.1.breakdown.tlb_flushes.contpte_unfold)
x0=$($J "$j" results.0.counts.pte_reads)
x2=$($J "$j" results.6.counts.pte_reads)	# anon
a0=$($J "$a" results.0.counts.pte_reads)
a1=$($J "$a" results.1.counts.pte_reads)
if [ "$u" -gt 0 ] && [ "$b" = 0 ] && [ $((a0 * x2)) -gt $((a1 * x0)) ]; then
	pass arm64_gain_exceeds_x86
else
	fail arm64_gain_exceeds_x86 "unfolds $u->$b, x86 $x0->$x2, arm64 $a0->$a1"
fi

# CSV: header once, one row per number, same totals as JSON
r csv --csv synthetic-7.2-pageout.umt synthetic-6.1-deferred.umt
c=$tmp/csv.out
v=$(awk -F, '$1=="synthetic-7.2-pageout.umt" && $2=="none" &&
	$4=="total" && $6=="ptep_get" {print $7}' "$c")
if [ "$(grep -c '^file,policy' "$c")" = 1 ] &&
   [ "$v" = "$($J "$j" results.0.counts.ptep_get)" ] &&
   grep -q '^synthetic-6.1-deferred.umt,anon,' "$c"; then
	pass csv
else
	fail csv "header/rows wrong (ptep_get '$v')"
fi

# text: under 80 columns, histogram in bcc's layout
r text -p none,lazyfree,file,anon,file+skip synthetic-7.2-pageout.umt
long=$(awk 'length($0) > 79' "$tmp/text.out" | head -1)
if [ -z "$long" ] && grep -qE '^ +16 -> 31 +: 32 +\|\*+ +\|$' \
	"$tmp/text.out"; then
	pass text_layout
else
	fail text_layout "${long:-no bcc histogram line}"
fi

# usage errors exit 2, help has USAGE and EXAMPLES
r bad_policy -p bogus synthetic-lost.umt
r bad_mix --json --csv synthetic-lost.umt
r bad_arch --arch mips synthetic-lost.umt
r missing nonexistent.umt
r none_skip -p none+skip synthetic-lost.umt
bad=
for n in bad_policy bad_mix bad_arch missing none_skip; do
	[ "$(rc $n)" = 2 ] && clean $n || bad="$bad $n=$(rc $n)"
done
[ -z "$bad" ] && pass usage_errors || fail usage_errors "$bad"
r help --help
if [ "$(rc help)" = 0 ] && grep -q '^USAGE:' "$tmp/help.out" &&
   grep -q '^EXAMPLES:' "$tmp/help.out"; then
	pass help
else
	fail help "no USAGE/EXAMPLES"
fi

# ---- the report at a glance (issue 16): first block, labels, names,
# arm64 flushes, one CLI voice
# shellcheck source=tests/model/report.sh
. "$top/tests/model/report.sh"
exit 0
