"""Configuration files: discovery upwards, validation, merging with the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pglint.config import (
    DEFAULT_PG_VERSION,
    ConfigError,
    find_config,
    resolve_settings,
    settings_from_flags,
)
from pglint.engine import select_rules
from pglint.findings import Severity


def test_defaults_without_config(tmp_path: Path) -> None:
    settings = resolve_settings(None, {}, cwd=tmp_path)
    assert settings.pg_version == DEFAULT_PG_VERSION
    assert settings.config_path is None


def test_pyproject_found_from_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pglint]\npg-version = 12\nassume-in-transaction = true\nignore = ["require-concurrent-index-creation"]\n'
        '[tool.pglint.severity]\nban-drop-table = "warning"\n'
    )
    sub = tmp_path / "db" / "migrations"
    sub.mkdir(parents=True)
    assert find_config(sub) == tmp_path / "pyproject.toml"
    settings = resolve_settings(None, {}, cwd=sub)
    assert settings.pg_version == 12
    assert settings.assume_in_transaction is True
    assert settings.ignore == ("require-concurrent-index-creation",)
    assert settings.severity == {"ban-drop-table": Severity.WARNING}


def test_pyproject_without_pglint_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    assert find_config(tmp_path) is None


def test_broken_pyproject_with_pglint_table_is_an_error(tmp_path: Path) -> None:
    """Not the defaults, nor a config further up: the file that may hold [tool.pglint]."""
    (tmp_path / ".pglint.toml").write_text("pg-version = 16\n")
    sub = tmp_path / "app"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.pglint\nignore = ["ban-drop-table"]\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML"):
        resolve_settings(None, {}, cwd=sub)
    # A broken pyproject.toml that never mentions pglint is not pglint's to judge.
    (sub / "pyproject.toml").write_text("[tool.black\n")
    assert resolve_settings(None, {}, cwd=sub).pg_version == 16


def test_dot_pglint_toml_wins_in_same_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pglint]\npg-version = 12\n")
    (tmp_path / ".pglint.toml").write_text("pg-version = 16\n")
    assert resolve_settings(None, {}, cwd=tmp_path).pg_version == 16


def test_cli_overrides_config(tmp_path: Path) -> None:
    (tmp_path / ".pglint.toml").write_text("pg-version = 16\n")
    assert resolve_settings(None, {"pg_version": 13, "select": None}, cwd=tmp_path).pg_version == 13


def test_cli_rule_lists_add_to_the_config_and_select_replaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".pglint.toml").write_text(
        'ignore = ["ban-drop-table"]\ninclude = ["require-table-schema"]\n'
    )
    monkeypatch.chdir(tmp_path)
    settings = settings_from_flags(None, ignore=("ban-drop-column",), include=("ban-revoke",))
    assert settings.ignore == ("ban-drop-table", "ban-drop-column")
    assert settings.include == ("require-table-schema", "ban-revoke")
    chosen = settings_from_flags(None, select=("ban-drop-table,ban-drop-column",))
    assert chosen.select == ("ban-drop-table", "ban-drop-column") and chosen.ignore == ()
    assert {"ban-drop-table", "ban-drop-column"} <= set(select_rules(chosen).by_name)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pg-versoin = 12\n", "unknown key 'pg-versoin'"),
        ("pg-version = 'twelve'\n", "is not a PostgreSQL major version"),
        ("pg-version = 8\n", "PostgreSQL 8 is not supported"),
        ("assume-in-transaction = 'yes'\n", "must be true or false"),
        ("select = 3\n", "must be a list of strings"),
        ("fail-on = 'fatal'\n", "is not one of error, warning, info"),
        ("pg-version = \n", "invalid TOML"),
    ],
)
def test_invalid_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / ".pglint.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        resolve_settings(None, {}, cwd=tmp_path)


def test_unknown_rule_names_in_config(tmp_path: Path) -> None:
    (tmp_path / ".pglint.toml").write_text('ignore = ["not-a-rule"]\n')
    settings = resolve_settings(None, {}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="unknown rule 'not-a-rule' in ignore"):
        select_rules(settings)
    (tmp_path / ".pglint.toml").write_text('[severity]\nnot-a-rule = "info"\n')
    with pytest.raises(ConfigError, match="unknown rule 'not-a-rule' in severity"):
        select_rules(resolve_settings(None, {}, cwd=tmp_path))


def test_explicit_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        resolve_settings(tmp_path / "nope.toml", {})


@pytest.mark.parametrize(
    "text", ['ignore = ["syntax-error"]\n', '[severity]\nsyntax-error = "warning"\n']
)
def test_syntax_error_cannot_be_ignored_or_downgraded(tmp_path: Path, text: str) -> None:
    """It fails every run whatever the settings say, so settings saying otherwise are an error."""
    (tmp_path / ".pglint.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"syntax-error.*always fails the run"):
        select_rules(resolve_settings(None, {}, cwd=tmp_path))


def test_select_is_exact_and_include_adds(tmp_path: Path) -> None:
    settings = resolve_settings(
        None, {"select": ("require-concurrent-index-creation",)}, cwd=tmp_path
    )
    active = select_rules(settings)
    assert set(active.by_name) == {
        "require-concurrent-index-creation",
        "syntax-error",
        "unreadable-file",
    }
