"""The validation gate end to end: loader, Frictionless and rules give one complete report.

The table of malformed inputs is the heart: each case breaks one thing in a tiny package and
expects exactly the errors listed (type, file, row, field), so a cascade of follow-on errors
or a lost position fails the test as surely as a missed error.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from pipeline.load import load_package
from pipeline.report import Problem
from pipeline.upstream import ENUM_SHOWN, frictionless_descriptor
from pipeline.validate import validate_package, without_failed_cells

ROOT = Path(__file__).resolve().parent.parent
PROJECTS, PLANS = "data/projects.csv", "data/annual-plans.csv"
ESTABLISHMENTS, UNITS = "data/establishments.csv", "data/admin-units.csv"


def positions(problems: list[Problem]) -> list[tuple]:
    return sorted((p.type, p.file, p.row or 0, p.field or "") for p in problems)


# --- edits of rows (before writing) and of files (after) ---------------------------------


def cells(resource: str, index: int, **values):
    return lambda rows: rows[resource][index].update(values)


def edits(*changes):
    def apply(rows):
        for change in changes:
            change(rows)
    return apply


def rewrite(name: str, change):
    """An edit of ``data/<name>.csv`` as text lines (without line ends)."""
    def apply(root: Path) -> None:
        path = root / "data" / f"{name}.csv"
        lines = change(path.read_text(encoding="utf-8").split("\n"))
        path.write_text("\n".join(lines), encoding="utf-8")
    return apply


def cp1258(text: str) -> bytes:
    """Text as Excel's Vietnamese "ANSI" code page writes it: base letters plus tone marks."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", parts[:2])
            out += (base + parts[2:] if len(base) == 1 else parts).encode("cp1258", "replace")
    return bytes(out)


def encode(name: str, codec):
    def apply(root: Path) -> None:
        path = root / "data" / f"{name}.csv"
        path.write_bytes(codec(path.read_text(encoding="utf-8")))
    return apply


def redelimit(name: str, separator: str):
    def apply(root: Path) -> None:
        path = root / "data" / f"{name}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        out = io.StringIO()
        csv.writer(out, delimiter=separator, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    return apply


def story(name: str, text: str):
    def apply(root: Path) -> None:
        folder = root / "content" / "stories"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return apply


def rename_column(old: str, new: str):
    return rewrite("projects", lambda lines: [lines[0].replace(old, new), *lines[1:]])


def drop_column(name: str, field: str):
    def change(lines):
        rows = list(csv.reader(lines[:-1]))
        position = rows[0].index(field)
        return [",".join(c for i, c in enumerate(row) if i != position) for row in rows] + [""]
    return rewrite(name, change)


STORY = "Title: Tre\nDate: 2026-11-20\nSlug: tre\nLang: vi\nEstablishment: e-04-0999\n\nText.\n"

CASES = [
    # (id, edit of the rows, edit of the written files, expected errors)
    ("windows-1258 file", None, encode("projects", cp1258), [("encoding-error", PROJECTS, 2, "")]),
    ("latin-1 file", cells("admin-units", 1, name_en="Café Quảng Uyên"),
     encode("admin-units", lambda t: t.encode("latin-1", "replace")),
     [("encoding-error", UNITS, 3, "")]),
    ("semicolon-separated", None, redelimit("projects", ";"),
     [("delimiter-error", PROJECTS, 1, "")]),
    ("tab-separated", None, redelimit("establishments", "\t"),
     [("delimiter-error", ESTABLISHMENTS, 1, "")]),
    ("empty file", None, rewrite("annual-plans", lambda lines: []),
     [("empty-file", PLANS, 0, "")]),
    ("header only", lambda rows: rows["projects"].clear(), None,
     [("empty-resource", PROJECTS, 0, "")]),
    ("missing column", None, drop_column("projects", "status"),
     [("missing-column", PROJECTS, 1, "status")]),
    ("extra column", None,
     rewrite("projects", lambda lines: [line + ",x" if line else line for line in lines]),
     [("extra-column", PROJECTS, 1, "x")]),
    ("misspelt column", None, rename_column("counterpart_vnd", "counterpart_vdn"),
     [("extra-column", PROJECTS, 1, "counterpart_vdn"),
      ("missing-column", PROJECTS, 1, "counterpart_vnd")]),
    ("row with a stray comma", None,
     rewrite("sectors", lambda lines: [*lines[:2], lines[2] + ",x", *lines[3:]]),
     [("extra-cell", "data/sectors.csv", 3, "")]),
    # pandas took the first column of such a file for its index: the cells moved one column
    ("first row with a stray comma", None,
     rewrite("sectors", lambda lines: [lines[0], lines[1] + ",x", *lines[2:]]),
     [("extra-cell", "data/sectors.csv", 2, "")]),
    ("first row with a stray comma, a short row after", None,
     rewrite("projects", lambda lines: [lines[0], lines[1] + ",x",
                                        lines[2].rsplit(",", 1)[0], *lines[3:]]),
     [("extra-cell", PROJECTS, 2, "")]),
    ("row with a cell short", None,
     rewrite("projects", lambda lines: [lines[0], lines[1].rsplit(",", 1)[0], *lines[2:]]),
     [("missing-cell", PROJECTS, 2, "outputs_en")]),
    ("blank row", None,
     rewrite("annual-plans", lambda lines: [*lines[:2], "", *lines[2:]]),
     [("blank-row", PLANS, 3, "")]),
    ("integer with dots", cells("projects", 0, state_support_vnd="150.000.000"), None,
     [("type-error", PROJECTS, 2, "state_support_vnd")]),
    ("negative amount", cells("projects", 0, counterpart_vnd="-450000000"), None,
     [("constraint-error", PROJECTS, 2, "counterpart_vnd")]),
    ("date as dd/mm/yyyy", cells("projects", 1, start_date="15/03/2021"), None,
     [("type-error", PROJECTS, 3, "start_date")]),
    ("year above maximum", cells("projects", 0, year="2031"), None,
     [("constraint-error", PROJECTS, 2, "year")]),
    ("value not in enum", cells("projects", 0, status="done"), None,
     [("constraint-error", PROJECTS, 2, "status")]),
    ("boolean yes", cells("establishments", 0, showcase="yes"), None,
     [("type-error", ESTABLISHMENTS, 2, "showcase")]),
    ("required cell empty", cells("establishments", 0, name=""), None,
     [("constraint-error", ESTABLISHMENTS, 2, "name")]),
    ("id not matching pattern", cells("projects", 0, project_id="p-4-2019-001"), None,
     [("constraint-error", PROJECTS, 2, "project_id")]),
    ("duplicate primary key", cells("projects", 2, project_id="p-04-2021-001"), None,
     [("primary-key", PROJECTS, 4, "project_id")]),
    ("unknown foreign key", cells("projects", 0, establishment_id="e-04-0099"), None,
     [("foreign-key", PROJECTS, 2, "establishment_id")]),
    ("unknown parent unit", cells("admin-units", 1, parent_id="404"), None,
     [("foreign-key", UNITS, 3, "parent_id")]),
    ("over-ceiling amount", edits(
        cells("projects", 0, state_support_vnd="350000000", counterpart_vnd="1000000000",
              disbursed_vnd="350000000"),
        cells("annual-plans", 0, planned_vnd="400000000", approved_vnd="350000000",
              disbursed_vnd="350000000")), None,
     [("support-over-ceiling", PROJECTS, 2, "state_support_vnd")]),
    ("unit not valid in the year", cells("projects", 1, unit_id="049"), None,
     [("unit-not-valid-in-year", PROJECTS, 3, "unit_id")]),
    ("commune before the reform", cells("projects", 0, unit_id="01576-2025"), None,
     [("unit-wrong-level", PROJECTS, 2, "unit_id")]),
    ("establishment in a district", cells("establishments", 1, commune_id="049-2020"), None,
     [("unit-wrong-level", ESTABLISHMENTS, 3, "commune_id")]),
    ("unit id without its year", cells("admin-units", 3, valid_from="2012-01-01"), None,
     [("unit-id-mismatch", UNITS, 5, "unit_id")]),
    ("disbursed on a returned project", edits(
        cells("projects", 2, disbursed_vnd="60000000"),
        cells("annual-plans", 2, disbursed_vnd="60000000")), None,
     [("disbursed-when-stopped", PROJECTS, 4, "disbursed_vnd")]),
    ("end before start", cells("projects", 0, end_date="2019-03-01"), None,
     [("end-before-start", PROJECTS, 2, "end_date")]),
    ("plan total mismatch", cells("annual-plans", 0, approved_vnd="160000000"), None,
     [("plan-approved-mismatch", PLANS, 2, "approved_vnd")]),
    ("plan row missing", lambda rows: rows["annual-plans"].pop(0), None,
     [("plan-missing", PLANS, 0, "year")]),
    ("story naming a missing establishment", None, story("tre.md", STORY),
     [("story-unknown-establishment", "content/stories/tre.md", 5, "Establishment")]),
]


@pytest.mark.parametrize(("rows", "files", "expected"),
                         [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_malformed_input(make_package, tmp_path, rows, files, expected):
    data = make_package(rows)
    if files is not None:
        files(tmp_path)
    _, report = validate_package(data, tmp_path / "content")
    assert sorted(expected) == positions(report.errors)


def test_the_table_is_wide_enough():
    assert len(CASES) >= 20


# --- whole-package behaviour -------------------------------------------------------------


def test_tiny_package_is_valid(tiny_package, tmp_path):
    _, report = validate_package(tiny_package, tmp_path / "content")
    assert report.problems == []


def test_shipped_sample_is_valid():
    """The behaviour here IS the sample: `make validate` must pass on it."""
    _, report = validate_package(ROOT / "data", ROOT / "content")
    assert positions(report.errors) == []


def test_upstream_frictionless_accepts_the_shipped_package():
    result = subprocess.run([sys.executable, "-m", "frictionless", "validate",
                             "data/datapackage.yaml"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:]


def planted(count: int):
    """``count`` extra projects, each with its required English title left empty."""
    def edit(rows):
        template = dict(rows["projects"][2], status="in-progress", state_support_vnd="0",
                        disbursed_vnd="0", title_en="")
        for n in range(count):
            year, unit = ("2021", "049-2020") if n < 900 else ("2019", "049")
            rows["projects"].append(dict(template, year=year, unit_id=unit,
                                         project_id=f"p-04-{year}-{100 + n % 900:03d}"))
    return edit


def test_every_error_is_reported_not_the_first_thousand(make_package):
    _, report = validate_package(make_package(planted(1200)))
    assert len(report.errors) == 1200
    assert {("constraint-error", "title_en")} == {(p.type, p.field) for p in report.errors}
    assert list(range(5, 1205)) == sorted(p.row for p in report.errors)


def test_enum_message_quotes_only_a_few_allowed_values(make_package):
    _, report = validate_package(make_package(cells("projects", 0, activity_type="robot")))
    [error] = report.errors
    assert "consulting" not in error.message_en + error.message_vi
    assert f"… ({9})" in error.message_en
    assert error.message_en.split(": ")[1].count(",") == ENUM_SHOWN


def test_foreign_key_message_names_the_referenced_resource(make_package):
    _, report = validate_package(make_package(cells("projects", 0, content_type="ZZ")))
    [error] = report.errors
    assert (error.type, error.field, error.value) == ("foreign-key", "content_type", "ZZ")
    assert "content-types" in error.message_vi
    assert "content-types" in error.message_en


def test_decomposed_text_is_one_warning_per_column_and_compared_in_nfc(tiny_package):
    path = tiny_package / "admin-units.csv"
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")),
                    encoding="utf-8")
    _, report = validate_package(tiny_package)
    assert report.errors == []  # type_vi "Tỉnh", "Xã" match the enum once in NFC
    expected = [("non-nfc-text", UNITS, 2, "name_en"), ("non-nfc-text", UNITS, 2, "name_vi"),
                ("non-nfc-text", UNITS, 2, "type_vi")]
    assert expected == positions(report.warnings)
    assert all(unicodedata.is_normalized("NFC", w.value) for w in report.warnings)


def test_utf8_with_bom_and_crlf_is_valid(tiny_package):
    for path in tiny_package.glob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    _, report = validate_package(tiny_package)
    assert report.problems == []


def test_warnings_do_not_fail_validation(make_package):
    _, report = validate_package(make_package(cells("establishments", 0, address=" Xóm ")))
    assert report.ok
    assert positions(
        report.warnings) == [("surrounding-whitespace", ESTABLISHMENTS, 2, "address")]


def test_frictionless_reads_files_as_the_loader_does(tiny_package):
    (tiny_package / "establishments.csv").write_text("", encoding="utf-8")
    package, _ = load_package(tiny_package)
    descriptor = frictionless_descriptor(package)
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert "establishments" not in resources
    assert {("utf-8", ",")} == {(r["encoding"], r["dialect"]["csv"]["delimiter"])
                                for r in resources.values()}
    keys = [k["reference"]["resource"] for k in resources["projects"]["schema"]["foreignKeys"]]
    assert keys == ["content-types", "admin-units"]
    assert "establishments" in [r["name"] for r in package.descriptor["resources"]]


def test_cells_with_structural_errors_are_missing_for_the_rules(make_package):
    package, _ = load_package(make_package(cells("projects", 0, status="done")))
    problem = Problem(type="constraint-error", file=PROJECTS, resource="projects", row=2,
                      field="status", value="done", message_vi="", message_en="")
    masked = without_failed_cells(package, [problem])
    assert masked["projects"]["status"].isna().tolist() == [True, False, False]
    assert package["projects"]["status"].iloc[0] == "done"


def test_the_structure_pass_can_be_swapped(make_package):
    sentinel = Problem(type="vectorised-check", file=PROJECTS, message_vi="", message_en="")
    _, report = validate_package(make_package(cells("projects", 0, status="done")),
                                 structure=lambda package: [sentinel])
    assert [sentinel] == report.problems


def test_validation_prints_nothing(make_package, capsys):
    validate_package(make_package(cells("projects", 0, status="done")))
    assert tuple(capsys.readouterr()) == ("", "")


def test_validation_freezes_what_the_process_held_and_unfreezes_it(tiny_package):
    """A full collection during validation must not walk the caller's objects (a site's
    data in the dev server); afterwards the collector sees them again, even after an error."""
    import gc

    from pipeline.fastcheck import structure_problems

    held = [{"n": n} for n in range(1000)]  # noqa: F841 - tracked objects the caller keeps
    seen = []

    def structure(package):
        seen.append(gc.get_freeze_count())
        return structure_problems(package)

    assert gc.get_freeze_count() == 0
    validate_package(tiny_package, structure=structure)
    assert seen[0] >= 1000
    assert gc.get_freeze_count() == 0

    def failing(package):
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        validate_package(tiny_package, structure=failing)
    assert gc.get_freeze_count() == 0
