"""Catalogue metadata, so that search engines and data portals find and harvest the data.

Three audiences, three vocabularies, one source (the package descriptor and the list of
downloads that ``pipeline.export`` wrote):

- schema.org ``Dataset`` JSON-LD for each dataset page (Google Dataset Search);
- ``output/data.json`` in the Project Open Data / DCAT-US 1.1 form (US-style harvesters, JKAN);
- ``output/data/catalog.jsonld``, a DCAT-AP 3.0 catalogue (EU-style harvesters), checked in the
  tests against the official SHACL shapes.

Everything here is a pure function of its arguments and returns plain dicts or bytes, so the
output is byte-identical for the same package, downloads and ``created`` date. Absolute URLs
are built from the descriptor's ``homepage``: the package's permanent address.
"""

from __future__ import annotations

import json
import re

from pipeline.load import Package

SCHEMA_ORG_MIN, SCHEMA_ORG_MAX = 50, 5000
IANA = "https://www.iana.org/assignments/media-types/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
FILE_TYPES = {"csv": "CSV", "json": "JSON", "xlsx": "XLSX", "zip": "ZIP", "datapackage": "JSON"}
DATA_FORMATS = ("csv", "json", "xlsx", "zip")
CATALOG_PATH = "data/catalog.jsonld"
DATA_JSON_PATH = "data.json"


# -- facts taken from the package ---------------------------------------------------------

def site_url(package: Package) -> str:
    """The permanent base address of the site, with a trailing slash."""
    return package.descriptor.get("homepage", "https://example.org/").rstrip("/") + "/"


def absolute(package: Package, path: str) -> str:
    return site_url(package) + path.lstrip("/")


def page_path(name: str | None = None, lang: str = "vi") -> str:
    """The dataset page of the package (``name`` None) or of one resource, per the contract."""
    prefix = "" if lang == "vi" else f"{lang}/"
    return f"{prefix}datasets/" + (f"{name}/" if name else "")


def publisher(package: Package) -> dict:
    """The contributor with the publisher role (the first contributor if none has it)."""
    contributors = package.descriptor.get("contributors", [])
    chosen = next((c for c in contributors if c.get("role") == "publisher"), None)
    return chosen or (contributors[0] if contributors else {"title": package.descriptor["name"]})


def licence(package: Package) -> dict:
    return package.descriptor["licenses"][0]


def bilingual(text: str, lang: str) -> str:
    """One language of a ``Tiếng Việt (English)`` title; the whole text when not in that form."""
    if text.endswith(")") and " (" in text:
        vi, en = text[:-1].split(" (", 1)
        return vi if lang == "vi" else en
    return text


VIETNAMESE = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
SENTENCE = re.compile(r"(?<=[.!?)])\s+(?=[A-ZĐÀ-Ỹ])")


def is_vietnamese(sentence: str) -> bool:
    """Most words carry Vietnamese letters (an English sentence may name Cao Bằng)."""
    words = sentence.split()
    marked = sum(1 for w in words if VIETNAMESE & set(w.lower()))
    return bool(words) and marked / len(words) >= 0.25


def description_in(text: str, lang: str) -> str:
    """The sentences of a mixed ``Tiếng Việt. English.`` description in one language.

    The descriptor writes both languages in one field; pages show one. When no sentence is
    in the asked language the whole text is returned rather than nothing.
    """
    sentences = SENTENCE.split(" ".join(text.split()))
    chosen = [s for s in sentences if is_vietnamese(s) == (lang == "vi")]
    return " ".join(chosen) or " ".join(sentences)


def coverage_years(package: Package, name: str | None = None) -> tuple[int, int] | None:
    """First and last plan year of a resource, or of every resource with a ``year`` field."""
    names = [name] if name else package.resource_names
    years = [package.frames[n]["year"].dropna() for n in names
             if n in package.frames and "year" in package.frames[n].columns]
    years = [y for y in years if len(y)]
    if not years and name:
        return coverage_years(package)
    if not years:
        return None
    return int(min(y.min() for y in years)), int(max(y.max() for y in years))


def spatial_names(package: Package) -> dict[str, str]:
    """The province(s) the data covers, in both languages, from the admin-units resource."""
    frame = package.frames.get("admin-units")
    if frame is None or "level" not in frame.columns:
        return {"vi": "Việt Nam", "en": "Vietnam"}
    provinces = frame[frame["level"] == "province"]
    return {"vi": ", ".join(provinces["name_vi"].dropna()) + ", Việt Nam",
            "en": ", ".join(provinces["name_en"].dropna()) + ", Vietnam"}


def describe(package: Package, name: str | None = None) -> str:
    """A description between 50 and 5,000 characters, as Google Dataset Search requires.

    A short text is followed by the package's own description, then by a sentence made from
    the title, publisher and licence; a long one is cut at a word boundary.
    """
    own = package.resource(name).get("description", "") if name else ""
    parts = [own, package.descriptor.get("description", ""),
             f"{title(package, name)}: open data published by {publisher(package)['title']} "
             f"under the {licence(package)['name']} licence."]
    text = ""
    for part in (" ".join(p.split()) for p in parts):
        if len(text) >= SCHEMA_ORG_MIN:
            break
        text = f"{text} {part}".strip()
    return text[:SCHEMA_ORG_MAX].rsplit(" ", 1)[0] if len(text) > SCHEMA_ORG_MAX else text


def title(package: Package, name: str | None = None) -> str:
    return package.resource(name).get("title", name) if name else package.descriptor["title"]


def citation(package: Package, *, version: str, created: str, lang: str = "vi",
             name: str | None = None) -> str:
    """How to cite the data: publisher, year, title, version, date and permanent address."""
    url = absolute(package, page_path(name, lang))
    label = "phiên bản" if lang == "vi" else "version"
    accessed = "ngày phát hành" if lang == "vi" else "released"
    return (f"{bilingual(publisher(package)['title'], lang)} ({created[:4]}). "
            f"{bilingual(title(package, name), lang)}, {label} {version} ({accessed} "
            f"{created[:10]}). {licence(package)['name']}. {url}")


def downloads_for(downloads: list[dict], owner: str, formats=DATA_FORMATS) -> list[dict]:
    """The data downloads of one resource (or of the whole package, under its name)."""
    return [d for d in downloads if d["resource"] == owner and d["format"] in formats]


def dataset_downloads(package: Package, downloads: list[dict], name: str | None,
                      everything: bool = False) -> list[dict]:
    """A resource's own CSV and JSON; for the package, its workbook and ZIP.

    ``everything`` adds every resource's files to the package (a dataset page lists them all;
    a DCAT graph must not, since a distribution belongs to one dataset).
    """
    if name is None and everything:
        return [d for d in downloads if d["format"] in DATA_FORMATS]
    return downloads_for(downloads, name or package.descriptor["name"])


# -- schema.org -------------------------------------------------------------------------------

def organisation(package: Package) -> dict:
    return {"@type": "Organization", "name": publisher(package)["title"],
            "url": site_url(package)}


def dataset_jsonld(package: Package, downloads: list[dict], *, version: str, created: str,
                   name: str | None = None, lang: str = "vi") -> dict:
    """schema.org ``Dataset`` for a dataset page: one ``DataDownload`` per download."""
    years = coverage_years(package, name)
    spatial = spatial_names(package)
    result = {
        "@context": "https://schema.org/", "@type": "Dataset",
        "name": title(package, name), "description": describe(package, name),
        "url": absolute(package, page_path(name, lang)),
        "identifier": absolute(package, page_path(name)),
        "version": version, "dateModified": created[:10],
        "inLanguage": ["vi", "en"], "isAccessibleForFree": True,
        "keywords": package.descriptor.get("keywords", []),
        "license": licence(package)["path"],
        "creator": organisation(package), "publisher": organisation(package),
        "spatialCoverage": {"@type": "Place", "name": spatial[lang]},
        "citation": citation(package, version=version, created=created, lang=lang, name=name),
        "includedInDataCatalog": {"@type": "DataCatalog", "name": package.descriptor["title"],
                                  "url": absolute(package, page_path(None, lang))},
        "distribution": [data_download(package, d) for d in
                         dataset_downloads(package, downloads, name, everything=True)],
    }
    if years:
        result["temporalCoverage"] = f"{years[0]}/{years[1]}"
    if name is None:
        result["hasPart"] = [{"@type": "Dataset", "name": title(package, n),
                              "url": absolute(package, page_path(n, lang))}
                             for n in package.resource_names]
    else:
        result["variableMeasured"] = [f["name"] for f in package.fields(name)
                                      if not f.get("private")]
    return result


def data_download(package: Package, download: dict) -> dict:
    return {"@type": "DataDownload", "name": download["path"].rsplit("/", 1)[-1],
            "encodingFormat": download["media_type"],
            "contentUrl": absolute(package, download["path"]),
            "contentSize": f"{download['bytes']} B", "sha256": download["sha256"]}


# -- Project Open Data (DCAT-US 1.1) -----------------------------------------------------------

def pod_dataset(package: Package, downloads: list[dict], *, created: str,
                name: str | None) -> dict:
    """One DCAT-US 1.1 dataset entry (the package, or one resource that is part of it)."""
    years = coverage_years(package, name)
    contact = {"@type": "vcard:Contact", "fn": publisher(package)["title"]}
    if publisher(package).get("email"):
        contact["hasEmail"] = f"mailto:{publisher(package)['email']}"
    entry = {
        "@type": "dcat:Dataset", "title": title(package, name),
        "description": describe(package, name),
        "keyword": package.descriptor.get("keywords", []), "modified": created[:10],
        "publisher": {"@type": "org:Organization", "name": publisher(package)["title"]},
        "contactPoint": contact, "identifier": absolute(package, page_path(name)),
        "accessLevel": "public", "license": licence(package)["path"],
        "spatial": spatial_names(package)["en"], "language": ["vi", "en"],
        "landingPage": absolute(package, page_path(name)),
        "describedBy": absolute(package, "data/datapackage.json"),
        "describedByType": "application/json",
        "distribution": [pod_distribution(package, d)
                         for d in dataset_downloads(package, downloads, name)],
    }
    if years:
        entry["temporal"] = f"{years[0]}-01-01/{years[1]}-12-31"
    if name is not None:
        entry["isPartOf"] = absolute(package, page_path(None))
    return entry


def pod_distribution(package: Package, download: dict) -> dict:
    return {"@type": "dcat:Distribution", "title": download["path"].rsplit("/", 1)[-1],
            "downloadURL": absolute(package, download["path"]),
            "mediaType": download["media_type"], "format": FILE_TYPES[download["format"]]}


def data_json(package: Package, downloads: list[dict], *, created: str) -> dict:
    """The Project Open Data catalogue: the package, then each resource."""
    names = [None, *package.resource_names]
    return {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": absolute(package, DATA_JSON_PATH), "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": [pod_dataset(package, downloads, created=created, name=n) for n in names],
    }


# -- DCAT-AP 3.0 (JSON-LD) -----------------------------------------------------------------

DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "spdx": "http://spdx.org/rdf/terms#", "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}
SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"


def texts(package: Package, text: str) -> list[dict]:
    """A literal tagged with both languages' halves, or once untagged-by-half as Vietnamese."""
    vi, en = bilingual(text, "vi"), bilingual(text, "en")
    if vi == en:
        return [{"@value": text, "@language": "vi"}]
    return [{"@value": vi, "@language": "vi"}, {"@value": en, "@language": "en"}]


def typed(value: str, kind: str) -> dict:
    return {"@value": value, "@type": f"xsd:{kind}"}


def node(iri: str, kind: str | None = None) -> dict:
    """A reference; with ``kind`` it also states the class the DCAT-AP shapes expect."""
    return {"@id": iri, "@type": kind} if kind else {"@id": iri}


def languages() -> list[dict]:
    return [node(EU_LANGUAGE + code, "dct:LinguisticSystem") for code in ("VIE", "ENG")]


def catalog_iri(package: Package, fragment: str) -> str:
    return absolute(package, f"{CATALOG_PATH}#{fragment}")


def dcat_distribution(package: Package, download: dict) -> dict:
    """A DCAT-AP distribution: where to get the file, its type, size, checksum and licence."""
    url = absolute(package, download["path"])
    return {
        "@id": catalog_iri(package, download["path"].rsplit("/", 1)[-1]),
        "@type": "dcat:Distribution",
        "dct:title": download["path"].rsplit("/", 1)[-1],
        "dcat:accessURL": node(url, "rdfs:Resource"),
        "dcat:downloadURL": node(url, "rdfs:Resource"),
        "dcat:mediaType": node(IANA + download["media_type"], "dct:MediaType"),
        "dct:format": node(EU_FILE_TYPE + FILE_TYPES[download["format"]],
                           "dct:MediaTypeOrExtent"),
        "dcat:byteSize": typed(str(download["bytes"]), "nonNegativeInteger"),
        "spdx:checksum": {"@type": "spdx:Checksum",
                          "spdx:algorithm": node(SHA256, "spdx:ChecksumAlgorithm"),
                          "spdx:checksumValue": typed(download["sha256"], "hexBinary")},
        "dct:license": node(licence(package)["path"]),
    }


def dcat_dataset(package: Package, downloads: list[dict], *, version: str, created: str,
                 name: str | None) -> dict:
    """A DCAT-AP dataset: the package, or one resource that is part of it."""
    years = coverage_years(package, name)
    spatial = spatial_names(package)
    entry = {
        "@id": absolute(package, page_path(name)), "@type": "dcat:Dataset",
        "dct:title": texts(package, title(package, name)),
        "dct:description": [{"@value": describe(package, name), "@language": "vi"}],
        "dct:identifier": absolute(package, page_path(name)),
        "owl:versionInfo": version, "dct:modified": typed(created[:10], "date"),
        "dct:publisher": node(catalog_iri(package, "publisher")),
        "dct:language": languages(),
        "dcat:keyword": [{"@value": k, "@language": "vi"}
                         for k in package.descriptor.get("keywords", [])],
        "dcat:landingPage": node(absolute(package, page_path(name)), "foaf:Document"),
        "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": [
            {"@value": spatial["vi"], "@language": "vi"},
            {"@value": spatial["en"], "@language": "en"}]},
        "dcat:distribution": [dcat_distribution(package, d)
                              for d in dataset_downloads(package, downloads, name)],
    }
    if years:
        entry["dct:temporal"] = {"@type": "dct:PeriodOfTime",
                                 "dcat:startDate": typed(f"{years[0]}-01-01", "date"),
                                 "dcat:endDate": typed(f"{years[1]}-12-31", "date")}
    if name is None:
        entry["dct:hasPart"] = [node(absolute(package, page_path(n)))
                                for n in package.resource_names]
    else:
        entry["dct:isPartOf"] = node(absolute(package, page_path(None)))
    return entry


def dcat_catalog(package: Package, downloads: list[dict], *, version: str,
                 created: str) -> dict:
    """The DCAT-AP 3.0 catalogue as JSON-LD with an inline context (parses offline)."""
    names = [None, *package.resource_names]
    datasets = [dcat_dataset(package, downloads, version=version, created=created, name=n)
                for n in names]
    catalog = {
        "@id": catalog_iri(package, "catalog"), "@type": "dcat:Catalog",
        "dct:title": texts(package, package.descriptor["title"]),
        "dct:description": [{"@value": describe(package), "@language": "vi"}],
        "dct:publisher": node(catalog_iri(package, "publisher")),
        "foaf:homepage": node(site_url(package), "foaf:Document"),
        "dct:license": node(licence(package)["path"]),
        "dct:modified": typed(created[:10], "date"),
        "dct:language": languages(),
        "dcat:dataset": [node(d["@id"]) for d in datasets],
    }
    agent = {"@id": catalog_iri(package, "publisher"), "@type": "foaf:Agent",
             "foaf:name": texts(package, publisher(package)["title"])}
    licence_doc = {"@id": licence(package)["path"], "@type": "dct:LicenseDocument"}
    return {"@context": DCAT_CONTEXT, "@graph": [catalog, agent, licence_doc, *datasets]}


# -- files --------------------------------------------------------------------------------

def json_file(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def catalog_files(package: Package, downloads: list[dict], *, version: str,
                  created: str) -> list[tuple[str, str, bytes]]:
    """The catalogue files as (path relative to output/, format, bytes); export writes them."""
    return [
        (DATA_JSON_PATH, "dcat-us", json_file(data_json(package, downloads, created=created))),
        (CATALOG_PATH, "dcat-ap", json_file(dcat_catalog(package, downloads, version=version,
                                                         created=created))),
    ]
