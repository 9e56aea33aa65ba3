"""Theme components: every macro renders its named examples into accessible HTML."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from bs4 import BeautifulSoup

from pipeline import plugin
from pipeline.core_pages import project_rows
from pipeline.load import load_package
from pipeline.pages import Pager, SiteData

THEME = Path(__file__).resolve().parent.parent / "theme"

EXAMPLES = {
    "table-numeric": ("components/table.html", "table", {
        "caption": "Projects by year",
        "head": [{"text": "Year"}, {"text": "Amount", "numeric": True, "href": "/by-amount/",
                                    "sort": "descending"}],
        "rows": [["2021", {"text": "1", "numeric": True}], ["2022", {"text": "2",
                                                                     "numeric": True}]],
        "foot": [["Total", {"text": "3", "numeric": True}]]}),
    "table-linked": ("components/table.html", "table", {
        "caption": "Sectors", "head": [{"text": "Sector", "href": "/by-name/"}],
        "rows": [[{"text": "Wood", "href": "/sectors/wood/"}]]}),
    "field-table": ("components/table.html", "field_table", {
        "caption": "Fields of project p-04-2021-001", "head": ["Field", "Column", "Value"],
        "rows": [("Project id", "project_id", "p-04-2021-001"), ("Outputs", "outputs_en",
                                                                  "<b>2</b> machines")]}),
    "pager-middle": ("components/pager.html", "pager", {
        "pager": Pager(2, 3, "p/")}),
    "pager-single": ("components/pager.html", "pager", {"pager": Pager(1, 1, "p/")}),
    "pager-long": ("components/pager.html", "pager", {"pager": Pager(500, 1000, "p/")}),
    "figures": ("components/figures.html", "figures", {
        "label": "Headline", "items": [{"label": "Projects", "value": "99"}]}),
    "breadcrumbs": ("components/breadcrumbs.html", "breadcrumbs", {
        "items": [{"text": "Projects", "url": "projects/"}, {"text": "p-04-2021-001"}]}),
    "notice": ("components/notice.html", "notice", {"title": "No projects yet",
                                                    "text": "Never implemented."}),
    "licence": ("components/licence.html", "licence", {}),
    "project-table": ("components/projects.html", "project_table", {
        "caption": "Projects", "show_establishment": True, "projects": None,
        "totals": {"projects": 3, "state_support_vnd": 610000000,
                   "counterpart_vnd": 2050000000}}),
}


@pytest.fixture
def render(tiny_package):
    """Render one component macro in a language, with the generator's helpers."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(THEME / "templates"),
                             autoescape=True, extensions=["jinja2.ext.i18n"])
    plugin.prepare_environment(SimpleNamespace(
        env=env, settings={"SITEURL": "", "THEME_STATIC_DIR": "theme"}, theme=str(THEME)))
    package, _ = load_package(tiny_package)
    site = SiteData(package, {})

    def render_example(name: str, lang: str = "en") -> BeautifulSoup:
        template, macro, params = EXAMPLES[name]
        if name == "project-table":
            params = {**params, "projects": project_rows(site, site.records("projects"), lang)}
        source = f'{{% from "{template}" import {macro} with context %}}{{{{ {macro}(params) }}}}'
        html = env.from_string(source).render(lang=lang, site=site, params=params,
                                              SITENAME="KC")
        return BeautifulSoup(html, "html.parser")

    return render_example


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_example_renders(render, name, lang):
    html = render(name, lang)
    assert html.get_text(strip=True) or name == "pager-single"


@pytest.mark.parametrize("name", ["table-numeric", "table-linked", "project-table",
                                  "field-table"])
def test_tables_have_a_caption_and_scoped_headers(render, name):
    table = render(name).table
    assert table.caption.get_text(strip=True)
    assert all(th.get("scope") in {"col", "row"} for th in table.find_all("th"))


def test_numeric_cells_are_marked_for_right_alignment(render):
    table = render("table-numeric").table
    assert [td.get_text() for td in table.select("td.kc-num")] == ["1", "2", "3"]
    assert table.find("th", attrs={"aria-sort": True})["aria-sort"] == "descending"


def test_project_table_formats_money_per_language(render):
    assert "₫610,000,000" in render("project-table", "en").tfoot.get_text()
    assert "610.000.000\u00a0₫" in render("project-table", "vi").tfoot.get_text()


def test_pager_links_neighbours_and_marks_the_current_page(render):
    nav = render("pager-middle").nav
    assert nav.find("a", rel="prev")["href"] == "/en/p/"
    assert nav.find("a", rel="next")["href"] == "/en/p/page/3/"
    assert nav.find("a", attrs={"aria-current": "page"}).get_text() == "2"


def test_a_long_pager_links_the_ends_and_the_neighbours_and_hides_its_gaps(render):
    nav = render("pager-long").nav
    numbered = [a for a in nav.find_all("a") if not a.get("rel")]
    assert [a.get_text() for a in numbered] == ["1", "498", "499", "500", "501", "502",
                                                "1000"]
    assert numbered[-1]["href"] == "/en/p/page/1000/" and numbered[0]["href"] == "/en/p/"
    gaps = nav.select(".kc-pager__gap")
    assert len(gaps) == 2 and all(gap["aria-hidden"] == "true" for gap in gaps)
    assert nav.find("a", attrs={"aria-current": "page"})["href"] == "/en/p/page/500/"


def test_breadcrumbs_end_with_the_current_page(render):
    items = render("breadcrumbs", "vi").find_all("li")
    assert [li.get_text(strip=True) for li in items] == ["Trang chủ", "Projects", "p-04-2021-001"]
    assert items[-1].find(attrs={"aria-current": "page"}) is not None


@pytest.mark.parametrize(("lang", "cells"), [
    ("en", ["/en/projects/p-04-2019-001/", "/en/years/2019/", "₫"]),
    ("vi", ["/projects/p-04-2019-001/", "/years/2019/", "\u00a0₫"]),
])
def test_project_table_reads_display_rows_with_links_in_the_page_language(render, lang, cells):
    table = render("project-table", lang).table
    first = table.tbody.tr
    hrefs = [a["href"] for a in first.find_all("a")]
    assert cells[:2] == hrefs[:2]
    assert cells[2] in first.select("td.kc-num")[1].get_text()


def test_project_table_marks_the_first_row_of_each_year(render):
    """Statistics year rows link to #projects-<year>: one id per year, on its first row."""
    rows = render("project-table").tbody.find_all("tr")
    years = [tr.find("a", href=lambda h: "/years/" in h).get_text() for tr in rows]
    expected = [f"projects-{y}" if i == 0 or y != years[i - 1] else None
                for i, y in enumerate(years)]
    assert expected == [tr.get("id") for tr in rows]


def test_field_table_heads_each_row_with_its_title_and_escapes_values(render):
    rows = render("field-table").tbody.find_all("tr")
    assert [["Project id", "project_id", "p-04-2021-001"], ["Outputs", "outputs_en",
                                                           "<b>2</b> machines"]] == [
        [cell.get_text() for cell in tr.find_all(["th", "td"])] for tr in rows]
    assert ["row", "row"] == [tr.th["scope"] for tr in rows]


@pytest.mark.parametrize("sort", ["ascending", None])
def test_table_frame_gives_the_table_markup_around_the_callers_rows(sort):
    """The sorted browse lists write their rows into table_frame; with the same head and
    rows it must give exactly what table() gives."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(THEME / "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    params = {"caption": "Projects & more", "head": [
        {"text": "Name", "href": "/by-name/", "sort": sort}, {"text": "Year", "numeric": True}],
        "rows": [[{"text": "A <1>", "href": "/a/"}, {"text": "2021", "numeric": True}]]}
    framed = env.from_string(
        '{% from "components/table.html" import table_frame %}'
        '{% call table_frame(params) %}'
        '  <tr><th scope="row"><a href="/a/">A &lt;1&gt;</a></th>'
        '<td class="kc-num">2021</td></tr>\n'
        '{% endcall %}').render(params=params)
    whole = env.from_string('{% from "components/table.html" import table %}'
                            '{{ table(params) }}').render(params=params)
    assert whole == framed
