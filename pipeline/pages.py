"""The page extension point: what a data page is, what every builder gets, and the registry.

The site's data pages are not Markdown: a *builder* turns the validated package into ``Page``
values, and the Pelican generator (``pipeline/plugin.py``) renders each through a theme
template, once per language. Any module can add pages without editing the generator: define
``builder(site: SiteData, lang: str) -> Iterable[Page]``, decorate it with ``@register("name")``
and list the module in the ``KC_PAGE_MODULES`` setting (the core, statistics and dataset
modules are listed by default; a missing module is skipped).

Addresses are language-neutral: ``Page.url`` is ``"establishments/e-04-0001/"`` for both
languages; the generator prefixes ``en/`` for English and links each page to its counterpart,
so the two languages always have the same structure.

A data page's template reads only its own ``Page.context``, the values of the *context
providers* and build-wide constants (settings, ``built_urls``, ``lang``, ``alternates``, the
photo index, the package descriptor, the small reference tables): never establishments,
projects or plans through ``site``. That keeps each page a function of inputs the incremental
build can fingerprint. A module that adds something to many pages (their statistics section,
their search filters) registers a provider with ``@provide("name")``; ``page_extras`` merges
them for the writer.

A builder may also give a page a ``source``: a digest of everything its context is made of
besides those build-wide values (the records it shows, see :meth:`SiteData.digests`), and
its context ``Deferred``. The incremental build then keys the page by the source instead of
encoding its context, and makes the context only for a page it renders: a republish after
one corrected row no longer builds and hashes the contexts of 150,000 unchanged pages.
``tests/test_core_pages.py`` changes every cell of the data and checks that no keyed page's
context changes while its source stays the same. A keyed page is ``whole`` when its source
covers what the providers add to it too: their extras are then made only to render it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.incremental import encode_fast
from pipeline.load import Package

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Page:
    """One output file, described by a builder and rendered (or written) by the generator.

    ``url`` is the language-neutral address: ``""`` for home, ``"projects/"`` for a folder
    (written as ``projects/index.html``) or a file name (``"404.html"``). With ``template``
    the page is rendered with ``context`` plus the shared context; with ``body`` the bytes are
    written as they are. ``shared`` files (a CSV, say) are written once, without a language
    prefix, whichever language builds them first. ``source``: see the module's docstring.
    """

    url: str
    template: str | None
    context: Mapping[str, Any]
    kind: str
    title: str
    #: The file's bytes, or what makes them (only for a page with a ``source``: made when
    #: the page is written, not when it is kept).
    body: bytes | Callable[[], bytes] | None = None
    shared: bool = False
    source: bytes | None = None
    #: The source covers the providers' extras too (see the module's docstring).
    whole: bool = False

    @property
    def save_as(self) -> str:
        """The output path relative to the language root."""
        return self.url + "index.html" if self.url == "" or self.url.endswith("/") else self.url


class Deferred(Mapping):
    """A page context made on first use (by the renderer, or anything that reads it)."""

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], Mapping[str, Any]]) -> None:
        self._make: Callable[[], Mapping[str, Any]] | None = make
        self._value: Mapping[str, Any] | None = None

    @property
    def made(self) -> bool:
        return self._make is None

    def value(self) -> Mapping[str, Any]:
        if self._make is not None:
            self._value, self._make = self._make(), None
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self.value()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.value())

    def __len__(self) -> int:
        return len(self.value())

    def __repr__(self) -> str:
        return f"Deferred({self.value()!r})"


def digest_of(value: Any) -> bytes:
    """16 bytes that differ for values that differ: ``value`` in the incremental build's
    encoding of page contexts (``incremental.encode_fast``), then blake2b. For records and
    lists of them, which always encode."""
    encoded = encode_fast(value)
    if encoded is None:
        raise TypeError(f"cannot digest a {type(value).__name__}")
    return hashlib.blake2b(encoded, digest_size=16).digest()


def joined_digest(parts: Iterable[bytes]) -> bytes:
    """One digest of a sequence of digests, in order (each is 16 bytes, so no two
    sequences join to the same bytes)."""
    return hashlib.blake2b(b"".join(parts), digest_size=16).digest()


def first_language(site: SiteData, lang: str) -> bool:
    """Whether ``lang`` is the site's first language: its builders alone yield the shared
    files (CSV, JSON), which the writer would drop from any other language."""
    return lang == (site.settings.get("KC_LANGUAGES") or LANGUAGES)[0]


def last_language(site: SiteData, lang: str) -> bool:
    """Whether ``lang`` is the site's last language: a builder whose shared files are many
    yields them there instead. Each language is one process on two cores, and the first
    one also writes the establishments' CSVs: at national scale it finished about a
    second after the other."""
    return lang == (site.settings.get("KC_LANGUAGES") or LANGUAGES)[-1]


def address(settings: Mapping[str, Any], url: str, lang: str) -> str:
    """The link to a language-neutral ``url`` in ``lang`` (the first language sits at /)."""
    languages = settings.get("KC_LANGUAGES") or LANGUAGES
    prefix = "" if lang == languages[0] else f"{lang}/"
    return f"{settings.get('SITEURL') or ''}/{prefix}{url}"


@dataclass(frozen=True)
class Story:
    """A success story as the data pages need it (Pelican reads and renders the text)."""

    slug: str
    lang: str
    title: str
    summary: str
    date: Any
    establishment_id: str | None
    url: str


@dataclass
class SiteData:
    """What every builder gets: the validated package and anything computed once per build.

    ``records``/``index`` give plain Python rows (missing values are ``None``), cached so
    that a thousand builders asking for the projects pay once. ``memo`` caches anything else
    a module wants to compute once (statistics tables, say).
    """

    package: Package
    settings: Mapping[str, Any] = field(default_factory=dict)
    stories: list[Story] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    def frame(self, name: str) -> pd.DataFrame:
        return self.package.frames[name]

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per build under ``key``."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def records(self, name: str) -> list[dict]:
        """Rows of a resource as dicts of plain values, without private fields."""
        return self.memo(f"records:{name}", lambda: public_records(self.package, name))

    def index(self, name: str, key: str) -> dict[str, dict]:
        """Rows of a resource keyed by one column (the primary key, usually)."""
        return self.memo(f"index:{name}:{key}",
                         lambda: {row[key]: row for row in self.records(name)})

    def digests(self, name: str, key: str) -> dict[Any, bytes]:
        """``digest_of`` each record of a resource, keyed by one column: what a keyed
        page's ``source`` is made of (a national build digests 65,000 records once)."""
        return self.memo(f"digests:{name}:{key}", lambda: {
            row[key]: digest_of(row) for row in self.records(name)})

    def stories_in(self, lang: str) -> list[Story]:
        """Stories in one language, newest first."""
        return sorted((s for s in self.stories if s.lang == lang),
                      key=lambda s: (str(s.date), s.slug), reverse=True)

    def story_for(self, establishment_id: str, lang: str) -> Story | None:
        return next((s for s in self.stories_in(lang)
                     if s.establishment_id == establishment_id), None)


def plain(value: Any) -> Any:
    """A cell as a plain Python value: ``None`` for missing, ``int`` for integers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def public_records(package: Package, name: str) -> list[dict]:
    """Typed rows without the private fields: nothing personal can reach a template."""
    private = set(package.private_fields(name))
    frame = package.frames[name].drop(columns=[c for c in private
                                               if c in package.frames[name].columns])
    names = frame.columns.tolist()  # a pandas Index yields its items one call at a time
    columns = [plain_values(frame[name]) for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


#: Extension dtypes whose ``to_numpy(dtype=object, na_value=None)`` already gives what
#: :func:`plain` gives each cell (Python ``str``/``int``/``bool``/``float`` or None).
PLAIN_KINDS = {"string", "str", "Int64", "Int32", "boolean", "Float64"}


def plain_values(series: pd.Series) -> list:
    """:func:`plain` of every cell, a column at a time.

    A national build turns 1.3 million cells into page records: a call per cell took
    0.55 s, a column at a time 0.32 s (projects and establishments).
    """
    if str(series.dtype) in PLAIN_KINDS:
        values = series.to_numpy(dtype=object, na_value=None).tolist()
        if str(series.dtype) == "Float64":  # NaN (not NA) can hide in a float array
            values = [None if v != v else v for v in values]
        return values
    if pd.api.types.is_datetime64_dtype(series.dtype):
        missing = series.isna().tolist()
        return [None if gap else date
                for date, gap in zip(series.dt.date.tolist(), missing, strict=True)]
    return list(map(plain, series))


Builder = Callable[[SiteData, str], Iterable[Page]]
BUILDERS: dict[str, Builder] = {}


def register(name: str) -> Callable[[Builder], Builder]:
    """Decorator: add a builder under a unique name (re-registering replaces it)."""

    def add(builder: Builder) -> Builder:
        BUILDERS[name] = builder
        return builder

    return add


def builders(modules: Iterable[str] | None = None) -> list[Builder]:
    """Registered builders in registration order, only those defined in ``modules`` if given.

    Filtering by module keeps ``KC_PAGE_MODULES`` authoritative even when some other import
    (a test, say) registered builders of a module the site does not list.
    """
    chosen = None if modules is None else set(modules)
    return [b for b in BUILDERS.values() if chosen is None or b.__module__ in chosen]


#: How many parts on each side of the current one a pager links (``Pager.shown``).
PAGER_SPAN = 2


@dataclass(frozen=True)
class Pager:
    """Where one page of a paginated list sits: its number, how many parts, and the
    address of the first (every other one follows from it, :func:`page_url`).

    The addresses themselves are not kept: each part of a national project list would
    carry a thousand of them, and the incremental build fingerprints every part.
    """

    number: int
    count: int
    base: str

    @property
    def shown(self) -> tuple[int | None, ...]:
        """The part numbers the navigation offers, None where a run of parts is left out.

        A list of a thousand parts cannot link every part from every part: that was about
        60 KB of links on each page, and a thousand targets to scroll past on a phone. Readers
        get the first and the last part and those within ``PAGER_SPAN`` of this one, as
        GOV.UK's pagination does; a gap of a single part shows that part instead of an
        ellipsis, which would take as much room. Every part is still reached by moving
        along, and the sitemap lists them all.
        """
        near = range(max(1, self.number - PAGER_SPAN),
                     min(self.count, self.number + PAGER_SPAN) + 1)
        kept = sorted({1, self.count, *near})
        shown: list[int | None] = []
        for number in kept:
            if shown and number - shown[-1] == 2:
                shown.append(number - 1)
            elif shown and number - shown[-1] > 2:
                shown.append(None)
            shown.append(number)
        return tuple(shown)

    def url(self, number: int) -> str:
        """The address of part ``number`` of this list."""
        return page_url(self.base, number)

    @property
    def previous(self) -> str | None:
        return page_url(self.base, self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return page_url(self.base, self.number + 1) if self.number < self.count else None


def page_url(base: str, number: int) -> str:
    """``base`` for page 1, ``base/page/N/`` after: folder names that cannot collide with ids."""
    return base if number == 1 else f"{base}page/{number}/"


def paginate(base: str, items: list, size: int) -> Iterator[tuple[str, list, Pager]]:
    """Split ``items`` into pages of ``size``; yields (url, chunk, pager), at least one page."""
    count = max(1, math.ceil(len(items) / size))
    for number in range(1, count + 1):
        chunk = items[(number - 1) * size: number * size]
        yield page_url(base, number), chunk, Pager(number, count, base)


ContextProvider = Callable[["SiteData", Page, str], Mapping[str, Any]]
PROVIDERS: dict[str, ContextProvider] = {}


def provide(name: str) -> Callable[[ContextProvider], ContextProvider]:
    """Decorator: add a context provider under a unique name (re-registering replaces it).

    A provider returns what one page adds to its context (``{}`` when nothing applies); it
    is called once per page and language, so it should look its answer up, not compute it.
    """

    def add(provider: ContextProvider) -> ContextProvider:
        PROVIDERS[name] = provider
        CHOSEN_PROVIDERS.clear()
        return provider

    return add


#: ``providers(modules)`` by registry and modules, emptied whenever a provider is added:
#: asked once per page (180,000 times in a national build).
CHOSEN_PROVIDERS: dict[tuple, list[ContextProvider]] = {}


def providers(modules: Iterable[str] | None = None) -> list[ContextProvider]:
    """Registered providers in registration order, only those of ``modules`` if given."""
    names = None if modules is None else tuple(modules)
    key = (id(PROVIDERS), len(PROVIDERS), names)
    found = CHOSEN_PROVIDERS.get(key)
    if found is None:
        chosen = None if names is None else set(names)
        found = CHOSEN_PROVIDERS[key] = [p for p in PROVIDERS.values()
                                         if chosen is None or p.__module__ in chosen]
    return found


def page_extras(site: SiteData, page: Page, lang: str) -> dict[str, Any]:
    """Everything the providers add to ``page`` in ``lang``, merged in registration order.

    Only providers of the site's ``KC_PAGE_MODULES`` take part (as for builders), so a
    module a test imported cannot change another site's pages.
    """
    extras: dict[str, Any] = {}
    for provider in providers(site.settings.get("KC_PAGE_MODULES")):
        extras.update(provider(site, page, lang))
    return extras


Preparer = Callable[["SiteData"], Any]
PREPARERS: dict[str, Preparer] = {}
#: Preparers that read only the package and the settings (no stories, photos or language).
EARLY: set[str] = set()
#: Early preparers whose values are small (digests, not records): the build runs them in
#: the export's child, which has time to spare, and gets their values back.
BESIDE: set[str] = set()


def prepare(name: str, *, early: bool = False,
            beside: bool = False) -> Callable[[Preparer], Preparer]:
    """Decorator: something to compute once per build before any page is rendered.

    Pelican renders the stories before the data pages, and their templates read a few
    build-wide values from ``site.cache`` (the search facets, the photo index): a preparer
    puts them there first, whatever order the builders would have computed them in.

    An ``early`` preparer needs nothing but ``site.package`` and ``site.settings``: the
    build computes it with :func:`precompute` while the export runs in another process,
    instead of in each process that renders pages (``KC_SITE_CACHE``). It must store what
    it computes through ``site.memo`` under a key that names the settings it read.
    """

    def add(preparer: Preparer) -> Preparer:
        PREPARERS[name] = preparer
        (EARLY.add if early else EARLY.discard)(name)
        (BESIDE.add if early and beside else BESIDE.discard)(name)
        return preparer

    return add


def chosen_preparers(settings: Mapping[str, Any], *, early: bool = False,
                     named: bool = False) -> list[Any]:
    """The preparers of the site's ``KC_PAGE_MODULES`` (only the early ones if asked), in
    registration order; (name, preparer) pairs if ``named``."""
    modules = settings.get("KC_PAGE_MODULES")
    chosen = None if modules is None else set(modules)
    return [(name, preparer) if named else preparer for name, preparer in PREPARERS.items()
            if (chosen is None or preparer.__module__ in chosen)
            and (not early or name in EARLY)]


def precompute(package: Package, settings: Mapping[str, Any], *,
               beside: bool | None = None) -> dict[str, Any]:
    """What the early preparers put in ``site.cache``, computed outside Pelican.

    ``beside``: None runs every early preparer; False all but the ``beside`` ones; True
    only those, and returns only what they added besides the records they read (which the
    process that gets their values computes for itself).
    """
    site = SiteData(package, settings)
    chosen = [(name, preparer) for name, preparer in chosen_preparers(settings, early=True,
                                                                      named=True)
              if beside is None or (name in BESIDE) == beside]
    if not beside:
        for _, preparer in chosen:
            preparer(site)
        return site.cache
    for name in package.frames:
        site.records(name)
    before = set(site.cache)
    for _, preparer in chosen:
        preparer(site)
    return {key: value for key, value in site.cache.items() if key not in before}


def prepare_site(site: SiteData) -> None:
    """Run the preparers of the site's ``KC_PAGE_MODULES``, in registration order (an early
    one that :func:`precompute` ran finds its value in the cache)."""
    for preparer in chosen_preparers(site.settings):
        preparer(site)
