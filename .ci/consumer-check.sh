#!/usr/bin/env bash
# CI: embed4j as a library. Installs the library artifacts (parent, engine, losses, model, native) into a
# private local Maven repository, builds .ci/consumer (a project that names only embed4j-model) against them,
# and fails when
#   - the consumer's dependencies hold anything of the application: embed4j-app, WordNet (extjwnl), SLF4J,
#     a test-jar;
#   - a library jar needs java.desktop (plotting) or holds the CLI, the demo, the progress bar or the plot;
#   - the consumer, run on the module path and then on the class path, cannot encode with the default model
#     and train two steps, or the library printed something or set a system property meanwhile.
#
# The private repository ($WORK/m2, WORK defaults to target/consumer-check) keeps the embed4j artifacts out of
# the machine's own ~/.m2. That one is only read: .ci/consumer/settings.xml names it as the first remote
# repository, so what it holds is copied, not downloaded again, and Maven Central serves the rest. Run after
# ./embed4j test (the classes are compiled); takes about a minute.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JAVA_HOME="$(./embed4j jdk)"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
WORK=${WORK:-$ROOT/target/consumer-check}
CACHE=${EMBED4J_MAVEN_CACHE:-$HOME/.m2/repository}
export EMBED4J_CACHE_URL="file://$CACHE"
REPO="$WORK/m2"
rm -rf "$WORK/consumer"
mkdir -p "$WORK"
MVN=(mvn -B -ntp -q -s "$ROOT/.ci/consumer/settings.xml" -Dmaven.repo.local="$REPO")

echo "== installing the library artifacts into $REPO"
"${MVN[@]}" -DskipTests -pl engine,losses,model,native -am install

echo "== building the consumer (.ci/consumer, depends on embed4j-model only)"
cp -r .ci/consumer "$WORK/consumer"
cd "$WORK/consumer"
"${MVN[@]}" package dependency:list dependency:build-classpath -DincludeScope=runtime -DoutputFile=deps.txt \
  -Dmdep.outputFile=classpath.txt
deps=$(sed -n 's/^ *\([^ ]*:[^ ]*:[^ ]*:[^ ]*:[^ ]*\).*/\1/p' deps.txt | sort)
echo "$deps" | sed 's/^/  /'
problems=()
while read -r d; do
  case "$d" in
    dev.embed4j:embed4j-app:*|net.sf.extjwnl:*|org.slf4j:*|*:test-jar:*|*:tests:*)
      problems+=("the consumer receives $d, which belongs to the application") ;;
  esac
done <<< "$deps"
for jar in $(tr ':' '\n' < classpath.txt | grep '/dev/embed4j/'); do
  name=$(basename "$jar")
  if jdeps --multi-release 25 -s --ignore-missing-deps "$jar" 2>/dev/null | grep -q 'java.desktop'; then
    problems+=("$name needs java.desktop (plotting belongs to the application)")
  fi
  app_classes=$(unzip -Z1 "$jar" | grep -E '/(cli|demo)/|MetricsPlot|ProgressBar' || true)
  [ -z "$app_classes" ] || problems+=("$name holds application classes: $(echo $app_classes)")
done

echo "== running the consumer on the module path, then on the class path"
cp=$(cat classpath.txt)
java --enable-native-access=ALL-UNNAMED -p "target/classes:$cp" -m dev.embed4j.consumer/dev.embed4j.consumer.Consumer \
  || problems+=("the consumer failed on the module path")
java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "target/classes:$cp" \
  dev.embed4j.consumer.Consumer || problems+=("the consumer failed on the class path")

if [ ${#problems[@]} -gt 0 ]; then
  echo ".ci/consumer-check.sh: FAILED" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
echo ".ci/consumer-check.sh: passed"
