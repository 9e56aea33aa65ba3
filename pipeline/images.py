"""Photos for showcase pages: find them, check them, and turn them into light, clean variants.

Staff drop phone photos into ``content/images/<establishment-id>/`` or
``content/images/stories/<story-slug>/``, each with a YAML sidecar ``<photo-stem>.yaml`` that
holds alt text in both languages, caption, credit and licence. A 5 MB photo straight from a
phone would be slow over 3G in the mountains and may carry the GPS position of a household
business owner's home, so nothing from ``content/images`` is published as is: every photo is
decoded, turned upright, converted to sRGB, re-encoded without any metadata into a few widths
(WebP plus a JPEG fallback), and cached by content hash so an unchanged photo is not redone.

Stages: ``discover_photos`` -> ``check_images`` (problems as values, used by validation) ->
``process_photo`` / ``publish_images`` (build) -> ``picture_context`` (what a template needs).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import PIL
import yaml
from PIL import Image, ImageCms, ImageOps

from pipeline.report import Problem
from pipeline.stories import read_stories

IMAGES_DIR = "images"
STORIES_DIR = "stories"
SIDECAR_SUFFIX = ".yaml"

# Formats a browser shows everywhere and Pillow decodes safely; decided by the decoded format,
# not the file name, so a PNG saved as .jpg still works (with a warning) and a HEIC does not.
ACCEPTED_FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "WEBP": (".webp",)}
# A current phone photo is 2-12 MB; 20 MB leaves room for a careful camera JPEG but stops RAW
# files, TIFF scans and accidental videos from reaching the repository.
MAX_BYTES = 20 * 1024 * 1024
# A 48-megapixel phone sensor gives 8000 x 6000 = 48 MP; decoding 50 MP as RGB takes about
# 150 MB of memory, which a CI runner has. Checked from the header, before decoding, so a
# "decompression bomb" is refused without being decoded.
MAX_PIXELS = 50_000_000

# Widths (px) of the published variants: a 360 px phone at 1x, the same phone at 2x or a
# tablet column, a 3x phone, and a wide desktop. Never upscaled beyond the source width.
WIDTHS = (360, 720, 1080, 1600)
# Quality settings chosen so the 360 px variant of a busy photo stays far below 200 KB
# (measured: tens of KB) while text on a sign remains readable at 1080 px.
WEBP_QUALITY = 78
JPEG_QUALITY = 80
# The `sizes` attribute for a photo in the main text column (max 48rem wide in the theme).
SIZES = "(min-width: 50rem) 48rem, 100vw"
# Thumbnails in a gallery grid: two per row on a phone, about four across a desktop column.
GALLERY_SIZES = "(min-width: 50rem) 15rem, 50vw"
# The JPEG `src` for a browser without srcset support: enough for any phone screen.
FALLBACK_WIDTH = 720
# Link previews (Open Graph) want about 1200 px wide; the 1080 px JPEG is the nearest variant.
OG_WIDTH = 1080
# Bumped whenever the processing below changes, so cached variants are made again.
PROCESSING_VERSION = 1

REQUIRED_FIELDS = ("alt_vi", "alt_en", "credit", "licence")
OPTIONAL_FIELDS = ("caption_vi", "caption_en", "date_taken", "illustration", "cover")
BOOLEAN_FIELDS = ("illustration", "cover")

OwnerKind = Literal["establishment", "story"]


@dataclass(frozen=True)
class Photo:
    """One photo file found under content/images, with its sidecar read (empty if absent)."""

    source: Path
    kind: OwnerKind
    owner: str
    meta: dict = field(default_factory=dict, compare=False)
    sidecar_found: bool = True

    @property
    def stem(self) -> str:
        return self.source.stem

    @property
    def folder(self) -> str:
        """Where the variants go under output/images: the same folder as in content/images."""
        return self.owner if self.kind == "establishment" else f"{STORIES_DIR}/{self.owner}"

    @property
    def sidecar(self) -> Path:
        return self.source.with_suffix(SIDECAR_SUFFIX)

    @property
    def is_cover(self) -> bool:
        return self.meta.get("cover") is True

    @property
    def is_illustration(self) -> bool:
        return self.meta.get("illustration") is True


@dataclass(frozen=True)
class Variant:
    """One published file: its path under the site root and its pixel size."""

    path: str
    width: int
    height: int
    format: str


@dataclass(frozen=True)
class Rendition:
    """A processed photo: its source and sidecar plus every published variant."""

    photo: Photo
    variants: tuple[Variant, ...]

    def of_format(self, fmt: str) -> list[Variant]:
        return [v for v in self.variants if v.format == fmt]


# --- discovery -------------------------------------------------------------------------------


def relative_name(path: Path, content_dir: Path) -> str:
    """A path as staff see it in the repository: content/images/e-04-0001/xuong.jpg."""
    try:
        return str(path.relative_to(content_dir.parent))
    except ValueError:
        return str(path)


def owner_folders(content_dir: Path) -> Iterable[tuple[OwnerKind, str, Path]]:
    """Every establishment folder and every story folder under content/images, sorted."""
    root = content_dir / IMAGES_DIR
    if not root.is_dir():
        return
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name == STORIES_DIR:
            for story in sorted(p for p in folder.iterdir() if p.is_dir()):
                yield "story", story.name, story
        else:
            yield "establishment", folder.name, folder


def photo_files(folder: Path) -> list[Path]:
    """Every file that is not a sidecar or hidden: each is a photo candidate to check."""
    return sorted(p for p in folder.iterdir() if p.is_file()
                  and p.suffix.lower() != SIDECAR_SUFFIX and not p.name.startswith("."))


def read_sidecar(path: Path) -> tuple[dict | None, str | None]:
    """The sidecar mapping with NFC text, or the reason it cannot be read."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, str(exc).splitlines()[0]
    if not isinstance(data, dict):
        return None, "not a mapping of field: value"
    return {str(k): unicodedata.normalize("NFC", v) if isinstance(v, str) else v
            for k, v in data.items()}, None


def discover_photos(content_dir: Path) -> list[Photo]:
    """All photos under content/images in a stable order (owner folder, then file name)."""
    photos = []
    for kind, owner, folder in owner_folders(content_dir):
        for source in photo_files(folder):
            sidecar = source.with_suffix(SIDECAR_SUFFIX)
            meta = read_sidecar(sidecar)[0] if sidecar.is_file() else None
            photos.append(Photo(source, kind, owner, meta or {}, sidecar.is_file()))
    return photos


def story_establishments(content_dir: Path) -> dict[str, str | None]:
    """Story slug -> the establishment it is about, from the stories' header lines."""
    stories: dict[str, str | None] = {}
    for story in read_stories(content_dir / STORIES_DIR):
        meta = story["metadata"]
        slug = meta.get("slug") or story["path"].name.split(".")[0]
        stories[slug] = meta.get("establishment") or stories.get(slug)
    return stories


# --- checks ----------------------------------------------------------------------------------


def problem(kind: str, file: str, vi: str, en: str, severity="error", **position) -> Problem:
    return Problem(type=kind, file=file, message_vi=vi, message_en=en, resource="images",
                   severity=severity, **position)


def check_file(path: Path, file: str) -> list[Problem]:
    """Format by decoded content, size limits, and a full decode; the first failure only."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        return [problem(
            "image-too-large", file,
            f"Ảnh nặng {size / 1e6:.1f} MB, vượt giới hạn {MAX_BYTES / 1e6:.0f} MB. "
            "Cách sửa: xuất lại ảnh JPEG nhỏ hơn.",
            f"The photo is {size / 1e6:.1f} MB, over the {MAX_BYTES / 1e6:.0f} MB limit. "
            "Fix: export a smaller JPEG.", value=str(size))]
    try:
        with Image.open(path) as im:
            fmt, (width, height) = im.format, im.size
            if fmt not in ACCEPTED_FORMATS:
                return [unsupported(file, fmt)]
            if width * height > MAX_PIXELS:
                return [too_many_pixels(file, width, height)]
            im.load()
    except (Image.UnidentifiedImageError, Image.DecompressionBombError):
        return [unsupported(file, None)]
    except (OSError, SyntaxError, ValueError) as exc:
        return [problem(
            "image-decode-error", file,
            "Không đọc được ảnh (tệp hỏng hoặc chép chưa hết). Cách sửa: chép lại tệp gốc.",
            "The photo cannot be decoded (damaged or partly copied). Fix: copy the original "
            "again.", value=str(exc)[:120])]
    return extension_mismatch(path, file, fmt)


def unsupported(file: str, fmt: str | None) -> Problem:
    found = fmt or "không phải ảnh / not an image"
    return problem(
        "image-unsupported-format", file,
        f"Định dạng {found} không được nhận; chỉ nhận JPEG, PNG, WebP. Cách sửa: xuất lại "
        "ảnh dưới dạng JPEG (ảnh HEIC của iPhone cũng cần chuyển sang JPEG).",
        f"Format {found} is not accepted; only JPEG, PNG and WebP are. Fix: export the photo "
        "as JPEG (iPhone HEIC photos too).", value=fmt)


def too_many_pixels(file: str, width: int, height: int) -> Problem:
    return problem(
        "image-too-many-pixels", file,
        f"Ảnh {width}×{height} điểm ảnh, vượt giới hạn {MAX_PIXELS // 1_000_000} triệu. "
        "Cách sửa: thu nhỏ ảnh (2000 điểm ảnh chiều ngang là đủ).",
        f"The photo is {width}×{height} pixels, over the {MAX_PIXELS // 1_000_000} megapixel "
        "limit. Fix: resize it (2000 pixels wide is plenty).", value=f"{width}x{height}")


def extension_mismatch(path: Path, file: str, fmt: str) -> list[Problem]:
    """A PNG named .jpg is accepted (we re-encode anyway), but staff should know."""
    if path.suffix.lower() in ACCEPTED_FORMATS[fmt]:
        return []
    return [problem(
        "image-extension-mismatch", file,
        f"Tệp có đuôi '{path.suffix}' nhưng thực chất là {fmt}. Ảnh vẫn được dùng; nên đổi "
        "đuôi cho đúng.",
        f"The file is named '{path.suffix}' but is really {fmt}. It is still used; consider "
        "renaming it.", severity="warning", value=fmt)]


def check_sidecar(photo: Photo, file: str, sidecar: str) -> list[Problem]:
    """The sidecar exists, reads as YAML and has alt text in both languages, credit, licence."""
    if not photo.sidecar_found:
        return [problem(
            "image-missing-sidecar", file,
            f"Thiếu tệp mô tả {photo.sidecar.name} (văn bản thay thế, chú thích, tác giả).",
            f"The description file {photo.sidecar.name} (alt text, caption, credit) is "
            "missing.", value=photo.sidecar.name)]
    _, error = read_sidecar(photo.sidecar)
    if error:
        return [problem("image-sidecar-invalid", sidecar,
                        f"Tệp mô tả không đọc được: {error}",
                        f"The description file cannot be read: {error}")]
    return [*missing_fields(photo, file), *field_values(photo, sidecar)]


def missing_fields(photo: Photo, file: str) -> list[Problem]:
    """Alt text in both languages, credit and licence: each missing one named."""
    problems = []
    for name in REQUIRED_FIELDS:
        value = photo.meta.get(name)
        if isinstance(value, str) and value.strip():
            continue
        kind = "image-missing-alt" if name.startswith("alt_") else "image-missing-" + name
        problems.append(problem(
            kind, file,
            f"Ảnh thiếu '{name}' trong {photo.sidecar.name}. Văn bản thay thế mô tả ảnh cho "
            "người dùng trình đọc màn hình; tác giả và giấy phép cho phép đăng ảnh.",
            f"The photo has no '{name}' in {photo.sidecar.name}. Alt text describes the photo "
            "to screen-reader users; credit and licence make it publishable.", field=name))
    return problems


def field_values(photo: Photo, sidecar: str) -> list[Problem]:
    """Booleans are booleans, the date is a date, and unknown keys (typos) are flagged."""
    problems = []
    for name in BOOLEAN_FIELDS:
        if name in photo.meta and not isinstance(photo.meta[name], bool):
            problems.append(problem("image-bad-field", sidecar,
                                    f"'{name}' phải là true hoặc false.",
                                    f"'{name}' must be true or false.", field=name,
                                    value=str(photo.meta[name])))
    if "date_taken" in photo.meta and parse_date(photo.meta["date_taken"]) is None:
        problems.append(problem("image-bad-field", sidecar,
                                "'date_taken' phải có dạng YYYY-MM-DD.",
                                "'date_taken' must look like YYYY-MM-DD.", field="date_taken",
                                value=str(photo.meta["date_taken"])))
    for name in sorted(set(photo.meta) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)):
        problems.append(problem("image-unknown-field", sidecar,
                                f"Trường '{name}' không được dùng (gõ nhầm?).",
                                f"Field '{name}' is not used (a typo?).", severity="warning",
                                field=name))
    return problems


def parse_date(value) -> dt.date | None:
    """A date from YAML (already a date) or from ISO text; None if it is neither."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def check_owner(photo: Photo, file: str, establishments: set[str] | None,
                stories: set[str]) -> list[Problem]:
    """The folder names an establishment id or a story slug that exists."""
    known = establishments if photo.kind == "establishment" else stories
    if known is None or photo.owner in known:
        return []
    what_vi, what_en = (("mã cơ sở", "establishment id") if photo.kind == "establishment"
                        else ("bài viết", "story slug"))
    return [problem("image-unknown-owner", file,
                    f"Thư mục '{photo.owner}' không khớp {what_vi} nào.",
                    f"Folder '{photo.owner}' matches no {what_en}.", value=photo.owner)]


def orphan_sidecars(content_dir: Path) -> list[Problem]:
    """A sidecar whose photo was deleted or renamed: its text would silently go unused."""
    problems = []
    for _, _, folder in owner_folders(content_dir):
        stems = {p.stem for p in photo_files(folder)}
        for sidecar in sorted(folder.glob("*" + SIDECAR_SUFFIX)):
            if sidecar.stem not in stems:
                problems.append(problem(
                    "image-orphan-sidecar", relative_name(sidecar, content_dir),
                    "Tệp mô tả không có ảnh đi kèm (ảnh bị xóa hoặc đổi tên?).",
                    "This description file has no photo (deleted or renamed?).",
                    severity="warning"))
    return problems


def duplicate_stems(photos: list[Photo], content_dir: Path) -> list[Problem]:
    """Two photos with one stem (a.jpg, a.png) would share one sidecar and one output name."""
    seen: dict[tuple[str, str], Photo] = {}
    problems = []
    for photo in photos:
        key = (photo.folder, photo.stem)
        if key in seen:
            problems.append(problem(
                "image-duplicate-name", relative_name(photo.source, content_dir),
                f"Trùng tên với {seen[key].source.name}. Cách sửa: đổi tên một trong hai ảnh.",
                f"Same name as {seen[key].source.name}. Fix: rename one of them."))
        seen.setdefault(key, photo)
    return problems


def showcase_without_photo(photos: list[Photo], showcase: Iterable[str]) -> list[Problem]:
    """A showcase page with no picture at all sells nothing: warn, with the fix."""
    covered = {p.owner for p in photos if p.kind == "establishment"}
    return [problem("image-showcase-without-photo", f"{IMAGES_DIR}/{eid}/",
                    "Cơ sở tiêu biểu chưa có ảnh. Cách sửa: thêm ảnh hoặc chạy "
                    "`python -m pipeline illustrations`.",
                    "This showcase establishment has no photo. Fix: add one, or run "
                    "`python -m pipeline illustrations`.", severity="warning", value=eid)
            for eid in sorted(set(showcase) - covered)]


def establishment_ids(package) -> tuple[set[str] | None, list[str]]:
    """Known establishment ids and the showcase ones; None when the package has none loaded."""
    frame = package.frames.get("establishments") if package is not None else None
    if frame is None:
        return None, []
    showcase = frame.loc[frame["showcase"].fillna(False).astype(bool), "establishment_id"]
    return set(frame["establishment_id"].dropna()), list(showcase.dropna())


def check_images(content_dir: Path, package=None) -> list[Problem]:
    """Every problem with the photos under content/images, each naming its file.

    ``package`` (from ``load_package``) lets the folder names be checked against
    establishment ids and shows which showcase establishments still have no photo.
    """
    content_dir = Path(content_dir)
    photos = discover_photos(content_dir)
    known, showcase = establishment_ids(package)
    stories = set(story_establishments(content_dir))
    problems = []
    for photo in photos:
        file = relative_name(photo.source, content_dir)
        problems += check_file(photo.source, file)
        problems += check_sidecar(photo, file, relative_name(photo.sidecar, content_dir))
        problems += check_owner(photo, file, known, stories)
    problems += duplicate_stems(photos, content_dir)
    problems += orphan_sidecars(content_dir)
    return problems + showcase_without_photo(photos, showcase)


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


def process_photo(photo: Photo, out_dir: Path, cache_dir: Path) -> Rendition:
    """Variants of one photo copied from the cache into ``out_dir/images/<folder>/``."""
    entry, sizes = cached_variants(photo.source, cache_dir)
    target = out_dir / IMAGES_DIR / photo.folder
    target.mkdir(parents=True, exist_ok=True)
    variants = []
    for size in sizes:
        for fmt in ("webp", "jpg"):
            name = f"{photo.stem}-{size['width']}.{fmt}"
            shutil.copyfile(entry / f"{size['width']}.{fmt}", target / name)
            variants.append(Variant(f"{IMAGES_DIR}/{photo.folder}/{name}", size["width"],
                                    size["height"], "jpeg" if fmt == "jpg" else fmt))
    return Rendition(photo, tuple(variants))


def publishable(photo: Photo, content_dir: Path) -> bool:
    """A photo the build may process: it decodes, within limits, with a complete sidecar."""
    file = relative_name(photo.source, content_dir)
    sidecar = relative_name(photo.sidecar, content_dir)
    problems = check_file(photo.source, file) + check_sidecar(photo, file, sidecar)
    return not any(p.severity == "error" for p in problems)


def publish_images(content_dir: Path, out_dir: Path, cache_dir: Path) -> ImageIndex:
    """Process every publishable photo into ``out_dir``; index them by owner for templates."""
    content_dir = Path(content_dir)
    renditions = [process_photo(photo, Path(out_dir), Path(cache_dir))
                  for photo in discover_photos(content_dir) if publishable(photo, content_dir)]
    return ImageIndex(renditions)


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

    def gallery(self, kind: OwnerKind, owner: str, lang: str, site_url: str = "",
                sizes: str = GALLERY_SIZES) -> list[dict]:
        return [picture_context(r, lang, site_url, sizes) for r in self.of(kind, owner)]

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
