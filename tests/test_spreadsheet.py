"""The fast worksheet writer writes exactly what openpyxl writes, and reads back typed."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.writer.excel import ExcelWriter

from pipeline.export import deterministic_zip
from pipeline.spreadsheet import CELL_TEXT_MAX, clean_texts, sheet_xml, workbook_members

AWKWARD = ["", " leading", "trailing ", "   ", "a & b < c > d", "dòng một\ndòng hai",
           'say "hi"', "Hỗ trợ ứng dụng máy móc", "tab\tinside", "x" * 40, "đ", "<t>"]
NUMBERS = [0, -5, 7, 2019, 10**15, 305000000, 2.5, -0.125, 1e-7, 22.7, 106.25813]


def openpyxl_sheet(rows: list[list]) -> bytes:
    """The reference: the worksheet XML openpyxl 3.1 writes for these appended rows."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        ExcelWriter(book, archive).write_data()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def columns_of(rows: list[list]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)]


@pytest.mark.parametrize("rows", [
    pytest.param([["text"], *[[t] for t in AWKWARD]], id="texts"),
    pytest.param([["n"], *[[n] for n in NUMBERS]], id="numbers"),
    pytest.param([["flag"], [True], [False], [None], [True]], id="booleans"),
    pytest.param([["a", "b", "c"], [None, None, None], ["x", None, 3], [None, 2.5, True]],
                 id="missing cells and an empty row"),
    pytest.param([["only a header", "second"]], id="header only"),
    pytest.param([[f"c{i}" for i in range(30)], list(range(30))], id="columns past Z"),
    pytest.param([["id", "name", "amount", "date", "ok"],
                  ["p-01", "Cơ sở A", 150000000, "2019-04-01", True],
                  ["p-02", " Cơ sở B ", None, "", False]], id="a resource"),
])
def test_sheet_markup_equals_openpyxl(rows):
    expected = openpyxl_sheet(rows)
    actual = sheet_xml(columns_of(rows))
    assert expected == actual


def test_empty_sheet_equals_openpyxl():
    assert openpyxl_sheet([]) == sheet_xml([])


def test_text_starting_with_equals_stays_text():
    xml = sheet_xml([["formula?", "=HYPERLINK(\"x\")"]]).decode()
    assert ('<c r="A2" t="inlineStr"><is><t>=HYPERLINK("x")</t></is></c>' in xml,
            "<f>" in xml) == (True, False)


@pytest.mark.parametrize(("values", "expected"), [
    (["plain", None, 3], ["plain", None, 3]),
    (["bell\x07here", "ok"], ["bellhere", "ok"]),
    (["x" * (CELL_TEXT_MAX + 5)], ["x" * CELL_TEXT_MAX]),
    (["keep\ttab\nand newline"], ["keep\ttab\nand newline"]),
])
def test_clean_texts(values, expected):
    assert expected == list(clean_texts(values))


def test_workbook_reads_back_typed_with_every_sheet(tmp_path):
    sheets = {"README": [["Khuyến công", "", "line three"]],
              "projects": [["project_id", "p-01", "p-02"], ["amount", 150000000, None],
                           ["showcase", True, False], ["lat", 22.7, -0.5]]}
    path = tmp_path / "book.xlsx"
    path.write_bytes(deterministic_zip(workbook_members(sheets, "pkg", "2026-11-27"),
                                       "2026-11-27"))
    book = load_workbook(path)
    expected = {"README": [("Khuyến công",), (None,), ("line three",)],
                "projects": [("project_id", "amount", "showcase", "lat"),
                             ("p-01", 150000000, True, 22.7), ("p-02", None, False, -0.5)]}
    actual = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    assert expected == actual
    assert "pkg" == book.properties.creator


def test_characters_xml_cannot_carry_are_dropped_from_a_text_column():
    xml = sheet_xml([["name", "a\x01b", "c\x1fd & e"]]).decode()
    expected = ['<c r="A2" t="inlineStr"><is><t>ab</t></is></c>',
                '<c r="A3" t="inlineStr"><is><t>cd &amp; e</t></is></c>']
    assert expected == [c for c in expected if c in xml]
