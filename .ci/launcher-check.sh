#!/usr/bin/env bash
# The launcher as people type it, from a folder other than the checkout (issue 19, findings 3 and 4): a model
# folder, a data file and a train config given by relative paths are the user's; -h is help; --opt=value works;
# exit codes 0 / 1 / 2. Uses the default model's folder (imported by the tests before this runs). Fails loudly.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
E4J="$ROOT/embed4j"
MODEL="${XDG_CACHE_HOME:-$HOME/.cache}/embed4j/all-MiniLM-L6-v2"
[ -d "$MODEL" ] || "$E4J" encode "import the default model" > /dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp -r "$MODEL" ./m
fail() { echo ".ci/launcher-check.sh: $*" >&2; exit 1; }

out=$("$E4J" encode --model ./m "hello world") || fail "encode --model ./m from $work failed"
[[ "$out" == \[* ]] || fail "encode printed no vector: $out"
out=$("$E4J" encode --model=./m --batch-size=2 "hello world") || fail "encode --model=./m failed"
[[ "$out" == \[* ]] || fail "encode --model=./m printed no vector"

printf '{"sentence1": "a cat", "sentence2": "a kitten", "score": 0.9}\n{"sentence1": "a cat", "sentence2": "stock markets", "score": 0.1}\n{"sentence1": "a dog", "sentence2": "a puppy", "score": 0.8}\n' > pairs.jsonl
"$E4J" eval --model ./m --data pairs.jsonl > eval.txt || fail "eval --data pairs.jsonl (relative) failed"

# at least three compiler threads, whatever the CPUs (the launcher adds them below 4 CPUs, where the JVM's default is 2)
flags=$(JAVA_TOOL_OPTIONS=-XX:+PrintFlagsFinal "$E4J" encode --model ./m "hello world" 2> /dev/null) \
  || fail "encode with -XX:+PrintFlagsFinal failed"
count=$(sed -n 's/.* CICompilerCount *= *\([0-9]*\) .*/\1/p' <<< "$flags" | head -1)
[ -n "$count" ] && [ "$count" -ge 3 ] || fail "the JVM ran ${count:-an unknown number of} compiler threads, not 3 or more ($(nproc) CPUs)"

help=$("$E4J" encode -h) || fail "encode -h exited non-zero"
[[ "$help" == *usage* ]] || fail "encode -h printed no usage: $help"
set +e
"$E4J" encode --model ./nope "x" > /dev/null 2> err.txt; rc=$?
"$E4J" encode --no-such-option > /dev/null 2> usage.txt; urc=$?
set -e
[ "$rc" = 1 ] || fail "a missing model folder exited $rc, not 1"
grep -q "nope" err.txt || fail "the error does not name the folder: $(cat err.txt)"
if grep -Eq "java\.(nio|io|lang)\.[A-Za-z]*Exception" err.txt; then fail "the error shows a Java class name: $(cat err.txt)"; fi
[ "$urc" = 2 ] || fail "an unknown option exited $urc, not 2"
echo ".ci/launcher-check.sh: passed (relative --model, --opt=value, eval --data, compiler threads, -h, exit codes 1 and 2)"
