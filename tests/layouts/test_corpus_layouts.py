"""Every project of the migration corpus is read with the layout its README row names.

The corpus (``shared/corpus/sql``, third-party files, read in place and never modified)
is described in ``shared/corpus/README.md``. For each project: every set root gets the
expected layout, a few known pairs come out in the tool's order, and no build raises.
Run with ``-s`` to print a per-project summary.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pglint.layouts import find_sets
from pglint.layouts.base import MigrationSet, Reader

#: Project → layout of every set root, or {root suffix: layout} when roots differ.
EXPECTED: dict[str, str | dict[str, str]] = {
    "LemmyNet__lemmy": "diesel",
    "amacneil__dbmate": "dbmate",
    "documenso__documenso": "prisma",
    "ente-io__ente": "golang-migrate",
    "getfider__fider": "plain",
    "goharbor__harbor": "plain",
    "golang-migrate__migrate": "golang-migrate",
    "hatchet-dev__hatchet": "goose",
    "openfga__openfga": "goose",
    "ory__hydra": "popx",
    "ory__kratos": "popx",
    "pressly__goose": "goose",
    "rust-lang__crates.io": "diesel",
    "supabase__auth": "plain",
    "supabase__postgres": "dbmate",
    "temporalio__temporal": "plain",
    "triggerdotdev__trigger.dev": {
        "prisma/migrations": "prisma",
        "dashboard-agent-db/drizzle": "drizzle",
    },
    "umami-software__umami": {
        "prisma/migrations": "prisma",
        "db/postgresql/data-migrations": "plain",
    },
}

#: Project → (earlier label, later label) pairs the tool applies in that order.
ORDER: dict[str, list[tuple[str, str]]] = {
    "LemmyNet__lemmy": [
        ("00000000000000_diesel_initial_setup", "20190226002946_create_user"),
        ("20190226002946_create_user", "20190227170003_create_community"),
        (
            "202607081848400000_add_report_resolve_reason",
            "202607271433130000_rename_resolve_reason_to_conclusion",
        ),
    ],
    "rust-lang__crates.io": [
        ("00000000000000_diesel_initial_setup", "20140924113530_dumped_migration_1"),
        ("20140924113530_dumped_migration_1", "20140924114003_dumped_migration_2"),
    ],
    "ory__kratos": [
        ("20150100000001000000_networks", "20191100000001000000_identities"),
        ("20191100000001000000_identities", "20191100000001000001_identities"),
    ],
    "ory__hydra": [("20150101000001000000_networks", "20190100000001000000_client")],
    "ente-io__ente": [
        ("1_create_tables", "2_create_subscriptions"),
        ("9_create_datacenter", "10_update_temp_object_keys"),
    ],
    "hatchet-dev__hatchet": [("20240115180414_init", "20240122014727_v0_6_0")],
    "documenso__documenso": [("20230404095503_initial_migration", "20230411134605_doc_208")],
    "triggerdotdev__trigger.dev": [
        ("20221206131204_init", "20221207113401_user_organization_workflow"),
        ("0000_magenta_lilandra", "0005_ambitious_mordo"),
    ],
    "umami-software__umami": [
        ("01_init", "02_report_schema_session_data"),
        ("02_report_schema_session_data", "19_add_session_replay"),
    ],
    "goharbor__harbor": [("0002_1.7.0_schema", "0010_1.9.0_schema")],
    "getfider__fider": [("201701261850_create_tenants", "201701281131_rename_domain")],
    "golang-migrate__migrate": [("1085649617_create_users_table", "1185749658_add_city_to_users")],
    "pressly__goose": [("00001_table", "00002_insert"), ("00005_no_tx", "00006_complex")],
    "openfga__openfga": [("001_initialize_schema", "006_add_collate_index")],
    "supabase__postgres": [
        ("00000000000000_initial-schema", "00000000000001_auth-schema"),
        ("10000000000000_demote-postgres", "20211115181400_update-auth-permissions"),
    ],
    "amacneil__dbmate": [("20151129054053_test_migration", "20200227231541_test_posts")],
}


@pytest.fixture(scope="module")
def corpus(shared_dir: Path) -> Path:
    root = shared_dir / "corpus" / "sql"
    if not root.is_dir():
        pytest.skip(f"migration corpus not found at {root}")
    return root


def _expected(project: str, root: Path) -> str:
    expected = EXPECTED[project]
    if isinstance(expected, str):
        return expected
    for suffix, layout in expected.items():
        if root.as_posix().endswith(suffix):
            return layout
    raise AssertionError(f"{project}: no expected layout for set root {root}")


def _sets(corpus: Path, project: str) -> list[MigrationSet]:
    files = sorted(p for p in (corpus / project).rglob("*.sql") if p.is_file())
    assert files, f"{project} has no .sql files"
    return find_sets(files, Reader())


@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_layout_order_and_summary(corpus: Path, project: str) -> None:
    if not (corpus / project).is_dir():
        pytest.skip(f"{project} is not in this corpus snapshot")
    sets = _sets(corpus, project)
    labels: list[str] = []
    for mset in sets:
        assert mset.layout == _expected(project, mset.root), f"{project}: {mset.root}"
        labels += [m.label for m in mset.migrations]
        paired = sum(1 for m in mset.migrations if m.down is not None)
        modes = {True: 0, False: 0, None: 0}
        for m in mset.migrations:
            modes[m.transaction] += 1
        print(
            f"\n{project:28} {mset.root.relative_to(corpus / project).as_posix():58} {mset.layout:14} "
            f"migrations={len(mset.migrations):4} rollbacks={paired:4} problems={len(mset.problems):3} "
            f"ignored={len(mset.ignored):3} tx(yes/no/unknown)={modes[True]}/{modes[False]}/{modes[None]}",
            end="",
        )
        for problem in mset.problems:
            print(f"\n    problem: {problem.path.name}: {problem.message}", end="")
    position = {label: index for index, label in enumerate(labels)}
    for earlier, later in ORDER.get(project, []):
        assert earlier in position, f"{project}: {earlier} not found"
        assert later in position, f"{project}: {later} not found"
        assert position[earlier] < position[later], (
            f"{project}: {earlier} should run before {later}"
        )


def test_ory_specifics(corpus: Path) -> None:
    """Hydra pairs a PostgreSQL up with a dialect-neutral down; kratos keeps empty downs."""
    if not (corpus / "ory__hydra").is_dir() or not (corpus / "ory__kratos").is_dir():
        pytest.skip("ory projects not in this corpus snapshot")
    (hydra,) = _sets(corpus, "ory__hydra")
    networks = hydra.migrations[0]
    assert networks.up[0].path.name == "20150101000001000000_networks.postgres.up.sql"
    assert networks.down[0].path.name == "20150101000001000000_networks.down.sql"
    (kratos,) = _sets(corpus, "ory__kratos")
    empty_downs = [m for m in kratos.migrations if m.down and m.down[0].path.stat().st_size == 0]
    assert empty_downs, "kratos' empty down files should stay paired"
    autocommit = [m for m in kratos.migrations if ".autocommit." in m.up[0].path.name]
    assert autocommit and all(
        "autocommit" in m.transaction_reason or "without a transaction" in m.transaction_reason
        for m in autocommit
    )
    concurrent = next(
        m for m in kratos.migrations if m.up[0].path.name.startswith("20260616000000000000")
    )
    assert concurrent.up[0].path.name.endswith(".postgres.autocommit.up.sql")
    assert concurrent.transaction is False  # one CREATE INDEX CONCURRENTLY, no transaction block


def test_goose_no_transaction_files(corpus: Path) -> None:
    if not (corpus / "openfga__openfga").is_dir():
        pytest.skip("openfga not in this corpus snapshot")
    (mset,) = _sets(corpus, "openfga__openfga")
    modes = {m.label: m.transaction for m in mset.migrations}
    assert modes["006_add_collate_index"] is False
    assert modes["001_initialize_schema"] is True


def test_every_project_is_expected(corpus: Path) -> None:
    """A project added to the corpus needs its row here."""
    projects = {p.name for p in corpus.iterdir() if p.is_dir()}
    assert projects <= set(EXPECTED), sorted(projects - set(EXPECTED))
