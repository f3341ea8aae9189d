"""Servers verify runs on, and the scratch databases it creates there and always drops.

Two kinds of server: the throwaway cluster (:class:`EmbeddedServer`, the default) and an
existing server named with an explicit ``--dsn`` (:class:`ExternalServer`). pglint never
connects anywhere without one of them: it does not read ``DATABASE_URL``, and on an
existing server it only creates, uses and drops its own scratch databases, named
``pglint_verify_<time>_<pid>_<random>``; other databases are never touched.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pglint.verify import cleanup
from pglint.verify.cluster import Cluster, ServerError

SCRATCH_PREFIX = "pglint_verify_"


def scratch_name() -> str:
    """A database name no other run can pick: time, process id and random bits."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    return f"{SCRATCH_PREFIX}{stamp}_{os.getpid()}_{secrets.token_hex(4)}"


@dataclass(slots=True)
class Server:
    """Where verify runs: connection strings for the maintenance and scratch databases."""

    admin: str
    embedded: bool
    description: str
    notes: list[str] = field(default_factory=list)
    version: str = ""
    version_num: int = 0

    def conninfo(self, dbname: str) -> str:
        return make_conninfo(self.admin, dbname=dbname, application_name="pglint verify")

    def probe(self) -> None:
        """Connect once: the server's version, and a clear error when it cannot be reached."""
        try:
            with psycopg.connect(self.admin, autocommit=True, connect_timeout=10) as conn:
                self.version_num = conn.info.server_version
                row = conn.execute("SHOW server_version").fetchone()
                assert row is not None  # SHOW returns one row
                self.version = row[0].split()[0]
        except psycopg.Error as error:
            raise ServerError(
                f"cannot connect to {self.description}: {_first_line(error)}"
            ) from None

    @property
    def major(self) -> int:
        return self.version_num // 10000 if self.version_num >= 100000 else self.version_num // 100

    @contextmanager
    def scratch_database(self) -> Iterator[str]:
        """Create a fresh database, yield its name, drop it (also on errors and Ctrl-C)."""
        name = scratch_name()
        try:
            with psycopg.connect(self.admin, autocommit=True, connect_timeout=10) as conn:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                        sql.Identifier(name)
                    )
                )
        except psycopg.Error as error:
            raise ServerError(
                f"cannot create the scratch database {name} on {self.description}: "
                f"{_first_line(error)}"
                + (" (the role needs CREATEDB)" if error.sqlstate == "42501" else "")
            ) from None
        handle = cleanup.register(lambda: self.drop(name))
        try:
            yield name
        finally:
            cleanup.run_one(handle)

    def roles(self) -> set[str]:
        with psycopg.connect(self.admin, autocommit=True, connect_timeout=10) as conn:
            return {row[0] for row in conn.execute("SELECT rolname FROM pg_catalog.pg_roles")}

    def drop_roles(self, names: set[str]) -> None:
        """Drop roles verify created (migrations' CREATE ROLE); errors are ignored."""
        if not names:
            return
        try:
            with psycopg.connect(self.admin, autocommit=True, connect_timeout=10) as conn:
                for name in sorted(names):
                    with suppress(psycopg.Error):
                        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
        except psycopg.Error:
            pass

    def drop(self, name: str) -> None:
        """Drop a scratch database, ending sessions still connected to it."""
        if not name.startswith(SCRATCH_PREFIX):  # never anything else
            return
        try:
            with psycopg.connect(self.admin, autocommit=True, connect_timeout=10) as conn:
                if conn.info.server_version >= 130000:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )
                    return
                conn.execute(
                    "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_catalog.pg_backend_pid()",
                    (name,),
                )
                for _ in range(50):
                    try:
                        conn.execute(
                            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
                        )
                        return
                    except psycopg.errors.ObjectInUse:
                        time.sleep(0.1)
        except psycopg.Error:
            pass


class EmbeddedServer(Server):
    """The throwaway cluster: started on enter, stopped and removed on exit."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        super().__init__("", True, "the throwaway PostgreSQL server")

    def start(self) -> EmbeddedServer:
        self.cluster.start()
        self.admin = self.cluster.conninfo("postgres")
        self.notes.extend(self.cluster.notes)
        self.probe()
        return self

    def stop(self) -> None:
        self.cluster.stop()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def external(dsn: str) -> Server:
    """A server named by ``--dsn`` (a URL or a libpq key=value string)."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as error:
        raise ServerError(f"--dsn: {_first_line(error)}") from None
    where = params.get("host") or "the default socket"
    port = params.get("port")
    description = f"the server at {where}" + (f":{port}" if port else "")
    server = Server(dsn, False, description)
    server.probe()
    return server


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
