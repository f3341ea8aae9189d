"""Ory popx (Kratos, Hydra, Keto): ``<version>_<name>[.<dialect>][.autocommit].(up|down).sql``.

popx parses names with ``^(\\d+)_([^.]+)(\\.[a-z0-9]+)?(\\.autocommit)?\\.(up|down)\\.(sql)$``
(``popx/match.go`` in ory/x). A file without a dialect is for every database; for
PostgreSQL, a ``.postgres.`` file (also spelled ``.postgresql.`` or ``.pg.``) of the same
version and direction replaces it. Files for other dialects (``.mysql.``, ``.sqlite3.``,
``.cockroach.``…) are not migrations of a PostgreSQL set: they are listed as ignored, as
are the dialect-neutral files a ``.postgres.`` one replaces. Versions compare as strings
(``Migrations.Less`` in popx/migration_info.go); every up needs a down of the same version
(popx refuses to start otherwise). Down files are often empty: they stay paired.

Transactions: popx runs each migration in a transaction (``Runner``) unless its name has
``.autocommit.`` (``RunnerNoTx``); an autocommit file is sent as one query, so PostgreSQL
still runs a multi-statement one in transaction blocks (implicit ones outside its own
BEGIN … COMMIT).

Detection: names alone do not tell popx from golang-migrate (``20190100000001000000_client.up.sql``
fits both). A folder is popx when at least half its files match popx's pattern, it has at
least one down file (popx requires them), and either a name carries a dialect or
``.autocommit.`` tag, or a version does not fit in 64 bits (popx's 20-digit versions:
golang-migrate parses versions as uint64 and cannot run them). Otherwise golang-migrate is
the better guess, and the two order and pair the same way. A folder of up files only with
an occasional ``.postgres.up.sql`` (gobuffalo pop's FileMigrator, as supabase/auth uses) is
left to the plain layout.
"""

from __future__ import annotations

import re
from pathlib import Path

from pglint.layouts.base import (
    Layout,
    Migration,
    MigrationSet,
    Part,
    Reader,
    SetProblem,
    one_query_transaction,
)

PATTERN = re.compile(
    r"^(?P<version>\d+)_(?P<name>[^.]+)(?:\.(?P<dialect>[a-z0-9]+))?(?P<autocommit>\.autocommit)?"
    r"\.(?P<role>up|down)\.sql$"
)

#: pop's dialect names and their aliases (``pop.CanonicalDialect``).
DIALECTS = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "pg": "postgres",
    "cockroach": "cockroach",
    "cockroachdb": "cockroach",
    "crdb": "cockroach",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite3",
    "sqlite3": "sqlite3",
}
UINT64_MAX = 2**64 - 1


def parse(name: str) -> tuple[re.Match[str] | None, str, bool]:
    """(match, dialect, autocommit): dialect is ``all`` when untagged, ``?x`` when unknown."""
    match = PATTERN.match(name)
    if match is None:
        return None, "", False
    dialect = match["dialect"]
    autocommit = bool(match["autocommit"])
    if dialect == "autocommit" and not autocommit:
        # ``x.autocommit.up.sql``: the optional dialect group took the tag.
        return match, "all", True
    if dialect is None:
        return match, "all", autocommit
    return match, DIALECTS.get(dialect, f"?{dialect}"), autocommit


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    parsed = [parse(p.name) for p in files]
    hits = [(m, d, a) for m, d, a in parsed if m]
    if not hits or 2 * len(hits) < len(files):
        return False
    tagged = any(d != "all" or a for _, d, a in hits)
    huge = any(int(m["version"]) > UINT64_MAX for m, _, _ in hits)
    has_down = (
        any(m["role"] == "down" for m, _, _ in hits)
        or next(root.glob("*.down.sql"), None) is not None
    )
    return (tagged or huge) and has_down


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    problems: list[SetProblem] = []
    ignored: dict[Path, str] = {}
    # (version, role) -> {"postgres": (path, name, autocommit), "all": ...}
    chosen: dict[tuple[str, str], dict[str, tuple[Path, str, bool]]] = {}
    for path in files:
        match, dialect, autocommit = parse(path.name)
        if match is None:
            problems.append(
                SetProblem(
                    path,
                    f"{path.name} is not named <version>_<name>[.<dialect>][.autocommit].up.sql or "
                    ".down.sql; popx ignores it",
                )
            )
            continue
        if dialect.startswith("?"):
            problems.append(
                SetProblem(
                    path, f"{path.name} names an unknown dialect {dialect[1:]!r}; popx ignores it"
                )
            )
            continue
        if dialect not in ("all", "postgres"):
            ignored[path] = f"popx migration for {dialect}, not PostgreSQL"
            continue
        slot = chosen.setdefault((match["version"], match["role"]), {})
        if dialect in slot:
            problems.append(
                SetProblem(
                    path,
                    f"duplicate migration version {match['version']}: {slot[dialect][0].name} and {path.name}",
                )
            )
            continue
        slot[dialect] = (path, match["name"], autocommit)
    picked: dict[tuple[str, str], tuple[Path, str, bool]] = {}
    for key, slot in chosen.items():
        if "postgres" in slot:
            picked[key] = slot["postgres"]
            if "all" in slot:
                ignored[slot["all"][0]] = f"replaced for PostgreSQL by {slot['postgres'][0].name}"
        else:
            picked[key] = slot["all"]
    migrations = []
    for (version, role), (path, name, autocommit) in picked.items():
        if role != "up":
            if (version, "up") not in picked:
                problems.append(
                    SetProblem(path, f"{path.name} is a rollback without an up migration")
                )
            continue
        down = picked.get((version, "down"))
        if down is None:
            problems.append(
                SetProblem(
                    path,
                    f"{path.name} has no down migration of version {version}; popx requires one",
                )
            )
        transaction, reason = _mode(path, autocommit, reader)
        down_transaction = None
        if down is not None:
            down_transaction, _ = _mode(down[0], down[2], reader)
        migrations.append(
            Migration(
                version,
                name,
                (Part(path, "up", one_query=autocommit),),
                (Part(down[0], "down", one_query=down[2]),) if down is not None else None,
                transaction,
                (version,),
                down_transaction=down_transaction,
                transaction_reason=reason,
            )
        )
    migrations.sort(key=lambda m: m.sort_key)
    return MigrationSet(root, LAYOUT.name, migrations, True, problems, ignored=ignored)


def _mode(path: Path, autocommit: bool, reader: Reader) -> tuple[bool | None, str]:
    if not autocommit:
        return True, "popx runs each migration in a transaction (no .autocommit. in the name)"
    return one_query_transaction(
        reader.read(path)[0], f"popx runs {path.name} without a transaction and sends it"
    )


LAYOUT = Layout(
    name="popx",
    title="Ory popx (<version>_<name>[.postgres][.autocommit].up.sql/.down.sql)",
    rollback=True,
    detect=detect,
    build=build,
    transaction_doc="each migration in a transaction unless its name has .autocommit.",
)
