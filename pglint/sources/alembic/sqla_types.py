"""SQLAlchemy type expressions (``sa.String(40)``, ``postgresql.JSONB``) → PostgreSQL types."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from pglint.sources.alembic.quoting import ident, qualified, quote
from pglint.sources.alembic.syntax import dotted, is_false
from pglint.sources.alembic.values import Dynamic, bind_args, const, opt_str

if TYPE_CHECKING:
    from pglint.sources.alembic.scope import Scope


class EnumType(NamedTuple):
    """A native enum a column uses; ``create``: SQLAlchemy creates it with the table."""

    name: str
    schema: str | None
    values: tuple[str, ...]
    create: bool

    def create_sql(self) -> str:
        labels = ", ".join(quote(v) for v in self.values)
        return f"CREATE TYPE {qualified(self.name, self.schema)} AS ENUM ({labels})"


class SqlType(NamedTuple):
    sql: str
    #: integer, bigint or smallint: the type SERIAL stands for when the column is one.
    serial_base: str | None = None
    enum: EnumType | None = None


# SQLAlchemy type class (lower case) → PostgreSQL type.
_SIMPLE_TYPES = {
    "integer": "integer",
    "int": "integer",
    "int4": "integer",
    "biginteger": "bigint",
    "bigint": "bigint",
    "int8": "bigint",
    "smallinteger": "smallint",
    "smallint": "smallint",
    "int2": "smallint",
    "text": "text",
    "unicodetext": "text",
    "clob": "text",
    "boolean": "boolean",
    "bool": "boolean",
    "date": "date",
    "json": "json",
    "jsonb": "jsonb",
    "uuid": "uuid",
    "uuidtype": "uuid",
    "largebinary": "bytea",
    "bytea": "bytea",
    "binary": "bytea",
    "varbinary": "bytea",
    "blob": "bytea",
    "pickletype": "bytea",
    "real": "real",
    "double": "double precision",
    "double_precision": "double precision",
    "inet": "inet",
    "cidr": "cidr",
    "macaddr": "macaddr",
    "macaddr8": "macaddr8",
    "money": "money",
    "oid": "oid",
    "regclass": "regclass",
    "regconfig": "regconfig",
    "tsvector": "tsvector",
    "tsquery": "tsquery",
    "hstore": "hstore",
    "citext": "citext",
    "int4range": "int4range",
    "int8range": "int8range",
    "numrange": "numrange",
    "daterange": "daterange",
    "tsrange": "tsrange",
    "tstzrange": "tstzrange",
    "int4multirange": "int4multirange",
    "int8multirange": "int8multirange",
    "nummultirange": "nummultirange",
    "datemultirange": "datemultirange",
    "tsmultirange": "tsmultirange",
    "tstzmultirange": "tstzmultirange",
    "geometry": "geometry",
    "geography": "geography",
    "raster": "raster",
    "ltree": "ltree",
    "xml": "xml",
    "nulltype": "text",
}
_VARCHAR = frozenset(
    {"string", "varchar", "unicode", "nvarchar", "autostring", "emailtype", "urltype"}
)
_CHAR = frozenset({"char", "nchar"})
_NUMERIC = frozenset({"numeric", "decimal"})
#: Base type → its SERIAL spelling.
SERIAL = {"integer": "SERIAL", "bigint": "BIGSERIAL", "smallint": "SMALLSERIAL"}
#: Parameters of the type constructors whose arguments matter (default: ``length``).
_PARAMS = {
    "array": ("item_type",),
    "enum": ("*enums",),
    "numeric": ("precision", "scale"),
    "decimal": ("precision", "scale"),
    "float": ("precision",),
    "datetime": ("timezone",),
    "timestamp": ("timezone", "precision"),
    "time": ("timezone",),
    "interval": ("native", "second_precision", "day_precision"),
}


def column_type(node: Any, scope: Scope) -> SqlType:
    """The PostgreSQL type of a SQLAlchemy type expression."""
    import libcst as cst

    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        method = node.func.attr.value
        if method == "with_variant":
            bound = bind_args(node, ("type_", "dialect_names"))
            try:
                dialects = const(bound.get("dialect_names"), scope.constants)
            except Dynamic:
                dialects = None
            names = dialects if isinstance(dialects, (list, tuple)) else (dialects,)
            if "postgresql" in names and bound.get("type_") is not None:
                return column_type(bound["type_"], scope)
            return column_type(node.func.value, scope)
        if method in ("as_generic", "evaluates_none", "copy"):
            return column_type(node.func.value, scope)
    callee = dotted(node.func if isinstance(node, cst.Call) else node)
    if callee is None:
        return SqlType("text")
    last = callee.rsplit(".", 1)[-1]
    key = last.lower()
    args: dict[str, Any] = {}
    if isinstance(node, cst.Call):
        try:
            args = bind_args(node, _PARAMS.get(key, ("length",)))
        except Dynamic:
            args = {}

    def number(name: str) -> int | None:
        value = args.get(name)
        if value is None:
            return None
        try:
            found = const(value, scope.constants)
        except Dynamic:
            return None
        return found if isinstance(found, int) and not isinstance(found, bool) else None

    def flag(name: str) -> bool:
        value = args.get(name)
        if value is None:
            return False
        try:
            return bool(const(value, scope.constants))
        except Dynamic:
            return False

    def sized(name: str, size: int | None) -> SqlType:
        return SqlType(f"{name}({size})" if size else name)

    if key in _SIMPLE_TYPES:
        base = _SIMPLE_TYPES[key]
        return SqlType(base, base if base in SERIAL else None)
    if key in _VARCHAR:
        return sized("varchar", number("length"))
    if key in _CHAR:
        return sized("char", number("length"))
    if key == "bit":
        return sized("bit", number("length"))
    if key == "float":
        return sized("float", number("precision"))
    if key in _NUMERIC:
        precision, scale = number("precision"), number("scale")
        if precision is not None and scale is not None:
            return SqlType(f"numeric({precision}, {scale})")
        return sized("numeric", precision)
    if key in ("datetime", "timestamp", "time"):
        precision = number("precision")
        mod = f"({precision})" if precision is not None else ""
        zone = "with" if flag("timezone") else "without"
        name = "time" if key == "time" else "timestamp"
        return SqlType(f"{name}{mod} {zone} time zone")
    if key == "interval":
        text = "interval"
        fields = args.get("fields")
        if fields is not None:
            try:
                value = const(fields, scope.constants)
            except Dynamic:
                value = None
            if isinstance(value, str):
                text += f" {value}"
        return SqlType(text)
    if key == "array":
        item = args.get("item_type")
        inner = column_type(item, scope).sql if item is not None else "text"
        return SqlType(inner + "[]" * (number("dimensions") or 1))
    if key == "enum":
        return enum_type(node, scope)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", last):
        return SqlType(ident(last.lower()))
    return SqlType("text")


def enum_type(node: Any, scope: Scope) -> SqlType:
    """``sa.Enum("a", "b", name="kind")`` (or of a Python enum class): a native enum type,
    or ``varchar`` with ``native_enum=False``."""
    import libcst as cst

    if not isinstance(node, cst.Call):
        return SqlType("enum")
    values: list[str] = []
    class_name = None
    for found in node.args:
        if found.keyword is not None or found.star:
            continue
        try:
            value = const(found.value, scope.constants)
        except Dynamic:
            value = None
            class_name = dotted(found.value)
        if isinstance(value, str):
            values.append(value)
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    native = keywords.get("native_enum")
    if native is not None and is_false(native):
        length = max((len(v) for v in values), default=0)
        return SqlType(f"varchar({length})" if length else "varchar")
    name = opt_str(keywords.get("name"), scope)
    if name is None and class_name:
        name = class_name.rsplit(".", 1)[-1].lower()
    if name is None:
        raise Dynamic("uses an Enum type without a name")
    schema = opt_str(keywords.get("schema"), scope)
    create = keywords.get("create_type")
    creates = not (create is not None and is_false(create))
    enum = EnumType(name, schema, tuple(values), creates)
    return SqlType(qualified(name, schema), None, enum)
