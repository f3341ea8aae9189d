"""The Entity Relationship Diagram: a Mermaid ``erDiagram`` and a plain-text fallback.

Mermaid's lexer reads some words as keywords before names (``one``, ``many``, ``to``,
``end``…, and ``PK``/``FK``/``UK`` inside an entity block), and accepts only letters,
digits, ``_``, ``-``, ``()`` and ``[]`` in attribute types and names. So entity names
are always written in double quotes (which allow anything but ``"``, ``%``, ``\\`` and
line breaks), and attribute words are sanitised. :func:`validate_er` checks a diagram
against that grammar (the subset this module writes, and a little more).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pglint.model.catalog import Catalog, Table
from pglint.plan.model import Column, ErDiagram, ErEntity, ErRelationship, ModifiedTable, NewTable
from pglint.plan.nodes import key

if TYPE_CHECKING:
    from pglint.plan.builder import Builder

#: More entities than this make a diagram GitHub renders too small to read.
MAX_ENTITIES = 40


def table_columns(catalog: Catalog, table: Table) -> tuple[Column, ...]:
    primary: set[str] = set()
    unique: set[str] = set()
    references: dict[str, str] = {}
    for con in table.constraints:
        if con.kind == "CONSTR_PRIMARY":
            primary.update(con.columns)
        elif con.kind == "CONSTR_UNIQUE" and len(con.columns) == 1:
            unique.update(con.columns)
        elif con.kind == "CONSTR_FOREIGN" and con.references:
            for name in con.columns:
                references.setdefault(name, con.references)
    for index in catalog.indexes.values():
        if index.unique and key(index.table) == key(table.qualified) and len(index.columns) == 1:
            unique.add(index.columns[0])
    out = []
    for column in table.columns.values():
        out.append(
            Column(
                name=column.name,
                type=str(column.type) if column.type else "unknown",
                not_null=column.not_null,
                primary_key=column.name in primary,
                unique=column.name in unique,
                references=column.references or references.get(column.name),
            )
        )
    return tuple(out)


def _find_table(builder: Builder, name: str) -> tuple[Catalog, Table] | None:
    schema, _, bare = name.rpartition(".")
    for catalog in builder.final.values():
        table = catalog.table(schema or None, bare)
        if table is not None:
            return catalog, table
    return None


def _relationships(builder: Builder, catalog: Catalog, table: Table) -> list[ErRelationship]:
    found: list[tuple[tuple[str, ...], str]] = []
    for con in table.constraints:
        if con.kind == "CONSTR_FOREIGN" and con.references:
            found.append((con.columns, con.references))
    for column in table.columns.values():
        if column.references and not any(column.name in cols for cols, _ in found):
            found.append(((column.name,), column.references))
    uniques = [
        c.columns for c in table.constraints if c.kind in ("CONSTR_UNIQUE", "CONSTR_PRIMARY")
    ]
    uniques += [
        i.columns
        for i in catalog.indexes.values()
        if i.unique and key(i.table) == key(table.qualified)
    ]
    out = []
    for columns, parent in dict.fromkeys(found):
        parent_columns: tuple[str, ...] = ()
        for fk in builder.s.fks:
            if (
                key(fk.child) == key(table.qualified)
                and fk.columns == columns
                and key(fk.parent) == key(parent)
            ):
                parent_columns = fk.parent_columns
        nullable = any(not (table.columns.get(c) and table.columns[c].not_null) for c in columns)
        out.append(
            ErRelationship(
                parent=parent,
                child=table.qualified,
                columns=columns,
                parent_columns=parent_columns,
                label=", ".join(columns),
                child_optional=nullable,
                one_to_one=any(set(u) == set(columns) for u in uniques if u),
            )
        )
    return out


def build_er(
    builder: Builder, new_tables: tuple[NewTable, ...], modified: tuple[ModifiedTable, ...]
) -> ErDiagram:
    wanted: list[tuple[str, str]] = []
    for new in new_tables:
        if new.kind in ("table", "partitioned"):
            wanted.append((new.name, "new"))
    gone = {key(d.name) for d in builder.s.dropped if d.kind in ("table", "foreign table")}
    for changed in modified:
        if key(changed.name) in gone:
            continue  # dropped: nothing left to draw
        found = _find_table(builder, changed.name)
        if found is None or found[1].kind in ("table", "partitioned"):
            locked_only = all(c.startswith("locked by step") for c in changed.changes)
            wanted.append((changed.name, "referenced" if locked_only else "modified"))
    seen: set[str] = set()
    entities: list[ErEntity] = []
    relationships: list[ErRelationship] = []
    omitted: list[str] = []
    queue = list(dict.fromkeys(wanted))
    position = 0
    while position < len(queue):
        name, status = queue[position]
        position += 1
        if key(name) in seen:
            continue
        seen.add(key(name))
        if len(entities) >= MAX_ENTITIES:
            omitted.append(name)
            continue
        found = _find_table(builder, name)
        if found is None:
            entities.append(ErEntity(name, status, ()))
            continue
        catalog, table = found
        entities.append(ErEntity(table.qualified, status, table_columns(catalog, table)))
        if status == "referenced":
            continue
        for rel in _relationships(builder, catalog, table):
            relationships.append(rel)
            queue.append((rel.parent, "referenced"))
    names = {key(e.name) for e in entities}
    relationships = [r for r in relationships if key(r.parent) in names and key(r.child) in names]
    return ErDiagram(
        mermaid=render(entities, relationships),
        entities=tuple(entities),
        relationships=tuple(relationships),
        omitted=tuple(omitted),
        fallback=tuple(_fallback(entities, relationships)),
    )


# --- rendering -------------------------------------------------------------------------------

_ENTITY_BAD = re.compile(r'["%\\\r\n\v\b]')
_WORD_BAD = re.compile(r"[^A-Za-z0-9_\-\[\]()]")
_KEYS = frozenset({"pk", "fk", "uk"})


def entity_token(name: str) -> str:
    """An entity name Mermaid reads back as one name, whatever characters it holds."""
    cleaned = _ENTITY_BAD.sub("_", name).strip() or "_"
    return f'"{cleaned}"'


def attribute_word(text: str) -> str:
    """A type or column name as one Mermaid attribute word."""
    cleaned = text.replace(", ", "_").replace(" ", "_")
    cleaned = _WORD_BAD.sub("_", cleaned) or "_"
    if not (cleaned[0].isascii() and (cleaned[0].isalpha() or cleaned[0] == "_")):
        cleaned = "_" + cleaned
    if cleaned.lower() in _KEYS:
        cleaned += "_"
    return cleaned


def label_token(text: str) -> str:
    cleaned = _ENTITY_BAD.sub("_", text).strip() or "references"
    return f'"{cleaned}"'


def render(entities: list[ErEntity], relationships: list[ErRelationship]) -> str:
    lines = ["erDiagram"]
    for entity in entities:
        if not entity.columns:
            lines.append(f"    {entity_token(entity.name)}")
            continue
        lines.append(f"    {entity_token(entity.name)} {{")
        for column in entity.columns:
            keys = []
            if column.primary_key:
                keys.append("PK")
            if column.references:
                keys.append("FK")
            if column.unique and not column.primary_key:
                keys.append("UK")
            line = f"        {attribute_word(column.type)} {attribute_word(column.name)}"
            if keys:
                line += " " + ", ".join(keys)
            notes = []
            if column.not_null and not column.primary_key:
                notes.append("not null")
            if column.references:
                notes.append(f"references {column.references}")
            if notes:
                line += " " + label_token("; ".join(notes))
            lines.append(line)
        lines.append("    }")
    for rel in relationships:
        left = "|o" if rel.child_optional else "||"
        right = "o|" if rel.one_to_one else "o{"
        lines.append(
            f"    {entity_token(rel.parent)} {left}--{right} {entity_token(rel.child)} : {label_token(rel.label)}"
        )
    return "\n".join(lines)


def _fallback(entities: list[ErEntity], relationships: list[ErRelationship]) -> list[str]:
    out = []
    for entity in entities:
        if entity.columns:
            cols = []
            for c in entity.columns:
                text = f"{c.name} {c.type}"
                if c.primary_key:
                    text += " PK"
                if c.references:
                    text += f" → {c.references}"
                cols.append(text)
            out.append(f"{entity.name} ({entity.status}): {', '.join(cols)}")
        else:
            out.append(f"{entity.name} ({entity.status}): columns not known to pglint")
    for rel in relationships:
        target = (
            f"{rel.parent}({', '.join(rel.parent_columns)})" if rel.parent_columns else rel.parent
        )
        kind = "one-to-one" if rel.one_to_one else "many-to-one"
        optional = ", optional" if rel.child_optional else ""
        out.append(f"{rel.child}({', '.join(rel.columns)}) → {target} ({kind}{optional})")
    return out


# --- validation --------------------------------------------------------------------------------

_QUOTED_ENTITY = r'"[^"%\r\n\v\b\\]+"'
_BARE_ENTITY = r"[A-Za-z_][A-Za-z0-9_\-]*"
_ENTITY = rf"(?:{_QUOTED_ENTITY}|{_BARE_ENTITY})"
_ATTR_TYPE = r"[A-Za-z_][A-Za-z0-9_\-\[\]()]*"
_ATTR_NAME = r"\*?[A-Za-z_][A-Za-z0-9_\-\[\]()]*"
_KEY = r"(?:PK|FK|UK)"
_ATTRIBUTE = re.compile(
    rf'^\s*(?P<type>{_ATTR_TYPE})\s+(?P<name>{_ATTR_NAME})(?:\s+{_KEY}(?:\s*,\s*{_KEY})*)?(?:\s+"[^"]*")?\s*$'
)
_LEFT = r"(?:\|o|\|\||\}o|\}\|)"
_RIGHT = r"(?:o\||\|\||o\{|\|\{)"
_RELATION = re.compile(
    rf'^\s*(?P<a>{_ENTITY})\s*{_LEFT}(?:--|\.\.){_RIGHT}\s*(?P<b>{_ENTITY})\s*:\s*(?:"[^"]*"|[A-Za-z_][A-Za-z0-9_\-]*)\s*$'
)
_BLOCK = re.compile(rf"^\s*(?P<a>{_ENTITY})\s*\{{\s*$")
_BARE = re.compile(rf"^\s*(?P<a>{_ENTITY})\s*$")
#: Words Mermaid's lexer matches before an unquoted entity name (case-insensitive).
_LEXER_WORDS = (
    "one",
    "only",
    "many",
    "zero",
    "to",
    "optionally",
    "erdiagram",
    "style",
    "classdef",
    "class",
    "subgraph",
    "end",
    "direction",
    "acctitle",
    "accdescr",
)


def _bad_bare(name: str) -> bool:
    if name.startswith('"'):
        return False
    lowered = name.lower()
    if lowered[:1] == "u" and lowered[1:2] in ("-", ".", "|"):
        return True
    return any(lowered.startswith(w) for w in _LEXER_WORDS)


def validate_er(text: str) -> list[str]:
    """Problems Mermaid's erDiagram parser would have with ``text`` (empty: valid)."""
    errors: list[str] = []
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].strip() != "erDiagram":
        return ["the diagram must start with 'erDiagram'"]
    in_block = False
    for number, line in enumerate(lines[start + 1 :], start + 2):
        stripped = line.strip()
        if not stripped or stripped.startswith("%%"):
            continue
        if in_block:
            if stripped == "}":
                in_block = False
                continue
            match = _ATTRIBUTE.match(line)
            if match is None:
                errors.append(
                    f"line {number}: not an attribute 'type name [PK|FK|UK] [\"comment\"]': {stripped}"
                )
                continue
            for part in ("type", "name"):
                if match[part].lower().lstrip("*") in _KEYS:
                    errors.append(
                        f"line {number}: attribute {part} {match[part]!r} is read as a key marker"
                    )
            continue
        for pattern in (_RELATION, _BLOCK, _BARE):
            match = pattern.match(line)
            if match is not None:
                break
        if match is None:
            errors.append(f"line {number}: not an entity, entity block or relationship: {stripped}")
            continue
        for group in ("a", "b"):
            name = match.groupdict().get(group)
            if name and _bad_bare(name):
                errors.append(
                    f"line {number}: unquoted entity name {name!r} starts with a Mermaid keyword"
                )
        if pattern is _BLOCK:
            in_block = True
    if in_block:
        errors.append("an entity block is not closed with '}'")
    return errors
