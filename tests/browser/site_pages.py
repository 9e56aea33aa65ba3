"""One representative page of every kind the site builds: the table the browser tests share.

Addresses are language-neutral (``""`` is the home page); ``in_language`` gives the address a
reader of that language opens. Each kind's example is a page of the shipped sample that has
what makes the kind hard (a never-implemented content, a paginated list, a story with a
photo, a commune formed in 2025).
"""

from __future__ import annotations

LANGUAGES = ("vi", "en")

PAGES: dict[str, str] = {
    "home": "",
    "establishment": "establishments/e-04-0001/",
    "project": "projects/p-04-2012-001/",
    "district": "districts/047/",
    "district-list": "districts/",
    "commune": "communes/01654-2025/",
    "content": "contents/mhtd/",
    "content-never-implemented": "contents/ldlk/",
    "sector": "sectors/wood/",
    "year": "years/2012/",
    "establishment-list": "establishments/",
    "project-list": "projects/",
    "project-list-page-2": "projects/page/2/",
    "project-list-by-amount": "projects/by-amount/",
    "story-list": "stories/",
    "story": "stories/tre-truc-hoa-an/",
    "statistics": "statistics/",
    "datasets": "datasets/",
    "dataset": "datasets/projects/",
    "about": "about/",
    "data-notes": "data-notes/",
    "contact": "contact/",
    "data-quality": "data-quality/",
    "search": "search/",
    "404": "404.html",
}


def in_language(address: str, lang: str) -> str:
    """The path of a language-neutral address in ``lang`` (Vietnamese at /, English at /en/)."""
    return "/" + address if lang == "vi" else "/en/" + address


CASES = [(kind, lang) for kind in PAGES for lang in LANGUAGES]
IDS = [f"{kind}-{lang}" for kind, lang in CASES]
