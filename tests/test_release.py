"""Releases: recorded once, hashed, refused when unsafe, and diffed by primary key."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import release
from pipeline.release import ReleaseError, RowChange, diff_frames

FIRST, SECOND = "2026-11-27", "2027-02-01"


def edit_second(rows: dict) -> None:
    """The second release: one project added, one removed, one changed, one private edit."""
    projects = rows["projects"]
    projects[0].update(disbursed_vnd="140000000", outputs_en="Installed 2 machines (audited)")
    new = dict(projects[2], project_id="p-04-2021-003", title_vi="Đào tạo nghề rèn đợt hai",
               title_en="Blacksmith training, second course")
    rows["projects"] = [projects[0], projects[1], new]
    rows["annual-plans"][0].update(disbursed_vnd="140000000")
    rows["establishments"][1].update(phone="0987654321")


@pytest.fixture
def two_releases(make_package, tmp_path: Path) -> Path:
    """Two releases recorded from two versions of the tiny package; returns releases/."""
    releases = tmp_path / "releases"
    release.record_release(make_package(folder="v1"), releases, "0.1.0", FIRST)
    release.record_release(make_package(edit_second, folder="v2"), releases, "0.2.0", SECOND)
    return releases


def test_the_diff_lists_exactly_the_rows_added_removed_and_changed(two_releases):
    diffs = release.diff_packages(release.load_release(two_releases / "0.1.0"),
                                  release.load_release(two_releases / "0.2.0"))
    by_name = {d.resource: d for d in diffs if not d.empty}
    projects = by_name["projects"]
    expected = {
        "resources": ["projects", "annual-plans"],
        "added": ["p-04-2021-003"], "removed": ["p-04-2021-002"],
        "changed": [RowChange(("p-04-2019-001",), {
            "disbursed_vnd": (150000000, 140000000),
            "outputs_en": ("Installed 2 machines", "Installed 2 machines (audited)")})],
        "plans": [RowChange(("04", 2019, "local"), {"disbursed_vnd": (150000000, 140000000)})],
    }
    actual = {
        "resources": list(by_name),
        "added": [r["project_id"] for r in projects.added],
        "removed": [r["project_id"] for r in projects.removed],
        "changed": projects.changed, "plans": by_name["annual-plans"].changed,
    }
    assert expected == actual


def test_the_manifest_counts_agree_with_the_diff(two_releases):
    document = json.loads((two_releases / "0.2.0" / "manifest.json").read_text())
    expected = {"version": "0.2.0", "date": SECOND, "previous": "0.1.0",
                "projects": {"added": 1, "removed": 1, "changed": 1},
                "establishments": {"added": 0, "removed": 0, "changed": 0}}
    actual = {"version": document["version"], "date": document["date"],
              "previous": document["previous"],
              "projects": document["changes"]["projects"],
              "establishments": document["changes"]["establishments"]}
    assert expected == actual


def test_every_manifest_hash_and_size_matches_its_file(two_releases):
    for version in ("0.1.0", "0.2.0"):
        folder = two_releases / version
        files = json.loads((folder / "manifest.json").read_text())["files"]
        expected = [(f["path"], f["bytes"], f["sha256"]) for f in files]
        actual = [(f["path"], len(b := (folder / f["path"]).read_bytes()),
                   hashlib.sha256(b).hexdigest()) for f in files]
        assert expected == actual


def test_a_release_holds_the_public_csvs_and_descriptor_only(two_releases):
    folder = two_releases / "0.1.0"
    names = sorted(p.name for p in folder.iterdir())
    expected = sorted(["manifest.json", "datapackage.json", "admin-units.csv",
                       "unit-crosswalk.csv", "content-types.csv", "sectors.csv",
                       "establishments.csv", "projects.csv", "annual-plans.csv"])
    assert expected == names
    assert b"0912345678" not in (folder / "establishments.csv").read_bytes()


@pytest.mark.parametrize(("version", "message"), [
    ("0.1.0", "already exists"),
    ("0.0.9", "older than the latest"),
    ("1.0", "not a version"),
    ("v1.0.0", "not a version"),
])
def test_unsafe_versions_are_refused(two_releases, tiny_package, version, message):
    with pytest.raises(ReleaseError, match=message):
        release.record_release(tiny_package, two_releases, version, FIRST)


def test_invalid_data_is_refused_and_nothing_is_written(tiny_package, tmp_path):
    (tiny_package / "projects.csv").write_text("", encoding="utf-8")
    with pytest.raises(ReleaseError, match="error"):
        release.record_release(tiny_package, tmp_path / "releases", "0.1.0", FIRST)
    assert not (tmp_path / "releases" / "0.1.0").exists()


@pytest.mark.parametrize(("environ", "expected"), [
    ({"SOURCE_DATE_EPOCH": "0"}, "1970-01-01"),
    ({"SOURCE_DATE_EPOCH": "1795780800"}, "2026-11-27"),
])
def test_release_date_comes_from_source_date_epoch(environ, expected):
    assert expected == release.release_date(environ)


def test_the_command_reports_success_then_refuses_the_same_version(tiny_package, tmp_path,
                                                                   monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795780800")
    args = argparse.Namespace(version="0.1.0", data=tiny_package,
                              releases=tmp_path / "releases")
    codes = [release.run(args), release.run(args)]
    output = capsys.readouterr().out
    expected = [0, 1]
    assert expected == codes
    assert "recorded release 0.1.0 (2026-11-27)" in output
    assert "already exists" in output


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "amount", "note"]).astype(
        {"id": "string", "amount": "Int64", "note": "string"})


@pytest.mark.parametrize(("old", "new", "expected"), [
    ([], [], ([], [], [])),
    ([{"id": "a", "amount": 1, "note": "x"}], [{"id": "a", "amount": 1, "note": "x"}],
     ([], [], [])),
    ([], [{"id": "a", "amount": 1, "note": None}], (["a"], [], [])),
    ([{"id": "a", "amount": 1, "note": None}], [], ([], ["a"], [])),
    ([{"id": "a", "amount": 1, "note": None}], [{"id": "a", "amount": 2, "note": None}],
     ([], [], [RowChange(("a",), {"amount": (1, 2)})])),
    ([{"id": "a", "amount": None, "note": None}], [{"id": "a", "amount": None, "note": "y"}],
     ([], [], [RowChange(("a",), {"note": (None, "y")})])),
    ([{"id": "a", "amount": 1, "note": "x"}, {"id": "b", "amount": 2, "note": "x"}],
     [{"id": "b", "amount": 3, "note": "z"}, {"id": "c", "amount": 1, "note": "x"}],
     (["c"], ["a"], [RowChange(("b",), {"amount": (2, 3), "note": ("x", "z")})])),
])
def test_diff_frames(old, new, expected):
    diff = diff_frames("t", frame(old), frame(new), ["id"])
    actual = ([r["id"] for r in diff.added], [r["id"] for r in diff.removed], diff.changed)
    assert expected == actual


def test_diff_frames_reports_added_and_removed_columns():
    old = frame([{"id": "a", "amount": 1, "note": "x"}])
    new = old.drop(columns=["note"]).assign(extra="e")
    diff = diff_frames("t", old, new, ["id"])
    expected = (["extra"], ["note"], [])
    assert expected == (diff.fields_added, diff.fields_removed, diff.changed)


def test_recording_a_release_sets_the_descriptor_version(two_releases):
    descriptor = (two_releases.parent / "v2" / "datapackage.yaml").read_text(encoding="utf-8")
    lines = [line for line in descriptor.splitlines() if line.startswith("version:")]
    expected = ["version: 0.2.0"]
    assert expected == lines
