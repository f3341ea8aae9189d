"""Sqitch: ``sqitch.plan`` lists the changes in order; ``deploy/``, ``revert/``, ``verify/`` hold scripts.

Plan lines (https://sqitch.org/docs/manual/sqitch-plan/): ``%name=value`` pragmas,
``@tag timestamp planner <email> # note`` tags, blank lines and ``#`` comments, and changes
``name [dependencies] timestamp planner <email> # note`` (an optional leading ``+``/``-``
marks a deploy or revert). A change is deployed by ``deploy/<name>.sql`` and reverted by
``revert/<name>.sql``; ``verify/<name>.sql`` checks it and is not a migration (kept on
:attr:`Migration.verify` and listed as ignored). A reworked change appears twice in the
plan; its earlier instance's scripts are named ``<name>@<tag>.sql`` after a tag between the
two instances (https://sqitch.org/docs/manual/sqitch-rework/): the first such tag whose
deploy script exists, else the first tag.

Transactions: Sqitch runs each script with ``psql -f`` and adds no transaction; the
scripts it generates have their own ``BEGIN``/``COMMIT``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pglint.discovery import is_regular_file
from pglint.layouts.base import Layout, Migration, MigrationSet, Part, Reader, SetProblem

DIRS = ("deploy", "revert", "verify")
_CHANGE = re.compile(
    r"^[+-]?(?P<name>[^\s\[@#:\\]+)\s*(?:\[(?P<deps>[^\]]*)\])?\s*"
    r"(?P<timestamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)?"
)
_TAG = re.compile(r"^@(?P<name>[^\s#]+)")


@dataclass(slots=True)
class _Change:
    name: str
    line: int
    tags: list[str] = field(default_factory=list)  # tags after this instance, before the next one


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    return is_regular_file(root / "sqitch.plan")


def parse_plan(text: str) -> tuple[list[_Change], list[str]]:
    """The plan's changes in order (each instance of a reworked change) and problems."""
    changes: list[_Change] = []
    problems: list[str] = []
    open_instances: dict[str, _Change] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("%"):
            continue
        tag = _TAG.match(line)
        if tag:
            for change in open_instances.values():
                change.tags.append(tag["name"])
            continue
        match = _CHANGE.match(line)
        if match is None:
            problems.append(
                f"sqitch.plan line {number} is not a change, tag or pragma: {line[:60]!r}"
            )
            continue
        name = match["name"]
        if name in open_instances and not open_instances[name].tags:
            problems.append(
                f"sqitch.plan line {number}: change {name!r} appears again with no tag in between"
            )
        change = _Change(name, number)
        open_instances[name] = change
        changes.append(change)
    return changes, problems


def _script(root: Path, kind: str, change: _Change, reworked: bool) -> Path:
    """The script of one instance of a change (``name@tag.sql`` for earlier reworked ones)."""
    if not reworked or not change.tags:
        return root / kind / f"{change.name}.sql"
    names = [f"{change.name}@{tag}.sql" for tag in change.tags]
    for name in names:
        if is_regular_file(root / "deploy" / name):
            return root / kind / name
    return root / kind / names[0]


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    problems: list[SetProblem] = []
    ignored: dict[Path, str] = {}
    plan = root / "sqitch.plan"
    text, error = reader.read(plan) if is_regular_file(plan) else (None, "missing")
    if text is None:
        problems.append(
            SetProblem(
                plan, f"sqitch.plan cannot be read ({error}); the order of changes is unknown"
            )
        )
        return MigrationSet(root, LAYOUT.name, [], True, problems)
    changes, messages = parse_plan(text)
    problems += [SetProblem(plan, message) for message in messages]
    given = set(files)
    last_instance: dict[str, int] = {}
    for index, change in enumerate(changes):
        last_instance[change.name] = index
    migrations = []
    used: set[Path] = set()
    for index, change in enumerate(changes):
        reworked = last_instance[change.name] != index
        deploy = _script(root, "deploy", change, reworked)
        revert = _script(root, "revert", change, reworked)
        verify = _script(root, "verify", change, reworked)
        used |= {deploy, revert, verify}
        if not (deploy in given or is_regular_file(deploy)):
            problems.append(
                SetProblem(
                    plan,
                    f"sqitch.plan line {change.line}: change {change.name!r} has no deploy script "
                    f"{deploy.relative_to(root).as_posix()}",
                )
            )
            continue
        has_revert = revert in given or is_regular_file(revert)
        has_verify = verify in given or is_regular_file(verify)
        if has_verify:
            ignored[verify] = f"sqitch verify script of change {change.name!r}, not a migration"
        migrations.append(
            Migration(
                deploy.relative_to(root / "deploy").as_posix().removesuffix(".sql"),
                "",
                (Part(deploy, "up"),),
                (Part(revert, "down"),) if has_revert else None,
                False,
                (index,),
                transaction_reason="sqitch runs each script with psql and adds no transaction",
                verify=(Part(verify, "verify"),) if has_verify else (),
            )
        )
    for path in files:
        if path in used:
            continue
        relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        kind = relative.split("/", 1)[0]
        if kind == "revert":
            problems.append(
                SetProblem(path, f"{relative} is a revert script of no change in sqitch.plan")
            )
        elif kind == "deploy":
            problems.append(
                SetProblem(
                    path, f"{relative} is not a change in sqitch.plan; sqitch never deploys it"
                )
            )
        elif kind == "verify":
            ignored[path] = "sqitch verify script of no change in sqitch.plan"
        else:
            problems.append(
                SetProblem(
                    path, f"{relative} is not in sqitch's deploy/, revert/ or verify/ folders"
                )
            )
    return MigrationSet(root, LAYOUT.name, migrations, True, problems, ignored=ignored)


LAYOUT = Layout(
    name="sqitch",
    title="Sqitch (sqitch.plan + deploy/revert/verify scripts)",
    rollback=True,
    detect=detect,
    build=build,
    transaction_doc="no transaction added by the tool; scripts have their own BEGIN/COMMIT",
)
