"""JSON text for libcivic: integers exact over int64, bools never numbers.

Python's ``int`` is exact, and ``json.dumps`` writes ``True`` as ``true``
(which libcivic refuses where it wants an integer: ``wrong_type``), so the
standard encoder is used with a hook for numpy integers. ``loads_exact`` and
``dumps_exact`` keep a non-integer number literal (``1.5``, ``1e3``,
``1e400``) exactly as written, so the library itself reports it
(``not_integer``), as the golden-vector rules ask.
"""

from __future__ import annotations

import json
import operator
from typing import Any

__all__ = ["dumps", "loads", "loads_exact", "dumps_exact", "NumberLiteral"]


class NumberLiteral(str):
    """A JSON number literal kept verbatim (a fraction or an exponent)."""

    __slots__ = ()


def _default(o: Any) -> Any:
    name = type(o).__name__
    if name in ("bool_", "bool") or isinstance(o, bool):  # numpy.bool_
        return bool(o)
    if hasattr(o, "__index__"):  # numpy / pandas integers
        return operator.index(o)
    if hasattr(o, "tolist"):  # numpy arrays and scalars (floats stay floats)
        return o.tolist()
    if hasattr(o, "to_dict"):  # a pandas Series as an object
        return o.to_dict()
    raise TypeError(f"cannot send a {type(o).__name__} to libcivic as JSON")


def dumps(obj: Any) -> str:
    """Compact JSON text for libcivic (NaN and infinities are refused)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_default)


def loads(text: str) -> Any:
    """Parse libcivic's output (it only writes integers, never fractions)."""
    return json.loads(text)


def loads_exact(text: str) -> Any:
    """Parse JSON keeping fractions and exponents as :class:`NumberLiteral`."""
    return json.loads(text, parse_float=NumberLiteral,
                      parse_constant=NumberLiteral)


def dumps_exact(obj: Any) -> str:
    """Serialise like :func:`dumps`, writing :class:`NumberLiteral` verbatim."""
    parts: list[str] = []
    _emit(obj, parts)
    return "".join(parts)


def _emit(v: Any, out: list[str]) -> None:
    if isinstance(v, NumberLiteral):
        out.append(str.__str__(v))
    elif isinstance(v, dict):
        out.append("{")
        for i, (k, x) in enumerate(v.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(k), ensure_ascii=False))
            out.append(":")
            _emit(x, out)
        out.append("}")
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            _emit(x, out)
        out.append("]")
    else:
        out.append(dumps(v))
