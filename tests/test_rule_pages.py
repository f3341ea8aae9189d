"""Every fenced example on every rule page runs through pglint.

A ``bad`` example must give at least one finding of its rule, a ``good`` one none; neither
may contain SQL that PostgreSQL rejects (except on the syntax-error page).
"""

from __future__ import annotations

import pytest

from pglint.pages import load_pages
from tests.examples import run_example


def _cases():
    for name, page in load_pages().items():
        for number, example in enumerate(page.examples(), 1):
            if example.option("verify"):
                continue  # needs a real server: run by tests/verify/test_rule_examples.py
            yield pytest.param(name, example, id=f"{name}::{example.verdict}-{number}")


@pytest.mark.parametrize(("rule", "example"), list(_cases()))
def test_example(rule, example):
    findings = run_example(rule, example)
    own = [f for f in findings if f.rule == rule]
    if rule != "syntax-error":
        assert not [f for f in findings if f.rule == "syntax-error"], findings
    if example.verdict == "bad":
        assert own, f"{rule}: bad example (page line {example.line}) gave no finding"
        for finding in own:
            assert finding.message and finding.line >= 1 and finding.column >= 1
    else:
        assert not own, f"{rule}: good example (page line {example.line}) gave {own}"


def test_every_rule_page_has_bad_and_good_examples():
    for name, page in load_pages().items():
        if name == "unreadable-file":
            continue
        verdicts = {e.verdict for e in page.examples()}
        assert verdicts == {"bad", "good"}, f"{name} needs a bad and a good example"
