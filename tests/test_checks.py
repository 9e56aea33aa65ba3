"""The built-site checks: broken internal links and resources loaded from other hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.checks import broken_links, external_loads

SITEURL = "https://example.org"


def site(tmp_path: Path, html: str, files: tuple[str, ...] = ()) -> Path:
    """A one-page site at ``a/index.html`` plus empty ``files``."""
    for name in ("index.html", *files):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "a").mkdir(exist_ok=True)
    (tmp_path / "a/index.html").write_text(f"<html><body>{html}</body></html>",
                                           encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("html", "files", "broken"), [
    ('<a href="/">home</a>', (), []),
    ('<a href="/b/">b</a>', (), ["/b/"]),
    ('<a href="/b/">b</a>', ("b/index.html",), []),
    ('<a href="../b/x.csv">csv</a>', ("b/x.csv",), []),
    ('<a href="c.csv">csv</a>', (), ["c.csv"]),
    ('<a href="c.csv">csv</a>', ("a/c.csv",), []),
    ('<a href="/b/?sort=x#top">b</a>', ("b/index.html",), []),
    ('<a href="#main">skip</a>', (), []),
    ('<a href="mailto:x@example.org">mail</a>', (), []),
    ('<a href="https://other.org/missing">out</a>', (), []),
    (f'<a href="{SITEURL}/b/">b</a>', (), [f"{SITEURL}/b/"]),
    ('<link rel="stylesheet" href="/theme/site.css">', (), ["/theme/site.css"]),
    ('<img src="/i/a.webp" srcset="/i/a.webp 1x, /i/b.webp 2x">', ("i/a.webp",), ["/i/b.webp"]),
    ('<script src="/s.js"></script>', ("s.js",), []),
    ('<a href="/x%20y/">space</a>', ("x y/index.html",), []),
])
def test_broken_links(tmp_path, html, files, broken):
    found = broken_links(site(tmp_path, html, files), SITEURL)
    assert broken == [reference.target for reference in found]


@pytest.mark.parametrize(("html", "outside"), [
    ('<a href="https://other.org/">out</a>', []),
    ('<link rel="alternate" hreflang="en" href="https://other.org/en/">', []),
    ('<link rel="stylesheet" href="https://cdn.example.com/a.css">', ["https://cdn.example.com/a.css"]),
    ('<script src="//cdn.example.com/a.js"></script>', ["//cdn.example.com/a.js"]),
    ('<img src="https://tiles.example.com/1.png">', ["https://tiles.example.com/1.png"]),
    (f'<img src="{SITEURL}/a.png">', []),
    ('<img src="/a.png">', []),
])
def test_external_loads(tmp_path, html, outside):
    found = external_loads(site(tmp_path, html), SITEURL)
    assert outside == [reference.target for reference in found]


def test_a_broken_link_names_its_page(tmp_path):
    [reference] = broken_links(site(tmp_path, '<a href="/nope/">x</a>'))
    assert (reference.page, reference.tag, reference.attribute) == ("a/index.html", "a", "href")
