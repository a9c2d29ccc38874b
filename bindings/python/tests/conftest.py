"""Shared pytest setup: where the repository and its golden vectors are."""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
VECTOR_DIR = pathlib.Path(os.environ.get("CIVIC_VECTOR_DIR", REPO / "tests" / "vectors"))


@pytest.fixture(scope="session")
def repo_root() -> pathlib.Path:
    return REPO
