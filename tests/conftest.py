"""Shared fixtures: tiny data packages written into tmp_path.

Generic behaviour is tested on a package small enough to read in one screen, built from the
real schemas (so a schema change is tested too) but not from the shipped sample rows.
"""

from __future__ import annotations

import copy
import csv
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

UNIT = dict(province_code="04", parent_id="04", valid_from="", valid_to="2025-06-30",
            level="district", type_vi="Huyện")
TINY: dict[str, list[dict]] = {
    "admin-units": [
        dict(UNIT, unit_id="04", code="04", level="province", type_vi="Tỉnh",
             name_vi="Tỉnh Cao Bằng", name_en="Cao Bằng Province", parent_id="", valid_to=""),
        dict(UNIT, unit_id="049", code="049", name_vi="Huyện Quảng Uyên",
             name_en="Quảng Uyên District", valid_to="2020-02-29"),
        dict(UNIT, unit_id="049-2020", code="049", name_vi="Huyện Quảng Hòa",
             name_en="Quảng Hòa District", valid_from="2020-03-01"),
        dict(UNIT, unit_id="051", code="051", name_vi="Huyện Hòa An", name_en="Hòa An District"),
        dict(UNIT, unit_id="01654-2025", code="01654", level="commune", type_vi="Xã",
             name_vi="Xã Hòa An", name_en="Hòa An Commune", valid_from="2025-07-01", valid_to=""),
        dict(UNIT, unit_id="01576-2025", code="01576", level="commune", type_vi="Xã",
             name_vi="Xã Quảng Uyên", name_en="Quảng Uyên Commune", valid_from="2025-07-01",
             valid_to=""),
    ],
    "unit-crosswalk": [
        dict(from_unit_id="049", to_unit_id="049-2020", relation="merged",
             effective_date="2020-03-01", legal_basis="Nghị quyết 897/NQ-UBTVQH14"),
        dict(from_unit_id="049-2020", to_unit_id="01576-2025", relation="part",
             effective_date="2025-07-01", legal_basis="Nghị quyết 1657/NQ-UBTVQH15"),
        dict(from_unit_id="051", to_unit_id="01654-2025", relation="part",
             effective_date="2025-07-01", legal_basis="Nghị quyết 1657/NQ-UBTVQH15"),
    ],
    "establishments": [
        dict(establishment_id="e-04-0001", province_code="04",
             name="Công ty cổ phần Chế biến tre trúc Hòa An", legal_form="enterprise",
             sector="WOOD", products_vi="đũa tre; ván ghép tre",
             products_en="bamboo chopsticks; bamboo board",
             commune_id="01654-2025", address="Xóm Nà Mạ", latitude="22.70000",
             longitude="106.20000", founded_year="2005", employees="40", ocop_stars="",
             typical_product_level="region", typical_product_year="2019", showcase="true",
             owner_name="", phone=""),
        dict(establishment_id="e-04-0002", province_code="04",
             name="Hộ kinh doanh Lò rèn Phúc Sen", legal_form="household", sector="MECH",
             products_vi="dao rèn", products_en="forged knives", commune_id="01576-2025",
             address="Xóm Khuổi Rài", latitude="", longitude="", founded_year="1999",
             employees="5", ocop_stars="3", typical_product_level="", typical_product_year="",
             showcase="false", owner_name="Nông Văn Lạc", phone="0912345678"),
    ],
    "projects": [
        dict(project_id="p-04-2019-001", province_code="04", year="2019",
             title_vi="Hỗ trợ ứng dụng máy móc thiết bị tiên tiến trong sản xuất dao rèn",
             title_en="Support for advanced machinery in producing forged knives",
             level="local", content_type="MHTD", activity_type="machinery",
             establishment_id="e-04-0002", unit_id="049", implementing_unit="Trung tâm Khuyến công",
             state_support_vnd="150000000", counterpart_vnd="450000000",
             disbursed_vnd="150000000", status="completed", approval_decision="123/QĐ-UBND",
             start_date="2019-04-01", end_date="2019-11-20", outputs_vi="Lắp đặt 2 máy",
             outputs_en="Installed 2 machines"),
        dict(project_id="p-04-2021-001", province_code="04", year="2021",
             title_vi="Hỗ trợ ứng dụng dây chuyền công nghệ sản xuất đũa tre",
             title_en="Support for a technology line producing bamboo chopsticks",
             level="national", content_type="MHTD", activity_type="tech-line",
             establishment_id="e-04-0001", unit_id="051", implementing_unit="Trung tâm Khuyến công",
             state_support_vnd="400000000", counterpart_vnd="1600000000",
             disbursed_vnd="400000000", status="completed", approval_decision="437/QĐ-BCT",
             start_date="2021-05-01", end_date="2021-12-01", outputs_vi="Lắp đặt dây chuyền",
             outputs_en="Installed a line"),
        dict(project_id="p-04-2021-002", province_code="04", year="2021",
             title_vi="Đào tạo nghề rèn năm 2021", title_en="Blacksmith training, 2021",
             level="local", content_type="DT", activity_type="training", establishment_id="",
             unit_id="049-2020", implementing_unit="Trung tâm Khuyến công",
             state_support_vnd="60000000", counterpart_vnd="0", disbursed_vnd="0",
             status="returned", approval_decision="88/QĐ-UBND", start_date="2021-03-01",
             end_date="", outputs_vi="Trả lại kinh phí", outputs_en="Funds returned"),
    ],
    "annual-plans": [
        dict(province_code="04", year="2019", level="local", planned_vnd="200000000",
             approved_vnd="150000000", disbursed_vnd="150000000", decision="12/QĐ-UBND",
             note_vi="", note_en=""),
        dict(province_code="04", year="2021", level="national", planned_vnd="400000000",
             approved_vnd="400000000", disbursed_vnd="400000000", decision="437/CTĐP-QLKC",
             note_vi="", note_en=""),
        dict(province_code="04", year="2021", level="local", planned_vnd="80000000",
             approved_vnd="60000000", disbursed_vnd="0", decision="88/QĐ-UBND",
             note_vi="", note_en=""),
    ],
}


def write_csv(path: Path, rows: list[dict], fieldnames: list[str] | None = None) -> None:
    fieldnames = fieldnames or list(rows[0])
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_package(root: Path, rows: dict[str, list[dict]]) -> Path:
    """A data package in ``root``: the real descriptor and schemas, these rows.

    Resources missing from ``rows`` (content-types, sectors) are copied from data/; they are
    code lists, not sample data.
    """
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "datapackage.yaml", root / "datapackage.yaml")
    shutil.copytree(DATA / "schemas", root / "schemas", dirs_exist_ok=True)
    descriptor = yaml.safe_load((DATA / "datapackage.yaml").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        name, path = resource["name"], resource["path"]
        if name in rows:
            schema = yaml.safe_load((DATA / resource["schema"]).read_text(encoding="utf-8"))
            write_csv(root / path, rows[name], [f["name"] for f in schema["fields"]])
        else:
            shutil.copy(DATA / path, root / path)
    return root


STORY = """Title: {title}
Date: 2025-11-03
Slug: bamboo
Lang: {lang}
Establishment: e-04-0001
Summary: {summary}

{body}
"""
PAGE = "Title: {title}\nSlug: {slug}\nLang: {lang}\n\n{body}\n"


def write_content(root: Path) -> Path:
    """One story in both languages and the data-notes page every page links to."""
    stories, pages = root / "stories", root / "pages"
    stories.mkdir(parents=True)
    pages.mkdir()
    (stories / "bamboo.md").write_text(STORY.format(
        title="Tre trúc Hòa An", lang="vi", summary="Xưởng tre có máy mới.",
        body="Xưởng tre ở Hòa An."), encoding="utf-8")
    (stories / "bamboo.en.md").write_text(STORY.format(
        title="Hòa An bamboo", lang="en", summary="A bamboo workshop got new machines.",
        body="A bamboo workshop in Hòa An."), encoding="utf-8")
    for lang, suffix, title in (("vi", "", "Ghi chú về dữ liệu"), ("en", ".en", "Data notes")):
        (pages / f"data-notes{suffix}.md").write_text(PAGE.format(
            title=title, slug="data-notes", lang=lang, body="Sample."), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def tiny_site(tmp_path_factory) -> Path:
    """The tiny package and content built once with the real settings and theme.

    Many modules read the same built site; building it once keeps the suite fast.
    """
    from pipeline import build

    root = tmp_path_factory.mktemp("tiny-site")
    data = write_package(root / "data", TINY)
    content = write_content(root / "content")
    package, report = build.validate(data, content)
    assert report.ok, report.to_dict()
    build.build(package, ROOT / "pelicanconf.py", root / "output", content)
    return root / "output"


@pytest.fixture
def tiny_rows() -> dict[str, list[dict]]:
    """A fresh, editable copy of the tiny package's rows (strings, as in a CSV)."""
    return copy.deepcopy(TINY)


@pytest.fixture
def tiny_package(tmp_path: Path, tiny_rows) -> Path:
    """The tiny package written to tmp_path/data; returns that folder."""
    return write_package(tmp_path / "data", tiny_rows)


@pytest.fixture
def make_package(tmp_path: Path):
    """Write a tiny package after editing its rows: make_package(lambda rows: ...)."""

    def make(edit=None, folder: str = "data") -> Path:
        rows = copy.deepcopy(TINY)
        if edit is not None:
            edit(rows)
        return write_package(tmp_path / folder, rows)

    return make


def count_calls(monkeypatch, owner, name: str) -> list:
    """Replace ``owner.name`` by a wrapper that records each call's first argument (say,
    which pages a cache did not spare); returns the list it fills."""
    seen: list = []
    original = getattr(owner, name)

    def counting(first, *args, **kwargs):
        seen.append(first)
        return original(first, *args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return seen
