"""Sharing and discovery: sitemap.xml with hreflang alternates, robots.txt, and the head tags,
feeds and 404 page of a site built from the tiny package with the publication settings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, TINY, count_calls, write_package

from pipeline import build, checks, seo

SITEURL = "https://khuyencong-caobang.example.org"
NS = {"s": seo.SITEMAP_NS, "x": seo.XHTML_NS}
STORY = ("Title: {title}\nDate: 2025-11-03\nSlug: bamboo\nLang: {lang}\n"
         "Establishment: e-04-0001\nSummary: {summary}\n\n{summary}\n")


@pytest.mark.parametrize(("relative", "expected"), [
    ("index.html", ("vi", "")),
    ("en/index.html", ("en", "")),
    ("establishments/e-04-0001/index.html", ("vi", "establishments/e-04-0001/")),
    ("en/stories/bamboo/index.html", ("en", "stories/bamboo/")),
    ("english/index.html", ("vi", "english/")),
])
def test_split_language(relative, expected):
    assert expected == seo.split_language(relative, ("vi", "en"))


def write_pages(root: Path, pages: dict[str, str]) -> Path:
    for relative, html in pages.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    return root


def test_site_pages_pairs_languages_and_leaves_out_404_noindex_and_the_bundle(tmp_path):
    page, hidden = "<html></html>", '<html><meta name="robots" content="noindex"></html>'
    root = write_pages(tmp_path, {
        "index.html": page, "en/index.html": page, "about/index.html": page,
        "404.html": page, "en/404.html": page, "pagefind/playground/index.html": page,
        "drafts/index.html": hidden})
    expected = {"": {"vi": "", "en": "en/"}, "about/": {"vi": "about/"}}
    assert expected == seo.site_pages(root, ("vi", "en"))


def sitemap_entries(xml: bytes) -> dict[str, list[tuple[str, str]]]:
    """loc -> [(hreflang, href)] of a sitemap."""
    urlset = ET.fromstring(xml)
    return {url.findtext("s:loc", namespaces=NS):
            [(link.get("hreflang"), link.get("href")) for link in url.findall("x:link", NS)]
            for url in urlset.findall("s:url", NS)}


def test_sitemap_lists_each_language_with_alternates(tmp_path):
    pages = {"": {"vi": "", "en": "en/"}, "about/": {"vi": "about/"}}
    alternates = [("vi", "https://x.org/"), ("en", "https://x.org/en/"),
                  ("x-default", "https://x.org/")]
    expected = {"https://x.org/": alternates, "https://x.org/en/": alternates,
                "https://x.org/about/": []}
    assert expected == sitemap_entries(seo.sitemap_xml(pages, "https://x.org", ("vi", "en")))


def test_only_the_head_decides_noindex(tmp_path):
    body = '<html><head></head><body><p>&lt;meta name="robots" content="noindex"&gt;</p>' \
        '<meta name="robots" content="noindex"></body></html>'
    root = write_pages(tmp_path, {"a/index.html": body})
    assert {"a/": {"vi": "a/"}} == seo.site_pages(root, ("vi", "en"))


@pytest.fixture
def heads_read(monkeypatch) -> list[str]:
    """The pages whose head the sitemap reads (not recalled from the cache)."""
    return count_calls(monkeypatch, seo, "head_of")


SHOWN, HIDDEN = "<html></html>", '<html><meta name="robots" content="noindex"></html>'


@pytest.mark.parametrize(("rewritten", "expected_read", "expected"), [
    ({}, [], {"a/": {"vi": "a/"}}),
    ({"a/index.html": HIDDEN}, ["a/index.html"], {}),
    ({"b/index.html": SHOWN}, ["b/index.html"], {"a/": {"vi": "a/"}, "b/": {"vi": "b/"}}),
])
def test_the_sitemap_reads_again_only_pages_that_are_new_files(tmp_path, heads_read,
                                                                rewritten, expected_read,
                                                                expected):
    root = write_pages(tmp_path / "site", {"a/index.html": SHOWN, "b/index.html": HIDDEN})
    seo.site_pages(root, ("vi", "en"), tmp_path / "cache")
    for relative in rewritten:
        (root / relative).unlink()
    write_pages(tmp_path / "site", rewritten)
    heads_read.clear()
    listed = seo.site_pages(root, ("vi", "en"), tmp_path / "cache")
    assert ([f"{root}/{r}" for r in expected_read], expected) == (heads_read, listed)
    assert seo.site_pages(root, ("vi", "en")) == listed


@pytest.mark.parametrize(("limit", "expected_files"), [
    (10, []),
    (3, ["sitemap-1.xml", "sitemap-2.xml"]),
    (2, ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]),
])
def test_a_large_sitemap_is_split_behind_an_index(tmp_path, monkeypatch, limit, expected_files):
    monkeypatch.setattr(seo, "MAX_URLS", limit)
    page = "<html><head></head></html>"
    root = write_pages(tmp_path, {"index.html": page, "en/index.html": page,
                                  "a/index.html": page, "b/index.html": page,
                                  "en/b/index.html": page})
    listed = seo.write_discovery_files(root, "https://x.org", ("vi", "en"))
    top = ET.fromstring((root / "sitemap.xml").read_bytes())
    files = [loc.removeprefix("https://x.org/") for loc in
             (e.text for e in top.iter(f"{{{seo.SITEMAP_NS}}}loc")) if loc.endswith(".xml")]
    urls = [loc for name in (files or ["sitemap.xml"])
            for loc in sitemap_entries((root / name).read_bytes())]
    assert (listed, files, sorted(urls)) == (5, expected_files, sorted(
        f"https://x.org/{p}" for p in ("", "en/", "a/", "b/", "en/b/")))
    assert all(len(sitemap_entries((root / name).read_bytes())) <= limit for name in files)


def test_robots_points_to_the_sitemap():
    assert "Sitemap: https://x.org/sitemap.xml\n" in seo.robots_txt("https://x.org")


# --- the built site ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The tiny package and one story in both languages, built for publication."""
    root = tmp_path_factory.mktemp("seo")
    data = write_package(root / "data", TINY)
    stories = root / "content" / "stories"
    stories.mkdir(parents=True)
    (root / "content" / "pages").mkdir()
    for lang, suffix, title in (("vi", "", "Tre trúc Hòa An"), ("en", ".en", "Hòa An bamboo")):
        (stories / f"bamboo{suffix}.md").write_text(
            STORY.format(title=title, lang=lang, summary=f"{title}: xưởng tre."),
            encoding="utf-8")
    package, report = build.validate(data, root / "content")
    assert report.ok, report.to_dict()
    build.build(package, ROOT / "publishconf.py", root / "output", root / "content")
    return root / "output"


def soup(site: Path, relative: str) -> BeautifulSoup:
    return BeautifulSoup((site / relative).read_text(encoding="utf-8"), "html.parser")


def meta(page: BeautifulSoup, key: str) -> str | None:
    tag = page.find("meta", attrs={"property": key}) or page.find("meta", attrs={"name": key})
    return tag["content"] if tag else None


def test_sitemap_of_the_built_site(site):
    entries = sitemap_entries((site / "sitemap.xml").read_bytes())
    story = [("vi", f"{SITEURL}/stories/bamboo/"), ("en", f"{SITEURL}/en/stories/bamboo/"),
             ("x-default", f"{SITEURL}/stories/bamboo/")]
    assert story == entries[f"{SITEURL}/en/stories/bamboo/"]
    assert f"{SITEURL}/en/search/" in entries
    assert [loc for loc in entries if "404" in loc or not loc.startswith(SITEURL)] == []


def test_robots_of_the_built_site(site):
    assert f"Sitemap: {SITEURL}/sitemap.xml" in (site / "robots.txt").read_text()


@pytest.mark.parametrize(("relative", "canonical", "og_type", "locale"), [
    ("index.html", f"{SITEURL}/", "website", "vi_VN"),
    ("en/establishments/e-04-0001/index.html", f"{SITEURL}/en/establishments/e-04-0001/",
     "website", "en_GB"),
    ("stories/bamboo/index.html", f"{SITEURL}/stories/bamboo/", "article", "vi_VN"),
    ("en/search/index.html", f"{SITEURL}/en/search/", "website", "en_GB"),
])
def test_head_tags(site, relative, canonical, og_type, locale):
    page = soup(site, relative)
    found = (page.find("link", rel="canonical")["href"], meta(page, "og:url"),
             meta(page, "og:type"), meta(page, "og:locale"), meta(page, "twitter:card"))
    assert (canonical, canonical, og_type, locale, "summary") == found
    assert meta(page, "og:title") and meta(page, "og:description")


@pytest.mark.parametrize(("relative", "feed"), [
    ("index.html", f"{SITEURL}/feeds/all-vi.atom.xml"),
    ("en/index.html", f"{SITEURL}/feeds/all-en.atom.xml"),
])
def test_each_language_links_its_story_feed(site, relative, feed):
    link = soup(site, relative).find("link", type="application/atom+xml")
    assert feed == link["href"]
    entries = ET.parse(site / feed.removeprefix(SITEURL + "/")).getroot()
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title")
              for e in entries.findall("{http://www.w3.org/2005/Atom}entry")]
    assert ["Tre trúc Hòa An" if relative == "index.html" else "Hòa An bamboo"] == titles


@pytest.mark.parametrize("relative", ["404.html", "en/404.html"])
def test_404_page_is_useful_and_not_indexed(site, relative):
    page = soup(site, relative)
    prefix = "/en" if relative.startswith("en/") else ""
    links = {a["href"] for a in page.select("main a")}
    assert (meta(page, "robots"), page.find("link", rel="canonical")) == ("noindex", None)
    assert page.select_one("main form")["action"] == f"{SITEURL}{prefix}/search/"
    assert {f"{SITEURL}{prefix}/establishments/", f"{SITEURL}{prefix}/projects/",
            f"{SITEURL}{prefix}/stories/"} <= links


def test_pages_from_a_walk_already_made_are_those_of_a_new_walk(tmp_path):
    root = write_pages(tmp_path, {
        "index.html": SHOWN, "en/index.html": SHOWN, "a-b/index.html": SHOWN,
        "a/index.html": HIDDEN, "a/b/index.html": SHOWN, "search/index.html": SHOWN,
        "search/x/index.html": SHOWN, "en/search/y.html": SHOWN, "style.css": "",
        "pagefind/p/index.html": SHOWN, "404.html": SHOWN})
    listing = checks.site_files(root)

    def prune(folder: str) -> bool:
        return folder.endswith("search/")

    assert seo.html_files(root) == [name for name, _ in seo.listed_html(listing)]
    assert seo.html_files(root, prune) == [name for name, _ in seo.listed_html(listing, prune)]
    assert seo.site_pages(root, ("vi", "en")) == seo.site_pages(
        root, ("vi", "en"), tmp_path / "cache", listing)


def sitemap_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.glob("sitemap*.xml"))}


@pytest.mark.parametrize("change", ["nothing", "a new page", "another address",
                                    "kept file edited", "kept record lost"])
def test_a_republish_links_the_last_sitemaps_only_when_nothing_they_show_changed(
        tmp_path, monkeypatch, change):
    monkeypatch.setattr(seo, "MAX_URLS", 2)  # a sitemap index and three files
    page = "<html><head></head></html>"
    pages = {"index.html": page, "en/index.html": page, "a/index.html": page,
             "en/a/index.html": page, "b/index.html": page}
    cache, url = tmp_path / "cache", "https://x.org"
    first = write_pages(tmp_path / "first", pages)
    seo.write_discovery_files(first, url, ("vi", "en"), cache=cache)
    if change == "a new page":
        pages["c/index.html"] = page
    elif change == "another address":
        url = "https://y.org"
    elif change == "kept file edited":
        with (first / "sitemap-1.xml").open("a", encoding="utf-8") as edited:
            edited.write("<!-- by hand -->")  # in place: the kept link sees it too
    elif change == "kept record lost":
        (cache / seo.SITEMAP_CACHE / seo.KEPT).unlink()
    second = write_pages(tmp_path / "second", pages)
    seo.write_discovery_files(second, url, ("vi", "en"), cache=cache)
    fresh = write_pages(tmp_path / "fresh", pages)
    seo.write_discovery_files(fresh, url, ("vi", "en"))
    assert sitemap_files(fresh) == sitemap_files(second)
    assert 4 == len(sitemap_files(second))  # an index and three files
    linked = [(second / n).stat().st_ino == (first / n).stat().st_ino
              for n in sitemap_files(second)]
    assert linked == [change == "nothing"] * len(linked)
