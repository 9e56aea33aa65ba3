"""Photos for showcase pages: where they live, what their sidecar says, and their checks.

Staff drop phone photos into ``content/images/<establishment-id>/`` or
``content/images/stories/<story-slug>/``, each with a YAML sidecar ``<photo-stem>.yaml`` that
holds alt text in both languages, caption, credit and licence. A 5 MB photo straight from a
phone would be slow over 3G in the mountains and may carry the GPS position of a household
business owner's home, so nothing from ``content/images`` is published as is: every photo is
decoded, turned upright, converted to sRGB, re-encoded without any metadata into a few widths
(WebP plus a JPEG fallback) by ``pipeline/image_variants.py``.

This module owns the validation stage: ``discover_photos`` finds them, ``check_images``
returns every problem as a value naming the file (``pipeline/validate.py`` calls it).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from PIL import Image

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


def showcase_without_photo(photos: list[Photo], showcase: Iterable[str],
                           content_dir: Path) -> list[Problem]:
    """A showcase page with no picture at all sells nothing: warn, with the fix.

    Only once the site uses photos (content/images exists): a package checked on its own,
    or a site that has not started taking photos, is not warned about each establishment.
    """
    if not (content_dir / IMAGES_DIR).is_dir():
        return []
    covered = {p.owner for p in photos if p.kind == "establishment"}
    return [problem("image-showcase-without-photo",
                    relative_name(content_dir / IMAGES_DIR / eid, content_dir) + "/",
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
    ids = frame["establishment_id"].dropna().to_numpy(dtype=object)  # no per-cell Python
    return set(ids), list(showcase.dropna())


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
    return problems + showcase_without_photo(photos, showcase, content_dir)
