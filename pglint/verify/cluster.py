"""A throwaway PostgreSQL cluster: find the binaries, initdb into a temp dir, start, stop, clean up.

The cluster listens only on a Unix socket inside its own temporary directory (or, when
that path would be too long for a socket, on a free loopback port), runs with fsync off,
and is removed completely when it stops: on success, on an exception, on Ctrl-C, on
SIGTERM and at interpreter exit (see :mod:`pglint.verify.cleanup`). On Linux the server
also gets SIGQUIT if pglint itself dies without cleaning up, and the directories such a
run leaves behind are removed by the next run.

PostgreSQL refuses to run as root. When pglint runs as root, initdb and the server run
as an unprivileged user instead: ``$PGLINT_PG_USER``, else ``postgres``, else ``nobody``.
"""

from __future__ import annotations

import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pglint.verify import cleanup

#: Prefix of the temporary directories (also how stale ones of killed runs are found).
PREFIX = "pglint-verify-"
_MARKER = "pglint-verify.json"
#: Longest Unix socket path PostgreSQL accepts (sun_path is 108 bytes on Linux).
_MAX_SOCKET_PATH = 100

#: Server settings for a throwaway cluster: durability off, nothing in the background
#: that would take locks or read tables (autovacuum), no parallel workers (so that every
#: lock and every tuple read belongs to the traced backend), UTC like most production servers.
SERVER_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
    "max_parallel_workers_per_gather": "0",
    "max_parallel_maintenance_workers": "0",
    "jit": "off",
    "max_connections": "40",
    "TimeZone": "UTC",
    "log_min_messages": "warning",
    "log_checkpoints": "off",
}

_INSTALL_HINT = (
    "Install them (Debian/Ubuntu: apt-get install postgresql; Fedora/RHEL: dnf install "
    "postgresql-server; macOS: brew install postgresql@16), point --pg-bin (or $PGLINT_PG_BIN) "
    "at the folder holding initdb and postgres, or verify against an existing server with "
    "--dsn URL (a scratch database is created there and dropped afterwards)."
)


class ServerError(RuntimeError):
    """The throwaway server cannot be found, created or started; the message says why."""


# --- finding the binaries --------------------------------------------------------------------


def _has_server(folder: Path) -> bool:
    return (folder / "initdb").is_file() and (folder / "postgres").is_file()


def _version_key(folder: str) -> tuple[int, ...]:
    digits = [int(p) for p in "".join(c if c.isdigit() else " " for c in folder).split()]
    return tuple(digits)


def candidate_dirs() -> list[Path]:
    """Where PostgreSQL server binaries usually are, in the order they are tried."""
    found: list[Path] = []
    initdb = shutil.which("initdb")
    if initdb:
        found.append(Path(initdb).resolve().parent)
        found.append(Path(initdb).parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out:
            found.append(Path(out))
    patterns = (
        "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
        "/usr/pgsql-*/bin",  # PGDG RPMs
        "/opt/homebrew/opt/postgresql@*/bin",  # Homebrew on Apple silicon
        "/usr/local/opt/postgresql@*/bin",  # Homebrew on Intel
        "/opt/homebrew/opt/postgresql/bin",
        "/usr/local/opt/postgresql/bin",
        "/Applications/Postgres.app/Contents/Versions/*/bin",
        "/usr/local/pgsql/bin",
        "/opt/homebrew/bin",
        "/usr/local/bin",
        "/usr/bin",
    )
    for pattern in patterns:
        found.extend(Path(p) for p in sorted(glob.glob(pattern), key=_version_key, reverse=True))
    unique: dict[Path, None] = {}
    for folder in found:
        unique.setdefault(folder, None)
    return list(unique)


def find_bindir(pg_bin: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding ``initdb`` and ``postgres``; :class:`ServerError` when none is found."""
    explicit = pg_bin or os.environ.get("PGLINT_PG_BIN")
    if explicit:
        folder = Path(explicit).expanduser()
        if _has_server(folder):
            return folder
        source = "--pg-bin" if pg_bin else "$PGLINT_PG_BIN"
        raise ServerError(f"{source} {folder}: no initdb and postgres there. {_INSTALL_HINT}")
    for folder in candidate_dirs():
        if _has_server(folder):
            return folder
    raise ServerError(
        "pglint verify needs PostgreSQL server binaries (initdb and postgres) and found none "
        "on PATH, via pg_config --bindir, or in the usual Debian, RPM and Homebrew folders. "
        + _INSTALL_HINT
    )


def binaries_available(pg_bin: str | None = None) -> bool:
    try:
        find_bindir(pg_bin)
    except ServerError:
        return False
    return True


# --- running as root -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunAs:
    """The unprivileged account the server runs as when pglint runs as root."""

    name: str
    uid: int
    gid: int


def run_as() -> RunAs | None:
    """None when not root; else the account to run initdb and postgres as."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd

    wanted = os.environ.get("PGLINT_PG_USER")
    names = [wanted] if wanted else ["postgres", "nobody"]
    for name in names:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return RunAs(name, entry.pw_uid, entry.pw_gid)
    tried = ", ".join(names)
    raise ServerError(
        "PostgreSQL refuses to run as root, and no unprivileged account to run the throwaway "
        f"server as was found (tried {tried}; set $PGLINT_PG_USER). Run pglint as a normal "
        "user, or verify against an existing server with --dsn URL."
    )


def _usable_by(account: RunAs, folder: Path) -> bool:
    """Whether ``account`` can reach ``folder`` (the cluster's own folder is given to it)."""
    try:
        done = subprocess.run(
            ["/bin/sh", "-c", 'test -x "$0"', str(folder)],
            user=account.uid,
            group=account.gid,
            extra_groups=[],
            cwd="/",
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


# --- the cluster -----------------------------------------------------------------------------


def _set_parent_death_signal() -> None:  # pragma: no cover - runs in the child
    """Linux: the server gets SIGQUIT (immediate shutdown) if pglint dies without cleanup."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGQUIT, 0, 0, 0)
    except Exception:
        pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(slots=True)
class Cluster:
    """A throwaway PostgreSQL cluster. Use as a context manager, or call start() and stop()."""

    bindir: Path
    user: str = "postgres"
    settings: dict[str, str] = field(default_factory=lambda: dict(SERVER_SETTINGS))
    base: Path | None = None
    directory: Path | None = None
    host: str = ""
    port: int = 0
    account: RunAs | None = None
    notes: list[str] = field(default_factory=list)
    _process: subprocess.Popen | None = None
    _handle: int | None = None

    @classmethod
    def create(cls, pg_bin: str | None = None, base: str | None = None) -> Cluster:
        return cls(find_bindir(pg_bin), base=Path(base) if base else None)

    # -- life cycle

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string for a database of this cluster."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def start(self, timeout: float = 60.0) -> None:
        if self._process is not None:
            return
        self.account = run_as()
        base = self._base()
        remove_stale(base)
        self.directory = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
        # Registered at once: whatever happens from here on, the directory goes away.
        self._handle = cleanup.register(self._shutdown)
        try:
            (self.directory / _MARKER).write_text(
                json.dumps({"owner": os.getpid(), "started": time.time()}), encoding="utf-8"
            )
            if self.account is not None:
                os.chown(self.directory, self.account.uid, self.account.gid)
                self.notes.append(
                    "pglint runs as root and PostgreSQL refuses to; the throwaway server "
                    f"runs as the unprivileged user {self.account.name!r}"
                )
            self._initdb(timeout)
            self._launch(timeout)
        except BaseException:
            self.stop()
            raise

    def _base(self) -> Path:
        base = self.base or Path(tempfile.gettempdir())
        if self.account is not None and not _usable_by(self.account, base):
            fallback = Path("/tmp")
            if self.base is None and base != fallback and _usable_by(self.account, fallback):
                return fallback
            raise ServerError(
                f"the throwaway server runs as {self.account.name!r} (pglint runs as root), "
                f"which cannot reach {base}; set TMPDIR to a folder it can use"
            )
        return base

    def _run_kwargs(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "LD_PRELOAD"}
        env.update({"LC_ALL": "C", "LANG": "C", "TZ": "UTC"})
        kwargs: dict = {"env": env, "cwd": str(self.directory)}
        if self.account is not None:
            kwargs.update(user=self.account.uid, group=self.account.gid, extra_groups=[])
            env["HOME"] = str(self.directory)
        return kwargs

    def _initdb(self, timeout: float) -> None:
        assert self.directory is not None
        command = [
            str(self.bindir / "initdb"),
            "-D",
            str(self.directory / "data"),
            "-U",
            self.user,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, **self._run_kwargs()
            )
        except subprocess.TimeoutExpired:
            raise ServerError(f"initdb did not finish within {timeout:.0f} s") from None
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise ServerError("initdb failed: " + " | ".join(tail))

    def _launch(self, timeout: float) -> None:
        assert self.directory is not None
        self.port = random.randint(20000, 60000)
        socket_path = self.directory / f".s.PGSQL.{self.port}"
        options = [f"{k}={v}" for k, v in self.settings.items()]
        if len(str(socket_path)) <= _MAX_SOCKET_PATH:
            self.host = str(self.directory)
            options += ["listen_addresses=", f"unix_socket_directories={self.directory}"]
        else:
            self.port = _free_port()
            self.host = "127.0.0.1"
            options += ["listen_addresses=127.0.0.1", "unix_socket_directories="]
        command = [str(self.bindir / "postgres"), "-D", str(self.directory / "data")]
        command += ["-p", str(self.port)]
        for option in options:
            command += ["-c", option]
        log = open(self.directory / "server.log", "ab")  # noqa: SIM115 - closed below
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_set_parent_death_signal if sys.platform == "linux" else None,
                **self._run_kwargs(),
            )
        finally:
            log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        assert self.directory is not None and self._process is not None
        pid_file = self.directory / "data" / "postmaster.pid"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(f"the throwaway server did not start: {self.log_tail()}")
            try:
                lines = pid_file.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            # Line 8 of postmaster.pid is the server's status (PostgreSQL 10 and later).
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            time.sleep(0.02)
        raise ServerError(f"the throwaway server was not ready within {timeout:.0f} s")

    def log_tail(self, lines: int = 5) -> str:
        if self.directory is None:
            return ""
        try:
            text = (self.directory / "server.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server and remove its directory (idempotent)."""
        if self._handle is not None:
            cleanup.run_one(self._handle)
            self._handle = None
        else:
            self._shutdown()

    def _shutdown(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            _terminate(process)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def _terminate(process: subprocess.Popen) -> None:
    """Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL."""
    for signum, wait in ((signal.SIGINT, 15.0), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
        if process.poll() is not None:
            return
        try:
            process.send_signal(signum)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def remove_stale(base: Path) -> list[Path]:
    """Remove directories of earlier runs whose pglint process is gone; returns them.

    Only folders named ``pglint-verify-*`` holding pglint's marker file are considered; a
    server still running from such a folder is shut down first (it is recognised by its
    command line naming the folder).
    """
    removed = []
    for folder in base.glob(PREFIX + "*"):
        marker = folder / _MARKER
        try:
            owner = int(json.loads(marker.read_text(encoding="utf-8")).get("owner", 0))
        except (OSError, ValueError, AttributeError):
            continue
        if cleanup.pid_alive(owner):
            continue
        _stop_stale_server(folder)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _stop_stale_server(folder: Path) -> None:
    try:
        pid = int((folder / "data" / "postmaster.pid").read_text().splitlines()[0])
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError, IndexError):
        return
    if str(folder / "data") not in command:
        return
    try:
        os.kill(pid, signal.SIGQUIT)
    except OSError:
        return
    for _ in range(100):
        if not cleanup.pid_alive(pid):
            return
        time.sleep(0.05)
