"""The loader: tiny packages read into typed frames; what Excel breaks is a problem, not a crash."""

from __future__ import annotations

import pytest

from pipeline.load import PackageError, load_package


def test_tiny_package_loads_typed(tiny_package):
    package, report = load_package(tiny_package)
    assert report.ok, report.to_dict()
    projects = package["projects"]
    assert str(projects["state_support_vnd"].dtype) == "Int64"
    assert projects["state_support_vnd"].sum() == 610_000_000
    assert package["establishments"]["showcase"].tolist() == [True, False]
    assert package.private_fields("establishments") == ["owner_name", "phone"]


def test_missing_descriptor_is_an_exception(tmp_path):
    with pytest.raises(PackageError, match=r"datapackage\.yaml"):
        load_package(tmp_path)


def test_bom_and_crlf_are_accepted(tiny_package):
    path = tiny_package / "projects.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    package, report = load_package(tiny_package)
    assert report.ok
    assert package["projects"]["project_id"].iloc[0] == "p-04-2019-001"


def test_nfd_text_is_normalised_to_nfc(tiny_package):
    import unicodedata

    path = tiny_package / "establishments.csv"
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")),
                    encoding="utf-8")
    package, _ = load_package(tiny_package)
    name = package["establishments"]["name"].iloc[0]
    assert name == unicodedata.normalize("NFC", name)
    assert "Hòa An" in name


def test_blank_lines_are_dropped_but_rows_keep_their_file_numbers(tiny_package):
    """Rules report ``index + 2``: after a blank line that must still be the file's row."""
    path = tiny_package / "projects.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n", encoding="utf-8")
    package, _ = load_package(tiny_package)
    ids = package.raw["projects"]["project_id"]
    assert [int(i) + 2 for i in ids.index] == [2, 4, 5]
    assert ids.tolist() == ["p-04-2019-001", "p-04-2021-001", "p-04-2021-002"]


def test_rule_after_a_blank_line_names_the_file_row(make_package):
    from pipeline.validate import validate_package

    def over_ceiling(rows):
        rows["projects"][1]["state_support_vnd"] = "900000000"

    root = make_package(over_ceiling)
    path = root / "projects.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n", encoding="utf-8")
    _, report = validate_package(root)
    rows = {p.row for p in report.errors if p.type == "support-over-ceiling"}
    assert rows == {4}


# --- what only a reader of the file sees ---------------------------------------------------


def edit_lines(path, change) -> None:
    """Rewrite a CSV's lines (without line ends) through ``change``."""
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(change(lines)), encoding="utf-8")


def cut(line: str, cells: int) -> str:
    """The first ``cells`` cells of an unquoted line."""
    return ",".join(line.split(",")[:cells])


def loader_problems(root) -> list[tuple]:
    _, report = load_package(root)
    return [(p.type, p.file, p.row, p.field, p.severity) for p in report.problems]


SHORT_ROWS = [
    # (id, change of the projects.csv lines, expected (type, row, field) from the loader):
    # one missing-cell per cell absent from a short row; a blank row is only blank
    ("last cell missing", lambda lines: [lines[0], cut(lines[1], 19), *lines[2:]],
     [("missing-cell", 2, "outputs_en")]),
    ("a required cell missing", lambda lines: [*lines[:2], cut(lines[2], 14), *lines[3:]],
     [("missing-cell", 3, name) for name in ("status", "approval_decision", "start_date",
                                             "end_date", "outputs_vi", "outputs_en")]),
    ("two short rows", lambda lines: [lines[0], cut(lines[1], 19), cut(lines[2], 18),
                                      *lines[3:]],
     [("missing-cell", 2, "outputs_en"), ("missing-cell", 3, "outputs_vi"),
      ("missing-cell", 3, "outputs_en")]),
    ("blank lines at the end", lambda lines: [*lines, "", ""],
     [("blank-row", 5, None), ("blank-row", 6, None)]),
    ("a blank line is blank, not short", lambda lines: [lines[0], "", *lines[1:]],
     [("blank-row", 2, None)]),
    ("a row of commas is blank, not short", lambda lines: [lines[0], ",,", *lines[1:]],
     [("blank-row", 2, None)]),
]


@pytest.mark.parametrize(("change", "expected"), [pytest.param(*c[1:], id=c[0])
                                                  for c in SHORT_ROWS])
def test_rows_with_too_few_cells_or_none(tiny_package, change,
                                                                expected):
    edit_lines(tiny_package / "projects.csv", change)
    found = [(kind, row, field) for kind, _, row, field, _ in loader_problems(tiny_package)]
    assert expected == found


def test_commas_inside_quotes_do_not_hide_a_short_row(make_package):
    def titles(rows):
        rows["projects"][0]["title_en"] = "Bamboo, rattan, and more"
        rows["projects"][1]["outputs_en"] = ""
    root = make_package(titles)
    edit_lines(root / "projects.csv",
               lambda lines: [*lines[:2], lines[2].rsplit(",", 1)[0], *lines[3:]])
    found = [(kind, row, field) for kind, _, row, field, _ in loader_problems(root)]
    assert [("missing-cell", 3, "outputs_en")] == found


def test_decomposed_cells_are_one_warning_per_column_with_their_count(make_package):
    import unicodedata

    def names(rows):
        rows["establishments"][1]["name"] = unicodedata.normalize("NFD", "Hợp tác xã Tre")
        rows["establishments"][1]["address"] = unicodedata.normalize("NFD", "Xóm Nà")
        rows["establishments"][0]["address"] = unicodedata.normalize("NFD", "Bản Giới")
    _, report = load_package(make_package(names))
    found = [(p.type, p.row, p.field, p.value, p.severity) for p in report.problems]
    assert [("non-nfc-text", 2, "address", "Bản Giới", "warning"),
            ("non-nfc-text", 3, "name", "Hợp tác xã Tre", "warning")] == found
    assert "2 cells" in report.problems[0].message_en
    assert "1 cells" in report.problems[1].message_en


def test_line_breaks_inside_quoted_cells_become_lf(make_package):
    root = make_package(lambda rows: rows["projects"][0].update(outputs_en="one\ntwo"))
    path = root / "projects.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    package, report = load_package(root)
    assert report.problems == []
    assert package.raw["projects"]["outputs_en"].iloc[0] == "one\ntwo"


INTEGERS = [
    # (cells of an integer column, expected typed values): plain columns are converted in
    # one numpy call, others cell by cell; both must agree on what a cell means.
    (["150", "", "007"], [150, None, 7]),
    (["150", "+5", "-3"], [150, 5, -3]),
    (["150", "1e3", "1.5", " 7", "x"], [150, None, None, None, None]),
    (["999999999999999999", ""], [999_999_999_999_999_999, None]),
    (["9223372036854775807", "1"], [9_223_372_036_854_775_807, 1]),  # the largest int64
    (["٣", "1"], [None, 1]),  # an Arabic-Indic digit: not plain, and pandas reads no number
    (["", ""], [None, None]),
]


@pytest.mark.parametrize(("cells", "expected"), INTEGERS)
def test_integer_columns(cells, expected):
    import pandas as pd

    from pipeline.load import typed_column

    typed = typed_column(pd.Series(cells, dtype=str), {"type": "integer"})
    assert "Int64" == str(typed.dtype)
    assert expected == [None if pd.isna(v) else int(v) for v in typed]


@pytest.mark.parametrize(("data", "expected"), [
    (b"a,b\nc,d\n", b"a,b\n"),
    (b"a,b", b"a,b"),
    (b'"a\nb",c\nd,e\n', b'"a\nb",c\n'),  # a quoted name holding a line end
    (b'"a ""x""",b\nc,d\n', b'"a ""x""",b\n'),  # doubled quotes inside a quoted name
    (b"\na,b\n", b"\n"),  # a blank first line is the header, as csv reads it
    (b"a,b\rc,d\r", b"a,b\r"),  # Excel for Mac's CR line ends
    (b"a,b\r\nc,d\r\n", b"a,b\r\n"),
    (b'"a\rb",c\rd,e\r', b'"a\rb",c\r'),
    (b"", b""),
])
def test_header_bytes(data, expected):
    from pipeline.load import header_bytes

    assert expected == header_bytes(data)


def bad_byte_in_row(row: int, line_end: bytes):
    """Replace the 'ò' of the given file row (1 = header) with a Windows-1258 byte."""
    def change(path):
        lines = path.read_bytes().split(b"\n")
        lines[row - 1] = lines[row - 1].replace("ò".encode(), b"\xf2", 1)
        path.write_bytes(line_end.join(lines))
    return change


@pytest.mark.parametrize(("row", "line_end"), [(2, b"\n"), (3, b"\n"), (2, b"\r\n"),
                                               (3, b"\r\n")])
def test_a_byte_that_is_not_utf8_is_named_by_row(tiny_package, row, line_end):
    path = tiny_package / "establishments.csv"
    assert "ò".encode() in path.read_bytes().split(b"\n")[row - 1]
    bad_byte_in_row(row, line_end)(path)
    package, report = load_package(tiny_package)
    found = [(p.type, p.file.rsplit("/", 1)[-1], p.row) for p in report.problems]
    assert [("encoding-error", "establishments.csv", row)] == found
    assert "establishments" not in package.frames


@pytest.mark.parametrize(("cells", "expected"), [
    ({"name": ["Hợp tác xã", "Tre"]}, True),
    ({"name": ["Hop tac xa", "Tre"]}, True),  # ASCII: no test needed
    ({"name": ["Hợp tác xã", "Tre"], "address": ["Xo\u0301m", ""]}, False),  # decomposed
    ({"address": ["\u0301", "x"]}, True),  # a lone mark at a cell start is NFC
    ({"address": ["\u212b"]}, False),  # Angstrom sign: NFC makes it Å
])
def test_cells_in_nfc(cells, expected):
    import numpy as np

    from pipeline.load import cells_in_nfc

    assert expected == cells_in_nfc(np.array(column, dtype=object) for column in cells.values())


def composes_with_what_precedes() -> set[str]:
    """Characters that are the second of a canonical pair: NFC may join them to the left."""
    import sys
    import unicodedata

    seconds = set()
    for code in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    return seconds


def test_the_bytes_taken_as_nfc_are_characters_nfc_cannot_change():
    import unicodedata

    from pipeline.load import NFC_INERT, VIETNAMESE_LEAD

    chars = [chr(c) for c in [*range(0x80, 0x300), *range(0x1E00, 0x1F00)]]
    leads = {c.encode()[0] for c in chars} | {b for b in range(0x80)}
    assert leads == set(NFC_INERT) - set(range(0x80, 0xC0)) | {VIETNAMESE_LEAD}
    assert {0xB8, 0xB9, 0xBA, 0xBB} == {c.encode()[1] for c in chars if ord(c) >= 0x1E00}
    seconds = composes_with_what_precedes()
    changed = [c for c in chars if unicodedata.combining(c) or c in seconds
               or unicodedata.normalize("NFC", c) != c]
    assert [] == changed


@pytest.mark.parametrize(("text", "expected"), [
    ("Hợp tác xã Đũa tre, Ấp Tân Thuận", True),
    ("plain ASCII", True),
    ("Xo\u0301m", False),  # a combining mark: not known, the columns are tested
    ("đ \u1f71", False),  # Greek extended (E1 BD): not known
    ("giá 1.000 ₫", False),  # the dong sign is not in the known ranges
    ("", True),
])
def test_certainly_nfc(text, expected):
    from pipeline.load import certainly_nfc

    assert expected == certainly_nfc(text.encode())


def nfd_name(rows):
    import unicodedata

    rows["establishments"][1]["name"] = unicodedata.normalize("NFD", "Hợp tác xã Tre")


LINE_END_CASES = {
    "plain": (lambda rows: None, None),
    "blank lines between and after": (lambda rows: None,
                                      lambda lines: [lines[0], "", *lines[1:], "", ""]),
    "short row": (lambda rows: None, lambda lines: [lines[0], cut(lines[1], 17), *lines[2:]]),
    "no line end after the last row": (lambda rows: None, lambda lines: lines[:-1]),
    "line end inside a quoted cell": (
        lambda rows: rows["projects"][0].update(outputs_en="one\ntwo"), None),
    "decomposed text": (nfd_name, None),
}


@pytest.mark.parametrize("line_end", [b"\r\n", b"\r"], ids=["crlf", "cr"])
@pytest.mark.parametrize(("edit", "change"), LINE_END_CASES.values(), ids=LINE_END_CASES)
def test_crlf_and_cr_files_load_as_their_lf_copies(make_package, tmp_path, edit, change,
                                                   line_end):
    """Excel writes CRLF, parsed straight from the bytes unless a cell holds a line end;
    Excel for Mac's "CSV (Macintosh)" ends lines with CR alone, decoded and parsed again
    (it stopped the loader with a traceback before)."""
    import shutil

    lf_root = make_package(edit)
    if change:
        for name in ("projects", "establishments"):
            edit_lines(lf_root / f"{name}.csv", change)
    crlf_root = tmp_path / "crlf" / lf_root.name
    shutil.copytree(lf_root, crlf_root)
    for path in crlf_root.glob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", line_end))
    lf, lf_report = load_package(lf_root)
    crlf, crlf_report = load_package(crlf_root)
    assert lf_report.to_dict() == crlf_report.to_dict()
    assert set(lf.raw) == set(crlf.raw)
    for name, frame in lf.raw.items():
        assert frame.equals(crlf.raw[name]), name
        assert lf.frames[name].equals(crlf.frames[name]), name


def test_a_plain_crlf_file_is_not_decoded_again(tiny_package, monkeypatch):
    import pipeline.load as load

    for path in tiny_package.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    def refuse(*args):
        raise AssertionError("the slow path was taken")
    monkeypatch.setattr(load, "parse_input", refuse)
    package, report = load.load_package(tiny_package)
    assert report.ok
    assert "p-04-2019-001" == package.raw["projects"]["project_id"].iloc[0]


@pytest.mark.parametrize(("data", "records", "expected"), [
    (b"a,b\n1,2\n", 1, True),  # no CR at all
    (b"a,b\r\n1,2\r\n", 1, True),
    (b"a,b\r\n1,2", 1, True),
    (b"a,b\r\n1,2\r\n\r\n", 2, True),  # a blank record at the end
    (b'a,b\r\n"x\r\ny",2\r\n', 1, False),  # a line end inside a quoted cell
])
def test_line_ends_only(data, records, expected):
    import pandas as pd

    from pipeline.load import line_ends_only

    assert expected == line_ends_only(data, pd.DataFrame({"a": [""] * records}))


def test_a_file_not_in_utf8_is_said_before_its_header(tiny_package):
    path = tiny_package / "establishments.csv"
    lines = path.read_bytes().split(b"\n")
    lines[0] = lines[0].replace(b"name", b"ten", 1)  # a header Frictionless would reject
    path.write_bytes(b"\n".join(lines).replace("ò".encode(), b"\xf2", 1))
    _, report = load_package(tiny_package)
    assert [("encoding-error", 2)] == [(p.type, p.row) for p in report.problems]


# --- Arrow's reading against pandas' -------------------------------------------------------

READINGS = {
    "plain": b"a,b\nx,y\n",
    "quoted comma": b'a,b\n"x,y",z\n',
    "quoted line end": b'a,b\n"x\ny",z\n',
    "doubled quotes": b'a,b\n"say ""hi""",z\n',
    "empty cells": b"a,b\n,\n,x\n",
    "no final line end": b"a,b\nx,y",
    "quote inside a cell": b'a,b\nab"c,d\n',
    "text after a closing quote": b'a,b\n"ab"c,d\n',
    "blank line": b"a,b\nx,y\n\nz,w\n",
    "blank line, one column": b"a\nx\n\ny\n",
    "blank lines at the end": b"a,b\nx,y\n\n\n",
    "short row": b"a,b\nx\n",
    "long row": b"a,b\nx,y,z\n",
    "repeated column name": b"a,a\n1,2\n",
    "header only": b"a,b\n",
    "header only, no line end": b"a,b",
    "spaces kept": b"a,b\n x , y \n",
    "CRLF": b"a,b\r\nx,y\r\n",
    "CRLF inside quotes": b'a,b\r\n"x\r\ny",z\r\n',
    "words pandas could take for missing": b"a,b\nNA,null\nnan,None\n",
    "text that looks like numbers": b"a,b\n007,1e5\n",
    "quoted header": b'"a","b"\nx,y\n',
    "line end inside a quoted column name": b'"a\nb",c\nx,y\n',
    "Vietnamese": "a,b\nHợp tác xã,Tre\nHợp tác xã,tre\n".encode(),
    "unclosed quote": b'a,b\n"x,y\n',
    "empty quoted cell": b'a,b\n"",x\n',
    "tab inside a cell": b"a,b\nx\ty,z\n",
    "lone CR": b"a,b\nx\ry,z\n",
    "not UTF-8": b"a,b\nx\xf2,y\n",
}


@pytest.mark.parametrize("payload", READINGS.values(), ids=READINGS.keys())
def test_arrow_reads_what_pandas_reads_or_declines(payload):
    """Arrow's records are pandas' records, cell for cell and type for type; where Arrow
    cannot say the same (a short or long row, a repeated name, bad text), it declines and
    pandas' parser reads the file as before."""
    import io

    import pandas as pd

    from pipeline.load import arrow_records_of, arrow_table

    table = arrow_table(payload)
    if table is None:
        return
    records, encoded = arrow_records_of(table)
    expected = pd.read_csv(io.BytesIO(payload), dtype=str, keep_default_na=False,
                           na_filter=False, skip_blank_lines=False)
    pd.testing.assert_frame_equal(expected, records, check_exact=True)
    assert list(records.columns) == list(encoded)
    for name, column in encoded.items():
        assert records[name].tolist() == column.uniques[column.codes].tolist()
        assert len(set(column.uniques)) == len(column.uniques)


def test_arrow_reads_most_of_the_readings():
    """The comparison above would pass if Arrow declined everything."""
    from pipeline.load import arrow_table

    read = [label for label, payload in READINGS.items() if arrow_table(payload) is not None]
    assert {"short row", "long row", "repeated column name", "unclosed quote",
            "not UTF-8"}.isdisjoint(read)
    assert len(read) >= 20


def test_a_package_is_read_encoded_unless_blank_rows_were_dropped(make_package):
    def edit(rows):
        rows["establishments"].insert(1, {key: "" for key in rows["establishments"][0]})
    package, _ = load_package(make_package(edit))
    assert package.encoded["establishments"] == {}  # positions shifted: no encoding
    projects = package.encoded["projects"]
    assert set(projects) == set(package.raw["projects"].columns)
    for name, column in projects.items():
        assert package.raw["projects"][name].tolist() == list(column.uniques[column.codes])


TYPED = [
    ("integer", ["150", "", "007", "150", "x", " 7", "150"]),
    ("integer", ["9223372036854775807", "1", "1"]),
    ("integer", ["", ""]),
    ("number", ["22.5", "", "22,5", "1e3", "22.5", "nan"]),
    ("boolean", ["true", "false", "", "True", "true"]),
    ("date", ["2019-04-01", "", "2019-02-30", "01/04/2019", "2019-04-01"]),
    ("string", ["Tre", "", "tre", "Tre", " Tre"]),
]


@pytest.mark.parametrize(("kind", "cells"), TYPED, ids=[f"{k}-{i}" for i, (k, _) in
                                                        enumerate(TYPED)])
def test_encoded_columns_are_typed_as_their_cells(kind, cells):
    import numpy as np
    import pandas as pd

    from pipeline.load import Encoded, typed_frame

    raw = pd.DataFrame({"c": cells}, dtype=str, index=range(5, 5 + len(cells)))
    uniques, codes = np.unique(np.array(cells, dtype=object), return_inverse=True)
    fields = [{"name": "c", "type": kind}]
    encoded = {"c": Encoded(codes=codes.astype(np.int32), uniques=uniques.astype(object))}
    pd.testing.assert_frame_equal(typed_frame(raw, fields), typed_frame(raw, fields, encoded),
                                  check_exact=True)


def test_text_columns_hold_python_strings(tiny_package):
    """pyarrow is installed; pandas must still store text as Python strings (see
    ``pipeline/__init__.py``)."""
    package, _ = load_package(tiny_package)
    assert "python" == package.raw["projects"]["project_id"].dtype.storage
    assert "python" == package["projects"]["project_id"].dtype.storage



def test_arrow_allocates_with_the_c_library():
    """Arrow's own allocator kept its freed memory from the build (see ``pipeline/__init__``);
    the choice must be made before pandas imports pyarrow, in a fresh process."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    shown = subprocess.run(
        [sys.executable, "-c", "import pipeline.load, pyarrow; "
         "print(pyarrow.default_memory_pool().backend_name)"],
        capture_output=True, text=True, check=True, env=env).stdout.strip()
    assert "system" == shown


@pytest.mark.parametrize("edit", [
    lambda data: data,
    lambda data: b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"),  # BOM and CRLF
    lambda data: data.replace(b"\n", b"\r"),  # lone CRs: decoded and parsed again
], ids=["plain", "bom-crlf", "cr"])
def test_files_read_ahead_load_as_files_read_in_turn(tiny_package, edit):
    """``load_package`` reads the next file in a thread; each resource must come out as
    ``read_resource`` alone makes it."""
    from pipeline.load import read_descriptor, read_resource

    for path in tiny_package.glob("*.csv"):
        path.write_bytes(edit(path.read_bytes()))
    package, report = load_package(tiny_package)
    problems = []
    for resource in read_descriptor(tiny_package)["resources"]:
        raw, encoded, found = read_resource(tiny_package, resource)
        problems += found
        assert raw.equals(package.raw[resource["name"]])
        assert encoded.keys() == package.encoded[resource["name"]].keys()
    assert [p.to_dict() for p in problems] == [p.to_dict() for p in report.problems]
