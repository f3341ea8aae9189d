"""Allow ``python -m pglint``."""

from pglint.cli import main

main()
