"""The only module that reads data files: the descriptor, the schemas and the CSVs.

Staff save CSVs from Excel, so the loader checks what Frictionless would sniff past silently
(encoding, delimiter, empty files, missing or extra columns) and reports each as a positioned
problem with the fix, instead of a traceback. Everything it returns is NFC-normalised; what
only a reader of the file can see (text not in NFC, rows with too few cells) it reports itself.

It is also the first half of validation's time at national scale, so each file is parsed once,
from its bytes, by Arrow's multi-threaded CSV reader (pandas' C parser for what Arrow declines:
short rows, extra cells, a repeated column name); the checks of the text (NFC, short rows) run
over the whole file at C speed and only fall back to per-row work when they find something.
Arrow reads each column dictionary-encoded: its distinct cells and, per row, which one it is
(``Encoded``). Only the distinct cells become Python strings, and the typing here and the
checks that follow work on them instead of every cell (a national projects column has 50,000
cells and between 2 and 16,000 distinct values).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as arrow_csv
import yaml

from pipeline.report import Problem, Report

DESCRIPTOR = "datapackage.yaml"
NON_NFC = "non-nfc-text"
# ASCII, UTF-8 continuation bytes and the lead bytes of U+0080-U+02FF (see certainly_nfc)
NFC_INERT = bytes(range(0xC0)) + bytes(range(0xC2, 0xCC))
VIETNAMESE_LEAD = 0xE1  # of U+1000-U+1FFF; U+1E00-U+1EFF when the next byte is B8-BB
EMPTY = re.compile(rb"[\xef\xbb\xbf \t\r\n]*")
LINE_END = re.compile(rb"\r\n|\r|\n")
# libyaml's loader when PyYAML was built with it: the pure-Python one takes a tenth of a
# second on the schemas, as long as validating a whole national package should.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Arrow's reading of a CSV as RFC 4180 and pandas' C parser read it: quoted cells may hold
#: line ends, no line is skipped, every cell is text (no null values, no type inference).
ARROW_PARSE = arrow_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
ARROW_CELL = pa.dictionary(pa.int32(), pa.string())


@dataclass(frozen=True)
class Encoded:
    """A raw column as its distinct cells and, for each row, the position of its cell
    among them: ``uniques[codes]`` is the column.

    A check whose verdict on a cell depends on the cell alone decides once per distinct
    cell (``per_cell``); the typing of a column is the typing of its distinct cells, taken.
    """

    codes: np.ndarray  # integer positions into uniques, one per row
    uniques: np.ndarray  # object array of distinct str

    def per_cell(self, verdicts: np.ndarray) -> np.ndarray:
        """Verdicts on the distinct cells spread to every row."""
        return np.asarray(verdicts)[self.codes]


class PackageError(Exception):
    """The package cannot be read at all (no descriptor, or a descriptor that is not YAML)."""


@dataclass(frozen=True)
class Package:
    """A loaded data package: the descriptor with schemas inlined, and one frame per resource.

    ``raw`` holds the cells as written (NFC strings) for checks that need the original text;
    ``frames`` holds them typed by the schema (Int64, Float64, boolean, datetime64, string),
    with cells that do not parse set to missing.
    """

    root: Path
    descriptor: dict
    raw: dict[str, pd.DataFrame] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: per resource and field, the raw column dictionary-encoded, when the reader gave it
    #: for exactly the rows of ``raw`` (a checker may use it or read ``raw`` alone)
    encoded: dict[str, dict[str, Encoded]] = field(default_factory=dict)

    @property
    def resource_names(self) -> list[str]:
        return [r["name"] for r in self.descriptor["resources"]]

    def resource(self, name: str) -> dict:
        return next(r for r in self.descriptor["resources"] if r["name"] == name)

    def schema(self, name: str) -> dict:
        return self.resource(name)["schema"]

    def fields(self, name: str) -> list[dict]:
        return self.schema(name)["fields"]

    def private_fields(self, name: str) -> list[str]:
        """Fields marked ``private: true``: personal data that must never be published."""
        return [f["name"] for f in self.fields(name) if f.get("private")]

    def path(self, name: str) -> Path:
        return self.root / self.resource(name)["path"]

    def relpath(self, name: str) -> str:
        return relative(self.path(name), self.root)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


def relative(path: Path, root: Path) -> str:
    """A path as staff see it in the project: data/projects.csv."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def read_descriptor(root: Path) -> dict:
    """The datapackage.yaml with each schema file read and inlined."""
    path = root / DESCRIPTOR
    if not path.is_file():
        raise PackageError(f"{path}: no data package descriptor (datapackage.yaml) found")
    try:
        descriptor = read_yaml(path)
        for resource in descriptor["resources"]:
            if isinstance(resource.get("schema"), str):
                resource["schema"] = read_yaml(root / resource["schema"])
    except (yaml.YAMLError, OSError, KeyError, TypeError) as exc:
        raise PackageError(f"{path}: cannot read the descriptor or a schema: {exc}") from exc
    return descriptor


def read_yaml(path: Path):
    """YAML with the safe loader (in C when available)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)


def problem(kind: str, file: str, resource: str, vi: str, en: str, **position) -> Problem:
    return Problem(type=kind, file=file, resource=resource, message_vi=vi, message_en=en,
                   **position)


def decode(data: bytes, file: str, resource: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text (without its BOM), or a problem naming the row and the fix."""
    if EMPTY.fullmatch(data):  # stops at the first byte of content, unlike strip()
        return None, [problem(
            "empty-file", file, resource,
            "Tệp rỗng. Hãy xuất lại bảng tính kèm dòng tiêu đề.",
            "The file is empty. Export the sheet again, with its header row.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        value = data[max(0, exc.start - 10): exc.start + 10].decode("latin-1", "replace")
        return None, [problem(
            "encoding-error", file, resource,
            "Tệp không phải UTF-8 (có thể là Windows-1258 hoặc Latin-1 do Excel lưu). "
            "Cách sửa: trong Excel chọn Lưu thành > CSV UTF-8 (phân cách bằng dấu phẩy).",
            "The file is not UTF-8 (probably Windows-1258 or Latin-1 saved by Excel). "
            "Fix: in Excel use Save As > CSV UTF-8 (Comma delimited).",
            row=row, value=value)]
    return text, []


def check_header(header: list[str], expected: list[str], file: str,
                 resource: str) -> list[Problem]:
    """Semicolon or tab separators, missing and extra columns, named one by one."""
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t")):
        sep = "dấu chấm phẩy" if ";" in header[0] else "tab"
        return [problem(
            "delimiter-error", file, resource,
            f"Các cột được phân cách bằng {sep}, không phải dấu phẩy. Cách sửa: lưu lại "
            "dưới dạng CSV UTF-8 (phân cách bằng dấu phẩy).",
            "Columns are separated by a semicolon or tab, not a comma. Fix: save again as "
            "CSV UTF-8 (Comma delimited).", row=1, value=header[0][:80])]
    problems = []
    for name in expected:
        if name not in header:
            problems.append(problem(
                "missing-column", file, resource,
                f"Thiếu cột '{name}'. Cách sửa: thêm cột này vào dòng tiêu đề.",
                f"Column '{name}' is missing. Fix: add it to the header row.",
                row=1, field=name))
    for position, name in enumerate(header, 1):
        if name not in expected:
            problems.append(problem(
                "extra-column", file, resource,
                f"Cột thứ {position} '{name}' không có trong lược đồ. Cách sửa: xóa cột "
                "hoặc sửa tên cho đúng.",
                f"Column {position} '{name}' is not in the schema. Fix: delete it or correct "
                "its name.", row=1, field=name or None, value=name))
    return problems


def first_record(text: str) -> list[str]:
    """The header row, read without copying the whole file into a StringIO."""
    return next(csv.reader(lines(text)), [])


def lines(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        yield text[start:end]
        start = end


def parse_input(data: bytes, text: str, normal: bool) -> bytes:
    """The bytes pandas parses: the file itself when it is NFC (``normal``) with LF line ends.

    Parsing bytes is twice as fast as parsing a str (pandas would encode it back). Otherwise
    the text is normalised once, before parsing, not cell by cell: commas, quotes and line
    ends never compose with a combining mark. CR and CRLF become LF, also inside quoted cells.
    """
    if normal and "\r" not in text:
        return without_bom(data)
    return nfc(lf(text)).encode("utf-8")


def lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


Records = tuple[pd.DataFrame, dict[str, Encoded]]


#: ``read_records``' table argument when Arrow has not read the payload yet
UNREAD: Any = object()


def read_records(payload: bytes, table: pa.Table | None = UNREAD) -> Records:
    """Every record as strings, blank lines included (as rows of empty cells), and the
    columns dictionary-encoded when Arrow could read the file; ``table`` is Arrow's reading
    of ``payload`` when it was read ahead (None: Arrow declined it)."""
    if table is UNREAD:
        table = arrow_table(payload)
    if table is not None:
        return arrow_records_of(table)
    with warnings.catch_warnings():
        # ``index_col=False``: by default pandas takes a file whose first record has one
        # cell more than the header for one with an index column, and shifts every cell;
        # with it, pandas drops that cell with a warning, which is raised here instead.
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(io.BytesIO(payload), dtype=str, keep_default_na=False,
                               na_filter=False, skip_blank_lines=False, index_col=False), {}
        except pd.errors.ParserWarning:
            raise pd.errors.ParserError(first_long_record(payload)) from None


def first_long_record(payload: bytes) -> str:
    """Where the first record with more cells than the header is, in the words of pandas'
    parser error (``extra_cells`` reads them)."""
    width, *counts = record_widths(payload) or [0]
    for row, count in enumerate(counts, start=2):
        if count > width:
            return f"Expected {width} fields in line {row}, saw {count}"
    return "a record has more cells than the header"


def record_widths(payload: bytes) -> list[int]:
    """How many cells each record has, the header's first: counted one record at a time,
    only where a file is already known to be malformed."""
    return [len(cells) for cells in csv.reader(io.StringIO(payload.decode("utf-8")))]


def arrow_table(payload: bytes) -> pa.Table | None:
    """Arrow's table of the file, every column dictionary-encoded text, or None where
    pandas' parser must say what it sees.

    Arrow stops at a row with too few or too many cells, and a blank line in a file of
    several columns is such a row; pandas fills a short row in (``short_rows`` reports
    it) and names the first long one (``extra_cells``). A repeated column name is left to
    pandas too, which renames the second. Text that is not UTF-8 is refused by both.
    ``tests/test_load.py`` reads awkward files both ways and compares.
    """
    try:
        header = first_record(header_bytes(payload).decode("utf-8"))
    except (UnicodeDecodeError, csv.Error):
        return None
    if not header or len(set(header)) != len(header):
        return None
    try:
        table = arrow_csv.read_csv(
            pa.py_buffer(payload), parse_options=ARROW_PARSE,
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(header, ARROW_CELL), null_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    return table if table.column_names == header else None


def arrow_records_of(table: pa.Table) -> Records:
    """The records of Arrow's table: each column's distinct cells become Python strings
    once, and the column is them taken by row (``Encoded``)."""
    columns, encoded = {}, {}
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        uniques = np.asarray(column.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        codes = column.indices.to_numpy()
        encoded[name] = Encoded(codes=codes, uniques=uniques)
        columns[name] = pd.Series(uniques[codes], dtype=str, copy=False)
    return pd.DataFrame(columns, copy=False), encoded


def without_blank_rows(records: pd.DataFrame) -> pd.DataFrame:
    """The records without blank lines, which are dropped but counted.

    The index stays the line's position, so that ``index + 2`` is the row staff see in the
    file, as in Frictionless's row numbers. Only rows whose first cell is empty can be blank,
    so the other columns are looked at for those rows alone.
    """
    first = records.iloc[:, 0].to_numpy(dtype=object) == "" if len(records.columns) else []
    candidates = records[first]
    if candidates.empty:
        return records
    blank = candidates.index[(candidates == "").all(axis=1).to_numpy()]
    return records.drop(index=blank) if len(blank) else records


def typed_column(values: pd.Series, spec: dict) -> pd.Series:
    """A column converted to the schema type; unparseable and empty cells become missing."""
    kind = spec.get("type", "string")
    blank = values.to_numpy(dtype=object) == ""  # numpy: 5x pandas' string comparison
    if kind == "integer":
        plain = plain_integers(values, blank)
        if plain is not None:
            return plain
        numbers = pd.to_numeric(values.where(values.str.fullmatch(r"[+-]?\d+"), None),
                                errors="coerce")
        return numbers.astype("Int64")
    if kind == "number":
        return pd.to_numeric(values.where(~blank, None), errors="coerce").astype("Float64")
    if kind == "boolean":
        true = spec.get("trueValues", ["true", "True", "TRUE", "1"])
        false = spec.get("falseValues", ["false", "False", "FALSE", "0"])
        mapping = {**dict.fromkeys(true, True), **dict.fromkeys(false, False)}
        return values.map(mapping).astype("boolean")
    if kind == "date":
        return pd.to_datetime(values.where(~blank, None), format="%Y-%m-%d", errors="coerce")
    return text_column(values, blank)


def text_column(values: pd.Series, blank: np.ndarray) -> pd.Series:
    """Text with empty cells missing: a change of string dtype only, when none is empty."""
    typed = values.astype("string")
    if blank.any():
        typed = typed.mask(blank)
    return typed


def plain_digits(cells: np.ndarray) -> bool:
    """Every cell is empty or ASCII digits, and one is not: one test of the joined text.

    ``str.isdigit`` looks up each character's Unicode properties (2 ms for a column of
    50,000 amounts); once the text is known to be ASCII, ``bytes.isdigit`` is 20 times
    faster. Full-width and other Unicode digits are not ASCII, so they fail here.
    """
    joined = "".join(cells)
    return joined.isascii() and joined.encode("ascii").isdigit()


def plain_integers(values: pd.Series, blank: np.ndarray) -> pd.Series | None:
    """Empty-or-digit cells as Int64, converted by numpy in one call (None otherwise).

    A number too large for int64 stops the conversion (OverflowError): such a column is
    read cell by cell like any other that is not plain.
    """
    cells = values.to_numpy(dtype=object)
    if not plain_digits(cells):
        return None
    try:
        digits = (np.where(blank, "0", cells) if blank.any() else cells).astype(np.int64)
    except OverflowError:
        return None
    return pd.Series(pd.arrays.IntegerArray(digits, blank.copy()), index=values.index)


def typed_frame(raw: pd.DataFrame, fields: list[dict],
                encoded: dict[str, Encoded] | None = None) -> pd.DataFrame:
    """The raw frame typed by the schema; an encoded column is typed through its distinct
    cells (every conversion here reads a cell alone)."""
    encoded = encoded or {}
    columns = {f["name"]: typed_encoded(raw[f["name"]], f, encoded.get(f["name"]))
               for f in fields if f["name"] in raw.columns}
    # No copy (2 ms for the national projects): a text column may share its array with
    # ``raw``, and pandas 3's copy-on-write copies it before any change reaches it.
    return pd.DataFrame(columns, index=raw.index, copy=False)


def typed_encoded(values: pd.Series, spec: dict, encoded: Encoded | None) -> pd.Series:
    """``typed_column`` of the distinct cells, spread to the rows."""
    if encoded is None:
        return typed_column(values, spec)
    distinct = typed_column(pd.Series(encoded.uniques, dtype=object, copy=False), spec)
    return pd.Series(distinct.array.take(encoded.codes), index=values.index,
                     name=values.name)


def load_resource(root: Path, resource: dict) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The raw frame of one resource (None when it cannot be read) and the file's problems."""
    raw, _, problems = read_resource(root, resource)
    return raw, problems


def read_resource(root: Path, resource: dict, ahead: Future | None = None
                  ) -> tuple[pd.DataFrame | None, dict[str, Encoded], list[Problem]]:
    """``load_resource``, with the raw columns encoded when the reader gave them for
    exactly the rows kept (no blank line was dropped). ``ahead`` is ``read_ahead`` of the
    resource's file, when it was started earlier."""
    path = root / resource["path"]
    file = relative(path, root)
    name = resource["name"]
    early = ahead.result() if ahead is not None else None
    if early is None and not path.is_file():
        return None, {}, [problem("missing-file", file, name, "Không tìm thấy tệp dữ liệu.",
                                  "The data file does not exist.")]
    data, table = early if early is not None else (path.read_bytes(), UNREAD)
    head, problems = decode(data if EMPTY.fullmatch(data) else header_bytes(data), file, name)
    if head is None:
        return None, {}, problems if EMPTY.fullmatch(data) else decode(data, file, name)[1]
    expected = [f["name"] for f in resource["schema"]["fields"]]
    problems = check_header([nfc(h) for h in first_record(head)], expected, file, name)
    if problems:  # a file that is not UTF-8 is said first: saving it again fixes both
        return None, {}, decode(data, file, name)[1] or problems
    try:
        records, encoded, payload, original = parse(data, head, table)
    except UnicodeDecodeError:
        return None, {}, decode(data, file, name)[1]
    except pd.errors.ParserError as exc:
        return None, {}, [extra_cells(str(exc), file, name)]
    raw = without_blank_rows(records)
    found = sorted(short_rows(payload, records, raw, file, name)
                   + blank_rows(records, raw, file, name), key=lambda p: p.row)
    if raw is not records:
        encoded = {}
    if original is not None:
        found += nfc_warnings(original, raw, file, name)
    return raw, encoded, found


def header_bytes(data: bytes) -> bytes:
    """The file up to the end of its header record (a quoted name may hold a line end).

    A line ends with LF, CRLF or, in Excel for Mac's "CSV (Macintosh)", CR alone.
    """
    end = 0
    while end < len(data):
        found = LINE_END.search(data, end)
        end = found.end() if found else len(data)
        if not data.count(b'"', 0, end) % 2:
            break
    return data[:end]


def parse(data: bytes, head: str, table: pa.Table | None = UNREAD
          ) -> tuple[pd.DataFrame, dict[str, Encoded], bytes, str | None]:
    """(every record, its columns encoded when Arrow read them, the bytes parsed, the text
    as written when it was not in NFC). ``table`` is Arrow's reading of ``data`` without
    its BOM, when it was read ahead.

    The usual file (LF or CRLF line ends, NFC text) is parsed straight from its bytes:
    pandas decodes every cell strictly, so a file that is not UTF-8 raises
    UnicodeDecodeError here and is decoded again by the caller only to say where. NFC is
    known from the bytes or tested on the parsed columns, not on a decoded copy of the
    file. Otherwise (a line end inside a cell, a lone CR, text not in NFC) the text is
    decoded, normalised and parsed again (see ``parse_input``).
    """
    payload = without_bom(data)
    if b"\r" not in payload or payload.count(b"\r") == payload.count(b"\r\n"):
        records, encoded = read_records(payload, table)
        if line_ends_only(payload, records) and in_nfc(payload, head, records, encoded):
            return records, encoded, payload, None
    text = data.decode("utf-8-sig")
    normal = unicodedata.is_normalized("NFC", text)
    payload = parse_input(data, text, normal)
    return *read_records(payload), payload, None if normal else text


def without_bom(data: bytes) -> bytes:
    return data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data


def read_ahead(path: Path) -> tuple[bytes, pa.Table | None] | None:
    """A file's bytes and Arrow's table of them without the BOM (None: no such file).

    Run in a thread by ``load_package`` while the previous file is turned into frames:
    Arrow parses without holding the interpreter, so the two overlap.
    """
    if not path.is_file():
        return None
    data = path.read_bytes()
    return data, arrow_table(without_bom(data))


def line_ends_only(payload: bytes, records: pd.DataFrame) -> bool:
    """No cell holds a line end: every LF ends the header or a record (blank ones too).

    Then a CRLF file parses to exactly what its LF copy gives, since pandas takes CRLF
    for one line end; a CR that is not followed by LF never gets here.
    """
    if b"\r" not in payload:
        return True
    return payload.count(b"\n") == len(records) + payload.endswith(b"\n")


def certainly_nfc(data: bytes) -> bool:
    """UTF-8 bytes whose every character is NFC whatever surrounds it (False: not known).

    Vietnamese text is ASCII, Latin letters with one diacritic (U+0080-U+02FF: lead bytes
    C2-CB) and the precomposed letters of Latin Extended Additional (U+1E00-U+1EFF: E1 then
    B8-BB). None of these is a combining mark, changes under NFC or composes with what
    precedes it (``tests/test_load.py`` checks every one), so text made of them alone is
    NFC. One byte translation and one numpy pass over the E1 bytes tell, where decoding
    the file and testing it took three times as long.
    """
    if data.translate(None, NFC_INERT + bytes([VIETNAMESE_LEAD])):
        return False  # another character: a combining mark, punctuation, another script
    octets = np.frombuffer(data, np.uint8)
    seconds = octets[np.flatnonzero(octets[:-1] == VIETNAMESE_LEAD) + 1]
    return bool(((seconds >= 0xB8) & (seconds <= 0xBB)).all())


def in_nfc(payload: bytes, head: str, records: pd.DataFrame,
           encoded: dict[str, Encoded]) -> bool:
    """The parsed file is NFC: told by its distinct cells when it was read encoded (a
    third of the time of ``certainly_nfc`` on a national file), else by its bytes, else
    by its cells."""
    if encoded:
        return unicodedata.is_normalized("NFC", head) and cells_in_nfc(
            column.uniques for column in encoded.values())
    return certainly_nfc(payload) or (unicodedata.is_normalized("NFC", head) and cells_in_nfc(
        records[column].to_numpy(dtype=object) for column in records.columns))


def cells_in_nfc(columns: Iterable[np.ndarray]) -> bool:
    """Every cell is in NFC: one test per column of its cells joined by line ends.

    A line end never composes with a neighbouring character, so the joined text is NFC
    exactly when each cell is; a column of ASCII text needs no test at all.
    """
    for cells in columns:
        joined = "\n".join(cells)
        if not (joined.isascii() or unicodedata.is_normalized("NFC", joined)):
            return False
    return True


def extra_cells(detail: str, file: str, resource: str) -> Problem:
    """A row with more cells than the header (a stray comma): pandas stops at the first."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
    expected, row, seen = (int(n) for n in found.groups()) if found else ("?", None, "?")
    return problem(
        "extra-cell", file, resource,
        f"Dòng có {seen} ô, nhiều hơn {expected} cột của dòng tiêu đề (thừa dấu phẩy, hoặc ô "
        "có dấu phẩy mà không đặt trong ngoặc kép). Sửa dòng này rồi kiểm tra lại.",
        f"The row has {seen} cells, more than the header's {expected} (a stray comma, or a "
        "comma in an unquoted cell). Fix the row and validate again.", row=row)


# --- rows with too few cells ---------------------------------------------------------------


def short_rows(payload: bytes, records: pd.DataFrame, raw: pd.DataFrame, file: str,
               resource: str) -> list[Problem]:
    """One ``missing-cell`` error per cell absent from a row (pandas fills them in).

    A blank row is not short: it is reported as blank. The count of separators outside
    quotes tells at C speed whether any record is short; only then are rows counted one by
    one (a row cannot make up for a short one: a row with too many cells stops the parser).
    """
    width = len(records.columns)
    if not width or not (records.iloc[:, -1].to_numpy(dtype=object) == "").any():
        return []  # a short row ends with empty cells where pandas filled them in
    if separators(payload) == (width - 1) * (len(records) + 1):  # the header's too
        return []
    counts = record_widths(payload)[1:]
    fields = list(records.columns)
    return [problem(
        "missing-cell", file, resource,
        "Dòng thiếu ô này: dòng có ít cột hơn dòng tiêu đề.",
        "The row lacks this cell: it has fewer columns than the header.",
        row=int(index) + 2, field=name, value="")
        for index in raw.index for name in fields[counts[index]:]]


def blank_rows(records: pd.DataFrame, raw: pd.DataFrame, file: str,
               resource: str) -> list[Problem]:
    """A ``blank-row`` error for each record the loader dropped, after the last row too."""
    if len(raw) == len(records):
        return []
    return [problem("blank-row", file, resource, "Dòng trống; hãy xóa dòng này.",
                    "The row is blank; delete it.", row=int(index) + 2)
            for index in records.index.difference(raw.index)]


def separators(payload: bytes) -> int:
    """Commas between cells: all commas but those inside quotes (odd parts between quotes)."""
    quoted = payload.split(b'"')[1::2] if b'"' in payload else []
    return payload.count(b",") - sum(part.count(b",") for part in quoted)


# --- text not in NFC -----------------------------------------------------------------------


def nfc_warnings(text: str, raw: pd.DataFrame, file: str, resource: str) -> list[Problem]:
    """One warning per column with cells not in NFC, at its first such cell, with the count.

    Only run when the file is not NFC: the text is parsed again as written, to compare.
    """
    original, _ = read_records(lf(text).encode("utf-8"))
    changed = original.loc[raw.index].ne(raw)
    counts = changed.sum()
    firsts = [(int(changed.index[changed[c].to_numpy()][0]), position, c)
              for position, c in enumerate(raw.columns) if counts[c]]
    return [Problem(
        type=NON_NFC, file=file, resource=resource, row=index + 2, field=name,
        value=raw.at[index, name], severity="warning",
        message_vi=f"Chữ tiếng Việt ở dạng tổ hợp (không phải NFC) trong {counts[name]} ô "
                   "của cột này; đã tự chuẩn hóa. Nên lưu lại bằng bảng mã Unicode dựng sẵn.",
        message_en=f"Vietnamese text in decomposed form (not NFC) in {counts[name]} cells of "
                   "this column; normalised automatically. Better save it in precomposed "
                   "Unicode.") for index, _, name in sorted(firsts)]


def load_package(root: Path | str) -> tuple[Package, Report]:
    """Read every resource; the report holds what stopped a resource from being read.

    A resource that could not be read is absent from ``frames``: later checks skip it.
    """
    root = Path(root)
    descriptor = read_descriptor(root)
    report = Report()
    raw: dict[str, pd.DataFrame] = {}
    frames: dict[str, pd.DataFrame] = {}
    encoded: dict[str, dict[str, Encoded]] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as reader:
        ahead = [reader.submit(read_ahead, root / r["path"]) for r in descriptor["resources"]]
        for resource, early in zip(descriptor["resources"], ahead, strict=True):
            frame, columns, problems = read_resource(root, resource, early)
            report.extend(problems)
            if frame is not None:
                name = resource["name"]
                raw[name], encoded[name] = frame, columns
                frames[name] = typed_frame(frame, resource["schema"]["fields"], columns)
    pa.default_memory_pool().release_unused()  # the parser's buffers, back to the system
    return Package(root=root, descriptor=descriptor, raw=raw, frames=frames,
                   encoded=encoded), report
