"""The ten-line example in docs/python.md really runs."""

import contextlib
import io
import re

from conftest import REPO


def test_docs_example_runs():
    text = (REPO / "docs" / "python.md").read_text(encoding="utf-8")
    block = re.search(r"## Ten lines\s+```python\n(.*?)```", text, re.S).group(1)
    assert len(block.strip().splitlines()) <= 10
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "docs/python.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "{'gross': 2500, 'net': 2450, 'fee': 50}"
    assert lines[1] == "7 negative_amount tokens: must be >= 0"
    assert lines[2].startswith("120000 ")
