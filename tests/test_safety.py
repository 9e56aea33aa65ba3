"""Nothing executable reaches output/: escaped data, sanitised stories, safe paths, a CSP.

A tiny package with script planted in every public text field of every resource, and a
story full of script, is published; every HTML page and feed is then read back with
BeautifulSoup looking for anything a browser would run.
"""

from __future__ import annotations

import argparse
import copy
import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import DATA, ROOT, TINY, write_content, write_package

from pipeline import build, pages, plugin, sanitize
from pipeline.site_settings import SETTINGS

SITEURL = "https://khuyencong-caobang.example.org"  # publishconf.py
OWN_SCRIPTS = {f"{SITEURL}/theme/js/search.js"}
DATA_SCRIPTS = {"application/ld+json", "application/json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcset", "poster",
                  "xlink:href", "background", "cite"}
FORBIDDEN_TAGS = {"iframe", "frame", "object", "embed", "applet", "base", "style"}


def payload(marker: str) -> str:
    """What a malicious or careless editor might paste: every trick, tagged with ``marker``."""
    return (f'javascript:alert(1)//<script>alert("{marker}")</script>" onmouseover="alert(1)'
            f"<iframe src=x></iframe>")


STORY = f"""Title: <script>alert("story-title")</script> Bamboo " onmouseover="alert(1)
Date: 2025-11-04
Slug: planted
Lang: vi
Establishment: e-04-0001
Summary: <script>alert("story-summary")</script><img src=x onerror="alert(1)">

<script>alert("story-body")</script>
<div onmouseover="alert(1)">hover</div>

[click](javascript:alert(1)) [upper](JaVaScRiPt:alert(1)) [spaced]( javascript:alert(1))

<a href="javascript:alert(1)">a</a> <a href="&#106;avascript:alert(1)">entity</a>
<iframe src="https://evil.example/"></iframe>
<img src="data:image/png;base64,AAAA" onerror="alert(1)" alt="x">
<svg onload="alert(1)"><circle r="1"/></svg>
<object data="x.swf"></object><embed src="x.swf">
<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button></form>
<style>body {{ display: none }}</style>
<p style="color: red" onclick="alert(1)">styled</p>

{payload("story-text")}
"""


def text_fields(schema: dict) -> list[str]:
    """Public free-text fields: strings without pattern or enum that are no key."""
    keys = {name for fk in schema.get("foreignKeys", [])
            for name in ([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"])}
    primary = schema.get("primaryKey", [])
    keys |= {primary} if isinstance(primary, str) else set(primary)
    return [f["name"] for f in schema["fields"]
            if f["type"] == "string" and not f.get("private") and f["name"] not in keys
            and not {"pattern", "enum"} & set(f.get("constraints", {}))]


def planted_rows() -> tuple[dict[str, list[dict]], list[str]]:
    """Every resource's rows (code lists read from data/) with script in each text field."""
    descriptor = yaml.safe_load((DATA / "datapackage.yaml").read_text(encoding="utf-8"))
    rows, markers = copy.deepcopy(TINY), []
    for resource in descriptor["resources"]:
        name = resource["name"]
        if name not in rows:
            with open(DATA / resource["path"], encoding="utf-8", newline="") as f:
                rows[name] = list(csv.DictReader(f))
        schema = yaml.safe_load((DATA / resource["schema"]).read_text(encoding="utf-8"))
        for number, row in enumerate(rows[name]):
            for field in text_fields(schema):
                marker = f"{name}.{field}.{number}"
                row[field] = payload(marker)
                markers.append(marker)
    return rows, markers


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> dict:
    """The planted package and story, published with publishconf (feeds, absolute URLs)."""
    root = tmp_path_factory.mktemp("planted")
    rows, markers = planted_rows()
    data = write_package(root / "data", rows)
    content = write_content(root / "content")
    (content / "stories" / "planted.md").write_text(STORY, encoding="utf-8")
    parser = argparse.ArgumentParser()
    build.add_arguments(parser)
    code = build.run(parser.parse_args([
        "--settings", str(ROOT / "publishconf.py"), "--output", str(root / "output"),
        "--data", str(data), "--content", str(content), "--quiet"]))
    assert 0 == code
    return {"output": root / "output", "markers": markers}


def executable(soup: BeautifulSoup) -> list[str]:
    """Everything in a parsed page that a browser would run or that embeds other content."""
    found = []
    for tag in soup.find_all(True):
        if tag.name == "script":
            kind = tag.get("type", "")
            if kind in DATA_SCRIPTS and not tag.get("src"):
                if "</" in tag.string or "<!--" in tag.string:
                    found.append(f"unescaped markup in {kind}")
            elif tag.get("src") not in OWN_SCRIPTS:
                found.append(f"script {tag.get('src') or (tag.string or '')[:40]!r}")
        if tag.name in FORBIDDEN_TAGS:
            found.append(f"<{tag.name}>")
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on") or name.lower() == "style":
                found.append(f"{tag.name} {name}=")
            compact = re.sub(r"[\s\x00-\x1f]", "", text).lower()
            if name.lower() in URL_ATTRIBUTES and compact.startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                found.append(f"{tag.name} {name}={text[:40]!r}")
    return found


def html_files(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def test_no_page_carries_anything_executable(planted):
    found = {path.relative_to(planted["output"]).as_posix(): executable(
        BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser"))
        for path in html_files(planted["output"])}
    assert {} == {page: items for page, items in found.items() if items}


def test_feeds_carry_nothing_executable(planted):
    """Feed readers render entry HTML: the entries are sanitised too."""
    feeds = sorted((planted["output"] / "feeds").glob("*.xml"))
    found, texts = [], []
    for feed in feeds:
        for element in ET.parse(feed).iter():
            if element.tag.rsplit("}", 1)[-1] in ("content", "summary", "title"):
                texts.append(element.text or "")
                found += executable(BeautifulSoup(element.text or "", "html.parser"))
    assert [] == found
    assert any("story-title" in text for text in texts)  # the planted story is in a feed


def test_the_planted_text_is_shown_as_text(planted):
    """Not a vacuous pass: the script arrives on the pages, as visible, harmless text."""
    shown = set()
    for path in html_files(planted["output"]):
        text = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text()
        shown |= {marker for marker in planted["markers"]
                  if f'<script>alert("{marker}")</script>' in text}
    expected = {"establishments.name.0", "projects.title_vi.0", "projects.title_en.1",
                "sectors.name_vi.0", "admin-units.name_vi.1", "content-types.name_en.0"}
    assert set() == expected - shown
    story = BeautifulSoup((planted["output"] / "stories/planted/index.html").read_text(
        encoding="utf-8"), "html.parser")
    assert '<script>alert("story-title")</script>' in story.h1.get_text()
    assert "story-body" not in story.get_text()  # script elements are dropped with their text


def test_json_ld_escapes_markup(planted):
    """JSON-LD blocks hold data values: ``<`` is escaped so ``</script>`` cannot end them."""
    blocks = [tag.string for path in html_files(planted["output"])
              for tag in BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
              .find_all("script", type="application/ld+json")]
    assert blocks
    assert [] == [block[:60] for block in blocks if "<" in block]


# -- the Content-Security-Policy ----------------------------------------------------------------

def test_every_page_carries_the_content_security_policy(tiny_site):
    policy = SETTINGS["KC_CSP"].default
    missing = []
    for path in html_files(tiny_site):
        head = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").head
        metas = head.find_all("meta", attrs={"http-equiv": "Content-Security-Policy"})
        if [policy] != [meta["content"] for meta in metas]:
            missing.append(path.relative_to(tiny_site).as_posix())
    assert [] == missing


@pytest.mark.parametrize("directive", ["default-src 'self'", "script-src 'self'",
                                       "style-src 'self'", "object-src 'none'",
                                       "base-uri 'self'", "form-action 'self'"])
def test_the_policy_allows_only_the_sites_own_files(directive):
    directives = [d.strip() for d in SETTINGS["KC_CSP"].default.split(";")]
    assert any(d == directive or d.startswith(directive + " ") for d in directives)
    assert "unsafe-inline" not in SETTINGS["KC_CSP"].default
    assert "'unsafe-eval'" not in SETTINGS["KC_CSP"].default


def test_no_page_needs_inline_style(tiny_site):
    """``style-src 'self'`` blocks style attributes and elements: the theme uses classes."""
    found = [path.relative_to(tiny_site).as_posix() for path in html_files(tiny_site)
             if re.search(r"<style\b|\sstyle=", path.read_text(encoding="utf-8"))]
    assert [] == found


# -- sanitising and safe names ------------------------------------------------------------------

@pytest.mark.parametrize(("html", "expected"), [
    ("<p>Xưởng <strong>tre</strong></p>", "<p>Xưởng <strong>tre</strong></p>"),
    ("<script>alert(1)</script><p>a</p>", "<p>a</p>"),
    ('<p onclick="alert(1)">a</p>', "<p>a</p>"),
    ('<a href="javascript:alert(1)">a</a>', "<a>a</a>"),
    ('<a href="https://example.org/">a</a>', '<a href="https://example.org/">a</a>'),
    ('<a href="/stories/x/">a</a>', '<a href="/stories/x/">a</a>'),
    ('<iframe src="https://evil.example/"></iframe>', ""),
    ('<p style="color:red">a</p>', "<p>a</p>"),
    ('<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>',
     '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>'),
    ('<table><tr><th scope="col">A</th></tr></table>',
     '<table><tbody><tr><th scope="col">A</th></tr></tbody></table>'),
])
def test_clean_html(html, expected):
    assert expected == sanitize.clean_html(html)


@pytest.mark.parametrize(("name", "safe"), [
    ("e-04-0001", True), ("tre-truc-hoa-an", True), ("2012", True),
    ("../evil", False), ("/etc", False), ("a/b", False), ("", False), ("-x", False),
    ("Tre", False), ("tre truc", False), ("tre.md", False), (None, False),
])
def test_safe_name(name, safe):
    assert safe == sanitize.safe_name(name)


@pytest.mark.parametrize(("url", "safe"), [
    ("", True), ("projects/", True), ("projects/page/2/", True), ("404.html", True),
    ("data/statistics.json", True), ("images/e-04-0001/xuong-360.webp", True),
    ("../evil/", False), ("/abs/", False), ("a/../../b/", False), ("a//b/", False),
    ("..", False), ("a/./b", False), ("C:/x", False), ("a\\b", False),
])
def test_safe_url(url, safe):
    assert safe == sanitize.safe_url(url)


@pytest.mark.parametrize("url", ["../../evil/", "/tmp/evil/", "projects/../../../evil/"])
def test_an_unsafe_page_address_stops_the_generator(url):
    with pytest.raises(plugin.SiteBuildError, match="unsafe page address"):
        plugin.checked(pages.Page(url, "home.html", {}, "test", "x"))


def run_build(data: Path, content: Path, output: Path) -> int:
    parser = argparse.ArgumentParser()
    build.add_arguments(parser)
    return build.run(parser.parse_args([
        "--settings", str(ROOT / "pelicanconf.py"), "--output", str(output), "--data",
        str(data), "--content", str(content), "--quiet"]))


def outside(root: Path, output: Path) -> list[str]:
    """Files named ``evil*`` anywhere under ``root`` or in /tmp (where an escape would land)."""
    found = [p.as_posix() for p in root.rglob("evil*")]
    return found + [p.as_posix() for p in Path("/tmp").glob("evil*")]


@pytest.mark.parametrize("slug", ["../../evil", "/tmp/evil-abs", "Evil", "evil story"])
def test_an_unsafe_story_slug_stops_the_publish(tmp_path, tiny_package, slug, capsys):
    content = write_content(tmp_path / "content")
    story = (content / "stories" / "bamboo.md").read_text(encoding="utf-8")
    (content / "stories" / "bamboo.md").write_text(story.replace("Slug: bamboo", f"Slug: {slug}"),
                                                   encoding="utf-8")
    output = tmp_path / "output"
    output.mkdir()
    code = run_build(tiny_package, content, output)
    err = capsys.readouterr().err
    assert (1, [], []) == (code, list(output.iterdir()), outside(tmp_path, output))
    assert f"slug {slug!r} is not lowercase letters" in err


@pytest.mark.parametrize(("resource", "field"), [("establishments", "establishment_id"),
                                                 ("projects", "project_id")])
@pytest.mark.parametrize("bad", ["../../evil", "/tmp/evil", "e-04-0001/../../evil"])
def test_an_unsafe_id_is_a_validation_error(tmp_path, make_package, resource, field, bad,
                                            capsys):
    def edit(rows):
        old = rows[resource][0][field]
        rows[resource][0][field] = bad
        for other in rows["projects"]:  # keep the foreign keys pointing at it
            if other.get("establishment_id") == old:
                other["establishment_id"] = bad

    output = tmp_path / "output"
    code = run_build(make_package(edit), write_content(tmp_path / "content"), output)
    err = capsys.readouterr().err
    assert (1, False, []) == (code, output.exists(), outside(tmp_path, output))
    assert "nothing was written" in err


def test_an_unsafe_address_from_a_builder_stops_the_publish(tmp_path, tiny_package,
                                                            monkeypatch, capsys):
    """Defence in depth: even a page builder cannot write outside the output folder."""
    def evil(site, lang):
        yield pages.Page("../../evil/", "home.html", {}, "evil", "Evil")

    evil.__module__ = "pipeline.core_pages"
    monkeypatch.setitem(pages.BUILDERS, "evil-test", evil)
    output = tmp_path / "output"
    code = run_build(tiny_package, write_content(tmp_path / "content"), output)
    err = capsys.readouterr().err
    assert (1, False, []) == (code, output.exists(), outside(tmp_path, output))
    assert "unsafe page address '../../evil/'" in err
