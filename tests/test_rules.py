"""The programme's rules, each on tiny packages: what it flags, where, and what it leaves alone.

Rules are called one by one on a loaded package, so each test shows one rule's verdict; the
interplay with Frictionless (one error per bad cell) is tested in test_validate.py.
"""

from __future__ import annotations

import pytest

from pipeline import rules
from pipeline.load import load_package


def flags(package_dir, rule) -> list[tuple]:
    """(type, row, field) of each problem ``rule`` finds, in order."""
    package, _ = load_package(package_dir)
    return [(p.type, p.row, p.field) for p in rule(package)]


def project(**cells):
    """An edit setting cells of the first tiny project (p-04-2019-001, a machinery project)."""
    return lambda rows: rows["projects"][0].update(cells)


# --- ceilings ----------------------------------------------------------------------------

OVER, SHARE = "support-over-ceiling", "support-share-over-ceiling"


@pytest.mark.parametrize(("activity", "year", "state", "counterpart", "status", "expected"), [
    ("machinery", "2019", 300_000_000, 300_000_000, "completed", []),
    ("machinery", "2019", 300_000_001, 400_000_000, "completed", [OVER]),
    ("machinery", "2019", 200_000_000, 199_999_999, "completed", [SHARE]),
    ("machinery", "2019", 400_000_000, 100_000_000, "completed", [OVER, SHARE]),
    ("machinery", "2015", 310_000_000, 1_000_000_000, "completed", [OVER]),
    ("tech-line", "2019", 450_000_000, 450_000_000, "completed", []),
    ("tech-line", "2022", 460_000_000, 1_000_000_000, "completed", [OVER]),
    ("demo-model", "2018", 500_000_000, 1_166_666_667, "completed", []),
    ("demo-model", "2018", 600_000_000, 2_000_000_000, "completed", [OVER]),
    ("demo-model", "2018", 400_000_000, 600_000_000, "completed", [SHARE]),
    ("demo-model", "2019", 1_500_000_000, 1_500_000_000, "completed", []),
    ("demo-model", "2019", 1_600_000_000, 2_000_000_000, "completed", [OVER]),
    ("training", "2019", 900_000_000, 0, "completed", []),
    ("machinery", "2019", 200_000_000, 0, "stopped", []),
    ("machinery", "2019", 350_000_000, 0, "returned", [OVER]),
    ("machinery", "2019", "abc", 0, "completed", []),
])
def test_support_ceilings(make_package, activity, year, state, counterpart, status, expected):
    package = make_package(project(activity_type=activity, year=year, status=status,
                                   state_support_vnd=str(state),
                                   counterpart_vnd=str(counterpart)))
    assert [(t, 2, "state_support_vnd") for t in expected] == flags(package,
                                                                   rules.support_ceilings)


def test_every_year_has_one_ceiling_per_activity_type_and_a_source():
    for activity in {c.activity_type for c in rules.CEILINGS}:
        years = [y for c in rules.CEILINGS if c.activity_type == activity
                 for y in range(c.first_year, c.last_year + 1)]
        assert sorted(years) == list(range(2012, rules.LAST_YEAR + 1)), activity
    for ceiling in rules.CEILINGS:
        assert ceiling.source
        assert ceiling.verified or "not" in ceiling.source.lower(), ceiling


# --- amounts, dates, ids -----------------------------------------------------------------


@pytest.mark.parametrize(("status", "state", "disbursed", "expected"), [
    ("completed", "150000000", "150000000", []),
    ("completed", "150000000", "0", ["completed-without-disbursement"]),
    ("completed", "150000000", "160000000", ["disbursed-exceeds-support"]),
    ("in-progress", "150000000", "0", []),
    ("in-progress", "150000000", "200000000", ["disbursed-exceeds-support"]),
    ("stopped", "150000000", "0", []),
    ("stopped", "150000000", "10000000", ["disbursed-when-stopped"]),
    ("returned", "150000000", "150000000", ["disbursed-when-stopped"]),
    ("completed", "150000000", "", []),
    ("completed", "", "150000000", []),
])
def test_amounts_by_status(make_package, status, state, disbursed, expected):
    package = make_package(project(status=status, state_support_vnd=state,
                                   disbursed_vnd=disbursed))
    assert [(t, 2, "disbursed_vnd") for t in expected] == flags(package,
                                                               rules.amounts_by_status)


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2019-04-01", "2019-11-20", []),
    ("2019-04-01", "2019-04-01", []),
    ("2019-04-01", "2019-03-31", [("end-before-start", 2, "end_date")]),
    ("2019-04-01", "", []),
    ("01/04/2019", "2019-03-31", []),
])
def test_date_order(make_package, start, end, expected):
    package = make_package(project(start_date=start, end_date=end))
    assert expected == flags(package, rules.date_order)


@pytest.mark.parametrize(("project_id", "year", "expected"), [
    ("p-04-2019-001", "2019", []),
    ("p-04-2018-001", "2019", [("project-id-year-mismatch", 2, "project_id")]),
    ("p-04-2019-001", "2020", [("project-id-year-mismatch", 2, "project_id")]),
    ("not-an-id", "2019", []),
    ("p-04-2019-001", "", []),
])
def test_project_id_year(make_package, project_id, year, expected):
    package = make_package(project(project_id=project_id, year=year))
    assert expected == flags(package, rules.project_id_year)


# --- units -------------------------------------------------------------------------------

NOT_VALID, WRONG_LEVEL = "unit-not-valid-in-year", "unit-wrong-level"


@pytest.mark.parametrize(("unit_id", "year", "expected"), [
    ("049", "2019", []),
    ("049", "2020", []),            # Quảng Uyên existed until 29/02/2020
    ("049", "2021", [NOT_VALID]),
    ("049-2020", "2019", [NOT_VALID]),
    ("049-2020", "2025", []),       # districts last until 30/06/2025
    ("01576-2025", "2025", []),     # communes from 01/07/2025
    ("01576-2025", "2024", [WRONG_LEVEL]),
    ("049-2020", "2026", [WRONG_LEVEL]),
    ("04", "2019", [WRONG_LEVEL]),
    ("999", "2019", []),            # unknown ids are the foreign key's business
    ("049", "", []),
])
def test_project_units(make_package, unit_id, year, expected):
    package = make_package(project(unit_id=unit_id, year=year))
    assert [(t, 2, "unit_id") for t in expected] == flags(package, rules.project_units)


@pytest.mark.parametrize(("row", "cells", "expected"), [
    (2, {"unit_id": "049-2021"}, [("unit-id-mismatch", 4, "unit_id")]),
    (3, {"unit_id": "051-2020"}, [("unit-id-mismatch", 5, "unit_id")]),
    (4, {"unit_id": "01654"}, [("unit-id-mismatch", 6, "unit_id")]),
    (1, {"valid_from": "2001-01-01"}, [("unit-id-mismatch", 3, "unit_id")]),
    (1, {"valid_from": "not a date"}, []),
])
def test_unit_ids(make_package, row, cells, expected):
    package = make_package(lambda rows: rows["admin-units"][row].update(cells))
    assert expected == flags(package, rules.unit_ids)


@pytest.mark.parametrize(("row", "parent", "expected"), [
    (4, "04", []),
    (4, "051", [("parent-not-valid", 6, "parent_id")]),      # the district ends, the commune not
    (2, "049", [("parent-not-valid", 4, "parent_id")]),      # the parent ended before
    (2, "", []),
    (2, "404", []),                                          # unknown: the foreign key says so
])
def test_parent_validity(make_package, row, parent, expected):
    package = make_package(lambda rows: rows["admin-units"][row].update(parent_id=parent))
    assert expected == flags(package, rules.parent_validity)


def test_establishment_commune_must_be_a_current_commune(make_package):
    def edit(rows):
        rows["establishments"][0]["commune_id"] = "051"
        rows["admin-units"][5]["valid_to"] = "2026-01-01"
    assert flags(make_package(edit), rules.establishment_communes) == \
        [("unit-wrong-level", 2, "commune_id"), ("unit-not-current", 3, "commune_id")]


def test_establishment_province_is_its_communes(make_package):
    package = make_package(lambda rows: rows["establishments"][1].update(province_code="06"))
    assert flags(
        package, rules.establishment_provinces) == [("province-mismatch", 3, "province_code")]


@pytest.mark.parametrize(("edit", "expected"), [
    (project(province_code="06"), [("province-mismatch", 2, "province_code")]),
    (lambda rows: rows["establishments"][1].update(province_code="06"),
     [("province-mismatch", 2, "province_code")]),
    (lambda rows: rows["admin-units"][3].update(province_code="06"),
     [("province-mismatch", 3, "province_code")]),
    (project(unit_id="999", establishment_id="e-04-0999"), []),
])
def test_project_province_matches_unit_and_establishment(make_package, edit, expected):
    assert expected == flags(make_package(edit), rules.province_codes)


# --- plans -------------------------------------------------------------------------------


def plan(index, **cells):
    return lambda rows: rows["annual-plans"][index].update(cells)


@pytest.mark.parametrize(("edit", "expected"), [
    (plan(0, approved_vnd="160000000"), [("plan-approved-mismatch", 2, "approved_vnd")]),
    (plan(2, disbursed_vnd="60000000"), [("plan-disbursed-mismatch", 4, "disbursed_vnd")]),
    (project(state_support_vnd="140000000", disbursed_vnd="140000000"),
     [("plan-approved-mismatch", 2, "approved_vnd"),
      ("plan-disbursed-mismatch", 2, "disbursed_vnd")]),
    (plan(1, year="2022"), [("plan-approved-mismatch", 3, "approved_vnd"),
                            ("plan-disbursed-mismatch", 3, "disbursed_vnd")]),
    (plan(1, year="2022", approved_vnd="0", disbursed_vnd="0"), []),
    (project(year=""), []),             # which plan it belongs to is unknown: not judged
    (project(state_support_vnd="x"), []),   # the approved sum is unknown; disbursed agrees
    (project(state_support_vnd="x", disbursed_vnd="140000000"),
     [("plan-disbursed-mismatch", 2, "disbursed_vnd")]),
])
def test_plan_totals(make_package, edit, expected):
    assert expected == flags(make_package(edit), rules.plan_totals)


def test_a_year_level_with_projects_needs_a_plan_row(make_package):
    package, _ = load_package(make_package(lambda rows: rows["annual-plans"].pop(0)))
    [found] = rules.plans_present(package)
    expected = ("plan-missing", "data/annual-plans.csv", None, "year", "2019 local")
    assert expected == (found.type, found.file, found.row, found.field, found.value)


@pytest.mark.parametrize("edit", [
    lambda rows: rows["annual-plans"].pop(0),
    lambda rows: (rows["annual-plans"].pop(2), rows["annual-plans"].pop(0)),
    lambda rows: rows["projects"][0].update(year=""),  # a key missing: totals not judged
    lambda rows: rows["projects"][1].update(level="national", state_support_vnd="1"),
    lambda rows: None,
], ids=["one plan gone", "two plans gone", "year missing", "level changed", "clean"])
def test_plans_groups_once_and_says_the_same(make_package, edit):
    package, _ = load_package(make_package(edit))
    apart = rules.plan_totals(package) + rules.plans_present(package)
    assert apart == rules.plans(package)


def test_missing_plans_come_in_project_order(make_package):
    def edit(rows):
        rows["annual-plans"].clear()
    package, _ = load_package(make_package(edit))
    projects = package["projects"]
    expected = list(dict.fromkeys(f"{y} {lv}" for y, lv in zip(projects["year"],
                                                                 projects["level"],
                                                                 strict=True)))
    assert expected == [p.value for p in rules.plans_present(package)]


def test_approved_over_planned_is_a_warning(make_package):
    package, _ = load_package(make_package(plan(0, planned_vnd="100000000")))
    expected = [("plan-approved-over-planned", 2, "approved_vnd", "warning")]
    assert expected == [(p.type, p.row, p.field, p.severity)
                        for p in rules.plans_over_planned(package)]


# --- warnings, empties, stories ----------------------------------------------------------


def read(root, encoded: bool):
    """The package as loaded, or without the loader's encoded columns (cell by cell)."""
    import dataclasses

    package, _ = load_package(root)
    assert package.encoded["establishments"], "the loader gave no encoded columns"
    return package if encoded else dataclasses.replace(package, encoded={})


@pytest.mark.parametrize("encoded", [True, False], ids=["encoded", "cells"])
def test_surrounding_whitespace_is_a_warning_per_cell(make_package, encoded):
    def edit(rows):
        rows["establishments"][0]["name"] = " Công ty tre "
        rows["projects"][2]["implementing_unit"] = "Trung tâm\t"
    package = read(make_package(edit), encoded)
    found = rules.surrounding_whitespace(package)
    expected = [("establishments", 2, "name", " Công ty tre "),
                ("projects", 4, "implementing_unit", "Trung tâm\t")]
    assert expected == sorted((p.resource, p.row, p.field, p.value) for p in found)
    assert {"warning"} == {p.severity for p in found}


@pytest.mark.parametrize("encoded", [True, False], ids=["encoded", "cells"])
def test_surrounding_whitespace_is_reported_row_by_row_left_to_right(make_package, encoded):
    def edit(rows):
        rows["establishments"][1]["name"] = "Tre "
        rows["establishments"][0]["address"] = "\u00a0Xóm"  # a no-break space is a space too
        rows["establishments"][0]["name"] = " Công ty"
        rows["establishments"][1]["address"] = "\u00a0Xóm"  # the same cell twice: two rows
    package = read(make_package(edit), encoded)
    found = [(p.row, p.field) for p in rules.surrounding_whitespace(package)]
    assert [(2, "name"), (2, "address"), (3, "name"), (3, "address")] == found


@pytest.mark.parametrize(("resource", "field", "value"), [
    ("projects", "state_support_vnd", " 150000000"),  # integer: not typed by the loader
    ("projects", "year", "2019 "),
    ("projects", "start_date", "2019-04-01 "),  # date: not typed either
    ("projects", "end_date", "\u00a02019-10-01"),
    ("establishments", "latitude", " 22.5"),  # a number is typed even with spaces
    ("establishments", "showcase", "true "),
])
@pytest.mark.parametrize("encoded", [True, False], ids=["encoded", "cells"])
def test_surrounding_whitespace_in_typed_columns(make_package, resource, field, value, encoded):
    package = read(make_package(lambda rows: rows[resource][1].update({field: value})),
                   encoded)
    found = [(p.resource, p.row, p.field, p.value)
             for p in rules.surrounding_whitespace(package)]
    assert [(resource, 3, field, value)] == found


@pytest.mark.parametrize(("ids", "expected"), [
    (["p-04-2019-001", "p-12-2030-999"], [2019, 2030]),  # every id plain: sliced at once
    (["p-04-2019-001", "not-an-id", None], [2019, None, None]),  # read one by one
    (["p-04-2019-001", "p-4-2019-001"], [2019, None]),
    (["p-04-2019-001", "p-04-2019-0012"], [2019, 2019]),  # not all 13 characters
    (["p-04-2019-001", "p-04-2019-00x"], [2019, 2019]),  # a letter in the number
    (["p-04-2019-001", "q-04-2019-001"], [2019, None]),
    (["p-04-2019-001", "p-04-20a9-001"], [2019, None]),
    (["p-04-2019-001\np-04-2019-00"], [2019]),  # a line end inside an id
    (["p-04-2019-001", "p-04-２０１９-001"], [2019, None]),  # full-width digits: not ASCII
    ([], []),
])
def test_id_years(ids, expected):
    import pandas as pd

    years = rules.id_years(pd.Series(ids, dtype="string"))
    assert expected == [None if pd.isna(y) else int(y) for y in years]


@pytest.mark.parametrize(("years", "expected"), [
    ([2012, 2025], [("2012-01-01", "2012-12-31"), ("2025-01-01", "2025-12-31")]),
    ([2024, None], [("2024-01-01", "2024-12-31"), (None, None)]),  # 2024 is a leap year
    ([999, 10000], [(None, None), (None, None)]),  # not a four-digit year
])
def test_year_bounds(years, expected):
    import pandas as pd

    first, last = rules.year_bounds(pd.Series(years, dtype="Int64"))
    def text(day):
        return None if pd.isna(day) else day.strftime("%Y-%m-%d")
    assert expected == [(text(a), text(b)) for a, b in zip(first, last, strict=True)]


def test_showcase_without_project_is_a_warning(make_package):
    package, _ = load_package(make_package(
        lambda rows: rows["projects"][1].update(establishment_id="")))
    expected = [("showcase-without-project", 2, "showcase", "warning")]
    assert expected == [(p.type, p.row, p.field, p.severity)
                        for p in rules.showcases_without_projects(package)]


def test_header_only_projects_is_one_error_not_a_cascade(make_package):
    package, _ = load_package(make_package(lambda rows: rows["projects"].clear()))
    expected = [("empty-resource", "data/projects.csv", None)]
    assert expected == [(p.type, p.file, p.row) for p in rules.check_rules(package)]


@pytest.mark.parametrize(("metadata", "lines", "expected"), [
    ({"establishment": "e-04-0001"}, {"establishment": 5}, []),
    ({"establishment": "e-04-0999"}, {"establishment": 5},
     [("story-unknown-establishment", "content/stories/a.md", 5, "Establishment")]),
    ({"title": "A"}, {"title": 1},
     [("story-missing-establishment", "content/stories/a.md", 1, "Establishment")]),
])
def test_story_establishments(tiny_package, metadata, lines, expected):
    package, _ = load_package(tiny_package)
    story = {"file": "content/stories/a.md", "metadata": metadata, "lines": lines}
    assert expected == [(p.type, p.file, p.row, p.field)
                        for p in rules.story_establishments(package, [story])]


def test_the_tiny_package_breaks_no_rule(tiny_package):
    package, _ = load_package(tiny_package)
    assert rules.check_rules(package) == []


def test_rules_needing_an_unreadable_resource_are_skipped(tiny_package):
    path = tiny_package / "admin-units.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1258", "replace"))
    (tiny_package / "projects.csv").write_text("", encoding="utf-8")
    package, report = load_package(tiny_package)
    assert {"admin-units", "projects"} == {p.resource for p in report.errors}
    story = {"file": "content/stories/a.md", "metadata": {"establishment": "e-04-0009"},
             "lines": {"establishment": 2}}
    expected = ["story-unknown-establishment"]
    assert expected == [p.type for p in rules.check_rules(package, [story])]


def test_rules_survive_cells_that_did_not_parse(make_package):
    def edit(rows):
        for row in rows["projects"]:
            row.update(year="năm", state_support_vnd="1.000", counterpart_vnd="?",
                       disbursed_vnd="", start_date="x", end_date="y", status="")
        for row in rows["admin-units"]:
            row.update(valid_from="?", valid_to="?")
        rows["annual-plans"][0].update(year="", approved_vnd="z")
    package, _ = load_package(make_package(edit))
    assert [p for p in rules.check_rules(package) if p.severity == "error"] == []


@pytest.mark.parametrize(("cells", "rule"), [
    ({"valid_from": "01/07/2025"}, rules.parent_validity),
    ({"valid_to": "30/06/2025"}, rules.parent_validity),
    ({"valid_from": "01/07/2025"}, rules.unit_ids),
])
def test_unit_dates_that_did_not_parse_are_unknown_not_open_ended(make_package, cells, rule):
    package = make_package(lambda rows: rows["admin-units"][4].update(cells))
    assert flags(package, rule) == []


def test_a_unit_with_unparsed_dates_is_not_judged_valid_or_invalid(make_package):
    def edit(rows):
        rows["admin-units"][1]["valid_to"] = "29/02/2020"
        rows["projects"][0]["year"] = "2023"
    assert flags(make_package(edit), rules.project_units) == []


@pytest.mark.parametrize(("keys", "dtype"), [
    (["b", "a", None, "z", "b"], "string"),
    (["b", "a", None, "z", "b"], "str"),
    ([2, 1, None, 9], "Int64"),
])
def test_positions_are_the_first_row_with_each_key(keys, dtype):
    import pandas as pd

    frame_keys = ["a", "b", None, "a", "c"] if dtype != "Int64" else [1, 2, None, 1, 3]
    frame = pd.DataFrame({"k": pd.Series(frame_keys, dtype=dtype)})
    first = {}
    for position, key in enumerate(frame_keys):
        if key is not None:
            first.setdefault(key, position)
    expected = [first.get(key, -1) if key is not None else -1 for key in keys]
    found = rules.positions(pd.Series(keys, dtype=dtype), frame, "k")
    assert expected == found.tolist()
