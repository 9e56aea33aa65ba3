"""Statistics on the site: the statistics page, its CSVs, row lists and statistics.json.

The numbers come from ``pipeline.statistics_doc`` (computed once per build through
``SiteData.memo``); this module only formats them for one language and hands them to the
templates as *views*: plain dicts with the chart SVG, the table cells (text for people,
``value`` for machines) and the links. District, commune, content, sector and establishment
pages show their own section through ``components/page_statistics.html``, which reads
``own_statistics`` given by the context provider :func:`own_statistics`.

Every table row links to the rows behind it. Most rows link to a page that already lists
them (a year, a district, an establishment: the part of its list where the year starts); a
list is generated only for the rest (a funding level, a status...), once per filter, and at
most ``MAX_LIST_PAGES`` parts long: beyond that the reader is sent to the projects CSV.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

from pipeline import charts, statistics_doc, stats
from pipeline.core_pages import project_rows, project_sources
from pipeline.formatting import MISSING, billions, locale
from pipeline.pages import (
    Deferred,
    Page,
    SiteData,
    digest_of,
    first_language,
    joined_digest,
    last_language,
    paginate,
    plain,
    prepare,
    provide,
    register,
)
from pipeline.statistics_doc import Row, Section

JSON_URL = "data/statistics.json"
PROJECTS_CSV = "data/projects.csv"
AMOUNTS = ("state_support_vnd", "counterpart_vnd", "disbursed_vnd")
MAX_BARS = 40  # a horizontal chart of more rows shows the largest; the table has them all
#: Rows per part of a question's table page: the units tables of a national package have
#: thousands of rows, and one page of them would weigh megabytes.
TABLE_ROWS = 200
#: Parts of a generated row list at most (KC_PAGE_SIZE rows each); the rest is in the CSV.
MAX_LIST_PAGES = 10

#: Interface words of the statistics components, as data (the page titles come from data too).
WORDS = {
    "vi": {"title": "Thống kê", "csv": "Tải số liệu của bảng này (CSV)",
           "json": "Tải mọi số liệu kèm định nghĩa (statistics.json)",
           "methodology": "Cách tính", "contents": "Các phần", "headline": "Số liệu chính",
           "chart_desc": "Biểu đồ cột: {measures}. Số liệu đầy đủ ở bảng ngay sau biểu đồ.",
           "chart_desc_top": "Biểu đồ cột: {measures}, {count} nhóm lớn nhất. Bảng số liệu "
                             "có đủ mọi nhóm.",
           "rows_of": "Các dòng dữ liệu tạo ra số liệu", "filter": "Điều kiện lọc",
           "back": "Quay lại bảng", "plans": "Kế hoạch kinh phí", "billion": "tỷ đồng",
           "table": "Bảng số liệu, liên kết tới từng nhóm đề án",
           "all": "Tất cả số liệu thống kê",
           "million": "triệu đồng", "no_rows": "Không có dòng dữ liệu nào.",
           "capped": "Danh sách này hiện {shown} trong {count} dòng. Đủ mọi dòng có trong "
                     "tệp đề án (CSV), lọc theo điều kiện ở trên."},
    "en": {"title": "Statistics", "csv": "Download the figures of this table (CSV)",
           "json": "Download every figure with its definition (statistics.json)",
           "methodology": "How the figures are counted", "contents": "Sections",
           "headline": "Key figures",
           "chart_desc": "Bar chart: {measures}. The full figures are in the table below it.",
           "chart_desc_top": "Bar chart: {measures}, the {count} largest groups. The table "
                             "has every group.",
           "rows_of": "The rows behind the figure", "filter": "Filter",
           "back": "Back to the table", "plans": "Funding plans", "billion": "billion VND",
           "table": "The table, with a link to the projects behind each row",
           "all": "All statistics",
           "million": "million VND", "no_rows": "No rows.",
           "capped": "This list shows {shown} of {count} rows. Every row is in the projects "
                     "file (CSV): filter it as above."},
}


@dataclass(frozen=True)
class Published:
    """Everything computed once per build: the inputs, sections, page sections by address."""

    inputs: statistics_doc.Inputs
    programme: list[Section]
    scoped: dict[str, Section]

    @property
    def sections(self) -> list[Section]:
        return self.programme + list(self.scoped.values())


def scope_url(section: Section) -> str:
    """The page a scoped section belongs to: ``districts/051/`` for scope ``districts/051``."""
    kind, key = section.scope.split("/", 1)
    return f"{kind}/{key.lower() if kind in ('contents', 'sectors') else key}/"


def publish(site: SiteData) -> Published:
    """Compute the statistics of the validated package (once, through ``site.memo``, under a
    key naming the two settings they depend on)."""
    first, last = site.settings.get("KC_HEADLINE_YEARS", stats.HEADLINE_PERIOD)
    page_size = site.settings.get("KC_PAGE_SIZE", statistics_doc.PAGE_SIZE)

    def compute() -> Published:
        inputs = statistics_doc.prepare(site.package, (first, last), page_size)
        programme = statistics_doc.programme_sections(inputs)
        scoped = {scope_url(s): s for s in statistics_doc.scope_sections(inputs)}
        return Published(inputs, programme, scoped)

    return site.memo(f"statistics:{first}-{last}:{page_size}", compute)


@prepare("statistics", early=True)
def statistics(site: SiteData) -> Published:
    """The statistics, computed before the pages (2 s of each rendering process at national
    scale, or once beside the export)."""
    return publish(site)


# --- formatting ----------------------------------------------------------------------------

#: Digit grouping and decimal marks of the site languages, as Babel writes them (tested
#: against Babel): formatting the tens of thousands of integers of the pages' own sections
#: through Babel's pattern machinery was half the time of the statistics pages.
MARKS = {"vi": (".", ","), "en": (",", ".")}
TENTH = Decimal("0.1")


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def decimal_text(value: float, lang: str) -> str:
    """``format_decimal(value)`` (Babel's default ``#,##0.###``), fast for whole numbers."""
    if lang in MARKS and float(value).is_integer():
        return f"{int(value):,}".replace(",", MARKS[lang][0])
    return format_decimal(value, locale=locale(lang))


def tenths_text(value: float, lang: str) -> str:
    """``format_decimal(value, "#,##0.#")``: one decimal at most, rounded half to even on the
    decimal text of the float, as Babel rounds."""
    if lang not in MARKS:
        return format_decimal(value, format="#,##0.#", locale=locale(lang))
    rounded = Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_EVEN)
    whole, _, tenth = f"{abs(rounded):f}".partition(".")
    sign = "-" if rounded < 0 else ""
    text = sign + f"{int(whole):,}".replace(",", MARKS[lang][0])
    return text if tenth in ("", "0") else text + MARKS[lang][1] + tenth


def cell_text(value: Any, unit: str, lang: str) -> str:
    """A table cell: counts and VND in full with grouping, ratios to 2 decimals, shares in %."""
    if missing(value):
        return MISSING
    if unit == "ratio":
        return format_decimal(value, format="#,##0.00", locale=locale(lang))
    if unit == "share":
        return format_percent(value, format="#,##0.0%", locale=locale(lang))
    return decimal_text(value, lang)


def money_scale(values: list[float], lang: str) -> tuple[float, str]:
    """Billions when the largest amount reaches one, else millions: (divisor, unit words)."""
    top = max((v for v in values if not missing(v)), default=0)
    return (1e9, WORDS[lang]["billion"]) if top >= 1e9 else (1e6, WORDS[lang]["million"])


def chart_formatter(unit: str, values: list[float], lang: str,
                    with_unit: bool) -> tuple[charts.Formatter, str]:
    """The formatter for a chart's numbers and the unit written beside the axis."""
    if unit == "VND":
        divisor, words = money_scale(values, lang)

        def money(v: float) -> str:
            text = tenths_text(v / divisor, lang)
            return f"{text} {words}" if with_unit else text

        return money, words
    if unit in ("ratio", "share"):
        return (lambda v: cell_text(v, unit, lang)), ""
    return (lambda v: decimal_text(v, lang)), ""


def largest(rows: list[Row], measure: str) -> list[Row]:
    """At most MAX_BARS rows for a horizontal chart: all of them, or the largest by value."""
    if len(rows) <= MAX_BARS:
        return rows
    return sorted(rows, key=lambda r: -(r.values[measure] or 0))[:MAX_BARS]


@dataclass(frozen=True)
class ChartSvg:
    """A section's chart in one language, drawn only when a template writes it.

    Jinja2 writes an object with ``__html__`` as that markup. Until then it is just the
    section and the language, which is what the incremental build fingerprints: a republish
    that keeps a page does not draw its chart (thousands of unit and establishment pages).
    """

    section: Section
    lang: str

    def __html__(self) -> str:
        return str(draw_chart(self.section, self.lang))


def chart_svg(section: Section, lang: str) -> ChartSvg | None:
    """The section's chart, or None when the section has none."""
    return None if section.chart is None else ChartSvg(section, lang)


def draw_chart(section: Section, lang: str) -> Markup:
    """The section's chart in one language, drawn from the non-total rows."""
    if section.chart is None:
        return Markup("")
    rows = [r for r in section.rows if not r.total]
    measures = [statistics_doc.M[name] for name in section.chart.measures]
    vertical = section.chart.orientation == "vertical"
    shown = rows if vertical else largest(rows, measures[0].name)
    desc_key = "chart_desc" if len(shown) == len(rows) else "chart_desc_top"
    rows = shown
    values = [r.values[m.name] for m in measures for r in rows]
    fmt, words = chart_formatter(measures[0].unit, values, lang, with_unit=not vertical)
    labels = [r.label_vi if lang == "vi" else r.label_en for r in rows]
    label_of = [m.label_vi if lang == "vi" else m.label_en for m in measures]
    series = [(label_of[i], [r.values[m.name] for r in rows]) for i, m in enumerate(measures)]
    desc = WORDS[lang][desc_key].format(measures=", ".join(label_of), count=MAX_BARS)
    spec = charts.grouped(f"chart-{section.id}", section.title(lang), desc, labels, series,
                          fmt, words if vertical else "")
    if len(series) == 1:
        spec = charts.bars(spec.chart_id, spec.title, desc, labels, series[0][1], fmt, "",
                           spec.axis_label)
    return Markup(charts.render(spec, section.chart.orientation))


# --- views ---------------------------------------------------------------------------------

def row_view(row: Row, section: Section, lang: str) -> dict:
    return {"key": row.key, "label": row.label_vi if lang == "vi" else row.label_en,
            "url": row.url, "total": row.total,
            "cells": [{"text": cell_text(row.values[m.name], m.unit, lang),
                       "value": "" if row.values[m.name] is None else row.values[m.name]}
                      for m in section.measures]}


def section_view(section: Section, lang: str) -> dict:
    """What ``stat_section`` renders: heading, chart, table cells, links, CSV address."""
    vi = lang == "vi"
    return {
        "id": section.id, "title": section.title(lang),
        "key_label": section.key_label_vi if vi else section.key_label_en,
        "head": [{"text": m.label_vi if vi else m.label_en,
                  "definition": m.definition_vi if vi else m.definition_en}
                 for m in section.measures],
        "rows": [row_view(r, section, lang) for r in section.rows if not r.total],
        "totals": [row_view(r, section, lang) for r in section.rows if r.total],
        "chart": chart_svg(section, lang), "csv": section.csv_url,
        "csv_label": WORDS[lang]["csv"],
    }


def headline_items(section: Section, lang: str) -> list[dict]:
    """The headline cards as the home page writes them (``96,8 tỷ đồng``), exact in data-value."""
    row = section.rows[0]
    items = []
    for m in section.measures:
        value = row.values[m.name]
        text = billions(value, lang) if m.unit == "VND" else cell_text(value, m.unit, lang)
        label = m.label_vi if lang == "vi" else m.label_en
        items.append({"label": label.removesuffix(" (đồng)").removesuffix(" (VND)"), "text": text,
                      "value": value, "id": f"{section.id}/{row.key}/{m.name}"})
    return items


def methodology(lang: str) -> list[Mapping[str, str]]:
    return statistics_doc.METHODOLOGY[lang]


# --- row lists -----------------------------------------------------------------------------

def listed_rows(published: Published) -> dict[str, tuple[Section, Row]]:
    """Each generated list once, by address (two tables may share a filter, hence a list)."""
    found: dict[str, tuple[Section, Row]] = {}
    for section in published.sections:
        for row in section.rows:
            if row.url.startswith("statistics/"):
                found.setdefault(row.url, (section, row))
    return found


class Chosen(NamedTuple):
    """The projects a generated list shows (ids, oldest first) and their totals."""

    ids: list[str]
    totals: dict


def amount_sums(frame: pd.DataFrame) -> np.ndarray:
    """Each project's amounts as integers (a missing amount counts 0), one row per project."""
    return np.column_stack([frame[name].fillna(0).astype("int64").to_numpy()
                            for name in AMOUNTS])


def totals_of(count: int, sums: np.ndarray) -> dict:
    """What a list's footer shows: how many projects and the sum of each amount."""
    return {"projects": count, **{name: int(total) for name, total in zip(AMOUNTS, sums,
                                                                          strict=True)}}


def scope_ids(site: SiteData, published: Published, kind: str,
              ) -> dict[str, dict[int, tuple[list[str], np.ndarray]]]:
    """key -> year -> (project ids oldest first, their amounts summed) of every page of one
    kind: one sort per kind and build, instead of one filter over every project per list
    and language, and sums over arrays instead of over every listed record (1,000 lists
    of 600,000 rows in all at national scale)."""

    def compute() -> dict[str, dict[int, tuple[list[str], np.ndarray]]]:
        p = statistics_doc.scoped_projects(published.inputs, kind)
        column = statistics_doc.SCOPE_COLUMNS[kind]
        keyed = pd.DataFrame({"key": p[column].astype(str).to_numpy(),
                              "year": p["year"].astype("int64").to_numpy(),
                              "id": p["project_id"].astype(str).to_numpy()})
        found: dict[str, dict[int, tuple[list[str], np.ndarray]]] = {}
        if keyed.empty:
            return found
        order = keyed.sort_values(["key", "year", "id"]).index.to_numpy()  # positions
        keys = keyed["key"].to_numpy(dtype=object)[order]
        years = keyed["year"].to_numpy()[order]
        ids = keyed["id"].to_numpy(dtype=object)[order].tolist()
        sums = amount_sums(p)[order]
        starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]) | (years[1:] != years[:-1])])
        group_sums = np.add.reduceat(sums, starts, axis=0)
        for start, end, total in zip(starts.tolist(), [*starts[1:].tolist(), len(ids)],
                                     group_sums, strict=True):
            found.setdefault(keys[start], {})[int(years[start])] = (ids[start:end], total)
        return found

    return site.memo(f"statistics:ids:{kind}", compute)


def oldest_first(site: SiteData, published: Published) -> pd.DataFrame:
    """The projects in list order (year, then id), sorted once: a selection keeps it."""
    return site.memo("statistics:oldest-first", lambda: published.inputs.projects.sort_values(
        ["year", "project_id"]))


def chosen(site: SiteData, published: Published, section: Section, row: Row) -> Chosen:
    """The projects of a generated list and their totals, the same in every language."""

    def compute() -> Chosen:
        if section.scope == "programme":
            picked = stats.select(oldest_first(site, published), row.where)
            return Chosen(picked["project_id"].astype(str).tolist(),
                          totals_of(len(picked), amount_sums(picked).sum(axis=0)))
        kind, key = section.scope.split("/", 1)
        by_year = scope_ids(site, published, kind).get(key, {})
        years = sorted(by_year) if row.total else [int(row.key)] if int(row.key) in by_year \
            else []
        ids = [i for year in years for i in by_year[year][0]]
        sums = sum((by_year[year][1] for year in years), np.zeros(len(AMOUNTS), dtype="int64"))
        return Chosen(ids, totals_of(len(ids), sums))

    return site.memo(f"statistics:chosen:{section.scope}:{row.key}:{row.url}", compute)


def list_ids(site: SiteData, published: Published, section: Section, row: Row) -> list[str]:
    """The ids of the projects a generated list shows, oldest first."""
    return chosen(site, published, section, row).ids


def project_records(site: SiteData, published: Published, section: Section,
                    row: Row) -> list[dict]:
    """The public project rows of a generated list, computed once for every language."""

    def compute() -> list[dict]:
        index = site.index("projects", "project_id")
        return [index[i] for i in list_ids(site, published, section, row)]

    return site.memo(f"statistics:list:{row.url}", compute)


@prepare("statistics-lists", early=True)
def statistics_lists(site: SiteData) -> None:
    """The projects of every generated list, the same in every language: chosen beside the
    export instead of in each page process (a quarter of a second each at national scale)."""
    published = publish(site)
    for section, row in listed_rows(published).values():
        if section.resource != "annual-plans":
            project_records(site, published, section, row)


def plan_records(published: Published, row: Row) -> list[dict]:
    """The annual-plan rows selected by a row's filter, as plain values."""
    chosen = stats.select(published.inputs.plans, row.where)
    return [{k: plain(v) for k, v in record.items()} for record in chosen.to_dict("records")]


def back_url(section: Section) -> str:
    """The table a generated list came from (the statistics page or the scope's page)."""
    if section.id == "headline":
        return "statistics/#headline"
    if section.scope == "programme":
        return f"statistics/{section.id}/"
    return f"{section.home}#{section.id}" if section.home else "statistics/"


def row_pages(site: SiteData, published: Published, lang: str) -> Iterator[Page]:
    """One list per generated row link, paginated like every other list and capped."""
    size = site.settings.get("KC_PAGE_SIZE", 50)
    sources = project_sources(site)
    for url, (section, row) in listed_rows(published).items():
        label = row.label_vi if lang == "vi" else row.label_en
        title = f"{section.title(lang)}: {label}"
        base = {"section": section_view_light(section, lang), "row_label": label,
                "where": dict(row.where), "back": back_url(section), "words": WORDS[lang],
                "resource": section.resource, "projects": [], "plans": [],
                "totals": totals_of(0, np.zeros(len(AMOUNTS), dtype="int64")), "capped": None}
        if section.resource == "annual-plans":
            for part, chunk, pager in paginate(url, plan_records(published, row), size):
                yield Page(part, "statistics_rows.html", {**base, "plans": chunk,
                                                          "pager": pager},
                           "statistics-rows", title)
            continue
        records = project_records(site, published, section, row)
        shown = records[:size * MAX_LIST_PAGES]
        capped = None if len(shown) == len(records) else WORDS[lang]["capped"].format(
            shown=decimal_text(len(shown), lang), count=decimal_text(len(records), lang))
        summary = chosen(site, published, section, row).totals
        listed = {**base, "totals": summary, "capped": capped, "csv": PROJECTS_CSV}
        shared = digest_of(listed)
        for part, chunk, pager in paginate(url, shown, size):
            yield Page(part, "statistics_rows.html",
                       Deferred(functools.partial(rows_context, site, listed, chunk, pager,
                                                  lang)), "statistics-rows", title,
                       source=joined_digest([shared, digest_of(pager),
                                             *(sources[r["project_id"]] for r in chunk)]))


def rows_context(site: SiteData, listed: dict, chunk: list[dict], pager: Any,
                 lang: str) -> dict:
    """The context of one part of a generated project list: its display rows are made
    only when it is rendered."""
    return {**listed, "projects": project_rows(site, chunk, lang), "pager": pager}


def section_view_light(section: Section, lang: str) -> dict:
    return {"id": section.id, "title": section.title(lang)}


# --- builders ------------------------------------------------------------------------------

def exported(site: SiteData) -> bool:
    """Whether the export step already wrote statistics.json (it lists it in KC_DOWNLOADS)."""
    return any(d.get("path") == JSON_URL for d in site.settings.get("KC_DOWNLOADS") or [])


def shared_files(site: SiteData, published: Published, lang: str) -> Iterator[Page]:
    """The per-section CSVs, and statistics.json unless the export step wrote it (data/ is
    the export's folder; the file is written exactly once either way).

    14,000 CSVs at national scale: a site in two languages makes every other one in each
    language's process (the first also writes the establishments' CSVs, the last the
    statistics.json), so that neither process waits for the other. Only the first and the
    last language make any.
    """
    first, last = first_language(site, lang), last_language(site, lang)
    sections = published.sections
    if first != last:
        sections = sections[0::2] if first else sections[1::2]
    elif not first:
        return
    for section in sections:
        body = statistics_doc.section_csv(section).encode("utf-8")
        yield Page(section.csv_url, None, {}, "statistics-csv", section.title_en, body=body,
                   shared=True)
    if not last or exported(site):
        return
    document = statistics_doc.document(published.sections, site.package,
                                       published.inputs.period)
    yield Page(JSON_URL, None, {}, "statistics-json", "statistics.json",
               body=statistics_doc.document_json(document).encode("utf-8"), shared=True)


def section_pages(view: dict, lang: str) -> Iterator[Page]:
    """A question's table page, split in parts of TABLE_ROWS rows (totals and CSV on each,
    the chart on the first)."""
    for url, chunk, pager in paginate(f"statistics/{view['id']}/", view["rows"], TABLE_ROWS):
        part = {**view, "rows": chunk, "chart": view["chart"] if pager.number == 1 else None}
        yield Page(url, "statistics_section.html",
                   {"words": WORDS[lang], "view": part, "json_url": JSON_URL, "pager": pager},
                   "statistics-section", view["title"])


class SectionView(Mapping):
    """A page's own statistics section in one language (what :func:`section_view` gives),
    made when a template first reads it.

    Like :class:`ChartSvg`: until then it is the section and the language, and that is what
    the incremental build fingerprints (``__reduce__``), so a republish that keeps a unit or
    establishment page (30,000 of them at national scale) never builds its table's texts.
    Templates read it as the dict it stands for (``v.rows``, ``v['id']``).
    """

    __slots__ = ("lang", "made", "section")

    def __init__(self, section: Section, lang: str) -> None:
        self.section, self.lang, self.made = section, lang, None

    def view(self) -> dict:
        if self.made is None:
            self.made = section_view(self.section, self.lang)
        return self.made

    def __getitem__(self, key: str) -> Any:
        return self.view()[key]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.view()[name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.view())

    def __len__(self) -> int:
        return len(self.view())

    def __reduce__(self) -> tuple:
        return (SectionView, (self.section, self.lang))


@provide("statistics")
def own_statistics(site: SiteData, page: Page, lang: str) -> dict[str, Any]:
    """A district, commune, content, sector or establishment page's own statistics section
    (``own_statistics`` in its template), or nothing for any other page."""
    if page.template is None:
        return {}
    section = publish(site).scoped.get(page.url)
    return {} if section is None else {"own_statistics": SectionView(section, lang)}


@register("statistics")
def statistics_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """/statistics/ and one page per question, row lists, CSVs and statistics.json.

    The overview carries the headline figures, every chart and the methodology; each
    question's table (with row links) is on its own pages, so no page outgrows the budget.
    """
    published = publish(site)
    headline, *rest = published.programme
    views = [section_view(s, lang) for s in rest]
    yield Page("statistics/", "statistics.html", {
        "words": WORDS[lang], "headline": headline_items(headline, lang),
        "headline_view": section_view(headline, lang), "sections": views,
        "methodology": methodology(lang), "json_url": JSON_URL,
        "period": published.inputs.period}, "statistics", WORDS[lang]["title"])
    for view in views:
        yield from section_pages(view, lang)
    yield from row_pages(site, published, lang)
    yield from shared_files(site, published, lang)
