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
import json
import os
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

MANIFEST = "export.json"
SOURCES = ("export.py", "export_cache.py", "spreadsheet.py", "catalog.py")


@dataclass(frozen=True)
class Stored:
    """A written file as the descriptor and catalogues describe it: size and SHA-256."""

    bytes: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> Stored:
        return cls(len(data), hashlib.sha256(data).hexdigest())


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
    types = json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()])
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return digest(types, rows.tobytes())


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
    if not path.is_file() or path.stat().st_size != entry["bytes"]:
        return False
    return Stored.of(path.read_bytes()).sha256 == entry["sha256"]


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

    def put(self, rel: str, key: str | None, produce: Callable[[], bytes]) -> Stored:
        """Link the previous file when its key is unchanged; otherwise produce and write it."""
        entry = self.reusable(rel, key)
        if entry is not None:
            link_or_copy(self.previous / rel, self.out_dir / rel)
            self.linked.append(rel)
            stored = Stored(entry["bytes"], entry["sha256"])
        else:
            data = produce()
            write_new(self.out_dir / rel, data)
            stored = Stored.of(data)
        if key is not None:
            self.entries[rel] = {"key": key, "bytes": stored.bytes, "sha256": stored.sha256}
        return stored

    def save(self, cache_dir: Path | None) -> None:
        """Record this export's keys for the next one (nothing when there is no cache)."""
        if cache_dir is None:
            return
        document = {"files": dict(sorted(self.entries.items()))}
        write_new(Path(cache_dir) / MANIFEST,
                  (json.dumps(document, indent=1) + "\n").encode("utf-8"))
