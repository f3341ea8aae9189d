"""Run one statement on the real server and observe what it did.

For a statement that runs inside a transaction block, the locks are read from
``pg_locks`` for the session's own backend right before and right after the statement,
inside the same transaction (locks are held until the transaction ends, so "after minus
before" is what the statement took). A statement that cannot run in a transaction block
(``CREATE INDEX CONCURRENTLY``, ``VACUUM``, …) runs in autocommit while a second
connection polls ``pg_locks`` for the backend's pid as fast as it can: its internal
transactions take and release locks while it runs, and the union of what the poller saw
is reported. The poller loops inside the server (tens of thousands of reads a second), so
only a lock held for a few microseconds can be missed.

Around every statement the tracer also reads every user relation's ``relfilenode`` (a
change means the table or index was rewritten), the tuples read per table
(``pg_stat_xact_user_tables`` inside a transaction; flushed ``pg_stat_user_tables`` from
PostgreSQL 15 otherwise) to see full scans, a schema snapshot for the catalogue changes,
and the statement's duration. A watchdog cancels a statement that outlives its time limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import psycopg

from pglint.model.statements import Statement
from pglint.verify import roundtrip

#: Relations with smaller OIDs belong to the system catalogue.
FIRST_USER_OID = 16384

KIND_WORDS = {
    "r": "table",
    "p": "partitioned table",
    "m": "materialized view",
    "v": "view",
    "f": "foreign table",
    "i": "index",
    "I": "partitioned index",
    "S": "sequence",
    "c": "composite type",
    "t": "TOAST table",
}

_RELATIONS = """
SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text, c.relfilenode::int8,
       coalesce(i.indrelid, 0)::int8,
       coalesce((SELECT h.inhparent FROM pg_catalog.pg_inherits h
                 WHERE h.inhrelid = c.oid AND c.relispartition LIMIT 1), 0)::int8
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
WHERE c.oid::int8 >= 16384 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
"""

_OWN_LOCKS = """
SELECT relation::int8, mode FROM pg_catalog.pg_locks
WHERE pid = pg_catalog.pg_backend_pid() AND locktype = 'relation' AND granted
  AND relation::int8 >= 16384
"""

_PID_LOCKS = """
SELECT relation::int8, mode FROM pg_catalog.pg_locks
WHERE pid = %s AND locktype = 'relation' AND granted AND relation::int8 >= 16384
"""

_XACT_READS = """
SELECT relid::int8, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
FROM pg_catalog.pg_stat_xact_user_tables
"""

_READS = """
SELECT relid::int8, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
FROM pg_catalog.pg_stat_user_tables
"""

TRANSACTION_CONTROL = "TransactionStmt"
#: SQLSTATEs of statements that cannot run inside a transaction block: 25001 (VACUUM,
#: CREATE INDEX CONCURRENTLY, …) and 2D000 (a procedure or DO block that commits).
_NOT_IN_BLOCK = frozenset({"25001", "2D000"})


@dataclass(frozen=True, slots=True)
class Relation:
    """A user relation as ``pg_class`` describes it."""

    oid: int
    schema: str
    name: str
    kind: str
    filenode: int
    table: int = 0  # an index's table
    parent: int = 0  # a partition's parent

    @property
    def display(self) -> str:
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"

    @property
    def is_table(self) -> bool:
        """Tables, partitioned tables, materialized views, foreign tables and views."""
        return self.kind in ("r", "p", "m", "f", "v")

    @property
    def kind_word(self) -> str:
        return KIND_WORDS.get(self.kind, "relation")


@dataclass(frozen=True, slots=True)
class PgError:
    """PostgreSQL's error for a statement."""

    sqlstate: str
    message: str
    detail: str = ""
    hint: str = ""
    position: int | None = None  # 1-based character position in the statement
    timed_out: str = ""  # which limit cancelled it, when one did

    @classmethod
    def of(cls, error: psycopg.Error, timed_out: str = "") -> PgError:
        diag = error.diag
        position = None
        if diag.statement_position:
            try:
                position = int(diag.statement_position)
            except ValueError:
                position = None
        message = diag.message_primary or str(error).strip().splitlines()[0]
        return cls(
            error.sqlstate or "",
            message,
            diag.message_detail or "",
            diag.message_hint or "",
            position,
            timed_out,
        )

    def describe(self) -> str:
        if self.timed_out:
            return self.timed_out
        text = self.message
        if self.detail:
            text += f" ({self.detail})"
        return text


@dataclass(slots=True)
class Observation:
    """What one statement did on the server."""

    statement: Statement
    #: How it ran: "in the migration's transaction", "in its own transaction",
    #: "outside a transaction block", "transaction control".
    mode: str
    duration: float = 0.0
    error: PgError | None = None
    before: dict[int, Relation] = field(default_factory=dict)
    after: dict[int, Relation] = field(default_factory=dict)
    #: Lock modes (pg_locks names) held on each relation before the statement.
    held_before: dict[int, set[str]] = field(default_factory=dict)
    #: Lock modes the statement took (newly held, or seen by the poller), per relation.
    taken: dict[int, set[str]] = field(default_factory=dict)
    #: Tuples read per table while the statement ran; None when not measurable.
    reads: dict[int, int] | None = None
    changes: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: The static names the caller asked about → OID right before the statement.
    resolved: dict[str, int | None] = field(default_factory=dict)
    #: Rows of the named tables right before the statement.
    rows: dict[int, int] = field(default_factory=dict)
    #: False when the server refused to run it inside a transaction block.
    transactional: bool | None = None
    polls: int = 0

    def relation(self, oid: int) -> Relation | None:
        return self.after.get(oid) or self.before.get(oid)

    def name(self, oid: int) -> str:
        found = self.relation(oid)
        return (
            found.display if found is not None else f"relation {oid} (dropped during the statement)"
        )

    @property
    def rewritten(self) -> list[int]:
        """Relations (tables, indexes, materialized views) given a new relfilenode."""
        found = []
        for oid, old in self.before.items():
            new = self.after.get(oid)
            if new is not None and old.filenode and new.filenode and old.filenode != new.filenode:
                found.append(oid)
        return found

    @property
    def created(self) -> list[int]:
        return [oid for oid in self.after if oid not in self.before]

    @property
    def dropped(self) -> list[int]:
        return [oid for oid in self.before if oid not in self.after]


class Session:
    """The migration's connection (autocommit; transactions are sent as SQL) and its tracer."""

    def __init__(
        self,
        conninfo: str,
        monitor_conninfo: str,
        statement_timeout: float,
        deadline: float | None = None,
    ) -> None:
        self.conninfo = conninfo
        self.monitor_conninfo = monitor_conninfo
        self.statement_timeout = statement_timeout
        self.deadline = deadline
        self.conn = psycopg.connect(conninfo, autocommit=True, application_name="pglint verify")
        self.conn.add_notice_handler(self._notice)
        self._notices: list[str] = []
        self.version = self.conn.info.server_version
        self.pid = self.conn.info.backend_pid
        row = self.conn.execute("SHOW TimeZone").fetchone()
        assert row is not None  # SHOW returns one row
        zone = row[0]
        #: Whether timestamp ↔ timestamptz is binary compatible here (a fixed zero offset).
        self.utc = zone.upper() in ("UTC", "ETC/UTC", "GMT", "ETC/GMT", "UCT", "ZULU", "Z")
        ms = max(1, int(statement_timeout * 1000))
        self.conn.execute(f"SET statement_timeout = {ms}")
        self._monitor: psycopg.Connection | None = None
        self._staller: psycopg.Connection | None = None
        self.schema: roundtrip.Schema | None = None

    def close(self) -> None:
        for conn in (self.conn, self._monitor, self._staller):
            if conn is not None:
                with suppress(Exception):
                    conn.close()

    def _notice(self, diag: psycopg.errors.Diagnostic) -> None:
        self._notices.append(f"{diag.severity}: {diag.message_primary}")

    def take_notices(self) -> list[str]:
        found, self._notices = self._notices, []
        return found

    @property
    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    @property
    def failed_transaction(self) -> bool:
        return self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR

    # -- plain execution ----------------------------------------------------------------------

    def limit(self) -> tuple[float, str]:
        """Seconds the next statement may take, and the message when it is cut off."""
        limit = self.statement_timeout
        why = (
            f"cancelled after {self.statement_timeout:g} s (--statement-timeout); "
            "with synthetic data, so a real table may take longer"
        )
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left < limit:
                limit = max(0.05, left)
                why = "cancelled: the whole verify run exceeded --timeout"
        return limit, why

    def run(self, sql: str) -> tuple[float, PgError | None]:
        """Execute one statement under the watchdog: (seconds, error or None)."""
        limit, why = self.limit()
        fired: list[bool] = []

        def cancel() -> None:
            fired.append(True)
            try:
                canceller = getattr(self.conn, "cancel_safe", None) or self.conn.cancel
                canceller()
            except Exception:
                pass

        # The server's statement_timeout (set per session) fires first; the watchdog also
        # covers a migration that turns it off.
        timer = threading.Timer(limit + 1.0, cancel)
        timer.daemon = True
        timer.start()
        start = time.perf_counter()
        try:
            self.conn.execute(sql)
        except psycopg.Error as error:
            elapsed = time.perf_counter() - start
            timed_out = ""
            if fired or (error.sqlstate == "57014" and "statement timeout" in str(error)):
                timed_out = why
            return elapsed, PgError.of(error, timed_out)
        finally:
            timer.cancel()
        return time.perf_counter() - start, None

    def query(self, sql: str, params: Sequence[object] | None = None) -> list[tuple]:
        with self.conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    # -- observations -------------------------------------------------------------------------

    def relations(self) -> dict[int, Relation]:
        return {row[0]: Relation(*row) for row in self.query(_RELATIONS)}

    def own_locks(self) -> dict[int, set[str]]:
        held: dict[int, set[str]] = {}
        for oid, mode in self.query(_OWN_LOCKS):
            held.setdefault(oid, set()).add(mode)
        return held

    def reads(self, in_transaction: bool) -> dict[int, int] | None:
        if in_transaction:
            return dict(self.query(_XACT_READS))
        if self.version < 150000:
            return None
        self.query("SELECT pg_catalog.pg_stat_force_next_flush()")
        return dict(self.query(_READS))

    def resolve(self, names: Iterable[str]) -> dict[str, int | None]:
        """OIDs of relations named as the static model names them (search_path applies)."""
        found: dict[str, int | None] = {}
        for name in names:
            schema, _, relname = name.rpartition(".")
            quoted = _quote(relname) if not schema else f"{_quote(schema)}.{_quote(relname)}"
            rows = self.query("SELECT pg_catalog.to_regclass(%s)::int8", (quoted,))
            found[name] = rows[0][0] if rows and rows[0][0] is not None else None
        return found

    def snapshot(self) -> roundtrip.Schema:
        return roundtrip.snapshot(self.conn)

    def committed_snapshot(self) -> roundtrip.Schema:
        """The committed schema, read on a fresh connection: the migration's session
        settings (a ``SET search_path`` changes how names print) do not apply there."""
        return roundtrip.snapshot(self.helper_connection())

    def monitor(self) -> psycopg.Connection:
        if self._monitor is None or self._monitor.closed:
            self._monitor = psycopg.connect(
                self.monitor_conninfo, autocommit=True, application_name="pglint verify monitor"
            )
        return self._monitor

    # -- tracing ------------------------------------------------------------------------------

    def trace(
        self,
        statement: Statement,
        names: Iterable[str] = (),
        transactional: bool = True,
        schema_changes: bool = True,
        stall: Iterable[str] = (),
    ) -> Observation:
        """Run ``statement`` and observe it.

        In an open transaction it is traced there; in autocommit a statement that can run
        in a transaction block is wrapped in ``BEGIN``/``COMMIT`` (the same thing as its own
        implicit transaction) and traced inside; one that cannot (``transactional`` False,
        or the server says so) runs in autocommit under the lock poller; while it starts, a
        third connection holds a snapshot and ACCESS SHARE on the ``stall`` relations for a
        few milliseconds, so that the waiting phases of ``CONCURRENTLY`` commands last long
        enough to be seen (production has concurrent transactions too; only timing changes).
        """
        names = tuple(names)
        if statement.kind == TRANSACTION_CONTROL:
            observation = Observation(statement, "transaction control")
            observation.duration, observation.error = self.run(statement.text)
            observation.notices = self.take_notices()
            self.schema = None
            return observation
        if self.in_transaction:
            return self._trace_in_transaction(
                statement, names, "in the migration's transaction", schema_changes
            )
        if transactional:
            self.conn.execute("BEGIN")
            observation = self._trace_in_transaction(
                statement, names, "in its own transaction", schema_changes
            )
            error = observation.error
            if error is not None and error.sqlstate in _NOT_IN_BLOCK:
                # Refused before it did anything (or what it did is rolled back): run it
                # the only way it can run.
                self.conn.execute("ROLLBACK")
                retry = self._trace_outside(statement, names, schema_changes, tuple(stall))
                retry.transactional = False if error.sqlstate == "25001" else None
                retry.notices.insert(0, f"not in a transaction block: {error.message}")
                return retry
            self.conn.execute("ROLLBACK" if self.failed_transaction else "COMMIT")
            return observation
        return self._trace_outside(statement, names, schema_changes, tuple(stall))

    def _before(self, statement: Statement, names: tuple[str, ...], mode: str) -> Observation:
        observation = Observation(statement, mode)
        observation.before = self.relations()
        observation.resolved = self.resolve(names)
        # Rows right before the statement (earlier statements may have added or deleted
        # some), for the tables the model names: reading them all is a full scan.
        with self.released():
            for oid in set(observation.resolved.values()):
                if oid is None:
                    continue
                rel = observation.before.get(oid)
                if rel is not None and rel.kind in ("r", "m"):
                    query = f"SELECT count(*) FROM ONLY {_quote(rel.schema)}.{_quote(rel.name)}"
                    observation.rows[oid] = int(self.query(query)[0][0])
        return observation

    @contextmanager
    def released(self) -> Iterator[None]:
        """pglint's own queries inside the migration's transaction, in a savepoint rolled back
        at once: the locks they take (a count, a view's definition) are released again."""
        if not self.in_transaction:
            yield
            return
        self.conn.execute("SAVEPOINT pglint_trace")
        try:
            yield
        finally:
            self.conn.execute("ROLLBACK TO SAVEPOINT pglint_trace")
            self.conn.execute("RELEASE SAVEPOINT pglint_trace")

    def _schema(self) -> roundtrip.Schema:
        if self.schema is None:
            with self.released():
                self.schema = self.snapshot()
        return self.schema

    def _trace_in_transaction(
        self, statement: Statement, names: tuple[str, ...], mode: str, schema_changes: bool
    ) -> Observation:
        observation = self._before(statement, names, mode)
        schema_before = self._schema() if schema_changes else None
        reads_before = self.reads(True)
        held = self.own_locks()
        self.take_notices()
        observation.duration, observation.error = self.run(statement.text)
        observation.notices = self.take_notices()
        observation.held_before = held
        if observation.error is not None:
            self.schema = None
            return observation
        after = self.own_locks()
        for oid, modes in after.items():
            new = modes - held.get(oid, set())
            if new:
                observation.taken[oid] = new
        reads_after = self.reads(True)
        observation.reads = _delta(reads_before, reads_after)
        observation.after = self.relations()
        self.schema = None
        if schema_before is not None:
            schema_after = self._schema()
            observation.changes = roundtrip.changes(schema_before, schema_after)
        observation.transactional = True
        return observation

    def _trace_outside(
        self,
        statement: Statement,
        names: tuple[str, ...],
        schema_changes: bool,
        stall: tuple[str, ...] = (),
    ) -> Observation:
        observation = self._before(statement, names, "outside a transaction block")
        schema_before = self._schema() if schema_changes else None
        reads_before = self.reads(False)
        poller = _Poller(self, self.limit()[0])
        staller = _Staller(self, [observation.before[o] for o in self._oids(stall, observation)])
        self.take_notices()
        poller.start()
        try:
            staller.start()
            try:
                observation.duration, observation.error = self.run(statement.text)
            finally:
                staller.stop()
        finally:
            poller.stop()
        observation.notices = self.take_notices()
        observation.taken = poller.seen
        observation.polls = poller.polls
        self.schema = None
        if observation.error is not None:
            return observation
        observation.reads = _delta(reads_before, self.reads(False))
        observation.after = self.relations()
        if schema_before is not None:
            observation.changes = roundtrip.changes(schema_before, self._schema())
        return observation

    def _oids(self, names: tuple[str, ...], observation: Observation) -> list[int]:
        found = []
        for name in names:
            oid = observation.resolved.get(name)
            if oid is None and name not in observation.resolved:
                oid = self.resolve([name]).get(name)
            if oid is not None and oid in observation.before and observation.before[oid].is_table:
                found.append(oid)
        return found

    def helper_connection(self) -> psycopg.Connection:
        if self._staller is None or self._staller.closed:
            self._staller = psycopg.connect(
                self.conninfo, autocommit=True, application_name="pglint verify staller"
            )
        return self._staller


#: How long the staller keeps its snapshot and locks (seconds).
STALL = 0.025


class _Staller:
    """A short transaction with a snapshot and ACCESS SHARE locks that a statement waits for."""

    def __init__(self, session: Session, relations: list[Relation]) -> None:
        self.session = session
        self.relations = relations
        self._timer: threading.Timer | None = None
        self._done = threading.Event()

    def start(self) -> None:
        if not self.relations:
            return
        conn = self.session.helper_connection()
        hold = STALL
        lock_timeout = self.session.query("SELECT pg_catalog.current_setting('lock_timeout')")
        if lock_timeout and lock_timeout[0][0] not in ("0", "0ms"):
            hold = 0.0  # the migration waits for locks only briefly: do not make it wait
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        if hold:
            for rel in self.relations:
                conn.execute(f"SELECT FROM {_quote(rel.schema)}.{_quote(rel.name)} LIMIT 0")
        self._timer = threading.Timer(hold, self._end)
        self._timer.daemon = True
        self._timer.start()

    def _end(self) -> None:
        try:
            self.session.helper_connection().execute("COMMIT")
        except Exception:
            pass
        finally:
            self._done.set()

    def stop(self) -> None:
        if self._timer is None:
            return
        self._done.wait(STALL + 10)
        self._timer = None


def _delta(before: dict[int, int] | None, after: dict[int, int] | None) -> dict[int, int] | None:
    if before is None or after is None:
        return None
    return {oid: count - before.get(oid, 0) for oid, count in after.items()}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


#: First key of the advisory locks the tracer and its poller signal each other with.
_SIGNAL_KEY = 1886152052  # "pglt"

# The poller runs inside the server, in a DO block on a second connection (to another
# database, so that CREATE INDEX CONCURRENTLY and VACUUM never wait for it): one
# pg_locks read per iteration, tens of thousands per second. It announces itself with an
# advisory lock (key 2) once its first round is done, and stops when the traced backend drops its own (key 1), which it
# holds for exactly as long as the statement runs; it reports the locks it saw in a NOTICE.
_POLL_BLOCK = """
DO $pglint$
DECLARE
    seen text[] := '{{}}';
    current text[];
    running boolean;
    polls bigint := 0;
    started timestamptz := pg_catalog.clock_timestamp();
BEGIN
    seen := ARRAY(SELECT DISTINCT pg_catalog.unnest(seen || seen));  -- plan it now
    LOOP
        SELECT pg_catalog.array_agg(l.relation::int8 || ':' || l.mode)
                   FILTER (WHERE l.locktype = 'relation' AND l.relation::int8 >= 16384),
               coalesce(pg_catalog.bool_or(l.locktype = 'advisory' AND l.classid::int8 = {key}
                                           AND l.objid::int8 = {pid} AND l.objsubid = 2), false)
          INTO current, running
          FROM pg_catalog.pg_locks l WHERE l.pid = {pid};
        IF polls = 1 THEN
            -- Announce only now: the first round plans every expression, which takes a
            -- while in a new backend; from here on each round is a few microseconds.
            PERFORM pg_catalog.pg_advisory_xact_lock({key}, {pid});
        END IF;
        polls := polls + 1;
        IF current IS NOT NULL AND NOT current <@ seen THEN
            seen := ARRAY(SELECT DISTINCT pg_catalog.unnest(seen || current));
        END IF;
        EXIT WHEN NOT running
            OR pg_catalog.clock_timestamp() - started > interval '{limit} seconds';
    END LOOP;
    RAISE NOTICE 'pglint-locks % %', polls, pg_catalog.array_to_string(seen, ',');
END
$pglint$
"""

_SIGNALLED = """
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE pid = %s AND locktype = 'advisory'
               AND classid::int8 = %s AND objid::int8 = %s AND objsubid = 2 AND granted)
"""


class _Poller:
    """Collects the locks one backend holds while its statement runs (see _POLL_BLOCK)."""

    def __init__(self, session: Session, limit: float) -> None:
        self.session = session
        self.conn = session.monitor()
        self.pid = session.pid
        self.limit = limit
        self.seen: dict[int, set[str]] = {}
        self.polls = 0
        self.error: Exception | None = None
        self._report: list[str] = []
        self._thread = threading.Thread(target=self._loop, name="pglint-lock-poller", daemon=True)

    def start(self) -> None:
        """Hold the signal lock, start the poller, and wait until it is polling."""
        self.session.conn.execute(
            "SELECT pg_catalog.pg_advisory_lock(%s, %s)", (_SIGNAL_KEY, self.pid)
        )
        self._thread.start()
        monitor_pid = self.conn.info.backend_pid
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._thread.is_alive():
            rows = self.session.query(_SIGNALLED, (monitor_pid, _SIGNAL_KEY, self.pid))
            if rows and rows[0][0]:
                return
            time.sleep(0.001)

    def stop(self) -> None:
        try:
            self.session.conn.execute(
                "SELECT pg_catalog.pg_advisory_unlock(%s, %s)", (_SIGNAL_KEY, self.pid)
            )
        finally:
            self._thread.join(self.limit + 30)
        for line in self._report:
            _, polls, locks = [*line.split(" ", 2), ""][:3]
            self.polls = int(polls) if polls.isdigit() else 0
            for item in filter(None, locks.split(",")):
                oid, _, mode = item.partition(":")
                self.seen.setdefault(int(oid), set()).add(mode)

    def _loop(self) -> None:
        def collect(diag: psycopg.errors.Diagnostic) -> None:
            message = diag.message_primary or ""
            if message.startswith("pglint-locks "):
                self._report.append(message)

        self.conn.add_notice_handler(collect)
        try:
            self.conn.execute(
                _POLL_BLOCK.format(key=_SIGNAL_KEY, pid=int(self.pid), limit=int(self.limit) + 5)
            )
        except Exception as error:  # the statement's own result matters more
            self.error = error
        finally:
            self.conn.remove_notice_handler(collect)
