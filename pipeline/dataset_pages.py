"""Dataset pages: the package, each resource, each release, and the Atom feed of releases.

A researcher lands here to decide whether to trust and cite the data, so each page says what
the data is (description and a data dictionary generated from the schema), shows the first
rows, links every download with its size and SHA-256, states the licence, coverage and date
of the last change, says how to cite it, and carries schema.org JSON-LD for dataset search.

Private fields are listed in the dictionary as withheld, with no value anywhere: a reader
learns that the programme holds a phone number, never the number. Previews use
``SiteData.records`` (private fields already dropped).

Interface labels live in ``TEXT`` (both languages) rather than the gettext catalogue, so that
this module and its templates can change without touching the shared catalogue.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from pipeline import catalog, release
from pipeline.export import csv_text
from pipeline.pages import Page, SiteData, register

PREVIEW_ROWS = 10
RELEASES_URL = "datasets/releases/"
FEED_URL = "datasets/releases.atom"
LABEL_FIELDS = ("title_{lang}", "name_{lang}", "name", "title_vi", "name_vi")
ATOM = "http://www.w3.org/2005/Atom"

TEXT = {
    "vi": {
        "datasets": "Dữ liệu mở", "resources": "Các bảng dữ liệu", "downloads": "Tải về",
        "file": "Tệp", "format": "Định dạng", "size": "Dung lượng (byte)", "checksum": "SHA-256",
        "dictionary": "Từ điển dữ liệu", "field": "Trường", "type": "Kiểu",
        "constraints": "Ràng buộc", "description": "Mô tả", "preview": "Xem trước",
        "preview_note": "{shown} dòng đầu trong tổng số {total} dòng, đúng như trong tệp CSV.",
        "withheld": "Không công bố (dữ liệu cá nhân)", "licence": "Giấy phép",
        "cite": "Trích dẫn", "temporal": "Thời gian", "spatial": "Phạm vi địa lý",
        "last_change": "Thay đổi gần nhất", "version": "Phiên bản", "rows": "Số dòng",
        "releases": "Các phiên bản", "release": "Phiên bản", "date": "Ngày",
        "previous": "Phiên bản trước", "first_release": "Phiên bản đầu tiên.",
        "added": "Thêm", "removed": "Bỏ", "changed": "Sửa", "no_change": "Không thay đổi.",
        "what_changed": "Những gì đã thay đổi", "old": "Cũ", "new": "Mới", "row": "Dòng",
        "metadata": "Siêu dữ liệu", "feed": "Nguồn tin Atom về các phiên bản",
        "fields_added": "Trường mới", "fields_removed": "Trường bị bỏ",
        "required": "bắt buộc", "unique": "không trùng", "one_of": "một trong",
        "pattern": "mẫu", "max_length": "tối đa {n} ký tự", "range": "từ {lo} đến {hi}",
        "min": "≥ {n}", "max": "≤ {n}", "all_files": "Các tệp của phiên bản",
        "release_title": "Phiên bản dữ liệu {version}",
    },
    "en": {
        "datasets": "Open data", "resources": "Tables", "downloads": "Downloads",
        "file": "File", "format": "Format", "size": "Size (bytes)", "checksum": "SHA-256",
        "dictionary": "Data dictionary", "field": "Field", "type": "Type",
        "constraints": "Constraints", "description": "Description", "preview": "Preview",
        "preview_note": "The first {shown} of {total} rows, exactly as in the CSV file.",
        "withheld": "Withheld (personal data)", "licence": "Licence", "cite": "How to cite",
        "temporal": "Time covered", "spatial": "Area covered", "last_change": "Last changed",
        "version": "Version", "rows": "Rows", "releases": "Releases", "release": "Release",
        "date": "Date", "previous": "Previous release", "first_release": "The first release.",
        "added": "Added", "removed": "Removed", "changed": "Changed",
        "no_change": "No change.", "what_changed": "What changed", "old": "Old",
        "new": "New", "row": "Row", "metadata": "Metadata",
        "feed": "Atom feed of releases", "fields_added": "New fields",
        "fields_removed": "Fields removed", "required": "required", "unique": "unique",
        "one_of": "one of", "pattern": "pattern", "max_length": "at most {n} characters",
        "range": "{lo} to {hi}", "min": "≥ {n}", "max": "≤ {n}",
        "all_files": "Files of this release", "release_title": "Data release {version}",
    },
}


# -- facts computed once per build ------------------------------------------------------------

def releases_dir(site: SiteData) -> Path:
    """Releases are recorded beside the data folder (``releases/`` next to ``data/``)."""
    return site.package.root.parent / "releases"


def manifests(site: SiteData) -> list[dict]:
    """Recorded releases, oldest first."""
    return site.memo("release-manifests", lambda: release.manifests(releases_dir(site)))


def diffs(site: SiteData, version: str) -> list[release.TableDiff]:
    """What changed from the previous release to ``version`` (empty for the first)."""

    def compute() -> list[release.TableDiff]:
        current = next(m for m in manifests(site) if m["version"] == version)
        if not current["previous"]:
            return []
        folder = releases_dir(site)
        return release.diff_packages(release.load_release(folder / current["previous"]),
                                     release.load_release(folder / version))

    return site.memo(f"release-diff:{version}", compute)


def build_version(site: SiteData) -> str:
    return str(site.package.descriptor.get("version", "0.0.0"))


def build_date(site: SiteData | None = None) -> str:
    """The date the export stamps: the build's (``KC_BUILD_DATE``, never the clock), else
    the release rule (``SOURCE_DATE_EPOCH``, else today) for a plain ``pelican`` run."""
    given = site.settings.get("KC_BUILD_DATE") if site is not None else None
    return given or release.release_date()


def last_changed(site: SiteData, name: str | None = None) -> str:
    """The date of the latest release that changed the resource (or anything, for the package).

    Without any recorded release, the build date.
    """
    dates = [m["date"] for m in manifests(site) if not m["previous"]
             or any(sum(c.values()) for r, c in m["changes"].items() if name in (None, r))]
    return dates[-1] if dates else build_date(site)


def downloads(site: SiteData) -> list[dict]:
    return list(site.settings.get("KC_DOWNLOADS") or [])


# -- page parts ---------------------------------------------------------------------------

def constraint_text(spec: dict, t: dict) -> str:
    """A field's constraints in words: required, unique, range, allowed values, pattern."""
    c = spec.get("constraints", {})
    parts = [t[k] for k in ("required", "unique") if c.get(k)]
    if "minimum" in c and "maximum" in c:
        parts.append(t["range"].format(lo=c["minimum"], hi=c["maximum"]))
    elif "minimum" in c or "maximum" in c:
        key = "min" if "minimum" in c else "max"
        parts.append(t[key].format(n=c.get("minimum", c.get("maximum"))))
    if "maxLength" in c:
        parts.append(t["max_length"].format(n=c["maxLength"]))
    if "enum" in c:
        parts.append(f"{t['one_of']}: {', '.join(map(str, c['enum']))}")
    if "pattern" in c:
        parts.append(f"{t['pattern']}: {c['pattern']}")
    return "; ".join(parts)


def dictionary(site: SiteData, name: str, lang: str) -> list[dict]:
    """One row per schema field, private ones marked withheld (their values never shown)."""
    t = TEXT[lang]
    suffix = "" if lang == "vi" else "_en"
    return [{"name": f["name"], "title": f.get(f"title{suffix}") or f.get("title", ""),
             "type": f.get("type", "string"), "constraints": constraint_text(f, t),
             "description": f.get(f"description{suffix}") or f.get("description", ""),
             "withheld": bool(f.get("private"))} for f in site.package.fields(name)]


def preview(site: SiteData, name: str) -> dict:
    """The first rows of the public fields, as the CSV writes them."""
    columns = [f["name"] for f in site.package.fields(name) if not f.get("private")]
    rows = site.records(name)
    return {"columns": columns, "total": len(rows),
            "rows": [[csv_text(row[c]) for c in columns] for row in rows[:PREVIEW_ROWS]]}


def download_rows(site: SiteData, owner: str, kinds: tuple[str, ...] = ("data",)) -> list[dict]:
    """The downloads of a resource (or the package) with file name, format, size and hash."""
    return [{"name": d["path"].rsplit("/", 1)[-1], "url": d["path"],
             "format": d["format"].upper(), "bytes": d["bytes"], "sha256": d["sha256"]}
            for d in downloads(site) if d["resource"] == owner and d["kind"] in kinds]


def coverage(site: SiteData, name: str | None, lang: str) -> dict:
    years = catalog.coverage_years(site.package, name)
    return {"temporal": f"{years[0]}–{years[1]}" if years else "",
            "spatial": catalog.spatial_names(site.package)[lang]}


def common(site: SiteData, name: str | None, lang: str) -> dict:
    """What the package page and every resource page share."""
    version, created = build_version(site), build_date(site)
    return {
        "t": TEXT[lang], "version": version, "last_change": last_changed(site, name),
        "citation": catalog.citation(site.package, version=version, created=created,
                                     lang=lang, name=name),
        "coverage": coverage(site, name, lang),
        "jsonld": catalog.dataset_jsonld(site.package, downloads(site), version=version,
                                         created=created, name=name, lang=lang),
        "description": catalog.description_in(
            (site.package.resource(name) if name else site.package.descriptor)
            .get("description", ""), lang),
        "feed_url": FEED_URL if manifests(site) else None,
    }


# -- builders ------------------------------------------------------------------------------

@register("datasets")
def dataset_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """``/datasets/`` for the package, ``/datasets/<resource>/`` for each resource."""
    package = site.package
    whole = package.descriptor["name"]
    resources = [{"name": n, "url": f"datasets/{n}/", "rows": len(site.records(n)),
                  "title": catalog.bilingual(package.resource(n).get("title", n), lang),
                  "description": catalog.description_in(
                      package.resource(n).get("description", ""), lang)}
                 for n in package.resource_names]
    yield Page("datasets/", "datasets.html", {
        **common(site, None, lang), "resources": resources,
        "downloads": download_rows(site, whole),
        "metadata": download_rows(site, whole, ("metadata",)),
        "releases": release_summaries(site, lang)[::-1],
    }, "datasets", catalog.bilingual(package.descriptor["title"], lang))
    for item in resources:
        name = item["name"]
        yield Page(item["url"], "dataset.html", {
            **common(site, name, lang), "resource": item,
            "dictionary": dictionary(site, name, lang), "preview": preview(site, name),
            "downloads": download_rows(site, name),
        }, "dataset", item["title"])


def release_summaries(site: SiteData, lang: str) -> list[dict]:
    """Each release with its page address and counts, oldest first."""
    return [{"version": m["version"], "date": m["date"], "previous": m["previous"],
             "url": f"{RELEASES_URL}{m['version']}/", "changes": m["changes"],
             "title": TEXT[lang]["release_title"].format(version=m["version"])}
            for m in manifests(site)]


def row_label(row: dict, key: list[str], lang: str) -> str:
    """A row as a reader recognises it: its key, then its title or name when it has one."""
    ident = " · ".join(csv_text(row[k]) for k in key) if key else ""
    label = next((row[f.format(lang=lang)] for f in LABEL_FIELDS
                  if row.get(f.format(lang=lang))), "")
    return f"{ident} — {label}" if ident and label else ident or label


def change_sections(site: SiteData, version: str, lang: str) -> list[dict]:
    """Per resource: rows added, removed and changed (field, old, new) for a release page."""
    sections = []
    for diff in diffs(site, version):
        changed = [{"label": " · ".join(csv_text(v) for v in c.key),
                    "fields": [{"name": f, "old": csv_text(old) or "—",
                                "new": csv_text(new) or "—"}
                               for f, (old, new) in c.fields.items()]}
                   for c in diff.changed]
        sections.append({
            "resource": diff.resource, "counts": diff.counts(), "empty": diff.empty,
            "added": [row_label(r, diff.key, lang) for r in diff.added],
            "removed": [row_label(r, diff.key, lang) for r in diff.removed],
            "changed": changed, "fields_added": diff.fields_added,
            "fields_removed": diff.fields_removed})
    return sections


@register("releases")
def release_pages(site: SiteData, lang: str) -> Iterator[Page]:
    """A "what changed" page per release, the Atom feed, and the release files themselves."""
    summaries = release_summaries(site, lang)
    for summary in summaries:
        version = summary["version"]
        manifest = next(m for m in manifests(site) if m["version"] == version)
        files = [{**f, "name": f["path"], "url": f"data/releases/{version}/{f['path']}"}
                 for f in manifest["files"]]
        files.append({"name": release.MANIFEST, "url": f"data/releases/{version}/manifest.json",
                      "bytes": None, "sha256": None})
        yield Page(summary["url"], "release.html", {
            "t": TEXT[lang], "release": summary, "files": files,
            "sections": change_sections(site, version, lang), "feed_url": FEED_URL,
        }, "release", summary["title"])
        yield from release_downloads(site, version)
    if summaries:
        yield Page(FEED_URL, None, {}, "feed", TEXT[lang]["feed"],
                   body=atom_feed(site, summaries, lang))


def release_downloads(site: SiteData, version: str) -> Iterator[Page]:
    """Every file of a release at its permanent address ``/data/releases/<v>/<file>``."""
    for name, data in release.published_files(releases_dir(site), version).items():
        yield Page(f"data/releases/{version}/{name}", None, {}, "download", name, body=data,
                   shared=True)


def atom_feed(site: SiteData, summaries: list[dict], lang: str) -> bytes:
    """An Atom feed announcing each release, newest first, with its counts of changes."""
    package, t = site.package, TEXT[lang]
    prefix = "" if lang == "vi" else f"{lang}/"
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    add = ET.SubElement
    add(feed, f"{{{ATOM}}}title").text = f"{catalog.bilingual(package.descriptor['title'], lang)}"\
        f" — {t['releases']}"
    add(feed, f"{{{ATOM}}}id").text = catalog.absolute(package, prefix + FEED_URL)
    add(feed, f"{{{ATOM}}}updated").text = f"{summaries[-1]['date']}T00:00:00Z"
    add(feed, f"{{{ATOM}}}link", {"rel": "self",
                                  "href": catalog.absolute(package, prefix + FEED_URL)})
    add(add(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = catalog.bilingual(
        catalog.publisher(package)["title"], lang)
    for summary in reversed(summaries):
        entry = add(feed, f"{{{ATOM}}}entry")
        url = catalog.absolute(package, prefix + summary["url"])
        add(entry, f"{{{ATOM}}}title").text = summary["title"]
        add(entry, f"{{{ATOM}}}id").text = url
        add(entry, f"{{{ATOM}}}updated").text = f"{summary['date']}T00:00:00Z"
        add(entry, f"{{{ATOM}}}link", {"href": url})
        add(entry, f"{{{ATOM}}}summary").text = change_summary(summary, t)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8",
                                                                     xml_declaration=False)


def change_summary(summary: dict, t: dict) -> str:
    """``projects: +1 −1 ~2; …`` or the first-release sentence."""
    if not summary["previous"]:
        return t["first_release"]
    parts = [f"{name}: +{c['added']} −{c['removed']} ~{c['changed']}"
             for name, c in summary["changes"].items() if sum(c.values())]
    return "; ".join(parts) or t["no_change"]
