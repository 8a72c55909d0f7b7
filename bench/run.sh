#!/usr/bin/env bash
# Benchmarks licplan at 10,000, 100,000 and 1,000,000 users against the parse-only floor.
#
#   bash bench/run.sh [SIZES...]        e.g. bash bench/run.sh 10000 100000
#
# Needs GNU time (/usr/bin/time, Debian package `time`) for wall time, CPU time and peak RSS.
# Generates the tenants (Graph REST JSON, seed 1) under $BENCH_DIR (default target/bench), runs
# each command RUNS times (default 3) and prints a Markdown table with the median wall time,
# the median CPU time (user + system, over all threads), the median peak RSS, and the ratio of
# wall times to parse-only. Then, because this machine's speed drifts from minute to minute,
# it measures `plan`, `bundle` and `verify` against the floor in PAIRS interleaved pairs
# (default 5) per size, one right after the other, and prints the median, lowest and highest
# ratio of those pairs.
#
# `bundle` carries the plan's largest stage (or, for a stage in waves, its largest wave: the
# unit with the most actions, found by bench/largest_unit.py in the plan's JSON), written to a
# fresh folder each run; `verify` checks that unit against the generated tenant itself as the
# "fresh" export (nothing applied yet: every user in scope pending, exit 3).
# Each `bundle` run writes a folder of its own under $DIR/bundles, all removed when the script
# ends (about 400 MB each at 1,000,000 users): a bundle written right after the last one was
# deleted spends seconds in the file system instead of in licplan (ext4 skips inodes freed in
# the last 30 seconds when it allocates new ones; see BENCHMARKS.md).
# BENCHMARKS.md records a run.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("${@:-10000 100000 1000000}")
read -r -a SIZES <<< "${SIZES[*]}"
RUNS=${RUNS:-3}
PAIRS=${PAIRS:-5}
DIR=${BENCH_DIR:-target/bench}
mkdir -p "$DIR"
rm -rf "$DIR"/bundle[0-9]* "$DIR/bundles"
mkdir "$DIR/bundles"
trap 'rm -rf "$DIR/bundles"' EXIT

# run CMD...: runs it with the argument OUT replaced by a new, empty bundle folder
run() {
  local a=() out
  out=$(mktemp -d "$DIR/bundles/XXXXXX")
  for x in "$@"; do
    if [ "$x" = OUT ]; then a+=("$out"); else a+=("$x"); fi
  done
  "${a[@]}"
}

cargo build --release --quiet --bin licplan --example parse_only
BIN=target/release/licplan
PARSE=target/release/examples/parse_only

# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# measure CMD...: prints "wall_seconds cpu_seconds rss_mib" medians over RUNS runs
measure() {
  local times=() cpus=() rss=()
  for _ in $(seq "$RUNS"); do
    run /usr/bin/time -f "%e %U %S %M" -o "$DIR/time.txt" "$@" > /dev/null || true
    grep -v '^Command exited' "$DIR/time.txt" > "$DIR/time2.txt" && mv "$DIR/time2.txt" "$DIR/time.txt"
    read -r t u s m < "$DIR/time.txt"
    times+=("$t"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')"); rss+=("$m")
  done
  local t c m
  t=$(printf '%s\n' "${times[@]}" | median)
  c=$(printf '%s\n' "${cpus[@]}" | median)
  m=$(printf '%s\n' "${rss[@]}" | median)
  echo "$t $c $(awk -v k="$m" 'BEGIN {printf "%.0f", k/1024}')"
}

echo "| users | command | median wall (s) | CPU (s) | peak RSS (MiB) | × parse-only |"
echo "|---:|---|---:|---:|---:|---:|"
for n in "${SIZES[@]}"; do
  T="$DIR/g$n"
  if [ ! -f "$T/organization.json" ]; then
    $BIN generate --users "$n" --out "$T" --format graph --seed 1 --quiet > /dev/null
  fi
  $BIN plan "$T" --intent plans/e1-direct-to-group.yaml --format yaml --output "$DIR/plan$n.yaml" --quiet || true
  $BIN plan "$T" --intent plans/e1-direct-to-group.yaml --format json --output "$DIR/plan$n.json" --quiet || true
  read -r stage wave < <(python3 bench/largest_unit.py "$DIR/plan$n.json")
  unit=(--stage "$stage")
  if [ "$wave" != "-" ]; then unit+=(--wave "$wave"); fi
  read -r pt pc pm < <(measure $PARSE "$T")
  echo "| $n | parse-only | $pt | $pc | $pm | 1.0 |"
  for cmd in inspect plan simulate "simulate (YAML plan)" bundle verify; do
    case $cmd in
      inspect) args=(inspect "$T" --quiet) ;;
      plan) args=(plan "$T" --intent plans/e1-direct-to-group.yaml --quiet) ;;
      simulate) args=(simulate "$T" --plan "$DIR/plan$n.json" --format json --quiet) ;;
      "simulate (YAML plan)") args=(simulate "$T" --plan "$DIR/plan$n.yaml" --format json --quiet) ;;
      bundle) args=(bundle "$T" --plan "$DIR/plan$n.json" "${unit[@]}" --out OUT --quiet) ;;
      verify) args=(verify "$T" --plan "$DIR/plan$n.json" "${unit[@]}" --format json --output /dev/null --quiet) ;;
    esac
    read -r t c m < <(measure $BIN "${args[@]}")
    ratio=$(awk -v a="$t" -v b="$pt" 'BEGIN {printf "%.1f", (b > 0) ? a / b : 0}')
    echo "| $n | $cmd | $t | $c | $m | $ratio |"
  done
done

# pair CMD...: one run of the floor, then one of CMD; prints their ratio of wall times
pair() {
  /usr/bin/time -f "%e" -o "$DIR/time.txt" $PARSE "$T" > /dev/null
  read -r a < "$DIR/time.txt"
  run /usr/bin/time -f "%e" -o "$DIR/time.txt" "$@" > /dev/null || true
  b=$(grep -v '^Command exited' "$DIR/time.txt")
  awk -v a="$b" -v b="$a" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}'
}

echo
echo "| users | command ÷ parse-only, paired runs | median | lowest | highest |"
echo "|---:|---|---:|---:|---:|"
for n in "${SIZES[@]}"; do
  T="$DIR/g$n"
  read -r stage wave < <(python3 bench/largest_unit.py "$DIR/plan$n.json")
  unit=(--stage "$stage")
  if [ "$wave" != "-" ]; then unit+=(--wave "$wave"); fi
  for cmd in plan bundle verify; do
    case $cmd in
      plan) args=(plan "$T" --intent plans/e1-direct-to-group.yaml --quiet) ;;
      bundle) args=(bundle "$T" --plan "$DIR/plan$n.json" "${unit[@]}" --out OUT --quiet) ;;
      verify) args=(verify "$T" --plan "$DIR/plan$n.json" "${unit[@]}" --format json --output /dev/null --quiet) ;;
    esac
    ratios=()
    for _ in $(seq "$PAIRS"); do
      ratios+=("$(pair $BIN "${args[@]}")")
    done
    sorted=$(printf '%s\n' "${ratios[@]}" | sort -g | tr '\n' ' ')
    med=$(printf "%.2f" "$(printf "%s\n" "${ratios[@]}" | median)")
    lo=$(printf '%s\n' "${ratios[@]}" | sort -g | head -1)
    hi=$(printf '%s\n' "${ratios[@]}" | sort -g | tail -1)
    echo "| $n | $cmd: ${sorted% } | $med | $lo | $hi |"
  done
done
