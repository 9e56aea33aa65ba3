"""The synthetic national package: valid, deterministic, with faults exactly where planted."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from pipeline.load import load_package
from pipeline.synth import SynthError, run, synthesize, write_synthetic
from pipeline.synth_faults import KINDS
from pipeline.synth_tables import PROVINCES
from pipeline.validate import validate_package

TINY_SCALE = 0.01  # 500 projects, 150 establishments: every province, a second to validate


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """One clean tiny synthetic package shared by the read-only tests of this module."""
    out = tmp_path_factory.mktemp("synth") / "data"
    write_synthetic(out, TINY_SCALE, seed=7)
    return out


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> tuple[Path, list[dict]]:
    """Two faults of every kind, and the manifest that says where they are."""
    out = tmp_path_factory.mktemp("synth-faults") / "data"
    synthetic = write_synthetic(out, 0.02, seed=11, faults=2 * len(KINDS))
    return out, synthetic.faults


def test_tiny_package_is_valid(tiny: Path):
    _, report = validate_package(tiny)
    assert [(p.type, p.resource, p.row, p.field, p.value) for p in report.problems] == []


def test_loader_reads_every_resource(tiny: Path):
    package, report = load_package(tiny)
    assert report.ok
    assert set(package.resource_names) == set(package.frames)


@pytest.mark.parametrize(("scale", "projects", "establishments"), [
    (0.01, 500, 150),
    (0.02, 1_000, 300),
    (0.001, 50, len(PROVINCES)),  # every province keeps one establishment
])
def test_sizes_follow_the_scale(scale: float, projects: int, establishments: int):
    frames = synthesize(scale, seed=1).frames
    assert (projects, establishments) == (len(frames["projects"]),
                                          len(frames["establishments"]))


@pytest.mark.parametrize(("resource", "key"), [
    ("projects", "project_id"),
    ("establishments", "establishment_id"),
    ("admin-units", "unit_id"),
])
def test_ids_are_unique(tiny: Path, resource: str, key: str):
    package, _ = load_package(tiny)
    ids = package[resource][key]
    assert ids.duplicated().sum() == 0
    assert ids.isna().sum() == 0


def test_every_province_has_districts_and_communes(tiny: Path):
    """At least two 2025 communes for each district still in force on 30 June 2025."""
    units = load_package(tiny)[0]["admin-units"]
    last_day = units["valid_to"] == pd.Timestamp("2025-06-30")
    kind = units["level"].where(~((units["level"] == "district") & last_day), "last-district")
    counts = units.groupby(["province_code", kind]).size().unstack(fill_value=0)
    expected = sorted(p.code for p in PROVINCES)
    assert expected == sorted(counts.index)
    assert (counts["last-district"] >= 4).all()
    assert (counts["commune"] >= 2 * counts["last-district"]).all()


def test_historical_units_keep_their_successors(tiny: Path):
    """Every unit that ended has a successor in the crosswalk."""
    package, _ = load_package(tiny)
    units, crosswalk = package["admin-units"], package["unit-crosswalk"]
    ended = set(units.loc[units["valid_to"].notna(), "unit_id"])
    assert ended == ended & set(crosswalk["from_unit_id"])


def test_text_is_nfc(tiny: Path):
    package, _ = load_package(tiny)
    raw = package.root / "projects.csv"
    text = raw.read_text(encoding="utf-8") + (package.root / "establishments.csv").read_text(
        encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text
    assert "ạ" in text or "ế" in text  # Vietnamese names with diacritics


def test_same_seed_same_bytes(tmp_path: Path):
    first = write_synthetic(tmp_path / "a", TINY_SCALE, seed=3)
    write_synthetic(tmp_path / "b", TINY_SCALE, seed=3)
    write_synthetic(tmp_path / "c", TINY_SCALE, seed=4)
    names = [f"{name}.csv" for name in first.frames]
    same = [(tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes()
            for n in names]
    other = [(tmp_path / "a" / n).read_bytes() == (tmp_path / "c" / n).read_bytes()
             for n in ("projects.csv", "establishments.csv")]
    assert [True] * len(names) == same
    assert other == [False, False]


def test_planted_faults_are_found_where_planted(faulty):
    """Each planted fault gives its error at its row, and nothing else is reported."""
    root, planted = faulty
    _, report = validate_package(root)
    found = sorted((p.resource, p.row, p.type) for p in report.errors)
    expected = sorted((f["resource"], f["row"], f["type"]) for f in planted)
    assert expected == found


def test_faults_cover_every_kind(faulty):
    _, planted = faulty
    assert sorted(2 * [k.name for k in KINDS]) == sorted(f["kind"] for f in planted)


def test_fault_manifest_is_written(faulty):
    root, planted = faulty
    manifest = pd.read_json(root / "planted-faults.json")
    assert [f["row"] for f in planted] == manifest["row"].tolist()


@pytest.mark.parametrize("provinces", [1, 2, 5])
def test_first_provinces_only(tmp_path: Path, provinces: int):
    """A package of a few provinces stays valid (quick benchmark and test packages)."""
    write_synthetic(tmp_path / "data", 0.002, seed=9, provinces=provinces)
    package, report = validate_package(tmp_path / "data")
    expected = sorted(p.code for p in PROVINCES[:provinces])
    assert (expected, []) == (sorted(package["projects"]["province_code"].unique()),
                              report.errors)


def test_scale_beyond_the_id_patterns_is_refused():
    with pytest.raises(SynthError):
        synthesize(30, seed=1)


def test_command_writes_the_package(tmp_path: Path, capsys):
    args = type("Args", (), dict(out=tmp_path / "pkg", scale=0.002, seed=5, faults=0,
                                 provinces=None))
    assert run(args) == 0
    assert "projects 100" in capsys.readouterr().out
    assert (tmp_path / "pkg" / "datapackage.yaml").is_file()
