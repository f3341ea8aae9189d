"""Settings: ``[tool.pglint]`` in pyproject.toml or a ``.pglint.toml``, merged with the CLI.

The first of ``.pglint.toml`` or a ``pyproject.toml`` with a ``[tool.pglint]`` table,
searched from the working directory upwards, is used. Unknown keys are errors.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from pglint.findings import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: The oldest PostgreSQL major version the PostgreSQL project still supports.
#: PostgreSQL 14 reached end of life on 2026-11-12 (https://www.postgresql.org/support/versioning/).
DEFAULT_PG_VERSION = 15
SUPPORTED_PG_VERSIONS = range(9, 20)


class ConfigError(ValueError):
    """A configuration file or option is invalid."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that changes what a run reports. Resolved once, passed down."""

    pg_version: int = DEFAULT_PG_VERSION
    select: tuple[str, ...] | None = None
    include: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    assume_in_transaction: bool = False
    exclude: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING
    warn_unused_ignores: bool = False
    layout: str | None = None
    config_path: str | None = None
    #: Where ``pglint check`` keeps its result cache (None: the default place).
    cache_dir: str | None = None


# Config key → Settings field.
_KEYS = {
    "pg-version": "pg_version",
    "select": "select",
    "include": "include",
    "ignore": "ignore",
    "assume-in-transaction": "assume_in_transaction",
    "exclude": "exclude",
    "severity": "severity",
    "options": "options",
    "fail-on": "fail_on",
    "warn-unused-ignores": "warn_unused_ignores",
    "layout": "layout",
    "cache-dir": "cache_dir",
}


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / ".pglint.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                # It may hold the [tool.pglint] table: read_config says what is wrong,
                # rather than falling back to the defaults or to a config further up.
                if "pglint" in text:
                    return pyproject
                continue
            if "pglint" in data.get("tool", {}):
                return pyproject
    return None


def read_config(path: Path) -> dict[str, Any]:
    """The raw pglint table of a config file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("pglint", {})
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.pglint] must be a table")
    return data


def _string_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {key} must be a list of strings")
    return tuple(value)


def settings_from_config(path: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a raw config table into Settings field values."""
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    values: dict[str, Any] = {"config_path": str(path)}
    for key, value in data.items():
        name = _KEYS[key]
        if name == "pg_version":
            values[name] = parse_pg_version(value, f"{path}: pg-version")
        elif name == "exclude":
            values[name] = anchor_patterns(_string_list(path, key, value), path.resolve().parent)
        elif name in ("select", "include", "ignore"):
            values[name] = _string_list(path, key, value)
        elif name in ("assume_in_transaction", "warn_unused_ignores"):
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: {key} must be true or false")
            values[name] = value
        elif name == "layout":
            values[name] = parse_layout(value, f"{path}: layout")
        elif name == "cache_dir":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{path}: cache-dir must be a folder path")
            values[name] = str(path.resolve().parent / value)
        elif name == "fail_on":
            values[name] = parse_severity(value, f"{path}: fail-on")
        elif name == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: severity must be a table of rule = level")
            values[name] = {k: parse_severity(v, f"{path}: severity.{k}") for k, v in value.items()}
        elif name == "options":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"{path}: options must be a table of [options.<rule>] tables")
            values[name] = value
    return values


def anchor_patterns(patterns: tuple[str, ...], base: Path) -> tuple[str, ...]:
    """Exclude patterns (``.gitignore`` rules) made independent of the working directory.

    A pattern with a slash before its end is relative to ``base`` (the config file's
    folder, or the working directory for ``--exclude``): it is rewritten to start from
    the filesystem root. A pattern without one (``legacy/``, ``*.gen.sql``) matches a
    name at any depth and stays as it is.
    """
    root = base.as_posix().rstrip("/")
    anchored = []
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if "/" in body.rstrip("/"):
            body = body.removeprefix("./").lstrip("/")
            body = f"{root}/{body}"
        anchored.append(("!" if negated else "") + body)
    return tuple(anchored)


def parse_pg_version(value: Any, where: str) -> int:
    try:
        major = int(str(value).split(".")[0])
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a PostgreSQL major version") from None
    if major not in SUPPORTED_PG_VERSIONS:
        raise ConfigError(
            f"{where}: PostgreSQL {major} is not supported "
            f"({SUPPORTED_PG_VERSIONS.start}-{SUPPORTED_PG_VERSIONS.stop - 1})"
        )
    return major


def parse_layout(value: Any, where: str) -> str:
    from pglint.layouts import layouts

    known = layouts()
    if value not in known:
        raise ConfigError(f"{where}: unknown layout {value!r} (known: {', '.join(known)})")
    return str(value)


def parse_severity(value: Any, where: str) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not one of error, warning, info") from None


def resolve_settings(
    config: Path | None, overrides: Mapping[str, Any], cwd: Path | None = None
) -> Settings:
    """Config file values, then CLI overrides (None means 'not given')."""
    path = config if config is not None else find_config((cwd or Path.cwd()).resolve())
    values: dict[str, Any] = {}
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
        values.update(settings_from_config(path, read_config(path)))
    known = {f.name for f in fields(Settings)}
    for key, value in overrides.items():
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}")
        if value is not None:
            values[key] = value
    return replace(Settings(), **values)


def _rule_names(values: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Rule names from repeatable, comma-separated options; None when none were given."""
    names = tuple(n.strip() for v in values or () for n in v.split(",") if n.strip())
    return names or None


def settings_from_flags(
    config: Path | None,
    *,
    pg_version: str | None = None,
    select: tuple[str, ...] = (),
    include: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    assume_in_transaction: bool | None = None,
    fail_on: str | None = None,
    warn_unused_ignores: bool | None = None,
    layout: str | None = None,
    exclude: tuple[str, ...] = (),
) -> Settings:
    """Settings for a command: the config file, then the command line's flags (as click gives
    them: None or empty when not given). Invalid values raise ConfigError."""
    overrides = {
        "pg_version": parse_pg_version(pg_version, "--pg-version") if pg_version else None,
        "select": _rule_names(select),
        "assume_in_transaction": assume_in_transaction,
        "fail_on": parse_severity(fail_on, "--fail-on") if fail_on else None,
        "warn_unused_ignores": warn_unused_ignores,
        "layout": parse_layout(layout, "--layout") if layout else None,
    }
    settings = resolve_settings(config, overrides)
    # --include and --ignore add to the config's lists (a command line that ignores one
    # more rule keeps the config's ignored); --select replaces the config's selection, and
    # what it names exactly is not then taken away by the config's ignore list.
    cli_ignore = _rule_names(ignore) or ()
    settings = replace(
        settings,
        include=settings.include + (_rule_names(include) or ()),
        ignore=cli_ignore if overrides["select"] is not None else settings.ignore + cli_ignore,
    )
    if exclude:
        cli = anchor_patterns(tuple(exclude), Path.cwd().resolve())
        settings = replace(settings, exclude=settings.exclude + cli)
    return settings
