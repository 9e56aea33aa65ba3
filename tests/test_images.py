"""Photo checks: every problem is a value naming the file, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from photo_samples import SIDECAR, encoded, photo_image, plant
from PIL import Image

from pipeline import images
from pipeline.load import load_package


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """An empty content folder, as in a fresh checkout before any photo is added."""
    folder = tmp_path / "content"
    (folder / "stories").mkdir(parents=True)
    return folder


def problems_of(content: Path, package=None) -> list[tuple[str, str, str]]:
    return [(p.type, p.file, p.severity) for p in images.check_images(content, package)]


# --- checks ----------------------------------------------------------------------------------


def test_a_complete_photo_has_no_problem(content):
    plant(content, "xuong.jpg")
    assert problems_of(content) == []


def corrupt_jpeg() -> bytes:
    whole = encoded(photo_image(400, 300), "JPEG")
    return whole[: len(whole) // 2]


@pytest.mark.parametrize(("name", "data", "expected_type", "severity"), [
    ("hong.jpg", corrupt_jpeg(), "image-decode-error", "error"),
    ("ghichu.jpg", "Ảnh ở đây\n".encode(), "image-unsupported-format", "error"),
    ("anh.heic", b"\x00\x00\x00\x18ftypheic" + bytes(64), "image-unsupported-format", "error"),
    ("anh.gif", encoded(photo_image(60, 40), "GIF"), "image-unsupported-format", "error"),
    ("anh.tif", encoded(photo_image(60, 40), "TIFF"), "image-unsupported-format", "error"),
    ("doi-ten.jpg", encoded(photo_image(60, 40), "PNG"), "image-extension-mismatch", "warning"),
])
def test_bad_files_are_problems_naming_the_file(content, name, data, expected_type, severity):
    plant(content, name, data)
    expected = [(expected_type, f"content/images/e-04-0001/{name}", severity)]
    assert expected == problems_of(content)


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "a.jpg"), ("JPEG", "a.JPEG"),
                                           ("PNG", "a.png"), ("WEBP", "a.webp")])
def test_accepted_formats(content, fmt, name):
    plant(content, name, encoded(photo_image(200, 100), fmt))
    assert problems_of(content) == []


def test_too_many_bytes(content, monkeypatch):
    monkeypatch.setattr(images, "MAX_BYTES", 1000)
    plant(content, "nang.jpg")
    assert problems_of(content) == \
        [("image-too-large", "content/images/e-04-0001/nang.jpg", "error")]


def test_too_many_pixels_is_refused_before_decoding(content, monkeypatch):
    """A 'decompression bomb' is refused from its header: the pixels are never decoded."""
    monkeypatch.setattr(images, "MAX_PIXELS", 300 * 200 - 1)
    plant(content, "lon.png", encoded(photo_image(300, 200), "PNG"))
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded"))
    assert problems_of(content) == \
        [("image-too-many-pixels", "content/images/e-04-0001/lon.png", "error")]


def test_limits_are_stated_and_generous_for_phone_photos():
    assert (images.MAX_BYTES, images.MAX_PIXELS) == (20 * 1024 * 1024, 50_000_000)
    assert images.MAX_PIXELS >= 8000 * 6000


@pytest.mark.parametrize(("remove", "expected"), [
    (("alt_vi",), [("image-missing-alt", "alt_vi")]),
    (("alt_en",), [("image-missing-alt", "alt_en")]),
    (("alt_vi", "alt_en"), [("image-missing-alt", "alt_vi"), ("image-missing-alt", "alt_en")]),
    (("credit", "licence"), [("image-missing-credit", "credit"),
                             ("image-missing-licence", "licence")]),
    (("caption_vi", "caption_en", "date_taken"), []),
])
def test_required_sidecar_fields(content, remove, expected):
    plant(content, "xuong.jpg", meta={k: v for k, v in SIDECAR.items() if k not in remove})
    found = images.check_images(content)
    assert expected == [(p.type, p.field) for p in found]
    assert {"content/images/e-04-0001/xuong.jpg"} >= {p.file for p in found}


def test_blank_alt_is_missing(content):
    plant(content, "xuong.jpg", meta={**SIDECAR, "alt_vi": "   "})
    assert problems_of(content) == \
        [("image-missing-alt", "content/images/e-04-0001/xuong.jpg", "error")]


def test_missing_sidecar_names_the_photo(content):
    plant(content, "xuong.jpg", meta=None)
    found = images.check_images(content)
    assert [(p.type, p.file) for p in found] == \
        [("image-missing-sidecar", "content/images/e-04-0001/xuong.jpg")]
    assert "xuong.yaml" in found[0].message_en


@pytest.mark.parametrize(("sidecar_text", "expected"), [
    ("alt_vi: [unclosed", [("image-sidecar-invalid", None, "error")]),
    ("- just\n- a list\n", [("image-sidecar-invalid", None, "error")]),
    (yaml.safe_dump({**SIDECAR, "cover": "yes"}), [("image-bad-field", "cover", "error")]),
    (yaml.safe_dump({**SIDECAR, "date_taken": "01/05/2024"}),
     [("image-bad-field", "date_taken", "error")]),
    (yaml.safe_dump({**SIDECAR, "alt-vi": "typo"}),
     [("image-unknown-field", "alt-vi", "warning")]),
])
def test_sidecar_values(content, sidecar_text, expected):
    photo = plant(content, "xuong.jpg", meta=None)
    photo.with_suffix(".yaml").write_text(sidecar_text, encoding="utf-8")
    found = images.check_images(content)
    assert expected == [(p.type, p.field, p.severity) for p in found]
    assert {"content/images/e-04-0001/xuong.yaml"} == {p.file for p in found}


def test_orphan_sidecar_and_duplicate_stem(content):
    plant(content, "xuong.jpg")
    plant(content, "xuong.png", encoded(photo_image(100, 80), "PNG"), meta=None)
    (content / "images/e-04-0001/cu.yaml").write_text("alt_vi: cũ\n", encoding="utf-8")
    expected = [("image-duplicate-name", "content/images/e-04-0001/xuong.png", "error"),
                ("image-orphan-sidecar", "content/images/e-04-0001/cu.yaml", "warning")]
    assert expected == problems_of(content)


def test_folders_must_name_an_establishment_or_a_story(content, tiny_package):
    package, _ = load_package(tiny_package)
    (content / "stories/tre-hoa-an.md").write_text(
        "Title: Tre\nSlug: tre-hoa-an\nLang: vi\nEstablishment: e-04-0001\n\nText.\n",
        encoding="utf-8")
    plant(content, "xuong.jpg")
    plant(content, "a.jpg", folder="e-04-9999")
    plant(content, "b.jpg", folder="stories/tre-hoa-an")
    plant(content, "c.jpg", folder="stories/khong-co")
    expected = [("image-unknown-owner", "content/images/e-04-9999/a.jpg", "error"),
                ("image-unknown-owner", "content/images/stories/khong-co/c.jpg", "error")]
    assert expected == problems_of(content, package)


def test_showcase_establishment_without_photo_is_a_warning(content, tiny_package):
    """In the tiny package e-04-0001 is the showcase; e-04-0002 is not."""
    package, _ = load_package(tiny_package)
    plant(content, "lo-ren.jpg", folder="e-04-0002")
    assert problems_of(content, package) == \
        [("image-showcase-without-photo", "content/images/e-04-0001/", "warning")]
    plant(content, "xuong.jpg")
    assert problems_of(content, package) == []


def test_a_site_without_photos_is_not_warned(content, tiny_package):
    """No content/images folder at all: the site does not use photos (yet)."""
    package, _ = load_package(tiny_package)
    assert problems_of(content, package) == []


def test_messages_are_bilingual(content):
    plant(content, "hong.jpg", corrupt_jpeg(), meta={})
    for found in images.check_images(content):
        assert found.message_vi and found.message_en and found.message_vi != found.message_en


@pytest.mark.parametrize(("name", "data", "meta", "expected"), [
    ("hong.jpg", corrupt_jpeg(), SIDECAR, "image-decode-error"),
    ("xuong.jpg", None, {**SIDECAR, "alt_vi": ""}, "image-missing-alt"),
])
def test_validation_fails_naming_the_photo(tiny_package, content, name, data, meta, expected):
    from pipeline.validate import validate_package

    plant(content, name, data, meta=meta)
    _, report = validate_package(tiny_package, content)
    assert not report.ok
    assert [(expected, f"content/images/e-04-0001/{name}")] == \
        [(p.type, p.file) for p in report.errors]
