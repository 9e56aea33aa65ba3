"""Illustrative sample images drawn by the project, one per showcase establishment and story.

No real photo of a real establishment may be shipped with the illustrative sample data, yet a
showcase page without a picture cannot be judged. So the project draws its own flat pictures,
one simple scene per sector (bamboo for WOOD, a noodle bowl for FOOD, ...), each visibly
labelled "Minh họa / Illustration" on the image and ``illustration: true`` in its sidecar, so
nobody mistakes it for a photo. They are written into ``content/images/...`` like any photo and
committed; ``python -m pipeline illustrations`` draws the missing ones (``--force`` redraws).
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont

from pipeline import images

WIDTH, HEIGHT = 1600, 1000
FILE_STEM = "minh-hoa"
LABEL = "Minh họa / Illustration"
SUBLABEL = "Không phải ảnh thật · Not a real photo"
CREDIT = "Khuyến công Open Data (hình minh họa tự vẽ / drawn illustration)"
LICENCE = "CC-BY-4.0"
# Fonts with Vietnamese diacritics, tried in order; Pillow's own font is the last resort
# (it has no "ọ", so the label then loses its diacritics but is still drawn).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/Library/Fonts/Arial Bold.ttf",
    "C:/Windows/Fonts/arialbd.ttf",
)

Draw = Callable[[ImageDraw.ImageDraw, random.Random], None]


@dataclass(frozen=True)
class Target:
    """A page that needs an illustration: an establishment or a story, and its sector."""

    kind: images.OwnerKind
    owner: str
    sector: str

    @property
    def folder(self) -> str:
        return self.owner if self.kind == "establishment" else f"{images.STORIES_DIR}/{self.owner}"


# --- scenes ----------------------------------------------------------------------------------


def jitter(rng: random.Random, colour: tuple[int, int, int], amount: int = 18) -> tuple:
    """A colour shifted a little, so two establishments of one sector do not look identical."""
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in colour)


def ground(draw: ImageDraw.ImageDraw, rng: random.Random, sky: tuple, floor: tuple) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill=jitter(rng, sky))
    draw.rectangle((0, 700, WIDTH, HEIGHT), fill=jitter(rng, floor))


def bamboo(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """WOOD: bamboo stalks with nodes and leaves, and a bundle of chopsticks on a table."""
    ground(draw, rng, (222, 238, 214), (176, 140, 96))
    for i in range(7):
        x = 120 + i * 200 + rng.randint(-30, 30)
        green = jitter(rng, (84, 140, 62), 25)
        draw.rectangle((x, 0, x + 56, 720), fill=green)
        for y in range(rng.randint(40, 120), 700, 150):
            draw.rectangle((x - 4, y, x + 60, y + 10), fill=(60, 104, 44))
            draw.polygon([(x + 56, y), (x + 170, y - 60), (x + 70, y + 20)], fill=(104, 168, 72))
    for i in range(14):
        y = 800 + i * 9
        draw.line((380, y, 1220, y - 40), fill=jitter(rng, (214, 184, 120), 10), width=7)


def noodles(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """FOOD: a bowl of noodles with chopsticks and rising steam."""
    ground(draw, rng, (250, 236, 210), (150, 96, 60))
    draw.chord((420, 420, 1180, 980), 0, 180, fill=jitter(rng, (40, 96, 150)))
    draw.ellipse((420, 600, 1180, 760), fill=(244, 240, 226))
    for i in range(18):
        x = 470 + i * 38
        draw.arc((x, 610, x + 90, 740), 200, 340, fill=(214, 190, 140), width=6)
    draw.line((900, 300, 1300, 700), fill=(120, 70, 30), width=14)
    draw.line((960, 280, 1330, 690), fill=(120, 70, 30), width=14)
    for i in range(3):
        x = 640 + i * 140
        draw.arc((x, 260, x + 80, 560), 100, 260, fill=(255, 255, 255), width=8)


def bottle(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """BEV: a bottle, two small cups and a round jar."""
    ground(draw, rng, (232, 226, 246), (120, 84, 60))
    glass = jitter(rng, (70, 130, 90))
    draw.rounded_rectangle((870, 330, 1110, 880), radius=40, fill=glass)
    draw.rectangle((950, 230, 1030, 340), fill=glass)
    draw.rectangle((940, 190, 1040, 240), fill=(150, 40, 40))
    draw.rectangle((900, 520, 1080, 680), fill=(250, 244, 220))
    for x in (1200, 1380):
        draw.polygon([(x, 740), (x + 120, 740), (x + 100, 880), (x + 20, 880)],
                     fill=(236, 236, 240))
    draw.ellipse((180, 500, 500, 880), fill=jitter(rng, (150, 100, 60)))
    draw.rectangle((280, 440, 400, 520), fill=(110, 70, 40))


def bricks(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """BMAT: a wall of bricks and a stack of curved roof tiles."""
    ground(draw, rng, (214, 230, 240), (160, 150, 140))
    for row in range(9):
        offset = 0 if row % 2 else -80
        for col in range(10):
            x, y = offset + col * 160, 60 + row * 70
            draw.rectangle((x + 4, y + 4, x + 156, y + 66), fill=jitter(rng, (176, 84, 56), 14))
    for i in range(6):
        y = 930 - i * 36
        draw.chord((900, y - 60, 1400, y + 60), 180, 360, fill=jitter(rng, (120, 110, 104), 8))


def anvil(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """MECH: an anvil on a stump, a hammer, and a forged knife."""
    ground(draw, rng, (236, 226, 214), (90, 80, 74))
    draw.rectangle((620, 640, 900, 900), fill=(120, 80, 50))
    steel = jitter(rng, (70, 74, 80), 10)
    draw.polygon([(380, 470), (1080, 470), (1080, 560), (960, 640), (560, 640), (460, 560)],
                 fill=steel)
    draw.rectangle((1040, 250, 1090, 470), fill=(140, 96, 60))
    draw.rectangle((980, 200, 1160, 280), fill=steel)
    draw.polygon([(1100, 800), (1360, 780), (1360, 820)], fill=(200, 204, 210))
    draw.rectangle((1360, 785, 1500, 820), fill=(90, 56, 30))
    draw.ellipse((820, 380, 900, 440), fill=(250, 150, 40))


def loom(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """CRAFT: a loom frame with warp threads and a brocade band of diamonds."""
    ground(draw, rng, (246, 234, 220), (130, 92, 64))
    wood = (120, 80, 46)
    draw.rectangle((260, 120, 300, 900), fill=wood)
    draw.rectangle((1300, 120, 1340, 900), fill=wood)
    draw.rectangle((260, 120, 1340, 160), fill=wood)
    for x in range(320, 1290, 24):
        draw.line((x, 160, x, 480), fill=(236, 228, 210), width=3)
    colours = [jitter(rng, c, 20) for c in ((180, 30, 50), (30, 110, 160), (240, 190, 40),
                                            (40, 140, 80))]
    draw.rectangle((300, 480, 1300, 820), fill=(30, 30, 40))
    for i, x in enumerate(range(300, 1300, 100)):
        colour = colours[i % len(colours)]
        draw.polygon([(x + 50, 500), (x + 100, 650), (x + 50, 800), (x, 650)], fill=colour)
        draw.polygon([(x + 50, 580), (x + 75, 650), (x + 50, 720), (x + 25, 650)],
                     fill=(246, 240, 228))


SCENES: dict[str, Draw] = {"WOOD": bamboo, "FOOD": noodles, "BEV": bottle, "BMAT": bricks,
                           "MECH": anvil, "CRAFT": loom}

# Alt text says what is drawn and that it is a drawing, not the establishment itself.
ALT = {
    "WOOD": ("Hình vẽ minh họa: cây tre và bó đũa tre trên bàn",
             "Drawn illustration: bamboo stalks and a bundle of bamboo chopsticks on a table"),
    "FOOD": ("Hình vẽ minh họa: bát miến và đôi đũa",
             "Drawn illustration: a bowl of noodles with chopsticks"),
    "BEV": ("Hình vẽ minh họa: chai rượu, hai chén nhỏ và một chum",
            "Drawn illustration: a bottle, two small cups and a jar"),
    "BMAT": ("Hình vẽ minh họa: bức tường gạch và chồng ngói",
             "Drawn illustration: a brick wall and a stack of roof tiles"),
    "MECH": ("Hình vẽ minh họa: đe, búa và con dao rèn",
             "Drawn illustration: an anvil, a hammer and a forged knife"),
    "CRAFT": ("Hình vẽ minh họa: khung dệt và dải thổ cẩm hoa văn hình thoi",
              "Drawn illustration: a loom and a brocade band with diamond patterns"),
}


# --- drawing ---------------------------------------------------------------------------------


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first installed font with Vietnamese letters, else Pillow's built-in one."""
    for path in FONT_CANDIDATES:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def label(draw: ImageDraw.ImageDraw) -> None:
    """The "Minh họa / Illustration" banner, large and high-contrast, top left.

    Top left because every scene keeps its subject in the middle and lower half; the banner
    stays readable on the 360 px variant (text about 13 px high there).
    """
    big, small = font(60), font(32)
    right = 72 + max(draw.textlength(LABEL, font=big), draw.textlength(SUBLABEL, font=small))
    draw.rounded_rectangle((40, 40, right + 32, 200), radius=18, fill=(20, 24, 32))
    draw.text((72, 54), LABEL, font=big, fill=(255, 255, 255))
    draw.text((72, 138), SUBLABEL, font=small, fill=(255, 226, 120))


def seed_of(target: Target) -> int:
    """A stable seed per page, so redrawing gives the same picture byte for byte."""
    return int.from_bytes(hashlib.sha256(target.folder.encode()).digest()[:8], "big")


def draw_illustration(target: Target) -> Image.Image:
    """The picture for one page: its sector's scene, then the label on top."""
    im = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(im)
    SCENES.get(target.sector, loom)(draw, random.Random(seed_of(target)))
    label(draw)
    return im


def sidecar(target: Target) -> dict:
    """Metadata for an illustration: alt text in both languages, and marked as a drawing."""
    alt_vi, alt_en = ALT.get(target.sector, ALT["CRAFT"])
    return {"alt_vi": alt_vi, "alt_en": alt_en,
            "caption_vi": "Hình minh họa do dự án tự vẽ, không phải ảnh của cơ sở.",
            "caption_en": "An illustration drawn by the project, not a photo of the "
                          "establishment.",
            "credit": CREDIT, "licence": LICENCE, "illustration": True}


def write_illustration(target: Target, content_dir: Path) -> Path:
    """The PNG (flat colours keep it small) and its sidecar, written into content/images."""
    folder = content_dir / images.IMAGES_DIR / target.folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{FILE_STEM}.png"
    draw_illustration(target).save(path, "PNG", optimize=True)
    path.with_suffix(images.SIDECAR_SUFFIX).write_text(
        yaml.safe_dump(sidecar(target), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- which pages need one --------------------------------------------------------------------


def targets(package, content_dir: Path) -> list[Target]:
    """Every showcase establishment, and every story (drawn in its establishment's sector)."""
    frame = package["establishments"]
    sectors = dict(zip(frame["establishment_id"], frame["sector"], strict=True))
    showcase = frame.loc[frame["showcase"].fillna(False).astype(bool), "establishment_id"]
    found = [Target("establishment", eid, sectors[eid]) for eid in sorted(showcase)]
    for slug, eid in sorted(images.story_establishments(content_dir).items()):
        found.append(Target("story", slug, sectors.get(eid) or "CRAFT"))
    return found


def needs_drawing(target: Target, content_dir: Path, force: bool) -> bool:
    """No photo at all yet; or ``force`` and the only thing there is our own illustration."""
    folder = content_dir / images.IMAGES_DIR / target.folder
    existing = images.photo_files(folder) if folder.is_dir() else []
    if not existing:
        return True
    return force and all(p.stem == FILE_STEM for p in existing)


def generate(package, content_dir: Path, force: bool = False) -> list[Path]:
    """Draw the illustrations that are missing (or all of ours, with ``force``)."""
    content_dir = Path(content_dir)
    return [write_illustration(t, content_dir) for t in targets(package, content_dir)
            if needs_drawing(t, content_dir, force)]


# --- command ---------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=Path("data"), help="data package folder")
    parser.add_argument("--content", type=Path, default=Path("content"), help="content folder")
    parser.add_argument("--force", action="store_true",
                        help="redraw illustrations that exist (never touches real photos)")


def run(args: argparse.Namespace) -> int:
    from pipeline.load import load_package

    package, _ = load_package(args.data)
    if "establishments" not in package.frames:
        print("establishments.csv cannot be read; run `python -m pipeline validate`.")
        return 1
    written = generate(package, args.content, force=args.force)
    for path in written:
        print(path)
    print(f"{len(written)} illustration(s) written.")
    return 0
