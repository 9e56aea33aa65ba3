"""The data-quality page: per dataset the validation date, result, rows and warnings."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, TINY, write_content, write_package

from pipeline import build, quality_pages
from pipeline.load import load_package
from pipeline.pages import SiteData
from pipeline.report import Problem, Report

EPOCH = "1795651200"  # 2026-11-26


def warning(resource: str | None, field: str | None, value: str | None, row: int = 2,
            kind: str = "surrounding-whitespace") -> Problem:
    return Problem(type=kind, file=f"{resource or 'stories/x'}.csv", message_vi="vi",
                   message_en="en", resource=resource, row=row, field=field, value=value,
                   severity="warning")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> SiteData:
    """The tiny package as the page builders see it."""
    root = write_package(tmp_path_factory.mktemp("quality") / "data", TINY)
    package, _ = load_package(root)
    return SiteData(package, {"KC_BUILD_DATE": "2026-11-26"})


@pytest.mark.parametrize(("problem", "value"), [
    (warning("projects", "title_en", " Blacksmith "), " Blacksmith "),
    (warning("establishments", "owner_name", "Nông Văn Lạc "), None),   # private: withheld
    (warning("establishments", "phone", "0912345678 "), None),
    (warning("projects", None, None, kind="plan-missing"), ""),
    (warning("projects", "outputs_en", "x" * 200), "x" * 79 + "…"),
    # photo checks name "images", which is not a resource of the package
    (warning("images", "photo", "e-04-0001", kind="image-showcase-without-photo"), "e-04-0001"),
])
def test_a_warning_quotes_its_value_unless_the_field_is_private(site, problem, value):
    assert value == quality_pages.warning_row(site, problem, "en")["value"]


def test_sections_list_every_dataset_then_stories_with_warnings(site):
    report = Report([warning("projects", "title_en", "a "), warning("projects", "title_vi", "b "),
                     warning(None, None, None, kind="story-missing-photo")])
    found = quality_pages.sections(site, report, "en")
    expected = [(name, len(site.frame(name)), {"projects": 2}.get(name, 0))
                for name in site.package.resource_names] + [(None, None, 1)]
    assert expected == [(s["name"], s["rows"], s["count"]) for s in found]
    assert "Passed with 2 warnings" == found[site.package.resource_names.index("projects")][
        "result"]
    assert ["Passed"] == sorted({s["result"] for s in found if not s["count"]})


def test_many_warnings_are_counted_by_type_and_the_rest_summarised(site):
    many = [warning("projects", "title_en", f"t{n} ", row=n + 2) for n in range(60)]
    many += [warning("projects", None, None, kind="plan-missing")] * 3
    section = quality_pages.section(site, "projects", many, "vi")
    assert [("plan-missing", 3), ("surrounding-whitespace", 60)] == section["by_type"]
    assert (quality_pages.MAX_SHOWN, 63 - quality_pages.MAX_SHOWN) == (
        len(section["warnings"]), section["more"])
    assert "Đạt, có 63 cảnh báo" == section["result"]


# -- the page in a real build -------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A tiny package with warnings (one in a private field) published with a fixed date."""
    rows = copy.deepcopy(TINY)
    rows["projects"][2]["title_en"] = " Blacksmith training, 2021 "
    rows["establishments"][1]["owner_name"] = "Nông Văn Lạc "
    root = tmp_path_factory.mktemp("quality-site")
    data = write_package(root / "data", rows)
    content = write_content(root / "content")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        package, report = build.validate(data, content)
        assert report.ok
        assert 2 == len(report.warnings)
        build.build(package, ROOT / "pelicanconf.py", root / "output", content, report=report)
    return root / "output"


def page(built: Path, lang: str) -> BeautifulSoup:
    path = built / ("" if lang == "vi" else "en") / "data-quality" / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize(("lang", "date", "result"), [
    ("vi", "26/11/2026", "Đạt, có 1 cảnh báo"), ("en", "26 Nov 2026", "Passed with 1 warnings"),
])
def test_the_page_dates_each_dataset_and_gives_its_result(built, lang, date, result):
    summary = page(built, lang).find("table")
    rows = {tr.th.find(class_="kc-id").get_text(): [td.get_text(strip=True)
                                                     for td in tr.find_all("td")]
            for tr in summary.tbody.find_all("tr")}
    assert [date, "3", result] == rows["projects"]
    assert [date, "2", result] == rows["establishments"]
    assert {date} == {cells[0] for cells in rows.values()}
    assert summary.find("time")["datetime"] == "2026-11-26"


def test_the_page_lists_each_warning_and_withholds_private_values(built):
    soup = page(built, "en")
    listed = [(section.find_previous("h2")["id"], tr.th.get_text(strip=True),
               *(td.get_text(" ", strip=True) for td in tr.find_all("td")))
              for section in soup.find_all("table", class_="kc-quality")[1:]
              for tr in section.tbody.find_all("tr")]
    message = "The cell has leading or trailing spaces; remove them. ( surrounding-whitespace )"
    assert [("q-establishments", "3", "owner_name", "(withheld)", message),
            ("q-projects", "4", "title_en", "Blacksmith training, 2021", message)] == listed
    assert "Nông Văn Lạc" not in soup.get_text()


def test_the_footer_links_the_page_in_both_languages(built):
    links = [a["href"] for a in page(built, "vi").footer.find_all("a")]
    assert "/data-quality/" in links
    assert "/en/data-quality/" in [a["href"] for a in page(built, "en").footer.find_all("a")]
