"""The build command: validation gate, temporary folder, swap only after success."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from pipeline import build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    """An output folder from an earlier build, with a file the next build would not write."""
    output = tmp_path / "output"
    output.mkdir()
    (output / "old.html").write_text("earlier build", encoding="utf-8")
    return output


def args(data: Path, output: Path, content: Path) -> argparse.Namespace:
    """The command line as the CLI would parse it (so new options get their defaults)."""
    parser = argparse.ArgumentParser()
    build.add_arguments(parser)
    return parser.parse_args(["--settings", str(ROOT / "pelicanconf.py"), "--output",
                              str(output), "--data", str(data), "--content", str(content)])


def siblings(output: Path) -> list[str]:
    """What lies beside the output folder (a failed build must leave no temporary folder)."""
    return sorted(p.name for p in output.parent.iterdir() if p.name.startswith("."))


def test_invalid_data_stops_the_build_and_writes_nothing(make_package, previous_output, capsys):
    data = make_package()
    (data / "projects.csv").write_bytes(b"")
    code = build.run(args(data, previous_output, previous_output.parent / "content"))
    assert code == 1
    assert [p.name for p in previous_output.iterdir()] == ["old.html"]
    assert siblings(previous_output) == []
    assert "empty-file" in capsys.readouterr().err


def test_a_failed_build_keeps_the_previous_output(make_package, previous_output, monkeypatch):
    def fail(*_args, **_kwargs):
        raise build.BuildFailed("template broken")

    monkeypatch.setattr(build, "run_pelican", fail)
    code = build.run(args(make_package(), previous_output, previous_output.parent / "content"))
    assert code == 1
    assert [p.name for p in previous_output.iterdir()] == ["old.html"]
    assert siblings(previous_output) == []


def test_a_successful_build_replaces_the_output(make_package, previous_output):
    content = previous_output.parent / "content"
    content.mkdir()
    code = build.run(args(make_package(), previous_output, content))
    assert code == 0
    assert not (previous_output / "old.html").exists()
    assert (previous_output / "index.html").is_file()
    assert (previous_output / "en" / "index.html").is_file()
    assert siblings(previous_output) == []


def test_a_missing_content_folder_fails_cleanly(make_package, previous_output):
    """Pelican refuses a settings PATH that does not exist; the build reports it, no traceback."""
    code = build.run(args(make_package(), previous_output, previous_output.parent / "none"))
    assert code == 1
    assert [p.name for p in previous_output.iterdir()] == ["old.html"]
    assert siblings(previous_output) == []


def test_replace_moves_the_new_folder_into_place(tmp_path):
    output, built = tmp_path / "output", tmp_path / ".output-new"
    output.mkdir()
    (output / "a").write_text("old", encoding="utf-8")
    built.mkdir()
    (built / "b").write_text("new", encoding="utf-8")
    build.replace(output, built)
    assert [p.name for p in output.iterdir()] == ["b"]
    assert [p.name for p in tmp_path.iterdir()] == ["output"]


@pytest.mark.parametrize(("epoch", "expected"), [("0", "1970-01-01"), ("1795651200", "2026-11-26")])
def test_created_date_follows_source_date_epoch(monkeypatch, epoch, expected):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert expected == build.created_date()
