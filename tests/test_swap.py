"""The swap: one atomic exchange (or two renames), and safe clean-up of killed builds' folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pipeline import swap


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> text of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def staged(output: Path, files: dict[str, str]) -> swap.Staging:
    """A staging folder for ``output`` whose new site holds ``files``."""
    staging = swap.create_staging(output)
    for name, text in files.items():
        (staging.site / name).parent.mkdir(parents=True, exist_ok=True)
        (staging.site / name).write_text(text, encoding="utf-8")
    return staging


@pytest.fixture
def output(tmp_path: Path) -> Path:
    """A published folder with one page."""
    folder = tmp_path / "output"
    folder.mkdir()
    (folder / "index.html").write_text("old", encoding="utf-8")
    return folder


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def fake_staging(output: Path, name: str, marker: dict | None) -> Path:
    """A folder beside ``output`` that looks like a staging folder, marked or not."""
    folder = output.parent / name
    (folder / "site").mkdir(parents=True)
    (folder / "site" / "index.html").write_text("half-built", encoding="utf-8")
    if marker is not None:
        (folder / swap.MARKER).write_text(json.dumps(marker), encoding="utf-8")
    return folder


@pytest.mark.parametrize("atomic", [True, False])
def test_exchange_puts_the_new_site_in_place_and_keeps_the_old_one_aside(output, atomic):
    staging = staged(output, {"index.html": "new", "en/index.html": "new en"})
    how = swap.exchange(staging, output, atomic=atomic)
    assert {"index.html": "new", "en/index.html": "new en"} == tree(output)
    expected_old = staging.site if how == "exchange" else staging.root / swap.OLD
    assert {"index.html": "old"} == tree(expected_old)
    assert ("exchange" if atomic else "two renames") == how
    swap.discard(staging)
    assert ["output"] == sorted(p.name for p in output.parent.iterdir())


def test_exchange_without_a_previous_output_is_a_rename(tmp_path):
    output = tmp_path / "output"
    staging = staged(output, {"index.html": "new"})
    assert "rename" == swap.exchange(staging, output)
    assert {"index.html": "new"} == tree(output)


def test_a_failed_second_rename_puts_the_old_site_back(output, monkeypatch):
    staging = staged(output, {"index.html": "new"})
    real_rename = os.rename

    def second_fails(source, target):
        if Path(source) == staging.site:
            raise OSError("disk full")
        real_rename(source, target)

    monkeypatch.setattr(swap.os, "rename", second_fails)
    with pytest.raises(OSError):
        swap.two_renames(staging, output)
    assert {"index.html": "old"} == tree(output)


def test_readers_never_find_the_output_missing_during_exchanges(output):
    """With RENAME_EXCHANGE the name always points at a complete site, old or new."""
    missing: list[int] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            if not (output / "index.html").exists():
                missing.append(1)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for number in range(200):
            staging = staged(output, {"index.html": f"build {number}"})
            assert "exchange" == swap.exchange(staging, output)
            swap.discard(staging)
    finally:
        done.set()
        thread.join()
    assert [] == missing
    assert {"index.html": "build 199"} == tree(output)


def test_the_marker_and_the_site_folder_are_never_published(output):
    staging = staged(output, {"index.html": "new"})
    swap.exchange(staging, output)
    assert not (output / swap.MARKER).exists()
    assert swap.MARKER in {p.name for p in staging.root.iterdir()}
    assert 0o755 == output.stat().st_mode & 0o777


@pytest.mark.parametrize(("name", "marker", "removed"), [
    (".output-build-abc", {"tool": "khuyencong-pipeline", "output": "output", "pid": "dead"},
     True),
    (".output-build-abc", None, False),                                   # no marker: not ours
    (".output-build-abc", {"tool": "other", "output": "output", "pid": "dead"}, False),
    (".output-build-abc", {"tool": "khuyencong-pipeline", "output": "site", "pid": "dead"},
     False),                                                              # another output
    (".output-build-abc", {"tool": "khuyencong-pipeline", "output": "output", "pid": "alive"},
     False),                                                              # still building
    (".output-old-abc", {"tool": "khuyencong-pipeline", "output": "output", "pid": "dead"},
     False),                                                              # not our prefix
    ("output-build-abc", {"tool": "khuyencong-pipeline", "output": "output", "pid": "dead"},
     False),
])
def test_clean_stale_removes_only_our_dead_builds(output, name, marker, removed):
    if marker is not None:
        marker = {**marker, "pid": {"dead": dead_pid(), "alive": os.getppid()}[marker["pid"]]}
    folder = fake_staging(output, name, marker)
    cleaned = swap.clean_stale(output)
    assert removed == (not folder.exists())
    assert ([folder] if removed else []) == cleaned
    assert {"index.html": "old"} == tree(output)


def test_clean_stale_restores_an_output_lost_between_two_renames(output):
    """Killed exactly between the two renames: the old site waits in old/, output/ is gone."""
    folder = fake_staging(output, ".output-build-xyz",
                          {"tool": "khuyencong-pipeline", "output": "output", "pid": dead_pid()})
    os.rename(output, folder / swap.OLD)
    swap.clean_stale(output)
    assert {"index.html": "old"} == tree(output)
    assert not folder.exists()


def test_clean_stale_ignores_a_symlink_to_elsewhere(output, tmp_path):
    elsewhere = tmp_path / "precious"
    elsewhere.mkdir()
    (elsewhere / swap.MARKER).write_text(json.dumps(
        {"tool": "khuyencong-pipeline", "output": "output", "pid": dead_pid()}), encoding="utf-8")
    (output.parent / ".output-build-link").symlink_to(elsewhere)
    swap.clean_stale(output)
    assert elsewhere.is_dir()


def test_a_staging_folder_discarded_later_leaves_at_once_and_is_deleted(tmp_path):
    output, trash = tmp_path / "output", tmp_path / ".kc-cache" / "output.trash"
    output.mkdir()
    staging = swap.create_staging(output)
    (staging.site / "a" / "b").mkdir(parents=True)
    (staging.site / "a" / "b" / "index.html").write_text("old site", encoding="utf-8")
    deleting = swap.discard_later(staging, trash)
    assert ["output"] == sorted(p.name for p in tmp_path.iterdir() if p.name != ".kc-cache")
    assert 0 == deleting.wait(timeout=60)
    assert not trash.exists()
