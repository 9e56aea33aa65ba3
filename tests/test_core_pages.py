"""Display rows of the core pages: formatted once per language, read by the templates."""

from __future__ import annotations

import copy

import pytest
from conftest import TINY, count_calls, write_package

from pipeline import core_pages, incremental, plugin
from pipeline.load import load_package
from pipeline.pages import SiteData, builders, page_extras
from pipeline.site_settings import with_defaults
from pipeline.validate import validate_package

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
    [view] = core_pages.project_rows(site, [site.index("projects", "project_id")[project_id]],
                                     lang)
    assert expected == {k: v for k, v in view.items() if k != "title"}
    assert view["title"] == core_pages.localized(
        site.index("projects", "project_id")[project_id], "title", lang)


def test_a_display_row_is_made_once_per_language_when_a_page_first_shows_it(
        site, monkeypatch):
    made = count_calls(monkeypatch, core_pages, "project_view")
    first, *others = site.records("projects")
    assert [] == core_pages.project_rows(site, [], "vi") and made == []
    core_pages.project_rows(site, [first], "vi")
    core_pages.project_rows(site, [first, *others], "vi")
    core_pages.project_rows(site, [first], "en")
    assert len(made) == 1 + len(others) + 1


def test_project_rows_keep_the_order_of_the_records(site):
    records = list(reversed(site.records("projects")))
    rows = core_pages.project_rows(site, records, "en")
    assert [r["project_id"] for r in records] == [row["id"] for row in rows]


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


# --- keyed pages: a page's source covers everything its context is made of ----------------

#: The resources that are not build-wide (``plugin.REFERENCE_TABLES`` are): a keyed page's
#: source must change whenever a cell of them that its context shows changes.
PAGE_DATA = ("projects", "establishments", "annual-plans")
#: The modules whose builders key pages: the tests below build only theirs (imported
#: here, so that the test does not depend on which tests ran before). A module that starts
#: keying its pages goes here.
KEYED_MODULES = ["pipeline.core_pages", "pipeline.stats_pages"]


def keyed_pages(data, page_size: int = 2
                ) -> tuple[bytes, dict[tuple[str, str], tuple[bytes, bytes]]]:
    """(the build-wide values a page may read, encoded; per keyed page and language, its
    source and its context made and encoded, with the providers' extras for a whole page
    and the body of a file made on demand).
    No content: stories and photos are build-wide. Only the keyed modules' addresses count
    as build-wide: stricter than a build, which would render every page again when any
    address moved."""
    package, _ = load_package(data)
    (data.parent / "content").mkdir(exist_ok=True)
    settings = with_defaults({"SITEURL": "https://kc.example", "KC_PAGE_SIZE": page_size,
                              "PATH": str(data.parent / "content")})
    plugin.import_page_modules([*KEYED_MODULES, *settings["KC_PAGE_MODULES"]])
    site = SiteData(package, settings)
    urls, keyed = set(), {}
    for lang in settings["KC_LANGUAGES"]:
        for build in builders(KEYED_MODULES):
            for page in build(site, lang):
                urls.add(page.url)
                if page.source is not None:
                    context = dict(page.context)
                    if page.whole:  # what the providers add is keyed by the source too
                        context.update(page_extras(site, page, lang))
                    if callable(page.body):  # and a body made on demand
                        context["body made"] = page.body()
                    keyed[page.url, lang] = (page.source, incremental.encode_fast(context))
    wide = incremental.encode((sorted(urls), package.descriptor,
                               {name: site.records(name) for name in plugin.REFERENCE_TABLES}))
    return wide, keyed


def another_value(rows: list[dict], index: int, column: str) -> str:
    """A different value for one cell: another row's, else a changed copy of its own."""
    value = rows[index][column]
    others = [row[column] for row in rows if row[column] != value]
    if others:
        return others[0]
    return str(int(value) + 1) if value.isdigit() else f"{value} (khác)"


def test_a_keyed_page_s_context_changes_only_with_its_source(tmp_path):
    """Every cell of the page data's first and last rows changed in turn: a keyed page whose
    source stayed the same (and the build-wide values too) must have the very context it
    had, or a republish would keep a stale page. Lists of two rows per part, so that later
    parts are keyed too; the last establishment has no project, so that its page's source
    cannot borrow its record's digest from its projects'; the first project's establishment
    has three, so that its page has two parts, each with search filters made of all three
    projects. A change the package's rules reject is not published: skipped."""
    data = copy.deepcopy(TINY)
    data["establishments"].append(dict(data["establishments"][0], establishment_id="e-04-0003",
                                       name="Hợp tác xã Dệt thổ cẩm Quảng Hòa", sector="MECH"))
    first = data["projects"][0]
    data["projects"][1:1] = [dict(first, project_id=f"p-04-2019-00{n}") for n in (2, 3)]
    data["annual-plans"][0].update(planned_vnd="600000000", approved_vnd="450000000",
                                   disbursed_vnd="450000000")  # the three projects' sums
    base_wide, base = keyed_pages(write_package(tmp_path / "base" / "data", data))
    checked, kept, moved, stale = 0, 0, 0, []
    for name in PAGE_DATA:
        for index in sorted({0, len(data[name]) - 1}):
            for column in data[name][index]:
                rows = copy.deepcopy(data)
                rows[name][index][column] = another_value(rows[name], index, column)
                folder = write_package(tmp_path / f"{name}-{index}-{column}" / "data", rows)
                if not validate_package(folder)[1].ok:
                    continue
                wide, pages = keyed_pages(folder)
                if wide != base_wide:
                    continue  # every page is rendered again
                checked += 1
                for key, (source, context) in pages.items():
                    if key not in base:
                        continue
                    if source != base[key][0]:
                        moved += 1
                    elif context == base[key][1]:
                        kept += 1
                    else:
                        stale.append((name, index, column, *key))
    assert [] == stale
    assert checked > 40 and kept > 1000 and moved > 100  # the check saw both outcomes


def test_a_corrected_title_moves_the_sources_of_the_pages_that_show_it_only(tmp_path):
    """A title shown in one part of a list renders that part again, not the list's other
    parts (one row per part here). Sources cover both languages: the English pages that
    list the project are keyed again too, though they show its English title."""
    rows = copy.deepcopy(TINY)
    rows["projects"][0]["title_vi"] += " (đã sửa)"
    base_wide, base = keyed_pages(write_package(tmp_path / "base" / "data", TINY), 1)
    wide, pages = keyed_pages(write_package(tmp_path / "edit" / "data", rows), 1)
    assert wide == base_wide and set(pages) == set(base)
    moved = {key for key in pages if pages[key][0] != base[key][0]}
    changed = {key for key in pages if pages[key][1] != base[key][1]}
    assert changed <= moved
    assert {key for key in moved if key[1] == "vi"} == {key for key in changed if key[1] == "vi"}
    assert any("/page/" in url for url, _ in pages) and len(moved) < len(pages) / 3


def test_only_the_modules_the_key_tests_cover_key_their_pages(tiny_package, tmp_path):
    settings = with_defaults({"SITEURL": "https://kc.example", "PATH": str(tmp_path)})
    plugin.import_page_modules(settings["KC_PAGE_MODULES"])
    site = SiteData(load_package(tiny_package)[0], settings)
    keyed = {build.__module__ for build in builders(settings["KC_PAGE_MODULES"])
             for lang in settings["KC_LANGUAGES"] for page in build(site, lang)
             if page.source is not None}
    assert set(KEYED_MODULES) == keyed
