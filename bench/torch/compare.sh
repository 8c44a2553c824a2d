#!/usr/bin/env bash
# Training throughput, embed4j against PyTorch on the CPU, one after the other on the same machine.
# Needs Debian's python3-torch (and, for its fast BLAS, libopenblas0-pthread selected as libblas.so.3).
# usage: bench/torch/compare.sh [STEPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=${1:-5}
JAVA_HOME=$(./embed4j jdk)
[ -f bench/target/benchmarks.jar ] || ./embed4j build
for tokens in 64 128; do
  for threads in 2 1; do
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xms6g -Xmx6g -XX:G1HeapRegionSize=1m \
      -cp bench/target/benchmarks.jar dev.embed4j.bench.TrainingThroughput "$tokens" "$threads" "$steps" 2>/dev/null
    # one pool of $threads threads: without these OpenBLAS starts its own threads beside torch's and two
    # threads ran slower than one (measured: 6.5 against 10.4 pairs/s at 64 tokens)
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
      /usr/bin/python3 bench/torch/train_throughput.py "$tokens" "$threads" "$steps"
  done
done
