"""Run one stage's work in several forked processes and bring their results back.

Rendering a national site is CPU-bound Python (Jinja2 templates, pickled fingerprints): one
process uses one core. The data pages split cleanly (every page is a function of its own
context and of build-wide values, Contract 1 in ``pipeline/pages.py``), so the generator gives
each process a share of the pages and merges what they report (the incremental build's
fingerprints, log records) when they finish.

Processes are *forked*: a child starts with the parent's validated package, site data and
compiled templates already in memory (copy-on-write), so nothing is pickled on the way in.
``gc.freeze()`` before the fork keeps the collector from touching (and so copying) every
inherited object. Where ``fork`` does not exist, or for a small site where a fork costs more
than it saves, the work runs in the parent, in the same order.

A child reports progress through a shared counter the parent reads (only the parent draws the
progress bar or honours a test's kill switch) and sends back one ``Outcome``: its result, the
warnings and errors it logged, or the traceback that stopped it. A child that dies without
reporting (killed, out of memory) fails the stage.

:func:`run` shares one stage's work and waits for it; :class:`Forked` starts one function in a
child and lets this process go on with other work until it asks for the result (the build's
Frictionless package check beside the link and privacy checks).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

#: How many ``frozen()`` blocks are open: only the outermost one unfreezes.
FROZEN_DEPTH = [0]


@contextlib.contextmanager
def frozen(collect_first: bool = True) -> Iterator[None]:
    """``gc.freeze()`` for the block: what is tracked now is left out of every collection
    until the outermost block ends (then it is collected as usual). Nested blocks freeze
    what was made since, and leave the unfreezing to the outermost.

    Around a fork it keeps the collector from touching (and so copying) inherited objects.
    Around a build it keeps the collector's full passes over the validated package, the
    site's records and statistics (millions of objects at national scale) off the stages
    that follow: 16 of them took 2 s of a national republish. Frozen objects are still
    freed when their last reference goes; only cycles among them wait for the end, so the
    outermost block collects first: garbage frozen there would stay for the whole block (a
    republish in the same process froze the last build's cycles: 540 MB at national scale).
    A short block may skip that collection (``collect_first=False``): what it freezes waits
    only until the block ends.
    """
    if FROZEN_DEPTH[0] == 0 and collect_first:
        gc.collect()
    gc.freeze()
    FROZEN_DEPTH[0] += 1
    try:
        yield
    finally:
        FROZEN_DEPTH[0] -= 1
        if FROZEN_DEPTH[0] == 0:
            gc.unfreeze()


#: Below this many units of work, forking costs more than it saves.
MIN_PARALLEL_WORK = 400
#: How often (in units of work) a child publishes its count and the parent reads the others.
TICK = 64
#: Seconds the parent waits for a child's result before reading the counters again.
POLL_S = 0.2


class ParallelError(Exception):
    """A child process failed or died; the message carries its traceback or exit code."""


@dataclass
class Outcome:
    """What one process sends back: its result, what it logged, or why it failed."""

    result: Any = None
    records: list[tuple[str, int, str]] = field(default_factory=list)
    error: str | None = None


class RecordKeeper(logging.Handler):
    """Keeps a child's warnings and errors as (logger, level, message) for the parent."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def process_count(requested: int | None, work: int) -> int:
    """How many processes to use: ``requested`` (0 or None: one per core), at least one,
    only one for little ``work`` or without ``fork``."""
    if work < MIN_PARALLEL_WORK or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, requested or cores or 1)


Task = Callable[[Any, Callable[[int], None]], Any]


def run(shares: Sequence[Any], task: Task, on_progress: Callable[[int], None],
        logger: str) -> list[Any]:
    """``task(share, tick)`` for every share, the first in this process and the others in
    forked children; their results in share order. ``tick(n)`` reports n units done;
    ``on_progress(n)`` is called in this process only. Records that children log under
    ``logger`` are logged again here, in share order, after every child has finished."""
    if len(shares) == 1:
        return [task(shares[0], on_progress)]
    context = multiprocessing.get_context("fork")
    counters = [context.RawValue("q", 0) for _ in shares[1:]]
    with frozen():
        children = [start(context, task, share, counter, logger)
                    for share, counter in zip(shares[1:], counters, strict=True)]
        seen = Seen(counters, on_progress)
        own = task(shares[0], seen.ticker())
        outcomes = collect(children, seen)
    return [own, *finish(outcomes, logger)]


def start(context: Any, task: Task, share: Any, counter: Any,
          logger: str) -> tuple[Any, Connection]:
    """Fork one child working on ``share``; the parent keeps the reading end of its pipe."""
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=child_main, args=(task, share, counter, sender, logger),
                            daemon=True)
    child.start()
    sender.close()
    return child, receiver


def child_main(task: Task, share: Any, counter: Any, sender: Connection, logger: str) -> None:
    """In the child: run the task, counting progress, and send one ``Outcome``."""
    keeper = RecordKeeper()
    logging.getLogger(logger).addHandler(keeper)
    done = 0

    def tick(steps: int) -> None:
        nonlocal done
        done += steps
        if done >= TICK:
            counter.value += done
            done = 0

    try:
        outcome = Outcome(result=task(share, tick), records=keeper.records)
    except BaseException as exc:  # everything, KeyboardInterrupt too, goes to the parent
        outcome = Outcome(records=keeper.records,
                          error=f"{exc!r}\n{''.join(traceback.format_exc())}")
    counter.value += done
    sender.send(outcome)
    sender.close()


class Seen:
    """The parent's view of the children's counters: it reports what grew since last read."""

    def __init__(self, counters: list[Any], on_progress: Callable[[int], None]) -> None:
        self.counters, self.on_progress = counters, on_progress
        self.reported = [0] * len(counters)

    def poll(self) -> None:
        for index, counter in enumerate(self.counters):
            value = counter.value
            if value > self.reported[index]:
                self.on_progress(value - self.reported[index])
                self.reported[index] = value

    def ticker(self) -> Callable[[int], None]:
        """The parent's own ``tick``: its progress, and the children's every ``TICK``."""
        pending = 0

        def tick(steps: int) -> None:
            nonlocal pending
            self.on_progress(steps)
            pending += steps
            if pending >= TICK:
                pending = 0
                self.poll()

        return tick


def collect(children: list[tuple[Any, Connection]], seen: Seen) -> list[Outcome | str]:
    """Every child's ``Outcome`` (or why there is none), reading progress while waiting."""
    outcomes: dict[int, Outcome | str] = {}
    waiting = {receiver: index for index, (_, receiver) in enumerate(children)}
    while waiting:
        for receiver in wait(list(waiting), timeout=POLL_S):
            index = waiting.pop(receiver)
            try:
                outcomes[index] = receiver.recv()
            except (EOFError, OSError):
                outcomes[index] = "died without reporting"
            receiver.close()
        seen.poll()
    for index, (child, _) in enumerate(children):
        child.join()
        if child.exitcode != 0 and not isinstance(outcomes[index], Outcome):
            outcomes[index] = f"died without reporting (exit code {child.exitcode})"
    seen.poll()
    return [outcomes[index] for index in range(len(children))]


def finish(outcomes: list[Outcome | str], logger: str) -> list[Any]:
    """Log the children's records here; raise if any child failed, else their results."""
    failures = []
    for number, outcome in enumerate(outcomes, start=2):
        if isinstance(outcome, str):
            failures.append(f"process {number} {outcome}")
            continue
        for name, level, message in outcome.records:
            logging.getLogger(name if name.startswith(logger) else logger).log(level, "%s",
                                                                               message)
        if outcome.error is not None:
            failures.append(f"process {number}: {outcome.error}")
    if failures:
        raise ParallelError("; ".join(failures))
    return [outcome.result for outcome in outcomes if isinstance(outcome, Outcome)]


class Forked:
    """``function(*args)`` in a forked child while this process does other work;
    ``result()`` waits for its return value.

    The same child as :func:`run`'s (``child_main``: one ``Outcome`` through a pipe, what it
    logged under ``logger`` logged again here). Where ``fork`` does not exist the function
    runs here, at once. A failure or death of the child raises ``ParallelError`` from
    ``result()`` with its traceback; ``close()`` (or leaving the ``with`` block) before
    ``result()`` kills the child.
    """

    def __init__(self, function: Callable[..., Any], *args: Any,
                 logger: str = "pipeline") -> None:
        self.logger, self.outcome, self.child = logger, None, None
        if "fork" not in multiprocessing.get_all_start_methods():
            self.outcome = Outcome(result=function(*args))
            return
        context = multiprocessing.get_context("fork")
        with frozen():
            self.child, self.receiver = start(context, lambda share, _tick: function(*share),
                                              args, context.RawValue("q", 0), logger)

    @property
    def pid(self) -> int:
        """The running child's process id; 0 once it has been waited for (or never was)."""
        return self.child.pid if self.child is not None else 0

    def result(self) -> Any:
        if self.outcome is None:
            try:
                self.outcome = self.receiver.recv()
            except (EOFError, OSError):
                self.outcome = "died without reporting"
            self.receiver.close()
            self.child.join()
            if not isinstance(self.outcome, Outcome):
                self.outcome += f" (exit code {self.child.exitcode})"
            self.child = None
        return finish([self.outcome], self.logger)[0]

    def close(self) -> None:
        """Stop the child if its result was never asked for."""
        if self.child is not None:
            self.child.kill()
            self.child.join()
            self.receiver.close()
            self.child = None

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
