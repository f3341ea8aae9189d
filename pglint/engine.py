"""The rule engine: statements → effects → checks → findings, with suppression applied."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pglint.config import ConfigError, Settings
from pglint.findings import Finding, Severity
from pglint.model.catalog import Catalog
from pglint.model.effects import Analyser, Effect
from pglint.model.nodes import SUBTYPED_KINDS, statement_subtypes
from pglint.model.statements import Node, Statement
from pglint.rules import Catalogue, Rule, load_catalogue
from pglint.rules.registry import Hit
from pglint.sources import is_python, parse_part
from pglint.sources.directives import Directive, find_directives
from pglint.sources.positions import SourceText
from pglint.sources.sql import ParsedSql

ALWAYS_ON = ("syntax-error", "unreadable-file")


# Not frozen (made in bulk): a frozen dataclass's __init__ costs ~0.1 µs a field.
@dataclass(slots=True)
class Context:
    """What a check may ask besides the effect: target version, its options, the catalog."""

    pg: int
    options: Any
    catalog: Catalog
    settings: Settings


@dataclass(frozen=True, slots=True)
class FileView:
    """A whole file for file-scope checks."""

    path: str
    effects: tuple[Effect, ...]
    open_transaction: bool
    text: str


@dataclass(frozen=True, slots=True)
class ActiveRule:
    rule: Rule
    severity: Severity
    options: Any

    def wants(self, kind: str, subtypes: frozenset[str]) -> bool:
        """Whether the check runs on a statement of this kind with these sub-kinds
        (``kinds`` entries such as ``AlterTableStmt:AT_AddColumn``)."""
        spec = self.rule.spec
        if spec is None or not spec.kinds:
            return True
        for wanted in spec.kinds:
            base, _, subtype = wanted.partition(":")
            if base == kind and (not subtype or subtype in subtypes):
                return True
        return False


@dataclass(slots=True)
class ActiveRules:
    """The rules a run uses, indexed for dispatch by statement kind."""

    by_name: dict[str, ActiveRule]
    by_kind: dict[str, list[ActiveRule]] = field(default_factory=dict)
    any_kind: list[ActiveRule] = field(default_factory=list)
    file_scope: list[ActiveRule] = field(default_factory=list)
    _dispatch: dict[tuple[str, frozenset[str], bool], list[ActiveRule]] = field(
        default_factory=dict, repr=False
    )
    _contexts: dict[int, _Contexts] = field(default_factory=dict, repr=False)

    def for_kind(self, kind: str) -> list[ActiveRule]:
        """The checks for one statement kind."""
        return self.by_kind.get(kind, []) + self.any_kind

    def for_statement(self, kind: str, node: Node, down: bool = False) -> list[ActiveRule]:
        """The checks for one statement: by its kind and sub-kinds (built once per pair).

        Statements of a down migration skip the breaking family (see
        :data:`REPORTED_IN_ROLLBACK`): reverting removes what the up added, which the
        application version rolled back to does not use.
        """
        subtypes = statement_subtypes(kind, node) if kind in SUBTYPED_KINDS else _NONE
        key = (kind, subtypes, down)
        found = self._dispatch.get(key)
        if found is None:
            found = [
                entry
                for entry in self.for_kind(kind)
                if entry.wants(kind, subtypes)
                and not (
                    down
                    and entry.rule.family == "breaking"
                    and entry.rule.name not in REPORTED_IN_ROLLBACK
                )
            ]
            self._dispatch[key] = found
        return found

    def contexts(self, settings: Settings, catalog: Catalog) -> _Contexts:
        """The checks' contexts for a catalog, kept while it is in use (a set's up parts
        share one catalog; each down part has a copy of its own)."""
        kept = self._contexts
        found = kept.pop(id(catalog), None)
        if found is None or found.catalog is not catalog or found.settings is not settings:
            if len(kept) >= 4:
                del kept[next(iter(kept))]  # the least recently used
            found = _Contexts(self, settings, catalog)
        kept[id(catalog)] = found
        return found


_NONE: frozenset[str] = frozenset()

#: Breaking-family rules that still report statements of a down migration: their
#: statement fails on a live table, which matters in a rollback too.
REPORTED_IN_ROLLBACK = frozenset({"adding-required-field"})


class _Contexts(dict[str, Context]):
    """Rule name → its :class:`Context` on one catalog, made on first use."""

    __slots__ = ("active", "catalog", "settings")

    def __init__(self, active: ActiveRules, settings: Settings, catalog: Catalog) -> None:
        super().__init__()
        self.active = active
        self.settings = settings
        self.catalog = catalog

    def __missing__(self, name: str) -> Context:
        settings = self.settings
        options = self.active.by_name[name].options
        made = self[name] = Context(settings.pg_version, options, self.catalog, settings)
        return made


def build_options(rule: Rule, raw: Mapping[str, Any] | None) -> Any:
    """Instantiate a rule's options dataclass from config (kebab-case keys)."""
    cls = rule.spec.options if rule.spec else None
    raw = dict(raw or {})
    if cls is None:
        if raw:
            raise ConfigError(f"rule {rule.name!r} takes no options")
        return None
    known = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(
                f"rule {rule.name!r} has no option {key!r} "
                f"(options: {', '.join(k.replace('_', '-') for k in known)})"
            )
        values[name] = value
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"options for {rule.name!r}: {error}") from None


_SYNTAX_ALWAYS = "a file PostgreSQL rejects always fails the run"


def select_rules(settings: Settings, catalogue: Catalogue | None = None) -> ActiveRules:
    """Resolve --select/--include/--ignore into the active rules; unknown names raise ConfigError."""
    catalogue = catalogue or load_catalogue()

    def resolve(names: Iterable[str], what: str) -> list[Rule]:
        try:
            return catalogue.resolve_all(names)
        except KeyError as error:
            raise ConfigError(f"unknown rule {error.args[0]!r} in {what}") from None

    if settings.select is not None:
        chosen = {r.name: r for r in resolve(settings.select, "select")}
    else:
        chosen = {r.name: r for r in catalogue.rules.values() if r.default}
    chosen.update((r.name, r) for r in resolve(settings.include, "include"))
    if "syntax-error" in settings.ignore:
        raise ConfigError(f"cannot ignore syntax-error: {_SYNTAX_ALWAYS}")
    for rule in resolve(settings.ignore, "ignore"):
        chosen.pop(rule.name, None)
    for name in ALWAYS_ON:
        chosen[name] = catalogue.rules[name]
    if settings.warn_unused_ignores:
        chosen["unused-ignore"] = catalogue.rules["unused-ignore"]
    severity = _by_rule_name(catalogue, settings.severity, "severity")
    if severity.get("syntax-error", Severity.ERROR) is not Severity.ERROR:
        raise ConfigError(f"severity of syntax-error cannot change: {_SYNTAX_ALWAYS}")
    options = _by_rule_name(catalogue, settings.options, "options")
    active = ActiveRules({})
    for name, rule in sorted(chosen.items()):
        entry = ActiveRule(
            rule, severity.get(name, rule.severity), build_options(rule, options.get(name))
        )
        active.by_name[name] = entry
        if rule.fn is None or settings.pg_version not in rule.pg:
            continue
        if rule.scope == "migration":
            continue  # run by pglint.sets once per migration
        if rule.scope == "file":
            active.file_scope.append(entry)
        elif rule.spec and rule.spec.kinds:
            for kind in dict.fromkeys(k.partition(":")[0] for k in rule.spec.kinds):
                active.by_kind.setdefault(kind, []).append(entry)
        else:
            active.any_kind.append(entry)
    return active


_V = TypeVar("_V")


def _by_rule_name(catalogue: Catalogue, values: Mapping[str, _V], where: str) -> dict[str, _V]:
    """``values`` keyed by rule name instead of the name or alias as written."""
    found: dict[str, _V] = {}
    for name, value in values.items():
        rule = catalogue.resolve(name)
        if rule is None:
            raise ConfigError(f"unknown rule {name!r} in {where}")
        found[rule.name] = value
    return found


# Not frozen (made in bulk): a frozen dataclass's __init__ costs ~0.1 µs a field.
@dataclass(slots=True)
class _Raw:
    rule: str
    severity: Severity
    message: str
    help: str
    start: int
    end: int
    statement: Statement | None


def run_checks(
    path: str,
    text: str,
    parsed: ParsedSql,
    settings: Settings,
    active: ActiveRules,
    analyser: Analyser | None = None,
    directives: Sequence[Directive] | None = None,
    on_effect: Callable[[Effect], None] | None = None,
    part: tuple[int, int] | None = None,
) -> list[Finding]:
    """Run the active checks over parsed statements and return located findings.

    ``part`` is the character range of ``text`` that ``parsed`` came from (a section of a
    single-file migration); only directives inside it are reported as unused.
    """
    source = SourceText(path, text)
    analyser = analyser or Analyser(settings.pg_version, settings.assume_in_transaction)
    contexts = active.contexts(settings, analyser.catalog)
    raws: list[_Raw] = []
    effects: list[Effect] = []
    for effect in analyser.effects(parsed.statements):
        effects.append(effect)
        if on_effect is not None:
            on_effect(effect)
        statement = effect.statement
        for entry in active.for_statement(statement.kind, statement.node, statement.part == "down"):
            rule = entry.rule
            # (fn is not None: select_rules files only rules that have a check.)
            for hit in rule.fn(effect, contexts[rule.name]):  # type: ignore[misc]
                raws.append(_raw(entry, hit, hit.effect or effect))
    if active.file_scope:
        view = FileView(path, tuple(effects), analyser.open_explicit_transaction, text)
        for entry in active.file_scope:
            rule = entry.rule
            for hit in rule.fn(view, contexts[rule.name]):  # type: ignore[misc]  # as above
                if hit.effect is not None:
                    raws.append(_raw(entry, hit, hit.effect))
    syntax = active.by_name["syntax-error"]
    for problem in parsed.problems:
        raws.append(
            _Raw(
                "syntax-error",
                syntax.severity,
                problem.message,
                syntax.rule.help,
                problem.offset,
                problem.offset + 1,
                None,
            )
        )
    if directives is None:
        directives = find_directives(text, is_python(path))
    return _finish(source, raws, directives, active, part)


def _raw(entry: ActiveRule, hit: Hit, effect: Effect) -> _Raw:
    """A hit on ``effect``'s statement, located in the file."""
    statement = effect.statement
    start = statement.offset_of(hit.at) if hit.at is not None else statement.start
    end = statement.offset_of(hit.end_at) if hit.end_at is not None else statement.end
    rule = entry.rule
    return _Raw(
        rule.name,
        entry.severity,
        hit.message,
        hit.help or rule.help,
        start,
        max(end, start + 1),
        statement,
    )


def _finish(
    source: SourceText,
    raws: list[_Raw],
    directives: Sequence[Directive],
    active: ActiveRules,
    part: tuple[int, int] | None = None,
) -> list[Finding]:
    catalogue = load_catalogue()
    used: set[int] = set()
    kept: list[_Raw] = []
    for raw in raws:
        suppressed = False
        if raw.rule not in ALWAYS_ON:
            for number, directive in enumerate(directives):
                if directive.kind == "irreversible" or not _names_rule(
                    directive, raw.rule, catalogue
                ):
                    continue
                if directive.kind == "ignore-file" or _covers(source, directive, raw):
                    used.add(number)
                    suppressed = True
        if not suppressed:
            kept.append(raw)
    findings = [_finding(source, raw) for raw in kept]
    unused = active.by_name.get("unused-ignore")
    if unused is not None:
        low, high = part or (0, len(source.text) + 1)
        outside = {i for i, d in enumerate(directives) if not low <= d.offset < high}
        findings.extend(
            _unused(source, directives, used | outside, unused, catalogue, active, outside)
        )
    findings.sort(key=Finding.sort_key)
    return findings


def _names_rule(directive: Directive, rule: str, catalogue: Catalogue) -> bool:
    if not directive.rules:
        return directive.silences_everything()
    return any(r.name == rule for name in directive.rules for r in catalogue.expand(name))


def _covers(source: SourceText, directive: Directive, raw: _Raw) -> bool:
    """A line directive covers the statement it sits in, or, alone on its line, the one
    right below it."""
    if raw.statement is None:
        return False
    first, _ = source.position(raw.statement.start)
    last, _ = source.position(raw.statement.end - 1)
    if first <= directive.line <= last:
        return True
    if directive.line >= first or directive.trailing:
        return False
    # Only blank lines and comments may stand between the directive and the statement.
    lines = source.text.splitlines()[directive.line : first - 1]
    return all(not ln.strip() or ln.lstrip().startswith(("--", "#", "/*", "*")) for ln in lines)


def _unused(
    source: SourceText,
    directives: Sequence[Directive],
    used: set[int],
    entry: ActiveRule,
    catalogue: Catalogue,
    active: ActiveRules,
    skip: set[int],
) -> Iterator[Finding]:
    for number, directive in enumerate(directives):
        if directive.kind == "irreversible" or number in skip:
            continue
        unknown = [n for n in directive.rules if not catalogue.expand(n)]
        if unknown:
            message = f"suppression names unknown rule(s): {', '.join(unknown)}"
        elif not directive.rules and directive.reason:
            message = "suppression names no rule, so it silences nothing"
        elif number not in used and (
            not directive.rules
            or any(r.name in active.by_name for n in directive.rules for r in catalogue.expand(n))
        ):
            message = (
                "suppression silences nothing: no finding of "
                + (", ".join(directive.rules) if directive.rules else "any rule")
                + " is reported here"
            )
        else:
            continue
        yield source.finding(
            directive.offset,
            directive.end,
            "unused-ignore",
            entry.severity,
            message,
            entry.rule.help,
        )


def _finding(source: SourceText, raw: _Raw) -> Finding:
    return source.finding(raw.start, raw.end, raw.rule, raw.severity, raw.message, raw.help)


def lint_text(path: str, text: str, settings: Settings, active: ActiveRules) -> list[Finding]:
    """Lint one file's text on its own (SQL, or the upgrade of a Python migration)."""
    return run_checks(path, text, parse_part(path, text), settings, active)


def unreadable(path: str, message: str, active: ActiveRules) -> Finding:
    entry = active.by_name["unreadable-file"]
    return Finding(path, 1, 1, 1, 1, "unreadable-file", entry.severity, message, entry.rule.help)
