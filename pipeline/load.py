"""The only module that reads data files: the descriptor, the schemas and the CSVs.

Staff save CSVs from Excel, so the loader checks what Frictionless would sniff past silently
(encoding, delimiter, empty files, missing or extra columns) and reports each as a positioned
problem with the fix, instead of a traceback. Everything it returns is NFC-normalised.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from pipeline.report import Problem, Report

DESCRIPTOR = "datapackage.yaml"


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
        descriptor = yaml.safe_load(path.read_text(encoding="utf-8"))
        for resource in descriptor["resources"]:
            if isinstance(resource.get("schema"), str):
                schema_path = root / resource["schema"]
                resource["schema"] = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, KeyError, TypeError) as exc:
        raise PackageError(f"{path}: cannot read the descriptor or a schema: {exc}") from exc
    return descriptor


def problem(kind: str, file: str, resource: str, vi: str, en: str, **position) -> Problem:
    return Problem(type=kind, file=file, resource=resource, message_vi=vi, message_en=en,
                   **position)


def decode(data: bytes, file: str, resource: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text (BOM and CRLF accepted), or a problem naming the row and the fix."""
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
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
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


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


def read_raw(text: str) -> pd.DataFrame:
    """Every cell as an NFC string; empty cells stay empty strings.

    Blank lines are dropped but counted: the index stays the line's position, so that
    ``index + 2`` is the row staff see in the file, as in Frictionless's row numbers.
    The text is normalised once, before parsing, not cell by cell (a third of load time at
    national scale): commas, quotes and newlines never compose with a combining mark.
    """
    frame = pd.read_csv(io.StringIO(nfc(text)), dtype=str, keep_default_na=False,
                        na_filter=False, skip_blank_lines=False)
    return frame[(frame != "").any(axis=1)]


def typed_column(values: pd.Series, spec: dict) -> pd.Series:
    """A column converted to the schema type; unparseable and empty cells become missing."""
    kind = spec.get("type", "string")
    blank = values == ""
    if kind == "integer":
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
    return values.where(~blank, None).astype("string")


def typed_frame(raw: pd.DataFrame, fields: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({f["name"]: typed_column(raw[f["name"]], f) for f in fields
                         if f["name"] in raw.columns}, index=raw.index)


def load_resource(root: Path, resource: dict) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The raw frame of one resource, or the problems that stop it from being read."""
    path = root / resource["path"]
    file = relative(path, root)
    name = resource["name"]
    if not path.is_file():
        return None, [problem("missing-file", file, name,
                              "Không tìm thấy tệp dữ liệu.", "The data file does not exist.")]
    text, problems = decode(path.read_bytes(), file, name)
    if text is None:
        return None, problems
    header = next(csv.reader(io.StringIO(text)), [])
    expected = [f["name"] for f in resource["schema"]["fields"]]
    problems = check_header([nfc(h) for h in header], expected, file, name)
    if problems:
        return None, problems
    try:
        return read_raw(text), []
    except pd.errors.ParserError as exc:
        return None, [extra_cells(str(exc), file, name)]


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


def load_package(root: Path | str) -> tuple[Package, Report]:
    """Read every resource; the report holds what stopped a resource from being read.

    A resource that could not be read is absent from ``frames``: later checks skip it.
    """
    root = Path(root)
    descriptor = read_descriptor(root)
    report = Report()
    raw: dict[str, pd.DataFrame] = {}
    frames: dict[str, pd.DataFrame] = {}
    for resource in descriptor["resources"]:
        frame, problems = load_resource(root, resource)
        report.extend(problems)
        if frame is not None:
            raw[resource["name"]] = frame
            frames[resource["name"]] = typed_frame(frame, resource["schema"]["fields"])
    return Package(root=root, descriptor=descriptor, raw=raw, frames=frames), report
