"""Photos: checks name the file, published variants carry no metadata, the cache is used."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from PIL import Image, ImageCms

from pipeline import images
from pipeline.load import load_package

GPS_IFD = 0x8825
CAMERA = {0x010F: "Canon", 0x0110: "EOS 5D Mark IV", 0x013B: "Nông Văn Lạc",
          0x9003: "2024:05:01 09:30:00"}
SIDECAR = {"alt_vi": "Xưởng chẻ tre", "alt_en": "The bamboo-splitting workshop",
           "caption_vi": "Máy chẻ tre mới", "caption_en": "The new splitting machine",
           "credit": "Trung tâm Khuyến công", "licence": "CC-BY-4.0",
           "date_taken": "2024-05-01"}


def photo_image(width: int, height: int) -> Image.Image:
    """A photo-like picture: smooth gradients plus some grain, so encoders behave as on photos."""
    gradient = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 24)
    red = Image.blend(gradient, grain, 0.3)
    return Image.merge("RGB", (red, gradient.transpose(Image.Transpose.ROTATE_180), grain))


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    """Camera make, model, owner name and a GPS position: what a phone photo carries."""
    exif = Image.Exif()
    exif.update(CAMERA)
    exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (22.0, 40.0, 12.5), 3: "E",
                                  4: (106.0, 12.0, 30.0)})
    return exif


def plant(content: Path, name: str, data: bytes | None = None, meta: dict | None = SIDECAR,
          folder: str = "e-04-0001") -> Path:
    """Write a photo (default: an EXIF+GPS JPEG) and its sidecar under content/images."""
    path = content / "images" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        buffer = io.BytesIO()
        photo_image(1200, 800).save(buffer, "JPEG", quality=90, exif=exif_with_gps(),
                                    xmp=b"<x:xmpmeta>owner: Nong Van Lac</x:xmpmeta>",
                                    comment=b"home of the owner")
        data = buffer.getvalue()
    path.write_bytes(data)
    if meta is not None:
        path.with_suffix(".yaml").write_text(yaml.safe_dump(meta, allow_unicode=True),
                                             encoding="utf-8")
    return path


def encoded(im: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **options)
    return buffer.getvalue()


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
    assert problems_of(content, package) == \
        [("image-showcase-without-photo", "images/e-04-0001/", "warning")]
    plant(content, "xuong.jpg")
    assert problems_of(content, package) == []


def test_messages_are_bilingual(content):
    plant(content, "hong.jpg", corrupt_jpeg(), meta={})
    for found in images.check_images(content):
        assert found.message_vi and found.message_en and found.message_vi != found.message_en


# --- processing ------------------------------------------------------------------------------


@pytest.fixture
def published(content, tmp_path):
    """The planted EXIF+GPS photo published into tmp_path/output with a fresh cache."""
    plant(content, "xuong.jpg")
    index = images.publish_images(content, tmp_path / "output", tmp_path / "cache")
    return tmp_path / "output", index


def metadata_markers(data: bytes) -> list[bytes]:
    """Byte signatures of EXIF, XMP, ICC, and the planted camera, owner and comment text."""
    markers = [b"Exif", b"http://ns.adobe.com/xap", b"xmpmeta", b"ICC_PROFILE", b"Canon",
               b"EOS 5D", "Nông".encode(), b"home of the owner", b"2024:05:01"]
    return [m for m in markers if m in data]


def test_published_variants_carry_no_metadata(published):
    output, _ = published
    files = sorted((output / "images").rglob("*.*"))
    assert len(files) == 6
    for path in files:
        with Image.open(path) as im:
            found = (dict(im.getexif()), im.getexif().get_ifd(GPS_IFD),
                     im.info.get("icc_profile"), im.info.get("xmp"))
        assert found == ({}, {}, None, None)
        assert metadata_markers(path.read_bytes()) == [], path


def test_the_planted_photo_really_had_gps(content):
    """Guard for the test above: the source does carry what must not be published."""
    with Image.open(plant(content, "xuong.jpg")) as im:
        assert im.getexif().get_ifd(GPS_IFD)[1] == "N"
    source = (content / "images/e-04-0001/xuong.jpg").read_bytes()
    assert len(metadata_markers(source)) >= 5


def test_variants_and_their_sizes(published):
    _, index = published
    (rendition,) = index.renditions
    expected = [(f"images/e-04-0001/xuong-{w}.{ext}", w, h, fmt)
                for w, h in ((360, 240), (720, 480), (1080, 720))
                for ext, fmt in (("webp", "webp"), ("jpg", "jpeg"))]
    assert expected == [(v.path, v.width, v.height, v.format) for v in rendition.variants]


@pytest.mark.parametrize(("source_width", "expected"), [
    (200, [200]), (360, [360]), (500, [360]), (720, [360, 720]), (1599, [360, 720, 1080]),
    (1600, [360, 720, 1080, 1600]), (6000, [360, 720, 1080, 1600]),
])
def test_never_upscaled(source_width, expected):
    assert expected == images.variant_widths(source_width)


def test_exif_orientation_is_applied_before_stripping(content, tmp_path):
    """A phone held upright stores a landscape sensor image plus 'rotate 90°' (6)."""
    data = encoded(photo_image(800, 600), "JPEG", exif=exif_with_gps(orientation=6))
    plant(content, "dung.jpg", data)
    index = images.publish_images(content, tmp_path / "out", tmp_path / "cache")
    sizes = [(v.width, v.height) for v in index.renditions[0].variants]
    assert sizes == [(360, 480), (360, 480)]


def test_non_srgb_profile_is_converted_then_dropped(content, tmp_path):
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb_im = Image.new("RGB", (400, 300), (200, 40, 40))
    plant(content, "mau.png", encoded(srgb_im, "PNG", icc_profile=lab))
    index = images.publish_images(content, tmp_path / "out", tmp_path / "cache")
    with Image.open(tmp_path / "out" / index.renditions[0].variants[1].path) as im:
        assert None is im.info.get("icc_profile")


def test_transparent_png_is_flattened_on_white_in_jpeg(content, tmp_path):
    plant(content, "trong.png", encoded(Image.new("RGBA", (400, 300), (0, 0, 0, 0)), "PNG"))
    index = images.publish_images(content, tmp_path / "out", tmp_path / "cache")
    webp, jpeg = index.renditions[0].variants
    with Image.open(tmp_path / "out" / jpeg.path) as im:
        assert tuple(round(c) for c in im.convert("RGB").getpixel((5, 5))) == (255, 255, 255)
    with Image.open(tmp_path / "out" / webp.path) as im:
        assert im.mode == "RGBA"


def test_output_bytes_are_deterministic(content, tmp_path):
    plant(content, "xuong.jpg")
    first = images.publish_images(content, tmp_path / "a", tmp_path / "cache-a")
    images.publish_images(content, tmp_path / "b", tmp_path / "cache-b")
    for variant in first.renditions[0].variants:
        assert (tmp_path / "a" / variant.path).read_bytes() == \
            (tmp_path / "b" / variant.path).read_bytes()


def test_cache_hit_does_not_reprocess(content, tmp_path, monkeypatch):
    plant(content, "xuong.jpg")
    calls = []
    render = images.render_variants
    monkeypatch.setattr(images, "render_variants",
                        lambda source, folder: calls.append(source.name) or render(source, folder))
    images.publish_images(content, tmp_path / "out1", tmp_path / "cache")
    images.publish_images(content, tmp_path / "out2", tmp_path / "cache")
    assert calls == ["xuong.jpg"]
    assert (tmp_path / "out1/images/e-04-0001/xuong-360.jpg").read_bytes() == \
        (tmp_path / "out2/images/e-04-0001/xuong-360.jpg").read_bytes()


def test_changed_photo_or_parameters_miss_the_cache(content, tmp_path, monkeypatch):
    source = plant(content, "xuong.jpg")
    first = images.cache_key(source)
    monkeypatch.setattr(images, "JPEG_QUALITY", 60)
    second = images.cache_key(source)
    source.write_bytes(encoded(photo_image(1200, 800).rotate(180), "JPEG"))
    assert len({first, second, images.cache_key(source)}) == 3


def test_unpublishable_photos_are_skipped(content, tmp_path):
    plant(content, "xuong.jpg")
    plant(content, "hong.jpg", corrupt_jpeg())
    plant(content, "khong-alt.jpg", meta={**SIDECAR, "alt_en": ""})
    index = images.publish_images(content, tmp_path / "out", tmp_path / "cache")
    assert [r.photo.source.name for r in index.renditions] == ["xuong.jpg"]


def test_phone_variant_of_a_large_photo_is_light(content, tmp_path):
    """A 4000 x 3000 phone photo: the 360 px variant a phone loads stays far below 200 KB."""
    plant(content, "lon.jpg", encoded(photo_image(4000, 3000), "JPEG", quality=95))
    index = images.publish_images(content, tmp_path / "out", tmp_path / "cache")
    smallest = [v for v in index.renditions[0].variants if v.width == 360]
    assert len(smallest) == 2
    for variant in smallest:
        assert (tmp_path / "out" / variant.path).stat().st_size <= 200 * 1024


# --- template data ---------------------------------------------------------------------------


def test_picture_context(published):
    _, index = published
    context = images.picture_context(index.renditions[0], "en", site_url="https://x.org")
    assert {k: v for k, v in context.items() if k != "variants"} == {
        "webp_srcset": "https://x.org/images/e-04-0001/xuong-360.webp 360w, "
                       "https://x.org/images/e-04-0001/xuong-720.webp 720w, "
                       "https://x.org/images/e-04-0001/xuong-1080.webp 1080w",
        "jpeg_srcset": "https://x.org/images/e-04-0001/xuong-360.jpg 360w, "
                       "https://x.org/images/e-04-0001/xuong-720.jpg 720w, "
                       "https://x.org/images/e-04-0001/xuong-1080.jpg 1080w",
        "src": "https://x.org/images/e-04-0001/xuong-720.jpg", "sizes": images.SIZES,
        "width": 1080, "height": 720, "large": "https://x.org/images/e-04-0001/xuong-1080.jpg",
        "alt": "The bamboo-splitting workshop", "caption": "The new splitting machine",
        "credit": "Trung tâm Khuyến công", "licence": "CC-BY-4.0", "date_taken": "2024-05-01",
        "illustration": False,
    }
    assert [v["width"] for v in context["variants"]] == [360, 720, 1080]


@pytest.mark.parametrize(("lang", "expected"), [("vi", "Xưởng chẻ tre"),
                                                ("en", "The bamboo-splitting workshop")])
def test_alt_in_the_page_language(published, lang, expected):
    _, index = published
    assert expected == images.picture_context(index.renditions[0], lang)["alt"]


@pytest.mark.parametrize(("flags", "expected_cover"), [
    ({}, "a"),
    ({"a": {"illustration": True}}, "b"),
    ({"c": {"cover": True}}, "c"),
    ({"a": {"illustration": True}, "b": {"illustration": True}, "c": {"illustration": True}},
     "a"),
])
def test_cover_choice(content, tmp_path, flags, expected_cover):
    for stem in "abc":
        plant(content, f"{stem}.png", encoded(photo_image(400, 300), "PNG"),
              meta={**SIDECAR, **flags.get(stem, {})})
    index = images.publish_images(content, tmp_path / "out", tmp_path / "cache")
    gallery = index.of("establishment", "e-04-0001")
    assert expected_cover == gallery[0].photo.stem
    assert sorted(r.photo.stem for r in gallery) == ["a", "b", "c"]
    cover = index.cover("establishment", "e-04-0001", "vi")
    assert f"/images/e-04-0001/{expected_cover}-360.jpg" == cover["og_image"]
    assert None is index.cover("establishment", "e-04-0002", "vi")


def test_story_photos_are_indexed_by_slug(content, tmp_path):
    plant(content, "a.jpg", folder="stories/tre-hoa-an")
    index = images.publish_images(content, tmp_path / "out", tmp_path / "cache")
    gallery = index.gallery("story", "tre-hoa-an", "vi")
    assert [g["src"] for g in gallery] == ["/images/stories/tre-hoa-an/a-720.jpg"]
    assert gallery[0]["sizes"] == images.GALLERY_SIZES
