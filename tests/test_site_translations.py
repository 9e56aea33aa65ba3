"""The gettext catalogues: every interface string has a Vietnamese translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from pipeline import i18n

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "theme" / "translations"


def extracted() -> set[str]:
    """Message ids in the templates and the marked Python, as pybabel extracts them."""
    method_map = [("theme/templates/**.html", "jinja2"), ("pipeline/i18n.py", "python"),
                  ("pipeline/site_settings.py", "python")]
    options = {"theme/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    return {message[2] if isinstance(message[2], str) else message[2][0]
            for message in extract_from_dir(str(ROOT), method_map, options, keywords)}


def catalogue(lang: str) -> dict[str, str]:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return {m.id: m.string for m in read_po(file) if m.id}


@pytest.mark.parametrize("message", sorted(extracted()))
def test_every_message_has_a_vietnamese_translation(message):
    assert catalogue("vi").get(message)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogues_have_every_message(lang):
    assert set() == extracted() - set(catalogue(lang))


@pytest.mark.parametrize(("lang", "message", "expected"), [
    ("vi", "Projects", "Đề án"),
    ("en", "Projects", "Projects"),
    ("fr", "Projects", "Projects"),
])
def test_translate(lang, message, expected):
    assert expected == i18n.translate(TRANSLATIONS, lang, message)
