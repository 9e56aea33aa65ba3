"""Listing the built site again at the cost of one ``stat`` per folder.

Every stage after the pages reads the site's file list (sitemap, search index, link and
privacy checks, the incremental manifest), and a republish makes it again for a site that
changed in a few dozen of its 150,000 folders. Scanning every folder (open, read, close)
took 1.6-2.3 s of a national republish, most of it in the kernel. A folder's entries
change only with its own modification time, so a walk records each folder's identity
(inode, modification and change times) with its sorted entries, and the next walk of the
same tree only scans the folders whose identity moved. Git's untracked cache relies on the
same property.

Why this is safe:

- a folder is trusted only when its inode and both times are exactly what the table
  recorded; creating, removing or renaming an entry sets them to the current time;
- timestamps come from a coarse clock, so a change made within the same tick as the
  recorded time could leave them equal. A folder whose recorded times are less than
  ``RACY_NS`` before the walk that recorded them is never trusted (it is scanned again),
  as Git does with racily clean entries;
- only the names come from the table: every file's ``stat`` is made fresh when a consumer
  asks for it, so an edit in place (which does not touch its folder) is still seen.
"""

from __future__ import annotations

import array
import itertools
import operator
import os
import stat
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

#: How long before a walk a folder's recorded change must lie for the folder to be trusted
#: by the next walk (see the module's docstring).
RACY_NS = 2_000_000_000


class Folder(NamedTuple):
    """What a walk saw of one folder: its identity and its entries, sorted by name, a
    folder's name with a trailing ``/``."""

    ino: int
    mtime_ns: int
    ctime_ns: int
    names: tuple[str, ...]


@dataclass
class FolderTable:
    """Every folder a walk went through (``""`` the root, ``"a/b/"`` below it), and when
    the walk started (``time.time_ns()``)."""

    walked_at: int
    folders: dict[str, Folder]

    def to_columns(self) -> tuple:
        """Plain columns (paths, identities as one array of integers, names joined) that
        pickle in a tenth of the time 150,000 tuples take."""
        records = self.folders.values()
        numbers = array.array("q", itertools.chain.from_iterable(r[:3] for r in records))
        return (self.walked_at, list(self.folders), numbers.tobytes(),
                ["\0".join(r.names) for r in records])

    @classmethod
    def from_columns(cls, columns: tuple) -> FolderTable | None:
        """The table :meth:`to_columns` describes; None if the columns do not fit."""
        try:
            walked_at, paths, identities, names = columns
            numbers = array.array("q")
            numbers.frombytes(identities)
            if len(numbers) != 3 * len(paths) or len(names) != len(paths):
                return None
            each = iter(numbers)
            records = map(tuple.__new__, itertools.repeat(Folder), zip(
                each, each, each, (tuple(n.split("\0")) if n else () for n in names),
                strict=True))
            return cls(int(walked_at), dict(zip(paths, records, strict=True)))
        except (TypeError, ValueError):
            return None


class Found:
    """A file listed from a trusted folder: the part of ``os.DirEntry`` the listing's
    readers use (``path``, ``name``, ``stat``), the ``stat`` made at first use."""

    __slots__ = ("_lstat", "name", "path")

    def __init__(self, path: str, name: str) -> None:
        self.path, self.name, self._lstat = path, name, None

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        if self._lstat is None:
            self._lstat = os.stat(self.path, follow_symlinks=False)
        if follow_symlinks and stat.S_ISLNK(self._lstat.st_mode):
            return os.stat(self.path)
        return self._lstat

    def __repr__(self) -> str:
        return f"<Found {self.name!r}>"


ENTRY_NAME = operator.attrgetter("name")


def entries_by_name(folder: str) -> list[os.DirEntry]:
    """A folder's entries sorted by name: the order of the walk."""
    with os.scandir(folder) as entries:
        return sorted(entries, key=ENTRY_NAME)


def site_files(root: str, known: FolderTable | None = None
               ) -> tuple[list[tuple[str, Any]], FolderTable]:
    """Every file under ``root`` (relative path and an entry; links to folders not
    followed), sorted as sorted ``Path`` objects are (part by part), and the table of this
    walk for the next one. ``checks.site_files`` is this walk without a table.

    Each folder's names sorted and a folder's files listed where its name sorts give that
    order without sorting the whole list (0.4 s for a national site). ``known``: the table
    of an earlier walk of this same tree (the spare's, kept with its manifest); its trusted
    folders are not scanned. One loop, no call per folder: most folders of a site hold one
    page, and the loop's own work per folder is what is left to pay once the scans are gone.
    """
    walked_at = time.time_ns()
    table: dict[str, Folder] = {}
    previous = {} if known is None else known.folders
    cutoff = 0 if known is None else known.walked_at - RACY_NS
    listing: list[tuple[str, Any]] = []
    add, recorded, lstat = listing.append, previous.get, os.lstat
    base = os.fspath(root) + "/"

    names, files = scan(base[:-1], "", table)
    stack = [(iter(names), "", files)]
    while stack:
        names, prefix, files = stack[-1]
        for name in names:
            if name[-1] != "/":
                entry = None if files is None else files.get(name)
                add((prefix + name, Found(base + prefix + name, name) if entry is None
                     else entry))
                continue
            folder = prefix + name
            record = recorded(folder)
            if record is not None and record[1] < cutoff and record[2] < cutoff:
                status = lstat(base + folder)
                if (status.st_ino == record[0] and status.st_mtime_ns == record[1]
                        and status.st_ctime_ns == record[2]):
                    table[folder] = record
                    stack.append((iter(record[3]), folder, None))
                    break
            inner, inner_files = scan(base + folder[:-1], folder, table)
            stack.append((iter(inner), folder, inner_files))
            break  # the folder's files first; this folder's names resume after them
        else:
            stack.pop()
    return listing, FolderTable(walked_at, table)


def scan(path: str, relative: str, table: dict[str, Folder]
         ) -> tuple[tuple[str, ...], dict[str, os.DirEntry]]:
    """Read one folder: its sorted names (recorded in ``table``) and its files' entries."""
    status = os.stat(path, follow_symlinks=False)  # before the scan: a later change shows
    names, files = [], {}
    for entry in entries_by_name(path):
        if entry.is_dir(follow_symlinks=False):
            names.append(entry.name + "/")
        elif entry.is_file():
            names.append(entry.name)
            files[entry.name] = entry
    table[relative] = Folder(status.st_ino, status.st_mtime_ns, status.st_ctime_ns,
                             tuple(names))
    return table[relative].names, files
