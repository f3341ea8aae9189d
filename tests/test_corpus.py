"""pglint over a corpus of real migrations (``shared/corpus/sql``, read in place).

Each project folder is linted as the CLI lints it (default settings, migration sets and
all). Nothing may raise, and ``syntax-error`` must be reported exactly for the files
PostgreSQL's parser rejects as a whole (for example supabase/auth's Go templates).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pglast.parser import ParseError, parse_sql_json

from pglint.config import Settings
from pglint.discovery import decode
from pglint.runner import lint_paths

CORPUS = (Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "sql").resolve()
PROJECTS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(
    not PROJECTS,
    reason=f"migration corpus not found at {CORPUS} (shared/ sits next to the checkout)",
)

#: How many files PostgreSQL's parser rejects, per project, as of the corpus snapshot.
KNOWN_INVALID = {
    "supabase__auth": 59,
    "ente-io__ente": 2,
    "umami-software__umami": 2,
    "hatchet-dev__hatchet": 1,
    "ory__hydra": 1,
    "rust-lang__crates.io": 1,
}


#: Files PostgreSQL rejects as a whole that pglint rightly does not report, with the reason.
#: Checked both ways: each must still be rejected, and still be free of syntax-error.
NOT_A_SYNTAX_ERROR = {
    "hatchet-dev__hatchet/cmd/hatchet-migrate/migrate/migrations/20250519145912_v1_0_21.sql": (
        "goose runs the Up and Down sections apart; the whole file lacks a semicolon between "
        "them, but each section is valid SQL"
    ),
    "ory__hydra/persistence/sql/migrations/20241609000001000000_device_flow.autocommit.up.sql": (
        "dialect-neutral file with a .postgres. variant beside it: popx runs the variant on "
        "PostgreSQL, so this one is not linted"
    ),
}


def _rejected(files: list[Path]) -> set[Path]:
    """The files whose whole text PostgreSQL's parser rejects."""
    rejected = set()
    for path in files:
        text, error = decode(path.read_bytes(), str(path))
        assert text is not None, error
        try:
            parse_sql_json(text)
        except ParseError:
            rejected.add(path)
    return rejected


@pytest.mark.parametrize("project", PROJECTS)
def test_project(project):
    folder = CORPUS / project
    files = sorted(p.resolve() for p in folder.rglob("*.sql"))
    findings, count = lint_paths([str(folder)], Settings())
    assert all(f.line >= 1 and f.column >= 1 and f.message for f in findings)
    # Files the migration tool would not run (ory's dialect-neutral files next to a
    # .postgres. variant, stray files) are not linted.
    assert 0 < count <= len(files)
    flagged = {Path(f.path).resolve() for f in findings if f.rule == "syntax-error"}
    rejected = _rejected(files)
    assert sorted(flagged - rejected) == [], "syntax-error on files PostgreSQL accepts"
    explained = {
        (CORPUS / name).resolve() for name in NOT_A_SYNTAX_ERROR if name.startswith(project + "/")
    }
    assert explained <= rejected, "listed in NOT_A_SYNTAX_ERROR but PostgreSQL accepts it"
    assert sorted(rejected - flagged) == sorted(explained), "rejected without a syntax-error"
    assert len(rejected) == KNOWN_INVALID.get(project, 0)
    assert not [f for f in findings if f.rule == "unreadable-file"]


def test_corpus_totals():
    assert len(PROJECTS) == 18
    assert sum(KNOWN_INVALID.values()) == 66
