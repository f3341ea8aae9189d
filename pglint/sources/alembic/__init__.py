"""Alembic migrations: the ``op.*`` calls of ``upgrade()`` / ``downgrade()`` → statements.

The file is parsed once with libcst. Each ``op.*`` call becomes the SQL Alembic sends for it
(``op.add_column("t", sa.Column("x", sa.String(40), nullable=False))`` → ``ALTER TABLE t
ADD COLUMN x varchar(40) NOT NULL``), parsed with pglast into the same statements SQL files
give and located at the call. SQL strings given to ``op.execute`` are parsed as SQL, located
inside the Python string. Alembic's transaction (one per migration on PostgreSQL, except
``autocommit_block()``) becomes synthetic ``BEGIN`` / ``COMMIT`` statements. What cannot be
known statically becomes an :data:`UNANALYSED` placeholder, reported by
``dynamic-sql-not-analysed``.

Modules, in the order the data flows:

- ``reader``: parse, syntax errors, the revision variables → :class:`AlembicFile`
- ``spans``: character spans of the nodes findings point at
- ``scope``: the module's top-level names, and the names known in one function body
- ``blocks``: function bodies (``if``/``try``, loops, helpers, ``batch_alter_table``,
  ``autocommit_block``) → calls in order
- ``calls``: what a call is (op method, connection, helper, or one not followed)
- ``ops``: op method → SQL; with ``columns``, ``constraints``, ``sqla_types`` (SQLAlchemy
  types), ``expressions`` (SQL expressions and defaults), ``quoting`` (names and literals)
- ``execute``: ``op.execute`` SQL, with ``strings`` (literal values and their places)
- ``output``: the statements, placeholders and transaction markers of one function
- ``values`` and ``syntax``: constant values and small questions about CST nodes

libcst is imported only inside functions, so importing this package costs nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pglint.sources.alembic.reader import AlembicFile
    from pglint.sources.sql import ParsedSql

#: Kind of the placeholder statement for a call whose SQL cannot be known statically.
UNANALYSED = "UnanalysedCall"


def parse_alembic(text: str, role: str = "up") -> ParsedSql:
    """Statements of ``upgrade()`` (role ``up``) or ``downgrade()`` (role ``down``)."""
    from pglint.sources.sql import ParsedSql

    found = read_alembic(text)
    parsed = found.down if role == "down" else found.up
    return ParsedSql(list(parsed.statements), list(parsed.problems))


@lru_cache(maxsize=4096)
def read_alembic(text: str) -> AlembicFile:
    """Read a revision file (cached by its text: the layout and the linter share one parse)."""
    from pglint.sources.alembic.reader import read

    return read(text)
