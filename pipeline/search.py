"""The search index: Pagefind run over the written site, as the build's last content step.

``index_site(out_dir)`` reads every page worth finding from ``out_dir``, stages a prepared
copy, runs Pagefind over it (the ``pagefind[bin]`` binary, offline) and writes the index and
Pagefind's browser scripts into ``out_dir/pagefind/``. Pagefind splits the index by each
page's ``<html lang>``, so ``/search/`` searches Vietnamese pages and ``/en/search/`` English.

Pages are changed on the way in, in the staged copy only (the files readers get are untouched):

* ``<main>`` becomes the indexed region (``data-pagefind-body``): headers, menus and footers
  are the same on every page and would only add noise;
* Pagefind ignores vowel diacritics but keeps ``đ`` apart from ``d``; so every word with
  ``đ`` gets its ASCII twin right after it ("Đại" -> "Đại Dai", "đũa" -> "đũa dua"), and
  readers typing without diacritics find it, ranked and quoted as the accented word would
  be. The search page's script folds ``đ`` in the query and drops the twins from titles and
  excerpts it shows (``theme/static/js/search.js``).

Pagefind lists the index languages in ``pagefind-entry.json`` in a random order; the file is
rewritten with sorted keys so two builds of the same site are byte-identical.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline import pagefind_bundle

BUNDLE = "pagefind"

#: Pages left out of the index: continuation pages and sort orders of lists (their first
#: page is indexed), statistics drill-downs, the search and 404 pages, and the index itself.
SKIPPED = re.compile(r"(^|/)(page/\d+/|by-[a-z-]+/)|(^|/)statistics/.+/|(^|/)search/$"
                     r"|(^|/)404\.html$|^pagefind/")

MAIN_OPEN = re.compile(r"<main\b[^>]*>", re.IGNORECASE)
MAIN_CLOSE = re.compile(r"</main\s*>", re.IGNORECASE)
TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)
D_WORD = re.compile(r"\w*[đĐ]\w*")
#: Cells and list items Pagefind runs together with the next one ("Năm kế hoạch2012").
CELL_END = re.compile(r"</(dt|dd|th|td|li|caption)\s*>", re.IGNORECASE)


class SearchIndexError(Exception):
    """Pagefind could not index the site (binary missing or failed); the build stops."""


@dataclass(frozen=True)
class IndexSummary:
    """What was indexed, for the build's closing line and for tests."""

    pages: int
    languages: tuple[str, ...]


def fold(text: str) -> str:
    """Vietnamese without any diacritics: ``Đại Hoàng`` -> ``Dai Hoang``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def with_twins(text: str) -> str:
    """Text with each word containing ``đ`` followed by its folded twin: ``Đại`` -> ``Đại Dai``.

    The twin sits next to its word, so a search for ``dai`` ranks and quotes the page as a
    search for ``Đại`` does; the search page's script drops twins from what it shows.
    """
    return D_WORD.sub(lambda m: f"{m.group(0)} {fold(m.group(0))}", text)


def with_twins_in_html(fragment: str) -> str:
    """``with_twins`` applied to the text between tags (never inside a tag or script), and
    a space after each table cell, term or list item so their words stay apart."""
    parts, position = [], 0
    for tag in TAG.finditer(fragment):
        gap = " " if CELL_END.fullmatch(tag.group(0)) else ""
        parts += [with_twins(fragment[position:tag.start()]), tag.group(0), gap]
        position = tag.end()
    parts.append(with_twins(fragment[position:]))
    return "".join(parts)


def prepared(page: str) -> str | None:
    """The page as Pagefind should see it, or None when it has no ``<main>`` to index."""
    opening, closing = MAIN_OPEN.search(page), MAIN_CLOSE.search(page)
    if opening is None or closing is None or closing.start() < opening.end():
        return None
    tag = opening.group(0)
    body = with_twins_in_html(page[opening.end():closing.start()])
    return (page[:opening.start()] + tag[:5] + " data-pagefind-body" + tag[5:] + body
            + page[closing.start():])


def indexed_pages(out_dir: Path) -> Iterator[tuple[str, str]]:
    """(path relative to ``out_dir``, prepared HTML) of each page worth finding, in order."""
    for path in sorted(out_dir.rglob("*.html")):
        relative = path.relative_to(out_dir).as_posix()
        if SKIPPED.search(relative.removesuffix("index.html")):
            continue
        page = prepared(path.read_text(encoding="utf-8"))
        if page is not None:
            yield relative, page


def stage(pages: Iterator[tuple[str, str]], staging: Path) -> int:
    """Write the prepared pages to ``staging`` under their output paths; returns how many."""
    count = 0
    for relative, page in pages:
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        count += 1
    return count


def run_pagefind(staging: Path, bundle: Path) -> None:
    """Pagefind's command line over the staged pages, writing its bundle to ``bundle``.

    The command line rather than the Python service: the service answers one request per
    tenth of a second and may be stopped before it has finished writing the files.
    """
    command = [sys.executable, "-m", "pagefind", "--site", str(staging),
               "--output-path", str(bundle), "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SearchIndexError(f"pagefind could not start: {exc}") from exc
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed: {(result.stderr or result.stdout).strip()}")


def sort_entry(bundle: Path) -> None:
    """Rewrite ``pagefind-entry.json`` with sorted keys: reproducible builds (Pagefind
    writes its languages in a random order)."""
    entry = bundle / "pagefind-entry.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    entry.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), encoding="utf-8")


def index_languages(bundle: Path) -> tuple[str, ...]:
    """The languages the written index holds, from its entry file."""
    data = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return tuple(sorted(data.get("languages", {})))


def index_site(out_dir: Path) -> IndexSummary:
    """Index the written site in ``out_dir`` into ``out_dir/pagefind/``."""
    bundle = out_dir / BUNDLE
    with tempfile.TemporaryDirectory(prefix="kc-search-") as staging:
        count = stage(indexed_pages(out_dir), Path(staging))
        run_pagefind(Path(staging), bundle)
    if not (bundle / "pagefind-entry.json").is_file():
        raise SearchIndexError("pagefind wrote no index")
    sort_entry(bundle)
    try:
        pagefind_bundle.canonicalise(bundle)  # filter order is random in Pagefind's output
    except (pagefind_bundle.BundleError, OSError, IndexError, ValueError) as exc:
        raise SearchIndexError(f"pagefind bundle: {exc}") from exc
    return IndexSummary(count, index_languages(bundle))
