"""Integration: build the whole site from the tiny package and read it back with BeautifulSoup.

One build per session (the `tiny_site` fixture in conftest); every test reads the same output.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from pipeline.checks import broken_links, external_loads

PRIVATE_VALUES = ["Nông Văn Lạc", "0912345678"]


@pytest.fixture(scope="session")
def site(tiny_site) -> Path:
    """The tiny site, built once per session (conftest)."""
    return tiny_site


def soup(site: Path, address: str) -> BeautifulSoup:
    path = site / address.lstrip("/")
    path = path / "index.html" if address in ("", "en/") or address.endswith("/") else path
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


PAGES = [
    "", "establishments/", "establishments/by-amount/", "establishments/by-projects/",
    "establishments/e-04-0001/", "establishments/e-04-0002/", "projects/",
    "projects/by-amount/", "projects/by-title/", "projects/p-04-2019-001/",
    "projects/p-04-2021-001/", "projects/p-04-2021-002/", "districts/", "districts/049/",
    "districts/049-2020/", "districts/051/", "communes/", "communes/01654-2025/",
    "communes/01576-2025/", "contents/", "contents/mhtd/", "contents/dt/", "contents/ldlk/",
    "contents/htqt/", "sectors/", "sectors/wood/", "sectors/mech/", "sectors/food/",
    "years/", "years/2019/", "years/2020/", "years/2021/", "stories/", "stories/bamboo/",
    "data-notes/",
]


@pytest.mark.parametrize("address", PAGES)
@pytest.mark.parametrize("prefix", ["", "en/"])
def test_every_expected_page_exists_in_both_languages(site, address, prefix):
    page = soup(site, prefix + address)
    assert ("en" if prefix else "vi") == page.html["lang"]
    assert len(page.find_all("main", id="main-content")) == 1
    assert page.find("a", class_="kc-skip")["href"] == "#main-content"


@pytest.mark.parametrize("address", PAGES)
def test_language_switch_points_to_the_counterpart(site, address):
    vi, en = soup(site, address), soup(site, "en/" + address)
    assert "/en/" + address == vi.find("a", class_="kc-lang__link")["href"]
    assert "/" + address == en.find("a", class_="kc-lang__link")["href"]
    assert "/en/" + address == vi.find("link", hreflang="en")["href"]


@pytest.mark.parametrize(("address", "expected"), [
    ("establishments/e-04-0001/", "400.000.000\u00a0₫"),
    ("en/establishments/e-04-0001/", "₫400,000,000"),
    ("establishments/e-04-0001/", "1.600.000.000\u00a0₫"),
    ("en/establishments/e-04-0001/", "₫1,600,000,000"),
    ("projects/p-04-2021-001/", "01/05/2021"),
    ("en/projects/p-04-2021-001/", "1 May 2021"),
    ("projects/p-04-2021-001/", "Quốc gia"),
    ("en/projects/p-04-2021-001/", "National"),
    ("stories/bamboo/", "400.000.000\u00a0₫"),
    ("en/stories/bamboo/", "₫400,000,000"),
    ("en/", "VND 0.6 billion"),
    ("", "0,6 tỷ đồng"),
])
def test_numbers_and_dates_are_formatted_per_language(site, address, expected):
    assert expected in soup(site, address).main.get_text()


@pytest.mark.parametrize(("address", "expected"), [
    ("contents/ldlk/", "Chưa có đề án"),
    ("contents/ldlk/", "Chưa triển khai tại Cao Bằng"),
    ("en/contents/htqt/", "No projects yet"),
    ("en/contents/htqt/", "Never implemented in Cao Bằng"),
])
def test_unused_contents_say_no_projects_and_why(site, address, expected):
    assert expected in soup(site, address).main.get_text()


def test_establishment_page_links_story_csv_and_places(site):
    main = soup(site, "establishments/e-04-0001/").main
    hrefs = {a["href"] for a in main.find_all("a")}
    expected = {"/stories/bamboo/", "/establishments/e-04-0001/e-04-0001.csv",
                "/communes/01654-2025/", "/districts/051/", "/projects/p-04-2021-001/",
                "/sectors/wood/"}
    assert expected == expected & hrefs


def test_establishment_csv_has_its_rows_and_no_private_field(site):
    text = (site / "establishments/e-04-0002/e-04-0002.csv").read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    assert [row.split(",")[0] for row in rows] == ["p-04-2019-001"]
    assert "owner_name" not in header and "phone" not in header


def test_no_private_value_reaches_any_page(site):
    leaked = [(path.name, value) for path in site.rglob("*") if path.is_file()
              and path.suffix in {".html", ".csv", ".xml"}
              for value in PRIVATE_VALUES if value in path.read_text(encoding="utf-8")]
    assert leaked == []


def test_every_page_carries_the_sample_data_notice(site):
    pages = sorted(site.rglob("*.html"))
    without = [p.relative_to(site).as_posix() for p in pages
               if 'class="kc-notice"' not in p.read_text(encoding="utf-8")]
    assert without == []


def test_every_internal_link_and_asset_resolves(site):
    assert broken_links(site) == []


def test_no_page_loads_anything_from_another_host(site):
    assert external_loads(site) == []


def test_every_html_page_is_under_60_kb(site):
    large = [(p.relative_to(site).as_posix(), p.stat().st_size) for p in site.rglob("*.html")
             if p.stat().st_size >= 60_000]
    assert large == []


def test_tables_have_captions_and_scoped_headers(site):
    for address in ("establishments/", "projects/", "establishments/e-04-0001/", "years/2021/"):
        for table in soup(site, address).find_all("table"):
            assert table.caption is not None and table.caption.get_text(strip=True)
            assert all(th.get("scope") in {"col", "row"} for th in table.find_all("th"))


def test_navigation_marks_the_current_section(site):
    nav = soup(site, "en/projects/p-04-2019-001/").find("nav", class_="kc-nav")
    current = {a.get_text(): a["aria-current"] for a in nav.find_all("a")
               if a.has_attr("aria-current")}
    assert current == {"Projects": "true"}


@pytest.mark.parametrize(("address", "first"), [
    ("projects/p-04-2021-002/", ("Mã đề án", "project_id", "p-04-2021-002")),
    ("en/projects/p-04-2021-002/", ("Project id", "project_id", "p-04-2021-002"))])
def test_a_project_page_lists_every_public_field_with_a_dash_for_missing(site, address,
                                                                         first):
    import yaml

    schema = yaml.safe_load((Path(__file__).parent.parent / "data" / "schemas"
                             / "projects.yaml").read_text(encoding="utf-8"))
    public = [f["name"] for f in schema["fields"] if not f.get("private")]
    table = soup(site, address).find("details", class_="kc-details").find("table")
    rows = [tuple(cell.get_text() for cell in row.find_all(["th", "td"]))
            for row in table.find("tbody").find_all("tr")]
    assert public == [row[1] for row in rows]
    assert first == rows[0]
    assert "—" == dict((row[1], row[2]) for row in rows)["establishment_id"]


def test_an_establishment_csv_holds_its_rows_of_the_published_projects_csv(site):
    """Made from the same public values as ``data/projects.csv``, each cell written alike."""
    published = list(csv.reader(io.StringIO(
        (site / "data" / "projects.csv").read_text(encoding="utf-8"))))
    own = list(csv.reader(io.StringIO(
        (site / "establishments/e-04-0001/e-04-0001.csv").read_text(encoding="utf-8"))))
    column = published[0].index("establishment_id")
    assert own[0] == published[0]
    assert sorted(own[1:]) == sorted(r for r in published[1:] if r[column] == "e-04-0001")
    assert len(own) > 1
