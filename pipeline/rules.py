"""The programme's own rules, beyond what a Table Schema can say, as vectorised pandas checks.

Each rule takes the loaded package (typed frames) and returns ``Problem`` values with a stable
kebab-case ``type``. Rules run on whatever Frictionless left standing: a cell that failed its
type is missing (NA) in the typed frame, and every comparison here treats NA as "not known, do
not flag". A rule that needs a resource the loader could not read is skipped (see ``RULES``).
Only the rows that break a rule are visited in Python, to build their messages.

Support ceilings (``CEILINGS``) are data with their legal source, so a new circular is a new
row, not new code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.load import Encoded, Package
from pipeline.report import Problem, Severity

# Cao Bằng, like every province, abolished its districts on 1 July 2025: from that day projects
# are located in a commune, before it in a district (Resolution 1657/NQ-UBTVQH15 for Cao Bằng).
DISTRICTS_ABOLISHED = pd.Timestamp("2025-07-01")
LAST_YEAR = 2100
ID_WIDTH = 13  # p-04-2021-001
ID_DIGITS = [2, 3, 5, 6, 7, 8, 10, 11, 12]  # positions of digits in a project id


@dataclass(frozen=True)
class Ceiling:
    """The most state support one project of an activity type may get, in the given years."""

    activity_type: str
    first_year: int
    last_year: int
    max_vnd: int
    max_percent: int  # of the project's total cost: state support plus counterpart funding
    source: str
    verified: bool


CEILINGS: tuple[Ceiling, ...] = (
    Ceiling("machinery", 2019, LAST_YEAR, 300_000_000, 50,
            "Thông tư 28/2018/TT-BTC, Điều 8 khoản 4", True),
    Ceiling("machinery", 2012, 2018, 300_000_000, 50,
            "Thông tư liên tịch 26/2014/TTLT-BTC-BCT; level assumed equal to TT 28/2018 "
            "(not confirmed from the text)", False),
    Ceiling("tech-line", 2019, LAST_YEAR, 450_000_000, 50,
            "Thông tư 28/2018/TT-BTC, Điều 8 khoản 4: 1,5 × the machinery ceiling", True),
    Ceiling("tech-line", 2012, 2018, 450_000_000, 50,
            "Thông tư liên tịch 26/2014/TTLT-BTC-BCT; level assumed equal to TT 28/2018 "
            "(not confirmed from the text)", False),
    Ceiling("demo-model", 2012, 2018, 500_000_000, 30,
            "Thông tư liên tịch 26/2014/TTLT-BTC-BCT (demonstration model of new technology "
            "or product)", True),
    Ceiling("demo-model", 2019, LAST_YEAR, 1_500_000_000, 50,
            "Thông tư 28/2018/TT-BTC (recalled, NOT verified against the text)", False),
)

CEILING_COLUMNS = ["activity_type", "year", "state_support_vnd", "counterpart_vnd", "status"]

# Resources that must hold at least one row; a crosswalk or a plan table may be empty.
NON_EMPTY = ("admin-units", "content-types", "sectors", "establishments", "projects")


def vnd_vi(amount) -> str:
    return f"{int(amount):,}".replace(",", ".") + " đồng"


def vnd_en(amount) -> str:
    return f"VND {int(amount):,}"


def flagged(kind: str, package: Package, name: str, rows: pd.DataFrame, field: str | None,
            vi: Callable[[dict], str], en: Callable[[dict], str],
            severity: Severity = "error") -> list[Problem]:
    """One problem per flagged row, positioned at ``field`` with the cell as written."""
    if rows.empty:  # the usual case: skip building records from an empty frame
        return []
    raw = package.raw[name]
    file = package.relpath(name)
    problems = []
    for index, row in zip(rows.index, rows.to_dict("records"), strict=True):
        value = raw.at[index, field] if field in raw.columns else None
        problems.append(Problem(type=kind, file=file, resource=name, row=int(index) + 2,
                                field=field, value=value, message_vi=vi(row),
                                message_en=en(row), severity=severity))
    return problems


def known(mask: pd.Series) -> pd.Series:
    """A nullable comparison as plain booleans: unknown (NA) is never flagged."""
    return mask.fillna(False).astype(bool)


def lookup(frame: pd.DataFrame, key: str, columns: list[str], prefix: str) -> pd.DataFrame:
    """``frame`` indexed by ``key`` (first row per key), columns renamed with ``prefix``."""
    table = frame.dropna(subset=[key]).drop_duplicates(key).set_index(key)[columns]
    return table.add_prefix(prefix)


def positions(keys: pd.Series, frame: pd.DataFrame, key: str) -> np.ndarray:
    """For each of ``keys``, the position in ``frame`` of the first row with that ``key``.

    -1 where there is none (or the key is missing). Like ``lookup`` + ``join``, but the
    caller takes only the columns it needs, instead of a copy of every column of the
    projects with the looked-up ones added.
    """
    column = frame[key]
    first = (column.notna() & ~column.duplicated()).to_numpy()
    # the keys as an object array: half the time of looking up a pandas string array
    found = pd.Index(column.to_numpy(dtype=object)[first]).get_indexer(
        keys.to_numpy(dtype=object))
    return np.where(found >= 0, np.flatnonzero(first)[found], -1)


def taken(column: pd.Series, at: np.ndarray, index: pd.Index) -> pd.Series:
    """``column``'s values at positions ``at`` (missing where -1), on ``index``."""
    return pd.Series(column.array.take(at, allow_fill=True), index=index)


def text(values: pd.Series) -> np.ndarray:
    """Strings as a numpy object array, None where missing: numpy compares them about four
    times faster than pandas' string arrays, and None equals no string."""
    return values.to_numpy(dtype=object, na_value=None)


def unparsed(package: Package, name: str, field: str) -> pd.Series:
    """Cells missing only because they did not parse: unknown, unlike an empty cell."""
    return package[name][field].isna() & (package.raw[name][field] != "")


def dates_unknown(package: Package) -> pd.Series:
    """Units whose validity dates are unknown (written but not parsed)."""
    return (unparsed(package, "admin-units", "valid_from")
            | unparsed(package, "admin-units", "valid_to"))


def year_bounds(years: pd.Series) -> tuple[pd.Series, pd.Series]:
    """1 January and 31 December of each year (NaT where the year is missing or not 4 digits).

    Calendar arithmetic in numpy (years since 1970 as ``datetime64[Y]``): building and
    parsing a date string per project took 16 ms at national scale.
    """
    numbers = years.to_numpy(dtype="float64", na_value=np.nan)
    usable = (numbers >= 1000) & (numbers <= 9999)  # NaN compares False
    offsets = np.where(usable, numbers, 1970).astype(np.int64) - 1970
    first = offsets.astype("datetime64[Y]").astype("datetime64[us]")
    last = (offsets + 1).astype("datetime64[Y]").astype("datetime64[us]") - np.timedelta64(1, "D")
    missing = np.datetime64("NaT", "us")
    return (pd.Series(np.where(usable, first, missing), index=years.index),
            pd.Series(np.where(usable, last, missing), index=years.index))


# --- resources ---------------------------------------------------------------------------


def empty_resources(package: Package) -> list[Problem]:
    """A required resource with a header but no rows would publish an empty site."""
    return [Problem(type="empty-resource", file=package.relpath(name), resource=name,
                    message_vi="Bảng không có dòng dữ liệu nào, chỉ có dòng tiêu đề.",
                    message_en="The table has a header but no data rows.")
            for name in NON_EMPTY if name in package.frames and package.frames[name].empty]


# --- projects ----------------------------------------------------------------------------


def with_ceilings(projects: pd.DataFrame) -> pd.DataFrame:
    """The projects that have a ceiling in their year, with its ``max_vnd`` and ``max_percent``.

    Only the columns the checks and their messages use are kept (the index too); one mask
    per ceiling instead of a merge that copied every column of every project.
    """
    types = projects["activity_type"].to_numpy(dtype=object, na_value=None)
    years = projects["year"]
    chosen = np.full(len(projects), -1)
    for position, ceiling in enumerate(CEILINGS):  # one ceiling per type and year (tested)
        in_years = known((years >= ceiling.first_year) & (years <= ceiling.last_year))
        chosen[(types == ceiling.activity_type) & in_years.to_numpy() & (chosen < 0)] = position
    found = chosen >= 0
    return projects.loc[found, CEILING_COLUMNS].assign(
        max_vnd=np.array([c.max_vnd for c in CEILINGS], np.int64)[chosen[found]],
        max_percent=np.array([c.max_percent for c in CEILINGS], np.int64)[chosen[found]])


def support_ceilings(package: Package) -> list[Problem]:
    """State support above the legal ceiling for its activity type, in amount or in share."""
    projects = with_ceilings(package["projects"])
    state, counterpart = projects["state_support_vnd"], projects["counterpart_vnd"]
    over_amount = projects[known(state > projects["max_vnd"])]
    # A stopped or returned project spent no counterpart funds, so its share cannot be judged.
    carried_out = ~projects["status"].isin(["stopped", "returned"])
    over_share = projects[carried_out & known(
        state * 100 > projects["max_percent"] * (state + counterpart))]
    return flagged(
        "support-over-ceiling", package, "projects", over_amount, "state_support_vnd",
        lambda r: f"Kinh phí khuyến công {vnd_vi(r['state_support_vnd'])} vượt mức tối đa "
                  f"{vnd_vi(r['max_vnd'])} cho loại '{r['activity_type']}' năm {r['year']}.",
        lambda r: f"State support of {vnd_en(r['state_support_vnd'])} exceeds the ceiling of "
                  f"{vnd_en(r['max_vnd'])} for '{r['activity_type']}' in {r['year']}.",
    ) + flagged(
        "support-share-over-ceiling", package, "projects", over_share, "state_support_vnd",
        lambda r: f"Kinh phí khuyến công vượt {r['max_percent']} % tổng chi phí (kinh phí "
                  "khuyến công + vốn đối ứng). Kiểm tra vốn đối ứng.",
        lambda r: f"State support is more than {r['max_percent']} % of the total cost (state "
                  "support + counterpart funding). Check the counterpart amount.",
    )


def amounts_by_status(package: Package) -> list[Problem]:
    """Disbursement must agree with the status: paid when completed, nothing when cancelled."""
    projects = package["projects"]
    disbursed, state, status = (projects["disbursed_vnd"], projects["state_support_vnd"],
                                projects["status"])
    too_much = projects[known(disbursed > state)]
    unpaid = projects[known((status == "completed") & (disbursed == 0))]
    cancelled = projects[known(status.isin(["stopped", "returned"]) & (disbursed > 0))]
    return flagged(
        "disbursed-exceeds-support", package, "projects", too_much, "disbursed_vnd",
        lambda r: f"Giải ngân {vnd_vi(r['disbursed_vnd'])} lớn hơn kinh phí được duyệt "
                  f"{vnd_vi(r['state_support_vnd'])}.",
        lambda r: f"Disbursed {vnd_en(r['disbursed_vnd'])} is more than the approved support "
                  f"of {vnd_en(r['state_support_vnd'])}.",
    ) + flagged(
        "completed-without-disbursement", package, "projects", unpaid, "disbursed_vnd",
        lambda r: "Đề án hoàn thành nhưng giải ngân bằng 0.",
        lambda r: "The project is completed but nothing was disbursed.",
    ) + flagged(
        "disbursed-when-stopped", package, "projects", cancelled, "disbursed_vnd",
        lambda r: f"Đề án có tình trạng '{r['status']}' nên giải ngân phải bằng 0.",
        lambda r: f"A project with status '{r['status']}' must have 0 disbursed.",
    )


def date_order(package: Package) -> list[Problem]:
    """A project cannot end before it starts."""
    projects = package["projects"]
    rows = projects[known(projects["end_date"] < projects["start_date"])]
    return flagged(
        "end-before-start", package, "projects", rows, "end_date",
        lambda r: f"Ngày kết thúc trước ngày bắt đầu ({r['start_date']:%d/%m/%Y}).",
        lambda r: f"The end date is before the start date ({r['start_date']:%Y-%m-%d}).",
    )


def project_id_year(package: Package) -> list[Problem]:
    """The year inside the id (p-04-2021-001) is the plan year, so ids sort by year."""
    projects = package["projects"]
    rows = projects[known(id_years(projects["project_id"]) != projects["year"])]
    return flagged(
        "project-id-year-mismatch", package, "projects", rows, "project_id",
        lambda r: f"Năm trong mã đề án không khớp với cột year ({r['year']}).",
        lambda r: f"The year inside the project id does not match the year column ({r['year']}).",
    )


def id_years(ids: pd.Series) -> pd.Series:
    """The year inside each project id (NA when the id has no such part).

    When every id is written the usual way (the common case), the years are read from the
    ids' bytes at once; otherwise a regular expression reads them one by one.
    """
    years = plain_id_years(ids.to_numpy(dtype=object, na_value=""))
    if years is not None:
        return pd.Series(years, index=ids.index, dtype="Int64")
    return pd.to_numeric(ids.str.extract(r"^p-\d{2}-(\d{4})-", expand=False),
                         errors="coerce").astype("Int64")


def plain_id_years(cells: np.ndarray) -> np.ndarray | None:
    """Years of ids that are all ``p-NN-YYYY-NNN`` (ASCII digits), else None.

    The ids joined by line ends form a grid of bytes, one row per id (no id holds a line
    end, and the length says every id has 13 characters): the shape is checked and the
    year's four digits are combined column by column.
    """
    joined = "\n".join(cells) + "\n"
    width = ID_WIDTH + 1
    if (not len(cells) or not joined.isascii() or len(joined) != len(cells) * width
            or joined.count("\n") != len(cells)):
        return None
    grid = np.frombuffer(joined.encode("ascii"), np.uint8).reshape(-1, width)
    digits = grid[:, ID_DIGITS].astype(np.int64) - ord("0")
    dashes = grid[:, [1, 4, 9]] == ord("-")
    if not ((grid[:, 0] == ord("p")).all() and dashes.all()
            and ((digits >= 0) & (digits <= 9)).all()):
        return None
    return digits[:, 2:6] @ np.array([1000, 100, 10, 1])


def project_units(package: Package) -> list[Problem]:
    """The unit must be of the level in force (district, then commune) and valid in the year.

    Both are judged on the plan year: in 2025 either level may be right, since a project
    could be placed before or after the reform; then validity dates decide.
    """
    projects, units = package["projects"], package["admin-units"]
    at = positions(projects["unit_id"], units, "unit_id")
    level = text(taken(units["level"], at, projects.index))
    unknown = dates_unknown(package).to_numpy()[at] & (at >= 0)
    valid_from = taken(units["valid_from"], at, projects.index)
    valid_to = taken(units["valid_to"], at, projects.index)
    year_start, year_end = year_bounds(projects["year"])
    before = (year_end < DISTRICTS_ABOLISHED).to_numpy()
    after = (year_start >= DISTRICTS_ABOLISHED).to_numpy()
    wrong = (((level == "commune") & before) | ((level == "district") & after)
             | (level == "province"))
    valid = ((valid_from.isna() | (valid_from <= year_end))
             & (valid_to.isna() | (valid_to >= year_start))).to_numpy()
    invalid = ((level != None) & projects["year"].notna().to_numpy()  # noqa: E711
               & ~valid & ~wrong & ~unknown)
    rows = projects.assign(u_level=level)
    return flagged(
        "unit-wrong-level", package, "projects", rows[wrong], "unit_id",
        lambda r: f"Địa bàn là đơn vị cấp '{r['u_level']}': trước 01/07/2025 phải là huyện, "
                  "từ 01/07/2025 phải là xã/phường.",
        lambda r: f"The unit is a {r['u_level']}: before 1 July 2025 it must be a district, "
                  "from then a commune or ward.",
    ) + flagged(
        "unit-not-valid-in-year", package, "projects", rows[invalid], "unit_id",
        lambda r: f"Đơn vị không còn hoặc chưa có hiệu lực trong năm {r['year']}. Dùng mã "
                  "đơn vị có hiệu lực trong năm đề án (xem bảng chuyển đổi).",
        lambda r: f"The unit did not exist in {r['year']}. Use the unit valid in the project "
                  "year (see the unit crosswalk).",
    )


def province_codes(package: Package) -> list[Problem]:
    """A project's province is the one of its unit and of its establishment."""
    projects = package["projects"]
    province = projects["province_code"]
    units = package["admin-units"]
    at = positions(projects["unit_id"], units, "unit_id")
    mismatch = known(province != taken(units["province_code"], at, projects.index))
    if "establishments" in package.frames:
        establishments = package["establishments"]
        at = positions(projects["establishment_id"], establishments, "establishment_id")
        mismatch |= known(province != taken(establishments["province_code"], at,
                                            projects.index))
    return flagged(
        "province-mismatch", package, "projects", projects[mismatch], "province_code",
        lambda r: "Mã tỉnh của đề án khác mã tỉnh của địa bàn hoặc của cơ sở thụ hưởng.",
        lambda r: "The project's province code differs from its unit's or its establishment's.",
    )


PLAN_KEYS = ["province_code", "year", "level"]


def plan_sums(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects, state support and disbursement per province, year and level.

    A sum is NA if any of its amounts is; projects with a key missing are left out. Groups
    come in the order of their first project.
    """
    grouped = projects.groupby(PLAN_KEYS, sort=False)
    return pd.DataFrame({
        "project_count": grouped.size(),
        "sum_state": grouped["state_support_vnd"].sum(skipna=False),
        "sum_disbursed": grouped["disbursed_vnd"].sum(skipna=False),
    })


def plans(package: Package) -> list[Problem]:
    """``plan_totals`` and ``plans_present`` on one grouping of the projects."""
    sums = plan_sums(package["projects"])
    return plan_totals(package, sums) + plans_present(package, sums)


def plan_totals(package: Package, sums: pd.DataFrame | None = None) -> list[Problem]:
    """A plan's approved and disbursed amounts are the sums over that year's projects.

    A project whose province, year or level is unknown could belong to any plan, so the
    totals are not judged until it is fixed (its own error is already reported).
    ``sums`` is ``plan_sums`` of the projects, when the caller has it.
    """
    plans, projects = package["annual-plans"], package["projects"]
    if projects[PLAN_KEYS].isna().any(axis=None):
        return []
    rows = plans.join(plan_sums(projects) if sums is None else sums, on=PLAN_KEYS)
    no_projects = rows["project_count"].isna()
    rows.loc[no_projects, ["sum_state", "sum_disbursed"]] = 0
    keyed = rows[PLAN_KEYS].notna().all(axis=1)
    approved = rows[keyed & known(rows["approved_vnd"] != rows["sum_state"])]
    disbursed = rows[keyed & known(rows["disbursed_vnd"] != rows["sum_disbursed"])]
    return flagged(
        "plan-approved-mismatch", package, "annual-plans", approved, "approved_vnd",
        lambda r: f"Kinh phí được duyệt phải bằng tổng kinh phí khuyến công của các đề án "
                  f"năm {r['year']} cấp {r['level']}: {vnd_vi(r['sum_state'])}.",
        lambda r: f"Approved must equal the state support of the {r['level']} projects of "
                  f"{r['year']}: {vnd_en(r['sum_state'])}.",
    ) + flagged(
        "plan-disbursed-mismatch", package, "annual-plans", disbursed, "disbursed_vnd",
        lambda r: f"Kinh phí đã giải ngân phải bằng tổng giải ngân của các đề án năm "
                  f"{r['year']} cấp {r['level']}: {vnd_vi(r['sum_disbursed'])}.",
        lambda r: f"Disbursed must equal the disbursements of the {r['level']} projects of "
                  f"{r['year']}: {vnd_en(r['sum_disbursed'])}.",
    )


def plans_present(package: Package, sums: pd.DataFrame | None = None) -> list[Problem]:
    """Every year and level that has projects needs its plan row (in project order)."""
    have = pd.MultiIndex.from_frame(package["annual-plans"][PLAN_KEYS].dropna())
    groups = (plan_sums(package["projects"]) if sums is None else sums).index
    return [Problem(type="plan-missing", file=package.relpath("annual-plans"),
                    resource="annual-plans", field="year", value=f"{year} {level}",
                    message_vi=f"Có đề án cấp {level} năm {year} (tỉnh {province}) "
                               "nhưng không có dòng kế hoạch tương ứng.",
                    message_en=f"There are {level} projects in {year} (province "
                               f"{province}) but no plan row for them.")
            for province, year, level in groups[~groups.isin(have)]]


def plans_over_planned(package: Package) -> list[Problem]:
    """Approving more than was requested is possible but unusual: worth a second look."""
    plans = package["annual-plans"]
    rows = plans[known(plans["approved_vnd"] > plans["planned_vnd"])]
    return flagged(
        "plan-approved-over-planned", package, "annual-plans", rows, "approved_vnd",
        lambda r: f"Kinh phí được duyệt lớn hơn kế hoạch đề xuất ({vnd_vi(r['planned_vnd'])}).",
        lambda r: f"Approved is more than planned ({vnd_en(r['planned_vnd'])}).",
        severity="warning",
    )


# --- administrative units and establishments ---------------------------------------------


def unit_ids(package: Package) -> list[Problem]:
    """unit_id is the GSO code, plus "-year" of valid_from when the unit has a start date."""
    units = package["admin-units"]
    suffix = ("-" + units["valid_from"].dt.year.astype("Int64").astype("string")).fillna("")
    expected = units["code"] + suffix
    # A valid_from that is missing only because it did not parse says nothing about the id.
    unknown = units["valid_from"].isna() & (package.raw["admin-units"]["valid_from"] != "")
    rows = units.assign(expected=expected)[known(units["unit_id"] != expected) & ~unknown]
    return flagged(
        "unit-id-mismatch", package, "admin-units", rows, "unit_id",
        lambda r: f"Mã phiên bản đơn vị phải là '{r['expected']}' (mã GSO, thêm '-năm' của "
                  "ngày hiệu lực nếu có).",
        lambda r: f"The unit id must be '{r['expected']}' (the GSO code, plus '-year' of "
                  "valid_from when set).",
    )


def parent_validity(package: Package) -> list[Problem]:
    """A unit's parent must exist for the whole time the unit does."""
    units = package["admin-units"].assign(unknown=dates_unknown(package))
    parents = lookup(units, "unit_id", ["valid_from", "valid_to", "unknown"], "p_")
    rows = units.join(parents, on="parent_id")
    starts_early = rows["p_valid_from"].notna() & (
        rows["valid_from"].isna() | known(rows["valid_from"] < rows["p_valid_from"]))
    ends_late = rows["p_valid_to"].notna() & (
        rows["valid_to"].isna() | known(rows["valid_to"] > rows["p_valid_to"]))
    judged = rows["parent_id"].notna() & ~rows["unknown"] & ~known(rows["p_unknown"])
    bad = rows[judged & (starts_early | ends_late)]
    return flagged(
        "parent-not-valid", package, "admin-units", bad, "parent_id",
        lambda r: "Đơn vị cấp trên không có hiệu lực trong suốt thời gian đơn vị này có hiệu "
                  "lực.",
        lambda r: "The parent unit is not valid for the whole time this unit is.",
    )


def establishment_communes(package: Package) -> list[Problem]:
    """An establishment's address is today's commune: level commune, not yet superseded."""
    establishments = package["establishments"]
    units = lookup(package["admin-units"], "unit_id", ["level", "valid_to"], "u_")
    rows = establishments.join(units, on="commune_id")
    wrong = rows[known(rows["u_level"] != "commune")]
    old = rows[known(rows["u_level"] == "commune") & rows["u_valid_to"].notna()]
    return flagged(
        "unit-wrong-level", package, "establishments", wrong, "commune_id",
        lambda r: f"commune_id phải là một xã/phường, không phải đơn vị cấp '{r['u_level']}'.",
        lambda r: f"commune_id must be a commune or ward, not a {r['u_level']}.",
    ) + flagged(
        "unit-not-current", package, "establishments", old, "commune_id",
        lambda r: f"Xã/phường này hết hiệu lực ngày {r['u_valid_to']:%d/%m/%Y}; dùng xã/phường "
                  "hiện nay.",
        lambda r: f"This commune ceased on {r['u_valid_to']:%Y-%m-%d}; use today's commune.",
    )


def establishment_provinces(package: Package) -> list[Problem]:
    """An establishment's province is the one of its commune."""
    establishments = package["establishments"]
    units = lookup(package["admin-units"], "unit_id", ["province_code"], "u_")
    rows = establishments.join(units, on="commune_id")
    bad = rows[known(rows["province_code"] != rows["u_province_code"])]
    return flagged(
        "province-mismatch", package, "establishments", bad, "province_code",
        lambda r: f"Mã tỉnh khác mã tỉnh của xã/phường ({r['u_province_code']}).",
        lambda r: f"The province code differs from the commune's ({r['u_province_code']}).",
    )


def showcases_without_projects(package: Package) -> list[Problem]:
    """A showcase page with no supported project has nothing to show: staff should look."""
    establishments = package["establishments"]
    supported = package["projects"]["establishment_id"].dropna()
    rows = establishments[known(establishments["showcase"])
                          & ~establishments["establishment_id"].isin(supported)]
    return flagged(
        "showcase-without-project", package, "establishments", rows, "showcase",
        lambda r: "Cơ sở được đánh dấu tiêu biểu nhưng không có đề án nào.",
        lambda r: "The establishment is a showcase but has no project.",
        severity="warning",
    )


# --- text --------------------------------------------------------------------------------


def surrounding_whitespace(package: Package) -> list[Problem]:
    """Spaces before or after a value are invisible in Excel but break ids and lookups.

    Reported row by row, and left to right within a row.
    """
    problems = []
    for name, raw in package.raw.items():
        typed = package.frames.get(name, pd.DataFrame())
        encoded = package.encoded.get(name, {})
        cells = sorted((index, position, field)
                       for position, field in enumerate(raw.columns)
                       for index in (padded_rows(raw[field], encoded[field])
                                     if field in encoded else
                                     padded(unproven(raw[field], typed.get(field)))))
        problems.extend(Problem(
            type="surrounding-whitespace", file=package.relpath(name), resource=name,
            row=int(index) + 2, field=field, value=raw.at[index, field],
            message_vi="Ô có dấu cách ở đầu hoặc cuối; hãy xóa đi.",
            message_en="The cell has leading or trailing spaces; remove them.",
            severity="warning") for index, _, field in cells)
    return problems


def unproven(column: pd.Series, typed: pd.Series | None) -> pd.Series:
    """The cells that may have spaces at either end.

    The loader's integer and date parsers accept no space (a regular expression of digits,
    and ``%Y-%m-%d``), so a cell it typed as one has none: only the others are looked at.
    """
    if typed is None or not (typed.dtype == "Int64"
                             or pd.api.types.is_datetime64_dtype(typed.dtype)):
        return column
    parsed = typed.notna().to_numpy()
    return column[~parsed] if parsed.any() else column


def padded_rows(column: pd.Series, encoded: Encoded) -> list:
    """``padded`` through the column's distinct cells: their rows, when one is padded."""
    positions = padded(pd.Series(encoded.uniques, dtype=object, copy=False))
    if not positions:
        return []
    chosen = np.zeros(len(encoded.uniques), bool)
    chosen[positions] = True
    return list(column.index[encoded.per_cell(chosen)])


def padded(column: pd.Series) -> list:
    """Index labels of cells with whitespace at either end.

    ``str.strip`` returns the very same object when there is nothing to strip, so comparing
    the lists (identity first) clears a whole clean column at C speed.
    """
    cells = column.to_numpy(dtype=object).tolist()
    stripped = list(map(str.strip, cells))
    if stripped == cells:
        return []
    return [label for label, cell, bare in zip(column.index, cells, stripped, strict=True)
            if cell != bare]


# --- stories -----------------------------------------------------------------------------


def story_establishments(package: Package, stories: Iterable[dict]) -> list[Problem]:
    """A story is about one establishment, which must exist in the data."""
    ids = set(package["establishments"]["establishment_id"].dropna().to_numpy(dtype=object))
    problems = []
    for story in stories:
        found = story["metadata"].get("establishment")
        if found in ids:
            continue
        kind, vi, en = (
            ("story-missing-establishment", "Thiếu dòng 'Establishment: <mã cơ sở>' ở đầu bài.",
             "The header has no 'Establishment: <establishment id>' line.")
            if not found else
            ("story-unknown-establishment", f"Không có cơ sở mã '{found}' trong dữ liệu.",
             f"No establishment with id '{found}' in the data."))
        problems.append(Problem(type=kind, file=story["file"], row=story["lines"].get(
            "establishment", 1), field="Establishment", value=found, message_vi=vi,
            message_en=en))
    return problems


Rule = Callable[[Package], list[Problem]]
RULES: tuple[tuple[Rule, tuple[str, ...]], ...] = (
    (empty_resources, ()),
    (support_ceilings, ("projects",)),
    (amounts_by_status, ("projects",)),
    (date_order, ("projects",)),
    (project_id_year, ("projects",)),
    (project_units, ("projects", "admin-units")),
    (province_codes, ("projects", "admin-units")),
    (plans, ("projects", "annual-plans")),
    (plans_over_planned, ("annual-plans",)),
    (unit_ids, ("admin-units",)),
    (parent_validity, ("admin-units",)),
    (establishment_communes, ("establishments", "admin-units")),
    (establishment_provinces, ("establishments", "admin-units")),
    (showcases_without_projects, ("establishments", "projects")),
    (surrounding_whitespace, ()),
)


def check_rules(package: Package, stories: Iterable[dict] = ()) -> list[Problem]:
    """Every rule whose resources are usable; stories only when establishments are.

    A required resource that is empty counts as unusable: its ``empty-resource`` error says
    it all, where running the rules would repeat it (every plan total, every showcase).
    """
    usable = {name for name, frame in package.frames.items()
              if not (frame.empty and name in NON_EMPTY)}
    problems: list[Problem] = []
    for rule, needs in RULES:
        if usable.issuperset(needs):
            problems.extend(rule(package))
    if "establishments" in usable:
        problems.extend(story_establishments(package, stories))
    return problems
