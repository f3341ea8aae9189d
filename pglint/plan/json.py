"""``pglint plan --format json``: the plan as one JSON document (schema in docs/plan.md)."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from enum import Enum

from pglint.plan.model import COMPLEXITY_RULE, PLAN_SCHEMA_VERSION, VERDICT_RULE, Plan


def to_data(value: object) -> object:
    """Dataclasses → dicts, enums → their values, tuples → lists."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


def document(plan: Plan) -> dict[str, object]:
    data = to_data(plan)
    assert isinstance(data, dict)
    return {
        "version": PLAN_SCHEMA_VERSION,
        "rules": {"complexity": COMPLEXITY_RULE, "verdict": VERDICT_RULE},
        **data,
    }


def render(plan: Plan) -> str:
    return json.dumps(document(plan), indent=2, ensure_ascii=False) + "\n"


# --- the schema, derived from the dataclasses so that it cannot drift ----------------------------


def _schema_of(hint: object, defs: dict[str, object]) -> dict[str, object]:
    import types
    import typing

    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is type(None):
        return {"type": "null"}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema_of(a, defs) for a in args]}
    if origin is tuple:
        return {"type": "array", "items": _schema_of(args[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(args[1], defs)}
    if isinstance(hint, type) and issubclass(hint, Enum):
        return {"enum": [m.value for m in hint]}
    if isinstance(hint, type) and is_dataclass(hint):
        name = hint.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            hints = typing.get_type_hints(hint)
            doc = (hint.__doc__ or "").strip()
            if doc.startswith(f"{name}("):
                doc = ""  # the signature dataclasses put there, not a description
            defs[name] = {
                "type": "object",
                "description": doc.split("\n")[0],
                "properties": {f.name: _schema_of(hints[f.name], defs) for f in fields(hint)},
                "required": [f.name for f in fields(hint)],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if hint in simple:
        return {"type": simple[hint]}
    raise TypeError(f"no JSON schema for {hint!r}")


#: ``plan --verify --format json`` only: verify's report, as ``pglint verify --format json``
#: writes it (its per-statement records are described in the README, not here).
VERIFY_SCHEMA: dict[str, object] = {
    "type": "object",
    "description": "Only with --verify: what a real PostgreSQL server did with the migrations.",
    "properties": {
        "server": {"type": "string"},
        "postgresql": {"type": "string"},
        "rows": {"type": "integer"},
        "note": {"type": "string"},
        "notes": {"type": "array", "items": {"type": "string"}},
        "migrations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "migration": {"type": "string"},
                    "paths": {"type": "array", "items": {"type": "string"}},
                    "statements": {"type": "array", "items": {"type": "object"}},
                    "rollback": {"type": "string"},
                    "rollback_differences": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["migration", "statements", "rollback", "rollback_differences"],
            },
        },
    },
    "required": ["postgresql", "migrations"],
}


def json_schema() -> dict[str, object]:
    """JSON Schema (2020-12) of ``pglint plan --format json`` (docs/plan.schema.json)."""
    defs: dict[str, object] = {}
    plan = _schema_of(Plan, defs)
    body = defs.pop("Plan")
    assert isinstance(body, dict) and plan == {"$ref": "#/$defs/Plan"}
    properties = {
        "version": {"const": PLAN_SCHEMA_VERSION},
        "rules": {
            "type": "object",
            "properties": {"complexity": {"type": "string"}, "verdict": {"type": "string"}},
            "required": ["complexity", "verdict"],
            "additionalProperties": False,
        },
        **body["properties"],
        "verify": VERIFY_SCHEMA,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "pglint plan report",
        "description": "The output of `pglint plan --format json` (see docs/plan.md).",
        "type": "object",
        "properties": properties,
        "required": ["version", "rules", *body["required"]],
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }
