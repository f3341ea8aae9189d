"""Files changed since a git revision (``--diff REF``), for linting only what a change adds."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pglint.config import ConfigError


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise ConfigError("--diff needs git, which is not on PATH") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed"
        raise ConfigError(f"--diff: {message}")
    return done.stdout


def changed_files(ref: str, cwd: Path | None = None) -> set[Path]:
    """Resolved paths of files added or modified since ``ref``, plus untracked ones."""
    cwd = cwd or Path.cwd()
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    names = _git(["diff", "--name-only", "--diff-filter=AMR", ref, "--"], cwd).splitlines()
    names += _git(["ls-files", "--others", "--exclude-standard"], cwd).splitlines()
    return {(top / name).resolve() for name in names if name}
