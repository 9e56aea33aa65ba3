"""Photos in the build: every variant written as a shared file, and the index for templates.

Listed in the ``KC_PAGE_MODULES`` setting, this module registers one builder with the page
registry (``pipeline/pages.py``): it processes the photos under the content folder once per
build (the cache in ``<project>/.cache/images/`` makes an unchanged photo free) and yields each
variant as a shared ``Page`` with its bytes, so the generator writes ``images/...`` once for
both languages. The ``ImageIndex`` is kept in ``site.cache["images"]``, where the theme's
``components/photos.html`` partial finds an establishment's or a story's photos.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.image_variants import ImageIndex, index_images
from pipeline.pages import Page, SiteData, prepare, register

INDEX_KEY = "images"  # templates read site.cache["images"]: keep in step with photos.html
CACHE_DIR = Path(".cache") / "images"


def cache_dir(content_dir: Path) -> Path:
    """The project's (gitignored) cache: beside content/, so each checkout has its own."""
    return content_dir.resolve().parent / CACHE_DIR


@prepare("images")  # story templates read it from site.cache
def image_index(site: SiteData) -> ImageIndex:
    """The photos of this build, processed once however many builders or templates ask."""
    content = Path(site.settings["PATH"])
    return site.memo(INDEX_KEY, lambda: index_images(content, cache_dir(content)))


def variant_pages(index: ImageIndex) -> list[Page]:
    """One shared page per variant file, its bytes read from the cache."""
    return [Page(variant.path, None, {}, "image", rendition.photo.stem,
                 body=variant.file.read_bytes(), shared=True)
            for rendition in index.renditions for variant in rendition.variants]


@register("images")
def image_files(site: SiteData, lang: str) -> Iterator[Page]:
    """The variant files, built once and offered to every language (written once)."""
    yield from site.memo("image-pages", lambda: variant_pages(image_index(site)))
