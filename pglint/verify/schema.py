"""JSON Schema (2020-12) of the ``verify`` object that ``pglint verify --format json`` and
``pglint plan --verify --format json`` write (docs/verify.schema.json, kept equal by a test).
"""

from __future__ import annotations

from typing import Any


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
_LOCK = {"type": ["string", "null"], "description": "SQL name of a lock mode (SHARE, …)"}
_BOOL = {"type": "boolean"}

_RELATION = _object(
    {
        "relation": _STRING,
        "kind": _STRING,
        "observed": _object(
            {
                "lock": _LOCK,
                "modes": _STRINGS,
                "already_held": _BOOL,
                "rewrite": {"type": ["boolean", "null"], "description": "null: not measured"},
                "scan": {"type": ["boolean", "null"], "description": "null: not measured"},
                "tuples_read": {"type": ["integer", "null"]},
                "rows": {"type": ["integer", "null"]},
                "index_lock": _LOCK,
            }
        ),
        "predicted": {
            "oneOf": [
                {"type": "null"},
                _object({"lock": _LOCK, "rewrite": _BOOL, "scan": _BOOL, "index_lock": _LOCK}),
            ],
            "description": "the static model's prediction; null when it names no such relation",
        },
        "mismatches": _STRINGS,
        "notes": _STRINGS,
    }
)

_STATEMENT = _object(
    {
        "path": _STRING,
        "line": {"type": "integer", "minimum": 1},
        "column": {"type": "integer", "minimum": 1},
        "end_line": {"type": "integer", "minimum": 1},
        "end_column": {"type": "integer", "minimum": 1},
        "sql": {"type": "string", "description": "the statement, shortened to 160 characters"},
        "kind": {"type": "string", "description": "the parse node (AlterTableStmt, …)"},
        "transaction": {
            "type": "string",
            "description": "how it ran: in the migration's transaction, in its own "
            "transaction, outside a transaction block, transaction control",
        },
        "duration_ms": {"type": "number", "minimum": 0},
        "relations": {"type": "array", "items": _RELATION},
        "rewritten": _STRINGS,
        "catalogue_changes": _STRINGS,
        "notes": _STRINGS,
        "error": {"type": ["string", "null"]},
        "mismatches": _STRINGS,
    }
)

_MIGRATION = _object(
    {
        "set": _STRING,
        "layout": _STRING,
        "migration": _STRING,
        "paths": _STRINGS,
        "transaction": _STRING,
        "seeded": {"type": "object", "additionalProperties": {"type": "integer"}},
        "not_seeded": {"type": "object", "additionalProperties": _STRING},
        "statements": {"type": "array", "items": _STATEMENT},
        "rollback": {
            "type": "string",
            "description": "none, restored, restored; up applied again, not restoring, "
            "not reapplyable, failed, empty or irreversible: not round-tripped, "
            "unparsable: not round-tripped",
        },
        "rollback_differences": _STRINGS,
        "notes": _STRINGS,
    }
)

VERIFY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "pglint verify report",
    "description": "The `verify` object of `pglint verify --format json` and "
    "`pglint plan --verify --format json`; the findings are in the document's `findings`.",
    **_object(
        {
            "server": _STRING,
            "postgresql": {"type": "string", "description": "the server's version"},
            "rows": {"type": "integer", "minimum": 0},
            "note": _STRING,
            "notes": _STRINGS,
            "stopped": {
                "type": ["string", "null"],
                "description": "why the run stopped early (--timeout), or null",
            },
            "migrations": {"type": "array", "items": _MIGRATION},
        }
    ),
}
