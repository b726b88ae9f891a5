#!/usr/bin/env bash
# jmh.sh — build and run the JMH microbenchmarks (src/jmh/java/atlas/bench) with the GC profiler.
#
#   bench/jmh.sh                          # all of them: about 2 minutes
#   bench/jmh.sh RingNop                  # only benchmarks matching a regex
#   bench/jmh.sh RingSend -p size=64      # any further org.openjdk.jmh.Main options (-h lists them)
#
# Builds with `mvn -Pjmh test-compile` into target/jmh (its own build directory, so it does not disturb a
# plain build in the same tree), runs org.openjdk.jmh.Main through `mvn -Pjmh exec:exec` with `-prof gc`, keeps
# the full log and JSON in target/jmh/results/, then prints a short table: throughput (ops/s, per core: every
# benchmark is one thread) and gc.alloc.rate.norm (bytes allocated per operation; ~0 on the data paths).
# Warm-up and measurement are set in the benchmarks (3 × 1 s, 5 × 1 s, one fork). On a shared 2-vCPU machine
# absolute numbers are noisy; compare runs made back to back on the same machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/jmh/results"
# Maven's bundled Guava touches sun.misc.Unsafe; without this JDK 25 prints warnings on every build.
export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"

# JDK 25+: JAVA_HOME if it is one, else the newest /usr/lib/jvm/*25* that runs.
java_major() {
  "$1/bin/java" -version 2>&1 | head -n 1 | sed -E 's/.*version "(1\.)?([0-9]+).*/\2/'
}
if [[ -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/java" || "$(java_major "$JAVA_HOME")" -lt 25 ]]; then
  JAVA_HOME=""
  for candidate in $(ls -d /usr/lib/jvm/*25* 2>/dev/null | sort -V -r); do
    if [[ -x "$candidate/bin/java" && "$(java_major "$candidate")" -ge 25 ]]; then
      JAVA_HOME="$candidate"
      break
    fi
  done
  [[ -n "$JAVA_HOME" ]] || { echo "jmh.sh: needs JDK 25+ (set JAVA_HOME)" >&2; exit 1; }
fi
export JAVA_HOME

filter="atlas.bench."
if [[ $# -gt 0 && "$1" != -* ]]; then
  filter="$1"
  shift
fi

cd "$ROOT"
mkdir -p "$OUT"
echo "jmh.sh: building (mvn -Pjmh test-compile, JDK $JAVA_HOME)…" >&2
if ! mvn -B -q -Pjmh test-compile 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' >&2; then
  echo "jmh.sh: build failed (in a tree others are editing, a transient compile error: run again)" >&2
  exit 1
fi

echo "jmh.sh: running $filter with -prof gc; full log in $OUT/jmh.log" >&2
# exec:exec passes jmh.args on a command line split at spaces: extra options must not contain spaces.
status=0
mvn -B -q -Pjmh exec:exec -Djmh.args="-prof gc -rf json -rff $OUT/jmh.json $* $filter" 2>&1 \
  | sed -u 's/\x1b\[[0-9;]*m//g' | tee "$OUT/jmh.log" \
  | { grep -E --line-buffered '^# (Benchmark|Parameters):|^Iteration|^Result "|ERROR|Exception' >&2 || true; } \
  || status=$?

# JMH's closing table, cut down to the two numbers that matter: throughput and bytes allocated per op.
echo
awk '
  /^Benchmark / { table = 1 }
  table && (/^Benchmark / || / ops\/s *$/ || /gc\.alloc\.rate\.norm/) { print }
' "$OUT/jmh.log"
if [[ $status -eq 0 ]] && grep -q -E '^# Run complete' "$OUT/jmh.log" && ! grep -q -E '<failure>' "$OUT/jmh.log"; then
  exit 0
fi
echo "jmh.sh: a benchmark failed; see $OUT/jmh.log" >&2
exit 1
