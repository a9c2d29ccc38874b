#!/usr/bin/env python3
"""Refresh the seed corpora of the fuzz_<kind>_json harnesses from the golden
vectors: every case input of tests/vectors/<file>.json becomes
fuzz/corpus/<kind>_json/vec-<file>-<case>.json (compact JSON, raw bytes).
Existing files (hand seeds, crash regressions) are left alone."""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(ROOT, "tests", "vectors")


def main():
    written = 0
    for base in sorted(os.listdir(VECTORS)):
        if not base.endswith(".json"):
            continue
        with open(os.path.join(VECTORS, base), encoding="utf-8") as f:
            doc = json.load(f)
        kind = doc.get("kind")
        outdir = os.path.join(ROOT, "fuzz", "corpus", f"{kind}_json")
        if not os.path.isdir(outdir):
            continue
        for case in doc.get("cases", []):
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", case.get("name", "case"))[:80]
            path = os.path.join(outdir, f"vec-{base[:-5]}-{name}.json")
            text = json.dumps(case["input"], separators=(",", ":"))
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            written += 1
    print(f"seed-corpora: wrote {written} files")


if __name__ == "__main__":
    main()
