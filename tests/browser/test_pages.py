"""Every kind of page in a real browser, in both languages: it loads without console errors,
the language switch lands on the same page, nothing scrolls sideways on a 360 px phone,
downloads answer with their content type, and the keyboard can see where it is and skip to
the content."""

from __future__ import annotations

import pytest

from browser.site_pages import CASES, IDS, PAGES, in_language

pytestmark = pytest.mark.browser

OTHER = {"vi": "en", "en": "vi"}
MEDIA_TYPES = {".csv": "text/csv", ".json": "application/json", ".zip": "application/zip",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@pytest.mark.parametrize(("kind", "lang"), CASES, ids=IDS)
def test_page_loads_without_console_errors(page, site_url, kind, lang):
    response = page.goto(site_url + in_language(PAGES[kind], lang))
    page.wait_for_load_state("networkidle")
    assert (200, lang, []) == (response.status, page.get_attribute("html", "lang"),
                               page.console_errors)


@pytest.mark.parametrize(("kind", "lang"), CASES, ids=IDS)
def test_language_switch_lands_on_the_same_page(page, site_url, kind, lang):
    page.goto(site_url + in_language(PAGES[kind], lang))
    page.click(".kc-lang__link")
    page.wait_for_load_state()
    expected = site_url + in_language(PAGES[kind], OTHER[lang])
    assert (expected, OTHER[lang]) == (page.url, page.get_attribute("html", "lang"))


@pytest.mark.parametrize(("kind", "lang"), CASES, ids=IDS)
def test_nothing_scrolls_sideways_at_360_px(page, site_url, kind, lang):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(site_url + in_language(PAGES[kind], lang))
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{width[0]} px of content in a {width[1]} px window"


def download_links(page) -> list[str]:
    """Addresses of the open-data download links on the loaded page."""
    return page.eval_on_selector_all(
        "a[href$='.csv'], a[href$='.json'], a[href$='.xlsx'], a[href$='.zip']",
        "links => [...new Set(links.map(a => a.href))]")


@pytest.mark.parametrize("address", ["datasets/", "datasets/projects/",
                                     "establishments/e-04-0001/", "statistics/"])
def test_download_links_answer_with_their_content_type(page, site_url, address):
    page.goto(site_url + in_language(address, "vi"))
    links = download_links(page)
    assert links, "the page offers no download"
    for url in links:
        response = page.request.get(url)
        suffix = url[url.rindex("."):]
        media_type = response.headers["content-type"].split(";")[0]
        assert (200, MEDIA_TYPES[suffix]) == (response.status, media_type), url


def focus_style(page) -> dict:
    """What the focused element shows: its outline and whether it is inside the window."""
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return {cls: el.className, body: el === document.body,
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                visible: box.left >= 0 && box.top >= 0 && box.width > 0};
    }""")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_skip_link_is_first_visible_on_focus_and_moves_to_main(page, site_url, lang):
    page.goto(site_url + in_language(PAGES["establishment"], lang))
    page.keyboard.press("Tab")
    expected = {"cls": "kc-skip", "body": False, "outline": True, "visible": True}
    assert expected == focus_style(page)
    page.keyboard.press("Enter")
    focused = page.evaluate("[location.hash, document.activeElement.id]")
    assert focused == ["#main-content", "main-content"]


@pytest.mark.parametrize("kind", ["home", "search", "dataset", "project-list"])
def test_keyboard_focus_is_visible_on_every_link_and_control(page, site_url, kind):
    page.goto(site_url + in_language(PAGES[kind], "vi"))
    page.wait_for_load_state("networkidle")
    hidden = []
    for _ in range(25):
        page.keyboard.press("Tab")
        style = focus_style(page)
        if not style["outline"] and not style["body"]:  # body: focus left the page
            hidden.append(page.evaluate("document.activeElement.outerHTML.slice(0, 120)"))
    assert hidden == []


@pytest.mark.parametrize("relative", ["establishments/e-04-0001/index.html",
                                      "en/stories/tre-truc-hoa-an/index.html"])
def test_pages_with_a_photo_share_it_in_one_large_card(built_site, relative):
    html = (built_site / relative).read_text(encoding="utf-8")
    cards = [line for line in html.splitlines() if 'name="twitter:card"' in line]
    has_image = 'property="og:image" content="/images/' in html
    assert (cards, has_image) == (
        ['<meta name="twitter:card" content="summary_large_image">'], True)
