"""Byte-offset to character-offset mapping (pglast reports byte offsets)."""

from __future__ import annotations

from pglint.sources.positions import OffsetMap
from pglint.sources.sql import parse_sql


def _reference(text: str, byte_offset: int) -> int:
    """The character count of the UTF-8 prefix, decoded directly."""
    return len(text.encode("utf-8")[: max(0, byte_offset)].decode("utf-8", errors="ignore"))


def test_every_byte_offset_of_a_mixed_file_maps_to_its_character():
    # Many index chunks, ASCII ones among them, with 2-, 3- and 4-byte characters on
    # chunk boundaries too.
    text = "".join(
        f"-- é{i} 日本 😀\nSELECT '{'x' * (i % 7)}';\n" + "SELECT 1;\n" * (i % 60)
        for i in range(300)
    )
    size = len(text.encode("utf-8"))
    locate = OffsetMap(text, base=5)
    for byte_offset in [-3, *range(size + 1), size + 10]:
        assert locate(byte_offset) == 5 + _reference(text, byte_offset), byte_offset


def test_ascii_text_maps_one_to_one():
    locate = OffsetMap("SELECT 1;", base=3)
    assert [locate(0), locate(7), locate(-1)] == [3, 10, 3]


def test_statements_after_non_ascii_text_far_into_a_file_are_cut_where_they_are():
    body = "".join(f"INSERT INTO t VALUES ({i}, 'é{i}');\n" for i in range(2000))
    text = "-- café\n" + body
    statements = parse_sql(text).statements
    assert len(statements) == 2000
    assert text[statements[-1].start : statements[-1].end] == "INSERT INTO t VALUES (1999, 'é1999')"
