"""What the rule tests share: lint one snippet with one rule."""

from __future__ import annotations

from typing import Any

from pglint.config import Settings
from pglint.engine import run_checks, select_rules
from pglint.findings import Finding
from pglint.model.catalog import Catalog
from pglint.model.effects import Analyser
from pglint.sources.sql import parse_sql


def lint(
    rule: str,
    sql: str,
    pg: int = 15,
    before: str = "",
    options: dict[str, Any] | None = None,
    **settings: Any,
) -> list[Finding]:
    """Findings of ``rule`` for ``sql`` on PostgreSQL ``pg``. ``before`` is an earlier
    migration (its objects exist), ``options`` the rule's options, ``settings`` other
    Settings fields (``assume_in_transaction=True``)."""
    config = Settings(
        pg_version=pg, select=(rule,), options={rule: options} if options else {}, **settings
    )
    catalog = Catalog()
    for statement in parse_sql(before).statements:
        catalog.apply(statement, new=False)
    analyser = Analyser(pg, config.assume_in_transaction, catalog=catalog)
    findings = run_checks(
        "m.sql", sql, parse_sql(sql), config, select_rules(config), analyser=analyser
    )
    return [f for f in findings if f.rule == rule]
