"""The benchmark harness: it runs end to end on a tiny package and reports what it promises.

No speed is asserted here: speed lives in `make bench`, these tests check the harness.
"""

from __future__ import annotations

import argparse
import inspect
import itertools
import json
from pathlib import Path

import pytest

from pipeline import bench

REQUIRED = ("rows", "pages", "validate_rows_per_s", "frictionless_rows_per_s", "pages_per_s",
            "pelican_pages_per_s", "jinja_pages_per_s", "incremental_s", "full_s",
            "peak_rss_mb", "incremental_first_s")
RATIOS = ("validate_vs_frictionless", "fastcheck_vs_frictionless", "structure_vs_frictionless",
          "pages_vs_pelican", "pages_vs_jinja",
          "incremental_vs_full", "incremental_first_vs_full")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    """One run of the whole harness on one province at scale 0.001 (50 projects)."""
    tmp = tmp_path_factory.mktemp("bench")
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--scale", "0.001", "--provinces", "1", "--repeat", "1",
                              "--out", str(tmp / "results.json"), "--work", str(tmp / "work")])
    assert bench.run(args) == 0
    return json.loads((tmp / "results.json").read_text(encoding="utf-8"))


def test_results_have_the_promised_keys(results: dict):
    assert [k for k in REQUIRED if k not in results] == []


@pytest.mark.parametrize("key", REQUIRED + RATIOS)
def test_numbers_are_positive(results: dict, key: str):
    assert isinstance(results[key], int | float)
    assert results[key] > 0


def test_reference_pages_match_ours(results: dict):
    """Pelican and Jinja2 render as many pages as our build wrote (rates are comparable)."""
    run = results["runs"][0]
    assert results["pages"] == run["pages"]
    assert round(results["pages"] / results["pelican_pages_per_s"], 6) > 0


def test_every_target_is_judged(results: dict):
    assert sorted(bench.TARGETS) == sorted(results["targets"])
    assert all(t["met"] in (True, False) for t in results["targets"].values())


def test_rows_count_every_resource(results: dict, tmp_path: Path):
    """50 projects, 34-or-fewer establishments, units, plans and the two code lists."""
    from pipeline.synth import synthesize

    frames = synthesize(0.001, 2025, provinces=1).frames
    expected = sum(len(f) for f in frames.values()) + 8 + 6  # content types, sectors
    assert expected == results["rows"]


@pytest.mark.parametrize(("key", "value", "met"), [
    ("validate_vs_frictionless", 12.0, True),
    ("validate_vs_frictionless", 9.9, False),
    ("pages_vs_jinja", 0.5, True),
    ("incremental_vs_full", 0.05, True),
    ("incremental_vs_full", 0.5, False),
    ("peak_rss_mb", 2500.0, False),
    ("pages_vs_pelican", None, None),
])
def test_judge(key: str, value, met):
    assert met == bench.judge({key: value})[key]["met"]


@pytest.mark.parametrize(("values", "expected"), [
    ([3.0, 1.0, 2.0], 2.0),
    ([None, 4.0], 4.0),
    ([None], None),
])
def test_median_ignores_missing(values, expected):
    assert expected == bench.median(values)


def test_timer_adds_up_calls():
    stages: dict[str, float] = {}
    double = bench.timer(stages, "double", lambda x: 2 * x)
    assert [double(1), double(2)] == [2, 4]
    assert list(stages) == ["double"]
    assert stages["double"] >= 0


def test_markdown_has_pelican_metadata():
    page = {"title": "Hợp tác xã Miến dong", "slug": "e-04-0001-0",
            "fields": {"name": "a|b", "sector": "FOOD"}}
    text = bench.markdown(page)
    assert text.startswith("Title: Hợp tác xã Miến dong\nDate: 2025-01-01\nSlug: e-04-0001-0\n")
    assert "| name | a/b |" in text


def test_table_names_every_target(results: dict):
    text = bench.table(results)
    assert [k for k in bench.TARGETS if k not in text] == []


def test_the_republish_renders_only_some_pages_and_keeps_the_rest(results: dict):
    """The full publish starts from an empty output and cache; the republish after one
    title changed renders a few pages and links the others (counted by the build's Reuse)."""
    assert 0 < results["incremental_rendered"] < results["full_rendered"]
    assert results["full_rendered"] == results["incremental_rendered"] + \
        results["incremental_kept"]


def test_both_republishes_are_timed_stage_by_stage(results: dict):
    """The first republish (linking from the output) and the next one (from the spare)."""
    assert results["incremental_stages_s"]["pages"] > 0
    assert results["incremental_first_stages_s"]["pages"] > 0
    assert not [n for n in results["notes"] if "not measured" in n and "republish" in n]


def test_each_change_is_one_more_project_title(tmp_path: Path):
    """data-changed differs from data in one title; each steady republish's data in one
    more (the last projects, which no dataset preview shows)."""
    from pipeline.load import load_package

    bench.prepare(tmp_path, 0.001, 2025, 1)
    names = ["data", "data-changed", *map(bench.steady_data, range(bench.STEADY_REPUBLISHES))]
    titles = {name: load_package(tmp_path / name)[0].frames["projects"]["title_vi"].tolist()
              for name in names}

    def differ(a: str, b: str) -> list[int]:
        return [i for i, (x, y) in enumerate(zip(titles[a], titles[b], strict=True)) if x != y]

    last = len(titles["data"]) - 1
    assert [[0], *([last - n] for n in range(bench.STEADY_REPUBLISHES))] == [
        differ(a, b) for a, b in itertools.pairwise(names)]


def test_timer_keeps_the_signature_the_build_inspects():
    def stage(out_dir: Path, *, previous: Path | None = None) -> str:
        return str(previous)

    timed = bench.timer({}, "stage", stage)
    assert inspect.signature(stage) == inspect.signature(timed)


def test_empty_output_removes_the_output_and_its_build_cache(tmp_path: Path):
    from pipeline.incremental import cache_dir

    out = tmp_path / "output"
    for folder in (out / "en", cache_dir(out)):
        folder.mkdir(parents=True)
        (folder / "index.html").write_text("old", encoding="utf-8")
    bench.empty_output(out)
    assert (False, False) == (out.exists(), cache_dir(out).exists())


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs /proc")
def test_tree_memory_counts_the_memory_of_grandchildren():
    """The page renderer forks workers: their memory must count in the publish's peak."""
    import subprocess
    import sys
    import time

    script = ("import os, time\n"
              "if os.fork() == 0:\n"
              "    block = bytearray(os.urandom(1024)) * (80 * 1024)\n"
              "    time.sleep(1.5)\n"
              "    os._exit(0)\n"
              "os.wait()\n")
    child = subprocess.Popen([sys.executable, "-c", script])
    with bench.TreeMemory(child.pid, every=0.05) as memory:
        seen = []
        while child.poll() is None:
            seen.append(len(bench.tree(child.pid)))
            time.sleep(0.01)
        child.wait()
    assert max(seen) >= 2
    assert memory.peak_kb >= 80 * 1024


class Started(Exception):
    """Raised where a measurement would start: the test has seen what came before."""


def test_each_child_measurement_starts_on_a_settled_disk(monkeypatch):
    events: list[str] = []
    monkeypatch.setattr(bench, "settle", lambda: events.append("settle"))

    def popen(*args, **kwargs):
        events.append("child")
        raise Started

    monkeypatch.setattr(bench.subprocess, "Popen", popen)
    with pytest.raises(Started):
        bench.in_child("jinja", data="", pages=1, work="")
    assert events == ["settle", "child"]


def test_each_publish_is_timed_from_a_settled_disk(monkeypatch, tmp_path: Path):
    """The republish right after the full publish must not pay for the writeback of the
    full publish's files."""
    # pipeline.build binds validate_package when first imported: import it before the
    # patch below, or the rest of the session would validate with the fake.
    from pipeline import build, validate  # noqa: F401

    events: list[str] = []
    monkeypatch.setattr(bench, "settle", lambda: events.append("settle"))
    monkeypatch.setattr(bench, "instrument", lambda stages, skip: None)  # patches modules
    monkeypatch.setattr(bench, "capture_reuse", list)  # patches incremental.open_reuse

    def validating(*args, **kwargs):
        events.append("validate")
        raise Started

    monkeypatch.setattr(validate, "validate_package", validating)
    with pytest.raises(Started):
        bench.validate_and_build({}, tmp_path, tmp_path, tmp_path / "out", tmp_path / "s.py")
    assert events == ["settle", "validate"]


def test_each_republish_runs_in_a_fresh_interpreter_of_its_own(monkeypatch):
    """As staff run `make publish` after each correction: not in the process that made the
    full build (whose heap slowed the page workers' fork). Peaks are the largest."""
    calls: list[tuple[str, str]] = []

    def child(task: str, **kwargs) -> dict:
        calls.append((task, kwargs["data"]))
        if task == "publish":
            return {"stages": {}, "notes": [], "pages": 10, "full_s": 9.0,
                    "peak_rss_mb": 50.0, "peak_pss_mb": 40.0, "peak_rss_self_mb": 50.0,
                    "peak_rss_child_mb": 5.0}
        seconds = {"c": 1.0, "a0": 3.0, "a1": 2.0, "a2": 4.0}[kwargs["data"]]
        return {"seconds": seconds, "stages": {"pages": seconds / 2},
                "incremental_rendered": 3, "incremental_kept": int(seconds),
                "peak_rss_mb": 60.0 if kwargs["data"] == "a1" else 55.0,
                "peak_pss_mb": 30.0, "peak_rss_self_mb": 20.0, "peak_rss_child_mb": 6.0}

    monkeypatch.setattr(bench, "in_child", child)
    monkeypatch.setattr(bench, "STEADY_REPUBLISHES", 3)
    paths = {"data": "d", "changed": "c", "again-0": "a0", "again-1": "a1", "again-2": "a2",
             "content": "x", "out": "o", "settings": "s"}
    args = argparse.Namespace(skip=[], incremental=True)
    found = bench.publishes(paths, args)
    assert calls == [("publish", "d"), ("republish", "c"), ("republish", "a0"),
                     ("republish", "a1"), ("republish", "a2")]
    assert (found["incremental_first_s"], found["incremental_s"], found["incremental_kept"],
            found["incremental_stages"], found["incremental_runs_s"]) == (
        1.0, 3.0, 3, {"pages": 1.5}, [3.0, 2.0, 4.0])  # the median run, its own stages
    assert (found["peak_rss_mb"], found["peak_pss_mb"]) == (60.0, 40.0)


def test_without_incremental_no_republish_runs(monkeypatch):
    calls: list[str] = []

    def child(task: str, **kwargs) -> dict:
        calls.append(task)
        return {"stages": {}, "notes": [], "pages": 10, "full_s": 9.0}

    monkeypatch.setattr(bench, "in_child", child)
    paths = dict.fromkeys(("data", "changed", "again-0", "content", "out", "settings"), "p")
    found = bench.publishes(paths, argparse.Namespace(skip=[], incremental=False))
    assert (calls, found["notes"]) == (["publish"], ["incremental: not measured "
                                                     "(--no-incremental)"])


def test_our_validation_is_timed_in_a_fresh_interpreter_as_frictionless_is(results: dict):
    """Both sides of the validation ratio start from an empty heap (the publish's child
    held the national package and its statistics when it timed validation)."""
    assert "fresh interpreter" in results["validation_method"]
    assert results["rows"] / results["validate_rows_per_s"] == pytest.approx(
        results["runs"][0]["rows"] / results["runs"][0]["validate_rows_per_s"])


def test_the_validation_task_times_the_validation_of_data_and_content(monkeypatch,
                                                                      tmp_path: Path):
    from pipeline import validate

    calls = []
    monkeypatch.setattr(validate, "validate_package",
                        lambda data, content: calls.append((data, content)))
    found = bench.validation_task(str(tmp_path / "data"), str(tmp_path / "content"))
    assert [(tmp_path / "data", tmp_path / "content")] * bench.SHORT_RUNS == calls
    assert found["seconds"] >= 0
