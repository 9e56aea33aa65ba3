"""Listing a site again from the table of an earlier walk (pipeline/listing.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import count_calls

from pipeline import checks, listing


def make_tree(root: Path) -> Path:
    """Files and folders interleaved by name, an empty folder, links to a file and a folder."""
    for name in ["a.html", "b/index.html", "b/x.csv", "b/c/index.html", "ba.txt",
                 "d/index.html", "e/f/g/index.html"]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    (root / "empty").mkdir()
    (root / "link.html").symlink_to(root / "a.html")
    (root / "folder-link").symlink_to(root / "b")
    return root


def plain(found: list) -> list[tuple[str, str, int]]:
    return [(name, entry.path, entry.stat(follow_symlinks=False).st_ino)
            for name, entry in found]


def tick() -> None:
    """Let the file system's coarse clock move on (a change made now gets a later time)."""
    time.sleep(0.05)


@pytest.fixture
def trusting(monkeypatch) -> None:
    """Trust every folder whose time lies before the earlier walk (no racy margin): the
    tests space their changes with :func:`tick` instead of waiting two seconds."""
    monkeypatch.setattr(listing, "RACY_NS", 0)


def test_a_first_walk_lists_what_the_plain_walk_lists(tmp_path):
    root = make_tree(tmp_path / "site")
    found, table = listing.site_files(str(root))
    assert plain(checks.site_files(root)) == plain(found)
    assert "link.html" in {name for name, _ in found}
    assert not any(name.startswith("folder-link/") for name, _ in found)
    assert {"", "b/", "b/c/", "d/", "e/", "e/f/", "e/f/g/", "empty/"} == set(table.folders)
    assert ("a.html", "b/", "ba.txt", "d/", "e/", "empty/", "link.html") == \
        table.folders[""].names


@pytest.mark.parametrize("change", [
    "add a file", "remove a file", "add a folder", "remove a folder", "rename a file",
    "replace a file by a folder", "edit in place", "nothing"])
def test_a_walk_from_a_table_lists_what_a_fresh_walk_lists(tmp_path, trusting, monkeypatch,
                                                           change):
    root = make_tree(tmp_path / "site")
    tick()
    _, table = listing.site_files(str(root))
    tick()
    {
        "add a file": lambda: (root / "b" / "c" / "new.csv").write_text("new"),
        "remove a file": lambda: (root / "b" / "x.csv").unlink(),
        "add a folder": lambda: (root / "e" / "f" / "h").mkdir() or (
            root / "e" / "f" / "h" / "index.html").write_text("h"),
        "remove a folder": lambda: (root / "d" / "index.html").unlink() or (root / "d").rmdir(),
        "rename a file": lambda: (root / "b" / "x.csv").rename(root / "b" / "y.csv"),
        "replace a file by a folder": lambda: (root / "b" / "x.csv").unlink() or (
            root / "b" / "x.csv").mkdir() or (root / "b" / "x.csv" / "z").write_text("z"),
        "edit in place": lambda: (root / "e" / "f" / "g" / "index.html").write_text("longer"),
        "nothing": lambda: None,
    }[change]()
    fresh = checks.site_files(root)
    scanned = count_calls(monkeypatch, listing.os, "scandir")
    again, _ = listing.site_files(str(root), table)
    assert len(scanned) < len(table.folders)  # the unchanged folders were not read
    assert plain(fresh) == plain(again)
    sizes = {name: entry.stat().st_size for name, entry in again}
    assert sizes == {name: entry.stat().st_size for name, entry in fresh}


def test_nothing_changed_only_the_root_is_read(tmp_path, trusting, monkeypatch):
    root = make_tree(tmp_path / "site")
    tick()
    _, table = listing.site_files(str(root))
    tick()
    scanned = count_calls(monkeypatch, listing.os, "scandir")
    again, later = listing.site_files(str(root), table)
    assert [str(root)] == scanned
    assert later.folders == table.folders and later.walked_at > table.walked_at
    assert all(isinstance(entry, listing.Found) for name, entry in again if "/" in name)


def test_a_folder_changed_just_before_the_walk_is_read_again(tmp_path, monkeypatch):
    """Its time may not move at the next change (the clock is coarse): not trusted."""
    root = make_tree(tmp_path / "site")
    _, table = listing.site_files(str(root))  # right after the tree was made
    scanned = count_calls(monkeypatch, listing.os, "scandir")
    listing.site_files(str(root), table)
    assert len(table.folders) == len(scanned)


def test_a_table_of_another_tree_is_not_trusted_for_a_folder_it_does_not_describe(
        tmp_path, trusting):
    first, second = make_tree(tmp_path / "one"), make_tree(tmp_path / "two")
    tick()
    _, table = listing.site_files(str(first))
    again, _ = listing.site_files(str(second), table)
    assert plain(checks.site_files(second)) == plain(again)


def test_a_table_reads_back_from_its_columns(tmp_path):
    _, table = listing.site_files(str(make_tree(tmp_path / "site")))
    assert table == listing.FolderTable.from_columns(table.to_columns())


@pytest.mark.parametrize("columns", [
    (1, ["a/"], b"", ["x"]), (1, ["a/", "b/"], bytes(24), ["x"]), ("no", "columns"), None])
def test_columns_that_do_not_fit_give_no_table(columns):
    assert listing.FolderTable.from_columns(columns) is None


def test_a_found_file_stats_once_and_follows_a_link_when_asked(tmp_path, monkeypatch):
    target = tmp_path / "target.html"
    target.write_text("page")
    (tmp_path / "link.html").symlink_to(target)
    found = listing.Found(str(tmp_path / "link.html"), "link.html")
    calls = count_calls(monkeypatch, listing.os, "stat")
    assert found.stat(follow_symlinks=False) is found.stat(follow_symlinks=False)
    assert 1 == len(calls)
    assert found.stat().st_ino == target.stat().st_ino != found.stat(
        follow_symlinks=False).st_ino
    assert os.fspath(found.path) == str(tmp_path / "link.html")
