"""Alembic (Python) migrations: op calls → statements, locations, transactions, the graph."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pglast
import pytest

from pglint.config import Settings
from pglint.discovery import discover
from pglint.engine import lint_text, select_rules
from pglint.runner import lint_paths
from pglint.sources import parse_part
from pglint.sources.alembic import UNANALYSED, parse_alembic, read_alembic
from pglint.sources.positions import SourceText

FIXTURES = Path(__file__).parent / "fixtures"
HEAD = (
    "from alembic import op\n"
    "import sqlalchemy as sa\n"
    "from sqlalchemy.dialects import postgresql\n\n"
    'revision = "a1"\n'
    "down_revision = None\n\n\n"
    "def upgrade():\n"
)


def _migration(body: str, downgrade: str | None = None) -> str:
    text = HEAD + "".join(f"    {line}\n" if line else "\n" for line in body.splitlines())
    if downgrade is not None:
        text += "\n\ndef downgrade():\n" + "".join(f"    {ln}\n" for ln in downgrade.splitlines())
    return text


def _sql(text: str, role: str = "up") -> list[str]:
    """The statements (without the transaction markers) as canonical SQL."""
    return [
        pglast.prettify(s.text)
        for s in parse_alembic(text, role).statements
        if s.kind not in ("TransactionStmt", UNANALYSED)
    ]


def _lint(text: str, *rules: str, path: str = "example.py", **settings) -> list:
    config = Settings(select=rules or None, **settings)
    return lint_text(path, text, config, select_rules(config))


def _rules(findings) -> list[str]:
    return [f.rule for f in findings]


# --- op calls → the SQL Alembic emits ------------------------------------------------------------

_REFERENCE = json.loads((FIXTURES / "alembic_reference.json").read_text())["cases"]


@pytest.mark.parametrize("case", _REFERENCE, ids=[c["code"][:60] for c in _REFERENCE])
def test_op_calls_give_the_sql_alembic_emits(case):
    text = _migration(case["code"])
    parsed = parse_alembic(text)
    assert not parsed.problems
    assert not [s for s in parsed.statements if s.kind == UNANALYSED], parsed.statements
    expected = [pglast.prettify(sql.replace(":v", "$1")) for sql in case["sql"]]
    assert _sql(text) == expected


def test_types_map_to_postgresql_types():
    text = _migration(
        'op.create_table("t",\n'
        '    sa.Column("a", sa.Integer), sa.Column("b", sa.BigInteger()), sa.Column("c", sa.SmallInteger),\n'
        '    sa.Column("d", sa.String(40)), sa.Column("e", sa.String()), sa.Column("f", sa.Text),\n'
        '    sa.Column("g", sa.Boolean), sa.Column("h", sa.DateTime(timezone=True)), sa.Column("i", sa.DateTime()),\n'
        '    sa.Column("j", sa.Date), sa.Column("k", sa.Time), sa.Column("l", sa.Numeric(10, 2)),\n'
        '    sa.Column("m", sa.Float), sa.Column("n", sa.JSON), sa.Column("o", postgresql.JSON),\n'
        '    sa.Column("p", postgresql.JSONB), sa.Column("q", postgresql.UUID(as_uuid=True)), sa.Column("r", sa.Uuid),\n'
        '    sa.Column("s", sa.Enum("x", name="kind")), sa.Column("t", sa.LargeBinary), sa.Column("u", sa.Interval),\n'
        '    sa.Column("v", postgresql.ARRAY(sa.Text())), sa.Column("w", sa.Integer, sa.Identity()),\n'
        '    sa.Column("x", SomeCustomType()), sa.Column("y", geoalchemy2.Geometry("POINT")),\n'
        ")"
    )
    statements = [s for s in parse_alembic(text).statements if s.kind == "CreateStmt"]
    assert len(statements) == 1
    types = {}
    for element in statements[0].node["tableElts"]:
        column = element["ColumnDef"]
        names = [n["String"]["sval"] for n in column["typeName"]["names"]]
        types[column["colname"]] = names[-1] + (
            "[]" if column["typeName"].get("arrayBounds") else ""
        )
    assert types == {
        "a": "int4",
        "b": "int8",
        "c": "int2",
        "d": "varchar",
        "e": "varchar",
        "f": "text",
        "g": "bool",
        "h": "timestamptz",
        "i": "timestamp",
        "j": "date",
        "k": "time",
        "l": "numeric",
        "m": "float8",
        "n": "json",
        "o": "json",
        "p": "jsonb",
        "q": "uuid",
        "r": "uuid",
        "s": "kind",
        "t": "bytea",
        "u": "interval",
        "v": "text[]",
        "w": "int4",
        "x": "somecustomtype",
        "y": "geometry",
    }


def test_server_defaults():
    text = _migration(
        'op.add_column("t", sa.Column("a", sa.Text, server_default="it\'s"))\n'
        'op.add_column("t", sa.Column("b", sa.DateTime, server_default=sa.text("now()")))\n'
        'op.add_column("t", sa.Column("c", sa.DateTime, server_default=sa.func.now()))\n'
        'op.add_column("t", sa.Column("d", sa.Boolean, server_default=sa.true()))\n'
        'op.add_column("t", sa.Column("e", sa.Text, server_default=compute()))\n'
        'op.add_column("t", sa.Column("f", sa.Text, default="client side only"))'
    )
    assert _sql(text) == [
        pglast.prettify(sql)
        for sql in (
            "ALTER TABLE t ADD COLUMN a text DEFAULT 'it''s'",
            "ALTER TABLE t ADD COLUMN b timestamp without time zone DEFAULT now()",
            "ALTER TABLE t ADD COLUMN c timestamp without time zone DEFAULT now()",
            "ALTER TABLE t ADD COLUMN d boolean DEFAULT true",
            "ALTER TABLE t ADD COLUMN e text DEFAULT '?'",
            "ALTER TABLE t ADD COLUMN f text",
        )
    ]


def test_alter_column_emits_one_statement_per_change_in_alembic_order():
    text = _migration(
        'op.alter_column("t", "c", new_column_name="d", nullable=False, server_default="x",\n'
        "    type_=sa.BigInteger(), existing_type=sa.Integer())"
    )
    assert _sql(text) == [
        pglast.prettify(sql)
        for sql in (
            "ALTER TABLE t ALTER COLUMN c TYPE bigint",
            "ALTER TABLE t ALTER COLUMN c SET NOT NULL",
            "ALTER TABLE t ALTER COLUMN c SET DEFAULT 'x'",
            "ALTER TABLE t RENAME c TO d",
        )
    ]


def test_enum_type_created_through_the_connection():
    text = _migration(
        'kind = postgresql.ENUM("a", "b", name="kind")\n'
        "kind.create(op.get_bind(), checkfirst=True)\n"
        'op.add_column("t", sa.Column("k", kind))'
    )
    assert _sql(text)[0] == pglast.prettify("CREATE TYPE kind AS ENUM ('a', 'b')")


def test_enum_ddl_with_a_checkfirst_flag_that_cannot_be_known():
    text = _migration(
        'kind = postgresql.ENUM("a", name="kind")\n'
        "kind.create(op.get_bind(), checkfirst=flag)\n"
        "kind.drop(op.get_bind(), checkfirst=flag)"
    )
    assert _sql(text) == [
        pglast.prettify("CREATE TYPE kind AS ENUM ('a')"),
        pglast.prettify("DROP TYPE kind"),
    ]


def test_the_rule_and_the_reader_agree_on_the_placeholder_kind():
    from pglint.rules import alembic as rules

    assert rules._UNANALYSED == UNANALYSED


# --- how op is reached ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "call"),
    [
        ("from alembic import op\n", "op"),
        ("from alembic import op as migration_op\n", "migration_op"),
        ("import alembic\n", "alembic.op"),
        ("", "op"),  # op as a parameter of upgrade() (set below)
    ],
)
def test_import_styles(header, call):
    params = "op, tables, tester" if not header else ""
    text = (
        f'{header}\nrevision = "a1"\ndown_revision = None\n\n\n'
        f"def upgrade({params}):\n"
        f'    {call}.drop_column("orders", "legacy")\n'
    )
    assert _sql(text) == [pglast.prettify("ALTER TABLE orders DROP COLUMN legacy")]


def test_batch_alter_table_applies_to_its_table():
    text = _migration(
        'with op.batch_alter_table("orders", schema="shop") as batch_op:\n'
        '    batch_op.add_column(sa.Column("note", sa.Text()))\n'
        '    batch_op.alter_column("note", nullable=False)\n'
        '    batch_op.create_unique_constraint("orders_note_key", ["note"])\n'
        '    batch_op.drop_column("legacy")'
    )
    assert _sql(text) == [
        pglast.prettify(sql)
        for sql in (
            "ALTER TABLE shop.orders ADD COLUMN note text",
            "ALTER TABLE shop.orders ALTER COLUMN note SET NOT NULL",
            "ALTER TABLE shop.orders ADD CONSTRAINT orders_note_key UNIQUE (note)",
            "ALTER TABLE shop.orders DROP COLUMN legacy",
        )
    ]


def test_connection_execute_and_local_helpers_are_followed():
    text = (
        HEAD.replace("def upgrade():\n", "")
        + '\n\ndef _index(table, column="id"):\n'
        + '    op.create_index(f"{table}_idx", table, [column])\n\n\n'
        + '\ndef _drop(table, column="id"):\n'
        + "    op.drop_column(table, column)\n\n\n"
        + "def upgrade():\n"
        + "    conn = op.get_bind()\n"
        + '    conn.execute(sa.text("UPDATE orders SET n = :n WHERE id = :id"), {"n": 1, "id": 2})\n'
        + '    for table in ("a", "b"):\n'
        + '        _drop(table, column="x")\n'
    )
    assert _sql(text) == [
        pglast.prettify(sql)
        for sql in (
            "UPDATE orders SET n = $1 WHERE id = $1",
            "ALTER TABLE a DROP COLUMN x",
            "ALTER TABLE b DROP COLUMN x",
        )
    ]


# --- transactions ------------------------------------------------------------------------------------


def _kinds(text: str) -> list[str]:
    return [
        s.node.get("kind") if s.kind == "TransactionStmt" else s.kind
        for s in parse_alembic(text).statements
    ]


def test_migration_runs_in_a_transaction_and_autocommit_blocks_outside_it():
    text = _migration(
        'op.add_column("t", sa.Column("a", sa.Text))\n'
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("t_a_idx", "t", ["a"], postgresql_concurrently=True)\n'
        'op.drop_column("t", "b")'
    )
    assert _kinds(text) == [
        "TRANS_STMT_BEGIN",
        "AlterTableStmt",
        "TRANS_STMT_COMMIT",
        "IndexStmt",
        "TRANS_STMT_BEGIN",
        "AlterTableStmt",
        "TRANS_STMT_COMMIT",
    ]
    assert not _lint(text, "ban-concurrent-index-creation-in-transaction", "transaction-nesting")


def test_concurrent_index_outside_autocommit_block_is_reported_at_the_call():
    text = _migration(
        'op.create_index("t_a_idx", "t", ["a"],\n                postgresql_concurrently=True)'
    )
    findings = _lint(text, "ban-concurrent-index-creation-in-transaction")
    assert [(f.rule, f.line, f.column, f.end_line) for f in findings] == [
        ("ban-concurrent-index-creation-in-transaction", 10, 5, 11)
    ]
    # The user wrote no BEGIN: the message names Alembic's transaction and the way out.
    assert "in an Alembic migration" in findings[0].message
    assert "autocommit_block()" in findings[0].help


def test_function_without_statements_has_no_transaction_markers():
    assert parse_alembic(_migration("pass")).statements == []
    text = _migration("with op.get_context().autocommit_block():\n    op.execute('VACUUM orders')")
    assert _kinds(text) == ["VacuumStmt"]


def test_several_statements_in_one_autocommit_execute_are_one_implicit_transaction():
    text = _migration(
        "with op.get_context().autocommit_block():\n"
        '    op.execute("CREATE INDEX CONCURRENTLY a ON t (a); CREATE INDEX CONCURRENTLY b ON t (b)")'
    )
    findings = _lint(text, "ban-concurrent-index-creation-in-transaction")
    assert len(findings) == 2


# --- locations ------------------------------------------------------------------------------------


def test_sql_inside_triple_quoted_execute_is_located_on_its_line():
    text = _migration(
        'op.execute("""\n'
        "    UPDATE orders SET n = 1;\n"
        "    ALTER TABLE orders ADD COLUMN total numeric NOT NULL;\n"
        '""")'
    )
    findings = _lint(text, "adding-required-field")
    assert [(f.line, f.column) for f in findings] == [(12, 53)]
    assert text.splitlines()[11][52:].startswith("NOT NULL")


def test_locations_survive_escapes_and_concatenation():
    text = _migration(
        "op.execute('UPDATE t SET a = \\'x\\'; '\n"
        '           "ALTER TABLE orders DROP COLUMN legacy")'
    )
    statements = [s for s in parse_alembic(text).statements if s.kind == "AlterTableStmt"]
    (statement,) = statements
    assert text[statement.start : statement.end] == "ALTER TABLE orders DROP COLUMN legacy"
    findings = _lint(text, "ban-drop-column")
    assert [(f.line, f.column) for f in findings] == [(11, 29)]
    assert text.splitlines()[10][28:].startswith("orders")


def test_module_constant_sql_is_located_in_the_constant():
    text = HEAD.replace(
        "def upgrade():\n",
        'SQL = """\nALTER TABLE orders DROP COLUMN legacy;\n"""\n\n\ndef upgrade():\n    op.execute(SQL)\n',
    )
    findings = _lint(text, "ban-drop-column")
    assert [(f.line, f.column) for f in findings] == [(10, 13)]
    assert text.splitlines()[9][12:].startswith("orders")


def test_sql_syntax_error_inside_execute_points_into_the_string():
    text = _migration('op.execute("SELEC 1")')
    findings = _lint(text)
    assert [(f.rule, f.line, f.column) for f in findings] == [("syntax-error", 10, 17)]


def test_python_syntax_error_is_a_finding_not_a_traceback():
    text = (FIXTURES / "syntax" / "versions" / "a1_broken.py").read_text()
    findings = _lint(text)
    assert [(f.rule, f.line, f.column) for f in findings] == [("syntax-error", 8, 19)]
    assert "never closed" in findings[0].message
    found = read_alembic(text)
    assert found.revision == "a1" and found.down_revisions == ()


# --- what cannot be known --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('op.execute(f"DROP TABLE {name}")', "f-string"),
        ('op.execute("DROP TABLE %s" % name)', "% formatting"),
        ('op.execute("DROP TABLE {}".format(name))', "str.format()"),
        ("op.execute(build_sql())", "build_sql()"),
        ("op.execute(sql)", "variable sql"),
        ('op.execute(open("x.sql").read())', "read from a file"),
        ("rebuild_views(op)", "given op"),
        ('op.invent_something("x")', "does not translate"),
        ("for name in names():\n    op.drop_column(name, 'x')", "literal list"),
        ("while more():\n    op.execute('DELETE FROM t')", "number of times"),
    ],
)
def test_dynamic_sql_gives_one_info_finding_at_the_call(line, reason):
    text = HEAD.replace(
        "def upgrade():\n",
        "from myapp import rebuild_views\n\n\ndef upgrade():\n    name = compute()\n    sql = name + ''\n",
    )
    text += "".join(f"    {ln}\n" for ln in line.splitlines())
    findings = _lint(text)
    notes = [f for f in findings if f.rule == "dynamic-sql-not-analysed"]
    assert len(notes) == 1, findings
    assert notes[0].severity.value == "info"
    assert reason in notes[0].message
    assert notes[0].line == 15 and notes[0].column == 5


def test_literal_loops_and_constants_are_not_dynamic():
    text = HEAD.replace("def upgrade():\n", 'TABLES = ["a", "b"]\n\n\ndef upgrade():\n')
    text += (
        '    for table in TABLES:\n        op.execute("ALTER TABLE " + table + " DROP COLUMN x")\n'
    )
    assert _sql(text) == [
        pglast.prettify("ALTER TABLE a DROP COLUMN x"),
        pglast.prettify("ALTER TABLE b DROP COLUMN x"),
    ]
    assert "dynamic-sql-not-analysed" not in _rules(_lint(text))


def test_unrelated_calls_are_not_reported():
    text = _migration('import logging\nlogging.getLogger(__name__).info("x")\nprint("migrating")')
    assert parse_alembic(text).statements == []


# --- suppression ------------------------------------------------------------------------------------


def test_line_directives_cover_the_call():
    before = _migration('# pglint: ignore ban-drop-column\nop.drop_column("orders", "legacy")')
    same = _migration('op.drop_column("orders", "legacy")  # pglint: ignore ban-drop-column')
    inside = _migration(
        'op.drop_column(\n    "orders",\n    "legacy",  # pglint: ignore ban-drop-column\n)'
    )
    whole = "# pglint: ignore-file ban-drop-column\n" + _migration(
        'op.drop_column("orders", "legacy")'
    )
    for text in (before, same, inside, whole):
        assert _lint(text, "ban-drop-column", warn_unused_ignores=True) == []
    assert _rules(_lint(_migration('op.drop_column("orders", "legacy")'), "ban-drop-column")) == [
        "ban-drop-column"
    ]


# --- rollback ---------------------------------------------------------------------------------------


def test_downgrade_is_the_down_part():
    text = _migration('op.drop_column("t", "a")', 'op.add_column("t", sa.Column("a", sa.Text))')
    assert _sql(text, "down") == [pglast.prettify("ALTER TABLE t ADD COLUMN a text")]
    assert (
        parse_part("x.py", text, role="down").statements == parse_alembic(text, "down").statements
    )


@pytest.mark.parametrize(
    ("downgrade", "irreversible"),
    [
        ('raise NotImplementedError("data is archived")', "data is archived"),
        ("raise NotImplementedError", "downgrade() raises NotImplementedError"),
        ('"""No way back."""\nraise RuntimeError("irreversible")', "irreversible"),
        ("pass", None),
        ('op.drop_column("t", "a")', None),
    ],
)
def test_raise_in_downgrade_declares_the_migration_irreversible(downgrade, irreversible):
    assert read_alembic(_migration("pass", downgrade)).irreversible == irreversible


def _lint_dir(path: Path, *rules: str) -> list:
    config = Settings(select=rules or None)
    findings, _ = lint_paths([str(path)], config)
    return findings


def test_rollback_rules_on_a_revision_chain():
    findings = _lint_dir(
        FIXTURES / "chain", "empty-rollback", "missing-rollback", "rollback-incomplete"
    )
    found = sorted((Path(f.path).name, f.rule) for f in findings)
    assert found == [
        ("4g5h_batch_note.py", "empty-rollback"),  # downgrade() is only pass
        ("7m8n_incomplete.py", "rollback-incomplete"),  # the status index is left behind
        ("8o9p_no_downgrade.py", "empty-rollback"),  # no downgrade() at all
    ]
    (incomplete,) = [f for f in findings if f.rule == "rollback-incomplete"]
    assert "orders_status_idx" in incomplete.message


def test_chain_is_replayed_in_graph_order():
    from pglint.layouts import find_sets
    from pglint.layouts.base import Reader

    files = discover([str(FIXTURES / "chain")])
    (mset,) = find_sets(files, Reader(), complete=True)
    assert mset.layout == "alembic"
    order = [m.version for m in mset.migrations]
    assert order[:3] == ["1a2b", "2c3d", "3e4f"] or order[:3] == ["1a2b", "2c3d", "4g5h"]
    assert order.index("5i6j") > max(order.index("3e4f"), order.index("4g5h"))
    assert order[-3:] == ["6k7l", "7m8n", "8o9p"]
    irreversible = {m.version: m.irreversible for m in mset.migrations}
    assert irreversible["6k7l"] == "the legacy column's data is archived elsewhere"
    # Replay context: orders was created by an earlier migration, so 2c3d's NOT NULL column
    # on it is reported.
    findings = _lint_dir(FIXTURES / "chain", "adding-required-field")
    assert [(Path(f.path).name, f.line) for f in findings] == [("2c3d_add_status.py", 13)]


def test_single_file_keeps_the_history_for_context(tmp_path):
    target = FIXTURES / "chain" / "versions" / "2c3d_add_status.py"
    config = Settings(select=("adding-required-field", "revision-graph"))
    findings, count = lint_paths([str(target)], config)
    assert count == 1
    assert [(Path(f.path).name, f.rule) for f in findings] == [
        ("2c3d_add_status.py", "adding-required-field")
    ]


# --- the revision graph ------------------------------------------------------------------------------


def test_multiple_heads_are_reported_on_each_head():
    findings = _lint_dir(FIXTURES / "graph_heads", "revision-graph")
    assert sorted(Path(f.path).name for f in findings) == ["b2_m.py", "c3_m.py"]
    assert all("2 heads" in f.message for f in findings)


def test_branch_labels_make_several_heads_deliberate():
    assert _lint_dir(FIXTURES / "graph_labels", "revision-graph") == []


def test_allow_multiple_heads_option():
    config = Settings(
        select=("revision-graph",), options={"revision-graph": {"allow-multiple-heads": True}}
    )
    findings, _ = lint_paths([str(FIXTURES / "graph_heads")], config)
    assert findings == []


def test_missing_parent_and_dependency():
    findings = _lint_dir(FIXTURES / "graph_missing", "revision-graph")
    messages = sorted(f.message for f in findings)
    assert len(messages) == 2
    assert "down_revision 'a1'" in messages[1] and "not present" in messages[1]
    assert "depends_on 'zz9'" in messages[0]


def test_cycles_are_reported_and_do_not_hang():
    findings = _lint_dir(FIXTURES / "graph_cycle", "revision-graph")
    assert sorted(Path(f.path).name for f in findings) == ["a1_m.py", "b2_m.py", "c3_m.py"]
    assert all("cycle" in f.message for f in findings)


def test_graph_problems_are_notes_on_the_migrations():
    from pglint.layouts import find_sets
    from pglint.layouts.base import Reader

    for folder in ("graph_heads", "graph_labels", "graph_heads"):
        (mset,) = find_sets(discover([str(FIXTURES / folder)]), Reader(), complete=True)
        notes = {m.version: [kind for kind, _ in m.notes] for m in mset.migrations}
        if folder == "graph_heads":
            assert notes == {"a1": [], "b2": ["heads"], "c3": ["heads"]}
        else:
            assert all(kinds == [] for kinds in notes.values())


def test_duplicate_revision_ids(tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    for name in ("a1_first.py", "a1_second.py"):
        shutil.copy(FIXTURES / "graph_heads" / "versions" / "a1_m.py", versions / name)
    findings = _lint_dir(versions, "revision-graph")
    assert [f.message for f in findings] == [
        "revision a1 is declared by both a1_first.py and a1_second.py"
    ]


# --- trees and discovery --------------------------------------------------------------------------


def test_mixed_sql_and_python_tree():
    findings = _lint_dir(FIXTURES / "mixed", "ban-drop-column", "require-concurrent-index-creation")
    assert sorted((Path(f.path).name, f.rule, f.line) for f in findings) == [
        ("a1_accounts_flag.py", "ban-drop-column", 9),
    ]
    findings = _lint_dir(FIXTURES / "mixed", "prefer-robust-stmts")
    assert {Path(f.path).suffix for f in findings} == {".sql"}


def test_discovery_skips_python_files_that_are_not_revisions():
    found = {p.name for p in discover([str(FIXTURES / "chain")])}
    assert "env.py" not in found and "helpers.py" not in found
    assert "1a2b_create_orders.py" in found
    named = discover(
        [str(FIXTURES / "chain" / "env.py"), str(FIXTURES / "chain" / "versions" / "helpers.py")]
    )
    assert named == []


def test_python_file_without_revision_in_a_folder_is_not_linted(tmp_path):
    (tmp_path / "tool.py").write_text("# revision helpers\ndef upgrade_plan():\n    return 1\n")
    findings, _ = lint_paths([str(tmp_path)], Settings())
    assert findings == []


def test_every_rule_runs_on_the_fixtures_without_error():
    config = Settings(select=("all",))
    for folder in ("chain", "mixed", "syntax", "graph_cycle"):
        findings, _ = lint_paths([str(FIXTURES / folder)], config)
        source = {f.path: SourceText(f.path, Path(f.path).read_text()) for f in findings}
        for finding in findings:
            assert finding.line >= 1 and finding.column >= 1
            assert finding.line <= len(source[finding.path].text.splitlines()) + 1


def test_orm_session_on_the_connection_is_noted_once():
    text = _migration(
        "from sqlalchemy.orm import Session\n"
        "session = Session(bind=op.get_bind())\n"
        "for row in session.query(Thing).all():\n"
        "    row.flag = True\n"
        'session.execute(sa.text("UPDATE things SET flag = true"))\n'
        "session.commit()"
    )
    findings = _lint(text)
    notes = [f for f in findings if f.rule == "dynamic-sql-not-analysed"]
    assert [(f.line, f.column) for f in notes] == [(11, 15)]
    assert "session" in notes[0].message
    assert _sql(text) == [pglast.prettify("UPDATE things SET flag = true")]


def test_commit_on_the_connection_is_noted():
    text = _migration("conn = op.get_bind()\nconn.execute(sa.text('SELECT 1'))\nconn.commit()")
    notes = [f for f in _lint(text) if f.rule == "dynamic-sql-not-analysed"]
    assert len(notes) == 1 and "part-way" in notes[0].message


# --- object names that are not literals ------------------------------------------------------------


def test_names_built_from_module_constants_and_loop_items_are_folded():
    text = HEAD.replace("def upgrade():\n", 'T = "users"\n\n\ndef upgrade():\n')
    text += (
        '    op.create_index(f"my_idx_{T}", "users", ["flag"])\n'
        '    op.create_unique_constraint("uq_" + T, "users", ["email"])\n'
        '    for col in ("a", "b"):\n'
        '        op.create_foreign_key(f"fk_{T}_{col}", "users", "t", [col], ["id"])\n'
    )
    assert _sql(text) == [
        pglast.prettify(sql)
        for sql in (
            "CREATE INDEX my_idx_users ON users (flag)",
            "ALTER TABLE users ADD CONSTRAINT uq_users UNIQUE (email)",
            "ALTER TABLE users ADD CONSTRAINT fk_users_a FOREIGN KEY (a) REFERENCES t (id)",
            "ALTER TABLE users ADD CONSTRAINT fk_users_b FOREIGN KEY (b) REFERENCES t (id)",
        )
    ]
    assert "dynamic-sql-not-analysed" not in _rules(_lint(text))


@pytest.mark.parametrize(
    ("call", "sql"),
    [
        (
            'op.create_index(f"ix_{name}", "users", ["flag"])',
            "CREATE INDEX ON users (flag)",
        ),
        (
            'op.create_index(name, "users", ["flag"], if_not_exists=True)',
            "CREATE INDEX ON users (flag)",
        ),
        (
            'op.create_foreign_key(f"fk_{name}", "users", "t", ["t_id"], ["id"])',
            "ALTER TABLE users ADD FOREIGN KEY (t_id) REFERENCES t (id)",
        ),
        (
            'op.create_unique_constraint(f"uq_{name}", "users", ["email"])',
            "ALTER TABLE users ADD UNIQUE (email)",
        ),
        (
            'op.create_primary_key(f"pk_{name}", "users", ["id"])',
            "ALTER TABLE users ADD PRIMARY KEY (id)",
        ),
        (
            'op.create_check_constraint(f"ck_{name}", "users", "flag")',
            "ALTER TABLE users ADD CHECK (flag)",
        ),
        (
            'op.create_table("t", sa.Column("id", sa.BigInteger()),'
            ' sa.UniqueConstraint("id", name=f"uq_{name}"))',
            "CREATE TABLE t (id bigint, UNIQUE (id))",
        ),
        (
            'op.add_column("users", sa.Column("t_id", sa.BigInteger(),'
            ' sa.ForeignKey("t.id", name=f"fk_{name}")))',
            "ALTER TABLE users ADD COLUMN t_id bigint; "
            "ALTER TABLE users ADD FOREIGN KEY (t_id) REFERENCES t (id)",
        ),
    ],
)
def test_a_name_that_cannot_be_known_is_noted_and_never_invented(call, sql):
    text = HEAD + "    name = compute()\n" + f"    {call}\n"
    assert _sql(text) == [pglast.prettify(s) for s in sql.split("; ")]
    notes = [f for f in _lint(text) if f.rule == "dynamic-sql-not-analysed"]
    assert len(notes) == 1 and notes[0].line == 11, notes
    assert " name from " in notes[0].message and "as if the object had no name" in notes[0].message
