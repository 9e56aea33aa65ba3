"""The post-build privacy check: no value of a private field may appear anywhere in output/.

Export and the page builders leave private fields out by construction; this check does not
trust that. It reads back every file the build wrote (HTML, CSV, JSON, feeds, the XLSX and
ZIP archives member by member, gzip-compressed search-index files) and looks for the values
of the source package's private fields, after undoing the encodings a value could hide behind
(HTML entities, JSON ``\\uXXXX`` escapes, URL percent-encoding, letter case, NFD), and for
phone numbers written with separators or the country code (``0912 345 678``, ``+84 912...``).

How it stays linear in the bytes of output (bench/README.md, "Post-build checks"): one
Aho-Corasick automaton (``ahocorasick_rs``, Rust) holds every value once, and runs over the
raw bytes of a file after a byte table has merged each letter of the values with the other
cases of that letter (``Matcher``). Only a file that holds something the table cannot see
through (an escape, an entity that stands for a letter, a combining mark, a character that
case folding or NFC turns into other letters) is decoded and folded in full first. A
candidate found in the raw bytes is confirmed by folding exactly its own bytes.

A hit is a ``Problem`` (``private-value-published``); the build fails on any. The message
masks the value, because build logs are often public too. With ``cache``, a file already
scanned for the same values (same device, inode, size and modification time: hard-linked
from the previous build) is not read again, nor is one remembered under another folder
(Pagefind's part folders are renamed with their key; unchanged files are linked).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import io
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, Implementation, MatchKind

from pipeline.checks import FileMemory, Listing, site_files
from pipeline.load import Package
from pipeline.report import Problem

MIN_LENGTH = 4
ARCHIVES = (".xlsx", ".zip", ".docx", ".ods")
JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")

#: What ``decoded`` undoes, found in raw bytes: a JSON escape, a percent-escape, a character
#: reference (``html.unescape``'s own pattern, so exactly what it would replace). Each starts
#: with a literal, so the engine skips to it at C speed (an alternation would not).
JSON_ESCAPE_BYTES = re.compile(rb"\\u[0-9a-fA-F]{4}")
PERCENT_ESCAPE = re.compile(rb"%[0-9a-fA-F]{2}")
ENTITY = re.compile(rb"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")

#: A phone number (10 or 11 digits) with separators or the country code; its digits are
#: looked up. ``SEPARATORS`` (bytes) are what the automaton's search deletes: every byte of
#: what may stand between the digits of a phone (``+84``, brackets, NBSP).
PHONE = re.compile(r"(?:\(\+84\)|\+84|0)(?<![0-9+]0)[ .\-\u00a0]?[0-9]"
                   r"(?:[ .\-\u00a0]?[0-9]){8,9}(?![0-9])")
SEPARATORS = " .-()+\u00a0".encode()
NOT_DIGIT = re.compile(r"[^0-9]")

#: The last code point ``unsafe_characters`` looks at (the planes with assigned letters).
LAST_CHARACTER = 0x2FFFF


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
    candidates = {}
    for name, frame in package.raw.items():
        for field in package.private_fields(name):
            for value in frame.get(field, []):
                folded = fold(value.strip())
                if len(folded) >= MIN_LENGTH:
                    candidates.setdefault(folded, (name, field))
    public = occurring(candidates, public_text(package))
    return {value: where for value, where in candidates.items() if value not in public}


def occurring(values: Iterable[str], text: str) -> set[str]:
    """The ``values`` that occur in ``text``, in one pass over it.

    ``value in text`` for each value rescans the whole public text every time: 78 s for
    the 30,000 private values of the national test package; one automaton takes well
    under a second. Empty values are never reported.
    """
    values = [value for value in values if value]
    if not values or not text:
        return set()
    automaton = AhoCorasick(values, matchkind=MatchKind.Standard)
    return set(automaton.find_matches_as_strings(text, overlapping=True))


def shared_values(package: Package) -> list[Problem]:
    """Warnings for private values that also appear in public cells, so they are not checked."""
    candidates = {fold(value.strip()) for name, frame in package.raw.items()
                  for field in package.private_fields(name) for value in frame.get(field, [])}
    public = occurring(candidates, public_text(package))
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


def documents(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of a file and, for archives and gzip files, of every member inside."""
    if name.lower().endswith(ARCHIVES) and zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                yield from documents(f"{name}!{member.filename}", archive.read(member))
        return
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError):
            data = gzip.decompress(data)
    yield name, data


# -- which characters the byte table can see through -------------------------------------------

def is_unsafe(char: str) -> bool:
    """Whether NFC or case folding could make ``char`` part of other letters.

    Combining marks and the second halves of canonical pairs compose with what precedes
    them; singletons (the Kelvin sign) normalise to another letter; ``ß`` folds to two.
    """
    folded = char.casefold()
    return bool(unicodedata.combining(char)) or unicodedata.normalize("NFC", char) != char \
        or len(folded) != 1 or (folded.isascii() and not char.isascii())


@lru_cache(maxsize=1)
def unsafe_characters() -> frozenset[str]:
    """Every non-ASCII character a file must be decoded in full for (computed once)."""
    unsafe = {chr(c) for c in range(0x80, LAST_CHARACTER + 1) if is_unsafe(chr(c))}
    for code in range(0x80, LAST_CHARACTER + 1):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<") and int(parts[1], 16) >= 0x80:
            unsafe.add(chr(int(parts[1], 16)))
    hangul_vowels_and_finals = [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)]
    return frozenset(unsafe | {chr(c) for c in hangul_vowels_and_finals})


#: Code points per block that ``case_partners`` folds at once to skip uncased blocks.
FOLD_BLOCK = 128


@lru_cache(maxsize=1)
def case_partners() -> dict[str, frozenset[str]]:
    """For each folded character, the other characters that fold to it (``ô``: ``Ô``).

    Only characters whose folding changes them are looked at one by one: a block of code
    points folds to itself exactly when each of its characters does (folding works
    character by character and never shortens one), so whole uncased blocks (most of
    Unicode) are skipped. A character that no other one folds to has no entry: merging it
    with itself would change nothing. About 0.35 s of every privacy check before.
    """
    partners: dict[str, set[str]] = {}
    for start in range(0, LAST_CHARACTER + 1, FOLD_BLOCK):
        block = "".join(map(chr, range(start, min(start + FOLD_BLOCK, LAST_CHARACTER + 1))))
        if block.casefold() == block:
            continue
        for char in block:
            folded = char.casefold()
            if len(folded) == 1 and folded != char:
                partners.setdefault(folded, {folded}).add(char)
    return {folded: frozenset(chars) for folded, chars in partners.items()}


def byte_table(values: Iterable[str]) -> bytes:
    """A ``bytes.translate`` table under which every case of each letter of ``values`` reads
    the same: the bytes at the same position of same-length encodings are merged."""
    parent = list(range(256))

    def root(byte: int) -> int:
        while parent[byte] != byte:
            byte = parent[byte]
        return byte

    partners = case_partners()
    for char in {c for value in values for c in value}:
        encoded = char.encode()
        for other in partners.get(char, ()):
            if len(other.encode()) == len(encoded):
                for a, b in zip(encoded, other.encode(), strict=True):
                    parent[max(root(a), root(b))] = min(root(a), root(b))
    return bytes(root(b) for b in range(256))


def deleted_bytes(table: bytes) -> bytes:
    """``SEPARATORS`` and every byte ``table`` merges with one: the text and the values must
    lose the same bytes for the search to find every value (NBSP's ``a0`` is also part of
    ``Ạ``, merged with ``ạ``'s ``a1``)."""
    classes = {table[b] for b in SEPARATORS}
    return bytes(b for b in range(256) if table[b] in classes)


# -- the matcher --------------------------------------------------------------------------------

class Matcher:
    """Finds which folded ``values`` occur in a document's bytes, however encoded.

    The automaton searches the bytes translated by ``byte_table`` with the phone separators
    deleted (from the values too), so it finds a superset: every value as ``decoded``
    would find it, and every phone however grouped. A document with a candidate, or that
    holds something the translation cannot see through, is decoded in full and judged
    exactly (``decoded_hits``): a rare case, since a candidate is nearly always a leak.
    """

    def __init__(self, values: Iterable[str]) -> None:
        self.values = sorted(set(values))
        self.phones = {v for v in self.values if v.isdigit()}
        self.table = byte_table(self.values)
        self.deleted = deleted_bytes(self.table)
        unsafe = unsafe_characters() | {c for v in self.values for c in v if is_unsafe(c)}
        self.markers = BytesAhoCorasick(sorted(c.encode() for c in unsafe),
                                        implementation=Implementation.DFA)
        forms = [(self.squeezed(form), value) for value in self.values
                 for form in ([value, "84" + value[1:]] if value in self.phones else [value])]
        self.owners = [value for _, value in forms]
        self.automaton = BytesAhoCorasick([form for form, _ in forms],
                                          implementation=Implementation.DFA)
        self.plain_entities: dict[bytes, bool] = {}
        self.characters = {c for v in self.values for c in v} | set(SEPARATORS.decode())
        self.always_decode = not all(form for form, _ in forms) or any(
            c in v for v in self.values for c in "&<>\"'")

    def squeezed(self, text: str) -> bytes:
        """The form the automaton searches: letters merged across cases, separators gone."""
        return text.encode("utf-8", errors="surrogatepass").translate(self.table, self.deleted)

    def found(self, data: bytes) -> set[str]:
        """The values in ``data``: from its raw bytes when nothing there needs decoding."""
        if self.always_decode or not self.is_plain(data) or \
                self.markers.find_matches_as_indexes(data) or self.candidates(data):
            return self.decoded_hits(data)
        return set()

    def candidates(self, data: bytes) -> set[str]:
        return {self.owners[pattern] for pattern, _, _ in self.automaton.find_matches_as_indexes(
            data.translate(self.table, self.deleted), overlapping=True)}

    def is_plain(self, data: bytes) -> bool:
        """Nothing that ``decoded`` would change for a value: no escape, no entity that
        stands for a character of a value (``&#39;`` is harmless unless a value has ``'``)."""
        if JSON_ESCAPE_BYTES.search(data) or PERCENT_ESCAPE.search(data):
            return False
        return all(self.plain_entity(entity) for entity in set(ENTITY.findall(data)))

    def plain_entity(self, entity: bytes) -> bool:
        if entity not in self.plain_entities:
            text = entity.decode("latin-1")
            replaced = html.unescape(text)
            self.plain_entities[entity] = replaced == text or not any(
                c.isalnum() or c.isspace() or c in self.characters for c in replaced)
        return self.plain_entities[entity]

    def decoded_hits(self, data: bytes) -> set[str]:
        """Values in the fully decoded and folded text: exactly, the slow general path."""
        text = decoded(data.decode("utf-8", errors="ignore"))
        candidates = self.candidates(text.encode("utf-8", errors="surrogatepass"))
        if not candidates:
            return set()
        found = {value for value in candidates if value in text}
        return found | self.phone_hits(PHONE.finditer(text))

    def phone_hits(self, matches: Iterable[re.Match]) -> set[str]:
        """Phone values among numbers written with separators or ``+84``."""
        found = set()
        for match in matches:
            digits = NOT_DIGIT.sub("", match.group())
            if match.group().lstrip("(").startswith("+84"):
                digits = "0" + digits[2:]
            if digits in self.phones:
                found.add(digits)
        return found


# -- the check ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Guard:
    """What a check of one package's output looks for: the private values worth searching
    (with their resource and field) and the matcher that finds them.

    It depends on the source package alone, and making it folds every public cell (about
    0.7 s at national scale), so the build makes it while the export runs in another
    process, before any output exists (``build.staged_build``), not in the checks stage.
    """

    values: dict[str, tuple[str, str]]
    matcher: Matcher | None

    @classmethod
    def of(cls, package: Package, values: dict[str, tuple[str, str]] | None = None) -> Guard:
        """``values``: ``private_values(package)``, when found already (in another process)."""
        values = private_values(package) if values is None else values
        return cls(values, Matcher(values) if values else None)


def check_output(package: Package, out_dir: Path, *, cache: Path | None = None,
                 listing: Listing | None = None, guard: Guard | None = None,
                 ) -> list[Problem]:
    """One problem per (file, private value) found anywhere under ``out_dir``.

    ``cache`` (the build's cache folder) remembers each file's hits, so an unchanged file
    is not read again while the private values stay the same; new values rescan everything.
    ``listing`` is ``checks.site_files(out_dir)`` when the caller has walked it already;
    ``guard`` is ``Guard.of(package)`` when the caller has made it already.
    """
    guard = Guard.of(package) if guard is None else guard
    values, matcher = guard.values, guard.matcher
    if matcher is None:
        return []
    memory = FileMemory(cache, "privacy", salt(matcher.values))
    members = Members(memory.shared)
    problems = []
    for relative, entry in site_files(Path(out_dir)) if listing is None else listing:
        hits = memory.recall(relative, entry)
        if hits is None:
            moved = memory.recall_moved(relative, entry)
            hits = (file_hits(matcher, relative, Path(entry.path).read_bytes(), members)
                    if moved is None else renamed(moved[1], moved[0], relative))
            memory.remember(relative, entry, hits)
        if hits:
            problems.extend(leak(name, value, *values[value]) for name, value in hits)
    memory.shared = members.kept(memory.current)
    memory.save()
    return problems


def file_hits(matcher: Matcher, relative: str, data: bytes,
              members: Members | None = None) -> tuple[tuple[str, str], ...]:
    """(document name, value) of every value in a file and its archive members, in order.
    ``members``: archive members already scanned, by their compressed bytes."""
    members = Members(None) if members is None else members
    return tuple((name, value) for name, values in document_hits(matcher, relative, data,
                                                                 members, relative)
                 for value in values)


class Members:
    """What each archive member held, remembered by a hash of its compressed bytes.

    A republish after one changed row rewrites the XLSX and the ZIP of the downloads, but
    only the sheet and the CSV of the changed resource differ: the other members are the
    same compressed bytes (the export copies them), and at national scale scanning them
    again (the establishments sheet alone: 11 MB of XML) is most of a second. The key is
    SHA-256 of the member's name, compression method and compressed bytes: the same key,
    the same decompressed bytes, the same values found. Kept while the file that held the
    member is still in the site.
    """

    def __init__(self, previous: Any) -> None:
        self.previous: dict[bytes, tuple[str, tuple]] = (
            previous if isinstance(previous, dict) else {})
        self.current: dict[bytes, tuple[str, tuple]] = {}

    def kept(self, files: Iterable[str]) -> dict[bytes, tuple[str, tuple]]:
        """This run's members and the remembered ones of files still present (recalled)."""
        present = set(files)
        kept = {key: known for key, known in self.previous.items() if known[0] in present}
        kept.update(self.current)
        return kept


LOCAL_HEADER = b"PK\x03\x04"


def member_key(data: bytes, member: zipfile.ZipInfo) -> bytes | None:
    """SHA-256 of a member's name, method and compressed bytes as ``ZipFile.open`` reads
    them (after the local header); None when they cannot be located (then it is scanned)."""
    start = member.header_offset
    if data[start:start + 4] != LOCAL_HEADER or member.flag_bits & 1:
        return None
    begin = start + 30 + int.from_bytes(data[start + 26:start + 28], "little") \
        + int.from_bytes(data[start + 28:start + 30], "little")
    raw = data[begin:begin + member.compress_size]
    if len(raw) != member.compress_size:
        return None
    digest = hashlib.sha256(f"{member.filename}\0{member.compress_type}\0".encode())
    digest.update(raw)
    return digest.digest()


def document_hits(matcher: Matcher, name: str, data: bytes, members: Members,
                  file: str) -> Iterator[tuple[str, list[str]]]:
    """(document name, sorted values) as ``documents`` names them, archive members
    recalled from ``members`` when their compressed bytes were scanned before."""
    if name.lower().endswith(ARCHIVES) and zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                inner, key = f"{name}!{member.filename}", member_key(data, member)
                known = members.previous.get(key) if key is not None else None
                if known is None:
                    found = list(document_hits(matcher, inner, archive.read(member),
                                               members, file))
                    known = (file, tuple((n[len(inner):], v) for n, v in found))
                if key is not None:
                    members.current[key] = (file, known[1])
                yield from ((inner + suffix, list(values)) for suffix, values in known[1])
        return
    for document_name, document in documents(name, data):  # gzip, or the file itself
        yield document_name, sorted(matcher.found(document))


def renamed(hits: tuple[tuple[str, str], ...], old: str, new: str,
            ) -> tuple[tuple[str, str], ...]:
    """A file's remembered hits, found under its ``old`` path, for its ``new`` path (the
    document names are the path, or the path, ``!`` and an archive member's name)."""
    return tuple((new + name[len(old):], value) for name, value in hits)


def salt(values: list[str]) -> str:
    """What a remembered result depends on: the values and this module's code."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(sys.version.encode())
    digest.update("\n".join(values).encode())
    return digest.hexdigest()


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
