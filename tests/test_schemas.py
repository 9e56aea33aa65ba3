"""Meta tests that keep the public contract honest: every field documented in both languages."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import DATA

DESCRIPTOR = yaml.safe_load((DATA / "datapackage.yaml").read_text(encoding="utf-8"))
RESOURCES = DESCRIPTOR["resources"]
FIELDS = [
    (resource["name"], field)
    for resource in RESOURCES
    for field in yaml.safe_load((DATA / resource["schema"]).read_text(encoding="utf-8"))["fields"]
]


@pytest.mark.parametrize("key", ["name", "title", "description", "version", "licenses",
                                 "sources", "contributors"])
def test_descriptor_has(key):
    assert DESCRIPTOR.get(key)


def test_licence_is_cc_by():
    assert [lic["name"] for lic in DESCRIPTOR["licenses"]] == ["CC-BY-4.0"]


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r["name"])
def test_resource_file_and_schema_exist(resource):
    assert (DATA / resource["path"]).is_file()
    assert (DATA / resource["schema"]).is_file()
    assert resource["path"] == f"{resource['name']}.csv"
    assert resource["schema"] == f"schemas/{resource['name']}.yaml"


@pytest.mark.parametrize(("resource", "field"), FIELDS,
                         ids=[f"{r}.{f['name']}" for r, f in FIELDS])
def test_field_is_documented_in_both_languages(resource, field):
    for key in ("title", "title_en", "description", "description_en", "type"):
        assert field.get(key), f"{resource}.{field['name']} lacks {key}"


def test_personal_fields_are_private():
    private = {(r, f["name"]) for r, f in FIELDS if f.get("private")}
    assert {("establishments", "owner_name"), ("establishments", "phone")} <= private


@pytest.mark.parametrize("resource", ["admin-units", "establishments", "projects",
                                      "annual-plans"])
def test_geographic_rows_carry_a_province_code(resource):
    names = [f["name"] for r, f in FIELDS if r == resource]
    assert "province_code" in names
