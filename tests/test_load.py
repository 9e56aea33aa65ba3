"""The loader: tiny packages read into typed frames; what Excel breaks is a problem, not a crash."""

from __future__ import annotations

import pytest

from pipeline.load import PackageError, load_package


def test_tiny_package_loads_typed(tiny_package):
    package, report = load_package(tiny_package)
    assert report.ok, report.to_dict()
    projects = package["projects"]
    assert str(projects["state_support_vnd"].dtype) == "Int64"
    assert projects["state_support_vnd"].sum() == 610_000_000
    assert package["establishments"]["showcase"].tolist() == [True, False]
    assert package.private_fields("establishments") == ["owner_name", "phone"]


def test_missing_descriptor_is_an_exception(tmp_path):
    with pytest.raises(PackageError, match=r"datapackage\.yaml"):
        load_package(tmp_path)


def test_bom_and_crlf_are_accepted(tiny_package):
    path = tiny_package / "projects.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    package, report = load_package(tiny_package)
    assert report.ok
    assert package["projects"]["project_id"].iloc[0] == "p-04-2019-001"


def test_nfd_text_is_normalised_to_nfc(tiny_package):
    import unicodedata

    path = tiny_package / "establishments.csv"
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")),
                    encoding="utf-8")
    package, _ = load_package(tiny_package)
    name = package["establishments"]["name"].iloc[0]
    assert name == unicodedata.normalize("NFC", name)
    assert "Hòa An" in name


def test_blank_lines_are_dropped_but_rows_keep_their_file_numbers(tiny_package):
    """Rules report ``index + 2``: after a blank line that must still be the file's row."""
    path = tiny_package / "projects.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n", encoding="utf-8")
    package, _ = load_package(tiny_package)
    ids = package.raw["projects"]["project_id"]
    assert [int(i) + 2 for i in ids.index] == [2, 4, 5]
    assert ids.tolist() == ["p-04-2019-001", "p-04-2021-001", "p-04-2021-002"]


def test_rule_after_a_blank_line_names_the_file_row(make_package):
    from pipeline.validate import validate_package

    def over_ceiling(rows):
        rows["projects"][1]["state_support_vnd"] = "900000000"

    root = make_package(over_ceiling)
    path = root / "projects.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n", encoding="utf-8")
    _, report = validate_package(root)
    rows = {p.row for p in report.errors if p.type == "support-over-ceiling"}
    assert rows == {4}
