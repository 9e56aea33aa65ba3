"""The project's own Pelican settings: every ``KC_`` name, its default and what it is for.

Defaults live here once; ``pelicanconf.py`` overrides only what differs. A test fails when
code or a template uses a ``KC_`` setting that is not declared here with a help text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.i18n import N_


@dataclass(frozen=True)
class Setting:
    default: Any
    help: str


SETTINGS: dict[str, Setting] = {
    "KC_DATA_DIR": Setting(
        "data", "Folder of the data package, read and validated when the build did not pass "
        "an already validated package (plain `pelican` runs)."),
    "KC_PACKAGE": Setting(
        None, "The validated Package, set by `python -m pipeline build`; not set by hand."),
    "KC_DOWNLOADS": Setting(
        [], "The open-data downloads written by pipeline.export (resource, format, path, "
        "bytes, sha256, media_type), set by the build for the dataset pages."),
    "KC_PAGE_MODULES": Setting(
        ["pipeline.core_pages", "pipeline.stats_pages", "pipeline.dataset_pages",
         "pipeline.image_pages", "pipeline.search_pages", "pipeline.quality_pages"],
        "Modules imported before building so that their @register builders run; a module "
        "that does not exist is skipped."),
    "KC_LANGUAGES": Setting(
        ["vi", "en"], "Site languages; the first is served at /, the others at /<lang>/."),
    "KC_PAGE_SIZE": Setting(
        50, "Rows per page of a browse list or of a long table; longer lists are paginated."),
    "KC_HEADLINE_YEARS": Setting(
        [2012, 2022], "First and last plan year of the home page's headline figures."),
    "KC_NAV": Setting(
        [["", N_("Home")], ["establishments/", N_("Establishments")],
         ["projects/", N_("Projects")], ["stories/", N_("Stories")],
         ["statistics/", N_("Statistics")], ["datasets/", N_("Open data")],
         ["about/", N_("About")], ["search/", N_("Search")]],
        "Main navigation as [address, English label]; an entry whose page is not built is "
        "left out, so the menu never links to a missing page."),
    "KC_FOOTER_LINKS": Setting(
        [["about/", N_("About the programme")], ["data-notes/", N_("About the data")],
         ["data-quality/", N_("Data quality")], ["contact/", N_("Contact")]],
        "Footer links as [address, English label]; like KC_NAV, an entry whose page is not "
        "built is left out."),
    "KC_SITE_NAME": Setting(
        "Khuyến công Cao Bằng", "Site name shown in the header and page titles."),
    "KC_REPORT": Setting(
        None, "The validation Report of this build (errors and warnings), set by `python -m "
        "pipeline build` for the data-quality page; plain `pelican` runs validate again."),
    "KC_BUILD_DATE": Setting(
        None, "The build's date (YYYY-MM-DD) from SOURCE_DATE_EPOCH, the data release or the "
        "last commit, never the clock; set by the build so that pages are reproducible."),
    "KC_IMAGES": Setting(
        None, "The processed photos (an ImageIndex) when the build processed them before "
        "Pelican (its own timed stage); None lets the image page builder do it."),
    "KC_SITE_CACHE": Setting(
        None, "Values the build computed for the page builders while the export ran (the "
        "statistics, the public records: pipeline.pages.precompute), put into site.cache "
        "before any page is built. Not set by hand; without it each process computes them."),
    "KC_TEMPLATE_CACHE": Setting(
        None, "The folder of compiled templates for this build's code (Jinja2's bytecode "
        "cache, pipeline.incremental.template_cache), set by the build. Not set by hand; "
        "without it every process compiles the templates it uses."),
    "KC_PROGRESS": Setting(
        None, "The build's pipeline.progress.Progress: the page generator reports how many "
        "pages it writes, for the progress bar. Not set by hand."),
    "KC_REUSE": Setting(
        None, "The incremental build's reuse hook (pipeline/incremental.py), set by the build: "
        "the page writer calls its begin(build_wide) once and unchanged(rel_path, page, lang, "
        "context) per page, and skips a page it says is already in the output. None renders "
        "every page. Not set by hand."),
    "KC_WORKERS": Setting(
        0, "Processes that render the data pages (pipeline/parallel.py): 0 = one per core. "
        "A small site renders in one process whatever this says; the output is the same "
        "either way."),
    "KC_TEST_KILL_AT": Setting(
        None, "Not a Pelican setting but an environment variable, for tests only: the build "
        "SIGKILLs itself at this point (after:<stage> or mid:<stage>, see pipeline/progress.py)."),
    "KC_CSP": Setting(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'",
        "Content-Security-Policy of every page (a <meta http-equiv> in base.html): only the "
        "site's own files, no inline script or style; 'wasm-unsafe-eval' lets Pagefind's "
        "WebAssembly search run. Send it as an HTTP header too where the server allows."),
    "KC_TRANSLATIONS": Setting(
        "translations", "Folder of the gettext catalogues, relative to the theme."),
}


def with_defaults(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``settings`` with every ``KC_`` setting it does not set at its default."""
    merged = {name: spec.default for name, spec in SETTINGS.items()}
    merged.update(settings)
    return merged
