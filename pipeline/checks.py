"""Checks of a built site: every internal link resolves, nothing is loaded from another host,
and the published data package validates (with its hashes).

Shared by the integration tests and the build's post-build checks, which must all pass before
a new site replaces the old one. Links are read by the standard library's parser, fed only the
tags that can link (found by a regular expression), so checking thousands of pages stays fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

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

#: A start tag of a linking element, attribute values quoted or not (``>`` inside quotes kept).
LINKING_TAG = re.compile(
    r"<(?:a|link|img|script|source|iframe|form|video|audio)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
    re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    """One address found in a page: which page, which tag and attribute, the address."""

    page: str
    tag: str
    attribute: str
    target: str
    rel: str = ""


class ReferenceParser(HTMLParser):
    """Collects every linking attribute of a page (``srcset`` split into its addresses)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if (tag, name) in LINKING and value:
                targets = ([part.split()[0] for part in value.split(",") if part.strip()]
                           if name == "srcset" else [value])
                self.found.extend((tag, name, t, values.get("rel")) for t in targets)


def linking_tags(html: str) -> str:
    """Only the start tags that can link, each ``<script>`` closed so the parser goes on.

    Five times faster than parsing whole pages; a tag inside a comment is read as a real one,
    which can only make the check stricter.
    """
    return "".join(tag + "</script>" if tag[:7].lower() == "<script" else tag
                   for tag in LINKING_TAG.findall(html))


def references(output_dir: Path) -> list[Reference]:
    """Every address in every HTML page of ``output_dir``."""
    found = []
    for path in sorted(output_dir.rglob("*.html")):
        parser = ReferenceParser()
        parser.feed(linking_tags(path.read_text(encoding="utf-8", errors="replace")))
        parser.close()
        page = path.relative_to(output_dir).as_posix()
        found.extend(Reference(page, tag, attr, target, rel or "")
                     for tag, attr, target, rel in parser.found)
    return found


def internal_path(reference: Reference, siteurl: str = "") -> str | None:
    """The output-relative file a reference points to, or None if it leaves the site."""
    folder = reference.page.rsplit("/", 1)[0] + "/" if "/" in reference.page else ""
    return resolved_target(folder, reference.target, siteurl)


@lru_cache(maxsize=65536)
def resolved_target(folder: str, target: str, siteurl: str) -> str | None:
    """``target`` as seen from a page in ``folder`` (cached: menus repeat on every page)."""
    target = target.strip()
    if siteurl and target.startswith(siteurl.rstrip("/") + "/"):
        target = target[len(siteurl.rstrip("/")):]
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(("#", "mailto:", "tel:")):
        return None
    resolved = urlsplit(urljoin("/" + folder, parts.path)).path
    path = unquote(resolved).lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def broken_links(output_dir: Path, siteurl: str = "",
                 found: list[Reference] | None = None) -> list[Reference]:
    """References to a file of the site that does not exist (``siteurl`` counts as internal).

    ``found`` reuses references already read (the build reads them once for both checks).
    """
    files = {p.relative_to(output_dir).as_posix() for p in output_dir.rglob("*") if p.is_file()}
    broken = []
    for reference in references(output_dir) if found is None else found:
        path = internal_path(reference, siteurl)
        if path is not None and path not in files:
            broken.append(reference)
    return broken


def external_loads(output_dir: Path, siteurl: str = "",
                   found: list[Reference] | None = None) -> list[Reference]:
    """Resources a browser would fetch from another host (fonts, scripts, styles, images).

    Outbound links the reader clicks (``<a href>``, ``<link rel=alternate|license>``) are fine.
    """
    outside = []
    for reference in references(output_dir) if found is None else found:
        if (reference.tag, reference.attribute) not in LOADS:
            continue
        if reference.tag == "link" and not FETCHED_RELS & set(reference.rel.split()):
            continue
        if internal_path(reference, siteurl) is None and "//" in reference.target:
            outside.append(reference)
    return outside


def package_errors(descriptor: Path) -> list[str]:
    """What Frictionless finds wrong with a published ``datapackage.json`` (hashes checked).

    The export writes ``bytes`` and ``hash: sha256:...`` per file; Frictionless recomputes
    both, so a file changed after the descriptor was written is caught here.
    """
    from frictionless import validate

    if not descriptor.is_file():
        return [f"{descriptor.name} is missing"]
    report = validate(str(descriptor))
    return [f"{task.name}: {error.type}: {error.note}" for task in report.tasks
            for error in task.errors] + [f"{error.type}: {error.note}" for error in report.errors]
