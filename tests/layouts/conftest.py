"""Helpers for the layout tests: write small migration folders under ``tmp_path``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[dict[str, str | bytes]], list[Path]]:
    """Write ``{relative path: content}`` under tmp_path; return the .sql files, sorted."""

    def write(files: dict[str, str | bytes]) -> list[Path]:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return sorted(p for p in tmp_path.rglob("*.sql") if p.is_file())

    return write
