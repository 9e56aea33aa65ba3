"""The statistics document: every figure recomputes from its filter; CSV and JSON agree."""

from __future__ import annotations

import csv
import io
import json

import pytest

from pipeline import statistics_doc, stats
from pipeline.load import load_package
from tests.conftest import TINY, write_package


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """The tiny package, loaded once for the module (nothing here edits it)."""
    loaded, report = load_package(write_package(tmp_path_factory.mktemp("tiny") / "data",
                                                TINY))
    assert report.ok, report.to_dict()
    return loaded


@pytest.fixture(scope="module")
def inputs(package):
    return statistics_doc.prepare(package)


@pytest.fixture(scope="module")
def document(package):
    return statistics_doc.build_document(package)


@pytest.fixture(scope="module")
def all_figures(document) -> list[dict]:
    """The statistics pages' figures and those of every page section, in one shape."""
    return document["figures"] + [f for compact in document["page_sections"]
                                  for f in statistics_doc.page_figures(compact)]


def matches(value, rule) -> bool:
    """The published filter format, reimplemented on plain values (independent of pandas)."""
    if rule is None:
        return value is None
    if isinstance(rule, dict):
        return ((value is not None and value >= rule["min"]) if "min" in rule else True) and \
            ((value is not None and value <= rule["max"]) if "max" in rule else True) and \
            (value in rule["in"] if "in" in rule else True) and \
            (value not in rule["not_in"] if "not_in" in rule else True)
    if isinstance(rule, list):
        return value in rule
    return value == rule


def plain_rows(frame) -> list[dict]:
    return [{k: (None if v is None or v != v else v) for k, v in row.items()}
            for row in frame.astype(object).where(frame.notna(), None).to_dict("records")]


def recompute(measure: str, rows: list[dict]):
    """One measure from plain rows, written out longhand."""
    def total(column):
        return sum(int(r[column]) for r in rows)

    def share(numerator, denominator):
        return None if denominator == 0 else round(numerator / denominator, 4)

    counts = {
        "projects": lambda: len(rows),
        "national": lambda: sum(r["level"] == "national" for r in rows),
        "local": lambda: sum(r["level"] == "local" for r in rows),
        "stopped": lambda: sum(r["status"] == "stopped" for r in rows),
        "returned": lambda: sum(r["status"] == "returned" for r in rows),
        "stopped_or_returned": lambda: sum(r["status"] in ("stopped", "returned") for r in rows),
        "share": lambda: share(sum(r["status"] in ("stopped", "returned") for r in rows),
                               len(rows)),
        "leverage": lambda: share(total("counterpart_vnd"), total("state_support_vnd")),
        "plan_disbursed_vnd": lambda: total("disbursed_vnd"),
        "disbursement_rate": lambda: share(total("disbursed_vnd"), total("approved_vnd")),
    }
    return counts[measure]() if measure in counts else total(measure)


def test_every_figure_recomputes_from_its_filter(all_figures, inputs):
    resources = {"projects": plain_rows(inputs.projects),
                 "annual-plans": plain_rows(inputs.plans)}
    assert all_figures
    for figure in all_figures:
        where = figure["filter"]["where"]
        rows = [r for r in resources[figure["filter"]["resource"]]
                if all(matches(r[c], rule) for c, rule in where.items())]
        measure = figure["id"].rsplit("/", 1)[1]
        assert (figure["id"], recompute(measure, rows)) == (figure["id"], figure["value"])


def test_figure_ids_are_unique_and_defined(document, all_figures):
    ids = [f["id"] for f in all_figures]
    assert len(ids) == len(set(ids))
    for figure in document["figures"]:
        assert figure["definition_vi"] and figure["definition_en"]
    for figure in all_figures:
        assert figure["unit"] in {"project", "VND", "ratio", "share"}
        assert figure["url"].startswith("/") and figure["url"].endswith("/")
        definition = document["measures"][figure["id"].rsplit("/", 1)[1]]
        assert definition["definition_vi"] and definition["definition_en"]


@pytest.mark.parametrize(("figure_id", "expected"), [
    ("headline/2012-2022/projects", 3),
    ("headline/2012-2022/national", 1),
    ("headline/2012-2022/local", 2),
    ("headline/2012-2022/state_support_vnd", 610_000_000),
    ("headline/2012-2022/counterpart_vnd", 2_050_000_000),
    ("by-year/2020/projects", 0),            # a year with no projects
    ("by-year/2021/national", 1),
    ("by-year/total/projects", 3),
    ("by-content/LDLK/projects", 0),         # a content never used
    ("by-content/MHTD/state_support_vnd", 550_000_000),
    ("by-sector/WOOD/projects", 1),
    ("by-sector/FOOD/projects", 0),          # a sector without projects
    ("by-sector/none/projects", 1),          # the training course has no beneficiary
    ("by-unit/049/projects", 1),
    ("by-unit/049-2020/projects", 1),
    ("by-unit/051/projects", 1),
    ("by-current-unit/01576-2025/projects", 1),
    ("by-current-unit/01654-2025/projects", 1),
    ("by-current-unit/none/projects", 1),    # 049-2020 was split: not one commune
    ("by-status/returned/state_support_vnd", 60_000_000),
    ("by-status/stopped/projects", 0),
    ("leverage/total/state_support_vnd", 550_000_000),
    ("leverage/total/leverage", round(2_050_000_000 / 550_000_000, 4)),
    ("leverage/national/leverage", 4.0),
    ("stopped-share/local/share", 0.5),
    ("stopped-share/national/share", 0.0),
    ("plan-execution/2020/planned_vnd", 0),  # no plan that year
    ("plan-execution/2021/approved_vnd", 460_000_000),
    ("plan-execution/2021/disbursement_rate", round(400 / 460, 4)),
    ("plan-execution/2020/disbursement_rate", None),
    ("cumulative/2021/state_support_vnd", 610_000_000),
    ("cumulative/2020/projects", 1),
    ("establishments-e-04-0001-by-year/2021/counterpart_vnd", 1_600_000_000),
    ("districts-049-2020-by-year/total/projects", 1),
    ("contents-dt-by-year/2021/state_support_vnd", 60_000_000),
    ("communes-01576-2025-by-year/2019/projects", 1),
    ("sectors-mech-by-year/2019/projects", 1),
])
def test_published_values(all_figures, figure_id, expected):
    values = {f["id"]: f["value"] for f in all_figures}
    assert values[figure_id] == expected


@pytest.mark.parametrize(("section_id", "key", "expected"), [
    ("by-year", "2019", "/years/2019/"),
    ("by-year", "total", "/projects/"),                 # every project: the project list
    ("headline", "2012-2022", "/projects/"),
    ("by-unit", "049-2020", "/districts/049-2020/"),
    ("by-current-unit", "01654-2025", "/communes/01654-2025/"),
    ("by-current-unit", "none", "/projects/p-04-2021-002/"),  # one project: its page
    ("by-content", "MHTD", "/contents/mhtd/"),
    ("by-sector", "WOOD", "/sectors/wood/"),
    ("by-status", "completed", "/statistics/by-status/completed/"),  # no page lists them
    ("by-level", "local", "/statistics/by-level/local/"),
    ("stopped-share", "local", "/statistics/by-level/local/"),  # same filter, same list
    ("plan-execution", "total", "/statistics/plan-execution/total/"),
    ("establishments-e-04-0001-by-year", "2021", "/projects/p-04-2021-001/"),
    ("contents-mhtd-by-year", "2020", "/contents/mhtd/"),   # no project: the page's list
    ("contents-mhtd-by-year", "total", "/contents/mhtd/"),  # the page lists exactly them
])
def test_every_row_links_to_its_rows(all_figures, section_id, key, expected):
    urls = {f["id"].rsplit("/", 1)[0]: f["url"] for f in all_figures}
    assert urls[f"{section_id}/{key}"] == expected


def test_csv_holds_the_same_numbers_as_the_figures(inputs, document, all_figures):
    values = {f["id"]: f["value"] for f in all_figures}
    sections = statistics_doc.programme_sections(inputs) + \
        statistics_doc.scope_sections(inputs)
    published = document["sections"] + document["page_sections"]
    assert [s.id for s in sections] == [s["id"] for s in published]
    for section in sections:
        table = list(csv.DictReader(io.StringIO(statistics_doc.section_csv(section))))
        assert [r.key for r in section.rows] == [r["key"] for r in table]
        for record in table:
            for m in section.measures:
                published = values[f"{section.id}/{record['key']}/{m.name}"]
                assert record[m.name] == ("" if published is None else str(published))


def test_scopes_cover_every_page_with_projects(inputs):
    slugs = [s.slug for s in statistics_doc.all_scopes(inputs)]
    assert {"districts-049", "districts-049-2020", "districts-051", "contents-mhtd",
            "contents-dt", "sectors-wood", "sectors-mech", "establishments-e-04-0001",
            "establishments-e-04-0002", "communes-01576-2025",
            "communes-01654-2025"} == set(slugs)


def test_page_sections_grouped_at_once_equal_one_by_one(inputs):
    """The fast path for national packages builds exactly what scope_section builds."""
    one_by_one = [statistics_doc.scope_section(inputs, s)
                  for s in statistics_doc.all_scopes(inputs)]
    assert one_by_one == statistics_doc.scope_sections(inputs)


def test_scope_without_projects_has_no_section(inputs):
    assert statistics_doc.scope_section(inputs, statistics_doc.scope("contents", "HTQT")) \
        is None


def test_document_is_stable_json(package, document, tmp_path):
    path = statistics_doc.write_statistics(package, tmp_path)
    assert path == tmp_path / "data" / "statistics.json"
    assert json.loads(path.read_text(encoding="utf-8")) == document
    assert statistics_doc.document_json(document) == path.read_text(encoding="utf-8")


def test_methodology_is_told_in_both_languages():
    vi, en = statistics_doc.METHODOLOGY["vi"], statistics_doc.METHODOLOGY["en"]
    assert len(vi) == len(en) >= 5
    assert all(p["heading"] and len(p["text"]) > 80 for p in vi + en)


def test_headline_period_is_recorded(document):
    assert document["headline_period"] == {"start": stats.HEADLINE_PERIOD[0],
                                           "end": stats.HEADLINE_PERIOD[1]}


def test_a_commune_without_its_own_page_links_to_a_generated_list(make_package):
    """A district merged whole into a commune nobody records: the row still leads somewhere."""

    def edit(rows):
        district = dict(rows["admin-units"][3], unit_id="052", code="052",
                        name_vi="Huyện Nguyên Bình", name_en="Nguyên Bình District")
        commune = dict(rows["admin-units"][4], unit_id="01999-2025", code="01999",
                       name_vi="Xã Mới", name_en="Mới Commune")
        rows["admin-units"] += [district, commune]
        rows["unit-crosswalk"].append(dict(rows["unit-crosswalk"][0], from_unit_id="052",
                                           to_unit_id="01999-2025"))
        rows["projects"].append(dict(rows["projects"][2], project_id="p-04-2020-001",
                                     year="2020", unit_id="052"))

    package, _ = load_package(make_package(edit))
    section = statistics_doc.current_unit_section(statistics_doc.prepare(package))
    urls = {row.key: row.url for row in section.rows}
    assert urls["01999-2025"] == "statistics/by-current-unit/01999-2025/"
    assert urls["01654-2025"] == "communes/01654-2025/"


def test_a_commune_recorded_unit_makes_no_district_scope(make_package):
    """From 1 July 2025 a project records a commune: it has no district page to link back to.

    Found by `make bench`: district-scoped row lists linked to /districts/<commune>/.
    """

    def edit(rows):
        for number in (1, 2):
            rows["projects"].append(dict(rows["projects"][1], project_id=f"p-04-2025-00{number}",
                                         year="2025", unit_id="01654-2025",
                                         start_date="2025-08-01", end_date="2025-12-01"))
        rows["annual-plans"].append(dict(rows["annual-plans"][1], year="2025",
                                         approved_vnd="800000000", disbursed_vnd="800000000"))

    package, _ = load_package(make_package(edit))
    inputs = statistics_doc.prepare(package)
    slugs = {s.slug for s in statistics_doc.all_scopes(inputs)}
    sections = {s.scope for s in statistics_doc.scope_sections(inputs)}
    assert "districts-01654-2025" not in slugs
    assert "districts/01654-2025" not in sections
    assert "communes/01654-2025" in sections


def more_projects(rows, specs) -> None:
    """Add projects copied from the first one: (project_id, year, establishment, unit)."""
    for project_id, year, establishment, unit in specs:
        rows["projects"].append(dict(rows["projects"][1], project_id=project_id, year=year,
                                     establishment_id=establishment, unit_id=unit,
                                     start_date=f"{year}-05-01", end_date=f"{year}-12-01"))


@pytest.fixture(scope="module")
def parted(tmp_path_factory):
    """e-04-0001 with five projects over 2021-2023, its list paginated two by two."""
    rows = json.loads(json.dumps(TINY))
    more_projects(rows, [("p-04-2022-001", "2022", "e-04-0001", "051"),
                         ("p-04-2022-002", "2022", "e-04-0001", "051"),
                         ("p-04-2023-001", "2023", "e-04-0001", "051"),
                         ("p-04-2023-002", "2023", "e-04-0001", "051")])
    package, _ = load_package(write_package(tmp_path_factory.mktemp("parted") / "data", rows))
    return statistics_doc.prepare(package, page_size=2)


@pytest.mark.parametrize(("section_id", "key", "expected"), [
    ("establishments-e-04-0001-by-year", "2021", "projects/p-04-2021-001/"),
    ("establishments-e-04-0001-by-year", "2022", "establishments/e-04-0001/#projects-2022"),
    ("establishments-e-04-0001-by-year", "2023",
     "establishments/e-04-0001/page/2/#projects-2023"),       # 3 projects before it, 2 a part
    ("establishments-e-04-0001-by-year", "total", "establishments/e-04-0001/"),
    ("districts-051-by-year", "2023", "districts/051/page/2/#projects-2023"),
    ("contents-mhtd-by-year", "2020", "contents/mhtd/"),      # none that year: where it'd be
    ("contents-mhtd-by-year", "2023", "contents/mhtd/page/3/#projects-2023"),  # 4 before
    ("communes-01654-2025-by-year", "2022", "communes/01654-2025/#projects-2022"),
])
def test_year_rows_link_to_the_part_of_the_pages_list(parted, section_id, key, expected):
    sections = {s.id: s for s in statistics_doc.scope_sections(parted)}
    assert expected == next(r.url for r in sections[section_id].rows if r.key == key)


def test_parted_sections_grouped_at_once_equal_one_by_one(parted):
    one_by_one = [statistics_doc.scope_section(parted, s)
                  for s in statistics_doc.all_scopes(parted)]
    assert one_by_one == statistics_doc.scope_sections(parted)


@pytest.fixture(scope="module")
def diverging(tmp_path_factory):
    """Two projects without a beneficiary in district 052, merged whole into 01654-2025: the
    commune's statistics count them in 2021, its page (recorded unit or beneficiary) does not."""
    rows = json.loads(json.dumps(TINY))
    rows["admin-units"].append(dict(rows["admin-units"][3], unit_id="052", code="052",
                                    name_vi="Huyện Nguyên Bình", name_en="Nguyên Bình District"))
    rows["unit-crosswalk"].append(dict(rows["unit-crosswalk"][0], from_unit_id="052",
                                       to_unit_id="01654-2025"))
    more_projects(rows, [("p-04-2021-003", "2021", "", "052"),
                         ("p-04-2021-004", "2021", "", "052"),
                         ("p-04-2022-001", "2022", "e-04-0001", "051"),
                         ("p-04-2022-002", "2022", "e-04-0001", "051")])
    package, _ = load_package(write_package(tmp_path_factory.mktemp("div") / "data", rows))
    return statistics_doc.prepare(package)


@pytest.mark.parametrize(("key", "expected"), [
    ("2021", "statistics/communes-01654-2025-by-year/2021/"),  # the page lists 1 of 3
    ("2022", "communes/01654-2025/#projects-2022"),           # the page lists exactly them
    ("total", "statistics/communes-01654-2025-by-year/total/"),
])
def test_a_commune_whose_page_lists_other_rows_gets_a_generated_list(diverging, key,
                                                                     expected):
    sections = {s.id: s for s in statistics_doc.scope_sections(diverging)}
    rows = {r.key: r.url for r in sections["communes-01654-2025-by-year"].rows}
    assert expected == rows[key]


def test_diverging_sections_grouped_at_once_equal_one_by_one(diverging):
    one_by_one = [statistics_doc.scope_section(diverging, s)
                  for s in statistics_doc.all_scopes(diverging)]
    assert one_by_one == statistics_doc.scope_sections(diverging)


# --- pickling: the incremental build fingerprints sections ---------------------------------

def every_field_set() -> statistics_doc.Section:
    """A section whose every field (and every row field) differs from its default, with one
    shared measure of ``M`` and one measure of its own."""
    own = statistics_doc.Measure("own", "Riêng", "Own", "VND", "định nghĩa", "definition")
    rows = (statistics_doc.Row("2020", "Năm 2020", "Year 2020", {"year": 2020}, "years/2020/",
                               {"projects": 3}),
            statistics_doc.Row("total", "Tổng", "Total", {}, "projects/", {"projects": 3},
                               total=True))
    return statistics_doc.Section("by-year", "Theo năm", "By year", "Năm", "Year", "projects",
                                  (statistics_doc.M["projects"], own), rows,
                                  statistics_doc.Chart(("projects",), "vertical"),
                                  scope="districts/d-1", home="districts/d-1/")


def test_every_field_is_set_in_the_pickling_example():
    import dataclasses

    section = every_field_set()
    for item in (section, section.rows[-1]):
        for f in dataclasses.fields(item):
            default = (f.default if f.default is not dataclasses.MISSING
                       else f.default_factory() if f.default_factory is not dataclasses.MISSING
                       else object())
            assert getattr(item, f.name) != default, f.name


def test_a_section_pickles_to_an_equal_section():
    import pickle

    section = every_field_set()
    again = pickle.loads(pickle.dumps(section, protocol=5))
    assert again == section
    assert again.measures[0] is statistics_doc.M["projects"]  # shared, by name


@pytest.mark.parametrize("change", [
    {"id": "other"}, {"title_vi": "Khác"}, {"title_en": "Other"}, {"key_label_vi": "Khác"},
    {"key_label_en": "Other"}, {"resource": "plans"}, {"scope": "programme"}, {"home": None},
    {"chart": None}, {"chart": statistics_doc.Chart(("projects",), "horizontal")},
    {"measures": (statistics_doc.M["projects"],)},
    {"measures": (statistics_doc.Measure("projects", "Số đề án", "Projects", "project",
                                         "khác", "other"),
                  statistics_doc.Measure("own", "Riêng", "Own", "VND", "định nghĩa",
                                         "definition"))},
])
def test_any_other_field_pickles_to_other_bytes(change):
    """What a page's fingerprint sees: a section that differs anywhere (a measure defined
    otherwise under a shared name too) gives other bytes."""
    import dataclasses

    from pipeline.incremental import encode_fast

    section = every_field_set()
    assert encode_fast(section) == encode_fast(every_field_set())
    assert encode_fast(dataclasses.replace(section, **change)) != encode_fast(section)


@pytest.mark.parametrize("field", ["key", "label_vi", "label_en", "where", "url", "values",
                                   "total"])
def test_a_row_that_differs_pickles_to_other_bytes(field):
    import dataclasses

    from pipeline.incremental import encode_fast

    section = every_field_set()
    first = section.rows[0]
    other = {"where": {"year": 2021}, "values": {"projects": 4}, "total": True}.get(field, "x")
    changed = dataclasses.replace(section, rows=(dataclasses.replace(first, **{field: other}),
                                                 *section.rows[1:]))
    assert encode_fast(changed) != encode_fast(section)
