"""Alembic: Python revision files in a ``versions/`` folder, ordered by their revision graph.

Each file names itself (``revision = "ae1027a6acf"``) and its parents (``down_revision``: a
string, None for a base, a tuple for a merge; ``depends_on`` adds dependencies that are not
parents). Migrations are replayed in topological order from the bases, ties broken by file
name. Each migration has an up (``upgrade()``) and a rollback (``downgrade()``): a file's
Part ``up`` and Part ``down`` (:func:`pglint.sources.parse_part` takes the function).

Alembic runs every migration in a transaction on PostgreSQL (``transactional_ddl``); the
statements of an ``autocommit_block()`` run outside it. The statements themselves say so:
:mod:`pglint.sources.alembic` puts a ``BEGIN`` before them and a ``COMMIT`` after (and a
``COMMIT`` / ``BEGIN`` around each autocommit block), so the migration's own mode is
"no transaction around the file" (``transaction=False``), or that ``BEGIN`` would nest in
a transaction of the tool's and be reported by the transaction rules.

Problems of the graph itself (a parent that does not exist, a cycle, several heads,
revision ids used twice) go on each migration's ``notes`` for the ``revision-graph`` rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pglint.discovery import is_regular_file
from pglint.layouts.base import (
    Layout,
    Migration,
    MigrationSet,
    Part,
    Reader,
    SetProblem,
    natural_key,
)

if TYPE_CHECKING:
    from pglint.sources.alembic.reader import AlembicFile

TRANSACTION_REASON = (
    "Alembic runs each migration in one transaction on PostgreSQL (transactional DDL); "
    "only the statements inside op.get_context().autocommit_block() run outside it. pglint "
    "reads that from the BEGIN/COMMIT it places around upgrade() and downgrade()"
)


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    return any(p.suffix == ".py" for p in files)


def _revision_files(root: Path, files: list[Path]) -> list[Path]:
    """The folder's revision files: those given and their siblings (needed for the graph)."""
    from pglint.discovery import is_python_migration

    found = {p for p in files if p.suffix == ".py"}
    try:
        siblings = [p for p in root.glob("*.py") if is_regular_file(p)]
    except OSError:
        siblings = []
    found.update(p for p in siblings if p not in found and is_python_migration(p))
    return sorted(found, key=lambda p: natural_key(p.name))


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    infos, problems, ignored = _read_revisions(root, files, reader)
    labels = {label for info in infos.values() if info is not None for label in info.branch_labels}
    parents, down_parents, notes = _graph(root, infos, labels)
    order, cyclic = _topological(list(infos), parents)
    for cycle in _cycles(cyclic, parents):
        names = " → ".join(_label(infos, p) for p in (*cycle, cycle[0]))
        for path in cycle:
            notes[path].append(("cycle", f"the revisions form a cycle: {names}"))
    _heads(infos, down_parents, labels, notes)
    migrations = [
        _migration(path, infos[path], index, notes[path])
        for index, path in enumerate([*order, *cyclic])
    ]
    return MigrationSet(root, LAYOUT.name, migrations, True, problems, ignored=ignored)


def _read_revisions(
    root: Path, files: list[Path], reader: Reader
) -> tuple[dict[Path, AlembicFile | None], list[SetProblem], dict[Path, str]]:
    """The folder's revisions (None: unreadable, reported when linted), the set's problems,
    and the files that are not revisions."""
    from pglint.sources.alembic import read_alembic

    problems: list[SetProblem] = []
    ignored: dict[Path, str] = {}
    infos: dict[Path, AlembicFile | None] = {}
    without_revision = []
    for path in _revision_files(root, files):
        text, _ = reader.read(path)
        if text is None:
            infos[path] = None
            continue
        info = read_alembic(text)
        if info.error is None and not info.declares_revision:
            without_revision.append((path, info))
            continue
        infos[path] = info
    for path, info in without_revision:
        if info.has_upgrade and any(i is not None and i.revision for i in infos.values()):
            problems.append(
                SetProblem(
                    path,
                    f"{path.name} defines upgrade() but no revision variable, among Alembic "
                    "revisions: Alembic cannot load it",
                )
            )
        else:
            ignored[path] = "not an Alembic revision (no revision variable)"
    for path in files:
        if path.suffix != ".py":
            ignored[path] = "not a Python revision file; Alembic does not run it"
    return infos, problems, ignored


def _graph(
    root: Path, infos: dict[Path, AlembicFile | None], labels: set[str]
) -> tuple[dict[Path, list[Path]], dict[Path, list[Path]], dict[Path, list[tuple[str, str]]]]:
    """Each revision's parents for ordering (down_revision and depends_on), its
    down_revision parents alone (the ones that end a head), and the (kind, message) notes
    of revision ids used twice and of parents that do not exist."""
    by_revision: dict[str, Path] = {}
    notes: dict[Path, list[tuple[str, str]]] = {path: [] for path in infos}
    for path, info in infos.items():
        if info is None or info.revision is None:
            continue
        other = by_revision.get(info.revision)
        if other is not None:
            message = f"revision {info.revision} is declared by both {other.name} and {path.name}"
            notes[path].append(("duplicate", message))
            continue
        by_revision[info.revision] = path
    parents: dict[Path, list[Path]] = {path: [] for path in infos}
    down_parents: dict[Path, list[Path]] = {path: [] for path in infos}
    for path, info in infos.items():
        if info is None:
            continue
        for parent in info.down_revisions:
            if parent in by_revision:
                parents[path].append(by_revision[parent])
                down_parents[path].append(by_revision[parent])
            else:
                notes[path].append(
                    (
                        "missing",
                        f"down_revision {parent!r} of revision {info.revision} ({path.name}) "
                        f"is not a revision in {root.name}/: Alembic stops with "
                        f'"Revision {parent} referenced from {info.revision} is not present"',
                    )
                )
        for dependency in info.depends_on:
            if dependency in by_revision:
                parents[path].append(by_revision[dependency])
            elif dependency not in labels:
                notes[path].append(
                    (
                        "missing",
                        f"depends_on {dependency!r} of revision {info.revision} ({path.name}) is "
                        f"neither a revision nor a branch label in {root.name}/",
                    )
                )
    return parents, down_parents, notes


def _migration(
    path: Path, info: AlembicFile | None, index: int, notes: list[tuple[str, str]]
) -> Migration:
    revision = info.revision if info is not None and info.revision else path.stem
    name = path.stem
    if name.startswith(revision):
        name = name[len(revision) :].lstrip("_")
    return Migration(
        version=revision,
        name=name,
        up=(Part(path, "up"),),
        down=(Part(path, "down"),),
        transaction=False,
        sort_key=(index,),
        irreversible=info.irreversible if info is not None else None,
        transaction_reason=TRANSACTION_REASON,
        notes=tuple(notes),
    )


def _label(infos: dict[Path, AlembicFile | None], path: Path) -> str:
    info = infos.get(path)
    return f"{info.revision} ({path.name})" if info is not None and info.revision else path.name


def _topological(
    paths: list[Path], parents: dict[Path, list[Path]]
) -> tuple[list[Path], list[Path]]:
    """Paths parents-first (ties by file name); the paths left over sit on or after a cycle."""
    remaining = {p: len(set(parents[p])) for p in paths}
    children: dict[Path, list[Path]] = {p: [] for p in paths}
    for path in paths:
        for parent in set(parents[path]):
            children[parent].append(path)
    ready = sorted((p for p, n in remaining.items() if n == 0), key=lambda p: natural_key(p.name))
    order: list[Path] = []
    while ready:
        path = ready.pop(0)
        order.append(path)
        for child in children[path]:
            remaining[child] -= 1
            if remaining[child] == 0:
                ready.append(child)
                ready.sort(key=lambda p: natural_key(p.name))
    done = set(order)
    left = sorted((p for p in paths if p not in done), key=lambda p: natural_key(p.name))
    return order, left


def _cycles(left: list[Path], parents: dict[Path, list[Path]]) -> list[list[Path]]:
    """The cycles among the paths a topological sort could not place (each once)."""
    cycles: list[list[Path]] = []
    seen: set[Path] = set()
    pending = set(left)
    for start in left:
        if start in seen:
            continue
        # Follow parents until a path repeats: that stretch is a cycle.
        trail: list[Path] = []
        at: Path | None = start
        while at is not None and at not in trail and at not in seen:
            trail.append(at)
            nxt = [p for p in parents[at] if p in pending]
            at = nxt[0] if nxt else None
        seen.update(trail)
        if at is not None and at in trail:
            cycles.append(trail[trail.index(at) :])
    return cycles


def _heads(
    infos: dict[Path, AlembicFile | None],
    down_parents: dict[Path, list[Path]],
    labels: set[str],
    notes: dict[Path, list[tuple[str, str]]],
) -> None:
    """A note on each head when there are several and no branch labels.

    A head is a revision no other names as its down_revision: a ``depends_on`` does not
    merge two streams (Alembic's "Branch Dependencies"), so its target stays a head.
    """
    has_children = {parent for path in infos for parent in down_parents[path]}
    duplicates = {p for p, found in notes.items() if any(kind == "duplicate" for kind, _ in found)}
    heads = [
        p for p in infos if p not in has_children and p not in duplicates and infos[p] is not None
    ]
    if len(heads) < 2 or labels:
        return  # branch labels: the branches are deliberate (alembic upgrade heads)
    names = ", ".join(_label(infos, p) for p in heads)
    for path in heads:
        notes[path].append(
            (
                "heads",
                f"revision {_label(infos, path)} is one of {len(heads)} heads ({names}): "
                '`alembic upgrade head` stops with "Multiple head revisions are present"',
            )
        )


LAYOUT = Layout(
    name="alembic",
    title="Alembic",
    rollback=True,
    detect=detect,
    build=build,
    transaction_doc="each migration in one transaction; autocommit_block() runs outside it",
)
