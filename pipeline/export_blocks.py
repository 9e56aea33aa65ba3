"""Files made of blocks of rows, so that a changed row costs its block, not its file.

A republish after one corrected title used to write the whole national ``projects.csv``,
``projects.json`` and the workbook's projects sheet again, and compress the sheet and the
ZIP's CSV member again: about two seconds of the export for 50,000 rows, nearly all of it
for rows that had not changed. Here each of those is cut into blocks of ``ROWS`` rows. A
block has a *key* (a SHA-256 of what its bytes depend on: the resource's shape, where the
block starts, and the hashes of its rows), and the export's manifest records where each
block lies in the file it wrote. The next export takes an unchanged block's bytes from the
previous file (checked whole against its SHA-256 first, ``export_cache.OutputFiles``) and
makes only the others.

Compressed members are cut the same way: each piece is deflated on its own and ends on a
byte boundary (a sync flush), so the pieces of two archives can be joined into one valid
deflate stream; their CRC-32s combine without the data (``crc32_combine``). A full export
cuts and compresses exactly as a republish does, so the two give the same bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.export_cache import Deflated, digest, raw_deflate

#: Rows per block: a changed row re-makes 1,000 rows; 50 blocks for the national projects.
ROWS = 1000

#: The end of every blocked deflate stream: an empty final block.
FINAL_BLOCK = raw_deflate().flush()


@dataclass(frozen=True)
class Block:
    """Rows ``start`` to ``stop`` (excluded) of a resource, and what their bytes depend on."""

    key: str
    start: int
    stop: int


def row_blocks(shape: str, hashes: np.ndarray, rows: int | None = None) -> list[Block]:
    """The blocks of a resource whose rows hash to ``hashes`` (``export_cache.row_hashes``);
    ``shape``: a key of everything else the blocks' bytes depend on (code, schema, file)."""
    size = rows or ROWS
    return [Block(digest(shape, str(start), hashes[start:start + size].tobytes()), start,
                  min(start + size, len(hashes)))
            for start in range(0, len(hashes), size)]


# -- plain files: a prefix, the blocks joined by a separator, a suffix -----------------------

def joined(prefix: bytes, blocks: Sequence[Block], make: Callable[[Block], bytes],
           separator: bytes, suffix: bytes, previous: bytes | None = None,
           recorded: Sequence[Sequence] = ()) -> tuple[bytes, list[list]]:
    """The file, and where each block lies in it ([key, offset, length]).

    ``previous`` is the file the last export wrote (checked against its recorded hash) and
    ``recorded`` where its blocks lay: a block whose key is among them is copied from it.
    """
    known = {} if previous is None else {key: (offset, length)
                                         for key, offset, length in recorded}
    parts, places, offset = [prefix], [], len(prefix)
    for number, block in enumerate(blocks):
        if number:
            parts.append(separator)
            offset += len(separator)
        at = known.get(block.key)
        data = previous[at[0]:at[0] + at[1]] if at else make(block)
        parts.append(data)
        places.append([block.key, offset, len(data)])
        offset += len(data)
    parts.append(suffix)
    return b"".join(parts), places


# -- compressed members: pieces deflated one by one -------------------------------------------

def deflated_piece(data: bytes) -> tuple[bytes, int, int]:
    """(raw deflate of ``data`` ending on a byte boundary, its CRC-32, its length)."""
    compressor = raw_deflate()
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(data),
            len(data))


def deflated(head: bytes, blocks: Sequence[Block], make: Callable[[Block], bytes],
             tail: bytes, previous: bytes | None = None,
             recorded: Sequence[Sequence] = ()) -> tuple[Deflated, list[list]]:
    """A ZIP member made of ``head``, the blocks and ``tail``, compressed piece by piece, and
    where each block's piece lies in it ([key, offset, compressed length, length, CRC]).

    ``previous``: the compressed member the last export wrote, ``recorded`` its blocks.
    """
    known = {} if previous is None else {key: (offset, raw, size, crc)
                                         for key, offset, raw, size, crc in recorded}
    first = deflated_piece(head)
    parts, places = [first[0]], []
    crc, size, offset = first[1], first[2], len(first[0])
    for block in blocks:
        at = known.get(block.key)
        piece = ((previous[at[0]:at[0] + at[1]], at[3], at[2]) if at
                 else deflated_piece(make(block)))
        parts.append(piece[0])
        places.append([block.key, offset, len(piece[0]), piece[2], piece[1]])
        crc, size, offset = crc32_combine(crc, piece[1], piece[2]), size + piece[2], \
            offset + len(piece[0])
    last = deflated_piece(tail)
    parts += [last[0], FINAL_BLOCK]
    return Deflated(crc32_combine(crc, last[1], last[2]), size + last[2], b"".join(parts)), places


# -- CRC-32 of joined data from the parts' CRCs (zlib's crc32_combine) -------------------------

POLYNOMIAL = 0xEDB88320


def multiply(a: int, b: int) -> int:
    """a * b modulo the CRC-32 polynomial (bit-reflected, as zlib's ``multmodp``)."""
    product, bit = 0, 1 << 31
    while True:
        if a & bit:
            product ^= b
            if not a & (bit - 1):
                return product
        bit >>= 1
        b = (b >> 1) ^ POLYNOMIAL if b & 1 else b >> 1


def powers() -> list[int]:
    """x^(2^n) modulo the polynomial, n = 0..31 (zlib's ``x2n_table``)."""
    table, power = [], 1 << 30  # x^1
    for _ in range(32):
        table.append(power)
        power = multiply(power, power)
    return table


X2N = powers()


def crc32_combine(first: int, second: int, length: int) -> int:
    """The CRC-32 of A + B from A's CRC, B's CRC and B's length: Python's zlib has no
    ``crc32_combine``, and without it the data of every unchanged block would have to be
    decompressed to be summed."""
    shift, n, k = 1 << 31, length, 3  # x^(8 * length): 2^3 bits per byte
    while n:
        if n & 1:
            shift = multiply(X2N[k & 31], shift)
        n >>= 1
        k += 1
    return multiply(shift, first) ^ second
