"""Transaction and session state as the analyser tracks it (pglint.model.transaction)."""

from __future__ import annotations

import pytest

from pglint.model.catalog import Catalog
from pglint.model.effects import Analyser, Effect
from pglint.model.locks import LockMode
from pglint.model.transaction import timeout_enabled
from pglint.sources.sql import parse_sql


def effects(sql: str, assume_in_transaction: bool = False) -> list[Effect]:
    parsed = parse_sql(sql)
    assert not parsed.problems, parsed.problems
    return list(Analyser(15, assume_in_transaction).effects(parsed.statements))


def last(sql: str, assume_in_transaction: bool = False) -> Effect:
    return effects(sql, assume_in_transaction)[-1]


def analyser_after(sql: str) -> Analyser:
    analyser = Analyser(15)
    for _ in analyser.effects(parse_sql(sql).statements):
        pass
    return analyser


# --- timeouts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting",
    [
        "SET lock_timeout = '2s'",
        "SET lock_timeout TO 2000",
        "SET SESSION lock_timeout = '1min'",
        "SET lock_timeout = 1.5",
        "SET LOCK_TIMEOUT = '2s'",
        "SELECT set_config('lock_timeout', '2s', false)",
        "SELECT pg_catalog.set_config('lock_timeout', '2s', false)",
    ],
)
def test_session_lock_timeout(setting):
    assert last(f"{setting}; SELECT 1;").lock_timeout
    assert not last(f"{setting}; SELECT 1;").statement_timeout


@pytest.mark.parametrize(
    "setting",
    [
        "SET lock_timeout = 0",
        "SET lock_timeout = '0'",
        "SET lock_timeout = '0s'",
        "SET lock_timeout = '0ms'",
        "SET lock_timeout TO DEFAULT",
        "SET lock_timeout = DEFAULT",
        "RESET lock_timeout",
        "RESET ALL",
        "DISCARD ALL",
        "SELECT set_config('lock_timeout', '0', false)",
    ],
)
def test_zero_default_and_reset_disable(setting):
    assert not last(f"SET lock_timeout = '2s'; {setting}; SELECT 1;").lock_timeout


def test_reset_all_clears_statement_timeout_too():
    assert not last("SET statement_timeout = '1min'; RESET ALL; SELECT 1;").statement_timeout


def test_statement_timeout():
    assert last("SET statement_timeout = '5min'; SELECT 1;").statement_timeout
    assert last(
        "SELECT set_config('statement_timeout', '5min', false); SELECT 1;"
    ).statement_timeout


def test_set_local_outside_a_transaction_does_nothing():
    assert not last("SET LOCAL lock_timeout = '2s'; SELECT 1;").lock_timeout
    assert not last("SELECT set_config('lock_timeout', '2s', true); SELECT 1;").lock_timeout


def test_set_local_lasts_until_the_end_of_the_transaction():
    sql = "BEGIN; SET LOCAL lock_timeout = '2s'; SELECT 1; COMMIT; SELECT 2;"
    got = effects(sql)
    assert got[2].lock_timeout
    assert got[3].lock_timeout  # COMMIT itself still runs in the transaction
    assert not got[4].lock_timeout


def test_set_config_local_inside_a_transaction():
    got = effects(
        "BEGIN; SELECT set_config('lock_timeout', '2s', true); SELECT 1; COMMIT; SELECT 2;"
    )
    assert got[2].lock_timeout and not got[4].lock_timeout


def test_set_local_zero_overrides_the_session_value():
    got = effects(
        "SET lock_timeout = '2s'; BEGIN; SET LOCAL lock_timeout = 0; SELECT 1; COMMIT; SELECT 2;"
    )
    assert not got[3].lock_timeout
    assert got[5].lock_timeout


def test_plain_set_after_set_local_replaces_it():
    got = effects("BEGIN; SET LOCAL lock_timeout = '2s'; SET lock_timeout = 0; SELECT 1; COMMIT;")
    assert not got[3].lock_timeout


def test_session_set_survives_commit():
    assert last("BEGIN; SET lock_timeout = '2s'; COMMIT; SELECT 1;").lock_timeout


def test_session_set_is_undone_by_rollback():
    assert not last("BEGIN; SET lock_timeout = '2s'; ROLLBACK; SELECT 1;").lock_timeout
    assert last(
        "SET lock_timeout = '2s'; BEGIN; RESET lock_timeout; ROLLBACK; SELECT 1;"
    ).lock_timeout


def test_set_local_in_the_tools_transaction():
    got = effects("SET LOCAL lock_timeout = '2s'; SELECT 1;", assume_in_transaction=True)
    assert got[1].lock_timeout


@pytest.mark.parametrize(
    ("value", "enabled"),
    [("0", False), ("0s", False), (" 0 ", False), ("0.0", False), ("1", True), ("5s", True)],
)
def test_timeout_enabled(value, enabled):
    assert timeout_enabled(value) is enabled


# --- transaction blocks -------------------------------------------------------------------


def test_begin_commit():
    got = effects("SELECT 1; BEGIN; SELECT 2; COMMIT; SELECT 3;")
    assert [e.in_transaction for e in got] == [False, False, True, True, False]
    assert [e.explicit_transaction for e in got] == [False, False, True, True, False]


def test_start_transaction_and_end():
    got = effects("START TRANSACTION; SELECT 1; END; SELECT 2;")
    assert got[1].in_transaction and not got[3].in_transaction


def test_nested_begin_does_not_nest():
    """PostgreSQL ignores the second BEGIN: the first COMMIT ends the only transaction."""
    got = effects("BEGIN; BEGIN; SELECT 1; COMMIT; SELECT 2; COMMIT;")
    assert got[2].in_transaction
    assert not got[4].in_transaction
    assert not analyser_after("BEGIN; BEGIN; COMMIT;").open_explicit_transaction


def test_commit_and_chain_starts_a_new_transaction():
    sql = (
        "BEGIN; SET LOCAL lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c int;"
        " COMMIT AND CHAIN; SELECT 1; COMMIT; SELECT 2;"
    )
    got = effects(sql)
    assert got[4].in_transaction and got[4].explicit_transaction
    assert not got[4].lock_timeout  # SET LOCAL ended with the first transaction
    assert got[4].held == ()  # its locks were released
    assert not got[6].in_transaction


def test_rollback_and_chain():
    got = effects("BEGIN; SET lock_timeout = '2s'; ROLLBACK AND CHAIN; SELECT 1;")
    assert got[3].in_transaction and not got[3].lock_timeout


def test_open_transaction_at_end_of_file():
    assert analyser_after("BEGIN; SELECT 1;").open_explicit_transaction
    assert not analyser_after("BEGIN; SELECT 1; ROLLBACK;").open_explicit_transaction


def test_commit_without_transaction_is_ignored():
    got = effects("COMMIT; SELECT 1;")
    assert not got[1].in_transaction


def test_assume_in_transaction():
    got = effects("SELECT 1; COMMIT; SELECT 2;", assume_in_transaction=True)
    assert got[0].in_transaction and not got[0].explicit_transaction
    assert not got[2].in_transaction


def test_begin_inside_the_tools_transaction_is_ignored():
    got = effects("BEGIN; SELECT 1;", assume_in_transaction=True)
    assert got[1].in_transaction and not got[1].explicit_transaction


def test_commit_prepared_does_not_touch_the_session():
    got = effects("BEGIN; SELECT 1; COMMIT PREPARED 'x'; SELECT 2;")
    assert got[3].in_transaction


# --- held locks and savepoints ------------------------------------------------------------


def held(effect: Effect) -> list[tuple[str, LockMode]]:
    return [(t.relation, t.lock) for t in effect.held]


def test_held_locks_accumulate_in_a_transaction():
    got = effects(
        "BEGIN; ALTER TABLE a ADD COLUMN c int; CREATE INDEX i ON b (x); SELECT 1; COMMIT; SELECT 2;"
    )
    assert held(got[1]) == []
    assert held(got[2]) == [("a", LockMode.ACCESS_EXCLUSIVE)]
    assert held(got[3]) == [("a", LockMode.ACCESS_EXCLUSIVE), ("b", LockMode.SHARE)]
    assert held(got[5]) == []


def test_no_held_locks_in_autocommit():
    got = effects("ALTER TABLE a ADD COLUMN c int; SELECT 1;")
    assert held(got[1]) == []


def test_new_tables_are_not_held():
    got = effects("BEGIN; CREATE TABLE n (id int); ALTER TABLE n ADD COLUMN c int; SELECT 1;")
    assert held(got[3]) == []


def test_rollback_to_savepoint_releases_later_locks_and_settings():
    sql = (
        "BEGIN; ALTER TABLE a ADD COLUMN c int; SAVEPOINT s; SET lock_timeout = '2s';"
        " ALTER TABLE b ADD COLUMN c int; ROLLBACK TO SAVEPOINT s; SELECT 1; COMMIT;"
    )
    got = effects(sql)
    assert held(got[5]) == [("a", LockMode.ACCESS_EXCLUSIVE), ("b", LockMode.ACCESS_EXCLUSIVE)]
    assert got[5].lock_timeout
    assert held(got[6]) == [("a", LockMode.ACCESS_EXCLUSIVE)]
    assert not got[6].lock_timeout


def test_release_savepoint_keeps_locks_and_settings():
    sql = (
        "BEGIN; SAVEPOINT s; SET lock_timeout = '2s'; ALTER TABLE b ADD COLUMN c int;"
        " RELEASE SAVEPOINT s; SELECT 1; ROLLBACK TO s; SELECT 2;"
    )
    got = effects(sql)
    assert got[5].lock_timeout and held(got[5]) == [("b", LockMode.ACCESS_EXCLUSIVE)]
    # The savepoint is gone: ROLLBACK TO fails in PostgreSQL and changes nothing here.
    assert got[7].lock_timeout and held(got[7]) == [("b", LockMode.ACCESS_EXCLUSIVE)]


def test_rollback_to_keeps_the_savepoint():
    sql = (
        "BEGIN; SAVEPOINT s; ALTER TABLE a ADD COLUMN c int; ROLLBACK TO s;"
        " ALTER TABLE b ADD COLUMN c int; ROLLBACK TO s; SELECT 1;"
    )
    assert held(last(sql)) == []


# --- DO blocks ----------------------------------------------------------------------------

DO_BLOCK = """
DO $$
BEGIN
  SET LOCAL lock_timeout = '2s';
  ALTER TABLE a ADD COLUMN c int;
  UPDATE a SET c = 1;
END
$$;
SELECT 1;
"""


def test_do_block_runs_in_its_own_transaction():
    got = effects(DO_BLOCK)
    kinds = [(e.kind, e.statement.nested) for e in got]
    assert kinds == [
        ("DoStmt", False),
        ("VariableSetStmt", True),
        ("AlterTableStmt", True),
        ("UpdateStmt", True),
        ("SelectStmt", False),
    ]
    assert not got[0].in_transaction
    assert all(e.in_transaction and not e.explicit_transaction for e in got[1:4])
    assert got[2].lock_timeout  # SET LOCAL applies inside the block's transaction
    assert held(got[3]) == [("a", LockMode.ACCESS_EXCLUSIVE)]
    last_effect = got[4]
    assert not last_effect.in_transaction
    assert not last_effect.lock_timeout and last_effect.held == ()


def test_do_block_inside_a_transaction_uses_that_transaction():
    got = effects("BEGIN;" + DO_BLOCK + "COMMIT;")
    assert all(e.explicit_transaction for e in got[1:6])
    assert got[5].lock_timeout  # the SET LOCAL of the block lasts until COMMIT
    assert held(got[5]) == [("a", LockMode.ACCESS_EXCLUSIVE), ("a", LockMode.ROW_EXCLUSIVE)]


def test_consecutive_do_blocks_are_separate_transactions():
    sql = "DO $$ BEGIN ALTER TABLE a ADD COLUMN c int; END $$; DO $$ BEGIN UPDATE b SET x = 1; END $$;"
    got = effects(sql)
    assert [e.kind for e in got] == ["DoStmt", "AlterTableStmt", "DoStmt", "UpdateStmt"]
    assert held(got[3]) == []


def test_catalog_is_kept_by_the_analyser():
    catalog = Catalog()
    analyser = Analyser(15, catalog=catalog)
    list(analyser.effects(parse_sql("BEGIN; CREATE TABLE n (id int); COMMIT;").statements))
    assert catalog.table(None, "n") is not None


def test_one_query_script_runs_in_implicit_and_explicit_blocks():
    # PostgreSQL's multi-statement simple Query: statements before BEGIN join its block,
    # those after COMMIT start a new implicit one (protocol-flow, multiple statements).
    sql = (
        "ALTER TABLE a ADD COLUMN x int;\nBEGIN;\nALTER TABLE b ADD COLUMN y int;\nCOMMIT;\n"
        "ALTER TABLE c ADD COLUMN z int;\nALTER TABLE d ADD COLUMN w int;\n"
    )
    analyser = Analyser(15)
    analyser.reset_file(True, stated=True, one_query=True)
    found = list(analyser.effects(parse_sql(sql).statements))
    assert [e.transaction for e in found] == [1, 1, 1, 1, 2, 2]
    assert [e.explicit_transaction for e in found] == [False, False, True, True, False, False]
    assert all(e.in_transaction and not e.tool_transaction for e in found)
    # The ALTER before BEGIN still holds its lock when the one after it runs.
    assert [t.relation for t in found[2].held] == ["a"]
    assert found[4].held == () and [t.relation for t in found[5].held] == ["c"]
    assert found[0].file is not None and found[0].file.transaction(4) == 2
    # A tool's own transaction is different: COMMIT ends it for good.
    plain = Analyser(15)
    plain.reset_file(True, stated=True)
    assert [e.transaction for e in plain.effects(parse_sql(sql).statements)][4:] == [None, None]
