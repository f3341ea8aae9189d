"""The rule catalogue: rule pages (data) joined with their check functions (code)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pglint.findings import Severity
from pglint.pages import load_pages
from pglint.rules.registry import CheckSpec, spec_of

#: Built-in rule modules of pglint.rules. Also declared as ``pglint.rules`` entry points.
MODULES: tuple[str, ...] = (
    "locking",
    "rewrites",
    "transactions",
    "schema",
    "breaking",
    "restrictions",
    "indexes",
    "rollback",
    "meta",
    "alembic",
)


#: Old names that stand for several rules (Squawk's ``require-timeout-settings``).
EXPANSIONS: dict[str, tuple[str, ...]] = {
    "require-timeout-settings": ("require-lock-timeout", "require-statement-timeout"),
}


class CatalogueError(ValueError):
    """Pages and check functions do not match."""


@dataclass(frozen=True, slots=True)
class VersionRange:
    """PostgreSQL major versions a rule applies to: ``all``, ``>=11``, ``<12``, ``12-16``."""

    low: int = 0
    high: int = 10_000

    @classmethod
    def parse(cls, text: str) -> VersionRange:
        text = text.replace(" ", "")
        if text in ("", "all"):
            return cls()
        if text.startswith(">="):
            return cls(low=int(text[2:]))
        if text.startswith("<="):
            return cls(high=int(text[2:]))
        if text.startswith("<"):
            return cls(high=int(text[1:]) - 1)
        if "-" in text:
            low, high = text.split("-", 1)
            return cls(int(low), int(high))
        return cls(int(text), int(text))

    def __contains__(self, version: int) -> bool:
        return self.low <= version <= self.high

    def __str__(self) -> str:
        if self.low == 0 and self.high == 10_000:
            return "all"
        if self.high == 10_000:
            return f">={self.low}"
        if self.low == 0:
            return f"<={self.high}"
        return f"{self.low}-{self.high}"


@dataclass(frozen=True, slots=True)
class Rule:
    """A catalogued rule: its page's metadata and its check function."""

    name: str
    family: str
    severity: Severity
    default: bool
    summary: str
    help: str
    pg: VersionRange
    aliases: tuple[str, ...]
    scope: str
    status: str
    since: str
    squawk: bool
    fn: Callable[..., Any] | None = field(compare=False, default=None)
    spec: CheckSpec | None = field(compare=False, default=None)


@dataclass(frozen=True, slots=True)
class Catalogue:
    rules: dict[str, Rule]
    aliases: dict[str, str]

    def resolve(self, name: str) -> Rule | None:
        name = self.aliases.get(name, name)
        return self.rules.get(name)

    def expand(self, name: str) -> list[Rule]:
        """The rules a name stands for: itself, its alias target, or an old combined name."""
        if name in EXPANSIONS:
            return [self.rules[n] for n in EXPANSIONS[name]]
        rule = self.resolve(name)
        return [rule] if rule is not None else []

    def resolve_all(self, names: Iterable[str]) -> list[Rule]:
        """Rules for names (aliases and family names accepted); unknown names raise KeyError."""
        found = []
        for name in names:
            if name in EXPANSIONS:
                found.extend(self.expand(name))
                continue
            rule = self.resolve(name)
            if rule is not None:
                found.append(rule)
                continue
            family = [r for r in self.rules.values() if r.family == name]
            if not family and name != "all":
                raise KeyError(name)
            found.extend(family or self.rules.values())
        return found


def _check_functions(modules: Iterable[str]) -> dict[str, tuple[Callable[..., Any], CheckSpec]]:
    found: dict[str, tuple[Callable[..., Any], CheckSpec]] = {}
    for name in modules:
        module = importlib.import_module(f"pglint.rules.{name}")
        for value in vars(module).values():
            spec = spec_of(value)
            if spec is None:
                continue
            if spec.name in found:
                raise CatalogueError(f"two check functions for rule {spec.name!r}")
            found[spec.name] = (value, spec)
    return found


@cache
def load_catalogue() -> Catalogue:
    """Join every rule page with its check function; mismatches are errors."""
    pages = load_pages()
    functions = _check_functions(MODULES)
    missing_fn = sorted(set(pages) - set(functions) - _ENGINE_RULES)
    missing_page = sorted(set(functions) - set(pages))
    if missing_fn or missing_page:
        raise CatalogueError(
            f"pages without a check: {missing_fn}; checks without a page: {missing_page}"
        )
    rules: dict[str, Rule] = {}
    aliases: dict[str, str] = {}
    for name, page in pages.items():
        meta = page.meta
        fn, spec = functions.get(name, (None, None))
        rule = Rule(
            name=name,
            family=meta["family"],
            severity=Severity(meta["severity"]),
            default=bool(meta["default"]),
            summary=meta["summary"],
            help=meta["help"],
            pg=VersionRange.parse(str(meta["pg"])),
            aliases=tuple(meta.get("aliases", ())),
            scope=spec.scope if spec else meta.get("scope", "file"),
            status=meta.get("status", "stable"),
            since=meta.get("since", "0.1.0"),
            squawk=bool(meta.get("squawk", False)),
            fn=fn,
            spec=spec,
        )
        rules[name] = rule
        for alias in rule.aliases:
            if alias in aliases or alias in pages:
                raise CatalogueError(f"alias {alias!r} is used twice")
            aliases[alias] = name
    return Catalogue(rules, aliases)


#: Rules the engine itself reports (no check function): parse failures, directive problems.
_ENGINE_RULES = frozenset(
    {"syntax-error", "unused-ignore", "unreadable-file", "invalid-migration-set"}
) | {
    "migration-failed",
    "rollback-not-restoring",
    "rollback-not-reapplyable",
    "static-model-mismatch",
}  # pglint verify
