"""pglint: a linter for PostgreSQL migrations."""

__version__ = "0.1.0"
