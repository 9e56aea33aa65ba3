"""Drawn illustrations: one per showcase establishment and story, labelled, light, valid."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from PIL import Image

from pipeline import illustrations, images
from pipeline.illustrations import Target
from pipeline.load import load_package

ROOT = Path(__file__).resolve().parent.parent
MAX_SOURCE_BYTES = 300 * 1024


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A content folder with one story about the tiny package's showcase establishment."""
    folder = tmp_path / "content"
    (folder / "stories").mkdir(parents=True)
    for suffix, lang in (("", "vi"), (".en", "en")):
        (folder / f"stories/tre-hoa-an{suffix}.md").write_text(
            f"Title: Tre\nDate: 2024-01-02\nSlug: tre-hoa-an\nLang: {lang}\n"
            "Establishment: e-04-0001\n\nText.\n", encoding="utf-8")
    return folder


@pytest.fixture
def package(tiny_package):
    """The tiny package: e-04-0001 (WOOD) is the one showcase establishment."""
    return load_package(tiny_package)[0]


def test_targets_are_showcase_establishments_and_stories(package, content):
    expected = [Target("establishment", "e-04-0001", "WOOD"),
                Target("story", "tre-hoa-an", "WOOD")]
    assert expected == illustrations.targets(package, content)


def test_generated_illustrations_pass_the_photo_checks(package, content):
    written = illustrations.generate(package, content)
    expected = ["content/images/e-04-0001/minh-hoa.png",
                "content/images/stories/tre-hoa-an/minh-hoa.png"]
    assert expected == [images.relative_name(p, content) for p in written]
    assert images.check_images(content, package) == []


def test_sidecar_marks_an_illustration_in_both_languages(package, content):
    (path, _) = illustrations.generate(package, content)
    meta = yaml.safe_load(path.with_suffix(".yaml").read_text(encoding="utf-8"))
    assert (meta["illustration"], meta["licence"]) == (True, "CC-BY-4.0")
    assert meta["alt_vi"].startswith("Hình vẽ minh họa")
    assert meta["alt_en"].startswith("Drawn illustration")


@pytest.mark.parametrize("sector", sorted(illustrations.SCENES))
def test_each_sector_is_modest_and_deterministic(tmp_path, sector):
    target = Target("establishment", "e-04-0001", sector)
    first = illustrations.write_illustration(target, tmp_path / "a")
    second = illustrations.write_illustration(target, tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert first.stat().st_size < MAX_SOURCE_BYTES
    with Image.open(first) as im:
        assert (im.format, im.size) == ("PNG", (1600, 1000))


def test_sectors_and_alt_texts_match():
    assert sorted(illustrations.SCENES) == sorted(illustrations.ALT)


def test_label_is_drawn_on_the_image():
    """The label's banner is dark with white text wherever the scene is: count both."""
    im = illustrations.draw_illustration(Target("establishment", "e-04-0001", "WOOD"))
    banner = im.crop((40, 40, 500, 200)).convert("L")
    histogram = banner.histogram()
    dark, white = sum(histogram[:40]), sum(histogram[240:])
    assert dark > 0.5 * banner.width * banner.height
    assert white > 0.03 * banner.width * banner.height


def test_two_establishments_of_one_sector_differ():
    one = illustrations.draw_illustration(Target("establishment", "e-04-0001", "FOOD"))
    two = illustrations.draw_illustration(Target("establishment", "e-04-0002", "FOOD"))
    assert one.tobytes() != two.tobytes()


def test_real_photos_are_never_overwritten(package, content):
    folder = content / "images/e-04-0001"
    folder.mkdir(parents=True)
    (folder / "that.jpg").write_bytes(b"a real photo")
    written = illustrations.generate(package, content, force=True)
    assert [p.parent.name for p in written] == ["tre-hoa-an"]
    assert sorted(p.name for p in folder.iterdir()) == ["that.jpg"]


@pytest.mark.parametrize(("force", "expected"), [(False, 0), (True, 2)])
def test_existing_illustrations_are_redrawn_only_with_force(package, content, force, expected):
    illustrations.generate(package, content)
    assert expected == len(illustrations.generate(package, content, force=force))


def test_command_writes_into_the_content_folder(tiny_package, content, capsys):
    from pipeline.cli import main

    assert main(["illustrations", "--data", str(tiny_package), "--content", str(content)]) == 0
    assert "2 illustration(s) written." in capsys.readouterr().out


def test_every_shipped_showcase_establishment_and_story_has_a_picture():
    """The shipped sample: no showcase page or story is without at least one picture."""
    package, _ = load_package(ROOT / "data")
    content = ROOT / "content"
    missing = [t for t in illustrations.targets(package, content)
               if not (content / "images" / t.folder).is_dir()
               or not images.photo_files(content / "images" / t.folder)]
    assert missing == []
