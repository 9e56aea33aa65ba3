"""The search page of each language and the search filters every indexed page carries.

Search itself runs in the reader's browser (Pagefind, indexed by ``pipeline/search.py`` after
the site is written). This module gives it two things through the page registry:

* ``/search/`` and ``/en/search/`` (template ``search.html``): a form that works as a plain
  GET form, an explanation and the browse lists for readers without JavaScript, and the
  labels the enhancement script (``theme/static/js/search.js``) shows;
* each page's filters (kind of page, district, activity content and sector, in the page's
  language), computed by ``Facets`` once per build and handed to every establishment and
  dataset page as ``search_filters`` by the context provider
  ``search_filters`` (so the page is a function of its own context, as the incremental build
  needs). ``components/search_meta.html`` writes them as ``data-pagefind-filter``
  attributes. Stories are Pelican articles, rendered outside the page writer and its
  providers: their template still asks ``Facets``, kept in ``site.cache["search-facets"]``.

Interface labels live in ``TEXT`` (both languages) rather than the shared gettext catalogue,
so this module and its templates change without touching the catalogue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pipeline.pages import Page, SiteData, prepare, provide, register

FILTERS = ("kind", "district", "content", "sector")
#: Kinds of data pages in the index (pipeline/search.py), which get filters.
FILTERED_KINDS = ("establishment", "dataset")
FACETS_KEY = "search-facets"

KINDS = {
    "vi": {"establishment": "Cơ sở", "project": "Đề án", "story": "Câu chuyện",
           "dataset": "Bộ dữ liệu"},
    "en": {"establishment": "Establishment", "project": "Project", "story": "Story",
           "dataset": "Dataset"},
}

TEXT = {
    "vi": {
        "title": "Tìm kiếm",
        "intro": "Tìm cơ sở, đề án, câu chuyện và dữ liệu theo tên, sản phẩm hay địa danh. "
                 "Có thể gõ có dấu hoặc không dấu: “hat de Trung Khanh” cũng tìm ra "
                 "“hạt dẻ Trùng Khánh”.",
        "scope": "Chỉ mục gồm trang các cơ sở, các huyện và xã, nội dung hoạt động, ngành, "
                 "năm, câu chuyện, bộ dữ liệu và các trang giới thiệu. Đề án được tìm qua "
                 "trang của cơ sở thụ hưởng, nơi liệt kê tên, năm và nội dung từng đề án. "
                 "Bảng thống kê chi tiết và các trang tiếp theo của danh sách không được đưa "
                 "vào; hãy mở chúng từ trang tương ứng.",
        "label": "Từ khóa", "submit": "Tìm", "filters": "Lọc kết quả", "any": "Tất cả",
        "kind": "Loại trang", "district": "Huyện", "content": "Nội dung hoạt động",
        "sector": "Ngành",
        "no_script": "Ô tìm kiếm cần JavaScript, chạy ngay trong trình duyệt, không gửi "
                     "từ khóa đi đâu. Nếu trình duyệt của bạn tắt JavaScript, hãy dùng các "
                     "danh sách dưới đây.",
        "browse": "Xem theo danh sách",
        "loading": "Đang tải chỉ mục tìm kiếm…",
        "unavailable": "Không tải được chỉ mục tìm kiếm. Hãy dùng các danh sách dưới đây.",
        "none": "Không tìm thấy kết quả cho “{query}”.",
        "count": "{count} kết quả cho “{query}”.",
        "count_filtered": "{count} trang phù hợp với bộ lọc.",
        "more": "Xem thêm kết quả",
    },
    "en": {
        "title": "Search",
        "intro": "Find establishments, projects, stories and data by name, product or place. "
                 "Vietnamese words may be typed with or without diacritics: “hat de Trung "
                 "Khanh” finds “hạt dẻ Trùng Khánh”.",
        "scope": "The index holds the pages of establishments, districts and communes, "
                 "activity contents, sectors, years, stories, datasets and the about pages. "
                 "Projects are found through the page of the establishment they supported, "
                 "which lists each project's title, year and content. Detailed statistics "
                 "tables and the further pages of long lists are left out: open them from "
                 "the page they belong to.",
        "label": "Search words", "submit": "Search", "filters": "Narrow the results",
        "any": "Any", "kind": "Kind of page", "district": "District",
        "content": "Activity content", "sector": "Sector",
        "no_script": "The search box needs JavaScript; it runs in your browser and sends "
                     "your words nowhere. If JavaScript is off, use the lists below.",
        "browse": "Browse the lists",
        "loading": "Loading the search index…",
        "unavailable": "The search index could not be loaded. Please use the lists below.",
        "none": "No results for “{query}”.",
        "count": "{count} results for “{query}”.",
        "count_filtered": "{count} pages match the filters.",
        "more": "Show more results",
    },
}

BROWSE = {
    "vi": [("establishments/", "Cơ sở được hỗ trợ"), ("projects/", "Đề án khuyến công"),
           ("stories/", "Câu chuyện thành công"), ("districts/", "Huyện"),
           ("communes/", "Xã, phường"), ("contents/", "Nội dung hoạt động"),
           ("sectors/", "Ngành"), ("years/", "Năm"), ("statistics/", "Thống kê"),
           ("datasets/", "Dữ liệu mở")],
    "en": [("establishments/", "Supported establishments"),
           ("projects/", "Industrial-promotion projects"), ("stories/", "Success stories"),
           ("districts/", "Districts"), ("communes/", "Communes"),
           ("contents/", "Activity contents"), ("sectors/", "Sectors"), ("years/", "Years"),
           ("statistics/", "Statistics"), ("datasets/", "Open data")],
}


def name_in(row: dict | None, lang: str) -> str | None:
    """A row's ``name_<lang>`` (Vietnamese when missing); None for a missing row."""
    if row is None:
        return None
    return row.get(f"name_{lang}") or row.get("name_vi") or row.get("name")


def owner_of(page: Page) -> str | None:
    """The id a page is about, from its address: ``projects/p-04-2019-001/`` -> the id."""
    parts = page.url.split("/")
    return parts[1] if len(parts) > 2 and parts[1] else None


@provide("search_filters")
def search_filters(site: SiteData, page: Page, lang: str) -> dict:
    """``search_filters``: the (filter, value) pairs of an establishment or dataset page;
    nothing for other pages (project pages are not indexed)."""
    if page.kind not in FILTERED_KINDS or lang not in KINDS:
        return {}
    return {"search_filters": facets(site).filters(page.kind, owner_of(page), lang)}


class Facets:
    """Each page's search filters, computed from the data once per build.

    Values are the names readers see (``Huyện Trùng Khánh``, ``Trung Khanh District``), so
    the search page can list them without a lookup table.
    """

    def __init__(self, site: SiteData) -> None:
        self.site = site
        self.units = site.index("admin-units", "unit_id")
        self.establishments = site.index("establishments", "establishment_id")
        self.projects = site.index("projects", "project_id")
        self.by_establishment: dict[str, list[dict]] = defaultdict(list)
        for row in site.records("projects"):
            self.by_establishment[row["establishment_id"]].append(row)
        self.formed_from: dict[str, list[str]] = defaultdict(list)
        for row in site.records("unit-crosswalk"):
            self.formed_from[row["to_unit_id"]].append(row["from_unit_id"])
        self.districts: dict[tuple[str | None, str], list[str]] = {}

    def filters(self, kind: str, owner: str | None, lang: str) -> list[tuple[str, str]]:
        """(filter, value) pairs of one page, sorted and without duplicates."""
        pairs: set[tuple[str, str]] = set()
        if kind in KINDS[lang]:
            pairs.add(("kind", KINDS[lang][kind]))
        if kind == "project":
            pairs |= self.project_pairs(self.projects.get(owner), lang)
        elif kind == "establishment":
            pairs |= self.establishment_pairs(owner, lang)
        elif kind == "story":
            pairs |= self.establishment_pairs(self.story_establishment(owner), lang)
        return sorted(pairs)

    def story_establishment(self, slug: str | None) -> str | None:
        return next((s.establishment_id for s in self.site.stories if s.slug == slug), None)

    def establishment_pairs(self, ident: str | None, lang: str) -> set[tuple[str, str]]:
        """Its sector, where it is today, and every project's district and content."""
        e = self.establishments.get(ident)
        if e is None:
            return set()
        pairs = {("district", d) for d in self.districts_of(e["commune_id"], lang)}
        pairs |= self.sector_pairs(e, lang)
        for project in self.by_establishment.get(ident, []):
            pairs |= self.project_pairs(project, lang)
        return pairs

    def project_pairs(self, p: dict | None, lang: str) -> set[tuple[str, str]]:
        """The district of its place in the plan year, its content, its establishment's sector."""
        if p is None:
            return set()
        pairs = {("district", d) for d in self.districts_of(p["unit_id"], lang)}
        content = self.site.index("content-types", "code").get(p["content_type"])
        if content is not None:
            pairs.add(("content", name_in(content, lang)))
        pairs |= self.sector_pairs(self.establishments.get(p["establishment_id"]), lang)
        return pairs

    def sector_pairs(self, e: dict | None, lang: str) -> set[tuple[str, str]]:
        if e is None:
            return set()
        sector = self.site.index("sectors", "code").get(e["sector"])
        return {("sector", name_in(sector, lang))} if sector else set()

    def districts_of(self, unit_id: str | None, lang: str) -> list[str]:
        """The district a unit lies in: its parent chain, or (for units formed after the
        districts were abolished in 2025) the districts of the units it was formed from."""
        key = (unit_id, lang)
        if key not in self.districts:  # asked once per project page: remember the answer
            found = self.district_ids(unit_id, set())
            self.districts[key] = sorted(name_in(self.units[d], lang) for d in found)
        return self.districts[key]

    def district_ids(self, unit_id: str | None, seen: set[str]) -> set[str]:
        if unit_id is None or unit_id in seen or unit_id not in self.units:
            return set()
        seen.add(unit_id)
        unit = self.units[unit_id]
        if unit["level"] == "district":
            return {unit_id}
        if unit["level"] == "province":
            return set()
        parent = self.district_ids(unit.get("parent_id"), seen)
        if parent:
            return parent
        return set().union(*(self.district_ids(source, seen)
                             for source in self.formed_from.get(unit_id, [])))


@prepare("search-facets")  # story templates read them from site.cache
def facets(site: SiteData) -> Facets:
    """The build's ``Facets``, created once and kept where templates find it."""
    return site.memo(FACETS_KEY, lambda: Facets(site))


@register("search")
def search_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """``/search/`` in this language; also makes the filters available to every template."""
    facets(site)
    text = TEXT[lang]
    yield Page("search/", "search.html", {
        "search_text": text, "filter_names": FILTERS,
        "browse": [(url, label) for url, label in BROWSE[lang]],
    }, "search", text["title"])
