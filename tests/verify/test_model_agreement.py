"""Statements beyond pg-truth where the static model once disagreed with the server.

Each case runs on the real server after a schema with a partitioned table, a view and a
materialized view, foreign keys declared inline (with PostgreSQL's generated names) and
inheritance; the model must agree with what the server did (no static-model-mismatch).
These are the disagreements pglint verify found and that were fixed in the model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SCHEMA = """
CREATE TABLE t (id int PRIMARY KEY, a int, b text, c varchar(20));
CREATE INDEX t_c_idx ON t (c);
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, t_id int REFERENCES t (id));
CREATE VIEW v AS SELECT id, a FROM t;
CREATE VIEW v2 AS SELECT id FROM v;
CREATE MATERIALIZED VIEW mv AS SELECT id, a FROM t;
CREATE TABLE pt (id int NOT NULL, a int) PARTITION BY RANGE (id);
CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (1000000050);
CREATE TABLE pt2 PARTITION OF pt FOR VALUES FROM (1000000050) TO (2100000000);
CREATE TABLE inh_parent (id int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
"""

CASES = {
    # Partitioned tables: most ALTER TABLE forms, CREATE INDEX and row triggers recurse.
    "partition_add_column": "ALTER TABLE pt ADD COLUMN x int",
    "partition_add_volatile_default": "ALTER TABLE pt ADD COLUMN r float DEFAULT random()",
    "partition_alter_type": "ALTER TABLE pt ALTER COLUMN a TYPE bigint",
    "partition_set_not_null": "ALTER TABLE pt ALTER COLUMN a SET NOT NULL",
    "partition_set_default": "ALTER TABLE pt ALTER COLUMN a SET DEFAULT 0",
    "partition_check": "ALTER TABLE pt ADD CONSTRAINT pt_a_pos CHECK (a > 0)",
    "partition_primary_key": "ALTER TABLE pt ADD PRIMARY KEY (id)",
    "partition_create_index": "CREATE INDEX pt_a_idx ON pt (a)",
    "partition_rename_column": "ALTER TABLE pt RENAME COLUMN a TO a2",
    "partition_row_trigger": (
        "CREATE TRIGGER pt_trg BEFORE UPDATE ON pt FOR EACH ROW EXECUTE FUNCTION f()"
    ),
    "partition_only_default": "ALTER TABLE ONLY pt ALTER COLUMN a SET DEFAULT 1",
    # CASCADE reaches views (and views on those), materialized views, referencing tables.
    "drop_table_cascade": "DROP TABLE t CASCADE",
    "drop_view_cascade": "DROP VIEW v CASCADE",
    "truncate_cascade": "TRUNCATE t CASCADE",
    # An inline REFERENCES gets the name child_t_id_fkey; dropping it locks t.
    "drop_generated_fk_name": "ALTER TABLE child DROP CONSTRAINT child_t_id_fkey",
    # ... and once dropped, dropping the table no longer locks t.
    "drop_table_after_its_fk": (
        "ALTER TABLE child DROP CONSTRAINT child_t_id_fkey;\nDROP TABLE child"
    ),
    # A foreign key follows the table it references through a rename.
    "fk_after_rename": "ALTER TABLE t RENAME TO t2;\nALTER TABLE child DROP COLUMN t_id",
    # INHERIT reads no rows and locks the new parent SHARE UPDATE EXCLUSIVE.
    "inherit": "ALTER TABLE p INHERIT inh_parent",
    # IF NOT EXISTS on an existing column or index does nothing.
    "add_existing_column": "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int DEFAULT random()",
    "create_existing_index": "CREATE INDEX IF NOT EXISTS t_c_idx ON t (c)",
    # A foreign key column with a default is validated: the referenced table is read.
    "fk_column_with_default": "ALTER TABLE t ADD COLUMN p_id int DEFAULT 1000000001 REFERENCES p",
}


@pytest.fixture(scope="module")
def traced(pg_server, tmp_path_factory):
    from pglint.verify.runner import Verifier, VerifyOptions

    root = tmp_path_factory.mktemp("agreement")
    only = set()
    for case, statement in CASES.items():
        folder = root / case
        folder.mkdir()
        (folder / "001_schema.sql").write_text(SCHEMA)
        (folder / "002_case.sql").write_text(statement + ";\n")
        only.add((folder / "002_case.sql").resolve())
    report = Verifier(pg_server, VerifyOptions(rows=100, only=only)).verify_paths([str(root)])
    return report


@pytest.mark.parametrize("case", sorted(CASES))
def test_model_agrees_with_the_server(traced, case):
    findings = [f for f in traced.findings if Path(f.path).parent.name == case]
    assert not findings, [f.message for f in findings]
    (migration,) = [m for m in traced.migrations if Path(m.root).name == case]
    assert migration.statements
    for statement in migration.statements:
        assert statement.error is None and statement.relations


def test_partitions_are_predicted(traced):
    (migration,) = [m for m in traced.migrations if Path(m.root).name == "partition_alter_type"]
    facts = {f.relation: f for f in migration.statements[0].relations}
    assert set(facts) == {"pt", "pt1", "pt2"}
    assert all(f.predicted for f in facts.values())
    assert facts["pt1"].observed_rewrite and facts["pt1"].predicted_rewrite
