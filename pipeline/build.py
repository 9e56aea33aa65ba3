"""`python -m pipeline build`: validate, build into a staging folder, check, then swap it in.

Nothing is written when the data is invalid. The open data, the photos, the pages and the
search index are written into a staging folder beside the output folder
(``pipeline/swap.py``); the post-build checks (internal links, nothing loaded from other
hosts, no private value anywhere, the published data package valid with its hashes) must all
pass, and only then does the new site replace the old one in one ``renameat2`` exchange. A
failure at any stage, or the process killed at any moment, leaves the previous output exactly
as it was; the exit status (0 published, 1 refused or failed, 130 interrupted) and the message
say what happened.

A republish is incremental unless ``--full`` is given (``pipeline/incremental.py``): pages
whose inputs did not change are hard-linked from the published output into the staging
folder instead of being rendered again, with a byte-identical result; the manifest of what
was published is kept in ``.kc-cache/<output name>/`` beside the output and replaced only
after a successful swap.

Stages report to a ``Progress`` (``pipeline/progress.py``); only ``run`` chooses to print.
Every date in the output comes from ``created_date`` (``SOURCE_DATE_EPOCH``, else the data
release, else the last commit), never from the clock, so two builds of one commit are
byte-identical.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import gc
import inspect
import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline import incremental, parallel, swap
from pipeline.load import Package
from pipeline.progress import (
    ConsoleProgress,
    Progress,
    QuietProgress,
    stage,
    with_kill_switch,
)
from pipeline.report import Report
from pipeline.validate import validate_package

LOG = logging.getLogger("pipeline.build")
FALLBACK_DATE = "1980-01-01"  # the ZIP epoch: used only without any other date source
MAX_LISTED = 5  # problems quoted in a failure message
#: Pelican warnings that say nothing about our content (its reStructuredText reader's locale).
HARMLESS = ("Docutils has no localization",)


class BuildFailed(Exception):
    """A stage or a post-build check failed; the message says what; output was left untouched."""


def validate(data_dir: Path, content_dir: Path | None) -> tuple[Package, Report]:
    """The full validation (structure, programme rules, story headers): the build's gate."""
    return validate_package(data_dir, content_dir)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--settings", type=Path, default=Path("pelicanconf.py"),
                        help="Pelican settings file (pelicanconf.py or publishconf.py)")
    parser.add_argument("--output", type=Path, default=Path("output"),
                        help="folder to replace with the built site")
    parser.add_argument("--data", type=Path, default=Path("data"), help="data package folder")
    parser.add_argument("--content", type=Path, default=Path("content"),
                        help="content folder (stories and pages)")
    parser.add_argument("--quiet", action="store_true",
                        help="print only errors (for CI, tests and scripts)")
    parser.add_argument("--full", action="store_true",
                        help="render every page and forget the build cache (default: keep "
                             "the pages whose inputs did not change since the last publish)")


# -- the command line: the only place that prints ---------------------------------------------

def run(args: argparse.Namespace) -> int:
    quiet = getattr(args, "quiet", False)
    progress = with_kill_switch(QuietProgress() if quiet else ConsoleProgress())
    started = time.perf_counter()
    try:
        return publish(args, progress, started, quiet)
    except BuildFailed as exc:
        print(f"build failed; {args.output} left as it was.\n  {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nbuild interrupted; {args.output} left as it was", file=sys.stderr)
        return 130
    finally:
        progress.close()


def publish(args: argparse.Namespace, progress: Progress, started: float, quiet: bool) -> int:
    """Validate, then build; prints the refusal or the closing line."""
    with stage(progress, "validate") as step:
        package, report = validate(args.data, args.content)
        step.detail = validation_summary(package, report)
    if not report.ok:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), file=sys.stderr)
        print(f"build stopped: {len(report.errors)} data errors; nothing was written, "
              f"{args.output} left as it was", file=sys.stderr)
        return 1
    counts = build(package, args.settings, args.output, args.content, progress=progress,
                   report=report, full=getattr(args, "full", False),
                   discard_in_background=True)
    if not quiet:
        print(f"published {sum(counts.values())} files into {args.output} "
              f"in {time.perf_counter() - started:.1f} s")
    return 0


def validation_summary(package: Package, report: Report) -> str:
    rows = sum(len(frame) for frame in package.frames.values())
    return (f"{len(package.frames)} resources, {rows} rows, {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings")


# -- the build: stages in order, the swap last --------------------------------------------------

def build(package: Package, settings_file: Path, output: Path, content: Path | None = None,
          *, progress: Progress | None = None, report: Report | None = None,
          full: bool = False, discard_in_background: bool = False) -> dict[str, int]:
    """Build into a staging folder beside ``output``, check it, then swap it into place.

    The stages are called from here, in order (the bench times them by these names). Unless
    ``full``, the pages and the stages that accept ``previous``/``cache`` (Contract 3) reuse
    what the published output already holds; the result is byte-identical either way.
    ``discard_in_background`` deletes the previous site in a detached process after the swap
    (the command line does; tests and library callers get the synchronous deletion).
    """
    with parallel.frozen(), fewer_collections():
        return staged_build(package, settings_file, output, content, progress=progress,
                            report=report, full=full,
                            discard_in_background=discard_in_background)


#: The collector's thresholds during a build (Python's default: 700, 10, 10). A national
#: build makes tens of millions of short-lived objects (page contexts, link sets): with the
#: defaults the parent spent 14 s of a full publish and 2 s of a republish collecting, most
#: of it in full passes over everything alive.
BUILD_GC_THRESHOLDS = (10_000, 20, 10)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """The build's collector thresholds for the block (forked children inherit them); the
    previous ones after it. Cycles still get collected, in larger batches."""
    previous = gc.get_threshold()
    gc.set_threshold(*BUILD_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def staged_build(package: Package, settings_file: Path, output: Path,
                 content: Path | None = None, *, progress: Progress | None = None,
                 report: Report | None = None, full: bool = False,
                 discard_in_background: bool = False) -> dict[str, int]:
    """:func:`build`'s stages, in order."""
    progress, output = progress or Progress(), output.resolve()
    swap.clean_stale(output)
    staging = swap.create_staging(output)
    work, created = staging.site, created_date(package.root)
    cache = incremental.cache_dir(output)
    try:
        spare = incremental.take_spare(cache, work, staging.root / UNUSED_SPARE, use=not full,
                                       keep=spare_keeps())

        def opened() -> tuple[str, incremental.Reuse]:
            salt = code_salt(settings_file)
            return salt, incremental.open_reuse(output, work, cache, salt, full=full,
                                                spare=spare)

        # A full build empties the cache before the export's child writes into it; any
        # other reads the manifests while the child exports.
        ready = opened() if full else None
        previous = None if full else existing(output)
        # Beside an export that links most files, its child has time for more; one that
        # writes every file (a first build) is the longer of the two already.
        beside = previous is not None
        with stage(progress, "export") as step:
            settings = site_settings(settings_file)
            (downloads, private, sent), ((salt, reuse), early) = export_beside(
                functools.partial(export_and_values, package, work, created,
                                  settings=settings, cache=cache, previous=previous,
                                  values=beside),
                lambda: (ready or opened(),
                         precompute(package, settings, beside=False if beside else None)))
            early.update(sent)
            guard = privacy_guard(package, private)
            for _ in downloads:
                progress.advance("export")
            step.detail = f"{len(downloads)} files"
        reused = {"previous": reuse.previous, "cache": cache}
        with stage(progress, "photos") as step:
            images = photo_index(content)
            step.detail = ("left to Pelican" if images is None
                           else f"{len(images.renditions)} photos")
        with stage(progress, "pages") as step:
            extra = {"KC_IMAGES": images, "KC_REPORT": report, "KC_BUILD_DATE": created,
                     "KC_PROGRESS": progress, "KC_REUSE": reuse, "KC_SITE_CACHE": early,
                     "KC_TEMPLATE_CACHE": incremental.template_cache(cache, salt)}
            for message in run_pelican(settings_file, work, package, content, downloads, extra):
                progress.warn("pages", message)
            # The statistics and records: Pelican's objects, cycles frozen for the fork,
            # still refer to them until the build ends; emptied, they are freed now.
            early.clear()
            del early, extra
            reuse.sweep()  # the spare's pages that this build did not make
            step.detail = reuse.summary()
        with start_package_check(work, cache) as package_check:  # beside the search stage
            with stage(progress, "search") as step:
                # One walk for the sitemap, search and checks (kept current); the folders
                # the spare's own walk saw unchanged cost a stat, not a scan.
                listing, folders = site_listing(work, None if spare is None
                                                else spare.folder_table())
                step.detail = finish_site(settings_file, work, listing=listing, **reused)
            saved: list[bool] = []  # the manifest, saved while a check's child works

            def manifest() -> None:
                save_manifest(reuse, cache, dict(listing), folders)
                saved.append(True)

            with stage(progress, "checks") as step:
                step.detail = post_build_checks(
                    package, work, site_url(settings_file), progress, cache=cache,
                    listing=listing, guard=guard, package_check=package_check,
                    meanwhile=manifest)
        with stage(progress, "swap") as step:
            if not saved:  # post_build_checks did not call it (the bench can skip it)
                manifest()
            step.detail = replace(output, staging)
    except BaseException:
        incremental.abandon(cache)
        swap.discard(staging)
        raise
    kept = incremental.worth_keeping(reuse) and keep_spare(cache, staging, reuse.published)
    incremental.promote(cache)
    with stage(progress, "cleanup"):
        if kept and not (staging.root / UNUSED_SPARE).exists():  # nothing big to delete
            swap.discard(staging)
        elif discard_in_background:
            swap.discard_later(staging, cache.with_name(f"{output.name}.trash"))
        else:
            swap.discard(staging)
    return count_files(name for name, _ in listing)


def spare_keeps() -> tuple[str, ...]:
    """What the spare keeps besides the data pages, for the stage that wrote it."""
    from pipeline.search import SPARE_KEEPS

    return (SPARE_KEEPS,)


def site_listing(work: Path, known: Any = None) -> tuple[list, Any]:
    """``checks.site_files(work)``, and the ``listing.FolderTable`` of this walk; ``known``:
    the table of the spare's last walk."""
    from pipeline.listing import site_files

    return site_files(work, known)


def code_salt(settings_file: Path) -> str:
    """What every page depends on besides the data: theme, pipeline code, settings."""
    from pelican.settings import read_settings

    settings = read_settings(str(settings_file))
    sources = [Path(settings["THEME"]), Path(__file__).resolve().parent,
               settings_file.resolve(), settings_file.resolve().parent / "pelicanconf.py"]
    return incremental.code_salt(sources, settings)


#: Where a spare that cannot be used goes: into the staging folder, deleted with it.
UNUSED_SPARE = "unused-spare"


def keep_spare(cache: Path, staging: swap.Staging,
               published: incremental.Manifest | None = None) -> bool:
    """After the swap the previous site lies in the staging folder: keep it as the next
    build's starting point (``incremental.take_spare``) rather than delete it."""
    old_site = staging.site if staging.site.is_dir() else staging.root / swap.OLD
    try:
        return old_site.is_dir() and incremental.keep_spare(cache, old_site, published)
    except OSError:
        return False  # then it is deleted with the staging folder, as without a spare


def save_manifest(reuse: incremental.Reuse, cache: Path, entries: dict | None = None,
                  folders: Any = None) -> None:
    """Record this build's pages (pending until the swap succeeds)."""
    try:
        reuse.save_pending(cache, entries, folders)
    except (OSError, incremental.ReuseError) as exc:
        raise BuildFailed(f"incremental: {exc}") from exc


def accepted(function: Any, **options: Any) -> dict[str, Any]:
    """The keyword ``options`` that ``function`` declares: stages adopt ``previous`` and
    ``cache`` (Contract 3) one at a time, and a stage without them must still run."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}
    return {name: value for name, value in options.items() if name in parameters}


def export(package: Package, out_dir: Path, created: str | None = None,
           on_file: Any = None, *, previous: Path | None = None,
           cache: Path | None = None, settings: dict | None = None) -> list[dict]:
    """The open-data downloads (``pipeline/export.py`` owns ``output/data/``)."""
    from pipeline.export import export_open_data

    try:
        return export_open_data(package, out_dir, version=str(package.descriptor.get(
            "version", "0.0.0")), created=created or created_date(package.root),
            on_file=on_file, **accepted(export_open_data, previous=previous, cache=cache,
                                        settings=settings))
    except Exception as exc:
        raise BuildFailed(f"export: {exc!r}") from exc


def export_beside(export_job: Callable[[], Any], meanwhile: Callable[[], Any]
                  ) -> tuple[Any, Any]:
    """``export_job()`` in a forked child while this process computes ``meanwhile()`` (the
    manifests of the last builds and the pages' language-neutral values, which every
    rendering process would otherwise compute for itself): both results.

    Both are Python work of a few seconds at national scale, on two cores. An export that
    fails stops the build with its own message, as it would in this process.
    """
    with parallel.Forked(outcome_of, export_job) as child:
        early = meanwhile()
        try:
            done, value = child.result()
        except parallel.ParallelError as exc:  # the child died, or raised something else
            raise BuildFailed(f"export: {exc}") from exc
    if not done:
        raise BuildFailed(value)
    return value, early


def export_and_values(package: Package, out_dir: Path, created: str | None = None, *,
                      settings: dict, previous: Path | None = None,
                      cache: Path | None = None, values: bool = True
                      ) -> tuple[list[dict], dict | None, dict]:
    """The export's downloads; with ``values``, also the private values the privacy check
    looks for and the pages' early values that are small to send (``pages.BESIDE``: the
    records' digests), else (None, {}).

    Finding those values folds every public cell, and the digests hash every record (each
    a few tenths of a second at national scale): work for the export's child when it
    links most files, beside the process that the pages wait on. Both come back as small
    dicts (``privacy_guard`` makes the values' matcher).
    """
    from pipeline.privacy import private_values

    downloads = export(package, out_dir, created, settings=settings, previous=previous,
                       cache=cache)
    if not values:
        return downloads, None, {}
    return downloads, private_values(package), precompute(package, settings, beside=True)


def existing(output: Path) -> Path | None:
    """The published output, which the export may link unchanged files from: it checks
    each one's size and SHA-256 against its own manifest first (``export_cache``)."""
    return output if output.is_dir() else None


def outcome_of(job: Callable[[], Any]) -> tuple[bool, Any]:
    """(True, ``job()``), or (False, its message) when it raises ``BuildFailed``."""
    try:
        return True, job()
    except BuildFailed as exc:
        return False, str(exc)


def precompute(package: Package, settings: dict, *,
               beside: bool | None = None) -> dict[str, Any]:
    """The pages' early values (``plugin.precompute``); a failure stops the build as a
    failure inside Pelican would."""
    from pipeline.plugin import precompute as precompute_pages

    try:
        return precompute_pages(package, settings, beside=beside)
    except Exception as exc:
        raise BuildFailed(f"pages: {exc!r}") from exc


def photo_index(content: Path | None) -> Any:
    """Process the photos before Pelican (timed apart); None leaves them to the page builder."""
    if content is None or not content.is_dir():
        return None
    from pipeline.image_pages import cache_dir
    from pipeline.image_variants import index_images

    try:
        return index_images(content, cache_dir(content))
    except Exception as exc:
        raise BuildFailed(f"photos: {exc!r}") from exc


def site_settings(settings_file: Path) -> dict:
    """The site's settings with our defaults: statistics.json must use the pages' page size."""
    from pelican.settings import read_settings

    from pipeline.site_settings import with_defaults

    return with_defaults(read_settings(str(settings_file)))


def site_url(settings_file: Path) -> str:
    from pelican.settings import read_settings

    return read_settings(str(settings_file))["SITEURL"]


def finish_site(settings_file: Path, out_dir: Path, *, previous: Path | None = None,
                cache: Path | None = None, listing: list | None = None) -> str:
    """What needs every page written (issue 7): sitemap.xml, robots.txt, the search index.

    ``listing``: ``site_listing(out_dir)`` walked before this step; the sitemap and the
    search index read it instead of walking the site again, and it is updated in place
    with what this step wrote (the top-level files and ``pagefind/`` listed again), so
    that it still lists every file for the checks.
    """
    from pelican.settings import read_settings

    from pipeline import search, seo
    from pipeline.checks import relisted
    from pipeline.site_settings import with_defaults

    settings = with_defaults(read_settings(str(settings_file)))
    walked = {} if listing is None else {"listing": listing}

    def sitemap() -> None:  # while Pagefind runs: it leaves part of the second core idle
        seo.write_discovery_files(out_dir, settings["SITEURL"], settings["KC_LANGUAGES"],
                                  **accepted(seo.write_discovery_files, cache=cache, **walked))

    options = accepted(search.index_site, previous=previous, cache=cache, meanwhile=sitemap,
                       **walked)
    if "meanwhile" not in options:
        sitemap()
    try:
        summary = search.index_site(out_dir, **options)
    except search.SearchIndexError as exc:
        raise BuildFailed(f"search: {exc}") from exc
    if listing is not None:
        listing[:] = relisted(out_dir, listing, [search.BUNDLE])
    return f"{summary.pages} pages indexed ({', '.join(summary.languages)})"


# -- post-build checks: all must pass before the swap --------------------------------------------

def start_package_check(out_dir: Path, cache: Path | None) -> parallel.Forked:
    """The published package's check (Frictionless), begun in a forked child as soon as
    the export and the pages have written every file it reads: it re-validates the changed
    resource (two seconds of one core for the projects at national scale) while this
    process walks the site and indexes it, which leaves the other core mostly idle.
    ``post_build_checks(package_check=)`` waits for it; leaving the ``with`` block without
    asking stops it."""
    from pipeline import checks

    return checks.start_package_check(out_dir / "data" / "datapackage.json", cache=cache)


def post_build_checks(package: Package, out_dir: Path, siteurl: str,
                      progress: Progress | None = None, *, cache: Path | None = None,
                      listing: list | None = None, guard: Any = None,
                      package_check: parallel.Forked | None = None,
                      meanwhile: Callable[[], object] | None = None) -> str:
    """Links, loads from other hosts, private values, the published package; raises on any.

    ``listing``: ``checks.site_files(out_dir)`` if the caller walked the site already;
    ``guard``: ``privacy.Guard.of(package)`` if the caller made it already;
    ``package_check``: ``start_package_check(out_dir, cache)`` if the caller began it.
    The private values are looked for in a forked child while this process checks the
    links (each is about a second of one core in a national republish); the failures are
    listed in the same order as ever. ``meanwhile`` is called once the links are checked,
    while the child still works (the build saves its manifest then); what it raises
    stops the checks.
    """
    from pipeline.checks import check_links, package_errors

    progress = progress or Progress()
    progress.total("checks", 4)
    listing = site_listing(out_dir) if listing is None else listing
    descriptor = out_dir / "data" / "datapackage.json"
    with contextlib.ExitStack() as children:
        started = package_check or children.enter_context(start_package_check(out_dir, cache))
        privacy = children.enter_context(parallel.Forked(privacy_failures, package, out_dir,
                                                         cache, listing, guard))
        links = check_links(out_dir, siteurl, cache=cache, listing=listing)
        failures = listed("broken internal links",
                          [f"{r.page} -> {r.target}" for r in links.broken])
        progress.advance("checks")
        failures += listed("resources loaded from other hosts",
                           [f"{r.page} -> {r.target}" for r in links.external])
        progress.advance("checks")
        if meanwhile is not None:
            meanwhile()
        failures += privacy_result(privacy)
        progress.advance("checks")
        failures += listed("the published data package is invalid",
                           package_errors(descriptor, cache=cache, started=started))
        progress.advance("checks")
    if failures:
        raise BuildFailed("post-build checks failed:\n  " + "\n  ".join(failures))
    return f"{links.count} links, private fields, datapackage.json"


def listed(what: str, items: list[str]) -> list[str]:
    """One failure line naming a few of the items, or nothing."""
    if not items:
        return []
    more = f" (and {len(items) - MAX_LISTED} more)" if len(items) > MAX_LISTED else ""
    return [f"{len(items)} {what}: " + "; ".join(items[:MAX_LISTED]) + more]


def privacy_guard(package: Package, values: dict | None = None) -> Any:
    """What the privacy check looks for (``privacy.Guard``), made before the output exists;
    ``values``: ``privacy.private_values(package)`` when found already."""
    from pipeline.privacy import Guard

    return Guard.of(package, values)


def privacy_failures(package: Package, out_dir: Path, cache: Path | None = None,
                     listing: Any = None, guard: Any = None) -> list[str]:
    try:
        check_privacy(package, out_dir, cache, listing, guard)
    except BuildFailed as exc:
        return [str(exc)]
    return []


def privacy_result(started: parallel.Forked) -> list[str]:
    """The failures of a privacy check run in a child; its death is a failure too."""
    try:
        return started.result()
    except parallel.ParallelError as exc:
        return [f"privacy: the check failed: {exc}"]


def check_privacy(package: Package, out_dir: Path, cache: Path | None = None,
                  listing: Any = None, guard: Any = None) -> None:
    """Stop the build when a private field's value reached any output file (issue 5).
    ``listing``: the output's files as ``checks.site_files`` walked them, if at hand;
    ``guard``: ``privacy_guard(package)``, if made already."""
    from pipeline.privacy import check_output

    problems = check_output(package, out_dir, cache=cache, listing=listing, guard=guard)
    if problems:
        raise BuildFailed("privacy: " + "; ".join(
            f"{p.file}: a value of {p.resource}.{p.field}" for p in problems[:MAX_LISTED]))


# -- dates: never the clock ------------------------------------------------------------------

def created_date(data_dir: Path | None = None, environ: dict | None = None) -> str:
    """The build's date, reproducible: ``SOURCE_DATE_EPOCH``, else the date of the recorded
    release of the package's version, else the last commit's date, else 1980-01-01."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    if data_dir is None:
        return FALLBACK_DATE
    return release_date_of(Path(data_dir)) or commit_date(Path(data_dir)) or FALLBACK_DATE


def release_date_of(data_dir: Path) -> str | None:
    """The date in ``releases/<version>/manifest.json`` for the version in the descriptor."""
    import yaml

    descriptor = data_dir / "datapackage.yaml"
    try:
        version = str(yaml.safe_load(descriptor.read_text(encoding="utf-8")).get("version"))
        manifest = json.loads((data_dir.parent / "releases" / version / "manifest.json")
                              .read_text(encoding="utf-8"))
    except (OSError, ValueError, AttributeError):
        return None
    date = str(manifest.get("date", ""))
    return date if len(date) == 10 else None


def commit_date(folder: Path) -> str | None:
    """The committer date (YYYY-MM-DD, UTC) of the last commit, when ``folder`` is in git."""
    try:
        result = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%ct"],
                                capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    stamp = result.stdout.strip()
    if result.returncode != 0 or not stamp.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(stamp), dt.UTC).date().isoformat()


# -- Pelican ----------------------------------------------------------------------------------

class LogCollector(logging.Handler):
    """Pelican's warnings and errors: Pelican logs broken content and carries on; we stop."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno < logging.ERROR and message.startswith(HARMLESS):
            return
        (self.errors if record.levelno >= logging.ERROR else self.warnings).append(message)


ErrorCounter = LogCollector  # the name other modules knew


def quiet_pelican() -> None:
    """Silence Pelican's own console (its rich log lines); we report its warnings and errors."""
    from pelican.log import console

    console.quiet = True


def run_pelican(settings_file: Path, out_dir: Path, package: Package, content: Path | None,
                downloads: list[dict], extra: dict[str, Any] | None = None) -> list[str]:
    """Pelican in-process with the validated package handed to the generator; its warnings."""
    override: dict[str, Any] = {"OUTPUT_PATH": str(out_dir), "KC_PACKAGE": package,
                                "KC_DOWNLOADS": downloads, "DELETE_OUTPUT_DIRECTORY": False,
                                **(extra or {})}
    if content is not None:
        override["PATH"] = str(content.resolve())
    quiet_pelican()
    try:
        return pelican_once(settings_file, override)
    except incremental.SurveyMissed:
        # The pages were rendered with the last build's addresses, which changed: the
        # generator removed them; Pelican runs again and surveys first.
        override["KC_REUSE"].expected_survey = None
        return pelican_once(settings_file, override)


def pelican_once(settings_file: Path, override: dict[str, Any]) -> list[str]:
    """One Pelican run; its warnings. ``SurveyMissed`` goes through (the caller retries)."""
    from pelican import Pelican
    from pelican.settings import read_settings

    from pipeline.plugin import forget_contents

    collector = LogCollector()
    logging.getLogger("pelican").addHandler(collector)
    try:
        Pelican(read_settings(str(settings_file), override=override)).run()
    except incremental.SurveyMissed:
        raise
    except Exception as exc:
        raise BuildFailed(f"pelican: {exc!r}") from exc
    finally:
        logging.getLogger("pelican").removeHandler(collector)
        forget_contents()
    if collector.errors:
        raise BuildFailed("pelican: " + "; ".join(collector.errors[:MAX_LISTED]))
    return collector.warnings


# -- the swap -----------------------------------------------------------------------------------

def replace(output: Path, staging: swap.Staging) -> str:
    """Put the staged site at ``output`` in one step; how it was done, for the closing line."""
    try:
        return swap.exchange(staging, output)
    except (OSError, swap.SwapError) as exc:
        raise BuildFailed(f"swap: {exc}") from exc


def count_files(names: Iterable[str]) -> dict[str, int]:
    """Files written, by suffix (as ``Path.suffix`` gives it), for the closing line."""
    return dict(Counter(map(suffix, names)))


def suffix(name: str) -> str:
    """``PurePosixPath(name).suffix`` without making a path (0.5 s for a national site)."""
    last = name.rpartition("/")[2]
    dot = last.rfind(".")
    return last[dot:] if 0 < dot < len(last) - 1 else ""
