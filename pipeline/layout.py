"""Page chrome rendered once: the ``{% once %}`` tag and the menu's ``aria-current`` marks.

Every data page repeats the same header, menu, sample-data notice and footer; only the
language and which menu entry is current change. Rendering that chrome for each of 150,000
pages was about a quarter of a short page's render time. ``{% once key, ... %}...{% endonce %}``
renders its body the first time a (block, language, key) is seen in a build and
reuses the markup afterwards, so the templates keep the markup while the work is done once.
``{% once key when condition %}`` remembers nothing when the condition is false: markup
that no other page will show is not worth its memory (a project's row on its
establishment's page; 50,000 projects in two languages).

What a body may read is checked when the template is compiled: only names in its key,
names it defines itself, the environment's globals (``_``, ``link``, ``menu``...), settings
(UPPER_CASE) and the build-wide values in ``BUILD_WIDE``. A body that reads a page's own
value without putting it in the key is a template error, never a wrong page.

The reused markup lives in the build's ``SiteData.cache`` (the ``site`` in every page's
context), so a new build (new settings, new data) starts empty; without a ``site`` (a
component rendered alone in a test) the body is simply rendered each time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

from pipeline.formatting import context_lang

#: Context values the same for every page of a build (besides globals and settings).
BUILD_WIDE = frozenset({"lang", "site", "built_urls"})

#: Partials whose macros read only build-wide values, so a body may import them with context.
PARTIALS = frozenset({"components/licence.html"})

IMPORTS = (nodes.Include, nodes.Import, nodes.FromImport)

#: A number for each compiled once block: two on one line, or in two templates made from
#: strings (no name), never share their markup.
BLOCK_IDS = itertools.count()

#: Where a build's reused fragments live in ``SiteData.cache``.
CACHE_KEY = "layout-fragments"


def free_names(body: Sequence[nodes.Node]) -> set[str]:
    """Names a template body reads that it does not assign itself (loop targets, set).

    ``loop`` is the body's own when the body has a for loop. An include, or an import with
    context of a template not in ``PARTIALS``, could read anything: it counts as reading
    the name ``(include)``, which no key can allow.
    """
    loaded, stored = set(), set()
    for node in body:
        for name in node.find_all(nodes.Name):
            (loaded if name.ctx == "load" else stored).add(name.name)
        if isinstance(node, nodes.For) or any(True for _ in node.find_all(nodes.For)):
            stored.add("loop")
        for other in [node, *node.find_all(IMPORTS)]:
            if isinstance(other, IMPORTS):
                loaded.update(imported_reads(other, stored))
    return loaded - stored


def imported_reads(node: nodes.Node, stored: set[str]) -> set[str]:
    """``{"(include)"}`` for an include or import that sees the page; records imported names."""
    if isinstance(node, nodes.FromImport):
        stored.update(n if isinstance(n, str) else n[1] for n in node.names)
    elif isinstance(node, nodes.Import):
        stored.add(node.target)
    if isinstance(node, nodes.Include):
        return {"(include)"}
    partial = isinstance(node.template, nodes.Const) and node.template.value in PARTIALS
    return {"(include)"} if getattr(node, "with_context", False) and not partial else set()


def allowed(name: str, environment: Environment, keys: set[str]) -> bool:
    """A name a ``{% once %}`` body may read: keyed, global, a setting or build-wide."""
    return (name in keys or name in BUILD_WIDE or name in environment.globals
            or name.isupper())


class OnceExtension(Extension):
    """``{% once key, ... [when reuse] %}body{% endonce %}``: markup reused per key and language."""

    tags = frozenset({"once"})

    def parse(self, parser: Parser) -> nodes.Node:
        """Compile to a call of ``_fragment`` with the body as its ``caller``."""
        lineno = next(parser.stream).lineno
        keys: list[nodes.Expr] = []
        reuse: nodes.Expr = nodes.Const(True)
        while parser.stream.current.type != "block_end":
            if parser.stream.skip_if("name:when"):
                reuse = parser.parse_expression()
                break
            if keys:
                parser.stream.expect("comma")
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endonce",), drop_needle=True)
        key_names = {n.name for key in keys for n in [key, *key.find_all(nodes.Name)]
                     if isinstance(n, nodes.Name)}
        unkeyed = sorted(n for n in free_names(body)
                         if not allowed(n, self.environment, key_names))
        if unkeyed:
            raise TemplateSyntaxError(
                f"{{% once %}} body reads {', '.join(unkeyed)} without them in its key",
                lineno, parser.name, parser.filename)
        where = nodes.Const((parser.name, lineno, next(BLOCK_IDS)))
        call = self.call_method("_fragment", [nodes.ContextReference(), where,
                                              nodes.Tuple(keys, "load"), reuse])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, context: Any, where: tuple, keys: tuple, reuse: Any,
                  caller: Any) -> Markup:
        """The body's markup for this key, rendered the first time only."""
        site = context.get("site")
        store = getattr(site, "cache", None)
        if not reuse or not isinstance(store, dict):
            return caller()
        fragments = store.setdefault(CACHE_KEY, {})
        key = (where, context_lang(context), keys)
        if key not in fragments:
            fragments[key] = caller()
        return fragments[key]


def menu_marks(rows: Iterable[Sequence[str]], current: str) -> tuple[str | None, ...]:
    """Each menu row's ``aria-current``: "page" on its own page, "true" inside its section.

    The marks are the only thing the menu takes from the page, so they key its fragment.
    """
    return tuple("page" if current == url else "true" if url and current.startswith(url)
                 else None for url, *_ in rows)


#: What ``d.name`` means on a plain dict when ``name`` is one of these: the dict's method.
DICT_ATTRIBUTES = frozenset(dir(dict))


def dict_first_getattr(env: Environment) -> Callable[[Any, str], Any]:
    """``env.getattr`` answering ``row.name`` on a plain dict without raising first.

    Jinja's ``getattr`` tries ``getattr(row, "name")``, which raises AttributeError for
    every key of a dict, before ``row["name"]``; data rows are dicts and templates read
    them a hundred times a page. A key that is not a dict method name is looked up
    directly; anything else goes to Jinja's own ``getattr``, so the result is the same.
    """
    jinja_getattr = env.getattr

    def getattr_(obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in DICT_ATTRIBUTES and attribute in obj:
            return obj[attribute]
        return jinja_getattr(obj, attribute)

    return getattr_


def install(env: Environment) -> None:
    """Add the ``once`` tag, the ``menu_marks`` helper and the dict-first ``getattr``."""
    if OnceExtension.identifier not in env.extensions:
        env.add_extension(OnceExtension)
    env.globals["menu_marks"] = menu_marks
    if "getattr" not in vars(env):
        env.getattr = dict_first_getattr(env)
