#!/usr/bin/env bash
# The GPU bundle, run here without a GPU, as CI runs it: proves everything of a GPU run but the device, so
# that the first minutes on a GPU machine are not spent on a launcher, a class path or a runtime module.
#
#   gpu/dry-run.sh            builds the bundle (gpu/prepare.sh), then runs it
#   gpu/dry-run.sh --reuse    runs the gpu-run/ that is there
#
# With the bundled runtime (gpu-run/jre) and any GPU hidden (CUDA_VISIBLE_DEVICES empty), it checks:
#   - the JUnit console launcher starts, finds the tests and exits 0;
#   - every test of a GPU test class (one that uses GpuTestSupport's assumption) is skipped by that
#     assumption, none fails and none passes; the CPU halves that run before it pass (a failing one
#     is reported as failed);
#   - every other test of the package passes;
#   - the GPU benchmarks start and say there is no usable CUDA device (exit 2);
#   - the full logs are in the results folder and no JVM crash log is.
# Results: $RESULTS, else a new temporary folder (printed).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ "${1:-}" != --reuse ]; then bash gpu/prepare.sh; fi
[ -x gpu-run/jre/bin/java ] || { echo "gpu/dry-run.sh: no gpu-run/jre; run gpu/prepare.sh (or drop --reuse)" >&2; exit 1; }
export RESULTS=${RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/embed4j-dry-run.XXXXXX")}
export CUDA_VISIBLE_DEVICES=
problems=()

echo "== dry run of gpu-run/run-gpu-tests.sh (results in $RESULTS)"
set +e
DETAILS=testfeed bash gpu-run/run-gpu-tests.sh > "$RESULTS/run-gpu-tests.out" 2>&1
tests_rc=$?
set -e
tail -n 8 "$RESULTS/run-gpu-tests.out"
[ "$tests_rc" -eq 0 ] || problems+=("run-gpu-tests.sh exited $tests_rc (see $RESULTS/tests.log)")
[ -s "$RESULTS/tests.log" ] || problems+=("no $RESULTS/tests.log")

# the GPU test classes: those whose tests go through GpuTestSupport's assumption
gpu_classes=$(grep -lE 'SkippedWithoutGpu|assumeGpu\(' native/src/test/java/dev/embed4j/cuda/*Test.java \
  | xargs -n1 basename | sed 's/\.java$//' | sort)
[ -n "$gpu_classes" ] || problems+=("no GPU test classes found under native/src/test")
# testfeed lines: "JUnit Jupiter > Class > method() :: STATUS"; the reason follows an ABORTED line
outcomes=$(sed -n 's/^JUnit Jupiter > \([A-Za-z0-9_]*\) > \(.*\) :: \(SUCCESSFUL\|ABORTED\|FAILED\|SKIPPED\)$/\1 \3 \2/p' \
  "$RESULTS/tests.log" 2>/dev/null || true)
[ -n "$outcomes" ] || problems+=("no test outcomes in $RESULTS/tests.log")
cpu_halves=$(grep -c 'CPU half passed; no usable CUDA device' "$RESULTS/tests.log" || true)
aborted_for_cuda=$(grep -cE 'TestAbortedException: Assumption failed: (CPU half passed; )?no usable CUDA device' \
  "$RESULTS/tests.log" || true)
gpu_tests=0 cpu_tests=0
while read -r cls status name; do
  [ -n "$cls" ] || continue
  if grep -qx "$cls" <<< "$gpu_classes"; then
    gpu_tests=$((gpu_tests + 1))
    [ "$status" = ABORTED ] || problems+=("GPU test $cls.$name: $status, expected skipped by its assumption")
  else
    cpu_tests=$((cpu_tests + 1))
    [ "$status" = SUCCESSFUL ] || problems+=("CPU test $cls.$name: $status, expected successful")
  fi
done <<< "$outcomes"
for cls in $gpu_classes; do
  grep -q "^$cls " <<< "$outcomes" || problems+=("GPU test class $cls: no test reported (skipped as a whole class?)")
done
[ "$aborted_for_cuda" -eq "$gpu_tests" ] \
  || problems+=("$gpu_tests GPU tests, but $aborted_for_cuda skipped for want of a CUDA device")
echo "GPU tests skipped by their assumption: $gpu_tests (of which $cpu_halves after their CPU half passed);" \
  "other tests passed: $cpu_tests"

echo "== dry run of gpu-run/run-gpu-bench.sh"
set +e
bash gpu-run/run-gpu-bench.sh > "$RESULTS/run-gpu-bench.out" 2>&1
bench_rc=$?
set -e
tail -n 3 "$RESULTS/run-gpu-bench.out"
[ "$bench_rc" -eq 2 ] || problems+=("run-gpu-bench.sh exited $bench_rc, expected 2 (no usable CUDA device)")
grep -q 'GpuBenchmarks: no usable CUDA device' "$RESULTS/bench.log" 2>/dev/null \
  || problems+=("$RESULTS/bench.log does not say the benchmarks found no usable CUDA device")

if ls "$RESULTS"/hs_err_*.log > /dev/null 2>&1; then problems+=("the JVM crashed: $(ls "$RESULTS"/hs_err_*.log)"); fi
if ls hs_err_*.log > /dev/null 2>&1; then problems+=("a JVM crash log in the repository root: $(ls hs_err_*.log)"); fi

if [ ${#problems[@]} -gt 0 ]; then
  echo "gpu/dry-run.sh: FAILED" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "gpu/dry-run.sh: passed (logs in $RESULTS)"
