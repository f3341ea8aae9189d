"""One revision file → :class:`AlembicFile`: parsed once with libcst, both functions read."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pglint.model.statements import SyntaxProblem
from pglint.sources.alembic.blocks import read_function
from pglint.sources.alembic.scope import scan_module
from pglint.sources.alembic.spans import Spans, line_starts
from pglint.sources.alembic.syntax import body, dotted, is_inert
from pglint.sources.alembic.values import Dynamic, const
from pglint.sources.sql import ParsedSql

if TYPE_CHECKING:
    import libcst as cst


@dataclass(frozen=True, slots=True)
class AlembicFile:
    """What pglint reads from one Alembic revision file."""

    revision: str | None
    down_revisions: tuple[str, ...]
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]
    declares_revision: bool
    has_upgrade: bool
    has_downgrade: bool
    #: Why the migration is declared irreversible (downgrade() raises), or None.
    irreversible: str | None
    up: ParsedSql
    down: ParsedSql
    error: SyntaxProblem | None = None


def read(text: str) -> AlembicFile:
    """Read a revision file; one that Python cannot parse gives its revision variables and
    the syntax error."""
    import libcst as cst

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return _metadata_only(text, _syntax_problem(text, error))
    except Exception as error:  # libcst rejects some inputs with other errors
        problem = SyntaxProblem(f"Python file could not be parsed: {error}", 0, 1)
        return _metadata_only(text, problem)
    names = scan_module(module)
    spans = Spans(text, module, {id(fn.name) for fn in names.functions.values()})
    revision = names.value("revision")
    return AlembicFile(
        revision=revision if isinstance(revision, str) else None,
        down_revisions=_names_of(names.value("down_revision")),
        depends_on=_names_of(names.value("depends_on")),
        branch_labels=_names_of(names.value("branch_labels")),
        declares_revision="revision" in names.assigned,
        has_upgrade="upgrade" in names.functions,
        has_downgrade="downgrade" in names.functions,
        irreversible=_irreversible(names.functions.get("downgrade")),
        up=read_function(names, spans, names.functions.get("upgrade"), "up"),
        down=read_function(names, spans, names.functions.get("downgrade"), "down"),
    )


def _syntax_problem(text: str, error: Any) -> SyntaxProblem:
    """The syntax error as CPython words it when it agrees (clearer), else as libcst does."""
    line = max(1, int(getattr(error, "raw_line", 1) or 1))
    column = max(0, int(getattr(error, "raw_column", 0) or 0))
    message = str(getattr(error, "message", "") or error).strip()
    message = message.removeprefix("parser error: ")
    message = re.sub(r"^error at \d+:\d+: ", "", message)
    expected = re.match(r"expected one of (.*)", message)
    if expected:
        tokens = expected.group(1).split(", ")
        message = "expected one of " + ", ".join(tokens[:6]) + (", …" if len(tokens) > 6 else "")
    try:
        ast.parse(text)
    except SyntaxError as python_error:
        if python_error.lineno:
            line, column = python_error.lineno, max(0, (python_error.offset or 1) - 1)
            message = python_error.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    starts = line_starts(text)
    offset = min(len(text), starts[min(line, len(starts)) - 1] + column)
    return SyntaxProblem(f"Python syntax error: {message}", offset, min(len(text), offset + 1))


_ASSIGN = re.compile(
    r"^(revision|down_revision|depends_on|branch_labels)\s*(?::[^=\n]*)?=\s*(.+)$", re.M
)


def _metadata_only(text: str, problem: SyntaxProblem) -> AlembicFile:
    """A file Python cannot parse: the revision variables read line by line, one problem."""
    values: dict[str, tuple[str, ...]] = {}
    for match in _ASSIGN.finditer(text):
        try:
            value = ast.literal_eval(match.group(2).split("#", 1)[0].strip())
        except (ValueError, SyntaxError):
            continue
        values[match.group(1)] = _names_of(value)
    revision = values.get("revision", ())
    return AlembicFile(
        revision=revision[0] if revision else None,
        down_revisions=values.get("down_revision", ()),
        depends_on=values.get("depends_on", ()),
        branch_labels=values.get("branch_labels", ()),
        declares_revision="revision" in values,
        has_upgrade="def upgrade" in text,
        has_downgrade="def downgrade" in text,
        irreversible=None,
        up=ParsedSql([], [problem]),
        down=ParsedSql(),
        error=problem,
    )


def _names_of(value: object) -> tuple[str, ...]:
    """Revision ids given as None, one string, or a collection of strings."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _irreversible(fn: cst.FunctionDef | None) -> str | None:
    """Why ``downgrade()`` declares the migration irreversible: it raises
    NotImplementedError, or its first statement raises anything."""
    import libcst as cst

    if fn is None:
        return None
    statements = [s for s in body(fn) if not is_inert(s)]
    for index, stmt in enumerate(statements):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.Raise) or small.exc is None:
                continue
            exc = small.exc
            name = dotted(exc.func if isinstance(exc, cst.Call) else exc) or ""
            if not (name.endswith("NotImplementedError") or index == 0):
                continue
            message = ""
            if isinstance(exc, cst.Call) and exc.args:
                try:
                    value = const(exc.args[0].value, {})
                    message = value if isinstance(value, str) else ""
                except Dynamic:
                    message = ""
            return message or f"downgrade() raises {name or 'an exception'}"
    return None
