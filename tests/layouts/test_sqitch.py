"""Sqitch: plan order, deploy/revert pairing, verify scripts, reworked changes."""

from __future__ import annotations

from pglint.layouts import find_sets, set_root, sql_files_in
from pglint.layouts.base import Reader
from tests.layouts.helpers import labels, messages, one_set

PLAN = """%syntax-version=1.0.0
%project=flipr
%uri=https://github.com/sqitchers/sqitch-intro/

appschema 2013-12-30T23:19:37Z Marge N. O'Vera <marge@example.com> # Add schema.
users [appschema] 2013-12-30T23:49:01Z Marge N. O'Vera <marge@example.com> # Creates table.
@v1.0.0-dev1 2013-12-31T00:01:28Z Marge N. O'Vera <marge@example.com> # Tag it.

flips [appschema users] 2013-12-31T00:17:45Z Marge N. O'Vera <marge@example.com> # Flips.
schema/audit 2013-12-31T00:20:00Z Marge N. O'Vera <marge@example.com>
"""


def _project(tree, plan=PLAN, extra=None):
    files = {
        "flipr/sqitch.plan": plan,
        "flipr/deploy/appschema.sql": "BEGIN;\nCREATE SCHEMA flipr;\nCOMMIT;\n",
        "flipr/revert/appschema.sql": "BEGIN;\nDROP SCHEMA flipr;\nCOMMIT;\n",
        "flipr/verify/appschema.sql": "SELECT pg_catalog.has_schema_privilege('flipr', 'usage');\n",
        "flipr/deploy/users.sql": "BEGIN;\nCREATE TABLE flipr.users (id int);\nCOMMIT;\n",
        "flipr/revert/users.sql": "BEGIN;\nDROP TABLE flipr.users;\nCOMMIT;\n",
        "flipr/deploy/flips.sql": "BEGIN;\nCREATE TABLE flipr.flips (id int);\nCOMMIT;\n",
        "flipr/deploy/schema/audit.sql": "CREATE SCHEMA audit;\n",
    }
    files.update(extra or {})
    return tree(files)


def test_plan_gives_the_order_and_scripts_pair(tree):
    files = _project(tree)
    assert {set_root(p).name for p in files} == {"flipr"}
    mset = one_set(files)
    assert mset.layout == "sqitch"
    assert labels(mset) == ["appschema", "users", "flips", "schema/audit"]
    appschema, users, flips, audit = mset.migrations
    assert users.down[0].path.name == "users.sql"
    assert appschema.down[0].path.as_posix().endswith("revert/appschema.sql")
    assert appschema.verify[0].path.as_posix().endswith("verify/appschema.sql")
    assert flips.down is None
    assert audit.up[0].path.as_posix().endswith("deploy/schema/audit.sql")
    assert all(m.transaction is False for m in mset.migrations)
    assert any(p.name == "appschema.sql" and p.parent.name == "verify" for p in mset.ignored)
    assert mset.problems == []


def test_complete_listing_finds_nested_scripts(tree):
    files = _project(tree)
    root = next(p for p in files if p.parent.name == "deploy").parent.parent
    assert any(p.as_posix().endswith("deploy/schema/audit.sql") for p in sql_files_in(root))


def test_missing_deploy_script_and_unplanned_scripts(tree):
    plan = PLAN + "ghost 2014-01-01T00:00:00Z Marge <marge@example.com>\n"
    files = _project(
        tree,
        plan,
        {"flipr/deploy/unplanned.sql": "SELECT 1;", "flipr/revert/nothing.sql": "SELECT 1;"},
    )
    mset = one_set(files)
    found = messages(mset)
    assert any("change 'ghost' has no deploy script deploy/ghost.sql" in m for m in found)
    assert any("deploy/unplanned.sql is not a change in sqitch.plan" in m for m in found)
    assert any("revert/nothing.sql is a revert script of no change" in m for m in found)
    assert "ghost" not in labels(mset)


def test_reworked_change_uses_the_tagged_scripts_for_its_first_instance(tree):
    plan = (
        PLAN
        + "@v1.1 2014-01-02T00:00:00Z Marge <marge@example.com>\n"
        + ("users [users@v1.1] 2014-01-03T00:00:00Z Marge <marge@example.com> # Rework users.\n")
    )
    files = _project(
        tree,
        plan,
        {
            "flipr/deploy/users@v1.0.0-dev1.sql": "CREATE TABLE flipr.users (id int);",
            "flipr/revert/users@v1.0.0-dev1.sql": "DROP TABLE flipr.users;",
        },
    )
    mset = one_set(files)
    names = [m.up[0].path.name for m in mset.migrations]
    assert names == [
        "appschema.sql",
        "users@v1.0.0-dev1.sql",
        "flips.sql",
        "audit.sql",
        "users.sql",
    ]
    assert mset.migrations[1].down[0].path.name == "users@v1.0.0-dev1.sql"


def test_unreadable_plan_never_raises(tree):
    files = _project(tree, plan="")
    plan = next(p for p in files if p.parent.name == "deploy").parent.parent / "sqitch.plan"
    plan.write_bytes(b"\x00\x01 binary")
    mset = find_sets(files, Reader())[0]
    assert mset.layout == "sqitch"
    assert mset.migrations == []
    assert "cannot be read" in mset.problems[0].message
