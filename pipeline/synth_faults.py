"""Known errors planted at known rows of a synthetic package (`synth --faults K`).

A validator is only as good as what it finds: each kind below breaks one schema constraint
(found by Frictionless and by our validation) or one programme rule (found by our validation
only), at a row recorded in ``planted-faults.json`` so that tests and the benchmark can check
that every planted error is reported where it was planted, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.synth_geo import Geography

Frames = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Kind:
    """One kind of fault: where it goes, which rows may take it, and what it writes."""

    name: str
    resource: str
    field: str
    type: str  # the Problem type our validation reports at that row
    detected_by: str  # "schema" (Frictionless finds it too) or "rules" (only our checks)
    eligible: Callable[[pd.DataFrame], np.ndarray]
    value: Callable[[pd.DataFrame, int, Geography], object]


def every_row(frame: pd.DataFrame) -> np.ndarray:
    return np.ones(len(frame), bool)


def has(field: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda frame: (frame[field] != "").to_numpy()


def is_value(field: str, value: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda frame: (frame[field] == value).to_numpy()


def before_2025(frame: pd.DataFrame) -> np.ndarray:
    return (frame["year"] < 2025).to_numpy()


def not_first(frame: pd.DataFrame) -> np.ndarray:
    return np.arange(len(frame)) > 0


def commune_of(frame: pd.DataFrame, row: int, geo: Geography) -> str:
    """A 2025 commune of the project's province: not valid in a year before 2025."""
    province = frame.at[row, "province_code"]
    return next(u["unit_id"] for u in geo.units
                if u["level"] == "commune" and u["province_code"] == province)


KINDS: tuple[Kind, ...] = (
    Kind("type-error", "establishments", "employees", "type-error", "schema", every_row,
         lambda f, r, g: "nhiều"),
    Kind("enum-error", "establishments", "legal_form", "constraint-error", "schema",
         every_row, lambda f, r, g: "company"),
    Kind("pattern-error", "establishments", "phone", "constraint-error", "schema",
         has("phone"), lambda f, r, g: "12345"),
    Kind("maximum-error", "establishments", "latitude", "constraint-error", "schema",
         has("latitude"), lambda f, r, g: "31.50000"),
    Kind("required-error", "establishments", "name", "constraint-error", "schema", every_row,
         lambda f, r, g: ""),
    Kind("duplicate-id", "projects", "project_id", "primary-key", "schema", not_first,
         lambda f, r, g: f.at[r - 1, "project_id"]),
    Kind("foreign-key-error", "projects", "establishment_id", "foreign-key", "schema",
         has("establishment_id"), lambda f, r, g: f"e-{f.at[r, 'province_code']}-0000"),
    Kind("date-error", "projects", "start_date", "type-error", "schema", every_row,
         lambda f, r, g: "{2}/{1}/{0}".format(*f.at[r, "start_date"].split("-"))),
    Kind("ceiling-exceeded", "projects", "state_support_vnd", "support-over-ceiling", "rules",
         is_value("activity_type", "machinery"), lambda f, r, g: 350_000_000),
    Kind("commune-before-2025", "projects", "unit_id", "unit-wrong-level", "rules",
         before_2025, commune_of),
    Kind("disbursed-when-stopped", "projects", "status", "disbursed-when-stopped", "rules",
         is_value("status", "completed"), lambda f, r, g: "stopped"),
    Kind("plan-total-mismatch", "annual-plans", "approved_vnd", "plan-approved-mismatch",
         "rules", every_row, lambda f, r, g: f.at[r, "approved_vnd"] + 1_000_000),
)
PLAN_KINDS = {"annual-plans"}


def kinds_for(count: int, plans: bool) -> list[Kind]:
    """The kinds of the first ``count`` faults, cycling through KINDS in order."""
    chosen = [KINDS[i % len(KINDS)] for i in range(count)]
    return [k for k in chosen if (k.resource in PLAN_KINDS) == plans]


def choose_row(rng: np.random.Generator, kind: Kind, frame: pd.DataFrame,
               used: set[int]) -> int:
    """A random eligible row not touched by another fault (nor next to a duplicated id)."""
    mask = kind.eligible(frame).copy()
    mask[list(used)] = False
    if kind.name == "duplicate-id":
        mask[[r + 1 for r in used if r + 1 < len(frame)]] = False
    rows = np.flatnonzero(mask)
    if not len(rows):
        raise ValueError(f"no row left to plant a {kind.name} fault in {kind.resource}")
    return int(rng.choice(rows))


def plant(rng: np.random.Generator, frames: Frames, geo: Geography | None,
          kind: Kind, used: dict[str, set[int]]) -> dict:
    """Write one fault into its frame (in place) and describe it."""
    frame = frames[kind.resource]
    taken = used.setdefault(kind.resource, set())
    row = choose_row(rng, kind, frame, taken)
    taken.update({row, row - 1} if kind.name == "duplicate-id" else {row})
    value = kind.value(frame, row, geo)
    if kind.name == "ceiling-exceeded":
        frame.at[row, "counterpart_vnd"] = max(frame.at[row, "counterpart_vnd"], value)
    if frame[kind.field].dtype != object:
        frame[kind.field] = frame[kind.field].astype(object)
    frame.at[row, kind.field] = value
    return {"kind": kind.name, "type": kind.type, "resource": kind.resource, "row": row + 2,
            "field": kind.field, "value": str(value), "detected_by": kind.detected_by}


def plant_row_faults(rng: np.random.Generator, frames: Frames, geo: Geography,
                     count: int) -> list[dict]:
    """Faults in establishments and projects (before the plans are summed from projects,
    so that a changed amount breaks only its own rule)."""
    used: dict[str, set[int]] = {}
    return [plant(rng, frames, geo, kind, used) for kind in kinds_for(count, plans=False)]


def plant_plan_faults(rng: np.random.Generator, frames: Frames, count: int) -> list[dict]:
    """Faults in the annual plans, after they were summed from the projects."""
    used: dict[str, set[int]] = {}
    return [plant(rng, frames, None, kind, used) for kind in kinds_for(count, plans=True)]
