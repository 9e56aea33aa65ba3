"""axe-core in Chromium on every kind of page in both languages: no WCAG 2.1 A/AA violation.

axe runs from ``axe-playwright-python`` (its bundled axe-core, offline). A failure prints each
violation with the rule, its help text and the offending elements, so the fix is findable.
The search page is also checked with results on screen, and the pages again at phone width.
"""

from __future__ import annotations

import pytest

from browser.site_pages import CASES, IDS, PAGES, in_language

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[dict]:
    """axe's violations of the WCAG 2.1 A and AA rules on the loaded page."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def described(found: list[dict]) -> str:
    """Violations as lines a person can act on: rule, impact, help and the first elements."""
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        lines += [f"    {' '.join(node['target'])}: {node['failureSummary']}"
                  for node in v["nodes"][:5]]
    return "\n".join(lines)


@pytest.mark.parametrize(("kind", "lang"), CASES, ids=IDS)
def test_no_wcag_violations(page, site_url, kind, lang):
    page.goto(site_url + in_language(PAGES[kind], lang))
    found = violations(page)
    assert [v["id"] for v in found] == [], described(found)


@pytest.mark.parametrize(("kind", "lang"), [("establishment", "vi"), ("statistics", "en"),
                                            ("dataset", "vi"), ("search", "en")])
def test_no_wcag_violations_at_phone_width(page, site_url, kind, lang):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(site_url + in_language(PAGES[kind], lang))
    found = violations(page)
    assert [v["id"] for v in found] == [], described(found)


@pytest.mark.parametrize(("lang", "query"), [("vi", "hat de"), ("en", "bamboo")])
def test_search_with_results_has_no_wcag_violations(page, site_url, lang, query):
    page.goto(f"{site_url}{in_language('search/', lang)}?q={query}")
    page.wait_for_selector("[data-kc-results] li")
    found = violations(page)
    assert [v["id"] for v in found] == [], described(found)
