"""Display rows of the core pages: formatted once per language, read by the templates."""

from __future__ import annotations

import pytest

from pipeline import core_pages
from pipeline.load import load_package
from pipeline.pages import Page, SiteData, page_extras
from pipeline.site_settings import with_defaults

NBSP = "\u00a0"


@pytest.fixture
def site(tiny_package) -> SiteData:
    """SiteData over the tiny package with the default settings and a site address."""
    package, report = load_package(tiny_package)
    assert report.ok
    return SiteData(package, with_defaults({"SITEURL": "https://kc.example"}))


@pytest.mark.parametrize(("lang", "project_id", "expected"), [
    ("vi", "p-04-2019-001", {
        "id": "p-04-2019-001", "href": "https://kc.example/projects/p-04-2019-001/",
        "year": 2019, "year_href": "https://kc.example/years/2019/", "content_type": "MHTD",
        "content_href": "https://kc.example/contents/mhtd/",
        "establishment": "Hộ kinh doanh Lò rèn Phúc Sen",
        "establishment_href": "https://kc.example/establishments/e-04-0002/",
        "level": "Địa phương", "state_support": f"150.000.000{NBSP}₫",
        "counterpart": f"450.000.000{NBSP}₫", "status": "Hoàn thành"}),
    ("en", "p-04-2021-002", {
        "id": "p-04-2021-002", "href": "https://kc.example/en/projects/p-04-2021-002/",
        "year": 2021, "year_href": "https://kc.example/en/years/2021/", "content_type": "DT",
        "content_href": "https://kc.example/en/contents/dt/", "establishment": None,
        "establishment_href": None, "level": "Local", "state_support": "₫60,000,000",
        "counterpart": "₫0", "status": "Funds returned"}),
])
def test_project_view(site, lang, project_id, expected):
    view = core_pages.project_views(site, lang)[project_id]
    assert expected == {k: v for k, v in view.items() if k != "title"}
    assert view["title"] == core_pages.localized(
        site.index("projects", "project_id")[project_id], "title", lang)


def test_project_rows_keep_the_order_of_the_records(site):
    records = list(reversed(site.records("projects")))
    rows = core_pages.project_rows(site, records, "en")
    assert [r["project_id"] for r in records] == [row["id"] for row in rows]


@pytest.mark.parametrize(("context", "expected_ids"), [
    ({}, None),
    ({"projects": []}, None),
    ({"projects": "raw-records"}, ["p-04-2021-002", "p-04-2021-001"]),
    ({"projects": "display-rows"}, None),
])
def test_a_page_with_raw_project_records_gets_display_rows(site, context, expected_ids):
    """Another module's builder may hand over records; its template still gets display rows."""
    records = list(reversed(site.records("projects")))[:2]
    if context.get("projects") == "raw-records":
        context = {"projects": records}
    elif context.get("projects") == "display-rows":
        context = {"projects": core_pages.project_rows(site, records, "vi")}
    extras = core_pages.displayed_projects(site, Page("x/", "x.html", context, "x", "X"), "vi")
    assert expected_ids == ([row["id"] for row in extras["projects"]] if extras else None)


def test_listing_pages_carry_display_rows_and_places(site):
    page = next(p for p in core_pages.establishment_pages(site, "en")
                if p.url == "establishments/e-04-0001/")
    assert ["p-04-2021-001"] == [row["id"] for row in page.context["projects"]]
    assert [{"year": 2021, "id": "p-04-2021-001", "name": "Hòa An District",
             "href": "https://kc.example/en/districts/051/"}] == page.context["places"]
    assert {} == page_extras(site, page, "en").get("projects", {})


def test_field_rows_show_every_public_field_with_a_dash_for_missing(site):
    fields = [f for f in site.package.fields("projects") if not f.get("private")]
    project = site.index("projects", "project_id")["p-04-2021-002"]
    rows = core_pages.field_rows(core_pages.field_titles(fields, "en"), project)
    assert [f["name"] for f in fields] == [row[1] for row in rows]
    assert ("Project id", "project_id", "p-04-2021-002") == rows[0]
    assert "—" == {row[1]: row[2] for row in rows}["establishment_id"]


def test_enum_labels_are_remembered_per_language(site, monkeypatch):
    """Labels are looked up once per (kind, value, language): the catalogue is read once."""
    from pipeline import i18n

    asked: list[tuple[str, str]] = []
    translate = i18n.translate
    monkeypatch.setattr(i18n, "translate",
                        lambda folder, lang, message: asked.append((lang, message))
                        or translate(folder, lang, message))
    found = [core_pages.label(site, "status", "completed", lang)
             for lang in ("vi", "en", "vi", "en")]
    assert ["Hoàn thành", "Completed", "Hoàn thành", "Completed"] == found
    assert [("vi", "Completed"), ("en", "Completed")] == asked
    assert "" == core_pages.label(site, "status", None, "vi")


@pytest.fixture
def paged_site(tiny_package) -> SiteData:
    """The tiny package with one project per page part, so lists continue on page/2/."""
    package, report = load_package(tiny_package)
    assert report.ok
    return SiteData(package, with_defaults({"SITEURL": "https://kc.example",
                                            "KC_PAGE_SIZE": 1}))


def test_what_only_the_first_part_shows_is_left_out_of_the_others(paged_site):
    """A national sector lists thousands of establishments on its first part only: the
    later parts must not carry (and fingerprint) them."""
    rows = paged_site.records("projects")
    parts = list(core_pages.listing(paged_site, "sectors/x/", "sector.html", "sector", "X",
                                    {"sector": {"code": "X"}}, rows, "vi",
                                    opening={"establishments": ["e"]}))
    assert len(parts) == len(rows) > 1
    assert ["e"] == parts[0].context["establishments"]
    assert all("establishments" not in p.context for p in parts[1:])
    assert all(p.context["sector"] == {"code": "X"} for p in parts)


@pytest.mark.parametrize(("builder", "kind", "opening"), [
    (core_pages.sector_pages, "sector", "establishments"),
    (core_pages.year_pages, "year", "plans"),
])
def test_builders_hand_first_part_values_as_opening(paged_site, builder, kind, opening):
    parts = [p for p in builder(paged_site, "vi") if p.kind == kind]
    assert any(p.context.get(opening) for p in parts if p.context["pager"].number == 1)
    assert not any(opening in p.context for p in parts if p.context["pager"].number > 1)


@pytest.mark.parametrize("rows", [
    [],
    [{"state_support_vnd": 5, "counterpart_vnd": None, "disbursed_vnd": 0}],
    [{"state_support_vnd": 400_000_000, "counterpart_vnd": 1, "disbursed_vnd": None},
     {"state_support_vnd": None, "counterpart_vnd": 2, "disbursed_vnd": 7}],
])
@pytest.mark.parametrize("as_generator", [False, True])
def test_totals_count_and_sum_with_missing_amounts_as_zero(rows, as_generator):
    expected = {"projects": len(rows),
                **{name: sum(row[name] or 0 for row in rows) for name in core_pages.AMOUNTS}}
    found = core_pages.totals(iter(rows) if as_generator else rows)
    assert expected == found
    assert all(type(value) is int for value in found.values())
