"""The search index: Pagefind run over the written site, one partition at a time.

``index_site(out_dir, previous=..., cache=...)`` reads every page worth finding from
``out_dir`` (``SKIPPED``: establishments, units, contents, sectors, years, stories, datasets,
the first page of each list and the static pages; not project pages, found through their
establishment), splits them into *partitions* (``partition_of``: one per province for its
establishments, ten for unit pages by the last digit of the unit code, ``browse`` for the
other pages made from the data, the primary for the rest: home, stories, static pages),
and runs Pagefind (the ``pagefind[bin]`` binary, offline) once per partition on a prepared
copy of its pages, two runs at a time. Why partitions: Pagefind holds about 80 KB of memory per page
until it has written its bundle (14 GB for the whole national site in one run), and a
one-row change touches a few partitions only, so the others are reused.

Layout of ``out_dir/pagefind/``: the "site" partition is the primary bundle (Pagefind's
scripts, its WebAssembly and its index); every other partition is an index-only bundle in
``parts/<name>-<key>/``, where ``key`` is a hash of the partition's input pages (their paths
and bytes) and of this indexer's own code and Pagefind version. ``kc-parts.json`` lists, per
language, the parts the search page merges into the primary (Pagefind's ``mergeIndex``;
``theme/static/js/search.js``). Pagefind splits each bundle by ``<html lang>``.

Reuse: a partition whose key is unchanged is hard-linked (copied across file systems) from
the previous output's bundle or from ``cache/search/``; the files are byte-identical to what
Pagefind would write again (``pagefind_bundle.canonicalise`` makes them reproducible).

What is indexed (``prepared``), in the staged copy only (the published pages are untouched):

* only ``<main>`` (``data-pagefind-body``): headers, menus and footers repeat on every page;
* without what templates mark as unindexed (``components/unindexed.html``: the project and
  establishment lists of unit, year, content, sector and list pages and of stories, the
  dataset pages' previews, sizes and checksums). A project's title is
  found on its establishment's page; the lists would only repeat it on half a dozen pages of
  results, and since the partition keys skip the marked text too (``page_digest``), a
  corrected title re-indexes its establishment's partition alone, not ``browse`` and the
  unit partitions as well;
* without statistics tables and charts (``kc-stat__*`` tables and figures of
  ``components/stat_section.html``, any ``<svg>``: years and amounts, a third of Pagefind's
  work on an establishment page and no use as search words), collapsed ``<details>`` (a
  project's table of every raw field repeats its facts with codes), scripts and styles;
* every word with ``đ`` gets its ASCII twin right after it ("Đại" -> "Đại Dai"): Pagefind
  folds vowel diacritics but keeps ``đ`` apart from ``d``; the search page's script folds
  ``đ`` in the query and drops the twins from what it shows;
* a space after each table cell, term and list item, which Pagefind would otherwise run
  together with the next one ("Năm kế hoạch2012").
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from pipeline import pagefind_bundle, seo
from pipeline.checks import FileMemory, Listing
from pipeline.incremental import write_atomically

BUNDLE = "pagefind"
PARTS = "parts"
MANIFEST = "kc-parts.json"
PRIMARY = "site"
CACHE = "search"
ENTRY = "pagefind-entry.json"
#: What a build's spare keeps of this stage's files for the next build
#: (``incremental.take_spare(keep=)``): the partitions' bundles, which the next build
#: keeps where they are when they are still the ones it would link (``reused``).
SPARE_KEEPS = f"{BUNDLE}/{PARTS}/"
#: What an index-only part keeps of a Pagefind bundle (the primary's scripts serve them all).
INDEX_FILES = re.compile(r"^(pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|(index|fragment|"
                         r"filter)/[^/]+)$")

#: Pages left out of the index: continuation pages and sort orders of lists (their first
#: page is indexed), statistics drill-downs, the search and 404 pages, the index itself, and
#: project pages: 100,000 of 134,000 pages at national scale, each found through its
#: establishment's page, which lists every project's title, year, content and amounts.
SKIPPED = re.compile(r"(^|/)(page/\d+/|by-[a-z-]+/)|(^|/)statistics/.+/|(^|/)search/$"
                     r"|(^|/)404\.html$|^pagefind/|(^|/)projects/p-")
PROVINCE_PAGE = re.compile(r"^(?:[a-z]{2}/)?(?:establishments/e|projects/p)-(\d+)-")
UNIT_PAGE = re.compile(r"^(?:[a-z]{2}/)?(?:districts|communes)/\d*(\d)")
#: Pages made from the data outside provinces and units (years, contents, sectors, the
#: datasets, data quality, the first page of each list): their own partition, so that a
#: corrected row leaves the primary (home, stories, static pages, Pagefind's scripts) alone.
BROWSE_PAGE = re.compile(r"^(?:[a-z]{2}/)?(?:years|contents|sectors|datasets|data-quality"
                         r"|projects|establishments|districts|communes|statistics)/")
BROWSE = "browse"
#: Pagefind runs at a time: each is single-threaded, and a republish has two or three.
PAGEFIND_RUNS = 2

#: What ``components/unindexed.html`` wraps: cut before anything else, from the staged copy
#: (``prepared``) and from the bytes a partition key is made of (``page_digest``) alike.
UNINDEXED = re.compile(r"<!--kc-unindexed-->.*?<!--/kc-unindexed-->", re.DOTALL)
UNINDEXED_BYTES = re.compile(UNINDEXED.pattern.encode(), re.DOTALL)
MAIN_OPEN = re.compile(r"<main\b[^>]*>", re.IGNORECASE)
MAIN_CLOSE = re.compile(r"</main\s*>", re.IGNORECASE)
LEFT_OUT = re.compile(r"<(script|style|svg|details)\b.*?</\1\s*>"
                      r"|<(table|figure)\b[^>]*\bclass=\"[^\"]*\bkc-stat__[^\"]*\".*?</\2\s*>",
                      re.IGNORECASE | re.DOTALL)
D_WORD = re.compile(r"\w*[đĐ]\w*")
#: A word with đ in text, not inside a tag: the next angle bracket after it opens a tag.
#: Anchored at word starts, possessive: no backtracking through every word of the page.
D_WORD_IN_TEXT = re.compile(r"(?<!\w)[^\WđĐ]*+[đĐ]\w*+(?=[^<>]*+(?:<|\Z))")
#: Cells and list items Pagefind runs together with the next one ("Năm kế hoạch2012").
CELL_END = re.compile(r"</(?:dt|dd|th|td|li|caption)\s*>", re.IGNORECASE)
SHARED_MEMORY = Path("/dev/shm")
#: What a remembered page digest depends on besides the file (nothing but the hash).
DIGEST_SALT = "sha256 of the page bytes without the unindexed regions, 2"


class SearchIndexError(Exception):
    """Pagefind could not index the site (binary missing or failed); the build stops."""


@dataclass(frozen=True)
class IndexSummary:
    """What was indexed, for the build's closing line and for tests."""

    pages: int
    languages: tuple[str, ...]
    partitions: int = 1
    reused: int = 0


@dataclass(frozen=True)
class Partition:
    """One Pagefind run: its name, its pages (output-relative paths) and their input key."""

    name: str
    pages: tuple[str, ...]
    key: str
    #: Each page's digest (``page_digest``), in the order of ``pages``; empty when unknown.
    digests: tuple[bytes, ...] = field(default=(), compare=False, repr=False)

    @property
    def folder(self) -> str:
        """The bundle's folder name under ``parts/`` (and in the cache)."""
        return f"{self.name}-{self.key}"


# --- what Pagefind sees --------------------------------------------------------------------

def fold(text: str) -> str:
    """Vietnamese without any diacritics: ``Đại Hoàng`` -> ``Dai Hoang``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def twin(match: re.Match[str]) -> str:
    return f"{match.group(0)} {fold(match.group(0))}"


def with_twins(text: str) -> str:
    """Text with each word containing ``đ`` followed by its folded twin: ``Đại`` -> ``Đại Dai``.

    The twin sits next to its word, so a search for ``dai`` ranks and quotes the page as a
    search for ``Đại`` does; the search page's script drops twins from what it shows.
    """
    return D_WORD.sub(twin, text)


def spaced(match: re.Match[str]) -> str:
    return match.group(0) + " "


def with_twins_in_html(fragment: str) -> str:
    """``with_twins`` on the text between tags (never inside a tag), a space after each
    table cell, term or list item, and no scripts, styles or collapsed details.

    Three regular-expression passes (about a millisecond for a long page) instead of a
    Python loop over every tag.
    """
    fragment = LEFT_OUT.sub("", fragment)
    fragment = CELL_END.sub(spaced, fragment)
    return D_WORD_IN_TEXT.sub(twin, fragment)


def prepared(page: str) -> str | None:
    """The page as Pagefind should see it, or None when it has no ``<main>`` to index.

    A function of the page without its unindexed regions, as the partition key is."""
    page = UNINDEXED.sub("", page)
    opening, closing = MAIN_OPEN.search(page), MAIN_CLOSE.search(page)
    if opening is None or closing is None or closing.start() < opening.end():
        return None
    tag = opening.group(0)
    body = with_twins_in_html(page[opening.end():closing.start()])
    return (page[:opening.start()] + tag[:5] + " data-pagefind-body" + tag[5:] + body
            + page[closing.start():])


# --- which pages, in which partition -------------------------------------------------------

def partition_of(relative: str) -> str:
    """The partition of a page: ``p04`` (province 04's establishment pages; project pages,
    when indexed, too), ``units-7`` (district and commune pages by the last digit of their
    code), ``browse`` (``BROWSE_PAGE``) or ``site``."""
    province = PROVINCE_PAGE.match(relative)
    if province:
        return f"p{province.group(1)}"
    unit = UNIT_PAGE.match(relative)
    if unit:
        return f"units-{unit.group(1)}"
    return BROWSE if BROWSE_PAGE.match(relative) else PRIMARY


def skipped_folder(folder: str) -> bool:
    return bool(SKIPPED.search(folder))


def grouped_pages(out_dir: Path, listing: Listing | None = None) -> dict[str, list[str]]:
    """Partition name -> the pages worth finding in it, in path order. ``listing``:
    ``checks.site_files(out_dir)`` when the caller has walked the site already."""
    groups: dict[str, list[str]] = {}
    found = (seo.html_files(out_dir, prune=skipped_folder) if listing is None
             else [name for name, _ in seo.listed_html(listing, prune=skipped_folder)])
    for relative in found:
        if not SKIPPED.search(relative.removesuffix("index.html")):
            groups.setdefault(partition_of(relative), []).append(relative)
    return groups


def salt() -> bytes:
    """What else decides a bundle: Pagefind's version and the code preparing its pages."""
    here = Path(__file__)
    code = here.read_bytes() + (here.parent / "pagefind_bundle.py").read_bytes()
    return metadata.version("pagefind").encode() + hashlib.sha256(code).digest()


def page_digest(path: str) -> bytes:
    """The SHA-256 of one page's bytes without its unindexed regions (all that
    ``prepared`` reads)."""
    with open(path, "rb") as page:
        return hashlib.sha256(UNINDEXED_BYTES.sub(b"", page.read())).digest()


class PageDigests:
    """Each page's SHA-256, remembered between builds in ``cache/search-pages.pickle``.

    A republish hard-links unchanged pages from the published site, so a page with the
    same device, inode, size and modification time is the same file (``checks.FileMemory``)
    and is not read again: at national scale the partition keys read about 33,000 pages.
    """

    def __init__(self, out_dir: Path, cache: Path | None,
                 listing: Listing | None = None) -> None:
        self.root = str(out_dir)
        self.memory = FileMemory(cache, "search-pages", DIGEST_SALT)
        #: The scanned entries of a walk already made: their ``stat`` is done once a build.
        self.entries = {} if listing is None else dict(listing)
        #: The digests given in this run (asked again for the partitions' stores).
        self.given: dict[str, bytes] = {}

    def __call__(self, relative: str) -> bytes:
        known = self.given.get(relative)
        if known is None:
            known = self.given[relative] = self.digest(relative)
        return known

    def digest(self, relative: str) -> bytes:
        path = f"{self.root}/{relative}"
        entry = self.entries.get(relative)
        status = os.stat(path) if entry is None else entry.stat()
        known = self.memory.recall(relative, status)
        if known is None:
            known = page_digest(path)
            self.memory.remember(relative, status, known)
        return known

    def save(self) -> None:
        self.memory.save()


def input_key(pages: Iterable[str], seed: bytes, digest_of: PageDigests) -> str:
    """A hash of the pages' paths and bytes (unindexed regions aside, ``page_digest``):
    equal keys, byte-identical bundles."""
    digest = hashlib.sha256(seed)
    for relative in pages:
        digest.update(f"{relative}\0".encode() + digest_of(relative))
    return digest.hexdigest()[:16]


def partitions(out_dir: Path, cache: Path | None = None,
               listing: Listing | None = None) -> list[Partition]:
    """Every partition of the written site, the primary first."""
    groups, seed = grouped_pages(out_dir, listing), salt()
    digests = PageDigests(out_dir, cache, listing)
    names = sorted(groups, key=lambda name: (name != PRIMARY, name))
    found = [Partition(name, tuple(groups[name]), input_key(groups[name], seed, digests),
                       tuple(digests(page) for page in groups[name])) for name in names]
    digests.save()
    return found


# --- one Pagefind run ----------------------------------------------------------------------

def staging_root() -> Path | None:
    """Where prepared pages are staged: memory when the system offers it (on this project's
    disks, deleting thousands of staged files cost more than Pagefind indexing them)."""
    usable = SHARED_MEMORY.is_dir() and os.access(SHARED_MEMORY, os.W_OK)
    return SHARED_MEMORY if usable else None


def stage(out_dir: Path, pages: Iterable[str], staging: Path, digests: Iterable[bytes] = (),
          store: Path | None = None) -> int:
    """Write the prepared pages to ``staging`` under their output paths; returns how many.

    ``store`` (a folder kept between builds, one per partition) holds each prepared page
    under its ``page_digest`` (``digests``, in the order of ``pages``): a partition indexed
    again after one page changed prepares that page alone (preparing a thousand pages,
    regular expressions over each, was a second of a national republish). What a page
    has no ``<main>`` for is not stored: it is looked at again.
    """
    count, known = 0, iter(digests)
    for relative in pages:
        digest = next(known, None)
        kept = None if store is None or digest is None else store / f"{digest.hex()}.html"
        data = stored(kept)
        if data is None:
            page = prepared((out_dir / relative).read_text(encoding="utf-8"))
            if page is None:
                continue
            data = page.encode("utf-8")
            if kept is not None:  # renamed into place: never a half-written page
                write_atomically(kept, data)
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
    return count


def stored(path: Path | None) -> bytes | None:
    """A stored prepared page, or None."""
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def prune_store(store: Path, digests: Iterable[bytes]) -> None:
    """Remove what ``store`` holds for pages no longer in its partition."""
    wanted = {f"{digest.hex()}.html" for digest in digests}
    with contextlib.suppress(FileNotFoundError), os.scandir(store) as entries:
        for entry in entries:
            if entry.name not in wanted:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


PREPARED = "search-prepared"


def prepared_root(cache: Path) -> Path:
    """The stores of this code: a folder named after this module's salt (``salt``: its
    code and Pagefind's version) under the cache."""
    return Path(cache) / PREPARED / hashlib.sha256(salt()).hexdigest()[:16]


def prepared_store(cache: Path | None, part: Partition) -> Path | None:
    """Where a partition's prepared pages are kept (``prepared_root``, then its name)."""
    if cache is None or not part.digests:
        return None
    return prepared_root(cache) / part.name


def forget_stores(cache: Path | None, names: set[str]) -> None:
    """Remove the prepared pages kept under another salt (older code), and those of
    partitions that no longer exist."""
    if cache is None:
        return
    current = prepared_root(cache)
    for folder, keep in ((current.parent, {current.name}), (current, names)):
        stale: list[str] = []
        with contextlib.suppress(FileNotFoundError), os.scandir(folder) as entries:
            stale = [entry.path for entry in entries if entry.name not in keep]
        for path in stale:
            shutil.rmtree(path, ignore_errors=True)


@functools.cache
def pagefind_command() -> tuple[str, ...]:
    """The ``pagefind[bin]`` binary itself: ``python -m pagefind`` would start an interpreter
    for each of the forty-odd partitions (a tenth of a second each) only to exec it."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        return (sys.executable, "-m", "pagefind")
    executable = get_executable()
    return (str(executable),) if executable else (sys.executable, "-m", "pagefind")


def run_pagefind(staging: Path, bundle: Path) -> None:
    """Pagefind's command line over the staged pages, writing its bundle to ``bundle``.

    The command line rather than the Python service: the service answers one request per
    tenth of a second and may be stopped before it has finished writing the files.
    """
    command = [*pagefind_command(), "--site", str(staging), "--output-path", str(bundle),
               "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SearchIndexError(f"pagefind could not start: {exc}") from exc
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed: {(result.stderr or result.stdout).strip()}")


def sort_entry(bundle: Path) -> None:
    """Rewrite ``pagefind-entry.json`` with sorted keys: reproducible builds (Pagefind
    writes its languages in a random order)."""
    entry = bundle / ENTRY
    data = json.loads(entry.read_text(encoding="utf-8"))
    entry.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), encoding="utf-8")


def index_languages(bundle: Path) -> dict[str, int]:
    """Language -> pages, from a written bundle's entry file."""
    data = json.loads((bundle / ENTRY).read_text(encoding="utf-8"))
    return {lang: info.get("page_count", 0) for lang, info in data.get("languages", {}).items()}


def index_only(bundle: Path) -> None:
    """Drop Pagefind's scripts, styles and WebAssembly from a part: merged indexes run on
    the primary bundle's (``mergeIndex`` loads no WebAssembly of its own)."""
    for path in sorted(bundle.rglob("*"), reverse=True):
        if path.is_file() and not INDEX_FILES.match(path.relative_to(bundle).as_posix()):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def build_partition(out_dir: Path, part: Partition, target: Path, primary: bool,
                    earlier: Path | None = None, cache: Path | None = None) -> None:
    """Index one partition into ``target``, reproducibly. ``earlier``: the partition's
    bundle in the last build, whose unchanged files are kept (``adopt_unchanged``);
    ``cache``: the build's cache folder, where the prepared pages of a partition indexed
    again are kept (``stage``; not those of a first build: 33,000 files at national
    scale, four seconds of a full publish, for partitions a republish may never touch)."""
    store = None if earlier is None else prepared_store(cache, part)
    with tempfile.TemporaryDirectory(prefix="kc-search-", dir=staging_root()) as staging:
        count = stage(out_dir, part.pages, Path(staging), part.digests, store)
        if store is not None:
            prune_store(store, part.digests)
        if count == 0:
            return
        run_pagefind(Path(staging), target)
    if not (target / ENTRY).is_file():
        raise SearchIndexError(f"pagefind wrote no index for {part.name}")
    sort_entry(target)
    try:
        pagefind_bundle.canonicalise(target)  # filter order is random in Pagefind's output
    except (pagefind_bundle.BundleError, OSError, IndexError, ValueError) as exc:
        raise SearchIndexError(f"pagefind bundle {part.name}: {exc}") from exc
    if not primary:
        index_only(target)
    if earlier is not None:
        adopt_unchanged(target, earlier)


def adopt_unchanged(bundle: Path, earlier: Path) -> int:
    """Replace each file of a new ``bundle`` that has the same path and the same bytes in
    the partition's ``earlier`` bundle by a hard link to that file; returns how many.

    A page changed in a partition of a thousand pages changes a few of Pagefind's files
    (the page's fragment, some index chunks, the metadata): the rest come out
    byte-identical but as new files, and every check that remembers files by identity
    (``checks.FileMemory``: the privacy check decompresses and scans each one) would read
    them all again; linked, they keep the identity they were checked under, and a deploy
    that compares sizes and times sees them unchanged. Bytes are compared in full: the
    output is the same either way. The primary's ``parts/`` and ``kc-parts.json`` are not
    looked at (written apart).
    """
    adopted, pending = 0, [(str(bundle), str(earlier), True)]
    while pending:
        folder, before, top = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if top and entry.name in (PARTS, MANIFEST):
                    continue
                old = f"{before}/{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, old, False))
                elif entry.is_file(follow_symlinks=False) and same_bytes(entry.path, old):
                    adopted += relink(old, entry.path)
    return adopted


def same_bytes(path: str, other: str) -> bool:
    try:
        if os.stat(path).st_size != os.stat(other).st_size:
            return False
        with open(path, "rb") as one, open(other, "rb") as two:
            return one.read() == two.read()
    except OSError:
        return False


def relink(source: str, target: str) -> int:
    """``target`` replaced by a hard link to ``source`` (1), or left as it is (0)."""
    temporary = f"{target}.kc-link"
    try:
        os.link(source, temporary)
    except OSError:
        return 0
    os.replace(temporary, target)
    return 1


def build_partitions(out_dir: Path, runs: list[tuple[Partition, Path, bool]],
                     earlier: dict[str, Path] | None = None,
                     meanwhile: Callable[[], object] | None = None,
                     cache: Path | None = None) -> None:
    """Index these partitions, ``PAGEFIND_RUNS`` at a time (threads wait on the Pagefind
    processes); the first failure stops the build. ``earlier``: partition name -> its
    bundle in the last build. ``meanwhile`` is called once in this thread while the
    partitions are indexed (the build writes the sitemap then: a republish's Pagefind runs
    leave part of the second core idle). ``cache``: see ``build_partition``."""
    earlier = earlier or {}
    if not runs:
        if meanwhile is not None:
            meanwhile()
        return
    with ThreadPoolExecutor(max_workers=PAGEFIND_RUNS) as pool:
        futures = [pool.submit(build_partition, out_dir, *run, earlier.get(run[0].name),
                               cache) for run in runs]
        try:
            if meanwhile is not None:
                meanwhile()
        finally:
            for future in futures:
                future.result()


# --- reuse ---------------------------------------------------------------------------------

def link_tree(source: Path, target: Path, skip: Iterable[str] = ()) -> None:
    """Hard-link every file of ``source`` into ``target`` (copy across file systems).

    ``os.scandir`` on strings: a republish links about 35,000 index files at national
    scale, and ``rglob`` with a ``relative_to`` per file cost more than the links.
    """
    left_out, pending = set(skip), [(str(source), str(target), True)]
    while pending:
        folder, into, top = pending.pop()
        os.makedirs(into, exist_ok=True)
        with os.scandir(folder) as entries:
            for entry in entries:
                if top and entry.name in left_out:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, f"{into}/{entry.name}", False))
                elif entry.is_file():
                    link_file(entry.path, f"{into}/{entry.name}")


def link_file(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def previous_folders(previous: Path | None) -> dict[str, Path]:
    """Bundle folder name -> its place in the previous output (the primary included)."""
    if previous is None or not (previous / BUNDLE / MANIFEST).is_file():
        return {}
    manifest = json.loads((previous / BUNDLE / MANIFEST).read_text(encoding="utf-8"))
    found = {p.name: p for p in sorted((previous / BUNDLE / PARTS).glob("*")) if p.is_dir()}
    found[manifest.get("primary", "")] = previous / BUNDLE
    return found


def earlier_bundles(sources: dict[str, Path], cache: Path | None) -> dict[str, Path]:
    """Partition name -> its bundle in the last build (previous output, else the cache),
    whatever its key: where a partition indexed again finds its unchanged files."""
    kept = sorted(p for p in (cache / CACHE).iterdir() if p.is_dir()) \
        if cache is not None and (cache / CACHE).is_dir() else []
    found = {path.name.rsplit("-", 1)[0]: path for path in kept}
    found.update((folder.rsplit("-", 1)[0], path) for folder, path in sources.items() if folder)
    return found


def clear_bundle(bundle: Path, parts: set[str]) -> None:
    """Empty ``bundle`` for this build, but for the part folders named in ``parts``.

    A republish starts from its spare, which keeps its part bundles (``SPARE_KEEPS``): a
    part whose inputs did not change has the same folder name, and the files in it are
    kept where they are if they are still the ones ``reused`` would link (34,000 files of
    45 parts at national scale: unlinking and linking them again took 0.66 s).
    """
    if not bundle.is_dir():
        return
    for entry in os.scandir(bundle):
        if entry.name == PARTS and entry.is_dir(follow_symlinks=False):
            for part in os.scandir(entry.path):
                if part.name not in parts or not part.is_dir(follow_symlinks=False):
                    remove(part)
        else:
            remove(entry)


def remove(entry: os.DirEntry) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path)
    else:
        os.unlink(entry.path)


def reused(part: Partition, target: Path, sources: dict[str, Path], cache: Path | None,
           primary: bool = False) -> bool:
    """Link a bundle made from the same inputs, from the previous output or the cache.

    A part's ``target`` may hold the spare's copy already: kept as it is when it holds
    exactly the files (hard links to them) that would be linked, replaced otherwise.
    """
    source = sources.get(part.folder)
    if source is None and cache is not None:
        source = cache / CACHE / part.folder
    if source is None or not (source / ENTRY).is_file():
        if not primary:
            shutil.rmtree(target, ignore_errors=True)
        return False
    if not primary and target.is_dir():
        if same_tree(str(source), str(target), skip=(PARTS, MANIFEST)):
            return True
        shutil.rmtree(target)
    link_tree(source, target, skip=(PARTS, MANIFEST))
    return True


def same_tree(source: str, target: str, skip: Iterable[str] = ()) -> bool:
    """Whether ``target`` holds the files of ``source`` (but for the ``skip`` names at its
    top) as hard links and nothing else: the same names, folders and inodes. The inodes
    come with the folder listing, so this reads no file and makes no ``stat`` call."""
    left_out, pending = set(skip), [(source, target, True)]
    while pending:
        folder, into, top = pending.pop()
        try:
            with os.scandir(folder) as entries:
                wanted = {e.name: e for e in entries if not (top and e.name in left_out)}
            with os.scandir(into) as entries:
                held = {e.name: e for e in entries}
        except OSError:
            return False
        if wanted.keys() != held.keys():
            return False
        for name, entry in wanted.items():
            other = held[name]
            if entry.is_dir(follow_symlinks=False):
                if not other.is_dir(follow_symlinks=False):
                    return False
                pending.append((entry.path, other.path, False))
            elif not (entry.is_file(follow_symlinks=False)
                      and other.is_file(follow_symlinks=False)
                      and entry.inode() == other.inode()):
                return False
    return True


def remember(cache: Path | None, built: dict[str, Path]) -> None:
    """Keep this build's bundles in ``cache/search/`` (linked) and forget all others.

    A bundle is written under a temporary name and renamed, so the cache never holds half
    a bundle; a publish that fails after this stage still leaves its partitions for the next.
    """
    if cache is None:
        return
    store = cache / CACHE
    store.mkdir(parents=True, exist_ok=True)
    for folder, bundle in built.items():
        if not (store / folder / ENTRY).is_file():
            temporary = Path(tempfile.mkdtemp(prefix=".tmp-", dir=store))
            link_tree(bundle, temporary, skip=(PARTS, MANIFEST))
            shutil.rmtree(store / folder, ignore_errors=True)
            temporary.rename(store / folder)
    for old in store.iterdir():
        if old.name not in built:
            shutil.rmtree(old) if old.is_dir() else old.unlink()


# --- the whole index -----------------------------------------------------------------------

def manifest(primary: Partition, parts: dict[str, dict[str, int]]) -> str:
    """``kc-parts.json``: the primary's folder name (for reuse) and, per language, the parts
    the search page merges (only those holding pages in that language: Pagefind would
    otherwise answer from another language's index)."""
    languages: dict[str, list[str]] = {}
    for folder, counts in sorted(parts.items()):
        for lang in counts:
            languages.setdefault(lang, []).append(f"{PARTS}/{folder}/")
    return json.dumps({"languages": languages, "primary": primary.folder}, sort_keys=True,
                      separators=(",", ":"))


def index_site(out_dir: Path, *, previous: Path | None = None,
               cache: Path | None = None, listing: Listing | None = None,
               meanwhile: Callable[[], object] | None = None) -> IndexSummary:
    """Index the written site in ``out_dir`` into ``out_dir/pagefind/``.

    ``previous`` (the published output) and ``cache`` (a folder kept between builds) are
    where unchanged partitions are linked from; without them every partition is indexed.
    ``listing``: ``checks.site_files(out_dir)`` when the caller has walked the site already
    (whatever it holds under ``pagefind/`` is ignored: that folder is written here).
    ``meanwhile``: called once while Pagefind runs (``build_partitions``), never with a
    ``pagefind/`` being written by it.
    """
    bundle = out_dir / BUNDLE
    found, sources = partitions(out_dir, cache, listing), previous_folders(previous)
    if not found:
        shutil.rmtree(bundle, ignore_errors=True)
        raise SearchIndexError("no page to index")
    counts: dict[str, dict[str, int]] = {}
    built: dict[str, Path] = {}
    targets = [bundle if number == 0 else bundle / PARTS / part.folder
               for number, part in enumerate(found)]
    clear_bundle(bundle, {target.name for target in targets[1:]})
    fresh = [(part, target, number == 0) for number, (part, target)
             in enumerate(zip(found, targets, strict=True))
             if not reused(part, target, sources, cache, primary=number == 0)]
    build_partitions(out_dir, fresh, earlier_bundles(sources, cache) if fresh else {},
                     meanwhile, cache)
    forget_stores(cache, {part.name for part in found})
    for part, target in zip(found, targets, strict=True):
        if (target / ENTRY).is_file():
            counts[part.folder], built[part.folder] = index_languages(target), target
    if found[0].folder not in counts:
        raise SearchIndexError("pagefind wrote no index")
    (bundle / MANIFEST).write_text(manifest(found[0], {
        k: v for k, v in counts.items() if k != found[0].folder}), encoding="utf-8")
    remember(cache, built)
    languages = sorted({lang for c in counts.values() for lang in c})
    return IndexSummary(sum(n for c in counts.values() for n in c.values()), tuple(languages),
                        len(found), len(found) - len(fresh))
