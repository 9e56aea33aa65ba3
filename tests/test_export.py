"""The open-data downloads: valid upstream, hashed, round-tripping, typed and reproducible."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from frictionless import Package as FrictionlessPackage
from openpyxl import load_workbook

from pipeline.export import (
    csv_bytes,
    csv_text,
    export_open_data,
    json_bytes,
    plain_value,
    public_table,
)
from pipeline.export_cache import raw_members
from pipeline.load import load_package

CREATED = "2026-11-27"
FRICTIONLESS = Path(sys.executable).parent / "frictionless"
PRIVATE = {"establishments": ["owner_name", "phone"]}


def export(root: Path, out: Path, created: str = CREATED) -> tuple:
    package, report = load_package(root)
    assert report.ok, report.to_dict()
    return package, export_open_data(package, out, version="0.1.0", created=created)


@pytest.fixture
def exported(tiny_package: Path, tmp_path: Path):
    """The tiny package exported to tmp_path/out: (package, out_dir, downloads)."""
    package, downloads = export(tiny_package, tmp_path / "out")
    return package, tmp_path / "out", downloads


def descriptor(out: Path) -> dict:
    return json.loads((out / "data" / "datapackage.json").read_text(encoding="utf-8"))


def upstream_validate(path: Path) -> dict:
    result = subprocess.run([str(FRICTIONLESS), "validate", "--json", str(path)],
                            capture_output=True, text=True, check=False)
    return json.loads(result.stdout)


def test_upstream_frictionless_reports_the_descriptor_valid(exported):
    _, out, _ = exported
    report = upstream_validate(out / "data" / "datapackage.json")
    expected = (True, 0)
    assert expected == (report["valid"], report["stats"]["errors"])


def test_upstream_frictionless_catches_a_file_changed_after_export(exported):
    _, out, _ = exported
    path = out / "data" / "sectors.csv"
    path.write_bytes(path.read_bytes().replace(b"FOOD", b"FOOX", 1))
    report = upstream_validate(out / "data" / "datapackage.json")
    errors = {e["type"] for task in report["tasks"] for e in task["errors"]}
    assert {"hash-count"} <= errors


def test_every_download_hash_and_size_match_its_file(exported):
    import hashlib

    _, out, downloads = exported
    expected = [(d["bytes"], d["sha256"]) for d in downloads]
    actual = [(len(b := (out / d["path"]).read_bytes()), hashlib.sha256(b).hexdigest())
              for d in downloads]
    assert expected == actual


def test_every_descriptor_resource_hash_and_size_match_its_csv(exported):
    import hashlib

    _, out, _ = exported
    resources = descriptor(out)["resources"]
    expected = [(r["bytes"], r["hash"]) for r in resources]
    actual = [(len(b := (out / "data" / r["path"]).read_bytes()),
               "sha256:" + hashlib.sha256(b).hexdigest()) for r in resources]
    assert expected == actual


def test_downloads_follow_the_contract(exported):
    package, _, downloads = exported
    whole = package.descriptor["name"]
    expected = ({f"data/{n}.{f}" for n in package.resource_names for f in ("csv", "json")}
                | {f"data/{whole}.xlsx", f"data/{whole}.zip", "data/datapackage.json",
                   "data/catalog.jsonld", "data.json", "data/statistics.json"})
    assert expected == {d["path"] for d in downloads}
    keys = {"resource", "format", "path", "bytes", "sha256", "media_type", "kind"}
    assert all(keys == set(d) for d in downloads)


def python_rows(package, name: str) -> list[dict]:
    """Source rows less private fields, as Python values (dates as date) for comparison."""
    rows = []
    for record in package.frames[name].drop(columns=PRIVATE.get(name, [])).to_dict("records"):
        kinds = {f["name"]: f["type"] for f in package.fields(name)}
        row = {k: plain_value(v, kinds[k]) for k, v in record.items()}
        rows.append({k: date.fromisoformat(v) if kinds[k] == "date" and v else v
                     for k, v in row.items()})
    return rows


def test_csvs_read_back_with_the_descriptor_equal_the_source_rows_less_private(exported):
    package, out, _ = exported
    published = FrictionlessPackage(str(out / "data" / "datapackage.json"))
    expected = {n: python_rows(package, n) for n in package.resource_names}
    actual = {r.name: [{k: float(v) if isinstance(v, Decimal) else v
                        for k, v in row.to_dict().items()} for row in r.read_rows()]
              for r in published.resources}
    assert expected == actual


@pytest.mark.parametrize(("resource", "row", "field", "expected"), [
    ("projects", 0, "state_support_vnd", 150000000),
    ("projects", 0, "start_date", "2019-04-01"),
    ("projects", 2, "end_date", None),
    ("projects", 0, "year", 2019),
    ("establishments", 0, "latitude", 22.7),
    ("establishments", 1, "latitude", None),
    ("establishments", 0, "showcase", True),
    ("establishments", 1, "showcase", False),
    ("establishments", 1, "ocop_stars", 3),
    ("admin-units", 0, "code", "04"),
    ("admin-units", 0, "valid_to", None),
])
def test_json_values_are_typed(exported, resource, row, field, expected):
    _, out, _ = exported
    records = json.loads((out / "data" / f"{resource}.json").read_text(encoding="utf-8"))
    assert expected == records[row][field]
    assert type(expected) is type(records[row][field])


@pytest.mark.parametrize(("resource", "row", "field", "expected"), [
    ("projects", 0, "state_support_vnd", "150000000"),
    ("projects", 0, "start_date", "2019-04-01"),
    ("projects", 2, "end_date", ""),
    ("establishments", 0, "latitude", "22.7"),
    ("establishments", 0, "showcase", "true"),
    ("admin-units", 1, "code", "049"),
])
def test_csv_cells_are_canonical_text(exported, resource, row, field, expected):
    _, out, _ = exported
    text = (out / "data" / f"{resource}.csv").read_text(encoding="utf-8")
    assert expected == list(csv.DictReader(io.StringIO(text)))[row][field]


def test_csv_is_utf8_without_bom_with_crlf_line_endings(exported):
    _, out, _ = exported
    data = (out / "data" / "projects.csv").read_bytes()
    lines = data.split(b"\r\n")
    expected = (False, 5, b"")
    assert expected == (data.startswith(b"\xef\xbb\xbf"), len(lines), lines[-1])
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_awkward_text_is_quoted_per_rfc_4180_and_reads_back(make_package, tmp_path):
    awkward = 'Lắp đặt 2 máy, "mới"\ndòng hai'
    root = make_package(lambda rows: rows["projects"][0].update(outputs_vi=awkward))
    _, _ = export(root, tmp_path / "out")
    text = (tmp_path / "out" / "data" / "projects.csv").read_text(encoding="utf-8")
    assert awkward == next(csv.DictReader(io.StringIO(text, newline="")))["outputs_vi"]


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""), (True, "true"), (False, "false"), (22.7, "22.7"), (150000000, "150000000"),
    ("Cao Bằng", "Cao Bằng"),
])
def test_csv_text(value, expected):
    assert expected == csv_text(value)


def test_private_fields_are_absent_from_every_format(exported):
    _, out, _ = exported
    schema = next(r for r in descriptor(out)["resources"] if r["name"] == "establishments")
    csv_header = next(csv.reader(io.StringIO(
        (out / "data" / "establishments.csv").read_text(encoding="utf-8"))))
    json_keys = set(json.loads((out / "data" / "establishments.json").read_text())[0])
    sheet = load_workbook(out / "data" / "khuyen-cong-cao-bang.xlsx")["establishments"]
    xlsx_header = [c.value for c in sheet[1]]
    names = [set(f["name"] for f in schema["schema"]["fields"]), set(csv_header), json_keys,
             set(xlsx_header)]
    assert [set()] * 4 == [n & {"owner_name", "phone"} for n in names]
    assert not any("private" in f for f in schema["schema"]["fields"])


def test_workbook_has_a_readme_and_one_sheet_per_resource(exported):
    package, out, _ = exported
    book = load_workbook(out / "data" / "khuyen-cong-cao-bang.xlsx")
    assert ["README", *package.resource_names] == book.sheetnames
    readme = " ".join(str(c.value) for c in book["README"]["A"])
    assert "CC-BY-4.0" in readme


@pytest.mark.parametrize(("resource", "cell", "expected"), [
    ("projects", "A1", "project_id"),
    ("projects", "A2", "p-04-2019-001"),
    ("projects", "C2", 2019),
    ("projects", "L2", 150000000),
    ("projects", "Q2", "2019-04-01"),
    ("admin-units", "B2", "04"),
    ("establishments", "J2", 22.7),
    ("establishments", "Q2", True),
])
def test_workbook_values_are_typed(exported, resource, cell, expected):
    _, out, _ = exported
    value = load_workbook(out / "data" / "khuyen-cong-cao-bang.xlsx")[resource][cell].value
    assert (expected, type(expected)) == (value, type(value))


def test_zip_holds_the_descriptor_readme_and_every_csv_byte_for_byte(exported):
    package, out, _ = exported
    with zipfile.ZipFile(out / "data" / "khuyen-cong-cao-bang.zip") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
        times = {info.date_time for info in archive.infolist()}
    names = ["datapackage.json", *(f"{n}.csv" for n in package.resource_names)]
    assert {n: (out / "data" / n).read_bytes() for n in names} == {n: members[n] for n in names}
    assert {"README.md", *names} == set(members)
    assert {(2026, 11, 27, 0, 0, 0)} == times


def test_the_zipped_package_is_valid_upstream(exported, tmp_path):
    _, out, _ = exported
    with zipfile.ZipFile(out / "data" / "khuyen-cong-cao-bang.zip") as archive:
        archive.extractall(tmp_path / "unzipped")
    assert upstream_validate(tmp_path / "unzipped" / "datapackage.json")["valid"]


def test_descriptor_carries_the_package_metadata(exported):
    _, out, _ = exported
    found = descriptor(out)
    expected = {"licence": "CC-BY-4.0", "version": "0.1.0", "created": "2026-11-27T00:00:00Z",
                "has_sources": True, "has_contributors": True,
                "encodings": {"utf-8"}, "media": {"text/csv"}}
    actual = {"licence": found["licenses"][0]["name"], "version": found["version"],
              "created": found["created"], "has_sources": bool(found["sources"]),
              "has_contributors": bool(found["contributors"]),
              "encodings": {r["encoding"] for r in found["resources"]},
              "media": {r["mediatype"] for r in found["resources"]}}
    assert expected == actual


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_exports_with_the_same_created_date_are_byte_identical(tiny_package, tmp_path):
    export(tiny_package, tmp_path / "one")
    export(tiny_package, tmp_path / "two")
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")


def test_the_created_date_reaches_the_workbook_metadata(tiny_package, tmp_path):
    export(tiny_package, tmp_path / "out", created="2027-01-02")
    with zipfile.ZipFile(tmp_path / "out" / "data" / "khuyen-cong-cao-bang.xlsx") as book:
        core = book.read("docProps/core.xml").decode()
        times = {info.date_time for info in book.infolist()}
    assert (2, {(2027, 1, 2, 0, 0, 0)}) == (core.count("2027-01-02T00:00:00Z"), times)


# -- columns at once equal cell by cell ----------------------------------------------------------

@pytest.mark.parametrize(("values", "dtype", "kind"), [
    (["a", None, "Hỗ trợ"], "string", "string"),
    ([2019, None, -3], "Int64", "integer"),
    ([22.7, None, 106.25813], "Float64", "number"),
    ([True, None, False], "boolean", "boolean"),
    (["2019-04-01", None, "2025-07-01"], "datetime64[ns]", "date"),
    (["x", None, "y"], "object", "year"),
])
def test_a_column_converts_as_its_cells_do(values, dtype, kind):
    import pandas as pd

    from pipeline.export import csv_column, plain_column

    series = pd.Series(values, dtype=dtype)
    expected = [plain_value(v, kind) for v in series.astype(object)]
    plain = plain_column(series, kind)
    assert (expected, [csv_text(v) for v in expected]) == (plain, csv_column(plain, kind))


# -- republishing with the previous output -------------------------------------------------------

def retitled(rows: dict) -> None:
    rows["projects"][1]["title_en"] = "A corrected title"


def republish(make_package, tmp_path: Path, edit) -> tuple[Path, Path, set[str]]:
    """Export, edit the data, export again with the first output as ``previous``.

    Returns the republished folder, a full export of the edited data, and the files linked.
    """
    first = make_package(folder="first")
    package, _ = load_package(first)
    cache = tmp_path / "cache"
    export_open_data(package, tmp_path / "old", version="0.1.0", created=CREATED, cache=cache)
    changed, _ = load_package(make_package(edit, folder="second"))
    export_open_data(changed, tmp_path / "new", version="0.1.0", created=CREATED,
                     previous=tmp_path / "old", cache=cache)
    export_open_data(changed, tmp_path / "full", version="0.1.0", created=CREATED)
    linked = {p.relative_to(tmp_path / "new").as_posix()
              for p in (tmp_path / "new").rglob("*")
              if p.is_file() and p.stat().st_nlink > 1}
    return tmp_path / "new", tmp_path / "full", linked


UNCHANGED_RESOURCES = {f"data/{n}.{f}" for n in ("admin-units", "unit-crosswalk",
                                                 "content-types", "sectors", "establishments",
                                                 "annual-plans") for f in ("csv", "json")}


@pytest.mark.parametrize(("edit", "expected_linked"), [
    pytest.param(retitled, UNCHANGED_RESOURCES | {"data/statistics.json"},
                 id="one project row"),
    pytest.param(lambda rows: rows["establishments"][0].update(phone="0912345678"),
                 UNCHANGED_RESOURCES | {"data/establishments.csv", "data/establishments.json",
                                        "data/projects.csv", "data/projects.json",
                                        "data/khuyen-cong-cao-bang.xlsx",
                                        "data/khuyen-cong-cao-bang.zip"},
                 id="a private field only"),
    pytest.param(lambda rows: None,
                 UNCHANGED_RESOURCES | {"data/projects.csv", "data/projects.json",
                                        "data/khuyen-cong-cao-bang.xlsx",
                                        "data/khuyen-cong-cao-bang.zip",
                                        "data/statistics.json"}, id="nothing"),
])
def test_a_republish_links_unchanged_files_and_equals_a_full_export(make_package, tmp_path,
                                                                    edit, expected_linked):
    new, full, linked = republish(make_package, tmp_path, edit)
    assert files_of(full) == files_of(new)
    assert expected_linked == linked


def test_a_republish_after_a_version_change_rewrites_the_package_files(make_package, tmp_path):
    package, _ = load_package(make_package())
    cache = tmp_path / "cache"
    export_open_data(package, tmp_path / "old", version="0.1.0", created=CREATED, cache=cache)
    export_open_data(package, tmp_path / "new", version="0.2.0", created=CREATED,
                     previous=tmp_path / "old", cache=cache)
    export_open_data(package, tmp_path / "full", version="0.2.0", created=CREATED)
    workbook = tmp_path / "new" / "data" / "khuyen-cong-cao-bang.xlsx"
    projects = tmp_path / "new" / "data" / "projects.csv"
    assert files_of(tmp_path / "full") == files_of(tmp_path / "new")
    assert (1, 2) == (workbook.stat().st_nlink, projects.stat().st_nlink)


# -- statistics.json (the statistics module makes it, the export writes it) ----------------------

@pytest.mark.parametrize(("settings", "options"), [
    (None, {}),
    ({"KC_PAGE_SIZE": 2, "KC_HEADLINE_YEARS": [2019, 2020]},
     {"page_size": 2, "period": (2019, 2020)}),
])
def test_statistics_json_is_the_statistics_document_listed_as_metadata(tiny_package, tmp_path,
                                                                       settings, options):
    from pipeline.statistics_doc import statistics_bytes

    package, _ = load_package(tiny_package)
    downloads = export_open_data(package, tmp_path / "out", version="0.1.0", created=CREATED,
                                 settings=settings)
    listed = [(d["path"], d["format"], d["kind"]) for d in downloads
              if d["path"].endswith("statistics.json")]
    written = (tmp_path / "out" / "data" / "statistics.json").read_bytes()
    expected = ([("data/statistics.json", "statistics", "metadata")],
                statistics_bytes(package, **options))
    assert expected == (listed, written)


def test_statistics_json_is_no_catalogue_distribution(exported):
    _, out, _ = exported
    catalogues = (out / "data.json").read_text() + (out / "data" / "catalog.jsonld").read_text()
    assert "statistics.json" not in catalogues


def statistics_of(root: Path) -> tuple[str, bytes]:
    """(cache key, bytes) of statistics.json for a package, with the default settings."""
    from pipeline.export import statistics_bytes, statistics_key

    package, _ = load_package(root)
    return statistics_key(package, {}), statistics_bytes(package, {})


def ignored_columns() -> list[tuple[str, str]]:
    from pipeline.export import STATISTICS_IGNORES

    return [(name, column) for name, columns in STATISTICS_IGNORES.items()
            for column in columns]


@pytest.mark.parametrize(("resource", "column"), ignored_columns())
def test_statistics_do_not_depend_on_the_columns_their_key_leaves_out(make_package, resource,
                                                                      column):
    def edit(rows):
        for row in rows[resource]:
            row[column] = f"{row[column]} sửa lại"

    before, after = statistics_of(make_package()), statistics_of(make_package(edit, "edited"))
    assert before == after


def test_statistics_key_follows_the_columns_it_keeps(make_package):
    def edit(rows):
        rows["projects"][0]["disbursed_vnd"] = str(int(rows["projects"][0]["disbursed_vnd"]) - 1)

    before, after = statistics_of(make_package()), statistics_of(make_package(edit, "edited"))
    assert (False, False) == (before[0] == after[0], before[1] == after[1])


@pytest.fixture
def two_row_blocks(monkeypatch) -> list[tuple[str, int]]:
    """Blocks of two rows (the tiny projects make two), and each run of worksheet rows
    written as XML rather than copied compressed: (its first cell, its first row)."""
    from pipeline import export, export_blocks

    monkeypatch.setattr(export_blocks, "ROWS", 2)
    written: list[tuple[str, int]] = []
    original = export.rows_xml

    def counting(columns, first=1):
        written.append((str(columns[0][0]), first))
        return original(columns, first)

    monkeypatch.setattr(export, "rows_xml", counting)
    return written


def test_a_republish_writes_only_the_changed_block_of_the_changed_sheet(make_package, tmp_path,
                                                                         two_row_blocks):
    first, _ = load_package(make_package(folder="first"))
    export_open_data(first, tmp_path / "old", version="0.1.0", created=CREATED,
                     cache=tmp_path / "cache")
    # a full export: every sheet's header row and every block of two rows
    assert sum(1 + -(-len(first.frames[name]) // 2) for name in first.resource_names) == len(
        two_row_blocks)
    two_row_blocks.clear()
    changed, _ = load_package(make_package(retitled, folder="second"))  # the second project
    export_open_data(changed, tmp_path / "new", version="0.1.0", created=CREATED,
                     previous=tmp_path / "old", cache=tmp_path / "cache")
    assert [("project_id", 1), ("p-04-2019-001", 2)] == two_row_blocks


def test_a_republish_by_blocks_equals_a_full_export(make_package, tmp_path, two_row_blocks):
    new, full, linked = republish(make_package, tmp_path, retitled)
    assert files_of(full) == files_of(new)
    assert "data/projects.csv" not in linked


def member_end(data: bytes, name: str) -> int:
    """Where the compressed bytes of an archive's member end."""
    raw = raw_members(data, {name})[name].raw
    return data.index(raw) + len(raw)


@pytest.mark.parametrize(("tampered", "where"), [
    ("data/projects.csv", lambda data: len(data) - 10),  # the last row: an unchanged block
    ("data/projects.json", lambda data: len(data) - 10),
    ("data/khuyen-cong-cao-bang.xlsx", lambda data: len(data) // 2),
    ("data/khuyen-cong-cao-bang.zip", lambda data: member_end(data, "projects.csv") - 10),
])
def test_no_block_is_copied_from_a_previous_file_edited_since(make_package, tmp_path,
                                                              two_row_blocks, tampered, where):
    """A block is copied only from the very file the last export wrote (its SHA-256)."""
    first, _ = load_package(make_package(folder="first"))
    cache = tmp_path / "cache"
    export_open_data(first, tmp_path / "old", version="0.1.0", created=CREATED, cache=cache)
    path = tmp_path / "old" / tampered
    data = bytearray(path.read_bytes())
    data[where(data)] ^= 1  # one bit of a block that the republish does not change
    path.unlink()  # a new file: the other names of the old one keep its bytes
    path.write_bytes(bytes(data))
    changed, _ = load_package(make_package(retitled, folder="second"))
    export_open_data(changed, tmp_path / "new", version="0.1.0", created=CREATED,
                     previous=tmp_path / "old", cache=cache)
    export_open_data(changed, tmp_path / "full", version="0.1.0", created=CREATED)
    assert files_of(tmp_path / "full") == files_of(tmp_path / "new")


@pytest.mark.parametrize("rows", [1, 2, 1000])
def test_files_made_by_blocks_are_the_whole_tables_serialised(exported_with_rows, rows):
    package, out = exported_with_rows(rows)
    for name in package.resource_names:
        table = public_table(package, name)
        assert csv_bytes(table) == (out / "data" / f"{name}.csv").read_bytes()
        assert json_bytes(table) == (out / "data" / f"{name}.json").read_bytes()
        sheet = load_workbook(out / "data" / "khuyen-cong-cao-bang.xlsx")[name]
        assert [table.names, *map(list, zip(*table.columns, strict=True))] == [
            [cell.value for cell in row] for row in sheet.iter_rows()]
        with zipfile.ZipFile(out / "data" / "khuyen-cong-cao-bang.zip") as archive:
            assert csv_bytes(table) == archive.read(f"{name}.csv")


@pytest.fixture
def exported_with_rows(tiny_package, tmp_path, monkeypatch):
    from pipeline import export_blocks

    def run(rows: int):
        monkeypatch.setattr(export_blocks, "ROWS", rows)
        package, _ = export(tiny_package, tmp_path / f"out-{rows}")
        return package, tmp_path / f"out-{rows}"

    return run
