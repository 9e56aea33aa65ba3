"""Photos for the image tests: photo-like pictures, phone EXIF with GPS, and planting them.

Shared by tests/test_images.py, tests/test_image_variants.py and tests/test_image_pages.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from PIL import Image

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
