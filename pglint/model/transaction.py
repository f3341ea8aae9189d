"""Transaction and session state while a file runs: BEGIN/COMMIT, SET lock_timeout and friends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pglint.model.statements import Node, Statement

if TYPE_CHECKING:
    from pglint.model.effects import Touch


@dataclass(slots=True)
class TransactionState:
    depth: int = 0
    implicit: bool = False
    lock_timeout: bool = False
    local_lock_timeout: bool = False
    statement_timeout: bool = False
    local_statement_timeout: bool = False
    held: list[Touch] = field(default_factory=list)

    @property
    def in_transaction(self) -> bool:
        return self.depth > 0 or self.implicit


def _setting_value(node: Node) -> tuple[str, bool, bool] | None:
    """(name, is_set_to_nonzero, is_local) for SET/RESET/set_config statements."""
    kind = node.get("kind")
    name = (node.get("name") or "").lower()
    if kind == "VAR_SET_VALUE":
        args = node.get("args", ())
        value = None
        if args:
            const = args[0].get("A_Const", {})
            if "ival" in const:
                value = str(const["ival"].get("ival", 0))
            elif "sval" in const:
                value = const["sval"].get("sval", "")
            elif "fval" in const:
                value = const["fval"].get("fval", "")
        enabled = value is not None and value.strip() not in ("0", "")
        return name, enabled, bool(node.get("is_local"))
    if kind in ("VAR_SET_DEFAULT", "VAR_RESET"):
        return name, False, bool(node.get("is_local"))
    return None


def _set_config_calls(node: Node) -> Iterator[tuple[str, bool, bool]]:
    for target in node.get("targetList", ()):
        call = target.get("ResTarget", {}).get("val", {}).get("FuncCall")
        if not call:
            continue
        fname = [n.get("String", {}).get("sval", "") for n in call.get("funcname", ())]
        args = call.get("args", ())
        if fname and fname[-1] == "set_config" and len(args) == 3:
            consts = [a.get("A_Const", {}) for a in args]
            name = consts[0].get("sval", {}).get("sval", "").lower()
            value = consts[1].get("sval", {}).get("sval", "")
            local = consts[2].get("boolval", {}).get("boolval", False)
            yield name, value.strip() not in ("0", ""), bool(local)


def apply_settings(state: TransactionState, statement: Statement) -> None:
    if statement.kind == "VariableSetStmt":
        settings = [_setting_value(statement.node)]
    elif statement.kind == "SelectStmt":
        settings = list(_set_config_calls(statement.node))
    else:
        return
    for setting in settings:
        if setting is None:
            continue
        name, enabled, local = setting
        if name == "lock_timeout":
            if local:
                state.local_lock_timeout = enabled and state.in_transaction
            else:
                state.lock_timeout = enabled
        elif name == "statement_timeout":
            if local:
                state.local_statement_timeout = enabled and state.in_transaction
            else:
                state.statement_timeout = enabled
