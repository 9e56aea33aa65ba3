"""The vectorised structure pass finds exactly what the Frictionless pass finds.

Each case plants one malformed cell (or key) in the tiny package and compares the two passes
problem for problem, in order; ``count`` says how many problems Frictionless reports, so a
case that should find something cannot pass by finding nothing. Cells that look odd but that
Frictionless accepts (``+150``, ``2021-3-5``) are in the table too, with a count of 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.fastcheck import structure_problems
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


def blank_row(resource: str, position: int):
    def edit(rows: dict) -> None:
        rows[resource].insert(position, dict.fromkeys(rows[resource][0], ""))
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
    "blank row": (blank_row("projects", 1), 1),
}


@pytest.mark.parametrize(("edit", "count"), CASES.values(), ids=CASES.keys())
def test_same_problems_as_frictionless(make_package, edit, count: int):
    package, _ = load_package(make_package(edit))
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


def test_planted_faults_same_as_frictionless(faulty_synthetic: Path):
    package, _ = load_package(faulty_synthetic)
    expected = frictionless_problems(package)
    assert len(expected) == 16  # 8 schema kinds x 2 (the others break programme rules)
    assert expected == structure_problems(package)


def test_validation_report_is_the_same_with_either_pass(faulty_synthetic: Path):
    _, upstream = validate_package(faulty_synthetic)
    _, fast = validate_package(faulty_synthetic, structure=structure_problems)
    assert upstream.to_dict() == fast.to_dict()
