"""Numbers, money and dates as each language writes them, through Babel.

Vietnamese pages write ``1.234.567 ₫`` and ``27/11/2026``; English pages ``₫1,234,567`` and
``27 Nov 2026``. The plain functions take the language; the Jinja filters read it from the
template context (``lang``), so templates write ``{{ amount|money }}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import pass_context

MISSING = "—"
LOCALES = {"vi": "vi_VN", "en": "en_GB"}


@cache
def locale(lang: str) -> Locale:
    """The Babel locale of a site language, parsed once (parsing dominates small formats)."""
    return Locale.parse(LOCALES.get(lang, lang))


def is_missing(value: Any) -> bool:
    """None, pandas' NA and NaN: anything a cell holds when it is empty."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT differ from themselves
    except TypeError:  # pandas' NA refuses to be a bool
        return True


#: Digit grouping of each language for whole numbers (what Babel's locales use).
GROUPING = {"vi": ".", "en": ","}


def grouped(value: int, lang: str) -> str:
    """A Python int with the language's thousands separator, exactly as Babel writes it.

    Babel's formatter costs ~30 µs per call and the site formats hundreds of thousands of
    whole amounts; ``tests/test_formatting.py`` checks this against Babel value by value.
    """
    return f"{value:,}".replace(",", GROUPING[lang])


def number(value: Any, lang: str) -> str:
    """An integer or decimal with the language's grouping: ``1.234`` / ``1,234``."""
    if type(value) is int and lang in GROUPING:
        return grouped(value, lang)
    return MISSING if is_missing(value) else format_decimal(value, locale=locale(lang))


def money(value: Any, lang: str) -> str:
    """VND without decimals: ``1.234.567 ₫`` / ``₫1,234,567``."""
    if type(value) is int and lang in GROUPING:  # whole VND: every amount in the data
        if lang == "vi":
            return grouped(value, lang) + "\u00a0₫"
        return ("-₫" if value < 0 else "₫") + grouped(abs(value), lang)
    if is_missing(value):
        return MISSING
    return format_currency(value, "VND", format_type="standard", locale=locale(lang),
                           currency_digits=True)


def billions(value: Any, lang: str) -> str:
    """Large VND amounts for headlines: ``96,8 tỷ đồng`` / ``VND 96.8 billion``."""
    if is_missing(value):
        return MISSING
    figure = format_decimal(value / 1e9, format="#,##0.#", locale=locale(lang))
    return f"{figure} tỷ đồng" if lang == "vi" else f"VND {figure} billion"


def percent(value: Any, lang: str) -> str:
    """A share (0.25) as ``25 %`` / ``25%``."""
    return MISSING if is_missing(value) else format_percent(value, locale=locale(lang))


def date(value: Any, lang: str) -> str:
    """``27/11/2026`` / ``27 Nov 2026``; accepts dates, datetimes and ISO strings."""
    if is_missing(value) or value == "":
        return MISSING
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    pattern = "dd/MM/yyyy" if lang == "vi" else "d MMM yyyy"
    return format_date(value, pattern, locale=locale(lang))


def context_lang(context: Any) -> str:
    """The language a template renders in: ``lang``, else the article's or page's, else vi.

    ``lang`` is read as ``Context.get`` would (the template's own variables first), but with
    two dict look-ups instead of three method calls: every filter, link and gettext asks.
    """
    own = getattr(context, "vars", None)
    if own is not None and "lang" in own:
        lang = own["lang"]
    else:
        lang = context.get("lang") if own is None else context.parent.get("lang")
    if lang:
        return lang
    for name in ("article", "page"):
        item = context.get(name)
        if getattr(item, "lang", None):
            return item.lang
    return context.get("DEFAULT_LANG") or "vi"


def as_filter(function: Callable[[Any, str], str]) -> Callable:
    """A Jinja filter that formats in the template's language."""

    @pass_context
    def apply(context, value):
        return function(value, context_lang(context))

    apply.__name__ = function.__name__
    apply.__doc__ = function.__doc__
    return apply


FILTERS: dict[str, Callable] = {function.__name__: as_filter(function)
                                for function in (number, money, billions, percent, date)}


@pass_context
def l10n(context, row: Any, name: str) -> str:
    """``row[name_<lang>]`` from the data's own language columns, else the Vietnamese one."""
    if row is None:
        return ""
    lang = context_lang(context)
    return row.get(f"{name}_{lang}") or row.get(f"{name}_vi") or ""


FILTERS["l10n"] = l10n
