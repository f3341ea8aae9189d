"""Shared fixtures.

``shared/`` (the measured lock table and the migration corpus) lives next to the
checkout: ``/work/shared`` beside ``/work/main``, and beside the fresh clone in CI.
Tests that need it skip with a clear reason when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``shared/`` folder next to the repository; skips the test when it is missing."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED}")
    return SHARED


@pytest.fixture(autouse=True)
def _no_result_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs under test lint from scratch and write no ``.pglint_cache``; tests/test_cache.py
    turns the cache on where it is the subject."""
    monkeypatch.setenv("PGLINT_NO_CACHE", "1")
    monkeypatch.delenv("PGLINT_CACHE_DIR", raising=False)
