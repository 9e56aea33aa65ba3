"""Page chrome rendered once: the {% once %} tag, its guard, menu marks, dict-first getattr."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest

from pipeline import layout, plugin
from pipeline.core_pages import establishment_pages, project_pages
from pipeline.load import load_package
from pipeline.pages import SiteData
from pipeline.site_settings import with_defaults

THEME = Path(__file__).resolve().parent.parent / "theme"


@pytest.fixture
def env() -> jinja2.Environment:
    """A bare environment with the layout helpers and a counter of body renders."""
    environment = jinja2.Environment(autoescape=True, loader=jinja2.DictLoader({
        "other.html": "{% macro m() %}x{% endmacro %}"}))
    layout.install(environment)
    calls: list[int] = []
    environment.globals["count"] = lambda: calls.append(1) or len(calls)
    environment.globals["calls"] = calls
    return environment


@pytest.mark.parametrize(("renders", "expected"), [
    ([("vi", "a")], ["vi a 1"]),
    ([("vi", "a"), ("vi", "a")], ["vi a 1", "vi a 1"]),
    ([("vi", "a"), ("vi", "b"), ("vi", "a")], ["vi a 1", "vi b 2", "vi a 1"]),
    ([("vi", "a"), ("en", "a"), ("vi", "a"), ("en", "a")],
     ["vi a 1", "en a 2", "vi a 1", "en a 2"]),
    ([("en", "<b>")], ["en &lt;b&gt; 1"]),
])
def test_once_renders_each_key_and_language_once_per_site(env, renders, expected):
    template = env.from_string("{% once key %}{{ lang }} {{ key }} {{ count() }}{% endonce %}")
    site = SiteData(package=None)
    assert expected == [template.render(site=site, lang=lang, key=key) for lang, key in renders]


def test_once_without_a_site_renders_every_time(env):
    template = env.from_string("{% once %}{{ count() }}{% endonce %}")
    assert ["1", "2"] == [template.render(lang="vi"), template.render(lang="vi")]


@pytest.mark.parametrize(("reuse", "expected"), [(True, ["1", "1"]), (False, ["1", "2"]),
                                                (None, ["1", "2"])])
def test_once_when_false_remembers_nothing(env, reuse, expected):
    template = env.from_string("{% once when reuse %}{{ count() }}{% endonce %}")
    site = SiteData(package=None)
    assert expected == [template.render(site=site, lang="vi", reuse=reuse) for _ in "ab"]


def test_a_new_site_starts_with_nothing_reused(env):
    template = env.from_string("{% once %}{{ count() }}{% endonce %}")
    first, second = SiteData(package=None), SiteData(package=None)
    assert ["1", "1", "2"] == [template.render(site=s, lang="vi")
                               for s in (first, first, second)]


def test_two_once_blocks_of_one_template_are_kept_apart(env):
    template = env.from_string("{% once %}A{% endonce %}-{% once %}B{% endonce %}")
    assert "A-B" == template.render(site=SiteData(package=None), lang="vi")


@pytest.mark.parametrize(("source", "unkeyed"), [
    ("{% once %}{{ title }}{% endonce %}", "title"),
    ("{% once title %}{{ title }}{% endonce %}", None),
    ("{% once p.id, flag %}{{ p.title }}{% if flag %}!{% endif %}{% endonce %}", None),
    ("{% once p.id %}{{ p.title }}{{ other }}{% endonce %}", "other"),
    ("{% once %}{{ SITENAME }} {{ _x }}{% endonce %}", "_x"),
    ("{% once %}{{ SITENAME }} {{ lang }} {{ count() }}{% endonce %}", None),
    ("{% once %}{% for x in KC_NAV %}{{ loop.index }}{{ x }}{% endfor %}{% endonce %}", None),
    ("{% for p in rows %}{% once %}{{ loop.index }}{% endonce %}{% endfor %}", "loop"),
    ("{% once %}{% set y = 1 %}{{ y }}{% endonce %}", None),
    ("{% once %}{% include 'other.html' %}{% endonce %}", "(include)"),
    ("{% once %}{% from 'other.html' import m with context %}{{ m() }}{% endonce %}",
     "(include)"),
    ("{% once %}{% from 'other.html' import m %}{{ m() }}{% endonce %}", None),
    ("{% once %}{% from 'components/licence.html' import licence with context %}"
     "{{ licence({}) }}{% endonce %}", None),
])
def test_a_body_may_read_only_its_key_and_build_wide_names(env, source, unkeyed):
    if unkeyed is None:
        env.parse(source)  # compiles
        assert env.from_string(source) is not None
    else:
        with pytest.raises(jinja2.TemplateSyntaxError, match=r"reads (.*)" + unkeyed):
            env.from_string(source)


MENU = [("", "/", "Home"), ("projects/", "/projects/", "Projects"),
        ("statistics/", "/statistics/", "Statistics")]


@pytest.mark.parametrize(("current", "expected"), [
    ("", ("page", None, None)),
    ("projects/", (None, "page", None)),
    ("projects/p-04-2021-001/", (None, "true", None)),
    ("projects/by-year/page/2/", (None, "true", None)),
    ("statistics/by-year/", (None, None, "true")),
    ("establishments/e-04-0001/", (None, None, None)),
    ("404.html", (None, None, None)),
])
def test_menu_marks_follow_the_current_address(current, expected):
    assert expected == layout.menu_marks(MENU, current)


class Row(dict):
    """A dict subclass: Jinja's own getattr answers for it."""


@pytest.mark.parametrize(("obj", "name"), [
    ({"year": 2021}, "year"),
    ({"items": "a key"}, "items"),
    ({"get": 1}, "get"),
    ({}, "missing"),
    ({"year": None}, "year"),
    (Row(year=2021), "year"),
    (OrderedDict(year=2021), "year"),
    (SimpleNamespace(year=2021), "year"),
    ("text", "upper"),
    (None, "year"),
])
def test_dict_first_getattr_answers_as_jinja_does(obj, name):
    jinja = jinja2.Environment()
    fast = jinja2.Environment()
    layout.install(fast)
    expected, actual = jinja.getattr(obj, name), fast.getattr(obj, name)
    if isinstance(expected, jinja2.Undefined):
        assert isinstance(actual, jinja2.Undefined)
    elif callable(expected):
        assert expected.__name__ == actual.__name__
    else:
        assert expected == actual


def write_pages(package, tmp_path: Path, name: str, shared_site: bool) -> dict[str, str]:
    """Every establishment and project page of both languages, rendered by the generator
    with one site for all pages (fragments reused) or a fresh site per page (none reused)."""
    settings = with_defaults({"SITEURL": "", "PATH": str(tmp_path), "THEME": str(THEME),
                              "THEME_STATIC_DIR": "theme", "KC_PACKAGE": package})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(THEME / "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             extensions=["jinja2.ext.i18n"])
    plugin.prepare_environment(SimpleNamespace(env=env, settings=settings, theme=str(THEME)))
    gen = plugin.DataPagesGenerator.__new__(plugin.DataPagesGenerator)
    gen.output_path = str(tmp_path / name)
    gen.site = SiteData(package, settings)
    gen.get_template = lambda template: env.get_template(f"{template}.html")
    for lang in settings["KC_LANGUAGES"]:
        for page in [*establishment_pages(gen.site, lang), *project_pages(gen.site, lang)]:
            site = gen.site if shared_site else SiteData(package, settings)
            gen.write(page, lang, {**settings, "site": site, "lang": lang, "SITENAME": "KC",
                                   "built_urls": {"", "projects/", "data-notes/", "about/"}})
    out = tmp_path / name
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(out.rglob("*.html"))}


def test_reused_fragments_give_the_pages_rendered_without_them(tiny_package, tmp_path):
    """Both languages, every menu state: reuse never puts one page's chrome on another."""
    package, _ = load_package(tiny_package)
    reused = write_pages(package, tmp_path, "reused", shared_site=True)
    fresh = write_pages(package, tmp_path, "fresh", shared_site=False)
    assert len(reused) > 4
    assert fresh == reused
    english = next(html for path, html in reused.items() if path.startswith("en/projects/"))
    assert 'aria-current="true">Projects</a>' in english and '<html lang="en">' in english
