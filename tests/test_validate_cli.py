"""`python -m pipeline validate`: a table grouped by file, JSON for machines, honest exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.report import Problem, Report
from pipeline.validate_cli import render, shown

ROOT = Path(__file__).resolve().parent.parent


def broken(rows):
    """Two errors in projects, one in establishments, and a warning."""
    rows["projects"][0]["status"] = "done"
    rows["projects"][1]["start_date"] = "15/03/2021"
    rows["establishments"][0]["showcase"] = "yes"
    rows["establishments"][1]["address"] = "Xóm Khuổi Rài "


def validate(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_package_exits_0_with_a_summary(tiny_package, tmp_path, capsys):
    code, out, _ = validate(["--data", str(tiny_package), "--content", str(tmp_path)], capsys)
    assert (code, out) == (0, "Hợp lệ: 0 lỗi, 0 cảnh báo. / Valid: 0 errors, 0 warnings.\n")


def test_errors_exit_1_in_a_table_grouped_by_file(make_package, tmp_path, capsys):
    code, out, _ = validate(["--data", str(make_package(broken)), "--content",
                             str(tmp_path)], capsys)
    assert code == 1
    errors, warnings = out.split("== CẢNH BÁO / WARNINGS (1) ==")
    assert errors.count("data/projects.csv (2)") == 1
    assert errors.count("data/establishments.csv (1)") == 1
    assert errors.index("data/establishments.csv") < errors.index("data/projects.csv")
    assert errors.index("«done»") < errors.index("«15/03/2021»")  # by row within a file
    assert "Xóm Khuổi Rài" not in errors
    assert "surrounding-whitespace" in warnings
    assert "«Xóm Khuổi Rài »" in warnings
    assert "INVALID: 3 errors, 1 warnings" in warnings


def test_each_error_line_has_row_field_value_rule_and_both_languages(make_package, tmp_path,
                                                                     capsys):
    _, out, _ = validate(["--data", str(make_package(broken)), "--content", str(tmp_path)],
                         capsys)
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "«done»" in line)
    assert lines[at].split() == ["2", "status", "«done»", "constraint-error"]
    assert lines[at + 1].strip().startswith("vi: 'done' không có trong danh sách")
    assert lines[at + 2].strip().startswith("en: 'done' is not an allowed value")


def test_json_is_the_report_in_utf8(make_package, tmp_path, capsys):
    code, out, _ = validate(["--data", str(make_package(broken)), "--content", str(tmp_path),
                             "--json"], capsys)
    report = json.loads(out)
    assert (code, report["valid"], report["error_count"],
                                report["warning_count"]) == (1, False, 3, 1)
    assert "không có trong danh sách" in out  # not escaped as \u1ed1
    assert {"type", "file", "row", "field", "value", "message_vi", "message_en", "resource",
            "severity"} == set(report["errors"][0])


def test_missing_descriptor_is_a_message_not_a_traceback(tmp_path, capsys):
    code, out, err = validate(["--data", str(tmp_path / "nowhere")], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("Lỗi / Error: ") and "datapackage.yaml" in err


def test_a_broken_file_is_named_with_its_fix(tiny_package, tmp_path, capsys):
    path = tiny_package / "projects.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    code, out, _ = validate(["--data", str(tiny_package), "--content", str(tmp_path)], capsys)
    assert code == 1
    assert "data/projects.csv (1)" in out and "delimiter-error" in out
    assert "CSV UTF-8" in out


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""),
    ("", "«»"),
    (" a ", "« a »"),
    ("x" * 40, "«" + "x" * 27 + "…»"),
    ("a\tb", "«a\\tb»"),
])
def test_values_are_shown_so_that_blanks_are_visible(value, expected):
    assert expected == shown(value)


def test_a_report_with_only_warnings_has_no_error_section():
    warning = Problem(type="surrounding-whitespace", file="data/x.csv", row=2, field="a",
                      value=" a", message_vi="vi", message_en="en", severity="warning")
    text = render(Report([warning]))
    assert "LỖI / ERRORS" not in text
    assert text.endswith("Valid: 0 errors, 1 warnings.")


def test_make_validate_command_passes_on_the_shipped_sample():
    """`make validate` is `python -m pipeline validate` run from the repository root."""
    result = subprocess.run([sys.executable, "-m", "pipeline", "validate"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Valid: 0 errors" in result.stdout


def test_upstream_option_reports_the_same_with_frictionless(make_package, tmp_path, capsys):
    args = ["--data", str(make_package(broken)), "--content", str(tmp_path)]
    fast = validate(args, capsys)
    upstream = validate([*args, "--upstream"], capsys)
    assert fast == upstream
    assert fast[0] == 1
