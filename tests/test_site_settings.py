"""Every KC_ setting used anywhere is declared once, with a default and a help text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.site_settings import SETTINGS, with_defaults

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*ROOT.glob("pipeline/*.py"), *ROOT.glob("theme/templates/**/*.html"),
           ROOT / "pelicanconf.py", ROOT / "publishconf.py"]


def used_settings() -> set[str]:
    pattern = re.compile(r"\bKC_[A-Z][A-Z_]*[A-Z]\b")
    return {name for path in SOURCES for name in pattern.findall(path.read_text("utf-8"))}


@pytest.mark.parametrize("name", sorted(used_settings()))
def test_every_used_setting_is_declared(name):
    assert name in SETTINGS


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_setting_has_a_help_text(name):
    assert len(SETTINGS[name].help) > 20


@pytest.mark.parametrize(("given", "name", "expected"), [
    ({}, "KC_PAGE_SIZE", 50),
    ({"KC_PAGE_SIZE": 10}, "KC_PAGE_SIZE", 10),
    ({"SITEURL": "x"}, "SITEURL", "x"),
    ({}, "KC_LANGUAGES", ["vi", "en"]),
])
def test_with_defaults(given, name, expected):
    assert expected == with_defaults(given)[name]
