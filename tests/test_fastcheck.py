"""The vectorised structure pass finds exactly what the Frictionless pass finds.

Each case plants one malformed cell (or key) in the tiny package and compares the two passes
problem for problem, in order; ``count`` says how many problems Frictionless reports, so a
case that should find something cannot pass by finding nothing. Cells that look odd but that
Frictionless accepts (``+150``, ``2021-3-5``) are in the table too, with a count of 0.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from pipeline.fastcheck import matching, single_line, structure_problems
from pipeline.load import load_package
from pipeline.synth import write_synthetic
from pipeline.synth_faults import KINDS
from pipeline.upstream import frictionless_problems
from pipeline.validate import validate_package


def cell(resource: str, row: int, field: str, value: str):
    def edit(rows: dict) -> None:
        rows[resource][row][field] = value
    return edit


def cells(*edits):
    def edit(rows: dict) -> None:
        for change in edits:
            change(rows)
    return edit


CASES = {
    "integer with exponent": (cell("projects", 0, "state_support_vnd", "1.5e8"), 1),
    "integer with spaces": (cell("projects", 0, "state_support_vnd", "150 000 000"), 1),
    "integer with dots": (cell("projects", 0, "state_support_vnd", "150.000.000"), 1),
    "integer with plus sign": (cell("projects", 0, "state_support_vnd", "+150000000"), 0),
    "integer with a leading space": (cell("projects", 0, "state_support_vnd", " 150"), 0),
    "negative amount": (cell("projects", 0, "counterpart_vnd", "-5"), 1),
    "full-width digits": (cell("projects", 0, "year", "２０１９"), 0),
    "year above the maximum": (cell("projects", 1, "year", "2031"), 1),
    "empty required integer": (cell("projects", 1, "year", ""), 1),
    "decimal comma": (cell("establishments", 0, "latitude", "22,5"), 1),
    "number with exponent": (cell("establishments", 0, "latitude", "2.25e1"), 0),
    "latitude above the maximum": (cell("establishments", 0, "latitude", "30"), 1),
    "date without zero padding": (cell("projects", 0, "start_date", "2019-4-1"), 0),
    "impossible date": (cell("projects", 0, "start_date", "2019-02-30"), 1),
    "day-first date": (cell("projects", 0, "start_date", "01/04/2019"), 1),
    "boolean in the wrong case": (cell("establishments", 0, "showcase", "True"), 1),
    "empty required boolean": (cell("establishments", 0, "showcase", ""), 1),
    "enum in the wrong case": (cell("establishments", 1, "legal_form", "Household"), 1),
    "phone with spaces": (cell("establishments", 1, "phone", "0912 345 678"), 1),
    "name too long": (cell("establishments", 0, "name", "x" * 201), 1),
    "empty required string": (cell("establishments", 0, "sector", ""), 1),
    "OCOP stars above the maximum": (cell("establishments", 1, "ocop_stars", "6"), 1),
    "empty optional enum": (cell("establishments", 0, "typical_product_level", ""), 0),
    "two errors in one row": (cells(cell("establishments", 0, "employees", "abc"),
                                    cell("establishments", 0, "founded_year", "1800")), 2),
    "duplicate establishment id": (cell("establishments", 1, "establishment_id",
                                        "e-04-0001"), 2),
    "unknown establishment": (cell("projects", 2, "establishment_id", "e-04-0099"), 1),
    "unknown content type": (cell("projects", 0, "content_type", "XX"), 1),
    "unknown unit version": (cell("projects", 2, "unit_id", "049-2021"), 1),
    "unknown parent unit": (cell("admin-units", 1, "parent_id", "99"), 1),
    "empty primary key": (cell("admin-units", 3, "unit_id", ""), 4),
    "duplicate composite key": (cells(cell("annual-plans", 2, "level", "national")), 1),
    "crosswalk to nowhere": (cell("unit-crosswalk", 0, "to_unit_id", "050-2020"), 1),
}


def read(root: Path, encoded: bool):
    """The package as loaded (its columns encoded by the loader), or without the encoding,
    so that every column is screened cell by cell."""
    package, _ = load_package(root)
    assert package.encoded["projects"], "the loader gave no encoded columns"
    return package if encoded else dataclasses.replace(package, encoded={})


@pytest.mark.parametrize("encoded", [True, False], ids=["encoded", "cells"])
@pytest.mark.parametrize(("edit", "count"), CASES.values(), ids=CASES.keys())
def test_same_problems_as_frictionless(make_package, edit, count: int, encoded: bool):
    package = read(make_package(edit), encoded)
    expected = frictionless_problems(package)
    assert count == len(expected)
    assert expected == structure_problems(package)


def test_clean_tiny_package(tiny_package: Path):
    package, _ = load_package(tiny_package)
    assert structure_problems(package) == frictionless_problems(package) == []


@pytest.fixture(scope="module")
def faulty_synthetic(tmp_path_factory) -> Path:
    """A synthetic package with two faults of every kind the schema can catch."""
    out = tmp_path_factory.mktemp("fastcheck") / "data"
    write_synthetic(out, 0.02, seed=21, faults=2 * len(KINDS))
    return out


@pytest.mark.parametrize("encoded", [True, False], ids=["encoded", "cells"])
def test_planted_faults_same_as_frictionless(faulty_synthetic: Path, encoded: bool):
    package = read(faulty_synthetic, encoded)
    expected = frictionless_problems(package)
    assert len(expected) == 16  # 8 schema kinds x 2 (the others break programme rules)
    assert expected == structure_problems(package)


def test_validation_report_is_the_same_with_either_pass(faulty_synthetic: Path):
    _, upstream = validate_package(faulty_synthetic)
    _, fast = validate_package(faulty_synthetic, structure=structure_problems)
    assert upstream.to_dict() == fast.to_dict()


# --- whole reports: what the loader now reports for both passes ----------------------------


def file_edit(name: str, change):
    """An edit of ``<name>.csv``'s lines, after the package is written."""
    def apply(root: Path) -> None:
        path = root / f"{name}.csv"
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(change(lines)), encoding="utf-8")
    return apply


def nfd(name: str):
    def apply(root: Path) -> None:
        path = root / f"{name}.csv"
        path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")),
                        encoding="utf-8")
    return apply


def crlf_with_bom(root: Path) -> None:
    for path in root.glob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))


def cr_only(root: Path) -> None:
    """Excel for Mac's "CSV (Macintosh)": every line ends with CR alone."""
    for path in root.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))


FILE_CASES = {
    # id: (edit of the written files, the problem types found, in order)
    "short row with a required cell missing": (file_edit(
        "projects", lambda lines: [lines[0], ",".join(lines[1].split(",")[:14]), *lines[2:]]),
        ["missing-cell"] * 6 + ["constraint-error"]),
    "short row of optional cells": (file_edit(
        "projects", lambda lines: [lines[0], lines[1].rsplit(",", 2)[0], *lines[2:]]),
        ["missing-cell"] * 2),
    "short row in the key": (file_edit(
        "sectors", lambda lines: [lines[0], lines[1].split(",")[0], *lines[2:]]),
        ["missing-cell"] * 3 + ["constraint-error"] * 2),
    "decomposed text in an enum column": (nfd("admin-units"), ["non-nfc-text"] * 3),
    "decomposed names and addresses": (nfd("establishments"), ["non-nfc-text"] * 4),
    "BOM and CRLF": (crlf_with_bom, []),
    "CR line ends (Excel for Mac)": (cr_only, []),
    "blank lines inside and after": (file_edit(
        "annual-plans", lambda lines: [lines[0], "", *lines[1:], "", ""]),
        ["blank-row"] * 3),
}


@pytest.mark.parametrize(("change", "types"), FILE_CASES.values(), ids=FILE_CASES.keys())
def test_both_passes_give_the_same_report_on_file_faults(tiny_package: Path, change, types):
    change(tiny_package)
    _, fast = validate_package(tiny_package)
    _, upstream = validate_package(tiny_package, structure=frictionless_problems)
    assert types == [p.type for p in fast.problems]
    assert upstream.to_dict() == fast.to_dict()


# --- the whole-column screen -----------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "expected"), [
    ("p-[0-9]{2}-[0-9]{4}-[0-9]{3}", True),
    ("[0-9]{2}", True),
    (r"(?:\d{10}|\d{11})", True),
    (r"[a-z]+\.[a-z]+", True),
    (".*", False),
    ("[^,]+", False),
    (r"\s*[0-9]+", False),
    ("[0-9]+$", False),
    (r"(a)\1", False),
])
def test_single_line_patterns(pattern: str, expected: bool):
    assert expected == single_line(pattern)


@pytest.mark.parametrize(("pattern", "cells", "expected"), [
    ("[0-9]{2}", ["04", "12", ""], [True, True, False]),  # "" is missing: not screened
    ("[0-9]{2}", ["04", "4", "123"], [True, False, False]),
    ("[a-z]+", ["ab\ncd", "ab"], [False, True]),  # a line end inside a cell is not a match
    ("a|b", ["a", "b", "ab"], [True, True, False]),  # alternatives stay inside the group
    (".+", ["x", "y\nz"], [True, False]),  # not single-line: matched cell by cell
])
def test_matching_is_exact_per_cell(pattern: str, cells: list[str], expected: list[bool]):
    values = np.array(cells, dtype=object)
    assert expected == matching(pattern, values, values != "").tolist()


@pytest.mark.parametrize(("field", "cells", "rows"), [
    # types the screen does not read, with a bound: every cell is judged by Frictionless
    ({"name": "x", "type": "year", "constraints": {"minimum": 2000}},
     ["2019", "1999", ""], [3]),
    ({"name": "x", "type": "number", "bareNumber": False, "constraints": {"maximum": 10}},
     ["5 %", "11", "x"], [3, 4]),
    ({"name": "x", "type": "integer", "constraints": {"minimum": 1}},  # screened
     ["5", "0", "+3"], [3]),
])
def test_unscreened_types_with_bounds_are_judged(field, cells, rows):
    import frictionless as fl
    import pandas as pd

    from pipeline.fastcheck import check_cells

    schema = fl.Schema.from_descriptor({"fields": [field]})
    resource = fl.Resource(name="t", path="t.csv", schema=schema)
    raw = pd.DataFrame({"x": cells}, dtype=str)
    result = check_cells(resource, raw, pd.DataFrame(index=raw.index), set())
    assert rows == sorted(key[0] for key, _ in result.errors)
