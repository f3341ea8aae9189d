"""The ``verify`` examples of the rule pages, run on the real server.

The static page test (tests/test_rule_pages.py) skips examples marked ``verify``: their
findings only exist when PostgreSQL runs the migrations. A bad example must give at least
one finding of its rule, a good one none (and no migration-failed either).
"""

from __future__ import annotations

import pytest

from pglint.pages import load_pages
from tests.verify.conftest import write_set


def _cases():
    for name, page in load_pages().items():
        for number, example in enumerate(page.examples(), 1):
            if example.option("verify"):
                yield pytest.param(name, example, id=f"{name}::{example.verdict}-{number}")


CASES = list(_cases())


def test_verify_rules_have_examples():
    rules = {param.values[0] for param in CASES}
    assert rules == {
        "migration-failed",
        "rollback-not-restoring",
        "rollback-not-reapplyable",
        "static-model-mismatch",
    }


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_example(pg_server, tmp_path, rule, example):
    from pglint.verify.runner import Verifier, VerifyOptions

    folder = write_set(tmp_path / "migrations", example.code)
    options = VerifyOptions(rows=50, layout=example.option("layout"), timeout=60)
    report = Verifier(pg_server, options).verify_paths([str(folder)])
    own = [f for f in report.findings if f.rule == rule]
    if example.verdict == "bad":
        assert own, f"{rule}: bad example (page line {example.line}) gave {report.findings}"
        for finding in own:
            assert finding.message and finding.line >= 1 and finding.column >= 1
    else:
        assert not own, f"{rule}: good example (page line {example.line}) gave {own}"
        failed = [f for f in report.findings if f.rule == "migration-failed"]
        assert not failed, failed
