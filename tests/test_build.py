"""The publish command: validation gate, staging folder, checks before the swap, kills, dates.

"Left as it was" is checked byte for byte: a manifest of every file's relative path and
SHA-256 taken before the publish must equal the one taken after it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, TINY, write_content, write_package

from pipeline import build, incremental, progress, swap


def manifest(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder`` (what "identical" means)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def args(data: Path, output: Path, content: Path, *extra: str,
         settings: str = "pelicanconf.py") -> argparse.Namespace:
    """The command line as the CLI would parse it (so new options get their defaults)."""
    parser = argparse.ArgumentParser()
    build.add_arguments(parser)
    return parser.parse_args(["--settings", str(ROOT / settings), "--output", str(output),
                              "--data", str(data), "--content", str(content), *extra])


def siblings(output: Path) -> list[str]:
    """What lies beside the output folder (a finished build leaves no staging folder; the
    build cache of pipeline/incremental.py is meant to stay)."""
    return sorted(p.name for p in output.parent.iterdir()
                  if p.name.startswith(".") and p.name != incremental.CACHE_FOLDER)


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    """An output folder from an earlier build, with a file the next build would not write."""
    output = tmp_path / "output"
    output.mkdir()
    (output / "old.html").write_text("earlier build", encoding="utf-8")
    return output


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """One story in both languages and the data-notes page, editable per test."""
    return write_content(tmp_path / "content")


# -- refused and failed publishes leave output/ as it was ---------------------------------------

def test_invalid_data_stops_the_build_and_writes_nothing(make_package, previous_output,
                                                          content, capsys):
    before = manifest(previous_output)
    data = make_package()
    (data / "projects.csv").write_bytes(b"")
    code = build.run(args(data, previous_output, content))
    err = capsys.readouterr().err
    assert (1, before, []) == (code, manifest(previous_output), siblings(previous_output))
    assert "empty-file" in err
    assert "nothing was written" in err


STORY_LINE = "\n\n{line}\n"


@pytest.mark.parametrize(("line", "messages"), [
    ("See [the list](/nowhere/).",
     ["broken internal links: stories/bamboo/index.html -> /nowhere/"]),
    ("![Workshop](https://cdn.example.com/x.png)",
     ["resources loaded from other hosts: stories/bamboo/index.html -> "
      "https://cdn.example.com/x.png"]),
    ("Call 0912345678.",
     ["privacy: ", "stories/bamboo/index.html: a value of establishments.phone"]),
])
def test_a_failing_post_build_check_keeps_the_previous_output(make_package, previous_output,
                                                              content, capsys, line, messages):
    story = content / "stories" / "bamboo.md"
    story.write_text(story.read_text(encoding="utf-8") + STORY_LINE.format(line=line),
                     encoding="utf-8")
    before = manifest(previous_output)
    code = build.run(args(make_package(), previous_output, content, "--quiet"))
    captured = capsys.readouterr()
    assert (1, before, []) == (code, manifest(previous_output), siblings(previous_output))
    assert "post-build checks failed" in captured.err
    assert [] == [m for m in messages if m not in captured.err]
    assert "" == captured.out  # --quiet: errors only


def test_an_invalid_published_package_keeps_the_previous_output(make_package, previous_output,
                                                                content, monkeypatch, capsys):
    """A CSV changed after its hash was written: Frictionless catches it before the swap."""
    real_export = build.export

    def tampered(package, out_dir, *rest, **options):
        downloads = real_export(package, out_dir, *rest, **options)
        csv = out_dir / "data" / "projects.csv"
        changed = csv.read_bytes().replace(b"completed", b"complete!", 1)
        csv.unlink()  # a new file: never write through a hard link to the published output
        csv.write_bytes(changed)
        return downloads

    monkeypatch.setattr(build, "export", tampered)
    before = manifest(previous_output)
    code = build.run(args(make_package(), previous_output, content, "--quiet"))
    err = capsys.readouterr().err
    assert (1, before, []) == (code, manifest(previous_output), siblings(previous_output))
    assert "the published data package is invalid" in err
    assert "hash-count" in err


@pytest.mark.parametrize(("stage", "exception", "code", "message"), [
    ("run_pelican", build.BuildFailed("template broken"), 1, "template broken"),
    ("run_pelican", KeyboardInterrupt(), 130, "build interrupted"),
    ("finish_site", build.BuildFailed("search: pagefind failed"), 1, "pagefind failed"),
    ("replace", build.BuildFailed("swap: disk full"), 1, "swap: disk full"),
    ("export", build.BuildFailed("export: disk full"), 1, "export: disk full"),
    ("export", ValueError("not wrapped"), 1, "ValueError: not wrapped"),
    ("precompute", build.BuildFailed("statistics broken"), 1, "statistics broken"),
    # saved during the checks, while the privacy child works: still before the swap
    ("save_manifest", build.BuildFailed("incremental: a.html was written in place"), 1,
     "written in place"),
])
def test_a_failed_stage_keeps_the_previous_output(make_package, previous_output, content,
                                                  monkeypatch, capsys, stage, exception, code,
                                                  message):
    def fail(*_args, **_kwargs):
        raise exception

    monkeypatch.setattr(build, stage, fail)
    before = manifest(previous_output)
    result = build.run(args(make_package(), previous_output, content, "--quiet"))
    err = capsys.readouterr().err
    assert (code, before, []) == (result, manifest(previous_output), siblings(previous_output))
    assert message in err
    assert f"{previous_output} left as it was" in err


@pytest.mark.parametrize(("step", "message"), [
    ("export", "export: process 2 died"),
    # looked for in a forked child beside the link check: a death is a failed check
    ("check_privacy", "privacy: the check failed"),
])
def test_a_child_that_dies_stops_the_build_cleanly(make_package, previous_output, content,
                                                   monkeypatch, capsys, step, message):
    monkeypatch.setattr(build, step, lambda *_args, **_kwargs: os._exit(3))
    before = manifest(previous_output)
    code = build.run(args(make_package(), previous_output, content, "--quiet"))
    err = capsys.readouterr().err
    assert (1, before, []) == (code, manifest(previous_output), siblings(previous_output))
    assert message in err
    assert "exit code 3" in err


def test_the_manifest_is_saved_when_the_checks_do_not_save_it(make_package, tmp_path,
                                                              content, monkeypatch):
    """The bench may skip the checks (``--skip checks``): the next build is still
    incremental."""
    monkeypatch.setattr(build, "post_build_checks", lambda *_args, **_kwargs: "skipped")
    output = tmp_path / "output"
    assert 0 == build.run(args(make_package(), output, content, "--quiet"))
    assert incremental.published_manifest(output, incremental.cache_dir(output)) is not None


def test_a_republish_s_export_child_finds_the_private_values(make_package, tmp_path, content,
                                                             monkeypatch):
    """A first build's export writes every file and its child is the slower: this process
    finds the private values. A republish's export links most files: its child does."""
    from pipeline import privacy

    real, record = privacy.private_values, tmp_path / "found-in"

    def spy(package):
        with record.open("a") as out:  # the child's own memory goes with it
            out.write("here\n" if os.getpid() == here else "child\n")
        return real(package)

    here = os.getpid()
    monkeypatch.setattr(privacy, "private_values", spy)
    output = tmp_path / "output"
    for _ in range(2):
        assert 0 == build.run(args(make_package(), output, content, "--quiet"))
    assert ["here", "child"] == record.read_text().split()


def test_slow_checks_start_before_they_are_needed(make_package, tmp_path, content,
                                                   monkeypatch):
    """The guard is made while the export runs, the package check starts before the
    search stage, and the manifest is saved before the privacy check's child is waited
    for: each uses a core that is otherwise idle (bench/README.md)."""
    calls: list[str] = []

    def spy(name):
        real = getattr(build, name)

        def call(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(build, name, call)

    for name in ("privacy_guard", "run_pelican", "start_package_check", "finish_site",
                 "post_build_checks", "save_manifest", "privacy_result", "replace"):
        spy(name)
    assert 0 == build.run(args(make_package(), tmp_path / "output", content, "--quiet"))
    assert ["privacy_guard", "run_pelican", "start_package_check", "finish_site",
            "post_build_checks", "save_manifest", "privacy_result", "replace"] == calls


def test_a_missing_content_folder_fails_cleanly(make_package, previous_output):
    """Pelican refuses a settings PATH that does not exist; the build reports it, no traceback."""
    before = manifest(previous_output)
    code = build.run(args(make_package(), previous_output, previous_output.parent / "none"))
    assert (1, before, []) == (code, manifest(previous_output), siblings(previous_output))


# -- a successful publish: every stage reported, then swapped in --------------------------------

def test_a_successful_build_replaces_the_output_and_reports_each_stage(
        make_package, previous_output, content, capsys):
    code = build.run(args(make_package(), previous_output, content))
    lines = capsys.readouterr().out.splitlines()
    stage_lines = [line for line in lines if not line.startswith(" ")]
    timed = [re.match(r"([a-z]+) +\d+\.\d\d s\b", line) for line in stage_lines[:-1]]
    assert 0 == code
    assert list(progress.STAGES) == [match.group(1) if match else None for match in timed]
    assert stage_lines[-1].startswith("published ")
    assert not (previous_output / "old.html").exists()
    assert (previous_output / "index.html").is_file()
    assert (previous_output / "en" / "data-quality" / "index.html").is_file()
    assert [] == siblings(previous_output)  # the old site went to the cache's trash


# -- killed publishes (SIGKILL: no clean-up runs) -----------------------------------------------

@pytest.fixture(scope="module")
def kill_setup(tmp_path_factory) -> dict[str, Path]:
    """A published site (old data), a changed package, and what publishing it would give."""
    root = tmp_path_factory.mktemp("kill")
    content = write_content(root / "content")
    old_data = write_package(root / "old-data", TINY)
    rows = json.loads(json.dumps(TINY))
    rows["projects"][0]["title_en"] = "Forged knives, second edition"
    new_data = write_package(root / "new-data", rows)
    for data, output in ((old_data, root / "published"), (new_data, root / "expected-new")):
        package, report = build.validate(data, content)
        assert report.ok
        build.build(package, ROOT / "pelicanconf.py", output, content)
    return {"content": content, "data": new_data, "published": root / "published",
            "expected_new": root / "expected-new"}


def start_publish(setup: dict[str, Path], output: Path, kill_at: str = "") -> subprocess.Popen:
    """`python -m pipeline build --quiet` of the changed package, in a child process."""
    env = {**os.environ, "KC_TEST_KILL_AT": kill_at}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", "--quiet", "--settings",
         str(ROOT / "pelicanconf.py"), "--output", str(output), "--data",
         str(setup["data"]), "--content", str(setup["content"])],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def published(kill_setup, tmp_path) -> Path:
    """A copy of the published site, to be republished (and killed) in this test."""
    output = tmp_path / "output"
    shutil.copytree(kill_setup["published"], output)
    return output


@pytest.mark.parametrize(("point", "staging_left"), [
    ("after:validate", 0),  # nothing written yet
    ("mid:export", 1), ("after:photos", 1), ("mid:pages", 1), ("after:search", 1),
    ("after:checks", 1),    # the last moment before the swap
])
def test_a_publish_killed_before_the_swap_leaves_the_output_byte_identical(
        kill_setup, published, point, staging_left):
    before = manifest(published)
    child = start_publish(kill_setup, published, point)
    child.communicate(timeout=300)
    leftovers = [name for name in siblings(published) if name.startswith(".output-build-")]
    assert -signal.SIGKILL == child.returncode
    assert before == manifest(published)
    assert staging_left == len(leftovers)  # cleared by the next build (test below)


def test_a_publish_killed_right_after_the_swap_has_published_the_complete_new_site(
        kill_setup, published):
    """The exchange is the commit point: after it the new site is whole, the old one aside."""
    child = start_publish(kill_setup, published, "after:swap")
    child.communicate(timeout=300)
    assert -signal.SIGKILL == child.returncode
    assert manifest(kill_setup["expected_new"]) == manifest(published)


def test_the_next_publish_clears_what_killed_ones_left(kill_setup, published):
    left = []
    for point in ("mid:pages", "after:swap"):
        start_publish(kill_setup, published, point).communicate(timeout=300)
        left.append(siblings(published))
    assert [1, 1] == [len(names) for names in left]
    assert left[0] != left[1]  # the second publish removed the first one's folder
    child = start_publish(kill_setup, published)
    _, err = child.communicate(timeout=300)
    assert (0, b"") == (child.returncode, err)
    assert [] == siblings(published)
    assert manifest(kill_setup["expected_new"]) == manifest(published)


def wait_for_pages(output: Path, child: subprocess.Popen, count: int) -> None:
    """Until the child's staging folder holds ``count`` pages (or the child has ended)."""
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        staged = list(output.parent.glob(swap.prefix(output) + "*/site"))
        if staged and sum(1 for _ in staged[0].rglob("*.html")) >= count:
            return
        time.sleep(0.02)


@pytest.mark.parametrize("wait", ["pages written", "1.5 s"])
def test_a_plain_sigkill_leaves_either_the_old_or_the_new_site_never_a_mix(
        kill_setup, published, wait):
    before = manifest(published)
    child = start_publish(kill_setup, published)
    if wait == "pages written":
        wait_for_pages(published, child, 20)
    else:
        time.sleep(1.5)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=300)
    assert manifest(published) in (before, manifest(kill_setup["expected_new"]))


# -- dates: never the clock ----------------------------------------------------------------------

@pytest.mark.parametrize(("epoch", "expected"), [("0", "1970-01-01"), ("1795651200", "2026-11-26")])
def test_created_date_follows_source_date_epoch(monkeypatch, epoch, expected):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert expected == build.created_date()


def write_release(root: Path, version: str, date: str) -> None:
    folder = root / "releases" / version
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"version": version, "date": date}),
                                          encoding="utf-8")


@pytest.mark.parametrize(("environ", "releases", "expected"), [
    ({"SOURCE_DATE_EPOCH": "1795651200"}, {"0.1.0": "2026-01-02"}, "2026-11-26"),
    ({}, {"0.1.0": "2026-01-02"}, "2026-01-02"),                  # the data's own release
    ({}, {"0.0.9": "2025-01-02"}, "1980-01-01"),                  # another version's: not used
    ({}, {}, "1980-01-01"),                                       # no git, no release
])
def test_created_date_comes_from_the_data_release(tiny_package, environ, releases, expected):
    for version, date in releases.items():
        write_release(tiny_package.parent, version, date)
    assert expected == build.created_date(tiny_package, environ)


def test_created_date_falls_back_to_the_last_commit(tiny_package):
    git = ["git", "-C", str(tiny_package)]
    env = {**os.environ, "GIT_COMMITTER_DATE": "2026-03-04T05:06:07Z",
           "GIT_AUTHOR_DATE": "2026-03-04T05:06:07Z"}
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit",
                    "-q", "-m", "data"], check=True, env=env)
    assert "2026-03-04" == build.created_date(tiny_package, {})


def test_the_export_gets_the_site_settings_for_statistics_json(tmp_path, monkeypatch):
    """statistics.json links into paginated lists: it must use the site's page size."""
    import pipeline.export

    seen: dict = {}

    def fake_export(package, out_dir, *, version, created, on_file=None, previous=None,
                    cache=None, settings=None):
        seen["settings"] = settings
        return []

    settings_file = tmp_path / "conf.py"
    settings_file.write_text(f"THEME = {str(ROOT / 'theme')!r}\nKC_PAGE_SIZE = 7\n",
                             encoding="utf-8")
    monkeypatch.setattr(pipeline.export, "export_open_data", fake_export)
    settings = build.site_settings(settings_file)
    build.export(argparse.Namespace(descriptor={}, root=tmp_path), tmp_path, "2026-01-01",
                 settings=settings)
    assert 7 == seen["settings"]["KC_PAGE_SIZE"]


def test_the_export_runs_in_a_child_while_the_pages_values_are_computed_here(
        make_package, previous_output, content, monkeypatch, tmp_path):
    """The export and the pages' language-neutral values (statistics, records) overlap; the
    values reach Pelican as KC_SITE_CACHE, the downloads as before."""
    pids = tmp_path / "pids"
    export = build.export

    def recording_export(*args, **kwargs):
        pids.write_text(f"export {os.getpid()}\n", encoding="utf-8")
        return export(*args, **kwargs)

    handed: dict = {}
    run_pelican = build.run_pelican

    def recording_pelican(settings_file, out_dir, package, content, downloads, extra=None):
        handed.update(extra, downloads=downloads, computed=set(extra["KC_SITE_CACHE"]))
        return run_pelican(settings_file, out_dir, package, content, downloads, extra)

    monkeypatch.setattr(build, "export", recording_export)
    monkeypatch.setattr(build, "run_pelican", recording_pelican)
    assert 0 == build.run(args(make_package(), previous_output, content, "--quiet"))
    assert f"export {os.getpid()}\n" != pids.read_text(encoding="utf-8")
    assert any(key.startswith("statistics:") for key in handed["computed"])
    assert "records:projects" in handed["computed"]
    assert {} == handed["KC_SITE_CACHE"]  # emptied after the pages: freed, not collected
    assert any(d["path"] == "data/datapackage.json" for d in handed["downloads"])


def test_the_statistics_computed_beside_the_export_are_freed_with_pelican(
        make_package, previous_output, content, monkeypatch):
    """They are large at national scale: the search and checks stages must not hold them
    (Pelican's memo of the stories' content kept the stories, and through them the settings,
    alive: the content fixture has a story; and the pages' fork froze Pelican's cycles)."""
    import gc
    import weakref

    from pipeline.stats_pages import Published

    computed: list[weakref.ref] = []
    precompute, finish_site = build.precompute, build.finish_site

    def remembering_precompute(*args, **kwargs):
        early = precompute(*args, **kwargs)
        computed.extend(weakref.ref(v) for v in early.values() if isinstance(v, Published))
        return early

    def checking_finish_site(*args, **kwargs):
        gc.collect()
        assert [None] == [ref() for ref in computed]
        return finish_site(*args, **kwargs)

    monkeypatch.setattr(build, "precompute", remembering_precompute)
    monkeypatch.setattr(build, "finish_site", checking_finish_site)
    monkeypatch.setattr(build.parallel, "MIN_PARALLEL_WORK", 0)  # pages forked, as at scale
    assert 0 == build.run(args(make_package(), previous_output, content, "--quiet"))
    assert 1 == len(computed)


@pytest.mark.parametrize("name", ["a.", ".hidden", "a/b.c/d", "x.tar.gz", "a/.b", "a..",
                                  "dir/file.HTML", "a/b/", "index.html", "", "."])
def test_suffix_is_the_path_suffix(name):
    from pathlib import PurePosixPath

    assert PurePosixPath(name).suffix == build.suffix(name)


def test_a_failing_preparer_stops_the_build_with_a_message(make_package, previous_output,
                                                          content, monkeypatch, capsys):
    import pipeline.plugin

    def fail(*_args, **_kwargs):
        raise ZeroDivisionError("in a preparer")

    monkeypatch.setattr(pipeline.plugin, "precompute", fail)
    before = manifest(previous_output)
    assert 1 == build.run(args(make_package(), previous_output, content, "--quiet"))
    assert (before, []) == (manifest(previous_output), siblings(previous_output))
    assert "pages: ZeroDivisionError('in a preparer')" in capsys.readouterr().err
