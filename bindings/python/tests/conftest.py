"""Shared pytest setup: where the repository and its golden vectors are."""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
VECTOR_DIR = pathlib.Path(os.environ.get("CIVIC_VECTOR_DIR", REPO / "tests" / "vectors"))


@pytest.fixture(scope="session")
def repo_root() -> pathlib.Path:
    return REPO


# Hypothesis: no example database in the work tree, no wall-clock deadline
# (the machine is shared), reproducible in CI.
try:
    from hypothesis import settings

    settings.register_profile("civic", database=None, deadline=None, derandomize=True)
    settings.load_profile("civic")
except ImportError:  # pragma: no cover
    pass
