"""The result cache: warm runs report exactly what cold runs do, and nothing stale."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pglint import cache as cache_module
from pglint.cache import ResultCache
from pglint.cli import main
from pglint.config import Settings
from pglint.runner import lint_paths

CREATE = "CREATE TABLE orders (id bigint PRIMARY KEY, status text);\n"
HAZARD = "CREATE INDEX orders_status_idx ON orders (status);\n"
SAFE = "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "1_create.up.sql").write_text(CREATE)
    (folder / "1_create.down.sql").write_text("DROP TABLE orders;\n")
    (folder / "2_index.up.sql").write_text(HAZARD)
    (folder / "2_index.down.sql").write_text("DROP INDEX orders_status_idx;\n")
    (tmp_path / "notes.sql").write_text("ALTER TABLE orders ALTER COLUMN status SET NOT NULL;\n")
    return tmp_path


def _lint(project: Path, settings: Settings | None = None) -> tuple[list, ResultCache]:
    settings = settings or Settings()
    cache = ResultCache(project / ".pglint_cache", settings)
    findings, _ = lint_paths([str(project)], settings, cache=cache)
    return findings, cache


def test_warm_run_reports_what_the_cold_run_did(project: Path) -> None:
    cold, first = _lint(project)
    warm, second = _lint(project)
    uncached, _ = lint_paths([str(project)], Settings())
    assert first.hits == 0 and first.misses >= 2
    assert second.misses == 0 and second.hits == first.misses
    assert warm == cold == uncached
    assert any(f.rule == "require-concurrent-index-creation" for f in warm)


def test_an_edited_migration_is_linted_again(project: Path) -> None:
    before, _ = _lint(project)
    (project / "migrations" / "2_index.up.sql").write_text(SAFE)
    after, cache = _lint(project)
    assert cache.misses == 1 and cache.hits == 1  # the set missed; the lone file hit
    assert any(f.rule == "require-concurrent-index-creation" for f in before)
    assert not any(f.rule == "require-concurrent-index-creation" for f in after)


def test_an_earlier_migration_changes_the_later_ones_findings(project: Path) -> None:
    """Earlier migrations are replayed for context, so editing one re-lints its whole set."""
    _lint(project)
    (project / "migrations" / "1_create.up.sql").write_text("SELECT 1;\n")
    after, cache = _lint(project)
    assert cache.misses == 1
    assert after == lint_paths([str(project)], Settings())[0]


def test_other_settings_do_not_reuse_findings(project: Path) -> None:
    default, _ = _lint(project)
    narrow = Settings(select=("require-concurrent-index-creation",))
    findings, cache = _lint(project, narrow)
    assert cache.hits == 0
    assert {f.rule for f in findings} == {"require-concurrent-index-creation"}
    assert len({f.rule for f in default}) > 1


def test_the_exit_code_threshold_does_not_change_the_key(project: Path) -> None:
    from pglint.findings import Severity

    _lint(project)
    _, cache = _lint(project, Settings(fail_on=Severity.ERROR))
    assert cache.misses == 0 and cache.hits >= 2


def test_layout_structure_is_part_of_the_key(tmp_path: Path) -> None:
    """diesel's metadata.toml changes how a migration runs without changing its SQL."""
    step = tmp_path / "migrations" / "2024-01-01-000000_index"
    step.mkdir(parents=True)
    (step / "up.sql").write_text(SAFE)
    (step / "down.sql").write_text("DROP INDEX CONCURRENTLY orders_status_idx;\n")
    in_transaction, _ = _lint(tmp_path)
    (step / "metadata.toml").write_text("run_in_transaction = false\n")
    outside, cache = _lint(tmp_path)
    assert cache.hits == 0
    rule = "ban-concurrent-index-creation-in-transaction"
    assert any(f.rule == rule for f in in_transaction)
    assert not any(f.rule == rule for f in outside)


def test_a_corrupt_entry_is_a_miss(project: Path) -> None:
    cold, first = _lint(project)
    for entry in first.folder.glob("build-*/*"):
        entry.write_bytes(b"\x00garbage")
    warm, second = _lint(project)
    assert second.hits == 0
    assert warm == cold


@pytest.mark.parametrize(
    "rows",
    [
        "not a list",
        [("too", "short")],
        [("p", 1, 1, 1, 1, "rule", "fatal", "message", "help")],  # no such severity
        [("p", 1, 1, 1, 1, "rule", "error", "message", "help"), ["a list"]],
    ],
    ids=["not a list", "short row", "unknown severity", "one bad row"],
)
def test_a_well_formed_entry_with_damaged_rows_is_a_miss(project: Path, rows) -> None:
    import marshal

    cold, first = _lint(project)
    for entry in first.folder.glob("build-*/*"):
        key, _ = marshal.loads(entry.read_bytes())
        entry.write_bytes(marshal.dumps((key, rows)))
    warm, second = _lint(project)
    assert second.hits == 0
    assert warm == cold


def test_an_unwritable_cache_folder_only_costs_speed(project: Path) -> None:
    blocker = project / "blocked"
    blocker.write_text("a file where the cache folder should be\n")
    settings = Settings()
    cache = ResultCache(blocker / "cache", settings)
    findings, _ = lint_paths([str(project)], settings, cache=cache)
    assert findings == lint_paths([str(project)], settings)[0]


def test_the_cache_folder_is_tagged_and_ignored_by_git(project: Path) -> None:
    _, cache = _lint(project)
    assert (
        (cache.folder / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert (cache.folder / ".gitignore").read_text().splitlines()[-1] == "*"


def test_old_builds_are_pruned(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(cache_module.KEEP_BUILDS + 2):
        monkeypatch.setattr(cache_module, "code_fingerprint", lambda n=number: f"fake{n}")
        _lint(project)
        os.utime(project / ".pglint_cache" / f"build-fake{number}", (number, number))
    builds = sorted(p.name for p in (project / ".pglint_cache").glob("build-*"))
    assert len(builds) == cache_module.KEEP_BUILDS + 1  # the kept ones and the current one
    assert "build-fake0" not in builds


def test_the_code_fingerprint_follows_the_rule_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_module.code_fingerprint()
    real = cache_module._stat_files

    def with_a_new_page(folder: str, suffixes: tuple[str, ...], recursive: bool = False) -> list:
        found = real(folder, suffixes, recursive)
        return [*found, ("extra.md", 1, 1)] if ".md" in suffixes else found

    monkeypatch.setattr(cache_module, "_stat_files", with_a_new_page)
    assert cache_module.code_fingerprint() != before


def _check(project: Path, *args: str, env: dict[str, str] | None = None) -> list[dict]:
    old = Path.cwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(
            main,
            ["check", "--format", "json", "--exit-zero", *args, "migrations"],
            env=env,
            catch_exceptions=False,
        )
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["findings"]


def test_cli_caches_in_the_working_directory_by_default(project: Path) -> None:
    cold = _check(project, env={"PGLINT_NO_CACHE": ""})
    assert list((project / ".pglint_cache").glob("build-*/*"))
    assert _check(project, env={"PGLINT_NO_CACHE": ""}) == cold


def test_cli_no_cache_writes_nothing(project: Path) -> None:
    _check(project, "--no-cache", env={"PGLINT_NO_CACHE": ""})
    _check(project, env={"PGLINT_NO_CACHE": "1"})
    assert not (project / ".pglint_cache").exists()


def test_cli_cache_dir_from_flag_env_and_config(project: Path, tmp_path: Path) -> None:
    _check(project, "--cache-dir", str(tmp_path / "flag"), env={"PGLINT_NO_CACHE": ""})
    assert list((tmp_path / "flag").glob("build-*/*"))
    _check(project, env={"PGLINT_NO_CACHE": "", "PGLINT_CACHE_DIR": str(tmp_path / "env")})
    assert list((tmp_path / "env").glob("build-*/*"))
    (project / ".pglint.toml").write_text('cache-dir = "build/pglint"\n')
    _check(project, env={"PGLINT_NO_CACHE": ""})
    assert list((project / "build" / "pglint").glob("build-*/*"))


def test_config_cache_dir_must_be_a_path(project: Path) -> None:
    (project / ".pglint.toml").write_text("cache-dir = 3\n")
    old = Path.cwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, ["check", "migrations"])
    finally:
        os.chdir(old)
    assert result.exit_code == 2
    assert "cache-dir must be a folder path" in result.output


def test_bad_settings_fail_with_the_cache_on(project: Path, tmp_path: Path) -> None:
    for folder in ("migrations", "empty"):
        (project / folder).mkdir(exist_ok=True)
        old = Path.cwd()
        os.chdir(project)
        try:
            result = CliRunner().invoke(
                main, ["check", "--select", "no-such-rule", folder], env={"PGLINT_NO_CACHE": ""}
            )
        finally:
            os.chdir(old)
        assert result.exit_code == 2, folder
        assert "unknown rule 'no-such-rule'" in result.output


def test_a_run_served_from_the_cache_loads_neither_engine_nor_rules(project: Path) -> None:
    import subprocess
    import sys

    script = (
        "import sys\nfrom pglint.cli import main\n"
        "try:\n    main(['check', '--exit-zero', 'migrations'])\n"
        "except SystemExit:\n    pass\n"
        "print('pglint.engine' in sys.modules, 'pglint.rules' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, "PGLINT_NO_CACHE": ""}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], cwd=project, env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert runs[0].stderr.split() == ["True", "True"]
    assert runs[1].stderr.split() == ["False", "False"]
    assert runs[0].stdout == runs[1].stdout
