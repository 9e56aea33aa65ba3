"""The upstream structure pass: Frictionless validates the files, its errors become Problems.

``frictionless_problems`` runs Frictionless over the readable resources (``python -m pipeline
validate --upstream``); ``pipeline.fastcheck`` finds the same errors vectorised and is the
default. Both turn Frictionless error objects into ``Problem`` values with ``convert``, so a
problem reads the same whichever pass found it: our own short bilingual message, and the
error ``type`` kept as Frictionless's, so its documentation still applies.

What the loader reports itself (text not in NFC, rows with too few cells) is left out here.
"""

from __future__ import annotations

import copy
import re
import unicodedata

import frictionless as fl

from pipeline.load import DESCRIPTOR, Package, nfc, relative
from pipeline.report import Problem

# Frictionless stops at 1,000 errors per resource by default; staff need every one.
LIMIT_ERRORS = 10**9
ENUM_SHOWN = 4  # allowed values quoted in an enum message; the schema has the full list
LOADER_REPORTS = ("missing-cell", "blank-row")  # the loader counts each row's cells


def frictionless_descriptor(package: Package) -> dict:
    """The loaded resources only, read exactly as the loader reads them.

    Encoding and dialect are explicit so Frictionless does not sniff (a mis-sniffed file could
    pass). A foreign key into a resource the loader could not read is dropped: the loader has
    reported that file, and every row pointing into it would be a false error.
    """
    descriptor = copy.deepcopy(package.descriptor)
    loaded = set(package.frames)
    resources = []
    for resource in descriptor["resources"]:
        if resource["name"] not in loaded:
            continue
        resource.update(format="csv", encoding="utf-8", dialect={"csv": {"delimiter": ","}})
        schema = resource["schema"]
        schema["foreignKeys"] = [key for key in schema.get("foreignKeys", [])
                                 if key["reference"]["resource"] in ("", *loaded)]
        resources.append(resource)
    descriptor["resources"] = resources
    return descriptor


def frictionless_problems(package: Package) -> list[Problem]:
    """Types, constraints, primary and foreign keys of every readable resource, all errors."""
    if not package.frames:
        return []
    descriptor_file = relative(package.root / DESCRIPTOR, package.root)
    try:
        target = fl.Package(frictionless_descriptor(package), basepath=str(package.root))
        result = target.validate(limit_errors=LIMIT_ERRORS)
    except fl.FrictionlessException as exc:
        return [metadata_problem(error, descriptor_file) for error in exc.to_errors()]
    problems = [metadata_problem(error, descriptor_file) for error in result.errors]
    for task in result.tasks:
        resource = target.get_resource(task.name)
        errors = [e for e in task.errors if not nfc_passes(e, resource)]
        problems.extend(p for p in convert(errors, resource, package)
                        if p.type not in LOADER_REPORTS)
    return problems


def convert(errors: list[fl.Error], resource: fl.Resource,
            package: Package) -> list[Problem]:
    """Frictionless errors of one resource as problems, each said once."""
    file = package.relpath(resource.name)
    key = resource.schema.primary_key
    blank = {e.row_number for e in errors if e.type == "blank-row"}
    problems = []
    for error in errors:
        if error.type == "unique-error" and key == [error.field_name]:
            continue  # the primary-key error on the same row says it once
        if error.type == "primary-key" and error.row_number in blank:
            continue  # a blank row has an empty key; "delete the row" is the whole fix
        problems.append(to_problem(error, resource, file))
    return problems


def nfc_passes(error: fl.Error, resource: fl.Resource) -> bool:
    """A constraint error only because the file is not NFC: we compare text in NFC."""
    cell = getattr(error, "cell", None)
    if error.type != "constraint-error" or not cell or unicodedata.is_normalized("NFC", cell):
        return False
    _, notes = resource.schema.get_field(error.field_name).read_cell(nfc(cell))
    return not notes


def metadata_problem(error: fl.Error, file: str) -> Problem:
    """A descriptor or schema that Frictionless rejects: a developer's fix, said plainly."""
    return Problem(type=error.type, file=file,
                   message_vi=f"Tệp mô tả gói dữ liệu hoặc lược đồ không hợp lệ: {error.message}",
                   message_en=f"The package descriptor or a schema is invalid: {error.message}")


# --- messages ----------------------------------------------------------------------------


def to_problem(error: fl.Error, resource: fl.Resource, file: str) -> Problem:
    """One Frictionless row or cell error, positioned, with our bilingual message."""
    field, value = getattr(error, "field_name", None), cell_as_written(error)
    if error.type == "foreign-key":
        field, value = ", ".join(error.field_names), ", ".join(error.field_cells)
    elif error.type == "primary-key":
        field, value = key_cells(error, resource)
    spec = resource.schema.get_field(field) if field and resource.schema.has_field(field) else None
    vi, en = message(error, spec, resource)
    return Problem(type=error.type, file=file, resource=resource.name,
                   row=getattr(error, "row_number", None), field=field, value=value,
                   message_vi=vi, message_en=en)


def cell_as_written(error: fl.Error) -> str | None:
    """The cell's text; empty for a cell missing from a short row (Frictionless says "None")."""
    if getattr(error, "field_number", 0) > len(getattr(error, "cells", ())):
        return ""
    return getattr(error, "cell", None)


def key_cells(error: fl.Error, resource: fl.Resource) -> tuple[str, str]:
    """The primary-key fields and their cells in the offending row."""
    names = resource.schema.field_names
    key = resource.schema.primary_key
    cells = [error.cells[names.index(n)] if names.index(n) < len(error.cells) else ""
             for n in key]
    return ", ".join(key), ", ".join(cells)


def other_row(note: str) -> str:
    """The row a duplicate repeats, from Frictionless's note."""
    found = re.search(r"position (\d+)", note)
    return found.group(1) if found else "?"


def message(error: fl.Error, spec: fl.Field | None, resource: fl.Resource) -> tuple[str, str]:
    """(Vietnamese, English) for one error; Frictionless's own text only as a fallback."""
    cell = getattr(error, "cell", "")
    if error.type == "type-error" and spec is not None:
        return type_message(cell, spec)
    if error.type == "constraint-error" and spec is not None:
        return constraint_message(cell, spec, error.note)
    if error.type == "unique-error":
        row = other_row(error.note)
        return (f"Giá trị '{cell}' trùng với dòng {row}; cột này không được trùng.",
                f"Value '{cell}' repeats row {row}; this column must be unique.")
    if error.type == "primary-key":
        row = other_row(error.note)
        return (f"Mã dòng (khóa chính) trùng với dòng {row}.",
                f"The row's key (primary key) repeats row {row}.")
    if error.type == "foreign-key":
        target = error.reference_name or resource.name
        column = ", ".join(error.reference_field_names)
        cells = ", ".join(error.field_cells)
        return (f"Không có '{cells}' trong bảng {target} (cột {column}).",
                f"'{cells}' does not exist in {target} (column {column}).")
    if error.type == "missing-cell":
        return ("Dòng thiếu ô này: dòng có ít cột hơn dòng tiêu đề.",
                "The row lacks this cell: it has fewer columns than the header.")
    if error.type == "extra-cell":
        return ("Dòng có nhiều ô hơn dòng tiêu đề (thừa dấu phẩy?).",
                "The row has more cells than the header (a stray comma?).")
    if error.type == "blank-row":
        return "Dòng trống; hãy xóa dòng này.", "The row is blank; delete it."
    return f"Lỗi cấu trúc: {error.message}", error.message


TYPE_HINTS = {
    "integer": ("số nguyên, không có dấu chấm, phẩy hay khoảng trắng (vd 150000000)",
                "a whole number without dots, commas or spaces (e.g. 150000000)"),
    "number": ("số, phần thập phân dùng dấu chấm (vd 22.6651)",
               "a number with a decimal point (e.g. 22.6651)"),
    "date": ("ngày dạng năm-tháng-ngày, vd 2021-03-15 (không dùng 15/03/2021)",
             "a date as year-month-day, e.g. 2021-03-15 (not 15/03/2021)"),
    "year": ("năm bốn chữ số (vd 2021)", "a four-digit year (e.g. 2021)"),
}


def type_message(cell: str, spec: fl.Field) -> tuple[str, str]:
    """What the column expects, in words a clerk uses."""
    if spec.type == "boolean":
        allowed = ", ".join([*spec.true_values, *spec.false_values])
        hint = (f"một trong: {allowed}", f"one of: {allowed}")
    else:
        hint = TYPE_HINTS.get(spec.type, (f"kiểu {spec.type}", f"of type {spec.type}"))
    return (f"'{cell}' không hợp lệ: cột này cần {hint[0]}.",
            f"'{cell}' is not valid: this column needs {hint[1]}.")


def constraint_message(cell: str, spec: fl.Field, note: str) -> tuple[str, str]:
    """Which constraint failed, with the allowed values cut short for enums."""
    found = re.search(r'constraint "(\w+)"', note)
    name = found.group(1) if found else ""
    limit = spec.constraints.get(name)
    if name == "required":
        return "Ô bắt buộc nhưng đang trống.", "This cell is required but empty."
    if name == "enum":
        shown = ", ".join(str(v) for v in limit[:ENUM_SHOWN])
        more = f", … ({len(limit)})" if len(limit) > ENUM_SHOWN else ""
        return (f"'{cell}' không có trong danh sách cho phép: {shown}{more}.",
                f"'{cell}' is not an allowed value: {shown}{more}.")
    if name == "pattern":
        return (f"'{cell}' sai định dạng. {spec.description or ''}".strip(),
                f"'{cell}' has the wrong form. {spec.to_dict().get('description_en', '')}"
                .strip())
    if name in ("minimum", "exclusiveMinimum"):
        return f"'{cell}' nhỏ hơn mức tối thiểu {limit}.", f"'{cell}' is below the minimum {limit}."
    if name in ("maximum", "exclusiveMaximum"):
        return f"'{cell}' lớn hơn mức tối đa {limit}.", f"'{cell}' is above the maximum {limit}."
    if name == "maxLength":
        return f"Dài hơn {limit} ký tự.", f"Longer than {limit} characters."
    return f"'{cell}' không thỏa ràng buộc {name}.", f"'{cell}' breaks the {name} constraint."
