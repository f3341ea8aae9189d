"""Rule pages: ``rules/<name>.md`` with TOML front matter between ``+++`` lines.

The pages are the rule catalogue's data and its documentation. In a checkout they are
read from ``rules/`` at the top of the repository; an installed wheel carries them as
``pglint/_pages``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FRONT_MATTER_KEYS = frozenset(
    {
        "name",
        "family",
        "severity",
        "default",
        "aliases",
        "pg",
        "scope",
        "status",
        "since",
        "summary",
        "help",
        "squawk",
    }
)
REQUIRED_KEYS = frozenset({"name", "family", "severity", "default", "pg", "summary", "help"})


class PageError(ValueError):
    """A rule page is malformed."""


@dataclass(frozen=True, slots=True)
class Example:
    """A fenced example on a rule page: ``sql bad``, ``sql good pg=11``, ``python alembic bad``."""

    language: str
    verdict: str  # "bad" or "good"
    code: str
    options: tuple[tuple[str, str], ...]
    line: int

    def option(self, key: str, default: str | None = None) -> str | None:
        return dict(self.options).get(key, default)


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    meta: dict
    body: str
    path: Path

    def examples(self) -> list[Example]:
        return parse_examples(self.body, self.body_line)

    @property
    def body_line(self) -> int:
        return self.meta.get("_body_line", 1)


def pages_dir() -> Path:
    """The folder holding the rule pages (wheel copy first, then the checkout)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_pages"
    if packaged.is_dir():
        return packaged
    return here.parent / "rules"


_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def parse_examples(body: str, first_line: int = 1) -> list[Example]:
    examples = []
    for match in _FENCE.finditer(body):
        info = match.group(1).split()
        if not info or not {"bad", "good"} & set(info):
            continue
        language = info[0]
        verdict = "bad" if "bad" in info else "good"
        options = tuple(
            (w.split("=", 1)[0], w.split("=", 1)[1] if "=" in w else "true")
            for w in info[1:]
            if w not in ("bad", "good", "alembic")
        )
        if "alembic" in info:
            language = "alembic"
        line = first_line + body.count("\n", 0, match.start())
        examples.append(Example(language, verdict, match.group(2), options, line))
    return examples


def read_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("+++\n"):
        raise PageError(f"{path}: a rule page starts with +++ front matter")
    end = text.find("\n+++\n", 4)
    if end < 0:
        raise PageError(f"{path}: front matter is not closed with +++")
    try:
        meta = tomllib.loads(text[4:end])
    except tomllib.TOMLDecodeError as error:
        raise PageError(f"{path}: {error}") from None
    unknown = set(meta) - FRONT_MATTER_KEYS
    missing = REQUIRED_KEYS - set(meta)
    if unknown:
        raise PageError(f"{path}: unknown front-matter keys {sorted(unknown)}")
    if missing:
        raise PageError(f"{path}: missing front-matter keys {sorted(missing)}")
    if meta["name"] != path.stem:
        raise PageError(f"{path}: name {meta['name']!r} does not match the file name")
    body = text[end + 5 :]
    meta["_body_line"] = text.count("\n", 0, end + 5) + 1
    return Page(meta["name"], meta, body, path)


@cache
def load_pages() -> dict[str, Page]:
    folder = pages_dir()
    return {p.stem: read_page(p) for p in sorted(folder.glob("*.md"))}
