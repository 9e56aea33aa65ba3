"""Workbooks in and out: what staff type in Excel read as canonical CSV text, and a blank template.

Staff keep their records in Excel. ``read_workbook`` turns each resource sheet into a frame of
canonical strings (the text the loader expects in the CSV) and remembers where each cell came
from (sheet, row, column letter, header as typed), so that every problem found later can be
reported where staff will look for it. Conversion is strict where a guess could change a
figure: an amount that could be read two ways (``1.234``) is refused, never guessed.

``write_template`` writes the blank workbook that makes valid data the easy path: header
notes explaining each field, drop-down lists for enumerations, number and text formats.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline.report import Problem, Severity

README_SHEET = "readme"
SHEET_NAME_MAX = 31  # Excel cuts sheet names to 31 characters
# Spaces Excel and web pages leave in cells: NBSP, figure, narrow and thin spaces.
ODD_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u2002\u2003"), " ")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
CURRENCY = r"(?:đồng|dong|vnđ|vnd|₫|đ)"
FIRST_SERIAL_DATE = dt.date(1950, 1, 1)  # a number below this in a date column is no date
LAST_SERIAL_DATE = dt.date(2100, 12, 31)
REPEATS_ROW = frozenset({"unique-error", "primary-key"})  # their messages name another row
TRUE_WORDS = frozenset({"true", "có", "co", "yes", "y", "x", "1", "đúng", "dung", "✓", "✔"})
FALSE_WORDS = frozenset({"false", "không", "khong", "no", "n", "0", "sai"})


class WorkbookError(Exception):
    """The file cannot be opened as an .xlsx workbook at all."""


# -- text keys --------------------------------------------------------------------------------

def clean_text(text: str) -> str:
    """NFC text without invisible characters, odd spaces made plain, ends stripped."""
    text = unicodedata.normalize("NFC", str(text)).translate(INVISIBLE).translate(ODD_SPACES)
    return text.strip()


def header_key(text) -> str:
    """A header compared the way staff see it: case, spacing and composition do not matter."""
    return " ".join(clean_text(text).split()).casefold()


def folded(text: str) -> str:
    """A name compared without case or diacritics (đ as d), for sheet names."""
    decomposed = unicodedata.normalize("NFD", header_key(text).replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# -- cell conversion --------------------------------------------------------------------------

@dataclass(frozen=True)
class Issue:
    """Why a cell could not be converted (or was converted with a doubt): a problem in waiting."""

    type: str
    vi: str
    en: str
    severity: Severity = "error"


Converted = tuple[str, Issue | None]


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def plain_number(value: float | int) -> str:
    """A number cell as text: integer-valued floats (2019.0) lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Parsed:
    """A typed number split into sign, whole digits and fraction digits."""

    sign: str
    whole: str
    fraction: str


def not_a_number(text: str) -> Issue:
    return Issue("number-invalid", f"'{text}' không phải là một số.",
                 f"'{text}' is not a number.")


def grouped(whole: str, separator: str) -> str | None:
    """The digits of ``1.234.567`` (groups of three after the first), or None if misgrouped."""
    parts = whole.split(separator)
    if not all(p.isdigit() for p in parts):
        return None
    if len(parts) == 1 or (len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])):
        return "".join(parts)
    return None


def split_number(text: str, dot_is_decimal: bool) -> Parsed | Issue:
    """Read grouped numbers in either convention; refuse what could be read two ways.

    ``1.234.567``, ``1,234,567`` and ``1 234 567`` are grouped thousands; with two kinds of
    mark (``1.234,5``) the last is the decimal mark. One mark followed by three digits
    (``1.234``) is a thousand or a decimal depending on the writer's convention: refused,
    except a point in a decimal column (the CSV form).
    """
    body = re.sub(rf"^{CURRENCY}\s*|\s*{CURRENCY}$", "", text.casefold()).strip()
    match = re.fullmatch(r"([+-]?)\s*(\d[\d., ]*\d|\d)", " ".join(body.split()))
    if not match:
        return not_a_number(text)
    sign, digits = match.groups()
    marks = [c for c in digits if c in ".,"]
    if not marks or (len(set(marks)) == 1 and len(marks) > 1):
        whole = grouped(digits, marks[0] if marks else " ")
        return Parsed(sign, whole, "") if whole else not_a_number(text)
    last = marks[-1]
    head, tail = digits.rsplit(last, 1)
    separators = {c for c in head if c in "., "}
    if marks.count(last) > 1 or len(separators) > 1 or not tail.isdigit():
        return not_a_number(text)
    if separators:
        whole = grouped(head, separators.pop())
        return Parsed(sign, whole, tail) if whole else not_a_number(text)
    if len(tail) == 3 and len(head) <= 3 and not (last == "." and dot_is_decimal):
        return Issue(
            "number-ambiguous",
            f"'{text}' có thể là {head}{tail} hoặc {head},{tail} (số thập phân). Cách sửa: "
            "viết số không có dấu phân cách (1234567) hoặc đủ các nhóm (1.234.567).",
            f"'{text}' could mean {head}{tail} or {head}.{tail}. Fix: write the number "
            "without separators (1234567) or with every group (1.234.567).")
    return Parsed(sign, head, tail)


def to_integer(value) -> Converted:
    """Whole numbers from number cells or typed text (``1.234.567 ₫``); no decimals, no guess."""
    if is_number(value):
        if isinstance(value, float) and not value.is_integer():
            return str(value), decimal_issue(str(value))
        return plain_number(value), None
    if isinstance(value, (bool, dt.date, dt.time)):
        return str(value), not_a_number(str(value))
    text = clean_text(value)
    if not text:
        return "", None
    parsed = split_number(text, dot_is_decimal=False)
    if isinstance(parsed, Issue):
        return text, parsed
    if parsed.fraction.strip("0"):
        return text, decimal_issue(text)
    number = int(parsed.sign + parsed.whole)
    return str(number), None


def decimal_issue(text: str) -> Issue:
    return Issue("integer-decimal",
                 f"Số có phần thập phân '{text}' trong cột số nguyên. Cách sửa: nhập số "
                 "nguyên (số tiền tính bằng đồng), không có phần lẻ.",
                 f"Decimal number '{text}' in a whole-number column. Fix: type a whole "
                 "number (amounts in VND), without decimals.")


def to_number(value) -> Converted:
    """Decimal numbers: a point or a comma as decimal mark, grouped thousands accepted."""
    if is_number(value):
        return plain_number(value), None
    if isinstance(value, (bool, dt.date, dt.time)):
        return str(value), not_a_number(str(value))
    text = clean_text(value)
    if not text:
        return "", None
    parsed = split_number(text, dot_is_decimal=True)
    if isinstance(parsed, Issue):
        return text, parsed
    whole = str(int(parsed.whole))
    sign = "-" if parsed.sign == "-" else ""
    return sign + whole + (f".{parsed.fraction}" if parsed.fraction else ""), None


def date_issue(text: str, kind: str = "date-invalid") -> Issue:
    return Issue(kind,
                 f"'{text}' không phải là một ngày có thật. Cách sửa: viết ngày theo dạng "
                 "ngày/tháng/năm (dd/mm/yyyy), ví dụ 15/03/2021.",
                 f"'{text}' is not a real date. Fix: write the date as day/month/year "
                 "(dd/mm/yyyy), for example 15/03/2021.")


def serial_date(serial: float, text: str) -> Converted:
    """An Excel date serial (days since 1899-12-30) within a plausible range."""
    from openpyxl.utils.datetime import from_excel

    try:
        day = from_excel(serial).date()
    except (ValueError, OverflowError, TypeError):
        return text, date_issue(text)
    if not FIRST_SERIAL_DATE <= day <= LAST_SERIAL_DATE:
        return text, date_issue(text)
    return day.isoformat(), None


def calendar_date(year: str, month: str, day: str, text: str) -> Converted:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat(), None
    except ValueError:
        return text, date_issue(text, "date-impossible")


def to_date(value) -> Converted:
    """ISO dates from date cells, Excel serials, ``dd/mm/yyyy``, ``d/m/yyyy`` or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    if is_number(value):
        return serial_date(value, plain_number(value))
    text = clean_text(value)
    if not text:
        return "", None
    time = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    if match := re.fullmatch(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){time}", text):
        return calendar_date(*match.groups(), text)
    if match := re.fullmatch(rf"(\d{{1,2}})\s*[/.-]\s*(\d{{1,2}})\s*[/.-]\s*(\d{{4}}){time}",
                             text):
        day, month, year = match.groups()
        return calendar_date(year, month, day, text)
    if re.fullmatch(r"\d{5}", text):
        return serial_date(int(text), text)
    return text, date_issue(text)


def to_boolean(value, spec: dict) -> Converted:
    """``có/không``, ``yes/no``, ``x``, TRUE/FALSE and 1/0 as the schema's true/false text."""
    true = (spec.get("trueValues") or ["true"])[0]
    false = (spec.get("falseValues") or ["false"])[0]
    if isinstance(value, bool) or (is_number(value) and value in (0, 1)):
        return (true if value else false), None
    text = clean_text("" if value is None else value)
    word = text.casefold()
    if not word:
        return "", None
    if word in TRUE_WORDS or text in spec.get("trueValues", []):
        return true, None
    if word in FALSE_WORDS or text in spec.get("falseValues", []):
        return false, None
    return text, Issue("boolean-invalid",
                       f"'{text}' không phải là có/không. Cách sửa: nhập 'có' hoặc 'không'.",
                       f"'{text}' is not yes/no. Fix: type 'yes' or 'no' (có/không).")


def restored_code(digits: str, pattern: str | None) -> Converted:
    """A code Excel turned into a number (40 for 040), padded back when only one width fits."""
    if not pattern:
        return digits, None
    fits = re.fullmatch(pattern, digits) is not None
    padded = [digits.zfill(width) for width in range(len(digits) + 1, 16)
              if re.fullmatch(pattern, digits.zfill(width))]
    if not padded:
        return digits, None
    if not fits and len(padded) == 1:
        return padded[0], None
    choices = " / ".join([digits, *padded] if fits else padded)
    issue = Issue(
        "code-ambiguous",
        f"Excel đã lưu mã này thành số {digits}, có thể đã mất số 0 đứng đầu ({choices}). "
        "Cách sửa: định dạng cột là Văn bản (Text) rồi nhập lại mã.",
        f"Excel stored this code as the number {digits}; leading zeros may be lost "
        f"({choices}). Fix: format the column as Text and type the code again.",
        severity="warning" if fits else "error")
    return digits, issue


def to_string(value, spec: dict) -> Converted:
    """Text cleaned of stray spaces and NFC; number cells in code columns restored."""
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if is_number(value):
        text = plain_number(value)
        if re.fullmatch(r"\d+", text):
            return restored_code(text, spec.get("constraints", {}).get("pattern"))
        return text, None
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    text = clean_text(value)
    return enum_value(text, spec.get("constraints", {}).get("enum")), None


def enum_value(text: str, allowed: list | None) -> str:
    """An enumerated value typed with other case or without diacritics, when only one fits."""
    if not allowed or text in allowed:
        return text
    matches = [str(a) for a in allowed if folded(str(a)) == folded(text)]
    return matches[0] if len(matches) == 1 else text


def convert_cell(value, spec: dict) -> Converted:
    """One cell as canonical CSV text for its schema field, with the issue if it has one."""
    if value is None:
        return "", None
    kind = spec.get("type", "string")
    if kind == "integer":
        return to_integer(value)
    if kind == "number":
        return to_number(value)
    if kind == "date":
        return to_date(value)
    if kind == "boolean":
        return to_boolean(value, spec)
    return to_string(value, spec)


# -- where each cell came from ----------------------------------------------------------------

@dataclass
class Sheet:
    """One resource read from its sheet: canonical strings and where each came from.

    ``frame`` has one column per field found (schema order) and one row per non-empty sheet
    row; ``rows[i]`` is the sheet row number of frame row ``i``; ``columns`` maps a field to
    its column letter and the header as typed.
    """

    resource: str
    title: str
    book: str
    frame: pd.DataFrame
    rows: list[int] = field(default_factory=list)
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    header_row: int = 1

    @property
    def file(self) -> str:
        return f"{self.book} › {self.title}"

    def column(self, name: str | None) -> str | None:
        """``L (Kinh phí khuyến công)``: the column as staff see it (each of ``a, b``)."""
        if not name:
            return name
        parts = [self.columns.get(part) for part in name.split(", ")]
        if not all(parts):
            return name
        return ", ".join(f"{letter} ({header})" for letter, header in parts)

    def sheet_row(self, row: int | None) -> int | None:
        """The sheet row of a CSV row (header = 1), blank sheet rows counted."""
        if row is not None and 2 <= row < len(self.rows) + 2:
            return self.rows[row - 2]
        return self.header_row if row == 1 else row

    def locate(self, problem: Problem) -> Problem:
        """A problem found in the CSV placed in the sheet: file, row, column and the row a
        duplicate repeats (named in the message)."""
        vi, en = problem.message_vi, problem.message_en
        if problem.type in REPEATS_ROW:
            def moved(match: re.Match) -> str:
                return f"{match[1]} {self.sheet_row(int(match[2]))}"
            vi, en = (re.sub(r"(dòng|row) (\d+)", moved, text) for text in (vi, en))
        return replace(problem, file=self.file, row=self.sheet_row(problem.row),
                       field=self.column(problem.field), message_vi=vi, message_en=en)


def sheet_problem(sheet: Sheet, issue: Issue, row: int, column: str | None,
                  value: str | None = None) -> Problem:
    return Problem(type=issue.type, file=sheet.file, resource=sheet.resource, row=row,
                   field=column, value=value, message_vi=issue.vi, message_en=issue.en,
                   severity=issue.severity)


# -- matching sheets and headers --------------------------------------------------------------

def title_parts(title: str) -> list[str]:
    """``Đề án khuyến công (Projects)`` -> the whole title, its Vietnamese and English parts."""
    match = re.fullmatch(r"(.*?)\s*\((.*)\)\s*", title)
    return [title, *match.groups()] if match else [title]


def sheet_aliases(resource: dict) -> set[str]:
    """Folded names a sheet of this resource may carry (also as cut to 31 characters)."""
    names = [resource["name"], *title_parts(resource.get("title", ""))]
    return {folded(n[:length]) for n in names if n for length in (len(n), SHEET_NAME_MAX)}


def match_sheet(title: str, resources: list[dict]) -> str | None:
    """The resource a sheet holds, by its name or its title in either language."""
    key = folded(title)
    for resource in resources:
        if key in sheet_aliases(resource):
            return resource["name"]
    return None


def header_lookup(fields: list[dict]) -> dict[str, str | None]:
    """Header key -> field name; a key two fields share maps to None (ambiguous)."""
    lookup: dict[str, str | None] = {}
    for spec in fields:
        for text in {spec["name"], spec.get("title"), spec.get("title_en")} - {None}:
            key = header_key(text)
            lookup[key] = spec["name"] if lookup.get(key, spec["name"]) == spec["name"] else None
    for spec in fields:  # a field's own name always wins over another field's title
        lookup[header_key(spec["name"])] = spec["name"]
    return lookup


def header_issue(kind: str, header: str, resource: str) -> Issue:
    if kind == "duplicate-header":
        return Issue(kind, f"Cột '{header}' xuất hiện hai lần. Cách sửa: xóa một cột.",
                     f"Column '{header}' appears twice. Fix: delete one of them.")
    if kind == "ambiguous-header":
        return Issue(kind, f"Tiêu đề '{header}' khớp với nhiều trường. Cách sửa: dùng tên "
                     "trường (dòng tiêu đề của mẫu).",
                     f"Header '{header}' matches more than one field. Fix: use the field "
                     "name (as in the template's header row).")
    return Issue("extra-column",
                 f"Cột '{header}' không có trong lược đồ của '{resource}'. Cách sửa: xóa cột "
                 "hoặc dùng tên trường, tiêu đề tiếng Việt hoặc tiếng Anh.",
                 f"Column '{header}' is not in the '{resource}' schema. Fix: delete it or use "
                 "the field name, its Vietnamese or its English title.")


def map_headers(sheet: Sheet, header: tuple, fields: list[dict],
                row: int) -> tuple[dict[int, str], list[Problem]]:
    """Column index -> field name, and a problem for each header that maps to none or twice."""
    from openpyxl.utils import get_column_letter

    lookup = header_lookup(fields)
    mapping: dict[int, str] = {}
    problems = []
    for index, cell in enumerate(header):
        text = clean_text("" if cell is None else cell)
        if not text:
            continue
        letter = get_column_letter(index + 1)
        name = lookup.get(header_key(text), "")
        kind = ("ambiguous-header" if name is None else "extra-column" if not name
                else "duplicate-header" if name in mapping.values() else None)
        if kind:
            problems.append(sheet_problem(sheet, header_issue(kind, text, sheet.resource),
                                          row, f"{letter} ({text})", text))
            continue
        mapping[index] = name
        sheet.columns[name] = (letter, text)
    return mapping, problems


def missing_columns(sheet: Sheet, fields: list[dict], row: int) -> list[Problem]:
    """Schema fields without a column; private fields may be left out (they are kept)."""
    return [sheet_problem(sheet, Issue(
        "missing-column",
        f"Thiếu cột '{f['name']}' ({f.get('title', '')}). Cách sửa: thêm cột này vào dòng "
        "tiêu đề.",
        f"Column '{f['name']}' ({f.get('title_en', '')}) is missing. Fix: add it to the header "
        "row."), row, f["name"]) for f in fields
        if f["name"] not in sheet.columns and not f.get("private")]


# -- reading ----------------------------------------------------------------------------------

def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


def header_index(rows: list[tuple]) -> int | None:
    """The first row with any content is the header row."""
    return next((i for i, row in enumerate(rows) if not all(map(blank, row))), None)


def orphan_cells(sheet: Sheet, row: tuple, number: int, mapping: dict[int, str],
                 header: tuple) -> list[Problem]:
    """Values in a column without a header would be lost silently: name them."""
    from openpyxl.utils import get_column_letter

    return [sheet_problem(sheet, Issue(
        "value-without-header",
        "Ô có giá trị nhưng cột không có tiêu đề. Cách sửa: thêm tiêu đề hoặc xóa giá trị.",
        "A cell has a value but its column has no header. Fix: add a header or clear it."),
        number, get_column_letter(index + 1), str(value))
        for index, value in enumerate(row)
        if index not in mapping and not blank(value)
        and (index >= len(header) or blank(header[index]))]


def convert_row(sheet: Sheet, row: tuple, number: int, mapping: dict[int, str],
                specs: dict[str, dict]) -> tuple[dict[str, str], list[Problem]]:
    """One sheet row as canonical strings per field, and its conversion problems."""
    record, problems = {}, []
    for index, name in mapping.items():
        value = row[index] if index < len(row) else None
        text, issue = convert_cell(value, specs[name])
        record[name] = text
        if issue:
            problems.append(sheet_problem(sheet, issue, number, sheet.column(name), text))
    return record, problems


def conversion_specs(resource: dict, resources: list[dict]) -> dict[str, dict]:
    """Field specs by name; a foreign key without a pattern borrows its target's pattern.

    ``projects.unit_id`` has no pattern, but the ``admin-units.unit_id`` it points to has
    one: it tells whether a number cell lost leading zeros.
    """
    specs = {f["name"]: f for f in resource["schema"]["fields"]}
    for key in resource["schema"].get("foreignKeys", []):
        fields, target = key["fields"], key["reference"]
        if isinstance(fields, str):
            fields, target = [fields], {**target, "fields": [target["fields"]]}
        if len(fields) != 1 or "pattern" in specs[fields[0]].get("constraints", {}):
            continue
        other = next((r for r in resources if r["name"] == (target["resource"] or
                                                             resource["name"])), None)
        spec = next((f for f in (other or {}).get("schema", {}).get("fields", [])
                     if f["name"] == target["fields"][0]), {})
        if "pattern" in spec.get("constraints", {}):
            constraints = {**specs[fields[0]].get("constraints", {}),
                           "pattern": spec["constraints"]["pattern"]}
            specs[fields[0]] = {**specs[fields[0]], "constraints": constraints}
    return specs


def read_sheet(rows: list[tuple], title: str, book: str, resource: dict,
               resources: list[dict]) -> tuple[Sheet | None, list[Problem]]:
    """A resource sheet as canonical strings; None when it holds no data rows at all."""
    fields = resource["schema"]["fields"]
    sheet = Sheet(resource=resource["name"], title=title, book=book, frame=pd.DataFrame())
    start = header_index(rows)
    if start is None:
        return None, []
    header = rows[start]
    sheet.header_row = start + 1
    mapping, problems = map_headers(sheet, header, fields, start + 1)
    problems += missing_columns(sheet, fields, start + 1)
    specs = conversion_specs(resource, resources)
    records = []
    for offset, row in enumerate(rows[start + 1:], start + 2):
        if all(map(blank, row)):
            continue
        problems += orphan_cells(sheet, row, offset, mapping, header)
        record, found = convert_row(sheet, row, offset, mapping, specs)
        records.append(record)
        sheet.rows.append(offset)
        problems += found
    if not records:
        return None, problems
    order = [f["name"] for f in fields if f["name"] in sheet.columns]
    sheet.frame = pd.DataFrame(records, columns=order, dtype=object).astype(str)
    return sheet, problems


def rows_of(sheet) -> list[tuple]:
    """Cell values row by row; dimensions recomputed, as some writers record them wrong."""
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def open_rows(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's cell values (cached results for formulas), or WorkbookError."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise WorkbookError(f"{path}: no such file") from exc
    except Exception as exc:  # openpyxl raises zip, XML and key errors for non-workbooks
        raise WorkbookError(f"{path}: not an Excel .xlsx workbook ({exc}); save it again "
                            "as Excel Workbook (.xlsx)") from exc
    try:
        return {sheet.title: rows_of(sheet) for sheet in book}
    finally:
        book.close()


def unknown_sheet(title: str, book: str, resources: list[dict]) -> Problem:
    names = ", ".join(r["name"] for r in resources)
    return Problem(type="unknown-sheet", file=f"{book} › {title}", row=None,
                   message_vi=f"Trang tính '{title}' không ứng với bảng dữ liệu nào. Cách sửa: "
                   f"đặt tên trang là một trong: {names} (hoặc tên bảng), hoặc xóa trang.",
                   message_en=f"Sheet '{title}' matches no resource. Fix: name it one of: "
                   f"{names} (or the resource title), or delete the sheet.")


def duplicate_sheet(title: str, book: str, resource: str) -> Problem:
    return Problem(type="duplicate-sheet", file=f"{book} › {title}", resource=resource,
                   message_vi=f"Đã có một trang tính khác cho bảng '{resource}'. Cách sửa: "
                   "gộp lại thành một trang.",
                   message_en=f"Another sheet already holds '{resource}'. Fix: keep one sheet.")


def read_workbook(path: Path, descriptor: dict) -> tuple[dict[str, Sheet], list[Problem]]:
    """Each resource sheet of a workbook, by resource name, and every problem in reading it.

    Sheets are matched by resource name or title (either language, any case, with or
    without diacritics); a README sheet and empty sheets are ignored; a resource without a
    sheet, or whose sheet has no data row, is absent from the result.
    """
    path = Path(path)
    resources = descriptor["resources"]
    sheets: dict[str, Sheet] = {}
    problems: list[Problem] = []
    for title, rows in open_rows(path).items():
        name = match_sheet(title, resources)
        if name is None:
            if folded(title) != README_SHEET and header_index(rows) is not None:
                problems.append(unknown_sheet(title, path.name, resources))
            continue
        if name in sheets:
            problems.append(duplicate_sheet(title, path.name, name))
            continue
        resource = next(r for r in resources if r["name"] == name)
        sheet, found = read_sheet(rows, title, path.name, resource, resources)
        problems += found
        if sheet is not None:
            sheets[name] = sheet
    return sheets, problems


# -- the blank template -----------------------------------------------------------------------

FALLBACK_DATE = "1980-01-01"  # the earliest time a ZIP entry can carry
NUMBER_FORMATS = {"integer": "#,##0", "number": "0.#####", "date": "dd/mm/yyyy",
                  "boolean": "General", "string": "@"}
WIDTHS = {"integer": 16, "number": 12, "date": 13, "boolean": 10, "string": 24}
TEMPLATE_ROWS = 5000  # rows covered by drop-down lists and formats


def template_date(created: str | None = None) -> str:
    """The date stamped into the template: given, else SOURCE_DATE_EPOCH, else a fixed one."""
    if created:
        return created[:10]
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return FALLBACK_DATE


def constraint_lines(spec: dict) -> list[str]:
    """The field's type and constraints in a few bilingual lines."""
    rules = spec.get("constraints", {})
    lines = [f"Kiểu / Type: {spec.get('type', 'string')}"]
    if rules.get("required"):
        lines.append("Bắt buộc / Required")
    if rules.get("unique"):
        lines.append("Không trùng / Unique")
    if "enum" in rules:
        lines.append("Chọn trong / One of: " + ", ".join(map(str, rules["enum"])))
    if "pattern" in rules:
        lines.append(f"Mẫu / Pattern: {rules['pattern']}")
    bounds = [f"{k} {rules[k]}" for k in ("minimum", "maximum", "maxLength") if k in rules]
    if bounds:
        lines.append("Giới hạn / Limits: " + ", ".join(bounds))
    if spec.get("type") == "date":
        lines.append("Ngày dạng / Dates as dd/mm/yyyy")
    if spec.get("private"):
        lines.append("Dữ liệu cá nhân, không công bố / Personal data, never published")
    return lines


def header_note(spec: dict) -> str:
    """The note on a header cell: what the field means in both languages, then its rules."""
    parts = [f"{spec.get('title', spec['name'])} / {spec.get('title_en', spec['name'])}",
             spec.get("description", ""), spec.get("description_en", ""), "",
             *constraint_lines(spec)]
    return "\n".join(p for p in parts if p is not None)


def choices(spec: dict) -> list[str] | None:
    """The drop-down list of a field: its enumeration, or yes/no for a boolean."""
    enum = spec.get("constraints", {}).get("enum")
    if enum:
        return [str(e) for e in enum]
    if spec.get("type") == "boolean":
        return [(spec.get("trueValues") or ["true"])[0], (spec.get("falseValues") or ["false"])[0]]
    return None


def add_choices(sheet, spec: dict, letter: str) -> None:
    """A drop-down list on the column (values joined by commas must stay under 255 chars)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    values = choices(spec)
    if not values:
        return
    validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                                allow_blank=True, showErrorMessage=True,
                                errorTitle="Giá trị không hợp lệ / Invalid value",
                                error="Chọn một giá trị trong danh sách. / Pick a listed value.")
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(validation)


def template_sheet(book, resource: dict) -> None:
    """One resource sheet: styled header with notes, formats, lists, frozen first row."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(resource["name"])
    fields = resource["schema"]["fields"]
    sheet.append([f["name"] for f in fields])
    for index, spec in enumerate(fields, 1):
        letter, kind = get_column_letter(index), spec.get("type", "string")
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(vertical="top")
        cell.comment = Comment(header_note(spec), "khuyen-cong", width=320, height=220)
        sheet.column_dimensions[letter].width = max(WIDTHS.get(kind, 24), len(spec["name"]) + 4)
        sheet.column_dimensions[letter].number_format = NUMBER_FORMATS.get(kind, "@")
        add_choices(sheet, spec, letter)
    sheet.freeze_panes = "A2"


def template_readme(book, descriptor: dict) -> None:
    """The first sheet: how to fill the workbook and bring it back in."""
    sheet = book.active
    sheet.title = "README"
    lines = [
        descriptor.get("title", descriptor.get("name", "")),
        "",
        "Mẫu nhập liệu: mỗi trang tính là một bảng dữ liệu; dòng 1 là tên trường (di chuột lên "
        "ô tiêu đề để xem giải thích). Nhập từ dòng 2. Ngày dạng dd/mm/yyyy; số tiền tính bằng "
        "đồng, số nguyên. Chọn giá trị trong danh sách thả xuống khi có.",
        "Data entry template: each sheet is one dataset; row 1 holds the field names (hover a "
        "header for its note). Type data from row 2. Dates as dd/mm/yyyy; amounts in whole VND. "
        "Pick from the drop-down list where there is one.",
        "",
        "Nhập vào dữ liệu / Import: make import FILE=<tệp>.xlsx",
    ]
    for line in lines:
        sheet.append([line])
    sheet.column_dimensions["A"].width = 120


def template_bytes(descriptor: dict, created: str | None = None) -> bytes:
    """The blank template as bytes that depend only on the schemas and the date."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    from pipeline.export import deterministic_zip

    day = template_date(created)
    book = Workbook()
    template_readme(book, descriptor)
    for resource in descriptor["resources"]:
        template_sheet(book, resource)
    book.properties.created = book.properties.modified = dt.datetime.fromisoformat(day)
    book.properties.creator = descriptor.get("name", "")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    return deterministic_zip(entries, day)


def write_template(package_descriptor: dict, path: Path, created: str | None = None) -> Path:
    """Write the blank template workbook (descriptor with schemas inlined) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(template_bytes(package_descriptor, created))
    return path

