"""``pglint plan --verify``: the plan, plus what a real server did with the same migrations.

Verify runs first; what it proved (its findings, each round trip's result and the schema
differences a down left) goes into the plan through :class:`pglint.plan.model.Verified`,
so that the findings, rollback and confidence sections and the verdict account for it.
The per-statement observations (locks taken, rewrites, scans, timings on synthetic data,
and the model's verdict) follow as a last section (markdown) or a ``verify`` object (json).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pglint.config import ConfigError, Settings

if TYPE_CHECKING:
    from pglint.plan.model import Plan, Verified
    from pglint.verify.runner import VerifyReport


def run_verify(
    paths: Sequence[str],
    settings: Settings,
    only: set[Path] | None = None,
    *,
    dsn: str | None = None,
    pg_bin: str | None = None,
    rows: int = 1000,
) -> VerifyReport:
    """Run verify on ``paths`` as ``pglint verify`` would."""
    from pglint.verify.cluster import ServerError

    try:
        from pglint.verify.runner import VerifyOptions, verify
    except ImportError as error:
        raise ConfigError(
            f"--verify needs psycopg 3 ({error}); install it with pip install 'pglint[verify]'"
        ) from None
    options = VerifyOptions.from_settings(settings, only, rows=rows)
    try:
        return verify(paths, options, dsn=dsn, pg_bin=pg_bin)
    except ServerError as error:
        raise ConfigError(str(error)) from None


def verified_facts(report: VerifyReport) -> Verified:
    """What the plan takes from a verify report."""
    from pglint.plan.builder import display_path
    from pglint.plan.model import FindingRow, Verified, VerifiedRollback

    return Verified(
        postgresql=report.version or "",
        findings=tuple(
            FindingRow(
                f.rule, f.severity.value, display_path(f.path), f.line, f.column, f.message, f.help
            )
            for f in report.findings
        ),
        rollbacks=tuple(
            VerifiedRollback(m.label, m.rollback, tuple(m.rollback_differences))
            for m in report.migrations
        ),
    )


def render_verified(plan: Plan, report: VerifyReport, fmt: str) -> str:
    """Render ``plan`` (made with :func:`verified_facts` of ``report``) and verify's section."""
    from pglint.plan import render
    from pglint.verify.markdown import render_markdown

    text = render(plan, fmt)
    if fmt == "json":
        document = json.loads(text)
        document["verify"] = report.as_dict()
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    stream = io.StringIO()
    version = f"PostgreSQL {report.version}" if report.version else "PostgreSQL"
    render_markdown(report, stream, title=f"11. Verified on {version} (pglint verify)")
    return text.rstrip("\n") + "\n\n" + stream.getvalue()
