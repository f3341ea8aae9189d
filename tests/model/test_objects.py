"""Named objects in the model: object events, the catalog's new flags, the file's timeline,
transaction numbers, the node index and the column types (pglint.model.objects, catalog,
file, nodes, columns)."""

from __future__ import annotations

import pytest

from pglint.model.catalog import UNKNOWN_CHECK, Catalog
from pglint.model.columns import column_types
from pglint.model.effects import VOLATILE_FUNCTIONS, Analyser, Effect, function_volatility
from pglint.model.file import FileFacts
from pglint.model.nodes import mentions, statement_nodes
from pglint.model.objects import CREATE, DEFINE, DROP, ENSURE, RENAME, Routine, object_events
from pglint.model.pg_functions import NON_VOLATILE
from pglint.sources.sql import parse_sql


def statements(sql: str):
    parsed = parse_sql(sql)
    assert not parsed.problems, parsed.problems
    return parsed.statements


def catalog_after(sql: str, catalog: Catalog | None = None) -> Catalog:
    catalog = catalog if catalog is not None else Catalog()
    for statement in statements(sql):
        catalog.apply(statement)
    return catalog


def effects(sql: str, assume_in_transaction: bool = False) -> list[Effect]:
    return list(Analyser(15, assume_in_transaction).effects(statements(sql)))


def events(sql: str):
    (statement,) = statements(sql)
    return [(e.sub, e.action, e.key, e.new_key) for e in object_events(statement)]


# --- events -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE TABLE public.t (a int)", [(0, CREATE, ("rel", "t"), None)]),
        ("CREATE TABLE s.t (a int)", [(0, CREATE, ("rel", "s.t"), None)]),
        ("CREATE OR REPLACE VIEW v AS SELECT 1", [(0, DEFINE, ("rel", "v"), None)]),
        ("CREATE INDEX i ON s.t (a)", [(0, CREATE, ("rel", "s.i"), None)]),
        ("CREATE DOMAIN d AS text", [(0, CREATE, ("type", "d"), None)]),
        ("CREATE SCHEMA IF NOT EXISTS s", [(0, ENSURE, ("schema", "s"), None)]),
        ("CREATE EXTENSION hstore", [(0, CREATE, ("extension", "hstore"), None)]),
        (
            "CREATE OR REPLACE TRIGGER g AFTER INSERT ON t EXECUTE FUNCTION f()",
            [(0, DEFINE, ("trigger", "t", "g"), None)],
        ),
        ("CREATE POLICY p ON public.t USING (true)", [(0, CREATE, ("policy", "t", "p"), None)]),
        ("ALTER TYPE mood ADD VALUE 'x'", [(0, CREATE, ("enumvalue", "mood", "x"), None)]),
        (
            "ALTER TYPE mood RENAME VALUE 'x' TO 'y'",
            [(0, RENAME, ("enumvalue", "mood", "x"), ("enumvalue", "mood", "y"))],
        ),
        (
            "ALTER TABLE t ADD COLUMN c int, ALTER c SET DEFAULT 1, DROP CONSTRAINT k",
            [
                (1, CREATE, ("column", "t", "c"), None),
                (2, DEFINE, ("default", "t", "c"), None),
                (3, DROP, ("constraint", "t", "k"), None),
            ],
        ),
        (
            "ALTER TABLE t ALTER c DROP DEFAULT, ALTER c DROP NOT NULL",
            [
                (1, DROP, ("default", "t", "c"), None),
                (2, DROP, ("notnull", "t", "c"), None),
            ],
        ),
        ("DROP TRIGGER g ON s.t", [(0, DROP, ("trigger", "s.t", "g"), None)]),
        ("ALTER TABLE public.t RENAME TO u", [(0, RENAME, ("rel", "t"), ("rel", "u"))]),
        (
            "ALTER TABLE t RENAME COLUMN a TO b",
            [(0, RENAME, ("column", "t", "a"), ("column", "t", "b"))],
        ),
        ("DROP ROLE a, b", [(0, DROP, ("role", "a"), None), (0, DROP, ("role", "b"), None)]),
    ],
)
def test_object_events(sql, expected):
    assert events(sql) == expected


def test_routines_match_by_normalised_argument_types():
    (create,) = object_events(
        statements(
            "CREATE FUNCTION f(a int4, b varchar(20)) RETURNS int LANGUAGE sql AS 'SELECT 1'"
        )[0]
    )
    dropped = Routine.of(
        {
            "objname": [{"String": {"sval": "public"}}, {"String": {"sval": "f"}}],
            "objargs": [
                {"TypeName": {"names": [{"String": {"sval": "integer"}}]}},
                {"TypeName": {"names": [{"String": {"sval": "varchar"}}]}},
            ],
        }
    )
    assert create.routine is not None and create.routine.args == ("integer", "varchar")
    assert create.routine.matches(dropped)
    assert create.routine.matches(Routine("f", None))  # no argument list: any overload
    assert not create.routine.matches(Routine("f", ("bigint", "varchar")))


def test_out_parameters_are_not_part_of_the_signature():
    sql = "CREATE FUNCTION f(IN a int, OUT b int, INOUT c text) LANGUAGE sql AS 'SELECT 1, 2'"
    (event,) = object_events(statements(sql)[0])
    assert event.routine is not None and event.routine.args == ("integer", "text")


# --- the catalog's named objects ----------------------------------------------------------------


def test_plain_create_is_new_replace_and_if_not_exists_may_have_existed():
    catalog = catalog_after(
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';"
        "CREATE OR REPLACE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1';"
        "CREATE SCHEMA s; CREATE SCHEMA IF NOT EXISTS s2; CREATE EXTENSION IF NOT EXISTS x;"
        "CREATE ROLE r; CREATE TRIGGER tg AFTER INSERT ON t EXECUTE FUNCTION f();"
        "CREATE OR REPLACE RULE ru AS ON INSERT TO t DO NOTHING;"
    )
    assert catalog.is_new_routine(Routine("f", ()))
    assert not catalog.is_new_routine(Routine("g", ()))
    assert catalog.is_new(("schema", "s")) and not catalog.is_new(("schema", "s2"))
    assert not catalog.is_new(("extension", "x"))
    assert catalog.is_new(("role", "r")) and catalog.is_new(("trigger", "t", "tg"))
    assert not catalog.is_new(("rule", "t", "ru"))
    # Everything defined, replaced or not, is what the migration defined.
    assert catalog.defined_here(Routine("g", ()).key)
    assert catalog.defined_here(("rule", "t", "ru"))


def test_if_not_exists_of_a_known_object_changes_nothing():
    catalog = catalog_after("CREATE TABLE t (a int, b text); CREATE SCHEMA s;")
    catalog.release()
    skipped = [
        [e.sub for e in catalog.apply(statement)]
        for statement in statements(
            "CREATE TABLE IF NOT EXISTS t (x int);"
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a bigint, ADD COLUMN IF NOT EXISTS c int;"
            "CREATE SCHEMA IF NOT EXISTS s; CREATE TABLE IF NOT EXISTS u (a int);"
        )
    ]
    assert skipped == [[0], [1], [0], []]
    table = catalog.table(None, "t")
    assert table is not None and not table.new and list(table.columns) == ["a", "b", "c"]
    assert str(table.columns["a"].type) == "integer"
    assert catalog.is_new(("column", "t", "c")) and not catalog.is_new(("column", "t", "a"))
    assert catalog.null_columns == {("t", "c")}
    assert not catalog.defined_here(("schema", "s"))
    assert catalog.is_new_relation(None, "u")  # unknown: created


def test_or_replace_keeps_a_new_object_new():
    catalog = catalog_after(
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1';"
        "CREATE OR REPLACE FUNCTION f(integer) RETURNS int LANGUAGE sql AS 'SELECT 2';"
    )
    assert catalog.is_new_routine(Routine("f", ("integer",)))


def test_drops_and_renames_of_named_objects():
    catalog = catalog_after(
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1';"
        "ALTER FUNCTION f(int) RENAME TO g; CREATE SCHEMA s; ALTER SCHEMA s RENAME TO s2;"
        "CREATE ROLE r; DROP ROLE r; CREATE TYPE mood AS ENUM ('a'); DROP TYPE mood;"
    )
    assert not catalog.is_new_routine(Routine("f", None))
    assert catalog.is_new_routine(Routine("g", ("integer",)))
    assert catalog.is_new(("schema", "s2")) and ("schema", "s") not in catalog.objects
    assert ("role", "r") not in catalog.objects
    assert "mood" not in catalog.types and "mood" not in catalog.enums


def test_table_parts_follow_the_table():
    catalog = catalog_after(
        "ALTER TABLE t ADD COLUMN c int, ADD CONSTRAINT k CHECK (c > 0);"
        "ALTER TABLE t ALTER c SET NOT NULL; ALTER TABLE t RENAME COLUMN c TO d;"
        "ALTER TABLE t RENAME TO u;"
    )
    assert catalog.is_new(("column", "u", "d")) and catalog.is_new(("notnull", "u", "d"))
    assert catalog.is_new(("constraint", "u", "k"))
    assert not any(key[1] == "t" for key in catalog.objects)
    catalog_after("DROP TABLE u;", catalog)
    assert not catalog.objects


def test_release_marks_everything_existing():
    catalog = catalog_after(
        "CREATE TABLE t (a int); CREATE INDEX i ON t (a); CREATE DOMAIN d AS int;"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'; CREATE ROLE r;"
        "CREATE TEMP TABLE scratch (a int); ALTER TABLE old ADD COLUMN c int;"
    )
    before = catalog.copy()
    catalog.release()
    assert not catalog.tables["t"].new and not catalog.indexes["i"].new
    assert not catalog.types["d"] and not any(catalog.objects.values())
    assert not any(catalog.routines.values()) and not catalog.defined
    assert not catalog.null_columns and "scratch" not in catalog.tables
    # Copy on write: the copy taken before keeps its new flags.
    assert before.tables["t"].new and before.indexes["i"].new and before.is_new(("role", "r"))


def test_copy_is_independent_for_named_objects():
    original = catalog_after(
        "CREATE ROLE r; CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';"
        "ALTER TABLE t ADD COLUMN c int; ALTER TABLE t ADD CONSTRAINT k CHECK (c IS NOT NULL) NOT VALID;"
    )
    copied = original.copy()
    assert copied == original
    catalog_after(
        "DROP ROLE r; DROP FUNCTION f; ALTER TABLE t VALIDATE CONSTRAINT k;"
        "UPDATE t SET c = 1; CREATE ROLE q;",
        copied,
    )
    assert original.is_new(("role", "r")) and original.is_new_routine(Routine("f", None))
    assert original.checks["t"]["k"] == (frozenset({"c"}), False)
    assert ("t", "c") in original.null_columns and not original.defined_here(("role", "q"))
    assert copied.checks["t"]["k"] == (frozenset({"c"}), True)
    assert ("t", "c") not in copied.null_columns


def test_copy_is_independent_for_enum_labels():
    original = catalog_after("CREATE TYPE mood AS ENUM ('sad', 'ok');")
    copied = original.copy()
    catalog_after(
        "ALTER TYPE mood ADD VALUE 'happy'; ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';", copied
    )
    assert original.enums["mood"] == ["sad", "ok"]
    assert copied.enums["mood"] == ["blue", "ok", "happy"]


def test_types_domains_and_enum_labels():
    catalog = catalog_after(
        "CREATE TYPE public.mood AS ENUM ('sad', 'ok'); CREATE DOMAIN email AS text;"
        "CREATE TYPE r AS RANGE (subtype = int4); CREATE TYPE shell;"
        "ALTER TYPE mood ADD VALUE 'happy'; ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';"
        "ALTER TYPE mood ADD VALUE 'glad' AFTER 'happy'; ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';"
        "CREATE TABLE t (m mood, e email); ALTER TYPE mood RENAME TO feeling;"
    )
    assert catalog.is_new_type(["email"]) and catalog.is_new_type("r")
    assert catalog.is_new_type(["public", "shell"])
    assert catalog.enums["feeling"] == ["blue", "meh", "ok", "happy", "glad"]
    assert str(catalog.tables["t"].columns["m"].type) == "feeling"


def test_relation_renames_and_drops_reach_indexes_and_sequences():
    catalog = catalog_after(
        "CREATE TABLE t (a int); CREATE INDEX i ON t (a); ALTER INDEX i RENAME TO j;"
        "ALTER TABLE t RENAME TO u; CREATE SEQUENCE s; ALTER SEQUENCE s RENAME TO s2;"
        "CREATE VIEW v AS SELECT 1; ALTER VIEW v RENAME TO w;"
    )
    assert catalog.index(None, "j") is not None and catalog.index(None, "j").table == "u"
    assert catalog.sequence_key(None, "s2") == "s2" and catalog.is_new(("rel", "s2"))
    assert catalog.table(None, "w") is not None and catalog.table(None, "v") is None
    catalog_after("DROP TABLE u; DROP SEQUENCE public.s2;", catalog)
    assert catalog.index(None, "j") is None and not catalog.sequences


def test_foreign_tables_select_into_and_temporary_tables():
    catalog = catalog_after(
        "CREATE FOREIGN TABLE f (a int) SERVER srv; SELECT 1 AS a INTO TEMP scratch;"
        "CREATE TEMP TABLE tmp AS SELECT 1 AS a;"
    )
    assert catalog.tables["f"].kind == "foreign" and catalog.tables["f"].new
    assert catalog.tables["scratch"].temporary and catalog.tables["tmp"].temporary
    catalog_after("CREATE INDEX tmp_a_idx ON tmp (a); CREATE INDEX f_a_idx ON f (a);", catalog)
    catalog.release()  # the session ends: its temporary tables and their indexes are gone
    assert set(catalog.tables) == {"f"} and set(catalog.indexes) == {"f_a_idx"}


def test_not_null_checks_on_tables_known_or_not():
    catalog = catalog_after(
        "ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL AND b > 0) NOT VALID;"
        "ALTER TABLE t ADD CONSTRAINT c_nn CHECK (c IS NOT NULL AND d IS NOT NULL);"
    )
    assert catalog.proves_not_null("t", "a") is False  # not validated yet
    assert catalog.proves_not_null("t", "d") is True
    catalog_after(
        "ALTER TABLE t VALIDATE CONSTRAINT a_nn; ALTER TABLE t DROP CONSTRAINT c_nn;", catalog
    )
    assert catalog.proves_not_null("t", "a") is True and catalog.proves_not_null("t", "b") is False
    assert catalog.proves_not_null("t", "d") is False
    catalog_after("ALTER TABLE t VALIDATE CONSTRAINT from_elsewhere;", catalog)
    assert catalog.checks["t"]["from_elsewhere"] == (UNKNOWN_CHECK, True)
    assert catalog.proves_not_null("t", "b") is None


def test_columns_added_without_a_default_are_null_until_assigned():
    catalog = catalog_after(
        "CREATE TABLE fresh (a int); ALTER TABLE fresh ADD COLUMN b int;"
        "ALTER TABLE old ADD COLUMN b int, ADD COLUMN c int DEFAULT 0, ADD COLUMN d serial,"
        " ADD COLUMN e int;"
    )
    assert catalog.null_columns == {("old", "b"), ("old", "e")}
    catalog_after("UPDATE public.old SET b = 1; ALTER TABLE old RENAME COLUMN e TO f;", catalog)
    assert catalog.null_columns == {("old", "f")}


# --- the file's timeline -----------------------------------------------------------------------


def file_of(sql: str) -> FileFacts:
    return FileFacts(tuple(statements(sql)))


def test_timeline_positions_include_sub_commands():
    facts = file_of(
        "ALTER TABLE t DROP CONSTRAINT k, ADD CONSTRAINT k CHECK (a > 0);"
        "DROP VIEW v; CREATE VIEW v AS SELECT 1; DROP TABLE t;"
    )
    key = ("constraint", "t", "k")
    assert facts.again(key, (0, 1)) and not facts.again(key, (0, 2))
    assert facts.new(key, (0, 3)) and not facts.new(key, (0, 1))
    assert facts.again(("rel", "v"), (1, 0)) and facts.dropped_later(("rel", "t"), (0, 1))
    assert facts.top_level == 4


def test_timeline_swaps_set_the_old_object_aside():
    facts = file_of(
        "ALTER TABLE orders RENAME TO orders_old; CREATE TABLE orders (id bigint);"
        "DROP TABLE orders_old;"
    )
    assert facts.again(("rel", "orders"), (0, 0))
    assert facts.new(("rel", "orders_old"), (2, 0))


def test_timeline_leaves_out_down_statements():
    facts = FileFacts(tuple(parse_sql("CREATE TABLE t (a int);", part="down").statements))
    assert not facts.new(("rel", "t"), (1, 0))


@pytest.mark.parametrize(
    ("sql", "assume"),
    [
        ("SELECT 1; BEGIN; SELECT 2; SELECT 3; COMMIT; SELECT 4;", False),
        ("BEGIN; SELECT 1; COMMIT AND CHAIN; SELECT 2; ROLLBACK; SELECT 3;", False),
        ("SELECT 1; COMMIT; SELECT 2; BEGIN; SELECT 3;", True),
        ("DO $$ BEGIN PERFORM 1; COMMIT; PERFORM 2; END $$; SELECT 1;", False),
        ("BEGIN; SAVEPOINT a; SELECT 1; ROLLBACK TO SAVEPOINT a; SELECT 2; COMMIT;", False),
    ],
)
def test_transaction_numbers_are_known_ahead_and_match_the_effects(sql, assume):
    found = effects(sql, assume)
    facts = found[0].file
    assert facts is not None
    assert [facts.transaction(e.index) for e in found] == [e.transaction for e in found]
    assert all(e.tool_transaction is assume for e in found)


def test_transaction_numbers():
    found = effects("SELECT 1; BEGIN; SELECT 2; COMMIT AND CHAIN; SELECT 3; COMMIT; SELECT 4;")
    assert [e.transaction for e in found] == [None, None, 1, 1, 2, 2, None]


# --- reset between files ------------------------------------------------------------------------


def test_a_later_file_sees_named_objects_of_earlier_files_as_existing():
    analyser = Analyser(15)
    analyser.reset_file()
    list(analyser.effects(statements("CREATE ROLE r; CREATE TEMP TABLE scratch (a int);")))
    assert analyser.catalog.is_new(("role", "r"))
    analyser.reset_file()
    assert not analyser.catalog.is_new(("role", "r"))
    assert analyser.catalog.table(None, "scratch") is None


# --- node index and column types ---------------------------------------------------------------


def test_node_index_is_computed_once_and_finds_nested_nodes():
    (statement,) = statements(
        "WITH x AS (UPDATE t SET a = 1 RETURNING a) SELECT now(), lower('A') FROM x"
    )
    index = statement_nodes(statement)
    assert statement_nodes(statement) is index
    assert index.order[0] == ("SelectStmt", statement.node)
    assert len(index.of("FuncCall")) == 2 and index.has("UpdateStmt")
    assert mentions(statement, "update") and not mentions(statement, "json")


def test_column_types_are_computed_once():
    (statement,) = statements("ALTER TABLE t ADD COLUMN a varchar(20), ALTER b TYPE bigint")
    found = column_types(statement)
    assert column_types(statement) is found
    assert [(c.column, str(c.type), c.clause) for c in found] == [
        ("a", "varchar(20)", "ADD COLUMN"),
        ("b", "bigint", "ALTER COLUMN TYPE"),
    ]


def test_set_not_null_proven_by_a_check_on_a_table_the_catalog_does_not_know():
    sql = (
        "ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID;"
        "ALTER TABLE t ALTER a SET NOT NULL;"
        "ALTER TABLE t VALIDATE CONSTRAINT a_nn;"
        "ALTER TABLE t ALTER a SET NOT NULL;"
    )
    found = effects(sql)
    assert found[1].touches[0].scan and not found[3].touches[0].scan


def test_a_catalog_the_caller_releases_is_not_released_per_file():
    analyser = Analyser(15)
    analyser.reset_file()
    list(analyser.effects(statements("CREATE ROLE r;")))
    analyser.catalog.release()
    analyser.reset_file()
    list(analyser.effects(statements("CREATE ROLE q;")))
    analyser.reset_file()  # the same change: the caller did not release in between
    assert analyser.catalog.is_new(("role", "q")) and not analyser.catalog.is_new(("role", "r"))


def test_volatile_list_agrees_with_postgresql():
    """The hand-kept volatile names are none of PostgreSQL's non-volatile ones."""
    assert not VOLATILE_FUNCTIONS & NON_VOLATILE
    assert {"txid_current", "pg_current_xact_id", "extract", "now"} <= NON_VOLATILE
    assert function_volatility(["random"]) == "volatile"
    assert function_volatility(["pg_catalog", "substring"]) == "stable"
    assert function_volatility(["make_token"]) == "volatile"


def test_catalog_keeps_the_declared_volatility_of_functions():
    catalog = catalog_after(
        "CREATE FUNCTION f(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT 1';"
        "CREATE FUNCTION f(text) RETURNS int STABLE LANGUAGE sql AS 'SELECT 1';"
        "CREATE FUNCTION s.g() RETURNS int LANGUAGE sql AS 'SELECT 1';"
        "CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';"
    )
    assert catalog.function_volatility("f") == "stable"  # the most volatile overload
    assert catalog.function_volatility("s.g") == "volatile"  # CREATE FUNCTION's default
    assert catalog.function_volatility("p") is None
    catalog_after("ALTER FUNCTION s.g() STABLE; ALTER FUNCTION s.g RENAME TO h;", catalog)
    assert catalog.function_volatility("s.h") == "stable"
    catalog_after("DROP FUNCTION f(text);", catalog.copy())
    assert catalog.function_volatility("f") == "stable"  # the copy changed, not this one
    catalog_after("DROP FUNCTION f(text);", catalog)
    assert catalog.function_volatility("f") == "immutable"
    assert function_volatility(["s", "h"], catalog) == "stable"


# --- domains ------------------------------------------------------------------------------------

_DOMAINS = (
    "CREATE TABLE t (id int PRIMARY KEY, a int, v varchar(10));"
    "CREATE DOMAIN myint AS int; CREATE DOMAIN posint AS int CHECK (VALUE > 0);"
    "CREATE DOMAIN nvint AS int;"
    "ALTER DOMAIN nvint ADD CONSTRAINT nv_pos CHECK (VALUE > 0) NOT VALID;"
    "CREATE DOMAIN subint AS posint; CREATE DOMAIN dropint AS int CONSTRAINT d_pos CHECK (VALUE > 0);"
    "ALTER DOMAIN dropint DROP CONSTRAINT d_pos; CREATE DOMAIN v20 AS varchar(20);"
    "CREATE DOMAIN myb AS bigint; CREATE DOMAIN nn AS int NOT NULL;"
    "CREATE DOMAIN nnd AS int NOT NULL; ALTER DOMAIN nnd DROP NOT NULL;"
    "CREATE DOMAIN late AS int; ALTER DOMAIN late SET NOT NULL;"
    "CREATE DOMAIN app.code AS text CHECK (VALUE <> ''); ALTER DOMAIN app.code RENAME TO tag;"
    "CREATE DOMAIN gone AS int CHECK (VALUE > 0); DROP DOMAIN gone;"
)


@pytest.mark.parametrize(
    ("statement", "rewrite"),
    [
        # All measured on PostgreSQL 15 (relfilenode before and after).
        ("ALTER TABLE t ADD COLUMN c posint", True),
        ("ALTER TABLE t ADD COLUMN c nvint", True),  # a NOT VALID constraint counts too
        ("ALTER TABLE t ADD COLUMN c subint", True),  # the base domain's constraint
        ("ALTER TABLE t ADD COLUMN c dropint", False),  # its only constraint dropped
        ("ALTER TABLE t ADD COLUMN c myint DEFAULT 1", False),
        ("ALTER TABLE t ADD COLUMN c nn DEFAULT 0", True),
        ("ALTER TABLE t ADD COLUMN c nnd", False),
        ("ALTER TABLE t ADD COLUMN c late", True),
        ("ALTER TABLE t ADD COLUMN c app.tag", True),
        ("ALTER TABLE t ADD COLUMN c posint[]", False),  # an array of it is no domain
        ("ALTER TABLE t ADD COLUMN c gone", False),  # unknown again
        ("ALTER TABLE t ALTER COLUMN a TYPE myint", False),
        ("ALTER TABLE t ALTER COLUMN a TYPE dropint", False),
        ("ALTER TABLE t ALTER COLUMN a TYPE posint", True),
        ("ALTER TABLE t ALTER COLUMN a TYPE nvint", True),
        ("ALTER TABLE t ALTER COLUMN a TYPE myb", True),  # unconstrained, but over bigint
        ("ALTER TABLE t ALTER COLUMN v TYPE v20", False),  # binary coercible base type
    ],
)
def test_domains_decide_the_rewrite(statement, rewrite):
    catalog = catalog_after(_DOMAINS)
    catalog.release()
    (effect,) = Analyser(15, catalog=catalog).effects(statements(statement))
    assert effect.rewrites is rewrite


def test_a_column_of_a_domain_changes_to_the_base_type_without_a_rewrite():
    catalog = catalog_after(_DOMAINS + "ALTER TABLE t ADD COLUMN p posint;")
    catalog.release()
    (effect,) = Analyser(15, catalog=catalog).effects(
        statements("ALTER TABLE t ALTER COLUMN p TYPE int")
    )
    assert not effect.rewrites


_DOMAIN_TABLES = (
    "CREATE DOMAIN posint AS int; CREATE DOMAIN sub AS posint;"
    "CREATE TABLE t1 (id int, f posint); CREATE TABLE t2 (id int, f sub);"
    "CREATE TABLE t3 (id int, f posint[]); CREATE TABLE t4 (id int, f int);"
    "CREATE TABLE pt (id int, f posint) PARTITION BY RANGE (id);"
    "CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (10);"
    "CREATE TABLE u (id int, f other);"  # a domain created by a migration pglint has not seen
)


@pytest.mark.parametrize(
    ("statement", "pg", "expected"),
    [
        # Measured on PostgreSQL 15 (pg_locks and pg_stat_xact_user_tables in the transaction).
        ("ALTER DOMAIN posint ADD CONSTRAINT c CHECK (VALUE > 0)", 15, "SHARE"),
        ("ALTER DOMAIN posint ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID", 15, None),
        ("ALTER DOMAIN posint VALIDATE CONSTRAINT c", 15, "SHARE"),
        ("ALTER DOMAIN posint VALIDATE CONSTRAINT c", 19, "SHARE UPDATE EXCLUSIVE"),
        ("ALTER DOMAIN posint SET NOT NULL", 15, "SHARE"),
        ("ALTER DOMAIN posint DROP NOT NULL", 15, None),
        ("ALTER DOMAIN posint DROP CONSTRAINT c", 15, None),
        ("ALTER DOMAIN posint SET DEFAULT 1", 15, None),
    ],
)
def test_alter_domain_locks_and_scans_the_tables_using_it(statement, pg, expected):
    catalog = catalog_after(_DOMAIN_TABLES)
    catalog.release()
    (effect,) = Analyser(pg, catalog=catalog).effects(statements(statement))
    if expected is None:
        assert effect.touches == ()
        return
    # Columns of a domain over it count; arrays of it do not; a partitioned table is
    # not locked itself, its partitions are.
    assert sorted(t.relation for t in effect.touches) == ["pt1", "t1", "t2"]
    assert all(t.lock.sql_name == expected and t.scan and not t.rewrite for t in effect.touches)


def test_alter_domain_unknown_to_the_catalog_finds_columns_by_type_name():
    catalog = catalog_after(_DOMAIN_TABLES)
    (effect,) = Analyser(15, catalog=catalog).effects(statements("ALTER DOMAIN other SET NOT NULL"))
    assert [t.relation for t in effect.touches] == ["u"]
