"""PostgreSQL's table-level lock modes and what each one blocks.

See https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES.
The per-statement facts (which command takes which mode, rewrites or scans) are in
:data:`FACTS`; ``tests/test_lock_facts.py`` checks them against the measured table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class LockMode(IntEnum):
    """Table lock modes, ordered from weakest to strongest."""

    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def sql_name(self) -> str:
        """The name used in ``LOCK TABLE`` and the docs: ``ACCESS EXCLUSIVE``."""
        return _SQL_NAMES[self]

    @property
    def pg_locks_name(self) -> str:
        """The name in ``pg_locks.mode``: ``AccessExclusiveLock``."""
        return "".join(part.capitalize() for part in self.name.split("_")) + "Lock"

    @classmethod
    def from_pg_locks(cls, name: str) -> LockMode:
        for mode in cls:
            if mode.pg_locks_name == name:
                return mode
        raise ValueError(f"unknown lock mode {name!r}")

    def conflicts_with(self, other: LockMode) -> bool:
        return other in _CONFLICTS[self]

    @property
    def blocks_reads(self) -> bool:
        """Plain SELECT (ACCESS SHARE) must wait."""
        return self in _BLOCKS_READS

    @property
    def blocks_writes(self) -> bool:
        """INSERT, UPDATE and DELETE (ROW EXCLUSIVE) must wait."""
        return self in _BLOCKS_WRITES

    @property
    def blocks_ddl(self) -> bool:
        """VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY and most DDL must wait."""
        return self.conflicts_with(LockMode.SHARE_UPDATE_EXCLUSIVE)

    @property
    def blocked(self) -> str:
        """What the lock blocks, in words: ``reads and writes``, ``writes``, ``DDL`` or ``nothing``."""
        if self.blocks_reads:
            return "reads and writes"
        if self.blocks_writes:
            return "writes"
        if self.blocks_ddl:
            return "DDL and VACUUM"
        return "nothing but exclusive locks"


_M = LockMode
_CONFLICTS: dict[LockMode, frozenset[LockMode]] = {
    _M.ACCESS_SHARE: frozenset({_M.ACCESS_EXCLUSIVE}),
    _M.ROW_SHARE: frozenset({_M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.ROW_EXCLUSIVE: frozenset(
        {_M.SHARE, _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}
    ),
    _M.SHARE_UPDATE_EXCLUSIVE: frozenset(
        {
            _M.SHARE_UPDATE_EXCLUSIVE,
            _M.SHARE,
            _M.SHARE_ROW_EXCLUSIVE,
            _M.EXCLUSIVE,
            _M.ACCESS_EXCLUSIVE,
        }
    ),
    _M.SHARE: frozenset(
        {
            _M.ROW_EXCLUSIVE,
            _M.SHARE_UPDATE_EXCLUSIVE,
            _M.SHARE_ROW_EXCLUSIVE,
            _M.EXCLUSIVE,
            _M.ACCESS_EXCLUSIVE,
        }
    ),
    _M.SHARE_ROW_EXCLUSIVE: frozenset(
        {
            _M.ROW_EXCLUSIVE,
            _M.SHARE_UPDATE_EXCLUSIVE,
            _M.SHARE,
            _M.SHARE_ROW_EXCLUSIVE,
            _M.EXCLUSIVE,
            _M.ACCESS_EXCLUSIVE,
        }
    ),
    _M.EXCLUSIVE: frozenset(
        {
            _M.ROW_SHARE,
            _M.ROW_EXCLUSIVE,
            _M.SHARE_UPDATE_EXCLUSIVE,
            _M.SHARE,
            _M.SHARE_ROW_EXCLUSIVE,
            _M.EXCLUSIVE,
            _M.ACCESS_EXCLUSIVE,
        }
    ),
    _M.ACCESS_EXCLUSIVE: frozenset(_M),
}
# Worked out once: rules ask these of every lock a statement takes.
_SQL_NAMES = {mode: mode.name.replace("_", " ") for mode in _M}
_BLOCKS_READS = frozenset(mode for mode in _M if mode.conflicts_with(_M.ACCESS_SHARE))
_BLOCKS_WRITES = frozenset(mode for mode in _M if mode.conflicts_with(_M.ROW_EXCLUSIVE))


@dataclass(frozen=True, slots=True)
class LockFact:
    """What one kind of command does to the table it names.

    ``rewrite``/``scan`` are the command's own behaviour; the analyser refines them
    where PostgreSQL decides at run time (a volatile default, a binary-coercible type).
    """

    lock: LockMode
    rewrite: bool = False
    scan: bool = False
    transactional: bool = True
    doc: str = ""


_AE = LockMode.ACCESS_EXCLUSIVE
_SUE = LockMode.SHARE_UPDATE_EXCLUSIVE
_SRE = LockMode.SHARE_ROW_EXCLUSIVE

_SQL_ALTER = "https://www.postgresql.org/docs/current/sql-altertable.html"

#: Statement kind (pglast node) or ``AlterTableCmd:<subtype>`` → lock fact on the target.
FACTS: dict[str, LockFact] = {
    # CREATE INDEX blocks writes; CONCURRENTLY only blocks other DDL.
    "IndexStmt": LockFact(LockMode.SHARE, scan=True),
    "IndexStmt:concurrent": LockFact(_SUE, scan=True, transactional=False),
    "ReindexStmt": LockFact(LockMode.SHARE, scan=True),
    "ReindexStmt:concurrent": LockFact(_SUE, scan=True, transactional=False),
    "DropStmt:index": LockFact(_AE),
    "DropStmt:index:concurrent": LockFact(_SUE, transactional=False),
    "DropStmt:table": LockFact(_AE),
    "DropStmt:trigger": LockFact(_AE),
    "DropStmt:policy": LockFact(_AE),
    "DropStmt:rule": LockFact(_AE),
    "RenameStmt:table": LockFact(_AE),
    "RenameStmt:column": LockFact(_AE),
    "RenameStmt:constraint": LockFact(_AE),
    "RenameStmt:index": LockFact(_SUE),
    "RenameStmt:trigger": LockFact(_AE),
    "CreateTrigStmt": LockFact(_SRE),
    "CreatePolicyStmt": LockFact(_AE),
    "AlterPolicyStmt": LockFact(_AE),
    "RuleStmt": LockFact(_AE),
    "TruncateStmt": LockFact(_AE, rewrite=True),
    "VacuumStmt": LockFact(_SUE, scan=True, transactional=False),
    "VacuumStmt:full": LockFact(_AE, rewrite=True, scan=True, transactional=False),
    "VacuumStmt:analyze": LockFact(_SUE, scan=True),
    "ClusterStmt": LockFact(_AE, rewrite=True, scan=True),
    "RefreshMatViewStmt": LockFact(_AE, rewrite=True, scan=True),
    "RefreshMatViewStmt:concurrent": LockFact(LockMode.EXCLUSIVE, scan=True),
    "CommentStmt": LockFact(_SUE),
    "CreateStatsStmt": LockFact(_SUE),
    "CreateStmt:partition_of": LockFact(_AE),
    "CreateStmt:references": LockFact(_SRE),
    "ViewStmt:replace": LockFact(_AE),
    # ALTER SEQUENCE (INCREMENT, RESTART, AS, CACHE, OWNED BY, …): nextval() on the sequence
    # waits, hence every INSERT that fills a column from it (measured on PostgreSQL 15).
    "AlterSeqStmt": LockFact(_SRE),
    # ALTER DOMAIN ADD CONSTRAINT (not NOT VALID), VALIDATE CONSTRAINT, SET NOT NULL: on
    # every table with a column of the domain, which is scanned (measured on PostgreSQL 15).
    "AlterDomainStmt": LockFact(
        LockMode.SHARE,
        scan=True,
        doc="https://www.postgresql.org/docs/current/sql-alterdomain.html",
    ),
    "InsertStmt": LockFact(LockMode.ROW_EXCLUSIVE),
    "UpdateStmt": LockFact(LockMode.ROW_EXCLUSIVE, scan=True),
    "DeleteStmt": LockFact(LockMode.ROW_EXCLUSIVE, scan=True),
    "MergeStmt": LockFact(LockMode.ROW_EXCLUSIVE, scan=True),
    "SelectStmt": LockFact(LockMode.ACCESS_SHARE),
    # ALTER TABLE sub-commands (see "Notes" on the ALTER TABLE page).
    "AlterTableCmd:AT_AddColumn": LockFact(_AE),
    "AlterTableCmd:AT_DropColumn": LockFact(_AE),
    "AlterTableCmd:AT_ColumnDefault": LockFact(_AE),
    "AlterTableCmd:AT_CookedColumnDefault": LockFact(_AE),
    "AlterTableCmd:AT_DropNotNull": LockFact(_AE),
    "AlterTableCmd:AT_SetNotNull": LockFact(_AE, scan=True),
    "AlterTableCmd:AT_SetExpression": LockFact(_AE, rewrite=True, scan=True),
    "AlterTableCmd:AT_DropExpression": LockFact(_AE),
    "AlterTableCmd:AT_SetStatistics": LockFact(_SUE),
    "AlterTableCmd:AT_SetOptions": LockFact(_SUE),
    "AlterTableCmd:AT_ResetOptions": LockFact(_SUE),
    "AlterTableCmd:AT_SetStorage": LockFact(_AE),
    "AlterTableCmd:AT_SetCompression": LockFact(_AE),
    "AlterTableCmd:AT_AlterColumnType": LockFact(_AE, rewrite=True, scan=True),
    "AlterTableCmd:AT_AlterColumnGenericOptions": LockFact(_AE),
    "AlterTableCmd:AT_AddConstraint": LockFact(_AE, scan=True),
    "AlterTableCmd:AT_AddConstraint:foreign": LockFact(_SRE, scan=True),
    "AlterTableCmd:AT_AlterConstraint": LockFact(_AE),
    "AlterTableCmd:AT_ValidateConstraint": LockFact(_SUE, scan=True),
    "AlterTableCmd:AT_DropConstraint": LockFact(_AE),
    "AlterTableCmd:AT_AddIndex": LockFact(_AE, scan=True),
    "AlterTableCmd:AT_AddIndexConstraint": LockFact(_AE),
    "AlterTableCmd:AT_ClusterOn": LockFact(_SUE),
    "AlterTableCmd:AT_DropCluster": LockFact(_SUE),
    "AlterTableCmd:AT_SetLogged": LockFact(_AE, rewrite=True, scan=True),
    "AlterTableCmd:AT_SetUnLogged": LockFact(_AE, rewrite=True, scan=True),
    "AlterTableCmd:AT_SetAccessMethod": LockFact(_AE, rewrite=True, scan=True),
    "AlterTableCmd:AT_SetTableSpace": LockFact(_AE, rewrite=True, scan=True),
    "AlterTableCmd:AT_SetRelOptions": LockFact(_SUE),
    "AlterTableCmd:AT_ResetRelOptions": LockFact(_SUE),
    "AlterTableCmd:AT_ReplaceRelOptions": LockFact(_AE),
    "AlterTableCmd:AT_EnableTrig": LockFact(_SRE),
    "AlterTableCmd:AT_EnableAlwaysTrig": LockFact(_SRE),
    "AlterTableCmd:AT_EnableReplicaTrig": LockFact(_SRE),
    "AlterTableCmd:AT_DisableTrig": LockFact(_SRE),
    "AlterTableCmd:AT_EnableTrigAll": LockFact(_SRE),
    "AlterTableCmd:AT_DisableTrigAll": LockFact(_SRE),
    "AlterTableCmd:AT_EnableTrigUser": LockFact(_SRE),
    "AlterTableCmd:AT_DisableTrigUser": LockFact(_SRE),
    "AlterTableCmd:AT_EnableRule": LockFact(_AE),
    "AlterTableCmd:AT_EnableAlwaysRule": LockFact(_AE),
    "AlterTableCmd:AT_EnableReplicaRule": LockFact(_AE),
    "AlterTableCmd:AT_DisableRule": LockFact(_AE),
    "AlterTableCmd:AT_AddInherit": LockFact(_AE),  # no rows read (pglint verify)
    "AlterTableCmd:AT_DropInherit": LockFact(_AE),
    "AlterTableCmd:AT_AddOf": LockFact(_AE),
    "AlterTableCmd:AT_DropOf": LockFact(_AE),
    "AlterTableCmd:AT_ReplicaIdentity": LockFact(_AE),
    "AlterTableCmd:AT_EnableRowSecurity": LockFact(_AE),
    "AlterTableCmd:AT_DisableRowSecurity": LockFact(_AE),
    "AlterTableCmd:AT_ForceRowSecurity": LockFact(_AE),
    "AlterTableCmd:AT_NoForceRowSecurity": LockFact(_AE),
    "AlterTableCmd:AT_GenericOptions": LockFact(_AE),
    "AlterTableCmd:AT_AttachPartition": LockFact(_SUE),
    "AlterTableCmd:AT_DetachPartition": LockFact(_AE),
    "AlterTableCmd:AT_DetachPartition:concurrent": LockFact(_SUE, transactional=False),
    "AlterTableCmd:AT_DetachPartitionFinalize": LockFact(_SUE),
    "AlterTableCmd:AT_AddIdentity": LockFact(_AE),
    "AlterTableCmd:AT_SetIdentity": LockFact(_AE),
    "AlterTableCmd:AT_DropIdentity": LockFact(_AE),
    "AlterTableCmd:AT_ChangeOwner": LockFact(_AE),
    "AlterTableCmd:AT_DropOids": LockFact(_AE),
}


def fact(key: str) -> LockFact:
    """The fact for ``key``; unknown ALTER TABLE forms are taken to need ACCESS EXCLUSIVE."""
    found = FACTS.get(key)
    if found is None:
        return LockFact(_AE, doc=_SQL_ALTER)
    return found
