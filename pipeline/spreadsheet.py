"""The published workbook's worksheets, written as XML text instead of cell objects.

openpyxl builds one ``Cell`` object per value and serialises each through an XML tree: at
national scale (1.2 million cells) that was 11 of the export's 14.7 seconds. Here a sheet is
written column by column with string formatting, in exactly the markup openpyxl 3.1 writes
(``tests/test_spreadsheet.py`` compares the two byte for byte), so readers see the same
workbook: inline strings, ``t="n"`` numbers in ``%.16g``, ``t="b"`` booleans, an empty cell
left out, ``xml:space="preserve"`` on text with outer spaces.

openpyxl still writes the workbook's other parts (workbook, styles, theme, properties) from a
workbook whose sheets are empty; ``workbook_members`` swaps in the sheets written here.
One deliberate difference: a text starting with ``=`` stays text (openpyxl would turn it
into a formula, which a published data file must never contain).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from openpyxl.utils import get_column_letter

SHEET_HEAD = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<sheetPr><outlinePr summaryBelow="1" summaryRight="1" /><pageSetUpPr />'
              '</sheetPr><dimension ref="{dimension}" /><sheetViews><sheetView '
              'workbookViewId="0"><selection activeCell="A1" sqref="A1" /></sheetView>'
              '</sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15" />')
SHEET_TAIL = ('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
              'footer="0.5" /></worksheet>')
CELL_TEXT_MAX = 32767  # Excel's limit; openpyxl cuts longer text the same way
# Characters XML 1.0 cannot carry (openpyxl refuses them); removed from the workbook only.
ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
SEPARATOR = "\001"  # one of ILLEGAL: never left in a text, so it can join a column


def escaped(text: str) -> str:
    """Text as XML character data: the three characters ElementTree escapes."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def text_cell(ref: str, text: str) -> str:
    """An inline string cell; outer spaces kept with ``xml:space`` (as openpyxl marks them)."""
    if not text:
        return f'<c r="{ref}" t="inlineStr" />'
    stripped = text.strip()
    space = ' xml:space="preserve"' if stripped and stripped != text else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escaped(text)}</t></is></c>'


def cell(ref: str, value) -> str:
    """One cell's markup: empty for a missing value (the cell is left out)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return text_cell(ref, value)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    return f'<c r="{ref}" t="n"><v>{value:.16g}</v></c>'


def clean_texts(values: Sequence) -> Sequence:
    """Cut text to Excel's cell limit and drop characters XML cannot carry (rare: one scan)."""
    texts = [v for v in values if isinstance(v, str)]
    if not texts or (max(map(len, texts)) <= CELL_TEXT_MAX
                     and not ILLEGAL.search("\n".join(texts))):
        return values
    return [ILLEGAL.sub("", v[:CELL_TEXT_MAX]) if isinstance(v, str) else v for v in values]


def text_column(letter: str, values: Sequence, first: int = 1) -> list[str]:
    """A column of text (or missing) cells from row ``first``: escaped in one pass over the
    joined column.

    ``SEPARATOR`` is a character ``clean_texts`` removes, so it splits the column back.
    Text with outer spaces (rare) takes the general path for its ``xml:space``.
    """
    parts = escaped(SEPARATOR.join("" if v is None else v for v in values)).split(SEPARATOR)
    head = f'<c r="{letter}'
    return ["" if value is None
            else f'{head}{row}" t="inlineStr"><is><t>{part}</t></is></c>'
            if value and not (value[0].isspace() or value[-1].isspace())
            else text_cell(f"{letter}{row}", value)
            for row, (value, part) in enumerate(zip(values, parts, strict=True), first)]


def number_column(letter: str, values: Sequence, first: int = 1) -> list[str]:
    """A column of numbers (or missing) from row ``first``."""
    head = f'<c r="{letter}'
    return ["" if value is None else f'{head}{row}" t="n"><v>{value:.16g}</v></c>'
            for row, value in enumerate(values, first)]


def column_cells(letter: str, values: Sequence, first: int = 1) -> list[str]:
    """The markup of one column's cells from row ``first`` (text and number columns fast:
    each cell's markup is the same whichever path makes it)."""
    kinds = set(map(type, values)) - {type(None)}
    if kinds <= {int, float}:
        return number_column(letter, values, first)
    values = clean_texts(values)
    if kinds <= {str}:
        return text_column(letter, values, first)
    return [cell(f"{letter}{row}", value) for row, value in enumerate(values, first)]


def row_markup(number: int, cells: Sequence[str]) -> str:
    """One row (a row whose cells are all missing stays, empty, as in openpyxl)."""
    return f'<row r="{number}">{"".join(cells)}</row>'


def rows_xml(columns: Sequence[Sequence], first: int = 1) -> str:
    """The rows of equal-length columns, numbered from ``first``: a sheet is its head, the
    rows of each block of its records (``pipeline.export_blocks``) and its end."""
    cells = [column_cells(get_column_letter(i), values, first)
             for i, values in enumerate(columns, 1)]
    return "".join(row_markup(n, line) for n, line in enumerate(zip(*cells, strict=True), first))


def sheet_head(width: int, height: int) -> str:
    """The sheet's markup before its first row: ``height`` rows of ``width`` columns."""
    dimension = f"A1:{get_column_letter(width)}{height}" if width and height else "A1:A1"
    return SHEET_HEAD.format(dimension=dimension) + "<sheetData>"


SHEET_END = "</sheetData>" + SHEET_TAIL


def sheet_xml(columns: Sequence[Sequence]) -> bytes:
    """A worksheet from equal-length columns (a header, if any, is each column's first value)."""
    height = len(columns[0]) if columns else 0
    return (sheet_head(len(columns), height) + rows_xml(columns) + SHEET_END).encode("utf-8")


def skeleton_members(sheet_names: Sequence[str], creator: str,
                     created: str) -> list[tuple[str, bytes]]:
    """The workbook's parts as openpyxl writes them for empty sheets of these names."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    book.active.title = sheet_names[0]
    for name in sheet_names[1:]:
        book.create_sheet(name)
    book.properties.created = book.properties.modified = datetime.fromisoformat(created[:10])
    book.properties.creator = creator
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def sheet_member(number: int) -> str:
    """The part name openpyxl gives the ``number``-th sheet (from 1)."""
    return f"xl/worksheets/sheet{number}.xml"


def workbook_members(sheets: Mapping[str, Sequence[Sequence] | Any], creator: str,
                     created: str) -> list[tuple[str, Any]]:
    """Every part of the workbook, in openpyxl's order, with the sheets written here.

    ``sheets`` maps each sheet name, in order, to its columns; openpyxl names the parts
    ``xl/worksheets/sheet<N>.xml`` in that order. A sheet given as anything but a list of
    columns (the export's compressed member of an unchanged sheet) is passed through as it
    is, for ``export.deterministic_zip``.
    """
    written = {sheet_member(n): columns for n, columns in enumerate(sheets.values(), 1)}
    return [(name, member(written[name]) if name in written else data)
            for name, data in skeleton_members(list(sheets), creator, created)]


def member(columns: Sequence[Sequence] | Any) -> Any:
    """A sheet's XML from its columns; a ready member unchanged."""
    return sheet_xml(columns) if isinstance(columns, list | tuple) else columns
