"""Reading what staff type in Excel, and the blank template workbook."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from pipeline.importer import import_workbook
from pipeline.load import read_descriptor
from pipeline.workbook import (
    convert_cell,
    header_key,
    header_lookup,
    match_sheet,
    read_workbook,
    template_bytes,
    write_template,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def descriptor() -> dict:
    """The real descriptor with schemas inlined: the template is generated from it."""
    return read_descriptor(ROOT / "data")


INTEGER = {"name": "amount", "type": "integer"}
NUMBER = {"name": "latitude", "type": "number"}
DATE = {"name": "start_date", "type": "date"}
BOOLEAN = {"name": "showcase", "type": "boolean", "trueValues": ["true"],
           "falseValues": ["false"]}
TEXT = {"name": "title", "type": "string"}
PROVINCE = {"name": "province_code", "type": "string", "constraints": {"pattern": "[0-9]{2}"}}
GSO = {"name": "code", "type": "string",
       "constraints": {"pattern": "[0-9]{2}|[0-9]{3}|[0-9]{5}"}}
LEVEL = {"name": "level", "type": "string", "constraints": {"enum": ["national", "local"]}}
UNIT_TYPE = {"name": "type_vi", "type": "string", "constraints": {"enum": ["Huyện", "Xã"]}}


@pytest.mark.parametrize(("spec", "typed", "expected"), [
    (INTEGER, "1.234.567", ("1234567", None)),
    (INTEGER, "1,234,567", ("1234567", None)),
    (INTEGER, "1 234 567", ("1234567", None)),
    (INTEGER, "1\u202f234\u202f567", ("1234567", None)),
    (INTEGER, "1.234.567 ₫", ("1234567", None)),
    (INTEGER, "1.234.567đ", ("1234567", None)),
    (INTEGER, "₫1,234,567", ("1234567", None)),
    (INTEGER, "VND 1,234,567", ("1234567", None)),
    (INTEGER, "1.234.567 đồng", ("1234567", None)),
    (INTEGER, "1.234.567,00", ("1234567", None)),
    (INTEGER, "1,234,567.00", ("1234567", None)),
    (INTEGER, "-1.000.000", ("-1000000", None)),
    (INTEGER, "2019.0", ("2019", None)),
    (INTEGER, 2019.0, ("2019", None)),
    (INTEGER, 150000000, ("150000000", None)),
    (INTEGER, "  42 ", ("42", None)),
    (INTEGER, None, ("", None)),
    (INTEGER, "\u00a0", ("", None)),
    (INTEGER, "1.234", ("1.234", "number-ambiguous")),
    (INTEGER, "150,000", ("150,000", "number-ambiguous")),
    (INTEGER, "1,5", ("1,5", "integer-decimal")),
    (INTEGER, "1.234.567,89", ("1.234.567,89", "integer-decimal")),
    (INTEGER, 2019.5, ("2019.5", "integer-decimal")),
    (INTEGER, "12.34.567", ("12.34.567", "number-invalid")),
    (INTEGER, "1.234,567,8", ("1.234,567,8", "number-invalid")),
    (INTEGER, "một triệu", ("một triệu", "number-invalid")),
    (INTEGER, True, ("True", "number-invalid")),
    (INTEGER, dt.datetime(2021, 3, 15), ("2021-03-15 00:00:00", "number-invalid")),
    (NUMBER, "22.70000", ("22.70000", None)),
    (NUMBER, "22,7", ("22.7", None)),
    (NUMBER, "1.234,5", ("1234.5", None)),
    (NUMBER, 22.7, ("22.7", None)),
    (NUMBER, 106.0, ("106", None)),
    (NUMBER, "106,200", ("106,200", "number-ambiguous")),
    (DATE, "15/03/2021", ("2021-03-15", None)),
    (DATE, "5/3/2021", ("2021-03-05", None)),
    (DATE, "05.03.2021", ("2021-03-05", None)),
    (DATE, "2021-03-15", ("2021-03-15", None)),
    (DATE, "2021-03-15 00:00:00", ("2021-03-15", None)),
    (DATE, dt.datetime(2021, 3, 15, 0, 0), ("2021-03-15", None)),
    (DATE, dt.date(2021, 3, 15), ("2021-03-15", None)),
    (DATE, 44270, ("2021-03-15", None)),
    (DATE, 44270.0, ("2021-03-15", None)),
    (DATE, "44270", ("2021-03-15", None)),
    (DATE, "13/13/2021", ("13/13/2021", "date-impossible")),
    (DATE, "12/25/2021", ("12/25/2021", "date-impossible")),
    (DATE, "29/02/2021", ("29/02/2021", "date-impossible")),
    (DATE, 2021, ("2021", "date-invalid")),
    (DATE, "15/03/21", ("15/03/21", "date-invalid")),
    (DATE, "tháng 3", ("tháng 3", "date-invalid")),
    (BOOLEAN, "có", ("true", None)),
    (BOOLEAN, "Không", ("false", None)),
    (BOOLEAN, "x", ("true", None)),
    (BOOLEAN, "yes", ("true", None)),
    (BOOLEAN, "NO", ("false", None)),
    (BOOLEAN, True, ("true", None)),
    (BOOLEAN, "FALSE", ("false", None)),
    (BOOLEAN, 0, ("false", None)),
    (BOOLEAN, "", ("", None)),
    (BOOLEAN, "có lẽ", ("có lẽ", "boolean-invalid")),
    (TEXT, "  Xóm Nà Mạ\u00a0", ("Xóm Nà Mạ", None)),
    (TEXT, "Ho\u0300a An\u200b", ("Hòa An", None)),
    (TEXT, 123, ("123", None)),
    (TEXT, 2019.0, ("2019", None)),
    (PROVINCE, 4, ("04", None)),
    (PROVINCE, 4.0, ("04", None)),
    (PROVINCE, "04", ("04", None)),
    (GSO, 4, ("4", "code-ambiguous")),
    (GSO, 1654, ("01654", None)),
    (LEVEL, "National", ("national", None)),
    (LEVEL, "nationl", ("nationl", None)),
    (UNIT_TYPE, "huyen", ("Huyện", None)),
])
def test_cells_are_converted_to_canonical_text(spec, typed, expected):
    text, issue = convert_cell(typed, spec)
    assert expected == (text, issue.type if issue else None)


def test_a_number_that_fits_its_code_pattern_is_kept_with_a_warning():
    text, issue = convert_cell(40, GSO)
    expected = ("40", "code-ambiguous", "warning")
    assert expected == (text, issue.type, issue.severity)


@pytest.mark.parametrize(("title", "expected"), [
    ("projects", "projects"),
    ("Projects", "projects"),
    ("Đề án khuyến công", "projects"),
    ("de an khuyen cong", "projects"),
    ("ĐỀ ÁN KHUYẾN CÔNG", "projects"),
    ("Đề án khuyến công (Projects)", "projects"),
    ("Cơ sở công nghiệp nông thôn đượ", "establishments"),  # cut to 31 characters by Excel
    ("Supported establishments", "establishments"),
    ("Kế hoạch kinh phí hằng năm", "annual-plans"),
    ("Annual plans", "annual-plans"),
    ("Kế hoạch", None),
    ("README", None),
    ("Sheet1", None),
])
def test_sheets_match_resources_by_name_or_title(descriptor, title, expected):
    assert expected == match_sheet(title, descriptor["resources"])


@pytest.mark.parametrize(("header", "expected"), [
    ("state_support_vnd", "state_support_vnd"),
    ("  STATE_SUPPORT_VND ", "state_support_vnd"),
    ("Kinh phí khuyến công (đồng)", "state_support_vnd"),
    ("kinh  phí khuyến\u00a0công (đồng)", "state_support_vnd"),
    ("Kinh phi\u0301 khuyê\u0301n công (đồng)", "state_support_vnd"),
    ("State support (VND)", "state_support_vnd"),
    ("Title (English)", "title_en"),
    ("title_en", "title_en"),
    ("Kinh phi khuyen cong (dong)", None),
])
def test_headers_map_to_fields(descriptor, header, expected):
    projects = next(r for r in descriptor["resources"] if r["name"] == "projects")
    assert expected == header_lookup(projects["schema"]["fields"]).get(header_key(header))


def test_a_header_two_fields_share_is_ambiguous():
    fields = [{"name": "a", "title": "Tên"}, {"name": "b", "title": "Tên"}]
    expected = {"a": "a", "b": "b", "tên": None}
    assert expected == header_lookup(fields)


def write_rows(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_rows_keep_their_sheet_numbers(descriptor, tmp_path: Path):
    """The header may sit below empty rows; blank rows are skipped but counted."""
    header = ["code", "name_vi", "name_en", "vsic_2018"]
    path = write_rows(tmp_path / "b.xlsx", {"Nhóm ngành": [
        [None], [None], header, ["AA", "A", "A", "10"], [None, None], ["BB", "B", "B", None]]})
    sheets, problems = read_workbook(path, descriptor)
    sheet = sheets["sectors"]
    expected = ([], [4, 6], 3, ["AA", "BB"])
    assert expected == (problems, sheet.rows, sheet.header_row, sheet.frame["code"].tolist())


def test_unknown_and_duplicate_sheets_are_problems(descriptor, tmp_path: Path):
    header = ["code", "name_vi", "name_en", "vsic_2018"]
    path = write_rows(tmp_path / "b.xlsx", {
        "sectors": [header, ["AA", "A", "A", "10"]], "Sectors ": [header, ["BB", "B", "B", "11"]],
        "Trang tính 2": [["ghi chú"]], "Sheet3": [], "README": [["đọc"]]})
    _, problems = read_workbook(path, descriptor)
    expected = [("duplicate-sheet", "b.xlsx › Sectors "),
                ("unknown-sheet", "b.xlsx › Trang tính 2")]
    assert expected == [(p.type, p.file) for p in problems]


def test_duplicate_header_is_a_problem(descriptor, tmp_path: Path):
    path = write_rows(tmp_path / "b.xlsx", {"sectors": [
        ["code", "Mã ngành", "name_vi", "name_en", "vsic_2018"], ["AA", "AA", "A", "A", "10"]]})
    _, problems = read_workbook(path, descriptor)
    expected = [("duplicate-header", 1, "B (Mã ngành)")]
    assert expected == [(p.type, p.row, p.field) for p in problems]


# -- the template -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def template(descriptor, tmp_path_factory) -> Path:
    """The blank template written once for the template tests."""
    return write_template(descriptor, tmp_path_factory.mktemp("t") / "template.xlsx",
                          created="2026-11-01")


def test_template_has_a_sheet_per_resource_with_field_headers(descriptor, template):
    book = load_workbook(template)
    expected = ["README"] + [r["name"] for r in descriptor["resources"]]
    headers = {r["name"]: [f["name"] for f in r["schema"]["fields"]]
               for r in descriptor["resources"]}
    actual = {name: [c.value for c in book[name][1]] for name in headers}
    assert (expected, headers) == (book.sheetnames, actual)
    assert all(book[name].max_row == 1 for name in headers)  # no sample rows, no personal data


def test_template_header_notes_explain_each_field(descriptor, template):
    book = load_workbook(template)
    projects = next(r for r in descriptor["resources"] if r["name"] == "projects")
    notes = {c.value: c.comment.text for c in book["projects"][1]}
    for spec in projects["schema"]["fields"]:
        note = notes[spec["name"]]
        assert spec["title"] in note and spec["title_en"] in note
        assert spec["description"] in note and spec["description_en"] in note
        assert f"Kiểu / Type: {spec['type']}" in note
    assert "Bắt buộc / Required" in notes["project_id"]
    assert "Mẫu / Pattern: p-[0-9]{2}-[0-9]{4}-[0-9]{3}" in notes["project_id"]
    assert "One of: completed, in-progress, stopped, returned" in notes["status"]


def test_template_has_a_drop_down_for_every_enumerated_field(descriptor, template):
    book = load_workbook(template)
    for resource in descriptor["resources"]:
        sheet = book[resource["name"]]
        letters = {c.value: c.column_letter for c in sheet[1]}
        lists = {str(v.sqref).split(":")[0]: v.formula1
                 for v in sheet.data_validations.dataValidation}
        expected = {f"{letters[f['name']]}2": '"' + ",".join(f["constraints"]["enum"]) + '"'
                    for f in resource["schema"]["fields"] if "enum" in f.get("constraints", {})}
        expected |= {f"{letters[f['name']]}2": '"true,false"'
                     for f in resource["schema"]["fields"] if f["type"] == "boolean"}
        assert expected == lists, resource["name"]


def test_template_formats_freeze_and_widths(template):
    sheet = load_workbook(template)["projects"]
    letters = {c.value: c.column_letter for c in sheet[1]}
    formats = {name: sheet.column_dimensions[letters[name]].number_format
               for name in ("project_id", "province_code", "state_support_vnd", "start_date")}
    expected = {"project_id": "@", "province_code": "@", "state_support_vnd": "#,##0",
                "start_date": "dd/mm/yyyy"}
    assert expected == formats
    assert sheet.freeze_panes == "A2"
    assert all(sheet.column_dimensions[letter].width >= 10 for letter in letters.values())


def test_template_bytes_are_deterministic(descriptor, monkeypatch):
    """Same schemas and date: same bytes; every ZIP entry and core.xml carry that date."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = template_bytes(descriptor, "2026-11-01")
    assert first == template_bytes(descriptor, "2026-11-01")
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        times = {info.date_time for info in archive.infolist()}
        core = archive.read("docProps/core.xml").decode()
    assert {(2026, 11, 1, 0, 0, 0)} == times
    assert core.count("2026-11-01T00:00:00Z") == 2


@pytest.mark.parametrize(("epoch", "expected"), [
    ("1793491200", (2026, 11, 1, 0, 0, 0)), (None, (1980, 1, 1, 0, 0, 0))])
def test_template_date_comes_from_source_date_epoch(descriptor, monkeypatch, epoch, expected):
    if epoch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    else:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with zipfile.ZipFile(io.BytesIO(template_bytes(descriptor))) as archive:
        assert {expected} == {info.date_time for info in archive.infolist()}


def test_filled_template_imports(tiny_package: Path, tmp_path: Path, tiny_rows):
    """Staff fill the template as Excel would store it (numbers, dates); it imports cleanly."""
    descriptor = read_descriptor(tiny_package)
    path = write_template(descriptor, tmp_path / "template.xlsx")
    book = load_workbook(path)
    sheet = book["projects"]
    names = [c.value for c in sheet[1]]
    kinds = {f["name"]: f["type"] for f in descriptor["resources"][5]["schema"]["fields"]}
    for row in tiny_rows["projects"]:
        sheet.append([typed(row[n], kinds[n]) for n in names])
    book.save(path)
    original = (tiny_package / "projects.csv").read_bytes()
    result = import_workbook(path, tiny_package)
    assert (True, [], original) == (result.ok, result.changed,
                                    (tiny_package / "projects.csv").read_bytes())


def typed(text: str, kind: str):
    """A CSV value as Excel keeps it: integers as numbers, dates as date cells."""
    if not text:
        return None
    if kind == "integer":
        return int(text)
    if kind == "date":
        return dt.datetime.fromisoformat(text)
    return text
