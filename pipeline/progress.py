"""What a publish reports while it runs: stage start, steps done, stage end with its duration.

The stages only *report* (``Progress`` calls); what is shown is decided by the command line
(``pipeline/build.py`` picks ``ConsoleProgress`` or ``QuietProgress``), so tests, the bench
and plain ``pelican`` runs use the silent base class. ``KillSwitch`` is a test-only wrapper:
with ``KC_TEST_KILL_AT=<point>`` in the environment the process kills itself (SIGKILL, no
clean-up possible) at that point, which is how the tests prove that a publish interrupted
anywhere leaves the previous output as it was. Points: ``after:<stage>`` once a stage has
finished, ``mid:<stage>`` after a few of its steps (``mid:export``, ``mid:pages``).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

#: Stages of a publish, in order; each prints one line with its duration.
STAGES = ("validate", "export", "photos", "pages", "search", "checks", "swap", "cleanup")
KILL_VARIABLE = "KC_TEST_KILL_AT"
MID_STEPS = 3  # a "mid:" kill happens after this many steps of the stage
BAR_MIN_STEPS = 20  # fewer steps than this: no bar, the closing line is enough


class Progress:
    """Silent progress: the interface every reporter implements (and the default)."""

    def start(self, stage: str) -> None:
        """A stage begins."""

    def total(self, stage: str, steps: int) -> None:
        """The stage now knows how many steps it has (a bar can be drawn)."""

    def advance(self, stage: str, steps: int = 1) -> None:
        """Some steps of the stage are done."""

    def finish(self, stage: str, seconds: float, detail: str = "") -> None:
        """The stage ended successfully after ``seconds``."""

    def warn(self, stage: str, message: str) -> None:
        """Something worth reading that did not stop the stage (a Pelican warning, say)."""

    def close(self) -> None:
        """The publish is over (successfully or not): release the display."""


@dataclass
class Step:
    """What a running stage may add to its closing line."""

    detail: str = ""


@contextmanager
def stage(progress: Progress, name: str) -> Iterator[Step]:
    """Time the block as stage ``name``; its line is reported only if the block succeeds."""
    step = Step()
    progress.start(name)
    started = time.perf_counter()
    yield step
    progress.finish(name, time.perf_counter() - started, step.detail)


class QuietProgress(Progress):
    """For CI (``--quiet``): nothing but errors, which the command prints itself."""


def seconds_text(seconds: float) -> str:
    return f"{seconds:6.2f} s"


def text_bar(done: int, total: int, width: int = 24) -> str:
    """``[######------]  50%  12/24``: the bar printed when the output is not a terminal."""
    share = 0.0 if total <= 0 else min(1.0, done / total)
    filled = round(share * width)
    return f"[{'#' * filled}{'-' * (width - filled)}] {share:4.0%} {done}/{total}"


class ConsoleProgress(Progress):
    """One line per stage with its duration; a progress bar for stages with many steps.

    On a terminal the bar is rich's live bar (rich comes with Frictionless); otherwise a
    plain text bar is printed at each quarter, so a CI log stays short and readable.
    """

    def __init__(self, stream: IO[str] | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.timings: dict[str, float] = {}
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.printed_quarter: dict[str, int] = {}
        self.live = None
        self.task = None

    def start(self, stage: str) -> None:
        self.done[stage] = 0

    def total(self, stage: str, steps: int) -> None:
        self.totals[stage] = steps
        if self.tty and steps >= BAR_MIN_STEPS:
            self.start_live(stage, steps)

    def start_live(self, stage: str, steps: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.stop_live()
        self.live = Progress(TextColumn(f"{stage:<9}"), BarColumn(), MofNCompleteColumn(),
                             console=Console(file=self.stream), transient=True)
        self.live.start()
        self.task = self.live.add_task(stage, total=steps)

    def advance(self, stage: str, steps: int = 1) -> None:
        self.done[stage] = self.done.get(stage, 0) + steps
        total = self.totals.get(stage)
        if not total or total < BAR_MIN_STEPS:
            return
        if self.live is not None:
            self.live.update(self.task, completed=self.done[stage])
            return
        quarter = min(4, self.done[stage] * 4 // total)
        if 0 < quarter < 4 and quarter > self.printed_quarter.get(stage, 0):
            self.printed_quarter[stage] = quarter
            self.write(f"  {stage:<9}{text_bar(self.done[stage], total)}")

    def finish(self, stage: str, seconds: float, detail: str = "") -> None:
        self.stop_live()
        self.timings[stage] = seconds
        self.write(f"{stage:<9}{seconds_text(seconds)}  {detail}".rstrip())

    def warn(self, stage: str, message: str) -> None:
        self.write(f"  {stage}: warning: {message}")

    def stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = self.task = None

    def close(self) -> None:
        self.stop_live()

    def write(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


class KillSwitch(Progress):
    """Test-only: passes every call on, and SIGKILLs this process at the chosen point."""

    def __init__(self, inner: Progress, point: str) -> None:
        self.inner = inner
        self.point = point
        self.steps: dict[str, int] = {}

    def start(self, stage: str) -> None:
        self.inner.start(stage)

    def total(self, stage: str, steps: int) -> None:
        self.inner.total(stage, steps)

    def advance(self, stage: str, steps: int = 1) -> None:
        self.inner.advance(stage, steps)
        self.steps[stage] = self.steps.get(stage, 0) + steps
        if self.point == f"mid:{stage}" and self.steps[stage] >= MID_STEPS:
            kill_self()

    def finish(self, stage: str, seconds: float, detail: str = "") -> None:
        self.inner.finish(stage, seconds, detail)
        if self.point == f"after:{stage}":
            kill_self()

    def warn(self, stage: str, message: str) -> None:
        self.inner.warn(stage, message)

    def close(self) -> None:
        self.inner.close()


def kill_self() -> None:
    """SIGKILL: no ``finally``, no ``atexit``: exactly what a power cut or an OOM kill does."""
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def with_kill_switch(progress: Progress) -> Progress:
    """``progress`` wrapped in a ``KillSwitch`` when ``KC_TEST_KILL_AT`` is set."""
    point = os.environ.get(KILL_VARIABLE, "").strip()
    return KillSwitch(progress, point) if point else progress
