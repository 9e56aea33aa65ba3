"""Checks of a built site: every internal link resolves, nothing is loaded from another host.

Shared by the integration tests and the build's post-build checks. The parser is the
standard library's, so checking thousands of pages stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def references(output_dir: Path) -> list[Reference]:
    """Every address in every HTML page of ``output_dir``."""
    found = []
    for path in sorted(output_dir.rglob("*.html")):
        parser = ReferenceParser()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        page = path.relative_to(output_dir).as_posix()
        found.extend(Reference(page, tag, attr, target, rel or "")
                     for tag, attr, target, rel in parser.found)
    return found


def internal_path(reference: Reference, siteurl: str = "") -> str | None:
    """The output-relative file a reference points to, or None if it leaves the site."""
    target = reference.target.strip()
    if siteurl and target.startswith(siteurl.rstrip("/") + "/"):
        target = target[len(siteurl.rstrip("/")):]
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(("#", "mailto:", "tel:")):
        return None
    resolved = urlsplit(urljoin("/" + reference.page, parts.path)).path
    path = unquote(resolved).lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def broken_links(output_dir: Path, siteurl: str = "") -> list[Reference]:
    """References to a file of the site that does not exist (``siteurl`` counts as internal)."""
    broken = []
    for reference in references(output_dir):
        path = internal_path(reference, siteurl)
        if path is not None and not (output_dir / path).is_file():
            broken.append(reference)
    return broken


def external_loads(output_dir: Path, siteurl: str = "") -> list[Reference]:
    """Resources a browser would fetch from another host (fonts, scripts, styles, images).

    Outbound links the reader clicks (``<a href>``, ``<link rel=alternate|license>``) are fine.
    """
    outside = []
    for reference in references(output_dir):
        if (reference.tag, reference.attribute) not in LOADS:
            continue
        if reference.tag == "link" and not FETCHED_RELS & set(reference.rel.split()):
            continue
        if internal_path(reference, siteurl) is None and "//" in reference.target:
            outside.append(reference)
    return outside
