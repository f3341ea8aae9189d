"""No layout raises on odd input: any file names, empty, binary or unreadable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pglint.layouts import MODULES, find_sets, layouts
from pglint.layouts.base import Reader

ODD = {
    "m/empty.sql": "",
    "m/V1__flyway.sql": "CREATE INDEX CONCURRENTLY i ON t (x);",
    "m/U7__orphan.sql": "",
    "m/R__repeat.sql": "SELECT 1;",
    "m/1_goose.sql": "-- +goose Down\n-- +goose Up\n-- +goose Up\n",
    "m/2_dbmate.sql": "-- migrate:down\n-- migrate:up transaction:false junk:a:b\n",
    "m/0003_drizzle.sql": "SELECT 1;\n--> statement-breakpoint\n",
    "m/20200101000000000000_x.oracle.autocommit.up.sql": "SELECT 'unterminated",
    "m/20200101000000000000_x.autocommit.down.sql": b"\x00\x01\x02 binary",
    "m/99999999999999999999999_huge.up.sql": "SELECT 1;",
    "m/bad-utf8.sql": b"SELECT '\xff\xfe';",
    "m/sub/up.sql": "SELECT 1;",
    "m/sub/down.sql": "SELECT 1;",
    "m/sub/migration.sql": "SELECT 1;",
    "m/deploy/change.sql": "SELECT 1;",
    "m/sqitch.plan": "%syntax-version=1.0.0\n@tag-before-any-change\n!!! not a line\nchange [dep\n",
    "m/meta/_journal.json": '{"entries": [{"tag": 5}, "x", {"tag": "0003_drizzle"}]}',
}


@pytest.mark.parametrize(
    "name", [n.replace("_", "-") if n == "golang_migrate" else n for n in MODULES]
)
def test_forced_layout_never_raises(tree, name: str) -> None:
    files = tree(ODD)
    for mset in find_sets(files, Reader(), forced=name):
        assert mset.layout == name
        for migration in mset.migrations:
            for part in (*migration.up, *(migration.down or ())):
                assert isinstance(part.path, Path)
                assert part.start >= 0
                assert part.end is None or part.end >= part.start


def test_detection_never_raises(tree) -> None:
    files = tree(ODD)
    sets = find_sets(files, Reader())
    assert {s.layout for s in sets} <= set(layouts())
