"""Checks of a built site: every internal link resolves, nothing is loaded from another host,
and the published data package validates (with its hashes).

Shared by the integration tests and the build's post-build checks, which must all pass before
a new site replaces the old one. ``check_links`` is what the build calls: one pass over the
pages that keeps only what failed, so memory does not grow with the number of links.

How it stays linear in the bytes of output (bench/README.md, "Post-build checks"): a regular
expression over each page's raw bytes finds the start tags that can link; each distinct tag
is read once (menus repeat on every page) with the standard library parser's own attribute
expressions, so the results equal ``HTMLParser``'s; each target address is resolved once.
With ``cache`` (the build's cache folder), a page already read in an earlier build (same
device, inode, size and modification time: hard-linked from the published site) is not read
again, but its remembered targets are still checked against this build's files.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import pickle
import re
import struct
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from html.parser import (
    HTMLParser,
    attrfind_tolerant,
    locatestarttagend_tolerant,
    tagfind_tolerant,
)
from operator import attrgetter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import numpy as np

from pipeline import parallel
from pipeline.listing import site_files as listing_files

#: (tag, attribute) pairs that point somewhere; ``loads`` marks what the browser fetches.
LINKING = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
           ("source", "src"), ("iframe", "src"), ("form", "action"), ("video", "src"),
           ("audio", "src"), ("img", "srcset"), ("source", "srcset")}
LOADS = {("link", "href"), ("img", "src"), ("script", "src"), ("source", "src"),
         ("iframe", "src"), ("video", "src"), ("audio", "src"), ("img", "srcset"),
         ("source", "srcset")}

#: ``<link rel>`` values the browser fetches by itself (alternate, license... are just links).
FETCHED_RELS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest",
                "apple-touch-icon", "preconnect", "dns-prefetch"}

#: The elements that can link (``LINKING``), and a start tag of one in a page's raw bytes:
#: attribute values quoted or not (``>`` inside quotes kept); a non-ASCII byte after the name
#: counts as a letter, as ``\\b`` does. Written out case by case with a first-letter look-ahead
#: and the quoted-string loop unrolled: twice as fast as ``re.IGNORECASE`` (same matches).
LINKING_ELEMENTS = ("a", "link", "img", "script", "source", "iframe", "form", "video", "audio")


def either_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


LINKING_TAG = re.compile((
    "<(?=[" + "".join(sorted({e[0] + e[0].upper() for e in LINKING_ELEMENTS})) + "])"
    "(?:" + "|".join(either_case(e) for e in LINKING_ELEMENTS) + ")"
    r"(?![0-9A-Za-z_\x80-\xff])[^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*>").encode())

#: The usual shape of a generated tag: double-quoted values without references or brackets,
#: or bare attributes. Read by two regular expressions; ``HTMLParser`` reads it the same way.
SIMPLE_TAG = re.compile(rb'<([a-zA-Z]+)((?: [a-z][a-z-]*(?:="[^"&<>]*")?)*) ?/?>')
SIMPLE_ATTRIBUTE = re.compile(rb' ([a-z][a-z-]*)(?:="([^"]*)")?')

#: The commonest tag of all, a plain site-absolute link: read without the general machinery.
LINK_ONLY = re.compile(rb'<a href="(/[^"&<>\r]*)">')

#: One address in a tag: (tag, attribute, target, rel).
Link = tuple[str, str, str, str]


@dataclass(frozen=True)
class Reference:
    """One address found in a page: which page, which tag and attribute, the address."""

    page: str
    tag: str
    attribute: str
    target: str
    rel: str = ""


@dataclass
class LinkReport:
    """What ``check_links`` found: how many addresses, the broken ones, the outside loads."""

    count: int = 0
    broken: list[Reference] = field(default_factory=list)
    external: list[Reference] = field(default_factory=list)


# -- reading the addresses of a page ------------------------------------------------------------

def links_of(tag: str, attrs: list[tuple[str, str | None]]) -> list[Link]:
    """Every linking attribute of one start tag (``srcset`` split into its addresses)."""
    rel = dict(attrs).get("rel") or ""
    found = []
    for name, value in attrs:
        if (tag, name) in LINKING and value:
            targets = ([part.split()[0] for part in value.split(",") if part.strip()]
                       if name == "srcset" else [value])
            found.extend((tag, name, target, rel) for target in targets)
    return found


class ReferenceParser(HTMLParser):
    """The standard library's reading of a tag, for tags ``parsed_links`` leaves to it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Link] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(links_of(tag, attrs))


def parsed_links(tag: str) -> list[Link] | None:
    """The links of one start tag, read exactly as ``HTMLParser.parse_starttag`` reads it.

    None when the parser would place the tag's end elsewhere (malformed markup): then the
    parser itself is asked.
    """
    whole = locatestarttagend_tolerant.match(tag)
    if whole is None or tag[whole.end():] not in (">", "/>"):
        return None
    name = tagfind_tolerant.match(tag, 1)
    attrs, k = [], name.end()
    while k < len(tag) and (match := attrfind_tolerant.match(tag, k)):
        attribute, rest, value = match.group(1, 2, 3)
        if not rest:
            value = None
        elif value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
            value = value[1:-1]
        attrs.append((attribute.lower(), unescape(value) if value else value))
        k = match.end()
    if tag[k:].strip() not in (">", "/>"):
        return []
    return links_of(name.group(1).lower(), attrs)


def parser_links(tag: str) -> list[Link]:
    parser = ReferenceParser()
    parser.feed(tag + "</script>" if tag[:7].lower() == "<script" else tag)
    parser.close()
    return parser.found


@lru_cache(maxsize=1 << 16)
def tag_links(tag: bytes) -> tuple[Link, ...]:
    """The links of one start tag's bytes (cached: navigation repeats on every page).

    Line ends are read as a text-mode file reads them, as the check always has.
    """
    if b"\r" in tag:
        tag = tag.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    simple = SIMPLE_TAG.fullmatch(tag)
    if simple:
        return tuple(links_of(simple[1].decode().lower(), [
            (name.decode(), None if value is None else value.decode("utf-8", errors="replace"))
            for name, value in (m.groups() for m in SIMPLE_ATTRIBUTE.finditer(simple[2]))]))
    text = tag.decode("utf-8", errors="replace")
    found = parsed_links(text)
    return tuple(parser_links(text) if found is None else found)


def page_links(data: bytes) -> list[Link]:
    """Every address in one page's bytes, in order."""
    return [link for tag in LINKING_TAG.findall(data) for link in tag_links(tag)]


# -- the files of a site -------------------------------------------------------------------------

#: (output-relative path, scanned entry) of every file of a site, in ``site_files`` order.
#: An entry is an ``os.DirEntry``, or a ``listing.Found`` (``path``, ``name``, ``stat``).
Listing = list[tuple[str, os.DirEntry]]


def walk(root: str, prefix: str = "") -> Iterator[tuple[str, os.DirEntry]]:
    """(relative path, entry) of every file under ``root`` (links to folders not followed),
    each path after ``prefix``, sorted as sorted ``Path`` objects are (part by part):
    ``listing.site_files`` without an earlier walk's table."""
    for name, entry in listing_files(root)[0]:
        yield prefix + name, entry


def site_files(root: Path) -> list[tuple[str, os.DirEntry]]:
    """Every file under ``root``, sorted as sorted ``Path`` objects are (part by part)."""
    return list(walk(str(root)))


def path_order(item: tuple[str, Any]) -> list[str]:
    return item[0].split("/")


def relisted(root: Path, listing: Listing, folders: Iterable[str]) -> Listing:
    """``site_files(root)`` after a step that wrote files only at the top of ``root`` and
    inside the top-level ``folders``: those are listed again, every other entry of
    ``listing`` (an earlier ``site_files(root)``) is kept as it was walked.

    The search stage writes ``sitemap.xml``, ``robots.txt`` and ``pagefind/`` after the
    site was walked once for the sitemap, the search index and the checks: at national
    scale a second walk of 150,000 folders costs about two seconds, this one a fraction.
    """
    folders = set(folders)
    prefixes = tuple(f"{folder}/" for folder in folders)
    kept = [item for item in listing if "/" in item[0] and not item[0].startswith(prefixes)]
    fresh = []
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in folders:
                    fresh.append(list(walk(entry.path, entry.name + "/")))
            elif entry.is_file():
                fresh.append([(entry.name, entry)])
    for block in fresh:  # each block sorts as one run: inserted, not sorted again with the rest
        if block:
            at = bisect.bisect_left(kept, path_order(block[0]), key=path_order)
            kept[at:at] = block
    return kept


def site_pages(root: Path) -> list[tuple[str, os.DirEntry]]:
    return [(name, entry) for name, entry in site_files(root) if name.endswith(".html")]


class FileMemory:
    """Per-file results of an earlier check, kept in the build's cache folder.

    A file is known by (device, inode, size, modification time in ns): a file hard-linked
    from the published site keeps all four, a rewritten file gets a new time (the build
    never sets file times), a new file a new inode. Not the change time: making the hard
    link changes it. ``salt`` names everything else a result depends on (code, values,
    site URL); a different salt forgets everything. Only files seen in this run are kept.
    """

    def __init__(self, cache: Path | None, name: str, salt: str) -> None:
        self.path = None if cache is None else Path(cache) / f"checks-{name}.pickle"
        self.salt, self.current = salt, {}
        #: Anything the check keeps beside the per-file results (the links' path table).
        self.shared: Any = None
        self.previous = self.load()
        self.names: dict[bytes, str] | None = None  # identity -> earlier name, when asked

    def load(self) -> dict[str, Any]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            salt, entries, shared = pickle.loads(self.path.read_bytes())
        except (OSError, pickle.UnpicklingError, ValueError, EOFError, TypeError):
            return {}
        if salt != self.salt:
            return {}
        self.shared = shared
        return entries

    def recall(self, name: str, entry: os.DirEntry | os.stat_result) -> Any:
        """The remembered result for this exact file, or None."""
        known = self.previous.get(name)
        if known is None or known[0] != identity(entry):
            return None
        self.current[name] = known
        return known[1]

    def recall_moved(self, name: str, entry: os.DirEntry | os.stat_result,
                     ) -> tuple[str, Any] | None:
        """(earlier name, remembered result) of this exact file remembered under another
        path with the same last component (a folder renamed: Pagefind's part folders are
        named after their key, and an unchanged file of a re-indexed part is linked from
        the old folder), or None. The caller adapts what the result says of the path."""
        if self.names is None:
            self.names = {known[0]: old for old, known in self.previous.items()}
        old = self.names.get(identity(entry))
        if old is None or old.rpartition("/")[2] != name.rpartition("/")[2]:
            return None
        return old, self.previous[old][1]

    def remember(self, name: str, entry: os.DirEntry | os.stat_result, result: Any) -> None:
        if self.path is not None:
            self.current[name] = (identity(entry), result)

    def save(self) -> None:
        """Write the results (to a new file renamed into place: never through a link)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps((self.salt, self.current, self.shared), protocol=5))
        os.replace(temporary, self.path)


IDENTITY = struct.Struct("<4Q")


def identity(entry: os.DirEntry | os.stat_result) -> bytes:
    """(device, inode, size, modification time) of a scanned entry or of a ``stat`` result,
    packed in one ``bytes``: a national site's memories hold 180,000 of them, and one object
    pickles and compares faster than a tuple of four integers."""
    stat = entry if isinstance(entry, os.stat_result) else entry.stat()
    return IDENTITY.pack(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def code_salt(*parts: str) -> str:
    """This module's code, the Python version and ``parts``: what remembered results need."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for part in (sys.version, *parts):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


# -- resolving and judging addresses -------------------------------------------------------------

def references(output_dir: Path) -> list[Reference]:
    """Every address in every HTML page of ``output_dir``."""
    return [Reference(page, *link) for page, entry in site_pages(Path(output_dir))
            for link in page_links(Path(entry.path).read_bytes())]


def internal_path(reference: Reference, siteurl: str = "") -> str | None:
    """The output-relative file a reference points to, or None if it leaves the site."""
    return target_path(folder_of(reference.page), reference.target, siteurl)


def folder_of(page: str) -> str:
    return page.rsplit("/", 1)[0] + "/" if "/" in page else ""


#: A target that means the same from every folder: site-absolute, a fragment, or with a
#: scheme (``urlsplit``'s rule: a letter, then letters, digits, ``+-.``, then ``:``).
FOLDER_FREE = re.compile(r"\s*(?:[/#]|[A-Za-z][A-Za-z0-9+.\-]*:)")


def target_path(folder: str, target: str, siteurl: str) -> str | None:
    """``target`` as seen from ``folder``; a ``FOLDER_FREE`` target is resolved (and cached)
    once for all folders."""
    if FOLDER_FREE.match(target):
        folder = ""
    return resolved_target(folder, target, siteurl)


#: A site-absolute path that ``resolved_target`` would return as it is: no query, fragment,
#: escape, dot segment, empty segment or character ``urlsplit`` strips.
PLAIN_SEGMENT = r"[^\x00-\x20\x7f/?#%.\\][^\x00-\x20\x7f/?#%\\]*"
PLAIN_PATH = re.compile(rf"/(?:{PLAIN_SEGMENT}(?:/{PLAIN_SEGMENT})*/?)?")


@lru_cache(maxsize=1 << 18)
def resolved_target(folder: str, target: str, siteurl: str) -> str | None:
    """``target`` as seen from a page in ``folder`` (cached: menus repeat on every page)."""
    target = target.strip()
    if siteurl and target.startswith(siteurl.rstrip("/") + "/"):
        target = target[len(siteurl.rstrip("/")):]
    if PLAIN_PATH.fullmatch(target):
        return target[1:] + "index.html" if target.endswith("/") else target[1:]
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(("#", "mailto:", "tel:")):
        return None
    resolved = urlsplit(urljoin("/" + folder, parts.path)).path
    path = unquote(resolved).lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def is_external_load(link: Link, path: str | None) -> bool:
    """A resource the browser would fetch from another host (``path``: where it resolved)."""
    tag, attribute, target, rel = link
    if (tag, attribute) not in LOADS or path is not None:
        return False
    if tag == "link" and not FETCHED_RELS & set(rel.split()):
        return False
    return "//" in target


COUNT, PATHS = attrgetter("count"), attrgetter("paths")

#: Tags judged once per check and kept; past this many the judgements start again.
MAX_TAGS = 1 << 17


@dataclass(frozen=True)
class TagVerdict:
    """One start tag judged against a build's files: its links, where each resolves
    (None: outside the site), the internal ones, and whether all of them are fine."""

    links: tuple[Link, ...]
    targets: tuple[str | None, ...]
    paths: frozenset[str]
    count: int
    clean: bool


class LinkJudge:
    """Judges start tags against one build's files (a tag is bytes, so no page is parsed).

    A tag whose addresses are all ``FOLDER_FREE`` means the same on every page, so it
    is judged once per check and a page made only of known clean tags is checked by set
    operations in C: the menus, styles and scripts of every page cost nothing in Python.
    """

    def __init__(self, siteurl: str, files: set[str]) -> None:
        self.siteurl, self.files = siteurl, files
        self.verdicts: dict[bytes, TagVerdict] = {}
        self.counts: dict[bytes, int] = {}
        self.paths: dict[bytes, frozenset[str]] = {}
        self.clean: set[bytes] = set()

    def verdict(self, tag: bytes, folder: str) -> TagVerdict:
        """The tag's verdict, kept when it does not depend on the page's folder."""
        known = self.verdicts.get(tag)
        if known is None:
            link = LINK_ONLY.fullmatch(tag)
            links = tag_links(tag) if link is None else (("a", "href", link[1].decode(), ""),)
            known = self.judge(links, folder)
            if all(FOLDER_FREE.match(link[2]) for link in links):
                self.verdicts[tag], self.counts[tag] = known, known.count
                self.paths[tag] = known.paths
                if known.clean:
                    self.clean.add(tag)
        return known

    def judge(self, links: tuple[Link, ...], folder: str) -> TagVerdict:
        targets = tuple(target_path(folder, link[2], self.siteurl) for link in links)
        clean = all(not is_external_load(link, path) if path is None else path in self.files
                    for link, path in zip(links, targets, strict=True))
        paths = frozenset(map(sys.intern, filter(None, targets)))
        return TagVerdict(links, targets, paths, len(links), clean)

    def all_clean(self, tags: list[bytes], folder: str) -> bool:
        """Whether every tag of a page is kept and clean (judging the new ones first)."""
        if len(self.verdicts) > MAX_TAGS:
            for kept in (self.verdicts, self.counts, self.paths, self.clean):
                kept.clear()
        for tag in set(tags).difference(self.verdicts):
            if not self.verdict(tag, folder).clean or tag not in self.verdicts:
                return False
        return self.clean.issuperset(tags)


@dataclass
class PageLinks:
    """What a page's links need to be checked again: remembered between builds."""

    count: int
    paths: tuple[str, ...]
    external: tuple[Link, ...]


def read_page(page: str, data: bytes, judge: LinkJudge, report: LinkReport) -> PageLinks:
    """Check one page's addresses into ``report``; what to remember of them."""
    folder, tags = folder_of(page), LINKING_TAG.findall(data)
    if judge.all_clean(tags, folder):
        return PageLinks(sum(map(judge.counts.__getitem__, tags)),
                         tuple(frozenset().union(*map(judge.paths.__getitem__, tags))), ())
    verdicts = [judge.verdict(tag, folder) for tag in tags]
    external = failures(page, verdicts, judge.files, report)
    return PageLinks(sum(map(COUNT, verdicts)), tuple(frozenset().union(*map(PATHS, verdicts))),
                     tuple(external))


def failures(page: str, verdicts: list[TagVerdict], files: set[str],
             report: LinkReport) -> list[Link]:
    """A page's broken links into ``report``, in page order; its loads from other hosts."""
    external = []
    for verdict in verdicts:
        for link, path in zip(verdict.links, verdict.targets, strict=True):
            if path is None and is_external_load(link, path):
                external.append(link)
            elif path is not None and path not in files:
                report.broken.append(Reference(page, *link))
    report.external.extend(Reference(page, *link) for link in external)
    return external


def check_links(output_dir: Path, siteurl: str = "", *, cache: Path | None = None,
                listing: Listing | None = None) -> LinkReport:
    """Broken internal links and loads from other hosts, every HTML page of ``output_dir``.

    With ``cache``, an unchanged page whose remembered targets all exist is not read again;
    one with a target now missing is read again, so the report names each broken address.
    ``listing`` is ``site_files(output_dir)`` when the caller has it already (the privacy
    check walks the same files: at national scale a walk with its stats is about a second).
    """
    output_dir, report = Path(output_dir), LinkReport()
    listing = site_files(output_dir) if listing is None else listing
    judge = LinkJudge(siteurl, {name for name, _ in listing})
    memory = FileMemory(cache, "links", code_salt(siteurl))
    table = PathTable(memory.shared)
    missing = table.missing(judge.files)
    for page, entry in listing:
        if not page.endswith(".html"):
            continue
        known = memory.recall(page, entry)
        if known is None or (missing and not missing.isdisjoint(table.of(known[1]))):
            links = read_page(page, Path(entry.path).read_bytes(), judge, report)
            known = (links.count, table.ids(links.paths), links.external)
            memory.remember(page, entry, known)
        elif known[2]:
            report.external.extend(Reference(page, *link) for link in known[2])
        report.count += known[0]
    memory.shared = table.kept(memory.current, renumber=bool(missing) or
                               len(table.paths) > 2 * len(judge.files) + 1024)
    memory.save()
    return report


class PathTable:
    """Numbers for the target paths of remembered pages, kept between builds.

    A page's targets are remembered as an array of these numbers (one ``bytes`` object:
    a national site's link memory loads and saves in a tenth of the time a tuple of
    strings per page took), and a check first looks for the numbers whose path is now
    missing: when there are none, which is the usual republish, no remembered page needs
    looking at, however many there are.
    """

    def __init__(self, paths: list[str] | None) -> None:
        self.paths = list(paths) if isinstance(paths, list) else []
        self.index = {path: number for number, path in enumerate(self.paths)}

    def missing(self, files: set[str]) -> set[int]:
        """Numbers of the paths that are not files of this build."""
        return {number for number, path in enumerate(self.paths) if path not in files}

    def ids(self, paths: Iterable[str]) -> bytes:
        """The numbers of ``paths`` (new paths get new numbers), as bytes."""
        numbers = [self.number(path) for path in paths]
        return np.array(sorted(numbers), dtype=np.uint32).tobytes()

    def number(self, path: str) -> int:
        number = self.index.get(path)
        if number is None:
            number = self.index[path] = len(self.paths)
            self.paths.append(path)
        return number

    @staticmethod
    def of(ids: bytes) -> list[int]:
        return np.frombuffer(ids, dtype=np.uint32).tolist()

    def kept(self, entries: dict[str, Any], renumber: bool) -> list[str]:
        """The table to save. ``renumber`` (after paths went missing, or when the table
        has grown well past the site) keeps only the paths ``entries`` use and rewrites
        their numbers, so the next check finds nothing missing again."""
        if not renumber:
            return self.paths
        used = np.unique(np.frombuffer(b"".join(e[1][1] for e in entries.values()),
                                       dtype=np.uint32))
        numbers = np.zeros(len(self.paths), dtype=np.uint32)
        numbers[used] = np.arange(len(used), dtype=np.uint32)
        for name, (identity_, (count, ids, external)) in entries.items():
            entries[name] = (identity_, (count, numbers[np.frombuffer(
                ids, dtype=np.uint32)].tobytes(), external))
        return [self.paths[number] for number in used.tolist()]


def broken_links(output_dir: Path, siteurl: str = "",
                 found: list[Reference] | None = None) -> list[Reference]:
    """References to a file of the site that does not exist (``siteurl`` counts as internal).

    ``found`` reuses references already read; without it the pages are read by
    ``check_links`` (the build's way: it keeps only what failed).
    """
    if found is None:
        return check_links(output_dir, siteurl).broken
    files = {name for name, _ in site_files(Path(output_dir))}
    return [reference for reference in found
            if (path := internal_path(reference, siteurl)) is not None and path not in files]


def external_loads(output_dir: Path, siteurl: str = "",
                   found: list[Reference] | None = None) -> list[Reference]:
    """Resources a browser would fetch from another host (fonts, scripts, styles, images).

    Outbound links the reader clicks (``<a href>``, ``<link rel=alternate|license>``) are fine.
    """
    if found is None:
        return check_links(output_dir, siteurl).external
    return [reference for reference in found if is_external_load(
        (reference.tag, reference.attribute, reference.target, reference.rel),
        internal_path(reference, siteurl))]


def package_errors(descriptor: Path, *, cache: Path | None = None,
                   started: parallel.Forked | None = None) -> list[str]:
    """What Frictionless finds wrong with a published ``datapackage.json`` (hashes checked).

    The export writes ``bytes`` and ``hash: sha256:...`` per file; Frictionless recomputes
    both, so a file changed after the descriptor was written is caught here.

    With ``cache`` (the build's cache folder), a resource that passed in an earlier build
    with the same descriptor entry (its hash included), the same entries of the resources
    its foreign keys read and the same package metadata is not validated again once its
    file's SHA-256 is checked here: a republish after one changed row validates only the
    resources that changed. Anything found goes back to the whole validation, so the
    messages are always those of a full check.

    ``started``: the same check begun earlier by ``start_package_check`` (the build runs it
    in a forked child beside the link and privacy checks); its findings are waited for here.
    """
    errors, passed = (package_findings(descriptor, cache) if started is None
                      else started.result())
    if passed is not None and cache is not None:
        write_new_json(Path(cache) / PACKAGE_MEMORY, passed)
    return errors


def start_package_check(descriptor: Path, *, cache: Path | None = None) -> parallel.Forked:
    """``package_errors`` begun in a forked child: Frictionless re-validating a changed
    resource (50,000 rows of projects at national scale, two seconds of one core) runs
    while this process checks the links and the private values on the other core. Pass
    the result to ``package_errors(started=)``; use it as a context manager so that a
    check abandoned by an exception does not leave the child running."""
    return parallel.Forked(package_findings, descriptor, cache)


def package_findings(descriptor: Path, cache: Path | None) -> tuple[list[str], list[str] | None]:
    """(errors, resource keys to remember as passed or None): the check without writing."""
    if not descriptor.is_file():
        return [f"{descriptor.name} is missing"], None
    if cache is not None:
        keys = passing_keys(descriptor, Path(cache) / PACKAGE_MEMORY)
        if keys is not None:
            return [], keys
    return whole_package_errors(descriptor), None


def whole_package_errors(descriptor: Path) -> list[str]:
    """Every resource of the package validated by Frictionless."""
    from frictionless import validate

    report = validate(str(descriptor))
    return [f"{task.name}: {error.type}: {error.note}" for task in report.tasks
            for error in task.errors] + [f"{error.type}: {error.note}" for error in report.errors]


PACKAGE_MEMORY = "checks-package.json"


def passing_keys(descriptor: Path, memory: Path) -> list[str] | None:
    """The keys of every resource when the package is valid (validating only the resources
    not known to pass), to be remembered; None when something did not pass."""
    try:
        content = json.loads(descriptor.read_text(encoding="utf-8"))
        keys = resource_keys(content)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    passed = remembered_keys(memory)
    changed = [name for name, key in keys.items()
               if key not in passed or not hash_matches(descriptor.parent, content, name)]
    if not resources_pass(descriptor, changed):
        return None
    return sorted(keys.values())


def resource_keys(content: dict) -> dict[str, str]:
    """Resource name -> a hash of everything its validation depends on.

    Its own entry (path, hash, bytes, dialect, schema), the entries of the resources its
    foreign keys reach (their rows are read for the lookup), the package's other metadata,
    the Frictionless version and this module's code.
    """
    from frictionless import __version__

    entries = {resource["name"]: resource for resource in content["resources"]}
    metadata = {key: value for key, value in content.items() if key != "resources"}
    common = json.dumps([__version__, code_salt(), metadata], sort_keys=True)
    return {name: hashlib.sha256(json.dumps(
        [common, *(entries[n] for n in sorted(reached(name, entries)))],
        sort_keys=True, ensure_ascii=False).encode()).hexdigest() for name in entries}


def reached(name: str, entries: dict[str, dict]) -> set[str]:
    """The resource and every resource its foreign keys reach, transitively."""
    found, pending = set(), [name]
    while pending:
        current = pending.pop()
        if current in found or current not in entries:
            continue
        found.add(current)
        for key in entries[current].get("schema", {}).get("foreignKeys", []):
            pending.append(key["reference"].get("resource") or current)
    return found


def hash_matches(folder: Path, content: dict, name: str) -> bool:
    """The resource's local file has the SHA-256 its entry declares."""
    entry = next(r for r in content["resources"] if r["name"] == name)
    path, declared = entry.get("path"), str(entry.get("hash", ""))
    if not isinstance(path, str) or "://" in path or not declared.startswith("sha256:"):
        return False
    try:
        data = (folder / path).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == declared.removeprefix("sha256:")


def resources_pass(descriptor: Path, names: list[str]) -> bool:
    """Frictionless finds nothing in the descriptor nor in the named resources."""
    from frictionless import FrictionlessException, Package

    try:
        package = Package(str(descriptor))
        if not names:
            package.to_descriptor(validate=True)
            return True
        return all(package.validate(name=name).valid for name in names)
    except FrictionlessException:
        return False


def remembered_keys(memory: Path) -> set[str]:
    try:
        return set(json.loads(memory.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def write_new_json(path: Path, value: Any) -> None:
    """Write ``path`` as a new file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(value), encoding="utf-8")
    os.replace(temporary, path)
