"""Lock facts measured on PostgreSQL 15.18 for forms pg-truth does not cover.

Each case was run in ``BEGIN; …`` on a fresh database and read back from ``pg_locks``,
``pg_class.relfilenode`` and ``pg_stat_xact_user_tables``, with a second session probing
which reads and writes wait (the lock audit's harness, /tmp/audit-locks in its run).
"""

from __future__ import annotations

import pytest

from tests.model.test_lock_facts import _BASE, _by_relation, _last_effect

_AE, _SUE, _SRE = "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE"
_SEQ = _BASE + "CREATE SEQUENCE s; CREATE TABLE u (id bigint DEFAULT nextval('s'), x int);"


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER SEQUENCE s INCREMENT BY 2",
        "ALTER SEQUENCE s RESTART WITH 10",
        "ALTER SEQUENCE s AS integer",
        "ALTER SEQUENCE s CACHE 10",
        "ALTER SEQUENCE s OWNED BY u.id",
    ],
)
def test_alter_sequence_blocks_nextval(sql):
    # ShareRowExclusiveLock on s: nextval('s'), hence INSERT INTO u, waits.
    effect = _last_effect(_SEQ, sql)
    assert _by_relation(effect) == {"s": (_SRE, False, False, False)}
    assert effect.touches[0].blocks_writes and not effect.touches[0].blocks_reads


def test_alter_sequence_of_a_new_sequence_is_new():
    effect = _last_effect(_BASE, "CREATE SEQUENCE s2; ALTER SEQUENCE s2 RESTART WITH 5")
    assert _by_relation(effect) == {"s2": (_SRE, False, False, True)}


_GIN = _BASE + (
    "CREATE INDEX t_e_gin ON t USING gin (e);"
    "CREATE INDEX t_g ON t USING gist (int4range(a, a, '[]'));"
    "CREATE INDEX t_br ON t USING brin (d);"
)


@pytest.mark.parametrize(
    ("sql", "index", "lock"),
    [
        ("ALTER INDEX t_e_gin SET (fastupdate = off)", "t_e_gin", _AE),
        ("ALTER INDEX t_e_gin SET (gin_pending_list_limit = 128)", "t_e_gin", _AE),
        ("ALTER INDEX t_e_gin RESET (fastupdate)", "t_e_gin", _AE),
        ("ALTER INDEX t_g SET (buffering = off)", "t_g", _AE),
        ("ALTER INDEX t_br SET (pages_per_range = 64)", "t_br", _AE),
        ("ALTER INDEX t_br SET (autosummarize = on)", "t_br", _AE),
        ("ALTER INDEX t_g SET (fillfactor = 80)", "t_g", _SUE),
        ("ALTER INDEX t_c_idx SET (deduplicate_items = off)", "t_c_idx", _SUE),
    ],
)
def test_index_access_method_options(sql, index, lock):
    # An ACCESS EXCLUSIVE lock on the index: the probe saw reads and writes of t wait.
    effect = _last_effect(_GIN, sql)
    assert _by_relation(effect) == {index: (lock, False, False, False)}
    assert effect.touches[0].blocks_reads is (lock == _AE)


_PIDX = (
    "CREATE TABLE pt (id int NOT NULL, k text NOT NULL) PARTITION BY RANGE (id);"
    "CREATE TABLE c (id int NOT NULL, k text NOT NULL);"
    "ALTER TABLE pt ATTACH PARTITION c FOR VALUES FROM (0) TO (10000);"
    "CREATE INDEX pt_k_idx ON ONLY pt (k); CREATE INDEX c_k_idx ON c (k);"
)


def test_attach_index_partition_locks_the_child_index():
    # pt_k_idx ShareUpdateExclusive, c_k_idx AccessExclusive, c and pt AccessShare; the
    # probe saw reads and writes of both c and pt wait.
    effect = _last_effect(_PIDX, "ALTER INDEX pt_k_idx ATTACH PARTITION c_k_idx")
    assert _by_relation(effect) == {
        "pt_k_idx": (_SUE, False, False, False),
        "c_k_idx": (_AE, False, False, False),
        "c": ("ACCESS SHARE", False, False, False),
        "pt": ("ACCESS SHARE", False, False, False),
    }
    assert all(t.blocks_reads and t.blocks_writes for t in effect.touches[1:])


def test_attach_index_partition_with_unknown_index():
    effect = _last_effect("", "ALTER INDEX pt_k_idx ATTACH PARTITION c_k_idx")
    assert _by_relation(effect) == {
        "pt_k_idx": (_SUE, False, False, False),
        "c_k_idx": (_AE, False, False, False),
    }


_FK = _BASE + "ALTER TABLE t ADD CONSTRAINT t_a_fk FOREIGN KEY (a) REFERENCES p (id);"
_FK_TEXT = _BASE + (
    "CREATE TABLE r (k varchar(20) PRIMARY KEY);"
    "ALTER TABLE t ADD CONSTRAINT t_c_fk FOREIGN KEY (c) REFERENCES r (k);"
)


@pytest.mark.parametrize(
    ("setup", "sql", "expected"),
    [
        # The FK is dropped and re-created: the other table's RI triggers go under ACCESS
        # EXCLUSIVE; not binary coercible, so the key is re-validated (the other table read).
        (
            _FK,
            "ALTER TABLE t ALTER COLUMN a TYPE bigint",
            {"t": (_AE, True, True, False), "p": (_AE, False, True, False)},
        ),
        (
            _FK,
            "ALTER TABLE p ALTER COLUMN id TYPE bigint",
            {"p": (_AE, True, True, False), "t": (_AE, False, True, False)},
        ),
        # The referenced key named implicitly (REFERENCES p): its primary key.
        (
            _BASE + "CREATE TABLE r (id int, p_id int REFERENCES p);",
            "ALTER TABLE p ALTER COLUMN id TYPE bigint",
            {"p": (_AE, True, True, False), "r": (_AE, False, True, False)},
        ),
        # Binary coercible: the same locks, no re-validation.
        (
            _FK_TEXT,
            "ALTER TABLE t ALTER COLUMN c TYPE varchar(40)",
            {"t": (_AE, False, False, False), "r": (_AE, False, False, False)},
        ),
        (
            _FK_TEXT,
            "ALTER TABLE r ALTER COLUMN k TYPE text",
            {"r": (_AE, False, False, False), "t": (_AE, False, False, False)},
        ),
        # Columns outside the key leave the other table alone.
        (_FK, "ALTER TABLE t ALTER COLUMN b TYPE varchar(10)", {"t": (_AE, True, True, False)}),
    ],
)
def test_alter_type_of_a_foreign_key_column_locks_the_other_table(setup, sql, expected):
    assert _by_relation(_last_effect(setup, sql)) == expected


@pytest.mark.parametrize(
    ("setup", "sql", "scan"),
    [
        # Binary coercible, so no rewrite; but a pass over t when a valid CHECK is re-checked
        # or an index that names the column is rebuilt.
        ("ALTER TABLE t ADD CONSTRAINT t_c_chk CHECK (c <> '');", "TYPE varchar(40)", True),
        ("ALTER TABLE t ADD CONSTRAINT t_c_chk CHECK (c <> '');", "TYPE text", True),
        ("ALTER TABLE t ADD CONSTRAINT t_c_chk CHECK (c <> '') NOT VALID;", "TYPE text", False),
        ("ALTER TABLE t ADD CONSTRAINT t_a_chk CHECK (a > 0);", "TYPE text", False),
        ("CREATE INDEX t_lc ON t (lower(c));", "TYPE varchar(40)", True),
        ("CREATE INDEX t_cp ON t (a) WHERE c <> '';", "TYPE varchar(40)", True),
        ("CREATE UNIQUE INDEX t_c_u ON t (c);", "TYPE text", False),
        # A new collation rebuilds the indexes on the column (t_c_idx here).
        ("", 'TYPE varchar(20) COLLATE "C"', True),
        ("", 'TYPE text COLLATE "C"', True),
        ("DROP INDEX t_c_idx;", 'TYPE text COLLATE "C"', False),
    ],
)
def test_binary_coercible_type_change_that_still_reads_the_table(setup, sql, scan):
    effect = _last_effect(_BASE + setup, f"ALTER TABLE t ALTER COLUMN c {sql}")
    assert _by_relation(effect) == {"t": (_AE, False, scan, False)}


_PTDEF = _BASE + (
    "CREATE TABLE pt (id int NOT NULL, a int) PARTITION BY RANGE (id);"
    "CREATE TABLE pt_def PARTITION OF pt DEFAULT;"
    "CREATE TABLE t2 (id int NOT NULL, a int);"
)


def test_attach_with_a_default_partition_blocks_queries_on_the_parent():
    # pt keeps SHARE UPDATE EXCLUSIVE, but every query on pt must lock pt_def, which is
    # ACCESS EXCLUSIVE while it is scanned: the probe saw reads and writes of pt wait.
    effect = _last_effect(_PTDEF, "ALTER TABLE pt ATTACH PARTITION t2 FOR VALUES FROM (0) TO (10)")
    assert _by_relation(effect) == {
        "t2": (_AE, False, True, False),
        "pt_def": (_AE, False, True, False),
        "pt": (_SUE, False, False, False),
    }
    parent = next(t for t in effect.touches if t.relation == "pt")
    assert parent.blocks_reads and parent.blocks_writes


def test_attach_without_a_default_partition_leaves_the_parent_readable():
    setup = _BASE + "CREATE TABLE pt (id int NOT NULL, a int) PARTITION BY RANGE (id);"
    effect = _last_effect(setup, "ALTER TABLE pt ATTACH PARTITION t FOR VALUES FROM (0) TO (10)")
    parent = next(t for t in effect.touches if t.relation == "pt")
    assert not parent.blocks_reads and not parent.blocks_writes


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "ALTER TABLE pt DETACH PARTITION t2",
            {"t2": (_AE, False, False, False), "pt_def": (_AE, False, False, False)},
        ),
        # Detaching the DEFAULT partition itself.
        ("ALTER TABLE pt DETACH PARTITION pt_def", {"pt_def": (_AE, False, False, False)}),
    ],
)
def test_detach_with_a_default_partition_locks_it(sql, expected):
    setup = _PTDEF + "ALTER TABLE pt ATTACH PARTITION t2 FOR VALUES FROM (0) TO (10);"
    effect = _last_effect(setup, sql)
    assert _by_relation(effect) == {**expected, "pt": (_AE, False, False, False)}


_PT = (
    "CREATE TABLE pt (id int NOT NULL, k text NOT NULL) PARTITION BY RANGE (id);"
    "CREATE TABLE c PARTITION OF pt FOR VALUES FROM (0) TO (10000);"
)


@pytest.mark.parametrize(
    ("setup", "sql", "expected"),
    [
        # CASCADE drops t's foreign key on p's primary key, on t.
        (
            _FK,
            "ALTER TABLE p DROP CONSTRAINT p_pkey CASCADE",
            {"p": (_AE, False, False, False), "t": (_AE, False, False, False)},
        ),
        (
            _BASE + "CREATE TABLE r (id int, p_id int REFERENCES p);",
            "ALTER TABLE p DROP CONSTRAINT p_pkey CASCADE",
            {"p": (_AE, False, False, False), "r": (_AE, False, False, False)},
        ),
        (_FK, "ALTER TABLE t DROP CONSTRAINT t_pkey CASCADE", {"t": (_AE, False, False, False)}),
        # LOCK reaches the partitions and a view's base tables.
        (
            _PT,
            "LOCK TABLE pt IN ACCESS EXCLUSIVE MODE",
            {"pt": (_AE, False, False, False), "c": (_AE, False, False, False)},
        ),
        (_PT, "LOCK TABLE ONLY pt IN ACCESS EXCLUSIVE MODE", {"pt": (_AE, False, False, False)}),
        (
            _BASE + "CREATE VIEW v AS SELECT id, a FROM t; CREATE VIEW w AS SELECT * FROM v;",
            "LOCK TABLE w IN SHARE MODE",
            {
                "w": ("SHARE", False, False, False),
                "v": ("SHARE", False, False, False),
                "t": ("SHARE", False, False, False),
            },
        ),
        # TRUNCATE of a partitioned table empties its partitions (the parent has no storage).
        (_PT, "TRUNCATE pt", {"pt": (_AE, False, False, False), "c": (_AE, True, False, False)}),
    ],
)
def test_statements_that_reach_other_tables(setup, sql, expected):
    assert _by_relation(_last_effect(setup, sql)) == expected


@pytest.mark.parametrize(
    ("setup", "sql", "expected"),
    [
        # COMMENT ON a constraint, trigger, policy or rule: SHARE UPDATE EXCLUSIVE on that
        # object, ACCESS SHARE on its table.
        (
            _BASE,
            "COMMENT ON CONSTRAINT t_pkey ON t IS 'x'",
            {"t": ("ACCESS SHARE",) + (False,) * 3},
        ),
        (_BASE, "COMMENT ON TRIGGER t_trg ON t IS 'x'", {"t": ("ACCESS SHARE",) + (False,) * 3}),
        (_BASE, "COMMENT ON POLICY t_pol ON t IS 'x'", {"t": ("ACCESS SHARE",) + (False,) * 3}),
        (_BASE, "COMMENT ON RULE t_r ON t IS 'x'", {"t": ("ACCESS SHARE",) + (False,) * 3}),
        (_BASE, "COMMENT ON TABLE t IS 'x'", {"t": (_SUE, False, False, False)}),
        # DROP STATISTICS locks the table the statistics object is on.
        (
            _BASE + "CREATE STATISTICS t_ab ON a, b FROM t;",
            "DROP STATISTICS t_ab",
            {"t": (_SUE, False, False, False)},
        ),
        (
            _BASE + "CREATE STATISTICS public.t_ab ON a, b FROM t;",
            "DROP STATISTICS IF EXISTS t_ab, other_stats",
            {"t": (_SUE, False, False, False)},
        ),
        (_BASE, "DROP STATISTICS t_ab", {}),
    ],
)
def test_comment_on_table_parts_and_drop_statistics(setup, sql, expected):
    assert _by_relation(_last_effect(setup, sql)) == expected
