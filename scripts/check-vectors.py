#!/usr/bin/env python3
"""Cross-language golden-vector check (tests/vectors/README.md, section 5).

Reads every tests/vectors/*.json file and the runners' reports (one JSON
line per case: {"lang", "file", "case", "shuffles", "ok"}) and fails unless
every language present (or required with --langs) ran every case OK.

    scripts/check-vectors.py                       # reports under build/
    scripts/check-vectors.py --langs c,python,java # CI: all three required
    scripts/check-vectors.py --report c=path/to/report.jsonl ...
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LANGS = ("c", "python", "java")


def has_shufflable_array(value):
    """True when the input holds an array of two or more elements anywhere."""
    if isinstance(value, list):
        return len(value) >= 2 or any(has_shufflable_array(v) for v in value)
    if isinstance(value, dict):
        return any(has_shufflable_array(v) for v in value.values())
    return False


def reject_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def load_vectors(vector_dir, problems):
    """{file: {case name: list-valued?}} for every vector file."""
    files = {}
    for base in sorted(os.listdir(vector_dir)):
        if not base.endswith(".json") or base.startswith("."):
            continue
        path = os.path.join(vector_dir, base)
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f, object_pairs_hook=reject_duplicate_keys)
        except (OSError, ValueError) as e:
            problems.append(f"{base}: cannot read: {e}")
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
            problems.append(f"{base}: must be an object with a \"cases\" list")
            continue
        if not isinstance(doc.get("kind"), str) or not doc["kind"]:
            problems.append(f"{base}: \"kind\" must be a non-empty string")
        cases = {}
        for i, case in enumerate(doc["cases"]):
            where = f"{base}: cases[{i}]"
            if not isinstance(case, dict):
                problems.append(f"{where}: not an object")
                continue
            name = case.get("name")
            if not isinstance(name, str) or not name:
                problems.append(f"{where}: missing \"name\"")
                continue
            where = f"{base}: {name}"
            if name in cases:
                problems.append(f"{where}: duplicate case name")
            for field in ("input", "expect"):
                if not isinstance(case.get(field), dict):
                    problems.append(f"{where}: \"{field}\" must be an object")
            working = case.get("working")
            if not isinstance(working, str) or not working.strip():
                problems.append(f"{where}: \"working\" (the hand arithmetic) is required")
            expect = case.get("expect")
            if isinstance(expect, dict) and "error" in expect:
                if set(expect) != {"error"} or not isinstance(expect["error"], str):
                    problems.append(f"{where}: an error expect is exactly {{\"error\": \"<name>\"}}")
            cases[name] = has_shufflable_array(case.get("input"))
        files[base] = cases
    return files


def load_report(path, lang, problems):
    """{(file, case): record} from one JSON Lines report."""
    runs = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                problems.append(f"{path}:{lineno}: not JSON: {e}")
                continue
            if rec.get("lang") != lang:
                problems.append(f"{path}:{lineno}: lang {rec.get('lang')!r}, expected {lang!r}")
                continue
            key = (rec.get("file"), rec.get("case"))
            if key in runs:
                problems.append(f"{path}:{lineno}: {key[0]} / {key[1]} reported twice")
            runs[key] = rec
    return runs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vectors", default=os.path.join(ROOT, "tests", "vectors"),
                    help="directory of vector files (default tests/vectors)")
    ap.add_argument("--report", action="append", default=[], metavar="LANG=PATH",
                    help="report of one language (default build/vector-report-LANG.jsonl)")
    ap.add_argument("--langs", default="",
                    help="comma-separated languages whose reports are required (e.g. c,python,java)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every failure")
    args = ap.parse_args()

    required = [l for l in args.langs.split(",") if l]
    for lang in required:
        if lang not in LANGS:
            ap.error(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    paths = {lang: os.path.join(ROOT, "build", f"vector-report-{lang}.jsonl") for lang in LANGS}
    for item in args.report:
        lang, sep, path = item.partition("=")
        if not sep or lang not in LANGS:
            ap.error(f"--report wants LANG=PATH with LANG in {', '.join(LANGS)}")
        paths[lang] = path

    problems = []
    files = load_vectors(args.vectors, problems)
    ncases = sum(len(c) for c in files.values())
    if ncases == 0:
        problems.append(f"no vector cases found in {args.vectors}")

    present = []
    for lang in LANGS:
        if os.path.exists(paths[lang]):
            present.append(lang)
        elif lang in required:
            problems.append(f"{lang}: report {paths[lang]} is missing (required by --langs)")
    if not present:
        problems.append("no language reports found")

    passed = failed = 0
    for lang in present:
        runs = load_report(paths[lang], lang, problems)
        for base, cases in files.items():
            for name, listy in cases.items():
                rec = runs.pop((base, name), None)
                if rec is None:
                    problems.append(f"{lang}: {base} / {name}: not run")
                    failed += 1
                elif rec.get("ok") is not True:
                    detail = rec.get("detail", "")
                    problems.append(f"{lang}: {base} / {name}: FAILED {detail}".rstrip())
                    failed += 1
                elif listy and not (isinstance(rec.get("shuffles"), int) and rec["shuffles"] >= 1):
                    problems.append(f"{lang}: {base} / {name}: list-valued case run without shuffles")
                    failed += 1
                else:
                    passed += 1
        for (base, name) in sorted(runs, key=str):
            problems.append(f"{lang}: reports {base} / {name}, which no vector file has (stale report?)")

    limit = None if args.verbose else 40
    for p in problems[:limit]:
        print(p, file=sys.stderr)
    if limit is not None and len(problems) > limit:
        print(f"... and {len(problems) - limit} more (use -v)", file=sys.stderr)
    print(f"vectors: {passed} passed, {failed} failed "
          f"({ncases} cases in {len(files)} files; langs: {', '.join(present) or 'none'})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
