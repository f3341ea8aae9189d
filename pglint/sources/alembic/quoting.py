"""Names and literal values written as SQLAlchemy writes them into PostgreSQL SQL."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _keywords() -> frozenset[str]:
    from pglast import keywords

    return frozenset(
        keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS | keywords.COL_NAME_KEYWORDS
    )


PLAIN_IDENT = re.compile(r"[a-z_][a-z0-9_$]*")


def ident(name: str) -> str:
    """A name as SQLAlchemy quotes it: bare when lower case and not a keyword."""
    if PLAIN_IDENT.fullmatch(name) and name not in _keywords():
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(name: str, schema: str | None) -> str:
    return f"{ident(schema)}.{ident(name)}" if schema else ident(name)


def quote(value: str) -> str:
    """A string literal."""
    return "'" + value.replace("'", "''") + "'"


def literal_sql(value: object) -> str:
    """A Python constant as a SQL literal."""
    if value is None:
        return "NULL"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return quote(str(value))
