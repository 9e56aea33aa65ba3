"""Photos turned into light, metadata-free responsive variants, cached, and what templates need.

A 5 MB phone photo would be slow over 3G in the mountains and may carry the GPS position of a
household business owner's home, so nothing from ``content/images`` is published as is: each
photo that passed the checks (``pipeline/images.py``) is decoded, turned upright by its EXIF
orientation, converted to sRGB, rebuilt from raw pixels (so no EXIF, GPS, XMP, ICC profile or
comment survives) and encoded at a few widths as WebP plus a JPEG fallback. The bytes are
deterministic and cached under the source's content hash plus the processing parameters, so
an unchanged photo is not processed again.

``index_images`` (cache only) or ``publish_images`` (also copies into an output folder) give an
``ImageIndex``; ``ImageIndex.gallery``/``cover`` give the plain dicts the theme's
``components/picture.html`` and ``components/gallery.html`` macros take.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, ImageCms, ImageOps

from pipeline.images import (
    IMAGES_DIR,
    OwnerKind,
    Photo,
    check_file,
    check_sidecar,
    discover_photos,
    parse_date,
    relative_name,
)

# Widths (px) of the published variants: a 360 px phone at 1x, the same phone at 2x or a
# tablet column, a 3x phone, and a wide desktop. Never upscaled beyond the source width.
WIDTHS = (360, 720, 1080, 1600)
# Quality settings chosen so the 360 px variant of a busy photo stays far below 200 KB
# (measured: tens of KB) while text on a sign remains readable at 1080 px.
WEBP_QUALITY = 78
JPEG_QUALITY = 80
# The `sizes` attribute for a photo in the main text column (max 48rem wide in the theme).
SIZES = "(min-width: 50rem) 48rem, 100vw"
# A photo in a gallery grid: one per row on a phone, 15rem-wide cells on a wider screen.
GALLERY_SIZES = "(min-width: 50rem) 15rem, 100vw"
# The JPEG `src` for a browser without srcset support: enough for any phone screen.
FALLBACK_WIDTH = 720
# Link previews (Open Graph) want about 1200 px wide; the 1080 px JPEG is the nearest variant.
OG_WIDTH = 1080
# Bumped whenever the processing below changes, so cached variants are made again.
PROCESSING_VERSION = 1


@dataclass(frozen=True)
class Variant:
    """One published file: its path under the site root, its pixel size, its cached bytes."""

    path: str
    width: int
    height: int
    format: str
    file: Path


@dataclass(frozen=True)
class Rendition:
    """A processed photo: its source and sidecar plus every published variant."""

    photo: Photo
    variants: tuple[Variant, ...]

    def of_format(self, fmt: str) -> list[Variant]:
        return [v for v in self.variants if v.format == fmt]


# --- processing ------------------------------------------------------------------------------


def processing_parameters() -> dict:
    """Everything that changes the output bytes; part of the cache key."""
    return {"widths": WIDTHS, "webp_quality": WEBP_QUALITY, "jpeg_quality": JPEG_QUALITY,
            "version": PROCESSING_VERSION, "pillow": PIL.__version__}


def cache_key(source: Path) -> str:
    """The source file's content hash plus the processing parameters."""
    digest = hashlib.sha256(source.read_bytes())
    digest.update(json.dumps(processing_parameters(), sort_keys=True).encode())
    return digest.hexdigest()[:32]


def variant_widths(source_width: int) -> list[int]:
    """The standard widths no wider than the source; the source width if it is narrower."""
    widths = [w for w in WIDTHS if w <= source_width]
    return widths or [source_width]


def to_srgb(im: Image.Image) -> Image.Image:
    """Pixels converted to sRGB when the photo carries another colour profile.

    Browsers assume sRGB for an untagged image, so after this conversion the profile can be
    dropped with the rest of the metadata; a profile that cannot be read is dropped as is.
    """
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if im.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"),
                                         outputMode=mode)
    except (ImageCms.PyCMSError, OSError):
        return im


def upright_pixels(path: Path) -> Image.Image:
    """The decoded photo, turned by its EXIF orientation, in sRGB, with no metadata at all.

    The result is rebuilt from raw pixels, so no EXIF, GPS, XMP, ICC or comment from the
    source can travel with it into an encoder.
    """
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        im = to_srgb(im)
        has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
        im = im.convert("RGBA" if has_alpha else "RGB")
        return Image.frombytes(im.mode, im.size, im.tobytes())


def resized(im: Image.Image, width: int) -> Image.Image:
    """The image scaled to ``width`` keeping its aspect ratio (never wider than it is)."""
    if width >= im.width:
        return im
    height = max(1, round(im.height * width / im.width))
    return im.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def flattened(im: Image.Image) -> Image.Image:
    """JPEG has no transparency: transparent areas become white."""
    if im.mode != "RGBA":
        return im
    background = Image.new("RGB", im.size, (255, 255, 255))
    background.paste(im, mask=im.getchannel("A"))
    return background


def encode(im: Image.Image, fmt: str) -> bytes:
    """Deterministic bytes with no metadata: no exif, icc_profile or xmp arguments given."""
    buffer = io.BytesIO()
    if fmt == "webp":
        im.save(buffer, "WEBP", quality=WEBP_QUALITY, method=6)
    else:
        flattened(im).save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True,
                           progressive=True, subsampling="4:2:0")
    return buffer.getvalue()


def render_variants(source: Path, folder: Path) -> list[dict]:
    """Write every variant of one photo into ``folder``; return their widths and heights."""
    im = upright_pixels(source)
    manifest = []
    for width in variant_widths(im.width):
        small = resized(im, width)
        for fmt in ("webp", "jpg"):
            (folder / f"{small.width}.{fmt}").write_bytes(encode(small, fmt))
        manifest.append({"width": small.width, "height": small.height})
    return manifest


def cached_variants(source: Path, cache_dir: Path) -> tuple[Path, list[dict]]:
    """The cache folder of this photo, processed now only if it is not there yet.

    Written to a temporary folder and renamed, so an interrupted build leaves no half entry.
    """
    entry = cache_dir / cache_key(source)
    manifest = entry / "manifest.json"
    if manifest.is_file():
        return entry, json.loads(manifest.read_text(encoding="utf-8"))
    cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".tmp-"))
    sizes = render_variants(source, work)
    (work / "manifest.json").write_text(json.dumps(sizes), encoding="utf-8")
    try:
        work.rename(entry)
    except OSError:  # another build finished the same photo first
        shutil.rmtree(work, ignore_errors=True)
    return entry, sizes


def process_photo(photo: Photo, cache_dir: Path) -> Rendition:
    """The variants of one photo, processed into the cache unless they are there already."""
    entry, sizes = cached_variants(photo.source, cache_dir)
    variants = []
    for size in sizes:
        for fmt in ("webp", "jpg"):
            path = f"{IMAGES_DIR}/{photo.folder}/{photo.stem}-{size['width']}.{fmt}"
            variants.append(Variant(path, size["width"], size["height"],
                                    "jpeg" if fmt == "jpg" else fmt,
                                    entry / f"{size['width']}.{fmt}"))
    return Rendition(photo, tuple(variants))


def publishable(photo: Photo, content_dir: Path) -> bool:
    """A photo the build may process: it decodes, within limits, with a complete sidecar."""
    file = relative_name(photo.source, content_dir)
    sidecar = relative_name(photo.sidecar, content_dir)
    problems = check_file(photo.source, file) + check_sidecar(photo, file, sidecar)
    return not any(p.severity == "error" for p in problems)


def index_images(content_dir: Path, cache_dir: Path) -> ImageIndex:
    """Every publishable photo processed (or found in the cache), indexed by owner."""
    content_dir = Path(content_dir)
    return ImageIndex([process_photo(photo, Path(cache_dir))
                       for photo in discover_photos(content_dir)
                       if publishable(photo, content_dir)])


def publish_images(content_dir: Path, out_dir: Path, cache_dir: Path) -> ImageIndex:
    """``index_images``, with every variant copied to ``out_dir/images/<folder>/``."""
    index = index_images(content_dir, cache_dir)
    for rendition in index.renditions:
        for variant in rendition.variants:
            target = Path(out_dir) / variant.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(variant.file, target)
    return index


# --- what templates need ---------------------------------------------------------------------


def srcset(variants: list[Variant], site_url: str) -> str:
    return ", ".join(f"{site_url}/{v.path} {v.width}w" for v in variants)


def text(meta: dict, name: str, lang: str) -> str:
    """The field in the page's language, falling back to the other language."""
    other = "en" if lang == "vi" else "vi"
    return str(meta.get(f"{name}_{lang}") or meta.get(f"{name}_{other}") or "")


def widest_within(variants: list[Variant], limit: int) -> Variant:
    """The widest variant no wider than ``limit``; the narrowest if all are wider."""
    fitting = [v for v in variants if v.width <= limit]
    return fitting[-1] if fitting else variants[0]


def picture_context(rendition: Rendition, lang: str, site_url: str = "",
                    sizes: str = SIZES) -> dict:
    """Everything the picture and gallery macros need, in one plain dict."""
    webp, jpeg = rendition.of_format("webp"), rendition.of_format("jpeg")
    meta, largest = rendition.photo.meta, jpeg[-1]
    date = parse_date(meta["date_taken"]) if meta.get("date_taken") else None
    return {
        "webp_srcset": srcset(webp, site_url), "jpeg_srcset": srcset(jpeg, site_url),
        "sizes": sizes, "src": f"{site_url}/{widest_within(jpeg, FALLBACK_WIDTH).path}",
        "width": largest.width, "height": largest.height,
        "large": f"{site_url}/{largest.path}",
        "variants": [{"width": w.width, "height": w.height, "webp": f"{site_url}/{w.path}",
                      "jpeg": f"{site_url}/{j.path}"} for w, j in zip(webp, jpeg, strict=True)],
        "alt": text(meta, "alt", lang), "caption": text(meta, "caption", lang),
        "credit": str(meta.get("credit") or ""), "licence": str(meta.get("licence") or ""),
        "date_taken": date.isoformat() if date else None,
        "illustration": rendition.photo.is_illustration,
    }


def cover_of(renditions: list[Rendition]) -> Rendition | None:
    """The photo flagged ``cover: true``; else the first real photo; else the first one."""
    for choose in (lambda r: r.photo.is_cover, lambda r: not r.photo.is_illustration,
                   lambda r: True):
        found = next((r for r in renditions if choose(r)), None)
        if found:
            return found
    return None


@dataclass
class ImageIndex:
    """Processed photos grouped by owner: the gallery and cover of each page."""

    renditions: list[Rendition]

    def of(self, kind: OwnerKind, owner: str) -> list[Rendition]:
        """The owner's photos, the cover first, then by file name."""
        mine = [r for r in self.renditions if r.photo.kind == kind and r.photo.owner == owner]
        cover = cover_of(mine)
        return [cover, *(r for r in mine if r is not cover)] if cover else []

    def gallery(self, kind: OwnerKind, owner: str, lang: str,
                site_url: str = "") -> list[dict]:
        """Picture contexts, cover first; one photo fills the column, several form a grid."""
        photos = self.of(kind, owner)
        sizes = SIZES if len(photos) == 1 else GALLERY_SIZES
        return [picture_context(r, lang, site_url, sizes) for r in photos]

    def cover(self, kind: OwnerKind, owner: str, lang: str, site_url: str = "",
              sizes: str = SIZES) -> dict | None:
        """The cover's picture context, with ``og_image``: the 1080 px JPEG for link previews."""
        photos = self.of(kind, owner)
        if not photos:
            return None
        context = picture_context(photos[0], lang, site_url, sizes)
        og = widest_within(photos[0].of_format("jpeg"), OG_WIDTH)
        return {**context, "og_image": f"{site_url}/{og.path}", "og_width": og.width,
                "og_height": og.height}
