"""The search index (pipeline/search.py) and the search filters (pipeline/search_pages.py).

Finding pages in the browser is tested in tests/browser/test_search.py; here: how pages are
prepared for Pagefind, which pages are indexed, that the real Pagefind binary writes an
index for both languages, reproducibly, and each page's filters from a tiny package.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, count_calls

from pipeline import search
from pipeline.load import load_package
from pipeline.pages import Page, SiteData, Story
from pipeline.search_pages import Facets, search_filters, search_pages

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
     "<main data-pagefind-body><dl><dt>Năm</dt> <dd>2012</dd> </dl></main>"),
    ('<main><h1>Đề án</h1><span data-value="Đông Khê"></span><details><summary>Mọi trường'
     "</summary><table><tr><td>title_en</td></tr></table></details><p>đũa</p></main>",
     '<main data-pagefind-body><h1>Đề De án</h1><span data-value="Đông Khê"></span>'
     "<p>đũa dua</p></main>"),
    ("<main><ul><li>Đồng</li><li>Tre</li></ul><style>p {}</style>cuối đường</main>",
     "<main data-pagefind-body><ul><li>Đồng Dong</li> <li>Tre</li> </ul>cuối đường duong"
     "</main>"),
    ("<main><figure><svg><text>2012</text></svg><figcaption>Đồ thị</figcaption></figure></main>",
     "<main data-pagefind-body><figure><figcaption>Đồ Do thị</figcaption></figure></main>"),
    ('<main><h2>Theo năm</h2><table class="kc-table kc-stat__table"><tr><td>2012</td></tr>'
     '</table><table class="kc-table"><tr><td>Tre</td></tr></table></main>',
     '<main data-pagefind-body><h2>Theo năm</h2><table class="kc-table"><tr><td>Tre</td> '
     "</tr></table></main>"),
    ("<html><body><p>Không có main</p></body></html>", None),
    ("<main><h1>Huyện Trùng Khánh</h1><!--kc-unindexed--><table><tr><td>Đề án tre</td></tr>"
     "</table><!--/kc-unindexed--><p>Tre</p><!--kc-unindexed--><ul><li>Xưởng</li></ul>"
     "<!--/kc-unindexed--></main>",
     "<main data-pagefind-body><h1>Huyện Trùng Khánh</h1><p>Tre</p></main>"),
])
def test_prepared_indexes_main_without_statistics_and_details_and_twins_its_text(page, expected):
    assert expected == search.prepared(page)


@pytest.mark.parametrize(("relative", "indexed"), [
    ("index.html", True),
    ("en/index.html", True),
    ("establishments/e-04-0001/index.html", True),
    ("en/projects/p-04-2012-001/index.html", False),
    ("projects/index.html", True),
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


@pytest.mark.parametrize(("relative", "partition"), [
    ("index.html", "site"),
    ("en/stories/bamboo/index.html", "site"),
    ("establishments/index.html", "browse"),
    ("years/2012/index.html", "browse"),
    ("en/contents/nlql/index.html", "browse"),
    ("data-quality/index.html", "browse"),
    ("about/index.html", "site"),
    ("establishments/e-04-0001/index.html", "p04"),
    ("en/projects/p-11-2012-001/index.html", "p11"),
    ("districts/047/index.html", "units-7"),
    ("en/communes/00301-2025/index.html", "units-1"),
    ("communes/index.html", "browse"),
    ("datasets/projects/index.html", "browse"),
])
def test_partition_of(relative, partition):
    assert partition == search.partition_of(relative)


#: (language, title, text) of each page of a small site in three partitions.
SITE = {"index.html": ("vi", "Rượu ngô Đại Hoàng", "Đôi đũa tre"),
        "en/index.html": ("en", "Đại Hoàng corn liquor", "Bamboo chopsticks"),
        "projects/index.html": ("vi", "Đề án", "Hạt dẻ Trùng Khánh"),
        "projects/page/2/index.html": ("vi", "Đề án, trang 2", "Miến dong"),
        "establishments/e-04-0001/index.html": ("vi", "Xưởng tre", "Đan lát"),
        "en/establishments/e-04-0001/index.html": ("en", "Bamboo workshop", "Weaving"),
        "projects/p-04-2012-001/index.html": ("vi", "Hỗ trợ xưởng tre", "Đan lát"),
        "districts/047/index.html": ("vi", "Huyện Trùng Khánh", "Hạt dẻ")}


def write_site(root: Path, changed: dict[str, str] | None = None) -> Path:
    """``SITE`` written into ``root``; ``changed`` replaces some pages' text."""
    for relative, (lang, title, text) in SITE.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (changed or {}).get(relative, text)
        path.write_text(PAGE.format(lang=lang, title=title, text=text), encoding="utf-8")
    return root


def bundle_files(out_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(out_dir).as_posix(): p.read_bytes()
            for p in sorted((out_dir / search.BUNDLE).rglob("*")) if p.is_file()}


def parts_manifest(out_dir: Path) -> dict:
    return json.loads((out_dir / "pagefind" / search.MANIFEST).read_text(encoding="utf-8"))


def entry_counts(bundle: Path) -> dict[str, int]:
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return {lang: v["page_count"] for lang, v in entry["languages"].items()}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> tuple[Path, search.IndexSummary]:
    """``SITE`` indexed once, without a previous build."""
    site = write_site(tmp_path_factory.mktemp("indexed"))
    return site, search.index_site(site)


def test_index_site_indexes_each_partition(indexed):
    site, summary = indexed
    listed = parts_manifest(site)["languages"]
    parts = {path.name.rsplit("-", 1)[0]: entry_counts(path)
             for path in (site / "pagefind" / "parts").iterdir()}
    assert (summary.pages, summary.languages, summary.partitions, summary.reused) == (
        6, ("en", "vi"), 4, 0)
    assert {"en": 1, "vi": 1} == entry_counts(site / "pagefind")
    assert {"browse": {"vi": 1}, "p04": {"en": 1, "vi": 1}, "units-7": {"vi": 1}} == parts
    assert ([["p04"], ["browse", "p04", "units-7"]] ==
            [[p.split("/")[1].rsplit("-", 1)[0] for p in listed[lang]] for lang in ("en", "vi")])


def test_primary_bundle_has_the_scripts_and_parts_only_their_index(indexed):
    site, _ = indexed
    part = next((site / "pagefind" / "parts").iterdir())
    kept = {p.relative_to(part).parts[0].split(".")[0] for p in part.rglob("*") if p.is_file()}
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert {"fragment", "index", "pagefind-entry", "pagefind"} >= kept
    assert not any(part.glob("*.js")) and not any(part.glob("wasm.*"))


def test_index_site_is_reproducible(indexed, tmp_path):
    site, _ = indexed
    again = write_site(tmp_path / "again")
    search.index_site(again)
    assert bundle_files(site) == bundle_files(again)


def test_index_site_leaves_the_pages_untouched(tmp_path):
    site = write_site(tmp_path / "site")
    before = (site / "index.html").read_bytes()
    search.index_site(site)
    assert before == (site / "index.html").read_bytes()


def test_an_unchanged_site_reuses_every_partition_byte_for_byte(indexed, tmp_path):
    previous, _ = indexed
    site = write_site(tmp_path / "site")
    summary = search.index_site(site, previous=previous)
    linked = (site / "pagefind" / "pagefind.js").stat().st_ino == (
        previous / "pagefind" / "pagefind.js").stat().st_ino
    assert (summary.reused, linked) == (4, True)
    assert bundle_files(previous) == bundle_files(site)


def test_a_changed_page_reindexes_only_its_partition(indexed, tmp_path):
    previous, _ = indexed
    changed = {"establishments/e-04-0001/index.html": "Đan lát mây"}
    site = write_site(tmp_path / "site", changed)
    fresh = write_site(tmp_path / "fresh", changed)
    summary = search.index_site(site, previous=previous)
    search.index_site(fresh)
    old, new = ({p.name.rsplit("-", 1)[0]: p.name
                 for p in (root / "pagefind" / "parts").iterdir()} for root in (previous, site))
    assert (summary.reused, {n for n in old if old[n] != new[n]}) == (3, {"p04"})
    assert bundle_files(fresh) == bundle_files(site)


UNINDEXED_LIST = "Năm 2012<!--kc-unindexed--><ul><li>{}</li></ul><!--/kc-unindexed-->"
LIST_PAGE = "projects/index.html"  # in the ``browse`` partition


def partition_folders(root: Path) -> dict[str, str]:
    return {p.name.rsplit("-", 1)[0]: p.name for p in (root / "pagefind" / "parts").iterdir()}


@pytest.mark.parametrize(("text", "reindexed"), [
    (UNINDEXED_LIST.format("Đề án tre (đã sửa)"), set()),  # inside the marked list only
    ("Năm 2013" + UNINDEXED_LIST.format("Đề án tre"), {"browse"}),
])
def test_only_a_change_outside_the_unindexed_regions_reindexes_the_partition(
        tmp_path, text, reindexed):
    """A corrected project title changes every list page that shows it; those lists are
    not indexed, so the partitions keep their keys and their bundles."""
    previous = write_site(tmp_path / "previous", {LIST_PAGE: UNINDEXED_LIST.format("Đề án tre")})
    search.index_site(previous)
    site, fresh = (write_site(tmp_path / name, {LIST_PAGE: text}) for name in ("site", "fresh"))
    summary = search.index_site(site, previous=previous)
    search.index_site(fresh)
    old, new = partition_folders(previous), partition_folders(site)
    assert (summary.reused, {n for n in old if old[n] != new[n]}) == (4 - len(reindexed),
                                                                     reindexed)
    assert bundle_files(fresh) == bundle_files(site)


def spare_copy(previous: Path, site: Path) -> None:
    """What a spare holds of its search index when a build takes it: the part bundles
    (hard links of the published ones), nothing else (``incremental.take_spare``)."""
    search.link_tree(previous / "pagefind" / "parts", site / "pagefind" / "parts")


@pytest.fixture
def linked(monkeypatch) -> list[str]:
    """The partitions ``search.link_tree`` links a bundle into, by name."""
    names: list[str] = []
    real = search.link_tree

    def spy(source, target, skip=()):
        names.append(Path(target).name.rsplit("-", 1)[0])
        real(source, target, skip)

    monkeypatch.setattr(search, "link_tree", spy)
    return names


def test_the_spares_unchanged_parts_are_kept_where_they_are(indexed, tmp_path, linked):
    previous, _ = indexed
    changed = {"establishments/e-04-0001/index.html": "Đan lát mây"}
    site = write_site(tmp_path / "site", changed)
    spare_copy(previous, site)
    linked.clear()
    stale = site / "pagefind" / "parts" / "gone-0123"
    stale.mkdir()
    (stale / "pagefind-entry.json").write_text("{}", encoding="utf-8")
    summary = search.index_site(site, previous=previous)
    fresh = write_site(tmp_path / "fresh", changed)
    search.index_site(fresh)
    parts = {p.name.rsplit("-", 1)[0] for p in (site / "pagefind" / "parts").iterdir()}
    assert (summary.reused, linked) == (3, ["pagefind"])  # the primary only: its scripts
    assert {"browse", "p04", "units-7"} == parts
    assert bundle_files(fresh) == bundle_files(site)


@pytest.mark.parametrize("damage", ["missing", "extra", "copied"])
def test_a_spares_part_that_is_not_the_linked_bundle_is_replaced(indexed, tmp_path, damage,
                                                                  linked):
    previous, _ = indexed
    site = write_site(tmp_path / "site")
    spare_copy(previous, site)
    linked.clear()
    part = next(p for p in (site / "pagefind" / "parts").iterdir() if p.name.startswith("p04"))
    entry = part / "pagefind-entry.json"
    if damage == "missing":
        entry.unlink()
    elif damage == "extra":
        (part / "left-over.txt").write_text("x", encoding="utf-8")
    else:  # the same bytes in a file of its own: not the file the previous build checked
        data = entry.read_bytes()
        entry.unlink()
        entry.write_bytes(data)
    summary = search.index_site(site, previous=previous)
    assert (summary.reused, sorted(linked)) == (4, ["p04", "pagefind"])
    assert bundle_files(previous) == bundle_files(site)


@pytest.mark.parametrize(("change", "same"), [
    (None, True), ("unlink", False), ("add", False), ("copy", False), ("folder", False)])
def test_same_tree_compares_names_and_inodes(tmp_path, change, same):
    source = tmp_path / "source"
    (source / "index").mkdir(parents=True)
    (source / "index" / "a.pf").write_bytes(b"a")
    (source / "entry.json").write_bytes(b"{}")
    (source / "parts").mkdir()  # a skipped name
    target = tmp_path / "target"
    search.link_tree(source, target, skip=("parts",))
    if change == "unlink":
        (target / "index" / "a.pf").unlink()
    elif change == "add":
        (target / "index" / "b.pf").write_bytes(b"b")
    elif change == "copy":
        (target / "entry.json").unlink()
        (target / "entry.json").write_bytes(b"{}")
    elif change == "folder":
        (target / "entry.json").unlink()
        (target / "entry.json").mkdir()
    assert same == search.same_tree(str(source), str(target), skip=("parts",))


def test_the_cache_keeps_this_builds_partitions_for_the_next(tmp_path):
    cache = tmp_path / "cache"
    first = search.index_site(write_site(tmp_path / "a"), cache=cache)
    second = search.index_site(write_site(tmp_path / "b", {"index.html": "Khác"}), cache=cache)
    kept = sorted(p.name.rsplit("-", 1)[0] for p in (cache / "search").iterdir())
    assert (first.reused, second.reused, kept) == (0, 3, ["browse", "p04", "site", "units-7"])
    assert bundle_files(tmp_path / "b") != bundle_files(tmp_path / "a")


def test_sort_entry_sorts_the_languages(tmp_path):
    (tmp_path / "pagefind-entry.json").write_text(
        '{"version": "1", "languages": {"vi": {"hash": "b"}, "en": {"hash": "a"}}}')
    search.sort_entry(tmp_path)
    expected = '{"languages":{"en":{"hash":"a"},"vi":{"hash":"b"}},"version":"1"}'
    assert expected == (tmp_path / "pagefind-entry.json").read_text()


def test_a_failing_pagefind_stops_the_build(tmp_path):
    with pytest.raises(search.SearchIndexError):
        search.run_pagefind(tmp_path / "missing", tmp_path / "bundle")


def test_a_site_without_pages_to_index_stops_the_build(tmp_path):
    (tmp_path / "404.html").write_text(PAGE.format(lang="vi", title="404", text=""))
    with pytest.raises(search.SearchIndexError):
        search.index_site(tmp_path)


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


@pytest.mark.parametrize(("url", "kind", "lang", "expected"), [
    ("projects/p-04-2019-001/", "project", "en", {}),
    ("establishments/e-04-0001/page/2/", "establishment", "vi", {"search_filters": [
        ("content", MHTD), ("district", "Huyện Hòa An"), ("kind", "Cơ sở"),
        ("sector", "Chế biến gỗ, tre, trúc")]}),
    ("datasets/projects/", "dataset", "vi", {"search_filters": [("kind", "Bộ dữ liệu")]}),
    ("districts/051/", "district", "vi", {}),
    ("", "home", "en", {}),
])
def test_provider_gives_data_pages_their_filters(tiny_package, url, kind, lang, expected):
    package, _ = load_package(tiny_package)
    page = Page(url, "page.html", {}, kind, "title")
    assert expected == search_filters(SiteData(package), page, lang)


def test_search_meta_writes_the_filters_from_the_page_context():
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(Path(__file__).parent.parent / "theme" / "templates"),
                      autoescape=True)
    html = env.get_template("components/search_meta.html").render(
        search_filters=[("district", "Huyện Hòa An"), ("kind", "Cơ sở")], lang="vi")
    spans = [(s.split('"')[1], s.split('"')[3]) for s in html.split("<span ")[1:]]
    assert [("district[data-value]", "Huyện Hòa An"), ("kind[data-value]", "Cơ sở")] == spans


def test_link_tree_links_every_file_but_the_skipped_top_level_names(tmp_path):
    source = tmp_path / "source"
    for relative in ("a.json", "index/x.pf_index", "parts/p/y", "deep/parts/z", "kc.json"):
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_text(relative)
    search.link_tree(source, tmp_path / "target", skip=("parts", "kc.json"))
    linked = sorted(p.relative_to(tmp_path / "target").as_posix()
                    for p in (tmp_path / "target").rglob("*") if p.is_file())
    same = {(source / r).stat().st_ino == (tmp_path / "target" / r).stat().st_ino
            for r in linked}
    assert (["a.json", "deep/parts/z", "index/x.pf_index"], {True}) == (linked, same)


@pytest.fixture
def digests_read(monkeypatch) -> list[str]:
    """The pages whose bytes the partition keys read (not recalled from the cache)."""
    return count_calls(monkeypatch, search, "page_digest")


@pytest.mark.parametrize(("rewritten", "expected_read"), [
    ((), []),
    (("districts/047/index.html",), ["districts/047/index.html"]),
])
def test_partition_keys_read_only_pages_that_are_not_the_remembered_files(
        tmp_path, digests_read, rewritten, expected_read):
    site, cache = write_site(tmp_path / "site"), tmp_path / "cache"
    first = search.partitions(site, cache)
    for relative in rewritten:
        data = (site / relative).read_bytes()
        (site / relative).unlink()
        (site / relative).write_bytes(data)  # same bytes, a new file
    digests_read.clear()
    again = search.partitions(site, cache)
    assert ([f"{site}/{r}" for r in expected_read], first) == (digests_read, again)


def test_partition_keys_are_the_same_with_or_without_the_cache(tmp_path):
    site = write_site(tmp_path / "site")
    changed = write_site(tmp_path / "changed", {"districts/047/index.html": "Khác"})
    cache = tmp_path / "cache"
    search.partitions(site, cache)
    keys = {p.name: p.key for p in search.partitions(changed, cache)}
    fresh = {p.name: p.key for p in search.partitions(changed)}
    old = {p.name: p.key for p in search.partitions(site)}
    assert (fresh, {"units-7"}) == (keys, {n for n in keys if keys[n] != old[n]})


def test_a_failing_run_among_several_stops_the_build(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site")
    runs = [(part, tmp_path / "bundles" / part.name, part.name == "site")
            for part in search.partitions(site)]

    def failing(staging, bundle):
        raise search.SearchIndexError("pagefind failed: planted")

    monkeypatch.setattr(search, "run_pagefind", failing)
    with pytest.raises(search.SearchIndexError, match="planted"):
        search.build_partitions(site, runs)


def test_partitions_from_a_walk_already_made_are_those_of_a_new_walk(tmp_path):
    from pipeline.checks import site_files

    site = write_site(tmp_path / "site")
    for relative in ("search/index.html", "search/old/index.html", "en/projects/page/3/x.html",
                     "pagefind/index.html", "statistics/a/index.html", "a-b/index.html"):
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(PAGE.format(lang="vi", title="x", text="y"))
    walked = search.partitions(site)
    listed = search.partitions(site, tmp_path / "cache", site_files(site))
    assert walked == listed
    assert ["a-b/index.html", "en/index.html", "index.html"] == list(walked[0].pages)


def test_finish_site_keeps_the_walk_it_was_given_up_to_date(tmp_path):
    from pipeline import build
    from pipeline.checks import site_files

    site = write_site(tmp_path / "site")
    (site / "robots.txt").write_text("an old one")
    listing, _ = build.site_listing(site)
    build.finish_site(ROOT / "pelicanconf.py", site, cache=tmp_path / "cache", listing=listing)
    walked = site_files(site)
    assert any(name.startswith("pagefind/parts/") for name, _ in listing)
    assert {"sitemap.xml", "robots.txt"} <= {name for name, _ in listing}
    assert [(name, e.stat().st_ino) for name, e in walked] == [
        (name, e.stat().st_ino) for name, e in listing]


def stored_pages(cache: Path) -> dict[str, set[str]]:
    """Partition -> the names of the prepared pages its store holds."""
    return {folder.name: {p.name for p in folder.iterdir()}
            for folder in (cache / search.PREPARED).glob("*/*")}


def test_a_partition_indexed_again_prepares_only_its_changed_pages(tmp_path, monkeypatch):
    """The prepared pages of a partition indexed again are kept by digest (not those of a
    first build): when it is indexed again, a changed establishment page is prepared, not
    its unchanged English twin, and the bundle is what a build without the store writes;
    the store then holds this build's pages only."""
    cache = tmp_path / "cache"
    page = "establishments/e-04-0001/index.html"
    first = write_site(tmp_path / "first")
    search.index_site(first, cache=cache)
    assert {} == stored_pages(cache)
    second = write_site(tmp_path / "second", {page: "Đan lát mây"})
    search.index_site(second, previous=first, cache=cache)
    before = stored_pages(cache)["p04"]
    assert ({"p04"}, 2) == (set(stored_pages(cache)), len(before))
    site = write_site(tmp_path / "site", {page: "Đan lát mây tre"})
    fresh = write_site(tmp_path / "fresh", {page: "Đan lát mây tre"})
    calls = count_calls(monkeypatch, search, "prepared")
    search.index_site(site, previous=second, cache=cache)
    assert 1 == len(calls)
    monkeypatch.undo()
    search.index_site(fresh)
    assert bundle_files(fresh) == bundle_files(site)
    after = stored_pages(cache)["p04"]
    assert (2, 1) == (len(after), len(after & before))


def test_a_stored_page_is_what_the_page_is_prepared_into(tmp_path):
    previous, cache = write_site(tmp_path / "previous"), tmp_path / "cache"
    search.index_site(previous, cache=cache)
    site = write_site(tmp_path / "site", {"districts/047/index.html": "Hạt dẻ rang"})
    search.index_site(site, previous=previous, cache=cache)
    part = next(p for p in search.partitions(site, cache) if p.name == "units-7")
    store = search.prepared_store(cache, part)
    page = (site / part.pages[0]).read_text(encoding="utf-8")
    assert search.prepared(page).encode("utf-8") == (
        store / f"{part.digests[0].hex()}.html").read_bytes()


def test_a_cache_without_stores_is_fine_when_every_partition_is_reused(indexed, tmp_path):
    """A cache from before the stores existed, every partition linked from the previous
    build: nothing to prepare, nothing to remove."""
    previous, _ = indexed
    site, cache = write_site(tmp_path / "site"), tmp_path / "cache"
    cache.mkdir()
    assert 4 == search.index_site(site, previous=previous, cache=cache).reused
    assert not (cache / search.PREPARED).exists()


def test_stores_of_other_code_and_of_partitions_gone_are_removed(tmp_path):
    previous, cache = write_site(tmp_path / "previous"), tmp_path / "cache"
    (cache / search.PREPARED / "older-code" / "p04").mkdir(parents=True)
    search.index_site(previous, cache=cache)
    site = write_site(tmp_path / "site", {"districts/047/index.html": "Hạt dẻ rang"})
    search.index_site(site, previous=previous, cache=cache)
    current = next(p for p in (cache / search.PREPARED).iterdir())
    (current / "p99").mkdir()
    search.index_site(site, previous=previous, cache=cache)
    assert ([current.name], {"units-7"}) == (
        [p.name for p in (cache / search.PREPARED).iterdir()], set(stored_pages(cache)))


def test_a_partition_indexed_again_keeps_its_unchanged_files(indexed, tmp_path):
    previous, _ = indexed
    changed = {"establishments/e-04-0001/index.html": "Đan lát mây"}
    site = write_site(tmp_path / "site", changed)
    fresh = write_site(tmp_path / "fresh", changed)
    search.index_site(site, previous=previous)
    search.index_site(fresh)
    old, new = (next((root / "pagefind" / "parts").glob("p04-*")) for root in (previous, site))
    inodes = {p.relative_to(old).as_posix(): p.stat().st_ino for p in old.rglob("*")
              if p.is_file()}
    files = {p.relative_to(new).as_posix(): p for p in new.rglob("*") if p.is_file()}
    kept = {name for name, path in files.items() if inodes.get(name) == path.stat().st_ino}
    same = {name for name, path in files.items()
            if name in inodes and path.read_bytes() == (old / name).read_bytes()}
    assert old.name != new.name and kept == same and any(n.startswith("fragment/") for n in kept)
    assert len(kept) < len(files)  # the changed page's fragment and the index are new
    assert bundle_files(fresh) == bundle_files(site)


def test_adopt_unchanged_links_only_files_with_the_same_path_and_bytes(tmp_path):
    earlier, bundle = tmp_path / "earlier", tmp_path / "bundle"
    for root, files in ((earlier, {"a": "1", "d/b": "2", "c": "3", "kc-parts.json": "m",
                                   "parts/x/y": "4"}),
                        (bundle, {"a": "1", "d/b": "2!", "c": "3", "e": "5",
                                  "kc-parts.json": "m", "parts/x/y": "4"})):
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
    assert 2 == search.adopt_unchanged(bundle, earlier)
    linked = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*")
                    if p.is_file() and p.stat().st_nlink > 1)
    assert ["a", "c"] == linked
    assert "2!" == (bundle / "d" / "b").read_text()


@pytest.mark.parametrize("reuse", [False, True])
def test_index_site_calls_meanwhile_once_whether_or_not_it_indexes(indexed, tmp_path, reuse):
    previous, _ = indexed
    calls: list[bool] = []
    site = write_site(tmp_path / "site")
    summary = search.index_site(site, previous=previous if reuse else None,
                                meanwhile=lambda: calls.append(True))
    assert ([True], 4 if reuse else 0) == (calls, summary.reused)
    assert bundle_files(previous) == bundle_files(site)


def test_meanwhile_runs_while_the_partitions_are_indexed(tmp_path, monkeypatch):
    import threading

    site, started, finished = write_site(tmp_path / "site"), threading.Event(), []
    release = threading.Event()

    def pagefind(staging, bundle):
        started.set()
        release.wait(timeout=30)
        finished.append(bundle)
        raise search.SearchIndexError("stopped here")

    def meanwhile():
        seen.append((started.wait(timeout=30), list(finished)))
        release.set()

    seen: list = []
    monkeypatch.setattr(search, "run_pagefind", pagefind)
    with pytest.raises(search.SearchIndexError, match="stopped here"):
        search.index_site(site, meanwhile=meanwhile)
    assert [(True, [])] == seen  # a run had started and none had finished


#: Part of p-04-2021-001's title without đ (whose words get their twin in the index).
BAMBOO_TITLE = "Hỗ trợ ứng dụng dây chuyền công nghệ sản xuất"


@pytest.mark.parametrize(("page", "indexed"), [
    ("establishments/e-04-0001/index.html", True),  # where a project's title is found
    ("projects/index.html", False),
    ("years/2021/index.html", False),
    ("districts/051/index.html", False),
    ("communes/01654-2025/index.html", False),
    ("contents/mhtd/index.html", False),
])
def test_project_titles_are_indexed_on_their_establishments_page_only(tiny_site, page,
                                                                       indexed):
    """The list pages show the title inside their unindexed region: Pagefind never sees it
    there, and a corrected title leaves those pages' partitions as they were."""
    text = (tiny_site / page).read_text(encoding="utf-8")
    assert (BAMBOO_TITLE in text, BAMBOO_TITLE in search.prepared(text)) == (True, indexed)


def test_a_sectors_establishments_are_listed_but_not_indexed(tiny_site):
    pages = [p.read_text(encoding="utf-8") for p in tiny_site.glob("sectors/*/index.html")]
    showing = [text for text in pages if "Công ty cổ phần Chế biến tre trúc Hòa An" in text]
    assert showing and not any("Công ty cổ phần Chế biến tre trúc Hòa An" in search.prepared(text)
                               for text in showing)


@pytest.mark.parametrize("page", ["datasets/index.html", "en/datasets/projects/index.html"])
def test_file_sizes_and_checksums_of_dataset_pages_are_not_indexed(tiny_site, page):
    """They change with every correction of the data (and would re-index the ``browse``
    partition each time); nobody searches for a SHA-256."""
    text = (tiny_site / page).read_text(encoding="utf-8")
    checksum = re.search(r'kc-hash">([0-9a-f]{64})<', text)
    kept = search.UNINDEXED.sub("", text)
    assert checksum and checksum.group(1) not in kept and "application/ld+json" not in kept
    assert checksum.group(1) not in (search.prepared(text) or "")


#: Part of p-04-2021-002's title: a training course without an establishment, which only
#: the unit, year and content pages list.
ORPHAN_TITLE = "nghề rèn năm 2021"


@pytest.mark.parametrize("page", ["years/2021/index.html", "districts/049-2020/index.html",
                                  "contents/dt/index.html"])
def test_projects_without_an_establishment_stay_indexed_on_their_lists(tiny_site, page):
    """Their lists are the only indexed pages that name them: their rows stay outside the
    unindexed region, the rows of projects with an establishment page inside it."""
    text = (tiny_site / page).read_text(encoding="utf-8")
    assert ORPHAN_TITLE in text and ORPHAN_TITLE in search.prepared(text)


def test_a_corrected_project_title_changes_the_key_of_its_province_partition_only(
        tiny_site, make_package, tmp_path):
    """The build-level promise behind a fast republish: the title shows on unit, year,
    content, sector and list pages too, but only inside their unindexed regions."""
    from pipeline import build

    def retitle(rows: dict) -> None:
        project = next(p for p in rows["projects"] if p["project_id"] == "p-04-2021-001")
        project["title_vi"] += " (đã sửa)"
        project["title_en"] += " (corrected)"

    data = make_package(retitle)
    content = tiny_site.parent / "content"
    package, report = build.validate(data, content)
    assert report.ok
    build.build(package, ROOT / "pelicanconf.py", tmp_path / "output", content)
    keys = [{part.name: part.key for part in search.partitions(site)}
            for site in (tiny_site, tmp_path / "output")]
    assert keys[0].keys() == keys[1].keys()
    assert {name for name in keys[0] if keys[0][name] != keys[1][name]} == {"p04"}
