"""The data-quality page (`/data-quality/`): the checks as a reader sees them, per dataset.

For each dataset it says when the data was validated (the build's reproducible date,
``KC_BUILD_DATE``), with what result, how many rows, and every warning of the validation
report (``KC_REPORT``, passed in by the build) with its row, field and message. Errors never
appear: a package with errors is never published. Values of private fields are never shown,
not even in a warning.

Interface labels live in ``TEXT`` (both languages), like the dataset pages, so this module
and ``theme/templates/data_quality.html`` change without touching the gettext catalogue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pipeline import catalog
from pipeline.pages import Page, SiteData, register
from pipeline.release import release_date
from pipeline.report import Problem, Report

URL = "data-quality/"
MAX_SHOWN = 50  # warnings listed per dataset; the counts by type cover the rest
MAX_VALUE = 80  # characters of a quoted value

TEXT = {
    "vi": {
        "title": "Chất lượng dữ liệu",
        "intro": "Mỗi lần xuất bản, toàn bộ dữ liệu được kiểm tra theo lược đồ bảng (kiểu, "
                 "ràng buộc, khóa, khóa ngoại), theo các quy định của chương trình khuyến "
                 "công và theo tiêu đề các câu chuyện. Có lỗi thì không xuất bản; cảnh báo "
                 "được liệt kê dưới đây.",
        "after": "Sau khi dựng trang, gói dữ liệu công bố (datapackage.json) được Frictionless "
                 "kiểm tra lại cùng mã băm SHA-256 của từng tệp, và mọi liên kết nội bộ, mọi "
                 "trường dữ liệu cá nhân đều được rà soát trước khi trang mới thay trang cũ.",
        "validated": "Ngày kiểm tra", "dataset": "Bộ dữ liệu", "rows": "Số dòng",
        "result": "Kết quả", "warnings": "Cảnh báo", "passed": "Đạt",
        "passed_warnings": "Đạt, có {n} cảnh báo", "no_warnings": "Không có cảnh báo.",
        "row": "Dòng", "field": "Trường", "value": "Giá trị", "message": "Nội dung",
        "type": "Loại", "count": "Số lần", "withheld": "(không công bố)",
        "more": "Và {n} cảnh báo khác; số lần theo loại ở bảng trên.",
        "other": "Câu chuyện và ảnh", "file": "Tệp", "summary": "Tóm tắt",
        "by_type": "Cảnh báo theo loại",
    },
    "en": {
        "title": "Data quality",
        "intro": "Every publication checks all the data against the table schemas (types, "
                 "constraints, keys, foreign keys), the rules of the industrial-promotion "
                 "programme and the headers of the stories. Data with errors is never "
                 "published; warnings are listed below.",
        "after": "After the pages are built, the published data package (datapackage.json) is "
                 "validated again with Frictionless, including each file's SHA-256 hash, and "
                 "every internal link and every private field is checked before the new site "
                 "replaces the old one.",
        "validated": "Validated on", "dataset": "Dataset", "rows": "Rows",
        "result": "Result", "warnings": "Warnings", "passed": "Passed",
        "passed_warnings": "Passed with {n} warnings", "no_warnings": "No warnings.",
        "row": "Row", "field": "Field", "value": "Value", "message": "Message",
        "type": "Type", "count": "Count", "withheld": "(withheld)",
        "more": "And {n} more warnings; the counts by type are in the table above.",
        "other": "Stories and photos", "file": "File", "summary": "Summary",
        "by_type": "Warnings by type",
    },
}


def shown_value(site: SiteData, problem: Problem) -> str | None:
    """The value a warning quotes, unless it belongs to a private field (then None)."""
    if problem.value is None:
        return ""
    if (problem.resource in site.package.resource_names
            and problem.field in site.package.private_fields(problem.resource)):
        return None
    text = str(problem.value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def warning_row(site: SiteData, problem: Problem, lang: str) -> dict:
    return {"row": problem.row, "field": problem.field or "", "type": problem.type,
            "file": problem.file, "value": shown_value(site, problem),
            "message": problem.message_vi if lang == "vi" else problem.message_en}


def result_text(warnings: list[Problem], lang: str) -> str:
    t = TEXT[lang]
    return t["passed_warnings"].format(n=len(warnings)) if warnings else t["passed"]


def section(site: SiteData, name: str | None, warnings: list[Problem], lang: str) -> dict:
    """One dataset (or, with ``name`` None, the stories and photos) and its warnings."""
    title = (catalog.bilingual(site.package.resource(name).get("title", name), lang)
             if name else TEXT[lang]["other"])
    return {
        "name": name, "title": title, "url": f"datasets/{name}/" if name else None,
        "rows": len(site.frame(name)) if name else None,
        "result": result_text(warnings, lang), "count": len(warnings),
        "by_type": sorted(Counter(p.type for p in warnings).items()),
        "warnings": [warning_row(site, p, lang) for p in warnings[:MAX_SHOWN]],
        "more": max(0, len(warnings) - MAX_SHOWN),
    }


def sections(site: SiteData, report: Report | None, lang: str) -> list[dict]:
    """Every dataset in descriptor order, then the stories and photos if they have warnings."""
    warnings = report.warnings if report is not None else []
    found = [section(site, name, [p for p in warnings if p.resource == name], lang)
             for name in site.package.resource_names]
    names = set(site.package.resource_names)
    other = [p for p in warnings if p.resource not in names]
    return found + ([section(site, None, other, lang)] if other else [])


@register("data-quality")
def quality_page(site: SiteData, lang: str) -> Iterator[Page]:
    """``/data-quality/`` in each language."""
    report = site.settings.get("KC_REPORT")
    datasets = sections(site, report, lang)
    yield Page(URL, "data_quality.html", {
        "t": TEXT[lang], "validated": site.settings.get("KC_BUILD_DATE") or release_date(),
        "datasets": datasets, "total": sum(d["count"] for d in datasets),
    }, "data-quality", TEXT[lang]["title"])
