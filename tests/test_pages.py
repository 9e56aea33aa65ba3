"""The page extension point: context providers and what the writer merges per page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pipeline import pages
from pipeline.pages import Page


@pytest.fixture
def registry(monkeypatch):
    """An empty provider registry, so tests do not see the site's own providers."""
    monkeypatch.setattr(pages, "PROVIDERS", {})
    return pages.PROVIDERS


def site_with(modules=None) -> SimpleNamespace:
    settings = {} if modules is None else {"KC_PAGE_MODULES": modules}
    return SimpleNamespace(settings=settings)


PAGE = Page("districts/051/", "unit.html", {"unit": {"unit_id": "051"}}, "district", "A")


@pytest.mark.parametrize(("kinds", "expected"), [
    ([], {}),
    (["district"], {"own": "districts/051/:vi"}),
    (["project"], {}),
])
def test_page_extras_merges_what_each_provider_returns(registry, kinds, expected):
    @pages.provide("own")
    def own(site, page, lang):
        return {"own": f"{page.url}:{lang}"} if page.kind in kinds else {}

    assert expected == pages.page_extras(site_with(), PAGE, "vi")


def test_later_providers_win_and_re_registering_replaces(registry):
    pages.provide("a")(lambda site, page, lang: {"x": 1, "y": 1})
    pages.provide("b")(lambda site, page, lang: {"y": 2})
    pages.provide("b")(lambda site, page, lang: {"y": 3})
    assert {"x": 1, "y": 3} == pages.page_extras(site_with(), PAGE, "en")


@pytest.mark.parametrize(("modules", "expected"), [
    (None, {"from_test": True}),
    ([__name__], {"from_test": True}),
    (["pipeline.core_pages"], {}),
])
def test_only_providers_of_the_site_modules_take_part(registry, modules, expected):
    pages.provide("t")(lambda site, page, lang: {"from_test": True})
    assert expected == pages.page_extras(site_with(modules), PAGE, "vi")
