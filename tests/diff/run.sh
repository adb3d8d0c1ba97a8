#!/usr/bin/env bash
# Tests of `unmaptrace diff` through the binary: exit codes, the rows it
# reports, messages.  Seeded variants are derived from tests/diff/base.json
# (hand-written to docs/REPORT.md) and, when a trace and a working replay
# exist, from real `replay --json` output, by tests/diff/jset.c (jansson).
# One "PASS name" / "FAIL name: why" / "SKIP name: why" line per case.
set -uo pipefail
top=${UMT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
U=${UNMAPTRACE:-$top/unmaptrace}
here=$top/tests/diff
base=$here/base.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS diff_$1"; }
fail() { echo "FAIL diff_$1: $2"; }
skip() { echo "SKIP diff_$1: $2"; }

if ! ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -o "$tmp/jset" \
	"$here/jset.c" -ljansson 2>"$tmp/cc.err"; then
	fail build_jset "$(head -3 "$tmp/cc.err")"
	exit 0
fi
J=$tmp/jset
if [ ! -x "$U" ]; then
	fail binary "$U not built"
	exit 0
fi

# d NAME ARGS...: run diff, keep stdout/stderr in $tmp/NAME.{out,err}
d() {
	local n=$1
	shift
	"$U" diff "$@" >"$tmp/$n.out" 2>"$tmp/$n.err"
	echo $? >"$tmp/$n.rc"
}
rc() { cat "$tmp/$1.rc"; }
# a sanitizer report is a failure whatever the exit code says
clean() { ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	"$tmp/$1.err"; }
# get FILE PATH: one value out of a JSON file
get() { "$J" -g "$1" "$2" 2>/dev/null; }
cnt() { "$J" -c "$1" "$2" 2>/dev/null; }
# expect NAME RC: the exit code and a clean run, or a FAIL line
expect() {
	local got
	got=$(rc "$1")
	if [ "$got" != "$2" ]; then
		fail "$1" "exit $got, want $2; stderr: $(head -3 "$tmp/$1.err")"
		return 1
	fi
	if ! clean "$1"; then
		fail "$1" "sanitizer: $(grep -m1 -E 'ERROR|runtime error' \
			"$tmp/$1.err")"
		return 1
	fi
	return 0
}

B='results[policy=batched,arch=x86].counts'
N='results[policy=none,arch=x86].counts'

# ---- identical inputs
d identical "$base" "$base"
expect identical 0 &&
if grep -qE '(REGRESSED|improved|missing)$' "$tmp/identical.out"; then
	fail identical "rows shown for identical inputs"
elif ! grep -q '^ok: 0 regressed, 0 improved' "$tmp/identical.out"; then
	fail identical "no ok verdict: $(tail -1 "$tmp/identical.out")"
else
	pass identical
fi

# ---- one seeded regression: the right row, not only the exit code
"$J" "$base" "$B.tlb_flushes" +1 >"$tmp/reg1.json"
d reg1 "$base" "$tmp/reg1.json"
d reg1j --json "$base" "$tmp/reg1.json"
r='rows[policy=batched,arch=x86,metric=tlb_flushes]'
if expect reg1 1 && expect reg1j 1; then
	if ! grep -qE '^  tlb_flushes +4096 +4097 +\+1 +\+<0\.1% +REGRESSED$' \
		"$tmp/reg1.out"; then
		fail seeded_regression_text "no REGRESSED tlb_flushes row"
	elif [ "$(grep -c REGRESSED "$tmp/reg1.out")" != 1 ]; then
		fail seeded_regression_text "more than one REGRESSED row"
	elif ! grep -q "breaks rule 'tlb_flushes>+0%'" "$tmp/reg1.out"; then
		fail seeded_regression_text "deciding rule not named"
	else
		pass seeded_regression_text
	fi
	o=$tmp/reg1j.out
	if [ "$(cnt "$o" 'rows[status=regressed]')" != 1 ] ||
	   [ "$(get "$o" "$r.status")" != regressed ] ||
	   [ "$(get "$o" "$r.base")" != 4096 ] ||
	   [ "$(get "$o" "$r.new")" != 4097 ] ||
	   [ "$(get "$o" "$r.delta")" != 1 ] ||
	   [ "$(get "$o" "$r.rule")" != 'tlb_flushes>+0%' ] ||
	   [ "$(get "$o" 'verdict.status')" != regressed ] ||
	   [ "$(get "$o" 'verdict.exit_code')" != 1 ]; then
		fail seeded_regression_json "row or verdict wrong: $(get "$o" "$r")"
	# the same counter of the other policy did not change
	elif [ "$(get "$o" 'rows[policy=none,arch=x86,metric=tlb_flushes].status')" != ok ]
	then
		fail seeded_regression_json "policy none tlb_flushes not ok"
	else
		pass seeded_regression_json
	fi
fi

# ---- results are keyed by (policy, arch): arm64 is not x86
"$J" "$base" 'results[policy=batched,arch=arm64].counts.tlbi' +1 \
	>"$tmp/arm.json"
d arm --json "$base" "$tmp/arm.json"
expect arm 1 &&
if [ "$(get "$tmp/arm.out" \
	'rows[policy=batched,arch=arm64,metric=tlbi].status')" = regressed ] &&
   [ "$(cnt "$tmp/arm.out" 'rows[status=regressed]')" = 1 ]; then
	pass keyed_by_policy_and_arch
else
	fail keyed_by_policy_and_arch "$(cat "$tmp/arm.err")"
fi
"$J" "$base" 'results[policy=batched,arch=arm64]' =del >"$tmp/noarm.json"
d noarm "$base" "$tmp/noarm.json"
expect noarm 3 &&
if grep -q "policy 'batched' (arch arm64) is missing from" \
	"$tmp/noarm.err" && ! grep -q "arch x86" "$tmp/noarm.err"; then
	pass arch_missing
else
	fail arch_missing "$(cat "$tmp/noarm.err")"
fi
d armonly --arch x86 "$base" "$tmp/noarm.json"
expect armonly 0 && pass arch_option_selects

# ---- an improvement: exit 0, shown as improved
"$J" "$base" "$B.atomics" -4096 "$B.pte_writes" -1 >"$tmp/imp.json"
d imp "$base" "$tmp/imp.json"
d impj --json "$base" "$tmp/imp.json"
if expect imp 0 && expect impj 0; then
	if ! grep -qE '^  atomics +20480 +16384 +-4096 +-20\.0% +improved$' \
		"$tmp/imp.out" ||
	   ! grep -qE '^  pte_writes .* improved$' "$tmp/imp.out"; then
		fail improvement "improved rows missing: $(cat "$tmp/imp.out")"
	elif [ "$(cnt "$tmp/impj.out" 'rows[status=improved]')" != 2 ] ||
	     [ "$(get "$tmp/impj.out" \
		  'rows[policy=batched,arch=x86,metric=atomics].ratio')" != 0.8 ]; then
		fail improvement "JSON rows wrong"
	else
		pass improvement
	fi
fi

# ---- several regressions, across policies and breakdown: all listed
"$J" "$base" "$B.tlb_flushes" +3 "$N.atomics" '*1.5' \
	"$N.barriers" +100 \
	'results[policy=batched,arch=x86].breakdown.tlb_flushes.range' +3 \
	>"$tmp/many.json"
d many --fail-on '*>+0%' "$base" "$tmp/many.json"
d manyj --json --fail-on '*>+0%' "$base" "$tmp/many.json"
if expect many 1 && expect manyj 1; then
	o=$tmp/manyj.out
	want="batched:tlb_flushes none:atomics none:barriers"
	want+=" batched:breakdown.tlb_flushes.range"
	bad=
	for pm in $want; do
		p=${pm%%:*} m=${pm#*:}
		[ "$(get "$o" "rows[policy=$p,arch=x86,metric=$m].status")" = regressed ] ||
			bad+=" $pm"
		grep -qE "^  $p/x86 $m .* breaks rule" "$tmp/many.out" ||
			bad+=" text:$pm"
	done
	if [ -n "$bad" ]; then
		fail several_regressions "not listed:$bad"
	elif [ "$(cnt "$o" 'rows[status=regressed]')" != 4 ]; then
		fail several_regressions "want exactly 4 regressed rows"
	else
		pass several_regressions
	fi
fi

# ---- different workloads: a warning, the comparison still runs
"$J" "$base" "$N.ttu_calls" +1 >"$tmp/ttu.json"
d ttu "$base" "$tmp/ttu.json"
expect ttu 0 && grep -q 'replay different calls (ttu_calls 4096 vs 4097)' \
	"$tmp/ttu.err" && ! grep -q 'replay different' "$tmp/identical.err" &&
	pass different_workload_warned ||
	{ [ "$(rc ttu)" = 0 ] && fail different_workload_warned \
		"$(cat "$tmp/ttu.err")"; }

# ---- default rules: tolerance on atomics, none on tlb_flushes
"$J" "$base" "$B.atomics" +8 "$B.pte_writes" +100000 >"$tmp/tol.json"
d tol "$base" "$tmp/tol.json"
expect tol 0 && if grep -qE '^  atomics +20480 +20488 .* ok$' "$tmp/tol.out"
then
	pass default_rules_tolerance
else
	fail default_rules_tolerance "atomics +8 not shown as ok"
fi
"$J" "$base" "$B.atomics" +200 >"$tmp/tol2.json"
d tol2 "$base" "$tmp/tol2.json"
expect tol2 1 && pass default_rules_atomics_beyond

# ---- rules through the binary: both-thresholds, globs, last match wins
"$J" "$base" "$N.atomics" +1000 "$B.atomics" +1000 >"$tmp/both.json"
d both --json --fail-on 'atomics>+2%&+100' "$base" "$tmp/both.json"
o=$tmp/both.out
# none: +1000 of 262144 is 0.4%: only the absolute part exceeded
expect both 1 &&
if [ "$(get "$o" 'rows[policy=none,arch=x86,metric=atomics].status')" != ok ] ||
   [ "$(get "$o" 'rows[policy=batched,arch=x86,metric=atomics].status')" != regressed ]
then
	fail rule_both_thresholds "want none ok, batched regressed"
else
	pass rule_both_thresholds
fi
d glob --fail-on '*>+0%,breakdown.*>+1000' "$base" "$tmp/many.json"
expect glob 1 &&
if grep -q 'breakdown.tlb_flushes.range .*REGRESSED' "$tmp/glob.out"; then
	fail rule_last_match_wins "breakdown row failed despite +1000 rule"
else
	pass rule_last_match_wins
fi

# ---- --metric restricts what is compared
d metric --metric 'breakdown.*' --metric '!breakdown.by_*' \
	"$base" "$tmp/reg1.json"
d metricj --json --metric 'breakdown.*' --metric '!breakdown.by_*' \
	"$base" "$tmp/reg1.json"
expect metric 0 && expect metricj 0 &&
if [ "$(cnt "$tmp/metricj.out" 'rows[metric=tlb_flushes]')" != 0 ] ||
   [ "$(cnt "$tmp/metricj.out" 'rows[metric=breakdown.by_kind.anon.folios]')" \
	!= 0 ] ||
   [ "$(cnt "$tmp/metricj.out" 'rows[metric=breakdown.tlb_flushes.range]')" \
	!= 3 ]; then
	fail metric_filter "wrong rows selected"
else
	pass metric_filter
fi

# ---- schema major mismatch
"$J" "$base" schema '="unmaptrace-report/2"' >"$tmp/s2.json"
d schema "$base" "$tmp/s2.json"
expect schema 3 &&
if grep -q 'unmaptrace-report/1 but .*s2.json has unmaptrace-report/2 (major' \
	"$tmp/schema.err"; then
	pass schema_major_mismatch
else
	fail schema_major_mismatch "reason: $(cat "$tmp/schema.err")"
fi
# a minor addition keeps the major: comparable
"$J" "$base" tool_version '="0.2.0"' "$B.new_counter" =5 >"$tmp/minor.json"
d minor --allow-missing "$base" "$tmp/minor.json"
expect minor 0 && pass schema_minor_addition_allowed

# ---- a policy or a counter on one side only
"$J" "$base" 'results[policy=batched]' =del >"$tmp/nob.json"
d nopol "$base" "$tmp/nob.json"
d nopol_rev "$tmp/nob.json" "$base"
if expect nopol 3 && expect nopol_rev 3; then
	if grep -q "policy 'batched' (arch x86) is missing from .*nob.json" \
		"$tmp/nopol.err" &&
	   grep -q "policy 'batched' (arch x86) is missing from .*nob.json" \
		"$tmp/nopol_rev.err"; then
		pass policy_missing
	else
		fail policy_missing "message: $(cat "$tmp/nopol.err")"
	fi
fi
"$J" "$base" "$N.locks" =del >"$tmp/nolocks.json"
d nocnt --json "$base" "$tmp/nolocks.json"
expect nocnt 3 &&
if grep -q "counter 'locks' of policy 'none' (arch x86) is missing" \
	"$tmp/nocnt.err" &&
   [ "$(get "$tmp/nocnt.out" 'rows[policy=none,arch=x86,metric=locks].status')" = \
	missing ]; then
	pass counter_missing
else
	fail counter_missing "message: $(cat "$tmp/nocnt.err")"
fi
# a regression plus a missing counter: cannot judge wins over regressed
"$J" "$tmp/nolocks.json" "$B.tlb_flushes" +1 >"$tmp/nolocks_reg.json"
d mixed "$base" "$tmp/nolocks_reg.json"
expect mixed 3 && pass missing_outranks_regression
d allowmiss --allow-missing "$base" "$tmp/nolocks.json"
expect allowmiss 0 && pass allow_missing

# a folio kind or size the trace never saw is a group absent from its
# report: zeros, not unknowns; a leaf missing from a shared group is not
"$J" "$base" 'results[policy=none,arch=x86].breakdown.by_kind.anon' =del \
	'results[policy=none,arch=x86].breakdown.by_size.32' '={}' \
	>"$tmp/groups.json"
"$J" "$tmp/groups.json" \
	'results[policy=none,arch=x86].breakdown.by_size.32.folios' =7 \
	>"$tmp/groups2.json"
d groups --json "$base" "$tmp/groups2.json"
o=$tmp/groups.out
r='rows[policy=none,arch=x86,metric=breakdown.by_kind.anon.folios]'
r2='rows[policy=none,arch=x86,metric=breakdown.by_size.32.folios]'
expect groups 0 &&
if [ "$(get "$o" "$r.status")" = improved ] &&
   [ "$(get "$o" "$r.new")" = 0 ] &&
   [ "$(get "$o" "$r2.base")" = 0 ] && [ "$(get "$o" "$r2.new")" = 7 ] &&
   [ "$(get "$o" verdict.missing)" = 0 ]; then
	pass absent_group_is_zero
else
	fail absent_group_is_zero "$(get "$o" "$r") $(get "$o" "$r2")"
fi
"$J" "$base" 'results[policy=none,arch=x86].breakdown.atomics.refcount' \
	=del >"$tmp/noleaf.json"
d noleaf "$base" "$tmp/noleaf.json"
expect noleaf 3 && grep -q "counter 'breakdown.atomics.refcount' of policy" \
	"$tmp/noleaf.err" && pass missing_leaf_of_shared_group ||
	{ [ "$(rc noleaf)" = 3 ] && fail missing_leaf_of_shared_group \
		"$(cat "$tmp/noleaf.err")"; }

# a fixed group (breakdown.atomics) missing is not zeros; many missing
# counters: the first ten named on stderr, all in the table
"$J" "$base" 'results[policy=none,arch=x86].breakdown.atomics' =del \
	'results[policy=none,arch=x86].breakdown.tlb_flushes' =del \
	>"$tmp/nogroup.json"
d nogroup --json "$base" "$tmp/nogroup.json"
expect nogroup 3 &&
if [ "$(get "$tmp/nogroup.out" verdict.missing)" = 13 ] &&
   [ "$(grep -c "is missing from" "$tmp/nogroup.err")" = 10 ] &&
   grep -q '\.\.\. and 3 more missing' "$tmp/nogroup.err"; then
	pass fixed_group_missing
else
	fail fixed_group_missing "$(get "$tmp/nogroup.out" verdict)"
fi

# lost events: refused (lib/damage.h); allowed, said on stderr, in the text
# header, markdown and JSON
"$J" "$base" trace.lost =5 >"$tmp/lost.json"
d lostno "$base" "$tmp/lost.json"
d lost --allow-damaged "$base" "$tmp/lost.json"
d lostj --allow-damaged --json "$base" "$tmp/lost.json"
d lostm --allow-damaged --markdown "$base" "$tmp/lost.json"
expect lostno 2 && expect lost 0 &&
if grep -q 'lost.json: lossy: 5 events lost' "$tmp/lostno.err" &&
   grep -q 'warning: .*lost.json: lossy: 5 events lost' "$tmp/lost.err" &&
   grep -A1 '^+++ .*lost.json' "$tmp/lost.out" | grep -q 'LOST EVENTS' &&
   grep -q 'lost 5 events' "$tmp/lostm.out" &&
   [ "$(get "$tmp/lostj.out" 'verdict.files[0].new_lost')" = 5 ] &&
   [ "$(get "$tmp/lostj.out" 'verdict.files[0].base_lost')" = 0 ]; then
	pass lost_events_reported
else
	fail lost_events_reported "$(cat "$tmp/lost.err")"
fi

# ---- malformed and truncated JSON: 2, file and line/column named
printf '{"schema": "unmaptrace-report/1",\n "results": [,]}\n' \
	>"$tmp/mal.json"
d mal "$base" "$tmp/mal.json"
expect mal 2 &&
if grep -q 'mal.json: malformed JSON at line 2, column [0-9]*: ' \
	"$tmp/mal.err" && [ ! -s "$tmp/mal.out" ]; then
	pass malformed_json
else
	fail malformed_json "message: $(cat "$tmp/mal.err")"
fi
head -c 900 "$base" >"$tmp/trunc.json"
d trunc "$tmp/trunc.json" "$base"
expect trunc 2 &&
if grep -q 'trunc.json: malformed JSON at line [0-9]*, column [0-9]* (truncated?)' \
	"$tmp/trunc.err"; then
	pass truncated_json
else
	fail truncated_json "message: $(cat "$tmp/trunc.err")"
fi
: >"$tmp/empty.json"
d empty "$base" "$tmp/empty.json"
expect empty 2 && grep -q 'empty file' "$tmp/empty.err" &&
	pass empty_file || { [ "$(rc empty)" = 2 ] &&
	fail empty_file "message: $(cat "$tmp/empty.err")"; }
echo '{"schema": "something-else/1"}' >"$tmp/other.json"
d other "$base" "$tmp/other.json"
expect other 2 && grep -q "other.json: not a usable report: schema is" \
	"$tmp/other.err" && pass not_a_report ||
	{ [ "$(rc other)" = 2 ] && fail not_a_report "$(cat "$tmp/other.err")"; }
"$J" "$base" "$B.atomics" '="many"' >"$tmp/strcnt.json"
d strcnt "$base" "$tmp/strcnt.json"
expect strcnt 2 && grep -q "counts.atomics is not a non-negative integer" \
	"$tmp/strcnt.err" && pass counter_not_integer ||
	{ [ "$(rc strcnt)" = 2 ] && fail counter_not_integer \
		"$(cat "$tmp/strcnt.err")"; }
d noent "$base" "$tmp/does-not-exist.json"
expect noent 2 && grep -q 'does-not-exist.json: No such file' \
	"$tmp/noent.err" && pass missing_file ||
	{ [ "$(rc noent)" = 2 ] && fail missing_file "$(cat "$tmp/noent.err")"; }

# ---- rule and usage errors: 2 with a message
for spec in 'atomics' 'atomics>>1' 'atomics>-1%' 'atomics>+1%&+2%' \
	'>+1%' 'atomics>+1%,' 'atomics>nan'; do
	d badrule --fail-on "$spec" "$base" "$base"
	if [ "$(rc badrule)" != 2 ]; then
		fail "bad_rule[$spec]" "exit $(rc badrule), want 2"
	elif ! grep -q "bad rule '.*' in '$spec'" "$tmp/badrule.err"; then
		fail "bad_rule[$spec]" "message: $(head -1 "$tmp/badrule.err")"
	else
		pass "bad_rule[$spec]"
	fi
done
d typo --fail-on 'tlb_flush>+0%' "$base" "$base"
expect typo 0 && grep -q "rule 'tlb_flush>+0%' decides no compared counter" \
	"$tmp/typo.err" && pass rule_typo_warned ||
	{ [ "$(rc typo)" = 0 ] && fail rule_typo_warned "no warning"; }
d onefile "$base"
expect onefile 2 && pass usage_one_file
d twofmt --json --markdown "$base" "$base"
expect twofmt 2 && pass usage_two_formats

# ---- --help: USAGE and EXAMPLES, and the default it shows is the default
d help --help
expect help 0 &&
if ! grep -q '^USAGE:' "$tmp/help.out" || ! grep -q '^EXAMPLES:' "$tmp/help.out"
then
	fail help "no USAGE:/EXAMPLES: block"
else
	rules=$(sed -n '/^Default rules/,/^$/p' "$tmp/help.out" | sed 1d |
		tr -d ' \n')
	d helprules --json --fail-on "$rules" "$base" "$tmp/many.json"
	d defrules --json "$base" "$tmp/many.json"
	if [ -z "$rules" ] || [ "$(rc helprules)" != "$(rc defrules)" ] ||
	   ! cmp -s <(get "$tmp/helprules.out" rules) \
		<(get "$tmp/defrules.out" rules); then
		fail help "default rules in --help ('$rules') are not the default"
	else
		pass help
	fi
fi

# ---- several NEW: each against BASE, the worst exit wins
d multi "$base" "$base" "$tmp/reg1.json" "$tmp/imp.json"
expect multi 1 &&
if [ "$(grep -c '^+++ ' "$tmp/multi.out")" = 3 ] &&
   [ "$(grep -c REGRESSED "$tmp/multi.out")" = 1 ]; then
	pass several_new
else
	fail several_new "want 3 sections, 1 regression"
fi

# ---- markdown: a verdict line, then a table of the changed rows
d md --markdown "$base" "$tmp/reg1.json"
expect md 1 &&
if head -1 "$tmp/md.out" | grep -q '^\*\*unmaptrace diff: FAIL: 1 regressed' &&
   grep -q '^| policy | arch | metric | base | new | delta | % | status |$' \
	"$tmp/md.out" &&
   grep -q '^| batched | x86 | `tlb_flushes` | 4096 | 4097 | +1 | +<0.1% | \*\*regressed\*\*' \
	"$tmp/md.out"; then
	pass markdown
else
	fail markdown "$(head -5 "$tmp/md.out")"
fi

# markdown: regressions first, breakdown rows that did not regress folded
"$J" "$base" "$B.pte_writes" -1 >"$tmp/mdord0.json"
"$J" "$tmp/mdord0.json" "$B.tlb_flushes" +1 \
	'results[policy=batched,arch=x86].breakdown.tlb_flushes.range' +1 \
	>"$tmp/mdord.json"
d mdord --markdown "$base" "$tmp/mdord.json"
expect mdord 1 &&
if [ "$(grep -m1 '^| batched' "$tmp/mdord.out" | grep -c regressed)" = 1 ] &&
   sed -n '/<details>/,/<\/details>/p' "$tmp/mdord.out" |
	grep -q 'breakdown.tlb_flushes.range.* ok |$' &&
   ! sed -n '/<details>/,/<\/details>/p' "$tmp/mdord.out" |
	grep -q 'pte_writes'; then
	pass markdown_order_and_details
else
	fail markdown_order_and_details "$(cat "$tmp/mdord.out")"
fi

# ---- text stays under 80 columns, even with long names
d wide --all "$base" "$tmp/many.json"
if awk 'length > 79 { bad = 1 } END { exit bad }' "$tmp/wide.out"; then
	pass text_under_80_columns
else
	fail text_under_80_columns "$(awk 'length > 79' "$tmp/wide.out" |
		head -1)"
fi

# ---- '-' reads a report from stdin, once
"$U" diff "$base" - <"$tmp/reg1.json" >"$tmp/stdin.out" 2>"$tmp/stdin.err"
echo $? >"$tmp/stdin.rc"
expect stdin 1 && grep -q '^  tlb_flushes .*REGRESSED$' "$tmp/stdin.out" &&
	pass stdin_report || { [ "$(rc stdin)" = 1 ] &&
	fail stdin_report "no regression row"; }
d stdin2 - - </dev/null
expect stdin2 2 && pass stdin_only_once

# ---- inputs are told apart by content, never by name
cp "$tmp/reg1.json" "$tmp/report.umt"
d byname "$base" "$tmp/report.umt"
expect byname 1 && pass json_named_umt

# ---- comparing nothing must not pass the gate
d poltypo --policy bached "$base" "$tmp/reg1.json"
expect poltypo 3 && grep -q "policy 'bached' (--policy) is in neither" \
	"$tmp/poltypo.err" && pass policy_typo_not_ok ||
	{ [ "$(rc poltypo)" = 3 ] && fail policy_typo_not_ok \
		"$(cat "$tmp/poltypo.err")"; }
d mettypo --metric 'tlb_flush' "$base" "$tmp/reg1.json"
expect mettypo 3 && grep -q "no counter of .* is in .*(check --metric" \
	"$tmp/mettypo.err" && pass metric_typo_not_ok ||
	{ [ "$(rc mettypo)" = 3 ] && fail metric_typo_not_ok \
		"$(cat "$tmp/mettypo.err")"; }
d polsel --policy none "$base" "$tmp/reg1.json"
expect polsel 0 && pass policy_selects_results
# each NEW keeps its own reason
"$J" "$base" schema '="unmaptrace-report/3"' >"$tmp/s3.json"
# (several NEW with --json: JSON Lines, one object per comparison)
d tworeasons --json "$base" "$tmp/s2.json" "$tmp/s3.json"
sed -n 1p "$tmp/tworeasons.out" >"$tmp/tworeasons1.json"
sed -n 2p "$tmp/tworeasons.out" >"$tmp/tworeasons2.json"
expect tworeasons 3 &&
if get "$tmp/tworeasons1.json" 'verdict.files[0].reason' | grep -q 'report/2' &&
   get "$tmp/tworeasons2.json" 'verdict.files[0].reason' | grep -q 'report/3'
then
	pass reasons_per_file
else
	fail reasons_per_file "$(get "$tmp/tworeasons.out" verdict)"
fi

# ---- traces as inputs, and seeded regressions from real replay output.
# Shipped traces first; else the synthetic ones tests/unit/test_model
# writes (the model's own test traces).
traces=()
# smallest first: every case below replays its trace again
while IFS= read -r t; do
	[ -f "$t" ] && traces+=("$t")
done < <(ls -Sr "$top"/traces/*/*.umt 2>/dev/null)
gen=${UMT_ASAN_OUT:-$top/.output}/tests/test_model
if [ ${#traces[@]} -eq 0 ] && [ -x "$gen" ] && mkdir -p "$tmp/syn" &&
   "$gen" --write-traces "$tmp/syn" >/dev/null 2>&1; then
	for t in "$tmp"/syn/*pageout*.umt "$tmp"/syn/*.umt; do
		[ -f "$t" ] && traces+=("$t")
	done
fi
trace=${traces[0]:-}
if [ -z "$trace" ]; then
	skip trace_inputs "no traces/*.umt and no $gen --write-traces"
elif ! "$U" replay --json "$trace" >"$tmp/real.json" 2>"$tmp/real.err"; then
	fail trace_inputs "replay --json $trace failed: $(head -1 "$tmp/real.err")"
else
	echo "# trace inputs: $trace"
	d tt "$trace" "$trace"
	expect tt 0 && pass trace_vs_trace
	# diff's in-process replay must equal `replay --json`, row for row,
	# for every trace (a few) and both arches
	bad=
	for t in "${traces[@]:0:6}"; do
		for a in x86 arm64; do
			"$U" replay --json --arch $a "$t" >"$tmp/rj.json" \
				2>/dev/null || { bad+=" replay:$t:$a"; continue; }
			d tr --json --fail-on '*>+0%' "$tmp/rj.json" --arch $a \
				"$t"
			o=$tmp/tr.out
			total=$(cnt "$o" 'rows[status=ok]')
			if [ "$(rc tr)" != 0 ] || ! clean tr ||
			   [ "$total" -eq 0 ] ||
			   [ "$(get "$o" verdict.unchanged)" != "$total" ] ||
			   [ "$(get "$o" verdict.improved)" != 0 ]; then
				bad+=" $(basename "$t"):$a"
			fi
		done
	done
	if [ -z "$bad" ]; then
		pass report_vs_trace
	else
		fail report_vs_trace "in-process replay differs from replay --json:$bad"
	fi
	cp "$trace" "$tmp/trace.json"
	d tmagic "$tmp/trace.json" "$tmp/real.json"
	expect tmagic 0 && pass trace_named_json

	# seeded regressions derived from the real report
	p=$(get "$tmp/real.json" 'results[0].policy')
	a=$(get "$tmp/real.json" 'results[0].arch')
	sel="results[policy=$p,arch=$a].counts"
	if "$J" "$tmp/real.json" "$sel.tlb_flushes" +1 "$sel.atomics" +100000 \
		>"$tmp/realreg.json" 2>"$tmp/jset.err"; then
		d rr --json "$trace" "$tmp/realreg.json"
		o=$tmp/rr.out
		expect rr 1 &&
		if [ "$(get "$o" "rows[policy=$p,arch=$a,metric=tlb_flushes].status")" \
			= regressed ] &&
		   [ "$(get "$o" "rows[policy=$p,arch=$a,metric=atomics].delta")" \
			= 100000 ] &&
		   [ "$(cnt "$o" 'rows[status=regressed]')" = 2 ]; then
			pass real_report_seeded_regression
		else
			fail real_report_seeded_regression "rows wrong"
		fi
	else
		fail real_report_seeded_regression "$(cat "$tmp/jset.err")"
	fi
	"$J" "$tmp/real.json" schema '="unmaptrace-report/2"' \
		>"$tmp/real2.json"
	d rs2 "$trace" "$tmp/real2.json"
	expect rs2 3 && pass real_report_schema_major

	# --policy and --arch reach the replay of both traces
	d pol --json --policy "none,file" --arch arm64 "$trace" "$trace"
	o=$tmp/pol.out
	expect pol 0 &&
	if [ "$(cnt "$o" 'rows[policy=none,arch=arm64,metric=ttu_calls]')" = 1 ] &&
	   [ "$(cnt "$o" 'rows[policy=file,arch=arm64,metric=ttu_calls]')" = 1 ] &&
	   [ "$(cnt "$o" 'rows[policy=anon,metric=ttu_calls]')" = 0 ] &&
	   [ "$(cnt "$o" 'rows[arch=x86]')" = 0 ]; then
		pass trace_policy_arch_options
	else
		fail trace_policy_arch_options "wrong results replayed"
	fi
	d twoarch --json --policy none --arch x86 --arch arm64 "$trace" "$trace"
	expect twoarch 0 &&
	if [ "$(cnt "$tmp/twoarch.out" 'rows[arch=x86,metric=ttu_calls]')" = 1 ] &&
	   [ "$(cnt "$tmp/twoarch.out" 'rows[arch=arm64,metric=ttu_calls]')" = 1 ]
	then
		pass trace_two_arches
	else
		fail trace_two_arches "want one x86 and one arm64 result"
	fi
	d badpol --policy nosuch "$trace" "$trace"
	expect badpol 2 && grep -q 'nosuch' "$tmp/badpol.err" &&
		pass trace_bad_policy ||
		{ [ "$(rc badpol)" = 2 ] && fail trace_bad_policy \
			"$(cat "$tmp/badpol.err")"; }
	# a trace against a report of another trace: both replayed, compared
	if [ ${#traces[@]} -gt 1 ]; then
		d twotr "$trace" "${traces[1]}"
		r2=$(rc twotr)
		if clean twotr && [ "$r2" -ne 2 ]; then
			pass two_different_traces
		else
			fail two_different_traces "exit $r2: $(head -2 "$tmp/twotr.err")"
		fi
	fi
	# a damaged trace is an input error, not a comparison
	head -c 40 "$trace" >"$tmp/cut.umt"
	d cut "$tmp/cut.umt" "$trace"
	r2=$(rc cut)
	if clean cut && [ "$r2" = 2 ]; then
		pass truncated_trace_handled
	else
		fail truncated_trace_handled "exit $r2"
	fi
fi

# ---- diff for kernel CI (issue 10): live results, pairing, damaged
# inputs, JSON Lines, rules, --help examples
# shellcheck source=tests/diff/kernels.sh
. "$here/kernels.sh"
exit 0
