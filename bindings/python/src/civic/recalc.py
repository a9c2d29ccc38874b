"""Life-event recalculation (docs/recalc.md) with a scheme compiled once.

``civic.evaluate("recalc", input)`` runs one input with its scheme inline;
:class:`RecalcScheme` parses and checks a scheme once and reuses it for many
households, and :meth:`RecalcScheme.due` gives the monthly entitlements of a
whole population as a numpy array or a DataFrame (libcivic's batch path,
GIL released).
"""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Sequence, Union

from . import capi
from ._context import ctx as _ctx
from ._context import free_handle
from ._json import dumps, loads

__all__ = ["RecalcScheme"]


class RecalcScheme:
    """A checked, immutable scheme (share it between threads freely)::

        with civic.RecalcScheme.from_file("examples/schemes/nl-participatiewet-2025.json") as s:
            s.benefits                     # ['bijstand', 'huurtoeslag', ...]
            s.run({"timeline": ..., "from": "2025-01", "to": "2025-12", ...})
            s.due(timelines, "2025-01", "2025-12", frame=True)
    """

    __slots__ = ("_h",)

    def __init__(self, scheme: Union[Mapping[str, Any], str]) -> None:
        text = scheme if isinstance(scheme, str) else dumps(scheme)
        self._h = capi.civic_recalc_scheme_new(_ctx(), text)

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "RecalcScheme":
        with open(path, encoding="utf-8") as f:
            return cls(f.read())

    def close(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            free_handle(h)

    def __enter__(self) -> "RecalcScheme":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def benefits(self) -> list[str]:
        """Benefit ids in byte-wise order (the order of every output)."""
        n = capi.civic_recalc_scheme_benefit_count(self._h)
        return [capi.civic_recalc_scheme_benefit_id(self._h, i) for i in range(n)]

    def run(self, inp: Union[Mapping[str, Any], str]) -> dict[str, Any]:
        """``civic_recalc_run`` without the "scheme" member (a single
        household with payments, or a "population" scenario run)."""
        text = inp if isinstance(inp, str) else dumps(inp)
        return loads(capi.civic_recalc_run_with_scheme(_ctx(), self._h, text))

    def due(self, timelines: Sequence[Mapping[str, Any]], start: str, end: str,
            frame: bool = False) -> Any:
        """Monthly entitlements (cents, as known now) of many households.

        Returns an int64 array of shape (households, months, benefits), or
        with ``frame=True`` a long DataFrame (household, month, benefit, due).
        """
        import numpy as np

        timelines = list(timelines)
        months = _months(start, end)
        benefits = self.benefits
        due = np.zeros(len(timelines) * len(months) * len(benefits), dtype=np.int64)
        text = json.dumps({"from": start, "to": end, "timelines": timelines}, separators=(",", ":"))
        capi.civic_recalc_due_batch(_ctx(), self._h, text, due)
        arr = due.reshape(len(timelines), len(months), len(benefits))
        if not frame:
            return arr
        import pandas as pd

        ids = [t.get("household", i) for i, t in enumerate(timelines)]
        idx = pd.MultiIndex.from_product([ids, months, benefits], names=["household", "month", "benefit"])
        return pd.DataFrame({"due": due}, index=idx).reset_index()


def _months(start: str, end: str) -> list[str]:
    y, m = int(start[:4]), int(start[5:7])
    ye, me = int(end[:4]), int(end[5:7])
    out = []
    while (y, m) <= (ye, me):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
