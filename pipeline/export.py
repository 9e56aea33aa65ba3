"""The open-data downloads in ``output/data/``: CSV, JSON, XLSX, ZIP and ``datapackage.json``.

Export owns the published data layout. A researcher downloads a file once and must be able to
trust it a year later, so every file is written from the validated, typed frames with private
fields removed, in one canonical form, and byte-identical for the same package and ``created``
date (openpyxl's timestamps and every ZIP entry time are fixed to ``created``).

CSV form (documented in the README of every download): UTF-8 without BOM, comma-separated,
RFC 4180 quoting and ``\\r\\n`` line endings (RFC 4180 asks for CRLF, and Excel and every CSV
reader accept it), header row of field names in schema order, ISO 8601 dates, integer VND
amounts with no separators, ``true``/``false`` booleans and an empty cell for a missing value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline.catalog import catalog_files
from pipeline.load import Package

LINE_TERMINATOR = "\r\n"
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "datapackage": "application/json",
    "dcat-ap": "application/ld+json",
    "dcat-us": "application/json",
}
DIALECT = {"delimiter": ",", "lineTerminator": LINE_TERMINATOR, "quoteChar": '"',
           "doubleQuote": True, "header": True}
README_NAME = "README.md"


# -- values -----------------------------------------------------------------------------------

def plain_value(value, kind: str):
    """A typed cell as a plain Python value (JSON and XLSX): int, float, bool, ISO date, str."""
    if value is None or pd.isna(value):
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return bool(value)
    if kind == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def csv_text(value) -> str:
    """A plain value as CSV text: empty for missing, lowercase booleans, shortest float form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def public_fields(package: Package, name: str) -> list[dict]:
    """The schema fields that may be published, in schema order."""
    return [f for f in package.fields(name) if not f.get("private")]


def public_records(package: Package, name: str) -> list[dict]:
    """Rows of a resource as plain typed values, private fields left out."""
    fields = public_fields(package, name)
    frame = package.frames[name]
    columns = {f["name"]: [plain_value(v, f.get("type", "string"))
                           for v in frame[f["name"]].astype(object)] for f in fields}
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


# -- serialisers (bytes in memory, so hashing and zipping never re-read a file) ----------------

def csv_bytes(fields: list[dict], records: list[dict]) -> bytes:
    """RFC 4180 CSV with CRLF line endings and a header of field names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=LINE_TERMINATOR)
    writer.writerow([f["name"] for f in fields])
    for record in records:
        writer.writerow([csv_text(record[f["name"]]) for f in fields])
    return buffer.getvalue().encode("utf-8")


def json_bytes(records: list[dict]) -> bytes:
    """A JSON array of objects, one per line, so a diff of two releases is readable."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records]
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


def descriptor_bytes(descriptor: dict) -> bytes:
    return (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def zip_time(created: str) -> tuple[int, int, int, int, int, int]:
    """The fixed ZIP entry time: midnight of the ``created`` date."""
    day = datetime.fromisoformat(created[:10])
    return (day.year, day.month, day.day, 0, 0, 0)


def deterministic_zip(entries: list[tuple[str, bytes]], created: str) -> bytes:
    """A ZIP whose bytes depend only on the entries and the date (no clock, no file modes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=zip_time(created))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


# -- the descriptor ---------------------------------------------------------------------------

def public_schema(package: Package, name: str) -> dict:
    """The resource schema without private fields, or foreign keys that mention them."""
    schema = package.schema(name)
    public = {f["name"] for f in public_fields(package, name)}
    result = {key: value for key, value in schema.items() if key not in ("fields", "foreignKeys")}
    result["fields"] = [{k: v for k, v in f.items() if k != "private"}
                        for f in public_fields(package, name)]
    keys = [fk for fk in schema.get("foreignKeys", []) if set(fk["fields"]) <= public]
    if keys:
        result["foreignKeys"] = keys
    if not set(schema.get("primaryKey", [])) <= public:
        result.pop("primaryKey")
    return result


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def created_datetime(created: str) -> str:
    """``created`` as the RFC 3339 date-time the Data Package spec asks for."""
    return f"{created[:10]}T00:00:00Z"


def resource_descriptor(package: Package, name: str, data: bytes) -> dict:
    """One tabular resource: where the CSV is, how it is encoded, its size, hash and schema."""
    source = package.resource(name)
    return {
        "name": name,
        "title": source.get("title", name),
        "description": source.get("description", ""),
        "profile": "tabular-data-resource",
        "path": f"{name}.csv",
        "format": "csv",
        "mediatype": MEDIA_TYPES["csv"],
        "encoding": "utf-8",
        "bytes": len(data),
        "hash": f"sha256:{sha256(data)}",
        "dialect": DIALECT,
        "schema": public_schema(package, name),
    }


PACKAGE_KEYS = ("name", "title", "description", "homepage", "keywords", "licenses", "sources",
                "contributors")


def package_descriptor(package: Package, csvs: dict[str, bytes], *, version: str,
                       created: str) -> dict:
    """The Frictionless descriptor of the published package (CSV resources only)."""
    source = package.descriptor
    descriptor = {"profile": "tabular-data-package"}
    descriptor.update({key: source[key] for key in PACKAGE_KEYS if key in source})
    descriptor["version"] = version
    descriptor["created"] = created_datetime(created)
    descriptor["resources"] = [resource_descriptor(package, name, data)
                               for name, data in csvs.items()]
    return descriptor


# -- README (ZIP member and the workbook's first sheet) ---------------------------------------

def readme_lines(descriptor: dict) -> list[str]:
    """A plain-text account of the package: what it is, its licence, its files and fields."""
    licence = descriptor["licenses"][0]
    lines = [descriptor["title"], "", descriptor.get("description", ""), "",
             f"Phiên bản / Version: {descriptor['version']}",
             f"Ngày tạo / Created: {descriptor['created'][:10]}",
             f"Giấy phép / Licence: {licence.get('title', licence['name'])} "
             f"({licence['name']}) {licence.get('path', '')}".rstrip(),
             "Ghi nguồn khi sử dụng lại / Attribution is required when you reuse the data.",
             f"Trang chủ / Home: {descriptor.get('homepage', '')}", "",
             "Định dạng CSV / CSV format: UTF-8 (no BOM), comma-separated, RFC 4180, CRLF line "
             "endings; dates YYYY-MM-DD; amounts in integer VND; empty cell = missing.",
             "Personal data (fields marked private in the source schema) is not published.", ""]
    for resource in descriptor["resources"]:
        lines.append(f"{resource['path']}: {resource['title']}")
        lines.append(f"  {resource['description']}")
        lines.extend(f"  - {f['name']} ({f['type']}): {f.get('description_en', '')}"
                     for f in resource["schema"]["fields"])
        lines.append("")
    lines.extend(f"Nguồn / Source: {s['title']} {s.get('path', '')}".rstrip()
                 for s in descriptor.get("sources", []))
    return lines


def readme_bytes(descriptor: dict) -> bytes:
    return ("\n".join(readme_lines(descriptor)) + "\n").encode("utf-8")


# -- the workbook ----------------------------------------------------------------------------

def xlsx_bytes(descriptor: dict, tables: dict[str, tuple[list[dict], list[dict]]],
               created: str) -> bytes:
    """One workbook: a README sheet, then one sheet per resource (contract format).

    openpyxl's ``save_workbook`` stamps the clock into ``docProps/core.xml`` and its ZIP
    entries, so the writer is driven directly and the archive repacked with fixed times.
    """
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    readme = book.active
    readme.title = "README"
    for line in readme_lines(descriptor):
        readme.append([line])
    for name, (fields, records) in tables.items():
        sheet = book.create_sheet(name)
        sheet.append([f["name"] for f in fields])
        for record in records:
            sheet.append([record[f["name"]] for f in fields])
    moment = datetime.fromisoformat(created[:10])
    book.properties.created = book.properties.modified = moment
    book.properties.creator = descriptor["name"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    return deterministic_zip(entries, created)


# -- writing ---------------------------------------------------------------------------------

def download(out_dir: Path, path: Path, data: bytes, resource: str, fmt: str,
             kind: str = "data") -> dict:
    """Write one file and describe it as the contract's download dict."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"resource": resource, "format": fmt, "path": path.relative_to(out_dir).as_posix(),
            "bytes": len(data), "sha256": sha256(data), "media_type": MEDIA_TYPES[fmt],
            "kind": kind}


def public_tables(package: Package) -> dict[str, tuple[list[dict], list[dict]]]:
    """Every resource as (public fields, public records), in descriptor order."""
    return {name: (public_fields(package, name), public_records(package, name))
            for name in package.resource_names}


def export_open_data(package: Package, out_dir: Path, *, version: str, created: str,
                     on_file: Callable[[dict], None] | None = None) -> list[dict]:
    """Write ``out_dir/data/**`` plus the catalogues and return one dict per download.

    Each dict has ``resource`` (a resource name, or the package name for whole-package
    files), ``format``, ``path`` (relative to ``out_dir``), ``bytes``, ``sha256``,
    ``media_type`` and ``kind`` (``data`` or ``metadata``). ``on_file`` is called with each
    dict as soon as its file is written (the build's progress display).
    """
    out_dir = Path(out_dir)
    data_dir = out_dir / "data"
    tables = public_tables(package)
    csvs = {name: csv_bytes(*table) for name, table in tables.items()}
    downloads: list[dict] = []

    def add(written: dict) -> None:
        downloads.append(written)
        if on_file is not None:
            on_file(written)

    for name, (_fields, records) in tables.items():
        add(download(out_dir, data_dir / f"{name}.csv", csvs[name], name, "csv"))
        add(download(out_dir, data_dir / f"{name}.json", json_bytes(records),
                                  name, "json"))
    descriptor = package_descriptor(package, csvs, version=version, created=created)
    whole = descriptor["name"]
    add(download(out_dir, data_dir / f"{whole}.xlsx",
                              xlsx_bytes(descriptor, tables, created), whole, "xlsx"))
    members = [("datapackage.json", descriptor_bytes(descriptor)),
               (README_NAME, readme_bytes(descriptor)),
               *((f"{name}.csv", data) for name, data in csvs.items())]
    add(download(out_dir, data_dir / f"{whole}.zip",
                              deterministic_zip(members, created), whole, "zip"))
    add(download(out_dir, data_dir / "datapackage.json", members[0][1], whole,
                              "datapackage", "metadata"))
    for path, fmt, data in catalog_files(package, downloads, version=version, created=created):
        add(download(out_dir, out_dir / path, data, whole, fmt, "metadata"))
    return downloads
