"""The Pelican plugin: signals, link helpers, stories from articles, rendering with escaping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from pelican import signals

from pipeline import plugin
from pipeline.load import load_package
from pipeline.pages import Page, SiteData
from pipeline.site_settings import with_defaults

ROOT = Path(__file__).resolve().parent.parent
THEME = ROOT / "theme"


def test_register_connects_the_generator():
    plugin.register()
    returned = [result for _, result in signals.get_generators.send(None)]
    assert plugin.DataPagesGenerator in returned


@pytest.mark.parametrize(("siteurl", "url", "lang", "expected"), [
    ("", "", "vi", "/"),
    ("", "", "en", "/en/"),
    ("", "projects/p-04-2021-001/", "vi", "/projects/p-04-2021-001/"),
    ("", "projects/p-04-2021-001/", "en", "/en/projects/p-04-2021-001/"),
    ("https://example.org", "404.html", "en", "https://example.org/en/404.html"),
])
def test_href(siteurl, url, lang, expected):
    settings = {"SITEURL": siteurl, "KC_LANGUAGES": ["vi", "en"]}
    assert expected == plugin.href(settings, url, lang)


def article(slug: str, lang: str, translations=()) -> SimpleNamespace:
    return SimpleNamespace(slug=slug, lang=lang, title=f"{slug} {lang}", summary="s",
                           date=dt.datetime(2025, 11, 3), establishment="e-04-0001",
                           url=("" if lang == "vi" else "en/") + f"stories/{slug}/",
                           translations=list(translations))


def test_stories_from_articles_and_their_translations():
    context = {"articles": [article("a", "vi", [article("a", "en")]), article("b", "vi")]}
    actual = [(s.slug, s.lang, s.url, s.establishment_id, s.date)
              for s in plugin.stories_from(context)]
    day = dt.date(2025, 11, 3)
    assert [("a", "vi", "stories/a/", "e-04-0001", day),
            ("a", "en", "stories/a/", "e-04-0001", day),
            ("b", "vi", "stories/b/", "e-04-0001", day)] == actual


def test_import_page_modules_skips_missing_ones():
    plugin.import_page_modules(["pipeline.core_pages", "pipeline.no_such_module"])
    from pipeline import pages

    assert "home" in pages.BUILDERS


@pytest.fixture
def generator() -> SimpleNamespace:
    """What prepare_environment needs of a Pelican generator: env, settings, theme."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(THEME / "templates"),
                             autoescape=True, extensions=["jinja2.ext.i18n"])
    settings = {"SITEURL": "", "THEME_STATIC_DIR": "theme"}
    gen = SimpleNamespace(env=env, settings=settings, theme=str(THEME))
    plugin.prepare_environment(gen)
    return gen


@pytest.mark.parametrize(("template", "context", "expected"), [
    ("{{ link('projects/') }}", {"lang": "en"}, "/en/projects/"),
    ("{{ link('projects/', 'vi') }}", {"lang": "en"}, "/projects/"),
    ("{{ link_shared('establishments/e/e.csv') }}", {"lang": "en"}, "/establishments/e/e.csv"),
    ("{{ asset('css/site.css') }}", {}, "/theme/css/site.css"),
    ("{{ _('Projects') }}", {"lang": "vi"}, "Đề án"),
    ("{{ _('Projects') }}", {"lang": "en"}, "Projects"),
    ("{{ 'returned'|enum('status') }}", {"lang": "vi"}, "Trả lại kinh phí"),
    ("{{ 'returned'|enum('status') }}", {"lang": "en"}, "Funds returned"),
    ("{{ 'unknown'|enum('status') }}", {"lang": "en"}, "unknown"),
    ("{{ 5|money }}", {"lang": "en"}, "₫5"),
    ("{{ name }}", {"name": "<b>x</b>"}, "&lt;b&gt;x&lt;/b&gt;"),
])
def test_environment_helpers(generator, template, context, expected):
    assert expected == generator.env.from_string(template).render(context)


def test_alternates_of_a_pelican_item(generator):
    item = article("a", "vi", [article("a", "en")])
    alternates = generator.env.globals["alternates_of"](item)
    assert alternates == {"vi": "/stories/a/", "en": "/en/stories/a/"}


def test_data_values_are_escaped_in_rendered_pages(make_package, tmp_path):
    """A name with markup in the data shows as text, never as markup."""

    def hostile(rows):
        rows["establishments"][0]["name"] = "<script>alert(1)</script> Tre"

    package, _ = load_package(make_package(hostile))
    settings = with_defaults({"SITEURL": "", "PATH": str(tmp_path), "THEME": str(THEME),
                              "THEME_STATIC_DIR": "theme", "KC_PACKAGE": package})
    gen = plugin.DataPagesGenerator.__new__(plugin.DataPagesGenerator)
    gen.output_path = str(tmp_path / "out")
    gen.site = SiteData(package, settings)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(THEME / "templates"),
                             autoescape=True, extensions=["jinja2.ext.i18n"])
    plugin.prepare_environment(SimpleNamespace(env=env, settings=settings, theme=str(THEME)))
    gen.get_template = lambda name: env.get_template(f"{name}.html")
    from pipeline.core_pages import establishment_pages

    page = next(establishment_pages(gen.site, "vi"))
    gen.write(page, "vi", {**settings, "site": gen.site, "lang": "vi", "built_urls": set(),
                           "SITENAME": "KC"})
    html = (tmp_path / "out/establishments/e-04-0001/index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tre" in html


def test_write_puts_english_under_en_and_shared_files_at_the_root(tmp_path):
    gen = plugin.DataPagesGenerator.__new__(plugin.DataPagesGenerator)
    gen.output_path = str(tmp_path)
    gen.site = SimpleNamespace(settings={"KC_LANGUAGES": ["vi", "en"], "SITEURL": ""})
    gen.write(Page("x/a.csv", None, {}, "csv", "a", body=b"1", shared=True), "en", {})
    gen.write(Page("x/b.txt", None, {}, "txt", "b", body=b"2"), "en", {})
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*"))
    assert written == ["en/x/b.txt", "x/a.csv"]


class Reuse:
    """A KC_REUSE hook that keeps the pages listed in ``keep`` and records every call."""

    def __init__(self, keep: set[str]) -> None:
        self.keep = keep
        self.begun: list[dict] = []
        self.asked: list[tuple[str, str, dict]] = []

    def begin(self, build_wide):
        self.begun.append(dict(build_wide))

    def unchanged(self, rel_path, page, lang, context):
        self.asked.append((rel_path, lang, dict(context)))
        return rel_path in self.keep


@pytest.mark.parametrize(("keep", "written"), [
    (set(), ["en/x/b.txt", "x/a.csv"]),
    ({"en/x/b.txt"}, ["x/a.csv"]),
    ({"en/x/b.txt", "x/a.csv"}, []),
])
def test_write_skips_the_pages_the_reuse_hook_kept(tmp_path, keep, written):
    gen = plugin.DataPagesGenerator.__new__(plugin.DataPagesGenerator)
    gen.output_path = str(tmp_path)
    gen.site = SimpleNamespace(settings={"KC_LANGUAGES": ["vi", "en"], "SITEURL": ""})
    reuse = Reuse(keep)
    gen.write(Page("x/a.csv", None, {}, "csv", "a", body=b"1", shared=True), "en", {}, reuse)
    gen.write(Page("x/b.txt", None, {}, "txt", "b", body=b"2"), "en", {}, reuse)
    assert written == sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*"))
    assert ["x/a.csv", "en/x/b.txt"] == [rel for rel, _, _ in reuse.asked]


def test_a_rewritten_page_never_writes_through_a_hard_link(tmp_path):
    """A file the last build published, linked into staging, keeps its bytes."""
    published = tmp_path / "published.txt"
    published.write_bytes(b"old")
    (tmp_path / "out/x").mkdir(parents=True)
    (tmp_path / "out/x/b.txt").hardlink_to(published)
    gen = plugin.DataPagesGenerator.__new__(plugin.DataPagesGenerator)
    gen.output_path = str(tmp_path / "out")
    gen.site = SimpleNamespace(settings={"KC_LANGUAGES": ["vi", "en"], "SITEURL": ""})
    gen.write(Page("x/b.txt", None, {}, "txt", "b", body=b"new"), "vi", {}, Reuse(set()))
    assert (b"old", b"new") == (published.read_bytes(), (tmp_path / "out/x/b.txt").read_bytes())


def test_a_full_build_gives_the_hook_build_wide_values_and_page_contexts(tmp_path, tiny_package):
    """The writer calls begin once, then unchanged for every page with its merged context."""
    from pipeline import build

    reuse = Reuse(set())
    package, report = build.validate(tiny_package, None)
    out = tmp_path / "out"
    messages = build.run_pelican(Path("pelicanconf.py"), out, package, None, [],
                                 {"KC_REUSE": reuse, "KC_REPORT": report})
    assert isinstance(messages, list)
    [wide] = reuse.begun
    assert {"settings", "built_urls", "reference", "descriptor", "images", "stories",
            "languages"} == set(wide)
    assert ["vi", "en"] == wide["languages"]
    assert wide["built_urls"] == sorted(wide["built_urls"]) and "projects/" in wide["built_urls"]
    assert {"admin-units", "sectors", "content-types", "unit-crosswalk"} == set(wide["reference"])
    assert all(plugin.is_plain(v) for v in wide["settings"].values())
    assert "KC_REUSE" not in wide["settings"] and "SITEURL" in wide["settings"]
    asked = {rel: context for rel, _, context in reuse.asked}
    assert "index.html" in asked and "en/projects/index.html" in asked
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(asked) <= written


@pytest.mark.parametrize(("items", "built", "lang", "expected"), [
    ([["", "Home"], ["projects/", "Projects"]], {"", "projects/"}, "vi",
     [("", "/", "Trang chủ"), ("projects/", "/projects/", "Đề án")]),
    ([["", "Home"], ["projects/", "Projects"]], {"projects/"}, "en",
     [("projects/", "/en/projects/", "Projects")]),
    ([["search/", "Search"]], set(), "en", []),
])
def test_menu_lists_built_entries_with_links_and_labels(generator, items, built, lang, expected):
    template = ("{% for url, href, label in menu(items) %}"
                "{{ url }}|{{ href }}|{{ label }};{% endfor %}")
    html = generator.env.from_string(template).render(items=items, built_urls=built, lang=lang)
    assert "".join(f"{u}|{h}|{label};" for u, h, label in expected) == html


def streaming_generator(tmp_path, pages_by_lang) -> plugin.DataPagesGenerator:
    """A generator whose only builder yields ``pages_by_lang[lang]``, writing to tmp_path."""
    gen = plugin.DataPagesGenerator.__new__(plugin.DataPagesGenerator)
    gen.output_path = str(tmp_path)
    gen.site = SimpleNamespace(settings={"KC_LANGUAGES": ["vi", "en"], "SITEURL": ""},
                               cache={"statistics": object()})
    gen.chosen = [lambda site, lang: iter(pages_by_lang[lang])]
    gen.languages = ["vi", "en"]
    gen.context = {"pages": [], "articles": []}
    return gen


def test_survey_counts_pages_and_collects_the_first_language_addresses(tmp_path):
    pages_by_lang = {lang: [Page("a.txt", None, {}, "t", "a", body=b"1"),
                            Page("b/c.txt", None, {}, "t", "c", body=b"2")]
                     for lang in ("vi", "en")}
    gen = streaming_generator(tmp_path, pages_by_lang)
    assert (2, {"a.txt", "b/c.txt"}) == gen.survey()


@pytest.mark.parametrize(("extra", "written", "reported"), [
    (Page("x.txt", None, {}, "t", "x", body=b"2"), ["a.txt", "en/a.txt", "en/x.txt"], ["x.txt"]),
    # a builder may leave its shared files to the last language (the lighter process)
    (Page("s.txt", None, {}, "t", "s", body=b"2", shared=True), ["a.txt", "en/a.txt", "s.txt"],
     []),
])
def test_a_page_only_another_language_has_is_written_and_reported_unless_shared(
        tmp_path, caplog, extra, written, reported):
    pages_by_lang = {"vi": [Page("a.txt", None, {}, "t", "a", body=b"1")],
                     "en": [Page("a.txt", None, {}, "t", "a", body=b"1"), extra]}
    gen = streaming_generator(tmp_path, pages_by_lang)
    gen.count, urls = gen.survey()
    gen.first_urls, gen.assumed = frozenset(urls), None
    gen.context["built_urls"] = gen.built_urls(urls)
    gen.generate_output(None)
    assert written == sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.txt"))
    assert reported == [r.args[0] for r in caplog.records if "same pages" in r.getMessage()]


@pytest.mark.parametrize("fails", [False, True])
def test_the_builders_values_are_dropped_once_the_pages_are_written(tmp_path, fails):
    """Pelican's objects keep the generator alive in a cycle until the build ends: the
    site's cache (records, statistics) is emptied instead, whether or not writing failed."""
    def pages(site, lang):
        if fails:
            raise ValueError("a builder broke")
        return iter([Page("a.txt", None, {}, "t", "a", body=b"1")])

    gen = streaming_generator(tmp_path, {})
    gen.chosen = [pages]
    gen.count, gen.first_urls, gen.assumed = 1, frozenset({"a.txt"}), None
    gen.context["built_urls"] = {"a.txt"}
    if fails:
        with pytest.raises(ValueError, match="a builder broke"):
            gen.generate_output(None)
    else:
        gen.generate_output(None)
    assert {} == gen.site.cache


def holds_a_set(value) -> bool:
    if isinstance(value, (set, frozenset)):
        return True
    if isinstance(value, dict):
        return any(holds_a_set(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_a_set(v) for v in value)
    return hasattr(value, "__dict__") and not isinstance(value, type) and holds_a_set(vars(value))


def test_no_page_context_holds_a_set(tmp_path, tiny_package):
    """Page fingerprints pickle sets in hash order (pipeline/incremental.encode_fast), which
    changes per process: a set in a context would make its page render in every build."""
    from pipeline import build

    reuse = Reuse(set())
    package, report = build.validate(tiny_package, None)
    build.run_pelican(Path("pelicanconf.py"), tmp_path / "out", package, None, [],
                      {"KC_REUSE": reuse, "KC_REPORT": report})
    assert len(reuse.asked) > 100
    assert [] == [rel for rel, _, context in reuse.asked if holds_a_set(context)]
