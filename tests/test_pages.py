"""The page extension point: context providers and what the writer merges per page."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
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


PLAIN_COLUMNS = {
    "string": pd.array(["Tre", None, "Mây"], dtype="string"),
    "str": pd.Series(["a", None, "b"], dtype="str"),
    "integer": pd.array([1, None, 10**12], dtype="Int64"),
    "number": pd.array([1.5, None, 2.0], dtype="Float64"),
    "float-nan": pd.Series([1.5, float("nan"), None], dtype="Float64"),
    "boolean": pd.array([True, None, False], dtype="boolean"),
    "date": pd.to_datetime(pd.Series(["2024-01-02", None, "2025-12-31"])),
    "object": pd.Series([np.int64(3), pd.NA, "x"], dtype=object),
    "numpy-float": pd.Series([1.0, np.nan, 3.0]),
}


@pytest.mark.parametrize("name", PLAIN_COLUMNS)
def test_plain_values_is_plain_of_every_cell(name):
    series = pd.Series(PLAIN_COLUMNS[name])
    expected = [pages.plain(v) for v in series]
    found = pages.plain_values(series)
    assert found == expected
    assert [type(v) for v in found] == [type(v) for v in expected]
    assert any(v is None for v in found)


@pytest.fixture
def preparers(monkeypatch):
    """Empty preparer registries."""
    monkeypatch.setattr(pages, "PREPARERS", {})
    monkeypatch.setattr(pages, "EARLY", set())
    monkeypatch.setattr(pages, "BESIDE", set())


def test_precompute_runs_the_early_preparers_of_the_site_modules_only(preparers):
    ran: list[str] = []

    @pages.prepare("early", early=True)
    def early(site):
        ran.append("early")
        return site.memo("early:value", lambda: len(site.package.frames))

    @pages.prepare("late")
    def late(site):
        ran.append("late")
        site.memo("late:value", lambda: "stories")

    package = SimpleNamespace(frames={"a": None, "b": None})
    cache = pages.precompute(package, {"KC_PAGE_MODULES": [__name__]})
    assert {"early:value": 2} == cache
    assert ["early"] == ran
    assert {} == pages.precompute(package, {"KC_PAGE_MODULES": ["another.module"]})

    site = pages.SiteData(package, {"KC_PAGE_MODULES": [__name__]}, cache=dict(cache))
    pages.prepare_site(site)  # the early value is found, the late one computed
    assert ["early", "early", "late"] == ran
    assert {"early:value": 2, "late:value": "stories"} == site.cache


def test_the_values_made_beside_are_what_the_beside_preparers_add(preparers, tiny_package):
    """The export's child runs the ``beside`` preparers and sends what they add, not the
    records they read; the build's process runs the other early ones: together, all."""
    from pipeline.load import load_package

    @pages.prepare("counts", early=True)
    def counts(site):
        site.memo("counts", lambda: {n: len(site.records(n)) for n in site.package.frames})

    @pages.prepare("digests", early=True, beside=True)
    def digests(site):
        site.digests("projects", "project_id")

    package, _ = load_package(tiny_package)
    settings = {"KC_PAGE_MODULES": [__name__]}
    sent = pages.precompute(package, settings, beside=True)
    kept = pages.precompute(package, settings, beside=False)
    assert ["digests:projects:project_id"] == list(sent)
    assert "counts" in kept and not set(kept) & set(sent)
    assert pages.precompute(package, settings) == {**kept, **sent}


def test_re_registering_a_preparer_as_late_makes_it_late(preparers):
    pages.prepare("x", early=True)(lambda site: None)
    pages.prepare("x")(lambda site: None)
    assert set() == pages.EARLY


@pytest.mark.parametrize(("items", "size"), [(0, 2), (1, 2), (5, 2), (6, 2), (7, 1)])
def test_each_part_knows_every_part_s_address_and_its_neighbours(items, size):
    parts = list(pages.paginate("projects/", list(range(items)), size))
    addresses = [url for url, _, _ in parts]
    assert addresses[0] == "projects/" and addresses[1:] == [
        f"projects/page/{n}/" for n in range(2, len(parts) + 1)]
    for position, (_, _, pager) in enumerate(parts):
        assert (pager.number, pager.count) == (position + 1, len(parts))
        assert [pager.url(n) for n in range(1, pager.count + 1)] == addresses
        assert pager.previous == (addresses[position - 1] if position else None)
        assert pager.next == (addresses[position + 1] if position + 1 < len(parts) else None)
    assert [x for _, chunk, _ in parts for x in chunk] == list(range(items))


@pytest.mark.parametrize(("number", "count", "shown"), [
    (1, 1, (1,)),
    (1, 2, (1, 2)),
    (4, 7, (1, 2, 3, 4, 5, 6, 7)),  # a gap of one part shows that part
    (1, 1000, (1, 2, 3, None, 1000)),
    (5, 1000, (1, 2, 3, 4, 5, 6, 7, None, 1000)),
    (500, 1000, (1, None, 498, 499, 500, 501, 502, None, 1000)),
    (1000, 1000, (1, None, 998, 999, 1000)),
])
def test_a_pager_offers_the_ends_and_the_parts_near_this_one(number, count, shown):
    assert pages.Pager(number, count, "p/").shown == shown


@pytest.mark.parametrize("count", [1, 2, 5, 6, 7, 8, 9, 30, 1000])
def test_every_pager_is_short_and_every_part_can_be_reached(count):
    """Whatever the list's length: at most the two ends, the span on each side of the
    current part and two gaps; numbers in order, gaps only where parts are left out."""
    reached = {1}
    for number in range(1, count + 1):
        shown = pages.Pager(number, count, "p/").shown
        numbers = [n for n in shown if n is not None]
        assert numbers == sorted(set(numbers)) and {1, number, count} <= set(numbers)
        assert len(shown) <= 2 * pages.PAGER_SPAN + 5
        assert all(n in numbers for n in range(max(1, number - pages.PAGER_SPAN),
                                               min(count, number + pages.PAGER_SPAN) + 1))
        for before, gap, after in zip(shown, shown[1:], shown[2:], strict=False):
            if gap is None:
                assert after - before > 2
        assert shown[0] == 1 and shown[-1] == count
        if number in reached:
            reached.update(numbers)
    assert reached == set(range(1, count + 1))


def test_a_pager_is_small_whatever_the_number_of_parts():
    """Each part is fingerprinted (pipeline/incremental.py): a thousand addresses in each
    of a thousand parts made the national project list's pagers 20 MB to hash."""
    import pickle

    assert len(pickle.dumps(pages.Pager(1, 1000, "projects/"))) < 200
