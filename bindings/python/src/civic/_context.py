"""One libcivic error context per Python thread.

A ``civic_ctx`` keeps the last error message and must not be used by two
threads at once; the heavy calls release the GIL, so each thread gets its
own context.
"""

from __future__ import annotations

import threading

from . import capi

_local = threading.local()


def ctx() -> "capi.civic_ctx":
    c = getattr(_local, "ctx", None)
    if c is None:
        c = capi.civic_ctx_new()
        _local.ctx = c
    return c


def free_handle(h: object) -> None:
    """Free a SWIG handle now (its destructor is the C *_free function); the
    proxy is disowned, so garbage collection does not free it twice."""
    type(h).__swig_destroy__(h)  # type: ignore[attr-defined]


def need_numpy() -> object:
    """numpy, or an ImportError that says how to get the batch API."""
    try:
        import numpy
    except ImportError as e:  # pragma: no cover - numpy is a test dependency
        raise ImportError("civic's batch API needs numpy (and pandas for DataFrames): "
                          "pip install numpy pandas") from e
    return numpy
