"""The privacy check: a private value planted anywhere in output/ is found, however encoded."""

from __future__ import annotations

import gzip
import io
import json
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import Workbook

from pipeline import privacy
from pipeline.export import export_open_data
from pipeline.load import load_package
from pipeline.privacy import Guard, Matcher, check_output, fold, private_values, shared_values

OWNER, PHONE = "Nông Văn Lạc", "0912345678"
PLANTED = "Hoàng Thị Bí Mật"


@pytest.fixture
def package(tiny_package: Path):
    """The tiny package, whose second establishment has an owner name and a phone."""
    loaded, report = load_package(tiny_package)
    assert report.ok
    return loaded


def xlsx_with(text: str) -> bytes:
    book = Workbook()
    book.active.append(["owner", text])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_with(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


PLANTS = [
    ("page/index.html", f"<p>{OWNER}</p>".encode(), "page/index.html"),
    ("page/entities.html", b"<p>N&#244;ng V&#259;n L&#7841;c</p>", "page/entities.html"),
    ("en/x/index.html", f"<td>{OWNER.upper()}</td>".encode(), "en/x/index.html"),
    ("search.json", json.dumps({"t": OWNER}).encode(), "search.json"),
    ("nfd.csv", unicodedata.normalize("NFD", f"x,{OWNER}").encode(), "nfd.csv"),
    ("link.html", f'<a href="/owners/{quote(OWNER)}/">x</a>'.encode(), "link.html"),
    ("data/book.xlsx", xlsx_with(OWNER), "data/book.xlsx!xl/worksheets/sheet1.xml"),
    ("data/all.zip", zip_with("inner.csv", f"a,{PHONE}\r\n".encode()),
     "data/all.zip!inner.csv"),
    ("pagefind/fragment/x.pf_fragment", gzip.compress(OWNER.encode(), mtime=0),
     "pagefind/fragment/x.pf_fragment"),
    ("feed.atom", f"<title>{PHONE}</title>".encode(), "feed.atom"),
    ("spaced.html", b"<p>0912 345 678</p>", "spaced.html"),
    ("dotted.csv", b"a,0912.345.678\r\n", "dotted.csv"),
    ("country.json", json.dumps({"tel": "+84 912 345 678"}).encode(), "country.json"),
]


@pytest.mark.parametrize(("path", "data", "where"), PLANTS, ids=[p[0] for p in PLANTS])
def test_a_planted_private_value_is_found(package, tmp_path, path, data, where):
    target = tmp_path / "out" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    problems = check_output(package, tmp_path / "out")
    assert [(where, "private-value-published")] == [(p.file, p.type) for p in problems]


def test_a_guard_made_beforehand_finds_what_the_check_finds_alone(package, tmp_path):
    """The build makes the guard while the export runs, before the output exists."""
    guard = Guard.of(package)
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.html").write_text(f"<p>{PHONE}</p>", encoding="utf-8")
    (out / "b.html").write_text("<p>nothing private</p>", encoding="utf-8")
    alone = check_output(package, out)
    assert ["a.html"] == [p.file for p in alone]
    assert alone == check_output(package, out, guard=guard)


def test_a_package_without_private_values_has_an_empty_guard(make_package, tmp_path):
    def no_private(rows):
        for row in rows["establishments"]:
            row.update(owner_name="", phone="")

    loaded, _report = load_package(make_package(no_private))
    guard = Guard.of(loaded)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.html").write_text(PHONE, encoding="utf-8")
    assert ({}, None, []) == (guard.values, guard.matcher,
                              check_output(loaded, tmp_path / "out", guard=guard))


def test_a_problem_names_the_field_and_masks_the_value(package, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.html").write_text(PHONE, encoding="utf-8")
    problem = check_output(package, tmp_path / "out")[0]
    expected = ("establishments", "phone", "09…")
    assert expected == (problem.resource, problem.field, problem.value)
    assert PHONE not in problem.message_en + problem.message_vi


def test_clean_output_has_no_problem(package, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.html").write_text("<p>Lò rèn Phúc Sen, 0912</p>", encoding="utf-8")
    assert not check_output(package, tmp_path / "out")


def test_a_planted_private_value_appears_nowhere_in_the_export(make_package, tmp_path):
    def plant(rows):
        rows["establishments"][0].update(owner_name=PLANTED, phone="0909090909")

    loaded, report = load_package(make_package(plant))
    assert report.ok
    out = tmp_path / "out"
    export_open_data(loaded, out, version="0.1.0", created="2026-11-27")
    assert not check_output(loaded, out)
    needles = [PLANTED.encode(), b"0909090909", json.dumps(PLANTED).encode()]
    raw = [p for p in out.rglob("*") if p.is_file()
           for needle in needles if needle in p.read_bytes()]
    assert not raw


@pytest.mark.parametrize(("owner", "checked", "warned"), [
    (OWNER, True, 0),
    ("Lò rèn Phúc Sen", False, 1),
    ("Lạc", False, 0),
])
def test_values_that_cannot_be_checked_are_left_out(make_package, owner, checked, warned):
    def edit(rows):
        rows["establishments"][1].update(owner_name=owner)

    loaded, _ = load_package(make_package(edit))
    folded = owner.casefold()
    expected = (checked, warned)
    assert expected == (folded in private_values(loaded), len(shared_values(loaded)))


# -- the matcher: every encoding the check promises, and reformatted phone numbers ----------

VALUES = {fold(OWNER), PHONE}


@pytest.mark.parametrize(("text", "expected"), [
    (f"<p>{OWNER}</p>", {fold(OWNER)}),
    (f"<p>{OWNER.upper()}</p>", {fold(OWNER)}),
    ("<p>nÔNG vĂN lẠC</p>", {fold(OWNER)}),
    (unicodedata.normalize("NFD", OWNER.upper()), {fold(OWNER)}),
    ("N&#244;ng V&#259;n L&#7841;c", {fold(OWNER)}),
    ("N&ocirc;ng V&#x103;n L&#7840;C", {fold(OWNER)}),
    (json.dumps(OWNER), {fold(OWNER)}),
    (quote(OWNER), {fold(OWNER)}),
    ("\u212aim", set()),
    (f"x{PHONE}y", {PHONE}),
    ("0912 345 678", {PHONE}),
    ("0912.345.678", {PHONE}),
    ("0912-345-678", {PHONE}),
    ("091 234 5678", {PHONE}),
    ("+84 912 345 678", {PHONE}),
    ("(+84) 912345678", {PHONE}),
    ("+84912345678", {PHONE}),
    ("0912\u00a0345\u00a0678", {PHONE}),
    ("0912&nbsp;345&nbsp;678", {PHONE}),
    ("<td>0912 345 679</td>", set()),
    ("10.912.345.678 ₫", set()),
    ("0912 345 67", set()),
    ("Nông Văn Lạch Sơn", {fold(OWNER)}),
    ("Nông Văn", set()),
    ("<p>Lò rèn Phúc Sen, 150.000.000&nbsp;₫, e-04-0016</p>", set()),
])
def test_the_matcher_finds_values_however_written(text, expected):
    assert expected == Matcher(VALUES).found(text.encode())


@pytest.mark.parametrize(("values", "text", "expected"), [
    ({"kim"}, "\u212aIM", {"kim"}),
    ({"strasse"}, "STRAßE", {"strasse"}),
    ({"o'brien"}, "O&#39;Brien", {"o'brien"}),
    ({"trần thị ánh"}, "TRẦN THỊ ÁNH", {"trần thị ánh"}),
    ({"trần thị ánh"}, "Tran Thi Anh", set()),
])
def test_the_matcher_sees_through_case_folding_and_normalisation(values, text, expected):
    assert expected == Matcher(values).found(text.encode())


def test_the_matcher_reads_binary_files_without_failing():
    data = bytes(range(256)) * 64 + PHONE.encode() + b"\xcc\x80\xff"
    assert {PHONE} == Matcher(VALUES).found(data)


# -- remembered results: unchanged files are not read again -----------------------------------

@pytest.fixture
def scans(monkeypatch):
    """Records which files the check reads, so a test can see what the cache skipped."""
    read: list[str] = []
    original = privacy.file_hits

    def recording(matcher, relative, data, members=None):
        read.append(relative)
        return original(matcher, relative, data, members)

    monkeypatch.setattr(privacy, "file_hits", recording)
    return read


def test_unchanged_files_are_not_read_again(package, tmp_path, scans):
    out, cache = tmp_path / "out", tmp_path / "cache"
    out.mkdir()
    (out / "a.html").write_text(f"<p>{OWNER}</p>", encoding="utf-8")
    (out / "b.html").write_text("<p>clean</p>", encoding="utf-8")
    first = check_output(package, out, cache=cache)
    (out / "c.html").write_text("<p>0912 345 678</p>", encoding="utf-8")
    scans.clear()
    second = check_output(package, out, cache=cache)
    expected = (["a.html"], ["a.html", "c.html"], ["c.html"])
    assert expected == ([p.file for p in first], [p.file for p in second], scans)


def test_new_private_values_read_every_file_again(make_package, tmp_path, scans):
    def plant(rows):
        rows["establishments"][0].update(owner_name=PLANTED)

    out, cache = tmp_path / "out", tmp_path / "cache"
    out.mkdir()
    (out / "a.html").write_text(f"<p>{PLANTED}</p>", encoding="utf-8")
    before, _ = load_package(make_package())
    after, _ = load_package(make_package(plant))
    first = check_output(before, out, cache=cache)
    scans.clear()
    second = check_output(after, out, cache=cache)
    assert ([], ["a.html"], ["a.html"]) == (first, [p.file for p in second], scans)


@pytest.mark.parametrize(("values", "text", "expected"), [
    (["nông văn", "văn lạc", "xyz"], "a nông văn lạc b", {"nông văn", "văn lạc"}),
    (["0912345678"], "tel 0912345678\n", {"0912345678"}),
    (["abc"], "", set()),
    ([], "abc", set()),
    (["ab", "abc", "bcd"], "abcd", {"ab", "abc", "bcd"}),
])
def test_values_occurring_in_a_text_are_those_a_substring_test_finds(values, text, expected):
    assert expected == privacy.occurring(values, text)
    assert {v for v in values if v in text} == privacy.occurring(values, text)


def every_case_partner() -> dict[str, frozenset[str]]:
    """The partners by brute force: every code point folded one by one."""
    partners: dict[str, set[str]] = {}
    for code in range(privacy.LAST_CHARACTER + 1):
        folded = chr(code).casefold()
        if len(folded) == 1:
            partners.setdefault(folded, {folded}).add(chr(code))
    return {k: frozenset(v) for k, v in partners.items() if len(v) > 1}


def test_case_partners_skipping_uncased_blocks_equal_folding_every_character():
    assert every_case_partner() == privacy.case_partners()


@pytest.mark.parametrize(("char", "expected"), [
    ("k", {"k", "K", "\u212a"}),  # the Kelvin sign folds to k
    ("ô", {"ô", "Ô"}),
    ("đ", {"đ", "Đ"}),
    ("σ", {"σ", "Σ", "ς"}),
])
def test_case_partners_of_a_letter(char, expected):
    assert frozenset(expected) == privacy.case_partners()[char]


@pytest.mark.parametrize(("listed", "expected"), [
    (None, ["leak.html"]),
    (("leak.html",), ["leak.html"]),
    (("clean.html",), []),  # a file left out of the listing is not read
])
def test_check_output_reads_the_files_of_the_listing_it_is_given(package, tmp_path, listed,
                                                                  expected):
    from pipeline.checks import site_files

    out = tmp_path / "out"
    out.mkdir()
    (out / "leak.html").write_text("<p>Nông Văn Lạc</p>", encoding="utf-8")
    (out / "clean.html").write_text("<p>Lò rèn</p>", encoding="utf-8")
    listing = None if listed is None else [
        (name, entry) for name, entry in site_files(out) if name in listed]
    assert expected == [p.file for p in check_output(package, out, listing=listing)]


def test_a_file_moved_to_a_renamed_folder_is_not_read_again(package, tmp_path, scans):
    out, cache = tmp_path / "out", tmp_path / "cache"
    (out / "part-1").mkdir(parents=True)
    (out / "part-1" / "a.html").write_text(f"<p>{OWNER}</p>", encoding="utf-8")
    with zipfile.ZipFile(out / "part-1" / "b.zip", "w") as archive:
        archive.writestr("inside.csv", f"name\n{OWNER}\n")
    (out / "part-1" / "c.html").write_text(f"<p>{OWNER}</p>", encoding="utf-8")
    first = check_output(package, out, cache=cache)
    (out / "part-1").rename(out / "part-2")  # same files (inode, size, time), new folder
    (out / "part-2" / "c.html").rename(out / "part-2" / "d.html")  # another name: read
    scans.clear()
    second = check_output(package, out, cache=cache)
    read = list(scans)
    uncached = check_output(package, out)
    assert ["part-1/a.html", "part-1/b.zip!inside.csv", "part-1/c.html"] == [
        p.file for p in first]
    assert (second, ["part-2/d.html"]) == (uncached, read)
    assert ["part-2/a.html", "part-2/b.zip!inside.csv", "part-2/d.html"] == [
        p.file for p in second]


def write_archive(path: Path, members: dict[str, str]) -> None:
    path.unlink(missing_ok=True)  # a new file, as the export writes one
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)


def test_unchanged_members_of_a_rewritten_archive_are_not_scanned_again(package, tmp_path,
                                                                        monkeypatch):
    out, cache = tmp_path / "out", tmp_path / "cache"
    out.mkdir()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:
        nested.writestr("deep.txt", f"{OWNER}")
    members = {"a.csv": f"name\n{OWNER}\n", "b.csv": "name\nclean\n", "c.csv": "x\n"}
    write_archive(out / "d.zip", members)
    with zipfile.ZipFile(out / "d.zip", "a") as archive:
        archive.writestr("n.zip", inner.getvalue())
    first = check_output(package, out, cache=cache)
    write_archive(out / "d.zip", {**members, "c.csv": "y\n"})
    with zipfile.ZipFile(out / "d.zip", "a") as archive:
        archive.writestr("n.zip", inner.getvalue())
    scanned: list[str] = []
    original = privacy.documents

    def recording(name, data):
        scanned.append(name)
        return original(name, data)

    monkeypatch.setattr(privacy, "documents", recording)
    second = check_output(package, out, cache=cache)
    monkeypatch.setattr(privacy, "documents", original)
    uncached = check_output(package, out)
    assert ["d.zip!a.csv", "d.zip!n.zip!deep.txt"] == [p.file for p in first]
    assert (second, ["d.zip!c.csv"]) == (uncached, scanned)
