"""Two publishes of the same inputs are byte-identical, and no date comes from the clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline import build


def manifest(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file (paths and bytes: what "identical" means)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def differences(first: Path, second: Path) -> list[str]:
    one, two = manifest(first), manifest(second)
    return sorted(name for name in one.keys() | two.keys() if one.get(name) != two.get(name))


def publish(root: Path, output: Path, settings: str = "publishconf.py") -> Path:
    """The tiny site's inputs (beside ``tiny_site``) built again into ``output``."""
    package, report = build.validate(root / "data", root / "content")
    assert report.ok
    build.build(package, ROOT / settings, output, root / "content", report=report)
    return output


@pytest.fixture(scope="module")
def two_publishes(tiny_site, tmp_path_factory) -> tuple[Path, Path]:
    """The tiny package published twice with publishconf (feeds too), into unlike folders."""
    root = tiny_site.parent
    first = publish(root, tmp_path_factory.mktemp("first") / "output")
    second = publish(root, tmp_path_factory.mktemp("second") / "public-site")
    return first, second


def test_two_publishes_are_byte_identical(two_publishes):
    first, second = two_publishes
    assert [] == differences(first, second)
    assert len(manifest(first)) > 100  # a whole site, feeds and search index included
    assert (first / "feeds" / "all-vi.atom.xml").is_file()
    assert (first / "pagefind" / "pagefind-entry.json").is_file()


def today_forms() -> list[str]:
    """Today's date as the site would print it (ISO, Vietnamese, English, feeds)."""
    today = dt.date.today()
    return [today.isoformat(), today.strftime("%d/%m/%Y"), today.strftime("%d %b %Y"),
            f"{today.day} {today.strftime('%b %Y')}"]


def test_no_file_carries_the_clocks_date(two_publishes):
    """Without SOURCE_DATE_EPOCH, a release or git, the date is 1980-01-01, never today."""
    output = two_publishes[0]
    found = [(p.relative_to(output).as_posix(), form) for p in sorted(output.rglob("*"))
             if p.is_file() and p.suffix in {".html", ".xml", ".json", ".csv", ".txt"}
             for form in today_forms() if form in p.read_text(encoding="utf-8", errors="ignore")]
    assert [] == found
    quality = (output / "en" / "data-quality" / "index.html").read_text(encoding="utf-8")
    assert 'datetime="1980-01-01"' in quality


@pytest.mark.slow
def test_two_publishes_of_the_shipped_sample_are_byte_identical(tmp_path):
    """`make publish` twice on this commit (the whole sample, photos and search included)."""
    outputs = [tmp_path / "a" / "output", tmp_path / "b" / "site"]
    for output in outputs:
        subprocess.run([sys.executable, "-m", "pipeline", "build", "--settings",
                        "publishconf.py", "--output", str(output), "--quiet"],
                       cwd=ROOT, check=True)
    assert [] == differences(*outputs)
    assert len(manifest(outputs[0])) > 1000
