"""The package type-checks cleanly with mypy, under the ``[tool.mypy]`` settings of
pyproject.toml (mypy comes with the ``test`` extra)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_errors(tmp_path: Path) -> None:
    api = pytest.importorskip(
        "mypy.api", reason="mypy is not installed (it comes with pip install -e '.[test]')"
    )
    # A cache of its own: no .mypy_cache left in the checkout, no stale entries read.
    stdout, stderr, status = api.run(
        [
            "--config-file",
            str(REPO / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
            str(REPO / "pglint"),
        ]
    )
    assert status == 0, f"mypy reports errors:\n{stdout}{stderr}"
