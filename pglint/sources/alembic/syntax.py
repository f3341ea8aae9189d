"""Questions about libcst nodes: dotted names, parameters, bodies, and a fast walk."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import libcst as cst


def dotted(node: Any) -> str | None:
    """``sa.func.now`` for that attribute chain; None for anything but names and attributes."""
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def as_name(alias: cst.ImportAlias) -> str | None:
    """The ``as`` name of an import (``op`` in ``import x as op``), or None without one."""
    asname = alias.asname
    # AsName also serves ``with``/``except``, where it may be a tuple; in an import it is a Name.
    return cast("cst.Name", asname.name).value if asname else None


def callee_last(node: Any) -> str:
    """The last name of a call's callee (``Column`` for ``sa.Column(...)``), or ``""``."""
    import libcst as cst

    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return ""


def is_none(node: Any) -> bool:
    import libcst as cst

    return isinstance(node, cst.Name) and node.value == "None"


def is_false(node: Any) -> bool:
    import libcst as cst

    return isinstance(node, cst.Name) and node.value == "False"


def elements(node: Any) -> list[Any]:
    """The items of a list or tuple display; any other node as a list of one."""
    import libcst as cst

    if isinstance(node, (cst.List, cst.Tuple)):
        return [e.value for e in node.elements if not isinstance(e, cst.StarredElement)]
    return [node]


def body(fn: cst.FunctionDef) -> Sequence[Any]:
    """The statements of a function (none for a one-line ``def f(): ...``)."""
    block = fn.body
    return block.body if hasattr(block, "body") else ()


def parameters(fn: cst.FunctionDef) -> list[tuple[str, Any]]:
    """(name, default node or None) of each named parameter."""
    params = fn.params
    return [
        (p.name.value, p.default)
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
    ]


def target_names(node: Any) -> list[str]:
    """The names an assignment or ``for`` target binds (``a, (b, c)`` → a, b, c)."""
    import libcst as cst

    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        names = []
        for element in node.elements:
            names.extend(target_names(element.value))
        return names
    return []


def is_inert(stmt: Any) -> bool:
    """A docstring, ``pass`` or ``...`` line: runs nothing."""
    import libcst as cst

    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if isinstance(small, cst.Pass):
            continue
        if isinstance(small, cst.Expr) and isinstance(
            small.value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)
        ):
            continue
        return False
    return True


def walk(node: Any) -> Iterator[Any]:
    """Every CST node under ``node`` (itself first) except whitespace and punctuation.

    Reads the dataclass fields directly: libcst's ``children`` property runs a visitor per
    node, which made walking the functions' bodies the slowest part of reading a file.
    """
    import libcst as cst

    base = cst.CSTNode
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
            continue
        yield item
        names = _FIELDS.get(type(item))
        if names is None:
            names = _FIELDS[type(item)] = _node_fields(item)
        found: list[Any] = []
        for name in names:
            value = getattr(item, name, None)
            if value is None or isinstance(value, (str, bool, int)):
                continue
            if isinstance(value, (list, tuple)):
                found.extend(v for v in value if _is_node(v, base))
            elif _is_node(value, base):
                found.append(value)
        stack.extend(reversed(found))


def _node_fields(item: Any) -> tuple[str, ...]:
    return tuple(
        name
        for name in getattr(item, "__dataclass_fields__", {})
        if not name.startswith(_SKIPPED_FIELDS) and name not in _PUNCTUATION
    )


def _is_node(value: Any, base: type) -> bool:
    kind = type(value)
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = isinstance(value, base)
    return found


_SKIPPED_FIELDS = ("whitespace", "leading_lines", "lines_after", "trailing")
_PUNCTUATION = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "semicolon",
        "colon",
        "equal",
        "dot",
        "star",
        "header",
        "footer",
        "newline",
        "indent",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "asynchronous",
        "arrow",
        "operator",
    }
)
# Per node class (not per run): which fields hold child nodes, and whether a type is a node.
_FIELDS: dict[type, tuple[str, ...]] = {}
_NODE_TYPES: dict[type, bool] = {}
