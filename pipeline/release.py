"""`make release VERSION=x.y.z`: record a release of the data, and what changed since the last.

A release is a folder ``releases/<version>/`` kept in the repository: the public CSVs exactly
as published, their ``datapackage.json`` and a ``manifest.json`` (version, date, previous
version, sha256 and size of every file, rows added/removed/changed per resource). A researcher
who cited version 0.1.0 can fetch exactly those bytes a year later, from the repository or
from ``/data/releases/0.1.0/`` on the site, and check them against the manifest. Recording a
release also sets ``version:`` in ``data/datapackage.yaml``, so the site built next publishes
and cites that version.

The diff is a pure function on DataFrames keyed by the primary key, so the "what changed"
page and the manifest agree by construction.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import export
from pipeline.load import DESCRIPTOR as SOURCE_DESCRIPTOR
from pipeline.load import Package, load_package, load_resource, typed_frame
from pipeline.report import Report

RELEASES = Path("releases")
MANIFEST = "manifest.json"
DESCRIPTOR = "datapackage.json"
VERSION = re.compile(r"\d+\.\d+\.\d+")


class ReleaseError(Exception):
    """The release cannot be recorded: bad or existing version, or invalid data."""


# -- versions and dates ---------------------------------------------------------------------

def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def recorded_versions(releases: Path) -> list[str]:
    """Versions that have a manifest, oldest first."""
    if not releases.is_dir():
        return []
    found = [p.name for p in releases.iterdir()
             if (p / MANIFEST).is_file() and VERSION.fullmatch(p.name)]
    return sorted(found, key=version_key)


def release_date(environ: dict | None = None) -> str:
    """The release date: from ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
    return date.today().isoformat()


def check_version(version: str, existing: list[str]) -> None:
    """Refuse a malformed version, one already recorded, or one older than the latest."""
    if not VERSION.fullmatch(version):
        raise ReleaseError(f"'{version}' is not a version like 1.2.0 (MAJOR.MINOR.PATCH)")
    if version in existing:
        raise ReleaseError(f"release {version} already exists; releases are never rewritten")
    if existing and version_key(version) < version_key(existing[-1]):
        raise ReleaseError(f"release {version} is older than the latest, {existing[-1]}")


# -- the diff (pure) --------------------------------------------------------------------------

@dataclass(frozen=True)
class RowChange:
    """One row present in both releases whose values differ: field -> (old, new)."""

    key: tuple
    fields: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class TableDiff:
    """What changed in one resource between two releases, keyed by its primary key."""

    resource: str
    key: list[str]
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.fields_added
                    or self.fields_removed)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed),
                "changed": len(self.changed)}


def cell(value: Any) -> Any:
    """A cell as a comparable plain value: None for any kind of missing."""
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return value.item() if hasattr(value, "item") else value


def keyed_rows(frame: pd.DataFrame, key: list[str]) -> dict[tuple, dict]:
    """Rows as plain dicts under their key tuple (the whole row when there is no key)."""
    columns = list(frame.columns)
    rows = [dict(zip(columns, map(cell, row), strict=True))
            for row in frame.astype(object).itertuples(index=False, name=None)]
    key = key or columns
    return {tuple(row[k] for k in key): row for row in rows}


def diff_frames(resource: str, old: pd.DataFrame, new: pd.DataFrame,
                key: list[str]) -> TableDiff:
    """Rows added, removed and changed (with the changed fields) from ``old`` to ``new``."""
    before, after = keyed_rows(old, key), keyed_rows(new, key)
    common = [c for c in new.columns if c in old.columns]
    changed = []
    for k in sorted(set(before) & set(after), key=str):
        fields = {c: (before[k][c], after[k][c]) for c in common if before[k][c] != after[k][c]}
        if fields:
            changed.append(RowChange(k, fields))
    return TableDiff(
        resource=resource, key=list(key),
        added=[after[k] for k in sorted(set(after) - set(before), key=str)],
        removed=[before[k] for k in sorted(set(before) - set(after), key=str)],
        changed=changed,
        fields_added=[c for c in new.columns if c not in old.columns],
        fields_removed=[c for c in old.columns if c not in new.columns])


def diff_packages(old: Package, new: Package) -> list[TableDiff]:
    """One diff per resource in either release (a new resource is all rows added)."""
    names = new.resource_names + [n for n in old.resource_names if n not in new.resource_names]
    diffs = []
    for name in names:
        source = new if name in new.resource_names else old
        key = source.schema(name).get("primaryKey", [])
        empty = pd.DataFrame(columns=source.frames[name].columns)
        diffs.append(diff_frames(name, old.frames.get(name, empty),
                                 new.frames.get(name, empty), key))
    return diffs


# -- reading and writing releases -------------------------------------------------------------

def load_release(folder: Path) -> Package:
    """A recorded release as a Package (CSVs read through the loader's checks)."""
    descriptor = json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))
    raw, frames = {}, {}
    for resource in descriptor["resources"]:
        frame, _problems = load_resource(folder, resource)
        if frame is not None:
            raw[resource["name"]] = frame
            frames[resource["name"]] = typed_frame(frame, resource["schema"]["fields"])
    return Package(root=folder, descriptor=descriptor, raw=raw, frames=frames)


def manifests(releases: Path) -> list[dict]:
    """Every recorded release's manifest, oldest first (empty when there is none)."""
    return [json.loads((releases / v / MANIFEST).read_text(encoding="utf-8"))
            for v in recorded_versions(releases)]


def published_files(releases: Path, version: str) -> dict[str, bytes]:
    """A recorded release's files, byte for byte, to publish at ``/data/releases/<v>/``."""
    folder = releases / version
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def release_files(package: Package, *, version: str, created: str) -> dict[str, bytes]:
    """The public CSVs and their descriptor, exactly as the export writes them."""
    tables = export.public_tables(package)
    csvs = {name: export.csv_bytes(table) for name, table in tables.items()}
    stored = {name: export.Stored.of(data) for name, data in csvs.items()}
    descriptor = export.package_descriptor(package, stored, version=version, created=created)
    return {DESCRIPTOR: export.descriptor_bytes(descriptor),
            **{f"{name}.csv": data for name, data in csvs.items()}}


def manifest(files: dict[str, bytes], *, version: str, created: str, previous: str | None,
             diffs: list[TableDiff]) -> dict:
    return {
        "version": version, "date": created, "previous": previous,
        "files": [{"path": name, "bytes": len(data), "sha256": export.sha256(data)}
                  for name, data in sorted(files.items())],
        "changes": {d.resource: d.counts() for d in diffs},
    }


def validated(data_dir: Path) -> tuple[Package, Report]:
    """The package and its report: full validation when that module exists."""
    try:
        from pipeline.validate import validate_package
    except ImportError:
        return load_package(data_dir)
    return validate_package(data_dir)


def record_release(data_dir: Path, releases: Path, version: str, created: str) -> Path:
    """Write ``releases/<version>/`` from valid data; raise ReleaseError otherwise."""
    existing = recorded_versions(releases)
    check_version(version, existing)
    package, report = validated(data_dir)
    if not report.ok:
        raise ReleaseError(f"the data has {len(report.errors)} error(s); run `make validate`")
    files = release_files(package, version=version, created=created)
    previous = existing[-1] if existing else None
    diffs = []
    if previous:
        diffs = diff_packages(load_release(releases / previous), package_of(files, package))
    folder = releases / version
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    document = manifest(files, version=version, created=created, previous=previous, diffs=diffs)
    (folder / MANIFEST).write_bytes(export.descriptor_bytes(document))
    set_version(data_dir, version)
    return folder


def set_version(data_dir: Path, version: str) -> None:
    """Make the next build publish (and cite) the version just recorded.

    Only the ``version:`` line of the hand-edited descriptor changes, so its comments and
    layout stay as staff wrote them.
    """
    path = data_dir / SOURCE_DESCRIPTOR
    text = path.read_text(encoding="utf-8")
    line = f"version: {version}"
    updated, count = re.subn(r"^version:.*$", line, text, count=1, flags=re.MULTILINE)
    path.write_text(updated if count else text.rstrip("\n") + f"\n{line}\n", encoding="utf-8")


def package_of(files: dict[str, bytes], package: Package) -> Package:
    """The package as published (private fields gone), to diff like with like."""
    descriptor = json.loads(files[DESCRIPTOR])
    frames = {r["name"]: package.frames[r["name"]][[f["name"] for f in r["schema"]["fields"]]]
              for r in descriptor["resources"]}
    return Package(root=package.root, descriptor=descriptor, frames=frames)


# -- command --------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("version", help="the new version, MAJOR.MINOR.PATCH (e.g. 0.2.0)")
    parser.add_argument("--data", type=Path, default=Path("data"), help="the data package")
    parser.add_argument("--releases", type=Path, default=RELEASES,
                        help="where releases are recorded")


def run(args: argparse.Namespace) -> int:
    try:
        folder = record_release(args.data, args.releases, args.version, release_date())
    except ReleaseError as exc:
        print(f"release refused: {exc}")
        return 1
    summary = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    print(f"recorded release {args.version} ({summary['date']}) in {folder}")
    for resource, counts in summary["changes"].items():
        print(f"  {resource}: +{counts['added']} -{counts['removed']} ~{counts['changed']}")
    return 0
