"""dbmate: -- migrate:up / -- migrate:down sections, transaction:false per block."""

from __future__ import annotations

from pglint.layouts import detect
from pglint.layouts.base import Reader
from tests.layouts.helpers import labels, messages, one_set, section

FILE = """-- a comment before the blocks is fine
-- migrate:up
create table users (id integer);

create index users_id on users (id);

-- migrate:down
drop table users;
"""


def test_sections_have_real_offsets(tree):
    files = tree({"db/migrations/20151129054053_test_migration.sql": FILE})
    mset = one_set(files)
    assert mset.layout == "dbmate"
    migration = mset.migrations[0]
    text = files[0].read_text()
    (up,), (down,) = migration.up, migration.down
    assert up.start == text.index("create table")
    assert up.end == text.index("-- migrate:down")
    assert section(down).strip() == "drop table users;"
    assert migration.version == "20151129054053"
    assert migration.transaction is True and migration.transaction_of(down) is True


def test_transaction_false_per_block(tree):
    files = tree(
        {
            "db/1_a.sql": "-- migrate:up transaction:false\ncreate index concurrently i on t (id);\n"
            "-- migrate:down\ndrop index i;\n",
            "db/2_b.sql": "-- migrate:up\ncreate index j on t (id);\n"
            "-- migrate:down transaction:false\ndrop index concurrently j;\n",
            "db/3_c.sql": "-- migrate:up transaction:false\ncreate index k on t (x);\ncreate index l on t (y);\n"
            "-- migrate:down\n",
        }
    )
    first, second, third = one_set(files).migrations
    assert first.transaction is False
    assert first.transaction_of(first.down[0]) is True
    assert second.transaction is True
    assert second.down_transaction is False
    assert second.transaction_of(second.down[0]) is False
    assert third.transaction is True  # two statements sent as one query
    assert "implicit transaction" in third.transaction_reason


def test_several_sections_in_one_file(tree):
    files = tree(
        {
            "db/1_multi.sql": "-- migrate:up\nselect 1;\n-- migrate:down\nselect -1;\n"
            "-- migrate:up transaction:false\nselect 2;\n-- migrate:down\nselect -2;\n"
        }
    )
    migration = one_set(files).migrations[0]
    assert [section(p).strip() for p in migration.up] == ["select 1;", "select 2;"]
    assert [section(p).strip() for p in migration.down] == ["select -1;", "select -2;"]
    assert [migration.transaction_of(p) for p in migration.up] == [True, False]


def test_order_is_file_name_order_and_dash_names_work(tree):
    files = tree(
        {
            "db/init/00000000000001-auth-schema.sql": "-- migrate:up\nselect 1;\n-- migrate:down\n",
            "db/init/00000000000000-initial-schema.sql": "-- migrate:up\nselect 0;\n-- migrate:down\n",
        }
    )
    mset = one_set(files)
    assert mset.layout == "dbmate"
    assert labels(mset) == ["00000000000000_initial-schema", "00000000000001_auth-schema"]


def test_problems(tree):
    files = tree(
        {
            "db/1_a.sql": "-- migrate:up\nselect 1;\n-- migrate:down\n",
            "db/1_b.sql": "-- migrate:up\nselect 1;\n-- migrate:down\n",
            "db/2_no_down.sql": "-- migrate:up\nselect 2;\n",
            "db/3_stmt_first.sql": "select 0;\n-- migrate:up\nselect 3;\n-- migrate:down\n",
            "db/4_no_up.sql": "select 4;\n",
            "db/seed.sql": "select 5;\n",
        }
    )
    mset = one_set(files)
    found = messages(mset)
    assert any(m.startswith("duplicate migration version 1:") for m in found)
    assert any(
        "2_no_down.sql has a '-- migrate:up' block without its '-- migrate:down'" in m
        for m in found
    )
    assert any("3_stmt_first.sql has statements before '-- migrate:up'" in m for m in found)
    assert any("4_no_up.sql has no '-- migrate:up' block" in m for m in found)
    assert any("seed.sql does not start with a version number" in m for m in found)


def test_not_detected_without_markers(tree):
    files = tree({"db/1_a.sql": "select 1;", "db/2_b.sql": "select 2;"})
    assert detect(files[0].parent, files, Reader()).name == "plain"


# What dbmate's PostgreSQL driver writes: pg_dump's output, then its own block.
SCHEMA_DUMP = """SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

CREATE TABLE public.users (
    id integer
);

CREATE TABLE public.schema_migrations (
    version character varying(128) NOT NULL
);

--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20151129054053'),
    ('20151129054054');
"""


def test_schema_dump_is_recognised():
    from pglint.layouts.dbmate import is_schema_dump

    assert is_schema_dump(SCHEMA_DUMP)
    assert is_schema_dump(SCHEMA_DUMP.replace("\n", "\r\n"))
    # no migration applied yet: the block without its INSERT
    assert is_schema_dump(SCHEMA_DUMP.split("INSERT")[0])
    # the marker with statements after it is not a dump's end
    assert not is_schema_dump(SCHEMA_DUMP + "DROP TABLE users;\n")
    assert not is_schema_dump(FILE)


def test_schema_dump_beside_the_migrations_is_ignored(tree):
    from pglint.layouts import find_sets

    files = tree(
        {
            "db/migrations/20151129054053_test_migration.sql": FILE,
            "db/schema.sql": SCHEMA_DUMP,
        }
    )
    dump = files[1]
    assert dump.name == "schema.sql"
    sets = {s.root.name: s for s in find_sets(files, Reader(), complete=True)}
    assert labels(sets["migrations"]) == ["20151129054053_test_migration"]
    assert sets["db"].migrations == []
    assert sets["db"].ignored == {
        dump: "dbmate schema dump (written by dbmate dump), not a migration"
    }
    # named alone (pre-commit), it is still not a migration
    (alone,) = find_sets([dump], Reader(), complete=True)
    assert alone.migrations == [] and list(alone.ignored) == [dump]


def test_schema_dump_in_the_migrations_folder_is_ignored(tree):
    files = tree(
        {
            "db/migrations/20151129054053_test_migration.sql": FILE,
            "db/migrations/schema.sql": SCHEMA_DUMP,
        }
    )
    mset = one_set(files)
    assert mset.layout == "dbmate"
    assert labels(mset) == ["20151129054053_test_migration"]
    assert messages(mset) == []
    assert [p.name for p in mset.ignored] == ["schema.sql"]
