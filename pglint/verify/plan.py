"""``pglint plan --verify``: the plan, plus what a real server did with the same migrations.

The plan stays as the static model built it; verify's findings join its findings, and the
per-statement observations (locks taken, rewrites, scans, timings on synthetic data, and
the model's verdict) follow as a last section (markdown) or a ``verify`` object (json).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pglint.config import ConfigError, Settings

if TYPE_CHECKING:
    from pglint.plan.model import Plan


def render_verified(
    plan: Plan,
    fmt: str,
    paths: Sequence[str],
    settings: Settings,
    only: set[Path] | None = None,
    *,
    dsn: str | None = None,
    pg_bin: str | None = None,
    rows: int = 1000,
) -> str:
    """Run verify on ``paths`` and render ``plan`` (a :class:`pglint.plan.model.Plan`) with it."""
    from pglint.plan import render
    from pglint.plan.builder import display_path
    from pglint.plan.model import FindingRow
    from pglint.verify.cluster import ServerError

    try:
        from pglint.verify.markdown import render_markdown
        from pglint.verify.runner import VerifyOptions, verify
    except ImportError as error:
        raise ConfigError(
            f"--verify needs psycopg 3 ({error}); install it with pip install 'pglint[verify]'"
        ) from None
    options = VerifyOptions.from_settings(settings, only, rows=rows)
    try:
        report = verify(paths, options, dsn=dsn, pg_bin=pg_bin)
    except ServerError as error:
        raise ConfigError(str(error)) from None
    extra = tuple(
        FindingRow(
            f.rule, f.severity.value, display_path(f.path), f.line, f.column, f.message, f.help
        )
        for f in report.findings
    )
    plan = replace(plan, findings=tuple(plan.findings) + extra)
    text = render(plan, fmt)
    if fmt == "json":
        document = json.loads(text)
        document["verify"] = report.as_dict()
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    stream = io.StringIO()
    version = f"PostgreSQL {report.version}" if report.version else "PostgreSQL"
    render_markdown(report, stream, title=f"11. Verified on {version} (pglint verify)")
    return text.rstrip("\n") + "\n\n" + stream.getvalue()
