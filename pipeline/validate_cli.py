"""`python -m pipeline validate`: the report as a table a clerk can work through, or JSON.

Errors come first, grouped by file and ordered by row, each with the value found, the rule
broken and the message in Vietnamese and English; warnings follow, apart. Exit status 1 when
there is any error, so `make validate` stops a build.
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import groupby
from pathlib import Path

from pipeline.load import PackageError
from pipeline.report import Problem, Report
from pipeline.upstream import frictionless_problems
from pipeline.validate import validate_package

VALUE_WIDTH = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=Path("data"),
                        help="folder holding datapackage.yaml (default: data)")
    parser.add_argument("--content", type=Path, default=Path("content"),
                        help="folder holding stories/ (default: content)")
    parser.add_argument("--json", action="store_true",
                        help="print the report as JSON for machines")
    parser.add_argument("--upstream", action="store_true",
                        help="check types, constraints and keys with Frictionless itself "
                             "(ten times slower; same problems as the default pass)")


def run(args: argparse.Namespace) -> int:
    try:
        structure = frictionless_problems if args.upstream else None
        _, report = validate_package(args.data, args.content, structure=structure)
    except PackageError as exc:
        print(f"Lỗi / Error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(report))
    return 0 if report.ok else 1


def render(report: Report) -> str:
    """The whole report as text: errors by file, then warnings by file, then a summary."""
    parts = []
    if report.errors:
        parts.append(section("LỖI / ERRORS", report.errors))
    if report.warnings:
        parts.append(section("CẢNH BÁO / WARNINGS", report.warnings))
    parts.append(summary(report))
    return "\n\n".join(parts)


def section(title: str, problems: list[Problem]) -> str:
    lines = [f"== {title} ({len(problems)}) =="]
    ordered = sorted(problems, key=lambda p: (p.file, p.row or 0, p.field or "", p.type))
    for file, group in groupby(ordered, key=lambda p: p.file):
        found = list(group)
        lines += ["", f"{file} ({len(found)})",
                  f"  {'Dòng/Row':<9} {'Cột/Field':<22} {'Giá trị/Value':<{VALUE_WIDTH}} "
                  "Quy tắc/Rule"]
        lines += [line for p in found for line in table_row(p)]
    return "\n".join(lines)


def table_row(problem: Problem) -> list[str]:
    """One problem: its position, value and rule, then the two messages indented."""
    row = "" if problem.row is None else str(problem.row)
    return [
        f"  {row:<9} {problem.field or '':<22} {shown(problem.value):<{VALUE_WIDTH}} "
        f"{problem.type}",
        f"            vi: {problem.message_vi}",
        f"            en: {problem.message_en}",
    ]


def shown(value: str | None) -> str:
    """A cell as found, quoted so that empty cells and spaces are visible, cut if long."""
    if value is None:
        return ""
    text = repr(value)[1:-1] if "\n" in value or "\t" in value else value
    if len(text) > VALUE_WIDTH - 2:
        text = text[: VALUE_WIDTH - 3] + "…"
    return f"«{text}»"


def summary(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if report.ok:
        return (f"Hợp lệ: 0 lỗi, {warnings} cảnh báo. / "
                f"Valid: 0 errors, {warnings} warnings.")
    return (f"KHÔNG HỢP LỆ: {errors} lỗi, {warnings} cảnh báo; sửa các lỗi trên rồi chạy lại. / "
            f"INVALID: {errors} errors, {warnings} warnings; fix the errors above and run again.")
