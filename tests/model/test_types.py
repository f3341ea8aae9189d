"""Column types as written, and which type changes rewrite the table."""

from __future__ import annotations

import json

import pytest
from pglast.parser import parse_sql_json

from pglint.model.types import TypeRef, rewrites_on_change, type_ref


def _type(sql_type: str) -> TypeRef:
    tree = json.loads(parse_sql_json(f"CREATE TABLE x (c {sql_type})"))
    coldef = tree["stmts"][0]["stmt"]["CreateStmt"]["tableElts"][0]["ColumnDef"]
    return type_ref(coldef["typeName"])


@pytest.mark.parametrize(
    ("written", "name", "mods", "array", "shown"),
    [
        ("int", "integer", (), False, "integer"),
        ("int4", "integer", (), False, "integer"),
        ("integer", "integer", (), False, "integer"),
        ("bigint", "bigint", (), False, "bigint"),
        ("smallint", "smallint", (), False, "smallint"),
        ("serial", "serial", (), False, "serial"),
        ("bigserial", "bigserial", (), False, "bigserial"),
        ("double precision", "double precision", (), False, "double precision"),
        ("real", "real", (), False, "real"),
        ("boolean", "boolean", (), False, "boolean"),
        ("varchar(20)", "varchar", (20,), False, "varchar(20)"),
        ("character varying(3)", "varchar", (3,), False, "varchar(3)"),
        ("varchar", "varchar", (), False, "varchar"),
        ("char", "char", (1,), False, "char(1)"),
        ("character(5)", "char", (5,), False, "char(5)"),
        ('"char"', '"char"', (), False, '"char"'),
        ("text", "text", (), False, "text"),
        ("text[]", "text", (), True, "text[]"),
        ("int[][]", "integer", (), True, "integer[]"),
        ("numeric(10,2)", "numeric", (10, 2), False, "numeric(10, 2)"),
        ("decimal(5)", "numeric", (5,), False, "numeric(5)"),
        ("timestamp", "timestamp", (), False, "timestamp"),
        ("timestamp without time zone", "timestamp", (), False, "timestamp"),
        ("timestamp(3) with time zone", "timestamptz", (3,), False, "timestamptz(3)"),
        ("timestamptz", "timestamptz", (), False, "timestamptz"),
        ("time", "time", (), False, "time"),
        ("jsonb", "jsonb", (), False, "jsonb"),
        ("bit varying(4)", "varbit", (4,), False, "varbit(4)"),
        ("public.citext", "citext", (), False, "public.citext"),
    ],
)
def test_type_ref(written, name, mods, array, shown):
    ref = _type(written)
    assert (ref.name, ref.mods, ref.array) == (name, mods, array)
    assert str(ref) == shown


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("interval", "interval"),
        ("interval minute", "interval minute"),
        ("interval(3)", "interval(3)"),
        ("interval day to second", "interval day to second"),
        ("interval day to second(2)", "interval day to second(2)"),
        ("interval second(0)", "interval second(0)"),
        ("interval year to month", "interval year to month"),
        ("interval hour to minute[]", "interval hour to minute[]"),
        ("time(2) with time zone", "timetz(2)"),
        ("timestamp(0)", "timestamp(0)"),
        ("bit", "bit(1)"),
        ("bit(5)", "bit(5)"),
        ("varbit", "varbit"),
        ("geometry(Point, 4326)", "geometry(point, 4326)"),
        ("public.geography(Polygon)", "public.geography(polygon)"),
    ],
)
def test_type_ref_renders_sql(written, shown):
    """Modifiers print as SQL (interval's are a field mask and a precision internally), so
    that generated statements such as a plan's inverse ``ALTER COLUMN … TYPE`` parse."""
    assert str(_type(written)) == shown
    parse_sql_json(f"ALTER TABLE t ALTER COLUMN c TYPE {shown} USING c::{shown}")


def test_type_refs_are_shared_values():
    assert _type("varchar(20)") is _type("character varying(20)")
    assert _type("varchar(20)") is not _type("varchar(30)")
    assert _type("text[]") == TypeRef("text", (), True) != _type("text")


def test_type_ref_reads_each_node_once_and_never_confuses_nodes():
    tree = json.loads(parse_sql_json("CREATE TABLE x (a int, b text)"))
    a, b = (e["ColumnDef"]["typeName"] for e in tree["stmts"][0]["stmt"]["CreateStmt"]["tableElts"])
    assert type_ref(a) is type_ref(a) == TypeRef("integer", schema="pg_catalog")
    assert type_ref(b) == TypeRef("text")
    for _ in range(5000):  # past the memo's size: it starts over
        _type("int")
    assert type_ref(a) == TypeRef("integer", schema="pg_catalog")


# (old, new, rewrites): measured rows of pg-truth first, then the documented rules.
_CHANGES = [
    # pg-truth, PostgreSQL 15
    ("int", "bigint", True),  # alter_type_int_to_bigint
    ("varchar(20)", "varchar(40)", False),  # alter_type_varchar20_to_varchar40
    ("varchar(20)", "text", False),  # alter_type_varchar20_to_text
    ("varchar(20)", "varchar", False),  # alter_type_varchar20_to_varchar_unbounded
    ("varchar(20)", "varchar(10)", True),  # alter_type_varchar20_to_varchar10
    ("text", "varchar(20)", True),  # alter_type_text_to_varchar20
    ("int", "text", True),  # alter_type_int_to_text
    ("numeric(10,2)", "numeric(12,2)", False),  # alter_type_numeric_widen_precision
    ("jsonb", "json", True),  # alter_type_jsonb_to_json
    # timestamp ↔ timestamptz: free only under a zero-offset TimeZone; assumed a rewrite.
    ("timestamp", "timestamptz", True),
    ("timestamptz", "timestamp", True),
    # binary-coercible conversions and relaxed limits (pg_cast castmethod 'b')
    ("text", "varchar", False),
    ("varchar", "varchar(10)", True),
    ("text", "text", False),
    ("varchar(20)", "varchar(20)", False),
    ("numeric(10,2)", "numeric", False),
    ("numeric", "numeric(10,2)", True),
    ("numeric(10,2)", "numeric(12,4)", True),
    ("numeric(10,2)", "numeric(8,2)", True),
    ("numeric(10)", "numeric(12)", False),
    ("cidr", "inet", False),
    ("inet", "cidr", True),
    ("xml", "text", False),
    ("text", "xml", True),
    ("varbit(4)", "varbit(8)", False),
    ("varbit(8)", "varbit(4)", True),
    ("varbit", "varbit(4)", True),
    ("varbit(4)", "varbit", False),
    ("bit(4)", "varbit", False),
    ("timestamp(3)", "timestamp(6)", False),
    ("timestamp(3)", "timestamp", False),
    ("timestamp", "timestamp(6)", False),
    ("timestamp", "timestamp(3)", True),
    ("timestamptz(6)", "timestamptz(3)", True),
    ("time(2)", "time(4)", False),
    ("interval", "interval(3)", True),
    ("interval(3)", "interval", False),
    # bpchar → text/varchar goes through a function that trims trailing blanks
    ("char(10)", "text", True),
    ("char(10)", "varchar", True),
    ("char(10)", "char(20)", True),
    ("varchar(10)", "char(10)", True),
    # arrays convert element by element
    ("text[]", "text[]", False),
    ("varchar(20)[]", "text[]", True),
    ("text", "text[]", True),
    ("int[]", "int", True),
    # anything else
    ("smallint", "int", True),
    ("int", "smallint", True),
    ("real", "double precision", True),
    ("text", "public.citext", True),
    ("uuid", "text", True),
]


@pytest.mark.parametrize(
    ("old", "new", "rewrites"), _CHANGES, ids=[f"{o}->{n}" for o, n, _ in _CHANGES]
)
def test_rewrites_on_change(old, new, rewrites):
    assert rewrites_on_change(_type(old), _type(new)) is rewrites


def test_unknown_old_type_is_unknown():
    assert rewrites_on_change(None, _type("bigint")) is None


def test_word_modifiers_count_in_type_changes():
    assert (
        rewrites_on_change(_type("geometry(Point, 4326)"), _type("geometry(Point, 4326)")) is False
    )
    assert rewrites_on_change(_type("geometry(Point, 4326)"), _type("geometry(Polygon, 4326)"))
