"""drizzle-kit: numbered files with statement breakpoints, journal order, one transaction."""

from __future__ import annotations

import json

from pglint.layouts import detect
from pglint.layouts.base import Reader
from tests.layouts.helpers import labels, messages, one_set

BREAK = "CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE b (id int);\n"


def test_detects_drizzle_without_a_journal_and_orders_by_number(tree):
    files = tree(
        {
            "drizzle/0010_later.sql": "UPDATE a SET id = 1;",
            "drizzle/0002_second.sql": "ALTER TABLE a ADD COLUMN x int;",
            "drizzle/0000_first.sql": BREAK,
        }
    )
    mset = one_set(files)
    assert mset.layout == "drizzle"
    assert labels(mset) == ["0000_first", "0002_second", "0010_later"]
    assert all(m.transaction is True for m in mset.migrations)
    assert mset.shared_transaction
    assert not mset.supports_rollback
    assert all(m.down is None for m in mset.migrations)


def test_journal_gives_the_order_and_unlisted_files_are_problems(tree):
    files = tree(
        {
            "drizzle/0000_first.sql": BREAK,
            "drizzle/0001_second.sql": "SELECT 1;",
            "drizzle/0002_unlisted.sql": "SELECT 2;",
        }
    )
    root = files[0].parent
    (root / "meta").mkdir()
    (root / "meta" / "_journal.json").write_text(
        json.dumps(
            {
                "entries": [
                    {"idx": 0, "tag": "0001_second"},
                    {"idx": 1, "tag": "0000_first"},
                    {"idx": 2, "tag": "0003_gone"},
                ]
            }
        )
    )
    mset = one_set(files)
    assert labels(mset) == ["0001_second", "0000_first"]
    found = messages(mset)
    assert any("0002_unlisted.sql is not listed in meta/_journal.json" in m for m in found)
    assert any("lists 0003_gone but 0003_gone.sql is missing" in m for m in found)


def test_broken_journal_never_raises(tree):
    files = tree({"drizzle/0000_a.sql": BREAK})
    (files[0].parent / "meta").mkdir()
    (files[0].parent / "meta" / "_journal.json").write_text("{not json")
    mset = one_set(files)
    assert labels(mset) == ["0000_a"]
    assert any("cannot be read" in m for m in messages(mset))


def test_duplicate_numbers_are_problems(tree):
    files = tree({"drizzle/0001_a.sql": BREAK, "drizzle/0001_b.sql": "SELECT 1;"})
    assert any(m.startswith("duplicate migration number 0001") for m in messages(one_set(files)))


def test_numbered_files_without_breakpoints_are_plain(tree):
    files = tree({"d/0000_a.sql": "SELECT 1;", "d/0001_b.sql": "SELECT 2;"})
    assert detect(files[0].parent, files, Reader()).name == "plain"


def _with_journal(tree, files: dict[str, str], entries: list[dict]):
    paths = tree(files)
    root = paths[0].parent
    (root / "meta").mkdir()
    (root / "meta" / "_journal.json").write_text(json.dumps({"entries": entries}))
    return one_set(paths)


def test_an_entry_not_later_than_an_earlier_one_is_skipped_by_the_migrator(tree):
    """drizzle runs an entry only when its ``when`` is after the last applied migration's."""
    mset = _with_journal(
        tree,
        {
            "drizzle/0000_a.sql": "SELECT 1;",
            "drizzle/0001_b.sql": "SELECT 2;",
            "drizzle/0002_c.sql": "SELECT 3;",
        },
        [
            {"idx": 0, "tag": "0000_a", "when": 1000},
            {"idx": 1, "tag": "0001_b", "when": 5000},
            {"idx": 2, "tag": "0002_c", "when": 2000},
        ],
    )
    (problem,) = mset.problems
    assert problem.path.name == "0002_c.sql"
    assert "not after 0001_b's (5000)" in problem.message


def test_with_a_journal_equal_numbers_are_not_duplicates(tree):
    """The journal names migrations by tag; drizzle runs both files."""
    mset = _with_journal(
        tree,
        {"drizzle/0001_a.sql": "SELECT 1;", "drizzle/0001_b.sql": "SELECT 2;"},
        [{"idx": 0, "tag": "0001_a", "when": 1}, {"idx": 1, "tag": "0001_b", "when": 2}],
    )
    assert mset.problems == []
    assert labels(mset) == ["0001_a", "0001_b"]
