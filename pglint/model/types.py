"""Column types as written in SQL, in PostgreSQL's canonical spelling.

Also answers the one question the lock model needs about types: does changing a
column from one type to another rewrite the table? (ALTER TABLE docs, "Notes": a change
between binary-coercible types, or that only relaxes a length or precision limit,
skips the rewrite; see https://www.postgresql.org/docs/current/sql-altertable.html.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pglint.model.statements import Node

# Internal names pglast reports → the name users write.
_CANONICAL = {
    "int2": "smallint",
    "int4": "integer",
    "int": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "bpchar": "char",
    "character": "char",
    "varchar": "varchar",
    "character varying": "varchar",
    "timestamptz": "timestamptz",
    "timetz": "timetz",
    "decimal": "numeric",
    "serial4": "serial",
    "serial8": "bigserial",
    "serial2": "smallserial",
}


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A type as written: canonical name, its modifiers (``varchar(20)`` → (20,)), array or not."""

    name: str
    mods: tuple[int, ...] = ()
    array: bool = False
    schema: str | None = None
    #: Every modifier as written, when some is not an integer (PostGIS's
    #: ``geometry(Point, 4326)``): ``mods`` then holds only the integers.
    written_mods: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = self.name
        if self.schema and self.schema != "pg_catalog":
            text = f"{self.schema}.{text}"
        if self.written_mods:
            text += "(" + ", ".join(self.written_mods) + ")"
        elif self.name == "interval" and self.mods:
            text += _interval_mods(self.mods)
        elif self.mods:
            text += "(" + ", ".join(str(m) for m in self.mods) + ")"
        return text + ("[]" if self.array else "")


#: ``interval`` field restrictions as the parser encodes them (a bit mask of the fields,
#: datetime.h: INTERVAL_MASK), spelled back the way ``format_type`` prints them.
_INTERVAL_FIELDS = {
    1 << 2: " year",
    1 << 1: " month",
    1 << 3: " day",
    1 << 10: " hour",
    1 << 11: " minute",
    1 << 12: " second",
    (1 << 2) | (1 << 1): " year to month",
    (1 << 3) | (1 << 10): " day to hour",
    (1 << 3) | (1 << 10) | (1 << 11): " day to minute",
    (1 << 3) | (1 << 10) | (1 << 11) | (1 << 12): " day to second",
    (1 << 10) | (1 << 11): " hour to minute",
    (1 << 10) | (1 << 11) | (1 << 12): " hour to second",
    (1 << 11) | (1 << 12): " minute to second",
}
#: INTERVAL_FULL_RANGE: no field restriction (``interval(3)`` parses as (0x7FFF, 3)).
_INTERVAL_FULL_RANGE = 0x7FFF


def _interval_mods(mods: tuple[int, ...]) -> str:
    """``interval`` modifiers as SQL: (2048,) → `` minute``, (0x7FFF, 3) → ``(3)``,
    (7176, 2) → `` day to second(2)``."""
    fields = "" if mods[0] == _INTERVAL_FULL_RANGE else _INTERVAL_FIELDS.get(mods[0])
    if fields is None:  # not a mask the grammar makes: show what was written
        return "(" + ", ".join(str(m) for m in mods) + ")"
    return fields + (f"({mods[1]})" if len(mods) > 1 else "")


def type_ref(type_name: Node) -> TypeRef:
    """Build a :class:`TypeRef` from a pglast ``TypeName`` node."""
    # The catalog, the effects and the rules each ask about the same column definitions.
    known = _BY_NODE.get(id(type_name))
    if known is not None and known[0] is type_name:
        return known[1]
    found = _type_ref(type_name)
    if len(_BY_NODE) >= 4096:
        _BY_NODE.clear()
    _BY_NODE[id(type_name)] = (type_name, found)
    return found


#: The latest nodes :func:`type_ref` read (id → the node, kept alive so that its id stays
#: its own, and its TypeRef).
_BY_NODE: dict[int, tuple[Node, TypeRef]] = {}


def _type_ref(type_name: Node) -> TypeRef:
    names = [n.get("String", {}).get("sval", "") for n in type_name.get("names", ())]
    schema = names[0] if len(names) > 1 else None
    raw = names[-1] if names else "?"
    name = _CANONICAL.get(raw, raw)
    if raw == "char" and schema is None:
        name = '"char"'  # the one-byte internal type, written with quotes (bpchar is char)
    mods = []
    written: list[str] = []
    for mod in type_name.get("typmods", ()) or ():
        const = mod.get("A_Const", {})
        if "ival" in const:
            mods.append(int(const["ival"].get("ival", 0)))
            written.append(str(mods[-1]))
        else:
            written.append(_mod_text(mod))
    words = tuple(written) if len(written) != len(mods) else ()  # some are not integers
    if name == "char" and schema == "pg_catalog" and not mods:
        mods = [1]  # char without a length is char(1)
    return _shared(name, tuple(mods), bool(type_name.get("arrayBounds")), schema, words)


def _mod_text(mod: Node) -> str:
    """A modifier that is not an integer, as SQL: a word (``Point``) or a constant."""
    if "ColumnRef" in mod:
        fields = mod["ColumnRef"].get("fields", ())
        return ".".join(f.get("String", {}).get("sval", "?") for f in fields)
    const = mod.get("A_Const", {})
    if "sval" in const:
        text = const["sval"].get("sval", "")
        return "'" + text.replace("'", "''") + "'"
    if "fval" in const:
        return str(const["fval"].get("fval", "?"))
    return "?"


@lru_cache(maxsize=4096)
def _shared(
    name: str,
    mods: tuple[int, ...],
    array: bool,
    schema: str | None,
    written_mods: tuple[str, ...] = (),
) -> TypeRef:
    """One TypeRef per distinct type: they are immutable values, and a migration set writes
    the same few types thousands of times (making each anew costs more than the look-up)."""
    return TypeRef(name, mods, array, schema, written_mods)


_TEXTUAL = {"varchar", "text"}
#: Types whose typmod is a fractional-second precision of at most 6 digits.
_TEMPORAL = {"timestamp", "timestamptz", "time", "timetz"}


def rewrites_on_change(old: TypeRef | None, new: TypeRef) -> bool | None:
    """Whether ``ALTER COLUMN … TYPE new`` rewrites a column of type ``old``.

    Returns None when the old type is unknown. PostgreSQL skips the rewrite when the
    conversion is binary coercible and any length or precision change only relaxes the
    limit (its planner support functions drop such length coercions); see "Notes" on
    https://www.postgresql.org/docs/current/sql-altertable.html. Measured on PostgreSQL 15
    (pg-truth): varchar(n) → varchar(m ≥ n), varchar or text and numeric precision increases
    at the same scale do not rewrite; timestamp ↔ timestamptz only skips the rewrite when
    the session TimeZone is UTC, which a migration cannot rely on, so it counts as one.
    Anything not known to be free counts as a rewrite.
    """
    if old is None:
        return None
    if old.array != new.array:
        return True
    if old.name == new.name and old.mods == new.mods and old.written_mods == new.written_mods:
        return False
    if old.array:
        # Arrays convert element by element (an ArrayCoerceExpr): always a rewrite.
        return True
    if old.name in _TEXTUAL and new.name in _TEXTUAL:
        # varchar and text are binary coercible; only a new or shorter length limit checks.
        if new.name == "text" or not new.mods:
            return False
        return not (old.name == "varchar" and old.mods and new.mods[0] >= old.mods[0])
    if old.name == "numeric" and new.name == "numeric":
        if not new.mods:
            return False
        if old.mods:
            old_scale = old.mods[1] if len(old.mods) > 1 else 0
            new_scale = new.mods[1] if len(new.mods) > 1 else 0
            return not (new_scale == old_scale and new.mods[0] >= old.mods[0])
        return True
    if old.name in ("bit", "varbit") and new.name == "varbit":
        # bit → varbit is binary coercible; a varbit limit is dropped when it only grows.
        return not (not new.mods or (old.mods and new.mods[0] >= old.mods[0]))
    if old.name == new.name and old.name in _TEMPORAL:
        # Raising (or dropping) the fractional-second precision skips the rewrite.
        return not (not new.mods or new.mods[0] >= 6 or (old.mods and new.mods[0] >= old.mods[0]))
    if old.name == new.name == "interval":
        return bool(new.mods)
    if old.name == "cidr" and new.name == "inet":
        return False
    # xml → text is binary coercible; bpchar → text/varchar is not (it trims trailing blanks).
    return not (old.name == "xml" and new.name == "text")
