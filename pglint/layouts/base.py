"""Migration sets: the migrations of one folder, ordered as their tool runs them."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pglint.discovery import is_regular_file, read_source


@dataclass(frozen=True, slots=True)
class Part:
    """A run of SQL that one migration step executes: a whole file or a section of one."""

    path: Path
    role: str  # "up" or "down"
    start: int = 0  # character offsets of the section in the file's text
    end: int | None = None
    #: How this part runs when it differs from its migration's mode (dbmate sections,
    #: popx ``.autocommit.`` files); None: as :meth:`Migration.transaction_of` says.
    transaction: bool | None = None
    #: The tool sends the part as one simple Query, in no transaction of its own (see
    #: :func:`one_query_transaction`): the statements of a multi-statement part outside
    #: the script's own BEGIN … COMMIT run in implicit transaction blocks.
    one_query: bool = False


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration: its up parts, its rollback parts, and how its tool runs it."""

    version: str
    name: str
    up: tuple[Part, ...]
    down: tuple[Part, ...] | None
    transaction: bool | None  # None: the layout does not say
    sort_key: tuple = ()
    irreversible: str | None = None
    #: Transaction mode of the rollback when it differs from the up's (None: same).
    down_transaction: bool | None = None
    #: Where the transaction mode comes from, for messages ("diesel wraps each migration
    #: in a transaction; no metadata.toml sets run_in_transaction = false").
    transaction_reason: str = ""
    #: Scripts that belong to the migration but are not run by up or down (sqitch verify).
    verify: tuple[Part, ...] = ()
    #: Problems the layout found with this migration, as (kind, message): the Alembic
    #: revision graph's ``missing``, ``cycle``, ``heads`` and ``duplicate``.
    notes: tuple[tuple[str, str], ...] = ()
    #: False when the tool has no rollback for this kind of migration, even in a layout
    #: that has rollbacks (Flyway's repeatable ``R__`` migrations have no undo).
    rollback_possible: bool = True

    def transaction_of(self, part: Part) -> bool | None:
        """Whether ``part`` runs inside a transaction (None: the layout does not say)."""
        if part.transaction is not None:
            return part.transaction
        if part.role == "down" and self.down_transaction is not None:
            return self.down_transaction
        return self.transaction

    @property
    def label(self) -> str:
        return f"{self.version}_{self.name}" if self.name else self.version

    @property
    def paths(self) -> tuple[Path, ...]:
        seen: dict[Path, None] = {}
        for part in (*self.up, *(self.down or ())):
            seen.setdefault(part.path, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class SetProblem:
    """Something wrong with the set itself: a duplicate version, a down without an up, …"""

    path: Path
    message: str


@dataclass(slots=True)
class MigrationSet:
    root: Path
    layout: str
    migrations: list[Migration]
    supports_rollback: bool
    problems: list[SetProblem] = field(default_factory=list)
    note: str = ""
    #: Files of the set's folder that the tool does not run, with the reason (popx files
    #: for other databases, sqitch verify scripts). Not migrations; do not lint as such.
    ignored: dict[Path, str] = field(default_factory=dict)
    #: The tool runs all pending migrations in one transaction (drizzle): a statement
    #: that needs an earlier migration committed fails even across files.
    shared_transaction: bool = False


class Reader:
    """Reads files once, caching text and errors."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[str | None, str | None]] = {}

    def read(self, path: Path) -> tuple[str | None, str | None]:
        found = self._cache.get(path)
        if found is None:
            found = read_source(path)
            self._cache[path] = found
        return found

    def text(self, path: Path) -> str:
        return self.read(path)[0] or ""


_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key that compares digit runs as numbers: ``V1.10`` after ``V1.9``."""
    # (0, number) and (1, text) pairs keep mixed names comparable: "2_a" vs "b2" never
    # compares an int with a str.
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p.lower())
        for p in _NUMBER.split(text)
        if p != ""
    )


def version_key(version: str) -> tuple[int, ...]:
    """Flyway-style version: parts separated by ``.`` or ``_``, compared numerically."""
    parts = re.split(r"[._]", version)
    return tuple(int(p) if p.isdigit() else 0 for p in parts if p != "")


@dataclass(frozen=True, slots=True)
class Layout:
    """A migration tool's layout: how to recognise its folders and read its migrations."""

    name: str
    title: str
    rollback: bool
    detect: Callable[[Path, list[Path], Reader], bool]
    build: Callable[[Path, list[Path], Reader], MigrationSet]
    transaction_doc: str = ""


def _pieces(text: str) -> list[str]:
    import pglast  # here, so that finding sets does not load the parser

    try:
        return list(pglast.split(text, with_parser=False))
    except Exception:  # any scanner failure: fall back to a rough cut
        stripped = re.sub(r"--[^\n]*", "", text)
        return [piece for piece in stripped.split(";") if piece.strip()]


def count_statements(text: str) -> int:
    """Number of SQL statements in ``text``, cut with PostgreSQL's own scanner.

    Comments and empty statements do not count. Text the scanner rejects (an unterminated
    quote, say) falls back to counting semicolon-separated pieces that are not blank.
    """
    return len(_pieces(text))


_TRANSACTION_WORDS = frozenset({"begin", "start", "commit", "end", "rollback"})


def manages_transactions(pieces: list[str]) -> bool:
    """Whether a script opens or ends transactions itself (BEGIN, COMMIT, …)."""
    return any(
        piece.split(None, 1)[0].lower().rstrip(";") in _TRANSACTION_WORDS
        for piece in pieces
        if piece.strip() and not piece.lstrip().lower().startswith("begin atomic")
    )


def one_query_transaction(
    text: str | None, how: str = "the tool sends the script"
) -> tuple[bool | None, str]:
    """Transaction mode (and its reason) of a script sent to PostgreSQL as one simple Query.

    PostgreSQL runs every statement of a multi-statement simple Query in a transaction
    block (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT):
    the script's own BEGIN … COMMIT, which statements before the BEGIN join, or else an
    implicit block, which a COMMIT ends and the next statement opens again. So
    ``CREATE INDEX CONCURRENTLY`` fails there unless it is the script's only statement.
    The parts of such scripts are marked :attr:`Part.one_query`, which the transaction
    model follows (:class:`pglint.model.transaction.TransactionState`). ``how`` starts the
    reason ("diesel sends up.sql"). None when the text could not be read.
    """
    if text is None:
        return None, f"{how} as one query; its text could not be read"
    pieces = _pieces(text)
    count = len(pieces)
    if count > 1 and manages_transactions(pieces):
        return True, (
            f"{how} as one query, and PostgreSQL runs its {count} statements in the "
            "script's own transaction blocks and the statements outside them in implicit ones"
        )
    if count > 1:
        return True, (
            f"{how} as one query, and PostgreSQL runs its {count} statements as one "
            "implicit transaction"
        )
    return (
        False,
        f"{how} as one query of a single statement, which runs outside a transaction block",
    )


def duplicates(
    migrations: Iterable[Migration],
    root: Path,
    key: Callable[[Migration], Hashable] = lambda m: m.version,
    word: str = "version",
) -> list[SetProblem]:
    """Migrations a tool cannot tell apart: the same ``key`` (by default the version, as
    the tool compares it; falsy keys are not compared) as an earlier migration."""
    seen: dict[Hashable, Migration] = {}
    problems = []
    for m in migrations:
        value = key(m)
        if not value and value != 0:
            continue
        if value in seen:
            problems.append(
                SetProblem(
                    m.up[0].path if m.up else root,
                    f"duplicate migration {word} {m.version}: {seen[value].label} and {m.label}",
                )
            )
        else:
            seen[value] = m
    return problems


#: Layouts whose small integer versions are conventionally consecutive (1, 2, 3, …).
SEQUENTIAL_LAYOUTS = frozenset({"golang-migrate", "goose", "flyway"})


def gaps(mset: MigrationSet) -> list[SetProblem]:
    """Missing numbers in a set numbered 1, 2, 3, …: often a migration deleted or renamed.

    Only for small integer versions (timestamps have gaps by nature) in tools whose sets
    are numbered consecutively.
    """
    if mset.layout not in SEQUENTIAL_LAYOUTS or len(mset.migrations) < 3:
        return []
    try:
        numbers = sorted({int(m.version) for m in mset.migrations})
    except ValueError:
        return []
    if numbers[-1] >= 100_000:
        return []
    present = set(numbers)
    missing = [n for n in range(numbers[0], numbers[-1]) if n not in present]
    if not missing:
        return []
    runs: list[str] = []
    start = previous = missing[0]
    for number in [*missing[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        runs.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    after = next(m for m in mset.migrations if int(m.version) > missing[0])
    return [
        SetProblem(
            after.up[0].path if after.up else mset.root,
            f"migration version(s) {', '.join(runs[:10])}{' …' if len(runs) > 10 else ''} missing from "
            f"the sequence {numbers[0]}-{numbers[-1]}: a migration was deleted or renamed, or a "
            "branch forgot one",
        )
    ]


def folder_pairs(
    root: Path, files: list[Path], up_name: str, expected: str, tool: str
) -> tuple[list[tuple[Path, Path, Path | None]], list[SetProblem]]:
    """Folder-per-migration layouts: ``(folder, up, down)`` for ``<root>/<folder>/up_name``
    with an optional ``down.sql`` beside it, and the problems (stray files, a down without
    its up). ``expected`` names the layout's file pattern in messages."""
    problems: list[SetProblem] = []
    folders: dict[Path, dict[str, Path]] = {}
    for path in files:
        if path.parent.parent == root and path.name in (up_name, "down.sql"):
            folders.setdefault(path.parent, {})[path.name] = path
        else:
            shown = path.relative_to(root) if path.is_relative_to(root) else path.name
            problems.append(SetProblem(path, f"{shown} is not {expected}; {tool} does not run it"))
    pairs = []
    for folder, found in folders.items():
        up = found.get(up_name)
        if up is None and is_regular_file(folder / up_name):
            up = folder / up_name
        if up is None:
            problems.append(
                SetProblem(
                    found["down.sql"],
                    f"{folder.name}/down.sql is a rollback without "
                    f"{'an' if up_name[0] in 'aeiou' else 'a'} {up_name}",
                )
            )
            continue
        down = found.get("down.sql")
        if down is None and is_regular_file(folder / "down.sql"):
            down = folder / "down.sql"
        pairs.append((folder, up, down))
    return pairs, problems
