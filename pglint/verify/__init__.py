"""``pglint verify``: run migrations on a real PostgreSQL server and check what they do.

Modules: :mod:`.cluster` (a throwaway server), :mod:`.dsn` (servers and scratch databases),
:mod:`.seed` (synthetic rows), :mod:`.trace` (locks, rewrites, reads and catalogue changes
per statement), :mod:`.compare` (observation against the static model),
:mod:`.roundtrip` (schema snapshots for rollbacks), :mod:`.runner` (the whole run),
:mod:`.output` and :mod:`.markdown` (rendering). psycopg is only imported by the modules
that talk to a server, never by ``pglint check``.
"""
