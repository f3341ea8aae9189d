"""Findings: the one result type every reporter renders."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Version of the JSON output's schema. Fields are only ever added, never renamed.
JSON_SCHEMA_VERSION = 1


class Severity(str, Enum):
    """How serious a finding is. ``error`` and ``warning`` fail a run by default."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


# Not frozen (made in bulk): a frozen dataclass's __init__ costs ~0.1 µs a field. Nothing
# changes a finding; unsafe_hash keeps findings hashable on all their fields, as frozen did.
@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """One problem at one place. Lines and columns are 1-based; columns count characters."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    severity: Severity
    message: str
    help: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "help": self.help,
        }

    def sort_key(self) -> tuple[str, int, int, str]:
        return self.path, self.line, self.column, self.rule

    def as_row(self) -> Row:
        """The finding as a tuple of strings and integers (for the result cache and for
        worker processes: far cheaper to serialise than the object)."""
        return (
            self.path,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
            self.rule,
            self.severity.value,
            self.message,
            self.help,
        )

    @classmethod
    def from_row(cls, row: Row) -> Finding:
        path, line, column, end_line, end_column, rule, severity, message, help_ = row
        return cls(
            path, line, column, end_line, end_column, rule, Severity(severity), message, help_
        )


#: :meth:`Finding.as_row`: path, line, column, end line, end column, rule, severity value,
#: message, help.
Row = tuple[str, int, int, int, int, str, str, str, str]
ROW_LENGTH = 9
