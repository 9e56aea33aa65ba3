"""`python -m pipeline import FILE.xlsx`: a staff workbook into ``data/``, only if valid.

The flow: read the workbook into canonical strings (``pipeline.workbook``), write them into a
temporary copy of the data package, validate that copy with the same gate as
``make validate``, and only when it passes print what changed and replace the CSVs in
``data/`` (each one written beside its target and renamed over it). When anything is wrong,
every problem is reported where staff will find it (sheet, row, column) and ``data/`` is not
touched.

Two rules keep a round trip through Excel from inventing changes: private columns that the
workbook leaves out (the published workbook has none) keep their values, matched by primary
key; a decimal number equal to the one already in ``data/`` (``22.7`` for ``22.70000``) keeps
its text. A resource whose rows come out identical is not rewritten at all.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.load import Package, PackageError, load_package
from pipeline.release import TableDiff, diff_frames
from pipeline.report import Problem, Report
from pipeline.validate import validate_package
from pipeline.validate_cli import render
from pipeline.workbook import Sheet, WorkbookError, read_workbook

SHOWN_ROWS = 30  # rows listed per kind of change in the text summary; --json lists all


@dataclass
class ImportResult:
    """What an import found and did: problems placed in the workbook, the diff, the writes."""

    report: Report
    sheets: dict[str, Sheet] = field(default_factory=dict)
    diffs: list[TableDiff] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    reordered: list[str] = field(default_factory=list)
    kept_private: dict[str, list[str]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok


# -- canonical frames ---------------------------------------------------------------------------

def schema_order(frame: pd.DataFrame, fields: list[dict]) -> pd.DataFrame:
    return frame[[f["name"] for f in fields]]


def keyed(frame: pd.DataFrame, key: list[str]) -> pd.Index:
    """The primary-key values of each row as one index (tuples for compound keys)."""
    if len(key) == 1:
        return pd.Index(frame[key[0]].astype(object))
    return pd.MultiIndex.from_frame(frame[key].astype(object))


def aligned(old: pd.DataFrame, new: pd.DataFrame, key: list[str],
            columns: list[str]) -> pd.DataFrame:
    """The old values of ``columns`` for each new row, matched by key ('' where none)."""
    before = old.copy()
    before.index = keyed(old, key)
    before = before[~before.index.duplicated()]
    return before[columns].reindex(keyed(new, key)).fillna("").astype(object)


def with_private(frame: pd.DataFrame, old: pd.DataFrame | None, fields: list[dict],
                 key: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Private columns the workbook left out, carried over from ``data/`` by primary key.

    The published workbook never has private columns; importing it must not erase them.
    """
    missing = [f["name"] for f in fields if f.get("private") and f["name"] not in frame]
    if not missing:
        return schema_order(frame, fields), []
    frame = frame.copy()
    if old is None or not key or not set(missing) <= set(old.columns):
        for name in missing:
            frame[name] = ""
    else:
        kept = aligned(old, frame, key, missing)
        for name in missing:
            frame[name] = kept[name].to_numpy()
    return schema_order(frame, fields), missing


def keep_equal_numbers(frame: pd.DataFrame, old: pd.DataFrame | None, fields: list[dict],
                       key: list[str]) -> pd.DataFrame:
    """Decimal cells equal in value to ``data/`` keep its text, so Excel adds no noise."""
    numbers = [f["name"] for f in fields if f.get("type") == "number"]
    if old is None or not numbers or not key or not set(numbers) <= set(old.columns):
        return frame
    frame = frame.copy()
    before = aligned(old, frame, key, numbers)
    for name in numbers:
        new_values = pd.to_numeric(frame[name], errors="coerce").to_numpy()
        old_text = before[name].to_numpy()
        same = new_values == pd.to_numeric(before[name], errors="coerce").to_numpy()
        frame[name] = [o if s else n for o, n, s in zip(old_text, frame[name], same, strict=True)]
    return frame


def canonical_frames(sheets: dict[str, Sheet], current: Package
                     ) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    """Each imported resource as the frame to write, and the private fields carried over."""
    frames, kept = {}, {}
    for name, sheet in sheets.items():
        fields = current.fields(name)
        if not complete(sheet, fields):
            continue  # refused already (missing column); validate the rest as it is
        key = current.schema(name).get("primaryKey", [])
        old = current.raw.get(name)
        frame, missing = with_private(sheet.frame, old, fields, key)
        frames[name] = keep_equal_numbers(frame, old, fields, key)
        if missing:
            kept[name] = missing
    return frames, kept


def complete(sheet: Sheet, fields: list[dict]) -> bool:
    """Every field has a column, except private fields (which are carried over)."""
    return all(f["name"] in sheet.frame.columns for f in fields if not f.get("private"))


def same_rows(old: pd.DataFrame | None, new: pd.DataFrame) -> bool:
    """The same columns and the same cells in the same order."""
    if old is None or list(old.columns) != list(new.columns):
        return False
    return old.astype(object).to_numpy().tolist() == new.astype(object).to_numpy().tolist()


# -- writing ----------------------------------------------------------------------------------

def csv_text(frame: pd.DataFrame) -> str:
    """The canonical CSV the loader reads: UTF-8, comma, minimal quoting, LF line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    writer.writerows(frame.astype(object).to_numpy().tolist())
    return buffer.getvalue()


def replace_files(files: dict[Path, str]) -> None:
    """Write every file beside its target first, then rename each over its target.

    A crash before the renames leaves ``data/`` as it was; each rename is atomic.
    """
    temporary = {path: path.with_name(f".{path.name}.import") for path in files}
    try:
        for path, text in files.items():
            temporary[path].write_bytes(text.encode("utf-8"))
        for path, temp in temporary.items():
            os.replace(temp, path)
    finally:
        for temp in temporary.values():
            temp.unlink(missing_ok=True)


def trial_copy(data_dir: Path, frames: dict[str, pd.DataFrame], current: Package,
               folder: Path) -> Path:
    """A copy of the data package with the imported CSVs in place, named like ``data/``."""
    copy = folder / data_dir.resolve().name
    shutil.copytree(data_dir, copy)
    for name, frame in frames.items():
        (copy / current.resource(name)["path"]).write_bytes(csv_text(frame).encode("utf-8"))
    return copy


# -- problems placed in the workbook --------------------------------------------------------------

def placed(problem: Problem, sheets: dict[str, Sheet]) -> Problem:
    """A problem in an imported resource moved to its sheet, row and column."""
    sheet = sheets.get(problem.resource or "")
    return sheet.locate(problem) if sheet else problem


def combined(reading: list[Problem], validation: Report, sheets: dict[str, Sheet]) -> Report:
    """Reading problems first, then validation problems not already reported for that cell."""
    report = Report(list(reading))
    seen = {(p.file, p.row, p.field) for p in reading if p.severity == "error"}
    for found in validation.problems:
        found = placed(found, sheets)
        if (found.file, found.row, found.field) not in seen:
            report.add(found)
    return report


# -- the import ---------------------------------------------------------------------------------

def import_workbook(book: Path, data_dir: Path, content_dir: Path | None = None, *,
                    dry_run: bool = False) -> ImportResult:
    """Import ``book`` into ``data_dir`` if the result validates; ``data_dir`` changes only then.

    Raises ``WorkbookError`` or ``PackageError`` when the workbook or the package cannot be
    read at all.
    """
    data_dir = Path(data_dir)
    current, _ = load_package(data_dir)
    sheets, reading = read_workbook(Path(book), current.descriptor)
    frames, kept = canonical_frames(sheets, current)
    with tempfile.TemporaryDirectory(prefix="import-") as folder:
        trial = trial_copy(data_dir, frames, current, Path(folder))
        _, validation = validate_package(trial, content_dir)
    report = combined(reading, validation, sheets)
    result = ImportResult(report=report, sheets=sheets, kept_private=kept)
    if not report.ok:
        return result
    for name, frame in frames.items():
        old = current.raw.get(name, pd.DataFrame(columns=frame.columns))
        diff = diff_frames(name, old, frame, current.schema(name).get("primaryKey", []))
        result.diffs.append(diff)
        if not same_rows(current.raw.get(name), frame):
            result.changed.append(name)
            if diff.empty:
                result.reordered.append(name)
    if not dry_run and result.changed:
        replace_files({current.path(n): csv_text(frames[n]) for n in result.changed})
        result.written = [current.relpath(n) for n in result.changed]
    return result


# -- printing (problems as `make validate` prints them, files being sheets) ----------------------

def key_text(key: list[str], row: dict) -> str:
    return " / ".join(str(row.get(k, "")) for k in key) or "(row)"


def change_lines(diff: TableDiff) -> list[str]:
    """Rows added, removed and changed (with fields), at most SHOWN_ROWS of each."""
    lines = []
    for sign, rows in (("+", diff.added), ("-", diff.removed)):
        lines += [f"    {sign} {key_text(diff.key, row)}" for row in rows[:SHOWN_ROWS]]
        if len(rows) > SHOWN_ROWS:
            lines.append(f"    {sign} … {len(rows) - SHOWN_ROWS} more / thêm")
    for change in diff.changed[:SHOWN_ROWS]:
        fields = "; ".join(f"{f}: {old!r} → {new!r}" for f, (old, new) in change.fields.items())
        lines.append(f"    ~ {' / '.join(map(str, change.key))}: {fields}")
    if len(diff.changed) > SHOWN_ROWS:
        lines.append(f"    ~ … {len(diff.changed) - SHOWN_ROWS} more / thêm")
    return lines


def summary_lines(result: ImportResult, dry_run: bool) -> list[str]:
    """What changed per resource, then what was (or would be) written."""
    lines = []
    for diff in result.diffs:
        sheet = result.sheets[diff.resource]
        counts = diff.counts()
        lines.append(f"{diff.resource} (sheet '{sheet.title}'): +{counts['added']} "
                     f"-{counts['removed']} ~{counts['changed']}")
        lines += change_lines(diff)
        if diff.resource in result.reordered:
            lines.append("    thứ tự dòng thay đổi / row order changed")
        if diff.resource in result.kept_private:
            kept = ", ".join(result.kept_private[diff.resource])
            lines.append(f"    giữ nguyên cột riêng tư / private columns kept: {kept}")
    if not result.changed:
        lines.append("Không có thay đổi / No changes: data/ left as it was.")
    elif dry_run:
        lines.append("Chạy thử: không ghi gì / Dry run: nothing written.")
    else:
        lines.append("Đã ghi / Written: " + ", ".join(result.written))
    return lines


def as_json(result: ImportResult, dry_run: bool) -> dict:
    return {
        "valid": result.ok, "dry_run": dry_run, "written": result.written,
        "changes": {d.resource: {
            "sheet": result.sheets[d.resource].title, **d.counts(),
            "added": [key_text(d.key, r) for r in d.added],
            "removed": [key_text(d.key, r) for r in d.removed],
            "changed": [{"key": list(c.key), "fields": {f: list(v) for f, v in c.fields.items()}}
                        for c in d.changed],
            "reordered": d.resource in result.reordered,
            "private_kept": result.kept_private.get(d.resource, [])}
            for d in result.diffs},
        "report": result.report.to_dict(),
    }


# -- command --------------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", type=Path, help="the .xlsx workbook, one sheet per dataset")
    parser.add_argument("--data", type=Path, default=Path("data"), help="the data package")
    parser.add_argument("--content", type=Path, default=Path("content"),
                        help="stories checked against the new data")
    parser.add_argument("--dry-run", action="store_true",
                        help="validate and show what would change, write nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    content = args.content if args.content and args.content.is_dir() else None
    try:
        result = import_workbook(args.workbook, args.data, content, dry_run=args.dry_run)
    except (WorkbookError, PackageError) as exc:
        print(f"Không nhập được / Import refused: {exc}")
        return 1
    if args.json:
        print(json.dumps(as_json(result, args.dry_run), ensure_ascii=False, indent=2))
        return 0 if result.ok else 1
    if result.report.problems:
        print(render(result.report))
    if not result.ok:
        print(f"Không nhập: {args.data} không thay đổi. / Refused: {args.data} left unchanged.")
        return 1
    print("\n".join(summary_lines(result, args.dry_run)))
    return 0
