"""Reusing the previous export: keys that see every change, links only to intact files."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.export_cache import (
    MANIFEST,
    Deflated,
    OutputFiles,
    Stored,
    digest,
    frame_digest,
    raw_members,
    read_manifest,
    write_member,
    write_new,
)

BASE = pd.DataFrame({"id": pd.array(["a", "b", None], dtype="string"),
                     "amount": pd.array([1, 2, None], dtype="Int64")})


def edited(change) -> pd.DataFrame:
    frame = BASE.copy()
    change(frame)
    return frame


@pytest.mark.parametrize(("frame", "same"), [
    (BASE.copy(), True),
    (edited(lambda f: f.__setitem__("id", pd.array(["a", "B", None], dtype="string"))), False),
    (edited(lambda f: f.__setitem__("id", pd.array(["a", "b", ""], dtype="string"))), False),
    (edited(lambda f: f.__setitem__("amount", pd.array([1, 2, 0], dtype="Int64"))), False),
    (edited(lambda f: f.__setitem__("amount", pd.array([1.0, 2.0, None], dtype="Float64"))),
     False),
    (BASE.iloc[[1, 0, 2]].reset_index(drop=True), False),
    (BASE.rename(columns={"amount": "total"}), False),
    (BASE.set_axis([10, 11, 12]), True),
])
def test_frame_digest_sees_values_types_order_and_names(frame, same):
    assert same == (frame_digest(BASE) == frame_digest(frame))


def test_digest_parts_cannot_run_together():
    assert digest("ab", "c") != digest("a", "bc")


def previous_export(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, Path]:
    """An output folder and a cache as a previous export leaves them, keyed by file name."""
    output, cache = tmp_path / "previous", tmp_path / "cache"
    written = OutputFiles.open(output, None, None)
    for rel, data in files.items():
        written.put(rel, f"key-{rel}", lambda data=data: data)
    written.save(cache)
    return output, cache


@pytest.mark.parametrize(("key", "tamper", "linked"), [
    ("key-data/a.csv", None, True),
    ("another key", None, False),
    (None, None, False),
    ("key-data/a.csv", b"id\r\nedited\r\n", False),
    ("key-data/a.csv", b"id\r\nX\r\n", False),
])
def test_a_file_is_linked_only_when_key_and_previous_bytes_match(tmp_path, key, tamper, linked):
    old = b"id\r\nx\r\n"
    previous, cache = previous_export(tmp_path, {"data/a.csv": old})
    if tamper is not None:
        (previous / "data" / "a.csv").write_bytes(tamper)
    files = OutputFiles.open(tmp_path / "new", previous, cache)
    stored = files.put("data/a.csv", key, lambda: old)
    target, source = tmp_path / "new" / "data" / "a.csv", previous / "data" / "a.csv"
    expected = (linked, old, Stored.of(old))
    assert expected == (target.stat().st_ino == source.stat().st_ino, target.read_bytes(), stored)


def test_without_a_manifest_nothing_is_linked(tmp_path):
    previous, cache = previous_export(tmp_path, {"data/a.csv": b"x"})
    (cache / MANIFEST).unlink()
    files = OutputFiles.open(tmp_path / "new", previous, cache)
    files.put("data/a.csv", "key-data/a.csv", lambda: b"x")
    assert [] == files.linked


@pytest.mark.parametrize("text", ["not json", "[]", '{"files": 3}', '{"other": {}}'])
def test_an_unreadable_manifest_counts_as_none(tmp_path, text):
    (tmp_path / MANIFEST).write_text(text, encoding="utf-8")
    assert {} == read_manifest(tmp_path)


def test_the_manifest_records_keys_sizes_and_hashes(tmp_path):
    _, cache = previous_export(tmp_path, {"data/b.json": b"[]\n", "data/a.csv": b"id\r\n"})
    expected = {"data/a.csv": {"key": "key-data/a.csv", **vars(Stored.of(b"id\r\n"))},
                "data/b.json": {"key": "key-data/b.json", **vars(Stored.of(b"[]\n"))}}
    assert expected == read_manifest(cache)


def test_writing_replaces_a_hard_link_without_touching_its_other_name(tmp_path):
    published = tmp_path / "published.csv"
    published.write_bytes(b"published")
    staged = tmp_path / "staging" / "published.csv"
    staged.parent.mkdir()
    staged.hardlink_to(published)
    write_new(staged, b"new")
    assert (b"published", b"new") == (published.read_bytes(), staged.read_bytes())


def noise(size: int) -> bytes:
    """Bytes that compress poorly and well in turns (seeded: the same in every run)."""
    chance = random.Random(size)
    return b"".join(bytes(chance.randrange(256) for _ in range(64)) + b"abc" * 50
                    for _ in range(size // 214 + 1))[:size]


MEMBERS = [
    [("a.csv", b"id,name\r\n1,x\r\n")],
    [("dữ-liệu/đồ.csv", "Đồ gỗ, mây tre".encode())],
    [("empty.txt", b"")],
    [("big.bin", noise(300_000)), ("second.json", b"[]"), ("third.csv", noise(70_000))],
]


def archive_bytes(members: list[tuple[str, bytes]], raw: bool) -> bytes:
    """An archive written by ``ZipFile.writestr`` or, with ``raw``, by ``write_member``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 27, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if raw:
                write_member(archive, info, Deflated.of(data))
            else:
                archive.writestr(info, data)
    return buffer.getvalue()


@pytest.mark.parametrize("members", MEMBERS)
def test_a_member_written_compressed_gives_the_bytes_zipfile_writes(members):
    assert archive_bytes(members, raw=False) == archive_bytes(members, raw=True)


@pytest.mark.parametrize("members", MEMBERS)
def test_raw_members_are_the_compressed_members_as_written(members):
    data = archive_bytes(members, raw=False)
    wanted = {name for name, _ in members[::2]}
    expected = {name: Deflated.of(content) for name, content in members if name in wanted}
    assert expected == raw_members(data, wanted)


def previous_archive(tmp_path: Path, tamper: bool) -> OutputFiles:
    """A previous output holding ``data/x.zip`` recorded with member keys."""
    first = OutputFiles.open(tmp_path / "old", None, None)
    first.put("data/x.zip", "k1", lambda: archive_bytes(MEMBERS[3], raw=False),
              {"big.bin": "b", "second.json": "s", "third.csv": "t"})
    first.save(tmp_path / "cache")
    if tamper:
        path = tmp_path / "old" / "data" / "x.zip"
        path.write_bytes(path.read_bytes() + b"\0")
    return OutputFiles.open(tmp_path / "new", tmp_path / "old", tmp_path / "cache")


@pytest.mark.parametrize(("tamper", "expected"), [
    (False, {"big.bin", "third.csv"}),
    (True, set()),
])
def test_previous_members_are_those_with_the_same_key_in_the_recorded_archive(
        tmp_path, tamper, expected):
    files = previous_archive(tmp_path, tamper)
    found = files.previous_members("data/x.zip", {"big.bin": "b", "second.json": "changed",
                                                  "third.csv": "t", "new.csv": "n"})
    assert expected == set(found)
