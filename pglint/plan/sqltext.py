"""SQL text for the plan: quoting names, and printing parse-tree nodes back as SQL.

The plan never re-reads SQL by hand: expressions it needs in generated queries (a
partial index's predicate, an UPDATE's WHERE, the SELECT of an ``INSERT … SELECT``)
come from the statement model's pglast JSON tree, turned into pglast AST nodes and
printed with pglast's own deparser, so the output is SQL PostgreSQL's parser accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from pglast import ast, enums
from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS
from pglast.stream import RawStream

_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")
_KEYWORDS = RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS


def quote_ident(name: str) -> str:
    """``name`` as an SQL identifier: bare when PostgreSQL reads it back unchanged."""
    if _PLAIN.match(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_name(qualified: str) -> str:
    """A possibly schema-qualified name (``public.orders``) with each part quoted as needed."""
    schema, _, name = qualified.rpartition(".")
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def literal(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def literal_list(values: Iterable[str]) -> str:
    return ", ".join(literal(v) for v in values)


# --- pglast JSON → AST ------------------------------------------------------------------------

_INTEGER_TYPES = frozenset(
    {
        "int",
        "int16",
        "int32",
        "long",
        "uint32",
        "Index",
        "Oid",
        "ParseLoc",
        "AttrNumber",
        "SubTransactionId",
        "RelFileNumber",
        "bits32",
        "Cardinality",
        "AclMode",
        "double",
    }
)


@cache
def _slots(name: str) -> dict[str, Any]:
    cls = getattr(ast, name)
    return dict(cls.__slots__)


def _is_node_class(name: str) -> bool:
    cls = getattr(ast, name, None)
    return isinstance(cls, type) and issubclass(cls, ast.Node)


def to_ast(value: Any, type_name: str | None = None) -> Any:
    """Turn pglast's JSON parse tree (``{"Kind": {...}}``) into pglast AST nodes.

    ``type_name`` names the node class when the JSON holds an unwrapped struct (the
    fields typed ``RangeVar*``, ``TypeName*``, …).
    """
    if isinstance(value, list):
        return tuple(to_ast(item) for item in value)
    if not isinstance(value, dict):
        return value
    if type_name is None:
        if not value:
            return None  # a NIL list item (``SELECT DISTINCT`` holds one)
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == "List" and isinstance(inner, dict):
                return tuple(to_ast(item) for item in inner.get("items", ()))
            if _is_node_class(key) and isinstance(inner, dict):
                return to_ast(inner, key)
        raise ValueError(f"not a wrapped node: {sorted(value)[:3]}")
    if type_name == "A_Const":
        return _a_const(value)
    if type_name == "List":
        return tuple(to_ast(item) for item in value.get("items", ()))
    node = getattr(ast, type_name)()
    for field, info in _slots(type_name).items():
        c_type = info.c_type
        raw = value.get(field.removesuffix("_"))  # ``def`` is ``def_`` in pglast's AST
        if raw is None:
            setattr(node, field, _default(c_type))
            continue
        if c_type.endswith("*") and c_type[:-1] not in ("char", "Node", "List", "Expr"):
            struct = c_type[:-1]
            if _is_node_class(struct) and isinstance(raw, dict):
                wrapped = len(raw) == 1 and next(iter(raw)) == struct
                setattr(node, field, to_ast(raw[struct] if wrapped else raw, struct))
                continue
        if c_type == "List*":
            setattr(node, field, tuple(to_ast(item) for item in raw))
        elif c_type in ("Node*", "Expr*"):
            setattr(node, field, to_ast(raw))
        elif isinstance(raw, str) and hasattr(enums, c_type):
            setattr(node, field, getattr(enums, c_type)[raw])
        else:
            setattr(node, field, raw)
    return node


def _default(c_type: str) -> Any:
    if c_type == "bool":
        return False
    if c_type in _INTEGER_TYPES:
        return 0
    enum = getattr(enums, c_type, None)
    if enum is not None and not c_type.endswith("*"):
        try:
            return enum(0)
        except (ValueError, TypeError):
            return None
    return None


def _a_const(value: dict[str, Any]) -> ast.A_Const:
    const = ast.A_Const()
    const.isnull = bool(value.get("isnull"))
    const.val = None
    for key, cls, attr in (
        ("ival", ast.Integer, "ival"),
        ("fval", ast.Float, "fval"),
        ("sval", ast.String, "sval"),
        ("bsval", ast.BitString, "bsval"),
        ("boolval", ast.Boolean, "boolval"),
    ):
        if key in value:
            inner = value[key] or {}
            item = cls()
            default = {"ival": 0, "boolval": False}.get(attr, "")
            setattr(item, attr, inner.get(attr, default))
            const.val = item
    return const


def deparse(node: Any) -> str:
    """SQL text of a pglast JSON node (an expression, a statement, a list of them)."""
    converted = to_ast(node)
    if isinstance(converted, tuple):
        return ", ".join(RawStream()(item) for item in converted)
    return RawStream()(converted)


def try_deparse(node: Any) -> str | None:
    """:func:`deparse`, or None when pglast cannot print the node."""
    try:
        return deparse(node)
    except Exception:  # pglast raises assorted errors for nodes it cannot print
        return None
