"""Programme statistics as pure pandas: frames in, frames out, no I/O and no templates.

Every published figure is a measure of a set of rows, and every set of rows is described by a
``where`` filter (a plain dict, see :func:`select`). Grouped statistics are the same measures
computed per group, so a figure can always be recomputed from its filter; tests rely on that.

Counting rules (also told to readers in ``statistics_doc.METHODOLOGY``):

- a project counts in the plan year that funds it (``year``), whatever its dates;
- stopped and returned projects count as projects and their state support counts as approved
  support; their disbursement is 0 as recorded, and leverage leaves them out because neither
  the state's money nor the beneficiary's was spent on them;
- groups that exist in a code list (years, contents, sectors, statuses, units) appear with
  zeros when no project falls in them.

Functions take a frame first and return a new one, so they chain with ``.pipe``::

    projects.pipe(select, period(2012, 2022)).pipe(by_year, years=range(2012, 2023))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

LEVELS = ("national", "local")
STATUSES = ("completed", "in-progress", "stopped", "returned")
NOT_CARRIED_OUT = ("stopped", "returned")
HEADLINE_PERIOD = (2012, 2022)
#: The key of the group of projects that has no establishment / no single current unit.
NONE_KEY = "none"
#: Additive measures of a set of projects, in the order tables show them.
MEASURES = ["projects", "national", "local", "state_support_vnd", "counterpart_vnd",
            "disbursed_vnd"]
PLAN_MEASURES = ["planned_vnd", "approved_vnd", "disbursed_vnd"]

Where = Mapping[str, Any]


# --- filters -----------------------------------------------------------------------------

def condition(column: pd.Series, rule: Any) -> pd.Series:
    """Rows of one column matching one rule: a value, None, a list, or a min/max/not_in dict."""
    if rule is None:
        return column.isna()
    if isinstance(rule, Mapping):
        mask = pd.Series(True, index=column.index)
        if "min" in rule:
            mask &= (column >= rule["min"]).fillna(False)
        if "max" in rule:
            mask &= (column <= rule["max"]).fillna(False)
        if "in" in rule:
            mask &= column.isin(list(rule["in"])).fillna(False)
        if "not_in" in rule:
            mask &= ~column.isin(list(rule["not_in"])).fillna(False)
        return mask.astype(bool)
    if isinstance(rule, list | tuple | set | frozenset):
        return column.isin(list(rule)).fillna(False).astype(bool)
    return (column == rule).fillna(False).astype(bool)


def select(frame: pd.DataFrame, where: Where | None = None) -> pd.DataFrame:
    """The rows matching every rule of ``where`` (column -> rule); the published filter format.

    A rule is a value (equality), ``None`` (missing), a list (any of) or a dict with any of
    ``min``, ``max`` (inclusive), ``in`` and ``not_in``.
    """
    mask = pd.Series(True, index=frame.index)
    for name, rule in (where or {}).items():
        mask &= condition(frame[name], rule)
    return frame[mask]


def period(start: int, end: int) -> dict:
    """The filter of the plan years start..end, both included."""
    return {"year": {"min": start, "max": end}}


def carried_out() -> dict:
    """The filter of projects that were not stopped and did not return their funds."""
    return {"status": {"not_in": list(NOT_CARRIED_OUT)}}


def year_span(*frames: pd.DataFrame) -> list[int]:
    """Every year from the first to the last year seen in the frames' ``year`` columns."""
    years = [int(y) for f in frames for y in f["year"].dropna()]
    return list(range(min(years), max(years) + 1)) if years else []


# --- measures ------------------------------------------------------------------------------

def measure_columns(projects: pd.DataFrame) -> pd.DataFrame:
    """One row per project with the additive measures as columns (1/0 for the counts)."""
    level = projects["level"].astype("string")
    return pd.DataFrame({
        "projects": 1,
        "national": (level == "national").fillna(False).astype(int),
        "local": (level == "local").fillna(False).astype(int),
        "state_support_vnd": projects["state_support_vnd"].astype("Int64").fillna(0),
        "counterpart_vnd": projects["counterpart_vnd"].astype("Int64").fillna(0),
        "disbursed_vnd": projects["disbursed_vnd"].astype("Int64").fillna(0),
    }, index=projects.index)


def as_int(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Additive columns as plain int64 (sums of nothing are 0, never missing)."""
    columns = list(columns)
    return frame.astype({c: "int64" for c in columns}) if frame[columns].notna().all().all() \
        else frame.fillna({c: 0 for c in columns}).astype({c: "int64" for c in columns})


def summarise(projects: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """The measures of the projects, per value of ``by`` (None: one row for them all).

    Rows whose ``by`` value is missing are kept, under the key :data:`NONE_KEY`.
    """
    values = measure_columns(projects)
    if by is None:
        return as_int(values.sum().to_frame().T, MEASURES)
    keys = projects[by].astype("object").where(projects[by].notna(), NONE_KEY)
    summary = values.groupby(keys.rename(by), sort=False).sum()
    return as_int(summary.reset_index(), MEASURES)


def complete(summary: pd.DataFrame, key: str, values: Iterable[Any]) -> pd.DataFrame:
    """The summary with one row per expected value (zeros when absent), in that order.

    Keys found in the data but not expected are kept after the expected ones, so no row of
    the data is ever dropped from a total.
    """
    expected = list(values)
    extra = [k for k in summary[key].tolist() if k not in expected]
    order = expected + extra
    filled = summary.set_index(key).reindex(order)
    measures = [c for c in summary.columns if c != key]
    filled[measures] = filled[measures].fillna(0)
    return as_int(filled.rename_axis(key).reset_index(), measures)


def with_total(summary: pd.DataFrame, key: str, total_key: str = "total") -> pd.DataFrame:
    """The summary with a last row holding the sum of every additive measure."""
    measures = [c for c in summary.columns if c in MEASURES or c in PLAN_MEASURES]
    total = summary[measures].sum().to_frame().T
    total.insert(0, key, total_key)
    return as_int(pd.concat([summary, total], ignore_index=True), measures)


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator as floats, missing (not infinite) where the denominator is 0."""
    den = denominator.astype("float64")
    return (numerator.astype("float64") / den.where(den != 0)).astype("float64")


# --- grouped statistics ---------------------------------------------------------------------

def headline(projects: pd.DataFrame, start: int = HEADLINE_PERIOD[0],
             end: int = HEADLINE_PERIOD[1]) -> pd.DataFrame:
    """One row: the programme's measures over plan years start..end."""
    return summarise(select(projects, period(start, end)))


def by_year(projects: pd.DataFrame, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Measures per plan year; every year of ``years`` appears, with zeros if it had none."""
    years = list(years) if years is not None else year_span(projects)
    result = complete(summarise(projects, by="year"), "year", years)
    return result.infer_objects()


def by_level(projects: pd.DataFrame) -> pd.DataFrame:
    """Measures per funding level (national, local)."""
    return complete(summarise(projects, by="level"), "level", LEVELS)


def by_status(projects: pd.DataFrame) -> pd.DataFrame:
    """Measures per status, every status listed even when no project has it."""
    return complete(summarise(projects, by="status"), "status", STATUSES)


def by_content(projects: pd.DataFrame, codes: Iterable[str]) -> pd.DataFrame:
    """Measures per activity content; contents never used appear with zeros."""
    return complete(summarise(projects, by="content_type"), "content_type", codes)


def by_unit(projects: pd.DataFrame, unit_ids: Iterable[str] = ()) -> pd.DataFrame:
    """Measures per administrative unit as recorded in the project year (historical units)."""
    return complete(summarise(projects, by="unit_id"), "unit_id", unit_ids)


def by_sector(projects: pd.DataFrame, codes: Iterable[str]) -> pd.DataFrame:
    """Measures per sector of the beneficiary (needs :func:`attach_sector`); ``none`` last."""
    summary = complete(summarise(projects, by="sector"), "sector", codes)
    return move_last(summary, "sector", NONE_KEY)


def by_current_unit(projects: pd.DataFrame, unit_ids: Iterable[str] = ()) -> pd.DataFrame:
    """Measures per today's unit (needs :func:`attach_current_unit`); ``none`` last."""
    summary = complete(summarise(projects, by="current_unit_id"), "current_unit_id", unit_ids)
    return move_last(summary, "current_unit_id", NONE_KEY)


def move_last(summary: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    """The summary with the row keyed ``value`` (if any) moved to the end."""
    last = summary[key] == value
    return pd.concat([summary[~last], summary[last]], ignore_index=True)


def cumulative(summary: pd.DataFrame) -> pd.DataFrame:
    """Running totals of the additive measures down the rows (e.g. of :func:`by_year`)."""
    result = summary.copy()
    measures = [c for c in summary.columns if c in MEASURES or c in PLAN_MEASURES]
    result[measures] = summary[measures].cumsum()
    return result


def leverage(projects: pd.DataFrame, by: str | None = None,
             keys: Iterable[Any] = ()) -> pd.DataFrame:
    """Counterpart funding per VND of approved state support, projects carried out only.

    Columns: the group key (if any), state_support_vnd, counterpart_vnd, leverage (missing
    when a group had no state support).
    """
    done = select(projects, carried_out())
    summary = summarise(done, by=by)
    if by is not None:
        summary = complete(summary, by, keys)
    columns = ([by] if by else []) + ["state_support_vnd", "counterpart_vnd"]
    result = summary[columns].copy()
    result["leverage"] = ratio(result["counterpart_vnd"], result["state_support_vnd"])
    return result


def stopped_share(projects: pd.DataFrame, by: str | None = None,
                  keys: Iterable[Any] = ()) -> pd.DataFrame:
    """Projects, those stopped, those returned, and the share stopped or returned."""
    status = projects["status"].astype("string")
    flags = pd.DataFrame({
        "projects": 1,
        "stopped": (status == "stopped").fillna(False).astype(int),
        "returned": (status == "returned").fillna(False).astype(int),
    }, index=projects.index)
    counts = ["projects", "stopped", "returned"]
    if by is None:
        result = as_int(flags.sum().to_frame().T, counts)
    else:
        grouped = flags.groupby(projects[by].astype("object").rename(by), sort=False).sum()
        result = complete(as_int(grouped.reset_index(), counts), by, keys)
    result["stopped_or_returned"] = result["stopped"] + result["returned"]
    result["share"] = ratio(result["stopped_or_returned"], result["projects"])
    return result


def plan_execution(plans: pd.DataFrame, years: Iterable[int] | None = None,
                   level: str | None = None) -> pd.DataFrame:
    """Planned, approved and disbursed funds per year (both levels unless one is given).

    ``disbursement_rate`` is disbursed / approved, missing for a year with nothing approved.
    """
    rows = select(plans, {"level": level} if level else None)
    years = list(years) if years is not None else year_span(plans)
    values = rows[PLAN_MEASURES].astype("Int64").fillna(0)
    summary = values.groupby(rows["year"].astype("int64").rename("year")).sum().reset_index()
    result = complete(as_int(summary, PLAN_MEASURES), "year", years)
    result["disbursement_rate"] = ratio(result["disbursed_vnd"], result["approved_vnd"])
    return result


# --- derived columns -----------------------------------------------------------------------

def attach_sector(projects: pd.DataFrame, establishments: pd.DataFrame) -> pd.DataFrame:
    """Projects with the beneficiary's ``sector`` (missing when there is no establishment)."""
    sectors = establishments.set_index("establishment_id")["sector"]
    sector = projects["establishment_id"].map(sectors).astype("string")
    return projects.assign(sector=sector)


def current_units(admin_units: pd.DataFrame) -> set[str]:
    """Units still in force today (no ``valid_to``)."""
    return set(admin_units.loc[admin_units["valid_to"].isna(), "unit_id"].astype(str))


def whole_successor(unit_id: str, crosswalk: pd.DataFrame, current: set[str]) -> str | None:
    """The one current unit that took over all of ``unit_id``, following merges; else None.

    A unit split into parts (relation ``part``) cannot be placed in one of today's units.
    """
    seen: set[str] = set()
    while unit_id not in current and unit_id not in seen:
        seen.add(unit_id)
        edges = crosswalk[crosswalk["from_unit_id"] == unit_id]
        if len(edges) != 1 or edges["relation"].iloc[0] != "merged":
            return None
        unit_id = str(edges["to_unit_id"].iloc[0])
    return unit_id if unit_id in current else None


def attach_current_unit(projects: pd.DataFrame, establishments: pd.DataFrame,
                        crosswalk: pd.DataFrame, admin_units: pd.DataFrame) -> pd.DataFrame:
    """Projects with ``current_unit_id``: where the project lies in today's units.

    The beneficiary's commune when there is one; otherwise the unit the recorded unit passed
    into whole (crosswalk merges); otherwise missing (a district later split into parts).
    """
    communes = establishments.set_index("establishment_id")["commune_id"]
    current = current_units(admin_units)
    recorded = projects["unit_id"].dropna().astype(str).unique()
    successors = {u: whole_successor(u, crosswalk, current) for u in recorded}
    by_unit_id = projects["unit_id"].astype("object").map(successors)
    by_establishment = projects["establishment_id"].map(communes).astype("object")
    unit = by_establishment.where(by_establishment.notna(), by_unit_id)
    return projects.assign(current_unit_id=unit.astype("string"))
