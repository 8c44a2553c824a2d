#!/usr/bin/env bash
# Makes the Java runtime of the GPU bundle: a JDK 25 cut down by jlink to the modules embed4j's CUDA tests and
# benchmarks use (about 45 MB), and copies the given jars beside it.
#
#   gpu/prepare-runtime.sh JDK DEST [JAR...]      writes DEST/jre and DEST/lib/JAR...
#
# The modules: java.base; jdk.incubator.vector (the CPU kernels); jdk.unsupported (JavaCPP); java.logging and
# java.management (JavaCPP and JUnit look them up); jdk.zipfs (the JUnit launcher scans jars for test classes
# through the "jar" file system). Not java.desktop: nothing the GPU tests run draws (the plot is
# the application's, module app), and with it the bundle would pass its size limit. EXTRA_MODULES=a,b adds more.
set -euo pipefail
JDK=${1:?usage: gpu/prepare-runtime.sh JDK DEST [JAR...]}
DEST=${2:?usage: gpu/prepare-runtime.sh JDK DEST [JAR...]}
shift 2
[ -x "$JDK/bin/jlink" ] || { echo "gpu/prepare-runtime.sh: $JDK/bin/jlink not found (JDK 25 expected at $JDK)" >&2; exit 1; }
MODULES=java.base,jdk.incubator.vector,jdk.unsupported,java.logging,java.management,jdk.zipfs${EXTRA_MODULES:+,$EXTRA_MODULES}
rm -rf "$DEST/jre"
mkdir -p "$DEST/lib"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress zip-9 \
  --output "$DEST/jre"
[ $# -eq 0 ] || cp "$@" "$DEST/lib/"
echo "gpu/prepare-runtime.sh: $DEST/jre with $MODULES; $# jars in $DEST/lib"
