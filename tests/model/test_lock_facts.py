"""The lock model against PostgreSQL 15 as measured (``shared/pg-truth/ddl-locks-pg15.tsv``).

One case per row of the measured table. Each case builds the measured schema as objects
that existed before the migration (``Catalog.apply(..., new=False)``), runs the row's
statement through the :class:`Analyser` for PostgreSQL 15, and compares what the model
says about the row's target relation with what PostgreSQL did: the strongest lock, whether
the table was rewritten or scanned, whether the statement can run in a transaction block,
and what it blocks.

Where the model cannot know the answer (it depends on session state no migration file
shows), the row is listed in :data:`EXPECTED_DIFFERENCES` with the reason, and the test
asserts that the model still differs there, so the list stays honest.

Also here: the conflict table of lock modes against the PostgreSQL documentation.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pglint.model.catalog import Catalog
from pglint.model.effects import Analyser, Touch
from pglint.model.locks import LockMode
from pglint.sources.sql import parse_sql

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
TRUTH = SHARED / "pg-truth" / "ddl-locks-pg15.tsv"

# --- the measured schema -----------------------------------------------------------------------

# The README: t(id int PK, a int, b text, c varchar(20), d timestamp, e jsonb) with btree
# indexes on c and d; p(id PK) holding every t.a; enum mood.
_T_COLUMNS = "a int, b text, c varchar(20), d timestamp, e jsonb"
_BASE_REST = """
CREATE INDEX t_c_idx ON t (c);
CREATE INDEX t_d_idx ON t (d);
CREATE TABLE p (id int PRIMARY KEY);
CREATE TYPE mood AS ENUM ('sad', 'ok', 'meh');
CREATE FUNCTION trg_fn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
"""
_BASE = f"CREATE TABLE t (id int PRIMARY KEY, {_T_COLUMNS});" + _BASE_REST

# Setup each case adds to (or uses instead of) the base schema, from its id and notes.
_PT = f"CREATE TABLE pt (id int NOT NULL, {_T_COLUMNS}) PARTITION BY RANGE (id);"
_SETUP: dict[str, str] = {
    "add_unique_using_index": "CREATE UNIQUE INDEX t_a_uidx ON t (a);",
    "alter_type_numeric_widen_precision": "ALTER TABLE t ADD COLUMN n numeric(10,2);",
    "alter_type_timestamptz_to_timestamp_utc": "ALTER TABLE t ALTER COLUMN d TYPE timestamptz;",
    "set_not_null_with_valid_check": ("ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL);"),
    "set_not_null_with_not_valid_check": (
        "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;"
    ),
    "validate_check": "ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0) NOT VALID;",
    "drop_check": "ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0);",
    "validate_fk": (
        "ALTER TABLE t ADD CONSTRAINT t_a_fk FOREIGN KEY (a) REFERENCES p (id) NOT VALID;"
    ),
    "drop_fk": "ALTER TABLE t ADD CONSTRAINT t_a_fk FOREIGN KEY (a) REFERENCES p (id);",
    "disable_trigger": (
        "CREATE TRIGGER t_trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg_fn();"
    ),
    "drop_trigger": (
        "CREATE TRIGGER t_trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg_fn();"
    ),
    "enum_add_value": "ALTER TABLE t ADD COLUMN f mood;",
    "attach_partition": _PT,
    "attach_partition_with_matching_check": _PT
    + "ALTER TABLE t ADD CONSTRAINT t_id_range CHECK (id >= 0 AND id < 100000000);",
    "detach_partition": _PT
    + "ALTER TABLE pt ATTACH PARTITION t FOR VALUES FROM (0) TO (100000000);",
    "detach_partition_concurrently": _PT
    + "ALTER TABLE pt ATTACH PARTITION t FOR VALUES FROM (0) TO (100000000);",
    "create_table_partition_of": _PT
    + "ALTER TABLE pt ATTACH PARTITION t FOR VALUES FROM (0) TO (100000000);",
    "create_table_partition_of_with_default_partition": _PT
    + "ALTER TABLE pt ATTACH PARTITION t DEFAULT;",
    "refresh_matview": (
        "CREATE MATERIALIZED VIEW mv AS SELECT id, a, b FROM t;"
        "CREATE UNIQUE INDEX mv_id_idx ON mv (id);"
    ),
    "refresh_matview_concurrently": (
        "CREATE MATERIALIZED VIEW mv AS SELECT id, a, b FROM t;"
        "CREATE UNIQUE INDEX mv_id_idx ON mv (id);"
    ),
}

# Cases whose t is built differently: no primary key yet.
_BASE_INSTEAD: dict[str, str] = {
    "add_primary_key": f"CREATE TABLE t (id int NOT NULL, {_T_COLUMNS});" + _BASE_REST,
    "add_primary_key_nullable_column": f"CREATE TABLE t (id int, {_T_COLUMNS});" + _BASE_REST,
    "add_primary_key_using_index": f"CREATE TABLE t (id int NOT NULL, {_T_COLUMNS});"
    + _BASE_REST
    + "CREATE UNIQUE INDEX t_id_uidx ON t (id);",
}

#: Rows where the static model knowingly differs from the measurement: id → (field, reason).
EXPECTED_DIFFERENCES: dict[str, tuple[str, str]] = {
    "alter_type_timestamp_to_timestamptz_utc": (
        "rewrite",
        "timestamp → timestamptz skips the rewrite only when the session TimeZone has a fixed "
        "zero offset (measured with TimeZone='UTC'); a migration file does not show the "
        "server's TimeZone, so the model assumes the rewrite, as measured for "
        "America/New_York and Europe/London",
    ),
    "alter_type_timestamptz_to_timestamp_utc": (
        "rewrite",
        "the reverse change depends on the session TimeZone the same way",
    ),
}


def _rows() -> list[dict[str, str]]:
    if not TRUTH.is_file():
        return []
    with TRUTH.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = _rows()

needs_truth = pytest.mark.skipif(
    not ROWS, reason=f"measured lock table not found at {TRUTH} (shared/ sits next to the checkout)"
)


def _catalog(case: str) -> Catalog:
    catalog = Catalog()
    setup = _BASE_INSTEAD.get(case, _BASE) + _SETUP.get(case, "")
    parsed = parse_sql(setup)
    assert not parsed.problems, parsed.problems
    for statement in parsed.statements:
        catalog.apply(statement, new=False)
    return catalog


def _analyse(case: str, sql: str):
    catalog = _catalog(case)
    parsed = parse_sql(sql)
    assert not parsed.problems and len(parsed.statements) == 1, parsed
    return Analyser(15, catalog=catalog).effect(parsed.statements[0], 0)


def _target_touch(effect, target: str) -> Touch | None:
    for touch in effect.touches:
        if touch.relation == target:
            return touch
    return None


def _observed(effect, row: dict[str, str]) -> dict[str, object]:
    touch = _target_touch(effect, row["target"])
    return {
        "lock": touch.lock.pg_locks_name if touch else "none",
        "rewrite": bool(touch and touch.rewrite),
        "scan": bool(touch and touch.scan),
        "transactional": effect.transactional,
    }


def _measured(row: dict[str, str]) -> dict[str, object]:
    # ``locks_on_t`` is the strongest lock on the row's target relation: t, or pt / mv
    # where the ``target`` column names them (PARTITION OF, REFRESH).
    return {
        "lock": row["locks_on_t"].split(" [")[0],
        "rewrite": row["rewrite"] == "yes",
        "scan": row["scan"] == "yes",
        "transactional": row["transactional"] == "yes",
    }


@needs_truth
@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_row(row):
    effect = _analyse(row["id"], row["statement"])
    observed, measured = _observed(effect, row), _measured(row)
    expected = EXPECTED_DIFFERENCES.get(row["id"])
    if expected is not None:
        field, reason = expected
        assert observed[field] != measured[field], (
            f"{row['id']}: listed as a known difference in {field!r} ({reason}), "
            "but the model now agrees: remove it from EXPECTED_DIFFERENCES"
        )
        observed.pop(field)
        measured.pop(field)
    assert observed == measured, f"{row['id']}: {row['statement']}"


@needs_truth
@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_blocks(row):
    """What the lock blocks for plain SELECT and UPDATE, as probed with lock_timeout."""
    measured = row["blocks"].split(" (")[0]
    touch = _target_touch(_analyse(row["id"], row["statement"]), row["target"])
    reads = bool(touch and touch.blocks_reads)
    writes = bool(touch and touch.blocks_writes)
    if "writes n/a" in row["blocks"]:
        # A materialized view takes no writes; only the read side was probed.
        assert reads == (measured == "reads"), row["id"]
        return
    assert {"reads+writes": (True, True), "writes": (False, True), "none": (False, False)}[
        measured
    ] == (reads, writes), f"{row['id']}: model lock {touch}"


_TABLES = ("t", "p", "pt", "mv", "t_p2")


def _measured_others(row: dict[str, str]) -> dict[str, str]:
    """Strongest lock per other *table* in ``locks_on_other`` (indexes, toast, objects left out)."""
    found: dict[str, str] = {}
    for entry in row["locks_on_other"].split("; "):
        name, _, modes = entry.partition(":")
        if name in _TABLES and name != row["target"]:
            found[name] = max(modes.split("+"), key=LockMode.from_pg_locks)
    return found


@needs_truth
@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_other_tables(row):
    """Locks on the other tables: p for foreign keys, pt for partitions, t for matviews."""
    effect = _analyse(row["id"], row["statement"])
    observed = {
        t.relation: t.lock.pg_locks_name
        for t in effect.touches
        if t.relation in _TABLES and t.relation != row["target"]
    }
    assert observed == _measured_others(row), row["statement"]


@needs_truth
def test_every_row_has_a_known_target():
    for row in ROWS:
        assert row["target"] in ("t", "pt", "mv"), row["id"]
    assert len(ROWS) == 90
    assert set(EXPECTED_DIFFERENCES) <= {r["id"] for r in ROWS}
    assert set(_SETUP) | set(_BASE_INSTEAD) <= {r["id"] for r in ROWS}


def test_reindex_blocks_reads_through_the_index_lock():
    """REINDEX takes SHARE on the table, but ACCESS EXCLUSIVE on the index the planner needs."""
    touch = _target_touch(_analyse("reindex_index", "REINDEX INDEX t_c_idx"), "t")
    assert touch is not None
    assert touch.lock is LockMode.SHARE and not touch.lock.blocks_reads
    assert touch.index_lock is LockMode.ACCESS_EXCLUSIVE
    assert touch.blocks_reads and touch.blocked == "reads and writes"


# --- the conflict table ----------------------------------------------------------------------

# https://www.postgresql.org/docs/current/explicit-locking.html, table 13.2 "Conflicting
# Lock Modes": for each requested mode, the modes it conflicts with (X marks), in the
# docs' column order ACCESS SHARE … ACCESS EXCLUSIVE.
_DOCS_TABLE = """
ACCESS_SHARE           . . . . . . . X
ROW_SHARE              . . . . . . X X
ROW_EXCLUSIVE          . . . . X X X X
SHARE_UPDATE_EXCLUSIVE . . . X X X X X
SHARE                  . . X X . X X X
SHARE_ROW_EXCLUSIVE    . . X X X X X X
EXCLUSIVE              . X X X X X X X
ACCESS_EXCLUSIVE       X X X X X X X X
"""


def _docs_conflicts() -> dict[LockMode, set[LockMode]]:
    table = {}
    order = list(LockMode)
    for line in _DOCS_TABLE.strip().splitlines():
        name, *marks = line.split()
        table[LockMode[name]] = {
            mode for mode, mark in zip(order, marks, strict=True) if mark == "X"
        }
    return table


def test_conflicts_match_the_documented_table():
    table = _docs_conflicts()
    for mode in LockMode:
        for other in LockMode:
            assert mode.conflicts_with(other) == (other in table[mode]), (mode, other)


def test_conflicts_are_symmetric():
    for mode in LockMode:
        for other in LockMode:
            assert mode.conflicts_with(other) == other.conflicts_with(mode)


@pytest.mark.parametrize(
    ("mode", "reads", "writes", "blocked"),
    [
        (LockMode.ACCESS_SHARE, False, False, "nothing but exclusive locks"),
        (LockMode.ROW_SHARE, False, False, "nothing but exclusive locks"),
        (LockMode.ROW_EXCLUSIVE, False, False, "nothing but exclusive locks"),
        (LockMode.SHARE_UPDATE_EXCLUSIVE, False, False, "DDL and VACUUM"),
        (LockMode.SHARE, False, True, "writes"),
        (LockMode.SHARE_ROW_EXCLUSIVE, False, True, "writes"),
        (LockMode.EXCLUSIVE, False, True, "writes"),
        (LockMode.ACCESS_EXCLUSIVE, True, True, "reads and writes"),
    ],
)
def test_what_each_mode_blocks(mode, reads, writes, blocked):
    assert (mode.blocks_reads, mode.blocks_writes, mode.blocked) == (reads, writes, blocked)


def test_lock_names_round_trip():
    for mode in LockMode:
        assert LockMode.from_pg_locks(mode.pg_locks_name) is mode
    assert LockMode.ACCESS_EXCLUSIVE.sql_name == "ACCESS EXCLUSIVE"
    assert LockMode.SHARE_ROW_EXCLUSIVE.pg_locks_name == "ShareRowExclusiveLock"
    with pytest.raises(ValueError):
        LockMode.from_pg_locks("NoSuchLock")


# --- beyond the measured table -------------------------------------------------------------------
#
# Facts PostgreSQL documents (or its source states) for cases pg-truth did not measure.


def _last_effect(setup: str, sql: str, pg: int = 15):
    """The effect of the last statement of ``sql``, run after ``setup`` (existing objects)."""
    catalog = Catalog()
    for statement in parse_sql(setup).statements:
        catalog.apply(statement, new=False)
    parsed = parse_sql(sql)
    assert not parsed.problems, parsed.problems
    return list(Analyser(pg, catalog=catalog).effects(parsed.statements))[-1]


def _by_relation(effect) -> dict[str, tuple[str, bool, bool, bool]]:
    """relation → (lock, rewrite, scan, new)."""
    return {t.relation: (t.lock.sql_name, t.rewrite, t.scan, t.new) for t in effect.touches}


_AE, _SUE, _SRE = "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE"
_FK_SETUP = _BASE + "ALTER TABLE t ADD CONSTRAINT t_a_fk FOREIGN KEY (a) REFERENCES p (id);"
_PARTS = (
    "CREATE TABLE pt (id int NOT NULL, k text NOT NULL) PARTITION BY RANGE (id);"
    "CREATE TABLE pl (id int, k text NOT NULL) PARTITION BY LIST (k);"
    "CREATE TABLE c (id int NOT NULL, k text NOT NULL);"
)


@pytest.mark.parametrize(
    ("setup", "sql", "expected"),
    [
        # Dropping a table drops its foreign keys' triggers on the referenced table.
        (
            _FK_SETUP,
            "DROP TABLE t",
            {"t": (_AE, False, False, False), "p": (_AE, False, False, False)},
        ),
        (
            _BASE + "CREATE TABLE r (id int, p_id int REFERENCES p (id));",
            "DROP TABLE r",
            {"r": (_AE, False, False, False), "p": (_AE, False, False, False)},
        ),
        (
            _FK_SETUP,
            "ALTER TABLE t DROP COLUMN a",
            {"t": (_AE, False, False, False), "p": (_AE, False, False, False)},
        ),
        (_FK_SETUP, "ALTER TABLE t DROP COLUMN b", {"t": (_AE, False, False, False)}),
        # Dropping a partition locks its parent.
        (
            _PARTS + "ALTER TABLE pt ATTACH PARTITION c FOR VALUES FROM (0) TO (10);",
            "DROP TABLE c",
            {"c": (_AE, False, False, False), "pt": (_AE, False, False, False)},
        ),
        # An inline UNIQUE builds an index over every row; NOT NULL without a default checks them.
        (_BASE, "ALTER TABLE t ADD COLUMN f int UNIQUE", {"t": (_AE, False, True, False)}),
        (_BASE, "ALTER TABLE t ADD COLUMN f int NOT NULL", {"t": (_AE, False, True, False)}),
        (
            _BASE,
            "ALTER TABLE t ADD COLUMN f int NOT NULL DEFAULT 0",
            {"t": (_AE, False, False, False)},
        ),
        # PostgreSQL 18 virtual generated columns store nothing.
        (
            _BASE,
            "ALTER TABLE t ADD COLUMN f int GENERATED ALWAYS AS (a * 2) VIRTUAL",
            {"t": (_AE, False, False, False)},
        ),
        (
            _BASE,
            "ALTER TABLE t ADD COLUMN f int GENERATED ALWAYS AS (a * 2) STORED",
            {"t": (_AE, True, True, False)},
        ),
        # A primary key USING INDEX on a nullable column must verify NOT NULL.
        (
            f"CREATE TABLE t (id int, {_T_COLUMNS}); CREATE UNIQUE INDEX t_id_uidx ON t (id);",
            "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_uidx",
            {"t": (_AE, False, True, False)},
        ),
        # Storage parameters: most take SHARE UPDATE EXCLUSIVE, a few ACCESS EXCLUSIVE.
        (_BASE, "ALTER TABLE t SET (user_catalog_table = true)", {"t": (_AE, False, False, False)}),
        (_BASE, "ALTER TABLE t RESET (fillfactor)", {"t": (_SUE, False, False, False)}),
        (_BASE, "CREATE STATISTICS t_ab ON a, b FROM t", {"t": (_SUE, False, False, False)}),
        (_BASE, "ALTER TABLE t SET SCHEMA other", {"t": (_AE, False, False, False)}),
        (_BASE, "COMMENT ON INDEX t_c_idx IS 'x'", {"t_c_idx": (_SUE, False, False, False)}),
        # The constraint object gets SHARE UPDATE EXCLUSIVE, its table only ACCESS SHARE
        # (measured on PostgreSQL 15.18: comment_on_constraint).
        (
            _BASE,
            "COMMENT ON CONSTRAINT t_pkey ON t IS 'x'",
            {"t": ("ACCESS SHARE", False, False, False)},
        ),
        (_BASE, "COMMENT ON COLUMN t.a IS 'x'", {"t": (_SUE, False, False, False)}),
        (_BASE, "ALTER INDEX t_c_idx SET TABLESPACE fast", {"t_c_idx": (_AE, True, False, False)}),
        (
            _BASE,
            "ALTER INDEX t_c_idx SET (fillfactor = 80)",
            {"t_c_idx": (_SUE, False, False, False)},
        ),
        # Inheritance: the parent is locked while the child copies its columns.
        (
            _BASE,
            "CREATE TABLE t2 () INHERITS (t)",
            {"t": (_SUE, False, False, False), "t2": (_AE, False, False, True)},
        ),
        # CREATE TABLE AS reads its sources; the new table is new.
        (
            _BASE,
            "CREATE TABLE t_copy AS SELECT * FROM t JOIN p ON p.id = t.a",
            {
                "t": ("ACCESS SHARE", False, True, False),
                "p": ("ACCESS SHARE", False, True, False),
                "t_copy": (_AE, False, False, True),
            },
        ),
        (
            _BASE,
            "CREATE MATERIALIZED VIEW m AS WITH x AS (SELECT a FROM t) SELECT a FROM x WITH NO DATA",
            {"t": ("ACCESS SHARE", False, False, False), "m": (_AE, False, False, True)},
        ),
        # Objects created earlier in the same file are new.
        (
            _BASE,
            "CREATE TABLE n (id int); CREATE INDEX n_idx ON n (id); REINDEX INDEX n_idx",
            {"n": ("SHARE", False, True, True)},
        ),
        (
            _BASE,
            "CREATE TABLE n (id int); CREATE INDEX n_idx ON n (id); ALTER INDEX n_idx RENAME TO n_idx2",
            {"n_idx": (_SUE, False, False, True)},
        ),
        (
            _BASE,
            "CREATE TABLE n AS SELECT 1 AS x; ALTER TABLE n ADD COLUMN y int",
            {"n": (_AE, False, False, True)},
        ),
        # CREATE INDEX ON ONLY a partitioned table builds nothing.
        (_PARTS, "CREATE INDEX pt_k ON ONLY pt (k)", {"pt": ("SHARE", False, False, False)}),
        (_PARTS, "CREATE INDEX pt_k ON pt (k)", {"pt": ("SHARE", False, True, False)}),
    ],
)
def test_documented_facts(setup, sql, expected):
    assert _by_relation(_last_effect(setup, sql)) == expected


@pytest.mark.parametrize(
    ("check", "bound", "scans"),
    [
        ("id >= 0 AND id < 10", "FROM (0) TO (10)", False),
        ("id BETWEEN 0 AND 9", "FROM (0) TO (10)", False),
        ("id >= 1 AND id <= 5", "FROM (0) TO (10)", False),
        ("0 <= id AND 10 > id", "FROM (0) TO (10)", False),
        ("id > -1 AND id < 10", "FROM (0) TO (10)", True),  # PostgreSQL proves no integer steps
        ("id >= 0 AND id <= 10", "FROM (0) TO (10)", True),  # 10 is outside
        ("id >= 0", "FROM (0) TO (10)", True),
        ("id < 10", "FROM (MINVALUE) TO (10)", False),
        ("id >= 0 AND id < 10 NOT VALID", "FROM (0) TO (10)", True),
        ("a >= 0 AND a < 10", "FROM (0) TO (10)", True),  # another column
        ("id >= 0 OR id < 10", "FROM (0) TO (10)", True),
    ],
)
def test_attach_range_partition_skips_the_scan_only_when_a_check_proves_the_bound(
    check, bound, scans
):
    setup = (
        _PARTS
        + f"CREATE TABLE r (id int NOT NULL, a int); ALTER TABLE r ADD CONSTRAINT r_b CHECK ({check.removesuffix(' NOT VALID')}){' NOT VALID' if check.endswith('NOT VALID') else ''};"
    )
    touches = _by_relation(
        _last_effect(setup, f"ALTER TABLE pt ATTACH PARTITION r FOR VALUES {bound}")
    )
    assert touches["r"] == (_AE, False, scans, False)
    assert touches["pt"] == (_SUE, False, False, False)


def test_attach_range_needs_a_not_null_key():
    setup = (
        _PARTS
        + "CREATE TABLE r (id int); ALTER TABLE r ADD CONSTRAINT r_b CHECK (id >= 0 AND id < 10);"
    )
    sql = "ALTER TABLE pt ATTACH PARTITION r FOR VALUES FROM (0) TO (10)"
    assert _by_relation(_last_effect(setup, sql))["r"][2] is True
    setup += "ALTER TABLE r ADD CONSTRAINT r_nn CHECK (id IS NOT NULL);"
    assert _by_relation(_last_effect(setup, sql))["r"][2] is False


@pytest.mark.parametrize(
    ("check", "scans"),
    [("k IN ('a', 'b')", False), ("k = 'a'", False), ("k IN ('a', 'z')", True), ("k <> 'z'", True)],
)
def test_attach_list_partition(check, scans):
    setup = _PARTS + f"ALTER TABLE c ADD CONSTRAINT c_k CHECK ({check});"
    sql = "ALTER TABLE pl ATTACH PARTITION c FOR VALUES IN ('a', 'b', 'c')"
    assert _by_relation(_last_effect(setup, sql))["c"] == (_AE, False, scans, False)


def test_attach_and_create_partition_scan_the_default_partition():
    setup = _PARTS + "CREATE TABLE pt_default PARTITION OF pt DEFAULT;"
    attach = _last_effect(setup, "ALTER TABLE pt ATTACH PARTITION c FOR VALUES FROM (0) TO (10)")
    assert _by_relation(attach)["pt_default"] == (_AE, False, True, False)
    create = _last_effect(setup, "CREATE TABLE pt_2 PARTITION OF pt FOR VALUES FROM (10) TO (20)")
    assert _by_relation(create) == {
        "pt": (_AE, False, False, False),
        "pt_default": (_AE, False, True, False),
        "pt_2": (_AE, False, False, True),
    }
    # A second DEFAULT is an error in PostgreSQL, but must not scan anything here.
    again = _last_effect(setup, "CREATE TABLE pt_d2 PARTITION OF pt DEFAULT")
    assert "pt_default" not in _by_relation(again)
    # Once detached, the default partition is no longer scanned.
    detached = setup + "ALTER TABLE pt DETACH PARTITION pt_default;"
    create = _last_effect(
        detached, "CREATE TABLE pt_2 PARTITION OF pt FOR VALUES FROM (10) TO (20)"
    )
    assert "pt_default" not in _by_relation(create)


def test_refresh_reads_the_view_query():
    setup = _BASE + "CREATE MATERIALIZED VIEW mv AS SELECT a FROM t JOIN p ON p.id = t.a;"
    touches = _by_relation(_last_effect(setup, "REFRESH MATERIALIZED VIEW mv"))
    assert touches == {
        "mv": (_AE, True, True, False),
        "t": ("ACCESS SHARE", False, True, False),
        "p": ("ACCESS SHARE", False, True, False),
    }
    empty = _by_relation(_last_effect(setup, "REFRESH MATERIALIZED VIEW mv WITH NO DATA"))
    assert set(empty) == {"mv"}


@pytest.mark.parametrize(
    ("sql", "pg", "transactional"),
    [
        ("ALTER TYPE mood ADD VALUE 'happy'", 15, True),
        ("ALTER TYPE mood ADD VALUE 'happy'", 11, False),
        ("ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'", 11, True),
        ("REINDEX SCHEMA public", 15, False),
        ("REINDEX DATABASE app", 15, False),
        ("REINDEX (CONCURRENTLY false) TABLE t", 15, True),
        ("REINDEX (CONCURRENTLY) TABLE t", 15, False),
        ("CLUSTER", 15, False),
        ("CLUSTER t USING t_pkey", 15, True),
        ("VACUUM", 15, False),
        ("ANALYZE t", 15, True),
        ("CREATE DATABASE app2", 15, False),
        ("ALTER SYSTEM SET work_mem = '8MB'", 15, False),
        ("ALTER DATABASE app SET TABLESPACE fast", 15, False),
        ("ALTER DATABASE app SET work_mem = '8MB'", 15, True),
        ("CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", 15, False),
        (
            "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = false)",
            15,
            True,
        ),
        (
            "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (connect = false)",
            15,
            True,
        ),
        ("CREATE INDEX CONCURRENTLY t_b ON t (b)", 15, False),
        ("DROP INDEX CONCURRENTLY t_c_idx", 15, False),
        ("ALTER TABLE pt DETACH PARTITION c CONCURRENTLY", 15, False),
    ],
)
def test_transactional(sql, pg, transactional):
    setup = _BASE + _PARTS + "ALTER TABLE pt ATTACH PARTITION c FOR VALUES FROM (0) TO (10);"
    assert _last_effect(setup, sql, pg).transactional is transactional


def test_reindex_of_a_partitioned_table_cannot_run_in_a_transaction():
    assert _last_effect(_PARTS, "REINDEX TABLE pt").transactional is False


@pytest.mark.parametrize(
    ("sql", "pg", "relation", "lock", "rewrite", "scan"),
    [
        (
            "ALTER TABLE pt ATTACH PARTITION c FOR VALUES FROM (0) TO (10)",
            11,
            "pt",
            _AE,
            False,
            False,
        ),
        (
            "ALTER TABLE pt ATTACH PARTITION c FOR VALUES FROM (0) TO (10)",
            12,
            "pt",
            _SUE,
            False,
            False,
        ),
        ("ALTER INDEX t_c_idx RENAME TO t_c2", 11, "t_c_idx", _AE, False, False),
        ("ALTER INDEX t_c_idx RENAME TO t_c2", 12, "t_c_idx", _SUE, False, False),
        ("ALTER TABLE t ADD COLUMN f int DEFAULT 0", 10, "t", _AE, True, True),
        ("ALTER TABLE t ADD COLUMN f int DEFAULT 0", 11, "t", _AE, False, False),
        ("ALTER TABLE t ADD COLUMN f int DEFAULT NULL", 10, "t", _AE, False, False),
    ],
)
def test_version_dependent_facts(sql, pg, relation, lock, rewrite, scan):
    touch = _by_relation(_last_effect(_BASE + _PARTS, sql, pg))[relation]
    assert touch[:3] == (lock, rewrite, scan)


def test_set_not_null_uses_a_valid_check_from_postgresql_12():
    setup = _BASE + "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL);"
    sql = "ALTER TABLE t ALTER COLUMN a SET NOT NULL"
    assert _by_relation(_last_effect(setup, sql, 12))["t"][2] is False
    assert _by_relation(_last_effect(setup, sql, 11))["t"][2] is True


def test_several_subcommands_merge_into_one_touch():
    sql = "ALTER TABLE t ADD COLUMN f int, ALTER COLUMN a TYPE bigint, SET (fillfactor = 70)"
    effect = _last_effect(_BASE, sql)
    assert _by_relation(effect) == {"t": (_AE, True, True, False)}
    assert effect.lock is LockMode.ACCESS_EXCLUSIVE and effect.rewrites and effect.scans


def test_catalog_follows_drops_of_qualified_names():
    catalog = Catalog()
    for statement in parse_sql(
        _BASE + "DROP TABLE public.p; DROP INDEX public.t_c_idx;"
    ).statements:
        catalog.apply(statement, new=False)
    assert catalog.table(None, "p") is None and catalog.table(None, "t") is not None
    assert catalog.index(None, "t_c_idx") is None and catalog.index(None, "t_d_idx") is not None


def test_catalog_copy_is_independent_and_complete():
    from dataclasses import fields

    from pglint.model import catalog as model

    setup = _BASE + _PARTS + "CREATE TABLE pt_d PARTITION OF pt DEFAULT; CREATE SEQUENCE s;"
    original = Catalog()
    for statement in parse_sql(setup).statements:
        original.apply(statement, new=False)
    copied = original.copy()
    assert copied == original
    assert copied.tables["t"].constraints[0].expr is original.tables["t"].constraints[0].expr
    for statement in parse_sql(
        "ALTER TABLE t ADD COLUMN z int; ALTER TABLE t DROP CONSTRAINT t_pkey;"
        "DROP TABLE p; DROP INDEX t_c_idx; ALTER TYPE mood ADD VALUE 'x';"
    ).statements:
        copied.apply(statement)
    assert "z" not in original.tables["t"].columns and "p" in original.tables
    assert original.index(None, "t_c_idx") is not None
    assert original.tables["t"].constraints and copied != original
    assert "z" in copied.tables["t"].columns and "p" not in copied.tables
    # Copy on write both ways: the original's later changes stay out of the copy.
    second = original.copy()
    for statement in parse_sql(
        "ALTER TABLE t RENAME COLUMN a TO a2; ALTER TABLE pt DETACH PARTITION pt_d;"
        "ALTER TABLE t RENAME TO t_renamed;"
    ).statements:
        original.apply(statement)
    assert "a" in second.tables["t"].columns and "a2" in original.tables["t_renamed"].columns
    assert second.tables["pt"].default_partition == "pt_d"
    assert original.tables["pt"].default_partition is None
    assert "t" in copied.tables and "a" in copied.tables["t"].columns
    # Catalog.copy lists the catalog's fields by hand: a new field must be added there.
    assert [f.name for f in fields(model.Catalog)] == [
        "tables",
        "indexes",
        "types",
        "enums",
        "sequences",
        "functions",
        "new_objects",
        "objects",
        "routines",
        "defined",
        "checks",
        "null_columns",
        "volatility",
        "domains",
        "_owned",
        "_released",
        "statistics",
    ]
