"""Make Pagefind's bundle byte-identical from one build to the next.

Pagefind keeps its filters in hash maps, so each run writes the filter values (and the list
of filters in each language's metadata) in a random order; the file names are hashes of the
content, so the names, the metadata and the entry file all change too. ``canonicalise``
rewrites each filter file with its values sorted, names it after its new content, and
rewrites the metadata and the entry file to point at the new names. The files are gzip'd
CBOR after a ``pagefind_dcd`` signature; the small CBOR codec below covers what they use.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

SIGNATURE = b"pagefind_dcd"
FILTERS = 3  # position of the [name, file hash] list in a language's metadata


class BundleError(Exception):
    """The bundle does not have the shape this Pagefind version writes."""


def read_uint(data: bytes, at: int, info: int) -> tuple[int, int]:
    if info < 24:
        return info, at
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None:
        raise BundleError(f"unsupported CBOR length {info}")
    return int.from_bytes(data[at:at + size], "big"), at + size


def decode(data: bytes, at: int = 0) -> tuple[Any, int]:
    """One CBOR item (integer, bytes, text, array, map) from ``data[at:]``."""
    major, info = data[at] >> 5, data[at] & 31
    value, at = read_uint(data, at + 1, info)
    if major in (0, 1):
        return (value if major == 0 else -1 - value), at
    if major in (2, 3):
        raw = data[at:at + value]
        return (raw.decode("utf-8") if major == 3 else bytes(raw)), at + value
    if major in (4, 5):
        items = []
        for _ in range(value * (2 if major == 5 else 1)):
            item, at = decode(data, at)
            items.append(item)
        return (items if major == 4 else dict(zip(items[::2], items[1::2], strict=True))), at
    raise BundleError(f"unsupported CBOR major type {major}")


def head(major: int, value: int) -> bytes:
    """A CBOR initial byte and length in the shortest form (as Pagefind writes it)."""
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise BundleError("integer too large")


def encode(value: Any) -> bytes:
    if isinstance(value, bool) or value is None:
        raise BundleError("unsupported CBOR value")
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return head(3, len(raw)) + raw
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    raise BundleError(f"unsupported CBOR value {type(value).__name__}")


def read_file(path: Path) -> Any:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise BundleError(f"{path.name}: not a Pagefind data file")
    value, end = decode(data, len(SIGNATURE))
    if end != len(data):
        raise BundleError(f"{path.name}: trailing bytes")
    return value


def write_file(folder: Path, stem: str, suffix: str, value: Any, digits: int) -> str:
    """Write ``value`` as ``<stem>_<hash>.<suffix>``-style file; returns ``<stem>_<hash>``."""
    data = SIGNATURE + encode(value)
    name = f"{stem}_{hashlib.sha256(data).hexdigest()[:digits]}"
    (folder / f"{name}{suffix}").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    return name


def sorted_filter(path: Path) -> Any:
    """A filter file's content with its values in sorted order."""
    name, values = read_file(path)
    return [name, sorted(values, key=lambda item: item[0])]


def canonical_language(bundle: Path, lang: str, meta_hash: str) -> str:
    """Rewrite one language's filters and metadata; returns the metadata's new hash."""
    meta_path = bundle / f"pagefind.{meta_hash}.pf_meta"
    meta = read_file(meta_path)
    filters = []
    for name, file_hash in sorted(meta[FILTERS]):
        old = bundle / "filter" / f"{file_hash}.pf_filter"
        content = sorted_filter(old)
        old.unlink()
        filters.append([name, write_file(bundle / "filter", lang, ".pf_filter", content, 7)])
    meta[FILTERS] = filters
    meta_path.unlink()
    return write_file(bundle, f"pagefind.{lang}", ".pf_meta", meta, 10).removeprefix(
        "pagefind.")


def canonicalise(bundle: Path) -> None:
    """Sort every filter of every language and repoint the metadata and the entry file."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for lang, info in sorted(entry.get("languages", {}).items()):
        info["hash"] = canonical_language(bundle, lang, info["hash"])
    entry_path.write_text(json.dumps(entry, sort_keys=True, separators=(",", ":")),
                          encoding="utf-8")
