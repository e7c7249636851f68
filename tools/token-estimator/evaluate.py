#!/usr/bin/env python3
"""Compare Switchboard's token estimator with real cl100k_base counts, per kind of text.

Run from a clean clone (needs the Swift toolchain and Python 3.9+):

    python3 -m venv /tmp/tokvenv && /tmp/tokvenv/bin/pip install -r tools/token-estimator/requirements.txt
    /tmp/tokvenv/bin/python tools/token-estimator/evaluate.py

It compiles Sources/Proxy/Routing/TokenEstimator.swift with estimate.swift (seconds, no package build), counts
every text with bpe-openai's cl100k_base, and prints the signed error of each fixture text and the mean and mean
absolute error of each corpus kind. Texts: the two test fixtures, then the repository's own Swift sources,
Markdown and captured Claude Code request bodies, then docstrings and code of the running Python's standard
library, cut into 4,000-character documents.

`--write-repeated-fixture` rewrites Tests/ProxyTests/Fixtures/token-counts-repeated.jsonl from REPEATED below.
"""

import argparse
import ast
import collections
import json
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import bpe_openai

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests/ProxyTests/Fixtures"
REPEATED_FIXTURE = FIXTURES / "token-counts-repeated.jsonl"

# One unit repeated 50-200 times: an estimate cannot average out its per-piece error over varied text, so this is
# where a bias in the model shows. Written before the 2026-11-30 refit, not chosen after it.
REPEATED = [
    ("repeated-english", "The quick brown fox jumps over the lazy dog.", " ", 200),
    ("repeated-english", "Please summarize the changes in this pull request.", " ", 150),
    ("repeated-english", "I think we should refactor the parser before adding more features.", "\n", 100),
    ("repeated-english", "Run the tests again and tell me which ones still fail.", "\n", 120),
    ("repeated-english", "The build failed because the linker could not find the library.", " ", 80),
    ("repeated-english", "Switchboard routes each request to the model that fits it best.", "\n\n", 50),
    ("repeated-code", "    let total = items.reduce(0) { $0 + $1.price }", "\n", 150),
    ("repeated-code", "for i in range(len(values)):", "\n", 200),
    ("repeated-code", "        if response.status_code != 200: raise RuntimeError(response.text)", "\n", 100),
    ("repeated-code", "console.log(`request ${id} took ${ms} ms`);", "\n", 120),
    ("repeated-code", "#include <stdio.h>", "\n", 60),
    ("repeated-json", '{"role": "user", "content": "hello"}', ",\n", 200),
    ("repeated-json", '{"type":"text","text":"ok"}', ",", 150),
    ("repeated-json", '{"id": 42, "name": "get_weather", "enabled": true, "tags": ["api", "weather"]}', ",\n", 80),
    ("repeated-json", '  "cache_control": {"type": "ephemeral"},', "\n", 100),
]

CHUNK = 4000


def encoding():
    return bpe_openai.get_encoding("cl100k_base")


def write_repeated_fixture():
    enc = encoding()
    with open(REPEATED_FIXTURE, "w", encoding="utf-8") as out:
        for kind, unit, separator, times in REPEATED:
            text = separator.join([unit] * times)
            line = {"kind": kind, "unit": unit, "times": times, "text": text, "cl100k": len(enc.encode(text))}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"wrote {REPEATED_FIXTURE.relative_to(ROOT)}")


def chunks(text):
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK) if len(text[i : i + CHUNK].strip()) > 200]


def corpus():
    """(kind, text) documents from the repository and the Python standard library."""
    docs = []
    for path in sorted((ROOT / "Sources").rglob("*.swift")):
        if path.name != "TokenEstimator.swift":  # its base64 tables are not Swift anyone writes
            docs += [("repo-swift", c) for c in chunks(path.read_text(encoding="utf-8"))]
    for path in sorted(ROOT.glob("*.md")) + sorted((ROOT / "docs").rglob("*.md")):
        docs += [("repo-markdown", c) for c in chunks(path.read_text(encoding="utf-8"))]
    for path in sorted((FIXTURES / "claude-code").glob("*.json")):
        docs += [("claude-code-json", c) for c in chunks(path.read_text(encoding="utf-8"))]
    stdlib = pathlib.Path(sysconfig.get_paths()["stdlib"])
    prose, code = [], []
    for path in sorted(stdlib.glob("*.py")):
        try:
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        code.append(source[:CHUNK])
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc and len(doc) > 200:
                    prose.append(doc)
    docs += [("python-docstrings", c) for c in chunks("\n\n".join(prose))[:150]]
    docs += [("python-code", c) for c in code if len(c) > 200][:150]
    return docs


def estimates(texts):
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "estimate")
        main = os.path.join(tmp, "main.swift")  # top-level code must live in main.swift
        shutil.copyfile(ROOT / "tools/token-estimator/estimate.swift", main)
        estimator = str(ROOT / "Sources/Proxy/Routing/TokenEstimator.swift")
        subprocess.run(["swiftc", "-O", "-o", binary, estimator, main], check=True)
        paths = []
        for index, text in enumerate(texts):
            path = os.path.join(tmp, f"{index}.txt")
            with open(path, "wb") as f:
                f.write(text.encode("utf-8"))
            paths.append(path)
        result = subprocess.run([binary], input="\n".join(paths) + "\n", capture_output=True, text=True, check=True)
        counts = [int(line) for line in result.stdout.split()]
        # Speed: 1 MB of mixed text (the documents above, repeated), optimised build, best of 20.
        sample = "".join(texts)
        sample = (sample * (1_000_000 // max(1, len(sample.encode("utf-8"))) + 1)).encode("utf-8")[:1_000_000]
        path = os.path.join(tmp, "megabyte.txt")
        with open(path, "wb") as f:
            f.write(sample)
        timing = subprocess.run([binary, "--time", path], capture_output=True, text=True, check=True).stdout.split()
        return counts, float(timing[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write-repeated-fixture", action="store_true")
    args = parser.parse_args()
    if args.write_repeated_fixture:
        write_repeated_fixture()
        return

    enc = encoding()
    fixtures = []
    for name in ["token-counts.jsonl", "token-counts-repeated.jsonl"]:
        for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            real = len(enc.encode(entry["text"]))
            if real != entry["cl100k"]:
                sys.exit(f"{name} {entry['kind']}: fixture says {entry['cl100k']}, bpe-openai counts {real}")
            label = entry["kind"] + (f" ({entry['unit'][:40]})" if "unit" in entry else "")
            fixtures.append((label, entry["text"], real))
    docs = corpus()
    counted, milliseconds = estimates([text for _, text, _ in fixtures] + [text for _, text in docs])

    print(f"{'fixture text':58} {'estimate':>8} {'cl100k':>7} {'error':>7}")
    for (label, _, real), estimate in zip(fixtures, counted):
        print(f"{label:58} {estimate:8d} {real:7d} {100 * (estimate - real) / real:+6.1f}%")

    errors = collections.defaultdict(list)
    for (kind, text), estimate in zip(docs, counted[len(fixtures) :]):
        real = len(enc.encode(text))
        errors[kind].append(100 * (estimate - real) / real)
    print(f"\n{'corpus kind (4,000-character documents)':42} {'docs':>5} {'mean':>7} {'mean |e|':>9} {'worst':>7}")
    for kind, values in errors.items():
        worst = max(values, key=abs)
        mean = sum(values) / len(values)
        mae = sum(map(abs, values)) / len(values)
        print(f"{kind:42} {len(values):5d} {mean:+6.2f}% {mae:8.2f}% {worst:+6.1f}%")
    print(f"\n1 MB of the texts above: {milliseconds:.1f} ms (swiftc -O, best of 20)")


if __name__ == "__main__":
    main()
