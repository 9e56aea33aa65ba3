"""Data problems as values: positioned, bilingual records collected into a report.

Modelled on Frictionless errors: each problem has a stable kebab-case ``type`` and a position
(file, row, field, value) so that a clerk can find and fix it in a spreadsheet.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem found in the data or content.

    ``row`` counts like a spreadsheet: the header is row 1, the first data row is row 2.
    """

    type: str
    file: str
    message_vi: str
    message_en: str
    resource: str | None = None
    row: int | None = None
    field: str | None = None
    value: str | None = None
    severity: Severity = "error"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    """Every problem found, errors and warnings kept apart by severity."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "valid": self.ok,
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
        }
