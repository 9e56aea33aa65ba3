"""Statistics on tiny typed frames: every grouping, empty groups, years without projects."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from pipeline import stats
from pipeline.load import load_package

ROOT = Path(__file__).resolve().parent.parent

PROJECT_TYPES = {"year": "Int64", "state_support_vnd": "Int64", "counterpart_vnd": "Int64",
                 "disbursed_vnd": "Int64"}


def project(pid: str, year: int, level: str = "local", content: str = "MHTD",
            support: int = 100, counterpart: int = 300, disbursed: int | None = None,
            status: str = "completed", establishment: str | None = None,
            unit: str = "051") -> dict:
    return dict(project_id=pid, year=year, level=level, content_type=content,
                state_support_vnd=support, counterpart_vnd=counterpart,
                disbursed_vnd=support if disbursed is None else disbursed, status=status,
                establishment_id=establishment, unit_id=unit)


def typed(rows: list[dict], types: dict[str, str], columns: list[str]) -> pd.DataFrame:
    """A frame typed like the loader's: nullable integers, strings elsewhere."""
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({c: types.get(c, "string") for c in columns})


def projects_frame(rows: list[dict]) -> pd.DataFrame:
    columns = list(project("x", 2000))
    return typed(rows, PROJECT_TYPES, columns)


@pytest.fixture
def projects() -> pd.DataFrame:
    """Six projects over 2019-2022 (none in 2020): both levels, every status, two contents."""
    return projects_frame([
        project("a", 2019, "national", "MHTD", 400, 1600, establishment="e1", unit="049"),
        project("b", 2019, "local", "DT", 60, 0, unit="049"),
        project("c", 2021, "local", "MHTD", 150, 450, establishment="e2", unit="049-2020"),
        project("d", 2021, "national", "MHTD", 300, 0, 0, "stopped", establishment="e2",
                unit="049-2020"),
        project("e", 2022, "local", "DT", 50, 0, 0, "returned", unit="051"),
        project("f", 2022, "local", "MHTD", 200, 500, 0, "in-progress", establishment="e1",
                unit="051"),
    ])


@pytest.fixture
def establishments() -> pd.DataFrame:
    """Two establishments in two sectors, in today's communes."""
    rows = [dict(establishment_id="e1", sector="WOOD", commune_id="c-new-1"),
            dict(establishment_id="e2", sector="MECH", commune_id="c-new-2")]
    return typed(rows, {}, ["establishment_id", "sector", "commune_id"])


@pytest.fixture
def crosswalk() -> pd.DataFrame:
    """049 merged into 049-2020, which was split; 050 merged whole into c-new-3 via 050-2020."""
    rows = [dict(from_unit_id="049", to_unit_id="049-2020", relation="merged"),
            dict(from_unit_id="049-2020", to_unit_id="c-new-1", relation="part"),
            dict(from_unit_id="049-2020", to_unit_id="c-new-2", relation="part"),
            dict(from_unit_id="050", to_unit_id="050-2020", relation="merged"),
            dict(from_unit_id="050-2020", to_unit_id="c-new-3", relation="merged"),
            dict(from_unit_id="051", to_unit_id="c-new-3", relation="part")]
    return typed(rows, {}, ["from_unit_id", "to_unit_id", "relation"])


@pytest.fixture
def admin_units() -> pd.DataFrame:
    """Former districts with an end date, today's communes without one."""
    rows = [dict(unit_id=u, valid_to=None if u.startswith("c-") else "2025-06-30")
            for u in ("049", "049-2020", "050", "050-2020", "051", "c-new-1", "c-new-2",
                      "c-new-3")]
    return typed(rows, {}, ["unit_id", "valid_to"])


def ids(frame: pd.DataFrame) -> list[str]:
    return frame["project_id"].tolist()


def row(frame: pd.DataFrame, key: str, value) -> dict:
    return frame[frame[key] == value].drop(columns=[key]).iloc[0].to_dict()


@pytest.mark.parametrize(("where", "expected"), [
    (None, ["a", "b", "c", "d", "e", "f"]),
    ({}, ["a", "b", "c", "d", "e", "f"]),
    ({"year": 2021}, ["c", "d"]),
    ({"year": 2020}, []),
    ({"year": {"min": 2021}}, ["c", "d", "e", "f"]),
    ({"year": {"min": 2019, "max": 2021}}, ["a", "b", "c", "d"]),
    ({"level": "national"}, ["a", "d"]),
    ({"establishment_id": None}, ["b", "e"]),
    ({"status": ["stopped", "returned"]}, ["d", "e"]),
    ({"status": {"not_in": ["stopped", "returned"]}}, ["a", "b", "c", "f"]),
    ({"status": {"in": ["completed"]}, "level": "local"}, ["b", "c"]),
    ({"unit_id": "999"}, []),
])
def test_select_applies_every_rule(projects, where, expected):
    assert expected == ids(stats.select(projects, where))


@pytest.mark.parametrize(("where", "expected"), [
    (None, dict(projects=6, national=2, local=4, state_support_vnd=1160,
                counterpart_vnd=2550, disbursed_vnd=610)),
    ({"year": 2020}, dict(projects=0, national=0, local=0, state_support_vnd=0,
                          counterpart_vnd=0, disbursed_vnd=0)),
    ({"status": "stopped"}, dict(projects=1, national=1, local=0, state_support_vnd=300,
                                 counterpart_vnd=0, disbursed_vnd=0)),
])
def test_summarise_counts_and_sums(projects, where, expected):
    summary = stats.summarise(stats.select(projects, where))
    assert [expected] == summary.to_dict("records")


@pytest.mark.parametrize(("years", "expected"), [
    (None, {2019: (2, 460), 2020: (0, 0), 2021: (2, 450), 2022: (2, 250)}),
    (range(2018, 2023), {2018: (0, 0), 2019: (2, 460), 2020: (0, 0), 2021: (2, 450),
                         2022: (2, 250)}),
    ([2021], {2021: (2, 450), 2019: (2, 460), 2022: (2, 250)}),
])
def test_by_year_lists_years_without_projects_as_zero(projects, years, expected):
    table = stats.by_year(projects, years)
    actual = {y: (p, s) for y, p, s in
              zip(table["year"], table["projects"], table["state_support_vnd"], strict=True)}
    assert expected == actual
    assert list(expected) == table["year"].tolist()


def test_by_year_of_no_projects_is_all_zeros():
    table = stats.by_year(projects_frame([]), [2012, 2013])
    assert table["year"].tolist() == [2012, 2013]
    assert table["projects"].tolist() == [0, 0]
    assert table["counterpart_vnd"].tolist() == [0, 0]


@pytest.mark.parametrize(("function", "key", "args", "expected"), [
    (stats.by_level, "level", (), {"national": 2, "local": 4}),
    (stats.by_status, "status", (), {"completed": 3, "in-progress": 1, "stopped": 1,
                                     "returned": 1}),
    (stats.by_content, "content_type", (["DT", "NLQL", "MHTD", "HTQT"],),
     {"DT": 2, "NLQL": 0, "MHTD": 4, "HTQT": 0}),
    (stats.by_content, "content_type", (["DT"],), {"DT": 2, "MHTD": 4}),
    (stats.by_unit, "unit_id", (), {"049": 2, "049-2020": 2, "051": 2}),
    (stats.by_unit, "unit_id", (["050", "051"],), {"050": 0, "051": 2, "049": 2,
                                                   "049-2020": 2}),
])
def test_groupings_count_every_group_including_empty_ones(projects, function, key, args,
                                                          expected):
    table = function(projects, *args)
    assert expected == dict(zip(table[key], table["projects"], strict=True))
    assert table["projects"].sum() == 6


def test_by_status_of_no_projects_lists_every_status():
    table = stats.by_status(projects_frame([]))
    assert list(stats.STATUSES) == table["status"].tolist()
    assert table["state_support_vnd"].tolist() == [0, 0, 0, 0]


def test_sector_comes_from_the_establishment(projects, establishments):
    enriched = stats.attach_sector(projects, establishments)
    sectors = [None if pd.isna(s) else s for s in enriched["sector"]]
    assert sectors == ["WOOD", None, "MECH", "MECH", None, "WOOD"]
    table = stats.by_sector(enriched, ["FOOD", "WOOD", "MECH"])
    counts = dict(zip(table["sector"], table["projects"], strict=True))
    assert counts == {"FOOD": 0, "WOOD": 2, "MECH": 2, "none": 2}
    assert table["sector"].iloc[-1] == "none"


@pytest.mark.parametrize(("unit", "establishment", "expected"), [
    ("049", "e1", "c-new-1"),        # the beneficiary's commune wins
    ("051", "e2", "c-new-2"),
    ("050", None, "c-new-3"),        # merged, then merged again: whole
    ("050-2020", None, "c-new-3"),
    ("c-new-1", None, "c-new-1"),    # already a current unit
    ("049", None, None),             # merged, then split into parts
    ("049-2020", None, None),        # split
    ("051", None, None),             # only a part is listed: still not whole
    ("999", None, None),             # not in the crosswalk
])
def test_current_unit(establishments, crosswalk, admin_units, unit, establishment, expected):
    frame = projects_frame([project("x", 2020, unit=unit, establishment=establishment)])
    enriched = stats.attach_current_unit(frame, establishments, crosswalk, admin_units)
    actual = enriched["current_unit_id"].iloc[0]
    assert expected == (None if pd.isna(actual) else actual)


def test_by_current_unit_puts_the_unattributed_last(projects, establishments, crosswalk,
                                                    admin_units):
    enriched = stats.attach_current_unit(projects, establishments, crosswalk, admin_units)
    table = stats.by_current_unit(enriched, ["c-new-1", "c-new-2", "c-new-3"])
    counts = dict(zip(table["current_unit_id"], table["projects"], strict=True))
    assert counts == {"c-new-1": 2, "c-new-2": 2, "c-new-3": 0, "none": 2}
    assert table["current_unit_id"].iloc[-1] == "none"


@pytest.mark.parametrize(("by", "keys", "expected"), [
    # a(400/1600) b(60/0) c(150/450) f(200/500) are carried out; d stopped, e returned.
    (None, (), [dict(state_support_vnd=810, counterpart_vnd=2550, leverage=2550 / 810)]),
    ("level", stats.LEVELS, [
        dict(level="national", state_support_vnd=400, counterpart_vnd=1600, leverage=4.0),
        dict(level="local", state_support_vnd=410, counterpart_vnd=950, leverage=950 / 410)]),
    ("year", [2019, 2020], [
        dict(year=2019, state_support_vnd=460, counterpart_vnd=1600, leverage=1600 / 460),
        dict(year=2020, state_support_vnd=0, counterpart_vnd=0, leverage=math.nan),
        dict(year=2021, state_support_vnd=150, counterpart_vnd=450, leverage=3.0),
        dict(year=2022, state_support_vnd=200, counterpart_vnd=500, leverage=2.5)]),
])
def test_leverage_leaves_out_stopped_and_returned(projects, by, keys, expected):
    actual = stats.leverage(projects, by, keys).to_dict("records")
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual, strict=True):
        assert {k: v for k, v in want.items() if k != "leverage"} == {
            k: v for k, v in got.items() if k != "leverage"}
        assert want["leverage"] == pytest.approx(got["leverage"], nan_ok=True)


@pytest.mark.parametrize(("by", "keys", "expected"), [
    (None, (), [(None, 6, 1, 1, 2, 2 / 6)]),
    ("level", stats.LEVELS, [("national", 2, 1, 0, 1, 0.5), ("local", 4, 0, 1, 1, 0.25)]),
    ("year", [2019, 2020, 2021, 2022], [
        (2019, 2, 0, 0, 0, 0.0), (2020, 0, 0, 0, 0, math.nan), (2021, 2, 1, 0, 1, 0.5),
        (2022, 2, 0, 1, 1, 0.5)]),
])
def test_stopped_share(projects, by, keys, expected):
    table = stats.stopped_share(projects, by, keys)
    keys_out = table[by].tolist() if by else [None]
    actual = list(zip(keys_out, table["projects"], table["stopped"], table["returned"],
                      table["stopped_or_returned"], strict=True))
    assert [e[:5] for e in expected] == actual
    assert [e[5] for e in expected] == pytest.approx(table["share"].tolist(), nan_ok=True)


@pytest.fixture
def plans() -> pd.DataFrame:
    """Plans for 2019 and 2021 (none in 2020); 2021 local approved nothing."""
    rows = [dict(year=2019, level="national", planned_vnd=500, approved_vnd=400,
                 disbursed_vnd=400),
            dict(year=2019, level="local", planned_vnd=100, approved_vnd=60, disbursed_vnd=60),
            dict(year=2021, level="local", planned_vnd=200, approved_vnd=0, disbursed_vnd=0),
            dict(year=2021, level="national", planned_vnd=300, approved_vnd=300,
                 disbursed_vnd=150)]
    types = {"year": "Int64", "planned_vnd": "Int64", "approved_vnd": "Int64",
             "disbursed_vnd": "Int64"}
    return typed(rows, types, list(rows[0]))


@pytest.mark.parametrize(("level", "years", "expected"), [
    (None, None, [(2019, 600, 460, 460, 1.0), (2020, 0, 0, 0, math.nan),
                  (2021, 500, 300, 150, 0.5)]),
    ("local", None, [(2019, 100, 60, 60, 1.0), (2020, 0, 0, 0, math.nan),
                     (2021, 200, 0, 0, math.nan)]),
    ("national", [2018, 2019], [(2018, 0, 0, 0, math.nan), (2019, 500, 400, 400, 1.0),
                                (2021, 300, 300, 150, 0.5)]),
])
def test_plan_execution(plans, level, years, expected):
    table = stats.plan_execution(plans, years, level)
    actual = list(zip(table["year"], table["planned_vnd"], table["approved_vnd"],
                      table["disbursed_vnd"], strict=True))
    assert [e[:4] for e in expected] == actual
    assert [e[4] for e in expected] == pytest.approx(table["disbursement_rate"].tolist(),
                                                     nan_ok=True)


def test_cumulative_runs_down_the_years(projects):
    table = stats.by_year(projects, range(2019, 2023)).pipe(stats.cumulative)
    assert table["projects"].tolist() == [2, 2, 4, 6]
    assert table["state_support_vnd"].tolist() == [460, 460, 910, 1160]
    assert table["year"].tolist() == [2019, 2020, 2021, 2022]


def test_with_total_adds_a_sum_row(projects):
    table = stats.by_level(projects).pipe(stats.with_total, "level")
    assert table["level"].tolist() == ["national", "local", "total"]
    assert table["projects"].tolist() == [2, 4, 6]
    assert table["state_support_vnd"].iloc[-1] == 1160


@pytest.mark.parametrize(("start", "end", "expected"), [
    (2019, 2021, dict(projects=4, national=2, local=2, state_support_vnd=910)),
    (2020, 2020, dict(projects=0, national=0, local=0, state_support_vnd=0)),
    (2012, 2022, dict(projects=6, national=2, local=4, state_support_vnd=1160)),
])
def test_headline_for_a_period(projects, start, end, expected):
    actual = stats.headline(projects, start, end).iloc[0].to_dict()
    assert expected == {k: actual[k] for k in expected}


@pytest.mark.parametrize(("function", "key", "args"), [
    (stats.by_year, "year", ()),
    (stats.by_level, "level", ()),
    (stats.by_status, "status", ()),
    (stats.by_content, "content_type", (["DT", "MHTD", "HTQT"],)),
    (stats.by_unit, "unit_id", (["050"],)),
])
def test_every_group_row_is_its_filter_summarised(projects, function, key, args):
    """The guarantee behind the published filters: a row = summarise(select(rows, filter))."""
    for record in function(projects, *args).to_dict("records"):
        value = record.pop(key)
        expected = stats.summarise(stats.select(projects, {key: value})).iloc[0].to_dict()
        assert expected == record


def test_a_single_district_gets_the_same_aggregations(projects):
    district = stats.select(projects, {"unit_id": "049-2020"})
    assert row(stats.by_unit(projects), "unit_id", "049-2020") == \
        stats.summarise(district).iloc[0].to_dict()
    assert {y: p for y, p in stats.by_year(district)[["year", "projects"]]
                         .itertuples(index=False) if p} == {2021: 2}


def read_sample_projects() -> list[dict]:
    with open(ROOT / "data" / "projects.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_sample_headline_matches_independent_count_and_published_totals():
    """The shipped sample: plain-csv recount of 2012-2022 == headline() == published totals."""
    rows = [r for r in read_sample_projects() if 2012 <= int(r["year"]) <= 2022]
    independent = dict(
        projects=len(rows),
        national=sum(r["level"] == "national" for r in rows),
        local=sum(r["level"] == "local" for r in rows),
        state_support_vnd=sum(int(r["state_support_vnd"]) for r in rows),
        counterpart_vnd=sum(int(r["counterpart_vnd"]) for r in rows),
        disbursed_vnd=sum(int(r["disbursed_vnd"]) for r in rows),
    )
    package, report = load_package(ROOT / "data")
    assert report.ok
    assert independent == stats.headline(package["projects"]).iloc[0].to_dict()
    assert (independent["projects"], independent["national"],
                            independent["local"]) == (99, 39, 60)
    assert independent["counterpart_vnd"] > 96_000_000_000
