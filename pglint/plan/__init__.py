"""``pglint plan``: the SCHEMA_CHANGES.md a senior DBA would hand over, built from the
same statement model the rules use (effects, locks, the catalog) and the findings.

:func:`make_plan` lints the migration sets under the paths (earlier migrations replay
the schema), builds the :class:`~pglint.plan.model.Plan` of the target migrations, and
the renderers in :mod:`pglint.plan.markdown` and :mod:`pglint.plan.json` format it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pglint.config import Settings
from pglint.plan.builder import PlanOptions
from pglint.plan.model import Plan


def make_plan(
    paths: Sequence[str], settings: Settings, options: PlanOptions, only: set[Path] | None = None
) -> Plan:
    """The plan of the migrations under ``paths`` (only those in ``only``, for --diff)."""
    from dataclasses import replace

    from pglint.plan.builder import build_plan
    from pglint.plan.collect import collect

    collected = collect(paths, settings, only)
    if not options.paths:
        options = replace(options, paths=tuple(paths))
    return build_plan(collected, settings, options)


def render(plan: Plan, fmt: str = "markdown") -> str:
    if fmt == "json":
        from pglint.plan.json import render as render_json

        return render_json(plan)
    from pglint.plan.markdown import render as render_markdown

    return render_markdown(plan)


__all__ = ["Plan", "PlanOptions", "make_plan", "render"]
