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
