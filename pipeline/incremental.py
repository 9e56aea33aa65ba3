"""Incremental republish: keep the pages whose inputs did not change, render only the rest.

A correction to one row touches a few dozen of a site's pages; rendering the other hundreds of
thousands again is what made a republish cost a full build. Every data page is a function of
its own inputs (``Page`` fields, its context, the context providers' extras) and of inputs
shared by the whole build (settings, the site's address list, the code lists, the theme, the
pipeline's code): Contract 1 in ``pipeline/pages.py`` guarantees that templates read nothing
else. So each page gets a *fingerprint* of all of those, and the build keeps, in a cache
folder beside the output (``.kc-cache/<output name>/pages.pickle``, never published), a
manifest of the file each fingerprint produced. The next build calls the ``Reuse`` object
(``KC_REUSE``) for every page before rendering it; when the fingerprint and the previous
file are both unchanged, the previous file is hard-linked into the staging folder and the
writer skips the page.

Why this is safe:

- the encoding is canonical and process-independent: ``pickle`` (exact types, dict order as
  rendered, floats exact, ``Markup`` distinct from ``str``) without its identity-based memo,
  with sets encoded sorted; a value pickle cannot encode makes the page "always render";
- a previous file is reused only if it is still the inode, size and mtime the manifest
  recorded (nobody replaced or edited it), and the manifest is trusted only for the output
  folder it describes (device and inode of the folder itself);
- a hard link shares its bytes with the published file, so a linked file must never be
  written in place: the writer skips it, and before the swap :meth:`Reuse.save_pending`
  checks that every linked file is still exactly what it was (or the build stops);
- the manifest is written as *pending* before the swap and promoted after it: a build killed
  anywhere leaves either the old manifest describing the old output, or a pending one
  describing the new output, never one that lies. A manifest that matches nothing only means
  a full build.

Double-buffered output. Linking every kept page into a fresh staging folder still costs a
``mkdir`` and a ``link`` per page (150,000 folders at national scale, about 50 µs each on
this project's disks), and the previous site then has to be deleted. So after the swap the
previous site is not deleted but kept as the *spare* (``<cache>/spare/``, with its manifest
``spare.pickle``), and the next build starts from it (:func:`take_spare`): the spare already
holds most pages as they will be (a page unchanged for two builds is the very file the
output holds), so such a page costs one ``stat``; a page that changed in the last build is
re-linked from the output; a changed page is written fresh as always. Every other file of
the spare (what Pelican, the export and the search index write) is removed first, from the
list its manifest keeps (``Manifest.others``), and the spare's pages that this build does not
make are removed after the pages (:meth:`Reuse.sweep`), so the staging folder ends up holding
exactly this build's files, as a fresh one would.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import io
import itertools
import os
import pickle
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

CACHE_FOLDER = ".kc-cache"
MANIFEST = "pages.pickle"
PENDING = "pages.pending.pickle"
#: The site of the build before last, kept to be the next build's staging site, and its
#: manifest.
SPARE = "spare"
SPARE_MANIFEST = "spare.pickle"
FORMAT = 4  # bump when the fingerprint or the manifest changes meaning
#: Libraries whose version changes what a page looks like.
RENDERING_LIBRARIES = ("jinja2", "markupsafe", "pelican", "babel", "markdown", "nh3")
SOURCE_SKIP = ("__pycache__",)


class ReuseError(Exception):
    """A hard-linked file was changed during the build: the build must stop."""


class SurveyMissed(Exception):
    """The site's addresses differ from the last build's, which the pages were rendered
    with: the pages must be rendered again after a survey (``pipeline/build.py`` does)."""


# -- fingerprints -------------------------------------------------------------------------------

class CanonicalPickler(pickle.Pickler):
    """Pickle without the identity memo (equal values, equal bytes) and with sets sorted.

    A set's iteration order follows string hashes, which change per process; sorting its
    elements by their own encoding makes the bytes depend on the values only.
    """

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is set or type(obj) is frozenset:
            items = [encode(item) for item in obj]
            if None in items:
                raise pickle.PicklingError("a set element cannot be encoded")
            return (type(obj).__name__, tuple(sorted(items)))
        return None


def encode(value: Any) -> bytes | None:
    """The canonical bytes of ``value``, or None when it cannot be encoded faithfully."""
    buffer = io.BytesIO()
    pickler = CanonicalPickler(buffer, protocol=5)
    pickler.fast = True  # no memo: sharing between objects must not change the bytes
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return None
    return buffer.getvalue()


def encode_fast(value: Any) -> bytes | None:
    """Like :func:`encode`, three times faster, for page contexts: C pickle without a hook.

    Sets are pickled in iteration order, which follows the process's string hashes: a page
    whose context held a set would get a new fingerprint in every process and always be
    rendered again (never wrongly reused: equal bytes still mean equal values). No page
    context holds one (``tests/test_incremental.py`` checks the sample site); build-wide
    values, which may, go through :func:`encode`.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return None
    return buffer.getvalue()


def digest(*parts: bytes | str) -> str:
    """A short, stable hash of the parts (blake2b: fast, and 128 bits is plenty here)."""
    joined = []  # one update: a national republish digests 180,000 pages of four parts
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        joined += (len(data).to_bytes(8, "little"), data)
    return hashlib.blake2b(b"".join(joined), digest_size=16).hexdigest()


def tree_digest(root: Path) -> str:
    """A hash of a file, or of every file under a folder (relative path and bytes), Python's
    bytecode caches excluded; a missing path hashes as such."""
    if root.is_file():
        return digest("file", root.read_bytes())
    parts: list[bytes | str] = []
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not any(skip in path.parts for skip in SOURCE_SKIP):
                parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return digest(str(root.is_dir()), *parts)


def library_versions() -> list[str]:
    """Installed versions of the rendering libraries (an upgrade may change every page)."""
    found = []
    for name in RENDERING_LIBRARIES:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    return found


def code_salt(sources: Iterable[Path], settings: Mapping[str, Any]) -> str:
    """What every page depends on besides the data: the ``sources`` (the theme with its
    translations, the pipeline's code, the settings files), the rendering libraries, Python,
    and the settings' values."""
    return digest(str(FORMAT), sys.version, *library_versions(),
                  *(tree_digest(path) for path in sources), *settings_parts(settings))


def settings_parts(settings: Mapping[str, Any]) -> list[bytes | str]:
    """Each setting as name and bytes; one that cannot be encoded (a function) by its type
    only, which the pipeline sources in the salt cover."""
    parts: list[bytes | str] = []
    for name in sorted(k for k in settings if k.isupper() and k not in VOLATILE_SETTINGS):
        value = settings[name]
        parts += [name, encode(value) or f"<{type(value).__module__}.{type(value).__name__}>"]
    return parts


#: Settings left out of the salt: this build's folders and objects (they differ every build
#: and are never rendered), and MARKDOWN, which Pelican's reader extends in place (so it
#: differs between the first and later builds of one process); Markdown reaches data pages
#: only through the stories, which are part of the build-wide values.
VOLATILE_SETTINGS = {"OUTPUT_PATH", "PATH", "KC_REUSE", "KC_PROGRESS", "KC_PACKAGE",
                     "KC_REPORT", "KC_IMAGES", "MARKDOWN", "KC_WORKERS", "KC_SITE_CACHE"}


#: Settings that builders copy into the pages that use them (``dataset_pages`` the download
#: list, ``quality_pages`` the report), so they are fingerprinted with those pages' contexts.
#: Templates never read them (``tests/test_incremental.py`` checks that no template names
#: them): left in the build-wide key, a change to any CSV would render every page again.
PAGE_INPUT_SETTINGS = ("KC_DOWNLOADS", "KC_DATA_DIR", "KC_REPORT")


def without_page_inputs(build_wide: Mapping[str, Any]) -> dict[str, Any]:
    """``build_wide`` minus the settings that only reach templates through page contexts."""
    settings = build_wide.get("settings")
    if not isinstance(settings, Mapping):
        return dict(build_wide)
    kept = {k: v for k, v in settings.items() if k not in PAGE_INPUT_SETTINGS}
    return {**build_wide, "settings": kept}


def page_fingerprint(build_key: str, rel_path: str, page: Any, lang: str,
                     context: Mapping[str, Any]) -> str | None:
    """Everything one page's bytes depend on, hashed; None when it cannot be encoded.

    ``context`` is the page's own context merged with the providers' extras; values of the
    page's own context that an extra shadows are still reachable as ``page.context`` in the
    template, so they are part of the fingerprint too.
    """
    own = getattr(page, "context", None) or {}
    shadowed = {k: v for k, v in own.items() if k not in context or context[k] is not v}
    encoded = encode_fast((*page_fields(rel_path, page, lang), context, shadowed))
    return None if encoded is None else digest(build_key, encoded)


def source_fingerprint(build_key: str, rel_path: str, page: Any, lang: str,
                       extras: Mapping[str, Any]) -> str | None:
    """The fingerprint of a keyed page (``Page.source``, ``pipeline/pages.py``): its own
    context is left unmade and stands in as its source; the providers' ``extras`` are
    encoded as for any page. Distinct from every ``page_fingerprint`` (a marker part)."""
    encoded = encode_fast((*page_fields(rel_path, page, lang), extras))
    return None if encoded is None else digest(build_key, b"source", page.source, encoded)


def page_fields(rel_path: str, page: Any, lang: str) -> tuple:
    """What every page's fingerprint holds besides its context: where and how it is written."""
    body = getattr(page, "body", None)  # one made on demand is covered by the page's source
    return (rel_path, lang, page.template, page.url, page.kind, page.title,
            None if callable(body) else body, getattr(page, "shared", False))


# -- the manifest -------------------------------------------------------------------------------

class Entry(NamedTuple):
    """One file of a published build: the fingerprint it was made from, and its identity.

    A tuple, not a dataclass: a national manifest holds 180,000 of them, read and written
    by every build."""

    key: str
    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, key: str, stat: os.stat_result) -> Entry:
        return cls(key, stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def same_file(self, stat: os.stat_result) -> bool:
        """Whether ``stat`` is still the file this entry recorded (not replaced, not edited)."""
        return (self.ino, self.size, self.mtime_ns) == (stat.st_ino, stat.st_size,
                                                         stat.st_mtime_ns)


@dataclass(frozen=True)
class Survey:
    """The first language's data pages: how many (for the progress bar) and their sorted
    addresses (``built_urls``, which menus and optional links read)."""

    count: int
    urls: tuple[str, ...]


@dataclass
class Manifest:
    """The fingerprints of the pages in one output folder, identified by device and inode."""

    dev: int
    ino: int
    pages: dict[str, Entry] = field(default_factory=dict)
    #: The data pages of the first language: how many, and their addresses (the survey).
    survey: Survey | None = None
    #: Every other file of the folder (what the export, Pelican and the search index
    #: wrote), from the build's walk of it; None when not known (then the folder cannot
    #: serve as a spare: its other files could not be cleared).
    others: tuple[str, ...] | None = None
    #: The cache file it was read from (not saved): :func:`keep_spare` moves that file.
    origin: str | None = field(default=None, compare=False)
    #: The folders of the build's walk of its site (``pipeline/listing.py``), as columns:
    #: read only when the folder becomes a spare that is walked again (:meth:`folder_table`).
    folders: tuple | None = field(default=None, compare=False)

    def folder_table(self) -> Any:
        """The walk's ``listing.FolderTable``, or None when not recorded or unreadable."""
        from pipeline.listing import FolderTable

        return None if self.folders is None else FolderTable.from_columns(self.folders)

    def describes(self, folder: Path) -> bool:
        try:
            stat = folder.stat()
        except OSError:
            return False
        return (self.dev, self.ino) == (stat.st_dev, stat.st_ino)

    def to_bytes(self) -> bytes:
        """Pickled columns: paths, keys, and the identities as one array of integers.

        A national build reads two manifests and writes two. JSON took 0.5 s each way;
        pickled tuples 0.3-0.4 s, mostly one Python call per entry to make it again.
        """
        survey = None if self.survey is None else (self.survey.count, self.survey.urls)
        entries = self.pages.values()
        identities = array.array("q", itertools.chain.from_iterable(e[1:] for e in entries))
        return pickle.dumps({"format": FORMAT, "dev": self.dev, "ino": self.ino,
                             "paths": list(self.pages), "keys": [e.key for e in entries],
                             "identities": identities.tobytes(), "survey": survey,
                             "others": self.others, "folders": self.folders}, protocol=5)

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest | None:
        """The manifest in ``data``; None for another format or anything unreadable (a
        missing manifest only means a full build). The cache is the build's own folder,
        written only by this module."""
        try:
            found = pickle.loads(data)  # our own cache, beside the output
            if not isinstance(found, dict) or found.get("format") != FORMAT:
                return None
            paths, keys = found["paths"], found["keys"]
            identities = array.array("q")
            identities.frombytes(found["identities"])
            if len(keys) != len(paths) or len(identities) != 3 * len(paths):
                return None
            numbers = iter(identities)  # (ino, size, mtime_ns) of each entry in turn
            entries = map(tuple.__new__, itertools.repeat(Entry),
                          zip(keys, numbers, numbers, numbers, strict=True))  # C calls only
            survey = None if found["survey"] is None else Survey(*found["survey"])
            others = found["others"]
            return cls(int(found["dev"]), int(found["ino"]), dict(zip(paths, entries, strict=True)),
                       survey, None if others is None else tuple(others),
                       folders=found.get("folders"))
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError,
                AttributeError, IndexError):
            return None


def cache_dir(output: Path) -> Path:
    """The build's persistent cache for ``output`` (Contract 3): beside it, never inside."""
    return output.parent / CACHE_FOLDER / output.name


def read_manifest(path: Path) -> Manifest | None:
    try:
        return Manifest.from_bytes(path.read_bytes())
    except OSError:
        return None


def published_manifest(output: Path, cache: Path) -> Manifest | None:
    """The manifest that describes the folder now at ``output``, if any.

    The pending one wins when a build was killed between its swap and the promotion.
    """
    for name in (MANIFEST, PENDING):
        manifest = read_manifest(cache / name)
        if manifest is not None and manifest.describes(output):
            manifest.origin = name
            return manifest
    return None


def write_atomically(path: Path, data: bytes) -> None:
    """Write a new file under a temporary name, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def clear_cache(cache: Path) -> None:
    """Forget everything (``--full``): a real folder of ours only, never through a symlink."""
    if cache.is_dir() and not cache.is_symlink() and cache.parent.name == CACHE_FOLDER:
        shutil.rmtree(cache)


#: How a kept page of a worker's share got its file (``ReuseState.kept``): linked from the
#: published site, kept as the spare held it, or written again later in the same share
#: (another page at the same path).
LINKED, SPARED, REPLACED = 0, 1, 2


@dataclass
class ReuseState:
    """A :class:`Reuse`'s findings, as a worker process sends them back: the pages it
    rendered with their fingerprints, and the pages it kept with where each file came from.

    A kept page's fingerprint and file are an entry of the spare's or the published site's
    manifest, which the receiving process holds too (both are read before the fork), so
    they are not sent: with them a national share was 11 MB, 0.4 s to pickle and unpickle
    on the way from the last page to the search stage.
    """

    rendered: list[str]
    keys: list[str | None]  # each rendered page's fingerprint (None: it has none)
    reused: list[str]
    kept: bytes  # LINKED, SPARED or REPLACED, for each reused page


# -- the hook the page writer calls (Contract 2) ------------------------------------------------

class Reuse:
    """``KC_REUSE``: decides, page by page, whether the previous build's file can be kept.

    Built by :func:`open_reuse`. ``rendered`` and ``reused`` list the output-relative paths
    the writer was told to render or to skip, in order (tests and the bench count them).
    """

    def __init__(self, staging: Path, previous: Path | None, manifest: Manifest | None,
                 salt: str, spare: Manifest | None = None) -> None:
        self.staging = staging
        self.previous = previous if manifest is not None else None
        #: The manifest of the published site, as read at the start of the build.
        self.published = manifest if self.previous is not None else None
        self.old = manifest.pages if manifest is not None and previous is not None else {}
        #: The pages already in ``staging`` when it is the spare (the site of the build
        #: before last, :func:`take_spare`), and all their paths (for :meth:`sweep`).
        self.spare = spare.pages if spare is not None else {}
        self.spare_paths = frozenset(self.spare)
        #: The pages kept as the spare held them (no write at all).
        self.from_spare: set[str] = set()
        self.salt = salt
        self.build_key: str | None = None
        self.keys: dict[str, str] = {}
        self.linked: dict[str, Entry] = {}
        self.rendered: list[str] = []
        self.reused: list[str] = []
        self.folders: set[str] = set()
        #: The last build's survey, which this build may assume instead of surveying again
        #: (the generator checks the assumption once every page is written).
        self.expected_survey = manifest.survey if self.previous is not None else None
        #: This build's survey, saved with its manifest.
        self.survey: Survey | None = None

    def begin(self, build_wide: Mapping[str, Any]) -> None:
        """Fold everything build-wide into the key every page fingerprint starts from."""
        encoded = encode(without_page_inputs(build_wide))
        self.build_key = None if encoded is None else digest(self.salt, encoded)

    def unchanged(self, rel_path: str, page: Any, lang: str,
                  context: Mapping[str, Any]) -> bool:
        """True when the previous file for ``rel_path`` is now linked into the staging folder."""
        return self.kept(rel_path, None if self.build_key is None
                         else page_fingerprint(self.build_key, rel_path, page, lang, context))

    def unchanged_source(self, rel_path: str, page: Any, lang: str,
                         extras: Mapping[str, Any]) -> bool:
        """``unchanged`` for a keyed page, whose context is not made to tell."""
        return self.kept(rel_path, None if self.build_key is None
                         else source_fingerprint(self.build_key, rel_path, page, lang, extras))

    def kept(self, rel_path: str, key: str | None) -> bool:
        """Whether the previous file built from ``key`` is now linked into the staging
        folder (False: the page must be rendered; its key is recorded either way)."""
        if rel_path in self.linked and self.linked[rel_path].key != key:
            (self.staging / rel_path).unlink()  # another page at this path: write a new file
            del self.linked[rel_path]
            self.from_spare.discard(rel_path)
        if key is not None:
            self.keys[rel_path] = key
        kept = rel_path in self.linked or (key is not None and (
            self.in_spare(rel_path, key) or self.link(rel_path, key)))
        (self.reused if kept else self.rendered).append(rel_path)
        return kept

    def in_spare(self, rel_path: str, key: str) -> bool:
        """Whether the spare's file at ``rel_path`` (already in place) was built from
        ``key`` and is still that file: then the page costs no write at all."""
        entry = self.spare.get(rel_path)
        if entry is None or entry.key != key:
            return False
        try:
            if not entry.same_file(os.stat(os.path.join(self.staging, rel_path),
                                           follow_symlinks=False)):
                return False
        except OSError:
            return False
        self.linked[rel_path] = entry  # it may share its inode with the output: never write it
        self.from_spare.add(rel_path)
        return True

    def link(self, rel_path: str, key: str) -> bool:
        """Hard-link the previous file into the staging folder if it is still the one built
        from ``key``; False (render it) otherwise."""
        entry = self.old.get(rel_path)
        if entry is None or entry.key != key or self.previous is None:
            return False
        # Strings, not Paths: this runs for every kept page of a national site.
        source = os.path.join(self.previous, rel_path)
        target = os.path.join(self.staging, rel_path)
        try:
            if not entry.same_file(os.stat(source, follow_symlinks=False)):
                return False
            if rel_path in self.spare_paths:  # the spare's older file: replace it
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
            self.ensure_folder(os.path.dirname(target))
            os.link(source, target, follow_symlinks=False)
        except OSError:  # gone, replaced, already written here, or no hard links on this disk
            return False
        self.linked[rel_path] = entry
        return True

    def ensure_folder(self, folder: str) -> None:
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)

    def state(self) -> ReuseState:
        """What this object learnt about its pages (a worker process sends it back)."""
        kept = bytes(SPARED if path in self.from_spare else LINKED if path in self.linked
                     else REPLACED for path in self.reused)
        return ReuseState(self.rendered, [self.keys.get(path) for path in self.rendered],
                          self.reused, kept)

    def merge(self, state: ReuseState) -> None:
        """Take in what a worker process learnt about its share of the pages: the same
        fingerprints, links and lists as if this object had made them."""
        for path, key in zip(state.rendered, state.keys, strict=True):
            if key is not None:
                self.keys[path] = key
        spare, old = self.spare, self.old
        for path, how in zip(state.reused, state.kept, strict=True):
            if how == REPLACED:
                continue
            entry = spare[path] if how == SPARED else old[path]
            self.keys[path] = entry.key
            self.linked[path] = entry
            if how == SPARED:
                self.from_spare.add(path)
        self.rendered.extend(state.rendered)
        self.reused.extend(state.reused)

    def reset(self) -> None:
        """Forget every page of this build and remove the files it wrote or linked (and
        the folders left empty) from the staging folder: they were made under a wrong
        assumption. Pages the spare held as they were stay: their file still matches its
        recorded key, whatever this build assumed."""
        for rel_path in [*self.rendered, *self.reused]:
            if rel_path in self.from_spare:  # the spare's own file, untouched: still valid
                continue
            path = self.staging / rel_path
            path.unlink(missing_ok=True)
            remove_empty_folders(path.parent, self.staging)
        self.keys, self.linked, self.rendered, self.reused = {}, {}, [], []
        self.from_spare = set()
        self.folders = set()
        self.expected_survey = None

    def sweep(self) -> list[str]:
        """After the pages: remove the spare's pages that this build did not make (and the
        folders they leave empty), so that the staging folder holds this build's files
        only. Returns the paths removed."""
        made = {*self.rendered, *self.reused}
        gone = sorted(self.spare_paths - made)
        for rel_path in gone:
            path = self.staging / rel_path
            path.unlink(missing_ok=True)
            remove_empty_folders(path.parent, self.staging)
        return gone

    def summary(self) -> str:
        return f"{len(self.rendered)} rendered, {len(self.reused)} kept from the last build"

    # -- after the pages: the manifest of this build -----------------------------------------

    def manifest(self, entries: Mapping[str, os.DirEntry] | None = None,
                 folders: Any = None) -> Manifest:
        """This build's manifest; raises if a linked file was written in place meanwhile.

        ``folders``: the ``listing.FolderTable`` of the walk that gave ``entries``, for the
        next walk of this site when it comes back as the spare.

        ``entries``: the staging folder's files as the post-build checks walked them, once
        every stage had written its files; their cached ``stat`` saves one call per page.
        """
        root = self.staging.stat()
        manifest = Manifest(root.st_dev, root.st_ino, survey=self.survey,
                            others=None if entries is None else tuple(
                                name for name in entries if name not in self.keys),
                            folders=None if folders is None else folders.to_columns())
        entries = entries or {}
        for rel_path, key in self.keys.items():
            try:
                entry = entries.get(rel_path)
                stat = (os.stat(self.staging / rel_path, follow_symlinks=False)
                        if entry is None else entry.stat(follow_symlinks=False))
            except OSError:
                continue
            linked = self.linked.get(rel_path)
            if linked is not None and not linked.same_file(stat):
                raise ReuseError(f"{rel_path} is hard-linked to the published site and was "
                                 "written in place during the build")
            # A linked file still as recorded has the very entry it was linked by.
            manifest.pages[rel_path] = (linked if linked is not None and linked.key == key
                                        else Entry.of(key, stat))
        return manifest

    def save_pending(self, cache: Path, entries: Mapping[str, os.DirEntry] | None = None,
                     folders: Any = None) -> None:
        """Before the swap: record this build's pages as the pending manifest."""
        write_atomically(cache / PENDING, self.manifest(entries, folders).to_bytes())


def remove_empty_folders(folder: Path, root: Path) -> None:
    """``folder`` and its parents up to (not including) ``root``, as long as they are empty."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone with a sibling's clean-up
            return
        folder = folder.parent


def promote(cache: Path) -> None:
    """After a successful swap: the pending manifest becomes the published one."""
    pending = cache / PENDING
    if pending.exists():
        os.replace(pending, cache / MANIFEST)


def abandon(cache: Path) -> None:
    """After a failed build: the pending manifest describes nothing that was published."""
    (cache / PENDING).unlink(missing_ok=True)


def open_reuse(output: Path, staging: Path, cache: Path, salt: str, *,
               full: bool = False, spare: Manifest | None = None) -> Reuse:
    """The reuse hook for a build of ``output`` into ``staging``.

    With ``full`` (or without a manifest that describes ``output``) nothing is reused, but
    every page is still fingerprinted so that the next build can be incremental.
    ``spare``: the manifest of the spare now at ``staging`` (:func:`take_spare`).
    """
    if full:
        clear_cache(cache)
    manifest = None if full else published_manifest(output, cache)
    return Reuse(staging, output if manifest is not None else None, manifest, salt,
                 None if full else spare)


#: Compiled templates (Jinja2's bytecode cache), one folder per code salt.
TEMPLATES = "templates"


def template_cache(cache: Path, salt: str) -> Path | None:
    """The folder of compiled templates for this build's code, or None when it cannot be
    made. Every page process compiled the ~25 templates its pages use, a few tenths of a
    second of a republish that renders a dozen pages. Jinja2 checks each template's source,
    not the environment (extensions, options): the salt covers those, so the folder is
    keyed by it, and the folders of other salts are removed."""
    root = cache / TEMPLATES
    folder = root / digest(salt)
    try:
        if root.is_dir() and not root.is_symlink():
            for other in root.iterdir():
                if other.name != folder.name:
                    shutil.rmtree(other, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


# -- the spare: the site of the build before last, the next staging site ------------------------

def take_spare(cache: Path, site: Path, unused: Path, *, use: bool = True,
               keep: tuple[str, ...] = ()) -> Manifest | None:
    """Make the spare the staging ``site`` (an empty folder that it replaces), with only
    its data pages left in it; its manifest, or None when there is no spare to trust.

    ``keep``: prefixes of other files left in place too, for the stage that writes them
    to check and keep or replace (the search index's part bundles, ``search.SPARE_KEEPS``).
    A spare whose manifest does not describe it (or does not list its other files), or
    any spare when not ``use`` (a full build), is moved to ``unused``, inside the staging
    folder, to be deleted with it.
    """
    folder = cache / SPARE
    if not folder.is_dir() or folder.is_symlink():
        return None
    manifest = read_manifest(cache / SPARE_MANIFEST)
    (cache / SPARE_MANIFEST).unlink(missing_ok=True)  # from now on the folder is the build's
    if (not use or manifest is None or manifest.others is None
            or not manifest.describes(folder)):
        os.rename(folder, unused)
        return None
    site.rmdir()
    try:
        os.rename(folder, site)
    except OSError:  # then the build starts from an empty folder, as without a spare
        site.mkdir(mode=0o755)
        site.chmod(0o755)
        return None
    clear_others(site, [name for name in manifest.others if not name.startswith(keep)])
    return manifest


def clear_others(site: Path, others: Iterable[str]) -> None:
    """Remove the files that are not data pages (the next build's other stages write theirs
    into an empty place: nothing is ever written through a hard link), then the folders
    that this leaves empty, deepest first."""
    root, folders = str(site), set()
    for rel_path in others:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(root, rel_path))
        folder = os.path.dirname(rel_path)
        while folder and folder not in folders:
            folders.add(folder)
            folder = os.path.dirname(folder)
    for folder in sorted(folders, key=lambda name: name.count("/"), reverse=True):
        with contextlib.suppress(OSError):  # not empty: it holds data pages too
            os.rmdir(os.path.join(root, folder))


def worth_keeping(reuse: Reuse) -> bool:
    """Whether the previous site is worth keeping as the spare after this build: only
    when this build kept most pages. The next build can keep a spare's page as it is only
    if it is the page this build kept; replacing a spare's page costs an ``unlink`` that
    frees its file (the spare holds the last link to a page rendered since), which on this
    project's disks costs more than the ``mkdir`` and ``link`` of a fresh staging folder
    (a republish after a full render: 70 s of pages instead of 22 s at national scale)."""
    return bool(reuse.reused) and len(reuse.reused) >= len(reuse.rendered)


def keep_spare(cache: Path, old_site: Path, published: Manifest | None = None) -> bool:
    """After the swap: keep the previous site (now at ``old_site``) as the spare, with the
    manifest that describes it, instead of deleting it. False when no manifest describes
    it (then it is deleted as before).

    ``published``: that manifest as the build read it at its start (``Reuse.published``);
    nothing but :func:`promote`, after this, writes the file it came from, so it need not
    be read again (0.15 s at national scale).
    """
    manifest = (published if published is not None and published.origin == MANIFEST
                else read_manifest(cache / MANIFEST))
    if manifest is None or manifest.others is None or not manifest.describes(old_site):
        return False
    (cache / SPARE_MANIFEST).unlink(missing_ok=True)
    if (cache / SPARE).exists():  # a spare this build did not take (a full build)
        return False
    os.rename(old_site, cache / SPARE)
    os.replace(cache / MANIFEST, cache / SPARE_MANIFEST)
    return True
