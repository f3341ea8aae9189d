"""Reading migration files: what is refused, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from pglint import discovery
from pglint.discovery import decode, read_source


def test_a_nul_byte_anywhere_is_refused():
    # pglast is a C parser: it would stop at the NUL and never see DROP TABLE.
    data = b"-- " + b"x" * 9000 + b"\nSELECT 1;\n\x00\nDROP TABLE z;\n"
    text, error = decode(data, "a.sql")
    assert text is None
    assert error == "a.sql: binary file (NUL byte at offset 9014, line 3); not linted"


@pytest.mark.parametrize(
    ("encoding", "marks"),
    [("utf-16-le", "FF FE"), ("utf-16-be", "FE FF"), ("utf-32-le", "FF FE 00 00")],
)
def test_wide_encodings_are_named(encoding: str, marks: str):
    data = "\ufeffSELECT 1;\n".encode(encoding)
    family = "UTF-32" if "32" in encoding else "UTF-16"
    assert decode(data, "a.sql") == (
        None,
        f"a.sql: {family} encoded ({marks} BOM); save it as UTF-8; not linted",
    )


def test_utf8_with_a_bom_is_read():
    assert decode("\ufeffSELECT 'é';".encode(), "a.sql") == ("SELECT 'é';", None)


def test_the_size_limit_is_checked_before_reading(tmp_path: Path, monkeypatch):
    path = tmp_path / "big.sql"
    path.write_bytes(b"SELECT 1;\n" * 300)
    monkeypatch.setattr(discovery, "MAX_FILE_BYTES", 2 * 1024)
    monkeypatch.setattr(discovery, "open", _never_open, raising=False)
    text, error = read_source(path)
    assert text is None
    assert error is not None and "larger than the" in error


def _never_open(*args, **kwargs):
    raise AssertionError("a file over the limit was opened")


def test_python_files_are_decoded_as_python_decodes_them():
    """A PEP 263 declaration names the encoding of an Alembic file; SQL files are UTF-8."""
    latin = "# -*- coding: latin-1 -*-\n# café\nrevision = 'a'\n".encode("latin-1")
    assert decode(latin, "versions/001.py") == (latin.decode("latin-1"), None)
    text, error = decode(latin, "migrations/001.sql")
    assert text is None and "not valid UTF-8" in (error or "")
    undeclared = "# café\n".encode("latin-1")
    text, error = decode(undeclared, "versions/001.py")
    assert text is None and "not valid UTF-8 (byte 0xe9" in (error or "")


def test_an_unreadable_alembic_file_is_reported_once(tmp_path: Path):
    from pglint.config import Settings
    from pglint.runner import lint_paths

    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "001.py").write_bytes(
        b"# caf\xe9\nfrom alembic import op\nrevision = 'r1'\ndown_revision = None\n"
        b"def upgrade():\n    op.execute('SELECT 1')\n"
        b"def downgrade():\n    op.execute('SELECT 1')\n"
    )
    findings, _ = lint_paths([str(tmp_path)], Settings())
    assert [f.rule for f in findings] == ["unreadable-file"]
