"""The search index (pipeline/search.py) and the search filters (pipeline/search_pages.py).

Finding pages in the browser is tested in tests/browser/test_search.py; here: how pages are
prepared for Pagefind, which pages are indexed, that the real Pagefind binary writes an
index for both languages, reproducibly, and each page's filters from a tiny package.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline import search
from pipeline.load import load_package
from pipeline.pages import SiteData, Story
from pipeline.search_pages import Facets, search_pages

PAGE = ('<!doctype html><html lang="{lang}"><head><title>{title}</title></head><body>'
        '<nav>Trang chủ</nav><main id="main-content" class="kc-main"><h1>{title}</h1>'
        "<p>{text}</p></main><footer>Giấy phép</footer></body></html>")


@pytest.mark.parametrize(("text", "expected"), [
    ("Đại Hoàng", "Dai Hoang"),
    ("đũa tre", "dua tre"),
    ("hạt dẻ Trùng Khánh", "hat de Trung Khanh"),
    ("ĐỒNG ĐĂNG", "DONG DANG"),
    ("Nghị định 45/2012/NĐ-CP", "Nghi dinh 45/2012/ND-CP"),
    ("bamboo", "bamboo"),
])
def test_fold(text, expected):
    assert expected == search.fold(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("Rượu ngô Đại Hoàng.", "Rượu ngô Đại Dai Hoàng."),
    ("đũa tre", "đũa dua tre"),
    ("45/2012/NĐ-CP", "45/2012/NĐ ND-CP"),
    ("hạt dẻ Trùng Khánh", "hạt dẻ Trùng Khánh"),
    ("", ""),
])
def test_with_twins_adds_the_ascii_twin_after_each_word_with_d(text, expected):
    assert expected == search.with_twins(text)


@pytest.mark.parametrize(("page", "expected"), [
    ('<html><body><nav>Đi</nav><main id="m" title="Đại"><h1>Đại</h1></main></body></html>',
     '<html><body><nav>Đi</nav><main data-pagefind-body id="m" title="Đại"><h1>Đại Dai</h1>'
     "</main></body></html>"),
    ("<main><dl><dt>Năm</dt><dd>2012</dd></dl><script>var đ = 1</script></main>",
     "<main data-pagefind-body><dl><dt>Năm</dt> <dd>2012</dd> </dl>"
     "<script>var đ = 1</script></main>"),
    ("<html><body><p>Không có main</p></body></html>", None),
])
def test_prepared_marks_main_and_twins_only_its_text(page, expected):
    assert expected == search.prepared(page)


@pytest.mark.parametrize(("relative", "indexed"), [
    ("index.html", True),
    ("en/index.html", True),
    ("establishments/e-04-0001/index.html", True),
    ("en/projects/p-04-2012-001/index.html", True),
    ("statistics/index.html", True),
    ("datasets/projects/index.html", True),
    ("projects/page/2/index.html", False),
    ("en/projects/by-amount/index.html", False),
    ("establishments/by-projects/page/3/index.html", False),
    ("statistics/cumulative/2019/index.html", False),
    ("search/index.html", False),
    ("en/search/index.html", False),
    ("404.html", False),
    ("en/404.html", False),
    ("pagefind/playground/index.html", False),
])
def test_which_pages_are_indexed(relative, indexed):
    assert indexed == (search.SKIPPED.search(relative.removesuffix("index.html")) is None)


def write_site(root: Path) -> Path:
    """Four pages in two languages, one left out of the index (a second page of a list)."""
    pages = {"index.html": ("vi", "Rượu ngô Đại Hoàng", "Đôi đũa tre"),
             "en/index.html": ("en", "Đại Hoàng corn liquor", "Bamboo chopsticks"),
             "projects/index.html": ("vi", "Đề án", "Hạt dẻ Trùng Khánh"),
             "projects/page/2/index.html": ("vi", "Đề án, trang 2", "Miến dong")}
    for relative, (lang, title, text) in pages.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PAGE.format(lang=lang, title=title, text=text), encoding="utf-8")
    return root


def bundle_files(out_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(out_dir).as_posix(): p.read_bytes()
            for p in sorted((out_dir / search.BUNDLE).rglob("*")) if p.is_file()}


def test_index_site_writes_a_bundle_for_both_languages(tmp_path):
    site = write_site(tmp_path / "site")
    summary = search.index_site(site)
    entry = (site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8")
    counts = {lang: v["page_count"] for lang, v in json.loads(entry)["languages"].items()}
    assert (summary.pages, summary.languages, counts) == (3, ("en", "vi"), {"en": 1, "vi": 2})
    assert (site / "pagefind" / "pagefind.js").is_file()


def test_index_site_is_reproducible(tmp_path):
    first, second = write_site(tmp_path / "a"), write_site(tmp_path / "b")
    search.index_site(first)
    search.index_site(second)
    assert bundle_files(first) == bundle_files(second)


def test_index_site_leaves_the_pages_untouched(tmp_path):
    site = write_site(tmp_path / "site")
    before = (site / "index.html").read_bytes()
    search.index_site(site)
    assert before == (site / "index.html").read_bytes()


def test_sort_entry_sorts_the_languages(tmp_path):
    (tmp_path / "pagefind-entry.json").write_text(
        '{"version": "1", "languages": {"vi": {"hash": "b"}, "en": {"hash": "a"}}}')
    search.sort_entry(tmp_path)
    expected = '{"languages":{"en":{"hash":"a"},"vi":{"hash":"b"}},"version":"1"}'
    assert expected == (tmp_path / "pagefind-entry.json").read_text()


def test_a_failing_pagefind_stops_the_build(tmp_path):
    with pytest.raises(search.SearchIndexError):
        search.run_pagefind(tmp_path / "missing", tmp_path / "bundle")


# --- filters (pipeline/search_pages.py) ---------------------------------------------------

MHTD = ("Xây dựng mô hình trình diễn kỹ thuật, chuyển giao công nghệ và ứng dụng máy móc "
        "tiên tiến vào sản xuất")
MHTD_EN = ("Technical demonstration models, technology transfer and application of advanced "
           "machinery in production")
DT = "Đào tạo nghề, truyền nghề và phát triển nghề"


@pytest.fixture
def facets(tiny_package) -> Facets:
    """Filters of the tiny package, with one story about the bamboo establishment."""
    package, _ = load_package(tiny_package)
    story = Story("bamboo", "vi", "Tre", "", dt.date(2025, 1, 1), "e-04-0001",
                  "stories/bamboo/")
    return Facets(SiteData(package, stories=[story]))


@pytest.mark.parametrize(("kind", "owner", "lang", "expected"), [
    ("establishment", "e-04-0001", "vi", [
        ("content", MHTD), ("district", "Huyện Hòa An"), ("kind", "Cơ sở"),
        ("sector", "Chế biến gỗ, tre, trúc")]),
    ("establishment", "e-04-0002", "vi", [
        ("content", MHTD), ("district", "Huyện Quảng Hòa"), ("district", "Huyện Quảng Uyên"),
        ("kind", "Cơ sở"), ("sector", "Cơ khí, rèn")]),
    ("project", "p-04-2019-001", "en", [
        ("content", MHTD_EN), ("district", "Quảng Uyên District"), ("kind", "Project"),
        ("sector", "Metalwork and blacksmithing")]),
    ("project", "p-04-2021-002", "vi", [
        ("content", DT), ("district", "Huyện Quảng Hòa"), ("kind", "Đề án")]),
    ("story", "bamboo", "vi", [
        ("content", MHTD), ("district", "Huyện Hòa An"), ("kind", "Câu chuyện"),
        ("sector", "Chế biến gỗ, tre, trúc")]),
    ("dataset", "projects", "en", [("kind", "Dataset")]),
    ("establishment", "e-04-9999", "vi", [("kind", "Cơ sở")]),
    ("district", "051", "vi", []),
])
def test_page_filters(facets, kind, owner, lang, expected):
    assert expected == facets.filters(kind, owner, lang)


@pytest.mark.parametrize(("lang", "url", "title"), [("vi", "search/", "Tìm kiếm"),
                                                     ("en", "search/", "Search")])
def test_search_page_and_facets_for_templates(tiny_package, lang, url, title):
    package, _ = load_package(tiny_package)
    site = SiteData(package)
    [page] = search_pages(site, lang)
    assert (url, "search.html", "search", title) == (page.url, page.template, page.kind,
                                                     page.title)
    assert isinstance(site.cache["search-facets"], Facets)
