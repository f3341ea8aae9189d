"""The parsing floor: read and parse every ``.sql`` file with pglast, and nothing else.

Usage::

    python bench/parse_floor.py PATH...

Each file is read as UTF-8, parsed by ``pglast.parser.parse_sql_json`` and its JSON decoded
by ``json.loads``, which is the first step of every pglint run; nothing is checked or
printed but the number of statements. The files are shared between one process per core,
as pglint shares its migration sets. ``bench.py`` times this beside pglint and Squawk: no
pglint built on pglast in CPython can lint the files in less time than this takes.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from pglast.parser import ParseError, parse_sql_json


def sql_files(paths: list[str]) -> list[str]:
    """The named files, and every ``.sql`` file under the named folders."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for folder, _, names in os.walk(path):
                found += [os.path.join(folder, n) for n in names if n.endswith(".sql")]
        else:
            found.append(path)
    return sorted(found)


def parse_all(files: list[str]) -> int:
    """How many statements ``files`` hold (files that do not parse count none)."""
    statements = 0
    for name in files:
        try:
            with open(name, encoding="utf-8") as handle:
                text = handle.read()
            statements += len(json.loads(parse_sql_json(text)).get("stmts", ()))
        except (OSError, UnicodeDecodeError, ParseError):
            continue
    return statements


def main(paths: list[str]) -> int:
    files = sql_files(paths)
    workers = os.cpu_count() or 1
    # As pglint does: parse trees are many small containers the collector need not scan.
    gc.freeze()
    gc.set_threshold(10_000, 20, 100)
    with ProcessPoolExecutor(workers, multiprocessing.get_context("fork")) as pool:
        statements = sum(pool.map(parse_all, [files[i::workers] for i in range(workers)]))
    print(json.dumps({"files": len(files), "statements": statements}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
