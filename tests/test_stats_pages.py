"""The statistics pages built from the tiny package: chart, table, CSV and JSON agree.

One build per session (the `tiny_site` fixture in conftest), with the real settings and
theme; every test reads the same output back with BeautifulSoup.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from bs4 import BeautifulSoup

from pipeline import statistics_doc, stats, stats_pages
from pipeline.formatting import locale
from pipeline.load import load_package
from pipeline.pages import Page, SiteData

MEASURE_OF_CHART = {  # the chart's series, in order, per section (pipeline.statistics_doc)
    "by-year": ["national", "local"], "by-level": ["state_support_vnd", "counterpart_vnd"],
    "plan-execution": ["planned_vnd", "approved_vnd", "plan_disbursed_vnd"],
    "cumulative": ["state_support_vnd", "counterpart_vnd"],
    "by-unit": ["state_support_vnd"], "by-current-unit": ["state_support_vnd"],
    "by-content": ["projects"], "by-sector": ["state_support_vnd"], "by-status": ["projects"],
    "leverage": ["leverage"], "stopped-share": ["share"],
}
SCOPE_PAGES = ["districts/049/", "districts/051/", "contents/mhtd/", "sectors/mech/",
               "establishments/e-04-0001/", "communes/01576-2025/"]


@pytest.fixture(scope="session")
def site(tiny_site) -> Path:
    """The tiny site, built once per session (conftest)."""
    return tiny_site


def soup(site: Path, address: str) -> BeautifulSoup:
    path = site / address / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def document(site) -> dict:
    return json.loads((site / "data" / "statistics.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def figures(document) -> dict:
    pages = [f for c in document["page_sections"] for f in statistics_doc.page_figures(c)]
    return {f["id"]: f["value"] for f in document["figures"] + pages}


def measure_columns(document: dict) -> dict[str, list[str]]:
    """Each section's measure columns, for programme and page sections alike."""
    columns = {s["id"]: s["measures"] for s in document["sections"]}
    columns.update({s["id"]: s["columns"][2:] for s in document["page_sections"]})
    return columns


def parse(value: str):
    """A data-value / CSV cell back to the number it holds ('' is a missing value)."""
    if value == "":
        return None
    number = float(value)
    return int(number) if number.is_integer() and "." not in value else number


def tables(page: BeautifulSoup) -> dict[str, dict]:
    """Every statistics table on a page: its rows' keys, links and data-values."""
    found = {}
    for table in page.select("table.kc-stat__table"):
        heads = [th.get("title") for th in table.thead.find_all("th")[1:]]
        rows = [{"key": tr["data-key"], "href": tr.th.a["href"],
                 "values": [parse(td["data-value"]) for td in tr.find_all("td")]}
                for tr in table.select("tbody tr, tfoot tr")]
        found[table["data-section"]] = {"heads": heads, "rows": rows, "table": table}
    return found


def section_of(table) -> BeautifulSoup:
    return table.find_parent(class_="kc-stat")


def table_pages(document: dict, prefix: str) -> list[str]:
    """The overview (headline table) and one page per programme question."""
    return [f"{prefix}statistics"] + [f"{prefix}statistics/{s['id']}" for s in
                                      document["sections"]
                                      if s["scope"] == "programme" and s["id"] != "headline"]


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_table_csv_and_json_hold_the_same_numbers(site, document, figures, prefix):
    found = {k: v for address in table_pages(document, prefix)
             for k, v in tables(soup(site, address)).items()}
    programme = [s["id"] for s in document["sections"] if s["scope"] == "programme"]
    assert programme == list(found)
    for section_id, table in found.items():
        summary = next(s for s in document["sections"] if s["id"] == section_id)
        csv_rows = list(csv.DictReader(io.StringIO(
            (site / summary["csv"].lstrip("/")).read_text(encoding="utf-8"))))
        assert [r["key"] for r in csv_rows] == [r["key"] for r in table["rows"]]
        for html_row, csv_row in zip(table["rows"], csv_rows, strict=True):
            for measure, value in zip(summary["measures"], html_row["values"], strict=True):
                assert value == parse(csv_row[measure])
                assert value == figures[f"{section_id}/{html_row['key']}/{measure}"]


def chart_values(table: dict, measures: list[str], columns: list[str]) -> list:
    """What the chart must draw: series by series, the table's non-total rows in order."""
    body = [r for r in table["rows"] if r["key"] != "total"]
    return [row["values"][columns.index(m)] for m in measures for row in body]


def bar_values(svg) -> list:
    return [parse(b["data-value"]) for b in svg.find_all("rect", attrs={"data-value": True})]


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_every_chart_draws_its_tables_numbers(site, document, prefix):
    """On the question pages and on the overview, each chart holds its table's values."""
    columns = measure_columns(document)
    overview = soup(site, f"{prefix}statistics")
    for address in table_pages(document, prefix)[1:]:
        section_id = address.rsplit("/", 1)[1]
        table = tables(soup(site, address))[section_id]
        expected = chart_values(table, MEASURE_OF_CHART[section_id], columns[section_id])
        assert expected == bar_values(section_of(table["table"]).find("svg"))
        assert expected == bar_values(overview.find(id=section_id).find("svg"))


@pytest.mark.parametrize("address", SCOPE_PAGES)
def test_every_page_chart_draws_its_tables_numbers(site, document, address):
    """District, commune, content, sector and establishment pages: their own history."""
    columns = measure_columns(document)
    found = tables(soup(site, address))
    assert len(found) == 1
    for section_id, table in found.items():
        assert section_id.endswith("-by-year")
        expected = chart_values(table, ["state_support_vnd", "counterpart_vnd"],
                                columns[section_id])
        assert expected == bar_values(section_of(table["table"]).find("svg"))


@pytest.mark.parametrize("address", ["statistics", "en/statistics", "statistics/by-year",
                                     "en/statistics/by-current-unit", *SCOPE_PAGES])
def test_charts_are_small_text_without_script(site, address):
    svgs = soup(site, address).find_all("svg")
    assert svgs
    for svg in svgs:
        assert len(str(svg).encode("utf-8")) < 30_000
        assert svg.find_all("text")
        assert svg.find("script") is None
        assert svg["role"] == "img" and svg.find("title") and svg.find("desc")


@pytest.mark.parametrize(("address", "expected"), [
    ("statistics/by-content", ["Đào tạo nghề", "550.000.000", "Tổng cộng"]),
    ("en/statistics/by-content", ["Vocational training", "550,000,000", "Total"]),
    ("statistics/leverage", ["3,73", "4,00"]),
    ("en/statistics/stopped-share", ["50.0%", "33.3%"]),
    ("statistics", ["0,6 tỷ đồng", "2 tỷ đồng"]),         # the home page's format
    ("en/statistics", ["VND 0.6 billion", "VND 2 billion"]),
])
def test_figures_are_written_the_readers_way(site, address, expected):
    text = soup(site, address).main.get_text()
    assert all(word in text for word in expected)


def read_tiny_projects(site: Path) -> list[dict]:
    with open(site.parent / "data" / "projects.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("address", ["statistics", "en/statistics"])
def test_headline_equals_an_independent_count(site, address):
    rows = [r for r in read_tiny_projects(site) if 2012 <= int(r["year"]) <= 2022]
    expected = {
        "projects": len(rows),
        "national": sum(r["level"] == "national" for r in rows),
        "local": sum(r["level"] == "local" for r in rows),
        "state_support_vnd": sum(int(r["state_support_vnd"]) for r in rows),
        "counterpart_vnd": sum(int(r["counterpart_vnd"]) for r in rows),
        "disbursed_vnd": sum(int(r["disbursed_vnd"]) for r in rows),
    }
    cards = soup(site, address).select("dd[data-figure]")
    shown = {dd["data-figure"].rsplit("/", 1)[1]: parse(dd["data-value"]) for dd in cards}
    assert expected == shown


def test_every_row_link_leads_to_a_page(site, document):
    for address in table_pages(document, "") + table_pages(document, "en/") + SCOPE_PAGES:
        for table in tables(soup(site, address)).values():
            for row in table["rows"]:
                target = site / row["href"].split("#")[0].lstrip("/") / "index.html"
                assert target.is_file(), (address, row["href"])


@pytest.mark.parametrize(("address", "expected_ids"), [
    ("statistics/by-status/completed", ["p-04-2019-001", "p-04-2021-001"]),
    ("en/statistics/by-level/local", ["p-04-2019-001", "p-04-2021-002"]),
    ("statistics/leverage/total", ["p-04-2019-001", "p-04-2021-001"]),  # carried out
])
def test_generated_row_lists_hold_exactly_the_filtered_projects(site, address, expected_ids):
    ids = [span.get_text() for span in soup(site, address).select("main tbody .kc-id")]
    assert expected_ids == ids


@pytest.mark.parametrize(("address", "href"), [
    ("statistics/by-year", "/projects/"),                       # the total: every project
    ("statistics/by-level", "/projects/p-04-2021-001/"),        # national: one project
    ("statistics/stopped-share", "/statistics/by-level/local/"),  # same filter, same list
    ("contents/mhtd", "/contents/mhtd/"),                       # a page's total: itself
])
def test_rows_link_to_pages_that_already_list_them(site, address, href):
    hrefs = [row["href"] for table in tables(soup(site, address)).values()
             for row in table["rows"]]
    assert href in hrefs


@pytest.mark.parametrize("gone", ["statistics/by-year/total", "statistics/headline/2012-2022",
                                  "statistics/stopped-share/local",
                                  "statistics/contents-mhtd-by-year/total"])
def test_no_list_is_generated_where_a_page_lists_the_rows(site, gone):
    assert not (site / gone).exists()


def test_methodology_is_on_the_page_in_both_languages(site):
    for address, lang in (("statistics", "vi"), ("en/statistics", "en")):
        section = soup(site, address).find(id="methodology")
        headings = [h.get_text() for h in section.find_all("h3")]
        assert headings == [p["heading"] for p in stats_pages.methodology(lang)]


def test_statistics_json_is_published_once(site, document):
    assert (site / "data" / "statistics.json").is_file()
    assert not (site / "en" / "data" / "statistics.json").exists()
    assert document["headline_period"] == {"start": 2012, "end": 2022}



@pytest.mark.parametrize(("count", "expected_first", "expected_len"), [
    (3, "0", 3),                              # few rows: all, in table order
    (stats_pages.MAX_BARS, "0", stats_pages.MAX_BARS),
    (stats_pages.MAX_BARS + 5, "44", stats_pages.MAX_BARS),  # many: the largest first
])
def test_horizontal_charts_keep_at_most_max_bars(count, expected_first, expected_len):
    rows = [statistics_doc.Row(str(i), str(i), str(i), {}, "x/", {"projects": i})
            for i in range(count)]
    kept = stats_pages.largest(rows, "projects")
    assert (expected_first, expected_len) == (kept[0].key, len(kept))


@pytest.fixture
def small_site(make_package) -> SiteData:
    """The tiny package as builders see it, one project per list part."""
    package, _ = load_package(make_package())
    return SiteData(package, {"KC_PAGE_SIZE": 1, "KC_HEADLINE_YEARS": [2012, 2022],
                              "KC_LANGUAGES": ["vi", "en"]})


@pytest.mark.parametrize(("cap", "lang", "expected"), [
    (1, "vi", (["statistics/by-level/local/"],
               "Danh sách này hiện 1 trong 2 dòng. Đủ mọi dòng có trong tệp đề án (CSV), "
               "lọc theo điều kiện ở trên.")),
    (1, "en", (["statistics/by-level/local/"], "This list shows 1 of 2 rows. Every row is in "
                                               "the projects file (CSV): filter it as above.")),
    (2, "en", (["statistics/by-level/local/", "statistics/by-level/local/page/2/"], None)),
])
def test_generated_lists_stop_after_max_list_pages(small_site, monkeypatch, cap, lang,
                                                    expected):
    monkeypatch.setattr(stats_pages, "MAX_LIST_PAGES", cap)
    published = stats_pages.publish(small_site)
    pages = [p for p in stats_pages.row_pages(small_site, published, lang)
             if p.url.startswith("statistics/by-level/local/")]
    assert expected == ([p.url for p in pages], pages[0].context["capped"])
    assert {2} == {p.context["totals"]["projects"] for p in pages}  # totals of every row


def plainly_chosen(site: SiteData, published, section, row) -> tuple[list[str], dict]:
    """A list's ids and totals the slow way: filter the projects, sum the records."""
    if section.scope == "programme":
        frame = stats.select(published.inputs.projects, row.where)
    else:
        kind, key = section.scope.split("/", 1)
        frame = statistics_doc.scoped_projects(published.inputs, kind)
        frame = frame[frame[statistics_doc.SCOPE_COLUMNS[kind]].astype(str) == key]
        if not row.total:
            frame = frame[frame["year"] == int(row.key)]
    ids = frame.sort_values(["year", "project_id"])["project_id"].astype(str).tolist()
    index = site.index("projects", "project_id")
    records = [index[i] for i in ids]
    return ids, {"projects": len(records), **{name: sum(r.get(name) or 0 for r in records)
                                              for name in stats_pages.AMOUNTS}}


def test_generated_lists_hold_the_filtered_projects_and_their_sums(make_package):
    """The lists are chosen and summed a kind at a time over arrays; the same as one
    filter per list and a sum over its records, missing amounts counted as 0."""
    def unpaid(rows):
        rows["projects"][0]["disbursed_vnd"] = ""

    package, _ = load_package(make_package(unpaid))
    small_site = SiteData(package, {"KC_PAGE_SIZE": 1, "KC_HEADLINE_YEARS": [2012, 2022],
                                    "KC_LANGUAGES": ["vi", "en"]})
    published = stats_pages.publish(small_site)
    listed = [(section, row) for section, row in stats_pages.listed_rows(published).values()
              if section.resource != "annual-plans"]
    scoped = [(section, row) for section in published.scoped.values() for row in section.rows]
    index = small_site.index("projects", "project_id")
    assert any(r["disbursed_vnd"] is None for r in index.values())  # a missing amount
    kinds = {section.scope.split("/")[0] for section, _ in listed + scoped}
    assert {"programme", "districts", "communes", "contents", "establishments"} <= kinds
    assert any(row.total for _, row in scoped)
    for section, row in listed + scoped:
        found = stats_pages.chosen(small_site, published, section, row)
        assert plainly_chosen(small_site, published, section, row) == (found.ids, found.totals)


def test_each_filter_is_listed_once(small_site):
    listed = stats_pages.listed_rows(stats_pages.publish(small_site))
    sections = {url: section.id for url, (section, _row) in listed.items()}
    assert "by-level" == sections["statistics/by-level/local/"]
    assert not any(url.startswith("statistics/stopped-share/") for url in sections)


@pytest.mark.parametrize(("rows", "expected"), [
    (3, [("statistics/by-unit/", 3, True)]),
    (stats_pages.TABLE_ROWS, [("statistics/by-unit/", stats_pages.TABLE_ROWS, True)]),
    (stats_pages.TABLE_ROWS * 2 + 1, [("statistics/by-unit/", stats_pages.TABLE_ROWS, True),
                                      ("statistics/by-unit/page/2/", stats_pages.TABLE_ROWS,
                                       False),
                                      ("statistics/by-unit/page/3/", 1, False)]),
])
def test_long_tables_are_split_with_the_chart_on_the_first_part(rows, expected):
    view = {"id": "by-unit", "title": "By district", "chart": "<svg></svg>",
            "rows": [{"key": str(i)} for i in range(rows)], "totals": [{"key": "total"}]}
    pages = list(stats_pages.section_pages(view, "en"))
    assert expected == [(p.url, len(p.context["view"]["rows"]),
                         p.context["view"]["chart"] is not None) for p in pages]
    assert [str(i) for i in range(rows)] == [r["key"] for p in pages
                                            for r in p.context["view"]["rows"]]
    assert all(p.context["view"]["totals"] == [{"key": "total"}] for p in pages)


@pytest.mark.parametrize(("url", "template", "expected_id"), [
    ("establishments/e-04-0001/", "establishment.html", "establishments-e-04-0001-by-year"),
    ("contents/mhtd/", "content.html", "contents-mhtd-by-year"),
    ("communes/01576-2025/", "unit.html", "communes-01576-2025-by-year"),
    ("projects/p-04-2021-001/", "project.html", None),          # no section of its own
    ("contents/mhtd/page/2/", "content.html", None),            # only on the first part
    ("establishments/e-04-0001/e-04-0001.csv", None, None),     # a file, not a page
])
def test_pages_get_their_own_statistics_from_the_provider(small_site, url, template,
                                                          expected_id):
    page = Page(url, template, {}, "x", "x", body=None if template else b"x")
    extras = stats_pages.own_statistics(small_site, page, "en")
    assert expected_id == (extras["own_statistics"]["id"] if extras else None)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("value", [0, 1, 12, 999, 1_000, 1_234_567, 96_800_000_000, 2.0, 2.5,
                                   0.25, 1e15])
def test_whole_numbers_are_written_as_babel_writes_them(lang, value):
    assert format_decimal(value, locale=locale(lang)) == stats_pages.decimal_text(value, lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("value", [0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 1.25, 2.5, 96.84,
                                   999.95, 1234.55, 12_345_678.9, 0.6, -1.25, 123_456.789])
def test_tenths_are_rounded_as_babel_rounds_them(lang, value):
    expected = format_decimal(value, format="#,##0.#", locale=locale(lang))
    assert expected == stats_pages.tenths_text(value, lang)


@pytest.mark.parametrize(("downloads", "expected"), [
    ([], ["data/statistics.json"]),                                   # pages write it
    ([{"path": "data/projects.csv"}], ["data/statistics.json"]),
    ([{"path": "data/statistics.json"}], []),                        # export wrote it
])
def test_statistics_json_is_written_by_pages_only_when_export_did_not(small_site, downloads,
                                                                     expected):
    small_site.settings["KC_DOWNLOADS"] = downloads
    pages = stats_pages.shared_files(small_site, stats_pages.publish(small_site), "en")
    assert expected == [p.url for p in pages if p.kind == "statistics-json"]


@pytest.mark.parametrize("languages", [["vi", "en"], ["vi"]])
def test_each_statistics_file_is_built_in_one_language(small_site, monkeypatch, languages):
    """The section CSVs are shared by the languages' processes (the first also writes the
    establishments' CSVs): every other one in the first and in the last language, all of
    them when there is one; none is built twice."""
    monkeypatch.setitem(small_site.settings, "KC_LANGUAGES", languages)
    built = {lang: [p.url for p in stats_pages.statistics_pages(small_site, lang)
                    if p.kind == "statistics-csv"] for lang in languages}
    sections = [s.csv_url for s in stats_pages.publish(small_site).sections]
    assert len(sections) > 2
    assert sorted(sections) == sorted(url for urls in built.values() for url in urls)
    if len(languages) > 1:
        assert len(built[languages[0]]) == (len(sections) + 1) // 2
        assert len(built[languages[-1]]) == len(sections) // 2


def test_exported_statistics_equal_the_pages_file(small_site):
    """The bytes the export step writes are those the page builder would write."""
    written = next(p.body for p in stats_pages.shared_files(small_site,
                                                            stats_pages.publish(small_site),
                                                            "en")
                   if p.kind == "statistics-json")
    exported = statistics_doc.statistics_bytes(small_site.package, (2012, 2022), page_size=1)
    assert written == exported


def test_a_list_of_a_section_without_a_page_leads_back_to_the_statistics(make_package):
    """Two projects of district 052, merged whole into a commune nobody records: its section
    has no page to go back to (a broken link otherwise)."""

    def edit(rows):
        rows["admin-units"] += [
            dict(rows["admin-units"][3], unit_id="052", code="052", name_vi="Huyện Nguyên Bình",
                 name_en="Nguyên Bình District"),
            dict(rows["admin-units"][4], unit_id="01999-2025", code="01999", name_vi="Xã Mới",
                 name_en="Mới Commune")]
        rows["unit-crosswalk"].append(dict(rows["unit-crosswalk"][0], from_unit_id="052",
                                           to_unit_id="01999-2025"))
        for number in (1, 2):
            rows["projects"].append(dict(rows["projects"][2], project_id=f"p-04-2020-00{number}",
                                         year="2020", unit_id="052"))

    package, _ = load_package(make_package(edit))
    site = SiteData(package, {"KC_PAGE_SIZE": 50, "KC_LANGUAGES": ["vi", "en"]})
    pages = {p.url: p for p in stats_pages.row_pages(site, stats_pages.publish(site), "en")}
    assert "statistics/" == pages["statistics/communes-01999-2025-by-year/2020/"].context["back"]
    assert "statistics/districts-052-by-year/2020/" not in pages  # its page lists them


def chart_section(orientation: str = "vertical") -> statistics_doc.Section:
    measure = statistics_doc.M["projects"]
    rows = tuple(statistics_doc.Row(str(y), str(y), str(y), {}, f"years/{y}/", {"projects": n})
                 for y, n in ((2020, 3), (2021, 5)))
    return statistics_doc.Section("by-year", "Theo năm", "By year", "Năm", "Year", "projects",
                                  (measure,), rows, statistics_doc.Chart(("projects",),
                                                                          orientation))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_chart_is_drawn_only_when_written_and_fingerprinted_by_its_section(lang,
                                                                             monkeypatch):
    """A kept page must not cost a chart: the view holds the section until Jinja2 writes it."""
    import pickle

    from jinja2 import Environment

    from pipeline import charts

    section = chart_section()
    drawn = stats_pages.draw_chart(section, lang)
    calls: list[int] = []
    render = charts.render
    monkeypatch.setattr(charts, "render", lambda *a: calls.append(1) or render(*a))
    view = stats_pages.section_view(section, lang)
    pickle.dumps(view, protocol=5)
    assert [] == calls
    html = Environment(autoescape=True).from_string("{{ v.chart }}").render(v=view)
    assert (str(drawn), [1]) == (html, calls)
    assert None is stats_pages.chart_svg(
        statistics_doc.Section(*[getattr(section, f) for f in
                                 ("id", "title_vi", "title_en", "key_label_vi", "key_label_en",
                                  "resource", "measures", "rows")]), lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_page_s_own_section_is_made_only_when_a_template_reads_it(small_site, lang,
                                                                      monkeypatch):
    """The provider hands over the section and the language; the fingerprint (pickle) does
    not build the view, the template gets exactly ``section_view``'s dict."""
    from jinja2 import Environment

    from pipeline import incremental

    page = Page("establishments/e-04-0001/", "establishment.html", {}, "x", "x")
    lazy = stats_pages.own_statistics(small_site, page, lang)["own_statistics"]
    made: list[int] = []
    view = stats_pages.section_view
    monkeypatch.setattr(stats_pages, "section_view", lambda *a: made.append(1) or view(*a))
    encoded = incremental.encode_fast({"own_statistics": lazy})
    other = stats_pages.SectionView(lazy.section, "en" if lang == "vi" else "vi")
    assert [] == made
    assert encoded == incremental.encode_fast({"own_statistics": stats_pages.SectionView(
        lazy.section, lang)})
    assert encoded != incremental.encode_fast({"own_statistics": other})
    expected = view(lazy.section, lang)
    assert expected == dict(lazy) and [1] == made
    template = Environment(autoescape=True).from_string(
        "{% if v %}{{ v.id }} {{ v['title'] }} {{ v.rows | length }}{% endif %}")
    assert (f"{expected['id']} {expected['title']} {len(expected['rows'])}"
            == template.render(v=lazy))
    with pytest.raises(AttributeError):
        lazy.not_a_key  # noqa: B018
