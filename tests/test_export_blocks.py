"""Files made of blocks of rows: joined and compressed piece by piece, copied when unchanged."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from pipeline.export_blocks import Block, crc32_combine, deflated, joined, row_blocks


@pytest.mark.parametrize("length", [0, 1, 3, 8, 255, 4096, 1_000_003])
def test_crc32_combine_is_the_crc_of_the_joined_data(length):
    chance = random.Random(length)
    first, second = chance.randbytes(chance.randrange(50)), chance.randbytes(length)
    assert zlib.crc32(first + second) == crc32_combine(zlib.crc32(first), zlib.crc32(second),
                                                       len(second))


def numbered(block: Block) -> bytes:
    return "".join(f"row {n};" for n in range(block.start, block.stop)).encode()


@pytest.fixture
def blocks() -> list[Block]:
    return row_blocks("shape", np.arange(10, dtype=np.uint64), rows=4)


def test_blocks_cover_the_rows_in_order(blocks):
    assert [(0, 4), (4, 8), (8, 10)] == [(b.start, b.stop) for b in blocks]


@pytest.mark.parametrize(("change", "changed"), [
    (lambda h: h, set()),
    (lambda h: np.where(np.arange(10) == 5, 99, h), {1}),
    (lambda h: h[:9], {2}),
])
def test_a_block_s_key_changes_with_its_rows_only(blocks, change, changed):
    again = row_blocks("shape", change(np.arange(10, dtype=np.uint64)).astype(np.uint64), rows=4)
    assert changed == {n for n, (a, b) in enumerate(zip(blocks, again, strict=True))
                       if a.key != b.key}


def test_a_block_s_key_depends_on_the_shape(blocks):
    other = row_blocks("another shape", np.arange(10, dtype=np.uint64), rows=4)
    assert not {b.key for b in blocks} & {b.key for b in other}


def test_joined_is_prefix_blocks_and_suffix_and_records_where_each_lies(blocks):
    data, places = joined(b"[", blocks, numbered, b",", b"]")
    assert b"[" + b",".join(map(numbered, blocks)) + b"]" == data
    assert [numbered(b) for b in blocks] == [data[o:o + n] for _, o, n in places]


def test_joined_copies_recorded_blocks_and_makes_the_others(blocks):
    previous, places = joined(b"[", blocks, numbered, b",", b"]")
    previous = previous.replace(b"row 1;", b"ROW 1;")  # shows where a block came from
    made: list[int] = []

    def making(block: Block) -> bytes:
        made.append(block.start)
        return numbered(block)

    changed = [blocks[0], Block("new key", 4, 8), blocks[2]]
    data, _ = joined(b"[", changed, making, b",", b"]", previous, places)
    assert ([4], b"row 0;ROW 1;") == (made, data[1:13])


@pytest.mark.parametrize(("head", "tail"), [(b"", b""), (b"<head>", b"</tail>")])
def test_deflated_pieces_make_one_member_with_its_crc_and_size(blocks, head, tail):
    member, places = deflated(head, blocks, numbered, tail)
    text = head + b"".join(map(numbered, blocks)) + tail
    assert (text, zlib.crc32(text), len(text)) == (zlib.decompress(member.raw, -15),
                                                    member.crc, member.size)
    assert [b.key for b in blocks] == [key for key, *_ in places]


def test_deflated_copies_recorded_pieces(blocks):
    previous, places = deflated(b"<h>", blocks, numbered, b"</t>")
    made: list[int] = []

    def making(block: Block) -> bytes:
        made.append(block.start)
        return numbered(block).upper()

    changed = [blocks[0], Block("new key", 4, 8), blocks[2]]
    member, _ = deflated(b"<h>", changed, making, b"</t>", previous.raw, places)
    text = b"<h>" + numbered(blocks[0]) + numbered(blocks[1]).upper() + numbered(blocks[2]) \
        + b"</t>"
    assert ([4], text, zlib.crc32(text)) == (made, zlib.decompress(member.raw, -15), member.crc)
