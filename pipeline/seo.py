"""Sharing and discovery files that need every page written: ``sitemap.xml`` and ``robots.txt``.

``write_discovery_files(out_dir, site_url, languages)`` runs after Pelican (see
``pipeline/build.py``). It lists every page of the written site once per language, each with
``xhtml:link`` alternates to its other languages (``hreflang``, plus ``x-default`` for the
first language), and writes a ``robots.txt`` that points crawlers to the sitemap. The
sitemap is streamed to disk entry by entry (no XML tree: 340,000 pages at national scale);
above 50,000 addresses, the protocol's limit per file, ``sitemap.xml`` becomes a sitemap
index of ``sitemap-1.xml``, ``sitemap-2.xml``, ... A page is left out when its ``<head>``
says ``noindex``; only the head is read.

What goes into each page's ``<head>`` (canonical link, Open Graph and Twitter card tags, feed
links) is the theme's: ``theme/templates/components/seo_head.html``, included by
``base.html``. The Atom feeds of stories are Pelican's: ``TRANSLATION_FEED_ATOM`` (set in
``publishconf.py``) writes one per language, ``feeds/all-vi.atom.xml`` and
``feeds/all-en.atom.xml``; ``FEED_ALL_ATOM`` holds both languages.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from pipeline.checks import FileMemory, Listing

SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
#: The sitemap protocol's limit of addresses per file.
MAX_URLS = 50_000
XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"
URLSET_OPEN = f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">\n'

#: Files that are not pages to list: the 404 page and anything inside the search bundle.
NOT_LISTED = re.compile(r"(^|/)404\.html$|^pagefind/")
NOINDEX = re.compile(r"<meta\s+name=\"robots\"\s+content=\"[^\"]*noindex", re.IGNORECASE)
HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
CHUNK = 16_384


def split_language(relative: str, languages: Sequence[str]) -> tuple[str, str]:
    """(language, language-neutral address) of an output file: ``en/a/index.html`` -> en, a/."""
    address = relative.removesuffix("index.html")
    first, _, rest = address.partition("/")
    if first in languages[1:] and _:
        return first, rest
    return languages[0], address


def html_files(out_dir: Path, prune: Callable[[str], bool] | None = None) -> list[str]:
    """Output-relative paths of the HTML files, sorted, not descending into the folders
    (``"a/b/"``) that ``prune`` rejects. ``os.scandir`` on strings: a national site has
    300,000 folders, and pathlib objects or a stat per folder cost more than the walk."""
    root, found, pending = str(out_dir), [], [""]
    while pending:
        prefix = pending.pop()
        with os.scandir(f"{root}/{prefix}") as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folder = f"{prefix}{entry.name}/"
                    if prune is None or not prune(folder):
                        pending.append(folder)
                elif entry.name.endswith(".html"):
                    found.append(prefix + entry.name)
    return sorted(found)


def listed_html(listing: Listing, prune: Callable[[str], bool] | None = None,
                ) -> list[tuple[str, os.DirEntry]]:
    """``html_files`` from a walk already made (``checks.site_files``), with the entries:
    the same paths in the same order, without scanning the folders again."""
    verdicts: dict[str, bool] = {"": False}

    def pruned(folder: str) -> bool:
        verdict = verdicts.get(folder)
        if verdict is None:
            parent = folder[:folder.rfind("/", 0, -1) + 1]
            verdict = verdicts[folder] = pruned(parent) or prune(folder)
        return verdict

    found = [(name, entry) for name, entry in listing if name.endswith(".html")]
    if prune is not None:
        found = [item for item in found if not pruned(item[0][:item[0].rfind("/") + 1])]
    return sorted(found)  # by name: names are unique, entries never compared


def head_of(path: str) -> str:
    """The page up to the end of its ``<head>`` (all of it when there is none): enough to see
    a robots meta tag without reading the body of every page."""
    data = b""
    with open(path, "rb") as page:
        while chunk := page.read(CHUNK):
            data += chunk
            end = HEAD_END.search(data, max(0, len(data) - len(chunk) - 8))
            if end:
                data = data[:end.start()]
                break
    return data.decode("utf-8", errors="replace")


def site_pages(out_dir: Path, languages: Sequence[str],
               cache: Path | None = None, listing: Listing | None = None,
               ) -> dict[str, dict[str, str]]:
    """Language-neutral address -> {language: address in that language}, listed pages only.

    With ``cache`` (the build's cache folder), whether a page says ``noindex`` is
    remembered by file identity (``checks.FileMemory``): a page hard-linked from the
    published site is not opened again (3.7 s of a national republish read every head).
    ``listing``: ``checks.site_files(out_dir)`` when the caller has walked the site already
    (the build walks it once for the sitemap, the search index and the checks).
    """
    pages: dict[str, dict[str, str]] = {}
    root, memory = str(out_dir), FileMemory(cache, "sitemap", code_salt("seo"))
    found = ([(name, None) for name in html_files(out_dir)] if listing is None
             else listed_html(listing))
    for relative, entry in found:
        if NOT_LISTED.search(relative) or not is_listed(f"{root}/{relative}", relative, memory,
                                                        entry):
            continue
        lang, neutral = split_language(relative, languages)
        pages.setdefault(neutral, {})[lang] = relative.removesuffix("index.html")
    memory.save()
    return pages


def code_salt(name: str) -> str:
    """What a remembered noindex depends on: this module's code (``head_of``, ``NOINDEX``)."""
    return name + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def is_listed(path: str, relative: str, memory: FileMemory,
              entry: os.DirEntry | None = None) -> bool:
    """Whether the page's head leaves it out of search engines (remembered when possible).
    ``entry``: the page's scanned entry (its ``stat`` is kept for the checks that follow)."""
    status = None if memory.path is None else os.stat(path) if entry is None else entry.stat()
    listed = None if status is None else memory.recall(relative, status)
    if listed is None:
        listed = not NOINDEX.search(head_of(path))
        if status is not None:
            memory.remember(relative, status, listed)
    return listed


def url_entries(pages: dict[str, dict[str, str]], site_url: str,
                languages: Sequence[str]) -> Iterator[str]:
    """One ``<url>`` element per page and language, alternates when there are several."""
    for neutral in sorted(pages):
        versions = pages[neutral]
        chosen = [lang for lang in languages if lang in versions]
        links = "" if len(versions) < 2 else alternates(versions, chosen, site_url)
        for lang in chosen:
            loc = escape(f"{site_url}/{versions[lang]}")
            yield f"  <url>\n    <loc>{loc}</loc>\n{links}  </url>\n"


def alternates(versions: dict[str, str], chosen: list[str], site_url: str) -> str:
    """``xhtml:link`` to every language version (itself included, as Google asks)."""
    pairs = [*((lang, lang) for lang in chosen), ("x-default", chosen[0])]
    return "".join(f'    <xhtml:link rel="alternate" hreflang="{hreflang}" '
                   f"href={quoteattr(f'{site_url}/{versions[lang]}')} />\n"
                   for hreflang, lang in pairs)


def sitemap_xml(pages: dict[str, dict[str, str]], site_url: str,
                languages: Sequence[str]) -> bytes:
    """A single sitemap of every page (small sites, tests)."""
    body = "".join(url_entries(pages, site_url, languages))
    return (XML_DECLARATION + URLSET_OPEN + body + "</urlset>\n").encode("utf-8")


def write_atomically(path: Path, parts: Iterable[str]) -> None:
    """Stream ``parts`` into a new file and rename it over ``path``: never write into a file
    that may be a hard link to the published output."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(parts)
    os.replace(temporary, path)


def write_urlset(path: Path, entries: Iterable[str]) -> None:
    """One ``<urlset>`` file, streamed."""
    write_atomically(path, chain([XML_DECLARATION, URLSET_OPEN], entries, ["</urlset>\n"]))


def write_sitemaps(out_dir: Path, site_url: str, entries: Iterator[str], count: int) -> None:
    """``sitemap.xml``, or a sitemap index and files of at most ``MAX_URLS`` addresses."""
    if count <= MAX_URLS:
        write_urlset(out_dir / SITEMAP, entries)
        return
    files = [f"sitemap-{n}.xml" for n in range(1, -(-count // MAX_URLS) + 1)]
    for name in files:
        write_urlset(out_dir / name, islice(entries, MAX_URLS))
    write_atomically(out_dir / SITEMAP, [
        XML_DECLARATION, f'<sitemapindex xmlns="{SITEMAP_NS}">\n',
        *(f"  <sitemap>\n    <loc>{escape(f'{site_url}/{name}')}</loc>\n  </sitemap>\n"
          for name in files), "</sitemapindex>\n"])


def robots_txt(site_url: str) -> str:
    """Everything may be crawled; the sitemap says where the pages are."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {site_url}/{SITEMAP}\n"


def write_discovery_files(out_dir: Path, site_url: str, languages: Sequence[str], *,
                          cache: Path | None = None, listing: Listing | None = None) -> int:
    """Write the sitemap(s) and ``robots.txt`` into ``out_dir``; returns the pages listed.

    ``cache`` (Contract 3: the build's cache folder) spares reading unchanged pages again;
    ``listing`` (``checks.site_files(out_dir)``) spares walking the site again.
    """
    pages = site_pages(out_dir, languages, cache, listing)
    count = sum(len(versions) for versions in pages.values())
    key = sitemap_key(pages, site_url, languages)
    if not reuse_sitemaps(out_dir, cache, key):
        write_sitemaps(out_dir, site_url, url_entries(pages, site_url, languages), count)
        keep_sitemaps(out_dir, cache, key)
    write_atomically(out_dir / ROBOTS, [robots_txt(site_url)])
    return count


# --- the last sitemaps, kept in the build's cache -------------------------------------------

#: Folder of the build cache holding the last sitemap files (hard links) and ``KEPT``.
SITEMAP_CACHE = "sitemaps"
KEPT = "kept.json"


def sitemap_key(pages: dict[str, dict[str, str]], site_url: str,
                languages: Sequence[str]) -> str:
    """Everything the sitemap files' bytes depend on: the listed pages, the address, the
    languages and this module's code. A republish after one corrected title lists the same
    pages: its sitemaps (150,000 addresses, 1.3 s to write at national scale) are linked."""
    return hashlib.sha256(pickle.dumps((code_salt("seo"), MAX_URLS, site_url, list(languages),
                                        pages), protocol=5)).hexdigest()


def sitemap_names(out_dir: Path) -> list[str]:
    return sorted(p.name for p in out_dir.glob("sitemap*.xml"))


def keep_sitemaps(out_dir: Path, cache: Path | None, key: str) -> None:
    """Link the sitemap files just written into the cache, with their key and identities
    (written last, under a temporary name: a half-kept folder is never trusted)."""
    if cache is None:
        return
    folder = Path(cache) / SITEMAP_CACHE
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.mkdir(parents=True)
        identities = {}
        for name in sitemap_names(out_dir):
            os.link(out_dir / name, folder / name)
            stat = (folder / name).stat()
            identities[name] = [stat.st_size, stat.st_mtime_ns]
        temporary = folder / f".{KEPT}.tmp"
        temporary.write_text(json.dumps({"key": key, "files": identities}), encoding="utf-8")
        temporary.rename(folder / KEPT)
    except OSError:  # no hard links here (another file system): nothing kept
        shutil.rmtree(folder, ignore_errors=True)


def reuse_sitemaps(out_dir: Path, cache: Path | None, key: str) -> bool:
    """Link the kept sitemap files into ``out_dir`` when they were made from ``key`` and
    are still the files kept (a sitemap edited in the published site is not reused)."""
    folder = None if cache is None else Path(cache) / SITEMAP_CACHE
    try:
        kept = json.loads((folder / KEPT).read_text(encoding="utf-8")) if folder else None
        if not kept or kept.get("key") != key or not kept.get("files"):
            return False
        for name, (size, mtime_ns) in kept["files"].items():
            stat = (folder / name).stat()
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
                return False
        for name in kept["files"]:
            os.link(folder / name, out_dir / name)
    except (OSError, ValueError, TypeError, AttributeError):
        for name in sitemap_names(out_dir):  # nothing half-linked stays
            (out_dir / name).unlink(missing_ok=True)
        return False
    return True
