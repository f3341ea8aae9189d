"""``pglint plan``: golden reports of four hand-written migration sets, and their properties.

Golden files: tests/plan/golden/<case>[.stats].{md,json}. Regenerate them with
``PGLINT_UPDATE_GOLDEN=1 python -m pytest tests/plan``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pglast import parse_sql

from pglint.config import Settings
from pglint.plan import PlanOptions, make_plan, render
from pglint.plan.json import document, json_schema
from pglint.plan.mermaid import validate_er
from pglint.plan.model import PLAN_SCHEMA_VERSION, Level, Verdict
from pglint.plan.rollback import GENERATED_MARK
from pglint.plan.stats import STATS_QUERY, load_stats
from tests.plan.helpers import (
    CASES,
    GOLDEN_DIR,
    GOLDEN_RULES,
    MERMAID,
    REPO,
    SECTIONS,
    case_plan,
    check_golden,
    sql_blocks,
)

PARAMS = [(name, stats) for name in CASES for stats in (False, True)]
IDS = [f"{name}{'-stats' if stats else ''}" for name, stats in PARAMS]


@pytest.mark.parametrize(("name", "stats"), PARAMS, ids=IDS)
def test_golden_markdown_and_json(name, stats, monkeypatch):
    plan = case_plan(name, stats, monkeypatch)
    suffix = ".stats" if stats else ""
    check_golden(GOLDEN_DIR / f"{name}{suffix}.md", render(plan, "markdown"))
    check_golden(GOLDEN_DIR / f"{name}{suffix}.json", render(plan, "json"))


@pytest.mark.parametrize(("name", "stats"), PARAMS, ids=IDS)
def test_sections_in_order_and_never_empty(name, stats, monkeypatch):
    markdown = render(case_plan(name, stats, monkeypatch))
    positions = [markdown.find(heading + "\n") for heading in SECTIONS]
    assert all(p >= 0 for p in positions), "a section is missing"
    assert positions == sorted(positions), "sections out of order"
    bodies = re.split(r"^## \d+\. .*$", markdown, flags=re.M)[1:]
    assert len(bodies) == 10
    for heading, body in zip(SECTIONS, bodies, strict=True):
        assert body.strip(), f"{heading} is empty"
    prose = re.sub(r"```.*?```", "", markdown, flags=re.S)
    for placeholder in ("TODO", "TBD", "placeholder", "lorem", "None", "{ref:", "<version>"):
        assert placeholder not in prose, f"placeholder text {placeholder!r} in the report"


@pytest.mark.parametrize(("name", "stats"), PARAMS, ids=IDS)
def test_every_query_parses(name, stats, monkeypatch):
    plan = case_plan(name, stats, monkeypatch)
    queries = [q.sql for q in (*plan.validation, *plan.monitoring)]
    queries += [item.sql for item in plan.checklist if item.sql]
    queries += [s for r in plan.rollback for s in r.statements]
    markdown = render(plan)
    blocks = sql_blocks(markdown)
    assert queries and blocks
    for sql in [*queries, *blocks, STATS_QUERY]:
        assert parse_sql(sql), sql
    # Every emitted query is in the Markdown too.
    flat = " ".join(markdown.split())
    for query in plan.validation + plan.monitoring:
        assert " ".join(query.sql.split()) in flat


@pytest.mark.parametrize(("name", "stats"), PARAMS, ids=IDS)
def test_mermaid_block_is_valid(name, stats, monkeypatch):
    plan = case_plan(name, stats, monkeypatch)
    assert validate_er(plan.er_diagram.mermaid) == []
    blocks = MERMAID.findall(render(plan))
    assert blocks == [plan.er_diagram.mermaid + "\n"]


@pytest.mark.parametrize(("name", "stats"), PARAMS, ids=IDS)
def test_json_matches_the_documented_schema(name, stats, monkeypatch):
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(render(case_plan(name, stats, monkeypatch), "json"))
    assert data["version"] == PLAN_SCHEMA_VERSION
    jsonschema.validate(data, json_schema())


def test_schema_file_is_current():
    path = REPO / "docs" / "plan.schema.json"
    check_golden(path, json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")


def test_json_and_markdown_carry_the_same_content(monkeypatch):
    plan = case_plan("data_migration", True, monkeypatch)
    data = document(plan)
    markdown = render(plan)
    assert data["summary"]["verdict"] == plan.summary.verdict.value
    assert f"**Verdict: {plan.summary.verdict.value}.**" in markdown
    for row in data["locks"]:
        assert f"`{row['relation']}`" in markdown
    for query in data["validation"]:
        assert f"### {query['id']}. " in markdown


def test_verdicts_follow_the_locks(monkeypatch):
    verdicts = {name: case_plan(name, False, monkeypatch).summary.verdict for name in CASES}
    assert verdicts == {
        "new_table_fk": Verdict.RETRY,  # only a brief lock on customers, with lock_timeout
        "rewrite_downtime": Verdict.WINDOW,  # type changes rewrite events
        "data_migration": Verdict.WINDOW,  # ACCESS EXCLUSIVE held across the backfill
        "no_rollback": Verdict.CARE,  # brief ACCESS EXCLUSIVE without lock_timeout, data dropped
    }


def test_lock_held_across_a_data_migration_is_high(monkeypatch):
    plan = case_plan("data_migration", False, monkeypatch)
    add_column = next(r for r in plan.locks if r.statement == "add column plan_id bigint")
    assert add_column.level == Level.HIGH
    assert "is held until the end of the migration" in add_column.reason
    update = next(r for r in plan.locks if r.statement.startswith("update"))
    assert update.level == Level.MED
    modified = {t.name: t for t in plan.modified_tables}
    assert modified["accounts"].downtime


def test_rewrites_are_high_with_durations_only_from_stats(monkeypatch):
    without = case_plan("rewrite_downtime", False, monkeypatch)
    assert all(r.estimate_seconds is None for r in without.locks)
    assert "Est. duration" not in render(without)
    with_stats = case_plan("rewrite_downtime", True, monkeypatch)
    rewrite = next(r for r in with_stats.locks if r.work == "table rewrite")
    assert rewrite.level == Level.HIGH and rewrite.rewrite
    # (2 × 12 GiB heap + 2 GiB indexes) at 100 MB/s
    assert rewrite.estimate_seconds == pytest.approx((2 * 12 + 2) * 1024 / 100)
    markdown = render(with_stats)
    assert "Est. duration" in markdown and "100 MB/s (--throughput-mb-s)" in markdown


def test_throughput_is_configurable(monkeypatch):
    plan = case_plan("rewrite_downtime", True, monkeypatch)  # also enters the case folder
    faster = make_plan(
        list(CASES["rewrite_downtime"]),
        Settings(select=GOLDEN_RULES),
        PlanOptions(stats=load_stats(Path("stats.json")), throughput_mb_s=400),
    )
    slow = next(r for r in plan.locks if r.work == "table rewrite").estimate_seconds
    fast = next(r for r in faster.locks if r.work == "table rewrite").estimate_seconds
    assert fast == pytest.approx(slow / 4)
    assert "400 MB/s" in render(faster)


def test_generated_rollback_is_marked_and_lists_what_is_lost(monkeypatch):
    plan = case_plan("no_rollback", False, monkeypatch)
    (rollback,) = plan.rollback
    assert rollback.source == "generated"
    assert "ALTER TABLE users RENAME COLUMN full_name TO name;" in rollback.statements
    assert "ALTER TABLE users ADD COLUMN legacy_score integer;" in rollback.statements
    assert any("sessions" in item for item in rollback.irreversible)
    assert any("users_created_at_idx" in item for item in rollback.not_derived)
    markdown = render(plan)
    assert GENERATED_MARK in markdown
    assert "**Generated by pglint, not written by the authors: review before running.**" in markdown


def test_down_migration_is_used_as_written(monkeypatch):
    plan = case_plan("rewrite_downtime", False, monkeypatch)
    (rollback,) = plan.rollback
    assert rollback.source == "down"
    assert rollback.statements[0] == "DROP INDEX events_uuid_key"
    assert rollback.statements[-1] == "ALTER TABLE events ALTER COLUMN id TYPE integer"
    assert GENERATED_MARK not in render(plan)


def test_validation_plan_covers_each_kind_of_change(monkeypatch):
    plan = case_plan("data_migration", False, monkeypatch)
    titles = [q.title for q in plan.validation]
    assert any(t.startswith("Orphans for the new foreign key accounts_plan_fk") for t in titles)
    assert any(t.startswith("Rows violating the check accounts_plan_id_not_null") for t in titles)
    assert any(t.startswith("Validate check accounts_plan_id_not_null") for t in titles)
    assert any("NULLs left in accounts.plan_id" in t for t in titles)
    assert any(t == "New indexes exist and are valid" for t in titles)
    orphans = next(q for q in plan.validation if q.title.startswith("Orphans"))
    # plans is created by 2_plans_table, and the FK is validated by 3_validate_plan_fk.
    assert orphans.when == "before 3_validate_plan_fk"
    no_rollback = case_plan("no_rollback", False, monkeypatch)
    duplicates = next(q for q in no_rollback.validation if q.title.startswith("Duplicates"))
    assert "GROUP BY (lower(email))" in duplicates.sql
    rewrite = case_plan("rewrite_downtime", False, monkeypatch)
    nulls = next(q for q in rewrite.validation if q.title.startswith("NULLs in events.payload"))
    assert nulls.sql == "SELECT count(*) AS null_rows FROM events WHERE payload IS NULL;"


def test_new_tables_and_indexes(monkeypatch):
    plan = case_plan("new_table_fk", True, monkeypatch)
    tables = {t.name: t for t in plan.new_tables}
    assert tables["orders"].purpose == "One row per order a customer places."
    assert tables["order_items"].purpose == "undocumented"
    assert tables["orders"].estimated_rows == 0
    indexes = {i.name: i for i in plan.new_indexes}
    assert indexes["orders_open_idx"].partial == "status <> 'done'"
    assert indexes["order_items_sku_idx"].method == "hash"
    assert indexes["order_items_sku_idx"].name_generated
    assert indexes["order_items_pkey"].via_constraint == "PRIMARY KEY"
    assert indexes["order_items_pkey"].columns == ("order_id", "line")
    relationships = {(r.parent, r.child) for r in plan.er_diagram.relationships}
    assert relationships == {("customers", "orders"), ("orders", "order_items")}


def test_findings_section_uses_every_rule(monkeypatch):
    plan = case_plan("rewrite_downtime", False, monkeypatch, Settings())
    rules = {f.rule for f in plan.findings}
    assert {"changing-column-type", "require-concurrent-index-creation"} <= rules
    markdown = render(plan)
    assert "`changing-column-type`" in markdown
    assert plan.confidence.score < 10
    assert any(d.reason.endswith("error findings") for d in plan.confidence.deductions)


def test_confidence_is_documented_and_bounded(monkeypatch):
    for name in CASES:
        plan = case_plan(name, False, monkeypatch, Settings())
        confidence = plan.confidence
        assert 0 <= confidence.score <= 10
        assert confidence.score == max(
            0, round((10 - sum(d.points for d in confidence.deductions)) * 2) / 2
        )
        assert "Start at 10" in confidence.method
        assert f"**Confidence: {confidence.score:g} / 10**" in render(plan)


def test_dynamic_sql_lowers_confidence(monkeypatch):
    plan = case_plan("no_rollback", False, monkeypatch)
    assert any("DO block" in r for r in plan.confidence.risk_factors)
    assert any("could not analyse" in d.reason for d in plan.confidence.deductions)
