"""The one module that knows Pelican: a ``register()`` that connects signals, and a generator.

Pelican reads the stories and content pages; this generator renders the data pages from the
validated package, in-process and without intermediate Markdown: every registered builder
(``pipeline/pages.py``) yields ``Page`` values, rendered through the theme's templates once per
language and written straight into the output folder. Listed in ``PLUGINS`` in pelicanconf.

It also guards what Pelican reads: every story and content page is sanitised after Markdown
(``pipeline/sanitize.py``: no script, event handler, ``javascript:`` URL or iframe survives),
and a slug or page address that could leave the output folder stops the build.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from jinja2 import FileSystemBytecodeCache, Template, pass_context
from pelican import contents, signals
from pelican.generators import Generator
from pelican.utils import memoized

from pipeline import i18n, layout, parallel, sanitize
from pipeline.core_pages import field_rows, project_rows
from pipeline.formatting import FILTERS, context_lang
from pipeline.incremental import Survey, SurveyMissed
from pipeline.load import Package
from pipeline.pages import Page, SiteData, Story, address, builders, page_extras, prepare_site
from pipeline.pages import precompute as precompute_early
from pipeline.site_settings import with_defaults

LOG = logging.getLogger("pelican.kc")  # under "pelican": the build counts its errors


class SiteBuildError(Exception):
    """The site cannot be built: the data package is invalid or a setting is wrong."""


def register() -> None:
    """Pelican's entry point: only connects signals."""
    signals.generator_init.connect(prepare_environment)
    signals.get_generators.connect(data_pages_generator)
    signals.content_object_init.connect(guard_content)


def guard_content(content: Any) -> None:
    """A story or page as Pelican read it: refuse an unsafe slug, sanitise the HTML."""
    if not sanitize.safe_name(getattr(content, "slug", None)):
        message = (f"{content.source_path}: slug {getattr(content, 'slug', None)!r} is not "
                   "lowercase letters, digits and hyphens; it would become a folder name")
        LOG.error(message)
        raise SiteBuildError(message)
    content._content = sanitize.clean_html(content._content or "")
    if getattr(content, "_summary", None):
        content._summary = sanitize.clean_html(content._summary)
    if content.metadata.get("summary"):
        content.metadata["summary"] = sanitize.clean_html(content.metadata["summary"])


def data_pages_generator(pelican: Any) -> type[Generator]:
    return DataPagesGenerator


def href(settings: Mapping[str, Any], url: str, lang: str) -> str:
    """The address of a language-neutral ``url`` in ``lang`` (default language at /)."""
    return address(settings, url, lang)


def prepare_environment(generator: Generator) -> None:
    """Filters, gettext and link helpers on every generator's Jinja environment."""
    settings = with_defaults({"SITEURL": "", **generator.settings})
    translations = Path(generator.theme) / settings["KC_TRANSLATIONS"]
    i18n.install(generator.env, translations)
    layout.install(generator.env)  # {% once %} and menu_marks: the chrome rendered once
    generator.env.auto_reload = False  # one build: do not stat every template at each include
    if settings.get("KC_TEMPLATE_CACHE"):  # compiled once, not in every process of every build
        generator.env.bytecode_cache = FileSystemBytecodeCache(settings["KC_TEMPLATE_CACHE"])
    generator.env.filters.update(FILTERS)
    generator.env.filters["enum"] = i18n.enum_filter(translations)

    @pass_context
    def link(context, url: str, lang: str | None = None) -> str:
        return href(settings, url, lang or context_lang(context))

    def link_shared(url: str) -> str:
        """A file written once for every language (a CSV), so without a language prefix."""
        return f"{settings['SITEURL']}/{url}"

    def asset(path: str) -> str:
        return f"{settings['SITEURL']}/{generator.settings['THEME_STATIC_DIR']}/{path}"

    def alternates_of(item: Any) -> dict[str, str]:
        """A Pelican article's or page's address in each language it exists in."""
        return {other.lang: f"{settings['SITEURL']}/{other.url}"
                for other in [item, *getattr(item, "translations", [])]}

    menus: dict[tuple, list[tuple[str, str, str]]] = {}

    @pass_context
    def menu(context, items: Iterable[Iterable[str]]) -> list[tuple[str, str, str]]:
        """(address, link, label) of the ``items`` whose page is built, labels translated.

        The same for every page of a language, so it is made once per language and list
        (every page has a menu and a footer: ~25 template calls saved per page).
        """
        lang, built = context_lang(context), context.get("built_urls") or ()
        key = (lang, tuple(map(tuple, items)), id(built), len(built))
        if key not in menus:
            gettext = context.environment.globals["gettext"]
            menus[key] = [(url, href(settings, url, lang), gettext(context, label))
                          for url, label in key[1] if url in built]
        return menus[key]

    generator.env.globals.update(link=link, link_shared=link_shared, asset=asset,
                                 alternates_of=alternates_of, project_rows=project_rows,
                                 field_rows=field_rows,
                                 menu=menu,
                                 KC_LANGUAGES=settings["KC_LANGUAGES"])


def stories_from(context: Mapping[str, Any]) -> list[Story]:
    """The Pelican articles (stories) in every language, as the data pages need them."""
    stories = []
    for article in context.get("articles", []):
        for item in [article, *getattr(article, "translations", [])]:
            stories.append(Story(
                slug=item.slug, lang=item.lang, title=item.title,
                summary=getattr(item, "summary", ""), date=item.date.date(),
                establishment_id=getattr(item, "establishment", None),
                url=f"stories/{item.slug}/"))
    return stories


def import_page_modules(names: Iterable[str]) -> None:
    """Import each module that exists so its @register builders run."""
    for name in names:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def precompute(package: Package, settings: Mapping[str, Any], *,
               beside: bool | None = None) -> dict[str, Any]:
    """The early preparers' values for ``KC_SITE_CACHE`` (``pipeline.pages.precompute``)."""
    import_page_modules(settings["KC_PAGE_MODULES"])
    return precompute_early(package, settings, beside=beside)


def forget_contents() -> None:
    """Empty Pelican's memo of each story's content and summary (``pelican.utils.memoized``
    on ``Content``), for the build to call after every run: a class-level cache, it kept
    every story alive after the run, and with them the settings (the package, the
    statistics: hundreds of MB at national scale) through the search and checks stages."""
    for value in vars(contents.Content).values():
        if isinstance(value, memoized):
            value.cache.clear()


def validated_package(settings: Mapping[str, Any]) -> tuple[Package, Any]:
    """The package (and its report) passed in by the build, or read and validated here."""
    if settings.get("KC_PACKAGE") is not None:
        return settings["KC_PACKAGE"], settings.get("KC_REPORT")
    from pipeline.build import validate

    package, report = validate(Path(settings["KC_DATA_DIR"]), Path(settings["PATH"]))
    if not report.ok:
        raise SiteBuildError(f"the data package is invalid: {len(report.errors)} errors; "
                             "run `python -m pipeline validate`")
    return package, report


def site_data(settings: dict[str, Any], stories: list[Story]) -> SiteData:
    """What the builders get; the build's report and processed photos come with it."""
    package, report = validated_package(settings)
    settings["KC_REPORT"] = report
    site = SiteData(package, settings, stories)
    site.cache.update(settings.get("KC_SITE_CACHE") or {})  # the build's `precompute`
    if settings.get("KC_IMAGES") is not None:
        from pipeline.image_pages import INDEX_KEY

        site.cache[INDEX_KEY] = settings["KC_IMAGES"]
    return site


def checked(page: Page) -> Page:
    """``page`` if its address stays inside the output folder; else the build stops."""
    if not sanitize.safe_url(page.url):
        raise SiteBuildError(f"unsafe page address {page.url!r} ({page.kind}): addresses are "
                             "lowercase letters, digits and hyphens joined by '/'")
    return page


#: Settings that are objects of the build, not values for templates.
HIDDEN_SETTINGS = {"KC_PACKAGE", "KC_IMAGES", "KC_PROGRESS", "KC_REUSE", "KC_WORKERS",
                   "KC_SITE_CACHE", "KC_TEMPLATE_CACHE"}

#: Pelican settings the theme's data-page templates read (besides every ``KC_`` setting).
TEMPLATE_SETTINGS = ("SITEURL", "SITENAME", "FEED_DOMAIN", "TRANSLATION_FEED_ATOM",
                     "THEME_STATIC_DIR", "DEFAULT_LANG")

#: The small code lists a data-page template may read whole (Contract 1, pipeline/pages.py).
REFERENCE_TABLES = ("admin-units", "sectors", "content-types", "unit-crosswalk")


def is_plain(value: Any) -> bool:
    """A value made of None, bools, numbers, strings, lists and string-keyed dicts only."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    return False


def build_wide(site: SiteData, context: Mapping[str, Any]) -> dict[str, Any]:
    """Everything build-wide a data-page template may read, for ``KC_REUSE.begin``.

    The incremental build fingerprints it: when any of it changes, every page is rendered.
    """
    settings = {k: v for k, v in context.items()
                if (k.startswith("KC_") or k in TEMPLATE_SETTINGS) and is_plain(v)}
    return {"settings": dict(sorted(settings.items())),
            "built_urls": sorted(context["built_urls"]),
            "reference": {name: site.records(name) for name in REFERENCE_TABLES
                          if name in site.package.frames},
            "descriptor": site.package.descriptor,
            "images": site.cache.get("images"),
            "stories": site.stories,
            "languages": list(site.settings["KC_LANGUAGES"])}


class DataPagesGenerator(Generator):
    """Builds ``Page`` values from every builder and renders them for every language.

    Pages are streamed: a first pass over the first language's builders collects every
    address (menus and optional links need ``built_urls`` before any page is rendered), then
    each language's pages are built, rendered and dropped one by one, so memory holds one
    page at a time instead of every page of the site.
    """

    def generate_context(self) -> None:
        settings = with_defaults(self.settings)
        import_page_modules(settings["KC_PAGE_MODULES"])
        self.site = site_data(settings, stories_from(self.context))
        prepare_site(self.site)
        self.chosen = builders(settings["KC_PAGE_MODULES"])
        self.languages = list(settings["KC_LANGUAGES"])
        self.assumed = getattr(settings.get("KC_REUSE"), "expected_survey", None)
        count, urls = ((self.assumed.count, set(self.assumed.urls)) if self.assumed
                       else self.survey())
        self.count = count * len(self.languages)
        self.first_urls = frozenset(urls)
        self.context.update({k: v for k, v in settings.items()
                             if k.startswith("KC_") and k not in HIDDEN_SETTINGS})
        self.context["site"] = self.site
        self.context["built_urls"] = self.built_urls(urls)

    def pages_in(self, lang: str) -> Iterator[Page]:
        """Every builder's pages in ``lang``, in registration order, addresses checked."""
        for build in self.chosen:
            for page in build(self.site, lang):
                yield checked(page)

    def survey(self) -> tuple[int, set[str]]:
        """How many pages the first language has (for the progress bar), and their addresses.

        Every language has the same structure (``pipeline/pages.py``); ``generate_output``
        warns about a page of another language at an address the first one lacks. A
        republish skips this pass (every builder run once more) by assuming the last build's
        survey, kept with its manifest; ``check_survey`` verifies the assumption.
        """
        count, urls = 0, set()
        for page in self.pages_in(self.languages[0]):
            count += 1
            urls.add(page.url)
        return count, urls

    def built_urls(self, urls: set[str]) -> set[str]:
        """Every language-neutral address the site will have, for menus and optional links."""
        urls = set(urls)
        for name in ("pages", "articles"):
            urls.update(f"{item.slug}/" if name == "pages" else f"stories/{item.slug}/"
                        for item in self.context.get(name, []))
        return urls

    def generate_output(self, writer: Any) -> None:
        progress = self.site.settings.get("KC_PROGRESS")
        if progress is not None:
            progress.total("pages", self.count)
        reuse = self.site.settings.get("KC_REUSE")
        if reuse is not None:
            reuse.begin(build_wide(self.site, self.context))
        # A reuse hook that cannot hand its findings over (no state/merge) keeps to one process.
        processes = (parallel.process_count(self.site.settings.get("KC_WORKERS"), self.count)
                     if reuse is None or hasattr(reuse, "merge") else 1)

        def advance(steps: int) -> None:
            if progress is not None:
                progress.advance("pages", steps)

        try:
            states = parallel.run(page_shares(self.languages, processes),
                                  lambda share, tick: self.write_share(share, reuse, tick),
                                  advance, "pelican")
        except parallel.ParallelError as exc:
            raise SiteBuildError(f"data pages: {exc}") from exc
        finally:
            self.release()
        if reuse is not None:
            for state, _ in states[1:]:
                reuse.merge(state)
        self.check_survey(reuse, next(seen for _, seen in states if seen is not None))

    def release(self) -> None:
        """Drop what the builders computed (records, statistics, display rows: 170 MB at
        national scale) once every page is written. After the run this generator is
        garbage in a cycle with Pelican's objects, which only a collection of the whole
        heap would free (0.6 s of a national republish); emptied, the cache's values go
        at once. The story templates that read the cache were rendered before."""
        self.site.cache.clear()

    def check_survey(self, reuse: Any, seen: tuple[int, list[str]]) -> None:
        """Record the first language's pages as written; if the build assumed other
        addresses, undo its data pages and stop Pelican (the build runs it again)."""
        count, urls = seen
        if self.assumed and (count, set(urls)) != (self.assumed.count, self.first_urls):
            reuse.reset()
            raise SurveyMissed(f"{count} pages instead of the last build's "
                               f"{self.assumed.count}, or other addresses")
        if hasattr(reuse, "survey"):
            reuse.survey = Survey(count, tuple(sorted(set(urls))))

    def write_share(self, share: list[tuple[str, int, int]], reuse: Any,
                    tick: Callable[[int], None]) -> Any:
        """Write one process's pages: for each (language, part, parts), the pages of that
        language whose position modulo ``parts`` is ``part``. A shared file (a CSV) is
        written by the first language, or by the first one that has it. Returns the reuse
        hook's findings and, from a process that went through the first language, the
        count and addresses of its pages (``check_survey``)."""
        seen: tuple[int, list[str]] | None = None
        for lang, part, parts in share:
            shared, urls = {**self.context, "lang": lang}, []
            for index, page in enumerate(self.pages_in(lang)):
                urls.append(page.url)
                if index % parts == part:
                    self.write_one(page, lang, shared, reuse)
                    tick(1)
            if lang == self.languages[0]:
                seen = (len(urls), urls)
        return (reuse.state() if hasattr(reuse, "state") else None), seen

    def write_one(self, page: Page, lang: str, shared: dict, reuse: Any) -> None:
        if page.url not in self.context["built_urls"] and not page.shared:
            LOG.warning("%s (%s) exists in %s only: every language should have the "
                        "same pages", page.url, page.kind, lang)
        if page.shared and lang != self.languages[0] and page.url in self.first_urls:
            return
        self.write(page, lang, shared, reuse)

    def rel_path(self, page: Page, lang: str) -> str:
        """The page's path inside the output folder: ``en/projects/p-1/index.html``."""
        languages = self.site.settings["KC_LANGUAGES"]
        prefix = "" if page.shared or lang == languages[0] else f"{lang}/"
        return prefix + page.save_as

    def write(self, page: Page, lang: str, shared: dict, reuse: Any = None) -> None:
        """Render (or copy) one page into the output folder, unless ``reuse`` kept it."""
        rel = self.rel_path(page, lang)
        # A keyed page: its source tells, and its context is made only to render it (its
        # extras too when the source covers them: a ``whole`` page); its body too, when
        # that is made on demand.
        keyed = page.source is not None and hasattr(reuse, "unchanged_source")
        if callable(page.body) and not keyed:
            page = dataclasses.replace(page, body=page.body())
        later = keyed and page.whole
        extras = {} if page.body is not None or later else page_extras(self.site, page, lang)
        if keyed and reuse.unchanged_source(rel, page, lang, extras):
            return
        if later:
            extras = page_extras(self.site, page, lang)
        context = page.context if page.body is not None else {**page.context, **extras}
        if not keyed and reuse is not None and reuse.unchanged(rel, page, lang, context):
            return
        path = Path(self.output_path, rel)
        self.ensure_folder(path.parent)
        if reuse is not None:
            path.unlink(missing_ok=True)  # never write through a hard link to the last build
        if page.body is not None:
            path.write_bytes(page.body() if callable(page.body) else page.body)
            return
        variables = {**shared, **context, "page": page, "title": page.title,
                     "alternates": {other: href(self.site.settings, page.url, other)
                                    for other in self.site.settings["KC_LANGUAGES"]}}
        html = render(self.get_template(page.template.removesuffix(".html")), variables)
        with open(path, "w", encoding="utf-8") as file:
            file.write(html)

    def ensure_folder(self, folder: Path) -> None:
        """mkdir once per folder (many pages share one, and a failed mkdir costs a syscall)."""
        folders = self.__dict__.setdefault("folders", set())
        if folder not in folders:
            folder.mkdir(parents=True, exist_ok=True)
            folders.add(folder)


def page_shares(languages: list[str], processes: int) -> list[list[tuple[str, int, int]]]:
    """The (language, part, parts) jobs of each process: whole languages when there are at
    least as many languages as processes (no page is built twice), else each language
    split into parts by page position. One process keeps the serial order."""
    parts = max(1, -(-processes // len(languages)))
    jobs = [(lang, part, parts) for lang in languages for part in range(parts)]
    return [jobs[start::processes] for start in range(min(processes, len(jobs)))]


def render(template: Template, variables: dict[str, Any]) -> str:
    """``template.render(variables)`` with one copy of the variables instead of two."""
    context = template.new_context(variables)
    try:
        return template.environment.concat(template.root_render_func(context))
    except Exception:
        return template.environment.handle_exception()
