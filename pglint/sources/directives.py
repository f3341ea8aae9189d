"""Suppression comments: ``-- pglint: ignore …``, ``-- pglint: ignore-file …`` and Squawk's.

``-- pglint: ignore rule-a, rule-b reason`` on the line before a statement, or on any line
of it (typically at its end), silences those rules for that statement.
``-- pglint: ignore-file rule-a`` anywhere silences them for the whole file. With no rule
names, every rule is silenced. Text after the names is a free-form reason.
``-- squawk-ignore`` and ``-- squawk-ignore-file`` are read the same way (as in Squawk, a
bare ``squawk-ignore`` silences nothing, a bare ``squawk-ignore-file`` everything), and ``#``
comments the same way in Python files. ``-- pglint: irreversible <reason>`` marks a
deliberate one-way migration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(
    r"(?:--|#)\s*(?:pglint:\s*(?P<verb>ignore-file|ignore|irreversible)|(?P<squawk>squawk-ignore-file|squawk-ignore))"
    r"(?![\w-])(?P<rest>[^\n]*)"
)
_NAMES = re.compile(r"\s*:?\s*(?P<names>[a-z][a-z0-9-]*(?:\s*,\s*[a-z][a-z0-9-]*)*)?(?P<reason>.*)")


@dataclass(frozen=True, slots=True)
class Directive:
    """One suppression or marker comment."""

    kind: str  # "ignore", "ignore-file", "irreversible"
    rules: tuple[str, ...]  # empty: every rule
    reason: str
    line: int
    offset: int
    end: int
    squawk: bool = False  # written as squawk-ignore / squawk-ignore-file

    def silences_everything(self) -> bool:
        """No rule names: pglint's forms silence every rule; Squawk's bare line form none."""
        return not self.rules and (not self.squawk or self.kind == "ignore-file")


def find_directives(text: str) -> list[Directive]:
    """All directives in ``text``; cheap when the file has none."""
    if "pglint:" not in text and "squawk-ignore" not in text:
        return []
    found = []
    for match in _DIRECTIVE.finditer(text):
        verb = match.group("verb")
        if verb is None:
            verb = "ignore-file" if match.group("squawk").endswith("-file") else "ignore"
        rest = match.group("rest")
        if verb == "irreversible":
            names: tuple[str, ...] = ()
            reason = rest.strip()
        else:
            parsed = _NAMES.match(rest)
            raw = parsed.group("names") if parsed else None
            names = tuple(n.strip() for n in raw.split(",")) if raw else ()
            reason = parsed.group("reason").strip() if parsed else rest.strip()
        line = text.count("\n", 0, match.start()) + 1
        squawk = match.group("squawk") is not None
        found.append(Directive(verb, names, reason, line, match.start(), match.end(), squawk))
    return found
