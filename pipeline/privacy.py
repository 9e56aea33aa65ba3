"""The post-build privacy check: no value of a private field may appear anywhere in output/.

Export and the page builders leave private fields out by construction; this check does not
trust that. It reads back every file the build wrote (HTML, CSV, JSON, feeds, the XLSX and
ZIP archives member by member, gzip-compressed search-index files) and looks for the values
of the source package's private fields, after undoing the encodings a value could hide behind
(HTML entities, JSON ``\\uXXXX`` escapes, URL percent-encoding, letter case, NFD).

A hit is a ``Problem`` (``private-value-published``); the build fails on any. The message
masks the value, because build logs are often public too.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from pipeline.load import Package
from pipeline.report import Problem

MIN_LENGTH = 4
ARCHIVES = (".xlsx", ".zip", ".docx", ".ods")
JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def fold(text: str) -> str:
    """The comparable form of a text: NFC and case-folded."""
    return unicodedata.normalize("NFC", text).casefold()


def public_text(package: Package) -> str:
    """Every public cell of the package, folded: a value found here is published anyway."""
    cells = []
    for name, frame in package.raw.items():
        private = set(package.private_fields(name))
        cells.extend(frame[c].str.cat(sep="\n") for c in frame.columns if c not in private)
    return fold("\n".join(cells))


def private_values(package: Package) -> dict[str, tuple[str, str]]:
    """Folded private values worth searching for, each with its (resource, field).

    Values shorter than ``MIN_LENGTH`` would match everywhere, and values that also appear
    in a public cell (a household business named after its owner) cannot leak: both are
    left out, the latter reported by ``shared_values``.
    """
    public = public_text(package)
    values = {}
    for name, frame in package.raw.items():
        for field in package.private_fields(name):
            for value in frame.get(field, []):
                folded = fold(value.strip())
                if len(folded) >= MIN_LENGTH and folded not in public:
                    values.setdefault(folded, (name, field))
    return values


def shared_values(package: Package) -> list[Problem]:
    """Warnings for private values that also appear in public cells, so they are not checked."""
    public = public_text(package)
    problems = []
    for name, frame in package.raw.items():
        for field in package.private_fields(name):
            for row, value in enumerate(frame.get(field, []), start=2):
                if len(value.strip()) >= MIN_LENGTH and fold(value.strip()) in public:
                    problems.append(Problem(
                        type="private-value-public-elsewhere", file=package.relpath(name),
                        resource=name, row=row, field=field, value=mask(value),
                        severity="warning",
                        message_vi="Giá trị riêng tư này cũng xuất hiện trong một cột công khai.",
                        message_en="This private value also appears in a public column."))
    return problems


def mask(value: str) -> str:
    """Enough of a value to find it in the source, not enough to disclose it."""
    return value[:2] + "…" if len(value) > 2 else "…"


def decoded(text: str) -> str:
    """A text with HTML entities, JSON escapes and percent-encoding undone, then folded."""
    text = JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = html.unescape(text)
    return fold(text + "\n" + unquote(text))


def documents(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(name, text) of a file and, for archives and gzip files, of every member inside."""
    if name.lower().endswith(ARCHIVES) and zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                yield from documents(f"{name}!{member.filename}", archive.read(member))
        return
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError):
            data = gzip.decompress(data)
    yield name, data.decode("utf-8", errors="ignore")


def scan_text(text: str, pattern: re.Pattern) -> set[str]:
    return set(pattern.findall(decoded(text)))


def check_output(package: Package, out_dir: Path) -> list[Problem]:
    """One problem per (file, private value) found anywhere under ``out_dir``."""
    values = private_values(package)
    if not values:
        return []
    pattern = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
    problems = []
    for path in sorted(p for p in Path(out_dir).rglob("*") if p.is_file()):
        relative = path.relative_to(out_dir).as_posix()
        for name, text in documents(relative, path.read_bytes()):
            for value in sorted(scan_text(text, pattern)):
                problems.append(leak(name, value, *values[value]))
    return problems


def leak(file: str, value: str, resource: str, field: str) -> Problem:
    return Problem(
        type="private-value-published", file=file, resource=resource, field=field,
        value=mask(value),
        message_vi=f"Giá trị của trường riêng tư '{field}' ({resource}) xuất hiện trong tệp "
                   "đầu ra. Không được công bố dữ liệu cá nhân: hãy tìm mẫu hoặc mã đã đưa "
                   "trường này vào trang.",
        message_en=f"A value of the private field '{field}' ({resource}) appears in this "
                   "output file. Personal data must never be published: find the template "
                   "or code that put the field on the page.")
