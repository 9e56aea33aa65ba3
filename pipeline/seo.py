"""Sharing and discovery files that need every page written: ``sitemap.xml`` and ``robots.txt``.

``write_discovery_files(out_dir, site_url, languages)`` runs after Pelican (see
``pipeline/build.py``). It lists every page of the written site once per language, each with
``xhtml:link`` alternates to its other languages (``hreflang``, plus ``x-default`` for the
first language), and writes a ``robots.txt`` that points crawlers to the sitemap.

What goes into each page's ``<head>`` (canonical link, Open Graph and Twitter card tags, feed
links) is the theme's: ``theme/templates/components/seo_head.html``, included by
``base.html``. The Atom feeds of stories are Pelican's: ``TRANSLATION_FEED_ATOM`` (set in
``publishconf.py``) writes one per language, ``feeds/all-vi.atom.xml`` and
``feeds/all-en.atom.xml``; ``FEED_ALL_ATOM`` holds both languages.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"

#: Files that are not pages to list: the 404 page and anything inside the search bundle.
NOT_LISTED = re.compile(r"(^|/)404\.html$|^pagefind/")
NOINDEX = re.compile(r"<meta\s+name=\"robots\"\s+content=\"[^\"]*noindex", re.IGNORECASE)


def split_language(relative: str, languages: Sequence[str]) -> tuple[str, str]:
    """(language, language-neutral address) of an output file: ``en/a/index.html`` -> en, a/."""
    address = relative.removesuffix("index.html")
    first, _, rest = address.partition("/")
    if first in languages[1:] and _:
        return first, rest
    return languages[0], address


def site_pages(out_dir: Path, languages: Sequence[str]) -> dict[str, dict[str, str]]:
    """Language-neutral address -> {language: address in that language}, listed pages only."""
    pages: dict[str, dict[str, str]] = {}
    for path in sorted(out_dir.rglob("*.html")):
        relative = path.relative_to(out_dir).as_posix()
        if NOT_LISTED.search(relative) or NOINDEX.search(path.read_text(encoding="utf-8")):
            continue
        lang, neutral = split_language(relative, languages)
        pages.setdefault(neutral, {})[lang] = relative.removesuffix("index.html")
    return pages


def sitemap_xml(pages: dict[str, dict[str, str]], site_url: str,
                languages: Sequence[str]) -> bytes:
    """The sitemap: one ``<url>`` per page and language, alternates when there are several."""
    ET.register_namespace("", SITEMAP_NS)
    ET.register_namespace("xhtml", XHTML_NS)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for neutral in sorted(pages):
        versions = pages[neutral]
        for lang in [lang for lang in languages if lang in versions]:
            url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
            ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = f"{site_url}/{versions[lang]}"
            if len(versions) > 1:
                add_alternates(url, versions, site_url, languages)
    ET.indent(urlset)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


def add_alternates(url: ET.Element, versions: dict[str, str], site_url: str,
                   languages: Sequence[str]) -> None:
    """``xhtml:link`` to every language version (itself included, as Google asks)."""
    chosen = [lang for lang in languages if lang in versions]
    for hreflang, lang in [*((lang, lang) for lang in chosen), ("x-default", chosen[0])]:
        ET.SubElement(url, f"{{{XHTML_NS}}}link", rel="alternate", hreflang=hreflang,
                      href=f"{site_url}/{versions[lang]}")


def robots_txt(site_url: str) -> str:
    """Everything may be crawled; the sitemap says where the pages are."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {site_url}/{SITEMAP}\n"


def write_discovery_files(out_dir: Path, site_url: str, languages: Sequence[str]) -> int:
    """Write ``sitemap.xml`` and ``robots.txt`` into ``out_dir``; returns the pages listed."""
    pages = site_pages(out_dir, languages)
    (out_dir / SITEMAP).write_bytes(sitemap_xml(pages, site_url, languages))
    (out_dir / ROBOTS).write_text(robots_txt(site_url), encoding="utf-8")
    return sum(len(versions) for versions in pages.values())
