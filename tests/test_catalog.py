"""Catalogue metadata: schema.org JSON-LD, DCAT-US data.json and a DCAT-AP 3.0 catalogue."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyshacl
import pytest
import rdflib

from pipeline import catalog
from pipeline.export import export_open_data
from pipeline.load import load_package

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT.parent / "shared" / "reference" / "dcat-ap-3.0.0" / "dcat-ap-SHACL.ttl"
BASE = "https://khuyencong-caobang.example.org/"
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


@pytest.fixture
def exported(tiny_package: Path, tmp_path: Path):
    """The tiny package exported to tmp_path/out: (package, out_dir, downloads)."""
    package, report = load_package(tiny_package)
    assert report.ok
    downloads = export_open_data(package, tmp_path / "out", version="0.1.0",
                                 created="2026-11-27")
    return package, tmp_path / "out", downloads


def data_urls(package, downloads, owner=None) -> set[str]:
    return {BASE + d["path"] for d in downloads if d["kind"] == "data"
            and (owner is None or d["resource"] == owner)}


def jsonld(exported, name=None, lang="vi") -> dict:
    package, _, downloads = exported
    return catalog.dataset_jsonld(package, downloads, version="0.1.0", created="2026-11-27",
                                  name=name, lang=lang)


# -- schema.org ------------------------------------------------------------------------------

def test_package_jsonld_names_every_data_download(exported):
    package, _, downloads = exported
    document = json.loads(json.dumps(jsonld(exported)))
    assert data_urls(package, downloads) == {d["contentUrl"] for d in document["distribution"]}


@pytest.mark.parametrize("name", ["projects", "establishments", "sectors", "admin-units"])
def test_resource_jsonld_names_its_own_downloads(exported, name):
    package, _, downloads = exported
    distribution = jsonld(exported, name)["distribution"]
    assert data_urls(package, downloads, name) == {d["contentUrl"] for d in distribution}


@pytest.mark.parametrize("name", [None, "admin-units", "unit-crosswalk", "content-types",
                                  "sectors", "establishments", "projects", "annual-plans"])
def test_jsonld_has_what_dataset_search_needs(exported, name):
    document = jsonld(exported, name)
    expected = {"type": "Dataset", "license": "https://creativecommons.org/licenses/by/4.0/",
                "creator": "Organization", "temporal": "2019/2021", "description_ok": True,
                "spatial": "Cao Bằng Province, Vietnam"}
    actual = {"type": document["@type"], "license": document["license"],
              "creator": document["creator"]["@type"],
              "temporal": document["temporalCoverage"],
              "description_ok": 50 <= len(document["description"]) <= 5000,
              "spatial": jsonld(exported, name, "en")["spatialCoverage"]["name"]}
    assert expected == actual


def test_resource_jsonld_lists_only_public_variables(exported):
    assert "owner_name" not in jsonld(exported, "establishments")["variableMeasured"]


@pytest.mark.parametrize(("text", "short", "long_"), [
    ("tiny", 50, 5000), ("x " * 4000, 50, 5000), ("A description of the projects." * 3, 50, 5000),
])
def test_descriptions_are_kept_between_50_and_5000_characters(exported, text, short, long_):
    package = exported[0]
    descriptor = {**package.descriptor, "description": text}
    descriptor["resources"] = [{**r, "description": text} for r in descriptor["resources"]]
    changed = dataclasses.replace(package, descriptor=descriptor)
    lengths = [len(catalog.describe(changed, name)) for name in [None, "projects"]]
    assert all(short <= n <= long_ for n in lengths), lengths


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Đề án khuyến công (Projects)", "vi", "Đề án khuyến công"),
    ("Đề án khuyến công (Projects)", "en", "Projects"),
    ("Khuyến công Open Data", "en", "Khuyến công Open Data"),
    ("Sở Công Thương tỉnh Cao Bằng (Cao Bằng Department of Industry and Trade)", "en",
     "Cao Bằng Department of Industry and Trade"),
])
def test_bilingual(text, lang, expected):
    assert expected == catalog.bilingual(text, lang)


@pytest.mark.parametrize(("lang", "name", "expected"), [
    ("vi", None, "phiên bản 0.2.0 (ngày phát hành 2027-01-02)"),
    ("en", None, "version 0.2.0 (released 2027-01-02)"),
    ("en", "projects", f"Projects, version 0.2.0 (released 2027-01-02). CC-BY-4.0. "
                       f"{BASE}en/datasets/projects/"),
])
def test_citation_names_version_date_and_address(exported, lang, name, expected):
    text = catalog.citation(exported[0], version="0.2.0", created="2027-01-02", lang=lang,
                            name=name)
    assert expected in text


# -- Project Open Data (DCAT-US 1.1) -----------------------------------------------------------

POD_REQUIRED = {"title", "description", "keyword", "modified", "publisher", "contactPoint",
                "identifier", "accessLevel", "license", "distribution"}


def test_data_json_parses_and_names_every_distribution(exported):
    package, out, downloads = exported
    document = json.loads((out / "data.json").read_text(encoding="utf-8"))
    urls = {d["downloadURL"] for ds in document["dataset"] for d in ds["distribution"]}
    assert data_urls(package, downloads) == urls


def test_data_json_datasets_have_the_required_fields(exported):
    package, out, _ = exported
    document = json.loads((out / "data.json").read_text(encoding="utf-8"))
    missing = {ds["identifier"]: sorted(POD_REQUIRED - set(ds)) for ds in document["dataset"]}
    expected = {BASE + catalog.page_path(n): [] for n in [None, *package.resource_names]}
    assert expected == missing
    expected = "https://project-open-data.cio.gov/v1.1/schema"
    assert expected == document["conformsTo"]


# -- DCAT-AP 3.0 ------------------------------------------------------------------------------

def shacl(graph: rdflib.Graph) -> tuple[bool, str]:
    """The official DCAT-AP 3.0.0 shapes live beside the project (shared/), not in it."""
    if not SHAPES.is_file():
        pytest.skip(f"DCAT-AP SHACL shapes not found at {SHAPES}")
    conforms, _, text = pyshacl.validate(graph, shacl_graph=rdflib.Graph().parse(SHAPES))
    return conforms, text


def dcat_graph(out: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(out / "data" / "catalog.jsonld", format="json-ld")


def test_dcat_ap_catalogue_conforms_to_the_official_shapes(exported):
    conforms, text = shacl(dcat_graph(exported[1]))
    assert conforms, text


def test_dcat_ap_shapes_catch_a_distribution_without_access_url(exported):
    graph = dcat_graph(exported[1])
    graph.remove((next(graph.subjects(rdflib.RDF.type, DCAT.Distribution)), DCAT.accessURL,
                  None))
    conforms, text = shacl(graph)
    expected = (False, True)
    assert expected == (conforms, "accessURL" in text)


def test_dcat_ap_catalogue_names_every_distribution(exported):
    package, out, downloads = exported
    urls = {str(o) for o in dcat_graph(out).objects(None, DCAT.accessURL)}
    assert data_urls(package, downloads) == urls


def test_dcat_ap_publisher_has_a_name(exported):
    graph = dcat_graph(exported[1])
    foaf = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
    catalogue = next(graph.subjects(rdflib.RDF.type, DCAT.Catalog))
    publisher = graph.value(catalogue, rdflib.DCTERMS.publisher)
    names = {str(n) for n in graph.objects(publisher, foaf.name)}
    assert {"Sở Công Thương tỉnh Cao Bằng", "Cao Bằng Department of Industry and Trade"} == names


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Mỗi dòng là một đề án được hỗ trợ (dữ liệu minh họa). One row per supported project "
     "(illustrative).", "vi", "Mỗi dòng là một đề án được hỗ trợ (dữ liệu minh họa)."),
    ("Mỗi dòng là một đề án được hỗ trợ (dữ liệu minh họa). One row per supported project "
     "(illustrative).", "en", "One row per supported project (illustrative)."),
    ("Tám nội dung tại Điều 4 Nghị định 45/2012/NĐ-CP. The eight activity contents of Decree "
     "45/2012/ND-CP, Article 4.", "en", "The eight activity contents of Decree 45/2012/ND-CP, "
                                        "Article 4."),
    ("Units of Cao Bằng province. Provinces only.", "en",
     "Units of Cao Bằng province. Provinces only."),
    ("Only English here.", "vi", "Only English here."),
])
def test_description_in_one_language(text, lang, expected):
    assert expected == catalog.description_in(text, lang)


@pytest.mark.parametrize(("email", "expected"), [
    ("congthuong@example.org", "mailto:congthuong@example.org"),
    (None, None),
])
def test_data_json_contact_has_the_publisher_email_when_the_descriptor_gives_one(
        exported, email, expected):
    package, _, downloads = exported
    descriptor = json.loads(json.dumps(package.descriptor))
    publisher = next(c for c in descriptor["contributors"] if c.get("role") == "publisher")
    if email:
        publisher["email"] = email
    changed = dataclasses.replace(package, descriptor=descriptor)
    document = catalog.data_json(changed, downloads, created="2026-11-27")
    assert [expected] * len(document["dataset"]) == [
        ds["contactPoint"].get("hasEmail") for ds in document["dataset"]]
