"""The core data pages: home, establishments, projects, places, contents, sectors, years.

Each builder turns validated rows into ``Page`` values for one language; templates in
``theme/templates/`` do the presentation. Rows are plain dicts without private fields
(``SiteData.records``); groupings are computed once per build through ``SiteData.memo``.

Tables hand templates *display rows*: every text already in the page's language (amounts
formatted, enum labels translated, names looked up) and every link absolute
(``project_rows``). A project appears on a dozen list pages; formatting it once per language
instead of once per page and cell is most of the speed of the page stage, and it keeps each
template a function of its own context (see ``pipeline/pages.py``).
"""

from __future__ import annotations

import csv
import functools
import io
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import i18n
from pipeline.export import csv_column
from pipeline.formatting import money
from pipeline.pages import (
    Deferred,
    Page,
    SiteData,
    address,
    digest_of,
    first_language,
    joined_digest,
    paginate,
    prepare,
    register,
)

AMOUNTS = ("state_support_vnd", "counterpart_vnd", "disbursed_vnd")
AMOUNT_GETTERS = tuple((name, operator.itemgetter(name)) for name in AMOUNTS)
NOT_IMPLEMENTED = ("LDLK", "HTQT")  # contents Cao Bằng never used; the reason is in the data
#: The ``source`` of a context made of build-wide values only (reference tables, addresses).
BUILD_WIDE = bytes(16)


# --- figures ------------------------------------------------------------------------------

def own_headline(projects: pd.DataFrame, first: int, last: int) -> dict:
    """Counts and sums of the projects of plan years first..last (pure pandas)."""
    chosen = projects[projects["year"].between(first, last)]
    return {"projects": len(chosen),
            "national": int((chosen["level"] == "national").sum()),
            "local": int((chosen["level"] == "local").sum()),
            **{name: int(chosen[name].fillna(0).sum()) for name in AMOUNTS}}


def headline_figures(projects: pd.DataFrame, first: int, last: int) -> dict:
    """The home page's figures; ``pipeline.stats.headline`` when it exists, so both agree."""
    try:
        from pipeline.stats import headline
    except ImportError:
        return own_headline(projects, first, last)
    row = headline(projects, first, last).iloc[0]
    return {key: int(value) for key, value in row.items()}


def totals(rows: Iterable[dict]) -> dict:
    """Count and sums of amounts of a list of project rows (a missing amount adds 0).

    Summed in C (``filter(None, ...)`` leaves out None, and 0 adds nothing): a national
    build sums every project five times over per language, for each page's footer."""
    rows = rows if isinstance(rows, list) else list(rows)
    return {"projects": len(rows),
            **{name: sum(filter(None, map(get, rows))) for name, get in AMOUNT_GETTERS}}


# --- lookups ------------------------------------------------------------------------------

def grouped(site: SiteData, key: str) -> dict[str, list[dict]]:
    """Projects grouped by a column's value, oldest first within each group."""

    def compute() -> dict[str, list[dict]]:
        groups: dict[str, list[dict]] = defaultdict(list)
        for row in sorted(site.records("projects"), key=lambda r: (r["year"], r["project_id"])):
            groups[row[key]].append(row)
        return dict(groups)

    return site.memo(f"projects-by:{key}", compute)


def establishment_communes(site: SiteData) -> dict[str, str]:
    """establishment_id -> today's commune."""
    return {e["establishment_id"]: e["commune_id"] for e in site.records("establishments")}


def commune_projects(site: SiteData) -> dict[str, list[dict]]:
    """Projects located in a commune in their year, or whose establishment is there today."""

    def compute() -> dict[str, list[dict]]:
        where = establishment_communes(site)
        groups: dict[str, list[dict]] = defaultdict(list)
        for row in sorted(site.records("projects"), key=lambda r: (r["year"], r["project_id"])):
            places = {row["unit_id"], where.get(row["establishment_id"])}
            for unit_id in places - {None}:
                groups[unit_id].append(row)
        return dict(groups)

    return site.memo("projects-by:commune", compute)


def units_at(site: SiteData, level: str) -> list[dict]:
    """Administrative units of one level, by code then validity."""
    return sorted((u for u in site.records("admin-units") if u["level"] == level),
                  key=lambda u: u["unit_id"])


def successors(site: SiteData, unit_id: str) -> list[str]:
    """Units that took over ``unit_id``'s territory, followed to today's units."""
    edges = site.memo("crosswalk", lambda: _crosswalk_edges(site))
    found, todo = [], list(edges.get(unit_id, []))
    while todo:
        current = todo.pop(0)
        if current not in found:
            found.append(current)
            todo.extend(edges.get(current, []))
    return found


def _crosswalk_edges(site: SiteData) -> dict[str, list[str]]:
    edges: dict[str, list[str]] = defaultdict(list)
    for row in site.records("unit-crosswalk"):
        edges[row["from_unit_id"]].append(row["to_unit_id"])
    return dict(edges)


def predecessors(site: SiteData, unit_id: str) -> list[str]:
    """Units whose territory passed, directly, to ``unit_id``."""
    return [r["from_unit_id"] for r in site.records("unit-crosswalk")
            if r["to_unit_id"] == unit_id]


def unit_url(site: SiteData, unit_id: str | None) -> str | None:
    """The page of a unit, when the site has one (districts always, communes with projects)."""
    unit = site.index("admin-units", "unit_id").get(unit_id)
    if unit is None:
        return None
    if unit["level"] == "district":
        return f"districts/{unit_id}/"
    if unit["level"] == "commune" and unit_id in commune_projects(site):
        return f"communes/{unit_id}/"
    return None


# --- display rows ------------------------------------------------------------------------

THEME = Path(__file__).resolve().parent.parent / "theme"


def translations_dir(site: SiteData) -> Path:
    """The theme's gettext catalogues (the repository's theme when no THEME is set)."""
    theme = Path(site.settings.get("THEME") or THEME)
    return theme / site.settings.get("KC_TRANSLATIONS", "translations")


def label(site: SiteData, kind: str, value: str | None, lang: str) -> str:
    """An enum value's label in ``lang``, as the ``enum`` filter writes it.

    Looked up once per (kind, value, language) and build: project rows ask 200,000 times
    at national scale, and finding the catalogue builds paths each time."""
    if value is None:
        return ""
    labels = site.memo("enum-labels", dict)
    found = labels.get((kind, value, lang))
    if found is None:
        english = i18n.ENUM_LABELS.get(kind, {}).get(value, value)
        found = labels[(kind, value, lang)] = i18n.translate(translations_dir(site), lang,
                                                             english)
    return found


def project_view(site: SiteData, p: dict, lang: str, names: Mapping[str, str]) -> dict:
    """One project as a row of a project table (``components/projects.html``) shows it."""

    def link(url: str) -> str:
        return address(site.settings, url, lang)

    establishment = p["establishment_id"]
    return {"id": p["project_id"], "href": link(f"projects/{p['project_id']}/"),
            "title": localized(p, "title", lang), "year": p["year"],
            "year_href": link(f"years/{p['year']}/"), "content_type": p["content_type"],
            "content_href": link(f"contents/{p['content_type'].lower()}/"),
            "establishment": names.get(establishment) if establishment else None,
            "establishment_href": link(f"establishments/{establishment}/")
            if establishment else None,
            "level": label(site, "level", p["level"], lang),
            "state_support": money(p["state_support_vnd"], lang),
            "counterpart": money(p["counterpart_vnd"], lang),
            "status": label(site, "status", p["status"], lang)}


def project_rows(site: SiteData, records: Iterable[dict], lang: str) -> list[dict]:
    """The display rows of some project records (``SiteData.records`` rows), same order.

    Each row is made once per build and language, when a page first shows it: a full build
    makes them all, a republish only those of the few parts it renders (making all 50,000
    took each page process a quarter of a second).
    """
    views = site.memo(f"project-views:{lang}", dict)
    names = site.memo("establishment-names", lambda: {
        e["establishment_id"]: e["name"] for e in site.records("establishments")})
    rows = []
    for record in records:
        view = views.get(record["project_id"])
        if view is None:
            view = views[record["project_id"]] = project_view(site, record, lang, names)
        rows.append(view)
    return rows


@prepare("records", early=True)
def records(site: SiteData) -> None:
    """Every resource's public records, which most builders read (0.3 s at national scale)."""
    for name in site.package.frames:
        site.records(name)


@prepare("sources", early=True, beside=True)
def sources(site: SiteData) -> None:
    """The records' digests that keyed pages are made of (a few tenths of a second at
    national scale): made in the export's child, instead of in each page process."""
    project_sources(site)


def project_sources(site: SiteData) -> dict[str, bytes]:
    """Per project, the digest of its record and of its establishment's (32 bytes): all a
    project page and a project's display row are made of besides build-wide values."""

    def compute() -> dict[str, bytes]:
        projects = site.digests("projects", "project_id")
        establishments = site.digests("establishments", "establishment_id")
        return {p["project_id"]: projects[p["project_id"]]
                + establishments.get(p["establishment_id"], BUILD_WIDE)
                for p in site.records("projects")}

    return site.memo("project-sources", compute)


# --- helpers for builders -----------------------------------------------------------------

def listing(site: SiteData, base: str, template: str, kind: str, title: str,
            context: dict | Callable[[], dict], rows: list[dict], lang: str,
            per_part: Callable[[list[dict]], dict] | None = None,
            opening: dict | Callable[[], dict] | None = None,
            source: bytes | None = None, opening_source: bytes = BUILD_WIDE,
            whole: bool = False) -> Iterator[Page]:
    """An entity page whose project table continues on ``base/page/N/`` when long.

    Totals are of all rows, so every part shows the same sums; ``projects`` holds the
    display rows of this part, ``per_part(chunk)`` adds anything else made of its records
    (and of build-wide values). ``opening`` is what the template shows on the first part
    only (``pager.number == 1``): left out of the other parts' contexts, it is neither
    copied into nor fingerprinted with each of them (a national sector lists 2,500
    establishments over about 100 parts).

    ``source``: the digest of what ``context`` is made of besides build-wide values
    (``BUILD_WIDE`` when nothing else), and ``opening_source`` of ``opening``. Each part is
    then keyed by them, the totals and its own rows' sources (``project_sources``): a
    corrected title renders the one part that shows it, not the hundred parts of its
    content's list. Its context is made only when it is rendered; ``context`` and
    ``opening`` may then be functions that make them. ``whole``: the sources cover what
    the providers add to every part too (``Page.whole``).
    """
    summary = totals(rows)
    if source is None:
        for url, chunk, pager in paginate(base, rows, site.settings["KC_PAGE_SIZE"]):
            yield Page(url, template, part_context(site, context, opening, per_part, chunk,
                                                   pager, summary, lang), kind, title)
        return
    known = project_sources(site)
    shared = [source, digest_of(summary)]
    made: dict[str, Any] = {}

    def part(chunk: list[dict], pager: Any) -> dict:
        if not made:  # what the parts share, made for the first part rendered
            made.update(context=context() if callable(context) else context,
                        opening=opening() if callable(opening) else opening)
        return part_context(site, made["context"], made["opening"], per_part, chunk, pager,
                            summary, lang)

    for url, chunk, pager in paginate(base, rows, site.settings["KC_PAGE_SIZE"]):
        own = [known[row["project_id"]] for row in chunk]
        if pager.number == 1:
            own.append(opening_source)
        yield Page(url, template, Deferred(functools.partial(part, chunk, pager)), kind,
                   title, source=joined_digest(shared + own), whole=whole)


def part_context(site: SiteData, context: dict, opening: dict | None,
                 per_part: Callable[[list[dict]], dict] | None, chunk: list[dict],
                 pager: Any, summary: dict, lang: str) -> dict:
    """The context of one part of a ``listing``."""
    extra = per_part(chunk) if per_part is not None else {}
    first = (opening or {}) if pager.number == 1 else {}
    return {**context, **first, **extra, "projects": project_rows(site, chunk, lang),
            "pager": pager, "totals": summary}


def browse(site: SiteData, base: str, template: str, kind: str, title: str,
           rows: list[dict], sorts: dict[str, Callable[[dict], object]],
           sources: list[bytes]) -> Iterator[Page]:
    """A list sortable by link: the first sort at ``base``, the others at ``base/by-x/``.

    ``sources``: each row's digest (``digest_of`` of the row, or of the record it shows
    columns of). Each part is keyed by its rows' sources and where it stands, so a
    corrected title renders the part of each sort that shows it, not the 3,000 parts of a
    national project list; a part's context is made only to render it.
    """
    size = site.settings["KC_PAGE_SIZE"]
    urls = sort_urls(base, sorts)
    for position, (sort, key) in enumerate(sorts.items()):
        sort_base = base if position == 0 else f"{base}by-{sort}/"
        ordered = sorted(zip(rows, sources, strict=True), key=lambda pair: key(pair[0]))
        for url, chunk, pager in paginate(sort_base, ordered, size):
            shown = [row for row, _ in chunk]
            where = digest_of((sort, urls, len(rows), pager))
            yield Page(url, template, Deferred(functools.partial(
                browse_context, shown, pager, sort, urls, len(rows))), kind, title,
                source=joined_digest([where, *(source for _, source in chunk)]))


def browse_context(rows: list[dict], pager: Any, sort: str, urls: dict[str, str],
                   count: int) -> dict:
    """The context of one part of a ``browse`` list."""
    return {"rows": rows, "pager": pager, "sort": sort, "sort_urls": urls, "count": count}


def sort_urls(base: str, sorts: dict) -> dict[str, str]:
    return {sort: base if i == 0 else f"{base}by-{sort}/" for i, sort in enumerate(sorts)}


def localized(row: dict, name: str, lang: str) -> str:
    """``row[name_<lang>]``, falling back to the Vietnamese column."""
    return row.get(f"{name}_{lang}") or row.get(f"{name}_vi") or ""


def title_in(lang: str, vi: str, en: str) -> str:
    """A page title from the data's own columns, so it needs no catalogue."""
    return vi if lang == "vi" else en


# --- builders -----------------------------------------------------------------------------

@register("home")
def home_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """The programme at a glance, latest stories and the ways in."""
    first, last = site.settings["KC_HEADLINE_YEARS"]
    figures = site.memo("headline", lambda: headline_figures(site.frame("projects"),
                                                             first, last))
    showcase = [e for e in site.records("establishments") if e["showcase"]]
    yield Page("", "home.html", {
        "figures_data": figures, "first_year": first, "last_year": last,
        "stories": site.stories_in(lang)[:3], "showcase": showcase[:6],
        "contents": site.records("content-types"), "sectors": site.records("sectors"),
        "years": sorted(grouped(site, "year")), "districts": units_at(site, "district"),
    }, "home", site.settings["KC_SITE_NAME"])


def establishment_rows(site: SiteData) -> list[dict]:
    """Each establishment with its project count and sums, for browse lists."""
    by_establishment = grouped(site, "establishment_id")
    return [{**e, **totals(by_establishment.get(e["establishment_id"], []))}
            for e in site.records("establishments")]


def columns(rows: list[dict], names: tuple[str, ...]) -> list[dict]:
    """Each row with only ``names``: what a list template shows of it.

    A list page's context is fingerprinted by every build; whole records made a national
    project list page 62 KB to encode, for seven cells a row."""
    return [{name: row[name] for name in names} for row in rows]


#: What ``establishments.html`` shows of a row (``establishment_rows``).
ESTABLISHMENT_LIST = ("establishment_id", "name", "sector", "legal_form", "projects",
                      "state_support_vnd")
#: What ``projects.html`` shows of a project record.
PROJECT_LIST = ("project_id", "title_vi", "title_en", "year", "content_type", "level",
                "state_support_vnd", "status")


@register("establishments")
def establishment_list_pages(site: SiteData, lang: str) -> Iterator[Page]:
    rows = site.memo("establishment-list", lambda: columns(
        site.memo("establishment-rows", lambda: establishment_rows(site)), ESTABLISHMENT_LIST))
    sources = site.memo("establishment-list-sources", lambda: [digest_of(r) for r in rows])
    yield from browse(site, "establishments/", "establishments.html", "establishment-list",
                      title_in(lang, "Cơ sở được hỗ trợ", "Supported establishments"), rows,
                      {"name": lambda r: r["name"],
                       "amount": lambda r: (-r["state_support_vnd"], r["name"]),
                       "projects": lambda r: (-r["projects"], r["name"])}, sources)


@register("establishment")
def establishment_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """One page per establishment, plus (once) a CSV of its own project rows."""
    by_establishment = grouped(site, "establishment_id")
    units = site.index("admin-units", "unit_id")
    sectors = site.index("sectors", "code")
    digests = site.digests("establishments", "establishment_id")
    known = project_sources(site)
    projects = site.digests("projects", "project_id")
    csv_shape = digest_of(("establishment-csv", public_columns(site)))

    def context(e: dict, ident: str, base: str) -> dict:
        return {"establishment": e, "story": site.story_for(ident, lang),
                "csv_url": f"{base}{ident}.csv", "commune_url": unit_url(site, e["commune_id"]),
                "commune_name": localized(units.get(e["commune_id"]) or {}, "name", lang),
                "sector_name": localized(sectors.get(e["sector"]) or {}, "name", lang)}

    for e in site.records("establishments"):
        ident = e["establishment_id"]
        rows = by_establishment.get(ident, [])
        base = f"establishments/{ident}/"
        # Its record and every project's: all that its search filters (on every part) and
        # its own statistics (on the first) are made of besides build-wide values.
        yield from listing(site, base, "establishment.html", "establishment", e["name"],
                           functools.partial(context, e, ident, base), rows, lang,
                           lambda chunk: {"places": place_rows(site, chunk, lang)},
                           source=joined_digest([digests[ident],
                                                 *(known[r["project_id"]] for r in rows)]),
                           whole=True)
        if first_language(site, lang):
            yield Page(f"{base}{ident}.csv", None, {}, "establishment-csv", e["name"],
                       body=functools.partial(project_csv, site, rows), shared=True,
                       source=joined_digest([csv_shape, *(projects[r["project_id"]]
                                                          for r in rows)]))


def place_rows(site: SiteData, records: list[dict], lang: str) -> list[dict]:
    """Where each project took place: the unit of its plan year, linked when it has a page."""
    units = site.index("admin-units", "unit_id")
    rows = []
    for p in records:
        url = unit_url(site, p["unit_id"])
        rows.append({"year": p["year"], "id": p["project_id"],
                     "name": localized(units.get(p["unit_id"]) or {}, "name", lang),
                     "href": address(site.settings, url, lang) if url else None})
    return rows


def project_csv(site: SiteData, rows: list[dict]) -> bytes:
    """An establishment's project rows (its page's order), public fields in schema order,
    written as ``data/projects.csv`` writes each cell; UTF-8 with a header.

    Made only when its page's source changed (``Page.source``: its projects' public
    records): a republish after one corrected row writes one, not 15,000.
    """
    columns = public_columns(site)
    cells = [csv_column([row[name] for row in rows], kind) for name, kind in columns]
    return csv_bytes([name for name, _ in columns], list(zip(*cells, strict=True)))


def public_columns(site: SiteData) -> list[tuple[str, str]]:
    """(name, type) of each public field of the projects, in schema order."""
    return [(f["name"], f.get("type", "string")) for f in site.package.fields("projects")
            if not f.get("private")]


def csv_bytes(header: list[str], rows: list[tuple]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@register("projects")
def project_list_pages(site: SiteData, lang: str) -> Iterator[Page]:
    rows = site.memo("project-list", lambda: columns(site.records("projects"), PROJECT_LIST))
    digests = site.digests("projects", "project_id")  # of the records the rows show
    sources = site.memo("project-list-sources", lambda: [digests[r["project_id"]]
                                                         for r in rows])
    yield from browse(site, "projects/", "projects.html", "project-list",
                      title_in(lang, "Đề án khuyến công", "Industrial-promotion projects"), rows,
                      {"year": lambda r: (-r["year"], r["project_id"]),
                       "amount": lambda r: (-r["state_support_vnd"], r["project_id"]),
                       "title": lambda r: (localized(r, "title", lang), r["project_id"])},
                      sources)


@register("project")
def project_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """One page per project with every public field, its establishment and legal basis."""
    establishments = site.index("establishments", "establishment_id")
    contents = site.index("content-types", "code")
    units = site.index("admin-units", "unit_id")
    titles = field_titles([f for f in site.package.fields("projects") if not f.get("private")],
                          lang)
    known = project_sources(site)

    def context(p: dict) -> dict:
        return {"project": p, "fields": titles, "content": contents.get(p["content_type"]),
                "establishment": establishments.get(p["establishment_id"]),
                "unit": units.get(p["unit_id"]), "unit_url": unit_url(site, p["unit_id"])}

    for p in site.records("projects"):
        yield Page(f"projects/{p['project_id']}/", "project.html",
                   Deferred(functools.partial(context, p)), "project",
                   localized(p, "title", lang), source=known[p["project_id"]], whole=True)


def field_titles(fields: list[dict], lang: str) -> tuple[tuple[str, str], ...]:
    """(title in ``lang``, column name) of each field, for :func:`field_rows`.

    One tuple for every project page of a language: the template makes the rows of the
    one page it renders, instead of each of 50,000 pages carrying (and the incremental
    build hashing) a copy of its record's values.
    """
    return tuple((f.get("title") if lang == "vi" else f.get("title_en"), f["name"])
                 for f in fields)


def field_rows(titles: Iterable[tuple[str, str]], row: Mapping[str, Any]) -> list[tuple]:
    """Every published field of a row as table rows: title, column name, value (or —)."""
    return [(title, name, "—" if row[name] is None else row[name]) for title, name in titles]


@register("districts")
def district_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """Every district (historical ones too) with the projects recorded there."""
    by_unit = grouped(site, "unit_id")
    districts = units_at(site, "district")
    yield Page("districts/", "units.html", {
        "units": [{**u, **totals(by_unit.get(u["unit_id"], [])),
                   "url": f"districts/{u['unit_id']}/"} for u in districts],
        "level": "district"}, "district-list", title_in(lang, "Huyện", "Districts"))
    for unit in districts:
        yield from listing(site, f"districts/{unit['unit_id']}/", "unit.html", "district",
                           localized(unit, "name", lang),
                           functools.partial(unit_context, site, unit),
                           by_unit.get(unit["unit_id"], []), lang, source=BUILD_WIDE)


def unit_context(site: SiteData, unit: dict) -> dict:
    """A unit with its predecessors and successors, each linked when it has a page."""
    units = site.index("admin-units", "unit_id")

    def linked(ids: list[str]) -> list[dict]:
        return [{**units[i], "url": unit_url(site, i)} for i in ids if i in units]

    return {"unit": unit, "successors": linked(successors(site, unit["unit_id"])),
            "predecessors": linked(predecessors(site, unit["unit_id"]))}


@register("communes")
def commune_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """Today's communes where projects exist (in the project year or through an establishment)."""
    by_commune = commune_projects(site)
    communes = [u for u in units_at(site, "commune") if u["unit_id"] in by_commune]
    yield Page("communes/", "units.html", {
        "units": [{**u, **totals(by_commune[u["unit_id"]]),
                   "url": f"communes/{u['unit_id']}/"} for u in communes],
        "level": "commune"}, "commune-list", title_in(lang, "Xã, phường", "Communes"))
    for unit in communes:
        yield from listing(site, f"communes/{unit['unit_id']}/", "unit.html", "commune",
                           localized(unit, "name", lang),
                           functools.partial(unit_context, site, unit),
                           by_commune[unit["unit_id"]], lang, source=BUILD_WIDE)


@register("contents")
def content_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """The eight activity contents; those never used say so, with the province's reason."""
    by_content = grouped(site, "content_type")
    contents = site.records("content-types")
    yield Page("contents/", "contents.html", {
        "contents": [{**c, **totals(by_content.get(c["code"], [])),
                      "url": f"contents/{c['code'].lower()}/"} for c in contents]},
        "content-list", title_in(lang, "Nội dung hoạt động", "Activity contents"))
    for content in contents:
        yield from listing(site, f"contents/{content['code'].lower()}/", "content.html",
                           "content", localized(content, "name", lang),
                           {"content": content}, by_content.get(content["code"], []), lang,
                           source=BUILD_WIDE)


@register("sectors")
def sector_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """Each sector with its establishments and their projects."""
    rows = site.memo("establishment-rows", lambda: establishment_rows(site))
    by_establishment = grouped(site, "establishment_id")
    sectors = site.records("sectors")
    digests = site.digests("establishments", "establishment_id")
    known = project_sources(site)
    members = {s["code"]: [e for e in rows if e["sector"] == s["code"]] for s in sectors}
    yield Page("sectors/", "sectors.html", {"sectors": [
        {**s, "establishments": len(members[s["code"]]),
         **totals(p for e in members[s["code"]]
                  for p in by_establishment.get(e["establishment_id"], [])),
         "url": f"sectors/{s['code'].lower()}/"} for s in sectors]},
        "sector-list", title_in(lang, "Ngành", "Sectors"))
    for sector in sectors:
        projects = sorted((p for e in members[sector["code"]]
                           for p in by_establishment.get(e["establishment_id"], [])),
                          key=lambda p: (p["year"], p["project_id"]))
        # The first part lists the members: their records and the totals of their
        # projects, which are this list's rows (every one, not only the first part's).
        yield from listing(site, f"sectors/{sector['code'].lower()}/", "sector.html", "sector",
                           localized(sector, "name", lang), {"sector": sector},
                           projects, lang, opening={"establishments": members[sector["code"]]},
                           source=BUILD_WIDE, opening_source=joined_digest([
                               *(digests[e["establishment_id"]] for e in members[sector["code"]]),
                               *(known[p["project_id"]] for p in projects)]))


@register("years")
def year_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """Every plan year from the first to the last, with its projects and funding plan.

    Years in between without projects get a page too, so a year axis can link every year.
    """
    by_year = grouped(site, "year")
    plans = defaultdict(list)
    for plan in site.records("annual-plans"):
        plans[plan["year"]].append(plan)
    known = set(by_year) | set(plans)
    years = list(range(min(known), max(known) + 1)) if known else []
    yield Page("years/", "years.html", {"years": [
        {"year": y, **totals(by_year.get(y, [])), "url": f"years/{y}/"} for y in years]},
        "year-list", title_in(lang, "Năm", "Years"))
    for year in years:
        yield from listing(site, f"years/{year}/", "year.html", "year", str(year),
                           {"year": year}, by_year.get(year, []), lang,
                           opening={"plans": plans.get(year, [])}, source=BUILD_WIDE,
                           opening_source=digest_of(plans.get(year, [])))


@register("stories")
def story_list_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """The stories in this language, newest first (Pelican writes the stories themselves)."""
    yield Page("stories/", "stories.html", {"stories": site.stories_in(lang)}, "story-list",
               title_in(lang, "Câu chuyện thành công", "Success stories"))


@register("not-found")
def not_found_pages(site: SiteData, lang: str) -> Iterator[Page]:
    yield Page("404.html", "404.html", {}, "404",
               title_in(lang, "Không tìm thấy trang", "Page not found"))
