"""The page extension point (pipeline/pages.py) and the core builders (pipeline/core_pages.py)."""

from __future__ import annotations

import pytest

from pipeline import core_pages, pages
from pipeline.load import load_package
from pipeline.pages import Page, SiteData, paginate
from pipeline.site_settings import with_defaults


@pytest.fixture
def site(tiny_package) -> SiteData:
    """SiteData over the tiny package with the default settings and one story per language."""
    package, report = load_package(tiny_package)
    assert report.ok
    stories = [pages.Story("bamboo", lang, title, "", "2025-11-03", "e-04-0001",
                           "stories/bamboo/") for lang, title in (("vi", "Tre"), ("en", "Bamboo"))]
    return SiteData(package, with_defaults({}), stories)


def urls(site: SiteData, builder, lang: str = "en") -> list[str]:
    return [page.url for page in builder(site, lang)]


@pytest.mark.parametrize(("url", "expected"), [
    ("", "index.html"),
    ("projects/", "projects/index.html"),
    ("projects/page/2/", "projects/page/2/index.html"),
    ("404.html", "404.html"),
    ("establishments/e-04-0001/e-04-0001.csv", "establishments/e-04-0001/e-04-0001.csv"),
])
def test_page_save_as(url, expected):
    assert expected == Page(url, "x.html", {}, "kind", "title").save_as


@pytest.mark.parametrize(("count", "size", "expected"), [
    (0, 2, [("p/", [], 1, None, None)]),
    (2, 2, [("p/", [0, 1], 1, None, None)]),
    (3, 2, [("p/", [0, 1], 1, None, "p/page/2/"), ("p/page/2/", [2], 2, "p/", None)]),
    (5, 2, [("p/", [0, 1], 1, None, "p/page/2/"),
            ("p/page/2/", [2, 3], 2, "p/", "p/page/3/"),
            ("p/page/3/", [4], 3, "p/page/2/", None)]),
])
def test_paginate(count, size, expected):
    actual = [(url, chunk, pager.number, pager.previous, pager.next)
              for url, chunk, pager in paginate("p/", list(range(count)), size)]
    assert expected == actual


def test_register_adds_and_replaces_by_name(monkeypatch):
    monkeypatch.setattr(pages, "BUILDERS", {})

    def first(site, lang):
        return []

    def second(site, lang):
        return []

    pages.register("x")(first)
    pages.register("y")(first)
    pages.register("x")(second)
    assert [second, first] == pages.builders()


def test_builders_are_chosen_by_module(monkeypatch):
    monkeypatch.setattr(pages, "BUILDERS", {})
    pages.register("core")(core_pages.home_pages)
    pages.register("local")(test_register_adds_and_replaces_by_name)
    assert [core_pages.home_pages] == pages.builders(["pipeline.core_pages"])
    assert len(pages.builders()) == 2


def test_records_never_hold_private_fields(site):
    fields = set(site.records("establishments")[0])
    assert set() == fields & {"owner_name", "phone"}
    assert "e-04-0001" in site.index("establishments", "establishment_id")


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("year", 2021, 2021), ("state_support_vnd", 400000000, 400000000),
    ("end_date", None, None), ("establishment_id", None, None),
])
def test_records_hold_plain_python_values(site, column, value, expected):
    row = next(r for r in site.records("projects") if r[column] == value or (value is None
               and r[column] is None))
    assert expected == row[column]
    assert type(expected) is type(row[column])


def test_memo_computes_once(site):
    calls = []
    for _ in range(3):
        site.memo("k", lambda: calls.append(1) or len(calls))
    assert calls == [1]


@pytest.mark.parametrize(("first", "last", "expected"), [
    (2012, 2022, {"projects": 3, "national": 1, "local": 2, "state_support_vnd": 610000000,
                  "counterpart_vnd": 2050000000, "disbursed_vnd": 550000000}),
    (2020, 2022, {"projects": 2, "national": 1, "local": 1, "state_support_vnd": 460000000,
                  "counterpart_vnd": 1600000000, "disbursed_vnd": 400000000}),
    (2023, 2024, {"projects": 0, "national": 0, "local": 0, "state_support_vnd": 0,
                  "counterpart_vnd": 0, "disbursed_vnd": 0}),
])
def test_headline_figures(site, first, last, expected):
    projects = site.frame("projects")
    assert expected == core_pages.own_headline(projects, first, last)
    assert expected == core_pages.headline_figures(projects, first, last)


@pytest.mark.parametrize(("builder", "expected"), [
    (core_pages.home_pages, [""]),
    (core_pages.project_pages, ["projects/p-04-2019-001/", "projects/p-04-2021-001/",
                                "projects/p-04-2021-002/"]),
    (core_pages.district_pages, ["districts/", "districts/049/", "districts/049-2020/",
                                 "districts/051/"]),
    (core_pages.commune_pages, ["communes/", "communes/01576-2025/", "communes/01654-2025/"]),
    (core_pages.year_pages, ["years/", "years/2019/", "years/2020/", "years/2021/"]),
    (core_pages.story_list_pages, ["stories/"]),
    (core_pages.not_found_pages, ["404.html"]),
    (core_pages.establishment_pages, [
        "establishments/e-04-0001/", "establishments/e-04-0001/e-04-0001.csv",
        "establishments/e-04-0002/", "establishments/e-04-0002/e-04-0002.csv"]),
    (core_pages.establishment_list_pages, [
        "establishments/", "establishments/by-amount/", "establishments/by-projects/"]),
    (core_pages.project_list_pages, ["projects/", "projects/by-amount/", "projects/by-title/"]),
])
def test_builder_addresses(site, builder, expected):
    assert expected == urls(site, builder, "vi")


def test_shared_files_come_from_the_first_language_only(site):
    """The writer would skip another language's copy: it is not built at all (a national
    build made every establishment's CSV twice)."""
    assert urls(site, core_pages.establishment_pages, "en") == [
        "establishments/e-04-0001/", "establishments/e-04-0002/"]


def test_every_content_and_sector_has_a_page(site):
    codes = [c["code"].lower() for c in site.records("content-types")]
    assert ["contents/"] + [f"contents/{c}/" for c in codes] == urls(site, core_pages.content_pages)
    sectors = [s["code"].lower() for s in site.records("sectors")]
    assert ["sectors/"] + [f"sectors/{s}/" for s in sectors] == urls(site, core_pages.sector_pages)


def test_long_lists_are_paginated_with_totals_of_the_whole_list(site):
    site.settings["KC_PAGE_SIZE"] = 2
    parts = list(core_pages.project_list_pages(site, "vi"))
    assert [p.url for p in parts] == [
        "projects/", "projects/page/2/", "projects/by-amount/", "projects/by-amount/page/2/",
        "projects/by-title/", "projects/by-title/page/2/"]
    year = [p for p in core_pages.year_pages(site, "vi") if p.url.startswith("years/2021/")]
    assert [p.url for p in year] == ["years/2021/"]
    assert year[0].context["totals"]["state_support_vnd"] == 460000000


@pytest.mark.parametrize(("sort", "expected"), [
    ("year", ["p-04-2021-001", "p-04-2021-002", "p-04-2019-001"]),
    ("amount", ["p-04-2021-001", "p-04-2019-001", "p-04-2021-002"]),
])
def test_browse_sorts(site, sort, expected):
    chosen = [p for p in core_pages.project_list_pages(site, "en") if p.context["sort"] == sort]
    assert expected == [r["project_id"] for r in chosen[0].context["rows"]]


def test_commune_gets_projects_of_its_establishments_today(site):
    grouped = core_pages.commune_projects(site)
    assert [p["project_id"] for p in grouped["01654-2025"]] == ["p-04-2021-001"]
    assert [p["project_id"] for p in grouped["01576-2025"]] == ["p-04-2019-001"]


@pytest.mark.parametrize(("unit_id", "successors", "predecessors"), [
    ("049", ["049-2020", "01576-2025"], []),
    ("049-2020", ["01576-2025"], ["049"]),
    ("01654-2025", [], ["051"]),
])
def test_unit_history(site, unit_id, successors, predecessors):
    assert successors == core_pages.successors(site, unit_id)
    assert predecessors == core_pages.predecessors(site, unit_id)


@pytest.mark.parametrize(("unit_id", "expected"), [
    ("049", "districts/049/"), ("01654-2025", "communes/01654-2025/"), ("04", None),
    ("missing", None), (None, None),
])
def test_unit_url(site, unit_id, expected):
    assert expected == core_pages.unit_url(site, unit_id)


def test_establishment_page_carries_its_story(site):
    page = next(core_pages.establishment_pages(site, "en"))
    assert page.context["story"].title == "Bamboo"


def test_establishment_csv_has_public_fields_only(site):
    csv_page = [p for p in core_pages.establishment_pages(site, "vi") if p.body][1]
    header, row = csv_page.body().decode("utf-8").splitlines()  # made when written
    public = [f["name"] for f in site.package.fields("projects") if not f.get("private")]
    assert ",".join(public) == header
    assert row.startswith("p-04-2019-001,04,2019,")
    assert csv_page.shared
