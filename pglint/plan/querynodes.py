"""Parse-tree nodes for the generated queries: built as pglast JSON, printed by pglast.

Counting the rows an UPDATE will change means combining its table, FROM list, WHERE
and WITH clause into a SELECT. Building that SELECT as a tree (instead of pasting text)
keeps aliases, CTEs and quoting exactly as PostgreSQL would read them.
"""

from __future__ import annotations

from pglint.model.statements import Node
from pglint.plan.sqltext import try_deparse


def _count_star() -> Node:
    return {
        "ResTarget": {
            "val": {"FuncCall": {"funcname": [{"String": {"sval": "count"}}], "agg_star": True}},
            "name": "row_count",
        }
    }


def _one() -> Node:
    return {"ResTarget": {"val": {"A_Const": {"ival": {"ival": 1}}}}}


def _select(
    target: list[Node],
    from_clause: list[Node],
    where: Node | None = None,
    with_clause: Node | None = None,
) -> Node:
    select: Node = {
        "targetList": target,
        "fromClause": from_clause,
        "limitOption": "LIMIT_OPTION_DEFAULT",
        "op": "SETOP_NONE",
    }
    if where is not None:
        select["whereClause"] = where
    if with_clause is not None:
        select["withClause"] = with_clause
    return {"SelectStmt": select}


def count_matching(
    relation: Node, where: Node | None, extra_from: list[Node] | None, with_clause: Node | None
) -> str | None:
    """``SELECT count(*) FROM rel WHERE …`` counting the rows of ``relation`` an UPDATE or
    DELETE with this WHERE (and FROM/USING list) changes: each row once, however many
    rows of the FROM list it joins."""
    rel = {"RangeVar": dict(relation, inh=relation.get("inh", True))}
    condition = where
    if extra_from:
        condition = {
            "SubLink": {
                "subLinkType": "EXISTS_SUBLINK",
                "subselect": _select([_one()], list(extra_from), where),
            }
        }
    return try_deparse(_select([_count_star()], [rel], condition, with_clause))


def count_rows(select: Node, with_clause: Node | None = None) -> str | None:
    """``SELECT count(*) FROM (select) AS source_rows``: the rows a query returns."""
    inner = select.get("SelectStmt", select)
    if with_clause is not None and not inner.get("withClause"):
        inner = dict(inner, withClause=with_clause)
    sub = {
        "RangeSubselect": {
            "subquery": {"SelectStmt": inner},
            "alias": {"aliasname": "source_rows"},
        }
    }
    return try_deparse(_select([_count_star()], [sub]))


def query_text(select: Node, with_clause: Node | None = None) -> str | None:
    inner = select.get("SelectStmt", select)
    if with_clause is not None and not inner.get("withClause"):
        inner = dict(inner, withClause=with_clause)
    return try_deparse({"SelectStmt": inner})


def flipped_grant(node: Node) -> str | None:
    """The REVOKE that undoes a GRANT (or the GRANT that undoes a REVOKE)."""
    flipped = dict(node, is_grant=not node.get("is_grant", False))
    flipped.pop("grant_option", None)
    return try_deparse({"GrantStmt": flipped})
