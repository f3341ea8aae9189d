"""Sources: migration files of any kind → the same Statement objects.

SQL and Python (Alembic) migrations meet here and nowhere later.
"""

from __future__ import annotations

from pglint.sources.sql import ParsedSql, parse_sql


def is_python(path: str) -> bool:
    return path.endswith(".py")


def parse_part(
    path: str, text: str, start: int = 0, end: int | None = None, role: str = "up"
) -> ParsedSql:
    """Statements of one part of a migration file (the whole file, a section, or a function).

    SQL files are parsed from ``text[start:end]``; Python migrations are read whole and
    the ``upgrade()`` (role ``up``) or ``downgrade()`` (role ``down``) function is taken.
    """
    if is_python(path):
        from pglint.sources.alembic import parse_alembic

        return parse_alembic(text, role)
    stop = len(text) if end is None else end
    return parse_sql(text[start:stop], base=start, part=role)
