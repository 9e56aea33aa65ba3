"""The validation gate: loader problems, then structure, then our rules.

``validate_package`` returns the package and one complete report; nothing is printed here
(``validate_cli`` decides that). When ``report.ok`` is False nothing may be built.

Three passes, each owning one kind of problem:
1. the loader (``pipeline.load``): files Frictionless would misread (encoding, delimiter, empty
   file, missing or extra columns), and what only a reader of the file sees (rows with too
   few cells, text not in NFC); a resource it cannot read is left out of what follows;
2. structure: types, constraints, primary and foreign keys of the readable resources, by
   default vectorised (``pipeline.fastcheck.structure_problems``, ten times faster than
   Frictionless at national scale); ``pipeline.upstream.frictionless_problems`` runs
   Frictionless itself and finds the same errors (``validate --upstream``). Any function
   ``Package -> list[Problem]`` can replace them through the ``structure`` argument;
3. the programme's rules (``pipeline.rules``) on the typed frames, stories included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from pipeline.fastcheck import structure_problems
from pipeline.images import check_images
from pipeline.load import Package, load_package
from pipeline.parallel import frozen
from pipeline.report import Problem, Report
from pipeline.rules import check_rules
from pipeline.stories import read_stories

Structure = Callable[[Package], list[Problem]]


def validate_package(data_dir: Path, content_dir: Path | None = None, *,
                     structure: Structure | None = None) -> tuple[Package, Report]:
    """Every problem in the data package and the stories, errors and warnings.

    What the process held before is frozen out of the collector meanwhile: in a process
    that keeps a site's data (the dev server, the bench), one full collection over it took
    45 ms, a sixth of a national validation.
    """
    with frozen(collect_first=False):
        package, report = load_package(data_dir)
        report.extend((structure or structure_problems)(package))
        stories = read_stories(Path(content_dir) / "stories") if content_dir else []
        report.extend(check_rules(without_failed_cells(package, report.errors), stories))
        if content_dir:
            report.extend(check_images(Path(content_dir), package))
    return package, report


def without_failed_cells(package: Package, problems: Iterable[Problem]) -> Package:
    """A copy whose cells with a structural error are missing, so rules do not repeat them.

    The loader types cells but does not enforce constraints: a misspelt enum or a duplicate
    id is still in the frame. Rules skip missing cells, so one bad cell gives one error.
    """
    failed: dict[str, list[tuple[int, str]]] = {}
    for found in problems:
        if found.resource in package.frames and found.row and found.field:
            failed.setdefault(found.resource, []).append((found.row - 2, found.field))
    frames = dict(package.frames)
    for name, cells in failed.items():
        frame = frames[name] = frames[name].copy()
        for index, field in cells:
            if field in frame.columns and index in frame.index:
                frame.at[index, field] = pd.NA
    return dataclasses.replace(package, frames=frames)
