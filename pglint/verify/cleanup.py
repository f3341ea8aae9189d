"""Cleanup that survives Ctrl-C, SIGTERM and errors: stop servers, drop databases, remove dirs.

Every resource verify creates (a throwaway cluster, a scratch database) registers a
callback here; :func:`run_all` runs the callbacks newest first. It runs from ``finally``
blocks, from :mod:`atexit`, and (through :func:`signals_raise`) after SIGTERM or SIGHUP,
which are turned into a :class:`Terminated` exception so that ``finally`` blocks run.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

_lock = threading.RLock()
_callbacks: dict[int, Callable[[], None]] = {}
_counter = [0]


class Terminated(BaseException):
    """The process received SIGTERM or SIGHUP while verify was running."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


def register(callback: Callable[[], None]) -> int:
    """Remember ``callback`` until :func:`unregister`; returns its handle."""
    with _lock:
        _counter[0] += 1
        _callbacks[_counter[0]] = callback
        return _counter[0]


def unregister(handle: int) -> None:
    with _lock:
        _callbacks.pop(handle, None)


def run_one(handle: int) -> None:
    """Run one registered callback now (once) and forget it."""
    with _lock:
        callback = _callbacks.pop(handle, None)
    if callback is not None:
        with _uninterruptible():
            callback()


def run_all() -> None:
    """Run every registered callback, newest first; errors are swallowed."""
    while True:
        with _lock:
            if not _callbacks:
                return
            handle = max(_callbacks)
            callback = _callbacks.pop(handle)
        try:
            with _uninterruptible():
                callback()
        except Exception:  # cleanup must go on with the other resources
            pass


atexit.register(run_all)


@contextmanager
def _uninterruptible() -> Iterator[None]:
    """Ignore Ctrl-C while cleaning up (a second Ctrl-C must not leave a server behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # pragma: no cover - not in the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def signals_raise() -> Iterator[None]:
    """While active, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread.

    Ctrl-C (SIGINT) already raises KeyboardInterrupt. Outside the main thread (where
    signal handlers cannot be installed) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    saved = {}
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is None:
            continue
        with suppress(ValueError, OSError):
            saved[signum] = signal.signal(signum, handler)
    psycopg_log = logging.getLogger("psycopg")
    psycopg_log.addFilter(_interrupted_rollback)
    try:
        yield
    finally:
        psycopg_log.removeFilter(_interrupted_rollback)
        for signum, previous in saved.items():
            signal.signal(signum, previous)


def _interrupted_rollback(record: logging.LogRecord) -> bool:
    """Drop psycopg's warning that a connection interrupted mid-query (by Ctrl-C or a
    signal) could not roll back: it is closed and its server removed anyway."""
    if not str(record.msg).startswith("error ignored in rollback"):
        return True
    error = sys.exc_info()[1]
    return not isinstance(error and error.__context__, (Terminated, KeyboardInterrupt))


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (zombies count as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True
