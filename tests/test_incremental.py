"""Incremental republish (pipeline/incremental.py): the same bytes as a full build, fewer pages.

The integration tests publish a tiny package, change one thing, republish incrementally into
the same output, and compare every file with a fresh full build of the changed inputs; the
``Reuse`` object of each build says which pages were rendered and which were kept. The unit
tests pin the fingerprint's encoding and the manifest's trust rules without Pelican.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, TINY, count_calls, write_content, write_package
from markupsafe import Markup

from pipeline import build, incremental
from pipeline.pages import Page


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Inputs:
    """What one publish reads: a data package, content, settings (with their theme)."""

    data: Path
    content: Path
    settings: Path
    theme: Path


@pytest.fixture
def inputs(tmp_path: Path) -> Inputs:
    """The tiny package, its story, and settings pointing at a private copy of the theme
    (so a test may edit a template)."""
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    settings = tmp_path / "settings.py"
    settings.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                        "from pelicanconf import *  # noqa: F403\n"
                        f"THEME = {str(theme)!r}\n", encoding="utf-8")
    return Inputs(write_package(tmp_path / "data", TINY), write_content(tmp_path / "content"),
                  settings, theme)


@pytest.fixture
def publish(monkeypatch) -> Callable[..., incremental.Reuse]:
    """Validate and build ``inputs`` into ``output``; returns the build's Reuse object, with
    ``inputs``: what the writer passed for each page (to tell, independently of the
    fingerprints, which pages' inputs changed)."""
    made: list[incremental.Reuse] = []

    def capture(*args, **kwargs) -> incremental.Reuse:
        made.append(opened(*args, **kwargs))
        made[-1].inputs = {}
        return made[-1]

    def unchanged(self, rel_path, page, lang, context) -> bool:
        self.inputs[rel_path] = (page, lang, copy.deepcopy(dict(context)))
        return asked(self, rel_path, page, lang, context)

    def unchanged_source(self, rel_path, page, lang, extras) -> bool:
        """A keyed page: its context (and a body made on demand) is made here, which the
        writer would not do, to be compared."""
        made_page = dataclasses.replace(page, body=page.body()) if callable(page.body) else page
        self.inputs[rel_path] = (made_page, lang, copy.deepcopy({**page.context, **extras}))
        return asked_source(self, rel_path, page, lang, extras)

    opened, asked = incremental.open_reuse, incremental.Reuse.unchanged
    asked_source = incremental.Reuse.unchanged_source
    monkeypatch.setattr(incremental, "open_reuse", capture)
    monkeypatch.setattr(incremental.Reuse, "unchanged", unchanged)
    monkeypatch.setattr(incremental.Reuse, "unchanged_source", unchanged_source)

    def run(inputs: Inputs, output: Path, *, full: bool = False) -> incremental.Reuse:
        package, report = build.validate(inputs.data, inputs.content)
        assert report.ok, report.to_dict()
        build.build(package, inputs.settings, output, inputs.content, report=report, full=full)
        return made[-1]

    return run


def rows_edit(edit: Callable[[dict], None]) -> Callable[[Inputs], None]:
    """An edit of the package's rows, written back as CSV."""
    def apply(inputs: Inputs) -> None:
        rows = json.loads(json.dumps(TINY))
        edit(rows)
        write_package(inputs.data, rows)

    return apply


def retitle(rows: dict) -> None:
    rows["projects"][0]["title_vi"] += " (đã sửa)"


def rename(rows: dict) -> None:
    rows["establishments"][0]["name"] = "Công ty cổ phần Tre trúc Hòa An"


def new_amount(rows: dict) -> None:
    rows["projects"][1]["counterpart_vnd"] = "1700000000"


def add_row(rows: dict) -> None:
    rows["projects"].append(dict(rows["projects"][2], project_id="p-04-2021-003",
                                 title_vi="Đào tạo nghề đan tre năm 2021",
                                 title_en="Bamboo weaving training, 2021"))
    rows["annual-plans"][2].update(planned_vnd="140000000", approved_vnd="120000000")


def delete_row(rows: dict) -> None:
    rows["projects"].pop(0)
    rows["annual-plans"].pop(0)


def story_edit(inputs: Inputs) -> None:
    story = inputs.content / "stories" / "bamboo.md"
    story.write_text(story.read_text(encoding="utf-8").replace(
        "Xưởng tre có máy mới.", "Xưởng tre có hai máy mới."), encoding="utf-8")


def template_edit(inputs: Inputs) -> None:
    base = inputs.theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        "</main>", "<!-- edited --></main>", 1), encoding="utf-8")


#: (edit, whether every page depends on what it changes). A row's value reaches only the
#: pages whose context holds it; a story or a template is read by every page; adding or
#: deleting a row changes the site's list of addresses (``built_urls``), which every page
#: may read.
EDITS = {
    "project title": (rows_edit(retitle), False),
    "establishment name": (rows_edit(rename), False),
    "amount": (rows_edit(new_amount), False),
    "add a row": (rows_edit(add_row), True),
    "delete a row": (rows_edit(delete_row), True),
    "story": (story_edit, True),
    "template": (template_edit, True),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_an_incremental_republish_equals_a_full_build_and_renders_only_what_changed(
        inputs, publish, tmp_path, name):
    edit, everywhere = EDITS[name]
    output, fresh = tmp_path / "site" / "output", tmp_path / "fresh" / "output"
    before = publish(inputs, output)
    old_bytes = tree(output)
    edit(inputs)
    again = publish(inputs, output)
    expected = publish(inputs, fresh, full=True)
    new_bytes = tree(fresh)
    inputs_changed = {rel for rel, given in again.inputs.items()
                      if before.inputs.get(rel) != given}
    bytes_changed = {rel for rel in expected.rendered if old_bytes.get(rel) != new_bytes[rel]}
    assert new_bytes == tree(output)
    assert sorted(expected.rendered) == sorted(again.rendered + again.reused)
    assert sorted(expected.rendered if everywhere else inputs_changed) == sorted(again.rendered)
    assert bytes_changed <= set(again.rendered)
    assert (not everywhere) == (0 < len(again.reused))


def test_a_republish_without_change_renders_nothing_and_links_every_page(
        inputs, publish, tmp_path):
    output = tmp_path / "output"
    first = publish(inputs, output)
    inodes = {rel: (output / rel).stat().st_ino for rel in first.rendered}
    second = publish(inputs, output)
    assert ([], sorted(first.rendered)) == (second.rendered, sorted(second.reused))
    assert inodes == {rel: (output / rel).stat().st_ino for rel in second.reused}


def test_templates_are_compiled_once_for_the_same_code(inputs, publish, tmp_path):
    """The compiled templates are kept under the build's code salt: a republish loads them
    (Jinja2 writes a template's file only when it compiled it), and the folder of another
    salt goes."""
    output = tmp_path / "output"
    publish(inputs, output)
    root = incremental.cache_dir(output) / incremental.TEMPLATES
    (folder,) = root.iterdir()
    compiled = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len(compiled) > 10
    publish(inputs, output)
    assert compiled == {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    base = inputs.theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    publish(inputs, output)
    (other,) = root.iterdir()
    assert other.name != folder.name and len(list(other.iterdir())) == len(compiled)


def test_a_template_cache_per_salt(tmp_path):
    first = incremental.template_cache(tmp_path, "salt one")
    assert first == incremental.template_cache(tmp_path, "salt one") and first.is_dir()
    (first / "x.cache").write_bytes(b"compiled")
    second = incremental.template_cache(tmp_path, "salt two")
    assert second != first and second.is_dir() and not first.exists()


def test_no_template_cache_where_it_cannot_be_made(tmp_path):
    (tmp_path / incremental.TEMPLATES).write_text("a file where the folder would be")
    assert incremental.template_cache(tmp_path, "salt") is None


def test_full_renders_every_page_even_when_nothing_changed(inputs, publish, tmp_path):
    output = tmp_path / "output"
    first = publish(inputs, output)
    before = tree(output)
    again = publish(inputs, output, full=True)
    assert (sorted(first.rendered), []) == (sorted(again.rendered), again.reused)
    assert before == tree(output)


def test_a_page_edited_in_the_published_output_is_rendered_again(inputs, publish, tmp_path):
    output = tmp_path / "output"
    first = publish(inputs, output)
    edited = output / first.rendered[0]
    original = edited.read_bytes()
    edited.write_bytes(original.replace(b"<", b"< ", 1))
    again = publish(inputs, output)
    assert [first.rendered[0]] == again.rendered
    assert original == (output / first.rendered[0]).read_bytes()


def test_an_output_replaced_by_a_copy_is_not_trusted(inputs, publish, tmp_path):
    output = tmp_path / "output"
    first = publish(inputs, output)
    shutil.copytree(output, tmp_path / "copy")
    shutil.rmtree(output)
    (tmp_path / "copy").rename(output)
    again = publish(inputs, output)
    assert (sorted(first.rendered), []) == (sorted(again.rendered), again.reused)


# -- killed publishes: output/ and the cache stay consistent ------------------------------------

def start(inputs: Inputs, output: Path, kill_at: str) -> int:
    """`python -m pipeline build --quiet` in a child killed at ``kill_at``; its exit status."""
    env = {**os.environ, "KC_TEST_KILL_AT": kill_at}
    child = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", "--quiet", "--settings",
         str(inputs.settings), "--output", str(output), "--data", str(inputs.data),
         "--content", str(inputs.content)], cwd=ROOT, env=env, capture_output=True,
        timeout=300, check=False)
    return child.returncode


@pytest.mark.parametrize(("point", "published_new"), [
    ("mid:pages", False), ("after:checks", False), ("after:swap", True),
])
def test_a_killed_republish_leaves_output_and_cache_consistent(
        inputs, publish, tmp_path, point, published_new):
    output, fresh = tmp_path / "site" / "output", tmp_path / "fresh" / "output"
    publish(inputs, output)
    publish(inputs, output)  # the first site is now the spare, which the killed build takes
    assert (incremental.cache_dir(output) / incremental.SPARE).is_dir()
    old = tree(output)
    rows_edit(retitle)(inputs)
    expected = publish(inputs, fresh, full=True)
    assert -signal.SIGKILL == start(inputs, output, point)
    assert (tree(fresh) if published_new else old) == tree(output)
    again = publish(inputs, output)
    assert tree(fresh) == tree(output)
    assert output == again.previous  # a manifest (the pending one after the swap) is trusted
    assert len(again.rendered) < len(again.reused), again.rendered
    assert len(expected.rendered) == len(again.rendered) + len(again.reused)


# -- double-buffered output: the spare ----------------------------------------------------------

def revert(inputs: Inputs) -> None:
    write_package(inputs.data, TINY)


#: Two edits in a row: the third publish starts from the spare (the first site), in which
#: some pages are as they must be, some must be linked from the output (changed by the
#: first edit only), some rendered, some removed. The flag: the second edit changes the
#: site's addresses, so that the pages are made twice (the first pass, which assumed the
#: last build's addresses, links pages that the second pass undoes).
SEQUENCES = {
    "edit, then revert": (rows_edit(retitle), revert, False),
    "two rows": (rows_edit(retitle), rows_edit(rename), False),
    "delete a row, then add one": (rows_edit(delete_row), rows_edit(add_row), True),
    "add a row, then delete one": (rows_edit(add_row), rows_edit(delete_row), True),
    "story, then a row": (story_edit, rows_edit(new_amount), False),
}


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_a_republish_from_the_spare_equals_a_full_build_and_writes_only_what_changed(
        inputs, publish, tmp_path, monkeypatch, name):
    output, fresh = tmp_path / "site" / "output", tmp_path / "fresh" / "output"
    first = publish(inputs, output)
    SEQUENCES[name][0](inputs)
    publish(inputs, output)
    SEQUENCES[name][1](inputs)
    with monkeypatch.context() as patch:
        linked = count_calls(patch, incremental.os, "link")
        third = publish(inputs, output)
    expected = publish(inputs, fresh, full=True)
    assert tree(fresh) == tree(output)
    assert sorted(expected.rendered) == sorted(third.rendered + third.reused)
    if SEQUENCES[name][2]:
        return
    # a kept page is linked only when the spare holds another version of it
    pages_linked = {os.path.relpath(source, output) for source in linked
                    if os.path.relpath(source, output) in third.keys}
    assert {rel for rel in third.reused if first.keys.get(rel) != third.keys[rel]} == \
        pages_linked
    assert set(third.reused) - pages_linked == third.from_spare
    if name == "edit, then revert":  # the spare is the site wanted: nothing to link at all
        assert (set(), set(third.reused)) == (pages_linked, third.from_spare)


def test_without_a_change_the_third_publish_writes_no_page(inputs, publish, tmp_path,
                                                            monkeypatch):
    output = tmp_path / "output"
    publish(inputs, output)
    second = publish(inputs, output)
    inodes = {rel: (output / rel).stat().st_ino for rel in second.reused}
    with monkeypatch.context() as patch:
        calls = {name: count_calls(patch, incremental.os, name)
                 for name in ("link", "mkdir", "unlink")}
        third = publish(inputs, output)
    pages = {os.path.join(third.staging, rel) for rel in third.keys}
    assert ([], sorted(second.reused)) == (third.rendered, sorted(third.reused))
    assert {name: [] for name in calls} == {
        name: [c for c in found if str(c) in pages] for name, found in calls.items()}
    assert inodes == {rel: (output / rel).stat().st_ino for rel in third.reused}


@pytest.mark.parametrize("tamper", ["page replaced", "page removed", "manifest removed",
                                    "manifest of another folder", "full"])
def test_a_spare_that_is_not_as_recorded_is_not_trusted(inputs, publish, tmp_path, tamper):
    """Whatever happened to the spare, the publish equals a full build."""
    output, fresh = tmp_path / "site" / "output", tmp_path / "fresh" / "output"
    first = publish(inputs, output)
    rows_edit(retitle)(inputs)
    publish(inputs, output)
    revert(inputs)
    cache = incremental.cache_dir(output)
    spare, page = cache / incremental.SPARE, first.rendered[0]
    if tamper == "page replaced":
        (spare / page).unlink()
        (spare / page).write_bytes(b"stale")
    elif tamper == "page removed":
        shutil.rmtree((spare / page).parent)
    elif tamper == "manifest removed":
        (cache / incremental.SPARE_MANIFEST).unlink()
    elif tamper == "manifest of another folder":
        shutil.copytree(spare, spare.with_name("copy"))
        shutil.rmtree(spare)
        spare.with_name("copy").rename(spare)
    again = publish(inputs, output, full=tamper == "full")
    publish(inputs, fresh, full=True)
    assert tree(fresh) == tree(output)
    assert page in (again.rendered + again.reused)
    assert not (output.parent / "unused-spare").exists()
    assert [] == [p.name for p in output.parent.iterdir() if p.name.startswith(".output-")]


@pytest.mark.parametrize(("edit", "kept"), [(rows_edit(retitle), True), (story_edit, False),
                                            (None, False)])
def test_the_previous_site_is_kept_only_when_the_build_kept_most_pages(
        inputs, publish, tmp_path, edit, kept):
    """After a build that rendered (nearly) everything, the previous site would be a spare
    whose every page must be replaced: it is deleted instead."""
    output = tmp_path / "site" / "output"
    publish(inputs, output)
    if edit is not None:
        edit(inputs)
    publish(inputs, output, full=edit is None)
    cache = incremental.cache_dir(output)
    assert kept == (cache / incremental.SPARE).is_dir()
    assert kept == (cache / incremental.SPARE_MANIFEST).is_file()
    assert [] == [p.name for p in output.parent.iterdir() if p.name != "output"
                  and not p.name.startswith(".kc-cache")]


def test_a_spare_that_cannot_be_used_is_deleted_in_the_background(inputs, publish, tmp_path,
                                                                   monkeypatch):
    """A large unusable spare (here: its manifest lost) must not delay the publish."""
    from pipeline import swap

    output = tmp_path / "site" / "output"
    publish(inputs, output)
    publish(inputs, output)
    cache = incremental.cache_dir(output)
    (cache / incremental.SPARE_MANIFEST).unlink()
    later: list[Path] = []
    monkeypatch.setattr(swap, "discard_later",
                        lambda staging, trash: later.append(staging.root) or
                        swap.discard(staging))
    package, report = build.validate(inputs.data, inputs.content)
    build.build(package, inputs.settings, output, inputs.content, report=report,
                discard_in_background=True)
    assert 1 == len(later)
    assert (cache / incremental.SPARE).is_dir()  # this build's previous site, kept


def test_a_spare_that_cannot_be_moved_leaves_an_empty_staging_site(tmp_path, monkeypatch):
    cache, site = tmp_path / "cache", tmp_path / "staging" / "site"
    (cache / incremental.SPARE).mkdir(parents=True)
    site.mkdir(parents=True)
    manifest = incremental.Manifest(0, 0, others=())
    monkeypatch.setattr(incremental, "read_manifest", lambda path: manifest)
    monkeypatch.setattr(incremental.Manifest, "describes", lambda self, folder: True)

    def refuse(source, target):
        raise OSError("cross-device link")

    monkeypatch.setattr(incremental.os, "rename", refuse)
    assert None is incremental.take_spare(cache, site, tmp_path / "staging" / "unused")
    assert site.is_dir() and [] == list(site.iterdir())


def test_the_spare_keeps_no_other_file_of_its_build(inputs, publish, tmp_path):
    """What Pelican, the export and the search index wrote is removed from the spare before
    the build writes its own (a file from the previous build is never written in place)."""
    output = tmp_path / "output"
    publish(inputs, output)
    publish(inputs, output)
    cache = incremental.cache_dir(output)
    manifest = incremental.read_manifest(cache / incremental.SPARE_MANIFEST)
    assert manifest is not None and manifest.others
    assert {"sitemap.xml", "data/datapackage.json"} <= set(manifest.others)
    site = tmp_path / "staging" / "site"
    site.mkdir(parents=True)
    taken = incremental.take_spare(cache, site, tmp_path / "staging" / "unused")
    assert taken is not None and not (cache / incremental.SPARE).exists()
    left = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert left == set(taken.pages)
    assert not (site / "data").exists()


def test_the_spare_keeps_what_a_stage_asks_it_to_keep(inputs, publish, tmp_path):
    """The search index's part bundles stay in place, for the search stage to keep them
    or replace them (``search.reused``); everything else but the pages goes."""
    from pipeline.search import SPARE_KEEPS

    output = tmp_path / "output"
    publish(inputs, output)
    publish(inputs, output)
    cache = incremental.cache_dir(output)
    site = tmp_path / "staging" / "site"
    site.mkdir(parents=True)
    taken = incremental.take_spare(cache, site, tmp_path / "staging" / "unused",
                                   keep=(SPARE_KEEPS,))
    assert taken is not None
    parts = {name for name in taken.others if name.startswith(SPARE_KEEPS)}
    left = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert parts and left == set(taken.pages) | parts
    assert not (site / "pagefind" / "pagefind.js").exists()


# -- unit: the canonical encoding ---------------------------------------------------------------

@pytest.mark.parametrize(("first", "second", "same"), [
    ({"a": 1, "b": 2}, {"a": 1, "b": 2}, True),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}, False),        # a template iterates in this order
    ({"x", "y", "z"}, {"z", "y", "x"}, True),           # sets: sorted, whatever the hash seed
    (frozenset({1, 2}), {1, 2}, False),
    ("<b>", Markup("<b>"), False),                      # autoescaped or not
    (1, 1.0, False), (1, True, False), ([1, 2], (1, 2), False), (0.1 + 0.2, 0.3, False),
    ("Hòa", unicodedata.normalize("NFD", "Hòa"), False),
    (["shared", "shared"], ["".join(["sha", "red"]), "shared"], True),  # no identity memo
])
def test_encode_is_equal_exactly_for_equal_values(first, second, same):
    assert same == (incremental.encode(first) == incremental.encode(second))


@pytest.mark.parametrize("value", [lambda: 1, {"f": lambda: 1}, {(lambda: 1)}])
def test_a_value_that_cannot_be_encoded_has_no_fingerprint(value):
    assert None is incremental.encode(value)


def test_the_fingerprint_does_not_depend_on_the_process():
    code = ("from pipeline import incremental; print(incremental.digest(incremental.encode("
            "{'urls': {'a/', 'b/', 'c/', 'd/'}, 'n': [1, 2.5, None]})))")
    digests = {subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}
                              ).stdout for seed in ("1", "2", "3")}
    assert 1 == len(digests)


# -- unit: the reuse hook on plain folders ------------------------------------------------------

PAGE = Page(url="projects/p-1/", template="project.html", context={"title": "A"},
            kind="project", title="A")


@pytest.fixture
def published_site(tmp_path: Path) -> tuple[Path, Path]:
    """An output folder with one page, published with a manifest in the cache."""
    output, cache = tmp_path / "output", incremental.cache_dir(tmp_path / "output")
    staging = tmp_path / "staging"
    reuse = incremental.open_reuse(output, staging, cache, "salt")
    reuse.begin({"settings": {}})
    assert not reuse.unchanged("projects/p-1/index.html", PAGE, "vi", PAGE.context)
    (staging / "projects" / "p-1").mkdir(parents=True)
    (staging / "projects" / "p-1" / "index.html").write_text("A", encoding="utf-8")
    reuse.save_pending(cache)
    staging.rename(output)
    incremental.promote(cache)
    return output, cache


def republish(output: Path, cache: Path, salt: str = "salt", title: str = "A",
              build_wide: dict | None = None) -> incremental.Reuse:
    staging = output.parent / "staging-2"
    reuse = incremental.open_reuse(output, staging, cache, salt)
    reuse.begin(build_wide or {"settings": {}})
    page = Page(url=PAGE.url, template=PAGE.template, context={"title": title},
                kind=PAGE.kind, title=title)
    reuse.unchanged("projects/p-1/index.html", page, "vi", page.context)
    return reuse


@pytest.mark.parametrize(("change", "kept"), [
    ({}, True),
    ({"title": "B"}, False),
    ({"salt": "another theme"}, False),
    ({"build_wide": {"settings": {"SITEURL": "https://x"}}}, False),
])
def test_a_page_is_kept_only_when_its_fingerprint_is_the_same(published_site, change, kept):
    reuse = republish(*published_site, **change)
    assert ([], ["projects/p-1/index.html"]) == ((reuse.rendered, reuse.reused) if kept
                                                else (reuse.reused, reuse.rendered))
    assert kept == (reuse.staging / "projects/p-1/index.html").exists()


@pytest.mark.parametrize("tamper", ["edit", "replace", "pending elsewhere"])
def test_a_previous_file_that_is_not_the_recorded_one_is_not_reused(published_site, tamper):
    output, cache = published_site
    page = output / "projects" / "p-1" / "index.html"
    if tamper == "edit":
        page.write_text("B", encoding="utf-8")
    elif tamper == "replace":
        page.unlink()
        page.write_text("A", encoding="utf-8")
    else:
        (cache / incremental.MANIFEST).rename(cache / incremental.PENDING)
        os.rename(output, output.with_name("moved"))
        shutil.copytree(output.with_name("moved"), output)
    assert ["projects/p-1/index.html"] == republish(output, cache).rendered


def test_a_pending_manifest_is_used_when_the_swap_happened_but_not_the_promotion(
        published_site):
    output, cache = published_site
    (cache / incremental.MANIFEST).rename(cache / incremental.PENDING)
    assert ["projects/p-1/index.html"] == republish(output, cache).reused


@pytest.mark.parametrize("walked", [False, True])
def test_writing_into_a_linked_file_stops_the_build(published_site, walked):
    """Also when the manifest takes the file's identity from the checks' walk of the site."""
    from pipeline.checks import site_files

    output, cache = published_site
    reuse = republish(output, cache)
    with open(reuse.staging / "projects/p-1/index.html", "a", encoding="utf-8") as linked:
        linked.write("more")
    with pytest.raises(incremental.ReuseError):
        reuse.manifest(dict(site_files(reuse.staging)) if walked else None)


def test_two_pages_at_one_path_never_share_the_linked_file(published_site):
    output, cache = published_site
    reuse = republish(output, cache)
    other = Page(url=PAGE.url, template=PAGE.template, context={"title": "B"},
                 kind=PAGE.kind, title="B")
    assert not reuse.unchanged("projects/p-1/index.html", other, "vi", other.context)
    assert not (reuse.staging / "projects/p-1/index.html").exists()
    assert "A" == (output / "projects/p-1/index.html").read_text(encoding="utf-8")


def test_full_forgets_the_cache(published_site):
    output, cache = published_site
    reuse = incremental.open_reuse(output, output.parent / "staging-2", cache, "salt",
                                   full=True)
    assert (None, False) == (reuse.previous, cache.exists())


@pytest.mark.parametrize(("name", "surveys"), [("project title", 0), ("amount", 0),
                                               ("add a row", 1), ("delete a row", 1)])
def test_a_republish_assumes_the_last_survey_until_the_addresses_change(
        inputs, publish, tmp_path, monkeypatch, name, surveys):
    """The builders' extra pass for the site's addresses is skipped when the last build's
    still hold; when they do not, the pages are rendered again after a survey (the output
    is then the full build's: test above)."""
    from pipeline import plugin

    output = tmp_path / "out"
    first = publish(inputs, output)
    calls: list[int] = []
    survey = plugin.DataPagesGenerator.survey
    monkeypatch.setattr(plugin.DataPagesGenerator, "survey",
                        lambda self: calls.append(1) or survey(self))
    EDITS[name][0](inputs)
    again = publish(inputs, output)
    assert surveys == len(calls)
    assert "projects/" in first.survey.urls and first.survey.count >= len(first.survey.urls)
    assert (surveys == 0) == (first.survey == again.survey)


def sample_manifest(pages: int = 3) -> incremental.Manifest:
    return incremental.Manifest(
        7, 11, {f"p/{n}/index.html": incremental.Entry(f"{n:032x}", 100 + n, 2**40 + n,
                                                        1_700_000_000_123_456_789 + n)
                for n in range(pages)},
        incremental.Survey(2, ("a/", "b/")), ("sitemap.xml",))


@pytest.mark.parametrize("pages", [0, 1, 1000])
def test_a_manifest_reads_back_as_written(pages):
    manifest = sample_manifest(pages)
    again = incremental.Manifest.from_bytes(manifest.to_bytes())
    assert manifest == again
    assert all(type(e) is incremental.Entry for e in again.pages.values())
    assert all(e.key == f"{int(rel.split('/')[1]):032x}" for rel, e in again.pages.items())


@pytest.mark.parametrize("damage", ["one key less", "one number more", "another format",
                                    "truncated", "not a manifest"])
def test_a_damaged_manifest_is_not_read(damage):
    import pickle

    found = pickle.loads(sample_manifest().to_bytes())
    if damage == "one key less":
        found["keys"].pop()
    elif damage == "one number more":
        found["identities"] += (5).to_bytes(8, "little")
    elif damage == "another format":
        found["format"] = incremental.FORMAT - 1
    data = pickle.dumps(["a", "list"] if damage == "not a manifest" else found)
    if damage == "truncated":
        data = sample_manifest().to_bytes()[:-20]
    assert incremental.Manifest.from_bytes(data) is None


def describing(folder: Path, origin: str | None) -> incremental.Manifest:
    status = folder.stat()
    return incremental.Manifest(status.st_dev, status.st_ino, others=(), origin=origin)


@pytest.mark.parametrize(("origin", "reads"), [(incremental.MANIFEST, False),
                                               (incremental.PENDING, True), (None, True)])
def test_keeping_the_spare_reads_the_manifest_only_when_not_already_read(
        tmp_path, monkeypatch, origin, reads):
    """The build read the published manifest at its start: keeping the spare uses it,
    unless it came from another file than the one that becomes the spare's manifest."""
    cache, old_site = tmp_path / "cache", tmp_path / "old"
    cache.mkdir()
    old_site.mkdir()
    manifest = describing(old_site, incremental.MANIFEST)
    (cache / incremental.MANIFEST).write_bytes(manifest.to_bytes())
    read = count_calls(monkeypatch, incremental, "read_manifest")
    assert incremental.keep_spare(cache, old_site, describing(old_site, origin))
    assert (1 if reads else 0) == len(read)
    assert (cache / incremental.SPARE).is_dir() and not old_site.exists()
    assert incremental.read_manifest(cache / incremental.SPARE_MANIFEST) is not None


def test_a_published_manifest_of_another_folder_keeps_no_spare(tmp_path):
    cache, old_site, other = tmp_path / "cache", tmp_path / "old", tmp_path / "other"
    for folder in (cache, old_site, other):
        folder.mkdir()
    (cache / incremental.MANIFEST).write_bytes(describing(other, None).to_bytes())
    assert not incremental.keep_spare(cache, old_site, describing(other, incremental.MANIFEST))
    assert old_site.is_dir() and not (cache / incremental.SPARE).exists()


def test_republishes_read_only_the_folders_that_changed_and_equal_a_full_build(
        inputs, publish, tmp_path, monkeypatch):
    """From the third publish on, the staging site is a spare whose walk was recorded: its
    unchanged folders are not read again (pipeline/listing.py), and the sitemap, checks and
    manifest made from that listing still give what a full build gives, edit after edit."""
    from pipeline import listing

    monkeypatch.setattr(listing, "RACY_NS", 0)  # trust what is older than the last walk
    output, fresh = tmp_path / "site" / "output", tmp_path / "fresh" / "output"
    publish(inputs, output)
    read = []
    for name in (None, "project title", "establishment name", "amount"):
        time.sleep(0.05)  # a later change gets a later time on the coarse clock
        if name is not None:
            EDITS[name][0](inputs)
        with monkeypatch.context() as patch:
            scanned = count_calls(patch, listing, "scan")
            publish(inputs, output)
        read.append(len(scanned))
    every = read[0]  # no spare yet: every folder is read
    assert all(0 < count < every for count in read[1:])
    # One title: the folders of the pages made from its record (keyed pages in both
    # languages, pipeline/pages.py), and the top folders; not the whole site.
    assert read[1] < every * 0.6
    publish(inputs, fresh, full=True)
    assert tree(fresh) == tree(output)


def titled(title: str, **extra) -> Page:
    return Page(url="x/", template="t.html", context={"title": title, **extra}, kind="k",
                title=title)


def test_a_worker_s_state_merges_into_what_the_worker_itself_learnt(tmp_path):
    """A page process sends back only what the receiving process cannot know: a kept
    page's fingerprint and file are the spare's or the published site's entry. Merged, the
    receiving process holds the same fingerprints, links and lists, in every case."""
    import pickle

    output, staging = tmp_path / "output", tmp_path / "staging"
    for folder, name, text in [(output, "a.html", "A"), (output, "c.html", "old"),
                               (staging, "s.html", "S")]:
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    probe = incremental.Reuse(staging, None, None, "salt")
    probe.begin({"settings": {}})

    def entry(folder: Path, name: str, title: str) -> incremental.Entry:
        page = titled(title)
        key = incremental.page_fingerprint(probe.build_key, name, page, "vi", page.context)
        return incremental.Entry.of(key, (folder / name).stat())

    def manifest(folder: Path, pages: dict) -> incremental.Manifest:
        status = folder.stat()
        return incremental.Manifest(status.st_dev, status.st_ino, pages=pages)

    published = manifest(output, {"a.html": entry(output, "a.html", "A"),
                                   "c.html": entry(output, "c.html", "old")})
    spare = manifest(staging, {"s.html": entry(staging, "s.html", "S")})

    def opened() -> incremental.Reuse:
        reuse = incremental.Reuse(staging, output, published, "salt", spare)
        reuse.begin({"settings": {}})
        return reuse

    worker = opened()
    outcomes = [worker.unchanged(name, page, "vi", page.context) for name, page in [
        ("a.html", titled("A")),                    # linked from the published site
        ("s.html", titled("S")),                    # kept as the spare holds it
        ("c.html", titled("new")),                  # rendered
        ("u.html", titled("u", odd=lambda: None)),  # rendered, without a fingerprint
        ("a.html", titled("A again")),              # another page at a kept page's path
    ]]
    assert [True, True, False, False, False] == outcomes
    receiver = opened()
    receiver.merge(pickle.loads(pickle.dumps(worker.state())))
    for name in ("keys", "linked", "rendered", "reused", "from_spare"):
        assert getattr(worker, name) == getattr(receiver, name), name
    assert {"a.html", "s.html", "c.html"} == set(receiver.keys)
    assert {"s.html"} == set(receiver.linked) == receiver.from_spare
