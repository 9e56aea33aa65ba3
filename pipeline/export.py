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
import functools
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.catalog import catalog_files
from pipeline.export_blocks import Block, deflated, joined, row_blocks
from pipeline.export_cache import (
    Deflated,
    OutputFiles,
    Stored,
    column_types,
    digest,
    frame_digest,
    pipeline_salt,
    row_hashes,
    salt,
    write_member,
)
from pipeline.load import Package
from pipeline.spreadsheet import SHEET_END, rows_xml, sheet_head, sheet_member, workbook_members

LINE_TERMINATOR = "\r\n"
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "datapackage": "application/json",
    "dcat-ap": "application/ld+json",
    "dcat-us": "application/json",
    "statistics": "application/json",
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


PLAIN = {"integer": int, "number": float, "boolean": bool}


def plain_column(series: pd.Series, kind: str) -> list:
    """A typed column as plain values (what ``plain_value`` gives each cell), vectorised.

    One pass per column instead of a call per cell: at national scale the per-cell form
    took 1.7 s of the export.
    """
    if kind == "date" and pd.api.types.is_datetime64_any_dtype(series):
        series, kind = series.dt.strftime("%Y-%m-%d"), "string"
    elif kind == "date":
        return [plain_value(v, kind) for v in series.astype(object)]
    convert = PLAIN.get(kind, str)
    missing = series.isna().tolist()
    return [None if gap else convert(v)
            for v, gap in zip(series.astype(object).tolist(), missing, strict=True)]


@dataclass(frozen=True)
class Table:
    """One resource as published: its public fields and their plain values, column-wise."""

    fields: list[dict]
    columns: list[list]

    @property
    def names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def records(self) -> list[dict]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in zip(*self.columns, strict=True)]


def public_table(package: Package, name: str, rows: slice | None = None) -> Table:
    """A resource's public fields and values (private fields never leave this function);
    ``rows``: only these rows (a block of them, ``export_blocks``)."""
    fields = public_fields(package, name)
    frame = package.frames[name] if rows is None else package.frames[name].iloc[rows]
    return Table(fields, [plain_column(frame[f["name"]], f.get("type", "string"))
                          for f in fields])


def public_records(package: Package, name: str) -> list[dict]:
    """Rows of a resource as plain typed values, private fields left out."""
    return public_table(package, name).records()


# -- serialisers (bytes in memory) -------------------------------------------------------------

CSV_TEXT = {"string": str, "date": str, "integer": str, "number": repr,
            "boolean": lambda b: "true" if b else "false"}


def csv_column(values: list, kind: str) -> list[str]:
    """A column of plain values as CSV text (``csv_text`` of each cell, one pass)."""
    if kind not in CSV_TEXT:
        return [csv_text(v) for v in values]
    text = CSV_TEXT[kind]
    return ["" if v is None else text(v) for v in values]


def csv_bytes(table: Table) -> bytes:
    """RFC 4180 CSV with CRLF line endings and a header of field names."""
    return csv_header(table.names) + csv_rows(table)


def csv_header(names: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=LINE_TERMINATOR).writerow(names)
    return buffer.getvalue().encode("utf-8")


def csv_rows(table: Table) -> bytes:
    """The CSV's records, each ended by CRLF (a block of them: ``export_blocks``)."""
    buffer = io.StringIO()
    columns = [csv_column(values, f.get("type", "string"))
               for f, values in zip(table.fields, table.columns, strict=True)]
    csv.writer(buffer, lineterminator=LINE_TERMINATOR).writerows(zip(*columns, strict=True))
    return buffer.getvalue().encode("utf-8")


JSON_ROW = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
#: A JSON file is an array of objects, one per line, so a diff of two releases is readable.
JSON_OPEN, JSON_SEPARATOR, JSON_CLOSE = b"[\n", b",\n", b"\n]\n"


def json_bytes(table: Table) -> bytes:
    return JSON_OPEN + json_lines(table) + JSON_CLOSE


def json_lines(table: Table) -> bytes:
    """The array's objects, one per line (without the brackets)."""
    return ",\n".join(JSON_ROW.encode(r) for r in table.records()).encode("utf-8")


def descriptor_bytes(descriptor: dict) -> bytes:
    return (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def zip_time(created: str) -> tuple[int, int, int, int, int, int]:
    """The fixed ZIP entry time: midnight of the ``created`` date."""
    day = datetime.fromisoformat(created[:10])
    return (day.year, day.month, day.day, 0, 0, 0)


def deterministic_zip(entries: list[tuple[str, bytes | Deflated]], created: str) -> bytes:
    """A ZIP whose bytes depend only on the entries and the date (no clock, no file modes).

    An entry may come already compressed (``Deflated``: a member copied from the previous
    archive); the bytes are those ``ZipFile.writestr`` writes either way.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=zip_time(created))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            write_member(archive, info,
                         data if isinstance(data, Deflated) else Deflated.of(data))
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


def resource_descriptor(package: Package, name: str, csv_file: Stored) -> dict:
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
        "bytes": csv_file.bytes,
        "hash": f"sha256:{csv_file.sha256}",
        "dialect": DIALECT,
        "schema": public_schema(package, name),
    }


PACKAGE_KEYS = ("name", "title", "description", "homepage", "keywords", "licenses", "sources",
                "contributors")


def package_descriptor(package: Package, csvs: dict[str, Stored], *, version: str,
                       created: str) -> dict:
    """The Frictionless descriptor of the published package (CSV resources only).

    ``csvs`` holds each resource's CSV size and hash, in descriptor order: a CSV linked
    from the previous build is described without being read again.
    """
    source = package.descriptor
    descriptor = {"profile": "tabular-data-package"}
    descriptor.update({key: source[key] for key in PACKAGE_KEYS if key in source})
    descriptor["version"] = version
    descriptor["created"] = created_datetime(created)
    descriptor["resources"] = [resource_descriptor(package, name, stored)
                               for name, stored in csvs.items()]
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

def xlsx_bytes(descriptor: dict, tables: Mapping[str, Table | Deflated], created: str) -> bytes:
    """One workbook: a README sheet, then one sheet per resource (contract format).

    The sheets are written as XML text by ``pipeline.spreadsheet`` (openpyxl writes only the
    workbook's other parts); the archive is packed with fixed times like every other ZIP.
    A resource given as ``Deflated`` is its sheet already compressed (unchanged since the
    previous workbook).
    """
    sheets: dict[str, Any] = {"README": [readme_lines(descriptor)]}
    sheets.update({name: table if isinstance(table, Deflated) else
                   [[field["name"], *values]
                    for field, values in zip(table.fields, table.columns, strict=True)]
                   for name, table in tables.items()})
    return deterministic_zip(workbook_members(sheets, descriptor["name"], created), created)


def sheet_keys(keys: dict[str, str]) -> dict[str, str]:
    """Workbook part -> key of each resource's sheet (the README sheet, first, has none)."""
    return {sheet_member(n): digest("sheet", sheet_member(n), name, key)
            for n, (name, key) in enumerate(keys.items(), 2)}


def zip_member_keys(keys: dict[str, str]) -> dict[str, str]:
    """ZIP member -> key of each resource's CSV in the package ZIP."""
    return {f"{name}.csv": digest("zip", f"{name}.csv", key) for name, key in keys.items()}


# -- writing ---------------------------------------------------------------------------------

class Tables(dict):
    """Public tables computed on first use (a republish computes only the changed ones),
    with what their files' blocks are made of (``export_blocks``)."""

    def __init__(self, package: Package) -> None:
        super().__init__()
        self.package = package
        self.shapes: dict[str, str] = {}
        self.hashed: dict[str, np.ndarray] = {}
        self.parts: dict[tuple[str, int], Table] = {}

    def __missing__(self, name: str) -> Table:
        self[name] = table = public_table(self.package, name)
        return table

    def every(self) -> dict[str, Table]:
        return {name: self[name] for name in self.package.resource_names}

    def shape(self, name: str) -> str:
        """What every file of the resource depends on besides its rows' values: the code,
        the name, the public schema and the columns' types."""
        if name not in self.shapes:
            schema = json.dumps(public_schema(self.package, name), ensure_ascii=False,
                                sort_keys=True)
            self.shapes[name] = digest(salt(), name, schema,
                                       column_types(public_frame(self.package, name)))
        return self.shapes[name]

    def hashes(self, name: str) -> np.ndarray:
        """One 64-bit hash per row of the public typed values."""
        if name not in self.hashed:
            self.hashed[name] = row_hashes(public_frame(self.package, name))
        return self.hashed[name]

    def key(self, name: str) -> str:
        """What the resource's CSV and JSON depend on: its shape and every row."""
        return digest(self.shape(name), self.hashes(name).tobytes())

    def blocks(self, name: str, kind: str) -> list[Block]:
        """The blocks of rows of one of the resource's files (``kind``: csv, json, sheet)."""
        return row_blocks(digest(self.shape(name), kind), self.hashes(name))

    def block(self, name: str, block: Block) -> Table:
        """The public table of a block's rows, computed once for all the files that need it."""
        found = self.parts.get((name, block.start))
        if found is None:
            found = self.parts[(name, block.start)] = public_table(
                self.package, name, slice(block.start, block.stop))
        return found


def public_tables(package: Package) -> dict[str, Table]:
    """Every resource as its public table, in descriptor order."""
    return Tables(package).every()


def public_frame(package: Package, name: str) -> pd.DataFrame:
    return package.frames[name][public_names(package, name)]


def download_entry(path: str, stored: Stored, resource: str, fmt: str, kind: str) -> dict:
    """The contract's download dict for one written file."""
    return {"resource": resource, "format": fmt, "path": path, "bytes": stored.bytes,
            "sha256": stored.sha256, "media_type": MEDIA_TYPES[fmt], "kind": kind}


@dataclass
class Export:
    """One export run: the output files, the downloads written so far, the progress hook."""

    files: OutputFiles
    tables: Tables
    on_file: Callable[[dict], None] | None = None
    downloads: list[dict] = field(default_factory=list)
    #: CSV blocks made by this run, for the ZIP's members (name, block key -> bytes).
    made: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def add(self, path: str, key: str | None,
            produce: Callable[[], bytes | tuple[bytes, dict]], resource: str, fmt: str,
            kind: str = "data", members: dict[str, str] | None = None) -> Stored:
        """Write (or link) one file and record its download dict."""
        stored = self.files.put(path, key, produce, members)
        written = download_entry(path, stored, resource, fmt, kind)
        self.downloads.append(written)
        if self.on_file is not None:
            self.on_file(written)
        return stored

    def resources(self, keys: dict[str, str]) -> dict[str, Stored]:
        """Each resource's CSV and JSON; returns what the descriptor says of each CSV."""
        csvs = {}
        for name, key in keys.items():
            header = csv_header(public_names(self.tables.package, name))
            csvs[name] = self.add(f"data/{name}.csv", key, functools.partial(
                self.text_file, name, "csv", functools.partial(self.csv_block, name), header,
                b"", b""), name, "csv")
            self.add(f"data/{name}.json", key, functools.partial(
                self.text_file, name, "json", functools.partial(self.json_block, name),
                JSON_OPEN, JSON_SEPARATOR, JSON_CLOSE), name, "json")
        return csvs

    def text_file(self, name: str, fmt: str, make: Callable[[Block], bytes], prefix: bytes,
                  separator: bytes, suffix: bytes) -> tuple[bytes, dict]:
        """``csv_bytes`` or ``json_bytes`` of the resource, block by block (the unchanged
        ones copied from the previous file), and where its blocks lie."""
        previous, recorded = self.files.previous_blocks(f"data/{name}.{fmt}")
        data, places = joined(prefix, self.tables.blocks(name, fmt), make, separator, suffix,
                              previous, recorded)
        return data, {"blocks": places}

    def json_block(self, name: str, block: Block) -> bytes:
        return json_lines(self.tables.block(name, block))

    def csv_block(self, name: str, block: Block) -> bytes:
        found = self.made.get((name, block.key))
        if found is None:
            found = self.made[(name, block.key)] = csv_rows(self.tables.block(name, block))
        return found

    def package_files(self, descriptor: dict, keys: dict[str, str], created: str) -> None:
        """The workbook, the ZIP and ``datapackage.json``: whole-package files.

        A republish copies the compressed sheets and CSV members of unchanged resources
        from the previous workbook and ZIP, and the unchanged blocks of the others,
        instead of writing and compressing them again.
        """
        meta = descriptor_bytes(descriptor)
        whole = descriptor["name"]
        xlsx, sheets = f"data/{whole}.xlsx", sheet_keys(keys)
        self.add(xlsx, digest("xlsx", meta, *keys.values()),
                 lambda: self.workbook(xlsx, descriptor, sheets, created), whole, "xlsx",
                 members=sheets)
        archive, csvs = f"data/{whole}.zip", zip_member_keys(keys)
        self.add(archive, digest("zip", meta),
                 lambda: self.package_zip(archive, descriptor, meta, csvs, created),
                 whole, "zip", members=csvs)
        self.add("data/datapackage.json", None, lambda: meta, whole, "datapackage", "metadata")

    def members(self, path: str, keys: dict[str, str],
                make: Callable[[str, Deflated | None, list], tuple[Deflated, list]]
                ) -> tuple[dict[str, Deflated], dict[str, list]]:
        """Each member of ``keys`` (member -> key) of an archive: the previous archive's
        when its key is unchanged, else ``make(member, its previous bytes, where their
        blocks lay)``; and where every member's blocks lie now."""
        ready = self.files.previous_members(path, keys)
        old, recorded = self.files.previous_pieces(path, set(keys) - set(ready))
        kept = (self.files.known.get(path) or {}).get("blocks") or {} if ready else {}
        members, places = {}, {}
        for member in keys:
            if member in ready:
                members[member], places[member] = ready[member], kept.get(member, [])
            else:
                members[member], places[member] = make(member, old.get(member),
                                                       recorded.get(member, []))
        return members, places

    def workbook(self, path: str, descriptor: dict, sheets: dict[str, str],
                 created: str) -> tuple[bytes, dict]:
        """The workbook: each resource's sheet compressed block by block (the unchanged
        sheets and blocks taken from the previous workbook)."""
        names = dict(zip(sheets, self.tables.package.resource_names, strict=True))
        members, places = self.members(path, sheets, lambda member, old, recorded: self.sheet(
            names[member], old, recorded))
        return xlsx_bytes(descriptor, {names[m]: data for m, data in members.items()},
                          created), {"blocks": places}

    def sheet(self, name: str, previous: Deflated | None,
              recorded: list) -> tuple[Deflated, list]:
        """A resource's worksheet, compressed block by block: the header row in the head."""
        fields = public_names(self.tables.package, name)
        head = sheet_head(len(fields), len(self.tables.hashes(name)) + 1) + rows_xml(
            [[field] for field in fields])
        return deflated(head.encode("utf-8"), self.tables.blocks(name, "sheet"),
                        lambda block: rows_xml(self.tables.block(name, block).columns,
                                               block.start + 2).encode("utf-8"),
                        SHEET_END.encode("utf-8"), None if previous is None else previous.raw,
                        recorded)

    def package_zip(self, path: str, descriptor: dict, meta: bytes, csvs: dict[str, str],
                    created: str) -> tuple[bytes, dict]:
        """The ZIP of the descriptor, the README and every CSV as written (or linked) just
        now, each CSV compressed block by block like the sheets."""
        names = {f"{name}.csv": name for name in self.tables.package.resource_names}

        def member(part: str, old: Deflated | None, recorded: list) -> tuple[Deflated, list]:
            name = names[part]
            return deflated(csv_header(public_names(self.tables.package, name)),
                            self.tables.blocks(name, "csv"),
                            lambda block: self.csv_block(name, block), b"",
                            None if old is None else old.raw, recorded)

        members, places = self.members(path, csvs, member)
        entries = [("datapackage.json", meta), (README_NAME, readme_bytes(descriptor)),
                   *((r["path"], members[r["path"]]) for r in descriptor["resources"])]
        return deterministic_zip(entries, created), {"blocks": places}


def public_names(package: Package, name: str) -> list[str]:
    return [f["name"] for f in public_fields(package, name)]


STATISTICS_PATH = "data/statistics.json"


def statistics_options(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The site settings statistics.json depends on (its figures and its links to pages)."""
    settings = settings or {}
    options = {"period": settings.get("KC_HEADLINE_YEARS"),
               "page_size": settings.get("KC_PAGE_SIZE")}
    return {k: tuple(v) if k == "period" else v for k, v in options.items() if v is not None}


#: Columns statistics.json never reads: free text shown only on the pages. A republish
#: after a typo fixed in a title does not compute the statistics again (2.5 s at national
#: scale); ``tests/test_export.py`` changes each of them and compares the documents.
STATISTICS_IGNORES = {"projects": ("title_vi", "title_en", "outputs_vi", "outputs_en")}


def statistics_key(package: Package, options: Mapping[str, Any]) -> str:
    """statistics.json depends on every frame (less ``STATISTICS_IGNORES``), the descriptor,
    two settings and the code."""
    frames = [frame_digest(package.frames[name].drop(
        columns=list(STATISTICS_IGNORES.get(name, ())), errors="ignore"))
        for name in sorted(package.frames)]
    return digest(pipeline_salt(), STATISTICS_PATH,
                  json.dumps(package.descriptor, sort_keys=True, default=str),
                  json.dumps(options, sort_keys=True), *frames)


def statistics_bytes(package: Package, options: Mapping[str, Any]) -> bytes:
    """The statistics module owns the document; the export only writes (or links) it."""
    from pipeline.statistics_doc import statistics_bytes as document_bytes

    return document_bytes(package, **options)


def export_open_data(package: Package, out_dir: Path, *, version: str, created: str,
                     on_file: Callable[[dict], None] | None = None,
                     previous: Path | None = None, cache: Path | None = None,
                     settings: Mapping[str, Any] | None = None) -> list[dict]:
    """Write ``out_dir/data/**`` plus the catalogues and return one dict per download.

    Each dict has ``resource`` (a resource name, or the package name for whole-package
    files), ``format``, ``path`` (relative to ``out_dir``), ``bytes``, ``sha256``,
    ``media_type`` and ``kind`` (``data`` or ``metadata``). ``on_file`` is called with each
    dict as soon as its file is written (the build's progress display).

    With ``previous`` (the published output) and ``cache`` (where the last export kept its
    manifest), data files whose inputs are unchanged are hard-linked from ``previous``;
    the output is byte-identical to a full export either way (``pipeline.export_cache``).

    ``data/statistics.json`` is written here too (listed last, format ``statistics``, so the
    page builder does not write it again); ``settings`` gives the site's KC_HEADLINE_YEARS
    and KC_PAGE_SIZE it depends on (their defaults when absent).
    """
    tables = Tables(package)
    run = Export(OutputFiles.open(out_dir, previous, cache), tables, on_file)
    keys = {name: tables.key(name) for name in package.resource_names}
    csvs = run.resources(keys)
    descriptor = package_descriptor(package, csvs, version=version, created=created)
    run.package_files(descriptor, keys, created)
    whole = descriptor["name"]
    for path, fmt, data in catalog_files(package, run.downloads, version=version,
                                         created=created):
        run.add(path, None, lambda data=data: data, whole, fmt, "metadata")
    options = statistics_options(settings)
    run.add(STATISTICS_PATH, statistics_key(package, options),
            lambda: statistics_bytes(package, options), whole, "statistics", "metadata")
    run.files.save(cache)
    return run.downloads
