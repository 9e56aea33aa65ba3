"""Photo variants: no metadata published, never upscaled, deterministic, cached; template data."""

from __future__ import annotations

from pathlib import Path

import pytest
from photo_samples import GPS_IFD, SIDECAR, encoded, exif_with_gps, photo_image, plant
from PIL import Image, ImageCms

from pipeline import image_variants as variants


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """An empty content folder, as in a fresh checkout before any photo is added."""
    folder = tmp_path / "content"
    (folder / "stories").mkdir(parents=True)
    return folder


def corrupt_jpeg() -> bytes:
    whole = encoded(photo_image(400, 300), "JPEG")
    return whole[: len(whole) // 2]


# --- processing ------------------------------------------------------------------------------


@pytest.fixture
def published(content, tmp_path):
    """The planted EXIF+GPS photo published into tmp_path/output with a fresh cache."""
    plant(content, "xuong.jpg")
    index = variants.publish_images(content, tmp_path / "output", tmp_path / "cache")
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
    assert expected == variants.variant_widths(source_width)


def test_exif_orientation_is_applied_before_stripping(content, tmp_path):
    """A phone held upright stores a landscape sensor image plus 'rotate 90°' (6)."""
    data = encoded(photo_image(800, 600), "JPEG", exif=exif_with_gps(orientation=6))
    plant(content, "dung.jpg", data)
    index = variants.publish_images(content, tmp_path / "out", tmp_path / "cache")
    sizes = [(v.width, v.height) for v in index.renditions[0].variants]
    assert sizes == [(360, 480), (360, 480)]


def test_non_srgb_profile_is_converted_then_dropped(content, tmp_path):
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb_im = Image.new("RGB", (400, 300), (200, 40, 40))
    plant(content, "mau.png", encoded(srgb_im, "PNG", icc_profile=lab))
    index = variants.publish_images(content, tmp_path / "out", tmp_path / "cache")
    with Image.open(tmp_path / "out" / index.renditions[0].variants[1].path) as im:
        assert None is im.info.get("icc_profile")


def test_transparent_png_is_flattened_on_white_in_jpeg(content, tmp_path):
    plant(content, "trong.png", encoded(Image.new("RGBA", (400, 300), (0, 0, 0, 0)), "PNG"))
    index = variants.publish_images(content, tmp_path / "out", tmp_path / "cache")
    webp, jpeg = index.renditions[0].variants
    with Image.open(tmp_path / "out" / jpeg.path) as im:
        assert tuple(round(c) for c in im.convert("RGB").getpixel((5, 5))) == (255, 255, 255)
    with Image.open(tmp_path / "out" / webp.path) as im:
        assert im.mode == "RGBA"


def test_output_bytes_are_deterministic(content, tmp_path):
    plant(content, "xuong.jpg")
    first = variants.publish_images(content, tmp_path / "a", tmp_path / "cache-a")
    variants.publish_images(content, tmp_path / "b", tmp_path / "cache-b")
    for variant in first.renditions[0].variants:
        assert (tmp_path / "a" / variant.path).read_bytes() == \
            (tmp_path / "b" / variant.path).read_bytes()


def test_cache_hit_does_not_reprocess(content, tmp_path, monkeypatch):
    plant(content, "xuong.jpg")
    calls = []
    render = variants.render_variants
    monkeypatch.setattr(variants, "render_variants",
                        lambda source, folder: calls.append(source.name) or render(source, folder))
    variants.publish_images(content, tmp_path / "out1", tmp_path / "cache")
    variants.publish_images(content, tmp_path / "out2", tmp_path / "cache")
    assert calls == ["xuong.jpg"]
    assert (tmp_path / "out1/images/e-04-0001/xuong-360.jpg").read_bytes() == \
        (tmp_path / "out2/images/e-04-0001/xuong-360.jpg").read_bytes()


def test_changed_photo_or_parameters_miss_the_cache(content, tmp_path, monkeypatch):
    source = plant(content, "xuong.jpg")
    first = variants.cache_key(source)
    monkeypatch.setattr(variants, "JPEG_QUALITY", 60)
    second = variants.cache_key(source)
    source.write_bytes(encoded(photo_image(1200, 800).rotate(180), "JPEG"))
    assert len({first, second, variants.cache_key(source)}) == 3


def test_unpublishable_photos_are_skipped(content, tmp_path):
    plant(content, "xuong.jpg")
    plant(content, "hong.jpg", corrupt_jpeg())
    plant(content, "khong-alt.jpg", meta={**SIDECAR, "alt_en": ""})
    index = variants.publish_images(content, tmp_path / "out", tmp_path / "cache")
    assert [r.photo.source.name for r in index.renditions] == ["xuong.jpg"]


def test_phone_variant_of_a_large_photo_is_light(content, tmp_path):
    """A 4000 x 3000 phone photo: the 360 px variant a phone loads stays far below 200 KB."""
    plant(content, "lon.jpg", encoded(photo_image(4000, 3000), "JPEG", quality=95))
    index = variants.publish_images(content, tmp_path / "out", tmp_path / "cache")
    smallest = [v for v in index.renditions[0].variants if v.width == 360]
    assert len(smallest) == 2
    for variant in smallest:
        assert (tmp_path / "out" / variant.path).stat().st_size <= 200 * 1024


# --- template data ---------------------------------------------------------------------------


def test_picture_context(published):
    _, index = published
    context = variants.picture_context(index.renditions[0], "en", site_url="https://x.org")
    assert {k: v for k, v in context.items() if k != "variants"} == {
        "webp_srcset": "https://x.org/images/e-04-0001/xuong-360.webp 360w, "
                       "https://x.org/images/e-04-0001/xuong-720.webp 720w, "
                       "https://x.org/images/e-04-0001/xuong-1080.webp 1080w",
        "jpeg_srcset": "https://x.org/images/e-04-0001/xuong-360.jpg 360w, "
                       "https://x.org/images/e-04-0001/xuong-720.jpg 720w, "
                       "https://x.org/images/e-04-0001/xuong-1080.jpg 1080w",
        "src": "https://x.org/images/e-04-0001/xuong-720.jpg", "sizes": variants.SIZES,
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
    assert expected == variants.picture_context(index.renditions[0], lang)["alt"]


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
    index = variants.publish_images(content, tmp_path / "out", tmp_path / "cache")
    gallery = index.of("establishment", "e-04-0001")
    assert expected_cover == gallery[0].photo.stem
    assert sorted(r.photo.stem for r in gallery) == ["a", "b", "c"]
    cover = index.cover("establishment", "e-04-0001", "vi")
    assert f"/images/e-04-0001/{expected_cover}-360.jpg" == cover["og_image"]
    assert None is index.cover("establishment", "e-04-0002", "vi")


def test_story_photos_are_indexed_by_slug(content, tmp_path):
    plant(content, "a.jpg", folder="stories/tre-hoa-an")
    index = variants.publish_images(content, tmp_path / "out", tmp_path / "cache")
    gallery = index.gallery("story", "tre-hoa-an", "vi")
    assert [g["src"] for g in gallery] == ["/images/stories/tre-hoa-an/a-720.jpg"]


@pytest.mark.parametrize(("count", "expected"), [(1, variants.SIZES),
                                                 (2, variants.GALLERY_SIZES)])
def test_one_photo_fills_the_column_several_form_a_grid(content, tmp_path, count, expected):
    for stem in "ab"[:count]:
        plant(content, f"{stem}.png", encoded(photo_image(400, 300), "PNG"))
    index = variants.index_images(content, tmp_path / "cache")
    gallery = index.gallery("establishment", "e-04-0001", "en")
    assert [expected] * count == [g["sizes"] for g in gallery]
