# Sourced by tests/diff/run.sh (uses its d, rc, expect, get, cnt, $J, $U,
# $tmp, $top, $base): `diff` for kernel CI (issue 10).  What the kernels
# did (`live`) is compared by default when the inputs come from different
# kernels, policies pair across sides with --pair, damaged, lossy or empty
# inputs exit 2 unless --allow-damaged, several NEW give JSON Lines, the
# printed default rules are the applied ones, and --help's examples run.
# Damage is judged by the one policy of every reader (lib/damage.h, helper
# fuzz): UMT_EXIT_DAMAGED (2), --allow-damaged compares unless no chunk
# was complete.
# Every case reads the shipped traces (real recordings, traces/README.md).

k612=$top/traces/6.12/lazyfree.umt
k73=$top/traces/7.3/lazyfree.umt
k73anon=$top/traces/7.3/anon-pageout.umt
if [ ! -f "$k612" ] || [ ! -f "$k73" ] || [ ! -f "$k73anon" ]; then
	fail kernels "shipped traces 6.12/lazyfree, 7.3/lazyfree missing"
	return 0
fi

# ---- two kernels: live and kernel compared, the header says why
d kup --json "$k612" "$k73"
d kupt "$k612" "$k73"
o=$tmp/kup.out
if expect kup 0 && expect kupt 0; then
	bad=
	[ "$(get "$o" compared.mode)" = kernels ] || bad+=" mode"
	get "$o" compared.why | grep -q 'different kernels' || bad+=" why"
	for m in tlb_flushes rmap_calls mm_counter_updates walk_calls \
		 walk_iterations; do
		r="rows[policy=live,arch=x86,metric=$m]"
		[ "$(get "$o" "$r.status")" = improved ] || bad+=" live:$m"
	done
	r='rows[policy=live,arch=x86,metric=tlb_flushes]'
	[ "$(get "$o" "$r.base")" = 16384 ] &&
		[ "$(get "$o" "$r.new")" = 1024 ] || bad+=" live:tlb=16384->1024"
	r='rows[policy=kernel,arch=x86,metric=tlb_flushes]'
	[ "$(get "$o" "$r.status")" = improved ] || bad+=" kernel:tlb"
	# the model policies of the same names are not what is compared
	[ "$(cnt "$o" 'rows[policy=none]')" = 0 ] || bad+=" none-rows"
	grep -q '^compared: live, kernel' "$tmp/kupt.out" || bad+=" text-header"
	grep -q 'different kernels' "$tmp/kupt.out" || bad+=" text-why"
	grep -qE '^  tlb_flushes +16384 +1024 +-15360 +-93\.8% +improved$' \
		"$tmp/kupt.out" || bad+=" text-live-row"
	if [ -z "$bad" ]; then
		pass kernels_improvement
	else
		fail kernels_improvement "wrong:$bad"
	fi
fi

# ---- the same pair reversed: exit 1, the rules named
d kdown --json "$k73" "$k612"
d kdownt "$k73" "$k612"
o=$tmp/kdown.out
# a long regression line continues with "    breaks rule" on the next
sed -e ':a' -e 'N' -e '$!ba' -e 's/\n    breaks rule/ breaks rule/g' \
	"$tmp/kdownt.out" >"$tmp/kdownt.joined"
if expect kdown 1 && expect kdownt 1; then
	bad=
	for m in tlb_flushes rmap_calls mm_counter_updates walk_calls \
		 walk_iterations; do
		r="rows[policy=live,arch=x86,metric=$m]"
		rule=$(get "$o" "$r.rule")
		[ "$(get "$o" "$r.status")" = regressed ] && [ -n "$rule" ] ||
			{ bad+=" $m"; continue; }
		grep -qF "live/x86 $m " "$tmp/kdownt.joined" &&
		grep -F "live/x86 $m " "$tmp/kdownt.joined" |
			grep -qF "breaks rule '$rule'" || bad+=" text:$m"
	done
	if [ -z "$bad" ]; then
		pass kernels_regression_names_rules
	else
		fail kernels_regression_names_rules "not regressed/named:$bad"
	fi
fi

# ---- one kernel: the model policies, as before, no live rows
d ksame --json "$k73" "$k73anon"
o=$tmp/ksame.out
r2=$(rc ksame)
if [ "$r2" = 2 ] || ! clean ksame; then
	fail kernels_same_kernel_models "exit $r2: $(head -2 "$tmp/ksame.err")"
elif [ "$(get "$o" compared.mode)" != models ] ||
     ! get "$o" compared.why | grep -q 'same kernel' ||
     [ "$(cnt "$o" 'rows[policy=live]')" != 0 ] ||
     [ "$(cnt "$o" 'rows[policy=none,arch=x86,metric=ttu_calls]')" != 1 ]
then
	fail kernels_same_kernel_models "$(get "$o" compared)"
else
	pass kernels_same_kernel_models
fi

# ---- a patched kernel with the same release: kernel.version or the
# user's --meta kernel=... label tell the kernels apart
"$U" replay --json "$k73" >"$tmp/r73.json" 2>/dev/null
if [ "$(get "$tmp/r73.json" trace.kernel_version)" = "" ]; then
	fail kernels_version_in_report "no trace.kernel_version in replay --json"
else
	pass kernels_version_in_report
fi
# kernels_mode NAME WHY BASE NEW: compared as two kernels, WHY in the why
kernels_mode() {
	d "$1" --json "$3" "$4"
	expect "$1" 0 &&
	if [ "$(get "$tmp/$1.out" compared.mode)" = kernels ] &&
	   get "$tmp/$1.out" compared.why | grep -q "$2"; then
		pass "kernels_$1"
	else
		fail "kernels_$1" "$(get "$tmp/$1.out" compared)"
	fi
}
"$J" "$tmp/r73.json" trace.kernel_version '="#2 SMP PREEMPT_DYNAMIC patched"' \
	>"$tmp/r73v.json"
kernels_mode by_version 'kernel.version' "$tmp/r73.json" "$tmp/r73v.json"
"$J" "$tmp/r73.json" trace.kernel_label '="candidate"' >"$tmp/r73l.json"
"$J" "$tmp/r73.json" trace.kernel_label '="base"' >"$tmp/r73b.json"
kernels_mode by_label 'base vs candidate' "$tmp/r73b.json" "$tmp/r73l.json"

# ---- --pair BASE:NEW across policies
d pair --json --pair none:kernel "$k612" "$k73"
o=$tmp/pair.out
expect pair 0 &&
if [ "$(get "$o" compared.mode)" = pairs ] &&
   [ "$(get "$o" 'rows[policy=none:kernel,arch=x86,metric=tlb_flushes].status')" \
	= improved ] &&
   [ "$(get "$o" 'rows[policy=none:kernel,arch=x86,metric=tlb_flushes].base_policy')" \
	= none ] &&
   [ "$(cnt "$o" 'rows[policy=live]')" = 0 ]; then
	pass pair_across_policies
else
	fail pair_across_policies "$(get "$o" compared)"
fi
# live against the kernel model of the same trace: the model reproduces
# the recording (what --check proves), so nothing changes
d pairlive --json --pair live:kernel "$k73" "$k73"
o=$tmp/pairlive.out
expect pairlive 0 &&
if [ "$(cnt "$o" 'rows[status=ok]')" -gt 4 ] &&
   [ "$(get "$o" verdict.unchanged)" = "$(cnt "$o" 'rows[status=ok]')" ] &&
   [ "$(get "$o" verdict.missing)" = 0 ]; then
	pass pair_live_vs_kernel
else
	fail pair_live_vs_kernel "$(get "$o" verdict)"
fi
d pairll --pair live:live "$k73" "$k73anon"
r2=$(rc pairll)
[ "$r2" != 2 ] && clean pairll && grep -q '^compared: live' \
	"$tmp/pairll.out" && pass pair_live_same_kernel ||
	fail pair_live_same_kernel "exit $r2: $(head -2 "$tmp/pairll.err")"
d pairbad --pair kernel "$k612" "$k73"
expect pairbad 2 && grep -q 'BASE_POLICY:NEW_POLICY' "$tmp/pairbad.err" &&
	pass pair_syntax_error || { [ "$(rc pairbad)" = 2 ] &&
	fail pair_syntax_error "$(cat "$tmp/pairbad.err")"; }
d pairunk --pair bogus:kernel "$k612" "$k73"
expect pairunk 2 && grep -q "unknown policy 'bogus'" "$tmp/pairunk.err" &&
	grep -q 'none' "$tmp/pairunk.err" && grep -q 'kernel' "$tmp/pairunk.err" &&
	pass pair_unknown_policy_lists_names || { [ "$(rc pairunk)" = 2 ] &&
	fail pair_unknown_policy_lists_names "$(cat "$tmp/pairunk.err")"; }

# ---- damaged, lossy, empty: exit 2 with the reader's message
head -c 8000 "$k73" >"$tmp/kcut.umt"
cp "$k73" "$tmp/kflip.umt"
# invert one byte of chunk 0's compressed data
byte=$(od -An -tu1 -j5000 -N1 "$k73" | tr -d ' ')
printf "\\$(printf %o $((255 - byte)))" |
	dd of="$tmp/kflip.umt" bs=1 seek=5000 conv=notrunc status=none
# the header and the first chunk header only: no call at all
off=$("$U" info --chunks "$k73" 2>/dev/null |
	awk '$1 == "0" && $3 ~ /^[0-9]+$/ { print $2; exit }')
head -c "${off:-3612}" "$k73" >"$tmp/kempty.umt"
for c in kcut kflip kempty; do
	d "dmg_$c" "$k73" "$tmp/$c.umt"
	d "dmgb_$c" "$tmp/$c.umt" "$k73"
	if expect "dmg_$c" 2 && expect "dmgb_$c" 2; then
		if grep -q "$c.umt" "$tmp/dmg_$c.err" &&
		   grep -qiE 'damaged|truncat|CRC|no call|0 calls|short read' \
			"$tmp/dmg_$c.err"; then
			pass "damaged_input_refused[$c]"
		else
			fail "damaged_input_refused[$c]" "$(head -3 "$tmp/dmg_$c.err")"
		fi
	fi
done
# The damage verdict is lib/damage.h's (helper fuzz, issue 15): these
# cases test diff through it and wait for it to be in the tree.
if [ ! -f "$top/lib/damage.h" ]; then
	for c in lossy_trace_refused allow_damaged report_damaged_field \
		 lossy_report_refused; do
		skip "$c" "lib/damage.h (the damage policy) not in this tree yet"
	done
else
	lossy=
	if [ -x "${gen:-}" ] && mkdir -p "$tmp/ksyn" &&
	   "$gen" --write-traces "$tmp/ksyn" >/dev/null 2>&1; then
		lossy=$tmp/ksyn/synthetic-lost.umt
	fi
	if [ -n "$lossy" ] && [ -f "$lossy" ]; then
		d dmg_lost "$lossy" "$lossy"
		expect dmg_lost 2 && grep -q 'lost' "$tmp/dmg_lost.err" &&
			pass lossy_trace_refused || { [ "$(rc dmg_lost)" = 2 ] &&
			fail lossy_trace_refused "$(cat "$tmp/dmg_lost.err")"; }
	else
		fail lossy_trace_refused "no synthetic-lost.umt from ${gen:-test_model}"
	fi
	# --allow-damaged: compared, marked on the side and in the verdict; a
	# trace whose second chunk is cut still has its first
	kfork=$top/traces/7.3/fork-shared.umt
	off1=$("$U" info --chunks "$kfork" 2>/dev/null |
		awk '$1 == "1" && $2 ~ /^[0-9]+$/ { print $2; exit }')
	head -c $((${off1:-24000} + 2000)) "$kfork" >"$tmp/kfcut.umt"
	d dmgok --allow-damaged "$tmp/kfcut.umt" "$kfork"
	d dmgokj --json --allow-damaged "$tmp/kfcut.umt" "$kfork"
	d dmgno "$tmp/kfcut.umt" "$kfork"
	d dmgun --allow-damaged "$tmp/kcut.umt" "$k73"
	r2=$(rc dmgok)
	if [ "$r2" -gt 1 ] || ! clean dmgok; then
		fail allow_damaged "exit $r2: $(head -2 "$tmp/dmgok.err")"
	elif [ "$(rc dmgno)" != 2 ] || [ "$(rc dmgun)" != 2 ]; then
		fail allow_damaged "not allowed: exit $(rc dmgno), no chunk: $(rc dmgun)"
	elif ! tail -2 "$tmp/dmgok.out" | grep -q 'DAMAGED' ||
	     ! grep -q '^--- .*kfcut.umt' "$tmp/dmgok.out" ||
	     [ "$(get "$tmp/dmgokj.out" 'verdict.files[0].base_damaged')" != true ] ||
	     [ "$(get "$tmp/dmgokj.out" 'verdict.files[0].new_damaged')" != false ]
	then
		fail allow_damaged "verdict: $(tail -1 "$tmp/dmgok.out")"
	else
		pass allow_damaged
	fi
	# a report made from a damaged trace says so (its "damaged" object), and
	# diff refuses it
	"$U" replay --json --allow-damaged "$tmp/kfcut.umt" >"$tmp/kfcut.json" \
		2>/dev/null
	"$U" replay --json "$kfork" >"$tmp/kfork.json" 2>/dev/null
	if [ "$(get "$tmp/kfcut.json" damaged.level)" != damaged ]; then
		fail report_damaged_field "replay --json of a cut trace: damaged.level \
	is '$(get "$tmp/kfcut.json" damaged.level)'"
	else
		pass report_damaged_field
		d dmgrep "$tmp/kfork.json" "$tmp/kfcut.json"
		expect dmgrep 2 && grep -q 'kfcut.json' "$tmp/dmgrep.err" &&
			pass damaged_report_refused || { [ "$(rc dmgrep)" = 2 ] &&
			fail damaged_report_refused "$(cat "$tmp/dmgrep.err")"; }
	fi
	"$J" "$tmp/kfork.json" damaged >/dev/null 2>&1 &&
		[ -n "$(get "$tmp/kfork.json" damaged)" ] &&
		fail report_intact_field "an intact trace's report has \"damaged\"" ||
		pass report_intact_field
	# a report of a trace that lost events (older reports: trace.lost only)
	"$J" "$base" trace.lost =5 >"$tmp/klost.json"
	d klost "$base" "$tmp/klost.json"
	expect klost 2 && grep -q 'klost.json.*lost' "$tmp/klost.err" &&
		pass lossy_report_refused || { [ "$(rc klost)" = 2 ] &&
		fail lossy_report_refused "$(cat "$tmp/klost.err")"; }
fi
"$J" "$base" trace.events =0 >"$tmp/kzero.json"
d kzero "$base" "$tmp/kzero.json"
expect kzero 2 && grep -q 'kzero.json.*0 calls' "$tmp/kzero.err" &&
	pass empty_report_refused || { [ "$(rc kzero)" = 2 ] &&
	fail empty_report_refused "$(cat "$tmp/kzero.err")"; }

# ---- several NEW with --json: JSON Lines, one object per comparison
d jl --json "$base" "$tmp/reg1.json" "$tmp/imp.json"
expect jl 1 &&
if [ "$(wc -l <"$tmp/jl.out")" = 2 ] &&
   sed -n 1p "$tmp/jl.out" >"$tmp/jl1.json" &&
   sed -n 2p "$tmp/jl.out" >"$tmp/jl2.json" &&
   [ "$(get "$tmp/jl1.json" schema)" = unmaptrace-diff/1 ] &&
   get "$tmp/jl1.json" 'verdict.files[0].file' | grep -q 'reg1.json$' &&
   [ "$(get "$tmp/jl1.json" verdict.exit_code)" = 1 ] &&
   get "$tmp/jl2.json" 'verdict.files[0].file' | grep -q 'imp.json$' &&
   [ "$(get "$tmp/jl2.json" verdict.exit_code)" = 0 ]; then
	pass json_lines
else
	fail json_lines "$(head -c 200 "$tmp/jl.out")"
fi

# ---- rules: the printed defaults are the applied ones, everywhere, and
# each covers a counter a kernel change moves
d khelp --help
hrules=$(sed -n '/^Default rules/,/^$/p' "$tmp/khelp.out" | sed 1d |
	tr -d ' \n')
d kdef --json "$base" "$base"
arules=$("$J" -g "$tmp/kdef.out" rules | tr -d '[]" \n')
drules=$(sed -n '/^### The default/,/^```$/p' "$top/docs/ci.md" |
	sed -n '/^```$/,/^```$/p' | grep -v '^```' | tr -d ' \n')
[ -z "$drules" ] && drules=$(awk '/^### The default/ { f = 1; next }
	f && /^```/ { n++; next } f && n == 1 { print } n >= 2 { exit }' \
	"$top/docs/ci.md" | tr -d ' \n')
if [ -n "$hrules" ] && [ "$hrules" = "$arules" ] && [ "$hrules" = "$drules" ]
then
	pass rules_printed_are_applied
else
	fail rules_printed_are_applied "help '$hrules' applied '$arules' \
docs '$drules'"
fi
bad=
IFS=, read -ra rl <<<"$arules"
for m in tlb_flushes tlbi atomics barriers locks ptep_get rmap_calls \
	 rmap_pages mm_counter_updates walk_calls walk_iterations \
	 failed_calls batches; do
	hit=
	for rule in "${rl[@]}"; do
		# shellcheck disable=SC2254
		case $m in ${rule%%>*}) hit=1 ;; esac
	done
	[ -n "$hit" ] || bad+=" $m"
done
[ -z "$bad" ] && pass rules_cover_kernel_counters ||
	fail rules_cover_kernel_counters "no default rule for:$bad"
# every default rule decides some counter of a real two-kernel diff
d kall --json --arch x86 --arch arm64 "$k73" "$k612"
bad=
for rule in "${rl[@]}"; do
	[ "$(cnt "$tmp/kall.out" "rows[rule=$rule]")" -gt 0 ] 2>/dev/null ||
		bad+=" $rule"
done
[ "$(rc kall)" = 1 ] && [ -z "$bad" ] && pass every_default_rule_decides ||
	fail every_default_rule_decides "exit $(rc kall), deciding nothing:$bad"

# ---- --help's examples run as written
ex=$tmp/examples
mkdir -p "$ex"
cp "$base" "$ex/base.json"
cp "$tmp/reg1.json" "$ex/new.json"
cp "$base" "$ex/a.json"
cp "$tmp/imp.json" "$ex/b.json"
cp "$k612" "$ex/base.umt"
cp "$k73" "$ex/new.umt"
sed -n '/^EXAMPLES:/,/^$/p' "$tmp/khelp.out" | sed 1d |
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | grep '^ *unmaptrace ' \
	>"$tmp/examples.txt"
n=0
bad=
while IFS= read -r line; do
	n=$((n + 1))
	(cd "$ex" && GITHUB_STEP_SUMMARY=$ex/summary.md \
		UNMAPTRACE_BIN=$U bash -c "unmaptrace() { \"\$UNMAPTRACE_BIN\" \"\$@\"; }; $line" \
		>"$ex/$n.out" 2>"$ex/$n.err")
	r2=$?
	if [ "$r2" -gt 1 ] || grep -qiE 'warning|error|runtime error' \
		"$ex/$n.err"; then
		bad+=" [$line: exit $r2 $(head -1 "$ex/$n.err")]"
	fi
done <"$tmp/examples.txt"
if [ "$n" -lt 4 ]; then
	fail help_examples_run "only $n examples found"
elif [ -n "$bad" ]; then
	fail help_examples_run "$bad"
else
	pass help_examples_run
fi
