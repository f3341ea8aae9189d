"""Benchmark: ``pglint check`` on a generated folder of Alembic revision files.

Usage::

    python bench/alembic_bench.py [--files 200] [--rounds 3] [--json]

Writes ``--files`` revision files (a linear chain, each with a realistic mix of op calls:
create_table with several columns, add_column, create_index, alter_column, an op.execute
with triple-quoted SQL, a batch_alter_table block and an autocommit block, and a downgrade)
into a temporary ``versions/`` folder, then times ``pglint check`` on the folder as a
subprocess (wall clock and CPU time, median of the rounds) and, in process, the CPU time
spent reading the Python files with libcst. Reported: seconds per run, files per second, and
milliseconds per file. On a busy machine compare the CPU figures: wall clock varies more.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = '''"""add things {n}

Revision ID: {rev}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "{rev}"
down_revision = {down_repr}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "items_{n}",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("payload", postgresql.JSONB(), server_default=sa.text("'{{}}'::jsonb")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("owner_id", sa.BigInteger(), sa.ForeignKey("owners.id", ondelete="CASCADE")),
    )
    op.add_column("owners", sa.Column("flag_{n}", sa.Boolean(), nullable=True))
    op.create_index("items_{n}_name_idx", "items_{n}", ["name"], unique=True)
    op.alter_column("owners", "flag_{n}", server_default=sa.false(), existing_type=sa.Boolean())
    op.execute(
        """
        UPDATE owners SET flag_{n} = false WHERE flag_{n} IS NULL;
        COMMENT ON TABLE items_{n} IS 'items of batch {n}';
        """
    )
    with op.batch_alter_table("items_{n}") as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text()))
        batch_op.create_check_constraint("items_{n}_name_len", "char_length(name) < 200")
    with op.get_context().autocommit_block():
        op.create_index(
            "owners_flag_{n}_idx", "owners", ["flag_{n}"], postgresql_concurrently=True
        )


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("owners_flag_{n}_idx", table_name="owners", postgresql_concurrently=True)
    op.drop_index("items_{n}_name_idx", table_name="items_{n}")
    op.drop_column("owners", "flag_{n}")
    op.drop_table("items_{n}")
'''


def write_revisions(folder: Path, count: int) -> list[Path]:
    paths = []
    down = None
    for n in range(count):
        rev = f"{n:04d}abcd{n:04d}"
        text = TEMPLATE.format(n=n, rev=rev, down=down or "", down_repr=repr(down))
        path = folder / f"{rev}_add_things_{n}.py"
        path.write_text(text)
        paths.append(path)
        down = rev
    return paths


def _children_cpu() -> float:
    """CPU seconds used by finished child processes (0 where ``resource`` is missing)."""
    try:
        import resource
    except ImportError:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_cli(folder: Path, rounds: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run (CPU time varies less on a busy machine)."""
    command = [sys.executable, "-m", "pglint", "check", "--format", "json", str(folder)]
    times = []
    cpu = []
    for _ in range(rounds):
        cpu_start = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - cpu_start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"pglint failed ({done.returncode}): {done.stderr[-2000:]}")
    return times, cpu


def time_reading(paths: list[Path]) -> float:
    """CPU seconds to read every file with libcst (cold cache), in process."""
    from pglint.sources.alembic import read_alembic

    read_alembic.cache_clear()
    texts = [p.read_text() for p in paths]
    start = time.process_time()
    for text in texts:
        read_alembic(text)
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "versions"
        folder.mkdir()
        paths = write_revisions(folder, args.files)
        times, cpu = time_cli(folder, args.rounds)
        reading = time_reading(paths)
    median = statistics.median(times)
    result = {
        "files": args.files,
        "rounds": args.rounds,
        "seconds": round(median, 3),
        "cpu_seconds": round(statistics.median(cpu), 3),
        "files_per_second": round(args.files / median, 1),
        "ms_per_file": round(1000 * median / args.files, 2),
        "libcst_read_ms_per_file": round(1000 * reading / args.files, 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"pglint check on {args.files} Alembic files: {result['seconds']} s "
            f"(median of {args.rounds}; {result['cpu_seconds']} s CPU), "
            f"{result['files_per_second']} files/s, "
            f"{result['ms_per_file']} ms/file; reading with libcst: "
            f"{result['libcst_read_ms_per_file']} ms/file"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
