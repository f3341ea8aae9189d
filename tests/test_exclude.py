"""``exclude`` patterns: ``.gitignore`` rules, anchored at the config file's folder (the
working directory for ``--exclude``), so the same config excludes the same files from
wherever pglint runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pglint.config import anchor_patterns, settings_from_flags
from pglint.discovery import discover


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in (
        "migrations/1_new.sql",
        "migrations/legacy/1_old.sql",
        "migrations/legacy/deep/2_old.sql",
        "other/legacy/3_old.sql",
        "migrations/4_x.gen.sql",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("SELECT 1;\n")
    return tmp_path


def _found(project: Path, cwd: Path, config: str, *cli: str) -> list[str]:
    (project / ".pglint.toml").write_text(config)
    old = Path.cwd()
    os.chdir(cwd)
    try:
        settings = settings_from_flags(None, exclude=cli)
        files = [f.resolve() for f in discover(["."], settings.exclude)]
    finally:
        os.chdir(old)
    return sorted(f.relative_to(project.resolve()).as_posix() for f in files)


ALL = [
    "migrations/1_new.sql",
    "migrations/4_x.gen.sql",
    "migrations/legacy/1_old.sql",
    "migrations/legacy/deep/2_old.sql",
    "other/legacy/3_old.sql",
]


@pytest.mark.parametrize("where", [".", "migrations", "migrations/legacy"])
def test_config_patterns_are_relative_to_the_config_file(project: Path, where: str) -> None:
    found = _found(project, project / where, 'exclude = ["migrations/legacy/"]\n')
    assert not any(name.startswith("migrations/legacy/") for name in found)
    if where == ".":
        assert found == ["migrations/1_new.sql", "migrations/4_x.gen.sql", "other/legacy/3_old.sql"]


@pytest.mark.parametrize(
    ("pattern", "left"),
    [
        ("legacy/", ["migrations/1_new.sql", "migrations/4_x.gen.sql"]),  # a name, any depth
        ("*.gen.sql", [n for n in ALL if n != "migrations/4_x.gen.sql"]),
        (
            "**/legacy/*.sql",
            ["migrations/1_new.sql", "migrations/4_x.gen.sql", "migrations/legacy/deep/2_old.sql"],
        ),
        (
            "migrations/**/*_old.sql",
            ["migrations/1_new.sql", "migrations/4_x.gen.sql", "other/legacy/3_old.sql"],
        ),
        ("/other", [n for n in ALL if not n.startswith("other/")]),  # anchored at the folder
        ("./other/legacy/*", [n for n in ALL if not n.startswith("other/")]),
    ],
)
def test_gitignore_rules(project: Path, pattern: str, left: list[str]) -> None:
    assert _found(project, project, f"exclude = [{pattern!r}]\n") == left


def test_negation_keeps_a_file(project: Path) -> None:
    config = "exclude = ['migrations/legacy/**', '!migrations/legacy/1_old.sql']\n"
    assert "migrations/legacy/1_old.sql" in _found(project, project, config)
    assert "migrations/legacy/deep/2_old.sql" not in _found(project, project, config)


def test_command_line_patterns_are_relative_to_the_working_directory(project: Path) -> None:
    found = _found(project, project / "migrations", "", "legacy/deep/*")
    assert "migrations/legacy/deep/2_old.sql" not in found
    assert "migrations/legacy/1_old.sql" in found


def test_anchoring() -> None:
    base = Path("/srv/app")
    assert anchor_patterns(("a/b", "/c", "./d/e", "name", "dir/", "!x/y"), base) == (
        "/srv/app/a/b",
        "/srv/app/c",
        "/srv/app/d/e",
        "name",
        "dir/",
        "!/srv/app/x/y",
    )
