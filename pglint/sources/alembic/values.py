"""Python values known without running the migration: literals, constants, call arguments.

Anything that cannot be known raises :class:`Dynamic`, whose message says why; callers turn
it into a ``dynamic-sql-not-analysed`` placeholder or fall back to a default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pglint.sources.alembic.strings import literal
from pglint.sources.alembic.syntax import callee_last

if TYPE_CHECKING:
    import libcst as cst

    from pglint.sources.alembic.scope import Scope


class Dynamic(Exception):
    """The value of an argument cannot be known statically (the reason is the message)."""


@dataclass(frozen=True, slots=True)
class Known:
    """A value known from the context (a loop item, a helper's argument), not a CST node."""

    value: object


def const(node: Any, constants: dict[str, Any], depth: int = 0) -> Any:
    """The Python value of a literal expression (names resolved through ``constants``)."""
    import libcst as cst

    if isinstance(node, Known):
        return node.value
    if depth > 20:
        raise Dynamic("a value defined too indirectly")
    if isinstance(node, cst.SimpleString):
        found = literal(node.value, 0)
        if found is None:
            raise Dynamic("a bytes value")
        return found.value
    if isinstance(node, cst.ConcatenatedString):
        left = const(node.left, constants, depth + 1)
        right = const(node.right, constants, depth + 1)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        raise Dynamic("an f-string")
    if isinstance(node, cst.FormattedString):
        return _fstring(node, constants, depth)
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Float):
        return float(node.value.replace("_", ""))
    if isinstance(node, cst.Name):
        if node.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.value]
        if node.value in constants:
            try:
                return const(constants[node.value], constants, depth + 1)
            except Dynamic:
                raise Dynamic(f"the variable {node.value}") from None
        raise Dynamic(f"the variable {node.value}")
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = const(node.expression, constants, depth + 1)
        if isinstance(value, (int, float)):
            return -value
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        items = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                raise Dynamic("a starred list")
            items.append(const(element.value, constants, depth + 1))
        return tuple(items) if isinstance(node, cst.Tuple) else items
    if isinstance(node, cst.Dict):
        result = {}
        for entry in node.elements:
            if not isinstance(entry, cst.DictElement):
                raise Dynamic("a dict with ** entries")
            result[const(entry.key, constants, depth + 1)] = const(
                entry.value, constants, depth + 1
            )
        return result
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left = const(node.left, constants, depth + 1)
        right = const(node.right, constants, depth + 1)
        if type(left) is type(right) and isinstance(left, (str, int, float, list, tuple)):
            return left + right
    if (
        isinstance(node, cst.Call)
        and callee_last(node) in ("f", "conv", "quoted_name")
        and node.args
    ):
        return const(node.args[0].value, constants, depth + 1)
    raise Dynamic("a value pglint cannot compute")


def _fstring(node: cst.FormattedString, constants: dict[str, Any], depth: int) -> str:
    """An f-string whose replacement fields are known strings or integers, without
    conversions or format specs (``f"ix_{TABLE}"`` with a module constant TABLE)."""
    import libcst as cst

    parts = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            if "{" in part.value or "}" in part.value or "\\" in part.value:
                raise Dynamic("an f-string")  # ({{, }} and escapes: not worth decoding)
            parts.append(part.value)
            continue
        if not isinstance(part, cst.FormattedStringExpression):
            raise Dynamic("an f-string")
        if part.conversion is not None or part.format_spec is not None or part.equal:
            raise Dynamic("an f-string")
        try:
            value = const(part.expression, constants, depth + 1)
        except Dynamic:
            raise Dynamic("an f-string") from None
        if type(value) not in (str, int):
            raise Dynamic("an f-string")
        parts.append(str(value))
    return "".join(parts)


# --- arguments of a call ----------------------------------------------------------------------


def bind_args(call: cst.Call, params: Sequence[str]) -> dict[str, Any]:
    """Arguments of ``call`` by parameter name (``*name`` collects the remaining positionals)."""
    bound: dict[str, Any] = {}
    index = 0
    rest: list[Any] = []
    star = next((p for p in params if p.startswith("*")), None)
    plain = [p for p in params if not p.startswith("*")]
    for arg in call.args:
        if arg.star:
            raise Dynamic("passes arguments with * or **")
        if arg.keyword is not None:
            bound[arg.keyword.value] = arg.value
            continue
        if star is not None and index >= params.index(star):
            rest.append(arg.value)
        elif index < len(plain):
            bound[plain[index]] = arg.value
        index += 1
    if star is not None:
        bound[star] = rest
    return bound


def arg(call: cst.Call, position: int, keyword: str) -> Any:
    """The node of one argument, given by keyword or at ``position``; None when absent."""
    for found in call.args:
        if found.keyword is not None and found.keyword.value == keyword:
            return found.value
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    return positional[position] if position < len(positional) else None


def kwarg_const(call: cst.Call, keyword: str, scope: Scope) -> Any:
    """The value of a keyword argument; None when absent."""
    for found in call.args:
        if found.keyword is not None and found.keyword.value == keyword:
            return const(found.value, scope.constants)
    return None


def str_value(node: Any, scope: Scope, what: str) -> str:
    """A required string argument (``what`` names it in the reason when it is not known)."""
    if node is None:
        raise Dynamic(f"has no {what}")
    try:
        value = const(node, scope.constants)
    except Dynamic as error:
        raise Dynamic(f"takes its {what} from {error}") from None
    if not isinstance(value, str):
        raise Dynamic(f"has a {what} that is not a string")
    return value


def opt_str(node: Any, scope: Scope) -> str | None:
    """An optional string argument; None when absent or not known."""
    if node is None:
        return None
    try:
        value = const(node, scope.constants)
    except Dynamic:
        return None
    return value if isinstance(value, str) else None


class UnknownName(Dynamic):
    """SQL known but for the name of the object it creates: ``sqls`` create it unnamed."""

    def __init__(self, reason: str, sqls: list[str]) -> None:
        super().__init__(reason)
        self.sqls = sqls


def name_arg(node: Any, scope: Scope, what: str, unknown: list[str]) -> str | None:
    """The optional name of an object a call creates: None when absent (Alembic's naming
    convention names it); ``""`` when it cannot be known, with the reason added to
    ``unknown`` (the caller creates the object unnamed, see :func:`known_name`)."""
    if node is None:
        return None
    try:
        value = const(node, scope.constants)
    except Dynamic as error:
        unknown.append(f"takes its {what} name from {error}")
        return ""
    if value is None or isinstance(value, str):
        return value
    unknown.append(f"has a {what} name that is not a string")
    return ""


def known_name(sqls: list[str], unknown: list[str]) -> list[str]:
    """``sqls``, or :class:`UnknownName` when a name in them could not be known."""
    if unknown:
        raise UnknownName(unknown[0], sqls)
    return sqls


def str_list(node: Any, scope: Scope) -> list[str]:
    """Column names given as one string or a list of strings."""
    if node is None:
        return []
    try:
        value = const(node, scope.constants)
    except Dynamic as error:
        raise Dynamic(f"takes its column names from {error}") from None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise Dynamic("has column names pglint cannot read")


def opt_str_list(node: Any, scope: Scope) -> list[str]:
    try:
        return str_list(node, scope)
    except Dynamic:
        return []


def bool_value(node: Any, scope: Scope) -> bool:
    try:
        value = const(node, scope.constants)
    except Dynamic as error:
        raise Dynamic(f"takes a flag from {error}") from None
    return bool(value)


def opt_bool(node: Any, scope: Scope) -> bool:
    """An optional flag: False when absent."""
    if node is None:
        return False
    return bool_value(node, scope)
