"""Benchmark: pglint against Squawk over a corpus of migrations, plus pglint's start-up time.

Usage::

    python bench/bench.py [CORPUS] [--rounds 5] [--startup-runs 21] [--json]

CORPUS defaults to ``../shared/corpus/sql`` next to the repository. Both tools get the same
list of ``.sql`` files on the command line (in identical chunks when the list is longer
than one command line may be), run as subprocesses from an empty working directory (so no
project configuration applies), and are timed by wall clock from process start to exit.
Runs alternate between the tools, and the first of each pair alternates too.

pglint runs twice per round: from scratch (``--no-cache``: every file read, parsed and
checked, the figure to compare) and with its result cache warm (nothing changed since the
previous run, as in a pre-commit hook or a re-run CI job: the files are read and hashed,
the findings come from the cache).

A third pglint-side figure is the parsing floor (``bench/parse_floor.py``): the same files
read and parsed by pglast, one process per core, with nothing checked. It is what any
linter built on pglast in CPython pays before its first rule runs.

Reported: files per second for each (median of the rounds), the ratio of pglint's time to
Squawk's for both, and of the floor's (at most 1.0 means as fast or faster), and the median
start-up time of ``pglint check --no-cache`` on one small file (target: at most 150 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / ".." / "shared" / "corpus" / "sql"
STARTUP_TARGET_MS = 150.0
SMALL_MIGRATION = "ALTER TABLE accounts ADD COLUMN note text;\n"


def find_tool(name: str) -> list[str] | None:
    """The command for ``name``: next to this Python first (the venv), then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which(name)
    if found:
        return [found]
    if name == "pglint":
        return [sys.executable, "-m", "pglint"]
    return None


def corpus_files(root: Path) -> list[str]:
    """Every ``.sql`` file under ``root`` outside hidden folders, sorted."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(str(Path(folder, f)) for f in sorted(files) if f.endswith(".sql"))
    return found


def has_hidden_entries(root: Path) -> bool:
    """Whether any file or folder below ``root`` starts with a dot (globs may differ there)."""
    return any(name.startswith(".") for _, dirs, files in os.walk(root) for name in (*dirs, *files))


def argument_budget() -> int:
    """Bytes of file names one command line may carry, with room for the environment."""
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        limit = 128 * 1024
    environment = sum(len(k) + len(v) + 2 for k, v in os.environ.items())
    return max(16 * 1024, min(limit // 2, limit - environment - 64 * 1024))


def chunks(files: list[str], budget: int) -> list[list[str]]:
    """Split ``files`` so that no command line carries more than ``budget`` bytes of names."""
    out: list[list[str]] = [[]]
    size = 0
    for name in files:
        cost = len(os.fsencode(name)) + 1 + 8  # the name, its NUL and its argv pointer
        if out[-1] and size + cost > budget:
            out.append([])
            size = 0
        out[-1].append(name)
        size += cost
    return [c for c in out if c]


#: The tools' environment. An installed pglint has its bytecode compiled; in a checkout
#: with PYTHONDONTWRITEBYTECODE set every start would compile every module again, which
#: is not what users see. The warm-up run writes the cache (``__pycache__`` is ignored).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str], cwd: str, accept: tuple[int, ...] = (0, 1)) -> tuple[float, bytes]:
    """Wall-clock seconds of one run, and its standard output."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in accept:
        raise SystemExit(
            f"{command[0]} exited with {done.returncode}:\n"
            + done.stderr.decode("utf-8", "replace")[-2000:]
        )
    return elapsed, done.stdout


def run_all(base: list[str], groups: list[list[str]], cwd: str) -> tuple[float, list[bytes]]:
    total, outputs = 0.0, []
    for group in groups:
        elapsed, out = run([*base, *group], cwd)
        total += elapsed
        outputs.append(out)
    return total, outputs


def check_outputs(tool: str, outputs: list[bytes]) -> int:
    """Each run printed valid JSON; returns how many findings it reported."""
    count = 0
    for out in outputs:
        try:
            data = json.loads(out or b"[]")
        except ValueError as error:
            raise SystemExit(f"{tool} printed invalid JSON: {error}") from None
        if isinstance(data, dict):
            data = data.get("findings", data.get("results", []))
        count += len(data)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--startup-runs", type=int, default=21)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--explicit",
        action="store_true",
        help="name every file on the command line for both tools (default: pglint gets the "
        "folder and squawk the pattern FOLDER/**/*.sql, when no hidden entries make them differ)",
    )
    args = parser.parse_args(argv)

    root = Path(args.corpus).resolve()
    files = corpus_files(root)
    if not files:
        print(f"no .sql files under {root}", file=sys.stderr)
        return 2
    pglint = find_tool("pglint")
    squawk = find_tool("squawk")
    if squawk is None:
        print("squawk not found (pip install squawk-cli)", file=sys.stderr)
        return 2
    assert pglint is not None
    pglint_cmd = [*pglint, "check", "--format", "json", "--no-cache"]
    cached_cmd = [*pglint, "check", "--format", "json"]
    squawk_cmd = [*squawk, "--reporter", "json"]
    floor_cmd = [sys.executable, str(Path(__file__).with_name("parse_floor.py"))]
    explicit = args.explicit or has_hidden_entries(root)
    if explicit:
        groups = chunks(files, argument_budget())
        pglint_groups = squawk_groups = groups
    else:
        # The same files either way: pglint walks the folder for *.sql, squawk expands the
        # pattern; with no hidden entries below the folder the two sets are equal.
        pglint_groups, squawk_groups = [[str(root)]], [[f"{root}/**/*.sql"]]

    commands = {
        "pglint": (pglint_cmd, pglint_groups),
        "pglint-cached": (cached_cmd, pglint_groups),
        "squawk": (squawk_cmd, squawk_groups),
        "floor": (floor_cmd, pglint_groups),
    }
    with tempfile.TemporaryDirectory(prefix="pglint-bench-") as cwd:
        # Warm the page cache and the tools' imports once; this also fills pglint's cache
        # (in the temporary working directory, removed at the end).
        findings = {}
        for tool, (command, groups) in commands.items():
            _, out = run_all(command, groups, cwd)
            if tool != "floor":
                findings[tool] = check_outputs(tool, out)
        if findings["pglint-cached"] != findings["pglint"]:
            raise SystemExit("pglint reported different findings with its cache")

        times: dict[str, list[float]] = {tool: [] for tool in commands}
        for number in range(args.rounds):
            turn = number % len(commands)
            order = list(commands)[turn:] + list(commands)[:turn]
            for tool in order:
                command, groups = commands[tool]
                times[tool].append(run_all(command, groups, cwd)[0])

        small = Path(cwd, "0001_small.sql")
        small.write_text(SMALL_MIGRATION, encoding="utf-8")
        startup: dict[str, list[float]] = {"pglint": [], "squawk": []}
        for _ in range(args.startup_runs):
            startup["pglint"].append(run([*pglint_cmd, str(small)], cwd)[0])
            startup["squawk"].append(run([*squawk_cmd, str(small)], cwd)[0])

    median = {tool: statistics.median(values) for tool, values in times.items()}
    result = {
        "corpus": str(root),
        "files": len(files),
        "mode": "explicit file names" if explicit else "folder / glob",
        "invocations_per_run": len(pglint_groups),
        "rounds": args.rounds,
        "seconds": {tool: [round(v, 4) for v in values] for tool, values in times.items()},
        "files_per_second": {tool: round(len(files) / median[tool], 1) for tool in median},
        "findings": findings,
        "ratio_pglint_to_squawk": round(median["pglint"] / median["squawk"], 3),
        "ratio_cached_to_squawk": round(median["pglint-cached"] / median["squawk"], 3),
        "ratio_floor_to_squawk": round(median["floor"] / median["squawk"], 3),
        "startup_ms": {
            tool: round(statistics.median(values) * 1000, 1) for tool, values in startup.items()
        },
        "startup_target_ms": STARTUP_TARGET_MS,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"corpus: {root} ({len(files)} files; {result['mode']}; "
        f"{len(pglint_groups)} invocation(s) per run)"
    )
    labels = {"pglint": "pglint", "pglint-cached": "cached", "squawk": "squawk", "floor": "floor"}
    for tool, label in labels.items():
        runs = ", ".join(f"{v:.2f}" for v in times[tool])
        what = f"{findings[tool]} findings" if tool in findings else "pglast parse only"
        print(
            f"{label:>7}: {result['files_per_second'][tool]:>8.1f} files/s "
            f"(median {median[tool]:.3f} s; runs {runs} s; {what})"
        )
    ratios = (
        ("pglint", "ratio_pglint_to_squawk"),
        ("cached", "ratio_cached_to_squawk"),
        ("floor", "ratio_floor_to_squawk"),
    )
    for name, key in ratios:
        ratio = result[key]
        verdict = "as fast or faster" if ratio <= 1.0 else "slower"
        print(f"  ratio: {ratio:.3f} ({name} time / squawk time; {name} is {verdict})")
    target = "meets" if result["startup_ms"]["pglint"] <= STARTUP_TARGET_MS else "misses"
    print(
        f"startup: pglint check --no-cache on one small file {result['startup_ms']['pglint']:.1f} ms "
        f"(median of {args.startup_runs}; {target} the {STARTUP_TARGET_MS:.0f} ms target); "
        f"squawk {result['startup_ms']['squawk']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
