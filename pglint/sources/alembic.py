"""Alembic migrations: the ``op.*`` calls of ``upgrade()`` / ``downgrade()`` → statements.

The file is read once with libcst's native parser. Each ``op.*`` call becomes the SQL that
Alembic sends to PostgreSQL for it (``op.add_column("t", sa.Column("x", sa.String(40),
nullable=False))`` → ``ALTER TABLE t ADD COLUMN x varchar(40) NOT NULL``), parsed with pglast
into the same :class:`Statement` objects SQL files give, and located at the call. SQL strings
handed to ``op.execute`` (plain, ``sa.text(...)``, triple-quoted, concatenated literals,
module constants) are parsed as SQL with their locations mapped into the Python string, so
findings point at the offending SQL line.

Alembic runs each migration in one transaction on PostgreSQL (transactional DDL), except
what runs inside ``with op.get_context().autocommit_block():``. That is made explicit with
synthetic ``BEGIN`` / ``COMMIT`` statements: ``BEGIN`` at the ``def`` line, ``COMMIT``
before each autocommit block and ``BEGIN`` after it, ``COMMIT`` at the end. A function
without statements gets none, so an empty ``downgrade()`` stays empty.

What cannot be known statically (SQL from f-strings, ``%`` or ``.format``, variables, calls
of helpers that cannot be followed, loops over values that are not literals, op methods
pglint does not know) becomes one placeholder statement of kind :data:`UNANALYSED` at that
call; the ``dynamic-sql-not-analysed`` rule reports it. Python syntax errors become
``syntax-error`` problems at the place libcst reports.
"""

from __future__ import annotations

import ast
import codecs
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from pglint.model.statements import Statement, SyntaxProblem
from pglint.sources.positions import FixedOffset
from pglint.sources.sql import ParsedSql, parse_sql

#: Kind of the placeholder statement for a call whose SQL cannot be known statically.
UNANALYSED = "UnanalysedCall"


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


def parse_alembic(text: str, role: str = "up") -> ParsedSql:
    """Statements of ``upgrade()`` (role ``up``) or ``downgrade()`` (role ``down``)."""
    found = read_alembic(text)
    parsed = found.down if role == "down" else found.up
    return ParsedSql(list(parsed.statements), list(parsed.problems))


@lru_cache(maxsize=4096)
def read_alembic(text: str) -> AlembicFile:
    """Read a revision file (cached by its text: the layout and the linter share one parse)."""
    import libcst as cst

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return _broken(text, error)
    except Exception as error:  # libcst rejects some inputs with other errors
        problem = SyntaxProblem(f"Python file could not be parsed: {error}", 0, 1)
        return _metadata_only(text, problem)
    return _Reader(text, module).read()


def _broken(text: str, error: Any) -> AlembicFile:
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
    starts = _line_starts(text)
    offset = min(len(text), starts[min(line, len(starts)) - 1] + column)
    problem = SyntaxProblem(f"Python syntax error: {message}", offset, min(len(text), offset + 1))
    return _metadata_only(text, problem)


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
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _line_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


# --- positions ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _offset_state() -> type:
    """A libcst codegen state that only counts characters and records spans of chosen nodes.

    Generating the module's code visits every node in source order and, libcst being
    lossless, produces the file's text; counting characters instead of keeping them gives
    each chosen node's character span at a fraction of PositionProvider's cost.
    """
    from libcst._nodes.internal import CodegenState

    class OffsetState(CodegenState):
        def __init__(self, indent: str, newline: str, wanted: frozenset, extra: set[int]):
            super().__init__(default_indent=indent, default_newline=newline)
            self.offset = 0
            self.spans: dict[int, tuple[int, int]] = {}
            self._stack: list[int] = []
            self._wanted = wanted
            self._extra = extra

        def add_token(self, value: str) -> None:
            self.offset += len(value)

        def add_indent_tokens(self) -> None:
            for token in self.indent_tokens:
                self.offset += len(token)

        def pop_trailing_newline(self) -> None:
            pass

        def before_codegen(self, node: Any) -> None:
            if type(node) in self._wanted or id(node) in self._extra:
                self._stack.append(self.offset)

        def after_codegen(self, node: Any) -> None:
            if type(node) in self._wanted or id(node) in self._extra:
                self.spans[id(node)] = (self._stack.pop(), self.offset)

    return OffsetState


def _spans(text: str, module: Any, extra: set[int]) -> dict[int, tuple[int, int]]:
    import libcst as cst

    wanted = frozenset(
        {
            cst.Call,
            cst.SimpleString,
            cst.ConcatenatedString,
            cst.FormattedString,
            cst.For,
            cst.While,
            cst.With,
        }
    )
    try:
        state = _offset_state()(module.default_indent, module.default_newline, wanted, extra)
        module._codegen(state)
        if state.offset in (len(text), len(text) + 1):
            return state.spans
    except Exception:  # fall back to libcst's own provider below
        pass
    return _provider_spans(text, module, wanted, extra)


def _provider_spans(
    text: str, module: Any, wanted: frozenset, extra: set[int]
) -> dict[int, tuple[int, int]]:
    from libcst.metadata import MetadataWrapper, WhitespaceInclusivePositionProvider

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(WhitespaceInclusivePositionProvider)
    starts = _line_starts(text)

    def offset(pos: Any) -> int:
        return min(len(text), starts[min(pos.line, len(starts)) - 1] + pos.column)

    return {
        id(node): (offset(where.start), offset(where.end))
        for node, where in positions.items()
        if type(node) in wanted or id(node) in extra
    }


# --- string literals and their places in the file -----------------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    """A SQL string's value and, per stretch of it, where its characters are in the file."""

    value: str
    #: (value index, file offset, length), sorted; characters outside map to ``anchor``.
    segments: tuple[tuple[int, int, int], ...]
    anchor: int
    #: The string goes through SQLAlchemy's text(): ``:name`` is a bind parameter.
    bind_params: bool = False

    def __call__(self, index: int) -> int:
        """File offset of character ``index`` of the value (``len(value)``: just past it)."""
        if not self.segments:
            return self.anchor
        at = bisect_right(self.segments, (index, 1 << 62, 0)) - 1
        if at < 0:
            return self.segments[0][1]
        start, offset, length = self.segments[at]
        if index - start <= length:
            return offset + (index - start)
        return offset + length

    def exact(self) -> int | None:
        """The file offset of the value's start when the value is one unbroken stretch."""
        if len(self.segments) == 1 and self.segments[0][2] == len(self.value):
            return self.segments[0][1]
        return None

    def __add__(self, other: _Text) -> _Text:
        shift = len(self.value)
        moved = tuple((s + shift, o, n) for s, o, n in other.segments)
        return _Text(
            self.value + other.value,
            self.segments + moved,
            self.anchor,
            self.bind_params or other.bind_params,
        )


_ESCAPE = re.compile(
    r"\\(?:\n|N\{[^}]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)", re.S
)
_PREFIX = re.compile(r"^([a-zA-Z]*)('''|\"\"\"|'|\")")


def _literal(source: str, offset: int) -> _Text | None:
    """The value of a Python string literal written as ``source`` at ``offset``; None for bytes."""
    match = _PREFIX.match(source)
    if match is None:
        return None
    prefix, quote = match.group(1).lower(), match.group(2)
    if "b" in prefix or "f" in prefix:
        return None
    begin = len(match.group(0))
    raw = source[begin : len(source) - len(quote)]
    base = offset + begin
    if "r" in prefix or "\\" not in raw:
        return _Text(raw, ((0, base, len(raw)),), base)
    segments: list[tuple[int, int, int]] = []
    pieces: list[str] = []
    length = 0
    last = 0
    for escape in _ESCAPE.finditer(raw):
        if escape.start() > last:
            plain = raw[last : escape.start()]
            segments.append((length, base + last, len(plain)))
            pieces.append(plain)
            length += len(plain)
        try:
            decoded = codecs.decode(escape.group(0), "unicode_escape")
        except UnicodeDecodeError:
            decoded = escape.group(0)
        if escape.group(0) == "\\\n":
            decoded = ""
        for char in decoded:
            segments.append((length, base + escape.start(), 0))
            pieces.append(char)
            length += 1
        last = escape.end()
    if last < len(raw):
        segments.append((length, base + last, len(raw) - last))
        pieces.append(raw[last:])
    value = "".join(pieces)
    try:
        expected = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        expected = value
    if expected != value and expected != value.replace("\r\n", "\n").replace("\r", "\n"):
        # Python reads a CRLF inside a literal as LF; anything else unexpected: the value
        # Python gives, every character located at the string's start.
        return _Text(expected, (), base)
    return _Text(value, tuple(segments), base)


class _Dynamic(Exception):
    """The value of an argument cannot be known statically (the reason is the message)."""


# --- SQL rendering helpers -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _keywords() -> frozenset[str]:
    from pglast import keywords

    return frozenset(
        keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS | keywords.COL_NAME_KEYWORDS
    )


_PLAIN_IDENT = re.compile(r"[a-z_][a-z0-9_$]*")


def _ident(name: str) -> str:
    """A name as SQLAlchemy quotes it: bare when lower case and not a keyword."""
    if _PLAIN_IDENT.fullmatch(name) and name not in _keywords():
        return name
    return '"' + name.replace('"', '""') + '"'


def _qualified(name: str, schema: str | None) -> str:
    return f"{_ident(schema)}.{_ident(name)}" if schema else _ident(name)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def _without_binds(sql: str) -> tuple[str, bool]:
    """SQLAlchemy text(): ``:name`` → ``$1`` (same length), ``\\:`` → `` :``."""
    found = False

    def placeholder(match: re.Match[str]) -> str:
        nonlocal found
        found = True
        return "$1".ljust(len(match.group(0)))

    sql = _BIND.sub(placeholder, sql)
    if "\\:" in sql:
        sql = sql.replace("\\:", " :")
    return sql, found


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
_SERIAL = {"integer": "SERIAL", "bigint": "BIGSERIAL", "smallint": "SMALLSERIAL"}
#: SQLAlchemy's ANSI functions, rendered without parentheses.
_NO_PARENS = frozenset(
    {
        "current_timestamp",
        "current_date",
        "current_time",
        "localtime",
        "localtimestamp",
        "current_user",
        "session_user",
        "user",
    }
)
_CONSTRAINT_ARGS = frozenset(
    {
        "ForeignKey",
        "Identity",
        "Computed",
        "Sequence",
        "CheckConstraint",
        "FetchedValue",
        "DefaultClause",
        "UniqueConstraint",
    }
)


@dataclass(slots=True)
class _Column:
    name: str
    type_sql: str
    type_base: str | None = None  # integer/bigint/smallint for SERIAL
    nullable: bool | None = None
    primary_key: bool = False
    default: str | None = None
    identity: str | None = None
    computed: str | None = None
    foreign_keys: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    unique: bool = False
    index: bool = False
    autoincrement: object = "auto"
    client_default: bool = False
    enum: tuple[str, str | None, tuple[str, ...], bool] | None = (
        None  # name, schema, values, create
    )


# --- the reader -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Scope:
    """Names known while reading one function body."""

    ops: set[str]
    alembic: set[str]
    binds: set[str] = field(default_factory=set)
    contexts: set[str] = field(default_factory=set)
    batches: dict[str, tuple[str, str | None, bool]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    sessions: set[str] = field(default_factory=set)
    autocommit: bool = False
    depth: int = 0
    helpers: tuple[str, ...] = ()

    def copy(self) -> _Scope:
        return _Scope(
            set(self.ops),
            set(self.alembic),
            set(self.binds),
            set(self.contexts),
            dict(self.batches),
            dict(self.constants),
            dict(self.tables),
            set(self.unknown),
            set(self.sessions),
            self.autocommit,
            self.depth,
            self.helpers,
        )


_SAFE_MODULES = frozenset(
    {"logging", "warnings", "sys", "os", "time", "datetime", "json", "uuid", "re", "typing"}
)
#: Calls given the connection that only read the catalog (reflection).
_READ_ONLY_CALLS = frozenset({"inspect", "from_engine", "Inspector", "MetaData", "reflect"})
_IGNORED_OP_METHODS = frozenset(
    {
        "f",
        "get_bind",
        "get_context",
        "inline_literal",
        "implementation_for",
        "register_operation",
        "batch_alter_table",
        "context",
        "impl",
        "migration_context",
    }
)
_DEFAULT_ROLE_FUNCTION = {"up": "upgrade", "down": "downgrade"}


class _Reader:
    def __init__(self, text: str, module: Any) -> None:
        import libcst as cst

        self.cst = cst
        self.text = text
        self.module = module
        self.ops: set[str] = set()
        self.alembic: set[str] = set()
        self.contexts: set[str] = set()
        self.imported: dict[str, str] = {}  # local name → module it comes from
        self.constants: dict[str, Any] = {}
        self.assigned: dict[str, int] = {}
        self.functions: dict[str, Any] = {}
        self._scan(module.body)
        for name, count in self.assigned.items():
            if count > 1:
                self.constants.pop(name, None)
        extra = {id(fn.name) for fn in self.functions.values()}
        self.spans = _spans(text, module, extra)
        self.statements: list[Any] = []
        self.problems: list[SyntaxProblem] = []
        self.role = "up"

    # -- module level ----------------------------------------------------------------------

    def _scan(self, body: Sequence[Any]) -> None:
        cst = self.cst
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._scan_small(small)
            elif isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.If):
                self._scan(stmt.body.body)
                if stmt.orelse is not None:
                    orelse = stmt.orelse
                    self._scan(orelse.body.body if hasattr(orelse.body, "body") else [orelse])
            elif isinstance(stmt, cst.Try):
                self._scan(stmt.body.body)

    def _scan_small(self, small: Any) -> None:
        cst = self.cst
        if isinstance(small, cst.ImportFrom) and not small.relative:
            source = _dotted(small.module) or ""
            if isinstance(small.names, cst.ImportStar):
                if source == "alembic.op":
                    self.ops.add("*")
                return
            for alias in small.names:
                name = _dotted(alias.name) or ""
                local = alias.asname.name.value if alias.asname else name
                self.imported[local] = source
                if source == "alembic" and name == "op":
                    self.ops.add(local)
                elif source == "alembic" and name == "context":
                    self.contexts.add(local)
        elif isinstance(small, cst.Import):
            for alias in small.names:
                name = _dotted(alias.name) or ""
                local = alias.asname.name.value if alias.asname else name.split(".")[0]
                self.imported[local] = name
                if name == "alembic.op" and alias.asname:
                    self.ops.add(local)
                elif name.split(".")[0] == "alembic":
                    self.alembic.add(local)
        elif isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
            )
            for target in targets:
                if isinstance(target, cst.Name) and small.value is not None:
                    self.assigned[target.value] = self.assigned.get(target.value, 0) + 1
                    self.constants[target.value] = small.value

    def _module_value(self, name: str) -> object:
        node = self.constants.get(name)
        if node is None:
            return None
        try:
            return _const(node, {})
        except _Dynamic:
            return None

    # -- the whole file ----------------------------------------------------------------------

    def read(self) -> AlembicFile:
        revision = self._module_value("revision")
        up = self._function("upgrade", "up")
        down = self._function("downgrade", "down")
        return AlembicFile(
            revision=revision if isinstance(revision, str) else None,
            down_revisions=_names_of(self._module_value("down_revision")),
            depends_on=_names_of(self._module_value("depends_on")),
            branch_labels=_names_of(self._module_value("branch_labels")),
            declares_revision="revision" in self.constants or "revision" in self.assigned,
            has_upgrade="upgrade" in self.functions,
            has_downgrade="downgrade" in self.functions,
            irreversible=self._irreversible(),
            up=up,
            down=down,
        )

    def _irreversible(self) -> str | None:
        fn = self.functions.get("downgrade")
        if fn is None:
            return None
        cst = self.cst
        body = [s for s in _block(fn) if not _inert(s, cst)]
        for index, stmt in enumerate(body):
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not isinstance(small, cst.Raise) or small.exc is None:
                    continue
                exc = small.exc
                name = _dotted(exc.func if isinstance(exc, cst.Call) else exc) or ""
                message = ""
                if isinstance(exc, cst.Call) and exc.args:
                    try:
                        value = _const(exc.args[0].value, {})
                        message = value if isinstance(value, str) else ""
                    except _Dynamic:
                        message = ""
                if name.endswith("NotImplementedError") or index == 0:
                    reason = message or f"downgrade() raises {name or 'an exception'}"
                    return reason
        return None

    def _function(self, name: str, role: str) -> ParsedSql:
        fn = self.functions.get(name)
        self.statements = []
        self.problems = []
        self.role = role
        if fn is None:
            return ParsedSql()
        scope = _Scope(set(self.ops), set(self.alembic), contexts=set(self.contexts))
        scope.helpers = (name,)
        for param in _parameters(fn):
            if param == "op":
                scope.ops.add(param)
            elif param in ("connection", "conn", "bind"):
                scope.binds.add(param)
            else:
                scope.unknown.add(param)
        scope.constants.update({k: v for k, v in self.constants.items() if k not in scope.unknown})
        scope.constants.update(self._local_constants(fn, scope))
        self._block(_block(fn), scope)
        return ParsedSql(self._with_transactions(fn), self.problems)

    def _local_constants(self, fn: Any, scope: _Scope) -> dict[str, Any]:
        cst = self.cst
        counts: dict[str, int] = {}
        values: dict[str, Any] = {}
        for node in _walk(fn.body, cst):
            if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = (
                    [t.target for t in node.targets]
                    if isinstance(node, cst.Assign)
                    else [node.target]
                )
                for target in targets:
                    for name in _target_names(target, cst):
                        counts[name] = counts.get(name, 0) + (1 if node.value is not None else 0)
                        if isinstance(node, cst.AugAssign):
                            counts[name] += 1
                        values[name] = node.value
            elif isinstance(node, (cst.For, cst.CompFor)):
                for name in _target_names(node.target, cst):
                    counts[name] = counts.get(name, 0) + 2
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                for name in _target_names(node.asname.name, cst):
                    counts[name] = counts.get(name, 0) + 2
        local = {}
        for name, count in counts.items():
            if count == 1 and values.get(name) is not None:
                local[name] = values[name]
            else:
                scope.constants.pop(name, None)
                scope.unknown.add(name)
        return local

    # -- statements ----------------------------------------------------------------------------

    def _block(self, body: Sequence[Any], scope: _Scope) -> None:
        for stmt in body:
            self._statement(stmt, scope)

    def _statement(self, stmt: Any, scope: _Scope) -> None:
        cst = self.cst
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self._small(small, scope)
        elif isinstance(stmt, cst.BaseSmallStatement):
            self._small(stmt, scope)
        elif isinstance(stmt, cst.With):
            self._with(stmt, scope)
        elif isinstance(stmt, cst.If):
            self._block(stmt.body.body, scope)
            orelse = stmt.orelse
            while orelse is not None:
                if isinstance(orelse, cst.If):
                    self._block(orelse.body.body, scope)
                    orelse = orelse.orelse
                else:
                    self._block(orelse.body.body, scope)
                    orelse = None
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self._block(stmt.body.body, scope)
            for handler in stmt.handlers:
                self._block(handler.body.body, scope)
            if stmt.orelse is not None:
                self._block(stmt.orelse.body.body, scope)
            if stmt.finalbody is not None:
                self._block(stmt.finalbody.body.body, scope)
        elif isinstance(stmt, cst.For):
            self._for(stmt, scope)
        elif isinstance(stmt, cst.While):
            if self._runs_sql(stmt, scope):
                self._note_at(stmt, "runs op calls a number of times pglint cannot know", "while")
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            return
        elif self._runs_sql(stmt, scope):
            self._note_at(stmt, "runs op calls in a way pglint does not follow", "code")

    def _small(self, small: Any, scope: _Scope) -> None:
        cst = self.cst
        if isinstance(small, cst.Expr):
            value = small.value
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call):
                self._call(value, scope)
            elif self._runs_sql(value, scope):
                self._note_at(
                    value, "runs op calls in an expression pglint does not follow", "code"
                )
        elif isinstance(small, (cst.Assign, cst.AnnAssign)):
            value = small.value
            if value is None:
                return
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
            )
            names = [t.value for t in targets if isinstance(t, cst.Name)]
            self._assignment(names, value, scope)
        elif isinstance(small, cst.ImportFrom) and not small.relative:
            if _dotted(small.module) == "alembic" and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    if _dotted(alias.name) == "op":
                        scope.ops.add(alias.asname.name.value if alias.asname else "op")
        elif isinstance(small, (cst.Return, cst.AugAssign)):
            value = small.value
            if value is not None and isinstance(value, cst.Call) and self._target(value, scope):
                self._call(value, scope)

    def _assignment(self, names: list[str], value: Any, scope: _Scope) -> None:
        cst = self.cst
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            if isinstance(value, cst.Attribute) and value.attr.value in ("bind", "connection"):
                scope.binds.update(names)
            return
        callee = _dotted(value.func) or ""
        last = callee.rsplit(".", 1)[-1]
        target = self._target(value, scope)
        if target is not None and target[0] in ("op", "batch") and target[1] == "get_bind":
            scope.binds.update(names)
            return
        if target is not None and target[0] in ("op", "batch") and target[1] == "get_context":
            scope.contexts.update(names)
            return
        if last in ("table", "Table") and value.args:
            try:
                table = _const(value.args[0].value, scope.constants)
                schema = _kwarg_const(value, "schema", scope)
            except _Dynamic:
                return
            if isinstance(table, str):
                for name in names:
                    scope.tables[name] = (table, schema if isinstance(schema, str) else None)
            return
        if last in _READ_ONLY_CALLS:
            return
        if last in ("Session", "sessionmaker", "session") or any(
            self._is_bind(arg.value, scope) for arg in value.args
        ):
            # An ORM session (or anything else) on the migration's connection: its execute()
            # is read like the connection's, the rest of what it does cannot be seen.
            scope.binds.update(names)
            scope.sessions.update(names)
            self._note(
                value,
                "opens a session on the migration's connection, and the queries and writes of "
                "its ORM methods are not SQL pglint can read",
                callee or "session",
            )
            return
        if target is not None and target[:2] == ("op", "create_table") and value.args:
            try:
                table = _const(value.args[0].value, scope.constants)
                schema = _kwarg_const(value, "schema", scope)
            except _Dynamic:
                table = None
            if isinstance(table, str):
                for name in names:
                    scope.tables[name] = (table, schema if isinstance(schema, str) else None)
        if target is not None:
            self._call(value, scope)
        elif self._runs_sql(value, scope):
            self._note_at(value, "runs op calls in an expression pglint does not follow", "code")

    def _with(self, stmt: Any, scope: _Scope) -> None:
        cst = self.cst
        inner = scope.copy()
        autocommit: Any = None
        for item in stmt.items:
            call = item.item
            if not isinstance(call, cst.Call):
                continue
            target = self._target(call, scope)
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "autocommit_block":
                autocommit = call
                continue
            if target is not None and target[1] == "batch_alter_table":
                try:
                    table = _const(_arg(call, 0, "table_name"), scope.constants)
                    schema = _kwarg_const(call, "schema", scope)
                    recreate = _kwarg_const(call, "recreate", scope)
                except _Dynamic as error:
                    self._note(
                        call,
                        f"batch_alter_table() on a table pglint cannot name ({error})",
                        "op.batch_alter_table",
                    )
                    table = None
                    recreate = None
                if item.asname is not None and isinstance(item.asname.name, cst.Name):
                    name = item.asname.name.value
                    inner.unknown.discard(name)
                    if isinstance(table, str):
                        inner.batches[name] = (
                            table,
                            schema if isinstance(schema, str) else None,
                            recreate == "always",
                        )
                    else:
                        inner.unknown.add(name)
                if recreate == "always":
                    self._note(
                        call,
                        "recreates the table (recreate='always'): the copy of the table is not analysed",
                        "op.batch_alter_table",
                    )
        if autocommit is None:
            self._block(stmt.body.body, inner)
            return
        span = self._header(autocommit)
        self.statements.append(("COMMIT", span))
        inner.autocommit = True
        self._block(stmt.body.body, inner)
        self.statements.append(("BEGIN", span))

    def _for(self, stmt: Any, scope: _Scope) -> None:
        cst = self.cst
        if not self._runs_sql(stmt.body, scope):
            return
        try:
            values = _const(stmt.iter, scope.constants)
        except _Dynamic:
            values = None
        names = _target_names(stmt.target, cst)
        if (
            isinstance(values, (list, tuple))
            and len(values) <= 50
            and isinstance(stmt.target, cst.Name)
            and stmt.orelse is None
        ):
            for value in values:
                inner = scope.copy()
                inner.constants[names[0]] = _Value(value)
                inner.unknown.discard(names[0])
                self._block(stmt.body.body, inner)
            return
        self._note_at(
            stmt, "runs op calls for values pglint cannot know (not a literal list)", "for"
        )

    # -- calls -------------------------------------------------------------------------------------

    def _root_is_op(self, node: Any, scope: _Scope) -> bool:
        cst = self.cst
        if isinstance(node, cst.Name):
            return node.value in scope.ops or ("*" in scope.ops and node.value == "op")
        return (
            isinstance(node, cst.Attribute)
            and node.attr.value == "op"
            and isinstance(node.value, cst.Name)
            and node.value.value in scope.alembic
        )

    def _target(self, call: Any, scope: _Scope) -> tuple | None:
        """What a call is: (op, method), (batch, method, table), (bind, method), (helper, fn)."""
        cst = self.cst
        func = call.func
        if isinstance(func, cst.Name):
            if func.value in self.functions and func.value not in scope.helpers:
                return ("helper", func.value)
            return None
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        owner = func.value
        if self._root_is_op(owner, scope):
            return ("op", method)
        if isinstance(owner, cst.Name):
            if owner.value in scope.batches:
                return ("batch", method, scope.batches[owner.value])
            if owner.value in scope.binds:
                return ("bind", method)
        if isinstance(owner, cst.Call):
            inner = self._target(owner, scope)
            if inner is not None and inner[0] == "op" and inner[1] == "get_bind":
                return ("bind", method)
        return None

    def _call(self, call: Any, scope: _Scope) -> None:
        target = self._target(call, scope)
        if target is None:
            enum = self._enum_ddl(call, scope)
            if enum is not None:
                self._emit(call, enum, _dotted(call.func) or "create")
                return
            if self._suspicious(call, scope):
                callee = _dotted(call.func) or "this call"
                self._note(call, self._why_suspicious(call, scope), callee)
            return
        kind = target[0]
        if kind == "helper":
            self._helper(call, target[1], scope)
            return
        method = target[1]
        label = f"op.{method}" if kind == "op" else f"{_dotted(call.func) or method}"
        if kind == "bind":
            if method in ("execute", "exec_driver_sql"):
                self._execute(call, scope, text_binds=method == "execute", label=label)
            elif method in ("commit", "rollback") and not self._on_session(call, scope):
                self._note(
                    call,
                    "ends the migration's transaction part-way",
                    label,
                    message=f"{label}(…) ends the migration's transaction part-way: the "
                    "statements after it run in a new transaction, which pglint does not model",
                )
            return
        batch = target[2] if kind == "batch" else None
        if method == "execute":
            self._execute(call, scope, text_binds=True, label=label)
            return
        generate = _GENERATORS.get(method)
        if generate is None:
            if method in _IGNORED_OP_METHODS:
                return
            self._note(call, "is an operation pglint does not translate to SQL", label)
            return
        try:
            sqls = generate(self, call, scope, batch)
        except _Dynamic as error:
            self._note(call, str(error), label)
            return
        self._emit(call, sqls, label)

    def _enum_ddl(self, call: Any, scope: _Scope) -> list[str] | None:
        """``postgresql.ENUM(..., name="x").create(op.get_bind())`` → CREATE TYPE (or DROP TYPE)."""
        cst = self.cst
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("create", "drop"):
            return None
        if not call.args or not self._is_bind(call.args[0].value, scope):
            return None
        owner = func.value
        if isinstance(owner, cst.Name):
            owner = scope.constants.get(owner.value)
        if not isinstance(owner, cst.Call) or _callee_last(owner) not in ("Enum", "ENUM"):
            return None
        try:
            type_sql, _, info = _enum(owner, scope)
        except _Dynamic:
            return None
        if info is None:
            return None
        checkfirst = _opt_bool(_arg(call, 1, "checkfirst"), scope)
        if func.attr.value == "drop":
            return [f"DROP TYPE {'IF EXISTS ' if checkfirst else ''}{type_sql}"]
        return [f"CREATE TYPE {type_sql} AS ENUM ({', '.join(_quote(v) for v in info[2])})"]

    def _on_session(self, call: Any, scope: _Scope) -> bool:
        owner = call.func.value if isinstance(call.func, self.cst.Attribute) else None
        return isinstance(owner, self.cst.Name) and owner.value in scope.sessions

    def _is_bind(self, node: Any, scope: _Scope) -> bool:
        cst = self.cst
        if isinstance(node, cst.Name):
            return node.value in scope.binds
        if isinstance(node, cst.Call):
            target = self._target(node, scope)
            return target is not None and target[:2] == ("op", "get_bind")
        return False

    def _why_suspicious(self, call: Any, scope: _Scope) -> str:
        cst = self.cst
        func = call.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return "calls a function chosen at run time"
        for arg in call.args:
            if isinstance(arg.value, cst.Name) and arg.value.value in scope.ops:
                return "is a helper defined outside this file and is given op"
        if any(self._is_bind(arg.value, scope) for arg in call.args):
            return "is given the migration's connection (a helper defined outside this file)"
        return "is a helper defined outside this file that may run SQL"

    def _suspicious(self, call: Any, scope: _Scope) -> bool:
        """A call pglint does not follow that may run SQL: it is given op or a connection,
        or it is an imported helper (not a logging or standard-library call)."""
        cst = self.cst
        for arg in call.args:
            value = arg.value
            if isinstance(value, cst.Name) and (
                value.value in scope.ops or value.value in scope.binds
            ):
                return True
            if isinstance(value, cst.Call) and self._target(value, scope) in (
                ("op", "get_bind"),
                ("op", "get_context"),
            ):
                return True
        func = call.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return True  # globals()["upgrade_%s" % name]() and other computed calls
        root = func
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Call):
            return self._target(root, scope) is not None
        if not isinstance(root, cst.Name):
            return False
        source = self.imported.get(root.value)
        if source is None:
            return False
        top = source.split(".")[0]
        return top not in _SAFE_MODULES and top not in ("sqlalchemy", "alembic")

    def _helper(self, call: Any, name: str, scope: _Scope) -> None:
        fn = self.functions[name]
        if scope.depth >= 4:
            self._note(call, "calls helpers too deeply nested to follow", f"{name}")
            return
        inner = _Scope(set(self.ops), set(self.alembic), contexts=set(self.contexts))
        inner.constants.update(self.constants)
        inner.autocommit = scope.autocommit
        inner.depth = scope.depth + 1
        inner.helpers = (*scope.helpers, name)
        params = _parameter_nodes(fn, self.cst)
        bound: dict[str, Any] = {}
        for index, arg in enumerate(call.args):
            if arg.star:
                self._note(call, "passes arguments with * or ** to a helper", name)
                return
            if arg.keyword is not None:
                bound[arg.keyword.value] = arg.value
            elif index < len(params):
                bound[params[index][0]] = arg.value
        for pname, default in params:
            inner.constants.pop(pname, None)
            value = bound.get(pname, default)
            if value is None:
                inner.unknown.add(pname)
                continue
            if isinstance(value, self.cst.Name) and value.value in scope.ops:
                inner.ops.add(pname)
            elif isinstance(value, self.cst.Name) and value.value in scope.binds:
                inner.binds.add(pname)
            elif isinstance(value, self.cst.Name) and value.value in scope.batches:
                inner.batches[pname] = scope.batches[value.value]
            else:
                try:
                    inner.constants[pname] = _Value(_const(value, scope.constants))
                except _Dynamic:
                    inner.unknown.add(pname)
        inner.constants.update(self._local_constants(fn, inner))
        self._block(_block(fn), inner)

    # -- op.execute ------------------------------------------------------------------------------

    def _execute(self, call: Any, scope: _Scope, text_binds: bool, label: str) -> None:
        node = _arg(call, 0, "sqltext") or _arg(call, 0, "statement")
        if node is None:
            self._note(call, "has no SQL argument pglint can read", label)
            return
        try:
            sql = self._sql_text(node, scope, text_binds)
        except _Dynamic as error:
            self._note(call, f"runs {error}", label)
            return
        value = sql.value
        binds = False
        if sql.bind_params:
            value, binds = _without_binds(value)
        exact = sql.exact()
        base = exact if exact is not None else 0
        parsed = parse_sql(value, base=base, part=self.role, origin="python")
        if binds and parsed.problems:
            self._note(
                call,
                "runs SQL with bind parameters that does not parse without their values",
                label,
            )
            return
        if exact is None:
            parsed = _remap(parsed, sql)
        statements = parsed.statements
        top = [s for s in statements if not s.nested]
        wrap = scope.autocommit and len(top) > 1
        span = (self._span(call)[0], self._span(call)[1])
        if wrap:
            # One query of several statements runs as one implicit transaction.
            self.statements.append(("BEGIN", span))
        self.statements.extend(statements)
        if wrap:
            self.statements.append(("COMMIT", span))
        self.problems.extend(parsed.problems)

    def _sql_text(self, node: Any, scope: _Scope, binds: bool) -> _Text:
        cst = self.cst
        if isinstance(node, cst.SimpleString):
            start, _ = self._span(node)
            found = _literal(node.value, start)
            if found is None:
                raise _Dynamic("SQL given as bytes")
            return replace(found, bind_params=binds)
        if isinstance(node, cst.ConcatenatedString):
            return self._sql_text(node.left, scope, binds) + self._sql_text(
                node.right, scope, binds
            )
        if isinstance(node, cst.FormattedString):
            raise _Dynamic("SQL built with an f-string")
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Add):
                try:
                    return self._sql_text(node.left, scope, binds) + self._sql_text(
                        node.right, scope, binds
                    )
                except _Dynamic:
                    raise _Dynamic("SQL built by concatenating values pglint cannot know") from None
            if isinstance(node.operator, cst.Modulo):
                raise _Dynamic("SQL built with % formatting")
            raise _Dynamic("SQL computed by an expression")
        if isinstance(node, cst.Name):
            value = scope.constants.get(node.value)
            if isinstance(value, _Value):
                if isinstance(value.value, str):
                    anchor = self._span(node)[0]
                    return _Text(value.value, (), anchor, binds)
                raise _Dynamic(f"SQL taken from {node.value}, which is not a string")
            if value is not None and node.value not in scope.unknown:
                try:
                    return self._sql_text(value, scope, binds)
                except _Dynamic as error:
                    raise _Dynamic(f"SQL taken from the variable {node.value} ({error})") from None
            raise _Dynamic(f"SQL taken from the variable {node.value}")
        if isinstance(node, cst.Call):
            callee = _dotted(node.func) or ""
            last = _callee_last(node)
            chained = ("bindparams", "columns", "execution_options", "strip", "rstrip", "lstrip")
            if (
                isinstance(node.func, cst.Attribute)
                and last in chained
                and isinstance(
                    node.func.value, (cst.Call, cst.SimpleString, cst.ConcatenatedString, cst.Name)
                )
            ):
                return self._sql_text(node.func.value, scope, binds)
            if last == "format" and isinstance(node.func, cst.Attribute):
                raise _Dynamic("SQL built with str.format()")
            if last in ("text", "literal_column") and node.args:
                return self._sql_text(node.args[0].value, scope, True)
            if last in ("dedent", "cleandoc") and node.args:
                return self._sql_text(node.args[0].value, scope, binds)
            if last in ("read", "read_text", "open"):
                raise _Dynamic("SQL read from a file")
            if last in ("update", "insert", "delete", "select") or callee.endswith("values"):
                raise _Dynamic("a SQLAlchemy expression pglint does not translate")
            raise _Dynamic(f"SQL returned by {callee or 'a call'}()")
        raise _Dynamic("SQL computed by an expression")

    # -- emitting ----------------------------------------------------------------------------------

    def _emit(self, call: Any, sqls: list[str], label: str) -> None:
        start, end = self._span(call)
        locate = FixedOffset(start)
        for sql in sqls:
            parsed = parse_sql(sql, base=start, part=self.role, origin="python")
            if parsed.problems:
                message = parsed.problems[0].message
                self._note(
                    call,
                    f"could not be translated to SQL pglint can parse ({message}: {sql})",
                    label,
                )
                continue
            for statement in parsed.statements:
                self.statements.append(
                    replace(statement, start=start, end=end, locate=locate, text=statement.text)
                )

    def _note(self, node: Any, reason: str, label: str, message: str | None = None) -> None:
        start, end = self._span(node)
        self._placeholder(start, end, reason, label, message)

    def _note_at(self, node: Any, reason: str, label: str) -> None:
        """A note on the first line of a compound statement (a loop) or an expression."""
        start, end = self._span(node)
        start = _skip_blank(self.text, start)
        line_end = self.text.find("\n", start)
        end = min(end, line_end if line_end >= 0 else len(self.text))
        self._placeholder(start, max(end, start + 1), reason, label)

    def _placeholder(
        self, start: int, end: int, reason: str, label: str, message: str | None = None
    ) -> None:
        if label in ("for", "while"):
            display = f"this {label} loop"
        elif label == "code":
            display = "this statement"
        else:
            display = f"{label}(…)"
        node = {"reason": reason, "call": display}
        if message:
            node["message"] = message
        self.statements.append(
            Statement(
                UNANALYSED,
                node,
                self.text[start:end],
                start,
                end,
                FixedOffset(start),
                "python",
                self.role,
            )
        )

    def _span(self, node: Any) -> tuple[int, int]:
        found = self.spans.get(id(node))
        if found is None:
            found = self._fallback_span(node)
        return found

    def _fallback_span(self, node: Any) -> tuple[int, int]:
        cst = self.cst
        for child in _walk(node, cst):
            if id(child) in self.spans:
                return self.spans[id(child)]
        return (0, 1)

    def _header(self, node: Any) -> tuple[int, int]:
        """The line holding ``node``'s start, from its first non-blank character."""
        start, _ = self._span(node)
        line_start = self.text.rfind("\n", 0, start) + 1
        begin = _skip_blank(self.text, line_start)
        end = self.text.find("\n", start)
        return begin, (end if end >= 0 else len(self.text))

    def _with_transactions(self, fn: Any) -> list[Statement]:
        """Materialise the synthetic BEGIN/COMMIT markers around the function's statements."""
        real = [s for s in self.statements if isinstance(s, Statement)]
        if not real:
            return []
        header = self._def_header(fn)
        events: list[Any] = [("BEGIN", header), *self.statements, ("COMMIT", header)]
        # Drop transactions with nothing in them (an autocommit block at the start or end).
        cleaned: list[Any] = []
        for event in events:
            if (
                isinstance(event, tuple)
                and event[0] == "COMMIT"
                and cleaned
                and isinstance(cleaned[-1], tuple)
                and cleaned[-1][0] == "BEGIN"
            ):
                cleaned.pop()
                continue
            cleaned.append(event)
        out: list[Statement] = []
        for event in cleaned:
            if isinstance(event, Statement):
                out.append(event)
                continue
            kind, (start, end) = event
            out.append(
                replace(
                    _synthetic(kind),
                    start=start,
                    end=max(end, start + 1),
                    locate=FixedOffset(start),
                    origin="python",
                    part=self.role,
                )
            )
        return out

    def _def_header(self, fn: Any) -> tuple[int, int]:
        start, _ = self.spans.get(id(fn.name), (0, 1))
        line_start = self.text.rfind("\n", 0, start) + 1
        begin = _skip_blank(self.text, line_start)
        end = self.text.find("\n", start)
        return begin, (end if end >= 0 else len(self.text))

    def _runs_sql(self, node: Any, scope: _Scope) -> bool:
        """Whether ``node`` holds a call that runs SQL (an op method, a connection, a helper)."""
        cst = self.cst
        for child in _walk(node, cst):
            if isinstance(child, cst.Call):
                target = self._target(child, scope)
                if target is not None and target[0] == "helper":
                    return True
                if target is not None and target[1] not in _IGNORED_OP_METHODS:
                    return True
        return False


# --- generators: one op method → the SQL Alembic sends --------------------------------------------


def _table_of(
    reader: _Reader, call: Any, scope: _Scope, batch: tuple | None, params: tuple[str, ...]
) -> tuple[dict[str, Any], str, str | None]:
    """Bind the arguments; return them with the table and schema (from the batch if any)."""
    if batch is not None:
        bound = _bind(call, params[1:])
        return bound, batch[0], batch[1]
    bound = _bind(call, params)
    table = _str(bound.get(params[0]), scope, "table name")
    schema = _opt_str(bound.get("schema"), scope)
    return bound, table, schema


def _gen_create_table(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    bound = _bind(call, ("table_name", "*columns"))
    table = _str(bound.get("table_name"), scope, "table name")
    schema = _opt_str(bound.get("schema"), scope)
    qualified = _qualified(table, schema)
    columns: list[_Column] = []
    pk_name: str | None = None
    pk_columns: list[str] = []
    constraints: list[str] = []
    indexes: list[str] = []
    for item in bound.get("*columns", ()):
        kind = _callee_last(item)
        if kind == "Column":
            columns.append(_column(item, scope))
        elif kind == "PrimaryKeyConstraint":
            args = _bind(item, ("*columns",))
            pk_columns = [_str(c, scope, "column name") for c in args.get("*columns", ())]
            pk_name = _opt_str(args.get("name"), scope)
        elif kind in (
            "UniqueConstraint",
            "CheckConstraint",
            "ForeignKeyConstraint",
            "ExcludeConstraint",
        ):
            constraints.append(_table_constraint(item, kind, scope))
        elif kind == "Index":
            indexes.append(_index_object(item, table, schema, scope))
        else:
            raise _Dynamic("has a create_table() argument that is not a Column or a constraint")
    enums: list[str] = []
    seen_enums: set[tuple[str, str | None]] = set()
    for column in columns:
        if column.enum is not None and column.enum[3] and column.enum[:2] not in seen_enums:
            name, enum_schema, values, _ = column.enum
            seen_enums.add((name, enum_schema))
            enums.append(
                f"CREATE TYPE {_qualified(name, enum_schema)} AS ENUM ({', '.join(_quote(v) for v in values)})"
            )
    declared_pk = [c.name for c in columns if c.primary_key]
    for name in declared_pk:
        if name not in pk_columns:
            pk_columns.append(name)
    serial = _serial_column(columns, pk_columns)
    parts = [_column_sql(c, c is serial, c.name in pk_columns) for c in columns]
    if pk_columns:
        named = f"CONSTRAINT {_ident(pk_name)} " if pk_name else ""
        parts.append(f"{named}PRIMARY KEY ({', '.join(_ident(c) for c in pk_columns)})")
    parts.extend(constraints)
    for column in columns:
        if column.unique and not column.index:
            parts.append(f"UNIQUE ({_ident(column.name)})")
    for column in columns:
        parts.extend(column.foreign_keys)
    exists = "IF NOT EXISTS " if _opt_bool(bound.get("if_not_exists"), scope) else ""
    prefixes = _opt_strs(bound.get("prefixes"), scope)
    head = "CREATE " + "".join(f"{p} " for p in prefixes) + "TABLE "
    tail = ""
    partition = _opt_str(bound.get("postgresql_partition_by"), scope)
    if partition:
        tail = f" PARTITION BY {partition}"
    sqls = [*enums, f"{head}{exists}{qualified} ({', '.join(parts)}){tail}"]
    for column in columns:
        if column.index:
            unique = "UNIQUE " if column.unique else ""
            sqls.append(
                f"CREATE {unique}INDEX {_ident(_index_name(table, [column.name]))} "
                f"ON {qualified} ({_ident(column.name)})"
            )
    sqls.extend(indexes)
    return sqls


def _gen_add_column(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    bound, table, schema = _table_of(reader, call, scope, batch, ("table_name", "column"))
    node = bound.get("column")
    if node is None or _callee_last(node) != "Column":
        raise _Dynamic("adds a column pglint cannot read (not a literal sa.Column(...))")
    column = _column(node, scope)
    qualified = _qualified(table, schema)
    serial = column if column.primary_key and _serial_column([column], [column.name]) else None
    exists = "IF NOT EXISTS " if _opt_bool(bound.get("if_not_exists"), scope) else ""
    sqls = [
        f"ALTER TABLE {qualified} ADD COLUMN {exists}{_column_sql(column, serial is not None, column.primary_key, inline_checks=True)}"
    ]
    for fk in column.foreign_keys:
        sqls.append(f"ALTER TABLE {qualified} ADD {fk}")
    if column.unique and not column.index:
        sqls.append(f"ALTER TABLE {qualified} ADD UNIQUE ({_ident(column.name)})")
    if column.index:
        unique = "UNIQUE " if column.unique else ""
        sqls.append(
            f"CREATE {unique}INDEX {_ident(_index_name(table, [column.name]))} "
            f"ON {qualified} ({_ident(column.name)})"
        )
    return sqls


def _gen_drop_column(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    bound, table, schema = _table_of(reader, call, scope, batch, ("table_name", "column_name"))
    column = _str(bound.get("column_name"), scope, "column name")
    exists = "IF EXISTS " if _opt_bool(bound.get("if_exists"), scope) else ""
    return [f"ALTER TABLE {_qualified(table, schema)} DROP COLUMN {exists}{_ident(column)}"]


def _gen_drop_table(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    bound, table, schema = _table_of(reader, call, scope, batch, ("table_name",))
    exists = "IF EXISTS " if _opt_bool(bound.get("if_exists"), scope) else ""
    return [f"DROP TABLE {exists}{_qualified(table, schema)}"]


def _gen_rename_table(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    bound = _bind(call, ("old_table_name", "new_table_name"))
    old = _str(bound.get("old_table_name"), scope, "table name")
    new = _str(bound.get("new_table_name"), scope, "table name")
    schema = _opt_str(bound.get("schema"), scope)
    return [f"ALTER TABLE {_qualified(old, schema)} RENAME TO {_ident(new)}"]


def _gen_alter_column(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    bound, table, schema = _table_of(reader, call, scope, batch, ("table_name", "column_name"))
    column = _ident(_str(bound.get("column_name"), scope, "column name"))
    head = f"ALTER TABLE {_qualified(table, schema)}"
    sqls = []
    if bound.get("type_") is not None and not _is_none(bound["type_"]):
        type_sql, _, _ = _type(bound["type_"], scope)
        using = bound.get("postgresql_using")
        clause = (
            f" USING {_raw_sql(using, scope)}" if using is not None and not _is_none(using) else ""
        )
        sqls.append(f"{head} ALTER COLUMN {column} TYPE {type_sql}{clause}")
    nullable = bound.get("nullable")
    if nullable is not None and not _is_none(nullable):
        flag = _bool(nullable, scope)
        sqls.append(f"{head} ALTER COLUMN {column} {'DROP' if flag else 'SET'} NOT NULL")
    if "server_default" in bound:
        default = bound["server_default"]
        if _is_false(default):
            pass
        elif _is_none(default):
            sqls.append(f"{head} ALTER COLUMN {column} DROP DEFAULT")
        else:
            rendered = _default(default, scope)
            if rendered is not None:
                sqls.append(f"{head} ALTER COLUMN {column} SET DEFAULT {rendered}")
    comment = bound.get("comment")
    if comment is not None and not _is_false(comment):
        text = "NULL" if _is_none(comment) else _quote(_str(comment, scope, "comment"))
        sqls.append(f"COMMENT ON COLUMN {_qualified(table, schema)}.{column} IS {text}")
    new_name = bound.get("new_column_name")
    if new_name is not None and not _is_none(new_name):
        sqls.append(f"{head} RENAME {column} TO {_ident(_str(new_name, scope, 'column name'))}")
    return sqls


def _gen_create_index(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    if batch is not None:
        bound = _bind(call, ("index_name", "columns"))
        table, schema = batch[0], batch[1]
    else:
        bound = _bind(call, ("index_name", "table_name", "columns"))
        table = _str(bound.get("table_name"), scope, "table name")
        schema = _opt_str(bound.get("schema"), scope)
    columns = bound.get("columns")
    elements = _elements(columns) if columns is not None else []
    name = _opt_str(bound.get("index_name"), scope)
    return [_index_sql(name, table, schema, elements, bound, scope)]


def _gen_drop_index(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    bound = _bind(call, ("index_name", "table_name") if batch is None else ("index_name",))
    name = _str(bound.get("index_name"), scope, "index name")
    schema = _opt_str(bound.get("schema"), scope) if batch is None else batch[1]
    concurrently = "CONCURRENTLY " if _opt_bool(bound.get("postgresql_concurrently"), scope) else ""
    exists = "IF EXISTS " if _opt_bool(bound.get("if_exists"), scope) else ""
    return [f"DROP INDEX {concurrently}{exists}{_qualified(name, schema)}"]


def _gen_create_foreign_key(
    reader: _Reader, call: Any, scope: _Scope, batch: tuple | None
) -> list[str]:
    params = (
        "constraint_name",
        "source_table",
        "referent_table",
        "local_cols",
        "remote_cols",
        "onupdate",
        "ondelete",
        "deferrable",
        "initially",
        "match",
        "source_schema",
        "referent_schema",
    )
    if batch is not None:
        bound = _bind(call, tuple(p for p in params if p != "source_table"))
        table, schema = batch[0], batch[1]
    else:
        bound = _bind(call, params)
        table = _str(bound.get("source_table"), scope, "table name")
        schema = _opt_str(bound.get("source_schema"), scope)
    name = _opt_str(bound.get("constraint_name"), scope)
    referent = _str(bound.get("referent_table"), scope, "table name")
    local = _strs(bound.get("local_cols"), scope)
    remote = _strs(bound.get("remote_cols"), scope)
    reference = _references(
        _qualified(referent, _opt_str(bound.get("referent_schema"), scope)), remote, bound, scope
    )
    named = f"CONSTRAINT {_ident(name)} " if name else ""
    not_valid = " NOT VALID" if _opt_bool(bound.get("postgresql_not_valid"), scope) else ""
    return [
        f"ALTER TABLE {_qualified(table, schema)} ADD {named}FOREIGN KEY"
        f"({', '.join(_ident(c) for c in local)}) {reference}{not_valid}"
    ]


def _gen_create_unique_constraint(
    reader: _Reader, call: Any, scope: _Scope, batch: tuple | None
) -> list[str]:
    bound, table, schema = _constraint_target(
        call, scope, batch, ("constraint_name", "table_name", "columns")
    )
    columns = _strs(bound.get("columns"), scope)
    named = _named(bound, scope)
    return [
        f"ALTER TABLE {_qualified(table, schema)} ADD {named}UNIQUE ({', '.join(_ident(c) for c in columns)})"
    ]


def _gen_create_primary_key(
    reader: _Reader, call: Any, scope: _Scope, batch: tuple | None
) -> list[str]:
    bound, table, schema = _constraint_target(
        call, scope, batch, ("constraint_name", "table_name", "columns")
    )
    columns = _strs(bound.get("columns"), scope)
    named = _named(bound, scope)
    return [
        f"ALTER TABLE {_qualified(table, schema)} ADD {named}PRIMARY KEY ({', '.join(_ident(c) for c in columns)})"
    ]


def _gen_create_check_constraint(
    reader: _Reader, call: Any, scope: _Scope, batch: tuple | None
) -> list[str]:
    bound, table, schema = _constraint_target(
        call, scope, batch, ("constraint_name", "table_name", "condition")
    )
    condition = bound.get("condition")
    sql = _raw_sql(condition, scope, fallback="true") if condition is not None else "true"
    named = _named(bound, scope)
    not_valid = " NOT VALID" if _opt_bool(bound.get("postgresql_not_valid"), scope) else ""
    return [f"ALTER TABLE {_qualified(table, schema)} ADD {named}CHECK ({sql}){not_valid}"]


def _gen_create_exclude_constraint(
    reader: _Reader, call: Any, scope: _Scope, batch: tuple | None
) -> list[str]:
    bound, table, schema = _constraint_target(
        call, scope, batch, ("constraint_name", "table_name", "*elements")
    )
    named = _named(bound, scope)
    return [f"ALTER TABLE {_qualified(table, schema)} ADD {named}{_exclude_sql(bound, scope)}"]


def _gen_drop_constraint(
    reader: _Reader, call: Any, scope: _Scope, batch: tuple | None
) -> list[str]:
    bound, table, schema = _constraint_target(
        call, scope, batch, ("constraint_name", "table_name", "type_")
    )
    name = _str(bound.get("constraint_name"), scope, "constraint name")
    exists = "IF EXISTS " if _opt_bool(bound.get("if_exists"), scope) else ""
    return [f"ALTER TABLE {_qualified(table, schema)} DROP CONSTRAINT {exists}{_ident(name)}"]


def _gen_table_comment(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    bound, table, schema = _table_of(reader, call, scope, batch, ("table_name", "comment"))
    comment = bound.get("comment")
    text = (
        "NULL" if comment is None or _is_none(comment) else _quote(_str(comment, scope, "comment"))
    )
    return [f"COMMENT ON TABLE {_qualified(table, schema)} IS {text}"]


def _gen_drop_table_comment(
    reader: _Reader, call: Any, scope: _Scope, batch: tuple | None
) -> list[str]:
    _, table, schema = _table_of(reader, call, scope, batch, ("table_name",))
    return [f"COMMENT ON TABLE {_qualified(table, schema)} IS NULL"]


def _gen_bulk_insert(reader: _Reader, call: Any, scope: _Scope, batch: tuple | None) -> list[str]:
    cst = reader.cst
    bound = _bind(call, ("table", "rows", "multiinsert"))
    node = bound.get("table")
    found: tuple[str, str | None] | None = None
    if isinstance(node, cst.Name):
        found = scope.tables.get(node.value)
        if found is None and node.value in reader.constants:
            value = reader.constants[node.value]
            if (
                isinstance(value, cst.Call)
                and _callee_last(value) in ("table", "Table")
                and value.args
            ):
                name = _const(value.args[0].value, scope.constants)
                if isinstance(name, str):
                    schema = _kwarg_const(value, "schema", scope)
                    found = (name, schema if isinstance(schema, str) else None)
    elif isinstance(node, cst.Call) and _callee_last(node) in ("table", "Table") and node.args:
        name = _const(node.args[0].value, scope.constants)
        if isinstance(name, str):
            schema = _kwarg_const(node, "schema", scope)
            found = (name, schema if isinstance(schema, str) else None)
    if found is None:
        raise _Dynamic("inserts into a table pglint cannot name")
    rows = bound.get("rows")
    if isinstance(rows, (cst.List, cst.Tuple)) and not rows.elements:
        return []
    return [f"INSERT INTO {_qualified(*found)} DEFAULT VALUES"]


_GENERATORS = {
    "create_table": _gen_create_table,
    "drop_table": _gen_drop_table,
    "rename_table": _gen_rename_table,
    "add_column": _gen_add_column,
    "drop_column": _gen_drop_column,
    "alter_column": _gen_alter_column,
    "create_index": _gen_create_index,
    "drop_index": _gen_drop_index,
    "create_foreign_key": _gen_create_foreign_key,
    "create_unique_constraint": _gen_create_unique_constraint,
    "create_check_constraint": _gen_create_check_constraint,
    "create_primary_key": _gen_create_primary_key,
    "create_exclude_constraint": _gen_create_exclude_constraint,
    "drop_constraint": _gen_drop_constraint,
    "create_table_comment": _gen_table_comment,
    "drop_table_comment": _gen_drop_table_comment,
    "bulk_insert": _gen_bulk_insert,
}


def _constraint_target(
    call: Any, scope: _Scope, batch: tuple | None, params: tuple[str, ...]
) -> tuple[dict[str, Any], str, str | None]:
    if batch is not None:
        bound = _bind(call, tuple(p for p in params if p != "table_name"))
        return bound, batch[0], batch[1]
    bound = _bind(call, params)
    table = _str(bound.get("table_name"), scope, "table name")
    return bound, table, _opt_str(bound.get("schema"), scope)


def _named(bound: dict[str, Any], scope: _Scope) -> str:
    name = _opt_str(bound.get("constraint_name"), scope)
    return f"CONSTRAINT {_ident(name)} " if name else ""


def _references(target: str, columns: list[str], bound: dict[str, Any], scope: _Scope) -> str:
    sql = f"REFERENCES {target} ({', '.join(_ident(c) for c in columns)})"
    match = _opt_str(bound.get("match"), scope)
    if match:
        sql += f" MATCH {match}"
    ondelete = _opt_str(bound.get("ondelete"), scope)
    if ondelete:
        sql += f" ON DELETE {ondelete}"
    onupdate = _opt_str(bound.get("onupdate"), scope)
    if onupdate:
        sql += f" ON UPDATE {onupdate}"
    deferrable = bound.get("deferrable")
    if deferrable is not None and not _is_none(deferrable):
        sql += " DEFERRABLE" if _bool(deferrable, scope) else " NOT DEFERRABLE"
    initially = _opt_str(bound.get("initially"), scope)
    if initially:
        sql += f" INITIALLY {initially}"
    return sql


def _index_name(table: str, columns: list[str]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def _index_sql(
    name: str | None,
    table: str,
    schema: str | None,
    elements: list[Any],
    bound: dict[str, Any],
    scope: _Scope,
) -> str:
    ops = bound.get("postgresql_ops")
    opclasses = _const(ops, scope.constants) if ops is not None else {}
    if not isinstance(opclasses, dict):
        opclasses = {}
    rendered = []
    plain: list[str] = []
    for element in elements:
        value = _index_element(element, scope)
        plain.append(value.strip('"'))
        opclass = opclasses.get(value.strip('"'))
        rendered.append(f"{value} {opclass}" if isinstance(opclass, str) else value)
    if name is None:
        name = _index_name(table, [p for p in plain if _PLAIN_IDENT.fullmatch(p)] or ["expr"])
    unique = "UNIQUE " if _opt_bool(bound.get("unique"), scope) else ""
    concurrently = "CONCURRENTLY " if _opt_bool(bound.get("postgresql_concurrently"), scope) else ""
    exists = "IF NOT EXISTS " if _opt_bool(bound.get("if_not_exists"), scope) else ""
    sql = (
        f"CREATE {unique}INDEX {concurrently}{exists}{_ident(name)} ON {_qualified(table, schema)}"
    )
    using = _opt_str(bound.get("postgresql_using"), scope)
    if using:
        sql += f" USING {using}"
    sql += f" ({', '.join(rendered) or 'id'})"
    include = bound.get("postgresql_include")
    if include is not None and not _is_none(include):
        sql += f" INCLUDE ({', '.join(_ident(c) for c in _strs(include, scope))})"
    if _opt_bool(bound.get("postgresql_nulls_not_distinct"), scope):
        sql += " NULLS NOT DISTINCT"
    with_params = bound.get("postgresql_with")
    if with_params is not None:
        params = _const(with_params, scope.constants)
        if isinstance(params, dict) and params:
            sql += (
                " WITH (" + ", ".join(f"{k} = {_literal_sql(v)}" for k, v in params.items()) + ")"
            )
    tablespace = _opt_str(bound.get("postgresql_tablespace"), scope)
    if tablespace:
        sql += f" TABLESPACE {_ident(tablespace)}"
    where = bound.get("postgresql_where")
    if where is not None and not _is_none(where):
        sql += f" WHERE {_raw_sql(where, scope, fallback='true')}"
    return sql


def _index_element(node: Any, scope: _Scope) -> str:
    try:
        value = _const(node, scope.constants)
    except _Dynamic:
        value = None
    if isinstance(value, str):
        return _ident(value)
    return (
        f"({_raw_sql(node, scope)})"
        if _callee_last(node) not in ("column", "desc", "asc")
        else _raw_sql(node, scope)
    )


def _index_object(node: Any, table: str, schema: str | None, scope: _Scope) -> str:
    bound = _bind(node, ("name", "*expressions"))
    name = _opt_str(bound.get("name"), scope)
    elements = list(bound.get("*expressions", ()))
    return _index_sql(name, table, schema, elements, bound, scope)


def _table_constraint(node: Any, kind: str, scope: _Scope) -> str:
    if kind == "UniqueConstraint":
        bound = _bind(node, ("*columns",))
        columns = [_str(c, scope, "column name") for c in bound.get("*columns", ())]
        sql = f"UNIQUE ({', '.join(_ident(c) for c in columns)})"
    elif kind == "CheckConstraint":
        bound = _bind(node, ("sqltext",))
        sql = f"CHECK ({_raw_sql(bound.get('sqltext'), scope, fallback='true')})"
    elif kind == "ForeignKeyConstraint":
        bound = _bind(node, ("columns", "refcolumns"))
        local = _strs(bound.get("columns"), scope)
        targets = _strs(bound.get("refcolumns"), scope)
        table, remote = _split_targets(targets)
        sql = f"FOREIGN KEY({', '.join(_ident(c) for c in local)}) {_references(table, remote, bound, scope)}"
    else:  # ExcludeConstraint
        bound = _bind(node, ("*elements",))
        sql = _exclude_sql(bound, scope)
    name = _opt_str(bound.get("name"), scope)
    return f"CONSTRAINT {_ident(name)} {sql}" if name else sql


def _exclude_sql(bound: dict[str, Any], scope: _Scope) -> str:
    parts = []
    for element in bound.get("*elements", ()):
        pair = _const(element, scope.constants)
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise _Dynamic("has an exclusion element pglint cannot read")
        parts.append(f"{_ident(str(pair[0]))} WITH {pair[1]}")
    using = _opt_str(bound.get("using"), scope) or "gist"
    sql = f"EXCLUDE USING {using} ({', '.join(parts)})"
    where = bound.get("where")
    if where is not None and not _is_none(where):
        sql += f" WHERE ({_raw_sql(where, scope, fallback='true')})"
    return sql


def _split_targets(targets: list[str]) -> tuple[str, list[str]]:
    """``["other.id"]`` / ``["s.other.id"]`` → (qualified table, [columns])."""
    if not targets:
        raise _Dynamic("has a foreign key without target columns")
    tables = set()
    columns = []
    for target in targets:
        pieces = target.split(".")
        if len(pieces) < 2:
            raise _Dynamic(f"has a foreign key target {target!r} without a table")
        columns.append(pieces[-1])
        tables.add(tuple(pieces[:-1]))
    if len(tables) != 1:
        raise _Dynamic("has a foreign key to several tables")
    path = next(iter(tables))
    return _qualified(path[-1], path[-2] if len(path) > 1 else None), columns


# --- columns and types -----------------------------------------------------------------------------


def _column(node: Any, scope: _Scope) -> _Column:
    import libcst as cst

    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    if any(a.star for a in node.args):
        raise _Dynamic("builds a column with * or ** arguments")
    name_node = keywords.get("name")
    rest = positional
    if name_node is None and positional:
        try:
            first = _const(positional[0], scope.constants)
        except _Dynamic:
            first = None
        if isinstance(first, str):
            name_node, rest = positional[0], positional[1:]
    if name_node is None:
        raise _Dynamic("defines a column without a name pglint can read")
    column = _Column(_str(name_node, scope, "column name"), "integer")
    type_node = keywords.get("type_")
    extras = []
    for arg in rest:
        if type_node is None and _callee_last(arg) not in _CONSTRAINT_ARGS:
            type_node = arg
        else:
            extras.append(arg)
    if type_node is not None:
        column.type_sql, column.type_base, column.enum = _type(type_node, scope)
    for extra in extras:
        kind = _callee_last(extra)
        if kind == "ForeignKey" and isinstance(extra, cst.Call):
            bound = _bind(extra, ("column",))
            table, remote = _split_targets([_str(bound.get("column"), scope, "foreign key target")])
            fk = f"FOREIGN KEY({_ident(column.name)}) {_references(table, remote, bound, scope)}"
            name = _opt_str(bound.get("name"), scope)
            column.foreign_keys.append(f"CONSTRAINT {_ident(name)} {fk}" if name else fk)
        elif kind == "Identity" and isinstance(extra, cst.Call):
            bound = _bind(extra, ("always",))
            always = _opt_bool(bound.get("always"), scope)
            column.identity = f"GENERATED {'ALWAYS' if always else 'BY DEFAULT'} AS IDENTITY"
        elif kind == "Computed" and isinstance(extra, cst.Call):
            bound = _bind(extra, ("sqltext", "persisted"))
            column.computed = f"GENERATED ALWAYS AS ({_raw_sql(bound.get('sqltext'), scope, fallback='NULL')}) STORED"
        elif kind == "CheckConstraint" and isinstance(extra, cst.Call):
            bound = _bind(extra, ("sqltext",))
            check = f"CHECK ({_raw_sql(bound.get('sqltext'), scope, fallback='true')})"
            name = _opt_str(bound.get("name"), scope)
            column.checks.append(f"CONSTRAINT {_ident(name)} {check}" if name else check)
        elif kind in ("Sequence",):
            column.client_default = True
        elif kind == "DefaultClause" and isinstance(extra, cst.Call) and extra.args:
            column.default = _default(extra.args[0].value, scope)
    for key, value in keywords.items():
        if key == "nullable":
            column.nullable = _bool(value, scope) if not _is_none(value) else None
        elif key == "primary_key":
            column.primary_key = bool(_opt_bool(value, scope))
        elif key == "server_default":
            if not _is_none(value):
                column.default = _default(value, scope)
        elif key == "unique":
            column.unique = bool(_opt_bool(value, scope))
        elif key == "index":
            column.index = bool(_opt_bool(value, scope))
        elif key == "autoincrement":
            try:
                column.autoincrement = _const(value, scope.constants)
            except _Dynamic:
                column.autoincrement = "auto"
        elif key == "default":
            column.client_default = not _is_none(value)
    return column


def _serial_column(columns: list[_Column], pk_columns: list[str]) -> _Column | None:
    """The column SQLAlchemy renders as SERIAL (its ``_autoincrement_column`` on PostgreSQL)."""
    in_pk = [c for c in columns if c.name in pk_columns]

    def eligible(column: _Column, explicit: bool) -> bool:
        if column.type_base not in _SERIAL or column.identity or column.computed:
            return False
        if explicit:
            return True
        return not column.client_default and column.default is None and not column.foreign_keys

    for column in in_pk:
        if column.autoincrement is True and eligible(column, True):
            return column
    if len(pk_columns) == 1 and len(in_pk) == 1:
        column = in_pk[0]
        if column.autoincrement in ("auto", "ignore_fk") and eligible(column, False):
            return column
    return None


def _column_sql(column: _Column, serial: bool, in_pk: bool, inline_checks: bool = True) -> str:
    type_sql = _SERIAL[column.type_base] if serial and column.type_base else column.type_sql
    parts = [_ident(column.name), type_sql]
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    if column.computed:
        parts.append(column.computed)
    if column.identity:
        parts.append(column.identity)
    nullable = column.nullable
    if nullable is None:
        nullable = not (column.primary_key or in_pk)
    if not nullable and not column.identity:
        parts.append("NOT NULL")
    if inline_checks:
        parts.extend(column.checks)
    return " ".join(parts)


def _type(node: Any, scope: _Scope) -> tuple[str, str | None, tuple | None]:
    """(PostgreSQL type, base for SERIAL, enum info) of a SQLAlchemy type expression."""
    import libcst as cst

    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        method = node.func.attr.value
        if method == "with_variant":
            bound = _bind(node, ("type_", "dialect_names"))
            try:
                dialects = _const(bound.get("dialect_names"), scope.constants)
            except _Dynamic:
                dialects = None
            names = dialects if isinstance(dialects, (list, tuple)) else (dialects,)
            if "postgresql" in names and bound.get("type_") is not None:
                return _type(bound["type_"], scope)
            return _type(node.func.value, scope)
        if method in ("as_generic", "evaluates_none", "copy"):
            return _type(node.func.value, scope)
    callee = _dotted(node.func if isinstance(node, cst.Call) else node)
    if callee is None:
        return "text", None, None
    last = callee.rsplit(".", 1)[-1]
    key = last.lower()
    args: dict[str, Any] = {}
    if isinstance(node, cst.Call):
        params = {
            "array": ("item_type",),
            "enum": ("*enums",),
            "numeric": ("precision", "scale"),
            "decimal": ("precision", "scale"),
            "float": ("precision",),
            "datetime": ("timezone",),
            "timestamp": ("timezone", "precision"),
            "time": ("timezone",),
            "interval": ("native", "second_precision", "day_precision"),
        }.get(key, ("length",))
        try:
            args = _bind(node, params)
        except _Dynamic:
            args = {}

    def number(name: str) -> int | None:
        value = args.get(name)
        if value is None:
            return None
        try:
            found = _const(value, scope.constants)
        except _Dynamic:
            return None
        return found if isinstance(found, int) and not isinstance(found, bool) else None

    def flag(name: str) -> bool:
        value = args.get(name)
        if value is None:
            return False
        try:
            return bool(_const(value, scope.constants))
        except _Dynamic:
            return False

    if key in _SIMPLE_TYPES:
        base = _SIMPLE_TYPES[key]
        return base, base if base in _SERIAL else None, None
    if key in _VARCHAR:
        length = number("length")
        return (f"varchar({length})" if length else "varchar"), None, None
    if key in _CHAR:
        length = number("length")
        return (f"char({length})" if length else "char"), None, None
    if key in _NUMERIC:
        precision, scale = number("precision"), number("scale")
        if precision is not None and scale is not None:
            return f"numeric({precision}, {scale})", None, None
        return (f"numeric({precision})" if precision else "numeric"), None, None
    if key == "float":
        precision = number("precision")
        return (f"float({precision})" if precision else "float"), None, None
    if key in ("datetime", "timestamp"):
        precision = number("precision")
        mod = f"({precision})" if precision is not None else ""
        zone = "with" if flag("timezone") else "without"
        return f"timestamp{mod} {zone} time zone", None, None
    if key == "time":
        precision = number("precision")
        mod = f"({precision})" if precision is not None else ""
        zone = "with" if flag("timezone") else "without"
        return f"time{mod} {zone} time zone", None, None
    if key == "interval":
        fields = args.get("fields")
        text = "interval"
        if fields is not None:
            try:
                value = _const(fields, scope.constants)
            except _Dynamic:
                value = None
            if isinstance(value, str):
                text += f" {value}"
        return text, None, None
    if key == "array":
        item = args.get("item_type")
        inner = _type(item, scope)[0] if item is not None else "text"
        dimensions = number("dimensions") or 1
        return inner + "[]" * dimensions, None, None
    if key == "enum":
        return _enum(node, scope)
    if key == "bit":
        length = number("length")
        return (f"bit({length})" if length else "bit"), None, None
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", last):
        return _ident(last.lower()), None, None
    return "text", None, None


def _enum(node: Any, scope: _Scope) -> tuple[str, None, tuple | None]:
    import libcst as cst

    if not isinstance(node, cst.Call):
        return "enum", None, None
    values: list[str] = []
    class_name = None
    for arg in node.args:
        if arg.keyword is not None or arg.star:
            continue
        try:
            value = _const(arg.value, scope.constants)
        except _Dynamic:
            value = None
            class_name = _dotted(arg.value)
        if isinstance(value, str):
            values.append(value)
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    native = keywords.get("native_enum")
    if native is not None and _is_false(native):
        length = max((len(v) for v in values), default=0)
        return (f"varchar({length})" if length else "varchar"), None, None
    name = _opt_str(keywords.get("name"), scope)
    if name is None and class_name:
        name = class_name.rsplit(".", 1)[-1].lower()
    if name is None:
        raise _Dynamic("uses an Enum type without a name")
    schema = _opt_str(keywords.get("schema"), scope)
    create = keywords.get("create_type")
    creates = not (create is not None and _is_false(create))
    return _qualified(name, schema), None, (name, schema, tuple(values), creates)


def _default(node: Any, scope: _Scope) -> str | None:
    """The SQL of a ``server_default``; None for one that sets no DEFAULT (FetchedValue)."""
    import libcst as cst

    if isinstance(node, cst.Call):
        last = _callee_last(node)
        if last == "FetchedValue":
            return None
        if last == "DefaultClause" and node.args:
            return _default(node.args[0].value, scope)
        try:
            return _raw_sql(node, scope, fallback="'?'")
        except _Dynamic:
            return "'?'"
    try:
        value = _const(node, scope.constants)
    except _Dynamic:
        return "'?'"
    if isinstance(value, str):
        return _quote(value)
    return _literal_sql(value)


def _literal_sql(value: object) -> str:
    if value is None:
        return "NULL"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return _quote(str(value))


def _raw_sql(node: Any, scope: _Scope, fallback: str | None = None) -> str:
    """SQL of an expression given as a string, ``text()`` or simple SQLAlchemy functions."""
    import libcst as cst

    if node is None:
        if fallback is not None:
            return fallback
        raise _Dynamic("has an expression pglint cannot read")
    try:
        value = _const(node, scope.constants)
    except _Dynamic:
        value = _Dynamic
    if isinstance(value, str):
        return value
    if value is not _Dynamic and not isinstance(value, (list, tuple, dict)):
        return _literal_sql(value)
    if isinstance(node, cst.Call):
        callee = _dotted(node.func) or ""
        parts = callee.split(".")
        last = parts[-1]
        if last in ("text", "literal_column", "column") and node.args:
            inner = _const(node.args[0].value, scope.constants)
            if isinstance(inner, str):
                return inner if last != "column" else _ident(inner)
        if last in ("true", "false", "null"):
            return {"true": "true", "false": "false", "null": "NULL"}[last]
        if last in ("desc", "asc") and node.args:
            return f"{_raw_sql(node.args[0].value, scope, fallback)} {last.upper()}"
        if "func" in parts[:-1]:
            if last.lower() in _NO_PARENS and not node.args:
                return last.upper()
            args = ", ".join(
                _raw_sql(a.value, scope, "NULL") for a in node.args if a.keyword is None
            )
            return f"{last}({args})"
        if last == "cast" and len(node.args) >= 2:
            return f"CAST({_raw_sql(node.args[0].value, scope, fallback)} AS {_type(node.args[1].value, scope)[0]})"
    if fallback is not None:
        return fallback
    raise _Dynamic("has an expression pglint cannot read")


# --- small CST helpers ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Value:
    """A value known from the context (a loop item, a helper's argument), not a CST node."""

    value: object


def _dotted(node: Any) -> str | None:
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def _callee_last(node: Any) -> str:
    import libcst as cst

    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return ""


def _const(node: Any, constants: dict[str, Any], depth: int = 0) -> Any:
    """The Python value of a literal expression (names resolved through ``constants``)."""
    import libcst as cst

    if isinstance(node, _Value):
        return node.value
    if depth > 20:
        raise _Dynamic("a value defined too indirectly")
    if isinstance(node, cst.SimpleString):
        found = _literal(node.value, 0)
        if found is None:
            raise _Dynamic("a bytes value")
        return found.value
    if isinstance(node, cst.ConcatenatedString):
        left = _const(node.left, constants, depth + 1)
        right = _const(node.right, constants, depth + 1)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        raise _Dynamic("an f-string")
    if isinstance(node, cst.FormattedString):
        raise _Dynamic("an f-string")
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Float):
        return float(node.value.replace("_", ""))
    if isinstance(node, cst.Name):
        if node.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.value]
        if node.value in constants:
            try:
                return _const(constants[node.value], constants, depth + 1)
            except _Dynamic:
                raise _Dynamic(f"the variable {node.value}") from None
        raise _Dynamic(f"the variable {node.value}")
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = _const(node.expression, constants, depth + 1)
        if isinstance(value, (int, float)):
            return -value
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        items = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                raise _Dynamic("a starred list")
            items.append(_const(element.value, constants, depth + 1))
        return tuple(items) if isinstance(node, cst.Tuple) else items
    if isinstance(node, cst.Dict):
        result = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                raise _Dynamic("a dict with ** entries")
            result[_const(element.key, constants, depth + 1)] = _const(
                element.value, constants, depth + 1
            )
        return result
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left = _const(node.left, constants, depth + 1)
        right = _const(node.right, constants, depth + 1)
        if type(left) is type(right) and isinstance(left, (str, int, float, list, tuple)):
            return left + right
    if isinstance(node, cst.Call):
        last = _callee_last(node)
        if last in ("f", "conv", "quoted_name") and node.args:
            return _const(node.args[0].value, constants, depth + 1)
    raise _Dynamic("a value pglint cannot compute")


def _bind(call: Any, params: Sequence[str]) -> dict[str, Any]:
    """Arguments of ``call`` by parameter name (``*name`` collects the remaining positionals)."""
    bound: dict[str, Any] = {}
    index = 0
    rest: list[Any] = []
    star = next((p for p in params if p.startswith("*")), None)
    plain = [p for p in params if not p.startswith("*")]
    for arg in call.args:
        if arg.star:
            raise _Dynamic("passes arguments with * or **")
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


def _arg(call: Any, position: int, keyword: str) -> Any:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    return positional[position] if position < len(positional) else None


def _kwarg_const(call: Any, keyword: str, scope: _Scope) -> Any:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return _const(arg.value, scope.constants)
    return None


def _str(node: Any, scope: _Scope, what: str) -> str:
    if node is None:
        raise _Dynamic(f"has no {what}")
    try:
        value = _const(node, scope.constants)
    except _Dynamic as error:
        raise _Dynamic(f"takes its {what} from {error}") from None
    if not isinstance(value, str):
        raise _Dynamic(f"has a {what} that is not a string")
    return value


def _opt_str(node: Any, scope: _Scope) -> str | None:
    if node is None:
        return None
    try:
        value = _const(node, scope.constants)
    except _Dynamic:
        return None
    return value if isinstance(value, str) else None


def _strs(node: Any, scope: _Scope) -> list[str]:
    if node is None:
        return []
    try:
        value = _const(node, scope.constants)
    except _Dynamic as error:
        raise _Dynamic(f"takes its column names from {error}") from None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise _Dynamic("has column names pglint cannot read")


def _opt_strs(node: Any, scope: _Scope) -> list[str]:
    try:
        return _strs(node, scope)
    except _Dynamic:
        return []


def _elements(node: Any) -> list[Any]:
    import libcst as cst

    if isinstance(node, (cst.List, cst.Tuple)):
        return [e.value for e in node.elements if not isinstance(e, cst.StarredElement)]
    return [node]


def _bool(node: Any, scope: _Scope) -> bool:
    try:
        value = _const(node, scope.constants)
    except _Dynamic as error:
        raise _Dynamic(f"takes a flag from {error}") from None
    return bool(value)


def _opt_bool(node: Any, scope: _Scope) -> bool:
    if node is None:
        return False
    return _bool(node, scope)


def _is_none(node: Any) -> bool:
    import libcst as cst

    return isinstance(node, cst.Name) and node.value == "None"


def _is_false(node: Any) -> bool:
    import libcst as cst

    return isinstance(node, cst.Name) and node.value == "False"


def _block(fn: Any) -> Sequence[Any]:
    body = fn.body
    return body.body if hasattr(body, "body") else ()


def _inert(stmt: Any, cst: Any) -> bool:
    """A docstring, ``pass`` or ``...`` line: runs nothing."""
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


def _parameters(fn: Any) -> list[str]:
    params = fn.params
    return [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]


def _parameter_nodes(fn: Any, cst: Any) -> list[tuple[str, Any]]:
    params = fn.params
    return [
        (p.name.value, p.default)
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
    ]


def _target_names(node: Any, cst: Any) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        names = []
        for element in node.elements:
            names.extend(_target_names(element.value, cst))
        return names
    return []


def _walk(node: Any, cst: Any) -> Iterator[Any]:
    """Every CST node under ``node`` (itself first) except whitespace and punctuation.

    Reads the dataclass fields directly: libcst's ``children`` property runs a visitor per
    node, which made walking the functions' bodies the slowest part of reading a file.
    """
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
            continue
        yield item
        names = _FIELDS.get(type(item))
        if names is None:
            names = tuple(
                name
                for name in getattr(item, "__dataclass_fields__", {})
                if not name.startswith(_SKIPPED_FIELDS) and name not in _PUNCTUATION
            )
            _FIELDS[type(item)] = names
        found = []
        for name in names:
            value = getattr(item, name, None)
            if value is None or isinstance(value, (str, bool, int)):
                continue
            if isinstance(value, (list, tuple)):
                found.extend(v for v in value if _is_node(v, cst))
            elif _is_node(value, cst):
                found.append(value)
        stack.extend(reversed(found))


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
_NODE_TYPES: dict[type, bool] = {}


def _is_node(value: Any, cst: Any) -> bool:
    kind = type(value)
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = isinstance(value, cst.CSTNode)
        _NODE_TYPES[kind] = found
    return found


_FIELDS: dict[type, tuple[str, ...]] = {}


def _skip_blank(text: str, offset: int) -> int:
    while offset < len(text) and text[offset] in " \t":
        offset += 1
    return offset


def _remap(parsed: ParsedSql, sql: _Text) -> ParsedSql:
    """Move statements parsed from a string's value to where its characters are in the file."""
    statements = []
    for statement in parsed.statements:
        start = sql(statement.start)
        end = max(start + 1, sql(statement.end))
        statements.append(
            replace(statement, start=start, end=end, locate=_Remapped(statement.locate, sql))
        )
    problems = [
        SyntaxProblem(
            p.message, sql(p.offset), max(sql(p.offset) + 1, sql(max(p.end - 1, p.offset)) + 1)
        )
        for p in parsed.problems
    ]
    return ParsedSql(statements, problems)


class _Remapped:
    __slots__ = ("_inner", "_map")

    def __init__(self, inner: Any, mapping: _Text) -> None:
        self._inner = inner
        self._map = mapping

    def __call__(self, byte_offset: int) -> int:
        return self._map(self._inner(byte_offset))


@lru_cache(maxsize=4)
def _synthetic(kind: str) -> Statement:
    return parse_sql(kind).statements[0]
