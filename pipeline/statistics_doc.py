"""Published statistics as data: sections of rows, every figure with its id and its filter.

One model serves the statistics page, the per-section CSV downloads, the statistics shown on
district, commune, content, sector and establishment pages, and ``statistics.json``, so the
page, the CSV and the JSON cannot disagree. A :class:`Section` is one question (projects by
year, by district...); each :class:`Row` carries the ``where`` filter that selects its rows
(see :func:`pipeline.stats.select`), so every figure can be recomputed from the open data.
The methodology that readers see is data here too (:data:`METHODOLOGY`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import stats
from pipeline.load import Package
from pipeline.pages import page_url

TOTAL_KEY = "total"
RATIO_DIGITS = 4
#: Projects per part of a page's project list (the default of the KC_PAGE_SIZE setting). A
#: row of a page's statistics links to the part of that page's list where its year starts, so
#: the addresses in statistics.json depend on it as the pages do.
PAGE_SIZE = 50


@dataclass(frozen=True)
class Measure:
    """A column of a section: its label, unit and what it counts, in both languages."""

    name: str
    label_vi: str
    label_en: str
    unit: str  # project | VND | ratio | share
    definition_vi: str
    definition_en: str


def measure(name: str, unit: str, label: tuple[str, str], definition: tuple[str, str]) -> Measure:
    return Measure(name, label[0], label[1], unit, definition[0], definition[1])


M = {m.name: m for m in [
    measure("projects", "project", ("Số đề án", "Projects"),
            ("Số đề án khuyến công, kể cả đề án dừng thực hiện hoặc trả lại kinh phí.",
             "Industrial-promotion projects, including those stopped or whose funds were "
             "returned.")),
    measure("national", "project", ("Quốc gia", "National"),
            ("Số đề án dùng kinh phí khuyến công quốc gia (ngân sách trung ương).",
             "Projects paid for by the national programme (central budget).")),
    measure("local", "project", ("Địa phương", "Local"),
            ("Số đề án dùng kinh phí khuyến công địa phương (ngân sách tỉnh).",
             "Projects paid for by the provincial programme (provincial budget).")),
    measure("state_support_vnd", "VND", ("Kinh phí khuyến công (đồng)", "State support (VND)"),
            ("Kinh phí khuyến công được phê duyệt cho các đề án, kể cả đề án sau đó dừng "
             "hoặc trả lại kinh phí.",
             "Industrial-promotion funds approved for the projects, including projects "
             "later stopped or whose funds were returned.")),
    measure("counterpart_vnd", "VND", ("Vốn đối ứng (đồng)", "Counterpart (VND)"),
            ("Tiền do cơ sở thụ hưởng tự bỏ ra bên cạnh kinh phí khuyến công.",
             "Money the beneficiaries put in beside the state support.")),
    measure("disbursed_vnd", "VND", ("Đã giải ngân (đồng)", "Disbursed (VND)"),
            ("Kinh phí khuyến công đã quyết toán; bằng 0 với đề án dừng, trả lại kinh phí "
             "hoặc chưa quyết toán.",
             "Industrial-promotion funds settled; 0 for projects stopped, returned or not "
             "yet settled.")),
    measure("leverage", "ratio", ("Vốn đối ứng / 1 đồng khuyến công",
                                  "Counterpart per VND of support"),
            ("Vốn đối ứng chia cho kinh phí khuyến công được duyệt, chỉ tính các đề án không "
             "dừng và không trả lại kinh phí.",
             "Counterpart funding divided by approved state support, counting only projects "
             "that were not stopped and did not return their funds.")),
    measure("stopped", "project", ("Dừng thực hiện", "Stopped"),
            ("Số đề án dừng thực hiện.", "Projects stopped before completion.")),
    measure("returned", "project", ("Trả lại kinh phí", "Funds returned"),
            ("Số đề án trả lại kinh phí.", "Projects whose funds were returned.")),
    measure("stopped_or_returned", "project", ("Dừng hoặc trả lại", "Stopped or returned"),
            ("Số đề án dừng thực hiện hoặc trả lại kinh phí.",
             "Projects stopped or whose funds were returned.")),
    measure("share", "share", ("Tỷ lệ dừng hoặc trả lại", "Share stopped or returned"),
            ("Số đề án dừng hoặc trả lại kinh phí chia cho tổng số đề án.",
             "Projects stopped or returned divided by all projects.")),
    measure("planned_vnd", "VND", ("Kế hoạch đề xuất (đồng)", "Planned (VND)"),
            ("Kinh phí đề xuất trong kế hoạch năm trình cấp có thẩm quyền.",
             "Funds requested in the yearly plan submitted for approval.")),
    measure("approved_vnd", "VND", ("Được duyệt (đồng)", "Approved (VND)"),
            ("Kinh phí kế hoạch năm được phê duyệt.", "Funds approved in the yearly plan.")),
    measure("plan_disbursed_vnd", "VND", ("Đã giải ngân (đồng)", "Disbursed (VND)"),
            ("Kinh phí kế hoạch năm đã quyết toán.", "Funds of the yearly plan settled.")),
    measure("disbursement_rate", "share", ("Tỷ lệ giải ngân", "Disbursement rate"),
            ("Kinh phí đã giải ngân chia cho kinh phí được duyệt.",
             "Disbursed funds divided by approved funds.")),
]}
#: The annual-plans column behind a plan measure (the name differs from the projects' one).
PLAN_COLUMNS = {"plan_disbursed_vnd": "disbursed_vnd"}
PROJECT_MEASURES = ("projects", "national", "local", "state_support_vnd", "counterpart_vnd",
                    "disbursed_vnd")
MONEY_MEASURES = ("projects", "state_support_vnd", "counterpart_vnd", "disbursed_vnd")


@dataclass(frozen=True)
class Chart:
    """How a section is drawn: which measures, which way, and as what kind of number."""

    measures: tuple[str, ...]
    orientation: str = "horizontal"


@dataclass(frozen=True)
class Row:
    """One group: its key and labels, the filter selecting its rows, where to see them."""

    key: str
    label_vi: str
    label_en: str
    where: Mapping[str, Any]
    url: str
    values: Mapping[str, Any]
    total: bool = False


@dataclass(frozen=True)
class Section:
    """One question answered by a table, a chart, a CSV and figures in statistics.json."""

    id: str
    title_vi: str
    title_en: str
    key_label_vi: str
    key_label_en: str
    resource: str
    measures: tuple[Measure, ...]
    rows: tuple[Row, ...]
    chart: Chart | None = None
    scope: str = "programme"
    home: str | None = None  # the page showing a scoped section (None: it has no page)

    def title(self, lang: str) -> str:
        return self.title_vi if lang == "vi" else self.title_en

    @property
    def csv_url(self) -> str:
        return f"statistics/{self.id}.csv"

    def __reduce__(self) -> tuple:
        """Pickled as plain tuples, the measures of :data:`M` by name.

        A national republish fingerprints a section for each of 14,000 pages per language
        (``pipeline/incremental.py``); pickled field by field, with every measure's
        definitions and every row's class, they took 1.3 s of each page process, as
        tuples 0.2 s. The state names every field, so unpickling gives an equal section.
        """
        return (section_from_state, (section_state(self),))


def section_state(section: Section) -> tuple:
    """Every field of ``section`` as plain values; a measure that is the shared one of
    :data:`M` by its name alone (the code defines it), any other one whole."""
    chart = section.chart
    return (section.id, section.title_vi, section.title_en, section.key_label_vi,
            section.key_label_en, section.resource,
            tuple(m.name if M.get(m.name) is m else m for m in section.measures),
            tuple((r.key, r.label_vi, r.label_en, r.where, r.url, r.values, r.total)
                  for r in section.rows),
            None if chart is None else (chart.measures, chart.orientation),
            section.scope, section.home)


def section_from_state(state: tuple) -> Section:
    """The section :func:`section_state` describes."""
    (ident, title_vi, title_en, key_vi, key_en, resource, measures, rows, chart, scope,
     home) = state
    return Section(ident, title_vi, title_en, key_vi, key_en, resource,
                   tuple(M[m] if isinstance(m, str) else m for m in measures),
                   tuple(Row(*row) for row in rows),
                   None if chart is None else Chart(*chart), scope, home)


# --- inputs --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Inputs:
    """What every section needs, computed once: enriched projects, plans and labels."""

    projects: pd.DataFrame
    plans: pd.DataFrame
    labels: Mapping[str, Mapping[str, tuple[str, str]]]
    unit_levels: Mapping[str, str]
    contents: tuple[str, ...]
    sectors: tuple[str, ...]
    districts: tuple[str, ...]
    years: tuple[int, ...]
    period: tuple[int, int] = stats.HEADLINE_PERIOD
    communes: Mapping[str, str] = field(default_factory=dict)  # establishment -> commune
    page_size: int = PAGE_SIZE


def names(frame: pd.DataFrame, key: str, vi: str = "name_vi",
          en: str = "name_en") -> dict[str, tuple[str, str]]:
    return {str(k): (str(a), str(b)) for k, a, b in zip(frame[key], frame[vi], frame[en],
                                                        strict=True)}


def prepare(package: Package, period: tuple[int, int] = stats.HEADLINE_PERIOD,
            page_size: int = PAGE_SIZE) -> Inputs:
    """Enrich the projects (sector, today's unit) and collect the labels, once per build.

    ``page_size`` is the site's KC_PAGE_SIZE: row links point into paginated project lists.
    """
    f = package.frames
    projects = (f["projects"]
                .pipe(stats.attach_sector, f["establishments"])
                .pipe(stats.attach_current_unit, f["establishments"], f["unit-crosswalk"],
                      f["admin-units"]))
    units = f["admin-units"]
    establishments = {str(k): (str(n), str(n)) for k, n in
                      zip(f["establishments"]["establishment_id"], f["establishments"]["name"],
                          strict=True)}
    return Inputs(
        projects=projects, plans=f["annual-plans"],
        labels={"unit": names(units, "unit_id"), "content": names(f["content-types"], "code"),
                "sector": names(f["sectors"], "code"), "establishment": establishments},
        unit_levels=dict(zip(units["unit_id"].astype(str), units["level"].astype(str),
                             strict=True)),
        contents=tuple(f["content-types"]["code"].astype(str)),
        sectors=tuple(f["sectors"]["code"].astype(str)),
        districts=tuple(units.loc[units["level"] == "district", "unit_id"].astype(str)),
        years=tuple(stats.year_span(f["projects"], f["annual-plans"])), period=period,
        communes=establishment_communes(f["establishments"]), page_size=page_size)


def establishment_communes(establishments: pd.DataFrame) -> dict[str, str]:
    """establishment_id -> today's commune, for the commune pages' project lists."""
    known = establishments.dropna(subset=["commune_id"])
    return dict(zip(known["establishment_id"].astype(str), known["commune_id"].astype(str),
                    strict=True))


# --- rows ----------------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """A JSON/CSV-ready value: int for counts and VND, rounded float for ratios, None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) or (hasattr(value, "dtype") and "float" in str(value.dtype)):
        value = float(value)
        return None if math.isnan(value) else round(value, RATIO_DIGITS)
    return int(value) if hasattr(value, "__int__") and not isinstance(value, str) else value


def make_rows(table: pd.DataFrame, key: str, measures: Iterable[str],
              label: Callable[[str], tuple[str, str]],
              where: Callable[[str], Mapping[str, Any]],
              url: Callable[[str], str]) -> list[Row]:
    """Rows of a stats table: labels, filter and link from the key, values as plain data."""
    rows = []
    for record in table.to_dict("records"):
        k = str(record[key])
        vi, en = label(k)
        rows.append(Row(k, vi, en, dict(where(k)), url(k),
                        {m: plain(record[PLAN_COLUMNS.get(m, m)]) for m in measures},
                        total=k == TOTAL_KEY))
    return rows


def listing(section_id: str) -> Callable[[str], str]:
    """Address of the generated list of the rows behind one table row."""
    return lambda key: f"statistics/{section_id}/{key}/"


def merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict:
    return {**base, **extra}


def keyed(column: str, base: Mapping[str, Any] = ()) -> Callable[[str], Mapping[str, Any]]:
    """Filter of one group: ``column == key``; the total row keeps only the base filter.

    The ``none`` group selects the rows whose column is missing.
    """
    base = dict(base)

    def where(key: str) -> Mapping[str, Any]:
        if key == TOTAL_KEY:
            return base
        return merged(base, {column: None if key == stats.NONE_KEY else key})

    return where


def year_keyed(base: Mapping[str, Any] = ()) -> Callable[[str], Mapping[str, Any]]:
    base = dict(base)
    return lambda key: base if key == TOTAL_KEY else merged(base, {"year": int(key)})


TOTAL_LABEL = ("Tổng cộng", "Total")
NONE_LABELS = {
    "sector": ("Không gắn với một cơ sở", "No single beneficiary"),
    "unit": ("Không xác định được một xã hiện nay", "Not attributable to one of today's units"),
}
LEVEL_LABELS = {"national": ("Khuyến công quốc gia", "National programme"),
                "local": ("Khuyến công địa phương", "Local programme")}
STATUS_LABELS = {"completed": ("Hoàn thành", "Completed"),
                 "in-progress": ("Đang thực hiện", "In progress"),
                 "stopped": ("Dừng thực hiện", "Stopped"),
                 "returned": ("Trả lại kinh phí", "Funds returned")}


def labeller(table: Mapping[str, tuple[str, str]],
             none: tuple[str, str] = ("—", "—")) -> Callable[[str], tuple[str, str]]:
    """Key -> (vi, en) label, with the total and none rows named; unknown keys as they are."""

    def label(key: str) -> tuple[str, str]:
        if key == TOTAL_KEY:
            return TOTAL_LABEL
        if key == stats.NONE_KEY:
            return none
        return table.get(key, (key, key))

    return label


def year_label(key: str) -> tuple[str, str]:
    return TOTAL_LABEL if key == TOTAL_KEY else (key, key)


def unit_url(inputs: Inputs) -> Callable[[str], str]:
    def url(key: str) -> str:
        kind = "districts" if inputs.unit_levels.get(key) == "district" else "communes"
        return f"{kind}/{key}/"
    return url


def linked(natural: Callable[[str], str], section_id: str,
           fallback_keys: Iterable[str] = (TOTAL_KEY, stats.NONE_KEY)) -> Callable[[str], str]:
    """The group's own page, except for total and none rows, which get a generated list."""
    keys = set(fallback_keys)
    listed = listing(section_id)
    return lambda key: listed(key) if key in keys else natural(key)


def measures_of(*names_: str) -> tuple[Measure, ...]:
    return tuple(M[n] for n in names_)


# --- programme sections ----------------------------------------------------------------------

def headline_section(inputs: Inputs) -> Section:
    """The programme's headline figures for the published period."""
    start, end = inputs.period
    where = stats.period(start, end)
    table = stats.headline(inputs.projects, start, end).assign(period=f"{start}-{end}")
    rows = make_rows(table, "period", PROJECT_MEASURES, lambda k: (k, k), lambda k: where,
                     listing("headline"))
    return Section("headline", f"Số liệu chính {start}-{end}", f"Key figures {start}-{end}",
                   "Giai đoạn", "Period", "projects", measures_of(*PROJECT_MEASURES),
                   tuple(rows))


def by_year_section(inputs: Inputs) -> Section:
    table = stats.by_year(inputs.projects, inputs.years).pipe(stats.with_total, "year")
    rows = make_rows(table, "year", PROJECT_MEASURES, year_label, year_keyed(),
                     linked(lambda k: f"years/{k}/", "by-year"))
    return Section("by-year", "Đề án và kinh phí theo năm", "Projects and funding by year",
                   "Năm", "Year", "projects", measures_of(*PROJECT_MEASURES), tuple(rows),
                   Chart(("national", "local"), "vertical"))


def cumulative_section(inputs: Inputs) -> Section:
    table = stats.by_year(inputs.projects, inputs.years).pipe(stats.cumulative)
    names_ = ("projects", "state_support_vnd", "counterpart_vnd", "disbursed_vnd")
    rows = make_rows(table, "year", names_, year_label,
                     lambda k: {"year": {"max": int(k)}}, listing("cumulative"))
    return Section("cumulative", "Cộng dồn từ năm đầu tiên", "Running totals since the first year",
                   "Đến hết năm", "Up to the end of", "projects", measures_of(*names_),
                   tuple(rows), Chart(("state_support_vnd", "counterpart_vnd"), "vertical"))


def plan_section(inputs: Inputs) -> Section:
    """Planned, approved and disbursed funds per year, from the annual plans."""
    table = stats.plan_execution(inputs.plans, inputs.years)
    total = stats.plan_execution(inputs.plans.assign(year=0), [0]).assign(year=TOTAL_KEY)
    table = pd.concat([table, total], ignore_index=True)
    names_ = ("planned_vnd", "approved_vnd", "plan_disbursed_vnd", "disbursement_rate")
    rows = make_rows(table, "year", names_, year_label, year_keyed(),
                     linked(lambda k: f"years/{k}/", "plan-execution"))
    return Section("plan-execution", "Kế hoạch, được duyệt và giải ngân theo năm",
                   "Planned, approved and disbursed funds by year", "Năm", "Year",
                   "annual-plans", measures_of(*names_), tuple(rows),
                   Chart(("planned_vnd", "approved_vnd", "plan_disbursed_vnd"), "vertical"))


def level_section(inputs: Inputs) -> Section:
    table = stats.by_level(inputs.projects).pipe(stats.with_total, "level")
    rows = make_rows(table, "level", MONEY_MEASURES, labeller(LEVEL_LABELS), keyed("level"),
                     listing("by-level"))
    return Section("by-level", "Theo cấp kinh phí", "By funding level", "Cấp kinh phí",
                   "Funding level", "projects", measures_of(*MONEY_MEASURES), tuple(rows),
                   Chart(("state_support_vnd", "counterpart_vnd")))


def unit_section(inputs: Inputs) -> Section:
    """Per unit as recorded in the project year (districts before July 2025)."""
    table = stats.by_unit(inputs.projects, inputs.districts).pipe(stats.with_total, "unit_id")
    rows = make_rows(table, "unit_id", MONEY_MEASURES, labeller(inputs.labels["unit"]),
                     keyed("unit_id"), linked(unit_url(inputs), "by-unit"))
    return Section("by-unit", "Theo huyện (đơn vị hành chính tại năm đề án)",
                   "By district (the unit in force in the project year)", "Đơn vị", "Unit",
                   "projects", measures_of(*MONEY_MEASURES), tuple(rows),
                   Chart(("state_support_vnd",)))


def current_unit_section(inputs: Inputs) -> Section:
    """Per commune of today (from 1 July 2025): beneficiary's commune or whole successor."""
    found = inputs.projects["current_unit_id"].dropna().astype(str).unique()
    table = (stats.by_current_unit(inputs.projects, sorted(found))
             .pipe(stats.with_total, "current_unit_id"))
    p = inputs.projects
    with_page = set(p.loc[p["establishment_id"].notna(), "current_unit_id"].dropna()) | \
        set(p["unit_id"].dropna())  # the site's commune pages (pipeline.core_pages)
    natural = linked(lambda k: f"communes/{k}/", "by-current-unit")
    rows = make_rows(table, "current_unit_id", MONEY_MEASURES,
                     labeller(inputs.labels["unit"], NONE_LABELS["unit"]),
                     keyed("current_unit_id"),
                     lambda k: natural(k) if k in with_page else listing("by-current-unit")(k))
    return Section("by-current-unit", "Theo xã, phường hiện nay", "By today's commune or ward",
                   "Xã, phường", "Commune or ward", "projects", measures_of(*MONEY_MEASURES),
                   tuple(rows), Chart(("state_support_vnd",)))


def content_section(inputs: Inputs) -> Section:
    table = stats.by_content(inputs.projects, inputs.contents).pipe(stats.with_total,
                                                                     "content_type")
    rows = make_rows(table, "content_type", MONEY_MEASURES, labeller(inputs.labels["content"]),
                     keyed("content_type"),
                     linked(lambda k: f"contents/{k.lower()}/", "by-content"))
    return Section("by-content", "Theo nội dung hoạt động", "By activity content",
                   "Nội dung", "Activity content", "projects", measures_of(*MONEY_MEASURES),
                   tuple(rows), Chart(("projects",)))


def sector_section(inputs: Inputs) -> Section:
    table = stats.by_sector(inputs.projects, inputs.sectors).pipe(stats.with_total, "sector")
    rows = make_rows(table, "sector", MONEY_MEASURES,
                     labeller(inputs.labels["sector"], NONE_LABELS["sector"]), keyed("sector"),
                     linked(lambda k: f"sectors/{k.lower()}/", "by-sector"))
    return Section("by-sector", "Theo ngành của cơ sở thụ hưởng", "By the beneficiary's sector",
                   "Ngành", "Sector", "projects", measures_of(*MONEY_MEASURES), tuple(rows),
                   Chart(("state_support_vnd",)))


def status_section(inputs: Inputs) -> Section:
    table = stats.by_status(inputs.projects).pipe(stats.with_total, "status")
    rows = make_rows(table, "status", MONEY_MEASURES, labeller(STATUS_LABELS), keyed("status"),
                     listing("by-status"))
    return Section("by-status", "Theo tình trạng", "By status", "Tình trạng", "Status",
                   "projects", measures_of(*MONEY_MEASURES), tuple(rows), Chart(("projects",)))


def with_overall(by_group: pd.DataFrame, overall: pd.DataFrame, key: str) -> pd.DataFrame:
    """A ratio table with the overall row (ratios recomputed, not summed) keyed total."""
    return pd.concat([by_group, overall.assign(**{key: TOTAL_KEY})], ignore_index=True)


def leverage_section(inputs: Inputs) -> Section:
    table = with_overall(stats.leverage(inputs.projects, "level", stats.LEVELS),
                         stats.leverage(inputs.projects), "level")
    names_ = ("state_support_vnd", "counterpart_vnd", "leverage")
    rows = make_rows(table, "level", names_, labeller(LEVEL_LABELS),
                     keyed("level", stats.carried_out()), listing("leverage"))
    return Section("leverage", "Vốn đối ứng trên mỗi đồng kinh phí khuyến công",
                   "Counterpart funding per VND of state support", "Cấp kinh phí",
                   "Funding level", "projects", measures_of(*names_), tuple(rows),
                   Chart(("leverage",)))


def stopped_section(inputs: Inputs) -> Section:
    table = with_overall(stats.stopped_share(inputs.projects, "level", stats.LEVELS),
                         stats.stopped_share(inputs.projects), "level")
    names_ = ("projects", "stopped", "returned", "stopped_or_returned", "share")
    rows = make_rows(table, "level", names_, labeller(LEVEL_LABELS), keyed("level"),
                     listing("stopped-share"))
    return Section("stopped-share", "Đề án dừng thực hiện hoặc trả lại kinh phí",
                   "Projects stopped or whose funds were returned", "Cấp kinh phí",
                   "Funding level", "projects", measures_of(*names_), tuple(rows),
                   Chart(("share",)))


SECTION_BUILDERS: tuple[Callable[[Inputs], Section], ...] = (
    headline_section, by_year_section, level_section, plan_section, cumulative_section,
    unit_section, current_unit_section, content_section, sector_section, status_section,
    leverage_section, stopped_section)


def programme_sections(inputs: Inputs) -> list[Section]:
    """Every section of the statistics page, in reading order (headline first)."""
    seen: dict[str, str] = {}
    return [replace(section, rows=tuple(relinked(row, section.resource, inputs, seen)
                                        for row in section.rows))
            for section in (build(inputs) for build in SECTION_BUILDERS)]


def relinked(row: Row, resource: str, inputs: Inputs, seen: dict[str, str]) -> Row:
    """A generated list only where no page lists the row's rows, one list per filter.

    A filter that selects every project links to the project list, one that selects a single
    project to its page, and a filter already listed (national projects appear in two
    tables) to the first list, so the site builds each list once.
    """
    if not row.url.startswith("statistics/"):
        return row
    frame = inputs.projects if resource == "projects" else inputs.plans
    chosen = stats.select(frame, row.where)
    if resource == "projects" and len(chosen) == len(frame):
        return replace(row, url="projects/")
    if resource == "projects" and len(chosen) == 1:
        return replace(row, url=f"projects/{chosen['project_id'].iloc[0]}/")
    key = json.dumps([resource, row.where], sort_keys=True, default=str)
    return replace(row, url=seen.setdefault(key, row.url))


# --- sections on the pages of one district, content, sector or establishment --------------

@dataclass(frozen=True)
class Scope:
    """The projects of one page: its kind (districts...), key and the filter selecting them."""

    kind: str
    key: str
    where: Mapping[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return f"{self.kind}-{self.key.lower()}"

    @property
    def url(self) -> str:
        """The page that shows this scope: ``contents/mhtd/``, ``districts/051/``."""
        key = self.key.lower() if self.kind in ("contents", "sectors") else self.key
        return f"{self.kind}/{key}/"


SCOPE_COLUMNS = {"districts": "unit_id", "communes": "current_unit_id",
                 "contents": "content_type", "sectors": "sector",
                 "establishments": "establishment_id"}


def scope(kind: str, key: str) -> Scope:
    """The scope of a page: ``scope("districts", "051")`` -> projects recorded in 051."""
    return Scope(kind, key, {SCOPE_COLUMNS[kind]: key})


@dataclass(frozen=True)
class Year:
    """One year of a page's projects: the scope's sums and how the page's own list shows them.

    ``listed`` counts the projects the page lists that year, ``shared`` those of them that
    are the scope's own: the page shows exactly the year's rows when both equal the count.
    """

    values: tuple[int, ...] = (0,) * len(MONEY_MEASURES)
    first: str | None = None
    listed: int = 0
    shared: int = 0

    @property
    def on_page(self) -> bool:
        return self.values[0] == self.listed == self.shared


def scope_section(inputs: Inputs, page: Scope) -> Section | None:
    """One page's own history by year (None when it has no project), selected one by one.

    The plain path, kept to check :func:`scope_sections` (grouped) against it.
    """
    projects = stats.select(inputs.projects, page.where)
    if projects.empty:
        return None
    members = page_members(inputs, page.kind)
    mine = members[members["key"] == page.key]
    ids = set(projects["project_id"].astype(str))
    years: dict[int, Year] = {}
    for record in stats.by_year(projects).to_dict("records"):
        year = int(record["year"])
        of_year = projects.loc[projects["year"] == year, "project_id"].astype(str)
        listed = mine.loc[mine["year"] == year, "project_id"]
        years[year] = Year(tuple(int(record[m]) for m in MONEY_MEASURES),
                           of_year.iloc[0] if len(of_year) else None, len(listed),
                           int(listed.isin(ids).sum()))
    for year, listed in mine.groupby("year")["project_id"]:
        years.setdefault(int(year), Year(listed=len(listed)))
    return assemble(inputs, page, years)


def scoped_projects(inputs: Inputs, kind: str) -> pd.DataFrame:
    """The projects that belong to some page of this kind.

    From 1 July 2025 a project records a commune in ``unit_id``: there is no district page
    for it (its commune's page covers it through ``current_unit_id``).
    """
    p = inputs.projects
    column = SCOPE_COLUMNS[kind]
    p = p[p[column].notna()]
    if kind == "districts":
        p = p[p[column].astype(str).map(inputs.unit_levels).eq("district")]
    return p


def all_scopes(inputs: Inputs) -> list[Scope]:
    """Every page that shows its own statistics and has at least one project."""
    found = []
    for kind, column in SCOPE_COLUMNS.items():
        values = sorted(scoped_projects(inputs, kind)[column].astype(str).unique())
        found.extend(scope(kind, v) for v in values)
    return found


def scope_sections(inputs: Inputs) -> list[Section]:
    """Every page's own section, grouped once per kind (the same as :func:`scope_section`).

    A national package has tens of thousands of pages; selecting each page's rows one by one
    would take minutes, so the sums per (page, year) are computed in one groupby per kind and
    the rows assembled in plain Python.
    """
    sections = []
    for kind, column in SCOPE_COLUMNS.items():
        sections.extend(kind_sections(inputs, kind, column))
    return sections


def kind_sections(inputs: Inputs, kind: str, column: str) -> Iterator[Section]:
    """The sections of every page of one kind, from one groupby by (page key, year)."""
    p = scoped_projects(inputs, kind)
    keys = [p[column].astype(str).rename("key"), p["year"].astype("int64").rename("year")]
    values = stats.measure_columns(p)[list(MONEY_MEASURES)].groupby(keys).sum()
    first = p["project_id"].astype(str).groupby(keys).first().tolist()
    listed, shared = page_counts(inputs, kind, p)
    years: dict[str, dict[int, Year]] = {}
    for (key, year), row, one in zip(values.index, values.itertuples(index=False), first,
                                     strict=True):
        years.setdefault(key, {})[int(year)] = Year(
            tuple(int(v) for v in row), one, listed.get((key, year), 0),
            shared.get((key, year), 0))
    for (key, year), count in listed.items():
        if key in years:
            years[key].setdefault(int(year), Year(listed=count))
    for key in sorted(years):
        yield assemble(inputs, scope(kind, key), years[key])


def rows_of(keys: pd.Series, projects: pd.DataFrame) -> pd.DataFrame:
    """(key, year, project_id) of projects, without the rows whose key is missing."""
    return pd.DataFrame({"key": keys.astype("string"),
                         "year": projects["year"].astype("int64"),
                         "project_id": projects["project_id"].astype("string")}
                        ).dropna(subset=["key"])


def page_members(inputs: Inputs, kind: str) -> pd.DataFrame:
    """(key, year, project_id): the projects each page of a kind lists (pipeline.core_pages).

    A commune's page lists the projects recorded there and those of its establishments,
    which is not always its scope (today's commune of each project): where they differ, the
    statistics row links to a generated list instead.
    """
    if kind != "communes":
        scoped = scoped_projects(inputs, kind)
        return rows_of(scoped[SCOPE_COLUMNS[kind]], scoped)
    p = inputs.projects
    communes = p["establishment_id"].astype("object").map(inputs.communes)
    both = pd.concat([rows_of(p["unit_id"], p), rows_of(communes, p)]).drop_duplicates()
    return both[both["key"].astype(str).map(inputs.unit_levels).eq("commune")]


def page_counts(inputs: Inputs, kind: str,
                scoped: pd.DataFrame) -> tuple[dict[tuple, int], dict[tuple, int]]:
    """Per (key, year): projects the page lists, and how many of them the scope has."""
    own = rows_of(scoped[SCOPE_COLUMNS[kind]], scoped)
    if kind != "communes":
        counts = own.groupby(["key", "year"]).size().to_dict()
        return counts, counts
    members = page_members(inputs, kind)
    listed = members.groupby(["key", "year"]).size().to_dict()
    shared = own.merge(members, on=["key", "year", "project_id"]).groupby(
        ["key", "year"]).size().to_dict()
    return listed, shared


def assemble(inputs: Inputs, page: Scope, years: Mapping[int, Year]) -> Section:
    """A page's section from its years: every year of its span, then the total."""
    section_id = f"{page.slug}-by-year"
    span = [year for year, info in years.items() if info.values[0]]
    wanted = range(min(span), max(span) + 1)
    offsets, before = {}, 0
    for year in sorted(set(years) | set(wanted)):
        offsets[year] = before
        before += years.get(year, Year()).listed
    rows, total = [], [0] * len(MONEY_MEASURES)
    for year in wanted:
        info = years.get(year, Year())
        total = [a + b for a, b in zip(total, info.values, strict=True)]
        rows.append(Row(str(year), str(year), str(year), merged(page.where, {"year": year}),
                        year_link(inputs, page, year, info, (offsets[year], before)),
                        dict(zip(MONEY_MEASURES, info.values, strict=True))))
    rows.append(Row(TOTAL_KEY, *TOTAL_LABEL, dict(page.where),
                    total_link(page, rows, years, before),
                    dict(zip(MONEY_MEASURES, total, strict=True)), total=True))
    return Section(section_id, "Đề án và kinh phí theo năm", "Projects and funding by year",
                   "Năm", "Year", "projects", measures_of(*MONEY_MEASURES), tuple(rows),
                   Chart(("state_support_vnd", "counterpart_vnd"), "vertical"),
                   scope=f"{page.kind}/{page.key}", home=page.url if before else None)


#: The id of a year's first row in a page's project list (a row link lands on it).
YEAR_ANCHOR = "projects-{year}"


def year_link(inputs: Inputs, page: Scope, year: int, info: Year,
              position: tuple[int, int]) -> str:
    """Where a year row of a page's statistics leads: the one project, the part of the page's
    own list where that year starts (its anchor), or a generated list when no page lists
    exactly those projects. ``position`` is (projects the page lists before ``year``, all
    projects the page lists).
    """
    offset, listed = position
    if info.values[0] == 1:
        return f"projects/{info.first}/"
    if not (info.on_page and listed):
        return listing(f"{page.slug}-by-year")(str(year))
    part = page_url(page.url, min(offset, listed - 1) // inputs.page_size + 1)
    return f"{part}#{YEAR_ANCHOR.format(year=year)}" if info.values[0] else part


def total_link(page: Scope, rows: list[Row], years: Mapping[int, Year], listed: int) -> str:
    """The total row: its one project, the page itself when it lists exactly the page's
    projects, else a generated list."""
    singles = [r.url for r in rows if r.values["projects"] == 1]
    if sum(r.values["projects"] for r in rows) == 1:
        return singles[0]
    if listed and all(info.on_page for info in years.values()):
        return page.url
    return listing(f"{page.slug}-by-year")(TOTAL_KEY)


# --- the document ----------------------------------------------------------------------------

def figures(section: Section) -> list[dict]:
    """Every figure of a section: id, value, unit, definition and the filter of its rows."""
    found = []
    for row in section.rows:
        for m in section.measures:
            found.append({
                "id": f"{section.id}/{row.key}/{m.name}",
                "section": section.id,
                "value": row.values[m.name],
                "unit": m.unit,
                "label_vi": f"{m.label_vi} — {section.title_vi}: {row.label_vi}",
                "label_en": f"{m.label_en} — {section.title_en}: {row.label_en}",
                "definition_vi": m.definition_vi,
                "definition_en": m.definition_en,
                "filter": {"resource": section.resource, "where": dict(row.where)},
                "url": "/" + row.url,
            })
    return found


DERIVED_FIELDS = {
    "sector": {
        "description_vi": "Ngành (sectors.code) của cơ sở thụ hưởng, qua projects.establishment_id"
                          " và establishments.sector; trống khi đề án không gắn với một cơ sở.",
        "description_en": "The beneficiary's sector, joined through projects.establishment_id and"
                          " establishments.sector; empty when there is no single beneficiary."},
    "current_unit_id": {
        "description_vi": "Xã, phường hiện nay: xã của cơ sở thụ hưởng (establishments.commune_id);"
                          " nếu không có cơ sở, đơn vị kế thừa toàn bộ địa bàn theo unit-crosswalk"
                          " (quan hệ merged); trống khi huyện cũ đã chia cho nhiều xã.",
        "description_en": "Today's commune or ward: the beneficiary's commune"
                          " (establishments.commune_id); without a beneficiary, the unit that took"
                          " over the whole recorded unit in unit-crosswalk (merged); empty when"
                          " the former district was split among several communes."},
}


def section_summary(section: Section) -> dict:
    return {"id": section.id, "scope": section.scope, "title_vi": section.title_vi,
            "title_en": section.title_en, "resource": section.resource,
            "csv": "/" + section.csv_url, "measures": [m.name for m in section.measures]}


def page_section(section: Section) -> dict:
    """A page's section in compact form: rows as [key, url, values...] under ``columns``.

    Year rows select ``where`` plus ``{"year": key}``, the total row ``where`` alone; figure
    ids are ``<section id>/<key>/<measure>`` as everywhere (see :func:`page_figures`).
    """
    total = next(r for r in section.rows if r.total)
    return {**section_summary(section), "where": dict(total.where),
            "columns": ["key", "url"] + [m.name for m in section.measures],
            "rows": [[r.key, "/" + r.url, *[r.values[m.name] for m in section.measures]]
                     for r in section.rows]}


def page_figures(compact: Mapping[str, Any]) -> Iterator[dict]:
    """The figures of a compact page section, in the same shape as ``figures`` entries."""
    measures = compact["columns"][2:]
    for key, url, *values in compact["rows"]:
        where = dict(compact["where"]) if key == TOTAL_KEY else \
            {**compact["where"], "year": int(key)}
        for name, value in zip(measures, values, strict=True):
            yield {"id": f"{compact['id']}/{key}/{name}", "section": compact["id"],
                   "value": value, "unit": M[name].unit, "url": url,
                   "filter": {"resource": compact["resource"], "where": where}}


def measure_definitions() -> dict:
    return {m.name: {"label_vi": m.label_vi, "label_en": m.label_en, "unit": m.unit,
                     "definition_vi": m.definition_vi, "definition_en": m.definition_en}
            for m in M.values()}


def document(sections: Iterable[Section], package: Package, period: tuple[int, int]) -> dict:
    """The statistics.json document.

    ``figures`` lists every figure of the statistics pages with its own definition; the
    sections shown on district, commune, content, sector and establishment pages (tens of
    thousands for a national package) are in ``page_sections`` in compact form, their
    measures defined once in ``measures``.
    """
    sections = list(sections)
    programme = [s for s in sections if s.scope == "programme"]
    pages = [s for s in sections if s.scope != "programme"]
    return {
        "name": f"{package.descriptor.get('name', 'statistics')}-statistics",
        "data_package": "/data/datapackage.json",
        "version": package.descriptor.get("version"),
        "headline_period": {"start": period[0], "end": period[1]},
        "filter_format": {
            "vi": "where: cột -> giá trị (bằng), null (trống), danh sách (một trong), hoặc "
                  "{min, max, in, not_in}; áp dụng cho tài nguyên 'resource'.",
            "en": "where: column -> value (equals), null (empty), list (any of), or "
                  "{min, max, in, not_in}; applied to the rows of 'resource'."},
        "derived_fields": DERIVED_FIELDS,
        "methodology": METHODOLOGY,
        "measures": measure_definitions(),
        "sections": [section_summary(s) for s in programme],
        "figures": [f for s in programme for f in figures(s)],
        "page_sections": [page_section(s) for s in pages],
    }


def section_csv(section: Section) -> str:
    """The numbers of one table as CSV: key, labels, then one column per measure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "label_vi", "label_en", *[m.name for m in section.measures]])
    for row in section.rows:
        values = ["" if row.values[m.name] is None else row.values[m.name]
                  for m in section.measures]
        writer.writerow([row.key, row.label_vi, row.label_en, *values])
    return out.getvalue()


def document_json(doc: Mapping[str, Any]) -> str:
    """Stable JSON (sorted keys) so two builds of the same data are byte-identical."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def build_document(package: Package, period: tuple[int, int] = stats.HEADLINE_PERIOD,
                   page_size: int = PAGE_SIZE) -> dict:
    """Everything published, from a validated package: programme and page sections."""
    inputs = prepare(package, period, page_size)
    return document(programme_sections(inputs) + scope_sections(inputs), package, period)


def statistics_bytes(package: Package, period: tuple[int, int] = stats.HEADLINE_PERIOD,
                     page_size: int = PAGE_SIZE) -> bytes:
    """The bytes of ``data/statistics.json``, for the export step to write.

    ``period`` and ``page_size`` must be the site's KC_HEADLINE_YEARS and KC_PAGE_SIZE (the
    defaults are those settings' defaults), so the figures and links agree with the pages.
    """
    return document_json(build_document(package, period, page_size)).encode("utf-8")


def write_statistics(package: Package, out_dir: Path,
                     period: tuple[int, int] = stats.HEADLINE_PERIOD,
                     page_size: int = PAGE_SIZE) -> Path:
    """Write ``out_dir/data/statistics.json`` (a new file, never through a hard link)."""
    path = Path(out_dir) / "data" / "statistics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(statistics_bytes(package, period, page_size))
    temporary.replace(path)
    return path


# --- methodology -------------------------------------------------------------------------------

METHODOLOGY: dict[str, list[dict[str, str]]] = {
    "vi": [
        {"heading": "Một đề án là gì",
         "text": "Mỗi dòng của bảng đề án là một đề án khuyến công được phê duyệt. Mọi con số "
                 "trên trang được tính lại từ các dòng đó mỗi khi trang được xây dựng; bên "
                 "cạnh mỗi bảng có tệp CSV và mỗi dòng bảng dẫn tới danh sách đề án tạo ra nó."},
        {"heading": "Năm",
         "text": "Đề án được tính vào năm kế hoạch cấp kinh phí cho nó (cột year), không theo "
                 "ngày bắt đầu hay nghiệm thu. Năm không có đề án vẫn hiện trong bảng với số 0."},
        {"heading": "Đề án dừng hoặc trả lại kinh phí",
         "text": "Đề án dừng thực hiện hoặc trả lại kinh phí vẫn được đếm là đề án, và kinh "
                 "phí khuyến công của chúng vẫn tính vào kinh phí được duyệt, vì chúng đã nằm "
                 "trong kế hoạch được phê duyệt. Phần đã giải ngân của chúng bằng 0 và chúng "
                 "không có vốn đối ứng. Vì tiền của cả Nhà nước và cơ sở đều không được chi, "
                 "chỉ số vốn đối ứng trên mỗi đồng khuyến công không tính các đề án này."},
        {"heading": "Quốc gia và địa phương",
         "text": "Khuyến công quốc gia dùng ngân sách trung ương do Bộ Công Thương quản lý; "
                 "khuyến công địa phương dùng ngân sách tỉnh. Mỗi đề án thuộc đúng một cấp."},
        {"heading": "Đơn vị hành chính",
         "text": "Bảng theo huyện giữ đơn vị như đã ghi trong năm đề án, kể cả huyện đã sáp "
                 "nhập năm 2020. Bảng theo xã hiện nay dùng xã của cơ sở thụ hưởng; đề án không "
                 "có cơ sở được gán cho đơn vị đã nhận toàn bộ địa bàn cũ theo bảng chuyển đổi, "
                 "còn đề án ở huyện đã chia cho nhiều xã thì để riêng một dòng."},
        {"heading": "Ngành và nội dung",
         "text": "Ngành là ngành của cơ sở thụ hưởng; đề án đào tạo, hội chợ hay thông tin "
                 "không gắn với một cơ sở nên có dòng riêng. Bảng theo nội dung liệt kê đủ tám "
                 "nội dung của Nghị định 45/2012/NĐ-CP, kể cả nội dung chưa có đề án."},
        {"heading": "Kế hoạch năm",
         "text": "Kế hoạch, được duyệt và giải ngân lấy từ bảng kế hoạch kinh phí hằng năm, "
                 "cộng cả hai cấp kinh phí."},
    ],
    "en": [
        {"heading": "What a project is",
         "text": "Each row of the projects table is one approved industrial-promotion project. "
                 "Every figure on this site is recomputed from those rows whenever the site is "
                 "built; each table has a CSV file and each table row links to the list of "
                 "projects behind it."},
        {"heading": "Years",
         "text": "A project counts in the plan year that funds it (the year column), not by its "
                 "start or acceptance date. Years without any project still appear, as zeros."},
        {"heading": "Stopped projects and returned funds",
         "text": "Projects that were stopped or returned their funds still count as projects, "
                 "and their state support still counts as approved support, because they were "
                 "part of an approved plan. Their disbursement is zero and they have no "
                 "counterpart funding. As neither the state's nor the beneficiary's money was "
                 "spent on them, the counterpart-per-VND figure leaves them out."},
        {"heading": "National and local",
         "text": "The national programme is paid from the central budget and managed by the "
                 "Ministry of Industry and Trade; the local programme from the provincial "
                 "budget. Every project belongs to exactly one of them."},
        {"heading": "Administrative units",
         "text": "The district table keeps the unit as recorded in the project year, including "
                 "districts merged in 2020. The table of today's communes uses the "
                 "beneficiary's commune; a project without a beneficiary goes to the unit that "
                 "took over the whole former unit in the crosswalk, and projects in districts "
                 "later split among several communes are shown on a row of their own."},
        {"heading": "Sectors and activity contents",
         "text": "A project's sector is its beneficiary's; training, fair and information "
                 "projects have no single beneficiary and get a row of their own. The content "
                 "table lists all eight contents of Decree 45/2012/ND-CP, including those never "
                 "used."},
        {"heading": "Yearly plans",
         "text": "Planned, approved and disbursed amounts come from the yearly plans table, "
                 "adding both funding levels."},
    ],
}
