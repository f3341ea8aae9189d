"""``pglint layouts``: it reads the config as ``check`` does and shows the sets ``check`` lints."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pglint.cli import main


def layouts(args: list[str], cwd: Path) -> list[dict]:
    """The sets ``pglint layouts --format json ARGS`` shows, run in ``cwd``."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["layouts", "--format", "json", *args])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def up_only(tmp_path: Path) -> Path:
    """golang-migrate ups without downs: detected as plain unless told."""
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "1_a.up.sql").write_text("CREATE TABLE a (id bigint);\n")
    (tmp_path / "up" / "2_b.up.sql").write_text("ALTER TABLE a ADD COLUMN b int;\n")
    return tmp_path


def test_layout_from_the_config_file(up_only: Path) -> None:
    assert [s["layout"] for s in layouts(["up"], up_only)] == ["plain"]
    (up_only / ".pglint.toml").write_text('layout = "golang-migrate"\n')
    assert [s["layout"] for s in layouts(["up"], up_only)] == ["golang-migrate"]
    # the flag wins over the config, as for check
    assert [s["layout"] for s in layouts(["--layout", "plain", "up"], up_only)] == ["plain"]


def test_config_option(up_only: Path) -> None:
    (up_only / "other.toml").write_text('layout = "golang-migrate"\n')
    found = layouts(["--config", "other.toml", "up"], up_only)
    assert [s["layout"] for s in found] == ["golang-migrate"]


def test_excluded_migrations_are_marked(up_only: Path) -> None:
    (up_only / ".pglint.toml").write_text('exclude = ["up/2_b.up.sql"]\n')
    (migrations,) = [s["migrations"] for s in layouts(["up"], up_only)]
    assert [(m["name"], m["linted"]) for m in migrations] == [("a", True), ("b", False)]
    # the command line's --exclude adds to the config's, as for check
    (up_only / ".pglint.toml").unlink()
    (migrations,) = [s["migrations"] for s in layouts(["--exclude", "up/1_a*", "up"], up_only)]
    assert [(m["name"], m["linted"]) for m in migrations] == [("a", False), ("b", True)]


def test_a_wholly_excluded_folder_is_not_shown(up_only: Path) -> None:
    (up_only / ".pglint.toml").write_text('exclude = ["up/"]\n')
    assert layouts(["."], up_only) == []


def test_text_output_marks_excluded(tmp_path: Path) -> None:
    (tmp_path / ".pglint.toml").write_text('exclude = ["*_b.up.sql"]\n')
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "1_a.up.sql").write_text("CREATE TABLE a (id bigint);\n")
    (folder / "1_a.down.sql").write_text("DROP TABLE a;\n")
    (folder / "2_b.up.sql").write_text("ALTER TABLE a ADD COLUMN b int;\n")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["layouts", "m"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "m: golang-migrate, 2 migrations, 1 with a rollback"
    assert lines[2].endswith("2_b  (no transaction (one query); no rollback; excluded)")
    # a migration beside the file named is replayed, not reported
    (tmp_path / ".pglint.toml").unlink()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["layouts", "m/2_b.up.sql"])
    finally:
        os.chdir(old)
    assert result.output.splitlines()[1].endswith(
        "1_a  (no transaction (one query); rollback; context only)"
    )


def test_text_output_lists_ignored_files(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "V1__a.sql").write_text("CREATE TABLE a (id bigint);\n")
    (folder / "B1__a.sql").write_text("CREATE TABLE a (id bigint);\n")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["layouts", "db"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith(
        f"  ignored: {Path('db', 'B1__a.sql')}: Flyway baseline migration"
    )


def test_bad_layout_in_config_is_a_usage_error(up_only: Path) -> None:
    (up_only / ".pglint.toml").write_text('layout = "nope"\n')
    old = Path.cwd()
    os.chdir(up_only)
    try:
        result = CliRunner().invoke(main, ["layouts", "up"])
    finally:
        os.chdir(old)
    assert result.exit_code == 2
    assert "unknown layout 'nope'" in result.output
