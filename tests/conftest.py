"""Shared fixtures.

``shared/`` (the measured lock table and the migration corpus) lives next to the
checkout: ``/work/shared`` beside ``/work/main``, and beside the fresh clone in CI.
Tests that need it skip with a clear reason when it is absent.
"""

from __future__ import annotations

import os
import subprocess
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


def git(cwd: Path, *args: str) -> None:
    """Run git in ``cwd`` with a throwaway identity (for tests of --diff)."""
    identity = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t"}
    identity |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **identity}
    )
