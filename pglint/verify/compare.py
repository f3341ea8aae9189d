"""Put what the server did next to what the static model predicted, relation by relation.

Compared, for every relation that existed before the migration:

* **lock**: the strongest mode the statement took against the model's ``Touch.lock``. In a
  transaction that already holds the predicted mode (an earlier statement took it), the
  statement cannot be seen taking it again, which counts as agreement. For a statement
  traced by polling, a lock not seen proves nothing (a short phase can fall between two
  polls on a busy machine), so only a stronger lock than predicted is a disagreement.
* **rewrite**: a new ``relfilenode`` for a table or materialized view against
  ``Touch.rewrite``.
* **scan**: the table's tuples read during the statement against ``Touch.scan``, when the
  table held rows; reading all of them is a scan, reading none is not, anything between
  (index lookups) proves neither. Not compared for DML, whose reads depend on the planner,
  nor for VACUUM and ANALYZE, which read pages without counting tuples, nor for DO blocks.
* **index locks**: ACCESS EXCLUSIVE on an existing index blocks every query the planner
  considers it for, so it is compared with ``Touch.index_lock`` (REINDEX).
* relations the model does not mention: a lock that blocks more than row-level modes
  (SHARE UPDATE EXCLUSIVE or stronger) or a rewrite is a disagreement.
* whether the statement can run inside a transaction block (``Effect.transactional``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pglint.model.effects import Touch
from pglint.model.locks import LockMode
from pglint.verify.trace import Observation

#: Statement kinds whose reads do not show as a scan: DML depends on the planner and the
#: data; VACUUM and ANALYZE read pages without counting tuples in the statistics.
_NO_SCAN_COMPARISON = frozenset(
    {"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "SelectStmt", "VacuumStmt", "DoStmt"}
)
#: The model's actions on relations that a query reads (a foreign key's validation join, a
#: materialized view's query): the planner decides how many of their rows it reads, so
#: reading none does not disprove a predicted scan.
_READ_BY_A_QUERY = frozenset({"FOREIGN KEY", "REFERENCES", "VALIDATE", "CREATE AS", "REFRESH"})

#: Statements that run code the model cannot see (function bodies, dynamic SQL): locks on
#: relations the model does not name are not disagreements there.
_OPAQUE = frozenset(
    {
        "DoStmt",
        "CallStmt",
        "SelectStmt",
        "ExecuteStmt",
        "UnanalysedCall",
        # DML fires triggers, which run code (a trigger may refresh a materialized view).
        "InsertStmt",
        "UpdateStmt",
        "DeleteStmt",
        "MergeStmt",
    }
)
#: Statements whose control flow depends on the data (a DO block's IF or loop): the model's
#: locks are what they may take, so a weaker lock seen is no disagreement.
_MAY_SKIP = frozenset({"DoStmt", "CallStmt"})


def strongest(modes: Iterable[str]) -> LockMode | None:
    found = []
    for mode in modes:
        try:
            found.append(LockMode.from_pg_locks(mode))
        except ValueError:
            continue
    return max(found) if found else None


@dataclass(slots=True)
class RelationFacts:
    """One relation: the model's prediction and what the server did."""

    relation: str
    oid: int | None = None
    kind: str = "table"
    predicted: bool = False
    predicted_lock: LockMode | None = None
    predicted_rewrite: bool = False
    predicted_scan: bool = False
    predicted_index_lock: LockMode | None = None
    observed_modes: tuple[str, ...] = ()
    already_held: bool = False
    observed_rewrite: bool | None = None
    observed_scan: bool | None = None
    tuples_read: int | None = None
    rows: int | None = None
    index_lock: LockMode | None = None
    index_names: tuple[str, ...] = ()
    mismatches: list[str] = field(default_factory=list)
    #: What explains a difference the model makes on purpose.
    notes: list[str] = field(default_factory=list)
    #: The predicted rewrite (and its scan) is a deliberate worst case: not compared.
    deliberate: bool = False
    #: The model's actions on the relation (``ADD FOREIGN``, ``FOREIGN KEY``, ``REFRESH``…).
    actions: tuple[str, ...] = ()

    @property
    def observed_lock(self) -> LockMode | None:
        return strongest(self.observed_modes)

    @property
    def blocking_index_lock(self) -> LockMode | None:
        """The index lock when it blocks more than the table lock does (REINDEX)."""
        table = self.observed_lock or (self.predicted_lock if self.already_held else None)
        if self.index_lock is LockMode.ACCESS_EXCLUSIVE and (
            table is None or table < LockMode.ACCESS_EXCLUSIVE
        ):
            return self.index_lock
        return None

    def lock_words(self, polled: bool = False) -> tuple[str, str]:
        """(lock, what it blocks) in words, for reports."""
        observed = self.observed_lock
        if observed is None and self.already_held and self.predicted_lock is not None:
            mode = self.predicted_lock
            lock = f"{mode.sql_name} (already held)"
        elif observed is not None:
            mode = observed
            lock = mode.sql_name
        else:
            return ("not seen (between two polls)" if polled else "none"), "nothing"
        blocked = mode.blocked
        index = self.blocking_index_lock
        if index is not None:
            lock += f" + {index.sql_name} on index {', '.join(self.index_names)}"
            blocked = "reads and writes"
        return lock, blocked

    def as_dict(self) -> dict[str, object]:
        return {
            "relation": self.relation,
            "kind": self.kind,
            "observed": {
                "lock": self.observed_lock.sql_name if self.observed_lock else None,
                "modes": sorted(self.observed_modes),
                "already_held": self.already_held,
                "rewrite": self.observed_rewrite,
                "scan": self.observed_scan,
                "tuples_read": self.tuples_read,
                "rows": self.rows,
                "index_lock": self.index_lock.sql_name if self.index_lock else None,
            },
            "predicted": {
                "lock": self.predicted_lock.sql_name if self.predicted_lock else None,
                "rewrite": self.predicted_rewrite,
                "scan": self.predicted_scan,
                "index_lock": (
                    self.predicted_index_lock.sql_name if self.predicted_index_lock else None
                ),
            }
            if self.predicted
            else None,
            "mismatches": list(self.mismatches),
            "notes": list(self.notes),
        }


@dataclass(slots=True)
class Comparison:
    relations: list[RelationFacts]
    mismatches: list[str]


def _lock_name(mode: LockMode | None) -> str:
    return mode.sql_name if mode is not None else "no lock"


def compare(
    observation: Observation,
    touches: Iterable[Touch],
    existing: set[int],
    rows: dict[int, int],
    kind: str,
    transactional: bool = True,
    utc: bool = False,
) -> Comparison:
    """Compare one statement's observation with the model's touches of existing relations."""
    facts: dict[int, RelationFacts] = {}
    polled = observation.mode == "outside a transaction block"

    for touch in touches:
        if touch.new:
            continue
        oid = observation.resolved.get(touch.relation)
        if oid is None or oid not in existing:
            continue
        rel = observation.relation(oid)
        entry = facts.get(oid)
        if entry is None:
            entry = facts[oid] = RelationFacts(
                rel.display if rel else touch.relation, oid, rel.kind_word if rel else "table"
            )
        entry.predicted = True
        entry.actions += (touch.action,)
        entry.predicted_lock = max(entry.predicted_lock or touch.lock, touch.lock)
        entry.predicted_rewrite |= touch.rewrite
        entry.predicted_scan |= touch.scan
        if touch.index_lock is not None:
            entry.predicted_index_lock = max(
                entry.predicted_index_lock or touch.index_lock, touch.index_lock
            )

    index_locks: dict[int, list[tuple[str, LockMode]]] = {}
    for oid, modes in observation.taken.items():
        rel = observation.relation(oid)
        if rel is None or oid not in existing:
            continue
        if rel.kind in ("i", "I") and oid not in facts:
            mode = strongest(modes)
            if mode is not None and oid not in observation.dropped and rel.table in existing:
                index_locks.setdefault(rel.table, []).append((rel.display, mode))
            continue
        entry = facts.get(oid)
        if entry is None:
            if not rel.is_table:
                continue
            entry = facts[oid] = RelationFacts(rel.display, oid, rel.kind_word)
        entry.observed_modes = tuple(sorted(modes))

    rewritten = set(observation.rewritten)
    for oid in rewritten:
        rel = observation.relation(oid)
        if rel is None or oid not in existing or not rel.is_table:
            continue
        if oid not in facts:
            facts[oid] = RelationFacts(rel.display, oid, rel.kind_word)

    for oid, entry in facts.items():
        rel_before = observation.before.get(oid)
        if rel_before is not None and oid in observation.after and rel_before.filenode:
            entry.observed_rewrite = oid in rewritten
        counted = observation.rows.get(oid, rows.get(oid))
        if observation.reads is not None and counted is not None and oid in observation.after:
            entry.rows = counted
            entry.tuples_read = observation.reads.get(oid, 0)
            if entry.rows > 0:
                if entry.tuples_read >= entry.rows:
                    entry.observed_scan = True
                elif entry.tuples_read == 0:
                    entry.observed_scan = False
        if entry.predicted_lock is not None and entry.predicted_lock.pg_locks_name in (
            observation.held_before.get(oid, set())
        ):
            entry.already_held = True
        locks = index_locks.get(oid, [])
        if locks:
            entry.index_lock = max(mode for _, mode in locks)
            entry.index_names = tuple(sorted(name for name, _ in locks))

    mismatches: list[str] = []
    if observation.error is None:
        for oid, entry in facts.items():
            if (
                utc
                and entry.predicted_rewrite
                and entry.observed_rewrite is False
                and _timestamp_zone_only(observation.changes, entry.relation)
            ):
                # Known and deliberate: the model cannot see the server's TimeZone.
                entry.deliberate = True
                entry.notes.append(
                    "no rewrite: timestamp ↔ timestamptz is free when the session TimeZone is "
                    "UTC, as here; the model assumes the rewrite other time zones make"
                )
            entry.mismatches = _judge(entry, kind, polled, observation.polls)
            if (
                entry.mismatches
                and not entry.predicted
                and _covered_by_parent(oid, entry, facts, observation)
            ):
                entry.mismatches = []
            mismatches.extend(entry.mismatches)
    if transactional and observation.transactional is False:
        mismatches.append(
            "the model says this statement can run inside a transaction block; "
            "PostgreSQL refused to (SQLSTATE 25001)"
        )
    ordered = sorted(facts.values(), key=lambda f: (not f.predicted, f.relation))
    return Comparison(ordered, mismatches)


def _timestamp_zone_only(changes: list[str], relation: str) -> bool:
    """The statement only changed columns of ``relation`` between timestamp and timestamptz."""
    found = False
    prefix = f"changed column {relation}."
    for change in changes:
        if not change.startswith("changed column "):
            continue
        if not change.startswith(prefix):
            return False
        old, _, new = change.split(": ", 1)[-1].partition(" → ")
        kinds = {
            old.startswith("timestamp with time zone"),
            new.startswith("timestamp with time zone"),
        }
        if not (
            old.startswith("timestamp") and new.startswith("timestamp") and kinds == {True, False}
        ):
            return False
        found = True
    return found


def _covered_by_parent(
    oid: int, entry: RelationFacts, facts: dict[int, RelationFacts], observation: Observation
) -> bool:
    """A partition the model does not know (created by dynamic SQL, say) whose partitioned
    parent it predicts at least this lock (and rewrite) for: the model applies the parent's
    lock to its partitions, it only cannot name this one."""
    seen: set[int] = set()
    rel = observation.relation(oid)
    while rel is not None and rel.parent and rel.parent not in seen:
        seen.add(rel.parent)
        parent = facts.get(rel.parent)
        if parent is not None and parent.predicted:
            lock_ok = entry.observed_lock is None or (
                parent.predicted_lock is not None and entry.observed_lock <= parent.predicted_lock
            )
            return lock_ok and (not entry.observed_rewrite or parent.predicted_rewrite)
        rel = observation.relation(rel.parent)
    return False


def _judge(entry: RelationFacts, kind: str, polled: bool, polls: int) -> list[str]:
    found: list[str] = []
    name = entry.relation
    observed = entry.observed_lock
    if entry.predicted:
        predicted = entry.predicted_lock
        # Polling can miss a short phase (or the whole statement) on a busy machine: there,
        # only a stronger lock than predicted proves the model wrong.
        unseen = (polled or kind in _MAY_SKIP) and (
            observed is None or (predicted is not None and observed < predicted)
        )
        if (
            observed != predicted
            and not unseen
            and not (
                entry.already_held
                and (observed is None or (predicted is not None and observed < predicted))
            )
        ):
            how = f" (seen by polling pg_locks {polls} times)" if polled else ""
            found.append(
                f"{name}: the model predicts a {_lock_name(predicted)} lock, "
                f"PostgreSQL took {_lock_name(observed)}{how}"
            )
        if entry.deliberate:
            pass
        elif (
            entry.observed_rewrite is not None and entry.observed_rewrite != entry.predicted_rewrite
        ):
            if entry.predicted_rewrite:
                found.append(
                    f"{name}: the model predicts a table rewrite, PostgreSQL kept its relfilenode"
                )
            else:
                found.append(
                    f"{name}: the model predicts no rewrite, PostgreSQL rewrote it "
                    "(new relfilenode)"
                )
        if (
            kind not in _NO_SCAN_COMPARISON
            and not entry.deliberate
            and entry.observed_scan is not None
            and entry.observed_scan != entry.predicted_scan
            and not entry.observed_rewrite
            # A rewrite reads every row: a scan predicted only as part of a rewrite that
            # did not happen is the same disagreement, already reported.
            and not (entry.predicted_rewrite and entry.observed_rewrite is False)
        ):
            if entry.predicted_scan:
                # A join may read few rows of a relation (index lookups, an empty other side).
                if not (entry.actions and all(a in _READ_BY_A_QUERY for a in entry.actions)):
                    found.append(
                        f"{name}: the model predicts a full scan, PostgreSQL read none of its "
                        f"{entry.rows} rows"
                    )
            else:
                found.append(
                    f"{name}: the model predicts no scan, PostgreSQL read {entry.tuples_read} "
                    f"tuples of its {entry.rows} rows"
                )
        if (
            entry.index_lock is LockMode.ACCESS_EXCLUSIVE
            and (predicted is None or predicted < LockMode.ACCESS_EXCLUSIVE)
            and entry.predicted_index_lock is not LockMode.ACCESS_EXCLUSIVE
        ):
            found.append(
                f"{name}: PostgreSQL took ACCESS EXCLUSIVE on its index "
                f"{', '.join(entry.index_names)}, which blocks reads through the planner; the "
                f"model predicts {_lock_name(predicted)} on the table only"
            )
        return found
    if kind in _OPAQUE:
        return found
    if observed is not None and observed >= LockMode.SHARE_UPDATE_EXCLUSIVE:
        found.append(
            f"{name}: the model predicts no lock, PostgreSQL took {observed.sql_name} "
            f"(blocks {observed.blocked})"
        )
    if entry.observed_rewrite:
        found.append(f"{name}: the model predicts nothing, PostgreSQL rewrote it")
    return found
