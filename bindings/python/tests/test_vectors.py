"""Every golden vector (tests/vectors/*.json) through civic.evaluate, with
the shuffle rule of tests/vectors/README.md, writing the JSON Lines report
named by CIVIC_VECTOR_REPORT (default build/vector-report-python.jsonl)."""

from __future__ import annotations

import copy
import json
import os
import pathlib
from typing import Any, Optional

import pytest

import civic
from civic._json import dumps_exact, loads_exact

from conftest import REPO, VECTOR_DIR

SEEDS = (1, 2, 3, 4, 5)
MASK = (1 << 64) - 1


class SplitMix64:
    """The README's reference generator, so a failing seed reproduces in C."""

    def __init__(self, seed: int) -> None:
        self.s = seed & MASK

    def next(self) -> int:
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def shuffle(value: Any, rng: SplitMix64, perms: Optional[dict] = None, path: str = "") -> Any:
    """Shuffle every array recursively (in place); record each array's
    permutation in ``perms[path]`` (new position i came from perm[i])."""
    if isinstance(value, list):
        order = list(range(len(value)))
        for i in range(len(value) - 1, 0, -1):
            j = rng.next() % (i + 1)
            value[i], value[j] = value[j], value[i]
            order[i], order[j] = order[j], order[i]
        if perms is not None:
            perms[path] = order
        for k, v in enumerate(value):
            shuffle(v, rng, None, f"{path}[{k}]")
    elif isinstance(value, dict):
        for key in sorted(value, key=lambda s: s.encode("utf-8")):
            shuffle(value[key], rng, perms, f"{path}.{key}")
    return value


def has_long_array(value: Any) -> bool:
    if isinstance(value, list):
        return len(value) >= 2 or any(has_long_array(v) for v in value)
    if isinstance(value, dict):
        return any(has_long_array(v) for v in value.values())
    return False


def run(kind: str, inp: Any) -> Any:
    """The output dict, or ("error", name) when libcivic refused the input."""
    try:
        return civic.evaluate(kind, dumps_exact(inp))
    except civic.CivicError as e:
        return ("error", e.name)


def by_id(items: list) -> dict:
    return {x["id"]: x for x in items}


def compare(kind: str, expect: dict, got: Any, perms: Optional[dict]) -> Optional[str]:
    """None when ``got`` matches ``expect`` under the README rules."""
    if "error" in expect:
        if got == ("error", expect["error"]):
            return None
        return f"expected error {expect['error']}, got {got!r}"
    if isinstance(got, tuple):
        return f"unexpected error {got[1]}"
    if perms is None:
        return None if got == expect else f"expected {expect}, got {got}"
    exp, act = dict(expect), dict(got)
    if kind == "waterfall" and "obligations" in exp and "obligations" in act:
        if len(exp["obligations"]) != len(act["obligations"]):
            return "obligation count differs"
        exp["obligations"], act["obligations"] = by_id(exp["obligations"]), by_id(act["obligations"])
    elif kind == "split" and "shares" in exp and "shares" in act:
        if len(exp["shares"]) != len(act["shares"]):
            return "share count differs"
        exp["shares"], act["shares"] = by_id(exp["shares"]), by_id(act["shares"])
    elif kind == "prorate" and "segments" in exp and "segments" in act:
        p = perms.get(".segments")
        if p is not None and len(act["segments"]) == len(p):
            exp["segments"] = [exp["segments"][p[i]] for i in range(len(p))]
    return None if exp == act else f"expected {exp}, got {act}"


def check_case(kind: str, case: dict) -> tuple[int, Optional[str]]:
    """Run one case unshuffled and once per seed: (shuffles, failure)."""
    expect = case["expect"]
    fail = compare(kind, expect, run(kind, case["input"]), None)
    if fail:
        return 0, "unshuffled: " + fail
    if not has_long_array(case["input"]):
        return 0, None
    done = 0
    for seed in SEEDS:
        perms: dict = {}
        inp = shuffle(copy.deepcopy(case["input"]), SplitMix64(seed), perms)
        fail = compare(kind, expect, run(kind, inp), perms)
        if fail:
            return done, f"seed {seed}: {fail}"
        done += 1
    return done, None


def vector_files() -> list[pathlib.Path]:
    return sorted(VECTOR_DIR.glob("*.json"))


def load(path: pathlib.Path) -> dict:
    return loads_exact(path.read_text(encoding="utf-8"))


def all_cases() -> list:
    params = []
    for f in vector_files():
        doc = load(f)
        for case in doc["cases"]:
            params.append(pytest.param(f.name, doc["kind"], case, id=f"{f.name}::{case['name']}"))
    return params


_REPORT: list[dict] = []


@pytest.fixture(scope="module", autouse=True)
def report_writer():
    """Write the report once every case has run (replacing the file)."""
    yield
    target = pathlib.Path(os.environ.get("CIVIC_VECTOR_REPORT",
                                         REPO / "build" / "vector-report-python.jsonl"))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for line in _REPORT:
            f.write(json.dumps(line) + "\n")
    os.replace(tmp, target)


def test_vector_files_exist():
    assert vector_files(), f"no vector files in {VECTOR_DIR}"


@pytest.mark.parametrize("fname,kind,case", all_cases())
def test_vector(fname: str, kind: str, case: dict) -> None:
    shuffles, failure = check_case(kind, case)
    line = {"lang": "python", "file": fname, "case": case["name"],
            "shuffles": shuffles, "ok": failure is None}
    if failure:
        line["detail"] = failure[:300]
    _REPORT.append(line)
    assert failure is None, failure
