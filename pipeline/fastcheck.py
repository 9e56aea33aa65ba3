"""A vectorised structure pass: the errors Frictionless finds, found with pandas.

Frictionless reads and checks every cell in Python, row by row; at national scale that is most
of the validation time. This pass finds the same type, constraint, unique, primary-key and
foreign-key errors on the frames the loader already read, with one idea that keeps it exact:

1. each column is screened vectorised with a rule *stricter* than Frictionless's (``"150"`` is
   an integer; ``"+150"`` or ``"1e3"`` are only *suspects*), so a cell passing the screen is
   certainly valid for Frictionless too;
2. every suspect cell is then judged by Frictionless's own cell reader
   (``Field.read_cell``), so the verdict, the note and the message are upstream's.

Keys (unique, primary, foreign) are compared on the typed values Frictionless would compare.
The errors are built as Frictionless error objects and converted by ``pipeline.upstream``'s
``convert``, so a problem reads exactly as with the Frictionless pass.

It is the default structure pass of ``validate_package``. The loader reports what only a
reader of the file sees (text not in NFC, rows with too few cells, blank rows); rows with too
many cells stop the loader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import frictionless as fl
import numpy as np
import pandas as pd
from frictionless import errors as fl_errors

from pipeline.load import DESCRIPTOR, Encoded, Package, plain_digits, relative
from pipeline.report import Problem
from pipeline.upstream import convert, frictionless_descriptor, metadata_problem

SCREENED = ("required", "pattern", "enum", "minimum", "maximum", "minLength", "maxLength",
            "unique")
MAX_DIGITS = 15  # integers and decimals that float64 holds exactly
NUMBER = r"-?[0-9]{1,9}(?:\.[0-9]{1,6})?"
DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
DIGITS = rf"[0-9]{{1,{MAX_DIGITS}}}"
SINGLE_LINE = re.compile(r"(?:[\w,(){}|*+?\[\]-]|\\[dw.-]|\(\?:)*", re.ASCII)
MAX_PACKAGES = 8  # descriptors whose Frictionless reading is kept (a few KB each)
PACKAGES: dict[tuple[str, str], fl.Package | list[fl.Error]] = {}
PHASES = {"cell": 0, "unique": 1, "primary-key": 2, "foreign-key": 3}  # Frictionless's order


@dataclass
class Checked:
    """One resource after the cell pass: its errors so far and its typed key columns."""

    resource: fl.Resource
    raw: pd.DataFrame
    errors: list[tuple[tuple, fl.Error]] = field(default_factory=list)
    keys: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, index: int, phase: str, order: int, error: fl.Error) -> None:
        """Record an error at a position; sorting by the keys gives Frictionless's order."""
        self.errors.append(((self.row(index), PHASES[phase], order), error))

    def row(self, index: int) -> int:
        """The spreadsheet row of a frame position (the loader's index counts blank rows)."""
        return int(self.raw.index[index]) + 2

    def cells(self, index: int) -> list[str]:
        return list(self.raw.iloc[index])


def structure_problems(package: Package) -> list[Problem]:
    """Types, constraints, primary and foreign keys of every readable resource, all errors."""
    if not package.frames:
        return []
    target = frictionless_package(package)
    if isinstance(target, list):
        descriptor_file = relative(package.root / DESCRIPTOR, package.root)
        return [metadata_problem(error, descriptor_file) for error in target]
    checked = {r.name: check_cells(r, package.raw[r.name], package.frames[r.name],
                                   key_fields(target, r.name), package.encoded.get(r.name))
               for r in target.resources}
    problems = []
    for result in checked.values():
        check_unique(result)
        check_primary_key(result)
        check_foreign_keys(result, checked)
        errors = [error for _, error in sorted(result.errors, key=lambda item: item[0])]
        problems.extend(convert(errors, result.resource, package))
    return problems


def frictionless_package(package: Package) -> fl.Package | list[fl.Error]:
    """Frictionless's reading of the descriptor, or its metadata errors.

    Building it validates the descriptor against Frictionless's JSON Schemas (a tenth of
    the structure pass at national scale), so one is kept per distinct descriptor and
    folder: a server that validates again after each edit of a CSV reads the schemas once.
    The checks only read it.
    """
    descriptor = frictionless_descriptor(package)
    key = (json.dumps(descriptor, sort_keys=True, default=repr), str(package.root))
    if key not in PACKAGES:
        try:
            PACKAGES[key] = fl.Package(descriptor, basepath=key[1])
        except fl.FrictionlessException as exc:
            PACKAGES[key] = exc.to_errors()
        while len(PACKAGES) > MAX_PACKAGES:
            PACKAGES.pop(next(iter(PACKAGES)))
    return PACKAGES[key]


def key_fields(target: fl.Package, name: str) -> set[str]:
    """Fields of ``name`` compared as keys: unique, primary, foreign or referenced."""
    schema = target.get_resource(name).schema
    names = set(schema.primary_key)
    names.update(f.name for f in schema.fields if f.constraints.get("unique"))
    for resource in target.resources:
        for fk in resource.schema.foreign_keys:
            if resource.name == name:
                names.update(fk["fields"])
            if (fk["reference"]["resource"] or resource.name) == name:
                names.update(fk["reference"]["fields"])
    return names


# --- cells ---------------------------------------------------------------------------------


def check_cells(resource: fl.Resource, raw: pd.DataFrame, typed: pd.DataFrame,
                keyed: set[str], encoded: dict[str, Encoded] | None = None) -> Checked:
    """Screen every column, judge the suspects with Frictionless, keep typed key columns.

    ``typed`` is the loader's frame of the same rows: where the screen proves a column
    plain, its values are the loader's, not parsed a second time. An ``encoded`` column is
    screened through its distinct cells (the screen reads each cell alone); its suspects
    are still judged row by row, since each row's error names its row.
    """
    result = Checked(resource=resource, raw=raw)
    encoded = encoded or {}
    for number, spec in enumerate(resource.schema.fields, start=1):
        column = encoded.get(spec.name)
        if column is None:
            cells = result.raw[spec.name].to_numpy(dtype=object)
            loaded = typed[spec.name] if spec.name in typed.columns else None
        else:
            cells, loaded = column.uniques, None
        missing = missing_cells(cells, resource.schema.missing_values)
        ok, values = screen(cells, ~missing, spec, loaded)
        if ok.any():  # a type the screen does not read: every cell is judged anyway
            ok = ok & within(cells, ~missing, values, spec)
        keys = canonical(cells, values, ok & ~missing, spec) if spec.name in keyed else None
        if column is not None:
            ok, missing = column.per_cell(ok), column.per_cell(missing)
            keys = None if keys is None else column.per_cell(keys)
        suspect = (~missing & ~ok) | (missing & bool(spec.constraints.get("required")))
        for index in np.flatnonzero(suspect):
            value = judge_cell(result, index, number, spec)
            if keys is not None:
                keys[index] = value
        if keys is not None:
            result.keys[spec.name] = keys
    return result


def missing_cells(cells: np.ndarray, missing_values: list[str]) -> np.ndarray:
    """Which cells are one of the schema's missing values."""
    if missing_values == [""]:
        return np.asarray(cells == "", dtype=bool)
    return as_text(cells).isin(missing_values).to_numpy(dtype=bool)


def screen(cells: np.ndarray, present: np.ndarray, spec: fl.Field,
           loaded: pd.Series | None = None) -> tuple[np.ndarray, pd.Series]:
    """(certainly valid for the type, typed values) with a rule stricter than Frictionless's.

    Only the present cells count (the others are missing); each test runs over a whole
    column at C speed, and per cell only when the column is not all plain. ``loaded`` is
    the loader's typed column, used where it parsed exactly the cells the screen accepts.
    """
    kind = spec.type
    if kind == "string" and spec.format == "default":
        return np.ones(len(cells), bool), as_text(cells)
    if kind == "integer" and spec.bare_number:
        return screen_integers(cells, present, loaded)
    if kind == "number" and spec.bare_number and spec.decimal_char == ".":
        ok = matching(NUMBER, cells, present)
        return ok, pd.Series(np.where(ok, cells, "nan").astype(np.float64))
    if kind == "boolean":
        mapping = {**dict.fromkeys(spec.true_values, True),
                   **dict.fromkeys(spec.false_values, False)}
        column = as_text(cells)
        return column.isin(list(mapping)).to_numpy(), column.map(mapping)
    if kind == "date" and spec.format == "default":
        return screen_dates(cells, present, loaded)
    return np.zeros(len(cells), bool), as_text(cells)  # any other type: Frictionless judges


def as_text(cells: np.ndarray) -> pd.Series:
    """The cells as a Series of Python strings, without pandas inferring a dtype from
    every cell (half a millisecond per column at national scale)."""
    return pd.Series(cells, dtype=object, copy=False)


def screen_integers(cells: np.ndarray, present: np.ndarray,
                    loaded: pd.Series | None) -> tuple[np.ndarray, pd.Series]:
    """Integers written as plain digits; the loader's values when every present cell is.

    A column of plain digits is recognised by one test of its joined text (no regular
    expression); the loader converted exactly those cells to int64, exactly (a number
    too large for int64 is missing there, and then the column is screened here). Any
    length is safe: Frictionless reads the same digits with ``int`` to the same value.
    """
    if (loaded is not None and loaded.dtype == "Int64" and plain_digits(cells[present])
            and loaded.notna().to_numpy()[present].all()):
        return present.copy(), pd.Series(loaded.array)
    ok = matching(DIGITS, cells, present)
    numbers = np.where(ok, cells, "0").astype(np.int64)
    return ok, pd.Series(pd.arrays.IntegerArray(numbers, ~ok))


def screen_dates(cells: np.ndarray, present: np.ndarray,
                 loaded: pd.Series | None) -> tuple[np.ndarray, pd.Series]:
    """ISO dates of the exact shape yyyy-mm-dd that exist in the calendar.

    The loader parsed every non-empty cell with the same format, so its values are used
    where the shape is right; other cells are missing.
    """
    shaped = matching(DATE, cells, present)
    if loaded is not None and pd.api.types.is_datetime64_dtype(loaded.dtype):
        parsed = pd.Series(loaded.to_numpy()).where(shaped)
    else:
        parsed = pd.to_datetime(pd.Series(np.where(shaped, cells, None)), format="%Y-%m-%d",
                                errors="coerce")
    return parsed.notna().to_numpy(), parsed


def matching(pattern: str, cells: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Which present cells match ``pattern`` in full (missing cells: False).

    When the pattern cannot match a line end, one match over the column's cells joined by
    line ends decides for all of them at once; cells are matched one by one only when that
    fails (then some cell is suspect anyway) or the pattern is not known to be safe.
    """
    shown = cells[present]
    if single_line(pattern) and shown.size:
        joined = "\n".join(shown) + "\n"
        if joined.count("\n") == shown.size and re.fullmatch(f"(?:(?:{pattern})\n)*", joined):
            return present.copy()
    compiled = re.compile(pattern)
    found = np.zeros(len(cells), bool)
    found[present] = [compiled.fullmatch(cell) is not None for cell in shown]
    return found


def single_line(pattern: str) -> bool:
    """A pattern that certainly cannot match a line end (conservative: plain syntax only).

    Only word characters, ``-`` and ``,``, escaped digits/word/dot/hyphen, groups,
    alternatives, quantifiers and classes of these: every character such a pattern matches
    sorts after ``(``, far above the line end. No ``.``, ``^``, ``$``, ``\\s`` or negation.
    """
    return SINGLE_LINE.fullmatch(pattern) is not None


def within(cells: np.ndarray, present: np.ndarray, values: pd.Series,
           spec: fl.Field) -> np.ndarray:
    """Cells that certainly meet every constraint (unique is checked with the keys)."""
    constraints = spec.constraints
    if set(constraints) - set(SCREENED):
        return np.zeros(len(cells), bool)  # a constraint we do not screen: judge all
    ok = np.ones(len(cells), bool)
    if "pattern" in constraints:
        ok &= matching(constraints["pattern"], cells, present)
    if "enum" in constraints:
        ok &= as_text(cells).isin([str(v) for v in constraints["enum"]]).to_numpy()
    if "minLength" in constraints or "maxLength" in constraints:
        lengths = np.fromiter(map(len, cells), np.int64, len(cells))
        ok &= lengths >= constraints.get("minLength", 0)
        ok &= lengths <= constraints.get("maxLength", lengths.max(initial=0))
    for name, compare in (("minimum", values.__ge__), ("maximum", values.__le__)):
        if name in constraints:
            ok &= compare(bound(constraints[name], spec)).fillna(False).to_numpy(dtype=bool)
    return ok


def bound(limit: Any, spec: fl.Field) -> Any:
    """A minimum or maximum in the type of the screened values."""
    return pd.Timestamp(limit) if spec.type == "date" else limit


def judge_cell(result: Checked, index: int, number: int, spec: fl.Field) -> Any:
    """Frictionless's verdict on one suspect cell; returns its typed key value."""
    source = result.raw.iat[index, number - 1]
    value, notes = spec.read_cell(source)
    notes = dict(notes or {})
    type_note = notes.pop("type", None)
    kwargs = dict(cells=result.cells(index), row_number=result.row(index), cell=str(source),
                  field_name=spec.name, field_number=number)
    if type_note:
        result.add(index, "cell", number * 100, fl_errors.TypeError(note=type_note, **kwargs))
    for order, note in enumerate(notes.values(), start=1):
        result.add(index, "cell", number * 100 + order,
                   fl_errors.ConstraintError(note=note, **kwargs))
    return None if type_note else plain(value)


def plain(value: Any) -> Any:
    """A typed cell in the form used to compare keys (ISO text for dates)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def canonical(cells: np.ndarray, values: pd.Series, ok: np.ndarray,
              spec: fl.Field) -> np.ndarray:
    """Typed key values of the screened cells (None elsewhere), as Python objects."""
    keys = np.full(len(cells), None, dtype=object)
    if spec.type == "integer":
        keys[ok] = values.to_numpy(dtype=np.int64, na_value=0)[ok].tolist()
    elif spec.type in ("string", "date"):
        keys[ok] = cells[ok]
    else:
        keys[ok] = values.to_numpy(dtype=object)[ok]
    return keys


# --- keys ----------------------------------------------------------------------------------


def previous_rows(keys: pd.DataFrame, result: Checked) -> pd.Series:
    """For each row, the spreadsheet row of the last earlier row with the same key.

    Keys rarely repeat: one hash pass says so, and only then are rows grouped by key.
    """
    if not keys.duplicated().any():
        return pd.Series(np.nan, index=keys.index)
    rows = pd.Series(result.raw.index.to_numpy() + 2, index=keys.index)
    return rows.groupby([keys[c] for c in keys.columns], dropna=False, sort=False).shift(1)


def check_unique(result: Checked) -> None:
    """Unique fields: a repeated typed value (missing values never repeat)."""
    for number, spec in enumerate(result.resource.schema.fields, start=1):
        if not spec.constraints.get("unique"):
            continue
        keys = pd.DataFrame({spec.name: result.keys[spec.name]}, dtype=object)
        previous = previous_rows(keys, result)
        repeated = previous.notna().to_numpy() & pd.notna(keys[spec.name]).to_numpy()
        for index in np.flatnonzero(repeated):
            note = f"the same as in the row at position {int(previous.iat[index])}"
            result.add(index, "unique", number, fl_errors.UniqueError(
                note=note, cells=result.cells(index), row_number=result.row(index),
                cell=str(result.keys[spec.name][index]), field_name=spec.name,
                field_number=number))


def check_primary_key(result: Checked) -> None:
    """A key whose cells are all missing, or repeating an earlier row's key."""
    names = result.resource.schema.primary_key
    if not names:
        return
    keys = pd.DataFrame({n: result.keys[n] for n in names}, dtype=object)
    all_none = keys.isna().all(axis=1).to_numpy()
    previous = previous_rows(keys, result)
    for index in np.flatnonzero(all_none | previous.notna().to_numpy()):
        note = ('cells composing the primary keys are all "None"' if all_none[index] else
                f"the same as in the row at position {int(previous.iat[index])}")
        result.add(index, "primary-key", 0, fl_errors.PrimaryKeyError(
            note=note, cells=result.cells(index), row_number=result.row(index)))


def reference_columns(fk: dict, result: Checked,
                      checked: dict[str, Checked]) -> list[np.ndarray] | None:
    """The referenced resource's typed key columns (None when it was not checked)."""
    source = checked.get(fk["reference"]["resource"] or result.resource.name)
    return None if source is None else [source.keys[n] for n in fk["reference"]["fields"]]


def check_foreign_keys(result: Checked, checked: dict[str, Checked]) -> None:
    """Key tuples not found in the referenced resource (all-missing tuples are skipped)."""
    for order, fk in enumerate(result.resource.schema.foreign_keys):
        reference = reference_columns(fk, result, checked)
        if reference is None:
            continue
        columns = [result.keys[n] for n in fk["fields"]]
        for index in unmatched(columns, reference):
            add_foreign_key_error(result, index, order, fk,
                                  tuple(column[index] for column in columns))


def unmatched(columns: list[np.ndarray], reference: list[np.ndarray]) -> Iterable[int]:
    """Rows whose key is not among the reference's; vectorised for one-field keys.

    A reference row whose key cells are all missing does not count, as in Frictionless.
    """
    if len(columns) == 1:
        values = pd.Series(columns[0], dtype=object)
        found = values.isin(pd.Series(reference[0], dtype=object).dropna()) | values.isna()
        return np.flatnonzero(~found.to_numpy())
    lookup = {cells for cells in zip(*reference, strict=True) if set(cells) != {None}}
    return [i for i, cells in enumerate(zip(*columns, strict=True))
            if set(cells) != {None} and cells not in lookup]


def add_foreign_key_error(result: Checked, index: int, order: int, fk: dict,
                          cells: tuple) -> None:
    names, target = fk["fields"], fk["reference"]
    values = ", ".join(str(c) for c in cells)
    note = (f'for "{", ".join(names)}": values "{values}" not found in the lookup table '
            f'"{target["resource"]}" as "{", ".join(target["fields"])}"')
    result.add(index, "foreign-key", order, fl_errors.ForeignKeyError(
        note=note, cells=result.cells(index), row_number=result.row(index),
        field_names=list(names),
        field_cells=["" if c is None else str(c) for c in cells],
        reference_name=target["resource"], reference_field_names=list(target["fields"])))
