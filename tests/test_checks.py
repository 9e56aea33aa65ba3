"""The built-site checks: broken internal links and resources loaded from other hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import checks
from pipeline.checks import (
    broken_links,
    check_links,
    external_loads,
    parser_links,
    references,
    tag_links,
    target_path,
)

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


@pytest.mark.parametrize(("html", "files", "broken"), [
    ('<a href="/b/">b</a><a href="/c/">c</a>', ("b/index.html",), ["/c/"]),
    ('<a href="/b/">b</a><a href="/b/">again</a>', (), ["/b/", "/b/"]),
    ('<a href="../b/x.csv">csv</a>', (), ["../b/x.csv"]),
])
def test_both_ways_of_reading_links_agree(tmp_path, html, files, broken):
    root = site(tmp_path, html, files)
    read_once = broken_links(root, SITEURL, references(root))
    expected = (broken, broken)
    assert expected == ([r.target for r in read_once],
                        [r.target for r in check_links(root, SITEURL).broken])


@pytest.mark.parametrize("tag", [
    '<a href="/x/">', "<A HREF='/x/'>", "<a href=/x/ >", '<a href="/x/?a=1&amp;b=2">',
    '<a\nhref="/x/"\nrel="license">', '<a href="/x/" download>', '<a download href="/x/">',
    '<img src="/a.webp" srcset="/a.webp 1x, /b.webp 2x" />', '<link rel=stylesheet href="/s.css">',
    '<a href="/x/" href="/y/">', '<a-b href="/x/">', '<a title="a > b" href="/x/">',
    '<a href="">', "<a href>", '<script src="/s.js">', '<form action="/search/" method="get">',
    '<a href = "/x/" >', '<a href="/&eacute;/">', '<a href="/x/"/>', '<img src="/a.png"\r\nalt="">',
])
def test_a_tag_is_read_as_the_html_parser_reads_it(tag):
    assert parser_links(tag.replace("\r\n", "\n")) == list(tag_links(tag.encode()))


@pytest.mark.parametrize(("folder", "target", "expected"), [
    ("", "/", "index.html"),
    ("a/", "/b/", "b/index.html"),
    ("a/", "/b/x.csv", "b/x.csv"),
    ("a/", "/b//c/", "b//c/index.html"),
    ("a/", "/b/./c", "b/c"),
    ("a/", "/b/../c", "c"),
    ("a/", "/b/?q=1#top", "b/index.html"),
    ("a/", "/x%20y/", "x y/index.html"),
    ("a/", " /b/ ", "b/index.html"),
    ("a/", "b/", "a/b/index.html"),
    ("a/b/", "../c.csv", "a/c.csv"),
    ("a/", "//cdn.example.com/a.js", None),
    ("a/", "https://example.org/b/", "b/index.html"),
    ("a/", "https://other.org/b/", None),
    ("a/", "mailto:x@example.org", None),
    ("a/", "#main", None),
])
def test_targets_resolve_as_urljoin_resolves_them(folder, target, expected):
    assert expected == target_path(folder, target, SITEURL)


# -- remembered pages: unchanged pages are not read again, but still checked ------------------

@pytest.fixture
def page_reads(monkeypatch):
    """Records which pages the link check reads, so a test can see what the cache skipped."""
    read: list[str] = []
    original = checks.read_page

    def recording(page, data, judge, report):
        read.append(page)
        return original(page, data, judge, report)

    monkeypatch.setattr(checks, "read_page", recording)
    return read


def test_an_unchanged_page_is_checked_against_the_new_files(tmp_path, page_reads):
    root, cache = site(tmp_path / "out", '<a href="/b/">b</a>', ("b/index.html",)), tmp_path / "c"
    first = check_links(root, SITEURL, cache=cache)
    read_first = list(page_reads)
    page_reads.clear()
    unchanged = check_links(root, SITEURL, cache=cache)
    read_unchanged = list(page_reads)
    (root / "b/index.html").unlink()
    page_reads.clear()
    gone = check_links(root, SITEURL, cache=cache)
    expected = ([], ["a/index.html", "b/index.html", "index.html"], [], [], ["/b/"],
                ["a/index.html"], 1)
    assert expected == (first.broken, read_first, unchanged.broken, read_unchanged,
                        [r.target for r in gone.broken], page_reads, gone.count)


def test_a_changed_page_is_read_again(tmp_path, page_reads):
    root, cache = site(tmp_path / "out", '<a href="/b/">b</a>'), tmp_path / "c"
    check_links(root, SITEURL, cache=cache)
    new = root / "a/index.html.new"
    new.write_text('<a href="/c/">c</a><img src="https://cdn.example.com/i.png">',
                   encoding="utf-8")
    new.replace(root / "a/index.html")
    page_reads.clear()
    report = check_links(root, SITEURL, cache=cache)
    expected = (["a/index.html"], ["/c/"], ["https://cdn.example.com/i.png"])
    assert expected == (page_reads, [r.target for r in report.broken],
                        [r.target for r in report.external])


def test_after_a_missing_target_comes_back_no_page_is_read_again(tmp_path, page_reads):
    root = site(tmp_path / "out", '<a href="/b/">b</a> <a href="c.csv">c</a>',
                ("b/index.html", "a/c.csv"))
    cache = tmp_path / "c"
    check_links(root, SITEURL, cache=cache)
    (root / "a/c.csv").unlink()
    page_reads.clear()
    gone = check_links(root, SITEURL, cache=cache)
    read_gone = list(page_reads)
    (root / "a/c.csv").write_text("", encoding="utf-8")
    page_reads.clear()
    back = check_links(root, SITEURL, cache=cache)
    assert (["c.csv"], ["a/index.html"], [], []) == (
        [r.target for r in gone.broken], read_gone, back.broken, page_reads)


@pytest.mark.parametrize(("paths", "used", "renumber", "expected_table"), [
    (["x", "y", "z"], [["y", "z"], ["z"]], False, ["x", "y", "z"]),
    (["x", "y", "z"], [["y", "z"], ["z"]], True, ["y", "z"]),
    (["x", "y", "z"], [[], ["x"]], True, ["x"]),
])
def test_a_renumbered_path_table_keeps_what_each_page_links_to(paths, used, renumber,
                                                               expected_table):
    table = checks.PathTable(paths)
    entries = {f"p{n}.html": ((0, n, 0, 0), (len(targets), table.ids(targets), ()))
               for n, targets in enumerate(used)}
    kept = table.kept(entries, renumber=renumber)
    targets = [sorted(kept[i] for i in checks.PathTable.of(e[1][1])) for e in entries.values()]
    assert (expected_table, used) == (kept, targets)


# -- the published data package ------------------------------------------------------------

@pytest.fixture
def validated(monkeypatch) -> list[str]:
    """The resources Frictionless validates one by one (the cached path), in order."""
    from frictionless import Package

    names: list[str] = []
    original = Package.validate

    def counting(self, *args, **kwargs):
        names.append(kwargs.get("name") or "*")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Package, "validate", counting)
    return names


def exported(make_package, out: Path, edit=None, folder: str = "data") -> Path:
    """The tiny package (edited) exported into ``out``; its ``datapackage.json``."""
    from pipeline.export import export_open_data
    from pipeline.load import load_package

    package, _ = load_package(make_package(edit, folder=folder))
    export_open_data(package, out, version="0.1.0", created="2025-01-01")
    return out / "data" / "datapackage.json"


def retitled(rows: dict) -> None:
    rows["projects"][0]["title_vi"] += " (đã sửa)"


def test_a_republished_package_validates_only_the_changed_resource(make_package, tmp_path,
                                                                    validated):
    cache = tmp_path / "cache"
    first = checks.package_errors(exported(make_package, tmp_path / "a"), cache=cache)
    validated.clear()
    again = checks.package_errors(exported(make_package, tmp_path / "b", retitled, "second"),
                                  cache=cache)
    unchanged = checks.package_errors(tmp_path / "b" / "data" / "datapackage.json",
                                      cache=cache)
    assert ([], [], [], ["projects"]) == (first, again, unchanged, validated)


@pytest.mark.parametrize(("resource", "data"), [
    ("establishments", b"establishment_id\r\nnot the exported file\r\n"),
    ("projects", None),  # a byte appended: size and hash differ
])
def test_a_file_changed_after_the_export_fails_with_or_without_the_cache(
        make_package, tmp_path, resource, data):
    cache = tmp_path / "cache"
    descriptor = exported(make_package, tmp_path / "a")
    checks.package_errors(descriptor, cache=cache)
    path = descriptor.parent / f"{resource}.csv"
    path.write_bytes(data if data is not None else path.read_bytes() + b"\r\n")
    uncached = checks.package_errors(descriptor)
    assert uncached and uncached == checks.package_errors(descriptor, cache=cache)


def test_a_descriptor_changed_after_the_export_fails_with_or_without_the_cache(
        make_package, tmp_path):
    cache = tmp_path / "cache"
    descriptor = exported(make_package, tmp_path / "a")
    checks.package_errors(descriptor, cache=cache)
    content = descriptor.read_text(encoding="utf-8")
    descriptor.write_text(content.replace('"type": "integer"', '"type": "date"', 1),
                          encoding="utf-8")
    uncached = checks.package_errors(descriptor)
    assert uncached and uncached == checks.package_errors(descriptor, cache=cache)


@pytest.mark.parametrize(("entries", "name", "expected"), [
    ({"a": {}}, "a", {"a"}),
    ({"a": {"schema": {"foreignKeys": [{"reference": {"resource": ""}}]}}}, "a", {"a"}),
    ({"a": {"schema": {"foreignKeys": [{"reference": {"resource": "b"}}]}},
      "b": {"schema": {"foreignKeys": [{"reference": {"resource": "c"}}]}}, "c": {}, "d": {}},
     "a", {"a", "b", "c"}),
])
def test_a_resource_key_covers_the_resources_its_foreign_keys_reach(entries, name, expected):
    assert expected == checks.reached(name, entries)


@pytest.mark.parametrize(("listed", "expected"), [
    (None, ["/b/"]),                        # walked by the check itself
    (("index.html", "a/index.html"), ["/b/"]),
    (("index.html",), []),                  # a page left out of the listing is not read
])
def test_check_links_reads_the_pages_of_the_listing_it_is_given(tmp_path, listed, expected):
    root = site(tmp_path, '<a href="/b/">b</a>')
    listing = None if listed is None else [
        (name, entry) for name, entry in checks.site_files(root) if name in listed]
    report = check_links(root, SITEURL, listing=listing)
    assert expected == [reference.target for reference in report.broken]


# -- one walk of the site, kept up to date; the package check in a forked child -----------------

def test_relisted_equals_a_new_walk_and_keeps_the_other_entries(tmp_path):
    for relative in ("index.html", "a/index.html", "a/b/c.css", "pagefind/old.pf",
                     "pagefind/x/y.pf", "sitemap.xml", "data/x.csv"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(relative)
    listing = checks.site_files(tmp_path)
    (tmp_path / "pagefind" / "old.pf").unlink()
    (tmp_path / "pagefind" / "new").mkdir()
    (tmp_path / "pagefind" / "new" / "z.pf").write_text("z")
    (tmp_path / "sitemap.xml").unlink()
    (tmp_path / "sitemap.xml").write_text("again")  # a new file: a new inode
    (tmp_path / "robots.txt").write_text("new")
    after = checks.relisted(tmp_path, listing, ["pagefind"])
    walked = checks.site_files(tmp_path)
    old = dict(listing)
    assert [name for name, _ in walked] == [name for name, _ in after]
    assert [checks.identity(e) for _, e in walked] == [checks.identity(e) for _, e in after]
    assert all(entry is old[name] for name, entry in after if name.startswith(("a/", "data/")))


@pytest.mark.parametrize("edit", [None, "tamper"])
def test_the_package_check_in_a_child_finds_and_remembers_what_the_direct_check_does(
        make_package, tmp_path, validated, edit):
    descriptor = exported(make_package, tmp_path / "a")
    if edit:
        path = descriptor.parent / "projects.csv"
        path.write_bytes(path.read_bytes() + b"\r\n")
    direct = checks.package_errors(descriptor)
    with checks.start_package_check(descriptor, cache=tmp_path / "cache") as started:
        forked = checks.package_errors(descriptor, cache=tmp_path / "cache", started=started)
    remembered = (tmp_path / "cache" / checks.PACKAGE_MEMORY).is_file()
    validated.clear()
    again = checks.package_errors(descriptor, cache=tmp_path / "cache")
    assert (forked, again) == (direct, direct)
    assert (bool(direct), remembered) == (bool(edit), not edit)  # remembered only when valid
    if not edit:
        assert [] == validated  # the parent wrote what the child found: nothing validated


def test_site_files_come_in_path_order_without_a_final_sort(tmp_path):
    """A folder's files are listed where its name sorts, between its neighbours' files."""
    names = ["a/b/index.html", "a/b.html", "a/a-b.html", "a-b/x.css", "a/b/c/d.txt",
             "b.txt", "a/b-c/index.html", "A/z.html", "é/x.html", "a/.hidden", "z"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name, encoding="utf-8")
    (tmp_path / "empty" / "folder").mkdir(parents=True)
    expected = sorted(Path(name) for name in names)
    assert [p.as_posix() for p in expected] == [n for n, _ in checks.site_files(tmp_path)]
    assert [p.as_posix() for p in expected if p.parts[0] == "a"] == [
        n for n, _ in checks.walk(str(tmp_path / "a"), "a/")]
