"""What the previous export wrote and from which inputs, so a republish links what is unchanged.

A republish after one corrected row must not rewrite 80 MB of downloads. Each file the export
writes gets a *key*: a SHA-256 of everything its bytes depend on (the resource's public
schema and typed values, the descriptor, and a salt made of the export's own sources and the
versions of the libraries that shape the bytes). The keys, sizes and hashes are kept in
``<cache>/export.json``. On the next export a file whose key is unchanged is hard-linked from
the previous output instead of regenerated, but only after the previous file's size and
SHA-256 are checked against the manifest: a file edited or left over from a failed build is
regenerated, so a linked file is always the byte-identical file a full export would write.

Files are never written in place: a new file is written under a temporary name and renamed,
so a path that is a hard link to the published output is replaced, never truncated.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MANIFEST = "export.json"
SOURCES = ("export.py", "export_cache.py", "export_blocks.py", "spreadsheet.py",
           "catalog.py")


@dataclass(frozen=True)
class Stored:
    """A written file as the descriptor and catalogues describe it: size and SHA-256."""

    bytes: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> Stored:
        return cls(len(data), hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Deflated:
    """One ZIP member compressed as ``zipfile`` compresses it (raw deflate at zlib's default
    level), with its CRC and size: what ``write_member`` needs, so a member unchanged since
    the previous archive is copied from it instead of compressed again."""

    crc: int
    size: int
    raw: bytes

    @classmethod
    def of(cls, data: bytes) -> Deflated:
        compressor = raw_deflate()
        return cls(zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


def raw_deflate() -> Any:
    """A compressor of raw deflate (no zlib header) at zlib's default level, as ``zipfile``
    compresses a member."""
    return zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)


def write_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, member: Deflated) -> None:
    """Append a compressed member to an archive being written to a seekable file, with the
    bytes ``ZipFile.writestr`` would write (``tests/test_export_cache.py`` compares them).

    ``zipfile`` cannot take compressed data, so this does what its writer does: the local
    header with the final sizes and CRC, the data, then the entry for the central directory.
    """
    if member.size * 1.05 > zipfile.ZIP64_LIMIT or len(member.raw) > zipfile.ZIP64_LIMIT:
        raise ValueError(f"{info.filename}: too large for a ZIP without ZIP64")
    info.file_size, info.compress_size, info.CRC = member.size, len(member.raw), member.crc
    info.flag_bits = 0
    if not info.external_attr:
        info.external_attr = 0o600 << 16
    archive.fp.seek(archive.start_dir)
    info.header_offset = archive.fp.tell()
    archive._writecheck(info)
    archive._didModify = True
    archive.fp.write(info.FileHeader(False))
    archive.fp.write(member.raw)
    archive.start_dir = archive.fp.tell()
    archive.filelist.append(info)
    archive.NameToInfo[info.filename] = info


def raw_members(data: bytes, names: set[str]) -> dict[str, Deflated]:
    """The deflated members ``names`` of a ZIP archive's bytes, without decompressing them."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename not in names or info.compress_type != zipfile.ZIP_DEFLATED:
                continue
            start = info.header_offset
            skip = int.from_bytes(data[start + 26:start + 28], "little") + \
                int.from_bytes(data[start + 28:start + 30], "little")
            raw = data[start + 30 + skip:start + 30 + skip + info.compress_size]
            found[info.filename] = Deflated(info.CRC, info.file_size, raw)
    return found


def digest(*parts: str | bytes) -> str:
    """One SHA-256 over several parts (each length-prefixed, so parts cannot run together)."""
    state = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        state.update(len(data).to_bytes(8, "big") + data)
    return state.hexdigest()


@cache
def salt() -> str:
    """The code and library versions that shape the bytes: a change in any rebuilds all."""
    import openpyxl

    here = Path(__file__).parent
    return digest(*(here.joinpath(name).read_bytes() for name in SOURCES),
                  openpyxl.__version__, pd.__version__, zlib.ZLIB_RUNTIME_VERSION)


@cache
def pipeline_salt() -> str:
    """Every pipeline source and the numeric libraries: for files made by other stages' code
    (statistics.json), whose dependencies the export cannot list one by one."""
    import numpy

    sources = sorted(Path(__file__).parent.rglob("*.py"))
    return digest(*(f"{p.name}\n".encode() + p.read_bytes() for p in sources),
                  pd.__version__, numpy.__version__)


def frame_digest(frame: pd.DataFrame) -> str:
    """A process-independent hash of a frame's columns, types and values, row order included."""
    return digest(column_types(frame), row_hashes(frame).tobytes())


def column_types(frame: pd.DataFrame) -> str:
    """The frame's column names and types, as text."""
    return json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()])


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash of each row's values (pandas' own, the same in every process)."""
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def write_new(path: Path, data: bytes) -> None:
    """Write ``path`` as a new file (temporary name, then rename): never through a link."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link ``source`` at ``target`` (a copy across file systems)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def file_matches(path: Path, entry: dict) -> bool:
    """The file on disk is still the one the manifest describes (size, then SHA-256)."""
    return recorded_bytes(path, entry) is not None


def recorded_bytes(path: Path, entry: dict) -> bytes | None:
    """The file's bytes when it is still the one the manifest describes, else None."""
    try:
        if not path.is_file() or path.stat().st_size != entry.get("bytes"):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if Stored.of(data).sha256 == entry.get("sha256") else None


def read_manifest(cache_dir: Path | None) -> dict[str, dict]:
    """The previous export's entries, path -> {key, bytes, sha256}; empty when unusable."""
    path = cache_dir / MANIFEST if cache_dir else None
    if path is None or not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8"))["files"])
    except (ValueError, KeyError, TypeError):
        return {}


@dataclass
class OutputFiles:
    """The export's output folder: each file produced, or linked from the previous output."""

    out_dir: Path
    previous: Path | None = None
    known: dict[str, dict] = field(default_factory=dict)
    entries: dict[str, dict] = field(default_factory=dict)
    linked: list[str] = field(default_factory=list)
    #: The last previous file read and checked (``previous_file``).
    last: tuple[str | None, tuple[bytes | None, dict]] = (None, (None, {}))

    @classmethod
    def open(cls, out_dir: Path, previous: Path | None, cache_dir: Path | None) -> OutputFiles:
        known = read_manifest(cache_dir) if previous is not None else {}
        return cls(Path(out_dir), Path(previous) if previous else None, known)

    def reusable(self, rel: str, key: str | None) -> dict | None:
        """The manifest entry when the previous output holds this very file, else None."""
        entry = self.known.get(rel)
        if key is None or self.previous is None or not entry or entry.get("key") != key:
            return None
        return entry if file_matches(self.previous / rel, entry) else None

    def put(self, rel: str, key: str | None, produce: Callable[[], bytes | tuple[bytes, dict]],
            members: dict[str, str] | None = None) -> Stored:
        """Link the previous file when its key is unchanged; otherwise produce and write it.

        ``members`` (an archive's member name -> key) is recorded so that the next export
        can copy the unchanged members' compressed bytes (``previous_members``). ``produce``
        may return, with the bytes, more to record (where its blocks lie, ``export_blocks``);
        a linked file keeps what was recorded of it.
        """
        entry = self.reusable(rel, key)
        extra: dict = {}
        if entry is not None:
            link_or_copy(self.previous / rel, self.out_dir / rel)
            self.linked.append(rel)
            stored = Stored(entry["bytes"], entry["sha256"])
            extra = {"blocks": entry["blocks"]} if "blocks" in entry else {}
        else:
            data = produce()
            if isinstance(data, tuple):
                data, extra = data
            write_new(self.out_dir / rel, data)
            stored = Stored.of(data)
        if key is not None:
            self.entries[rel] = {"key": key, "bytes": stored.bytes, "sha256": stored.sha256,
                                 **({"members": members} if members else {}), **extra}
        return stored

    def previous_file(self, rel: str) -> tuple[bytes | None, dict]:
        """The previous export's file ``rel`` and its manifest entry, once the file is
        checked to be the one recorded ((None, {}) otherwise). The last file asked for is
        kept: an archive's unchanged and changed members are asked for one after the other.
        """
        if self.last[0] == rel:
            return self.last[1]
        entry = self.known.get(rel) or {}
        data = (None if not entry or self.previous is None
                else recorded_bytes(self.previous / rel, entry))
        self.last = (rel, (data, entry) if data is not None else (None, {}))
        return self.last[1]

    def previous_blocks(self, rel: str) -> tuple[bytes | None, list]:
        """The previous file ``rel`` and where its blocks lie, when both are at hand."""
        if not (self.known.get(rel) or {}).get("blocks"):
            return None, []
        data, entry = self.previous_file(rel)
        return (data, entry["blocks"]) if data is not None else (None, [])

    def previous_members(self, rel: str, members: dict[str, str]) -> dict[str, Deflated]:
        """Compressed members of the previous archive ``rel`` made from the same inputs
        (same member key), once the archive is checked to be the one recorded."""
        recorded = (self.known.get(rel) or {}).get("members") or {}
        same = {name for name, key in members.items() if recorded.get(name) == key}
        return self.previous_pieces(rel, same)[0] if same else {}

    def previous_pieces(self, rel: str, names: set[str]) -> tuple[dict[str, Deflated], dict]:
        """The compressed members ``names`` of the previous archive ``rel`` as it was
        recorded, and what the manifest says of where their blocks lie."""
        data, entry = self.previous_file(rel)
        if data is None:
            return {}, {}
        try:
            return raw_members(data, names), entry.get("blocks") or {}
        except (zipfile.BadZipFile, ValueError):
            return {}, {}

    def save(self, cache_dir: Path | None) -> None:
        """Record this export's keys for the next one (nothing when there is no cache)."""
        if cache_dir is None:
            return
        document = {"files": dict(sorted(self.entries.items()))}
        write_new(Path(cache_dir) / MANIFEST,
                  (json.dumps(document, indent=1) + "\n").encode("utf-8"))
