"""Forked workers (pipeline/parallel.py) and the page generator's use of them.

The unit tests run small tasks in real forked children; the site tests build a tiny package
with one process and with two and compare every output byte, then check that a republish
after a parallel build reuses every page (the children's fingerprints came back).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from pipeline import build, incremental, parallel

pytestmark = pytest.mark.skipif("fork" not in __import__("multiprocessing")
                                .get_all_start_methods(), reason="needs fork")


def square_all(share: list[int], tick) -> list[int]:
    out = []
    for value in share:
        out.append(value * value)
        tick(1)
    return out


@pytest.mark.parametrize("shares", [[[1, 2]], [[1, 2], [3]], [[1], [2], [3, 4, 5]]])
def test_results_come_back_in_share_order_with_every_step_counted(shares):
    steps: list[int] = []
    results = parallel.run(shares, square_all, steps.append, "kc-test")
    assert [[v * v for v in share] for share in shares] == results
    assert sum(len(share) for share in shares) == sum(steps)


def test_a_child_that_raises_fails_the_run_with_its_traceback():
    def task(share, tick):
        if share == "bad":
            raise ValueError("row 7 is wrong")
        return share

    with pytest.raises(parallel.ParallelError, match=r"(?s)process 2: ValueError\('row 7 is wrong'"
                                                     r"\).*Traceback"):
        parallel.run(["good", "bad"], task, lambda n: None, "kc-test")


def test_a_child_that_dies_without_reporting_fails_the_run():
    def task(share, tick):
        if share == "die":
            os._exit(3)
        return share

    with pytest.raises(parallel.ParallelError, match="process 2 died without reporting"):
        parallel.run(["live", "die"], task, lambda n: None, "kc-test")


def test_what_children_log_is_logged_again_in_the_parent(caplog):
    def task(share, tick):
        logging.getLogger("kc-test.child").warning("page %s exists in en only", share)
        logging.getLogger("kc-test.child").info("not kept: below warnings")
        return share

    with caplog.at_level(logging.INFO, logger="kc-test"):
        parallel.run(["a", "b", "c"], task, lambda n: None, "kc-test")
    assert ["page a exists in en only", "page b exists in en only",
            "page c exists in en only"] == [r.getMessage() for r in caplog.records
                                             if r.levelno == logging.WARNING]


@pytest.mark.parametrize(("requested", "work", "expected"), [
    (2, 10_000, 2), (3, 10_000, 3), (1, 10_000, 1), (4, parallel.MIN_PARALLEL_WORK - 1, 1),
])
def test_process_count_follows_the_setting_and_keeps_small_sites_serial(requested, work,
                                                                         expected):
    assert expected == parallel.process_count(requested, work)


@pytest.mark.parametrize(("processes", "expected"), [
    (1, [[("vi", 0, 1), ("en", 0, 1)]]),
    (2, [[("vi", 0, 1)], [("en", 0, 1)]]),
    (3, [[("vi", 0, 2), ("en", 1, 2)], [("vi", 1, 2)], [("en", 0, 2)]]),
    (4, [[("vi", 0, 2)], [("vi", 1, 2)], [("en", 0, 2)], [("en", 1, 2)]]),
])
def test_page_shares_split_languages_first(processes, expected):
    from pipeline.plugin import page_shares

    assert expected == page_shares(["vi", "en"], processes)


# -- the site built with one process and with several --------------------------------------------

def site_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def publish(package_dir: Path, output: Path, workers: int, tmp_path: Path,
            monkeypatch) -> incremental.Reuse:
    """A build with ``workers`` processes (forking even for a tiny site); its Reuse."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_WORK", 1)
    run, shares = parallel.run, []
    monkeypatch.setattr(parallel, "run", lambda s, *a: shares.append(len(s)) or run(s, *a))
    settings = tmp_path / f"settings-{workers}.py"
    settings.write_text(f"from pelicanconf import *\nKC_WORKERS = {workers}\n",
                        encoding="utf-8")
    monkeypatch.syspath_prepend(str(Path.cwd()))
    opened: list = []
    real = incremental.open_reuse
    monkeypatch.setattr(incremental, "open_reuse",
                        lambda *a, **k: opened.append(real(*a, **k)) or opened[-1])
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    package, report = build.validate(package_dir, None)
    build.build(package, settings, output, content, report=report)
    assert [workers] == shares  # the pages really were split between processes
    return opened[-1]


@pytest.mark.parametrize("workers", [2, 3])
def test_several_processes_write_the_same_site_as_one(tiny_package, tmp_path, monkeypatch,
                                                      workers):
    publish(tiny_package, tmp_path / "one", 1, tmp_path, monkeypatch)
    publish(tiny_package, tmp_path / "many", workers, tmp_path, monkeypatch)
    one, many = site_bytes(tmp_path / "one"), site_bytes(tmp_path / "many")
    assert sorted(one) == sorted(many)
    assert [] == [rel for rel in one if one[rel] != many[rel]]


def test_a_republish_after_a_parallel_build_reuses_every_page(tiny_package, tmp_path,
                                                              monkeypatch):
    first = publish(tiny_package, tmp_path / "out", 2, tmp_path, monkeypatch)
    again = publish(tiny_package, tmp_path / "out", 2, tmp_path, monkeypatch)
    assert first.rendered and len(first.rendered) == len(set(first.rendered))
    assert ([], sorted(first.rendered)) == (again.rendered, sorted(again.reused))


# -- one function in a child while the parent works on (Forked) ---------------------------------

def triple(value: int) -> int:
    return 3 * value


def refuse(value: int) -> int:
    raise ValueError(f"no {value}")


def test_forked_work_returns_its_result_or_raises_with_the_childs_traceback():
    with parallel.Forked(triple, 14) as forked:
        assert 42 == forked.result()
    with parallel.Forked(refuse, 7) as forked, pytest.raises(parallel.ParallelError, match="no 7"):
        forked.result()


def test_forked_work_never_asked_for_is_stopped(tmp_path):
    import time

    forked = parallel.Forked(time.sleep, 60)
    pid = forked.pid
    forked.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)
    assert 0 == forked.pid


def test_only_the_outermost_frozen_block_unfreezes():
    import gc

    def frozen(value: object) -> bool:  # frozen objects are in no generation
        return not any(o is value for o in gc.get_objects())

    assert 0 == gc.get_freeze_count()
    kept = [1]
    with parallel.frozen():
        made_since = [2]
        assert frozen(kept) and not frozen(made_since)
        with parallel.frozen():
            assert frozen(made_since)
        assert frozen(kept) and frozen(made_since)  # the inner block left them frozen
    assert 0 == gc.get_freeze_count()
    assert not frozen(kept) and not frozen(made_since)


def test_the_build_collects_in_larger_batches_and_restores_the_thresholds():
    import gc

    from pipeline import build

    before = gc.get_threshold()
    with build.fewer_collections():
        assert build.BUILD_GC_THRESHOLDS == gc.get_threshold()
    assert before == gc.get_threshold()
