#!/usr/bin/env bash
# The damage policy (lib/damage.h, docs/FORMAT.md) through every reader:
# info, dump, replay, replay --check and diff get the same damaged inputs
# (the reproducers in repro/, damaged copies of a shipped trace, seeded
# random cuts and flips) and must each say so on stderr and exit 2, or 0
# with the warning under --allow-damaged (2 still when no chunk is
# intact); the hostile inputs must not crash or blow up.
# One "PASS name" / "FAIL name: why" line per case.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=${UMT_TOP:-$(cd "$here/../.." && pwd)}
U=${UNMAPTRACE:-$top/unmaptrace}
T=$(dirname "$U")/tests/test_umt
[ -x "$T" ] || T=$top/.output/tests/test_umt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS damage_$1"; }
fail() { echo "FAIL damage_$1: $2"; }

for x in "$U" "$T"; do
	[ -x "$x" ] || { fail setup "$x not built"; exit 0; }
done

good=$top/traces/7.3/anon-pageout.umt

# r NAME CMD...: run unmaptrace, keep stdout/stderr/exit code
r() {
	local n=$1
	shift
	"$U" "$@" >"$tmp/$n.out" 2>"$tmp/$n.err"
	echo $? >"$tmp/$n.rc"
}
rc() { cat "$tmp/$1.rc"; }
san() { grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	"$tmp/$1.err"; }

# The commands every damaged input goes through; diff both ways round
cmds=(info dump replay check diffn diffb)
run_cmd() {
	local c=$1 n=$2 f=$3
	shift 3
	case $c in
	info)	r "$n" info "$@" "$f" ;;
	dump)	r "$n" dump "$@" "$f" ;;
	replay)	r "$n" replay "$@" "$f" ;;
	check)	r "$n" replay --check "$@" "$f" ;;
	diffn)	r "$n" diff "$@" "$good" "$f" ;;
	diffb)	r "$n" diff "$@" "$f" "$good" ;;
	esac
}

# judge NAME FILE: every command exits 2 naming the file and its damage
# level; --allow-damaged exits 0 with the warning, or 2 for unreadable;
# all commands agree on the level.  No sanitizer report anywhere.
judge() {
	local name=$1 f=$2 c why= lv lvs=
	for c in "${cmds[@]}"; do
		run_cmd "$c" "$name.$c" "$f"
		run_cmd "$c" "$name.$c.ok" "$f" --allow-damaged
		if san "$name.$c" >/dev/null || san "$name.$c.ok" >/dev/null; then
			why="$c: $(san "$name.$c")$(san "$name.$c.ok")"
			break
		fi
		if [ "$(rc "$name.$c")" != 2 ]; then
			why="$c exits $(rc "$name.$c"), want 2"
			break
		fi
		lv=$(grep -oE "$(basename "$f"): (damaged|unreadable|lossy|empty): " \
			"$tmp/$name.$c.err" | head -1 | sed 's/.*: \([a-z]*\): $/\1/')
		# a header that cannot be read: the open fails, naming the file
		if [ -z "$lv" ] && grep -qE "$(basename "$f"): (file header truncated|not a \.umt|bad header size|bad byte-order|major)" \
			"$tmp/$name.$c.err"; then
			lv=unopenable
		fi
		if [ -z "$lv" ]; then
			why="$c: no verdict naming the file: $(tail -c 200 "$tmp/$name.$c.err")"
			break
		fi
		lvs="$lvs $lv"
		case $lv in
		unreadable|unopenable)
			[ "$(rc "$name.$c.ok")" = 2 ] ||
				why="$c --allow-damaged exits $(rc "$name.$c.ok") for $lv" ;;
		*)
			if [ "$c" = diffn ] || [ "$c" = diffb ]; then
				# allowed, compared: the comparison decides
				[ "$(rc "$name.$c.ok")" != 2 ] ||
					why="$c --allow-damaged exits 2: $(tail -c 200 "$tmp/$name.$c.ok.err")"
			elif [ "$c" = check ]; then
				# allowed, the check of a lossy trace still fails
				[ "$(rc "$name.$c.ok")" -le 1 ] ||
					why="$c --allow-damaged exits $(rc "$name.$c.ok")"
			elif [ "$(rc "$name.$c.ok")" != 0 ]; then
				why="$c --allow-damaged exits $(rc "$name.$c.ok"): $(tail -c 200 "$tmp/$name.$c.ok.err")"
			fi
			grep -q "allowed by --allow-damaged" "$tmp/$name.$c.ok.err" ||
				why=${why:-"$c --allow-damaged: no warning"} ;;
		esac
		[ -n "$why" ] && break
	done
	if [ -z "$why" ] && [ "$(echo "$lvs" | tr ' ' '\n' | sort -u | grep -c .)" != 1 ]; then
		why="commands disagree on the level:$lvs"
	fi
	[ -z "$why" ] && pass "$name" || fail "$name" "$why"
}

# ---- the reproducers (../shared/repro at the time of issue 15)
for f in "$here"/repro/*.umt; do
	b=$(basename "$f" .umt)
	[ "$b" = magic-spam-head ] && continue
	judge "repro_$b" "$f"
done

# metadata is printed escaped: no raw control byte reaches the terminal
r escape info --allow-damaged "$here/repro/meta_escape.umt"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$tmp/escape.out"; then
	fail meta_escaped "a control byte in info's output"
else
	pass meta_escaped
fi

# ---- damaged copies of a shipped trace: every part of the layout
hsize=$(od -An -tu4 -j16 -N4 "$good" | tr -d ' ')
c0=$hsize
len=$(stat -c %s "$good")
tr_off=$(od -An -tu8 -j$((len - 16)) -N8 "$good" | tr -d ' ')
flip() {	# flip OUT OFFSET: invert one byte of the good trace
	cp "$good" "$1"
	local b
	b=$(od -An -tu1 -j"$2" -N1 "$good" | tr -d ' ')
	printf "\\$(printf %o $((255 - b)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
head -c "$hsize" "$good" >"$tmp/header-only.umt"
head -c $((c0 + 20)) "$good" >"$tmp/cut-chunk-header.umt"
head -c $((tr_off)) "$good" >"$tmp/no-trailer.umt"
head -c $((tr_off + 30)) "$good" >"$tmp/cut-trailer.umt"
head -c $((len - 5)) "$good" >"$tmp/cut-footer.umt"
flip "$tmp/flip-meta.umt" $((hsize - 10))
flip "$tmp/flip-chunk-header.umt" $((c0 + 12))
flip "$tmp/flip-chunk-data.umt" $((c0 + 200))
flip "$tmp/flip-trailer.umt" $((tr_off + 20))
{ cat "$good"; printf 'garbage after the end'; } >"$tmp/appended.umt"
for f in "$tmp"/header-only.umt "$tmp"/cut-*.umt "$tmp"/no-trailer.umt \
	 "$tmp"/flip-*.umt "$tmp"/appended.umt; do
	judge "shipped_$(basename "$f" .umt)" "$f"
done

# ---- seeded random cuts and flips (the 100 of issue 15, a bounded 24)
RANDOM=15
for i in $(seq 1 24); do
	off=$(( (RANDOM * 32768 + RANDOM) % len ))
	if ((i % 2)); then
		head -c "$off" "$good" >"$tmp/rnd$i.umt"
	else
		flip "$tmp/rnd$i.umt" "$off"
	fi
	judge "random_$i" "$tmp/rnd$i.umt"
done

# ---- an intact trace is not damaged: exit 0, no verdict line
for c in "${cmds[@]}"; do
	run_cmd "$c" "intact.$c" "$good"
done
why=
for c in "${cmds[@]}"; do
	[ "$(rc "intact.$c")" = 0 ] || why="$c exits $(rc "intact.$c")"
	grep -qE ': (damaged|unreadable|lossy|empty): ' "$tmp/intact.$c.err" &&
		why="$c: a verdict for an intact trace"
done
[ -z "$why" ] && pass intact_not_damaged || fail intact_not_damaged "$why"

# ---- bounds: a crafted input costs time and memory linear in its size
# resync bait: a header, then "UMTCHUNK" 512k times (4 MiB)
{ cat "$here/repro/magic-spam-head.umt"
  head -c $((512 << 10)) /dev/zero | tr '\0' '\n' | sed 's/^$/UMTCHUNK/' |
	tr -d '\n'; } >"$tmp/spam.umt"
start=$(date +%s)
r spam info --json "$tmp/spam.umt"
secs=$(($(date +%s) - start))
size=$(stat -c %s "$tmp/spam.out")
if [ "$(rc spam)" = 2 ] && ! san spam >/dev/null && [ "$secs" -le 20 ] &&
   [ "$size" -lt $((16 << 20)) ]; then
	pass magic_spam_bounded
else
	fail magic_spam_bounded "exit $(rc spam), $secs s, $size bytes of JSON"
fi
# 300k calls of 300k distinct folio sizes: info's per-key counts
"$T" --fixture sizes "$tmp/sizes.umt" 300000 262144
start=$(date +%s)
r sizes info "$tmp/sizes.umt"
secs=$(($(date +%s) - start))
if [ "$(rc sizes)" = 0 ] && [ "$secs" -le 20 ] &&
   grep -q '^ *300000 pages 1$' "$tmp/sizes.out"; then
	pass distinct_sizes_linear
else
	fail distinct_sizes_linear "exit $(rc sizes), $secs s"
fi
# a report of 40k counters: diff's counter lookups
{ printf '{"schema": "unmaptrace-report/1", "trace": {"events": 1}, '
  printf '"results": [{"policy": "none", "arch": "x86", "counts": {'
  seq 0 39999 | awk '{ printf "%s\"c%d\": %d", (NR > 1 ? ", " : ""), $1, $1 }'
  printf '}}]}\n'; } >"$tmp/40k.json"
start=$(date +%s)
r many diff "$tmp/40k.json" "$tmp/40k.json"
secs=$(($(date +%s) - start))
if [ "$(rc many)" = 0 ] && [ "$secs" -le 10 ] &&
   grep -q '40000 unchanged' "$tmp/many.out"; then
	pass diff_many_counters_linear
else
	fail diff_many_counters_linear "exit $(rc many), $secs s: $(tail -c 200 "$tmp/many.err")"
fi

# ---- stdout that cannot be written: a message and exit 2, never 0
if [ -w /dev/full ]; then
	why=
	for c in info dump replay; do
		"$U" $c --allow-damaged "$good" >/dev/full 2>"$tmp/full.err"
		x=$?
		[ "$x" = 2 ] && grep -q 'writing the output' "$tmp/full.err" ||
			why="$c >/dev/full: exit $x: $(head -c 200 "$tmp/full.err")"
	done
	"$U" diff "$good" "$good" >/dev/full 2>"$tmp/full.err"
	x=$?
	[ "$x" = 2 ] && grep -q 'writing the output' "$tmp/full.err" ||
		why="diff >/dev/full: exit $x: $(head -c 200 "$tmp/full.err")"
	[ -z "$why" ] && pass stdout_full || fail stdout_full "$why"
fi
exit 0
