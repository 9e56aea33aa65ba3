"""Dataset and release pages, built from the tiny package with two recorded releases.

One build per module: the tiny package recorded as 0.1.0, edited (a project added, one
removed, one changed, a private phone changed) and recorded as 0.2.0, then built.
"""

from __future__ import annotations

import csv
import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, TINY, write_content, write_package
from test_release import edit_second

from pipeline import build, release
from pipeline.checks import broken_links
from pipeline.dataset_pages import TEXT, change_summary, constraint_text

EPOCH = "1795780800"  # 2026-11-27, the build date the citation shows
RESOURCES = ["admin-units", "unit-crosswalk", "content-types", "sectors", "establishments",
             "projects", "annual-plans"]
PRIVATE_VALUES = ["Nông Văn Lạc", "0912345678", "0987654321"]


def built(root: Path, content: Path) -> Path:
    package, report = build.validate(root / "data", content)
    assert report.ok, report.to_dict()
    build.build(package, ROOT / "pelicanconf.py", root / "output", content)
    return root / "output"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Two releases recorded beside the data, then the site built from the second."""
    root = tmp_path_factory.mktemp("datasets")
    rows = json.loads(json.dumps(TINY))
    write_package(root / "data", rows)
    release.record_release(root / "data", root / "releases", "0.1.0", "2026-11-01")
    edit_second(rows)
    write_package(root / "data", rows)
    release.record_release(root / "data", root / "releases", "0.2.0", "2026-11-20")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return built(root, write_content(root / "content"))


def soup(site: Path, address: str) -> BeautifulSoup:
    path = site / address / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def jsonld(page: BeautifulSoup) -> dict:
    return json.loads(page.find("script", type="application/ld+json").string)


ADDRESSES = ["datasets", *(f"datasets/{n}" for n in RESOURCES), "datasets/releases/0.1.0",
             "datasets/releases/0.2.0"]


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("prefix", ["", "en/"])
def test_every_dataset_page_exists_in_both_languages(site, prefix, address):
    page = soup(site, prefix + address)
    expected = ("vi" if not prefix else "en", 1)
    assert expected == (page.html["lang"], len(page.find_all("h1")))


@pytest.mark.parametrize(("address", "lang", "name"), [
    ("datasets", "vi", "Khuyến công Cao Bằng — dữ liệu mở (Industrial promotion in Cao Bằng — "
                       "open data)"),
    ("datasets/projects", "vi", "Đề án khuyến công (Projects)"),
    ("en/datasets/establishments", "en", "Cơ sở công nghiệp nông thôn được hỗ trợ "
                                         "(Supported establishments)"),
])
def test_pages_carry_schema_org_dataset_json_ld(site, address, lang, name):
    document = jsonld(soup(site, address))
    expected = {"type": "Dataset", "name": name, "version": "0.2.0",
                "license": "https://creativecommons.org/licenses/by/4.0/",
                "description_ok": True, "has_distribution": True}
    actual = {"type": document["@type"], "name": document["name"],
              "version": document["version"], "license": document["license"],
              "description_ok": 50 <= len(document["description"]) <= 5000,
              "has_distribution": bool(document["distribution"])}
    assert expected == actual


def download_cells(page: BeautifulSoup) -> list[tuple[str, str, str]]:
    table = page.find("table", class_="kc-downloads")
    return [(row.th.a["href"], row.find_all("td")[-2].get_text(strip=True),
             row.find_all("td")[-1].get_text(strip=True)) for row in table.tbody.find_all("tr")]


@pytest.mark.parametrize("name", ["projects", "establishments", "sectors"])
def test_download_links_show_the_files_exact_size_and_hash(site, name):
    expected = []
    for suffix in ("csv", "json"):
        data = (site / "data" / f"{name}.{suffix}").read_bytes()
        expected.append((f"/data/{name}.{suffix}", f"{len(data):,}".replace(",", "."),
                         hashlib.sha256(data).hexdigest()))
    assert expected == download_cells(soup(site, f"datasets/{name}"))


def dictionary(page: BeautifulSoup) -> dict[str, list[str]]:
    rows = page.find("table", class_="kc-dictionary").tbody.find_all("tr")
    return {row.th.code.get_text(): [td.get_text(" ", strip=True) for td in row.find_all("td")]
            for row in rows}


@pytest.mark.parametrize(("address", "field", "expected"), [
    ("datasets/projects", "year", ["integer", "bắt buộc; từ 2012 đến 2030",
                                   "Năm kế hoạch kinh phí khuyến công của đề án."]),
    ("en/datasets/projects", "level", ["string", "required; one of: national, local",
                                       "national (central budget) or local (provincial "
                                       "budget) industrial promotion."]),
    ("en/datasets/establishments", "phone", ["string", "Withheld (personal data)",
                                             "Contact phone. Personal data, never published."]),
    ("datasets/establishments", "owner_name", ["string", "Không công bố (dữ liệu cá nhân)",
                                               "Họ tên chủ hộ kinh doanh. Dữ liệu cá nhân, "
                                               "không công bố."]),
])
def test_the_data_dictionary_comes_from_the_schema(site, address, field, expected):
    assert expected == dictionary(soup(site, address))[field]


def test_the_dictionary_lists_every_field_in_schema_order(site):
    schema = json.loads((site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    public = [f["name"] for f in next(r for r in schema["resources"]
                                      if r["name"] == "establishments")["schema"]["fields"]]
    expected = [*public, "owner_name", "phone"]
    assert expected == list(dictionary(soup(site, "datasets/establishments")))


@pytest.mark.parametrize("name", RESOURCES)
def test_the_preview_shows_the_first_rows_of_the_csv_without_private_fields(site, name):
    table = soup(site, f"datasets/{name}").find("table", class_="kc-preview")
    header = [th.get_text() for th in table.thead.find_all("th")]
    body = [[cell.get_text() for cell in row.find_all(["th", "td"])]
            for row in table.tbody.find_all("tr")]
    lines = (site / "data" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    rows = list(csv.reader(lines))
    assert (rows[0], rows[1:11]) == (header, body)


@pytest.mark.parametrize(("address", "expected"), [
    ("datasets", "phiên bản 0.2.0 (ngày phát hành 2026-11-27)"),
    ("en/datasets/projects", "Projects, version 0.2.0 (released 2026-11-27)"),
])
def test_the_citation_names_version_and_date(site, address, expected):
    assert expected in soup(site, address).find("cite").get_text()


@pytest.mark.parametrize(("address", "expected"), [
    ("datasets/projects", "20/11/2026"),        # projects changed in 0.2.0
    ("datasets/establishments", "01/11/2026"),  # only a private field changed: not published
    ("en/datasets", "20 Nov 2026"),
])
def test_the_last_change_is_the_latest_release_that_changed_the_data(site, address, expected):
    facts = soup(site, address).find("dl", class_="kc-facts").find_all("time")
    assert expected == facts[0].get_text()


def changes(page: BeautifulSoup) -> dict:
    sections = {}
    for section in page.find_all("section", class_="kc-changes"):
        added, removed = section.find("ul", class_="kc-added"), section.find("ul", "kc-removed")
        table = section.find("table", class_="kc-changed")
        sections[section["id"]] = {
            "added": [li.get_text() for li in added.find_all("li")] if added else [],
            "removed": [li.get_text() for li in removed.find_all("li")] if removed else [],
            "changed": [[c.get_text() for c in row.find_all(["th", "td"])]
                        for row in table.tbody.find_all("tr")] if table else []}
    return sections


def test_the_release_page_lists_exactly_the_rows_added_removed_and_changed(site):
    expected = {
        "projects": {
            "added": ["p-04-2021-003 — Đào tạo nghề rèn đợt hai"],
            "removed": ["p-04-2021-002 — Đào tạo nghề rèn năm 2021"],
            "changed": [["p-04-2019-001", "disbursed_vnd", "150000000", "140000000"],
                        ["outputs_en", "Installed 2 machines", "Installed 2 machines (audited)"]],
        },
        "annual-plans": {"added": [], "removed": [],
                         "changed": [["04 · 2019 · local", "disbursed_vnd", "150000000",
                                      "140000000"]]},
    }
    assert expected == changes(soup(site, "datasets/releases/0.2.0"))


def test_the_english_release_page_labels_rows_in_english(site):
    projects = changes(soup(site, "en/datasets/releases/0.2.0"))["projects"]
    expected = ["p-04-2021-003 — Blacksmith training, second course"]
    assert expected == projects["added"]


def test_the_first_release_page_says_so(site):
    page = soup(site, "en/datasets/releases/0.1.0")
    expected = ({}, True)
    assert expected == (changes(page), "The first release." in page.get_text())


def test_release_files_stay_downloadable_byte_for_byte(site):
    releases = site.parent / "releases"
    for version in ("0.1.0", "0.2.0"):
        names = sorted(p.name for p in (releases / version).iterdir())
        published = sorted(p.name for p in (site / "data" / "releases" / version).iterdir())
        assert names == published
        assert all((releases / version / n).read_bytes()
                   == (site / "data" / "releases" / version / n).read_bytes() for n in names)


ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize(("feed", "titles"), [
    ("datasets/releases.atom", ["Phiên bản dữ liệu 0.2.0", "Phiên bản dữ liệu 0.1.0"]),
    ("en/datasets/releases.atom", ["Data release 0.2.0", "Data release 0.1.0"]),
])
def test_the_atom_feed_announces_each_release_newest_first(site, feed, titles):
    root = ET.parse(site / feed).getroot()
    entries = root.findall(f"{ATOM}entry")
    expected = (titles, "2026-11-20T00:00:00Z", "projects: +1 −1 ~1; annual-plans: +0 −0 ~1")
    actual = ([e.findtext(f"{ATOM}title") for e in entries], root.findtext(f"{ATOM}updated"),
              entries[0].findtext(f"{ATOM}summary"))
    assert expected == actual


def test_the_package_page_links_every_resource_release_and_the_feed(site):
    hrefs = {a["href"] for a in soup(site, "datasets").find_all("a", href=True)}
    expected = {*(f"/datasets/{n}/" for n in RESOURCES), "/datasets/releases/0.1.0/",
                "/datasets/releases/0.2.0/", "/datasets/releases.atom",
                "/data/khuyen-cong-cao-bang.xlsx", "/data/khuyen-cong-cao-bang.zip",
                "/data/datapackage.json", "/data/catalog.jsonld", "/data.json"}
    assert expected <= hrefs


def test_no_private_value_reaches_any_page(site):
    texts = [p.read_bytes().decode("utf-8", "ignore") for p in site.rglob("*") if p.is_file()]
    assert not [v for v in PRIVATE_VALUES for text in texts if v in text]


def test_a_leaked_private_value_fails_the_build_and_keeps_the_old_output(site, tmp_path):
    root = tmp_path
    write_package(root / "data", TINY)
    content = write_content(root / "content")
    (content / "pages" / "leak.md").write_text(
        "Title: Liên hệ\nSlug: leak\nLang: vi\n\nGọi 0912345678.\n", encoding="utf-8")
    (root / "output").mkdir()
    (root / "output" / "old.html").write_text("old", encoding="utf-8")
    package, _ = build.validate(root / "data", content)
    leak = r"privacy: leak/index\.html: a value of establishments\.phone"
    with pytest.raises(build.BuildFailed, match=leak):
        build.build(package, ROOT / "pelicanconf.py", root / "output", content)
    expected = ["old.html"]
    assert expected == [p.name for p in (root / "output").iterdir()]


@pytest.mark.parametrize(("spec", "lang", "expected"), [
    ({"constraints": {"required": True, "unique": True}}, "en", "required; unique"),
    ({"constraints": {"minimum": 0}}, "en", "≥ 0"),
    ({"constraints": {"maximum": 5}}, "vi", "≤ 5"),
    ({"constraints": {"minimum": 3, "maximum": 5}}, "vi", "từ 3 đến 5"),
    ({"constraints": {"maxLength": 200}}, "en", "at most 200 characters"),
    ({"constraints": {"enum": ["a", "b"]}}, "vi", "một trong: a, b"),
    ({"constraints": {"pattern": "[0-9]{2}"}}, "en", "pattern: [0-9]{2}"),
    ({}, "en", ""),
])
def test_constraint_text(spec, lang, expected):
    assert expected == constraint_text(spec, TEXT[lang])


@pytest.mark.parametrize(("summary", "expected"), [
    ({"previous": None, "changes": {}}, "The first release."),
    ({"previous": "0.1.0", "changes": {"a": {"added": 0, "removed": 0, "changed": 0}}},
     "No change."),
    ({"previous": "0.1.0", "changes": {"a": {"added": 2, "removed": 0, "changed": 1},
                                       "b": {"added": 0, "removed": 0, "changed": 0}}},
     "a: +2 −0 ~1"),
])
def test_change_summary(summary, expected):
    assert expected == change_summary(summary, TEXT["en"])


def test_every_link_of_the_dataset_and_release_pages_resolves(site):
    assert not broken_links(site)
