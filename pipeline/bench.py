"""`python -m pipeline bench` (`make bench`): our publish against Frictionless, Pelican, Jinja2.

On a synthetic national package (`pipeline/synth.py`) it measures, in one run on the same data,
each stage of our publish (load, validate, statistics, export, pages, the post-build checks,
search when it exists) and three references: upstream Frictionless validating the package
(its Python API, ``limit_errors`` raised so it checks every row), plain Pelican rendering the
same number of pages from generated Markdown with its built-in ``simple`` theme and
``PLUGINS = []``, and a bare Jinja2 loop writing the same pages (our practical limit).

Every measurement runs in a fresh child process (``python -c``), so one does not warm the
caches of the next and each reports its own peak memory. The run is repeated (``--repeat``)
and medians are reported; ratios are taken within each run and then their median, because
these machines are noisy. Results go to ``bench/results.json``; ``bench/README.md`` explains
every number.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# `make bench` must finish in a few minutes on a 2-core machine: the site has pages per unit
# and per establishment-year, so even a small package of all 34 provinces is ~12,000 pages.
DEFAULT_SCALE = 0.01
DEFAULT_PROVINCES = 4
CHILD = "import sys; from pipeline.bench import child_main; child_main(sys.argv[1:])"
TARGETS = {  # ratio -> (target, True when the ratio must be at least the target)
    "validate_vs_frictionless": (10.0, True),
    "fastcheck_vs_frictionless": (10.0, True),
    "pages_vs_pelican": (3.0, True),
    "pages_vs_jinja": (0.5, True),
    "incremental_vs_full": (0.10, False),
    "peak_rss_mb": (2048.0, False),
}
# Steps that --skip may replace by a no-op (diagnosis only): (module, function).
SKIPPABLE = {"privacy": ("pipeline.build", "check_privacy"),
             "checks": ("pipeline.build", "post_build_checks"),
             "search": ("pipeline.build", "finish_site")}
# Steps inside a build stage, timed too: (module, function, stage name). The privacy and
# package checks run in children beside the links: their steps time this process's wait.
INNER_STEPS = (("pipeline.search", "index_site", "search/pagefind"),
               ("pipeline.seo", "write_discovery_files", "search/sitemap"),
               ("pipeline.checks", "check_links", "checks/links"),
               ("pipeline.build", "privacy_result", "checks/privacy"),
               ("pipeline.checks", "package_errors", "checks/package"))


class BenchError(Exception):
    """A measurement's child process failed; the message carries its stderr."""


# --- the parent: prepare data, run children, summarise -------------------------------------


#: Republishes in the steady state, each after one more project's title changed: the
#: median is ``incremental_s`` (one republish of a national site moved by a second or more
#: with the disk's state, its walk of 150,000 folders most).
STEADY_REPUBLISHES = 3


def steady_data(number: int) -> str:
    """The data folder of the ``number``-th steady republish (0 first)."""
    return "data-changed-again" if number == 0 else f"data-changed-again-{number + 1}"


def prepare(work: Path, scale: float, seed: int, provinces: int | None) -> dict[str, Any]:
    """The synthetic package, a copy with one project's title changed (for a republish), and
    copies with one more project's title changed each (for the republishes after it)."""
    from pipeline.synth import synthesize, write_package

    started = time.perf_counter()
    synthetic = synthesize(scale, seed, provinces=provinces)
    generated = time.perf_counter() - started
    write_package(work / "data", synthetic)
    projects = synthetic.frames["projects"]
    projects.at[0, "title_vi"] = projects.at[0, "title_vi"] + " (đã sửa)"
    write_package(work / "data-changed", synthetic)
    for number in range(STEADY_REPUBLISHES):  # the last projects, which no preview shows
        row = len(projects) - 1 - number
        projects.at[row, "title_vi"] = projects.at[row, "title_vi"] + " (đã sửa)"
        write_package(work / steady_data(number), synthetic)
    (work / "content" / "stories").mkdir(parents=True, exist_ok=True)
    (work / "content" / "pages").mkdir(parents=True, exist_ok=True)
    return {"synth_s": generated,
            "rows": sum(len(f) for f in synthetic.frames.values()) + code_list_rows(work)}


def code_list_rows(work: Path) -> int:
    """Rows of the resources copied from data/ (content types, sectors), counted by the loader."""
    from pipeline.load import load_package

    package, _ = load_package(work / "data")
    return sum(len(package.frames[name]) for name in ("content-types", "sectors")
               if name in package.frames)


def settle() -> None:
    """Let the disk catch up before a measurement (untimed): write back what earlier steps
    left in memory.

    A national build leaves about 3 GB of new files for the kernel to write back; without
    this, the next measurement (the republish right after the full publish, or the Jinja2
    loop right after Pelican's 50,000 files) paid for that writeback in its own time, which
    staff correcting a row minutes after a publish never do. Each measurement still pays
    for whatever writing it does itself while it runs."""
    if hasattr(os, "sync"):
        os.sync()


def in_child(task: str, **kwargs: Any) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return what it reported, with the
    peak memory of its whole process tree as sampled from here (``TreeMemory``). The disk
    is settled first."""
    settle()
    with tempfile.TemporaryDirectory(prefix="kc-bench-child-") as tmp:
        result = Path(tmp) / "result.json"
        command = [sys.executable, "-c", CHILD, task, json.dumps(kwargs), str(result)]
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        with TreeMemory(child.pid) as memory:
            _, stderr = child.communicate()
        if child.returncode != 0 or not result.exists():
            raise BenchError(f"{task} failed (exit {child.returncode}): {stderr[-3000:]}")
        found = json.loads(result.read_text(encoding="utf-8"))
        found["peak_pss_mb"] = memory.peak_kb / 1024 if memory.peak_kb else None
        return found


class TreeMemory:
    """Samples, every ``every`` seconds, the memory of a process and all its descendants.

    PSS (proportional set size, ``/proc/<pid>/smaps_rollup``) divides each shared page
    among the processes sharing it, so the sum over a tree is the memory the tree really
    uses: the page renderer's forked workers share most of the parent's pages, which a sum
    of RSS would count once per process. Sampling runs in the bench's own process, not in
    the measured one. Without ``/proc`` the peak stays 0 and ``ru_maxrss`` is all we have.
    """

    def __init__(self, pid: int, every: float = 0.2) -> None:
        import threading

        self.pid, self.every, self.peak_kb = pid, every, 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopped.set()
        self.thread.join()

    def sample(self) -> None:
        while not self.stopped.wait(self.every):
            self.peak_kb = max(self.peak_kb, sum(pss_kb(pid) for pid in tree(self.pid)))


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from ``/proc/<pid>/task/*/children``)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                queue.extend(int(c) for c in children.read_text().split())
    return found


def pss_kb(pid: int) -> int:
    """A process's PSS in kilobytes; 0 when it is gone or ``/proc`` lacks it."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def one_run(work: Path, rows: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement once, on the same data, and the ratios within this run."""
    paths = {"data": str(work / "data"), "changed": str(work / "data-changed"),
             **{f"again-{n}": str(work / steady_data(n)) for n in range(STEADY_REPUBLISHES)},
             "content": str(work / "content"), "out": str(work / "output"),
             "settings": str(args.settings.resolve())}
    publish = publishes(paths, args)
    pages = publish.get("pages") or estimated_pages(work)
    if args.reference_pages:
        pages = min(pages, args.reference_pages)
    run = {"publish": publish,
           "validation": in_child("validation", data=paths["data"], content=paths["content"]),
           "frictionless": in_child("frictionless", data=paths["data"]),
           "pelican": in_child("pelican", data=paths["data"], pages=pages,
                               work=str(work / "pelican")),
           "jinja": in_child("jinja", data=paths["data"], pages=pages,
                             work=str(work / "jinja"))}
    run["metrics"] = metrics(run, rows, publish.get("pages") or pages)
    return run


#: Peak-memory keys of a child's result: a publish and its republishes report the largest.
PEAKS = ("peak_rss_mb", "peak_pss_mb", "peak_rss_self_mb", "peak_rss_child_mb")


def publishes(paths: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """The full publish, then each republish in a fresh interpreter of its own, as staff run
    `make publish` after each correction: the first after one project's title changed,
    then the steady state, ``STEADY_REPUBLISHES`` times, one more title changed each time:
    ``incremental_s`` is their median, with that republish's stages and page counts
    (``incremental_runs_s`` lists them all). One result, its peaks the largest of all the
    processes'."""
    publish = in_child("publish", data=paths["data"], content=paths["content"],
                       out=paths["out"], settings=paths["settings"], skip=args.skip)
    if not args.incremental:
        publish["notes"].append("incremental: not measured (--no-incremental)")
        return publish
    if publish.get("pages") is None:
        return publish
    steady = []
    for data in ["changed", *(f"again-{n}" for n in range(STEADY_REPUBLISHES))]:
        republish = in_child("republish", data=paths[data], content=paths["content"],
                             out=paths["out"], settings=paths["settings"], skip=args.skip)
        publish.update({k: max(publish.get(k) or 0, republish.get(k) or 0) for k in PEAKS})
        if data == "changed":
            publish.update(incremental_first_s=republish["seconds"],
                           incremental_first_stages=republish["stages"])
        else:
            steady.append(republish)
    middle = sorted(steady, key=lambda run: run["seconds"])[len(steady) // 2]
    publish.update(incremental_s=middle["seconds"], incremental_stages=middle["stages"],
                   incremental_runs_s=[run["seconds"] for run in steady],
                   **{k: middle[k] for k in ("incremental_rendered", "incremental_kept")})
    return publish


def estimated_pages(work: Path) -> int:
    """Without our site build: one page per project and establishment, in two languages."""
    from pipeline.load import load_package

    package, _ = load_package(work / "data")
    return 2 * (len(package.frames["projects"]) + len(package.frames["establishments"]))


def rate(count: float, seconds: float | None) -> float | None:
    return count / seconds if seconds else None


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def metrics(run: dict[str, Any], rows: int, pages: int) -> dict[str, Any]:
    """The headline numbers of one run (None where a stage does not exist yet)."""
    publish, stages = run["publish"], run["publish"]["stages"]
    found = {
        "rows": rows, "pages": pages,
        "validate_rows_per_s": rate(rows, (run.get("validation") or {}).get("seconds")
                                    or stages.get("validate")),
        "fastcheck_rows_per_s": rate(rows, stages.get("validate_fast")),
        "structure_rows_per_s": rate(rows, stages.get("structure_fast")),
        "frictionless_rows_per_s": rate(rows, run["frictionless"]["seconds"]),
        "pages_per_s": rate(publish.get("pages") or 0, stages.get("pages")) or None,
        "pelican_pages_per_s": rate(run["pelican"]["pages"], run["pelican"]["seconds"]),
        "jinja_pages_per_s": rate(run["jinja"]["pages"], run["jinja"]["seconds"]),
        "full_s": publish.get("full_s"), "incremental_s": publish.get("incremental_s"),
        "incremental_first_s": publish.get("incremental_first_s"),
        "full_rendered": publish.get("full_rendered"),
        "incremental_rendered": publish.get("incremental_rendered"),
        "incremental_kept": publish.get("incremental_kept"),
        "peak_rss_mb": max(publish["peak_rss_mb"], publish.get("peak_pss_mb") or 0),
        "peak_pss_mb": publish.get("peak_pss_mb"),
        "peak_rss_self_mb": publish["peak_rss_self_mb"],
        "peak_rss_child_mb": publish["peak_rss_child_mb"],
    }
    found.update({
        "validate_vs_frictionless": ratio(found["validate_rows_per_s"],
                                          found["frictionless_rows_per_s"]),
        "fastcheck_vs_frictionless": ratio(found["fastcheck_rows_per_s"],
                                           found["frictionless_rows_per_s"]),
        "structure_vs_frictionless": ratio(found["structure_rows_per_s"],
                                           found["frictionless_rows_per_s"]),
        "pages_vs_pelican": ratio(found["pages_per_s"], found["pelican_pages_per_s"]),
        "pages_vs_jinja": ratio(found["pages_per_s"], found["jinja_pages_per_s"]),
        "incremental_vs_full": ratio(found["incremental_s"], found["full_s"]),
        "incremental_first_vs_full": ratio(found["incremental_first_s"], found["full_s"]),
    })
    return found


def median(values: list) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def summarise(runs: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    """Medians over the runs of every metric and every stage, with the targets judged."""
    keys = runs[0]["metrics"].keys()
    result = {**meta, **{k: median([r["metrics"][k] for r in runs]) for k in keys}}
    stage_names = dict.fromkeys(n for r in runs for n in r["publish"]["stages"])
    result["stages_s"] = {n: median([r["publish"]["stages"].get(n) for r in runs])
                          for n in stage_names}
    for key in ("incremental_stages", "incremental_first_stages"):
        result[f"{key}_s"] = {
            n: median([(r["publish"].get(key) or {}).get(n) for r in runs])
            for n in stage_names}
    result["incremental_runs_s"] = [seconds for r in runs
                                    for seconds in r["publish"].get("incremental_runs_s", [])]
    result["notes"] = sorted({note for r in runs for note in r["publish"]["notes"]})
    result["frictionless_method"] = runs[0]["frictionless"]["method"]
    result["validation_method"] = (runs[0].get("validation") or {}).get("method")
    result["targets"] = judge(result)
    result["runs"] = [r["metrics"] for r in runs]
    return result


def judge(result: dict[str, Any]) -> dict[str, Any]:
    """Each target of issue 8 with the measured value and whether it is met."""
    judged = {}
    for key, (target, at_least) in TARGETS.items():
        value = result.get(key)
        met = None if value is None else (value >= target if at_least else value <= target)
        judged[key] = {"target": target, "at_least": at_least, "value": value, "met": met}
    return judged


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "load_average": os.getloadavg()[0]}


def table(result: dict[str, Any]) -> str:
    """The results as a plain-text table for the terminal and the closing note."""
    def fmt(value: Any) -> str:
        if value is None:
            return "n/a"
        return f"{value:,.3f}" if isinstance(value, float) and abs(value) < 100 else \
            f"{value:,.0f}"

    lines = [f"scale {result['scale']} · seed {result['seed']} · {result['repeat']} run(s) · "
             f"{fmt(result['rows'])} rows · {fmt(result['pages'])} pages (references: "
             f"{fmt(result['reference_pages'])})", "",
             f"{'stage':<24}{'median s':>12}{'1st republish s':>17}{'republish s':>14}"]
    again = result.get("incremental_stages_s") or {}
    first = result.get("incremental_first_stages_s") or {}
    lines += [f"{name:<24}{fmt(seconds):>12}{fmt(first.get(name)):>17}"
              f"{fmt(again.get(name)):>14}"
              for name, seconds in result["stages_s"].items()]
    lines += ["", f"{'metric':<28}{'median':>14}"]
    lines += [f"{key:<28}{fmt(result[key]):>14}" for key in (
        "validate_rows_per_s", "fastcheck_rows_per_s", "structure_rows_per_s",
        "frictionless_rows_per_s", "structure_vs_frictionless",
        "pages_per_s", "pelican_pages_per_s", "jinja_pages_per_s", "full_s",
        "incremental_first_s", "incremental_s", "incremental_first_vs_full", "full_rendered",
        "incremental_rendered", "incremental_kept",
        "peak_rss_mb", "peak_pss_mb", "peak_rss_self_mb", "peak_rss_child_mb")]
    if result.get("incremental_runs_s"):
        lines.append(f"{'steady republishes s':<28}"
                     + ", ".join(fmt(s) for s in result["incremental_runs_s"]))
    lines += ["", f"{'target':<28}{'value':>10}{'goal':>10}  met"]
    for key, judged in result["targets"].items():
        goal = ("≥ " if judged["at_least"] else "≤ ") + fmt(judged["target"])
        met = {True: "yes", False: "NO", None: "n/a"}[judged["met"]]
        lines.append(f"{key:<28}{fmt(judged['value']):>10}{goal:>10}  {met}")
    lines += [f"note: {note}" for note in result["notes"]]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                        help="synthetic package scale (1 = 50,000 projects); default "
                             f"{DEFAULT_SCALE}")
    parser.add_argument("--repeat", type=int, default=3, help="runs; medians are reported")
    parser.add_argument("--seed", type=int, default=2025, help="seed of the synthetic package")
    parser.add_argument("--provinces", type=int, default=DEFAULT_PROVINCES,
                        help=f"keep only the first N provinces (default {DEFAULT_PROVINCES}; "
                             "0 = all 34)")
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"),
                        help="where to write the results (default bench/results.json)")
    parser.add_argument("--work", type=Path, default=None,
                        help="working folder (default: a temporary folder, removed after)")
    parser.add_argument("--skip", action="append", default=[], choices=sorted(SKIPPABLE),
                        help="leave a build step out (diagnosis only; noted in the results)")
    parser.add_argument("--reference-pages", type=int, default=None,
                        help="cap the pages Pelican and Jinja2 render (their rate is per "
                             "page; default: as many as our build wrote)")
    parser.add_argument("--no-incremental", dest="incremental", action="store_false",
                        help="skip the republish after one change (incremental_s is null)")
    parser.add_argument("--settings", type=Path, default=ROOT / "pelicanconf.py",
                        help="Pelican settings of our build (default pelicanconf.py)")


def run(args: argparse.Namespace) -> int:
    work = Path(args.work or tempfile.mkdtemp(prefix="kc-bench-"))
    try:
        prepared = prepare(work, args.scale, args.seed, args.provinces or None)
        runs = [one_run(work, prepared["rows"], args)
                for _ in range(args.repeat)]
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    meta = {"scale": args.scale, "seed": args.seed, "repeat": args.repeat,
            "provinces": args.provinces, "skipped": args.skip,
            "reference_pages": runs[0]["pelican"]["pages"], "synth_s": prepared["synth_s"],
            "machine": machine()}
    result = summarise(runs, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
    print(table(result))
    print(f"\nwrote {args.out}")
    return 0


# --- the children: one measurement each, in a fresh interpreter ----------------------------


def peak_rss_mb() -> dict[str, float]:
    """Peak resident memory of this process and of its largest child (Pagefind runs as one).

    Linux reports kilobytes. A child's peak includes the pages it shared with this process
    when it was forked, so adding the two would count those twice; the larger of the two is
    reported as the publish's peak (both are kept).
    """
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": max(own, child), "peak_rss_self_mb": own, "peak_rss_child_mb": child}


def child_main(argv: list[str]) -> None:
    """Entry point of a child: ``task``, its keyword arguments as JSON, the result path."""
    task, kwargs, result = argv[0], json.loads(argv[1]), Path(argv[2])
    found = TASKS[task](**kwargs)
    found.update(peak_rss_mb())
    result.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")


def exists(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def timer(stages: dict[str, float], name: str, function: Callable) -> Callable:
    """``function`` wrapped so that each call adds its duration to ``stages[name]``; the
    wrapper keeps its signature (the build passes ``previous``/``cache`` only to stages that
    declare them)."""
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            stages[name] = stages.get(name, 0.0) + time.perf_counter() - started

    return timed


ORIGINALS: dict[str, Callable] = {}  # functions wrapped or skipped, before any change


def original(module_name: str, name: str) -> Callable:
    key = f"{module_name}.{name}"
    if key not in ORIGINALS:
        ORIGINALS[key] = getattr(importlib.import_module(module_name), name)
    return ORIGINALS[key]


def instrument(stages: dict[str, float], skip: Iterable[str] = ()) -> None:
    """Time the steps inside the build's stages into ``stages`` (in this child process only),
    and replace the steps left out with --skip by a no-op."""
    for module_name, name, stage in INNER_STEPS:
        if exists(module_name) and hasattr(importlib.import_module(module_name), name):
            setattr(importlib.import_module(module_name), name,
                    timer(stages, stage, original(module_name, name)))
    for step in skip:
        module_name, name = SKIPPABLE[step]
        original(module_name, name)
        setattr(importlib.import_module(module_name), name, skipped)


def skipped(*args: Any, **kwargs: Any) -> str:
    """Stands in for a step left out with --skip."""
    return "skipped"


def timing_progress(stages: dict[str, float]) -> Any:
    """A silent ``pipeline.progress.Progress`` that records each stage's duration: the
    build's own stage names and clock."""
    from pipeline.progress import Progress

    class Timing(Progress):
        def finish(self, stage: str, seconds: float, detail: str = "") -> None:
            stages[stage] = stages.get(stage, 0.0) + seconds

    return Timing()


def timed(stages: dict[str, float], name: str, function: Callable, *args: Any,
          **kwargs: Any) -> Any:
    return timer(stages, name, function)(*args, **kwargs)


#: Runs of the sub-second measurements, whose median is kept: one run of a third of a
#: second moved by a fifth between runs on this machine (a collection, another process).
SHORT_RUNS = 5


def timed_median(stages: dict[str, float], name: str, function: Callable, *args: Any,
                 **kwargs: Any) -> Any:
    """``timed`` ``SHORT_RUNS`` times; the stage is the median, the result the last run's."""
    seconds, result = [], None
    for _ in range(SHORT_RUNS):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        seconds.append(time.perf_counter() - started)
    stages[name] = statistics.median(seconds)
    return result


def count_pages(out: Path) -> int:
    return sum(1 for _ in out.rglob("*.html"))


def validate_and_build(stages: dict[str, float], data: Path, content: Path, out: Path,
                       settings: Path, skip: Iterable[str] = ()) -> tuple[float, Any]:
    """One publish as `make publish` does it (validate, then build, incremental when the
    output and its cache allow); its wall time and the build's ``Reuse`` (None without
    ``pipeline.incremental``)."""
    from pipeline import build
    from pipeline.validate import validate_package

    instrument(stages, skip)
    opened = capture_reuse()
    settle()
    started = time.perf_counter()
    package, report = timed(stages, "validate", validate_package, data, content)
    if not report.ok:
        raise BenchError(f"the synthetic package is invalid: {report.errors[:3]}")
    with quiet():
        build.build(package, settings, out, content, progress=timing_progress(stages),
                    report=report, discard_in_background=True)
    return time.perf_counter() - started, (opened[-1] if opened else None)


def capture_reuse() -> list:
    """The ``Reuse`` objects the build opens from now on (how many pages it rendered/kept)."""
    opened: list = []
    if not exists("pipeline.incremental"):
        return opened
    from pipeline import incremental

    function = original("pipeline.incremental", "open_reuse")

    def keep(*args: Any, **kwargs: Any) -> Any:
        opened.append(function(*args, **kwargs))
        return opened[-1]

    incremental.open_reuse = keep
    return opened


def empty_output(out: Path) -> None:
    """No output and no build cache: the full publish renders every page."""
    shutil.rmtree(out, ignore_errors=True)
    if exists("pipeline.incremental"):
        from pipeline.incremental import cache_dir

        shutil.rmtree(cache_dir(out.resolve()), ignore_errors=True)


def reuse_counts(reuse: Any, prefix: str) -> dict[str, int | None]:
    """Pages the build rendered and kept (from its ``Reuse``), for the results."""
    return {f"{prefix}_rendered": len(reuse.rendered) if reuse is not None else None,
            f"{prefix}_kept": len(reuse.reused) if reuse is not None else None}


@contextlib.contextmanager
def quiet() -> Any:
    """Pelican logs a summary of every run; keep the child's output to warnings."""
    logger = logging.getLogger("pelican")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def publish_task(data: str, content: str, out: str, settings: str,
                 skip: list[str] | None = None) -> dict:
    """Our publish from an empty output and cache, every stage timed, after the stages
    measured on their own (``extra_stages``)."""
    from pipeline.load import load_package

    stages: dict[str, float] = {}
    notes: list[str] = []
    package, _ = timed(stages, "load", load_package, Path(data))
    extra_stages(stages, notes, package, Path(data))
    if not (exists("pipeline.validate") and exists("pipeline.build")):
        notes.append("pipeline.validate or pipeline.build missing: publish not measured")
        return {"stages": stages, "notes": notes, "pages": None}
    skip = skip or []
    empty_output(Path(out))
    full, reuse = validate_and_build(stages, Path(data), Path(content), Path(out),
                                     Path(settings), skip)
    if not exists("pipeline.search"):
        notes.append("search index: pipeline.search not present, not measured")
    for step in skip:
        notes.append(f"{step}: skipped on request (--skip), not part of full_s")
    return {"stages": stages, "notes": notes, "pages": count_pages(Path(out)), "full_s": full,
            **reuse_counts(reuse, "full")}


def republish_task(data: str, content: str, out: str, settings: str,
                   skip: list[str] | None = None) -> dict:
    """A publish of ``data`` into the output (and its cache) that an earlier child built:
    incremental, as `make publish` after a correction. Each republish runs in its own
    interpreter: in the process of the full publish it started with that build's heap
    (a slower fork for the page workers, a larger collector) that staff never have."""
    stages: dict[str, float] = {}
    seconds, reuse = validate_and_build(stages, Path(data), Path(content), Path(out),
                                        Path(settings), skip or [])
    return {"seconds": seconds, "stages": stages, **reuse_counts(reuse, "incremental")}


def extra_stages(stages: dict[str, float], notes: list[str], package: Any,
                 data: Path) -> None:
    """Stages measured on their own: statistics, and the vectorised structure pass (alone,
    and wired into validate_package as its ``structure`` argument), each the median of
    ``SHORT_RUNS``. Validation as the publish runs it is timed by ``validation_task``."""
    if exists("pipeline.statistics_doc"):
        from pipeline.statistics_doc import build_document

        timed(stages, "statistics", build_document, package)
    else:
        notes.append("statistics: pipeline.statistics_doc not present, not measured")
    if exists("pipeline.fastcheck"):
        from pipeline.fastcheck import structure_problems
        from pipeline.validate import validate_package

        timed_median(stages, "structure_fast", structure_problems, package)
        timed_median(stages, "validate_fast", validate_package, data,
                     structure=structure_problems)
    else:
        notes.append("validate_fast: pipeline.fastcheck not present, not measured")


def validation_task(data: str, content: str) -> dict:
    """Our validation as the publish runs it, in a fresh interpreter as Frictionless is: in
    the publish's child it ran after the statistics of the national package, in a heap 13 %
    slower to work in than the one staff's `make publish` starts with. The median of
    ``SHORT_RUNS``."""
    if not exists("pipeline.validate"):
        return {"seconds": None, "method": "pipeline.validate not present"}
    from pipeline.validate import validate_package

    stages: dict[str, float] = {}
    timed_median(stages, "validate", validate_package, Path(data), Path(content))
    return {"seconds": stages["validate"],
            "method": f"validate_package(data, content), median of {SHORT_RUNS}, "
                      "in a fresh interpreter"}


def frictionless_task(data: str) -> dict:
    """Upstream Frictionless through its Python API, every row and every error."""
    import frictionless

    package = frictionless.Package(str(Path(data) / "datapackage.yaml"))
    started = time.perf_counter()
    report = package.validate(limit_errors=10**9)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "valid": report.valid,
            "rows": sum(task.stats.get("rows") or 0 for task in report.tasks),
            "method": "frictionless.Package(datapackage.yaml).validate(limit_errors=10**9), "
                      f"frictionless {frictionless.__version__}, timed around validate()"}


def reference_pages(data: str, count: int) -> list[dict]:
    """``count`` pages of content, cycling over the public rows of projects and establishments.

    The same titles and fields feed the Pelican Markdown and the bare Jinja2 loop.
    """
    from pipeline.load import load_package

    package, _ = load_package(Path(data))
    rows = []
    for name, key, title in (("projects", "project_id", "title_vi"),
                             ("establishments", "establishment_id", "name")):
        frame = package.raw[name].drop(columns=package.private_fields(name))
        for record in frame.to_dict("records"):
            rows.append({"title": record[title], "slug": record[key], "fields": record})
    return [{**rows[i % len(rows)], "slug": f"{rows[i % len(rows)]['slug']}-{i}"}
            for i in range(count)]


def markdown(page: dict) -> str:
    """A Pelican Markdown article: metadata header, then a two-column table of the fields."""
    cells = "\n".join(f"| {k} | {str(v).replace('|', '/')} |" for k, v in page["fields"].items())
    return (f"Title: {page['title']}\nDate: 2025-01-01\nSlug: {page['slug']}\n\n"
            f"| Trường | Giá trị |\n|---|---|\n{cells}\n")


def pelican_task(data: str, pages: int, work: str) -> dict:
    """Plain Pelican 4 with its simple theme and no plugins, on ``pages`` Markdown articles."""
    import pelican
    from pelican import Pelican
    from pelican.settings import read_settings

    root = Path(work)
    shutil.rmtree(root, ignore_errors=True)
    content, output = root / "content", root / "output"
    content.mkdir(parents=True)
    for page in reference_pages(data, pages):
        (content / f"{page['slug']}.md").write_text(markdown(page), encoding="utf-8")
    settings = read_settings(None, override=pelican_settings(content, output, pelican))
    started = time.perf_counter()
    with quiet():
        Pelican(settings).run()
    seconds = time.perf_counter() - started
    written = count_pages(output)
    shutil.rmtree(root, ignore_errors=True)
    return {"seconds": seconds, "pages": written}


def pelican_settings(content: Path, output: Path, pelican: Any) -> dict:
    """Articles only, directory-style URLs, no feeds, no index pages, no plugins, no cache."""
    none = dict.fromkeys(("TAG_SAVE_AS", "TAGS_SAVE_AS", "CATEGORY_SAVE_AS",
                          "CATEGORIES_SAVE_AS", "AUTHOR_SAVE_AS", "AUTHORS_SAVE_AS",
                          "ARCHIVES_SAVE_AS", "INDEX_SAVE_AS"), "")
    feeds = dict.fromkeys(("FEED_ALL_ATOM", "CATEGORY_FEED_ATOM", "TRANSLATION_FEED_ATOM",
                           "AUTHOR_FEED_ATOM", "AUTHOR_FEED_RSS"), None)
    return {"PATH": str(content), "OUTPUT_PATH": str(output), "PLUGINS": [],
            "THEME": str(Path(pelican.__file__).parent / "themes" / "simple"),
            "SITENAME": "Benchmark", "TIMEZONE": "Asia/Ho_Chi_Minh", "DEFAULT_LANG": "vi",
            "ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html",
            "DIRECT_TEMPLATES": [], "DEFAULT_PAGINATION": False, "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False, "DELETE_OUTPUT_DIRECTORY": False, **none, **feeds}


JINJA_BASE = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>{% block title %}{% endblock %} · Benchmark</title></head><body>
<header><a href="/">Benchmark</a></header><main>{% block content %}{% endblock %}</main>
</body></html>"""
JINJA_PAGE = """{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}
{% block content %}<article><h1>{{ title }}</h1><table><thead><tr><th>Trường</th>
<th>Giá trị</th></tr></thead><tbody>{% for k, v in fields.items() %}<tr><td>{{ k }}</td>
<td>{{ v }}</td></tr>{% endfor %}</tbody></table></article>{% endblock %}"""


def jinja_task(data: str, pages: int, work: str) -> dict:
    """A bare Jinja2 loop: the same pages, one template, written straight to disk."""
    from jinja2 import DictLoader, Environment

    root = Path(work)
    shutil.rmtree(root, ignore_errors=True)
    env = Environment(loader=DictLoader({"base.html": JINJA_BASE, "page.html": JINJA_PAGE}),
                      autoescape=True)
    items = reference_pages(data, pages)
    started = time.perf_counter()
    template = env.get_template("page.html")
    for page in items:
        folder = root / page["slug"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(template.render(page), encoding="utf-8")
    seconds = time.perf_counter() - started
    written = count_pages(root)
    shutil.rmtree(root, ignore_errors=True)
    return {"seconds": seconds, "pages": written}


TASKS: dict[str, Callable[..., dict]] = {
    "publish": publish_task, "republish": republish_task, "validation": validation_task,
    "frictionless": frictionless_task,
    "pelican": pelican_task, "jinja": jinja_task,
}
