"""Photos on the built site: a tiny site with a phone photo (GPS and camera EXIF) built for real.

Checks what a reader and a household business owner care about: no published image carries
metadata, every <img> has alt text, width and height, and what a 360 px phone loads is light.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from photo_samples import GPS_IFD, SIDECAR, encoded, exif_with_gps, photo_image, plant
from PIL import Image

from pipeline import image_pages
from pipeline.build import build, validate
from pipeline.site_settings import with_defaults

ROOT = Path(__file__).resolve().parent.parent
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".heic"}
PHONE_LIMIT = 200 * 1024
STORY = ("Title: {title}\nDate: 2025-11-03\nSlug: tre-hoa-an\nLang: {lang}\n"
         "Establishment: e-04-0001\nSummary: {title}.\n\n{title}.\n")


def settings_file(folder: Path) -> Path:
    """The project's own pelicanconf.py, with the theme found from a temporary folder."""
    path = folder / "settings.py"
    path.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from pelicanconf import *  # noqa: F403\n"
        f"THEME = {str(ROOT / 'theme')!r}\n", encoding="utf-8")
    return path


def test_photo_module_is_built_by_default():
    assert "pipeline.image_pages" in with_defaults({})["KC_PAGE_MODULES"]


def tiny_content(folder: Path) -> Path:
    """A story in both languages about the showcase establishment, and three photos:
    a 4000 x 3000 phone JPEG with GPS and camera EXIF, a PNG, and one for the story."""
    (folder / "stories").mkdir(parents=True)
    (folder / "pages").mkdir()
    for suffix, lang, title in (("", "vi", "Tre Hòa An"), (".en", "en", "Hòa An bamboo")):
        (folder / f"stories/tre-hoa-an{suffix}.md").write_text(
            STORY.format(title=title, lang=lang), encoding="utf-8")
    big = io.BytesIO()
    photo_image(4000, 3000).save(big, "JPEG", quality=95, exif=exif_with_gps())
    plant(folder, "a-xuong.jpg", big.getvalue(), meta={**SIDECAR, "cover": True})
    plant(folder, "b-may.png", encoded(photo_image(900, 600), "PNG"))
    plant(folder, "c.jpg", folder="stories/tre-hoa-an")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The tiny package and content built with the project's settings and theme, once."""
    from conftest import TINY, write_package

    root = tmp_path_factory.mktemp("photo-site")
    data = write_package(root / "data", TINY)
    content = tiny_content(root / "content")
    package, report = validate(data, content)
    assert report.ok, [p.to_dict() for p in report.errors]
    build(package, settings_file(root), root / "output", content)
    return root / "output"


def pages(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def published_images(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def test_no_published_image_carries_metadata(built):
    files = published_images(built)
    assert len(files) >= 16
    for path in files:
        with Image.open(path) as im:
            found = (dict(im.getexif()), im.getexif().get_ifd(GPS_IFD),
                     im.info.get("icc_profile"), im.info.get("xmp"))
        assert found == ({}, {}, None, None), path
        data = path.read_bytes()
        assert [m for m in (b"Exif", b"Canon", "Nông".encode(), b"xmpmeta") if m in data] == []


def test_sources_and_sidecars_are_not_published(built):
    published = {p.relative_to(built).as_posix() for p in built.rglob("*")
                 if "images" in p.parts}
    leaked = {p for p in published if p.endswith((".yaml", "a-xuong.jpg", "b-may.png"))}
    assert leaked == set()


def test_project_settings_never_copy_content_images():
    from pelican.settings import read_settings

    assert "images" not in read_settings(str(ROOT / "pelicanconf.py"))["STATIC_PATHS"]


@pytest.mark.parametrize(("url", "expected_photos"), [
    ("establishments/e-04-0001/index.html", 2), ("en/establishments/e-04-0001/index.html", 2),
    ("stories/tre-hoa-an/index.html", 1), ("en/stories/tre-hoa-an/index.html", 1),
    ("establishments/e-04-0002/index.html", 0),
])
def test_pages_show_their_photos(built, url, expected_photos):
    soup = BeautifulSoup((built / url).read_text(encoding="utf-8"), "html.parser")
    assert expected_photos == len(soup.select("picture img"))


def test_alt_text_follows_the_page_language(built):
    def alts(url: str) -> list[str]:
        soup = BeautifulSoup((built / url).read_text(encoding="utf-8"), "html.parser")
        return [img["alt"] for img in soup.select("picture img")]

    assert [SIDECAR["alt_vi"]] * 2 == alts("establishments/e-04-0001/index.html")
    assert [SIDECAR["alt_en"]] * 2 == alts("en/establishments/e-04-0001/index.html")


def test_every_img_has_alt_width_and_height(built):
    missing = []
    for page in pages(built):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for img in soup.find_all("img"):
            if not (img.get("alt", "").strip() and img.get("width") and img.get("height")):
                missing.append((page.relative_to(built).as_posix(), str(img)[:80]))
    assert missing == []


def srcset_files(soup: BeautifulSoup) -> list[tuple[int, str]]:
    """(width, address) of every candidate in every srcset on the page."""
    candidates = []
    for tag in soup.select("img[srcset], source[srcset]"):
        for item in tag["srcset"].split(","):
            address, width = item.split()
            candidates.append((int(width.removesuffix("w")), address))
    return candidates


def test_what_a_360px_phone_loads_is_at_most_200_kb(built):
    """For each srcset, the smallest candidate (what a 360 px phone at 1x picks) is light."""
    checked = 0
    for page in pages(built):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.select("img[srcset], source[srcset]"):
            width, address = min(srcset_files(BeautifulSoup(str(tag), "html.parser")))
            assert width <= 360
            assert (built / address.lstrip("/")).stat().st_size <= PHONE_LIMIT, address
            checked += 1
    assert checked >= 10


def test_every_srcset_candidate_and_link_exists(built):
    soup = BeautifulSoup((built / "establishments/e-04-0001/index.html").read_text(
        encoding="utf-8"), "html.parser")
    addresses = [a for _, a in srcset_files(soup)]
    addresses += [a["href"] for a in soup.select("a.kc-gallery__link")]
    addresses += [img["src"] for img in soup.select("picture img")]
    assert addresses
    assert [a for a in addresses if not (built / a.lstrip("/")).is_file()] == []


def test_first_photo_loads_at_once_the_rest_lazily(built):
    soup = BeautifulSoup((built / "establishments/e-04-0001/index.html").read_text(
        encoding="utf-8"), "html.parser")
    found = [(img.get("loading"), img.get("fetchpriority"), img.get("decoding"))
             for img in soup.select("picture img")]
    assert found == [(None, "high", "async"), ("lazy", None, "async")]


def test_cover_is_the_open_graph_image(built):
    soup = BeautifulSoup((built / "establishments/e-04-0001/index.html").read_text(
        encoding="utf-8"), "html.parser")
    og = soup.find("meta", property="og:image")["content"]
    assert og == "/images/e-04-0001/a-xuong-1080.jpg"
    assert (built / og.lstrip("/")).is_file()


def test_gallery_has_captions_credits_and_links_without_javascript(built):
    soup = BeautifulSoup((built / "en/establishments/e-04-0001/index.html").read_text(
        encoding="utf-8"), "html.parser")
    figures = soup.select(".kc-gallery figure")
    assert len(figures) == 2
    for figure in figures:
        caption = figure.find("figcaption").get_text(" ", strip=True)
        assert SIDECAR["caption_en"] in caption and SIDECAR["credit"] in caption
        assert re.fullmatch(r"/images/e-04-0001/[a-z-]+-\d+\.jpg",
                            figure.find("a")["href"])
    assert not soup.select(".kc-gallery script")


def test_second_build_uses_the_cache(built, tmp_path, monkeypatch):
    """Same sources, new output: the photos come from the cache, not from Pillow again."""
    from pipeline import image_variants

    monkeypatch.setattr(image_variants, "render_variants",
                        lambda *args: pytest.fail("processed again"))
    content = built.parent / "content"
    index = image_variants.index_images(content, image_pages.cache_dir(content))
    assert len(index.renditions) == 3


def test_cache_lives_beside_content(tmp_path):
    content = tmp_path / "project" / "content"
    assert tmp_path / "project" / ".cache" / "images" == image_pages.cache_dir(content)


@pytest.mark.parametrize("partial", ["photos.html", "og_image.html"])
def test_partials_read_the_key_the_builder_memoises_under(partial):
    text = (ROOT / "theme/templates/components" / partial).read_text(encoding="utf-8")
    assert f'site.cache.get("{image_pages.INDEX_KEY}")' in text
