"""Babel formatting per language, as functions and as Jinja filters."""

from __future__ import annotations

import datetime as dt

import jinja2
import pandas as pd
import pytest

from pipeline import formatting

NBSP = "\u00a0"


@pytest.mark.parametrize(("function", "value", "lang", "expected"), [
    (formatting.money, 1234567, "vi", f"1.234.567{NBSP}₫"),
    (formatting.money, 1234567, "en", "₫1,234,567"),
    (formatting.money, 0, "vi", f"0{NBSP}₫"),
    (formatting.money, None, "vi", "—"),
    (formatting.money, pd.NA, "en", "—"),
    (formatting.number, 1234567, "vi", "1.234.567"),
    (formatting.number, 1234567, "en", "1,234,567"),
    (formatting.number, 12, "vi", "12"),
    (formatting.number, float("nan"), "vi", "—"),
    (formatting.billions, 96_800_000_000, "vi", "96,8 tỷ đồng"),
    (formatting.billions, 96_800_000_000, "en", "VND 96.8 billion"),
    (formatting.billions, 96_840_000_000, "vi", "96,8 tỷ đồng"),
    (formatting.billions, 1_000_000_000_000, "en", "VND 1,000 billion"),
    (formatting.billions, 600_000_000, "vi", "0,6 tỷ đồng"),
    (formatting.percent, 0.25, "vi", "25%"),
    (formatting.percent, 0.25, "en", "25%"),
    (formatting.date, dt.date(2026, 11, 27), "vi", "27/11/2026"),
    (formatting.date, dt.date(2026, 11, 27), "en", "27 Nov 2026"),
    (formatting.date, dt.date(2021, 5, 1), "vi", "01/05/2021"),
    (formatting.date, dt.date(2021, 5, 1), "en", "1 May 2021"),
    (formatting.date, "2021-05-01", "vi", "01/05/2021"),
    (formatting.date, pd.Timestamp("2021-05-01"), "en", "1 May 2021"),
    (formatting.date, None, "en", "—"),
    (formatting.date, pd.NaT, "vi", "—"),
])
def test_format(function, value, lang, expected):
    assert expected == function(value, lang)


@pytest.fixture
def env() -> jinja2.Environment:
    """A bare environment with the project's filters, as every generator gets them."""
    environment = jinja2.Environment(autoescape=True)
    environment.filters.update(formatting.FILTERS)
    return environment


@pytest.mark.parametrize(("template", "context", "expected"), [
    ("{{ 1234567|money }}", {"lang": "vi"}, f"1.234.567{NBSP}₫"),
    ("{{ 1234567|money }}", {"lang": "en"}, "₫1,234,567"),
    ("{{ 1234|number }}", {"DEFAULT_LANG": "en"}, "1,234"),
    ("{{ 1234|number }}", {}, "1.234"),
    ("{{ d|date }}", {"lang": "en", "d": dt.date(2026, 11, 27)}, "27 Nov 2026"),
    ("{{ row|l10n('name') }}", {"lang": "en", "row": {"name_vi": "Huyện", "name_en": "District"}},
     "District"),
    ("{{ row|l10n('name') }}", {"lang": "en", "row": {"name_vi": "Huyện", "name_en": None}},
     "Huyện"),
    ("{{ row|l10n('name') }}", {"lang": "vi", "row": None}, ""),
])
def test_filters_read_the_language_from_the_context(env, template, context, expected):
    assert expected == env.from_string(template).render(context)


@pytest.mark.parametrize(("item_lang", "expected"), [("en", "1,234"), ("vi", "1.234")])
def test_filters_follow_a_pelican_article_language(env, item_lang, expected):
    class Article:
        lang = item_lang

    assert expected == env.from_string("{{ 1234|number }}").render(article=Article())


WHOLE_VALUES = [0, 1, -1, 9, 10, 99, 100, 999, 1000, -1000, 1001, 9999, 10_000, 99_999,
                100_000, 999_999, 1_000_000, 1_234_567, -1_234_567, 12_345_678, 999_999_999,
                1_000_000_000, 96_840_000_000, 10**12, -(10**12) + 1, 2**53, 10**18]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("value", WHOLE_VALUES)
def test_whole_amounts_are_written_exactly_as_babel_writes_them(value, lang):
    """The fast path for integers gives Babel's own strings, sign and spaces included."""
    from babel.numbers import format_currency, format_decimal

    loc = formatting.locale(lang)
    expected = (format_currency(value, "VND", format_type="standard", locale=loc,
                                currency_digits=True), format_decimal(value, locale=loc))
    assert expected == (formatting.money(value, lang), formatting.number(value, lang))


@pytest.mark.parametrize(("function", "value", "lang", "expected"), [
    (formatting.money, 1234.5, "vi", f"1.234{NBSP}₫"),
    (formatting.money, 2.5, "en", "₫2"),
    (formatting.number, 1234.5, "vi", "1.234,5"),
    (formatting.number, 1234.5, "en", "1,234.5"),
    (formatting.money, 1234567, "fr", f"1\u202f234\u202f567{NBSP}₫"),
])
def test_values_other_than_int_still_go_through_babel(function, value, lang, expected):
    assert expected == function(value, lang)
