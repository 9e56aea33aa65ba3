"""The import: messy staff workbooks either land in data/ as canonical CSV or change nothing.

Every workbook is built with openpyxl in tmp_path from the tiny package's rows, then edited the
way staff edit spreadsheets. A refused workbook must name sheet, row and column, and leave
every byte of data/ as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from pipeline import cli
from pipeline.importer import import_workbook
from pipeline.load import load_package

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "data" / "schemas"


def schema_fields(resource: str) -> list[dict]:
    return yaml.safe_load((SCHEMAS / f"{resource}.yaml").read_text(encoding="utf-8"))["fields"]


def sheet_of(resource: str, rows: list[dict]) -> list[list]:
    """A sheet as staff get it from the template: field names, then the rows as text."""
    names = [f["name"] for f in schema_fields(resource)]
    return [names, *([row[n] or None for n in names] for row in rows)]


@pytest.fixture
def book(tiny_rows) -> dict[str, list[list]]:
    """The workbook to edit: a README and the projects sheet of the tiny package."""
    return {"README": [["Đọc tôi / Read me"]],
            "projects": sheet_of("projects", tiny_rows["projects"])}


def write_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def csv_rows(path: Path, key: str) -> dict[str, dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return {row[key]: row for row in csv.DictReader(f)}


# -- editing helpers: each takes the workbook dict and changes it like a clerk would ------------

def put(sheet: str, row: int, name: str, value):
    """Set the cell of field ``name`` in data row ``row`` (0 = sheet row 2)."""
    def edit(book):
        header = book[sheet][0]
        book[sheet][row + 1][header.index(name)] = value
    return edit


def headers(kind: str, sheet: str = "projects", resource: str = "projects"):
    """Replace the field names by their Vietnamese or English titles."""
    def edit(book):
        specs = {f["name"]: f for f in schema_fields(resource)}
        book[sheet][0] = [specs[n][kind] for n in book[sheet][0]]
    return edit


def rename(old: str, new: str):
    def edit(book):
        book[new] = book.pop(old)
    return edit


def reorder(book):
    """Columns in reverse order."""
    book["projects"] = [list(reversed(row)) for row in book["projects"]]


def blank_rows(book):
    """Empty rows between records and at the end, one made of spaces only."""
    rows = book["projects"]
    width = len(rows[0])
    book["projects"] = [rows[0], rows[1], [None] * width, [" ", "\u00a0"] + [None] * (width - 2),
                        rows[2], rows[3], [None] * width]


def drop_column(name: str):
    def edit(book):
        index = book["projects"][0].index(name)
        for row in book["projects"]:
            del row[index]
    return edit


def add_column(header: str, value):
    def edit(book):
        book["projects"][0].append(header)
        for row in book["projects"][1:]:
            row.append(value)
    return edit


def orphan_value(book):
    """A note typed two columns right of the last header."""
    book["projects"][2] += [None, "ghi chú"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def both(*edits):
    def edit(book):
        for one in edits:
            one(book)
    return edit


@dataclass(frozen=True)
class Imported:
    """The import succeeds; these (resource, key, field) cells hold these CSV values."""

    resource: str
    key: str
    cells: dict[tuple[str, str], str]


@dataclass(frozen=True)
class Refused:
    """The import is refused with an error of ``type`` at sheet, row and column letter."""

    sheet: str
    row: int
    column: str
    type: str


P1, P2, P3 = "p-04-2019-001", "p-04-2021-001", "p-04-2021-002"
E1, E2 = "e-04-0001", "e-04-0002"
AMOUNT = ("counterpart_vnd", "1234567000")

CASES = [
    pytest.param(put("projects", 0, "counterpart_vnd", "1.234.567.000"),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="grouped-vietnamese"),
    pytest.param(put("projects", 0, "counterpart_vnd", "1,234,567,000"),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="grouped-english"),
    pytest.param(put("projects", 0, "counterpart_vnd", "1\u00a0234\u00a0567\u00a0000 đồng"),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="grouped-nbsp-dong"),
    pytest.param(put("projects", 0, "counterpart_vnd", "1.234.567.000 ₫"),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="grouped-dong-sign"),
    pytest.param(put("projects", 0, "counterpart_vnd", "VND 1,234,567,000.00"),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="vnd-prefix-zero-decimals"),
    pytest.param(put("projects", 0, "counterpart_vnd", 1234567000.0),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="float-cell-amount"),
    pytest.param(put("projects", 0, "start_date", "15/04/2019"),
                 Imported("projects", "project_id", {(P1, "start_date"): "2019-04-15"}),
                 id="date-dd-mm-yyyy"),
    pytest.param(put("projects", 0, "start_date", "5/4/2019"),
                 Imported("projects", "project_id", {(P1, "start_date"): "2019-04-05"}),
                 id="date-d-m-yyyy"),
    pytest.param(put("projects", 0, "end_date", 43790),
                 Imported("projects", "project_id", {(P1, "end_date"): "2019-11-21"}),
                 id="date-excel-serial"),
    pytest.param(put("projects", 0, "start_date", dt.datetime(2019, 4, 2)),
                 Imported("projects", "project_id", {(P1, "start_date"): "2019-04-02"}),
                 id="date-datetime-cell"),
    pytest.param(put("projects", 1, "title_en", "  Bamboo chopsticks line\u00a0 "),
                 Imported("projects", "project_id", {(P2, "title_en"): "Bamboo chopsticks line"}),
                 id="trailing-spaces-nbsp"),
    pytest.param(put("projects", 2, "title_vi", nfd("Đào tạo nghề rèn, năm 2021")),
                 Imported("projects", "project_id",
                          {(P3, "title_vi"): "Đào tạo nghề rèn, năm 2021"}),
                 id="nfd-text"),
    pytest.param(both(put("projects", 0, "counterpart_vnd", "1.234.567.000"), headers("title")),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="vietnamese-headers"),
    pytest.param(both(put("projects", 0, "counterpart_vnd", "1,234,567,000"), headers("title_en")),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="english-headers"),
    pytest.param(both(put("projects", 0, "status", "Completed"), reorder,
                      put("projects", 0, "counterpart_vnd", "1.234.567.000")),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1],
                                                     (P1, "status"): "completed"}),
                 id="reordered-columns-enum-case"),
    pytest.param(both(put("projects", 0, "counterpart_vnd", "1.234.567.000"), blank_rows),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1],
                                                     (P3, "unit_id"): "049-2020"}),
                 id="extra-empty-rows"),
    pytest.param(both(put("projects", 0, "province_code", 4), put("projects", 0, "year", 2019.0),
                      put("projects", 0, "counterpart_vnd", 1234567000)),
                 Imported("projects", "project_id", {(P1, "province_code"): "04",
                                                     (P1, "year"): "2019",
                                                     (P1, AMOUNT[0]): AMOUNT[1]}),
                 id="number-typed-code-and-year"),
    pytest.param(both(put("projects", 0, "counterpart_vnd", "1.234.567.000"),
                      rename("projects", "Đề án khuyến công")),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="sheet-vietnamese-title"),
    pytest.param(both(put("projects", 0, "counterpart_vnd", "1.234.567.000"),
                      rename("projects", "DE AN KHUYEN CONG")),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="sheet-title-without-diacritics"),
    pytest.param(both(put("projects", 0, "counterpart_vnd", "1.234.567.000"),
                      rename("projects", "Projects")),
                 Imported("projects", "project_id", {(P1, AMOUNT[0]): AMOUNT[1]}),
                 id="sheet-english-title"),
    pytest.param(drop_column("status"), Refused("projects", 1, "status", "missing-column"),
                 id="missing-required-column"),
    pytest.param(add_column("Ghi chú thêm", "x"), Refused("projects", 1, "U", "extra-column"),
                 id="unknown-column"),
    pytest.param(orphan_value, Refused("projects", 3, "V", "value-without-header"),
                 id="value-without-header"),
    pytest.param(put("projects", 1, "start_date", "31/02/2021"),
                 Refused("projects", 3, "Q", "date-impossible"), id="bad-date"),
    pytest.param(put("projects", 1, "start_date", "13/13/2021"),
                 Refused("projects", 3, "Q", "date-impossible"), id="month-13"),
    pytest.param(put("projects", 1, "start_date", "sắp tới"),
                 Refused("projects", 3, "Q", "date-invalid"), id="words-in-date"),
    pytest.param(put("projects", 0, "counterpart_vnd", "450.000.000,50"),
                 Refused("projects", 2, "M", "integer-decimal"), id="decimal-amount"),
    pytest.param(put("projects", 0, "counterpart_vnd", 450000000.5),
                 Refused("projects", 2, "M", "integer-decimal"), id="decimal-float-cell"),
    pytest.param(put("projects", 0, "counterpart_vnd", "450.000"),
                 Refused("projects", 2, "M", "number-ambiguous"), id="ambiguous-amount"),
    pytest.param(put("projects", 0, "counterpart_vnd", "bốn trăm triệu"),
                 Refused("projects", 2, "M", "number-invalid"), id="text-in-amount"),
    pytest.param(put("projects", 0, "counterpart_vnd", "-1.000.000"),
                 Refused("projects", 2, "M", "constraint-error"), id="negative-amount"),
    pytest.param(put("projects", 2, "status", "retuned"),
                 Refused("projects", 4, "O", "constraint-error"), id="enum-typo"),
    pytest.param(put("projects", 2, "project_id", P2),
                 Refused("projects", 4, "A", "primary-key"), id="duplicate-id"),
    pytest.param(put("projects", 1, "establishment_id", "e-04-9999"),
                 Refused("projects", 3, "I", "foreign-key"), id="unknown-foreign-key"),
    pytest.param(put("projects", 0, "unit_id", 4),
                 Refused("projects", 2, "J", "code-ambiguous"), id="ambiguous-number-code"),
    pytest.param(both(blank_rows, put("projects", 4, "status", "retuned")),
                 Refused("projects", 6, "O", "constraint-error"), id="row-after-blank-rows"),
    pytest.param(both(put("projects", 2, "status", "retuned"), headers("title"),
                      rename("projects", "Đề án khuyến công")),
                 Refused("Đề án khuyến công", 4, "O (Tình trạng)", "constraint-error"),
                 id="error-under-vietnamese-header-and-sheet"),
    pytest.param(put("projects", 0, "end_date", "01/03/2019"),
                 Refused("projects", 2, "R", "end-before-start"), id="rule-end-before-start"),
]


@pytest.mark.parametrize(("edit", "expected"), CASES)
def test_messy_workbooks(tiny_package: Path, book, tmp_path: Path, edit, expected):
    before = snapshot(tiny_package)
    edit(book)
    path = write_book(tmp_path / "staff.xlsx", book)
    result = import_workbook(path, tiny_package)
    if isinstance(expected, Imported):
        assert not [p.to_dict() for p in result.report.errors]
        rows = csv_rows(tiny_package / f"{expected.resource}.csv", expected.key)
        actual = {(key, name): rows[key][name] for key, name in expected.cells}
        assert expected.cells == actual
        others = {n: b for n, b in before.items() if n != f"{expected.resource}.csv"}
        assert others == {n: b for n, b in snapshot(tiny_package).items() if n in others}
    else:
        assert before == snapshot(tiny_package)
        found = [(p.file.split(" › ")[-1], p.row, (p.field or "").split(" (")[0]
                  if " (" not in expected.column else p.field, p.type)
                 for p in result.report.errors]
        assert (expected.sheet, expected.row, expected.column, expected.type) in found


def test_duplicate_names_the_sheet_row_it_repeats(tiny_package: Path, book, tmp_path: Path):
    """Blank rows are skipped in the CSV but counted in the sheet, also inside messages."""
    blank_rows(book)
    book["projects"][5][0] = P2  # sheet row 6 repeats sheet row 5
    result = import_workbook(write_book(tmp_path / "b.xlsx", book), tiny_package)
    found = [(p.row, p.message_en) for p in result.report.errors if p.type == "primary-key"]
    expected = [(6, "The row's key (primary key) repeats row 5.")]
    assert expected == found


def test_imported_rows_are_canonical_csv(tiny_package: Path, book, tmp_path: Path):
    """Everything but the edited cell is byte-identical to what the loader wrote."""
    original = (tiny_package / "projects.csv").read_text(encoding="utf-8")
    put("projects", 0, "counterpart_vnd", "1.234.567.000")(book)
    import_workbook(write_book(tmp_path / "b.xlsx", book), tiny_package)
    expected = original.replace(",450000000,", ",1234567000,", 1)
    assert expected == (tiny_package / "projects.csv").read_text(encoding="utf-8")


def test_sheets_left_out_are_untouched(tiny_package: Path, tmp_path: Path):
    before = snapshot(tiny_package)
    result = import_workbook(write_book(tmp_path / "b.xlsx", {"README": [["x"]]}), tiny_package)
    assert (True, [], before) == (result.ok, result.changed, snapshot(tiny_package))


def test_header_only_sheet_leaves_resource_as_it_is(tiny_package: Path, tmp_path: Path):
    """A blank template sheet must not erase a resource."""
    before = snapshot(tiny_package)
    header = [[f["name"] for f in schema_fields("annual-plans")]]
    result = import_workbook(write_book(tmp_path / "b.xlsx", {"annual-plans": header}),
                             tiny_package)
    assert (True, before) == (result.ok, snapshot(tiny_package))


def test_added_and_removed_rows_are_listed(tiny_package: Path, tmp_path: Path, tiny_rows):
    """A sector added and an unused one removed show in the diff, keyed by code."""
    with open(tiny_package / "sectors.csv", encoding="utf-8", newline="") as f:
        sectors = list(csv.DictReader(f))
    unused = next(s for s in sectors if s["code"] not in {"WOOD", "MECH"})
    rows = [s for s in sectors if s is not unused]
    rows.append(dict(code="GLASS", name_vi="Thủy tinh", name_en="Glass", vsic_2018="23"))
    path = write_book(tmp_path / "b.xlsx", {"sectors": sheet_of("sectors", rows)})
    result = import_workbook(path, tiny_package)
    diff = next(d for d in result.diffs if d.resource == "sectors")
    assert ([("GLASS",)], [(unused["code"],)], []) == (
        [(r["code"],) for r in diff.added], [(r["code"],) for r in diff.removed], diff.changed)
    assert "GLASS" in csv_rows(tiny_package / "sectors.csv", "code")


def test_changed_fields_are_listed(tiny_package: Path, book, tmp_path: Path):
    put("projects", 0, "counterpart_vnd", "1.234.567.000")(book)
    put("projects", 0, "outputs_en", "Installed two machines")(book)
    result = import_workbook(write_book(tmp_path / "b.xlsx", book), tiny_package)
    diff = next(d for d in result.diffs if d.resource == "projects")
    expected = {"counterpart_vnd": ("450000000", "1234567000"),
                "outputs_en": ("Installed 2 machines", "Installed two machines")}
    assert [((P1,), expected)] == [(c.key, c.fields) for c in diff.changed]


def test_private_columns_left_out_are_kept(tiny_package: Path, tmp_path: Path, tiny_rows):
    """The published workbook has no private columns; importing it keeps owner and phone."""
    before = (tiny_package / "establishments.csv").read_bytes()
    public = [f["name"] for f in schema_fields("establishments") if not f.get("private")]
    sheet = [public, *([row[n] or None for n in public] for row in tiny_rows["establishments"])]
    sheet[2][public.index("showcase")] = "có"  # e-04-0002: false -> true
    result = import_workbook(write_book(tmp_path / "b.xlsx", {"establishments": sheet}),
                             tiny_package)
    rows = csv_rows(tiny_package / "establishments.csv", "establishment_id")
    expected = ({"establishments": ["owner_name", "phone"]}, "Nông Văn Lạc", "0912345678", "true")
    assert expected == (result.kept_private, rows[E2]["owner_name"], rows[E2]["phone"],
                        rows[E2]["showcase"])
    assert before != (tiny_package / "establishments.csv").read_bytes()


@pytest.mark.parametrize(("typed", "expected"), [
    ("có", "true"), ("Không", "false"), ("x", "true"), ("TRUE", "true"),
    (False, "false"), ("no", "false")])
def test_booleans_as_staff_type_them(tiny_package: Path, tmp_path: Path, tiny_rows, typed,
                                     expected):
    sheet = sheet_of("establishments", tiny_rows["establishments"])
    sheet[1][sheet[0].index("showcase")] = typed
    import_workbook(write_book(tmp_path / "b.xlsx", {"establishments": sheet}), tiny_package)
    assert expected == csv_rows(tiny_package / "establishments.csv",
                                "establishment_id")[E1]["showcase"]


def test_dry_run_writes_nothing(tiny_package: Path, book, tmp_path: Path):
    before = snapshot(tiny_package)
    put("projects", 0, "counterpart_vnd", "1.234.567.000")(book)
    result = import_workbook(write_book(tmp_path / "b.xlsx", book), tiny_package, dry_run=True)
    assert (["projects"], [], before) == (result.changed, result.written, snapshot(tiny_package))


def test_story_checked_against_imported_data(tiny_package: Path, tmp_path: Path, tiny_rows):
    """Removing an establishment a story names is refused when --content is given."""
    stories = tmp_path / "content" / "stories"
    stories.mkdir(parents=True)
    (stories / "tre.md").write_text(
        "Title: Tre\nDate: 2021-01-01\nSlug: tre\nLang: vi\nEstablishment: e-04-0001\n"
        "Summary: x\n\nNội dung.\n", encoding="utf-8")
    before = snapshot(tiny_package)
    sheet = sheet_of("establishments", tiny_rows["establishments"][1:])
    result = import_workbook(write_book(tmp_path / "b.xlsx", {"establishments": sheet}),
                             tiny_package, tmp_path / "content")
    assert (False, before) == (result.ok, snapshot(tiny_package))


# -- the published workbook round trip ---------------------------------------------------------

def test_published_workbook_reproduces_data(tiny_package: Path, tmp_path: Path):
    """The XLSX the export writes to output/data/ imports back to byte-identical CSVs."""
    from pipeline.export import export_open_data

    before = snapshot(tiny_package)
    package, _ = load_package(tiny_package)
    downloads = export_open_data(package, tmp_path / "out", version="0.1.0", created="2026-11-01")
    xlsx = next(tmp_path / "out" / d["path"] for d in downloads if d["format"] == "xlsx")
    result = import_workbook(xlsx, tiny_package)
    assert (True, [], before) == (result.ok, result.changed, snapshot(tiny_package))
    assert all(d.empty for d in result.diffs)
    assert len(result.diffs) == len(package.resource_names)


def test_published_workbook_restores_edited_data(tiny_package: Path, tmp_path: Path):
    """Import the published workbook over changed CSVs: data/ returns to the published bytes."""
    from pipeline.export import export_open_data

    package, _ = load_package(tiny_package)
    downloads = export_open_data(package, tmp_path / "out", version="0.1.0", created="2026-11-01")
    xlsx = next(tmp_path / "out" / d["path"] for d in downloads if d["format"] == "xlsx")
    published = snapshot(tiny_package)
    path = tiny_package / "projects.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Lắp đặt 2 máy", "Lắp 2 máy"),
                    encoding="utf-8")
    result = import_workbook(xlsx, tiny_package)
    assert (["projects"], published) == (result.changed, snapshot(tiny_package))


# -- the command -------------------------------------------------------------------------------

def test_command_refusal_names_sheet_row_and_column(tiny_package: Path, book, tmp_path: Path,
                                                    capsys):
    put("projects", 1, "start_date", "31/02/2021")(book)
    headers("title")(book)
    rename("projects", "Đề án khuyến công")(book)
    path = write_book(tmp_path / "staff.xlsx", book)
    before = snapshot(tiny_package)
    status = cli.main(["import", str(path), "--data", str(tiny_package), "--content",
                       str(tmp_path / "none")])
    out = capsys.readouterr().out
    assert (1, before) == (status, snapshot(tiny_package))
    assert "staff.xlsx › Đề án khuyến công (1)" in out, out
    row = next(line for line in out.splitlines() if "date-impossible" in line)
    expected = ["3", "Q", "(Ngày", "bắt", "đầu)", "«31/02/2021»", "date-impossible"]
    assert expected == row.split()


def test_command_prints_changes_and_writes(tiny_package: Path, book, tmp_path: Path, capsys):
    put("projects", 0, "counterpart_vnd", "1.234.567.000")(book)
    path = write_book(tmp_path / "staff.xlsx", book)
    status = cli.main(["import", str(path), "--data", str(tiny_package), "--content",
                       str(tmp_path / "none")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "projects (sheet 'projects'): +0 -0 ~1" in out
    assert f"~ {P1}: counterpart_vnd: '450000000' → '1234567000'" in out


def test_command_json(tiny_package: Path, book, tmp_path: Path, capsys):
    put("projects", 2, "status", "retuned")(book)
    path = write_book(tmp_path / "staff.xlsx", book)
    status = cli.main(["import", str(path), "--data", str(tiny_package), "--json",
                       "--content", str(tmp_path / "none")])
    document = json.loads(capsys.readouterr().out)
    error = document["report"]["errors"][0]
    expected = (1, False, "staff.xlsx › projects", 4, "O (status)")
    assert expected == (status, document["valid"], error["file"], error["row"], error["field"])


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04broken"])
def test_command_refuses_a_file_that_is_not_a_workbook(tiny_package: Path, tmp_path: Path,
                                                       capsys, content):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(content)
    before = snapshot(tiny_package)
    status = cli.main(["import", str(path), "--data", str(tiny_package)])
    assert (1, before) == (status, snapshot(tiny_package))
    assert "not an Excel .xlsx workbook" in capsys.readouterr().out
