"""`python -m pipeline build`: validate, then build the site and open data, then swap it in.

Nothing is written when the data is invalid. The site is built into a temporary folder beside
the output folder and moved into place only when everything succeeded, so a failed build
never leaves a half-written site: the previous output stays as it was.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from pipeline.load import Package
from pipeline.report import Report
from pipeline.validate import validate_package

LOG = logging.getLogger("pipeline.build")


class BuildFailed(Exception):
    """Pelican or the export failed; the message says what, the output was left untouched."""


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
                        help="print only errors (for tests and scripts)")


def run(args: argparse.Namespace) -> int:
    if args.quiet:
        quiet_pelican()
    package, report = validate(args.data, args.content)
    if not report.ok:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), file=sys.stderr)
        print(f"build stopped: {len(report.errors)} data errors; nothing was written",
              file=sys.stderr)
        return 1
    try:
        counts = build(package, args.settings, args.output, args.content)
    except BuildFailed as exc:
        print(f"build failed, {args.output} left as it was: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"built {sum(counts.values())} files into {args.output}")
    return 0


def quiet_pelican() -> None:
    """Silence Pelican's progress lines (its rich console); errors still reach stderr."""
    from pelican.log import console

    console.quiet = True


def build(package: Package, settings_file: Path, output: Path,
          content: Path | None = None) -> dict[str, int]:
    """Build into a temporary sibling of ``output``, then move it into place."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    try:
        downloads = export(package, work)
        run_pelican(settings_file, work, package, content, downloads)
        finish_site(settings_file, work)
        check_privacy(package, work)
        replace(output, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return count_files(output)


def export(package: Package, out_dir: Path) -> list[dict]:
    """The open-data downloads, when the export module exists (it owns output/data/)."""
    if importlib.util.find_spec("pipeline.export") is None:
        return []
    from pipeline.export import export_open_data

    try:
        return export_open_data(package, out_dir, version=str(package.descriptor.get(
            "version", "0.0.0")), created=created_date())
    except Exception as exc:
        raise BuildFailed(f"export: {exc!r}") from exc


def finish_site(settings_file: Path, out_dir: Path) -> None:
    """What needs every page written (issue 7): sitemap.xml, robots.txt, the search index."""
    from pelican.settings import read_settings

    from pipeline import search, seo
    from pipeline.site_settings import with_defaults

    settings = with_defaults(read_settings(str(settings_file)))
    seo.write_discovery_files(out_dir, settings["SITEURL"], settings["KC_LANGUAGES"])
    try:
        search.index_site(out_dir)
    except search.SearchIndexError as exc:
        raise BuildFailed(str(exc)) from exc


def check_privacy(package: Package, out_dir: Path) -> None:
    """Stop the build when a private field's value reached any output file (issue 5)."""
    if importlib.util.find_spec("pipeline.privacy") is None:
        return
    from pipeline.privacy import check_output

    problems = check_output(package, out_dir)
    if problems:
        raise BuildFailed("privacy: " + "; ".join(
            f"{p.file}: a value of {p.resource}.{p.field}" for p in problems[:5]))


def created_date() -> str:
    """The build date: SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    day = dt.datetime.fromtimestamp(int(epoch), dt.UTC).date() if epoch else dt.date.today()
    return day.isoformat()


class ErrorCounter(logging.Handler):
    """Counts Pelican's error records: Pelican logs broken content and carries on; we stop."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_pelican(settings_file: Path, out_dir: Path, package: Package, content: Path | None,
                downloads: list[dict]) -> None:
    """Pelican in-process, with the validated package handed to the generator."""
    from pelican import Pelican
    from pelican.settings import read_settings

    override: dict[str, Any] = {"OUTPUT_PATH": str(out_dir), "KC_PACKAGE": package,
                                "KC_DOWNLOADS": downloads, "DELETE_OUTPUT_DIRECTORY": False}
    if content is not None:
        override["PATH"] = str(content.resolve())
    counter = ErrorCounter()
    logging.getLogger("pelican").addHandler(counter)
    try:
        Pelican(read_settings(str(settings_file), override=override)).run()
    except Exception as exc:
        raise BuildFailed(f"pelican: {exc!r}") from exc
    finally:
        logging.getLogger("pelican").removeHandler(counter)
    if counter.messages:
        raise BuildFailed("pelican: " + "; ".join(counter.messages[:5]))


def replace(output: Path, built: Path) -> None:
    """Move the built folder into place; the old one is moved aside first, then removed."""
    old = None
    if output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}-old-", dir=output.parent))
        output.rename(old / output.name)
    built.chmod(0o755)
    built.rename(output)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def count_files(output: Path) -> dict[str, int]:
    """Files written, by suffix, for the closing line."""
    counts: dict[str, int] = {}
    for path in output.rglob("*"):
        if path.is_file():
            counts[path.suffix] = counts.get(path.suffix, 0) + 1
    return counts
