"""Hygiene of the shared SWIG interface: every public header is %included,
every opaque handle has a destructor, and the handle factories hand back
owned proxies."""

import re

import civic
from civic import capi

from conftest import REPO

CIVIC_I = (REPO / "bindings" / "swig" / "civic.i").read_text(encoding="utf-8")
HEADERS = sorted((REPO / "include" / "civic").glob("*.h"))


def test_every_public_header_is_included():
    for h in HEADERS:
        if h.name == "civic.h":  # the umbrella only #includes the others
            continue
        assert f'%include "civic/{h.name}"' in CIVIC_I, f"civic.i misses {h.name}"


def test_every_handle_has_a_destructor():
    for h in HEADERS:
        for name in re.findall(r"typedef struct (civic_\w+) \1;", h.read_text(encoding="utf-8")):
            assert f"CIVIC_HANDLE({name}, {name}_free)" in CIVIC_I, f"civic.i: no CIVIC_HANDLE for {name}"


def test_factories_return_owned_proxies():
    plan = capi.civic_waterfall_plan_new()
    assert isinstance(plan, capi.civic_waterfall_plan) and plan.thisown
    ctx = capi.civic_ctx_new()
    assert isinstance(ctx, capi.civic_ctx) and ctx.thisown


def test_status_names_match_the_c_table():
    assert civic.status_name(0) == "ok"
    assert civic.status_name(7) == "negative_amount"
    assert civic.status_name(999999) == "unknown"
