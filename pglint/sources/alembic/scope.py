"""What names mean: the module's top-level declarations, and the scope of one function body."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from pglint.sources.alembic.syntax import as_name, dotted
from pglint.sources.alembic.values import Dynamic, const

if TYPE_CHECKING:
    import libcst as cst


class TableName(NamedTuple):
    name: str
    schema: str | None


@dataclass(slots=True)
class ModuleNames:
    """Top-level names of a revision file: how it imports Alembic, its constants, functions."""

    #: Local names of ``alembic.op`` (``"*"`` for ``from alembic.op import *``).
    ops: set[str] = field(default_factory=set)
    #: Local names of the ``alembic`` package (``alembic.op.add_column(...)``).
    alembic: set[str] = field(default_factory=set)
    #: Local name → the module it was imported from.
    imported: dict[str, str] = field(default_factory=dict)
    #: Names assigned exactly once at top level → their value node.
    constants: dict[str, Any] = field(default_factory=dict)
    #: Every name assigned at top level (also those assigned more than once).
    assigned: set[str] = field(default_factory=set)
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)

    def value(self, name: str) -> object:
        """The value of a top-level constant; None when absent or not a literal."""
        node = self.constants.get(name)
        if node is None:
            return None
        try:
            return const(node, {})
        except Dynamic:
            return None


def scan_module(module: cst.Module) -> ModuleNames:
    """Read the top level of a module (also inside ``if`` and ``try`` blocks)."""
    names = ModuleNames()
    counts: dict[str, int] = {}
    _scan(module.body, names, counts)
    for name, count in counts.items():
        if count > 1:
            names.constants.pop(name, None)
    names.assigned.update(counts)
    return names


def _scan(body: Sequence[Any], names: ModuleNames, counts: dict[str, int]) -> None:
    import libcst as cst

    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                _scan_small(small, names, counts)
        elif isinstance(stmt, cst.FunctionDef):
            names.functions[stmt.name.value] = stmt
        elif isinstance(stmt, cst.If):
            _scan(stmt.body.body, names, counts)
            if stmt.orelse is not None:
                orelse = stmt.orelse
                _scan(orelse.body.body if hasattr(orelse.body, "body") else [orelse], names, counts)
        elif isinstance(stmt, cst.Try):
            _scan(stmt.body.body, names, counts)


def _scan_small(small: Any, names: ModuleNames, counts: dict[str, int]) -> None:
    import libcst as cst

    if isinstance(small, cst.ImportFrom) and not small.relative:
        source = dotted(small.module) or ""
        if isinstance(small.names, cst.ImportStar):
            if source == "alembic.op":
                names.ops.add("*")
            return
        for alias in small.names:
            name = dotted(alias.name) or ""
            local = as_name(alias) or name
            names.imported[local] = source
            if source == "alembic" and name == "op":
                names.ops.add(local)
    elif isinstance(small, cst.Import):
        for alias in small.names:
            name = dotted(alias.name) or ""
            local = as_name(alias) or name.split(".")[0]
            names.imported[local] = name
            if name == "alembic.op" and alias.asname:
                names.ops.add(local)
            elif name.split(".")[0] == "alembic":
                names.alembic.add(local)
    elif isinstance(small, (cst.Assign, cst.AnnAssign)):
        targets = (
            [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
        )
        for target in targets:
            if isinstance(target, cst.Name) and small.value is not None:
                counts[target.value] = counts.get(target.value, 0) + 1
                names.constants[target.value] = small.value


@dataclass(slots=True)
class Scope:
    """Names known while reading one function body (``upgrade()``, or a helper it calls)."""

    module: ModuleNames
    #: Names of ``alembic.op`` and of the ``alembic`` package.
    ops: set[str]
    alembic: set[str]
    #: Names of the migration's connection (``op.get_bind()``, a session on it).
    binds: set[str] = field(default_factory=set)
    #: ``with op.batch_alter_table(...) as name``: the table each name alters.
    batches: dict[str, TableName] = field(default_factory=dict)
    #: Names with a value known statically: a CST node, or a :class:`Known` value.
    constants: dict[str, Any] = field(default_factory=dict)
    #: Names of ``sa.table(...)`` objects (``op.bulk_insert`` targets).
    tables: dict[str, TableName] = field(default_factory=dict)
    #: Names whose value cannot be known (parameters, variables assigned several times).
    unknown: set[str] = field(default_factory=set)
    #: Names of ORM sessions on the connection.
    sessions: set[str] = field(default_factory=set)
    #: Inside ``autocommit_block()``.
    autocommit: bool = False
    #: Helper functions being followed (the outermost function first): no recursion.
    helpers: tuple[str, ...] = ()

    @classmethod
    def start(cls, module: ModuleNames, helpers: tuple[str, ...]) -> Scope:
        """The scope at the start of a function: module names only."""
        return cls(module, set(module.ops), set(module.alembic), helpers=helpers)

    @property
    def depth(self) -> int:
        """How deep in helper calls this body is (0: upgrade() or downgrade() itself)."""
        return len(self.helpers) - 1

    def copy(self) -> Scope:
        return Scope(
            self.module,
            set(self.ops),
            set(self.alembic),
            set(self.binds),
            dict(self.batches),
            dict(self.constants),
            dict(self.tables),
            set(self.unknown),
            set(self.sessions),
            self.autocommit,
            self.helpers,
        )
