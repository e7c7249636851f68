#!/usr/bin/env python3
"""Checks that every public declaration of the Proxy library has a `///` doc line.

    python3 tools/public-api-docs.py        # prints the count; exit 1 and the list when any lacks one

The Proxy library's public API is what the executable (Sources/Dashboard) and the benchmarks
need; tests use `@testable import`. A public symbol without a doc line is either missing its
sentence or should not be public. script/test runs this.
"""

from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DECLARATION = re.compile(r"\s*(@\w+(\([^)]*\))?\s+)*(public|open)\s+[\w@]")
ATTRIBUTE = re.compile(r"\s*@\w+")


def undocumented() -> tuple[int, list[str]]:
    total = 0
    missing = []
    for path in sorted((ROOT / "Sources" / "Proxy").rglob("*.swift")):
        lines = path.read_text().splitlines()
        for index, line in enumerate(lines):
            if not DECLARATION.match(line) or re.match(r"\s*public\s+extension\b", line):
                continue
            total += 1
            previous = index - 1
            while previous >= 0 and ATTRIBUTE.match(lines[previous]):
                previous -= 1
            if previous < 0 or not lines[previous].strip().startswith("///"):
                missing.append(f"{path.relative_to(ROOT)}:{index + 1}: {line.strip()}")
    return total, missing


def main() -> int:
    total, missing = undocumented()
    if missing:
        print("\n".join(missing))
        print(f"{len(missing)} of {total} public declarations in Sources/Proxy have no /// line", file=sys.stderr)
        return 1
    print(f"{total} public declarations in Sources/Proxy, each with a /// line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
