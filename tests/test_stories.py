"""Story headers: Pelican-style `Key: value` lines up to the first blank line, and their lines."""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.stories import read_header, read_stories

STORY = """Title: Tre trúc Hòa An
Date: 2026-11-20
Slug: tre-truc-hoa-an
Lang: vi
Establishment: e-04-0001
Summary: Một cơ sở chế biến tre.

Body: this line is text, not metadata.
"""


@pytest.mark.parametrize(("text", "metadata", "lines"), [
    (STORY, {"title": "Tre trúc Hòa An", "date": "2026-11-20", "slug": "tre-truc-hoa-an",
             "lang": "vi", "establishment": "e-04-0001", "summary": "Một cơ sở chế biến tre."},
     {"title": 1, "date": 2, "slug": 3, "lang": 4, "establishment": 5, "summary": 6}),
    ("Title: A\n\nEstablishment: e-04-0001\n", {"title": "A"}, {"title": 1}),
    ("\ufeffTitle: A\r\nEstablishment:  e-04-0002  \r\n", {"title": "A",
     "establishment": "e-04-0002"}, {"title": 1, "establishment": 2}),
    ("# A heading\nTitle: A\n", {}, {}),
    ("", {}, {}),
    ("Title: A\nnot a header line\nSlug: a\n", {"title": "A"}, {"title": 1}),
    ("ESTABLISHMENT: e-04-0003\n", {"establishment": "e-04-0003"}, {"establishment": 1}),
])
def test_read_header(text, metadata, lines):
    assert (metadata, lines) == read_header(text)


def test_header_values_are_nfc():
    metadata, _ = read_header(unicodedata.normalize("NFD", "Title: Hòa An\n"))
    assert metadata["title"] == "Hòa An"
    assert unicodedata.is_normalized("NFC", metadata["title"])


def test_absent_folder_has_no_stories(tmp_path):
    assert read_stories(tmp_path / "content" / "stories") == []


def test_stories_are_read_in_name_order_with_their_file(tmp_path):
    folder = tmp_path / "content" / "stories"
    folder.mkdir(parents=True)
    (folder / "b.md").write_text(STORY, encoding="utf-8")
    (folder / "a.en.md").write_text("Title: A\nLang: en\n", encoding="utf-8")
    (folder / "notes.txt").write_text("Title: not a story\n", encoding="utf-8")
    stories = read_stories(folder)
    assert [s["file"] for s in stories] == ["content/stories/a.en.md", "content/stories/b.md"]
    assert [s["metadata"]["lang"] for s in stories] == ["en", "vi"]
    assert stories[1]["lines"]["establishment"] == 5


def test_a_story_not_in_utf8_is_read_not_raised(tmp_path):
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "x.md").write_bytes("Title: Hòa An\nEstablishment: e-04-0001\n".encode("cp1258",
                                                                                     "replace"))
    [story] = read_stories(folder)
    assert story["metadata"]["establishment"] == "e-04-0001"
