"""Fixtures for the tests that run migrations on a real PostgreSQL server.

One throwaway cluster serves the whole session (``pg_server``). Without PostgreSQL server
binaries (or psycopg) these tests skip with the reason, except when
``PGLINT_REQUIRE_POSTGRES=1`` (set by ``.ci/run``), where a missing server is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRED = os.environ.get("PGLINT_REQUIRE_POSTGRES") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"PGLINT_REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_bindir() -> Path:
    from pglint.verify.cluster import ServerError, find_bindir

    try:
        return find_bindir()
    except ServerError as error:
        _unavailable(f"no PostgreSQL server binaries: {error}")
        raise


@pytest.fixture(scope="session")
def pg_server(pg_bindir: Path) -> Iterator[object]:
    """A throwaway cluster for the session (an EmbeddedServer)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'pglint[verify]')")
    from pglint.verify.cluster import Cluster
    from pglint.verify.dsn import EmbeddedServer

    server = EmbeddedServer(Cluster(pg_bindir))
    server.start()
    try:
        yield server
    finally:
        server.stop()


_FILE = re.compile(r"^-- file: (\S+)\s*$", re.M)


def write_set(folder: Path, text: str) -> Path:
    """Write a migration set given as ``-- file: NAME`` sections (as on rule pages)."""
    folder.mkdir(parents=True, exist_ok=True)
    pieces = _FILE.split(text)
    if len(pieces) == 1:
        (folder / "00001_example.sql").write_text(text)
        return folder
    for name, body in zip(pieces[1::2], pieces[2::2], strict=True):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body.strip() + "\n")
    return folder
