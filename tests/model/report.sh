# Sourced by tests/model/run.sh (uses its r, rc, clean, pass, fail, $J,
# $U, $tmp, $top): the report answers "what does batching buy here, on
# which arch" at a glance (issue 16).  Cases read the shipped traces.

dflt=$top/traces/default.umt
if [ ! -f "$dflt" ]; then
	fail report_first_block "traces/default.umt missing"
	return 0
fi
ln -sf "$dflt" "$tmp/default.umt"

# the first block: baseline, the recording kernel checked against live,
# and what changes; labels name behaviour and kernels
r first default.umt
o=$tmp/first.out
bad=
[ "$(rc first)" = 0 ] && clean first || bad+=" exit=$(rc first)"
blk=$(sed -n '/^what batching buys here/,/^$/p' "$o")
[ -n "$blk" ] || bad+=" no-block"
grep -q '<=6.14 (no batching)' <<<"$blk" || bad+=" baseline-label"
grep -qE 'kernel 7\.3\.4.*(= live|live ok)' <<<"$blk" || bad+=" kernel-vs-live"
grep -q 'Dev Jain v4 (proposal)' <<<"$blk" || bad+=" anon-label"
# 7.3's file batching changes nothing for anon folios: folded, said once
grep -q 'no change for this trace:.*7.3 (file+lazyfree)' <<<"$(tr '\n' ' ' \
	<<<"$blk")" || bad+=" fold-line"
# the block comes before the detailed tables
[ "$(grep -n '^what batching buys here' "$o" | cut -d: -f1)" -lt \
  "$(grep -n "^counts " "$o" | head -1 | cut -d: -f1)" ] 2>/dev/null || bad+=" order"
# and the tables show only the columns that differ
grep -E '^counts ' "$o" | grep -qw file && bad+=" file-column-shown"
grep -E '^counts ' "$o" | grep -qw kernel || bad+=" no-kernel-column"
[ -z "$bad" ] && pass report_first_block || fail report_first_block "$bad"

# --batched / --unbatched: the policy beside what it is measured against
r bat --json --batched default.umt
r unb --json --unbatched default.umt
pols() { local i=0 p out=
	while p=$($J "$1" "results.$i.policy"); do
		out+="$p,"
		i=$((i + 1))
	done
	echo "${out%,}"
}
pb=$(pols "$tmp/bat.out")
pu=$(pols "$tmp/unb.out")
if [ "$(rc bat)" = 0 ] && [ "$(rc unb)" = 0 ] && [ "$pb" = none,kernel,anon ] &&
   [ "$pu" = kernel,none ]; then
	pass batched_beside_baseline
else
	fail batched_beside_baseline "--batched: '$pb', --unbatched: '$pu'"
fi
r batt --batched default.umt
grep -q '^what batching buys here' "$tmp/batt.out" &&
	grep -q 'Dev Jain v4 (proposal)' "$tmp/batt.out" &&
	pass batched_text_block || fail batched_text_block "no first block"

# every generation by name, labels in the JSON, errors list the names
r pr --json -p page-rmap,none,kernel default.umt
if [ "$(rc pr)" = 0 ] && [ "$($J "$tmp/pr.out" results.0.policy)" = page-rmap ] &&
   [ "$($J "$tmp/pr.out" results.0.generation)" = page-rmap ] &&
   [ "$($J "$tmp/pr.out" results.1.label)" = '<=6.14 (no batching)' ]; then
	pass policy_page_rmap_selectable
else
	fail policy_page_rmap_selectable "exit $(rc pr): $(head -1 "$tmp/pr.err")"
fi
r lab --json -p lazyfree-6.15,lazyfree,file-7.2,file,anon,file+skip default.umt
bad=
for i in 0 1 2 3 4 5; do
	l=$($J "$tmp/lab.out" "results.$i.label")
	[ -n "$l" ] || bad+=" $i:none"
done
[ "$($J "$tmp/lab.out" results.3.label)" = '7.3 (file+lazyfree)' ] ||
	bad+=" file:'$($J "$tmp/lab.out" results.3.label)'"
[ "$($J "$tmp/lab.out" results.4.label)" = 'Dev Jain v4 (proposal)' ] ||
	bad+=" anon"
[ -z "$bad" ] && pass policy_labels || fail policy_labels "$bad"
r unk -p bogus default.umt
if [ "$(rc unk)" = 2 ] &&
   grep -q "^unmaptrace replay: unknown policy 'bogus'" "$tmp/unk.err" &&
   grep -q 'page-rmap' "$tmp/unk.err" && grep -q 'lazyfree-6.15' "$tmp/unk.err" &&
   grep -q 'kernel' "$tmp/unk.err"; then
	pass unknown_policy_lists_valid
else
	fail unknown_policy_lists_valid "$(cat "$tmp/unk.err")"
fi
r dup -p none,none default.umt
r dup2 -p file,anon,file default.umt
if [ "$(rc dup)" = 2 ] && [ "$(rc dup2)" = 2 ] &&
   grep -q "policy 'none' given twice" "$tmp/dup.err" &&
   grep -q "policy 'file' given twice" "$tmp/dup2.err"; then
	pass duplicate_policy_refused
else
	fail duplicate_policy_refused "exit $(rc dup)/$(rc dup2): $(cat "$tmp/dup.err")"
fi

# arm64: one meaning of "TLB flush", the final flush counted, no x86 live
# counts under arm64 columns
r a64 --arch arm64 default.umt
r a64j --json --arch arm64 -p none,anon default.umt
o=$tmp/a64.out
bad=
[ "$(rc a64)" = 0 ] && clean a64 || bad+=" exit=$(rc a64)"
grep -E '^  tlb_flushes ' "$o" | grep -q -- '-100.0%' && bad+=" -100%"
grep -q 'deferred flush pending' "$o" && bad+=" pending-warning"
grep -q 'live counts are from x86; arm64 is predicted' "$o" || bad+=" no-note"
grep -qE '^live \(recorded\)' "$o" && bad+=" x86-live-under-arm64"
n0=$($J "$tmp/a64j.out" results.0.counts.tlb_flushes)
n1=$($J "$tmp/a64j.out" results.1.counts.tlb_flushes)
[ -n "$n1" ] && [ "${n1:-0}" -gt 0 ] && [ $((n1 * 10)) -lt "${n0:-0}" ] ||
	bad+=" flushes none=$n0 anon=$n1"
[ "$($J "$tmp/a64j.out" live.arch)" = x86 ] || bad+=" live.arch"
[ -z "$bad" ] && pass arm64_flushes_consistent ||
	fail arm64_flushes_consistent "$bad"

# x86: the flush kind that changes is explained (6.16+ flush_tlb_range)
r fk -p none,file default.umt
grep -q 'flush_tlb_range' "$tmp/fk.out" && pass flush_kind_explained ||
	fail flush_kind_explained "no word on flush_tlb_range"

# one CLI voice: prefix, usage once, no FILE says how to get one
r voice -p bogus default.umt
r nofile
r hlp --help
bad=
grep -q '^unmaptrace replay: ' "$tmp/voice.err" || bad+=" prefix"
[ "$(rc nofile)" = 2 ] && grep -q 'unmaptrace record' "$tmp/nofile.err" ||
	bad+=" nofile:$(head -1 "$tmp/nofile.err")"
[ "$(grep -ciE '^ *usage:' "$tmp/hlp.out")" = 1 ] || bad+=" usage-twice"
[ -z "$bad" ] && pass cli_voice || fail cli_voice "$bad"

# every shipped kernel's default report: under 80 columns, leads with the
# recording kernel
bad=
for t in "$top"/traces/*/anon-pageout.umt "$top"/traces/*/lazyfree.umt; do
	n=lead_$(basename "$(dirname "$t")")_$(basename "$t" .umt)
	r "$n" "$t"
	o=$tmp/$n.out
	if [ "$(rc "$n")" != 0 ] || ! clean "$n"; then
		bad+=" $n:exit$(rc "$n")"
	elif awk 'length > 79 { bad = 1 } END { exit !bad }' "$o"; then
		bad+=" $n:width"
	elif ! sed -n '/^what batching buys here/,/^$/p' "$o" |
		grep -q 'kernel '; then
		bad+=" $n:no-kernel-line"
	fi
done
[ -z "$bad" ] && pass default_report_every_kernel ||
	fail default_report_every_kernel "$bad"

# the JSON additions are documented
bad=
for k in '`label`' '`trace.kernel_version`' \
	 '`trace.kernel_label`' '`live.arch`'; do
	grep -qF "$k" "$top/docs/REPORT.md" || bad+=" $k"
done
[ -z "$bad" ] && pass json_additions_documented ||
	fail json_additions_documented "not in docs/REPORT.md:$bad"

# the README's "What it shows" is the output as run: every line of each
# `$ unmaptrace replay|diff ...` excerpt appears, in order, in the real output
# ("..." lines stand for what the excerpt leaves out)
readme_excerpts() {
	awk '/^\$ unmaptrace (replay|diff) / { n++; f = 1; print "#CMD " substr($0, 3)
		next } f && /^```/ { f = 0 } f { print }' "$top/README.md"
}
bad=
nx=0
cur=
while IFS= read -r line; do
	case $line in
	'#CMD '*)
		nx=$((nx + 1))
		cmd=${line#\#CMD unmaptrace }
		# shellcheck disable=SC2086
		(cd "$top" && "$U" $cmd) >"$tmp/readme$nx.out" 2>&1
		cur=$tmp/readme$nx.out
		pos=0
		;;
	'' | '...'* | ' '*'...') ;;
	*)
		n=$(awk -v want="$line" -v from="$pos" \
			'NR > from && $0 == want { print NR; exit }' "$cur")
		if [ -z "$n" ]; then
			bad+=" [$nx: '$line']"
		else
			pos=$n
		fi
		;;
	esac
done < <(readme_excerpts)
if [ "$nx" = 0 ]; then
	fail readme_matches_output "no \$ unmaptrace replay excerpt in README.md"
elif [ -n "$bad" ]; then
	fail readme_matches_output "not in the output as run:${bad:0:300}"
else
	pass readme_matches_output
fi
