"""Small readers of the statement model's parse-tree nodes (pglast JSON), for the plan."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pglint.model.catalog import qualified, range_name
from pglint.model.statements import Node
from pglint.model.types import type_ref
from pglint.plan.sqltext import try_deparse

#: PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1).
NAMEDATALEN = 64


def strings(items: Iterable[Node] | None) -> list[str]:
    return [n.get("String", {}).get("sval", "") for n in items or ()]


def rv_name(range_var: Node | None) -> str:
    """``schema.name`` or ``name`` of a RangeVar."""
    return qualified(*range_name(range_var or {}))


def key(name: str) -> str:
    """A relation name as PostgreSQL's default search_path resolves it (``public.`` dropped)."""
    return name.removeprefix("public.")


def type_text(type_name: Node | None) -> str:
    if not type_name:
        return "?"
    text = str(type_ref(type_name))
    return text.removeprefix("pg_catalog.")


def expr_text(node: Node | None) -> str:
    if not node:
        return ""
    return try_deparse(node) or "(expression)"


def object_name(obj: Node) -> str:
    """Name of a DropStmt/CommentStmt object: a name list, a function with args, a type."""
    if "List" in obj:
        return ".".join(strings(obj["List"].get("items")))
    if "String" in obj:
        return obj["String"].get("sval", "")
    if "ObjectWithArgs" in obj:
        owa = obj["ObjectWithArgs"]
        name = ".".join(strings(owa.get("objname")))
        if owa.get("args_unspecified"):
            return name
        args = ", ".join(type_text(a.get("TypeName")) for a in owa.get("objargs", ()) or ())
        return f"{name}({args})"
    if "TypeName" in obj:
        return type_text(obj["TypeName"])
    return "?"


def constraint_kind(contype: str) -> str:
    return {
        "CONSTR_FOREIGN": "foreign key",
        "CONSTR_CHECK": "check",
        "CONSTR_UNIQUE": "unique",
        "CONSTR_PRIMARY": "primary key",
        "CONSTR_EXCLUSION": "exclusion",
        "CONSTR_NOTNULL": "not null",
        "CONSTR_DEFAULT": "default",
    }.get(contype, contype.removeprefix("CONSTR_").lower())


def constraint_columns(con: Node, column: str | None = None) -> tuple[str, ...]:
    if con.get("contype") == "CONSTR_FOREIGN":
        cols = strings(con.get("fk_attrs"))
    elif con.get("contype") == "CONSTR_EXCLUSION":
        cols = []
        for pair in con.get("exclusions", ()) or ():
            items = pair.get("List", {}).get("items", ())
            elem = items[0].get("IndexElem", {}) if items else {}
            cols.append(elem.get("name") or expr_text(elem.get("expr")))
    else:
        cols = strings(con.get("keys"))
    if not cols and column:
        cols = [column]
    return tuple(cols)


def _truncate(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def make_object_name(table: str, columns: Iterable[str], label: str) -> str:
    """The name PostgreSQL chooses for an unnamed index or constraint (makeObjectName).

    ``table_col1_col2_label``, with the table and column parts shortened to fit 63 bytes
    as PostgreSQL does (the longer part is trimmed first). PostgreSQL appends a number
    when the name is taken; that cannot be known without the database.
    """
    table = table.rpartition(".")[2]
    name2 = "_".join(re.sub(r"[^\w]", "", c) or "expr" for c in columns) or None
    overhead = len(label.encode()) + 1 + (1 if name2 else 0)
    avail = NAMEDATALEN - 1 - overhead
    len1, len2 = len(table.encode()), len((name2 or "").encode())
    while len1 + len2 > avail:
        if len1 > len2:
            len1 -= 1
        else:
            len2 -= 1
    parts = [_truncate(table, len1)]
    if name2:
        parts.append(_truncate(name2, len2))
    parts.append(label)
    return "_".join(parts)


_PLAIN_ELEM = {"ordering": "SORTBY_DEFAULT", "nulls_ordering": "SORTBY_NULLS_DEFAULT"}


def index_columns(elems: Iterable[Node] | None) -> tuple[str, ...]:
    """The keys of an index as written: a column name, or with its collation, operator
    class and sort order (``b COLLATE "C" text_pattern_ops``, ``a DESC NULLS LAST``)."""
    out = []
    for item in elems or ():
        elem = item.get("IndexElem", {})
        decorated = any(elem.get(k, v) != v for k, v in _PLAIN_ELEM.items()) or any(
            elem.get(k) for k in ("collation", "opclass", "opclassopts")
        )
        if elem.get("name") and not decorated:
            out.append(elem["name"])
        else:
            out.append(try_deparse(item) or f"({expr_text(elem.get('expr'))})")
    return tuple(out)


def index_name_parts(elems: Iterable[Node] | None) -> list[str]:
    """Column parts PostgreSQL uses in a generated index name (``expr`` for expressions)."""
    return [item.get("IndexElem", {}).get("name") or "expr" for item in elems or ()]


METHODS = {
    "btree": "B-tree",
    "gin": "GIN",
    "gist": "GiST",
    "brin": "BRIN",
    "hash": "hash",
    "spgist": "SP-GiST",
}


def method_name(access_method: str | None) -> str:
    method = (access_method or "btree").lower()
    return METHODS.get(method, method)


def words(kind: str) -> str:
    """``CreateCastStmt`` → ``CREATE CAST``."""
    base = kind.removesuffix("Stmt")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base).upper()


def column_detail(coldef: Node) -> str:
    """``shipped_at timestamptz NOT NULL DEFAULT now()`` from a ColumnDef."""
    parts = [coldef.get("colname", "?"), type_text(coldef.get("typeName"))]
    for wrapped in coldef.get("constraints", ()) or ():
        con = wrapped.get("Constraint", {})
        contype = con.get("contype")
        if contype == "CONSTR_NOTNULL":
            parts.append("NOT NULL")
        elif contype == "CONSTR_DEFAULT":
            parts.append(f"DEFAULT {expr_text(con.get('raw_expr'))}")
        elif contype == "CONSTR_PRIMARY":
            parts.append("PRIMARY KEY")
        elif contype == "CONSTR_UNIQUE":
            parts.append("UNIQUE")
        elif contype == "CONSTR_FOREIGN":
            parts.append(f"REFERENCES {rv_name(con.get('pktable'))}")
        elif contype == "CONSTR_CHECK":
            parts.append(f"CHECK ({expr_text(con.get('raw_expr'))})")
        elif contype == "CONSTR_IDENTITY":
            parts.append("GENERATED AS IDENTITY")
        elif contype == "CONSTR_GENERATED":
            parts.append(f"GENERATED ALWAYS AS ({expr_text(con.get('raw_expr'))}) STORED")
    return " ".join(parts)


def first_line(text: str, limit: int = 90) -> str:
    """The statement on one line, shortened for a table cell."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


_SERIAL_STORAGE = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}


def storage_type(type_ref: object) -> str | None:
    """The column type as it is stored: ``serial`` is ``integer`` with a default.

    ``ALTER COLUMN … TYPE serial`` is not valid SQL, so generated statements use this.
    """
    if type_ref is None:
        return None
    text = str(type_ref)
    base = getattr(type_ref, "name", text)
    return _SERIAL_STORAGE.get(base, text)
