"""The throwaway server goes away: after Ctrl-C or SIGTERM mid-run, and when it was killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pglint.verify import cleanup
from pglint.verify.cluster import PREFIX, remove_stale


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(entry.name))
    return found


@pytest.fixture
def tmpdir_for_server():
    """A TMPDIR the unprivileged server account can reach (pytest's own tmp is private)."""
    folder = tempfile.mkdtemp(prefix="pglint-test-tmp-")
    os.chmod(folder, 0o755)
    yield Path(folder)
    subprocess.run(["rm", "-rf", folder], check=False)


def _wait_for_sleep(host: str, port: str, deadline: float) -> None:
    import psycopg

    while time.monotonic() < deadline:
        try:
            with psycopg.connect(f"host={host} port={port} user=postgres dbname=postgres") as conn:
                query = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'"
                if conn.execute(query).fetchone()[0]:
                    return
        except psycopg.Error:
            pass
        time.sleep(0.05)
    raise AssertionError("the slow statement never started")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_run_leaves_nothing_behind(pg_bindir, tmp_path, tmpdir_for_server, signum):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_table.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);\n")
    (migrations / "002_slow.sql").write_text("SELECT pg_sleep(60);\n")
    env = {**os.environ, "TMPDIR": str(tmpdir_for_server), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pglint",
            "verify",
            "--rows",
            "10",
            "--pg-bin",
            str(pg_bindir),
            str(migrations),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    postmaster = None
    deadline = time.monotonic() + 30
    try:
        # Wait until the server runs and the slow statement has started.
        while time.monotonic() < deadline and postmaster is None:
            for folder in tmpdir_for_server.glob(PREFIX + "*"):
                pid_file = folder / "data" / "postmaster.pid"
                try:
                    lines = pid_file.read_text().splitlines()
                except OSError:
                    continue
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    postmaster, port, socket_dir = int(lines[0]), lines[3], lines[4]
            time.sleep(0.05)
        assert postmaster is not None, process.communicate(timeout=5)
        _wait_for_sleep(socket_dir, port, deadline)
        assert process.poll() is None, "verify finished before it could be interrupted"
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == (130 if signum == signal.SIGINT else 128 + signum), stderr
    assert "removed" in stderr
    assert "error ignored" not in stderr  # psycopg's noise about the interrupted query
    assert list(tmpdir_for_server.iterdir()) == []
    assert not cleanup.pid_alive(postmaster)
    assert _children_of(postmaster) == []


def test_directories_of_killed_runs_are_removed(tmp_path):
    stale = tmp_path / (PREFIX + "stale")
    (stale / "data").mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (stale / "pglint-verify.json").write_text(json.dumps({"owner": dead.pid}))
    alive = tmp_path / (PREFIX + "alive")
    alive.mkdir()
    (alive / "pglint-verify.json").write_text(json.dumps({"owner": os.getpid()}))
    foreign = tmp_path / (PREFIX + "foreign")  # no marker: not ours
    foreign.mkdir()
    assert remove_stale(tmp_path) == [stale]
    assert not stale.exists() and alive.exists() and foreign.exists()


def test_cluster_is_removed_when_the_body_raises(pg_bindir):
    from pglint.verify.cluster import Cluster

    cluster = Cluster(pg_bindir)
    with pytest.raises(RuntimeError), cluster:
        folder = cluster.directory
        assert folder is not None and (folder / "data" / "postmaster.pid").is_file()
        pid = int((folder / "data" / "postmaster.pid").read_text().splitlines()[0])
        raise RuntimeError("boom")
    assert not folder.exists()
    assert not cleanup.pid_alive(pid) and _children_of(pid) == []


def test_psycopg_rollback_noise_after_a_signal_is_dropped(caplog):
    import logging

    from pglint.verify.cleanup import Terminated, signals_raise

    log = logging.getLogger("psycopg")

    def rollback_fails(interrupt: BaseException) -> None:
        # What psycopg's Connection.__exit__ does when its rollback fails.
        try:
            raise interrupt
        except BaseException:
            try:
                raise RuntimeError("another command is already in progress")
            except RuntimeError as error:
                log.warning("error ignored in rollback on %s: %s", "conn", error)

    with caplog.at_level(logging.WARNING, logger="psycopg"), signals_raise():
        rollback_fails(Terminated(15))
        rollback_fails(KeyboardInterrupt())
        rollback_fails(ValueError("a real problem"))
    assert len(caplog.records) == 1  # only the one not caused by an interruption
