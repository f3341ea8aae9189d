"""The plan: what a set of migrations changes, locks and needs, as frozen data.

Every field is filled by :mod:`pglint.plan.builder` from the statement model (effects,
touches, the catalog) and the findings; the Markdown and JSON renderers only format it.
``PLAN_SCHEMA_VERSION`` is the version of the JSON document (docs/plan.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Version of ``pglint plan --format json``. Fields are only ever added, never renamed.
PLAN_SCHEMA_VERSION = 1


class Level(str, Enum):
    """Migration complexity of one operation or table (see :data:`COMPLEXITY_RULE`)."""

    NONE = "NONE"
    LOW = "LOW"
    MED = "MED"
    HIGH = "HIGH"

    @property
    def rank(self) -> int:
        return {"NONE": 0, "LOW": 1, "MED": 2, "HIGH": 3}[self.value]


class Verdict(str, Enum):
    """Whether the migrations can run online."""

    ONLINE = "safe to run online"
    RETRY = "safe to run online with lock_timeout and retries"
    CARE = "needs care"
    WINDOW = "needs a maintenance window"
    FAILS = "fails as written"


#: How complexity is decided, stated in the report and in docs/plan.md.
COMPLEXITY_RULE = (
    "HIGH: a table that already exists when its migration starts is rewritten or fully "
    "scanned while a lock that blocks its writes (or reads) is held, so the blocking lasts as "
    "long as the table is large; or such a lock, taken earlier in the same transaction, is "
    "still held while a later statement rewrites, scans or changes rows. "
    "MED: a lock that blocks reads or writes of an existing table is taken without "
    "lock_timeout (if it has to wait, all traffic on the table queues behind it), rows of an "
    "existing table are updated, deleted or merged, or existing data is dropped. "
    "LOW: every other lock on an existing table (brief with lock_timeout set, or blocking "
    "only DDL and VACUUM, or the EXCLUSIVE lock of REFRESH MATERIALIZED VIEW CONCURRENTLY, "
    "which blocks no query of the view). Tables created by the same migration are empty and never raise "
    "the level; as for the rules, a table created by an earlier migration counts as existing, "
    "since each migration may be deployed on its own."
)

#: How the overall verdict follows from the levels.
VERDICT_RULE = (
    "fails as written when a finding shows that PostgreSQL rejects a statement (a syntax "
    "error, syntax the target version lacks, a statement that cannot run in the transaction "
    "it is in, or a failure verify observed); otherwise "
    "needs a maintenance window when any operation is HIGH; needs care when any is MED; "
    "safe to run online with lock_timeout and retries when every operation is LOW but some "
    "take, for a moment, a lock that blocks reads or writes (lock_timeout bounds the queue "
    "behind it, but cancels the statement, and so the migration, while a long transaction "
    "holds the table: be ready to retry); safe to run online otherwise."
)


@dataclass(frozen=True, slots=True)
class MigrationInfo:
    """One migration the plan covers."""

    label: str
    layout: str
    set_root: str
    up: tuple[str, ...]
    down: tuple[str, ...] | None
    transaction: bool
    transaction_reason: str
    statements: int


@dataclass(frozen=True, slots=True)
class Change:
    """One change a statement makes (an ALTER TABLE has one per sub-command)."""

    kind: str  # create_table, add_column, create_index, drop_table, update, …
    relation: str | None  # the table (or view) the change is about
    object: str | None  # the column, index, constraint, … it names
    detail: str  # "add column shipped_at timestamptz"
    phase: str  # see PHASES
    data_loss: bool = False


@dataclass(frozen=True, slots=True)
class LockRow:
    """One lock a statement takes on a relation that existed before these migrations."""

    step: int
    migration: str
    path: str
    line: int
    statement: str  # short summary of the statement
    relation: str
    lock: str  # ACCESS EXCLUSIVE, SHARE, …
    blocks_reads: bool
    blocks_writes: bool
    blocks_ddl: bool
    rewrite: bool
    scan: bool
    lock_timeout: bool
    held_until: str
    work: str  # catalog-only, full scan, table rewrite, index build, row changes
    level: Level
    reason: str
    estimate_seconds: float | None = None
    estimate_basis: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of the up migrations, in the order the migrations run it."""

    number: int
    migration: str
    path: str
    line: int
    kind: str
    sql: str
    summary: str
    phase: str
    transaction: str
    transactional: bool
    nested: bool
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class Phase:
    """A migration phase and the steps that belong to it."""

    key: str
    title: str
    steps: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TransactionBlock:
    """A run of steps that commit together (or one autocommitted statement)."""

    migration: str
    kind: str  # migration, explicit, autocommit, do-block
    steps: tuple[int, ...]
    first_line: int
    last_line: int
    note: str


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One pre-migration precaution, why it applies, and the SQL to run if any."""

    item: str
    reason: str
    sql: str | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table in the diagram and the New Tables section."""

    name: str
    type: str
    not_null: bool
    primary_key: bool
    unique: bool
    references: str | None  # "customers.id" or "customers"


@dataclass(frozen=True, slots=True)
class NewTable:
    """A table, view or materialized view the migrations create."""

    name: str
    kind: str  # table, partitioned, view, matview
    purpose: str  # COMMENT ON TABLE text or "undocumented"
    documented: bool
    migration: str
    columns: tuple[Column, ...]
    estimated_rows: int | None = None
    estimated_bytes: int | None = None
    estimate_basis: str | None = None
    rows_upper_bound: bool = False  # filled by a query: the source's rows are a ceiling


@dataclass(frozen=True, slots=True)
class ModifiedTable:
    """A table that existed before and that the migrations change or lock."""

    name: str
    changes: tuple[str, ...]
    level: Level
    reason: str
    downtime: bool
    rows: int | None = None
    total_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class NewIndex:
    """An index the migrations create, directly or through a constraint."""

    name: str
    name_generated: bool  # PostgreSQL chooses the name (none was written)
    table: str
    columns: tuple[str, ...]
    include: tuple[str, ...]
    method: str  # B-tree, GIN, GiST, BRIN, hash, SP-GiST
    unique: bool
    partial: str | None  # the WHERE predicate
    concurrent: bool
    on_new_table: bool
    via_constraint: str | None  # PRIMARY KEY / UNIQUE / EXCLUDE when a constraint builds it
    migration: str


@dataclass(frozen=True, slots=True)
class DroppedObject:
    """An object the migrations drop, and what is lost with it."""

    kind: str
    name: str
    table: str | None
    migration: str
    lost: str  # what cannot come back


@dataclass(frozen=True, slots=True)
class ErEntity:
    """A table drawn in the Entity Relationship Diagram."""

    name: str
    status: str  # new, modified, referenced
    columns: tuple[Column, ...]


@dataclass(frozen=True, slots=True)
class ErRelationship:
    """A foreign key drawn in the Entity Relationship Diagram."""

    parent: str
    child: str
    columns: tuple[str, ...]
    parent_columns: tuple[str, ...]
    label: str
    child_optional: bool  # a NULL foreign key: the child may have no parent
    one_to_one: bool  # the foreign key columns are unique on the child


@dataclass(frozen=True, slots=True)
class ErDiagram:
    """The Mermaid erDiagram, what it draws, and its plain-text fallback."""

    mermaid: str
    entities: tuple[ErEntity, ...]
    relationships: tuple[ErRelationship, ...]
    omitted: tuple[str, ...]
    fallback: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RollbackPlan:
    """How to undo one migration."""

    migration: str
    source: str  # down (the paired down/undo migration), generated, none
    path: str | None
    statements: tuple[str, ...]
    not_restored: tuple[str, ...]  # what the down leaves different (schema comparison)
    irreversible: tuple[str, ...]  # what no rollback brings back
    not_derived: tuple[str, ...]  # up statements pglint could not invert
    runs_in_transaction: bool | None = None
    #: plan --verify: the round trip's result on PostgreSQL (restored, not restoring, failed,
    #: not reapplyable, …); None when it was not verified.
    verified: str | None = None


@dataclass(frozen=True, slots=True)
class VerifiedRollback:
    """What verify's round trip (up, down, up) of one migration showed."""

    migration: str
    result: str  # restored, not restoring, failed, not reapplyable, none, …
    differences: tuple[str, ...]  # what the down left different


@dataclass(frozen=True, slots=True)
class Verified:
    """What ``pglint verify`` proved on a real server, merged into the plan (--verify)."""

    postgresql: str
    findings: tuple[FindingRow, ...]
    rollbacks: tuple[VerifiedRollback, ...]


@dataclass(frozen=True, slots=True)
class Query:
    """A ready-to-run SQL query of the validation or monitoring plan."""

    id: str
    title: str
    when: str  # before, after, during
    purpose: str
    expect: str
    sql: str
    tables: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FindingRow:
    """A lint finding of the migrations (same fields as pglint check --format json)."""

    rule: str
    severity: str
    path: str
    line: int
    column: int
    message: str
    help: str


@dataclass(frozen=True, slots=True)
class Deduction:
    """Points taken off the confidence score, and why."""

    points: float
    reason: str


@dataclass(frozen=True, slots=True)
class Confidence:
    """The confidence score out of 10, how it was reached, risks and dependencies."""

    score: float
    deductions: tuple[Deduction, ...]
    risk_factors: tuple[str, ...]
    dependencies: tuple[str, ...]
    method: str


@dataclass(frozen=True, slots=True)
class Summary:
    """The executive summary: generated sentences, the verdict and the counts."""

    sentences: tuple[str, ...]
    verdict: Verdict
    verdict_reason: str
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class StatsInfo:
    """Where table statistics came from and the throughput durations assume."""

    source: str | None
    throughput_mb_s: float
    tables_known: int
    assumption: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The whole plan: every section of SCHEMA_CHANGES.md as data."""

    title: str
    pglint_version: str
    pg_version: int
    scope: str  # "all migrations under PATHS" or "changed since REF"
    migrations: tuple[MigrationInfo, ...]
    summary: Summary
    new_tables: tuple[NewTable, ...]
    modified_tables: tuple[ModifiedTable, ...]
    new_indexes: tuple[NewIndex, ...]
    dropped: tuple[DroppedObject, ...]
    other_changes: tuple[str, ...]
    er_diagram: ErDiagram
    steps: tuple[Step, ...]
    phases: tuple[Phase, ...]
    phase_notes: tuple[str, ...]
    transactions: tuple[TransactionBlock, ...]
    checklist: tuple[ChecklistItem, ...]
    locks: tuple[LockRow, ...]
    stats: StatsInfo
    rollback: tuple[RollbackPlan, ...]
    validation: tuple[Query, ...]
    monitoring: tuple[Query, ...]
    findings: tuple[FindingRow, ...]
    confidence: Confidence


#: Migration phases in their usual order.
PHASES: dict[str, str] = {
    "session": "Session settings and transaction control",
    "schema": "Create and alter tables, columns and indexes",
    "data": "Migrate data",
    "constraints": "Add constraints and foreign keys",
    "validate": "Validate constraints",
    "cleanup": "Drop and clean up",
}
