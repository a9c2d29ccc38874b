"""Recalculation with a compiled scheme: the batch path agrees with the
one-household JSON path, and with civic.evaluate("recalc")."""

import json

import pytest

import civic

from conftest import REPO

SCHEME = REPO / "examples" / "schemes" / "nl-participatiewet-2025.json"
TIMELINE = REPO / "examples" / "timelines" / "relocation-cohabitation.json"


@pytest.fixture(scope="module")
def scheme():
    if not SCHEME.exists() or not TIMELINE.exists():
        pytest.skip("example scheme not in the tree")
    with civic.RecalcScheme.from_file(SCHEME) as s:
        yield s


def example_input():
    doc = json.loads(TIMELINE.read_text(encoding="utf-8"))
    return {k: v for k, v in doc.items() if k not in ("scheme_file", "note")}


def test_compiled_scheme_equals_inline_scheme(scheme):
    inp = example_input()
    inline = dict(inp, scheme=json.loads(SCHEME.read_text(encoding="utf-8")))
    assert scheme.run(inp) == civic.evaluate("recalc", inline)


def test_due_batch_equals_run(scheme):
    np = pytest.importorskip("numpy")
    inp = example_input()
    months = scheme.run(inp)["months"]
    timelines = [dict(inp["timeline"], household=f"h{i}") for i in range(3)]
    due = scheme.due(timelines, inp["from"], inp["to"])
    assert due.shape == (3, len(months), len(scheme.benefits))
    for m, month in enumerate(months):
        for b in month["benefits"]:
            k = scheme.benefits.index(b["benefit"])
            assert (due[:, m, k] == b["due"]).all()
    frame = scheme.due(timelines[:1], inp["from"], inp["to"], frame=True)
    assert list(frame.columns) == ["household", "month", "benefit", "due"]
    assert int(frame.due.sum()) == int(np.sum(due[0]))


def test_bad_scheme_names_the_field():
    with pytest.raises(civic.CivicError) as ei:
        civic.RecalcScheme({"name": "x"})
    assert ei.value.message.startswith("scheme")
