#!/usr/bin/env bash
# Host-side tests of `unmaptrace record` and `unmaptrace features`.
#
# On a kernel where a required hook cannot attach (this project's host:
# fentry refused with EPERM, no kprobes) they check the refusal path:
# features names every candidate and its errno, record exits 1 before
# anything that looks like a trace exists and never starts CMD.  Where
# record can run, they record `true` and check the file.  The real
# recordings are checked in QEMU guests (tests/vm/).
#
# $UNMAPTRACE is the binary under test.  Prints PASS/FAIL lines.
set -uo pipefail
bin=$(realpath "${UNMAPTRACE:-$(dirname "$0")/../../unmaptrace}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
check() {	# check NAME COND-STATUS WHY
	if [ "$2" -eq 0 ]; then pass "$1"; else fail "$1" "$3"; fi
}

# --- usage errors: exit 2, never load anything ---------------------------
"$bin" record >"$tmp/o" 2>&1
rc=$?
check record-usage-no-target $([ $rc -eq 2 ]; echo $?) "exit $rc, want 2"
"$bin" record -a -p 1 >"$tmp/o" 2>&1
rc=$?
check record-usage-two-targets $([ $rc -eq 2 ]; echo $?) "exit $rc, want 2"
# the victim filters: one target, --reclaimer-only only with -p or CMD
for args in "-p 1 -- true" "--cgroup /x -a" "--cgroup /x -p 1" \
	"--reclaimer-only -a" "--reclaimer-only --cgroup /x -- true" \
	"--reclaimer-only"; do
	# shellcheck disable=SC2086
	"$bin" record $args >"$tmp/o" 2>&1
	rc=$?
	check "record-usage-${args// /_}" $([ $rc -eq 2 ] &&
		grep -q 'give\|goes with' "$tmp/o"; echo $?) \
		"exit $rc, want 2: $(head -c 200 "$tmp/o")"
done
# a CMD that cannot run, a PID that does not exist: usage, nothing written
(cd "$tmp" && "$bin" record -o nx.umt -- /nonexistent >o 2>&1)
rc=$?
check record-usage-cmd-missing $([ $rc -eq 2 ] && [ ! -e "$tmp/nx.umt" ] &&
	grep -q "cannot run '/nonexistent'" "$tmp/o"; echo $?) \
	"exit $rc: $(head -c 200 "$tmp/o")"
(cd "$tmp" && "$bin" record -o nx.umt -- no-such-cmd-umt >o 2>&1)
rc=$?
check record-usage-cmd-not-in-path $([ $rc -eq 2 ] && [ ! -e "$tmp/nx.umt" ] &&
	grep -q 'not found in \$PATH' "$tmp/o"; echo $?) "exit $rc"
pid=$(cat /proc/sys/kernel/pid_max)
(cd "$tmp" && "$bin" record -o nx.umt -p "$pid" >o 2>&1)
rc=$?
check record-usage-no-such-pid $([ $rc -eq 2 ] && [ ! -e "$tmp/nx.umt" ] &&
	grep -q "no process $pid" "$tmp/o"; echo $?) "exit $rc"
"$bin" record -a -b 0 >"$tmp/o" 2>&1
rc=$?
check record-usage-bad-buffer $([ $rc -eq 2 ]; echo $?) "exit $rc, want 2"
"$bin" record -a --meta novalue >"$tmp/o" 2>&1
rc=$?
check record-usage-bad-meta $([ $rc -eq 2 ]; echo $?) "exit $rc, want 2"
"$bin" record --help >"$tmp/o" 2>&1
grep -q 'USAGE:' "$tmp/o" && grep -q 'EXAMPLES:' "$tmp/o"
check record-help $? "no USAGE:/EXAMPLES: in --help"
"$bin" features --help >"$tmp/o" 2>&1
grep -q 'USAGE:' "$tmp/o" && grep -q 'EXAMPLES:' "$tmp/o"
check features-help $? "no USAGE:/EXAMPLES: in --help"

if [ "$(id -u)" -ne 0 ]; then
	pass "record-root-tests # SKIP not root"
	exit 0
fi

# --- features ----------------------------------------------------------
"$bin" features >"$tmp/feat.txt" 2>&1
frc=$?
"$bin" features --json >"$tmp/feat.json" 2>"$tmp/feat.err"
jrc=$?
check features-exit-agree $([ $frc -eq $jrc ]; echo $?) \
	"text exit $frc, json exit $jrc"
missing=0
for h in ttu rmap walk tlb_flush tlb_batch rss_stat fork; do
	grep -q "^$h " "$tmp/feat.txt" || missing=1
done
check features-lists-hooks $missing "a hook is missing from the table"

python3 - "$tmp/feat.json" "$jrc" >"$tmp/py" 2>&1 <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
names = [h["hook"] for h in j["hooks"]]
assert names == ["ttu", "rmap", "walk", "tlb_flush", "tlb_batch",
                 "rss_stat", "fork", "migrate", "huge_pmd", "pte_batch"], names
# the kernel facts' hooks are optional: recording needs only the others
assert [h["hook"] for h in j["hooks"] if h["optional"]] == \
    ["migrate", "huge_pmd", "pte_batch"], names
for h in j["hooks"]:
    assert h["tries"], h["hook"] + ": no candidate tried"
    for t in h["tries"]:
        assert t["symbol"] and t["mechanism"], t
        if t["errno"]:
            # a loser always says why, with a name for its errno
            assert t["note"] and t["error"], t
    if h["attached"]:
        assert any(t["errno"] == 0 for t in h["tries"]), h
    else:
        assert all(t["errno"] != 0 for t in h["tries"]), h
can = all(h["attached"] for h in j["hooks"] if not h["optional"])
assert j["can_record"] == can
assert (rc == 0) == can, ("exit", rc, "can_record", can)
print("can_record" if can else "cannot_record")
EOF
check features-json $? "$(tail -3 "$tmp/py")"
can=$(tail -1 "$tmp/py")

# fentry must be judged by a real load+attach, not by BTF presence
if grep -q 'BPF_PROG_LOAD refused' "$tmp/feat.txt"; then
	grep -qE '^ttu +try_to_unmap_one +fentry +E[A-Z]+ ' "$tmp/feat.txt"
	check features-fentry-errno $? "ttu fentry row without errno name"
fi

if [ "$can" = cannot_record ]; then
	# --- refusal: exit 1, no trace, CMD never started -------------------
	cd "$tmp" || exit 1
	"$bin" record -o t.umt -- touch ran >rec.out 2>rec.err
	rc=$?
	check record-refuses-exit1 $([ $rc -eq 1 ]; echo $?) "exit $rc"
	check record-refuses-no-file $([ ! -e t.umt ] && [ ! -e t.umt.old ]; \
		echo $?) "a file was written"
	check record-refuses-cmd-not-run $([ ! -e ran ]; echo $?) \
		"CMD ran although nothing could be recorded"
	h=$(sed -n "s/.*cannot attach hook '\([a-z_]*\)'.*/\1/p" rec.err)
	check record-refuses-names-hook $([ -n "$h" ]; echo $?) \
		"no hook named: $(head -2 rec.err)"
	# every mechanism tried for that hook, with its errno name
	n_tried=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(len([h for h in j["hooks"] if h["hook"] == sys.argv[2]][0]["tries"]))
' feat.json "$h" 2>/dev/null || echo 0)
	mechs='fentry|fexit|kprobe|kretprobe|tp_btf|raw_tp|tracepoint'
	n_lines=$(grep -cE "^  ($mechs) .*: E[A-Z]+ \\(" rec.err)
	check record-refuses-lists-tries \
		$([ "$n_tried" -gt 0 ] && [ "$n_lines" -eq "$n_tried" ]
		  echo $?) \
		"$n_lines mechanism lines, features tried $n_tried"
	grep -q 'unmaptrace vm --kernel' rec.err
	check record-refuses-says-what-works $? "no hint where recording works"
	grep -q '^\[ unmaptrace record: no trace written' rec.err
	check record-refuses-summary $? "no summary line"

	# an existing trace is left alone (not rotated to .old)
	echo precious >keep.umt
	"$bin" record -o keep.umt -a >rec2.out 2>&1
	rc=$?
	check record-refuses-keeps-old \
		$([ $rc -eq 1 ] && [ "$(cat keep.umt)" = precious ] &&
		  [ ! -e keep.umt.old ]; echo $?) "exit $rc or file touched"
	"$bin" record -o p.umt -p $$ >rec3.out 2>&1
	rc=$?
	check record-refuses-pid $([ $rc -eq 1 ] && [ ! -e p.umt ]; echo $?) \
		"exit $rc"
	cd - >/dev/null || exit 1
else
	# --- this kernel can record: a short run must give a sound file ------
	cd "$tmp" || exit 1
	echo old >t.umt
	"$bin" record -o t.umt --meta test=record-run -- true \
		>rec.out 2>rec.err
	rc=$?
	check record-runs $([ $rc -eq 0 ]; echo $?) \
		"exit $rc: $(tail -2 rec.err)"
	check record-rotates-old $([ "$(cat t.umt.old)" = old ]; echo $?) \
		"t.umt.old is not the previous file"
	sum='^\[ unmaptrace record: wrote [0-9]+ bytes to t.umt '
	sum+='\([0-9]+ events, [0-9]+ lost, [0-9.]+ s\); CMD exited 0 \]$'
	grep -qE "$sum" rec.err
	check record-summary $? "$(tail -1 rec.err)"
	"$bin" info t.umt >info.out 2>&1
	check record-info $? "info failed on the new trace"
	grep -q 'test' info.out
	check record-meta $? "--meta pair missing from info"
	cd - >/dev/null || exit 1
fi
