"""Every typed node of a statement, found in one walk and kept for all the rules that ask.

pglast's JSON trees name each node by a key that starts with a capital letter
(``{"FuncCall": {...}}``). Several rules look for node types anywhere in a statement
(features of a newer PostgreSQL, duplicate assignments inside CTEs, ``setval`` calls,
string constants): :func:`statement_nodes` walks the statement once, on the first
question, and caches the result on the statement.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglint.model.statements import Node, Statement


class NodeIndex:
    """The typed nodes of a statement: in walk order, and by type.

    The order is a depth-first walk (the statement's own node first); each node of a
    type is listed once, in the order the walk meets it.
    """

    __slots__ = ("by_type", "order")

    def __init__(self, root: Node) -> None:
        self.order: list[tuple[str, Node]] = []
        self.by_type: dict[str, list[Node]] = {}
        order, by_type = self.order, self.by_type
        stack: list[object] = [root]
        pop, push = stack.pop, stack.append
        while stack:
            item = pop()
            if type(item) is dict:
                for key, value in item.items():
                    kind = type(value)
                    if kind is dict:
                        if key[:1].isupper():
                            order.append((key, value))
                            found = by_type.get(key)
                            if found is None:
                                by_type[key] = [value]
                            else:
                                found.append(value)
                        push(value)
                    elif kind is list:
                        push(value)
            elif type(item) is list:
                stack.extend(item)

    def of(self, kind: str) -> list[Node]:
        """Every node of type ``kind`` (``"FuncCall"``), the statement's own included."""
        return self.by_type.get(kind, [])

    def has(self, kind: str) -> bool:
        return kind in self.by_type


def node_index(kind: str, node: Node) -> NodeIndex:
    """The :class:`NodeIndex` of a statement given by its kind and node (not cached)."""
    return NodeIndex({kind: node})


def statement_nodes(statement: Statement) -> NodeIndex:
    """The :class:`NodeIndex` of ``statement``, computed once."""
    memo = statement.memo
    found = memo.get("nodes")
    if found is None:
        found = memo["nodes"] = NodeIndex({statement.kind: statement.node})
    return found


def mentions(statement: Statement, *words: str) -> bool:
    """Whether the statement's text contains one of ``words`` (lower case), in any case.

    A cheap test before a walk: SQL keywords cannot be escaped, so a statement that
    never spells ``json`` has no JSON_TABLE node.
    """
    text = lowered(statement)
    return any(word in text for word in words)


def lowered(statement: Statement) -> str:
    """The statement's text in lower case, made once."""
    memo = statement.memo
    text = memo.get("lower")
    if text is None:
        text = memo["lower"] = statement.text.lower()
    return text


def alter_commands(node: Node) -> Iterator[Node]:
    """The ``AlterTableCmd`` fields of an ``AlterTableStmt``, in order."""
    for wrapped in node.get("cmds", ()) or ():
        cmd = wrapped.get("AlterTableCmd")
        if cmd is not None:
            yield cmd


def column_defs(node: Node, subtype: str = "AT_AddColumn") -> Iterator[Node]:
    """The ColumnDefs of an ALTER TABLE's commands of one subtype: ADD COLUMN (and ALTER
    TYPE's ADD ATTRIBUTE) by default, or ``AT_AlterColumnType``."""
    for cmd in alter_commands(node):
        coldef = (cmd.get("def") or {}).get("ColumnDef")
        if coldef is not None and cmd.get("subtype") == subtype:
            yield coldef


#: Object types (``objectType``, ``renameType``, ``removeType``) of relations with
#: columns, and of every relation (what ``pg_class`` holds: those, indexes and sequences).
TABLE_LIKE_OBJECTS = frozenset(
    {"OBJECT_TABLE", "OBJECT_FOREIGN_TABLE", "OBJECT_MATVIEW", "OBJECT_VIEW"}
)
RELATION_OBJECTS = TABLE_LIKE_OBJECTS | {"OBJECT_INDEX", "OBJECT_SEQUENCE"}

#: The statement kinds that have sub-kinds (see :func:`statement_subtypes`), and the field
#: naming them: ALTER TABLE's are in its commands, the others' in one field.
SUBTYPED_KINDS = ("AlterTableStmt", "DropStmt", "RenameStmt")
_SUBTYPE_FIELDS = {"DropStmt": "removeType", "RenameStmt": "renameType"}


def statement_subtypes(kind: str, node: Node) -> frozenset[str]:
    """The sub-kinds of a statement that checks select on (``@check`` kinds such as
    ``AlterTableStmt:AT_AddColumn``).

    The subtypes of an ``ALTER TABLE``'s commands (``AT_AddColumn``), the object type
    of a ``DROP`` or ``RENAME`` (``OBJECT_INDEX``); empty for every other statement.
    """
    if kind == "AlterTableStmt":
        return frozenset(cmd.get("subtype", "") for cmd in alter_commands(node))
    field = _SUBTYPE_FIELDS.get(kind)
    if field is None:
        return frozenset()
    return frozenset((node.get(field, ""),))
