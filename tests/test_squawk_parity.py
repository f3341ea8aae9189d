"""Every Squawk 2.70 rule exists in pglint under the same name with the same on/off default,
so a team can switch without rewriting its configuration (list taken from squawk 2.70.0)."""

from __future__ import annotations

import pytest

from pglint.rules import load_catalogue

SQUAWK_ON = [
    "adding-field-with-default",
    "adding-foreign-key-constraint",
    "adding-not-nullable-field",
    "adding-required-field",
    "adding-serial-primary-key-field",
    "ban-concurrent-index-creation-in-transaction",
    "changing-column-type",
    "constraint-missing-not-valid",
    "disallowed-unique-constraint",
    "prefer-repack",
    "prefer-robust-stmts",
    "prefer-text-field",
    "renaming-column",
    "renaming-table",
    "require-concurrent-index-creation",
    "require-concurrent-index-deletion",
    "require-concurrent-partition-detach",
    "require-concurrent-reindex",
    "require-lock-timeout",
    "require-statement-timeout",
    "transaction-nesting",
    "ban-uncommitted-transaction",
    "ban-create-domain-with-constraint",
    "ban-alter-domain-with-add-constraint",
    "ban-truncate-cascade",
    "ban-char-field",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-timestamp-tz",
    "identifier-too-long",
    "ban-duplicate-column-assignments",
    "require-enum-value-ordering",
    "ban-drop-database",
    "ban-drop-table",
    "ban-drop-column",
    "ban-drop-not-null",
    "ban-drop-view",
    "ban-drop-function",
    "ban-drop-type",
    "ban-drop-schema",
    "ban-drop-sequence",
    "ban-drop-domain",
    "ban-drop-constraint",
    "ban-drop-default",
    "ban-drop-generated-expression",
    "ban-drop-extension",
    "renaming-object",
    "ban-set-schema",
    "ban-alter-identity",
]

SQUAWK_OPT_IN = [
    "require-table-schema",
    "ban-add-column",
    "ban-add-composite-attribute",
    "ban-add-enum-value",
    "ban-alter-database-options",
    "ban-alter-extension",
    "ban-alter-function-options",
    "ban-alter-generated-expression",
    "ban-alter-policy-condition",
    "ban-alter-policy-roles",
    "ban-alter-role-options",
    "ban-alter-row-level-security",
    "ban-alter-sequence-values",
    "ban-alter-system-options",
    "ban-alter-view-options",
    "ban-create-policy",
    "ban-detach-inheritance",
    "ban-disable-trigger",
    "ban-drop-index",
    "ban-drop-policy",
    "ban-drop-trigger",
    "ban-new-write-restriction",
    "ban-replace-view-function",
    "ban-replica-identity",
    "ban-revoke",
    "ban-set-default",
]


@pytest.mark.parametrize("name", SQUAWK_ON + SQUAWK_OPT_IN)
def test_squawk_rule_exists_with_same_default(name: str) -> None:
    rule = load_catalogue().rules.get(name)
    assert rule is not None, f"{name} is missing"
    assert rule.default == (name in SQUAWK_ON)
    assert rule.squawk
    assert rule.fn is not None


def test_squawk_alias() -> None:
    assert load_catalogue().resolve("prefer-timestamptz").name == "prefer-timestamp-tz"


def test_counts() -> None:
    assert len(SQUAWK_ON) == 50 and len(SQUAWK_OPT_IN) == 26


def test_old_combined_name_stands_for_both_timeout_rules() -> None:
    from pglint.config import Settings
    from pglint.engine import lint_text, select_rules

    settings = Settings(ignore=("require-timeout-settings",))
    active = select_rules(settings)
    assert "require-lock-timeout" not in active.by_name
    assert "require-statement-timeout" not in active.by_name
    both = Settings(select=("require-lock-timeout", "require-statement-timeout"))
    text = "-- squawk-ignore require-timeout-settings\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
    assert lint_text("m.sql", text, both, select_rules(both)) == []
