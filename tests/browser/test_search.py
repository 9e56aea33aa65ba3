"""Search in the browser, as a reader uses it: the search page's own script and the built
Pagefind index, never the index files read directly.

Vietnamese is typed with or without diacritics (including đ, which Pagefind does not fold by
itself), so each query is tried in both spellings and must bring the intended pages onto the
first page of results.
"""

from __future__ import annotations

import pytest

from browser.site_pages import in_language
from pipeline.search import with_twins

pytestmark = pytest.mark.browser

FIRST_PAGE = 10

#: (query without diacritics, with diacritics, pages that must be on the first page of results)
VIETNAMESE = [
    ("tre", "tre", ["establishments/e-04-0001/", "stories/tre-truc-hoa-an/"]),
    ("hat de", "hạt dẻ", ["establishments/e-04-0003/", "stories/hat-de-trung-khanh/"]),
    ("dua", "đũa", ["establishments/e-04-0001/", "stories/tre-truc-hoa-an/"]),
    ("Trung Khanh", "Trùng Khánh", ["districts/047/", "stories/hat-de-trung-khanh/"]),
    ("Dai Hoang", "Đại Hoàng", ["establishments/e-04-0004/", "stories/ruou-ngo-dai-hoang/"]),
]
QUERIES = [(query, pages) for plain, accented, pages in VIETNAMESE
           for query in dict.fromkeys([plain, accented])]

ENGLISH = [
    ("chestnut", ["stories/hat-de-trung-khanh/", "establishments/e-04-0003/"]),
    ("bamboo chopsticks", ["stories/tre-truc-hoa-an/", "establishments/e-04-0001/"]),
    ("Dai Hoang", ["stories/ruou-ngo-dai-hoang/", "establishments/e-04-0004/"]),
]


def search(page, site_url: str, lang: str, query: str, **filters: str) -> list[str]:
    """Open the search page with ``?q=``, wait for the status line, return result addresses."""
    params = "&".join(f"{k}={v}" for k, v in {"q": query, **filters}.items())
    page.goto(f"{site_url}{in_language('search/', lang)}?{params}")
    # A locator, not wait_for_function: the site's CSP forbids the eval that one needs.
    page.locator("[data-kc-status]", has_text="“").wait_for()
    return page.eval_on_selector_all("[data-kc-results] a", "a => a.map(e => e.pathname)")


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_vietnamese_query_finds_its_pages(page, site_url, query, expected):
    found = search(page, site_url, "vi", query)[:FIRST_PAGE]
    assert [url for url in expected if in_language(url, "vi") not in found] == [], found
    assert page.console_errors == []


@pytest.mark.parametrize(("query", "expected"), ENGLISH, ids=[q for q, _ in ENGLISH])
def test_english_query_finds_its_pages(page, site_url, query, expected):
    found = search(page, site_url, "en", query)[:FIRST_PAGE]
    assert [url for url in expected if in_language(url, "en") not in found] == [], found


def every_result(page, site_url: str, lang: str, query: str) -> list[str]:
    """All result addresses of a search, "more" pressed until everything is shown."""
    search(page, site_url, lang, query)
    more = page.locator("[data-kc-more] button")
    while more.is_visible():
        shown = page.locator("[data-kc-results] a").count()
        more.click()
        page.locator(f"[data-kc-results] li:nth-child({shown + 1})").wait_for()
    return page.eval_on_selector_all("[data-kc-results] a", "a => a.map(e => e.pathname)")


@pytest.mark.parametrize(("plain", "accented"), [(p, a) for p, a, _ in VIETNAMESE if p != a])
def test_both_spellings_find_the_same_pages(page, site_url, plain, accented):
    """The same pages, all of them: the index is partitioned, and pages of equal score from
    different partitions may come in either order at the end of the first page."""
    assert sorted(every_result(page, site_url, "vi", plain)) == sorted(
        every_result(page, site_url, "vi", accented))


@pytest.mark.parametrize("query", ["dua", "Dai Hoang"])
def test_results_show_the_pages_own_spelling(page, site_url, query):
    """The index's ASCII twins never reach the reader: titles and excerpts are as written."""
    search(page, site_url, "vi", query)
    shown = page.inner_text("[data-kc-results]")
    assert ("Đại Dai" not in shown, "đũa dua" not in shown, "Đại" in shown or "đũa" in shown) \
        == (True, True, True)


@pytest.mark.parametrize("text", ["Rượu ngô Đại Hoàng.", "đũa tre; ĐỒNG (Đề án) 45/2012/NĐ-CP",
                                  "Điều 4, đạt được đủ"])
def test_script_drops_exactly_the_twins_the_index_adds(page, site_url, text):
    page.goto(site_url + "/search/")
    dropped = page.evaluate(
        "async t => (await import('/theme/js/search.js')).dropTwins(t)", with_twins(text))
    assert text == dropped


@pytest.mark.parametrize(("lang", "kind"), [("vi", "Cơ sở"), ("en", "Establishment")])
def test_kind_filter_keeps_only_that_kind(page, site_url, lang, kind):
    found = search(page, site_url, lang, "tre" if lang == "vi" else "bamboo", kind=kind)
    prefix = in_language("establishments/", lang)
    assert found and [url for url in found if not url.startswith(prefix)] == []


@pytest.mark.parametrize("name", ["kind", "district", "content", "sector"])
def test_every_filter_offers_choices(page, site_url, name):
    page.goto(site_url + "/search/")
    page.wait_for_selector(f"select[data-kc-filter={name}] option:nth-child(2)",
                           state="attached")
    assert page.eval_on_selector_all(f"select[data-kc-filter={name}] option", "o => o.length") > 1


def result_count(page) -> int:
    """The number the status line announces (all results, not only those shown)."""
    return int(page.inner_text("[data-kc-status]").split()[0])


def test_district_filter_narrows_to_that_district(page, site_url):
    search(page, site_url, "vi", "tre")
    everywhere = result_count(page)
    found = search(page, site_url, "vi", "tre", district="Huyện Trùng Khánh")
    assert 0 < result_count(page) < everywhere
    assert "/establishments/e-04-0046/" in found


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_without_javascript_the_page_explains_and_links_to_lists(browser, site_url, lang):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(site_url + in_language("search/", lang))
    state = (tab.is_visible("form[data-kc-search]"), tab.is_visible("[data-kc-noscript]"),
             tab.is_visible(f"a[href='{in_language('establishments/', lang)}']"))
    context.close()
    assert state == (False, True, True)
