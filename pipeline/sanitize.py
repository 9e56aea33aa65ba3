"""What HTML a story or content page may carry once Markdown has rendered it, and safe names.

Markdown passes raw HTML through, so a story pasted from anywhere could carry a ``<script>``,
an ``onclick=``, a ``javascript:`` link or an ``<iframe>``. ``clean_html`` keeps the
elements Markdown (with ``extra``: tables, footnotes, definition lists, abbreviations) writes
and drops everything else with nh3 (the Rust ``ammonia`` sanitiser): no script or style
element, no event-handler or ``style`` attribute, only http(s), mailto and tel links.

``safe_name`` is the pattern every id and slug must match before it becomes part of an
output path: lowercase ASCII letters, digits and hyphens, starting with a letter or digit —
so never ``..``, ``/`` or an absolute path.
"""

from __future__ import annotations

import re

import nh3

SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
#: A language-neutral page address: safe segments (files may have one extension), ``/``-joined.
SAFE_URL = re.compile(r"(?:[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9]+)*/)*"
                      r"(?:[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9]+)*)?")

TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl",
        "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
        "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong",
        "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
ATTRIBUTES = {
    "*": {"class", "id", "lang", "title", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "q": {"cite"}, "blockquote": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_html(html: str) -> str:
    """Rendered Markdown with only harmless elements, attributes and link schemes left."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel=None, strip_comments=True)


def safe_name(name: object) -> bool:
    """Whether an id or slug may become a folder name in the output."""
    return isinstance(name, str) and SAFE_NAME.fullmatch(name) is not None


def safe_url(url: str) -> bool:
    """Whether a page address stays inside the output folder (no ``..``, no leading ``/``)."""
    return SAFE_URL.fullmatch(url) is not None
