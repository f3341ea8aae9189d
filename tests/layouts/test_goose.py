"""goose: -- +goose Up/Down sections with real offsets, NO TRANSACTION, numeric versions."""

from __future__ import annotations

from tests.layouts.helpers import labels, messages, one_set, section

FILE = """-- a header comment
-- +goose Up
-- +goose StatementBegin
CREATE TABLE owners (id int);
-- +goose StatementEnd

CREATE INDEX owners_id ON owners (id);

-- +goose Down
DROP TABLE owners;
"""


def test_sections_have_real_offsets(tree):
    files = tree({"db/00001_owners.sql": FILE})
    mset = one_set(files)
    assert mset.layout == "goose"
    migration = mset.migrations[0]
    (up,), (down,) = migration.up, migration.down
    text = files[0].read_text()
    assert up.start == text.index("-- +goose StatementBegin")
    assert up.end == text.index("-- +goose Down")
    assert "CREATE INDEX owners_id" in section(up)
    assert "DROP TABLE" not in section(up)
    assert section(down).strip() == "DROP TABLE owners;"
    # line numbers survive: the statement at the offset is on its line in the file
    assert text[: text.index("CREATE TABLE")].count("\n") == 3
    assert text.find("CREATE TABLE", up.start) == text.index("CREATE TABLE")


def test_down_is_optional(tree):
    files = tree({"db/1_a.sql": "-- +goose Up\nSELECT 1;\n"})
    migration = one_set(files).migrations[0]
    assert migration.down is None
    assert section(migration.up[0]) == "SELECT 1;\n"


def test_annotations_are_case_insensitive(tree):
    files = tree({"db/1_a.sql": "-- +goose up\nSELECT 1;\n-- +goose down\nSELECT 2;\n"})
    migration = one_set(files).migrations[0]
    assert section(migration.up[0]).strip() == "SELECT 1;"
    assert section(migration.down[0]).strip() == "SELECT 2;"


def test_no_transaction_annotation(tree):
    files = tree(
        {
            "db/1_a.sql": "-- +goose Up\nCREATE TABLE t (id int);\n",
            "db/2_b.sql": "-- +goose NO TRANSACTION\n\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (id);\n"
            "-- +goose Down\nDROP INDEX CONCURRENTLY i;\n",
        }
    )
    first, second = one_set(files).migrations
    assert first.transaction is True
    assert second.transaction is False
    assert second.transaction_of(second.down[0]) is False
    assert "NO TRANSACTION" in second.transaction_reason


def test_versions_are_numeric(tree):
    files = tree(
        {
            "db/10_c.sql": "-- +goose Up\nSELECT 10;\n",
            "db/9_b.sql": "-- +goose Up\nSELECT 9;\n",
            "db/00001_a.sql": "-- +goose Up\nSELECT 1;\n",
            "db/20240115180414_ts.sql": "-- +goose Up\nSELECT 2024;\n",
        }
    )
    assert labels(one_set(files)) == ["00001_a", "9_b", "10_c", "20240115180414_ts"]


def test_problems(tree):
    files = tree(
        {
            "db/1_a.sql": "-- +goose Up\nSELECT 1;\n",
            "db/001_dup.sql": "-- +goose Up\nSELECT 1;\n",
            "db/2_no_up.sql": "SELECT 2;\n",
            "db/3_down_first.sql": "-- +goose Down\nSELECT 1;\n-- +goose Up\nSELECT 2;\n",
            "db/notes.sql": "-- +goose Up\nSELECT 0;\n",
        }
    )
    mset = one_set(files)
    assert mset.layout == "goose"
    found = messages(mset)
    assert any(m.startswith("duplicate migration version 1:") for m in found)
    assert any("2_no_up.sql has no '-- +goose Up' annotation" in m for m in found)
    assert any("3_down_first.sql has '-- +goose Down' before '-- +goose Up'" in m for m in found)
    assert any(m.startswith("notes.sql is not named") for m in found)
    down_first = next(m for m in mset.migrations if m.name == "down_first")
    assert section(down_first.up[0]).strip() == "SELECT 2;"
    assert down_first.down is None
