"""Interface strings in gettext catalogues, chosen per template by the page's language.

One Jinja environment renders both languages, so the installed ``gettext`` reads ``lang`` from
the template context instead of being bound to one catalogue. Catalogues are the committed
``.po`` files in ``theme/translations/<lang>/LC_MESSAGES/messages.po``, compiled in memory when
the build starts (no compiled ``.mo`` to forget). Message ids are English.

Update them after changing a template::

    pybabel extract -F theme/babel.cfg -k N_ -o theme/translations/messages.pot .
    pybabel update -i theme/translations/messages.pot -d theme/translations
"""

from __future__ import annotations

import gettext as gnu
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, pass_context
from markupsafe import Markup

from pipeline.formatting import context_lang


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@cache
def catalogue(translations_dir: Path, lang: str) -> gnu.NullTranslations:
    """The compiled catalogue of one language; a missing file translates nothing."""
    path = translations_dir / lang / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return gnu.NullTranslations()
    with path.open("rb") as file:
        messages = read_po(file, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, messages)
    buffer.seek(0)
    return gnu.GNUTranslations(buffer)


@cache
def messages(translations_dir: Path, lang: str) -> dict[str, str]:
    """The singular messages of one language as a dict: a template asks ~35 times a page."""
    table = getattr(catalogue(translations_dir, lang), "_catalog", {})
    return {key: value for key, value in table.items() if isinstance(key, str) and key}


def translate(translations_dir: Path, lang: str, message: str) -> str:
    """``message`` in ``lang`` (the English id itself when no translation exists)."""
    return messages(translations_dir, lang).get(message, message)


def install(env: Environment, translations_dir: Path) -> None:
    """Give ``env`` gettext callables that follow each template's ``lang``.

    They behave as Jinja's new-style gettext (the translation is a format string, marked safe
    under autoescape, ``%(name)s`` filled from keyword arguments) but a message without
    arguments is looked up once per language: templates ask ~45 times a page.
    """
    tables: dict[str, dict[str, str]] = {}
    done: dict[tuple[str, str, bool], str] = {}

    def translated(context, message: str) -> str:
        lang = context_lang(context)
        table = tables.get(lang)
        if table is None:
            table = tables[lang] = messages(translations_dir, lang)
        text = table.get(message, message)
        return Markup(text) if context.eval_ctx.autoescape else text

    @pass_context
    def gettext(context, message: str, **variables) -> str:
        if variables:
            return translated(context, message) % variables
        key = (context_lang(context), message, context.eval_ctx.autoescape)
        if key in done:
            return done[key]
        text = done[key] = translated(context, message) % variables
        return text

    @pass_context
    def ngettext(context, singular: str, plural: str, n: int, **variables) -> str:
        variables.setdefault("num", n)
        text = catalogue(translations_dir, context_lang(context)).ngettext(singular, plural, n)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext)


#: Labels of the schemas' enum values (English ids, translated through the catalogue).
ENUM_LABELS: dict[str, dict[str, str]] = {
    "level": {"national": N_("National"), "local": N_("Local"), "province": N_("Province"),
              "district": N_("District"), "commune": N_("Commune"),
              "region": N_("Regional")},
    "status": {"completed": N_("Completed"), "in-progress": N_("In progress"),
               "stopped": N_("Stopped"), "returned": N_("Funds returned")},
    "legal_form": {"enterprise": N_("Enterprise"), "cooperative": N_("Cooperative"),
                   "cooperative-group": N_("Cooperative group"),
                   "household": N_("Household business")},
    "activity_type": {"machinery": N_("Advanced machinery"), "tech-line": N_("Technology line"),
                      "demo-model": N_("Demonstration model"), "training": N_("Training"),
                      "management-training": N_("Management training"),
                      "fair": N_("Trade fair"), "typical-product": N_("Typical product"),
                      "information": N_("Information"), "consulting": N_("Consulting")},
    "award_level": {"province": N_("Provincial level"), "region": N_("Regional level"),
                    "national": N_("National level")},
}


def enum_filter(translations_dir: Path):
    """A Jinja filter ``value|enum("status")``: the value's label in the page's language."""

    @pass_context
    def enum(context, value: str | None, kind: str) -> str:
        if value is None:
            return ""
        label = ENUM_LABELS.get(kind, {}).get(value, value)
        return translate(translations_dir, context_lang(context), label)

    return enum
